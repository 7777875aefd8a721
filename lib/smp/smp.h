/*
 * SMP server core: the 8-byte header and request dispatch (docs/protocol.md §1-§4).
 *
 * A transport hands extxip_smp_process() one reassembled buffer (a UDP datagram, a
 * decoded serial packet, ...). Each SMP request in it is dispatched to the
 * handler registered for (group, command, op); each response is built in the
 * caller's TX buffer and handed to the transport's output callback before the
 * next request is looked at. No allocation, no globals: the server, the
 * groups and the buffers belong to the caller.
 */
#ifndef EXTXIP_SMP_H
#define EXTXIP_SMP_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor/cbor.h"
#include "smp/smp_defs.h"

/* Size of one SMP buffer (header + CBOR), the largest packet received or
 * sent. This is the one constant transports size their TX/RX buffers with;
 * override with -DSMP_BUF_SIZE=... (the extxip sample uses 2475). */
#ifndef SMP_BUF_SIZE
#define SMP_BUF_SIZE 2048
#endif

/* Maximum number of groups one server can hold. */
#ifndef SMP_MAX_GROUPS
#define SMP_MAX_GROUPS 12
#endif

/* Errors: extxip_err_t, range -81.. (lib/extxip_err.h). */

typedef struct extxip_smp_hdr {
    uint8_t op;      /* SMP_OP_* (3 bits) */
    uint8_t version; /* SMP_VERSION_* (2 bits) */
    uint8_t flags;
    uint16_t len;    /* CBOR body length */
    uint16_t group;
    uint8_t seq;
    uint8_t id;      /* command id */
} extxip_smp_hdr_t;

/* Write h as 8 big-endian header bytes. The 3 reserved bits are written 0. */
void extxip_smp_hdr_encode(const extxip_smp_hdr_t *h, uint8_t out[SMP_HDR_SIZE]);
/* Read a header from buf (len >= 8). Reserved bits are ignored, as Zephyr does.
 * Returns 0 or SMP_ERR_TRUNCATED. */
int extxip_smp_hdr_decode(const uint8_t *buf, size_t len, extxip_smp_hdr_t *h);

/* -------------------------------------------------------------- handlers */

typedef struct extxip_smp_ctx extxip_smp_ctx_t;

/* A command handler. Decode the request with ctx->dec (positioned on the
 * request map, not entered: an empty body is no map), write response fields
 * into ctx->enc (already inside the opened response map; the server closes
 * it). Return MGMT_ERR_EOK, or a MGMT_ERR_* to replace the whole body with
 * {"rc": code}; report a group-specific error with extxip_smp_ctx_group_err(). */
typedef int (*extxip_smp_handler_fn)(extxip_smp_ctx_t *ctx);

typedef struct extxip_smp_cmd {
    extxip_smp_handler_fn read;  /* op READ; NULL → ENOTSUP */
    extxip_smp_handler_fn write; /* op WRITE; NULL → ENOTSUP */
} extxip_smp_cmd_t;

typedef struct extxip_smp_group {
    uint16_t id;
    const extxip_smp_cmd_t *cmds; /* indexed by command id */
    size_t cmd_count;
    void *user;            /* handed to handlers as ctx->user */
    /* v2 group code → v1 MGMT_ERR_* (the group owns its table); NULL → EUNKNOWN. */
    uint16_t (*err_to_v1)(uint16_t rc);
} extxip_smp_group_t;

/* Per-request context given to a handler. */
struct extxip_smp_ctx {
    extxip_cbor_decoder_t *dec;    /* request body */
    extxip_cbor_encoder_t *enc;    /* response body, inside its map */
    const extxip_smp_hdr_t *hdr;   /* request header */
    uint64_t peer;          /* transport/peer id given to extxip_smp_process (tells clients apart) */
    void *user;             /* the group's user pointer */
    uint16_t err_group;     /* group error recorded by extxip_smp_ctx_group_err (rc 0 = none) */
    uint16_t err_rc;
    const char *rsn;        /* optional reason text for an error response */
    void (*after_send)(void *arg); /* see extxip_smp_ctx_after_send */
    void *after_send_arg;
};

/* Record a group-specific error (group = the request's group) and write
 * "err": {"group": g, "rc": rc} into the response, as Zephyr does. For a v1
 * request the server later replaces the body with {"rc": translated}.
 * Returns MGMT_ERR_EOK, or MGMT_ERR_EMSGSIZE if it did not fit — return that. */
