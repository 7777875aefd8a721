#include "mcumgr_ble.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ble/ble_att.h"
#include "ble/ble_hci.h"
#include "ble/ble_sm.h"
#include "mcumgr_bondfile.h"
#include "smp/smp_reasm.h"
#include "hci_ctlr.h"
#include "hostio.h"

#define CMD_TIMEOUT_MS 3000
#define ATT_TIMEOUT_MS 5000
#define CONN_TIMEOUT_MS 3000
#define SMP_MAX (65536 + 8)

struct mcumgr_ble {
    mcumgr_conn_t conn;
    int fd;
    extxip_ble_h4_rx_t h4;
    extxip_ble_l2cap_rx_t l2;
    char err[400];
    /* controller */
    int cmd_credits;
    uint16_t done_op;
    uint8_t done_status;
    uint8_t done_ret[64];
    size_t done_ret_len;
    int done;
    uint16_t acl_mtu, acl_total, acl_free;
    int dle;
    /* scan */
    int scanning, found;
    uint8_t peer_type, peer[6], want_id[6];
    int have_want_id;
    /* connection */
    int connected, conn_done;
    uint8_t conn_status, disc_reason;
    uint16_t handle, mtu;
    uint16_t smp_handle, cccd_handle;
    uint8_t att_rsp[BLE_ATT_MTU_MAX];
    size_t att_rsp_len;
    int att_waiting;
    /* SMP reassembly and packets waiting for recv */
    uint8_t *smp;
    extxip_smp_reasm_t reasm; /* over smp (SMP_MAX) */
    uint8_t *q;
    size_t q_len, q_cap;
    mcumgr_ble_stats_t st;
    /* security: LE Secure Connections as initiator, bonds in a file */
    uint8_t own_addr[6];
    extxip_ble_sm_t sm;
    int sm_ready;
    mcumgr_bondfile_t bf;
    int bf_loaded;
    int sec_req;            /* the device sent a Security Request */
    int enc_done, enc_ok;   /* Encryption Change seen / its result */
    uint8_t enc_status;
    int encrypted;
    long long pair_ns;      /* the last pairing's duration (bench) */
};

static volatile sig_atomic_t sig_fd = -1;
static uint8_t sig_disc[7];

/* SIGINT/SIGTERM: tell the controller to end the link (one write, safe in a
 * handler) so the device sees a disconnect at once, then exit. */
static void on_signal(int sig)
{
    if (sig_fd >= 0) {
        ssize_t w = write(sig_fd, sig_disc, sizeof sig_disc);
        (void)w;
    }
    _exit(128 + sig);
}

static int ctl_write(mcumgr_ble_t *b, const uint8_t *p, size_t n)
{
    return hostio_write_all(b->fd, p, n);
}

static void queue_smp(mcumgr_ble_t *b, const uint8_t *p, size_t n)
{
    if (b->q_len + 4 + n > b->q_cap) {
        size_t nc = (b->q_len + 4 + n) * 2;
        uint8_t *q = realloc(b->q, nc);
        if (!q)
            return;
        b->q = q;
        b->q_cap = nc;
    }
    uint32_t l = (uint32_t)n;
    memcpy(b->q + b->q_len, &l, 4);
    memcpy(b->q + b->q_len + 4, p, n);
    b->q_len += 4 + n;
}

static void on_notify(mcumgr_ble_t *b, const uint8_t *d, size_t n)
{
    b->st.smp_rx_bytes += n;
    while (n) {
        size_t used, len;
        if (extxip_smp_reasm_feed(&b->reasm, d, n, &used, &len) == SMP_REASM_DONE)
            queue_smp(b, b->smp, len);
        d += used;
        n -= used;
    }
}

static void on_att(mcumgr_ble_t *b, const uint8_t *d, size_t n)
{
    if (n >= 3 && d[0] == BLE_ATT_NOTIFY) {
        if (ble_get16(d + 1) == b->smp_handle && b->smp_handle)
            on_notify(b, d + 3, n - 3);
        return;
    }
    if (n >= 1 && d[0] == BLE_ATT_INDICATE) {
        uint8_t c[5] = {0}, pkt[16];
        ble_put16(c, 1);
        ble_put16(c + 2, BLE_CID_ATT);
        c[4] = BLE_ATT_CONFIRM;
        size_t l = extxip_ble_hci_acl(pkt, sizeof pkt, b->handle, 1, c, 5);
        ctl_write(b, pkt, l);
        return;
    }
    if (n >= 1 && (d[0] & 1) && n <= sizeof b->att_rsp) { /* a response */
        memcpy(b->att_rsp, d, n);
        b->att_rsp_len = n;
    }
}

