/* Image state reply parsing and the linked-pair rule (mcumgr_state.h). */
#include "mcumgr_state.h"

#include "extxip_config.h"

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


/* The board's linked images (EXTXIP_LINKED_MASK, boards/<board>/board.h via
 * extxip_config.h): the split application's internal and XIP halves, 0 and 2
 * on the DK, which the bootloader installs only together. */
bool mcumgr_linked(int image)
{
    return image >= 0 && image < 32 && (EXTXIP_LINKED_MASK & (1u << image)) != 0;
}

/* "0 and 2", "0, 1 and 2": the images of mask, for a sentence. */
static void mask_words(uint32_t mask, char *buf, size_t cap)
{
    size_t o = 0;
    int left = __builtin_popcount(mask);
    buf[0] = 0;
    for (int i = 0; i < 32 && o < cap; i++) {
        if (!(mask & (1u << i)))
            continue;
        left--;
        int n = snprintf(buf + o, cap - o, "%d%s", i, left > 1 ? ", " : left == 1 ? " and " : "");
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

int mcumgr_state_pair_warning(const mcumgr_state_t *st, char *buf, size_t cap)
{
    uint32_t pending = 0;
    for (int i = 0; i < st->n; i++)
        if (st->s[i].pending && mcumgr_linked((int)st->s[i].image))
            pending |= 1u << st->s[i].image;
    if (pending == 0 || pending == EXTXIP_LINKED_MASK)
        return 0;
    char have[48], missing[48], all[48];
    mask_words(pending, have, sizeof have);
    mask_words(EXTXIP_LINKED_MASK & ~pending, missing, sizeof missing);
    mask_words(EXTXIP_LINKED_MASK, all, sizeof all);
    int one_have = __builtin_popcount(pending) == 1;
    int one_missing = __builtin_popcount(EXTXIP_LINKED_MASK & ~pending) == 1;
    snprintf(buf, cap,
             "image%s %s %s pending but %s linked partner%s image%s %s %s not: the bootloader "
             "installs %s only together, so a reset installs %s; upload and test "
             "image%s %s too, or use 'image upgrade dfu_application.zip'",
             one_have ? "" : "s", have, one_have ? "is" : "are", one_have ? "its" : "their",
             one_missing ? "" : "s", one_missing ? "" : "s", missing, one_missing ? "is" : "are",
             all, __builtin_popcount(EXTXIP_LINKED_MASK) == 2 ? "neither" : "none of them",
             one_missing ? "" : "s", missing);
    return 1;
}
