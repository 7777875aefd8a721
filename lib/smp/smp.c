/*
 * SMP request dispatch, modelled on the behaviour of Zephyr's smp.c as
 * described in docs/protocol.md §2 (so that responses are byte-identical).
 */
#include "smp/smp.h"

#include <string.h>

/* ---------------------------------------------------------------- header */

void extxip_smp_hdr_encode(const extxip_smp_hdr_t *h, uint8_t out[SMP_HDR_SIZE])
{
    out[0] = (uint8_t)(((h->version & 3u) << 3) | (h->op & 7u));
    out[1] = h->flags;
    out[2] = (uint8_t)(h->len >> 8);
    out[3] = (uint8_t)h->len;
    out[4] = (uint8_t)(h->group >> 8);
    out[5] = (uint8_t)h->group;
    out[6] = h->seq;
    out[7] = h->id;
}

int extxip_smp_hdr_decode(const uint8_t *buf, size_t len, extxip_smp_hdr_t *h)
{
    if (buf == NULL || len < SMP_HDR_SIZE) {
        return SMP_ERR_TRUNCATED;
    }
    h->op = buf[0] & 7u;
    h->version = (buf[0] >> 3) & 3u;
    h->flags = buf[1];
    h->len = (uint16_t)((buf[2] << 8) | buf[3]);
    h->group = (uint16_t)((buf[4] << 8) | buf[5]);
    h->seq = buf[6];
    h->id = buf[7];
    return 0;
}

/* ------------------------------------------------------------ ctx helpers */

int extxip_smp_rc_to_wire(int rc)
{
    if ((rc >= MGMT_ERR_EOK && rc <= MGMT_ERR_UNSUPPORTED_TOO_NEW) ||
        (rc >= MGMT_ERR_EPERUSER && rc <= UINT16_MAX)) {
        return rc;
    }
    return MGMT_ERR_EUNKNOWN;
}

uint16_t extxip_smp_group_rc_to_wire(int rc)
{
    return rc >= 1 && rc <= UINT16_MAX ? (uint16_t)rc : 1u;
}

int extxip_smp_ctx_err(extxip_smp_ctx_t *ctx, uint16_t group, int group_rc)
{
    if (group_rc == 0) {
        return MGMT_ERR_EOK;
    }
    uint16_t rc = extxip_smp_group_rc_to_wire(group_rc);
    ctx->err_group = group;
    ctx->err_rc = rc;
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "err");
    extxip_cbor_enc_map_indef(e);
    extxip_cbor_enc_tstr_z(e, "group");
    extxip_cbor_enc_uint(e, group);
    extxip_cbor_enc_tstr_z(e, "rc");
    extxip_cbor_enc_uint(e, rc);
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

int extxip_smp_ctx_group_err(extxip_smp_ctx_t *ctx, int rc)
{
    return extxip_smp_ctx_err(ctx, ctx->hdr->group, rc);
}

void extxip_smp_ctx_set_rsn(extxip_smp_ctx_t *ctx, const char *rsn) { ctx->rsn = rsn; }

void extxip_smp_ctx_after_send(extxip_smp_ctx_t *ctx, void (*fn)(void *arg), void *arg)
{
    ctx->after_send = fn;
    ctx->after_send_arg = arg;
}

/* ---------------------------------------------------------------- server */

void extxip_smp_server_init(extxip_smp_server_t *srv)
{
    memset(srv, 0, sizeof(*srv));
}

int extxip_smp_server_register(extxip_smp_server_t *srv, const extxip_smp_group_t *grp)
{
    if (srv == NULL || grp == NULL || (grp->cmd_count && grp->cmds == NULL)) {
        return SMP_ERR_INVAL;
    }
    for (size_t i = 0; i < srv->group_count; i++) {
        if (srv->groups[i]->id == grp->id) {
            return SMP_ERR_EXISTS;
        }
    }
    if (srv->group_count >= SMP_MAX_GROUPS) {
        return SMP_ERR_FULL;
    }
    srv->groups[srv->group_count++] = grp;
    return 0;
}

int extxip_smp_server_register_all(extxip_smp_server_t *srv, const extxip_smp_group_t *const *grps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = grps[i] ? extxip_smp_server_register(srv, grps[i]) : 0;
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static const extxip_smp_group_t *find_group(const extxip_smp_server_t *srv, uint16_t id)
{
    for (size_t i = 0; i < srv->group_count; i++) {
        if (srv->groups[i]->id == id) {
            return srv->groups[i];
        }
    }
    return NULL;
}

/* Response header for req carrying a body of body_len bytes (docs/protocol.md §2.2). */
static void put_rsp_hdr(uint8_t *tx, const extxip_smp_hdr_t *req, size_t body_len)
{
    extxip_smp_hdr_t h = {
        .op = req->op == SMP_OP_READ ? SMP_OP_READ_RSP : SMP_OP_WRITE_RSP,
        .version = req->version > SMP_VERSION_2 ? SMP_VERSION_2 : req->version,
        .flags = 0,
        .len = (uint16_t)body_len,
        .group = req->group,
        .seq = req->seq,
        .id = req->id,
    };
    extxip_smp_hdr_encode(&h, tx);
}

/* Build {"rc": status[, "rsn": text]} as the whole body. Returns the packet
 * length, or 0 if even that does not fit (then nothing is sent). */
static size_t build_err_rsp(const extxip_smp_server_t *srv, const extxip_smp_hdr_t *req, uint8_t *tx, size_t tx_cap,
                            int status, const char *rsn)
{
    if (tx_cap < SMP_HDR_SIZE) {
        return 0;
    }
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, tx + SMP_HDR_SIZE, tx_cap - SMP_HDR_SIZE);
    extxip_cbor_enc_map_indef(&e);
    extxip_cbor_enc_tstr_z(&e, "rc");
    extxip_cbor_enc_int(&e, status);
    if (srv->verbose_err && rsn != NULL) {
        extxip_cbor_enc_tstr_z(&e, "rsn");
        extxip_cbor_enc_tstr_z(&e, rsn);
    }
    extxip_cbor_enc_break(&e);
    if (e.err || e.len > UINT16_MAX) {
        return 0;
    }
    put_rsp_hdr(tx, req, e.len);
    return SMP_HDR_SIZE + e.len;
}

