/* Image state reply parsing and the linked-pair rule (mcumgr_state.h). */
#include "mcumgr_state.h"

#include <stdio.h>
#include <string.h>

#include "cbor/cbor.h"

static void copy_text(char *buf, size_t cap, const extxip_cbor_str_t *s)
{
    size_t n = s->len < cap - 1 ? s->len : cap - 1;
    memcpy(buf, s->ptr, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++) /* device text goes to a terminal and into JSON */
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
            buf[i] = '?';
}

/* The image state read reply: images[] and the optional bootReport[] (one text line per
 * image, extxip's own key; Zephyr devices do not send it). */
int mcumgr_state_parse(const uint8_t *body, size_t len, mcumgr_state_t *st)
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k, s;
    memset(st, 0, sizeof *st);
    extxip_cbor_dec_init(&d, body, len);
    if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
        return -1;
    while (!extxip_cbor_dec_at_end(&d)) {
        if (extxip_cbor_dec_tstr(&d, &k) != 0)
            return -1;
        if (extxip_cbor_str_eq(&k, "images")) {
            if (extxip_cbor_dec_array_enter(&d, NULL) != 0)
                return -1;
            while (!extxip_cbor_dec_at_end(&d)) {
                if (st->n >= MCUMGR_STATE_MAX_SLOTS || extxip_cbor_dec_map_enter(&d, NULL) != 0)
                    return -1;
                mcumgr_slot_t *e = &st->s[st->n++];
                memset(e, 0, sizeof *e);
                while (!extxip_cbor_dec_at_end(&d)) {
                    int64_t v;
                    int rc = 0;
                    if (extxip_cbor_dec_tstr(&d, &k) != 0)
                        return -1;
                    if (extxip_cbor_str_eq(&k, "image") || extxip_cbor_str_eq(&k, "slot")) {
                        rc = extxip_cbor_dec_int64(&d, &v);
                        if (rc == 0 && (v < 0 || v > 255))
                            rc = -1;
                        if (rc == 0 && k.ptr[0] == 'i')
                            e->image = v;
                        else if (rc == 0)
                            e->slot = v;
                    } else if (extxip_cbor_str_eq(&k, "version")) {
                        rc = extxip_cbor_dec_tstr(&d, &s);
                        if (rc == 0)
                            copy_text(e->version, sizeof e->version, &s);
                    } else if (extxip_cbor_str_eq(&k, "hash")) {
                        rc = extxip_cbor_dec_bstr(&d, &s);
                        if (rc == 0 && s.len <= sizeof e->hash) {
                            memcpy(e->hash, s.ptr, s.len);
                            e->hash_len = s.len;
                        } else {
                            rc = -1;
                        }
                    } else if (extxip_cbor_str_eq(&k, "pending")) {
                        rc = extxip_cbor_dec_bool(&d, &e->pending);
                    } else if (extxip_cbor_str_eq(&k, "confirmed")) {
                        rc = extxip_cbor_dec_bool(&d, &e->confirmed);
                    } else if (extxip_cbor_str_eq(&k, "active")) {
                        rc = extxip_cbor_dec_bool(&d, &e->active);
                    } else if (extxip_cbor_str_eq(&k, "permanent")) {
                        rc = extxip_cbor_dec_bool(&d, &e->permanent);
                    } else {
                        rc = extxip_cbor_dec_skip(&d);
                    }
                    if (rc != 0)
                        return -1;
                }
                if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                    return -1;
            }
            if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                return -1;
        } else if (extxip_cbor_str_eq(&k, "bootReport")) {
            if (extxip_cbor_dec_array_enter(&d, NULL) != 0)
                return -1;
            while (!extxip_cbor_dec_at_end(&d)) {
                if (extxip_cbor_dec_tstr(&d, &s) != 0)
                    return -1;
                if (st->nreport < MCUMGR_STATE_MAX_SLOTS)
                    copy_text(st->report[st->nreport++], sizeof st->report[0], &s);
            }
            if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                return -1;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return -1;
        }
    }
    return cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0 ? -1 : 0;
}


bool mcumgr_linked(int image)
{
    return image == 0 || image == 2; /* the split application's two halves */
}

int mcumgr_state_pair_warning(const mcumgr_state_t *st, char *buf, size_t cap)
{
    bool pending[2] = {false, false};
    for (int i = 0; i < st->n; i++)
        if (st->s[i].pending && mcumgr_linked((int)st->s[i].image))
            pending[st->s[i].image == 2] = true;
    if (pending[0] == pending[1])
        return 0;
    int have = pending[0] ? 0 : 2, missing = pending[0] ? 2 : 0;
    snprintf(buf, cap,
             "image %d is pending but its linked partner image %d is not: the bootloader "
             "installs 0 and 2 only together, so a reset installs neither; upload and test "
             "image %d too, or use 'image upgrade dfu_application.zip'",
             have, missing, missing);
    return 1;
}
