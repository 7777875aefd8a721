/*
 * A tiny fake SMP device for the mcumgr tests: MCUmgr params, echo and image upload
 * with the session rules of docs/protocol.md §7.5 (unexpected offset answered with the
 * device's offset, resume on a matching sha, session forgotten on "reset").
 * Replies are Zephyr-style indefinite maps.
 */
#ifndef MCUMGR_FAKE_DEVICE_H
#define MCUMGR_FAKE_DEVICE_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cbor/cbor.h"
#include "mcumgr_link.h"
#include "mcumgr_req.h"

#define IMG_SIZE 60000

typedef struct {
    int fd;
    pthread_t th;
    volatile int stop;
    pthread_mutex_t mu;
    /* device state */
    uint8_t slot[IMG_SIZE + 16];
    int active;
    uint32_t off, size;
    uint8_t sha[32];
    size_t sha_len;
    /* behaviour */
    int buf_count;
    int drop_reply_every; /* 0: never */
    int drop_req_every;
    uint32_t silent_at;   /* stop answering once off >= this (0: never) */
    uint32_t forget_at;   /* forget the session once, when off >= this (0: never) */
    int batch_us;         /* wait at most this long for a full window before answering */
    /* statistics */
    unsigned requests, max_batch, first_chunks, dropped;
    size_t written;
} fake_t;

/* Reply packet for request header rq (same version, seq, group, id). */
static size_t fake_reply_pkt(uint8_t *pkt, size_t cap, const mcumgr_hdr_t *rq,
                             const uint8_t *body, size_t blen)
{
    mcumgr_link_t l;
    memset(&l, 0, sizeof l);
    l.smp_version = rq->version;
    return mcumgr_pkt_build(&l, pkt, cap, (uint8_t)(rq->op + 1), rq->group, rq->id, rq->seq,
                            body, blen);
}

/* {"off": off} as Zephyr writes it (indefinite map). */
static size_t off_body(uint8_t *b, uint32_t off)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, b, 32);
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "off");
    extxip_cbor_enc_uint(&e, off);
    extxip_cbor_enc_break(&e);
    return e.len;
}

static size_t rc_body(uint8_t *b, unsigned rc)
{
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, b, 32);
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "rc");
    extxip_cbor_enc_uint(&e, rc);
    extxip_cbor_enc_break(&e);
    return e.len;
}

/* One request; returns the reply body length (0: no reply). */
static size_t handle(fake_t *f, const mcumgr_hdr_t *h, const uint8_t *b, uint8_t *out)
{
    if (h->group == MCUMGR_GROUP_OS && h->id == MCUMGR_OS_PARAMS) {
        extxip_cbor_encoder_t e;
        extxip_cbor_enc_init(&e, out, 64);
        extxip_cbor_enc_map_indef(&e);
        extxip_cbor_enc_tstr_z(&e, "buf_size");
        extxip_cbor_enc_uint(&e, 2048);
        extxip_cbor_enc_tstr_z(&e, "buf_count");
        extxip_cbor_enc_uint(&e, (uint64_t)f->buf_count);
        extxip_cbor_enc_break(&e);
        return e.len;
    }
    if (h->group == MCUMGR_GROUP_OS && h->id == MCUMGR_OS_ECHO) {
        extxip_cbor_str_t d = {0};
        extxip_cbor_kv_t kv[] = {CBOR_KV("d", CBOR_KV_TSTR, &d)};
        extxip_cbor_decoder_t dec;
        extxip_cbor_dec_init(&dec, b, h->len);
        if (extxip_cbor_map_decode_keys(&dec, kv, 1, NULL) != 0 || d.len > 64)
            return rc_body(out, 3);
        extxip_cbor_encoder_t e;
        extxip_cbor_enc_init(&e, out, 96);
        extxip_cbor_enc_map_indef(&e);
        extxip_cbor_enc_tstr_z(&e, "r");
        extxip_cbor_enc_tstr(&e, (const char *)d.ptr, d.len);
        extxip_cbor_enc_break(&e);
        return e.len;
    }
    if (h->group != MCUMGR_GROUP_IMAGE || h->id != MCUMGR_IMG_UPLOAD)
        return rc_body(out, 8);
    uint32_t off = 0, len = 0, image = 0;
    extxip_cbor_str_t data = {0}, sha = {0};
    bool upgrade = false;
    extxip_cbor_kv_t kv[] = {
        CBOR_KV("off", CBOR_KV_UINT32, &off),   CBOR_KV("data", CBOR_KV_BSTR, &data),
        CBOR_KV("len", CBOR_KV_UINT32, &len),   CBOR_KV("sha", CBOR_KV_BSTR, &sha),
        CBOR_KV("image", CBOR_KV_UINT32, &image), CBOR_KV("upgrade", CBOR_KV_BOOL, &upgrade),
    };
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, b, h->len);
    if (extxip_cbor_map_decode_keys(&d, kv, 6, NULL) != 0 || !kv[0].found || !kv[1].found)
        return rc_body(out, 3);
    if (off == 0) {
        f->first_chunks++;
        if (!kv[2].found || len > IMG_SIZE || data.len < 32 || sha.len > 32)
            return rc_body(out, 3);
        if (sha.len && f->active && sha.len == f->sha_len && memcmp(sha.ptr, f->sha, sha.len) == 0)
            return off_body(out, f->off); /* resume */
        f->active = 1;
        f->size = len;
        f->off = 0;
        memcpy(f->sha, sha.ptr, sha.len);
        f->sha_len = sha.len;
        memset(f->slot, 0xff, sizeof f->slot); /* "erase" */
    } else if (!f->active || off != f->off) {
        return off_body(out, f->active ? f->off : 0);
    }
    if (off + data.len > f->size)
        return rc_body(out, 3);
    memcpy(f->slot + off, data.ptr, data.len);
    f->written += data.len;
    f->off = off + (uint32_t)data.len;
    uint32_t now = f->off;
    if (f->off == f->size)
        f->active = 0; /* complete: session ends */
    if (f->forget_at && now >= f->forget_at && f->active) {
        f->forget_at = 0;
        f->active = 0; /* "reset": the session was in RAM */
    }
    return off_body(out, now);
}

#endif
