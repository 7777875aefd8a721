/* `image upgrade PACKAGE.zip`: see mcumgr_dfu.h. */
#include "mcumgr_dfu.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cbor/cbor.h"
#include "crypto/crypto.h"
#include "dfupkg.h"
#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_conn.h"
#include "mcumgr_err.h"
#include "mcumgr_link.h"
#include "mcumgr_progress.h"
#include "mcumgr_req.h"
#include "mcumgr_rsp.h"
#include "mcumgr_state.h"
#include "mcumgr_upload.h"

enum { EX_OK = 0, EX_DEVICE = 1, EX_USAGE = 2, EX_LINK = 3 };

/* snprintf that is meant to cut long text (device reasons) to the buffer. */
static void sfmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

#define DFU_MAX_DEVICES 1024
#define DFU_MAX_SLOTS 16
#define DFU_REASON 192

/* ------------------------------------------------------------ device state */

/* The slot info reply (Zephyr's img_mgmt command 6): images[] of {image, slots[] of
 * {slot, size | rc, upload_image_id}, max_image_size (optional)}. Bit i of *has is set for
 * each image i the device has slots for; cap[i] is the most a secondary of image i takes:
 * its size, or max_image_size when the device gives a smaller one; -1 when it gave neither.
 * 0, or -1 on a malformed reply. */
#define DFU_MAX_IMAGE_INDEX 32
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

static const mcumgr_slot_t *find_slot(const mcumgr_state_t *st, int image, int slot)
{
    for (int i = 0; i < st->n; i++)
        if (st->s[i].image == image && st->s[i].slot == slot)
            return &st->s[i];
    return NULL;
}

static bool same_hash(const mcumgr_slot_t *s, const uint8_t h[32])
{
    return s && s->hash_len == 32 && memcmp(s->hash, h, 32) == 0;
}

/* ------------------------------------------------------------ one device */

typedef enum { A_NONE, A_RUNNING, A_UPGRADED, A_REFUSED, A_NOT_DONE, A_UNKNOWN } action_t;

typedef struct {
    action_t action;
    int confirmed; /* the device reports the new image confirmed */
    char from[48], to[48];
    char reason[DFU_REASON];
} img_result_t;

typedef struct ctx ctx_t;

typedef struct {
    char label[300];   /* as given in the list (or on the command line) */
    mcumgr_conn_t conn;
    int ok;            /* 1 updated or up to date */
    int up_to_date;    /* nothing needed doing */
    char error[320];   /* device-level failure, "" if none */
    int no_answer;     /* the failure that ended the run: the device did not answer */
    int sizes_checked; /* the package's sizes were checked against the device's slot info */
    int nextra;        /* images pending on the device, not in the package (--force) */
    mcumgr_slot_t extra[DFU_MAX_SLOTS];
    char extra_done[DFU_MAX_SLOTS][16]; /* after the reset: "installed", "not installed" */
    char sizes_why[DFU_REASON]; /* why not, when the device gave no slot info */
    img_result_t img[DFUPKG_MAX_IMAGES];
    size_t done;       /* bytes counted into the progress bar */
    size_t uploaded;   /* bytes this run sent (acknowledged) */
    uint32_t resumed_from;
    double seconds;
    ctx_t *ctx;
} device_t;

struct ctx {
    const mcumgr_cli_t *o;
    const dfupkg_t *pkg;
    device_t *dev;
    int ndev;
    int next;
    pthread_mutex_t mu;
    mcumgr_progress_t prog;
    size_t progress_done;
};

typedef struct {
    device_t *d;
    mcumgr_link_t link;
    int open;
    uint8_t body[MCUMGR_MAX_PKT];
    uint8_t rsp[MCUMGR_MAX_PKT];
    size_t base; /* bytes of this device's earlier images counted in the bar */
} worker_t;

static int ms(double s)
{
    return (int)(s * 1000.0 + 0.5);
}

static void bar_add(ctx_t *c, device_t *d, size_t n)
{
    pthread_mutex_lock(&c->mu);
    d->done += n;
    c->progress_done += n;
    mcumgr_progress_update(&c->prog, c->progress_done, hostio_now_ns());
    pthread_mutex_unlock(&c->mu);
}

/* Bytes that will not be sent (the device has them): out of the bar's total. */
static void bar_drop(ctx_t *c, size_t n)
{
    pthread_mutex_lock(&c->mu);
    c->prog.total = c->prog.total > n ? c->prog.total - n : 0;
    pthread_mutex_unlock(&c->mu);
}