static void on_adv(mcumgr_ble_t *b, const uint8_t *e, size_t n)
{
    /* One report per event in practice; parsed one after another. */
    if (n < 1)
        return;
    size_t i = 1;
    for (unsigned r = 0; r < e[0] && i + 9 <= n; r++) {
        uint8_t type = e[i + 1];
        const uint8_t *addr = e + i + 2;
        size_t dl = e[i + 8];
        if (i + 9 + dl + 1 > n)
            return;
        const uint8_t *ad = e + i + 9;
        i += 9 + dl + 1;
        if (b->found || !b->scanning)
            continue;
        if (b->have_want_id && memcmp(addr, b->want_id, 6) != 0)
            continue;
        if (b->conn.peer_name[0]) {
            const uint8_t *nm;
            int nl = extxip_ble_ad_find(ad, dl, 0x09, &nm);
            if (nl < 0)
                nl = extxip_ble_ad_find(ad, dl, 0x08, &nm);
            if (nl < 0 || (size_t)nl != strlen(b->conn.peer_name) ||
                memcmp(nm, b->conn.peer_name, (size_t)nl) != 0)
                continue;
        }
        b->found = 1;
        b->peer_type = type;
        memcpy(b->peer, addr, 6);
    }
}

static void on_packet(mcumgr_ble_t *b, const uint8_t *pkt, size_t len)
{
    if (pkt[0] == BLE_H4_EVT) {
        extxip_ble_evt_t e;
        if (extxip_ble_evt_parse(pkt + 1, len - 1, &e) != 0)
            return;
        uint16_t op;
        uint8_t status;
        const uint8_t *r;
        size_t rl;
        if (extxip_ble_evt_cmd_done(&e, &op, &status, &r, &rl) == 0) {
            b->cmd_credits = e.code == BLE_EVT_CMD_COMPLETE ? e.p[0] : e.p[1];
            if (op) {
                b->done = 1;
                b->done_op = op;
                b->done_status = status;
                b->done_ret_len = rl < sizeof b->done_ret ? rl : sizeof b->done_ret;
                if (rl)
                    memcpy(b->done_ret, r, b->done_ret_len);
            }
            return;
        }
        if (e.code == BLE_EVT_DISCONN_COMPLETE && e.len >= 4 && e.p[0] == 0 &&
            (ble_get16(e.p + 1) & 0x0FFF) == b->handle && b->connected) {
            b->connected = 0;
            b->disc_reason = e.p[3];
            b->acl_free = b->acl_total;
            extxip_ble_l2cap_rx_init(&b->l2);
            extxip_smp_reasm_reset(&b->reasm);
        } else if (e.code == BLE_EVT_ENCRYPT_CHANGE && e.len >= 4 &&
                   (ble_get16(e.p + 1) & 0x0FFF) == b->handle) {
            b->enc_done = 1;
            b->enc_status = e.p[0];
            b->enc_ok = e.p[0] == 0 && e.p[3] != 0;
            b->encrypted = b->enc_ok;
        } else if (e.code == BLE_EVT_NUM_COMPLETED && e.len >= 1 &&
                   (size_t)e.len >= 1 + 4u * e.p[0]) {
            for (unsigned i = 0; i < e.p[0]; i++)
                if ((ble_get16(e.p + 1 + 4 * i) & 0x0FFF) == b->handle) {
                    unsigned f = (unsigned)b->acl_free + ble_get16(e.p + 3 + 4 * i);
                    b->acl_free = (uint16_t)(f > b->acl_total ? b->acl_total : f);
                }
        } else if (e.code == BLE_EVT_LE_META && e.len >= 1) {
            if (e.p[0] == BLE_LE_ADV_REPORT)
                on_adv(b, e.p + 1, (size_t)e.len - 1);
            else if (e.p[0] == BLE_LE_CONN_COMPLETE && e.len >= 19) {
                b->conn_done = 1;
                b->conn_status = e.p[1];
                if (e.p[1] == 0) {
                    b->connected = 1;
                    b->handle = ble_get16(e.p + 2) & 0x0FFF;
                    b->acl_free = b->acl_total;
                }
            }
        }
    } else if (pkt[0] == BLE_H4_ACL) {
        extxip_ble_acl_t a;
        if (extxip_ble_acl_parse(pkt + 1, len - 1, &a) != 0 || !b->connected || a.handle != b->handle)
            return;
        b->st.acl_rx_pkts++;
        b->st.acl_rx_bytes += a.len;
        uint16_t cid;
        const uint8_t *d;
        size_t n;
        int got = extxip_ble_l2cap_feed(&b->l2, &a, &cid, &d, &n);
        if (got == 1 && cid == BLE_CID_ATT)
            on_att(b, d, n);
        else if (got == 1 && cid == BLE_CID_SM && n >= 1) {
            if (d[0] == BLE_SM_SECURITY_REQ)
                b->sec_req = 1; /* decided by the caller: encrypt with the bond or pair */
            else if (b->sm_ready) {
                b->st.sm_pdus++;
                extxip_ble_sm_rx(&b->sm, d, n, hostio_now_ns() / 1000000);
            }
        }
    }
}

/* Wait for controller input until deadline; handle it. 1 = something came,
 * 0 = timeout, -1 = the controller link failed. */
