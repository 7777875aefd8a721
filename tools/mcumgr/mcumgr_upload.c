#include "mcumgr_upload.h"

#include <stdlib.h>
#include <string.h>

#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_req.h"

#define SEQ_HISTORY 8

typedef struct {
    int used;
    uint8_t seq;                /* latest send */
    uint8_t seqs[SEQ_HISTORY];  /* recent sends of this chunk: a reply to an earlier
                                 * try answers it just as well */
    unsigned nseq;
    uint32_t off;
    size_t len;
    unsigned serial; /* send order; a later serial reflects newer device state */
    long long deadline;
    int tries;
} slot_t;

typedef struct {
    mcumgr_link_t *l;
    const mcumgr_upload_cfg_t *cfg;
    mcumgr_upload_result_t *res;
    slot_t slots[MCUMGR_UPLOAD_MAX_WINDOW];
    unsigned inflight;
    unsigned serial;
    uint8_t *body;
    uint8_t *pkt;
} up_t;

size_t mcumgr_upload_first_chunk(const mcumgr_upload_cfg_t *cfg, int *sha_used)
{
    size_t sha_len = cfg->sha ? cfg->sha_len : 0;
    size_t n = mcumgr_upload_max_data(cfg->pkt_max, 1, 0, (uint32_t)cfg->size, sha_len,
                                      cfg->image);
    *sha_used = sha_len != 0;
    if (n < MCUMGR_MIN_FIRST_CHUNK && sha_len) {
        /* mcumgr's rule: the header must fit, the session tag is optional. */
        n = mcumgr_upload_max_data(cfg->pkt_max, 1, 0, (uint32_t)cfg->size, 0, cfg->image);
        *sha_used = 0;
    }
    return n < cfg->size ? n : cfg->size;
}

/* Data length of the chunk at off (first-chunk form when off == 0). */
static size_t chunk_len(const up_t *u, uint32_t off, int *sha_used)
{
    if (off == 0)
        return mcumgr_upload_first_chunk(u->cfg, sha_used);
    *sha_used = 0;
    size_t n = mcumgr_upload_max_data(u->cfg->pkt_max, 0, off, (uint32_t)u->cfg->size, 0, 0);
    size_t left = u->cfg->size - off;
    return n < left ? n : left;
}

/* Send the chunk at off (len bytes) in slot s. */
static int send_chunk(up_t *u, slot_t *s, uint32_t off, size_t len, int sha_used)
{
    const mcumgr_upload_cfg_t *c = u->cfg;
    mcumgr_upload_req_t r = {off,
                             c->data + off,
                             len,
                             (uint32_t)c->size,
                             sha_used ? c->sha : NULL,
                             sha_used ? c->sha_len : 0,
                             c->image,
                             c->upgrade};
    int bl = mcumgr_req_upload(u->body, MCUMGR_MAX_PKT, &r);
    if (bl < 0)
        return MCUMGR_UPLOAD_ECHUNK;
    uint8_t seq = u->l->seq++;
    size_t n = mcumgr_pkt_build(u->l, u->pkt, MCUMGR_MAX_PKT, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE,
                                MCUMGR_IMG_UPLOAD, seq, u->body, (size_t)bl);
    if (!n || n > c->pkt_max)
        return MCUMGR_UPLOAD_ECHUNK;
    int rc = mcumgr_link_send(u->l, u->pkt, n);
    if (rc != 0)
        return rc;
    if (!s->used) {
        s->nseq = 0;
        s->tries = 0;
    }
    s->used = 1;
    s->seq = seq;
    s->seqs[s->nseq++ % SEQ_HISTORY] = seq;
    s->off = off;
    s->len = len;
    s->serial = ++u->serial;
    s->deadline = hostio_now_ns() +
                  (long long)(off == 0 ? c->first_timeout_ms : c->timeout_ms) * 1000000LL;
    u->res->requests++;
    return 0;
}

static slot_t *free_slot(up_t *u)
{
    for (unsigned i = 0; i < u->cfg->window; i++)
        if (!u->slots[i].used)
            return &u->slots[i];
    return NULL;
}

static void release(up_t *u, slot_t *s)
{
    s->used = 0;
    u->inflight--;
}

