#include "mcumgr_req.h"

#include <string.h>

#include "cbor/cbor.h"

static int done(extxip_cbor_encoder_t *e)
{
    return e->err ? -1 : (int)e->len;
}

int mcumgr_req_empty(uint8_t *buf, size_t cap)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map(&e, 0);
    return done(&e);
}

int mcumgr_req_echo(uint8_t *buf, size_t cap, const char *text)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "d");
    extxip_cbor_enc_tstr_z(&e, text);
    return done(&e);
}

int mcumgr_req_reset(uint8_t *buf, size_t cap, int force)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    if (!force)
        return mcumgr_req_empty(buf, cap);
    /* Zephyr decodes "force" as a bool (docs/protocol.md §6.7). */
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "force");
    extxip_cbor_enc_bool(&e, true);
    return done(&e);
}

int mcumgr_req_state_write(uint8_t *buf, size_t cap, const uint8_t *hash, size_t hash_len,
                           int confirm)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map(&e, hash_len ? 2 : 1);
    if (hash_len) {
        extxip_cbor_enc_tstr_z(&e, "hash");
        extxip_cbor_enc_bstr(&e, hash, hash_len);
    }
    extxip_cbor_enc_tstr_z(&e, "confirm");
    extxip_cbor_enc_bool(&e, confirm != 0);
    return done(&e);
}

int mcumgr_req_erase(uint8_t *buf, size_t cap, long long slot)
{
    extxip_cbor_encoder_t e;
    if (slot < 0)
        return mcumgr_req_empty(buf, cap);
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "slot");
    extxip_cbor_enc_uint(&e, (uint64_t)slot);
    return done(&e);
}

static int one_text(uint8_t *buf, size_t cap, const char *key, const char *val)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, key);
    extxip_cbor_enc_tstr_z(&e, val);
    return done(&e);
}

int mcumgr_req_datetime_set(uint8_t *buf, size_t cap, const char *datetime)
{
    return one_text(buf, cap, "datetime", datetime);
}

int mcumgr_req_bootloader_info(uint8_t *buf, size_t cap, const char *query)
{
    if (!query)
        return mcumgr_req_empty(buf, cap);
    return one_text(buf, cap, "query", query);
}

int mcumgr_req_os_info(uint8_t *buf, size_t cap, const char *format)
{
    return one_text(buf, cap, "format", format);
}

int mcumgr_req_upload(uint8_t *buf, size_t cap, const mcumgr_upload_req_t *r)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, buf, cap);
    if (r->off == 0) {
        int with_sha = r->sha && r->sha_len;
        extxip_cbor_enc_map(&e, with_sha ? 6 : 5);
        extxip_cbor_enc_tstr_z(&e, "len");
        extxip_cbor_enc_uint(&e, r->total_len);
        extxip_cbor_enc_tstr_z(&e, "off");
        extxip_cbor_enc_uint(&e, 0);
        if (with_sha) {
            extxip_cbor_enc_tstr_z(&e, "sha");
            extxip_cbor_enc_bstr(&e, r->sha, r->sha_len);
        }
        extxip_cbor_enc_tstr_z(&e, "data");
        extxip_cbor_enc_bstr(&e, r->data, r->data_len);
        extxip_cbor_enc_tstr_z(&e, "image");
        extxip_cbor_enc_uint(&e, r->image);
        extxip_cbor_enc_tstr_z(&e, "upgrade");
        extxip_cbor_enc_bool(&e, r->upgrade != 0);
    } else {
        extxip_cbor_enc_map(&e, 2);
        extxip_cbor_enc_tstr_z(&e, "off");
        extxip_cbor_enc_uint(&e, r->off);
        extxip_cbor_enc_tstr_z(&e, "data");
        extxip_cbor_enc_bstr(&e, r->data, r->data_len);
    }
    return done(&e);
}
