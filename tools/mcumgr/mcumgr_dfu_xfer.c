/* image upgrade's transfer: one request, the link (open, close, reconnect after the
 * reset), the uploads and the progress bar. See mcumgr_dfu_int.h. */
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_dfu_int.h"
#include "mcumgr_err.h"
#include "mcumgr_req.h"
#include "mcumgr_upload.h"

static void bar_add(ctx_t *c, device_t *d, size_t n)
{
    pthread_mutex_lock(&c->mu);
    d->done += n;
    c->progress_done += n;
    mcumgr_progress_update(&c->prog, c->progress_done, hostio_now_ns());
    pthread_mutex_unlock(&c->mu);
}

/* Bytes that will not be sent (the device has them): out of the bar's total. */
void dfu_bar_drop(ctx_t *c, size_t n)
{
    pthread_mutex_lock(&c->mu);
    c->prog.total = c->prog.total > n ? c->prog.total - n : 0;
    pthread_mutex_unlock(&c->mu);
}

static void dfu_on_progress(void *arg, size_t acked, size_t total)
{
    (void)total;
    worker_t *w = arg;
    if (!w->announced && w->res && w->res->resumed_from) {
        ctx_t *c = w->d->ctx;
        w->announced = 1;
        w->skip = w->res->resumed_from;
        dfu_bar_drop(c, w->skip);
        if (w->skip >= w->im->size)
            dfu_phase(w, "image %d: already on the device (%zu bytes, nothing to send)",
                      w->im->image, w->im->size);
        else
            dfu_phase(w, "image %d: resumed at offset %zu of %zu", w->im->image, w->skip,
                      w->im->size);
        pthread_mutex_lock(&c->mu);
        mcumgr_progress_resume(&c->prog, c->progress_done, hostio_now_ns());
        pthread_mutex_unlock(&c->mu);
    }
    size_t now = w->base + (acked > w->skip ? acked - w->skip : 0);
    if (now > w->d->done)
        bar_add(w->d->ctx, w->d, now - w->d->done);
}


void dfu_phase(worker_t *w, const char *fmt, ...)
{
    ctx_t *c = w->d->ctx;
    char line[400], text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c->ndev > 1)
        dfu_sfmt(line, sizeof line, "%s: %s", w->d->label, text);
    else
        dfu_sfmt(line, sizeof line, "%s", text);
    pthread_mutex_lock(&c->mu);
    mcumgr_progress_note(&c->prog, line, hostio_now_ns());
    pthread_mutex_unlock(&c->mu);
}

void dfu_status_why(const mcumgr_status_t *st, char *buf, size_t cap)
{
    char e[160];
    if (st->kind == MCUMGR_RSP_MALFORMED) {
        dfu_sfmt(buf, cap, "malformed reply");
        return;
    }
    mcumgr_err_describe(e, sizeof e, st->kind == MCUMGR_RSP_ERR_V2 ? st->group : -1, st->rc);
    dfu_sfmt(buf, cap, "device error %s%s%s", e, st->rsn[0] ? ": " : "", st->rsn);
}

/* One request; 0 and *rl on an OK reply, else -1 with why. */
int dfu_req(worker_t *w, uint8_t op, uint16_t grp, uint8_t id, int blen, int tmo, size_t *rl,
            char *why, size_t cap)
{
    if (blen < 0) {
        dfu_sfmt(why, cap, "request too large");
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
        dfu_status_why(&st, why, cap);
        return -1;
    }
    *rl = (size_t)r;
    return 0;
}

int dfu_read_state(worker_t *w, mcumgr_state_t *st, char *why, size_t cap)
{
    size_t rl;
    if (dfu_req(w, MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
            mcumgr_req_empty(w->body, sizeof w->body), dfu_ms(w->d->ctx->o->timeout_s), &rl, why,
            cap) != 0)
        return -1;
    if (mcumgr_state_parse(w->rsp, rl, st) != 0) {
        dfu_sfmt(why, cap, "malformed image list from the device");
        return -1;
    }
    return 0;
}

int dfu_open_link(worker_t *w, char *why, size_t cap)
{
    if (w->open)
        return 0;
    char err[256];
    if (mcumgr_link_open(&w->link, &w->d->conn, w->d->ctx->o->smp_version, err, sizeof err) != 0) {
        dfu_sfmt(why, cap, "%s", err);
        w->d->no_answer = 1;
        return -1;
    }
    w->link.debug = w->d->ctx->o->debug;
    w->open = 1;
    return 0;
}

void dfu_close_link(worker_t *w)
{
    if (w->open)
        mcumgr_link_close(&w->link);
    w->open = 0;
}

/* After the reset: reopen the link (a serial port may have gone away with the device)
 * and poll echo until the device answers or the wait runs out. */
