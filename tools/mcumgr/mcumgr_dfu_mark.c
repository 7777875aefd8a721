/* image upgrade's marks and reset: mark the images test (the linked pair first, both or
 * neither), reset, reconnect, read what the bootloader installed and why not, and with
 * --confirm make them permanent. See mcumgr_dfu_int.h. */
#include <string.h>

#include "hostio.h"
#include "mcumgr_dfu_int.h"
#include "mcumgr_req.h"

void dfu_mark_reset(worker_t *w, mcumgr_state_t *st, const bool need_mark[DFUPKG_MAX_IMAGES])
{
    device_t *d = w->d;
    const dfupkg_t *p = d->ctx->pkg;
    const mcumgr_cli_t *o = d->ctx->o;
    char why[DFU_REASON];
    size_t rl;

    /* Mark: the linked pair first (both or neither), then the others. */
    char list[64] = "";
    int nmark = 0;
    for (int i = 0; i < p->count; i++)
        if (need_mark[i]) {
            size_t l = strlen(list);
            dfu_sfmt(list + l, sizeof list - l, "%s%d", l ? ", " : "", p->img[i].image);
            nmark++;
        }
    if (nmark)
        dfu_phase(w, "marking image%s %s for test", nmark > 1 ? "s" : "", list);
    dfu_set_interrupt_text(1);
    int marked_pair = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->count; i++) {
            if (!need_mark[i] || mcumgr_linked(p->img[i].image) != (pass == 0))
                continue;
            if (dfu_req(w, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
                    mcumgr_req_state_write(w->body, sizeof w->body, p->img[i].hash, 32, 0),
                    dfu_ms(o->timeout_s), &rl, why, sizeof why) != 0) {
                /* A device that schedules uploads itself (serial recovery)
                 * answers "already pending": what counts is the state. */
                mcumgr_state_t now;
                const mcumgr_slot_t *s1;
                if (dfu_read_state(w, &now, why, sizeof why) == 0 &&
                    (s1 = dfu_find_slot(&now, p->img[i].image, 1)) != NULL &&
                    dfu_same_hash(s1, p->img[i].hash) && (s1->pending || s1->permanent)) {
                    marked_pair += pass == 0;
                    continue;
                }
                if (pass == 0 && marked_pair)
                    dfu_sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; its linked partner is marked, which the "
                             "bootloader refuses to install alone; not reset",
                             p->img[i].image, why);
                else if (marked_pair)
                    dfu_sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; the linked pair is marked and installs at "
                             "the next reset; not reset",
                             p->img[i].image, why);
                else
                    dfu_sfmt(d->error, sizeof d->error,
                             "image %d mark: %s; nothing marked by this run (check image list)",
                             p->img[i].image, why);
                return;
            }
            marked_pair += pass == 0;
        }
    }
    /* Reset: the reply may be lost to the reset itself. */
    dfu_phase(w, "resetting");
    (void)mcumgr_txn(&w->link, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_RESET, w->body,
                     (size_t)mcumgr_req_reset(w->body, sizeof w->body, 0), w->rsp, sizeof w->rsp,
                     NULL, dfu_ms(o->timeout_s < 2.0 ? o->timeout_s : 2.0), 1);
    dfu_phase(w, "waiting for the device: the bootloader is installing (up to %.0f s, "
              "--reset-timeout)", o->reset_timeout_s);
    long long t_reset = hostio_now_ns();
    int back = dfu_reconnect(w, why, sizeof why);
    if (back == 0)
        dfu_phase(w, "the device is back after %.1f s: reading what it runs",
                  (double)(hostio_now_ns() - t_reset) / 1e9);
    if (back != 0 || dfu_read_state(w, st, why, sizeof why) != 0) {
        dfu_sfmt(d->error, sizeof d->error, "%s", why);
        for (int i = 0; i < p->count; i++)
            if (d->img[i].action == A_NOT_DONE) {
                d->img[i].action = A_UNKNOWN; /* reset sent: installed or not, unseen */
                dfu_sfmt(d->img[i].reason, sizeof d->img[i].reason, "unknown: %s", why);
            }
        return;
    }
    for (int k = 0; k < d->nextra; k++) {
        const mcumgr_slot_t *pri = dfu_find_slot(st, (int)d->extra[k].image, 0);
        dfu_sfmt(d->extra_done[k], sizeof d->extra_done[k], "%s",
             pri && d->extra[k].hash_len == 32 && dfu_same_hash(pri, d->extra[k].hash)
                 ? "installed" : "not installed");
    }
    d->ok = 1;
    for (int i = 0; i < p->count; i++) {
        img_result_t *r = &d->img[i];
        if (r->action != A_NOT_DONE)
            continue;
        const mcumgr_slot_t *pri = dfu_find_slot(st, p->img[i].image, 0);
        if (dfu_same_hash(pri, p->img[i].installed_hash)) {
            r->action = A_UPGRADED;
            r->confirmed = pri->confirmed || pri->permanent;
            continue;
        }
        r->action = A_REFUSED;
        d->ok = 0;
        if (p->img[i].image < st->nreport && st->report[p->img[i].image][0])
            dfu_sfmt(r->reason, sizeof r->reason, "%s", st->report[p->img[i].image]);
        else
            dfu_sfmt(r->reason, sizeof r->reason,
                     "still runs %s (the device gave no bootReport)", pri ? pri->version : "?");
    }
    if (!d->ok) {
        dfu_sfmt(d->error, sizeof d->error, "the bootloader did not install every image");
        return;
    }
    /* --confirm: only now that every image runs, make them permanent (a set that did not
     * boot is never confirmed; MCUboot reverts an unconfirmed test image). An image the
     * device already reports confirmed (overwrite-only installs are final) is left alone. */
    for (int i = 0; o->confirm && i < p->count; i++) {
        if (d->img[i].action != A_UPGRADED || d->img[i].confirmed)
            continue;
        if (dfu_req(w, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
                mcumgr_req_state_write(w->body, sizeof w->body, p->img[i].installed_hash, 32, 1),
                dfu_ms(o->timeout_s), &rl, why, sizeof why) != 0) {
            d->ok = 0;
            dfu_sfmt(d->error, sizeof d->error, "image %d confirm: %s", p->img[i].image, why);
            return;
        }
        d->img[i].confirmed = 1;
    }
}