static void on_progress(void *arg, size_t acked, size_t total)
{
    (void)total;
    worker_t *w = arg;
    size_t now = w->base + acked;
    if (now > w->d->done)
        bar_add(w->d->ctx, w->d, now - w->d->done);
}


static void status_why(const mcumgr_status_t *st, char *buf, size_t cap)
{
    char e[160];
    if (st->kind == MCUMGR_RSP_MALFORMED) {
        sfmt(buf, cap, "malformed reply");
        return;
    }
    mcumgr_err_describe(e, sizeof e, st->kind == MCUMGR_RSP_ERR_V2 ? st->group : -1, st->rc);
    sfmt(buf, cap, "device error %s%s%s", e, st->rsn[0] ? ": " : "", st->rsn);
}

/* One request; 0 and *rl on an OK reply, else -1 with why. */
static int req(worker_t *w, uint8_t op, uint16_t grp, uint8_t id, int blen, int tmo, size_t *rl,
               char *why, size_t cap)
{
    if (blen < 0) {
        sfmt(why, cap, "request too large");
        return -1;
    }
    int r = mcumgr_txn(&w->link, op, grp, id, w->body, (size_t)blen, w->rsp, sizeof w->rsp, NULL,
                       tmo, w->d->ctx->o->tries);
    /* the last request decides */
    w->d->no_answer = r == MCUMGR_ETIMEOUT || r == MCUMGR_EIO || r == MCUMGR_EREFUSED;
    if (r < 0) {
        mcumgr_link_why(&w->link, r, tmo / 1000.0, why, cap);
        return -1;
    }
    mcumgr_status_t st;
    if (mcumgr_rsp_status(w->rsp, (size_t)r, &st) != MCUMGR_RSP_OK) {
        status_why(&st, why, cap);
        return -1;
    }
    *rl = (size_t)r;
    return 0;
}

static int read_state(worker_t *w, mcumgr_state_t *st, char *why, size_t cap)
{
    size_t rl;
    if (req(w, MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
            mcumgr_req_empty(w->body, sizeof w->body), ms(w->d->ctx->o->timeout_s), &rl, why,
            cap) != 0)
        return -1;
    if (mcumgr_state_parse(w->rsp, rl, st) != 0) {
        sfmt(why, cap, "malformed image list from the device");
        return -1;
    }
    return 0;
}

static int open_link(worker_t *w, char *why, size_t cap)
{
    if (w->open)
        return 0;
    char err[256];
    if (mcumgr_link_open(&w->link, &w->d->conn, w->d->ctx->o->smp_version, err, sizeof err) != 0) {
        sfmt(why, cap, "%s", err);
        w->d->no_answer = 1;
        return -1;
    }
    w->link.debug = w->d->ctx->o->debug;
    w->open = 1;
    return 0;
}

static void close_link(worker_t *w)
{
    if (w->open)
        mcumgr_link_close(&w->link);
    w->open = 0;
}

/* After the reset: reopen the link (a serial port may have gone away with the device)
 * and poll echo until the device answers or the wait runs out. */
static int reconnect(worker_t *w, char *why, size_t cap)
{
    const mcumgr_cli_t *o = w->d->ctx->o;
    long long deadline = hostio_now_ns() + (long long)(o->reset_timeout_s * 1e9);
    close_link(w);
    while (hostio_now_ns() < deadline) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        char e2[256];
        if (open_link(w, e2, sizeof e2) != 0)
            continue;
        int r = mcumgr_txn(&w->link, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, w->body,
                           (size_t)mcumgr_req_echo(w->body, sizeof w->body, "up"), w->rsp,
                           sizeof w->rsp, NULL, 500, 1);
        if (r >= 0)
            return 0;
        close_link(w);
    }
    sfmt(why, cap, "no answer within %.0f s after the reset", o->reset_timeout_s);
    w->d->no_answer = 1;
    return -1;
}

