#include "mcumgr_link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostio.h"
#include "mcumgr_ble.h"
#include "mcumgr_framing.h"
#include "smp/smp_serial.h"

static void dump(const mcumgr_link_t *l, const char *dir, const uint8_t *p, size_t n)
{
    if (!l->debug)
        return;
    fprintf(stderr, "%s %zu:", dir, n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02x", p[i]);
    fputc('\n', stderr);
}

static int alloc_bufs(mcumgr_link_t *l)
{
    l->rx = malloc(sizeof *l->rx);
    l->in = malloc(MCUMGR_LINK_INBUF);
    if (!l->rx || !l->in)
        return -1;
    extxip_smp_serial_rx_init(l->rx);
    return 0;
}

static void link_init(mcumgr_link_t *l, int smp_version)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    l->smp_version = smp_version ? 1 : 0;
    /* Start at a varying sequence number so a late reply from an earlier run of the
     * tool cannot be taken for an answer to this one. */
    l->seq = (uint8_t)(hostio_now_ns() >> 10);
}

int mcumgr_link_attach_udp(mcumgr_link_t *l, int fd, const struct sockaddr_storage *peer,
                           socklen_t peer_len, int smp_version)
{
    link_init(l, smp_version);
    l->type = MCUMGR_CONN_UDP;
    l->fd = fd;
    memcpy(&l->peer, peer, sizeof *peer);
    l->peer_len = peer_len;
    return alloc_bufs(l);
}

int mcumgr_link_open(mcumgr_link_t *l, const mcumgr_conn_t *c, int smp_version, char *err,
                     size_t cap)
{
    link_init(l, smp_version);
    l->type = c->type;
    snprintf(l->where, sizeof l->where, "%s",
             c->type == MCUMGR_CONN_UDP ? c->addr : c->type == MCUMGR_CONN_BLE ? c->peer_name : c->dev);
    if (c->type == MCUMGR_CONN_UDP) {
        if (hostio_parse_hostport(c->addr, MCUMGR_UDP_DEFAULT_PORT, &l->peer, &l->peer_len,
                                  err, cap) != 0)
            return -1;
        l->fd = hostio_udp_open(&l->peer, l->peer_len, 0);
        if (l->fd < 0) {
            snprintf(err, cap, "cannot open UDP socket: %s", strerror(errno));
            return -1;
        }
        /* connect() makes the kernel drop datagrams from anyone but the device. */
        if (connect(l->fd, (const struct sockaddr *)&l->peer, l->peer_len) != 0) {
            snprintf(err, cap, "cannot reach %s: %s", c->addr, strerror(errno));
            close(l->fd);
            l->fd = -1;
            return -1;
        }
    } else if (c->type == MCUMGR_CONN_BLE) {
        l->ble = mcumgr_ble_open(c, err, cap);
        if (!l->ble)
            return -1;
    } else {
        struct stat st;
        if (stat(c->dev, &st) == 0 && !S_ISCHR(st.st_mode)) {
            snprintf(err, cap, "%s is not a serial port (a %s)", c->dev,
                     S_ISREG(st.st_mode) ? "regular file" : S_ISDIR(st.st_mode) ? "directory" : "non-terminal file");
            return -1;
        }
        l->fd = hostio_serial_open(c->dev, c->baud);
        if (l->fd < 0) {
            snprintf(err, cap, "cannot open %s: %s", c->dev, strerror(errno));
            return -1;
        }
        l->line_chars = MCUMGR_SERIAL_LINE_CHARS; /* mtu= bounds packets, not lines */
    }
    if (alloc_bufs(l) != 0) {
        snprintf(err, cap, "out of memory");
        mcumgr_link_close(l);
        return -1;
    }
    return 0;
}