int extxip_smp_ctx_group_err(extxip_smp_ctx_t *ctx, int rc);
/* Same with an explicit group id. rc goes through extxip_smp_group_rc_to_wire. */
int extxip_smp_ctx_err(extxip_smp_ctx_t *ctx, uint16_t group, int rc);

/* The gate between a group's ints and the wire (docs/protocol.md §4): every
 * module below the groups (cbor, flash, reclog, kvstore, image, boot, smp) has
 * its own negative codes starting at -1, which mean nothing to a client.
 * extxip_smp_rc_to_wire: a handler's return as the "rc" sent, kept if it is an
 * MGMT_ERR_* (0..MGMT_ERR_UNSUPPORTED_TOO_NEW, or MGMT_ERR_EPERUSER..65535),
 * else MGMT_ERR_EUNKNOWN. extxip_smp_group_rc_to_wire: a group "err.rc", kept if
 * 1..65535, else 1 (every group's UNKNOWN). The server applies both to every
 * response; groups map their modules' codes to meaningful ones before this. */
int extxip_smp_rc_to_wire(int rc);
uint16_t extxip_smp_group_rc_to_wire(int rc);
/* Attach a reason ("rsn") to an error response; sent only if the server has
 * verbose_err set. The string must outlive extxip_smp_process. */
void extxip_smp_ctx_set_rsn(extxip_smp_ctx_t *ctx, const char *rsn);
/* Ask for fn(arg) to run right after this request's success response has
 * been handed to the output callback (e.g. a reset that must not beat its
 * reply). Not run when the request ends in an error response. */
void extxip_smp_ctx_after_send(extxip_smp_ctx_t *ctx, void (*fn)(void *arg), void *arg);

/* ---------------------------------------------------------------- server */

typedef struct extxip_smp_server {
    const extxip_smp_group_t *groups[SMP_MAX_GROUPS];
    size_t group_count;
    bool verbose_err; /* add "rsn" to error responses when a handler gave one */
    /* Counters for statistics (never reset by the server): requests looked
     * at (a header was present) and those answered with an error (an "rc"
     * response or a group "err"). */
    uint32_t requests;
    uint32_t errors;
} extxip_smp_server_t;

/* Empty server (no groups, verbose_err off). */
void extxip_smp_server_init(extxip_smp_server_t *srv);
/* Register a group; it must stay valid while the server is used.
 * Returns 0, SMP_ERR_FULL, SMP_ERR_EXISTS or SMP_ERR_INVAL. */
int extxip_smp_server_register(extxip_smp_server_t *srv, const extxip_smp_group_t *grp);

/* Register the groups a port serves, in one call both ports make: each
 * group's state carries its extxip_smp_group_t (x->group) once its *_init ran; NULL
 * entries are groups this build or board leaves out. Adding a group to a
 * port is one more entry. Returns 0 or the first extxip_smp_server_register error. */
int extxip_smp_server_register_all(extxip_smp_server_t *srv, const extxip_smp_group_t *const *grps, size_t n);

/* Called once per response packet (8-byte header + body). Return value is
 * ignored by the server (a lost reply is the client's timeout to handle). */
typedef int (*extxip_smp_output_fn)(void *arg, const uint8_t *pkt, size_t len);

/*
 * Process every SMP request in rx[0..rx_len) in order (docs/protocol.md §2): each gets
 * one response written to tx[0..tx_cap) and passed to out(out_arg, ...).
 * Fewer than 8 bytes left → dropped silently; length larger than the rest →
 * ECORRUPT response; op other than READ/WRITE → ENOTSUP; version 2/3 →
 * TOO_NEW (reply version 1); unknown group/command/op → ENOTSUP; a response
 * that does not fit tx_cap → EMSGSIZE. Processing stops after the first error
 * response. rx and tx must not overlap (handlers read rx while writing tx).
 * peer identifies the client for handlers (ctx->peer).
 * Returns the number of responses passed to out (>= 0), or SMP_ERR_INVAL.
 */
int extxip_smp_process(extxip_smp_server_t *srv, const uint8_t *rx, size_t rx_len, uint8_t *tx, size_t tx_cap,
                uint64_t peer, extxip_smp_output_fn out, void *out_arg);

#endif
