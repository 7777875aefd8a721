/*
 * The client side of one SMP connection: UDP (one packet per datagram) or serial
 * (console framing, docs/protocol.md §9), request/response matching by sequence number, and the
 * single-request transaction with timeout and retries (mcumgr's -t / -r).
 */
#ifndef EXTXIP_MCUMGR_LINK_H
#define EXTXIP_MCUMGR_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mcumgr_conn.h"

/* Largest SMP packet the tool handles in either direction. */
#define MCUMGR_MAX_PKT 65536
#define MCUMGR_LINK_INBUF 4096

enum {
    MCUMGR_EOK = 0,
    MCUMGR_ETIMEOUT = -1, /* no matching reply within the timeout, after every try */
    MCUMGR_EIO = -2,      /* the link failed (socket/tty error) */
    MCUMGR_ETOOBIG = -3,  /* request larger than the link carries */
    MCUMGR_EBADRSP = -4,  /* reply body larger than the caller's buffer */
    MCUMGR_EREFUSED = -5, /* UDP: the host answered "port unreachable" before the
                           * device ever answered on this link (nothing listening) */
};

typedef struct {
    uint8_t op, flags, version;
    uint16_t len, group;
    uint8_t seq, id;
} mcumgr_hdr_t;

typedef struct mcumgr_link {
    mcumgr_conntype_t type;
    int fd;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    int line_chars;  /* serial: base64 characters per line */
    int smp_version; /* 0 = SMP v1, 1 = SMP v2 (header version bits) */
    uint8_t seq;     /* next sequence number */
    int debug;       /* hex-dump packets to stderr */
    int answered;    /* a packet arrived on this link since it opened */
    char where[256]; /* the peer as the user named it, for messages */
    /* serial receive state */
    struct extxip_smp_serial_rx *rx; /* lib/smp's streaming decoder */
    struct mcumgr_ble *ble;   /* BLE: the central (mcumgr_ble.h) */
    uint8_t *in;              /* bytes read from the tty, not yet fed to the decoder */
    size_t in_pos, in_len;
} mcumgr_link_t;

/* One line about a failed exchange on l: "no answer from 127.0.0.1:1399
 * within 10 s (NMP timeout)", "nothing is listening at ...". */
void mcumgr_link_why(const mcumgr_link_t *l, int rc, double timeout_s, char *buf, size_t cap);


/* Open the connection described by c. smp_version: 0 (v1) or 1 (v2).
 * Returns 0, or -1 with a message in err. */
int mcumgr_link_open(mcumgr_link_t *l, const mcumgr_conn_t *c, int smp_version, char *err,
                     size_t cap);

/* Use an already-open UDP socket towards peer (tests). */
int mcumgr_link_attach_udp(mcumgr_link_t *l, int fd, const struct sockaddr_storage *peer,
                           socklen_t peer_len, int smp_version);

void mcumgr_link_close(mcumgr_link_t *l);

/* Build header + body into pkt (cap bytes) with the link's version and the given
 * seq. Returns the packet length, or 0 if it does not fit. */
size_t mcumgr_pkt_build(const mcumgr_link_t *l, uint8_t *pkt, size_t cap, uint8_t op,
                        uint16_t group, uint8_t id, uint8_t seq, const uint8_t *body,
                        size_t body_len);

/* Split a received packet: header into *h, *body points at h->len bytes.
 * Returns 0, or -1 if shorter than 8 bytes or the length field exceeds what arrived. */
int mcumgr_pkt_parse(const uint8_t *pkt, size_t len, mcumgr_hdr_t *h, const uint8_t **body);

/* Send one SMP packet (serial: framed into lines). Returns 0 or MCUMGR_EIO. */
int mcumgr_link_send(mcumgr_link_t *l, const uint8_t *pkt, size_t len);

/* Wait until deadline_ns (hostio_now_ns clock) for one SMP packet. Returns its length,
 * 0 on timeout, MCUMGR_EIO on error. Oversized / corrupt frames are dropped. */
int mcumgr_link_recv(mcumgr_link_t *l, uint8_t *buf, size_t cap, long long deadline_ns);

/* One exchange: send (op, group, id, body), wait for the reply with the same seq,
 * group and id (op + 1); retransmit with a new seq on timeout, `tries` sends in all.
 * On success copies the reply body to rsp (cap bytes) and returns its length (>= 0);
 * *rsp_hdr (may be NULL) gets the reply header. Negative MCUMGR_E* on failure. */
int mcumgr_txn(mcumgr_link_t *l, uint8_t op, uint16_t group, uint8_t id, const uint8_t *body,
               size_t body_len, uint8_t *rsp, size_t cap, mcumgr_hdr_t *rsp_hdr,
               int timeout_ms, int tries);

#endif