static int upload_one(worker_t *w, const dfupkg_image_t *im, long long buf_size,
                      long long buf_count, char *why, size_t cap)
{
    const mcumgr_cli_t *o = w->d->ctx->o;
    uint8_t sha[32];
    if (extxip_crypto_sha256(im->data, im->size, sha) != 0) {
        sfmt(why, cap, "sha256 failed");
        return -1;
    }
    mcumgr_upload_cfg_t cfg = {
        .data = im->data,
        .size = im->size,
        .sha = sha,
        .sha_len = sizeof sha,
        .image = (uint32_t)im->image,
        .upgrade = 0,
        .pkt_max = mcumgr_pkt_limit(&w->d->conn, buf_size),
        .window = mcumgr_window(buf_count, (unsigned)o->max_window),
        .timeout_ms = ms(o->timeout_s),
        .first_timeout_ms = ms(o->first_timeout_s > o->timeout_s ? o->first_timeout_s
                                                                   : o->timeout_s),
        .max_tries = o->tries > 5 ? o->tries : 5,
        .progress = on_progress,
        .progress_ctx = w,
    };
    if (cfg.window > MCUMGR_UPLOAD_MAX_WINDOW)
        cfg.window = MCUMGR_UPLOAD_MAX_WINDOW;
    mcumgr_upload_result_t res;
    int rc = mcumgr_upload_run(&w->link, &cfg, &res);
    if (res.resumed_from && !w->d->resumed_from)
        w->d->resumed_from = res.resumed_from;
    w->d->uploaded += res.off > res.resumed_from ? res.off - res.resumed_from : 0;
    w->d->no_answer = rc == MCUMGR_ETIMEOUT || rc == MCUMGR_EIO || rc == MCUMGR_EREFUSED;
    switch (rc) {
    case MCUMGR_UPLOAD_OK:
        return 0;
    case MCUMGR_UPLOAD_EDEVICE:
        status_why(&res.status, why, cap);
        return -1;
    case MCUMGR_UPLOAD_EMATCH:
        sfmt(why, cap, "the device says the uploaded image does not match (sha)");
        return -1;
    case MCUMGR_ETIMEOUT:
        sfmt(why, cap, "no answer at offset %u/%zu (run again to resume)", res.off, im->size);
        return -1;
    default:
        sfmt(why, cap, "upload failed at offset %u/%zu (rc %d)", res.off, im->size, rc);
        return -1;
    }
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

static void upgrade_device(worker_t *w)
{
    device_t *d = w->d;
    const dfupkg_t *p = d->ctx->pkg;
    const mcumgr_cli_t *o = d->ctx->o;
    char why[DFU_REASON];
    mcumgr_state_t st;
    bool need_upload[DFUPKG_MAX_IMAGES] = {0}, need_mark[DFUPKG_MAX_IMAGES] = {0};
    size_t rl;

    if (open_link(w, why, sizeof why) != 0 || read_state(w, &st, why, sizeof why) != 0) {
        sfmt(d->error, sizeof d->error, "%s", why);
        return;
    }
    /* Check the whole package against the device before sending anything. Slot info
     * (image group command 6) gives the images the device has slots for and their sizes;
     * a device without it (older Zephyr: rc 8) is not blocked: it refuses a too large
     * image itself, and the report says the sizes were not checked. */
    uint32_t has = 0;
    long long cap[DFU_MAX_IMAGE_INDEX];
    int has_known = -1; /* 1: `has` and cap[] from slot info; -1: slot info unavailable */
    if (req(w, MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_SLOT_INFO,
            mcumgr_req_empty(w->body, sizeof w->body), ms(o->timeout_s), &rl, why,
            sizeof why) != 0) {
        if (d->no_answer) {
            sfmt(d->error, sizeof d->error, "%s", why);
            return;
        }
        sfmt(d->sizes_why, sizeof d->sizes_why, "%s", why);
    } else if (parse_slot_info(w->rsp, rl, &has, cap) != 0) {
        sfmt(d->sizes_why, sizeof d->sizes_why, "malformed reply");
    } else {
        has_known = 1;
    }
    for (int i = 0; i < p->count; i++) {
        const dfupkg_image_t *im = &p->img[i];
        bool listed = false;
        for (int s = 0; s < st.n; s++)
            listed |= st.s[s].image == im->image;
        /* The list leaves out a slot without a whole image (erased, torn, or
         * a damaged primary, as MCUboot's serial recovery does): slot info
         * says which images the device has. */
        if (!listed && has_known == 1 && im->image >= 0 && im->image < 32)
            listed = (has >> im->image) & 1u;
        if (!listed) {
            int max = -1;
            for (int s = 0; s < st.n; s++)
                if (st.s[s].image > max)
                    max = (int)st.s[s].image;
            for (int b = 0; has_known == 1 && b < 32; b++)
                if ((has >> b) & 1u)
                    max = b > max ? b : max;
            sfmt(d->error, sizeof d->error,
                     "%s: image index %d out of range: the device lists images 0..%d; nothing "
                     "sent", im->file, im->image, max);
            return;
        }
    }
    /* A downgrade is found out here, not after the whole upload: the bootloader
     * refuses an older version than the one running (MCUboot's downgrade
     * prevention). --allow-downgrade tries anyway (a device may accept it, as
     * with security counters). Versions as the header has them: M.m.r[.build]. */
    for (int i = 0; i < p->count && !o->allow_downgrade; i++) {
        const dfupkg_image_t *im = &p->img[i];
        for (int s = 0; s < st.n; s++) {
            const mcumgr_slot_t *e = &st.s[s];
            if (e->image != im->image || e->slot != 0 || !e->active)
                continue;
            if (version_cmp(im->version, e->version) < 0) {
                sfmt(d->error, sizeof d->error,
                     "%s (image %d): %s is older than the running %s, which the bootloader "
                     "refuses (downgrade prevention); nothing sent (--allow-downgrade to try)",
                     im->file, im->image, im->version, e->version);
                return;
            }
        }
    }
    /* An image already pending (or permanent) in a secondary that the package does not
     * hold would be installed by our reset too: say so and stop, unless --force. */
    char list[200] = "";
    d->nextra = 0;
    for (int s = 0; s < st.n; s++) {
        const mcumgr_slot_t *e = &st.s[s];
        bool in_pkg = false;
        if (e->slot != 1 || !(e->pending || e->permanent))
            continue;
        for (int i = 0; i < p->count; i++)
            in_pkg |= p->img[i].image == e->image;
        if (in_pkg)
            continue;
        d->extra[d->nextra++] = *e;
        size_t l = strlen(list);
        sfmt(list + l, sizeof list - l, "%s%lld (%s)", l ? ", " : "", e->image, e->version);
    }
    if (d->nextra && !o->force) {
        sfmt(d->error, sizeof d->error,
             "image%s %s %s pending on the device and not in this package: the reset would "
             "install %s too; nothing sent (--force: upgrade and reset anyway)",
             d->nextra > 1 ? "s" : "", list, d->nextra > 1 ? "are" : "is",
             d->nextra > 1 ? "them" : "it");
        return;
    }
    /* Each image against its secondary slot's size (slot info). */
    if (has_known == 1) {
        d->sizes_checked = 1;
        for (int i = 0; i < p->count; i++) {
            const dfupkg_image_t *im = &p->img[i];
            long long c = im->image < DFU_MAX_IMAGE_INDEX ? cap[im->image] : -1;
            if (c < 0) {
                d->sizes_checked = 0;
                sfmt(d->sizes_why, sizeof d->sizes_why, "no size for image %d's secondary",
                     im->image);
            } else if ((long long)im->size > c) {
                sfmt(d->error, sizeof d->error,
                     "image %d (%s, %zu bytes) does not fit its secondary slot on the device "
                     "(%lld bytes); nothing sent", im->image, im->file, im->size, c);
                return;
            }
        }
    }
    int work = 0;
    for (int i = 0; i < p->count; i++) {
        const dfupkg_image_t *im = &p->img[i];
        const mcumgr_slot_t *pri = find_slot(&st, im->image, 0), *sec = find_slot(&st, im->image, 1);
        img_result_t *r = &d->img[i];
        sfmt(r->from, sizeof r->from, "%s", pri ? pri->version : "-");
        sfmt(r->to, sizeof r->to, "%s", im->version);
        /* Running only if the device says it runs (a primary a serial
         * recovery lists is not active: it did not boot). */
        if (same_hash(pri, im->hash) && pri->active) {
            r->action = A_RUNNING;
            bar_drop(d->ctx, im->size);
            continue;
        }
        r->action = A_NOT_DONE;
        work = 1;
        if (same_hash(sec, im->hash) && (sec->pending || sec->permanent)) {
            /* already uploaded and scheduled */
            bar_drop(d->ctx, im->size);
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
        return;
    }

    long long buf_size = -1, buf_count = -1;
    if (req(w, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS,
            mcumgr_req_empty(w->body, sizeof w->body), ms(o->timeout_s), &rl, why,
            sizeof why) != 0 ||
        mcumgr_rsp_params(w->rsp, rl, &buf_size, &buf_count) != 0 || buf_size <= 0)
        buf_size = buf_count = -1; /* defaults, window 1 (as image upload does) */

    for (int i = 0; i < p->count; i++) {
        if (!need_upload[i])
            continue;
        w->base = d->done;
        if (upload_one(w, &p->img[i], buf_size, buf_count, why, sizeof why) != 0) {
            sfmt(d->error, sizeof d->error, "image %d upload: %s; nothing marked",
                     p->img[i].image, why);
            return;
        }
    }
    /* The device must now hold every image it lacked, whole, in its secondary slot. */
    if (read_state(w, &st, why, sizeof why) != 0) {
        sfmt(d->error, sizeof d->error, "after upload: %s; nothing marked", why);
        return;
    }
    for (int i = 0; i < p->count; i++) {
        if (d->img[i].action != A_NOT_DONE)
            continue;
        if (!same_hash(find_slot(&st, p->img[i].image, 1), p->img[i].hash)) {
            sfmt(d->error, sizeof d->error,
                     "image %d: the device does not list the uploaded image; nothing marked",
                     p->img[i].image);
            return;
        }
    }
    /* Mark: the linked pair first (both or neither), then the others. */
    int marked_pair = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->count; i++) {
            if (!need_mark[i] || mcumgr_linked(p->img[i].image) != (pass == 0))
                continue;
            if (req(w, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
                    mcumgr_req_state_write(w->body, sizeof w->body, p->img[i].hash, 32, 0),
                    ms(o->timeout_s), &rl, why, sizeof why) != 0) {
                /* A device that schedules uploads itself (serial recovery)
                 * answers "already pending": what counts is the state. */
                mcumgr_state_t now;
                const mcumgr_slot_t *s1;
                if (read_state(w, &now, why, sizeof why) == 0 &&
                    (s1 = find_slot(&now, p->img[i].image, 1)) != NULL &&
                    same_hash(s1, p->img[i].hash) && (s1->pending || s1->permanent)) {
                    marked_pair += pass == 0;
                    continue;
                }
                if (pass == 0 && marked_pair)
                    sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; its linked partner is marked, which the "
                             "bootloader refuses to install alone; not reset",
                             p->img[i].image, why);
                else if (marked_pair)
                    sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; the linked pair is marked and installs at "
                             "the next reset; not reset",
                             p->img[i].image, why);
                else
                    sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; nothing marked by this run (check image list)",
                             p->img[i].image, why);
                return;
            }
            marked_pair += pass == 0;
        }
    }
    /* Reset: the reply may be lost to the reset itself. */
    (void)mcumgr_txn(&w->link, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_RESET, w->body,
                     (size_t)mcumgr_req_reset(w->body, sizeof w->body, 0), w->rsp, sizeof w->rsp,
                     NULL, ms(o->timeout_s < 2.0 ? o->timeout_s : 2.0), 1);
    if (reconnect(w, why, sizeof why) != 0 || read_state(w, &st, why, sizeof why) != 0) {
        sfmt(d->error, sizeof d->error, "%s", why);
        for (int i = 0; i < p->count; i++)
            if (d->img[i].action == A_NOT_DONE) {
                d->img[i].action = A_UNKNOWN; /* reset sent: installed or not, unseen */
                sfmt(d->img[i].reason, sizeof d->img[i].reason, "unknown: %s", why);
            }
        return;
    }
    for (int k = 0; k < d->nextra; k++) {
        const mcumgr_slot_t *pri = find_slot(&st, (int)d->extra[k].image, 0);
        sfmt(d->extra_done[k], sizeof d->extra_done[k], "%s",
             pri && d->extra[k].hash_len == 32 && same_hash(pri, d->extra[k].hash)
                 ? "installed" : "not installed");
    }
    d->ok = 1;
    for (int i = 0; i < p->count; i++) {
        img_result_t *r = &d->img[i];
        if (r->action != A_NOT_DONE)
            continue;
        const mcumgr_slot_t *pri = find_slot(&st, p->img[i].image, 0);
        if (same_hash(pri, p->img[i].hash)) {
            r->action = A_UPGRADED;
            r->confirmed = pri->confirmed || pri->permanent;
            continue;
        }
        r->action = A_REFUSED;
        d->ok = 0;
        if (p->img[i].image < st.nreport && st.report[p->img[i].image][0])
            sfmt(r->reason, sizeof r->reason, "%s", st.report[p->img[i].image]);
        else
            sfmt(r->reason, sizeof r->reason,
                     "still runs %s (the device gave no bootReport)", pri ? pri->version : "?");
    }
    if (!d->ok) {
        sfmt(d->error, sizeof d->error, "the bootloader did not install every image");
        return;
    }
    /* --confirm: only now that every image runs, make them permanent (a set that did not
     * boot is never confirmed; MCUboot reverts an unconfirmed test image). An image the
     * device already reports confirmed (overwrite-only installs are final) is left alone. */
    for (int i = 0; o->confirm && i < p->count; i++) {
        if (d->img[i].action != A_UPGRADED || d->img[i].confirmed)
            continue;
        if (req(w, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
                mcumgr_req_state_write(w->body, sizeof w->body, p->img[i].hash, 32, 1),
                ms(o->timeout_s), &rl, why, sizeof why) != 0) {
            d->ok = 0;
            sfmt(d->error, sizeof d->error, "image %d confirm: %s", p->img[i].image, why);
            return;
        }
        d->img[i].confirmed = 1;
    }
}

