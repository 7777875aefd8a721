/* image upgrade's plan: the whole package checked against the device before anything
 * is sent (image indexes, downgrades, other pending images, slot sizes), and what each
 * image needs (nothing, an upload, a mark). See mcumgr_dfu_int.h. */
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor.h"
#include "mcumgr_dfu_int.h"
#include "mcumgr_req.h"

/* The slot info reply (Zephyr's img_mgmt command 6): images[] of {image, slots[] of
 * {slot, size | rc, upload_image_id}, max_image_size (optional)}. Bit i of *has is set for
 * each image i the device has slots for; cap[i] is the most a secondary of image i takes:
 * its size, or max_image_size when the device gives a smaller one; -1 when it gave neither.
 * 0, or -1 on a malformed reply. */
static int parse_slot_info(const uint8_t *body, size_t len, uint32_t *has,
                           long long cap[DFU_MAX_IMAGE_INDEX])
{
    extxip_cbor_decoder_t d;
    extxip_cbor_str_t k;
    *has = 0;
    for (int i = 0; i < DFU_MAX_IMAGE_INDEX; i++)
        cap[i] = -1;
    extxip_cbor_dec_init(&d, body, len);
    if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
        return -1;
    int seen = 0;
    while (!extxip_cbor_dec_at_end(&d)) {
        if (extxip_cbor_dec_tstr(&d, &k) != 0)
            return -1;
        if (!extxip_cbor_str_eq(&k, "images")) {
            if (extxip_cbor_dec_skip(&d) != 0)
                return -1;
            continue;
        }
        seen = 1;
        if (extxip_cbor_dec_array_enter(&d, NULL) != 0)
            return -1;
        while (!extxip_cbor_dec_at_end(&d)) {
            int64_t image = -1, sec = -1, max = -1, v;
            if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
                return -1;
            while (!extxip_cbor_dec_at_end(&d)) {
                if (extxip_cbor_dec_tstr(&d, &k) != 0)
                    return -1;
                if (extxip_cbor_str_eq(&k, "image") || extxip_cbor_str_eq(&k, "max_image_size")) {
                    if (extxip_cbor_dec_int64(&d, &v) != 0 || v < 0 || v > 0xffffffffLL)
                        return -1;
                    if (k.ptr[0] == 'i')
                        image = v;
                    else
                        max = v;
                } else if (extxip_cbor_str_eq(&k, "slots")) {
                    if (extxip_cbor_dec_array_enter(&d, NULL) != 0)
                        return -1;
                    while (!extxip_cbor_dec_at_end(&d)) {
                        int64_t slot = -1, size = -1;
                        if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
                            return -1;
                        while (!extxip_cbor_dec_at_end(&d)) {
                            if (extxip_cbor_dec_tstr(&d, &k) != 0)
                                return -1;
                            if (extxip_cbor_str_eq(&k, "slot") || extxip_cbor_str_eq(&k, "size")) {
                                if (extxip_cbor_dec_int64(&d, &v) != 0 || v < 0 || v > 0xffffffffLL)
                                    return -1;
                                if (k.ptr[1] == 'l')
                                    slot = v;
                                else
                                    size = v;
                            } else if (extxip_cbor_dec_skip(&d) != 0) {
                                return -1;
                            }
                        }
                        if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                            return -1;
                        if (slot == 1)
                            sec = size;
                    }
                    if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                        return -1;
                } else if (extxip_cbor_dec_skip(&d) != 0) {
                    return -1;
                }
            }
            if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
                return -1;
            if (image >= 0 && image < DFU_MAX_IMAGE_INDEX) {
                long long c = sec;
                *has |= 1u << image;
                if (max >= 0 && (c < 0 || max < c))
                    c = max;
                cap[image] = c;
            }
        }
        if (cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0)
            return -1;
    }
    return !seen || cbor_dec_err(&d) || extxip_cbor_dec_leave(&d) != 0 ? -1 : 0;
}