static int pump(mcumgr_ble_t *b, long long deadline_ns)
{
    long long left = deadline_ns - hostio_now_ns();
    if (left < 0)
        left = 0;
    struct pollfd pfd = {b->fd, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)((left + 999999) / 1000000));
    if (pr < 0)
        return errno == EINTR ? 1 : -1;
    if (pr == 0)
        return 0;
    uint8_t buf[4096];
    ssize_t r = read(b->fd, buf, sizeof buf);
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    if (r == 0) {
        errno = ECONNRESET;
        return -1;
    }
    const uint8_t *in = buf;
    size_t n = (size_t)r;
    while (n) {
        size_t used;
        const uint8_t *pkt;
        size_t plen;
        int got = extxip_ble_h4_feed(&b->h4, in, n, &used, &pkt, &plen);
        in += used;
        n -= used;
        if (got == 1)
            on_packet(b, pkt, plen);
    }
    return 1;
}

static long long after_ms(int ms)
{
    return hostio_now_ns() + (long long)ms * 1000000LL;
}

/* Send a command and wait for its Command Complete/Status. Returns the status,
 * or -1 (no answer / link failure). */
static int hci(mcumgr_ble_t *b, uint16_t op, const uint8_t *p, size_t n)
{
    uint8_t pkt[4 + 255];
    long long end = after_ms(CMD_TIMEOUT_MS);
    while (b->cmd_credits <= 0)
        if (pump(b, end) <= 0)
            return -1;
    size_t l = extxip_ble_hci_cmd(pkt, sizeof pkt, op, p, n);
    b->done = 0;
    b->cmd_credits--;
    if (!l || ctl_write(b, pkt, l) != 0)
        return -1;
    while (!(b->done && b->done_op == op))
        if (pump(b, end) <= 0) {
            snprintf(b->err, sizeof b->err, "controller did not answer command 0x%04x", op);
            return -1;
        }
    return b->done_status;
}

/* Send one L2CAP PDU on channel cid under ACL flow control. */
static int l2_send(mcumgr_ble_t *b, uint16_t cid, const uint8_t *pdu, size_t n)
{
    uint8_t l2[4 + BLE_ATT_MTU_MAX], pkt[5 + BLE_ACL_MAX];
    if (n > BLE_ATT_MTU_MAX)
        return -1;
    ble_put16(l2, (uint16_t)n);
    ble_put16(l2 + 2, cid);
    memcpy(l2 + 4, pdu, n);
    size_t total = 4 + n, off = 0;
    b->st.l2_tx_pdus++;
    b->st.l2_tx_bytes += total;
    b->st.ll27_tx_pkts += (total + 26) / 27;
    b->st.ll251_tx_pkts += (total + 250) / 251;
    b->st.ll247_tx_pkts += (total + 246) / 247;
    if (cid == BLE_CID_SM)
        b->st.sm_pdus++;
    while (off < total) {
        long long end = after_ms(ATT_TIMEOUT_MS);
        while (b->connected && b->acl_free == 0)
            if (pump(b, end) <= 0)
                return -1;
        if (!b->connected)
            return -1;
        size_t k = total - off < b->acl_mtu ? total - off : b->acl_mtu;
        size_t l = extxip_ble_hci_acl(pkt, sizeof pkt, b->handle, off == 0, l2 + off, k);
        if (ctl_write(b, pkt, l) != 0)
            return -1;
        b->acl_free--;
        b->st.acl_tx_pkts++;
        b->st.acl_tx_bytes += k;
        off += k;
    }
    return 0;
}

static int att_send(mcumgr_ble_t *b, const uint8_t *pdu, size_t n)
{
    return l2_send(b, BLE_CID_ATT, pdu, n);
}

/* An ATT request and its response (or Error Response) into b->att_rsp. */
static int att_req(mcumgr_ble_t *b, const uint8_t *pdu, size_t n)
{
    b->att_rsp_len = 0;
    if (att_send(b, pdu, n) != 0)
        return -1;
    long long end = after_ms(ATT_TIMEOUT_MS);
    while (b->connected && !b->att_rsp_len)
        if (pump(b, end) <= 0)
            return -1;
    return b->att_rsp_len ? 0 : -1;
}

static int att_error(const mcumgr_ble_t *b)
{
    return b->att_rsp[0] == BLE_ATT_ERROR_RSP && b->att_rsp_len >= 5 ? b->att_rsp[4] : 0;
}