static void *worker_main(void *arg)
{
    ctx_t *c = arg;
    worker_t *w = malloc(sizeof *w);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int i = c->next < c->ndev ? c->next++ : -1;
        pthread_mutex_unlock(&c->mu);
        if (i < 0)
            break;
        device_t *d = &c->dev[i];
        long long t0 = hostio_now_ns();
        if (!w) {
            sfmt(d->error, sizeof d->error, "out of memory");
            continue;
        }
        memset(w, 0, offsetof(worker_t, body));
        w->d = d;
        upgrade_device(w);
        close_link(w);
        d->seconds = (double)(hostio_now_ns() - t0) / 1e9;
    }
    free(w);
    return NULL;
}

/* ------------------------------------------------------------ output */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch > 0x7e)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *action_name(action_t a)
{
    switch (a) {
    case A_RUNNING: return "already running";
    case A_UPGRADED: return "upgraded";
    case A_REFUSED: return "refused";
    case A_NOT_DONE: return "not done";
    case A_UNKNOWN: return "unknown";
    default: return "-";
    }
}

static void print_json(const ctx_t *c, const char *pkg_path, double secs, int failed)
{
    printf("{\"package\":");
    json_str(stdout, pkg_path);
    printf(",\"name\":");
    json_str(stdout, c->pkg->name);
    printf(",\"devices\":[");
    for (int i = 0; i < c->ndev; i++) {
        const device_t *d = &c->dev[i];
        printf("%s{\"device\":", i ? "," : "");
        json_str(stdout, d->label);
        printf(",\"ok\":%s,\"up_to_date\":%s,\"seconds\":%.3f,\"uploaded\":%zu,"
               "\"resumed_from\":%u", d->ok ? "true" : "false", d->up_to_date ? "true" : "false",
               d->seconds, d->uploaded, d->resumed_from);
        if (d->sizes_checked || d->sizes_why[0])
            printf(",\"slot_sizes_checked\":%s", d->sizes_checked ? "true" : "false");
        if (!d->sizes_checked && d->sizes_why[0]) {
            printf(",\"slot_sizes_unchecked_why\":");
            json_str(stdout, d->sizes_why);
        }
        if (d->nextra) {
            printf(",\"other_pending\":[");
            for (int k = 0; k < d->nextra; k++) {
                printf("%s{\"image\":%lld,\"version\":", k ? "," : "", d->extra[k].image);
                json_str(stdout, d->extra[k].version);
                printf(",\"result\":");
                json_str(stdout, d->extra_done[k][0] ? d->extra_done[k] : "not reset");
                printf("}");
            }
            printf("]");
        }
        if (d->error[0]) {
            printf(",\"error\":");
            json_str(stdout, d->error);
        }
        printf(",\"images\":[");
        for (int k = 0; k < c->pkg->count; k++) {
            const img_result_t *r = &d->img[k];
            printf("%s{\"image\":%d,\"file\":", k ? "," : "", c->pkg->img[k].image);
            json_str(stdout, c->pkg->img[k].file);
            printf(",\"from\":");
            json_str(stdout, r->from);
            printf(",\"to\":");
            json_str(stdout, r->to);
            printf(",\"result\":");
            json_str(stdout, action_name(r->action));
            if (r->action == A_UPGRADED)
                printf(",\"confirmed\":%s", r->confirmed ? "true" : "false");
            if (r->reason[0]) {
                printf(",\"reason\":");
                json_str(stdout, r->reason);
            }
            printf("}");
        }
        printf("]}");
    }
    printf("],\"ok\":%d,\"failed\":%d,\"seconds\":%.3f}\n", c->ndev - failed, failed, secs);
}