void mcumgr_link_close(mcumgr_link_t *l)
{
    if (l->ble) {
        if (getenv("EXTXIP_BLE_STATS")) { /* the benchmark reads these counts */
            mcumgr_ble_stats_t st;
            mcumgr_ble_stats(l->ble, &st);
            fprintf(stderr, "ble-stats: mtu %u acl_mtu %u acl_bufs %u dle %d connects %u "
                    "acl_tx_pkts %llu acl_tx_bytes %llu acl_rx_pkts %llu acl_rx_bytes %llu "
                    "smp_tx_bytes %llu smp_rx_bytes %llu l2_tx_pdus %llu l2_tx_bytes %llu "
                    "ll27_tx_pkts %llu ll251_tx_pkts %llu ll247_tx_pkts %llu encrypted %d "
                    "pair_us %llu sm_pdus %u\n", st.mtu, st.acl_mtu, st.acl_bufs,
                    st.dle, st.connects, st.acl_tx_pkts, st.acl_tx_bytes, st.acl_rx_pkts,
                    st.acl_rx_bytes, st.smp_tx_bytes, st.smp_rx_bytes, st.l2_tx_pdus,
                    st.l2_tx_bytes, st.ll27_tx_pkts, st.ll251_tx_pkts, st.ll247_tx_pkts,
                    st.encrypted, st.pair_us, st.sm_pdus);
        }
        mcumgr_ble_close(l->ble);
        l->ble = NULL;
    }
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    free(l->rx);
    free(l->in);
    l->rx = NULL;
    l->in = NULL;
}

size_t mcumgr_pkt_build(const mcumgr_link_t *l, uint8_t *pkt, size_t cap, uint8_t op,
                        uint16_t group, uint8_t id, uint8_t seq, const uint8_t *body,
                        size_t body_len)
{
    if (body_len > 0xFFFF || cap < 8 || body_len > cap - 8)
        return 0;
    mcumgr_hdr_t h = {op, 0, (uint8_t)l->smp_version, (uint16_t)body_len, group, seq, id};
    mcumgr_hdr_put(pkt, &h);
    if (body_len)
        memmove(pkt + 8, body, body_len);
    return 8 + body_len;
}

int mcumgr_pkt_parse(const uint8_t *pkt, size_t len, mcumgr_hdr_t *h, const uint8_t **body)
{
    if (len < 8)
        return -1;
    mcumgr_hdr_get(pkt, h);
    if ((size_t)h->len > len - 8)
        return -1;
    *body = pkt + 8;
    return 0;
}

int mcumgr_link_send(mcumgr_link_t *l, const uint8_t *pkt, size_t len)
{
    dump(l, "tx", pkt, len);
    if (l->type == MCUMGR_CONN_BLE)
        return mcumgr_ble_send(l->ble, pkt, len) == 0 ? 0 : MCUMGR_EIO;
    if (l->type == MCUMGR_CONN_UDP) {
        ssize_t w = sendto(l->fd, pkt, len, 0, (const struct sockaddr *)&l->peer, l->peer_len);
        /* A refusal before the device ever answered: nothing is listening there,
         * say so now instead of after the timeout. Later (a device rebooting
         * mid-session) it counts as a lost datagram: the retry logic decides. */
        if (w < 0 && errno == ECONNREFUSED && !l->answered)
            return MCUMGR_EREFUSED;
        if (w < 0 && errno != ECONNREFUSED && errno != EAGAIN && errno != ENOBUFS)
            return MCUMGR_EIO;
        return 0;
    }
    size_t cap = mcumgr_frame_encoded_size(len, l->line_chars);
    uint8_t *out = malloc(cap);
    if (!out)
        return MCUMGR_EIO;
    size_t n = mcumgr_frame_encode(pkt, len, l->line_chars, out, cap);
    int rc = n && hostio_write_all(l->fd, out, n) == 0 ? 0 : MCUMGR_EIO;
    free(out);
    return rc;
}