static int first_in_flight(const up_t *u)
{
    for (unsigned i = 0; i < u->cfg->window; i++)
        if (u->slots[i].used && u->slots[i].off == 0)
            return 1;
    return 0;
}

int mcumgr_upload_run(mcumgr_link_t *l, const mcumgr_upload_cfg_t *cfg,
                      mcumgr_upload_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->match = -1;
    res->status.group = -1;
    if (!cfg->data || cfg->size == 0 || cfg->size > UINT32_MAX || cfg->window == 0 ||
        cfg->window > MCUMGR_UPLOAD_MAX_WINDOW || cfg->max_tries < 1)
        return MCUMGR_UPLOAD_EARG;

    up_t u;
    memset(&u, 0, sizeof u);
    u.l = l;
    u.cfg = cfg;
    u.res = res;
    u.body = malloc(MCUMGR_MAX_PKT);
    u.pkt = malloc(MCUMGR_MAX_PKT);
    uint8_t *in = malloc(MCUMGR_MAX_PKT);
    int rc = MCUMGR_EIO;
    if (!u.body || !u.pkt || !in)
        goto out;

    int sha_used;
    res->first_chunk = mcumgr_upload_first_chunk(cfg, &sha_used);
    if (res->first_chunk == 0 ||
        (cfg->size > res->first_chunk &&
         mcumgr_upload_max_data(cfg->pkt_max, 0, (uint32_t)cfg->size, (uint32_t)cfg->size, 0,
                                0) == 0)) {
        rc = MCUMGR_UPLOAD_ECHUNK;
        goto out;
    }

    uint32_t base = 0;         /* device-reported offset (authoritative) */
    unsigned applied = 0;      /* serial of the request whose reply set base */
    uint32_t next_off = 0;     /* where the next new chunk starts */
    const size_t size = cfg->size;
    /* Resyncs without progress: bounded so a device that never advances cannot keep
     * the tool busy for ever. */
    unsigned stall = 0;
    const unsigned stall_max = 8 + 2 * cfg->window * (unsigned)cfg->max_tries;

    while (base < size) {
        /* Fill the window. The first chunk travels alone: the device erases before
         * answering it, and its answer may move us to a resume offset. */
        while (u.inflight < cfg->window && next_off < size && !first_in_flight(&u) &&
               !(next_off == 0 && u.inflight > 0)) {
            slot_t *s = free_slot(&u);
            size_t n = chunk_len(&u, next_off, &sha_used);
            if (!s || n == 0) {
                rc = MCUMGR_UPLOAD_ECHUNK;
                goto out;
            }
            rc = send_chunk(&u, s, next_off, n, sha_used);
            if (rc != 0)
                goto out;
            if (next_off != 0 && n > res->chunk)
                res->chunk = n;
            u.inflight++;
            if (u.inflight > res->max_inflight)
                res->max_inflight = u.inflight;
            next_off += (uint32_t)n;
        }
        if (u.inflight == 0) {
            /* Nothing outstanding and nothing to send: the device's offset must be
             * behind next_off without a pending repair; resend from it. */
            next_off = base;
            continue;
        }

        long long deadline = 0;
        for (unsigned i = 0; i < cfg->window; i++)
            if (u.slots[i].used && (deadline == 0 || u.slots[i].deadline < deadline))
                deadline = u.slots[i].deadline;

        int r = mcumgr_link_recv(l, in, MCUMGR_MAX_PKT, deadline);
        if (r < 0) {
            rc = r;
            goto out;
        }
        if (r == 0) {
            /* Timeouts. A chunk the device has passed is forgotten. The chunk holding
             * the device's offset is sent again at the same offset (counting tries).
             * A chunk beyond it is forgotten too: it is resent when we go back to the
             * device's offset, which happens here unless that chunk is in flight. */
            long long now = hostio_now_ns();
            for (unsigned i = 0; i < cfg->window; i++) {
                slot_t *s = &u.slots[i];
                if (!s->used || s->deadline > now)
                    continue;
                if (s->off + s->len <= base) {
                    release(&u, s);
                } else if (s->off <= base) {
                    if (s->tries + 1 >= cfg->max_tries) {
                        rc = MCUMGR_ETIMEOUT;
                        goto out;
                    }
                    int tries = s->tries + 1;
                    uint32_t off = s->off;
                    size_t len = s->len;
                    if (off == 0)
                        len = mcumgr_upload_first_chunk(cfg, &sha_used);
                    else
                        sha_used = 0;
                    rc = send_chunk(&u, s, off, len, sha_used);
                    if (rc != 0)
                        goto out;
                    s->tries = tries;
                    res->retransmits++;
                } else {
                    release(&u, s);
                    int covered = 0;
                    for (unsigned j = 0; j < cfg->window; j++)
                        if (u.slots[j].used && u.slots[j].off <= base &&
                            base < u.slots[j].off + u.slots[j].len)
                            covered = 1;
                    if (!covered && next_off > base) {
                        next_off = base;
                        res->resyncs++;
                    }
                }
            }
            continue;
        }

        mcumgr_hdr_t h;
        const uint8_t *b;
        if (mcumgr_pkt_parse(in, (size_t)r, &h, &b) != 0 || h.op != MCUMGR_OP_WRITE + 1 ||
            h.group != MCUMGR_GROUP_IMAGE || h.id != MCUMGR_IMG_UPLOAD)
            continue; /* not an upload reply */
        slot_t *e = NULL;
        for (unsigned i = 0; i < cfg->window && !e; i++) {
            const slot_t *s = &u.slots[i];
            unsigned k = s->nseq < SEQ_HISTORY ? s->nseq : SEQ_HISTORY;
            for (unsigned j = 0; s->used && j < k; j++)
                if (s->seqs[j] == h.seq)
                    e = &u.slots[i];
        }
        if (!e)
            continue; /* duplicate, or a reply to a chunk already given up */

        if (mcumgr_rsp_status(b, h.len, &res->status) != MCUMGR_RSP_OK) {
            rc = res->status.kind == MCUMGR_RSP_MALFORMED ? MCUMGR_UPLOAD_EPROTO
                                                          : MCUMGR_UPLOAD_EDEVICE;
            goto out;
        }
        uint32_t d;
        int match;
        if (mcumgr_rsp_upload(b, h.len, &d, &match) != 0 || d > size) {
            rc = MCUMGR_UPLOAD_EPROTO;
            goto out;
        }
        slot_t got = *e;
        release(&u, e);
        res->off = d;
        if (match >= 0)
            res->match = match;

        uint32_t old_base = base;
        if (got.serial > applied) {
            base = d; /* newest device state, even when it went backwards */
            applied = got.serial;
        } else if (d > base) {
            base = d;
        }
        /* Chunks the device has now passed need no reply: free their slots at once
         * (a lost reply must not hold the window until its timeout). */
        for (unsigned i = 0; i < cfg->window; i++)
            if (u.slots[i].used && u.slots[i].off + u.slots[i].len <= base)
                release(&u, &u.slots[i]);
        if (got.off == 0 && d > got.len && res->resumed_from == 0)
            res->resumed_from = d;
        if (d == 0 && old_base > 0 && got.serial == applied)
            res->restarts++;

        if (d != got.off + got.len) {
            /* The device wanted another offset. Requests sent before this one at that
             * offset are lost (the device would have taken them): free their slots. */
            int repair_pending = 0;
            for (unsigned i = 0; i < cfg->window; i++) {
                slot_t *s = &u.slots[i];
                if (!s->used || s->off != d)
                    continue;
                if (s->serial < got.serial)
                    release(&u, s);
                else
                    repair_pending = 1;
            }
            if (d >= next_off)
                next_off = d; /* device is ahead (resume, duplicates) */
            else if (!repair_pending) {
                next_off = d; /* go back and resend from the device's offset */
                res->resyncs++;
                if (++stall > stall_max) {
                    rc = MCUMGR_UPLOAD_EPROTO;
                    goto out;
                }
            }
        } else if (next_off < base) {
            next_off = base;
        }
        if (base > old_base)
            stall = 0;
        if (base != old_base && cfg->progress)
            cfg->progress(cfg->progress_ctx, base, size);
        if (base == size && res->match == 0) {
            rc = MCUMGR_UPLOAD_EMATCH;
            goto out;
        }
    }
    rc = MCUMGR_UPLOAD_OK;
out:
    free(u.body);
    free(u.pkt);
    free(in);
    return rc;
}