static void print_device(const ctx_t *c, const device_t *d, int table)
{
    if (!d->sizes_checked && d->sizes_why[0] && !c->o->quiet) {
        if (table)
            printf("%-40s note: ", d->label);
        else
            printf("note: ");
        printf("the device does not report its slot sizes (slot info: %s); image sizes not "
               "checked before the upload\n", d->sizes_why);
    }
    for (int k = 0; k < d->nextra && !c->o->quiet; k++) {
        if (table)
            printf("%-40s ", d->label);
        if (d->extra_done[k][0])
            printf("note: image %lld (%s) was pending and not in the package: this reset %s\n",
                   d->extra[k].image, d->extra[k].version,
                   strcmp(d->extra_done[k], "installed") == 0 ? "installed it too"
                                                              : "did not install it");
        else if (!d->error[0] || !strstr(d->error, "--force"))
            printf("note: image %lld (%s) is pending and not in the package (--force)\n",
                   d->extra[k].image, d->extra[k].version);
    }
    if (table)
        printf("%-40s %-6s %6.1f", d->label, d->ok ? "ok" : "FAILED", d->seconds);
    for (int k = 0; k < c->pkg->count; k++) {
        const img_result_t *r = &d->img[k];
        int img = c->pkg->img[k].image;
        if (table) {
            if (r->action == A_UPGRADED)
                printf("  %d:%s->%s", img, r->from, r->to);
            else if (r->action == A_RUNNING)
                printf("  %d:%s(had)", img, r->to);
            else if (r->action == A_REFUSED)
                printf("  %d:refused", img);
            continue;
        }
        if (r->action == A_UPGRADED)
            printf("image %d: %s -> %s%s\n", img, r->from, r->to,
                   r->confirmed ? " (confirmed)" : " (test: confirm it once it works)");
        else if (r->action == A_RUNNING)
            printf("image %d: %s already running\n", img, r->to);
        else if (r->action == A_REFUSED)
            printf("image %d: %s -> %s refused: %s\n", img, r->from, r->to, r->reason);
        else if (r->action == A_NOT_DONE)
            printf("image %d: %s -> %s not done\n", img, r->from, r->to);
        else if (r->action == A_UNKNOWN)
            printf("image %d: %s -> %s unknown (no answer after the reset)\n", img, r->from,
                   r->to);
    }
    if (table) {
        if (d->error[0])
            printf("  %s", d->error);
        printf("\n");
        for (int k = 0; k < c->pkg->count; k++)
            if (d->img[k].action == A_REFUSED)
                printf("%-40s               image %d: %s\n", "", c->pkg->img[k].image,
                       d->img[k].reason);
    } else if (d->error[0]) {
        printf("Error: %s\n", d->error);
    } else if (d->up_to_date) {
        printf("Device already runs this package: nothing to do\n");
    }
}