int dfu_reconnect(worker_t *w, char *why, size_t cap)
{
    const mcumgr_cli_t *o = w->d->ctx->o;
    long long deadline = hostio_now_ns() + (long long)(o->reset_timeout_s * 1e9);
    dfu_close_link(w);
    while (hostio_now_ns() < deadline) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        char e2[256];
        if (dfu_open_link(w, e2, sizeof e2) != 0)
            continue;
        int r = mcumgr_txn(&w->link, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, w->body,
                           (size_t)mcumgr_req_echo(w->body, sizeof w->body, "up"), w->rsp,
                           sizeof w->rsp, NULL, 500, 1);
        if (r >= 0)
            return 0;
        dfu_close_link(w);
    }
    dfu_sfmt(why, cap, "no answer within %.0f s after the reset", o->reset_timeout_s);
    w->d->no_answer = 1;
    return -1;
}

static int upload_one(worker_t *w, const dfupkg_image_t *im, long long buf_size,
                      long long buf_count, char *why, size_t cap)
{
    const mcumgr_cli_t *o = w->d->ctx->o;
    uint8_t sha[32];
    if (extxip_crypto_sha256(im->data, im->size, sha) != 0) {
        dfu_sfmt(why, cap, "sha256 failed");
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
        .timeout_ms = dfu_ms(o->timeout_s),
        .first_timeout_ms = dfu_ms(o->first_timeout_s > o->timeout_s ? o->first_timeout_s
                                                                   : o->timeout_s),
        .max_tries = o->tries > 5 ? o->tries : 5,
        .progress = dfu_on_progress,
        .progress_ctx = w,
    };
    if (cfg.window > MCUMGR_UPLOAD_MAX_WINDOW)
        cfg.window = MCUMGR_UPLOAD_MAX_WINDOW;
    mcumgr_upload_result_t res;
    w->res = &res;
    w->im = im;
    w->skip = 0;
    w->announced = 0;
    int rc = mcumgr_upload_run(&w->link, &cfg, &res);
    w->res = NULL;
    if (res.resumed_from && !w->d->resumed_from)
        w->d->resumed_from = res.resumed_from;
    w->d->uploaded += res.off > res.resumed_from ? res.off - res.resumed_from : 0;
    w->d->no_answer = rc == MCUMGR_ETIMEOUT || rc == MCUMGR_EIO || rc == MCUMGR_EREFUSED;
    switch (rc) {
    case MCUMGR_UPLOAD_OK:
        return 0;
    case MCUMGR_UPLOAD_EDEVICE:
        dfu_status_why(&res.status, why, cap);
        return -1;
    case MCUMGR_UPLOAD_EMATCH:
        dfu_sfmt(why, cap, "the device says the uploaded image does not match (sha)");
        return -1;
    case MCUMGR_ETIMEOUT:
        dfu_sfmt(why, cap, "no answer at offset %u/%zu (run again to resume)", res.off, im->size);
        return -1;
    default:
        dfu_sfmt(why, cap, "upload failed at offset %u/%zu (rc %d)", res.off, im->size, rc);
        return -1;
    }
}

int dfu_transfer(worker_t *w, mcumgr_state_t *st, const bool need_upload[DFUPKG_MAX_IMAGES])
{
    device_t *d = w->d;
    const dfupkg_t *p = d->ctx->pkg;
    const mcumgr_cli_t *o = d->ctx->o;
    char why[DFU_REASON];
    size_t rl;

    long long buf_size = -1, buf_count = -1;
    if (dfu_req(w, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS,
            mcumgr_req_empty(w->body, sizeof w->body), dfu_ms(o->timeout_s), &rl, why,
            sizeof why) != 0 ||
        mcumgr_rsp_params(w->rsp, rl, &buf_size, &buf_count) != 0 || buf_size <= 0)
        buf_size = buf_count = -1; /* defaults, window 1 (as image upload does) */

    for (int i = 0; i < p->count; i++) {
        if (!need_upload[i])
            continue;
        w->base = d->done;
        if (upload_one(w, &p->img[i], buf_size, buf_count, why, sizeof why) != 0) {
            dfu_sfmt(d->error, sizeof d->error, "image %d upload: %s; nothing marked",
                     p->img[i].image, why);
            return -1;
        }
    }
    /* The device must now hold every image it lacked, whole, in its secondary slot. */
    if (dfu_read_state(w, st, why, sizeof why) != 0) {
        dfu_sfmt(d->error, sizeof d->error, "after upload: %s; nothing marked", why);
        return -1;
    }
    for (int i = 0; i < p->count; i++) {
        if (d->img[i].action != A_NOT_DONE)
            continue;
        if (!dfu_same_hash(dfu_find_slot(st, p->img[i].image, 1), p->img[i].hash)) {
            dfu_sfmt(d->error, sizeof d->error,
                     "image %d: the device does not list the uploaded image; nothing marked",
                     p->img[i].image);
            return -1;
        }
    }
    return 0;
}
