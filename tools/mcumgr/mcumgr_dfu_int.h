/* image upgrade's parts (mcumgr_dfu*.c), one job a file: the plan
 * (mcumgr_dfu_plan.c: the package checked against the device before anything is sent),
 * the transfer (mcumgr_dfu_xfer.c: requests, the link, uploads, the progress bar), marks
 * and reset (mcumgr_dfu_mark.c), the report (mcumgr_dfu_report.c: text and JSON) and the
 * command line with the workers (mcumgr_dfu.c). Internal to extxip-mcumgr. */
#ifndef EXTXIP_MCUMGR_DFU_INT_H
#define EXTXIP_MCUMGR_DFU_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfupkg.h"
#include "mcumgr_cli.h"
#include "mcumgr_conn.h"
#include "mcumgr_link.h"
#include "mcumgr_progress.h"
#include "mcumgr_rsp.h"
#include "mcumgr_state.h"
#include "mcumgr_upload.h"

enum { EX_OK = 0, EX_DEVICE = 1, EX_USAGE = 2, EX_LINK = 3 };

/* snprintf that is meant to cut long text (device reasons) to the buffer. */
static inline void dfu_sfmt(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void dfu_sfmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

#define DFU_MAX_DEVICES 1024
#define DFU_MAX_SLOTS 16
#define DFU_REASON 192

#define DFU_MAX_IMAGE_INDEX 32

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
    /* The image being uploaded: what the device already had (a resumed session) is
     * said once and left out of the bar, so its rate and ETA are of what is sent. */
    const mcumgr_upload_result_t *res;
    const dfupkg_image_t *im;
    size_t skip;
    int announced;
} worker_t;

static inline int dfu_ms(double s)
{
    return (int)(s * 1000.0 + 0.5);
}

/* mcumgr_dfu_plan.c */
const mcumgr_slot_t *dfu_find_slot(const mcumgr_state_t *st, int image, int slot);
bool dfu_same_hash(const mcumgr_slot_t *s, const uint8_t h[32]);
/* Check the package against the device (state st, just read) and decide per image:
 * 1 with need_upload/need_mark set when there is work, 0 when there is none (d->ok,
 * d->up_to_date) or the package is refused (d->error). */
int dfu_plan(worker_t *w, mcumgr_state_t *st, bool need_upload[DFUPKG_MAX_IMAGES],
             bool need_mark[DFUPKG_MAX_IMAGES]);

/* mcumgr_dfu_xfer.c */
void dfu_bar_drop(ctx_t *c, size_t n);
void dfu_status_why(const mcumgr_status_t *st, char *buf, size_t cap);
int dfu_req(worker_t *w, uint8_t op, uint16_t grp, uint8_t id, int blen, int tmo, size_t *rl,
            char *why, size_t cap);
int dfu_read_state(worker_t *w, mcumgr_state_t *st, char *why, size_t cap);
int dfu_open_link(worker_t *w, char *why, size_t cap);
void dfu_close_link(worker_t *w);
int dfu_reconnect(worker_t *w, char *why, size_t cap);
/* A phase of this device's update on stderr (between the bar's redraws; the device's
 * label first when there are several): "marking", "resetting", ... */
void dfu_phase(worker_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What Ctrl-C says from here on (mcumgr_dfu.c's handler). */
void dfu_set_interrupt_text(int after_marks);
/* Upload what need_upload says and check the device then holds every image; 0, or -1
 * with d->error. */
int dfu_transfer(worker_t *w, mcumgr_state_t *st, const bool need_upload[DFUPKG_MAX_IMAGES]);

/* mcumgr_dfu_mark.c: mark (the linked pair first, both or neither), reset, reconnect,
 * report each image, --confirm. */
void dfu_mark_reset(worker_t *w, mcumgr_state_t *st, const bool need_mark[DFUPKG_MAX_IMAGES]);

/* mcumgr_dfu_report.c */
void dfu_print_json(const ctx_t *c, const char *pkg_path, double secs, int failed);
void dfu_print_device(const ctx_t *c, const device_t *d, int table);

#endif