/* ------------------------------------------------------------ entry */

int mcumgr_dfu_is_cmd(const mcumgr_cli_t *o)
{
    return o->nargs >= 1 &&
           (strcmp(o->args[0], "upgrade") == 0 ||
            (o->nargs >= 2 && strcmp(o->args[0], "image") == 0 &&
             strcmp(o->args[1], "upgrade") == 0));
}

static int load_devices(const mcumgr_cli_t *o, device_t **out, int *n)
{
    FILE *f = fopen(o->devices, "r");
    if (!f) {
        fprintf(stderr, "Error: --devices %s: %s\n", o->devices, strerror(errno));
        return -1;
    }
    device_t *v = calloc(DFU_MAX_DEVICES, sizeof *v);
    char line[512];
    int cnt = 0, lineno = 0;
    while (v && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "Error: %s:%d: line too long\n", o->devices, lineno);
            goto bad;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*s || *s == '#')
            continue;
        if (cnt >= DFU_MAX_DEVICES) {
            fprintf(stderr, "Error: %s: more than %d devices\n", o->devices, DFU_MAX_DEVICES);
            goto bad;
        }
        const char *type = o->conntype, *cs = s;
        char *colon = strchr(s, ':');
        /* A conntype prefix: "udp:127.0.0.1:1337", "serial:dev=/dev/ttyACM0". */
        if (colon && colon - s < 16) {
            char t[16];
            memcpy(t, s, (size_t)(colon - s));
            t[colon - s] = '\0';
            if (strcmp(t, "udp") == 0 || strcmp(t, "serial") == 0 || strcmp(t, "ble") == 0) {
                *colon = '\0';
                type = s;
                cs = colon + 1;
            }
        }
        device_t *d = &v[cnt];
        char err[256];
        sfmt(d->label, sizeof d->label, "%s%s%s", type && type != o->conntype ? type : "",
                 type && type != o->conntype ? ":" : "", cs);
        if (mcumgr_conn_parse(type, cs, &d->conn, err, sizeof err) != 0) {
            fprintf(stderr, "Error: %s:%d: %s\n", o->devices, lineno, err);
            goto bad;
        }
        cnt++;
    }
    fclose(f);
    if (!v) {
        fprintf(stderr, "Error: out of memory\n");
        return -1;
    }
    if (cnt == 0) {
        fprintf(stderr, "Error: %s lists no devices\n", o->devices);
        free(v);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
bad:
    fclose(f);
    free(v);
    return -1;
}