const mcumgr_slot_t *dfu_find_slot(const mcumgr_state_t *st, int image, int slot)
{
    for (int i = 0; i < st->n; i++)
        if (st->s[i].image == image && st->s[i].slot == slot)
            return &st->s[i];
    return NULL;
}

bool dfu_same_hash(const mcumgr_slot_t *s, const uint8_t h[32])
{
    return s && s->hash_len == 32 && memcmp(s->hash, h, 32) == 0;
}

/* Compare two version texts "M.m.r" or "M.m.r.b" (missing parts are 0; text
 * that is not a version compares equal: no refusal on what we cannot read). */
static int version_cmp(const char *a, const char *b)
{
    unsigned long va[4] = {0, 0, 0, 0}, vb[4] = {0, 0, 0, 0};
    const char *t[2] = {a, b};
    unsigned long *v[2] = {va, vb};
    for (int k = 0; k < 2; k++) {
        const char *p = t[k];
        for (int i = 0; i < 4 && *p; i++) {
            char *end;
            if (*p < '0' || *p > '9')
                return 0;
            v[k][i] = strtoul(p, &end, 10);
            p = end;
            if (*p == '.' || *p == '+')
                p++;
            else if (*p)
                return 0;
        }
    }
    for (int i = 0; i < 4; i++)
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    return 0;
}

