/*
 * extxip-mcumgr commands for the groups beyond OS and image, with the Go mcumgr
 * CLI's spellings and output where it has the command:
 *   stat list | stat NAME                      (group 2)
 *   config NAME [VALUE]                        (group 3 read/write; "Value: ..." / "Done")
 *   settings read|write|delete|commit|load|save (group 3, smpmgr's set of commands)
 *   fs upload SRC DST | fs download SRC DST | fs stat NAME | fs hash NAME [TYPE]
 *   fs types | fs close                         (group 8)
 *   shell exec CMD [ARG...]                     (group 9)
 *   enum [count|list|single INDEX|details [ID...]] (group 10)
 *   storage erase                               (group 63)
 * main.c owns the link; this module builds requests and prints replies
 * through the small interface below.
 */
#ifndef EXTXIP_MCUMGR_GROUPS_H
#define EXTXIP_MCUMGR_GROUPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mcumgr_groups_io {
    /* Send body[0..blen) as (op, group, id). 0: *rlen bytes of a successful
     * reply are in rsp. Otherwise the exit status, the failure already printed
     * (blen < 0 means the request did not fit). */
    int (*exchange)(void *arg, uint8_t op, uint16_t group, uint8_t id, int blen, size_t *rlen);
    /* Largest SMP packet the device and link take (for fs chunks). */
    size_t (*pkt_limit)(void *arg);
    void *arg;
    uint8_t *body;
    size_t body_cap;
    const uint8_t *rsp;
    int json;
    int quiet;
} mcumgr_groups_io_t;

/* 1 when cmd is one of this module's top-level commands. */
int mcumgr_groups_known(const char *cmd);

/* Run command v[0..n) (v[0] known). Returns the tool's exit status. */
int mcumgr_groups_run(const mcumgr_groups_io_t *io, const char *const *v, int n);

#endif