int mcumgr_dfu_main(const mcumgr_cli_t *o)
{
    int first = strcmp(o->args[0], "upgrade") == 0 ? 1 : 2;
    if (o->nargs != first + 1) {
        fprintf(stderr, "Error: usage: image upgrade PACKAGE.zip [--devices FILE] [-j N] "
                        "[--confirm] [--force]\n");
        return EX_USAGE;
    }
    const char *path = o->args[first];
    static dfupkg_t pkg;
    char err[512];
    /* The whole package is checked before any device is contacted. */
    if (dfupkg_read(path, &pkg, err, sizeof err) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        return EX_USAGE;
    }
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.pkg = &pkg;
    if (o->devices) {
        if (load_devices(o, &c.dev, &c.ndev) != 0) {
            dfupkg_free(&pkg);
            return EX_USAGE;
        }
    } else {
        c.dev = calloc(1, sizeof *c.dev);
        c.ndev = 1;
        if (!c.dev || mcumgr_conn_parse(o->conntype, o->connstring, &c.dev->conn, err,
                                        sizeof err) != 0) {
            fprintf(stderr, "Error: %s\n", c.dev ? err : "out of memory");
            free(c.dev);
            dfupkg_free(&pkg);
            return EX_USAGE;
        }
        sfmt(c.dev->label, sizeof c.dev->label, "%s", o->connstring ? o->connstring : "");
    }
    for (int i = 0; i < c.ndev; i++) {
        c.dev[i].ctx = &c;
        if (o->bond_file) /* BLE bonds: one file for every device of the fleet */
            snprintf(c.dev[i].conn.bond_file, sizeof c.dev[i].conn.bond_file, "%s", o->bond_file);
    }
    if (!o->quiet && !o->json) {
        fprintf(stderr, "package %s: %s%s", path, pkg.name[0] ? pkg.name : "", pkg.name[0] ? ":" : "");
        for (int i = 0; i < pkg.count; i++)
            fprintf(stderr, " %d=%s %s", pkg.img[i].image, pkg.img[i].file, pkg.img[i].version);
        fprintf(stderr, " (%d device%s)\n", c.ndev, c.ndev == 1 ? "" : "s");
    }
    pthread_mutex_init(&c.mu, NULL);
    long long t0 = hostio_now_ns();
    mcumgr_progress_start(&c.prog, stderr, mcumgr_progress_auto_mode(o->quiet, 2),
                          pkg.total * (size_t)c.ndev, t0);
    int jobs = o->jobs < c.ndev ? o->jobs : c.ndev;
    pthread_t th[256];
    int started = 0;
    for (int i = 0; i < jobs; i++)
        if (pthread_create(&th[started], NULL, worker_main, &c) == 0)
            started++;
    if (started == 0)
        worker_main(&c);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    long long t1 = hostio_now_ns();
    if (c.prog.total > 0) /* nothing was to be sent: no bar */
        mcumgr_progress_finish(&c.prog, c.progress_done, t1);
    pthread_mutex_destroy(&c.mu);

    /* One rule for one device and for a table: 1 if any device answered with a failure,
     * else 3 if any never answered, else 0 (mcumgr_cli_usage says so). */
    int failed = 0, answered_fail = 0;
    for (int i = 0; i < c.ndev; i++) {
        failed += !c.dev[i].ok;
        answered_fail |= !c.dev[i].ok && !c.dev[i].no_answer;
    }
    double secs = (double)(t1 - t0) / 1e9;
    if (o->json) {
        print_json(&c, path, secs, failed);
    } else if (!o->devices) {
        print_device(&c, &c.dev[0], 0);
    } else {
        printf("%-40s %-6s %6s  IMAGES\n", "DEVICE", "RESULT", "SECS");
        for (int i = 0; i < c.ndev; i++)
            print_device(&c, &c.dev[i], 1);
        printf("%d of %d devices updated, %d failed (%.1f s)\n", c.ndev - failed, c.ndev, failed,
               secs);
    }
    free(c.dev);
    dfupkg_free(&pkg);
    return !failed ? EX_OK : answered_fail ? EX_DEVICE : EX_LINK;
}