int dfu_plan(worker_t *w, mcumgr_state_t *st, bool need_upload[DFUPKG_MAX_IMAGES],
             bool need_mark[DFUPKG_MAX_IMAGES])
{
    device_t *d = w->d;
    const dfupkg_t *p = d->ctx->pkg;
    const mcumgr_cli_t *o = d->ctx->o;
    char why[DFU_REASON];
    size_t rl;

    /* Check the whole package against the device before sending anything. Slot info
     * (image group command 6) gives the images the device has slots for and their sizes;
     * a device without it (older Zephyr: rc 8) is not blocked: it refuses a too large
     * image itself, and the report says the sizes were not checked. */
    uint32_t has = 0;
    long long cap[DFU_MAX_IMAGE_INDEX];
    int has_known = -1; /* 1: `has` and cap[] from slot info; -1: slot info unavailable */
    if (dfu_req(w, MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_SLOT_INFO,
            mcumgr_req_empty(w->body, sizeof w->body), dfu_ms(o->timeout_s), &rl, why,
            sizeof why) != 0) {
        if (d->no_answer) {
            dfu_sfmt(d->error, sizeof d->error, "%s", why);
            return 0;
        }
        dfu_sfmt(d->sizes_why, sizeof d->sizes_why, "%s", why);
    } else if (parse_slot_info(w->rsp, rl, &has, cap) != 0) {
        dfu_sfmt(d->sizes_why, sizeof d->sizes_why, "malformed reply");
    } else {
        has_known = 1;
    }
    for (int i = 0; i < p->count; i++) {
        const dfupkg_image_t *im = &p->img[i];
        bool listed = false;
        for (int s = 0; s < st->n; s++)
            listed |= st->s[s].image == im->image;
        /* The list leaves out a slot without a whole image (erased, torn, or
         * a damaged primary, as MCUboot's serial recovery does): slot info
         * says which images the device has. */
        if (!listed && has_known == 1 && im->image >= 0 && im->image < 32)
            listed = (has >> im->image) & 1u;
        if (!listed) {
            int max = -1;
            for (int s = 0; s < st->n; s++)
                if (st->s[s].image > max)
                    max = (int)st->s[s].image;
            for (int b = 0; has_known == 1 && b < 32; b++)
                if ((has >> b) & 1u)
                    max = b > max ? b : max;
            dfu_sfmt(d->error, sizeof d->error,
                     "%s: image index %d out of range: the device lists images 0..%d; nothing "
                     "sent", im->file, im->image, max);
            return 0;
        }
    }
    /* A downgrade is found out here, not after the whole upload: the bootloader
     * refuses an older version than the one running (MCUboot's downgrade
     * prevention). --allow-downgrade tries anyway (a device may accept it, as
     * with security counters). Versions as the header has them: M.m.r[.build]. */
    for (int i = 0; i < p->count && !o->allow_downgrade; i++) {
        const dfupkg_image_t *im = &p->img[i];
        for (int s = 0; s < st->n; s++) {
            const mcumgr_slot_t *e = &st->s[s];
            if (e->image != im->image || e->slot != 0 || !e->active)
                continue;
            if (version_cmp(im->version, e->version) < 0) {
                dfu_sfmt(d->error, sizeof d->error,
                     "%s (image %d): %s is older than the running %s, which the bootloader "
                     "refuses (downgrade prevention); nothing sent (--allow-downgrade to try)",
                     im->file, im->image, im->version, e->version);
                return 0;
            }
        }
    }
    /* An image already pending (or permanent) in a secondary that the package does not
     * hold would be installed by our reset too: say so and stop, unless --force. */
    char list[200] = "";
    d->nextra = 0;
    for (int s = 0; s < st->n; s++) {
        const mcumgr_slot_t *e = &st->s[s];
        bool in_pkg = false;
        if (e->slot != 1 || !(e->pending || e->permanent))
            continue;
        for (int i = 0; i < p->count; i++)
            in_pkg |= p->img[i].image == e->image;
        if (in_pkg)
            continue;
        d->extra[d->nextra++] = *e;
        size_t l = strlen(list);
        dfu_sfmt(list + l, sizeof list - l, "%s%lld (%s)", l ? ", " : "", e->image, e->version);
    }
    if (d->nextra && !o->force) {
        dfu_sfmt(d->error, sizeof d->error,
             "image%s %s %s pending on the device and not in this package: the reset would "
             "install %s too; nothing sent (--force: upgrade and reset anyway)",
             d->nextra > 1 ? "s" : "", list, d->nextra > 1 ? "are" : "is",
             d->nextra > 1 ? "them" : "it");
        return 0;
    }
    /* Each image against its secondary slot's size (slot info). */
    if (has_known == 1) {
        d->sizes_checked = 1;
        for (int i = 0; i < p->count; i++) {
            const dfupkg_image_t *im = &p->img[i];
            long long c = im->image < DFU_MAX_IMAGE_INDEX ? cap[im->image] : -1;
            if (c < 0) {
                d->sizes_checked = 0;
                dfu_sfmt(d->sizes_why, sizeof d->sizes_why, "no size for image %d's secondary",
                     im->image);
            } else if ((long long)im->size > c) {
                dfu_sfmt(d->error, sizeof d->error,
                     "image %d (%s, %zu bytes) does not fit its secondary slot on the device "
                     "(%lld bytes); nothing sent", im->image, im->file, im->size, c);
                return 0;
            }
        }
    }
    int work = 0;
    for (int i = 0; i < p->count; i++) {
        const dfupkg_image_t *im = &p->img[i];
        const mcumgr_slot_t *pri = dfu_find_slot(st, im->image, 0), *sec = dfu_find_slot(st, im->image, 1);
        img_result_t *r = &d->img[i];
        dfu_sfmt(r->from, sizeof r->from, "%s", pri ? pri->version : "-");
        dfu_sfmt(r->to, sizeof r->to, "%s", im->version);
        /* Running only if the device says it runs (a primary a serial
         * recovery lists is not active: it did not boot). */
        if (dfu_same_hash(pri, im->installed_hash) && pri->active) {
            r->action = A_RUNNING;
            dfu_bar_drop(d->ctx, im->size);
            continue;
        }
        r->action = A_NOT_DONE;
        work = 1;
        if (dfu_same_hash(sec, im->hash) && (sec->pending || sec->permanent)) {
            /* already uploaded and scheduled */
            dfu_bar_drop(d->ctx, im->size);
        } else {
            /* Uploaded again even when the slot lists the same hash: the hash
             * does not cover the signature (the same build signed with
             * another key) nor a torn trailer. The device skips the writes
             * itself when the bytes already match (its image check). */
            need_upload[i] = need_mark[i] = true;
        }
    }
    if (!work) {
        d->ok = d->up_to_date = 1;
        return 0;
    }
    return 1;
}