static int ctlr_init(mcumgr_ble_t *b)
{
    static const uint8_t mask[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00, 0x20};
    static const uint8_t le_mask[8] = {0x4F, 0, 0, 0, 0, 0, 0, 0};
    if (hci(b, BLE_OP_RESET, NULL, 0) != 0 || hci(b, BLE_OP_SET_EVENT_MASK, mask, 8) != 0 ||
        hci(b, BLE_OP_LE_SET_EVENT_MASK, le_mask, 8) != 0 ||
        hci(b, BLE_OP_LE_READ_BUFFER_SIZE, NULL, 0) != 0) {
        if (!b->err[0])
            snprintf(b->err, sizeof b->err, "controller %.200s refused LE bring-up (no LE support?)",
                     b->conn.ctlr);
        return -1;
    }
    if (b->done_ret_len >= 3 && ble_get16(b->done_ret) && b->done_ret[2]) {
        b->acl_mtu = ble_get16(b->done_ret);
        b->acl_total = b->done_ret[2];
    } else if (hci(b, 0x1005, NULL, 0) == 0 && b->done_ret_len >= 7) {
        b->acl_mtu = ble_get16(b->done_ret);
        b->acl_total = ble_get16(b->done_ret + 3);
    }
    if (b->acl_mtu == 0 || b->acl_total == 0) {
        b->acl_mtu = 27;
        b->acl_total = 1;
    }
    if (b->acl_mtu > BLE_ACL_MAX)
        b->acl_mtu = BLE_ACL_MAX;
    b->acl_free = b->acl_total;
    if (hci(b, BLE_OP_READ_BD_ADDR, NULL, 0) == 0 && b->done_ret_len >= 6)
        memcpy(b->own_addr, b->done_ret, 6); /* for the pairing's f5/f6 */
    if (hci(b, BLE_OP_LE_READ_LOCAL_FEATURES, NULL, 0) == 0 && b->done_ret_len >= 1 &&
        (b->done_ret[0] & 0x20)) {
        uint8_t d[4];
        ble_put16(d, 251);
        ble_put16(d + 2, 2120);
        b->dle = hci(b, BLE_OP_LE_WRITE_DEFAULT_DATA_LENGTH, d, 4) == 0;
    }
    return 0;
}

static int scan_and_connect(mcumgr_ble_t *b)
{
    /* Active scan (the name may be in the scan response), 10 ms interval and window. */
    static const uint8_t sp[7] = {0x01, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00};
    uint8_t on[2] = {1, 0}, off[2] = {0, 0};
    b->found = 0;
    if (hci(b, BLE_OP_LE_SET_SCAN_PARAMS, sp, 7) != 0)
        goto noscan;
    b->scanning = 1; /* reports may arrive right behind the command's completion */
    if (hci(b, BLE_OP_LE_SET_SCAN_ENABLE, on, 2) != 0) {
        b->scanning = 0;
        goto noscan;
    }
    long long end = after_ms(b->conn.scan_ms);
    while (!b->found) {
        int r = pump(b, end);
        if (r < 0) {
            snprintf(b->err, sizeof b->err, "controller link lost while scanning");
            return -1;
        }
        if (r == 0)
            break;
    }
    b->scanning = 0;
    hci(b, BLE_OP_LE_SET_SCAN_ENABLE, off, 2);
    if (!b->found) {
        snprintf(b->err, sizeof b->err, "peer %s%s%s not found within %d s",
                 b->conn.peer_name[0] ? b->conn.peer_name : "",
                 b->conn.peer_name[0] && b->conn.peer_id[0] ? " / " : "", b->conn.peer_id,
                 b->conn.scan_ms / 1000);
        return -1;
    }
    /* 7.5 ms connection interval, no latency, 2 s supervision timeout. */
    uint8_t cc[25] = {0x60, 0x00, 0x30, 0x00, 0x00, b->peer_type};
    memcpy(cc + 6, b->peer, 6);
    cc[12] = 0x00;
    ble_put16(cc + 13, 6);
    ble_put16(cc + 15, 6);
    ble_put16(cc + 17, 0);
    ble_put16(cc + 19, 200);
    ble_put16(cc + 21, 0);
    ble_put16(cc + 23, 0);
    b->conn_done = 0;
    if (hci(b, BLE_OP_LE_CREATE_CONN, cc, sizeof cc) != 0) {
        snprintf(b->err, sizeof b->err, "controller refused to connect");
        return -1;
    }
    end = after_ms(CONN_TIMEOUT_MS);
    while (!b->conn_done)
        if (pump(b, end) <= 0) {
            hci(b, BLE_OP_LE_CREATE_CONN_CANCEL, NULL, 0);
            snprintf(b->err, sizeof b->err, "connection to the peer timed out");
            return -1;
        }
    if (!b->connected) {
        snprintf(b->err, sizeof b->err, "connection to the peer failed (HCI status 0x%02x)",
                 b->conn_status);
        return -1;
    }
    b->st.connects++;
    ble_put16(sig_disc + 4, b->handle);
    sig_fd = b->fd;
    if (b->dle) {
        uint8_t d[6];
        ble_put16(d, b->handle);
        ble_put16(d + 2, 251);
        ble_put16(d + 4, 2120);
        hci(b, BLE_OP_LE_SET_DATA_LENGTH, d, 6);
    }
    return 0;
noscan:
    snprintf(b->err, sizeof b->err, "controller %.200s cannot scan", b->conn.ctlr);
    return -1;
}

/* ------------------------------------------------------------- security */

