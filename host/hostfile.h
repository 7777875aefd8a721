/*
 * Host file helpers used by the simulator (port/posix) and the host tools
 * (tools/): one-line errors, a growable byte buffer, whole-file read, atomic
 * file write, and Intel HEX parsing/rendering/loading. POSIX, malloc-based;
 * never used by lib/. Every length read from a file is checked before use.
 *
 * Errors: functions return 0 on success or -1 after writing one
 * human-readable line into the caller's it_err_t. (These began in
 * extxip-imgtool, hence the it_ prefix.)
 */
#ifndef EXTXIP_HOSTFILE_H
#define EXTXIP_HOSTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct it_err {
    char msg[512];
    bool usage; /* imgtool raises this one as click.UsageError: exit 2, not 1 */
} it_err_t;

/* Format a message into e (printf style). Always returns -1. */
int it_errf(it_err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for an error imgtool reports as a usage error (exit status 2). */
int it_usagef(it_err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable byte buffer ---- */
typedef struct it_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} it_buf_t;

/* Append n bytes (n may be 0). Aborts the process on out-of-memory. */
void it_buf_put(it_buf_t *b, const void *p, size_t n);
/* Append n copies of byte v. */
void it_buf_fill(it_buf_t *b, uint8_t v, size_t n);
void it_buf_free(it_buf_t *b);

/* ---- files ---- */
/* Read a whole file (at most max bytes) into out. */
int it_read_file(const char *path, size_t max, it_buf_t *out, it_err_t *e);
/* Write data to path through a temporary file in the same directory and a
 * rename, so a failure never leaves a partial output. mode: e.g. 0644. */
int it_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         it_err_t *e);
/* True when path ends in ".hex" (case-insensitive), as imgtool decides. */
bool it_is_hex_name(const char *path);

/* ---- Intel HEX ---- */
typedef struct it_hex_seg {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
} it_hex_seg_t;

/* Parse Intel HEX text into a flat image from the lowest to the highest
 * address, gaps filled with 0xff (IntelHex.tobinarray()). */
int it_hex_parse(const uint8_t *text, size_t len, it_buf_t *bin, uint32_t *base_addr,
                 it_err_t *e);
/* Render non-overlapping segments (sorted by address) exactly as the
 * Python intelhex package's write_hex_file does (16 bytes a record). */
int it_hex_render(const it_hex_seg_t *segs, size_t nsegs, it_buf_t *out, it_err_t *e);
/* Load an input image: Intel HEX when the name ends in .hex, else raw. */
int it_load_input(const char *path, it_buf_t *bin, bool *has_base, uint32_t *base_addr,
                  it_err_t *e);

#endif