int mcumgr_link_recv(mcumgr_link_t *l, uint8_t *buf, size_t cap, long long deadline_ns)
{
    if (l->type == MCUMGR_CONN_BLE) {
        int r = mcumgr_ble_recv(l->ble, buf, cap, deadline_ns);
        if (r > 0)
            dump(l, "rx", buf, (size_t)r);
        return r < 0 ? MCUMGR_EIO : r;
    }
    for (;;) {
        while (l->type == MCUMGR_CONN_SERIAL && l->in_pos < l->in_len) {
            size_t used = 0, n = 0;
            const uint8_t *p = NULL;
            int got = extxip_smp_serial_rx_feed(l->rx, l->in + l->in_pos, l->in_len - l->in_pos, &used,
                                         &p, &n);
            l->in_pos += used;
            if (got == 1 && n <= cap) {
                l->answered = 1;
                memcpy(buf, p, n);
                dump(l, "rx", buf, n);
                return (int)n;
            }
        }
        long long left = deadline_ns - hostio_now_ns();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {l->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)((left + 999999) / 1000000));
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            return MCUMGR_EIO;
        }
        if (pr == 0)
            continue;
        if (l->type == MCUMGR_CONN_UDP) {
            ssize_t r = recv(l->fd, buf, cap, MSG_TRUNC);
            if (r < 0) {
                if (errno == ECONNREFUSED && !l->answered)
                    return MCUMGR_EREFUSED; /* the ICMP port unreachable of our request */
                if (errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED)
                    continue;
                return MCUMGR_EIO;
            }
            if ((size_t)r > cap)
                continue; /* truncated datagram: cannot be a whole packet */
            l->answered = 1;
            dump(l, "rx", buf, (size_t)r);
            return (int)r;
        }
        ssize_t r = read(l->fd, l->in, MCUMGR_LINK_INBUF);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return MCUMGR_EIO;
        }
        if (r == 0) { /* EOF on a pty whose other side is closed: wait, then retry */
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
            continue;
        }
        l->in_pos = 0;
        l->in_len = (size_t)r;
    }
}

int mcumgr_txn(mcumgr_link_t *l, uint8_t op, uint16_t group, uint8_t id, const uint8_t *body,
               size_t body_len, uint8_t *rsp, size_t cap, mcumgr_hdr_t *rsp_hdr,
               int timeout_ms, int tries)
{
    uint8_t *pkt = malloc(MCUMGR_MAX_PKT);
    uint8_t *in = malloc(MCUMGR_MAX_PKT);
    int rc = MCUMGR_ETIMEOUT;
    if (!pkt || !in) {
        rc = MCUMGR_EIO;
        goto out;
    }
    if (tries < 1)
        tries = 1;
    for (int t = 0; t < tries; t++) {
        uint8_t seq = l->seq++;
        size_t n = mcumgr_pkt_build(l, pkt, MCUMGR_MAX_PKT, op, group, id, seq, body, body_len);
        if (!n) {
            rc = MCUMGR_ETOOBIG;
            goto out;
        }
        int sr = mcumgr_link_send(l, pkt, n);
        if (sr != 0) {
            rc = sr == MCUMGR_EREFUSED ? sr : MCUMGR_EIO;
            goto out;
        }
        long long deadline = hostio_now_ns() + (long long)timeout_ms * 1000000LL;
        for (;;) {
            int r = mcumgr_link_recv(l, in, MCUMGR_MAX_PKT, deadline);
            if (r < 0) {
                rc = r;
                goto out;
            }
            if (r == 0)
                break; /* timeout: next try */
            mcumgr_hdr_t h;
            const uint8_t *b;
            if (mcumgr_pkt_parse(in, (size_t)r, &h, &b) != 0)
                continue;
            /* A reply answers this request only if every echoed field matches; a
             * late reply to an earlier try is just as good (same request). */
            if (h.op != op + 1 || h.group != group || h.id != id)
                continue;
            if ((uint8_t)(seq - h.seq) > (uint8_t)t)
                continue;
            if (h.len > cap) {
                rc = MCUMGR_EBADRSP;
                goto out;
            }
            memcpy(rsp, b, h.len);
            if (rsp_hdr)
                *rsp_hdr = h;
            rc = h.len;
            goto out;
        }
    }
out:
    free(pkt);
    free(in);
    return rc;
}

void mcumgr_link_why(const mcumgr_link_t *l, int rc, double timeout_s, char *buf, size_t cap)
{
    const char *w = l && l->where[0] ? l->where : "the device";
    if (rc == MCUMGR_ETIMEOUT)
        snprintf(buf, cap, "no answer from %s within %g s (NMP timeout)", w, timeout_s);
    else if (rc == MCUMGR_EREFUSED)
        snprintf(buf, cap, "nothing is listening at %s (connection refused)", w);
    else if (rc == MCUMGR_ETOOBIG)
        snprintf(buf, cap, "request too large for the link");
    else if (rc == MCUMGR_EBADRSP)
        snprintf(buf, cap, "reply too large");
    else
        snprintf(buf, cap, "link failure on %s: %s", w, strerror(errno));
}
