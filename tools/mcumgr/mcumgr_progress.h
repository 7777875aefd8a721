/*
 * Upload progress on stderr: a redrawn bar with bytes, rate and ETA on a TTY, a plain
 * line every ~10 % (or 5 s) otherwise, nothing in quiet mode.
 */
#ifndef EXTXIP_MCUMGR_PROGRESS_H
#define EXTXIP_MCUMGR_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef enum { MCUMGR_PROGRESS_NONE, MCUMGR_PROGRESS_PLAIN, MCUMGR_PROGRESS_BAR } mcumgr_progress_mode_t;

typedef struct {
    FILE *out;
    mcumgr_progress_mode_t mode;
    size_t total;
    size_t start_bytes; /* offset when the bar started (resume) */
    long long start_ns;
    long long last_ns;  /* last redraw / plain line */
    int last_decile;
    size_t last_bytes;
    int width;          /* bar width in characters */
    int drawn;          /* BAR: a bar is on the line (not yet ended by a newline) */
    int ended;          /* the bar was ended at 100 % by a note: finish adds nothing */
    int any_drawn;      /* a line or bar was drawn ... */
    size_t drawn_at;    /* ... last for this many bytes */
    size_t drawn_total; /* ... of this total */
} mcumgr_progress_t;

/* Start a progress display for `total` bytes; the mode is chosen by the caller
 * (mcumgr_progress_auto_mode decides from quiet and isatty). */
void mcumgr_progress_start(mcumgr_progress_t *p, FILE *out, mcumgr_progress_mode_t mode,
                           size_t total, long long now_ns);

/* Report that `done` bytes are acknowledged at time now_ns. Rate-limited redraws. */
void mcumgr_progress_update(mcumgr_progress_t *p, size_t done, long long now_ns);

/* The upload resumes at `off` (the device had it): rate and ETA count from here, and
 * the resume point itself is not drawn (no rate is known there yet). */
void mcumgr_progress_resume(mcumgr_progress_t *p, size_t off, long long now_ns);

/* One line between the bar's redraws (a phase: "marking", "resetting", ...): on a
 * TTY the bar's line is cleared, the note printed and the bar drawn again below it,
 * or ended for good when it is at 100 %. Nothing in NONE mode. */
void mcumgr_progress_note(mcumgr_progress_t *p, const char *line, long long now_ns);

/* Final redraw (100 % or where it stopped) and newline. */
void mcumgr_progress_finish(mcumgr_progress_t *p, size_t done, long long now_ns);

/* NONE if quiet, BAR if fd is a terminal, else PLAIN. */
mcumgr_progress_mode_t mcumgr_progress_auto_mode(int quiet, int fd);

/* Format the status text (no bar) into buf: "123.4 KiB / 456.0 KiB  12.3 KiB/s  ETA 0:12". */
void mcumgr_progress_format(char *buf, size_t cap, size_t done, size_t total, double rate_bps);

#endif
