/*
 * Image upload with several requests in flight.
 *
 * The device's "off" is authoritative (docs/protocol.md §7.5): every reply says which offset the
 * device expects next. A continuation at any other offset is answered with that
 * offset, never an error, so lost, duplicated and reordered requests or replies are
 * all repaired by resending from what the device reports. The first chunk carries the
 * full-file SHA-256, so a device that still holds a session for the same file answers
 * it with its current offset and the upload resumes there (killed client, second run).
 */
#ifndef EXTXIP_MCUMGR_UPLOAD_H
#define EXTXIP_MCUMGR_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "mcumgr_link.h"
#include "mcumgr_rsp.h"

#define MCUMGR_UPLOAD_MAX_WINDOW 32

enum {
    MCUMGR_UPLOAD_OK = 0,
    /* MCUMGR_ETIMEOUT (-1), MCUMGR_EIO (-2) from the link */
    MCUMGR_UPLOAD_EDEVICE = -10, /* the device answered with an error (see status) */
    MCUMGR_UPLOAD_ECHUNK = -11,  /* the link's packet limit leaves no room for data */
    MCUMGR_UPLOAD_EMATCH = -12,  /* the device reported "match": false at the end */
    MCUMGR_UPLOAD_EPROTO = -13,  /* malformed reply, or an offset beyond the file */
    MCUMGR_UPLOAD_EARG = -14,    /* bad configuration (empty file, window 0, ...) */
};

typedef struct {
    const uint8_t *data;
    size_t size;
    const uint8_t *sha; /* SHA-256 of the whole file (session tag); NULL = none */
    size_t sha_len;
    uint32_t image;
    int upgrade;
    size_t pkt_max;       /* largest SMP packet (mcumgr_pkt_limit) */
    unsigned window;      /* requests in flight (mcumgr_window), 1..MCUMGR_UPLOAD_MAX_WINDOW */
    int timeout_ms;       /* reply timeout of a continuation chunk */
    int first_timeout_ms; /* reply timeout of the first chunk (the device erases first) */
    int max_tries;        /* sends of one chunk before giving up */
    void (*progress)(void *ctx, size_t acked, size_t total);
    void *progress_ctx;
} mcumgr_upload_cfg_t;

typedef struct {
    uint32_t off;            /* last offset the device reported */
    mcumgr_status_t status;  /* the device's error for MCUMGR_UPLOAD_EDEVICE */
    int match;               /* "match" of the final reply: -1 absent, 0, 1 */
    uint32_t resumed_from;   /* > 0 when the device resumed an earlier session */
    size_t first_chunk;      /* data bytes in the first chunk */
    size_t chunk;            /* data bytes in the largest continuation chunk */
    unsigned requests;       /* upload requests sent */
    unsigned retransmits;    /* of them, sent again after a timeout */
    unsigned resyncs;        /* times the device's offset sent us back */
    unsigned restarts;       /* times the device lost its session (reported off 0) */
    unsigned max_inflight;   /* largest number of requests outstanding at once */
} mcumgr_upload_result_t;

/* Upload cfg->data through link l. Returns MCUMGR_UPLOAD_OK when the device reported
 * off == size, else a negative code; *res is filled in either case. */
int mcumgr_upload_run(mcumgr_link_t *l, const mcumgr_upload_cfg_t *cfg,
                      mcumgr_upload_result_t *res);

/* Data bytes the first chunk carries for this configuration (0 if none fit); *sha_used
 * tells whether the sha still fits (dropped, as mcumgr does, when < 32 bytes remain). */
size_t mcumgr_upload_first_chunk(const mcumgr_upload_cfg_t *cfg, int *sha_used);

#endif