/* Run the handler for one well-formed request. Returns 0 with *rsp_len set,
 * or a MGMT_ERR_* for the caller to turn into an error response. */
static int handle_one(const extxip_smp_server_t *srv, const extxip_smp_hdr_t *req, const uint8_t *body, uint8_t *tx,
                      size_t tx_cap, extxip_smp_ctx_t *ctx, size_t *rsp_len)
{
    if (req->op != SMP_OP_READ && req->op != SMP_OP_WRITE) {
        return MGMT_ERR_ENOTSUP;
    }
    if (req->version > SMP_VERSION_2) {
        return MGMT_ERR_UNSUPPORTED_TOO_NEW;
    }
    const extxip_smp_group_t *grp = find_group(srv, req->group);
    if (grp == NULL || req->id >= grp->cmd_count) {
        return MGMT_ERR_ENOTSUP;
    }
    const extxip_smp_cmd_t *cmd = &grp->cmds[req->id];
    extxip_smp_handler_fn fn = req->op == SMP_OP_READ ? cmd->read : cmd->write;
    if (fn == NULL) {
        return MGMT_ERR_ENOTSUP;
    }
    if (tx_cap < SMP_HDR_SIZE) {
        return MGMT_ERR_EMSGSIZE;
    }

    extxip_cbor_decoder_t dec;
    extxip_cbor_encoder_t enc;
    extxip_cbor_dec_init(&dec, body, req->len);
    extxip_cbor_enc_init(&enc, tx + SMP_HDR_SIZE, tx_cap - SMP_HDR_SIZE);
    ctx->dec = &dec;
    ctx->enc = &enc;
    ctx->user = grp->user;

    extxip_cbor_enc_map_indef(&enc);
    int rc = extxip_smp_rc_to_wire(fn(ctx));
    extxip_cbor_enc_break(&enc);
    ctx->dec = NULL;
    ctx->enc = NULL;
    if (rc == 0 && (enc.err || enc.len > UINT16_MAX)) {
        rc = MGMT_ERR_EMSGSIZE;
    }
    if (rc == 0 && ctx->err_rc != 0 && req->version == SMP_VERSION_1) {
        /* v1 clients only understand "rc": translate the group code */
        rc = extxip_smp_rc_to_wire(grp->err_to_v1 ? grp->err_to_v1(ctx->err_rc) : MGMT_ERR_EUNKNOWN);
        if (rc == 0) {
            rc = MGMT_ERR_EUNKNOWN; /* an error must never read as success */
        }
    }
    if (rc != 0) {
        return rc;
    }
    put_rsp_hdr(tx, req, enc.len);
    *rsp_len = SMP_HDR_SIZE + enc.len;
    return 0;
}

int extxip_smp_process(extxip_smp_server_t *srv, const uint8_t *rx, size_t rx_len, uint8_t *tx, size_t tx_cap,
                uint64_t peer, extxip_smp_output_fn out, void *out_arg)
{
    if (srv == NULL || (rx == NULL && rx_len) || tx == NULL || out == NULL) {
        return SMP_ERR_INVAL;
    }
    int sent = 0;
    size_t pos = 0;
    while (pos < rx_len) {
        extxip_smp_hdr_t req;
        if (extxip_smp_hdr_decode(rx + pos, rx_len - pos, &req) != 0) {
            break; /* no valid header: nothing to answer (docs/protocol.md §2.1) */
        }
        pos += SMP_HDR_SIZE;

        extxip_smp_ctx_t ctx;
        memset(&ctx, 0, sizeof(ctx));
        ctx.hdr = &req;
        ctx.peer = peer;

        size_t rsp_len = 0;
        int rc;
        srv->requests++;
        if (req.len > rx_len - pos) {
            rc = MGMT_ERR_ECORRUPT;
        } else {
            rc = handle_one(srv, &req, rx + pos, tx, tx_cap, &ctx, &rsp_len);
        }
        if (rc != 0) {
            rsp_len = build_err_rsp(srv, &req, tx, tx_cap, rc, ctx.rsn);
        }
        if (rc != 0 || ctx.err_rc != 0) {
            srv->errors++;
        }
        if (rsp_len) {
            out(out_arg, tx, rsp_len);
            sent++;
        }
        if (rc == 0 && ctx.after_send) {
            ctx.after_send(ctx.after_send_arg);
        }
        if (rc != 0) {
            break; /* Zephyr stops at the first error response */
        }
        pos += req.len;
    }
    return sent;
}
