/*
 * Reply bodies: status (v1 "rc" / v2 "err"), upload offsets, JSON rendering, and the
 * human output mcumgr prints (image list, taskstat, ...). Every field read from the
 * device is type- and range-checked; a malformed body is reported, never trusted.
 */
#ifndef EXTXIP_MCUMGR_RSP_H
#define EXTXIP_MCUMGR_RSP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    MCUMGR_RSP_OK = 0,      /* no rc / rc 0, no err */
    MCUMGR_RSP_ERR_V1 = 1,  /* "rc" != 0 */
    MCUMGR_RSP_ERR_V2 = 2,  /* "err": {"group", "rc"} with rc != 0 */
    MCUMGR_RSP_MALFORMED = -1,
};

typedef struct {
    int kind;         /* MCUMGR_RSP_* */
    long long rc;     /* v1 rc or v2 group rc */
    long long group;  /* v2 group, -1 for v1 */
    char rsn[128];    /* optional "rsn" text (verbose errors), "" if absent */
} mcumgr_status_t;

/* Read the status of a reply body (a CBOR map). Returns st->kind. */
int mcumgr_rsp_status(const uint8_t *body, size_t len, mcumgr_status_t *st);

/* Describe a failing status in one line: "Error: 8 (MGMT_ERR_ENOTSUP)" or
 * "Error: group 1 (image) rc 9 (IMG_MGMT_ERR_NO_FREE_SLOT)" (+ ": rsn"). */
void mcumgr_status_print(FILE *out, const mcumgr_status_t *st);

/* Upload reply: "off" (required) and "match" (optional; *match = -1 absent, 0, 1).
 * Returns 0, or -1 if off is missing / not an unsigned 32-bit integer. */
int mcumgr_rsp_upload(const uint8_t *body, size_t len, uint32_t *off, int *match);

/* Render a body as one line of JSON (byte strings as lowercase hex strings, depth
 * bounded). Returns 0, or -1 if the body is not well-formed CBOR. */
int mcumgr_rsp_json(FILE *out, const uint8_t *body, size_t len);

/* mcumgr's "image list" output (also used for image test/confirm replies).
 * Returns 0 or -1 on a malformed body. */
int mcumgr_print_image_list(FILE *out, const uint8_t *body, size_t len);
/* mcumgr's "taskstat" table. */
int mcumgr_print_taskstat(FILE *out, const uint8_t *body, size_t len);
/* Zephyr's mpstat reply {"mpools": {NAME: {"blksiz", "nblks", "nfree", "min"}}}
 * as a table sorted by pool name (absent figures print 0). */
int mcumgr_print_mpstat(FILE *out, const uint8_t *body, size_t len);
/* "buf_size: N" / "buf_count: N"; *buf_size / *buf_count get the values (-1 absent). */
int mcumgr_rsp_params(const uint8_t *body, size_t len, long long *buf_size,
                      long long *buf_count);
/* Print every top-level key as "key: value" lines (text, ints, bools, hex bytes);
 * nested containers as JSON. Used for bootloader info, slot info, datetime, os info. */
int mcumgr_print_kv(FILE *out, const uint8_t *body, size_t len);
/* Value of a top-level text key into buf (NUL-terminated). Returns 0, -1 absent/bad. */
int mcumgr_rsp_text(const uint8_t *body, size_t len, const char *key, char *buf, size_t cap);

#endif