static int os_rng(void *arg, unsigned char *out, size_t n)
{
    (void)arg;
    while (n) {
        ssize_t r = getrandom(out, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        out += r;
        n -= (size_t)r;
    }
    return 0;
}

#define REPEATED_TEXT "repeated attempts (the device refuses pairing for a while after a failure; try again later)"

static const char *sm_reason(uint8_t r)
{
    static const char *const t[] = {"?", "passkey entry failed", "OOB not available",
                                    "authentication requirements", "confirm value failed (wrong passkey?)",
                                    "pairing not supported", "encryption key size",
                                    "command not supported", "unspecified reason",
                                    REPEATED_TEXT,
                                    "invalid parameters", "DHKey check failed"};
    return r < sizeof t / sizeof t[0] ? t[r] : "unknown reason";
}

static int bonds_load(mcumgr_ble_t *b)
{
    if (b->bf_loaded)
        return 0;
    if (mcumgr_bondfile_load(&b->bf, b->conn.bond_file, b->err, sizeof b->err) != 0)
        return -1;
    b->bf_loaded = 1;
    return 0;
}

/* LE Start Encryption with ltk (EDIV = Rand = 0: an LE Secure Connections
 * key). Returns 1 encrypted, 0 refused (HCI status in b->enc_status), -1 lost. */
static int encrypt_with(mcumgr_ble_t *b, const uint8_t ltk[16])
{
    uint8_t c[28] = {0};
    ble_put16(c, b->handle);
    memcpy(c + 12, ltk, 16);
    b->enc_done = 0;
    int st = hci(b, BLE_OP_LE_START_ENCRYPTION, c, sizeof c);
    memset(c, 0, sizeof c);
    if (st != 0) {
        b->enc_status = (uint8_t)(st < 0 ? 0xFF : st);
        return st < 0 ? -1 : 0;
    }
    long long end = after_ms(ATT_TIMEOUT_MS);
    while (b->connected && !b->enc_done)
        if (pump(b, end) <= 0)
            break;
    if (!b->connected)
        return -1;
    return b->enc_done && b->enc_ok ? 1 : 0;
}

/* A passkey for the pairing: the connstring's, or asked on the terminal. */
static int ask_passkey(mcumgr_ble_t *b, uint32_t *pk)
{
    if (b->conn.passkey >= 0) {
        *pk = (uint32_t)b->conn.passkey;
        return 0;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty || !isatty(fileno(tty))) {
        if (tty)
            fclose(tty);
        snprintf(b->err, sizeof b->err,
                 "pairing needs the passkey the device shows: add passkey=N to the connstring");
        return -1;
    }
    fprintf(tty, "Passkey shown by the device: ");
    fflush(tty);
    char line[32];
    char *end;
    long v = -1;
    if (fgets(line, sizeof line, tty)) {
        v = strtol(line, &end, 10);
        if (end == line || (*end != '\n' && *end != '\0'))
            v = -1;
    }
    fclose(tty);
    if (v < 0 || v > 999999) {
        snprintf(b->err, sizeof b->err, "pairing needs a passkey of 6 digits (0..999999)");
        return -1;
    }
    *pk = (uint32_t)v;
    return 0;
}

/* LE Secure Connections pairing as initiator (KeyboardOnly: Just Works with a
 * device that has no display, passkey entry with one that has), the bond
 * saved to the bond file. Returns 0 or -1 with b->err. */
static int pair(mcumgr_ble_t *b)
{
    if (bonds_load(b) != 0)
        return -1;
    if (!b->bf.have_irk) {
        if (os_rng(NULL, b->bf.irk, 16) != 0) {
            snprintf(b->err, sizeof b->err, "no random numbers for the IRK");
            return -1;
        }
        b->bf.have_irk = 1;
    }
    extxip_ble_sm_cfg_t cfg = {0};
    cfg.initiator = 1;
    cfg.io_cap = BLE_SM_IO_KEYBOARD_ONLY;
    cfg.bond = 1;
    cfg.own_kd = BLE_SM_KD_ID;
    memcpy(cfg.own_irk, b->bf.irk, 16);
    cfg.rng = os_rng;
    extxip_ble_sm_init(&b->sm, &cfg);
    long long t0 = hostio_now_ns();
    extxip_ble_sm_conn(&b->sm, b->own_addr, 0, b->peer, b->peer_type, t0 / 1000000);
    b->sm_ready = 1;
    b->enc_done = 0;
    if (extxip_ble_sm_start(&b->sm, t0 / 1000000) != 0) {
        snprintf(b->err, sizeof b->err, "pairing could not start");
        return -1;
    }
    while (b->connected && extxip_ble_sm_busy(&b->sm)) {
        const uint8_t *pdu;
        size_t n;
        while ((n = extxip_ble_sm_tx(&b->sm, &pdu)) > 0) {
            uint8_t t[65];
            memcpy(t, pdu, n);
            if (l2_send(b, BLE_CID_SM, t, n) != 0)
                break;
        }
        if (b->sm.ev & BLE_SM_EV_PASSKEY_ASK) {
            b->sm.ev &= (uint8_t)~BLE_SM_EV_PASSKEY_ASK;
            uint32_t pk;
            if (ask_passkey(b, &pk) != 0) {
                extxip_ble_sm_passkey(&b->sm, 1000000u); /* out of range: Passkey Entry Failed */
                while ((n = extxip_ble_sm_tx(&b->sm, &pdu)) > 0) {
                    uint8_t t[65];
                    memcpy(t, pdu, n);
                    l2_send(b, BLE_CID_SM, t, n);
                }
                b->sm_ready = 0;
                return -1;
            }
            extxip_ble_sm_passkey(&b->sm, pk);
            continue;
        }
        if (b->sm.ev & BLE_SM_EV_START_ENC) {
            b->sm.ev &= (uint8_t)~BLE_SM_EV_START_ENC;
            uint8_t c[28] = {0};
            ble_put16(c, b->handle);
            memcpy(c + 12, b->sm.ltk, 16);
            if (hci(b, BLE_OP_LE_START_ENCRYPTION, c, sizeof c) != 0)
                extxip_ble_sm_encrypted(&b->sm, 0, hostio_now_ns() / 1000000);
            memset(c, 0, sizeof c);
            continue;
        }
        if (b->enc_done && b->sm.state == BLE_SM_WAIT_ENC) {
            b->enc_done = 0;
            extxip_ble_sm_encrypted(&b->sm, b->enc_ok, hostio_now_ns() / 1000000);
            continue;
        }
        if (pump(b, after_ms(100)) < 0)
            break;
        extxip_ble_sm_poll(&b->sm, hostio_now_ns() / 1000000);
    }
    /* Our last PDUs (identity keys, or a Pairing Failed). */
    const uint8_t *pdu;
    size_t n;
    while (b->connected && (n = extxip_ble_sm_tx(&b->sm, &pdu)) > 0) {
        uint8_t t[65];
        memcpy(t, pdu, n);
        l2_send(b, BLE_CID_SM, t, n);
    }
    b->sm_ready = 0;
    b->pair_ns = hostio_now_ns() - t0;
    b->st.pair_us = (unsigned long long)(b->pair_ns / 1000);
    if (b->sm.state != BLE_SM_DONE) {
        if (!b->connected)
            snprintf(b->err, sizeof b->err, "pairing failed: the device disconnected");
        else if (b->sm.state == BLE_SM_TIMED_OUT)
            snprintf(b->err, sizeof b->err, "pairing failed: timed out");
        else
            snprintf(b->err, sizeof b->err, "pairing failed: %s (SMP reason 0x%02x)", sm_reason(b->sm.reason),
                     b->sm.reason);
        return -1;
    }
    if (b->sm.bonding) {
        mcumgr_bond_t nb;
        memset(&nb, 0, sizeof nb);
        memcpy(nb.addr, b->peer, 6);
        nb.type = b->peer_type;
        memcpy(nb.ltk, b->sm.ltk, 16);
        nb.authenticated = b->sm.auth >= BLE_SEC_AUTHEN;
        if (mcumgr_bondfile_put(&b->bf, &nb, b->err, sizeof b->err) != 0)
            fprintf(stderr, "Warning: paired, but %s\n", b->err);
        memset(&nb, 0, sizeof nb);
    }
    memset(b->sm.ltk, 0, sizeof b->sm.ltk);
    return 0;
}

/* After connecting: encrypt with the bond we have for this device (or pair
 * when pair=1). Returns 0 or -1 with b->err. */
static int secure_link(mcumgr_ble_t *b)
{
    b->encrypted = 0;
    b->sec_req = 0;
    if (bonds_load(b) != 0)
        return -1;
    if (b->conn.pair)
        return pair(b);
    const mcumgr_bond_t *bond = mcumgr_bondfile_find(&b->bf, b->peer, b->peer_type);
    if (!bond)
        return 0; /* unbonded: pair only if the device asks */
    int r = encrypt_with(b, bond->ltk);
    if (r < 0) {
        snprintf(b->err, sizeof b->err, "peer disconnected while encrypting the link");
        return -1;
    }
    if (r == 0) {
        snprintf(b->err, sizeof b->err,
                 "the device no longer has our bond (encryption refused, HCI status 0x%02x): it was "
                 "erased or paired again; pair anew with pair=1 in the connstring (bond file %s)",
                 b->enc_status, b->bf.path);
        return -1;
    }
    return 0;
}

/* The device refused an attribute for security (ATT error 0x05 / 0x0F):
 * pair (the bond we might have was not enough, or there is none). */
static int on_security_error(mcumgr_ble_t *b, int att_err)
{
    const mcumgr_bond_t *bond = bonds_load(b) == 0 ? mcumgr_bondfile_find(&b->bf, b->peer, b->peer_type) : NULL;
    if (!b->encrypted && bond && att_err == BLE_ATT_EINSUFF_ENC) {
        int r = encrypt_with(b, bond->ltk);
        if (r == 1)
            return 0;
    }
    return pair(b);
}

static int discover(mcumgr_ble_t *b)
{
    uint8_t q[32];
    b->mtu = BLE_ATT_MTU_MIN;
    q[0] = BLE_ATT_MTU_REQ;
    ble_put16(q + 1, BLE_ATT_MTU_MAX);
    if (att_req(b, q, 3) != 0)
        goto lost;
    if (b->att_rsp[0] == BLE_ATT_MTU_RSP && b->att_rsp_len == 3) {
        uint16_t s = ble_get16(b->att_rsp + 1);
        b->mtu = s < BLE_ATT_MTU_MAX ? (s < BLE_ATT_MTU_MIN ? BLE_ATT_MTU_MIN : s) : BLE_ATT_MTU_MAX;
    }
    /* The SMP service by UUID. */
    q[0] = BLE_ATT_FIND_TYPE_REQ;
    ble_put16(q + 1, 1);
    ble_put16(q + 3, 0xFFFF);
    ble_put16(q + 5, BLE_UUID_PRIMARY);
    memcpy(q + 7, extxip_ble_uuid_smp_svc, 16);
    if (att_req(b, q, 23) != 0)
        goto lost;
    if (b->att_rsp[0] != BLE_ATT_FIND_TYPE_RSP || b->att_rsp_len < 5)
        goto missing;
    uint16_t start = ble_get16(b->att_rsp + 1), end = ble_get16(b->att_rsp + 3);
    /* Its characteristics: find the SMP one's value handle. */
    b->smp_handle = 0;
    uint16_t next_decl_end = end;
    for (uint32_t h = start; h <= end && !b->smp_handle;) {
        q[0] = BLE_ATT_READ_TYPE_REQ;
        ble_put16(q + 1, (uint16_t)h);
        ble_put16(q + 3, end);
        ble_put16(q + 5, BLE_UUID_CHRC);
        if (att_req(b, q, 7) != 0)
            goto lost;
        if (b->att_rsp[0] != BLE_ATT_READ_TYPE_RSP || b->att_rsp_len < 2)
            break;
        size_t each = b->att_rsp[1];
        if (each < 7)
            break;
        uint32_t last = h;
        for (size_t i = 2; i + each <= b->att_rsp_len; i += each) {
            const uint8_t *e = b->att_rsp + i;
            last = ble_get16(e);
            if (b->smp_handle && next_decl_end == end)
                next_decl_end = (uint16_t)(last - 1);
            if (each == 21 && memcmp(e + 5, extxip_ble_uuid_smp_chr, 16) == 0 && !b->smp_handle)
                b->smp_handle = ble_get16(e + 3);
        }
        if (last < h)
            break;
        h = last + 1;
    }
    if (!b->smp_handle)
        goto missing;
    /* Its CCCD: the 0x2902 descriptor after the value. */
    b->cccd_handle = 0;
    q[0] = BLE_ATT_FIND_INFO_REQ;
    ble_put16(q + 1, (uint16_t)(b->smp_handle + 1));
    ble_put16(q + 3, next_decl_end);
    if (b->smp_handle < next_decl_end && att_req(b, q, 5) == 0 &&
        b->att_rsp[0] == BLE_ATT_FIND_INFO_RSP && b->att_rsp[1] == 1)
        for (size_t i = 2; i + 4 <= b->att_rsp_len; i += 4)
            if (ble_get16(b->att_rsp + i + 2) == BLE_UUID_CCCD) {
                b->cccd_handle = ble_get16(b->att_rsp + i);
                break;
            }
    if (!b->connected)
        goto lost;
    if (!b->cccd_handle) {
        snprintf(b->err, sizeof b->err, "SMP characteristic has no notification descriptor");
        return -1;
    }
    q[0] = BLE_ATT_WRITE_REQ;
    ble_put16(q + 1, b->cccd_handle);
    ble_put16(q + 3, 0x0001);
    if (att_req(b, q, 5) != 0)
        goto lost;
    if (att_error(b) == BLE_ATT_EAUTHEN || att_error(b) == BLE_ATT_EINSUFF_ENC) {
        /* The SMP service wants a secure link (--ble-security on the device). */
        if (on_security_error(b, att_error(b)) != 0)
            return -1;
        if (att_req(b, q, 5) != 0)
            goto lost;
    }
    if (att_error(b)) {
        snprintf(b->err, sizeof b->err, "peer refused notifications (ATT error 0x%02x)",
                 att_error(b));
        return -1;
    }
    b->st.mtu = b->mtu;
    return 0;
missing:
    snprintf(b->err, sizeof b->err, "peer has no SMP service (8D53DC1D-1DB7-4CD3-868B-8A527460AA84)");
    return -1;
lost:
    snprintf(b->err, sizeof b->err, "peer disconnected during service discovery");
    return -1;
}

static int connect_peer(mcumgr_ble_t *b)
{
    b->err[0] = '\0';
    if (scan_and_connect(b) != 0)
        return -1;
    if (secure_link(b) != 0 || discover(b) != 0) {
        uint8_t d[3];
        ble_put16(d, b->handle);
        d[2] = BLE_HCI_REMOTE_USER_TERM;
        if (b->connected && hci(b, BLE_OP_DISCONNECT, d, 3) == 0) {
            /* Wait for the Disconnection Complete that follows the status, so
             * the controller is not left writing to a closed link. */
            long long end = after_ms(1000);
            while (b->connected && pump(b, end) > 0)
                ;
        }
        return -1;
    }
    return 0;
}

mcumgr_ble_t *mcumgr_ble_open(const mcumgr_conn_t *c, char *err, size_t cap)
{
    mcumgr_ble_t *b = calloc(1, sizeof *b);
    if (!b || !(b->smp = malloc(SMP_MAX))) {
        snprintf(err, cap, "out of memory");
        free(b);
        return NULL;
    }
    extxip_smp_reasm_init(&b->reasm, b->smp, SMP_MAX);
    b->conn = *c;
    b->cmd_credits = 1;
    extxip_ble_h4_rx_init(&b->h4);
    extxip_ble_l2cap_rx_init(&b->l2);
    if (c->peer_id[0]) {
        unsigned v[6];
        if (sscanf(c->peer_id, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5]) == 6) {
            for (int i = 0; i < 6; i++)
                b->want_id[i] = (uint8_t)v[5 - i];
            b->have_want_id = 1;
        }
    }
    b->fd = hci_ctlr_open(c->ctlr, err, cap);
    if (b->fd < 0) {
        free(b->smp);
        free(b);
        return NULL;
    }
    extxip_ble_hci_cmd(sig_disc, sizeof sig_disc, BLE_OP_DISCONNECT, (const uint8_t[]){0, 0, 0x13}, 3);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (ctlr_init(b) != 0 || connect_peer(b) != 0) {
        snprintf(err, cap, "%s", b->err[0] ? b->err : "controller failed");
        mcumgr_ble_close(b);
        return NULL;
    }
    return b;
}

int mcumgr_ble_send(mcumgr_ble_t *b, const uint8_t *pkt, size_t len)
{
    if (!b->connected) {
        fprintf(stderr, "ble: link lost (reason 0x%02x); connecting again\n", b->disc_reason);
        if (connect_peer(b) != 0) {
            fprintf(stderr, "ble: %s\n", b->err);
            errno = ENOTCONN;
            return -1;
        }
    }
    /* One ATT Write Command per ATT_MTU-3 bytes; the device reassembles by the
     * SMP header's length. */
    uint8_t w[BLE_ATT_MTU_MAX];
    size_t per = (size_t)b->mtu - 3, off = 0;
    while (off < len) {
        size_t k = len - off < per ? len - off : per;
        w[0] = BLE_ATT_WRITE_CMD;
        ble_put16(w + 1, b->smp_handle);
        memcpy(w + 3, pkt + off, k);
        if (att_send(b, w, 3 + k) != 0) {
            fprintf(stderr, "ble: peer disconnected (reason 0x%02x)\n", b->disc_reason);
            errno = ENOTCONN;
            return -1;
        }
        b->st.smp_tx_bytes += k;
        off += k;
    }
    return 0;
}

int mcumgr_ble_recv(mcumgr_ble_t *b, uint8_t *buf, size_t cap, long long deadline_ns)
{
    for (;;) {
        if (b->q_len) {
            uint32_t l;
            memcpy(&l, b->q, 4);
            size_t n = l;
            int ok = n <= cap;
            if (ok)
                memcpy(buf, b->q + 4, n);
            memmove(b->q, b->q + 4 + n, b->q_len - 4 - n);
            b->q_len -= 4 + n;
            if (ok)
                return (int)n;
            continue;
        }
        if (!b->connected) {
            fprintf(stderr, "ble: peer disconnected (reason 0x%02x)\n", b->disc_reason);
            errno = ENOTCONN;
            return -1;
        }
        int r = pump(b, deadline_ns);
        if (r < 0)
            return -1;
        if (r == 0 && hostio_now_ns() >= deadline_ns)
            return 0;
    }
}

void mcumgr_ble_stats(const mcumgr_ble_t *b, mcumgr_ble_stats_t *st)
{
    *st = b->st;
    st->mtu = b->mtu;
    st->acl_mtu = b->acl_mtu;
    st->acl_bufs = b->acl_total;
    st->dle = b->dle;
    st->encrypted = b->encrypted;
}

void mcumgr_ble_close(mcumgr_ble_t *b)
{
    if (!b)
        return;
    if (b->fd >= 0 && b->connected) {
        uint8_t d[3];
        ble_put16(d, b->handle);
        d[2] = BLE_HCI_REMOTE_USER_TERM;
        if (hci(b, BLE_OP_DISCONNECT, d, 3) == 0) {
            long long end = after_ms(1000);
            while (b->connected && pump(b, end) > 0)
                ;
        }
    }
    sig_fd = -1;
    if (b->fd >= 0)
        close(b->fd);
    free(b->smp);
    free(b->q);
    free(b);
}
