#include "ble/ble_periph.h"

#include <string.h>

#define PROBE_IDLE_MS 1000

static void cmd(extxip_ble_periph_t *p, uint16_t op, const uint8_t *params, size_t plen)
{
    if (p->cmdq_n >= BLE_CMDQ || plen + 4 > BLE_CMD_MAX)
        return;
    unsigned i = (p->cmdq_head + p->cmdq_n) % BLE_CMDQ;
    p->cmdq_len[i] = (uint8_t)extxip_ble_hci_cmd(p->cmdq[i], BLE_CMD_MAX, op, params, plen);
    p->cmdq_n++;
}

static void cmd_pump(extxip_ble_periph_t *p)
{
    while (p->cmd_credits > 0 && p->cmdq_n) {
        unsigned i = p->cmdq_head;
        p->tx(p->tx_arg, p->cmdq[i], p->cmdq_len[i]);
        p->cmdq_head = (i + 1) % BLE_CMDQ;
        p->cmdq_n--;
        p->cmd_credits--;
    }
}

/* A log line under construction: lib formats by hand (the core links no
 * stdio) and hands whole lines to the port's log hook. */
typedef struct line {
    char b[160];
    size_t n;
} line_t;

static void l_str(line_t *l, const char *s)
{
    while (*s && l->n + 1 < sizeof l->b)
        l->b[l->n++] = *s++;
    l->b[l->n] = 0;
}

static void l_hex(line_t *l, unsigned v, int digits)
{
    char t[9];
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        t[i] = "0123456789ABCDEF"[v & 15u];
    t[digits] = 0;
    l_str(l, t);
}

static void l_dec(line_t *l, unsigned v)
{
    char t[11];
    int i = 10;
    t[i] = 0;
    do {
        t[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    l_str(l, t + i);
}

/* A device address as the spec writes it: most significant byte first. */
static void l_addr(line_t *l, const uint8_t a[6])
{
    for (int i = 5; i >= 0; i--) {
        l_hex(l, a[i], 2);
        if (i)
            l_str(l, ":");
    }
}

static void l_emit(extxip_ble_periph_t *p, line_t *l)
{
    p->log(p->log_arg, l->b);
}

int extxip_ble_bond_match(const extxip_ble_bond_t *b, const uint8_t addr[6], uint8_t type)
{
    if (b->type == type && memcmp(b->addr, addr, 6) == 0)
        return 1;
    return type == 1 && b->has_irk && extxip_ble_sm_rpa_resolves(b->irk, addr);
}

void extxip_ble_periph_security(extxip_ble_periph_t *p, uint8_t level, long passkey, extxip_ble_rng_fn rng,
                                void *rng_arg, const extxip_ble_bond_ops_t *bonds)
{
    extxip_ble_sm_cfg_t c = {0};
    c.initiator = 0;
    c.io_cap = (level >= BLE_SEC_AUTHEN || passkey >= 0) ? BLE_SM_IO_DISPLAY_ONLY : BLE_SM_IO_NONE;
    c.min_level = level;
    c.bond = bonds && bonds->find;
    c.own_kd = 0; /* the device's identity is its public address: no IRK to give */
    c.fixed_passkey = passkey >= 0;
    c.passkey = passkey >= 0 ? (uint32_t)passkey : 0;
    c.rng = rng;
    c.rng_arg = rng_arg;
    extxip_ble_sm_init(&p->sm, &c);
    p->sm_on = rng != NULL;
    p->sec_required = level;
    if (bonds)
        p->bonds = *bonds;
}

void extxip_ble_periph_init(extxip_ble_periph_t *p, const char *name, size_t smp_max, extxip_ble_periph_tx_fn tx,
                     void *tx_arg, extxip_ble_periph_smp_fn smp, void *smp_arg)
{
    memset(p, 0, sizeof *p);
    p->tx = tx;
    p->tx_arg = tx_arg;
    p->smp = smp;
    p->smp_arg = smp_arg;
    p->smp_max = smp_max && smp_max < BLE_SMP_BUF ? smp_max : BLE_SMP_BUF;
    extxip_smp_reasm_init(&p->reasm, p->smp_buf, p->smp_max);
    const char *nm = name ? name : BLE_DEFAULT_NAME;
    size_t nl = strlen(nm) < BLE_NAME_MAX ? strlen(nm) : BLE_NAME_MAX;
    memcpy(p->name, nm, nl);
    p->name[nl] = 0;
    p->cmd_credits = 1;
    p->acl_mtu = 27;
    p->acl_total = p->acl_free = 1;
    extxip_ble_l2cap_rx_init(&p->l2);
}

static void adv_enable(extxip_ble_periph_t *p, int on)
{
    uint8_t v = (uint8_t)on;
    cmd(p, BLE_OP_LE_SET_ADV_ENABLE, &v, 1);
    p->adv_on = on;
}

void extxip_ble_periph_start(extxip_ble_periph_t *p, long long now_ms)
{
    p->now_ms = now_ms;
    cmd(p, BLE_OP_RESET, NULL, 0);
    /* Disconnection Complete, Hardware Error, LE Meta + the Core's defaults. */
    static const uint8_t mask[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00, 0x20};
    cmd(p, BLE_OP_SET_EVENT_MASK, mask, 8);
    /* Connection Complete, Advertising Report, Connection Update, Remote
     * Features, Long Term Key Request, Data Length Change. */
    static const uint8_t le_mask[8] = {0x5F, 0, 0, 0, 0, 0, 0, 0};
    cmd(p, BLE_OP_LE_SET_EVENT_MASK, le_mask, 8);
    cmd(p, BLE_OP_LE_READ_BUFFER_SIZE, NULL, 0);
    cmd(p, BLE_OP_LE_READ_LOCAL_FEATURES, NULL, 0);
    cmd(p, BLE_OP_READ_BD_ADDR, NULL, 0);
    /* ADV_IND, 100..150 ms (Zephyr's BT_LE_ADV_CONN fast interval), public
     * address, all three channels, no filter. */
    static const uint8_t adv[15] = {0xA0, 0x00, 0xF0, 0x00, 0x00, 0x00, 0x00, 0,
                                    0, 0, 0, 0, 0, 0x07, 0x00};
    cmd(p, BLE_OP_LE_SET_ADV_PARAMS, adv, sizeof adv);
    /* Advertising data: flags (LE General Discoverable, BR/EDR not
     * supported), the SMP service UUID, and the name when it fits; the scan
     * response always carries the complete name (Zephyr's smp_svr puts it there). */
    uint8_t ad[32] = {0};
    size_t n = 1, nl = strlen(p->name);
    ad[n++] = 2; ad[n++] = 0x01; ad[n++] = 0x06;
    ad[n++] = 17; ad[n++] = 0x07;
    memcpy(ad + n, extxip_ble_uuid_smp_svc, 16);
    n += 16;
    if (n + 2 + nl <= 32) {
        ad[n++] = (uint8_t)(nl + 1);
        ad[n++] = 0x09;
        memcpy(ad + n, p->name, nl);
        n += nl;
    }
    ad[0] = (uint8_t)(n - 1);
    cmd(p, BLE_OP_LE_SET_ADV_DATA, ad, 32);
    uint8_t sd[32] = {0};
    if (nl > 29)
        nl = 29;
    sd[0] = (uint8_t)(nl + 2);
    sd[1] = (uint8_t)(nl + 1);
    sd[2] = 0x09;
    memcpy(sd + 3, p->name, nl);
    cmd(p, BLE_OP_LE_SET_SCAN_RSP_DATA, sd, 32);
    adv_enable(p, 1);
    cmd_pump(p);
}

int extxip_ble_periph_idle(const extxip_ble_periph_t *p)
{
    return p->txq_len == 0 && p->ctl_len == 0 && p->pdu_len == 0 &&
           (!p->connected || p->acl_free == p->acl_total);
}

void extxip_ble_periph_disconnect(extxip_ble_periph_t *p)
{
    if (!p->connected)
        return;
    uint8_t d[3];
    ble_put16(d, p->handle);
    d[2] = BLE_HCI_REMOTE_USER_TERM;
    cmd(p, BLE_OP_DISCONNECT, d, 3);
    cmd_pump(p);
}

/* ------------------------------------------------------------ SMP framing */

static void smp_drop(extxip_ble_periph_t *p)
{
    if (p->reasm.have)
        p->st.smp_dropped++;
    extxip_smp_reasm_reset(&p->reasm);
}

/* A write to the SMP characteristic: collect by the SMP header's length, as
 * Zephyr's smp_reassembly does; a fragment running past that length drops
 * the partial packet (ATT Value Not Allowed for a write request). */
static uint8_t on_smp_write(void *arg, const uint8_t *d, size_t n)
{
    extxip_ble_periph_t *p = arg;
    size_t used, len;
    p->st.smp_rx_bytes += n;
    if (n == 0)
        return 0;
    int rc = extxip_smp_reasm_feed(&p->reasm, d, n, &used, &len);
    if (rc == SMP_REASM_TOO_BIG || (rc == SMP_REASM_DONE && used < n)) {
        p->st.smp_dropped++;
        extxip_smp_reasm_reset(&p->reasm);
        return BLE_ATT_EVALUE_NOT_ALLOWED;
    }
    if (rc == SMP_REASM_DONE && p->smp)
        p->smp(p->smp_arg, p->smp_buf, len, p->peer);
    return 0;
}

int extxip_ble_periph_send_smp(void *arg, const uint8_t *pkt, size_t len)
{
    extxip_ble_periph_t *p = arg;
    if (!p->connected || len == 0 || len > 0xFFFF || p->txq_len + 2 + len > sizeof p->txq) {
        p->st.rsp_dropped++;
        return -1;
    }
    p->txq[p->txq_len] = (uint8_t)(len >> 8);
    p->txq[p->txq_len + 1] = (uint8_t)len;
    memcpy(p->txq + p->txq_len + 2, pkt, len);
    p->txq_len += 2 + len;
    return 0;
}

/* --------------------------------------------------------------- TX pump */

static void set_pdu(extxip_ble_periph_t *p, uint16_t cid, const uint8_t *d, size_t n)
{
    ble_put16(p->pdu, (uint16_t)n);
    ble_put16(p->pdu + 2, cid);
    memmove(p->pdu + 4, d, n);
    p->pdu_len = 4 + n;
    p->pdu_off = 0;
}

static void txq_pop(extxip_ble_periph_t *p)
{
    size_t first = 2 + ((size_t)p->txq[0] << 8 | p->txq[1]);
    memmove(p->txq, p->txq + first, p->txq_len - first);
    p->txq_len -= first;
    p->note_off = 0;
}

/* Next L2CAP PDU to send, if any. */
static int next_pdu(extxip_ble_periph_t *p)
{
    if (p->ctl_len) {
        memcpy(p->pdu, p->ctl_pdu, p->ctl_len);
        p->pdu_len = p->ctl_len;
        p->pdu_off = 0;
        p->ctl_len = 0;
        return 1;
    }
    const uint8_t *sm_pdu;
    size_t sm_n = p->sm_on ? extxip_ble_sm_tx(&p->sm, &sm_pdu) : 0;
    if (sm_n) {
        set_pdu(p, BLE_CID_SM, sm_pdu, sm_n);
        return 1;
    }
    while (p->txq_len) {
        if (!(p->att.cccd_smp & BLE_CCC_NOTIFY)) { /* not subscribed: Zephyr drops it */
            p->st.rsp_dropped++;
            txq_pop(p);
            continue;
        }
        size_t len = (size_t)p->txq[0] << 8 | p->txq[1];
        size_t k = len - p->note_off;
        if (k > (size_t)p->att.mtu - 3)
            k = (size_t)p->att.mtu - 3;
        uint8_t note[BLE_ATT_MTU_MAX];
        size_t nl = extxip_ble_att_smp_notify(&p->att, note, sizeof note, p->txq + 2 + p->note_off, k);
        if (!nl)
            return 0;
        set_pdu(p, BLE_CID_ATT, note, nl);
        p->st.smp_tx_bytes += k;
        p->note_off += k;
        if (p->note_off == len)
            txq_pop(p);
        return 1;
    }
    return 0;
}

static void acl_pump(extxip_ble_periph_t *p)
{
    uint8_t pkt[5 + BLE_ACL_MAX];
    while (p->connected && p->acl_free > 0) {
        if (p->pdu_off >= p->pdu_len && !next_pdu(p)) {
            p->pdu_len = p->pdu_off = 0;
            break;
        }
        size_t k = p->pdu_len - p->pdu_off;
        if (k > p->acl_mtu)
            k = p->acl_mtu;
        size_t n = extxip_ble_hci_acl(pkt, sizeof pkt, p->handle, p->pdu_off == 0, p->pdu + p->pdu_off, k);
        if (!n)
            break;
        p->tx(p->tx_arg, pkt, n);
        p->pdu_off += k;
        p->acl_free--;
        p->st.acl_tx_pkts++;
        p->st.acl_tx_bytes += k;
        if (p->pdu_off >= p->pdu_len)
            p->pdu_len = p->pdu_off = 0;
    }
}

/* ------------------------------------------------------------ RX path */

static void conn_reset(extxip_ble_periph_t *p)
{
    p->connected = 0;
    p->probe_pending = 0;
    extxip_ble_l2cap_rx_init(&p->l2);
    smp_drop(p);
    if (p->txq_len)
        p->st.rsp_dropped++;
    p->txq_len = p->note_off = 0;
    p->ctl_len = p->pdu_len = p->pdu_off = 0;
    p->acl_free = p->acl_total; /* the controller flushed the handle's packets */
}

static void set_ctl(extxip_ble_periph_t *p, uint16_t cid, const uint8_t *d, size_t n)
{
    if (p->ctl_len) /* a client with two requests in flight: the second goes unanswered */
        return;
    ble_put16(p->ctl_pdu, (uint16_t)n);
    ble_put16(p->ctl_pdu + 2, cid);
    memcpy(p->ctl_pdu + 4, d, n);
    p->ctl_len = 4 + n;
}

/* kind 0: the text alone; 1: "0xNN)" after it; 2: a six-digit passkey after it. */
static void log_sm(extxip_ble_periph_t *p, const char *what, unsigned v, int kind)
{
    if (!p->log)
        return;
    line_t l = { .n = 0 };
    l_str(&l, what);
    if (kind == 1) {
        l_str(&l, "0x");
        l_hex(&l, v, 2);
        l_str(&l, ")");
    } else if (kind == 2) {
        char t[7];
        for (int i = 5; i >= 0; i--, v /= 10)
            t[i] = (char)('0' + v % 10);
        t[6] = 0;
        l_str(&l, t);
    }
    l_emit(p, &l);
}

/* What the Security Manager asks of us. */
static void sm_events(extxip_ble_periph_t *p)
{
    uint8_t ev = p->sm.ev;
    p->sm.ev = 0;
    if (ev & BLE_SM_EV_PASSKEY_SHOW)
        log_sm(p, "ble: passkey ", p->sm.passkey, 2);
    if (ev & BLE_SM_EV_FAILED) {
        p->st.pairing_failures++;
        log_sm(p, "ble: pairing failed (reason ", p->sm.reason, 1);
    }
    if (ev & BLE_SM_EV_PAIRED) {
        p->st.pairings++;
        if (p->sm.bonding && p->bonds.store) {
            extxip_ble_bond_t b;
            memset(&b, 0, sizeof b);
            if (p->sm.peer_has_id) {
                memcpy(b.addr, p->sm.peer_id_addr, 6);
                b.type = p->sm.peer_id_type;
                memcpy(b.irk, p->sm.peer_irk, 16);
                b.has_irk = 1;
            } else {
                memcpy(b.addr, p->peer_addr, 6);
                b.type = p->sm.peer_type;
            }
            memcpy(b.ltk, p->sm.ltk, 16);
            b.authenticated = p->sm.auth >= BLE_SEC_AUTHEN;
            if (p->bonds.store(p->bonds.arg, &b) == 0) {
                p->st.bonds_stored++;
                p->bond = b;
                p->have_bond = 1;
                p->att.has_ltk = 1;
                log_sm(p, p->sm.auth >= BLE_SEC_AUTHEN ? "ble: paired and bonded (authenticated)" :
                                                         "ble: paired and bonded (unauthenticated)", 0, 0);
            } else {
                log_sm(p, "ble: paired; the bond was not stored", 0, 0);
            }
        } else {
            log_sm(p, "ble: paired without bonding", 0, 0);
        }
    }
}

static void on_ltk_request(extxip_ble_periph_t *p, const uint8_t *e, size_t n)
{
    if (n < 12 || !p->connected || (ble_get16(e) & 0x0FFF) != p->handle)
        return;
    uint8_t d[18];
    ble_put16(d, p->handle);
    int zero = 1; /* LE Secure Connections keys have EDIV = Rand = 0 */
    for (int i = 2; i < 12; i++)
        zero &= e[i] == 0;
    if (p->sm_on && p->sm.state == BLE_SM_WAIT_ENC && zero) {
        memcpy(d + 2, p->sm.ltk, 16);
        p->enc_fresh = 1;
        cmd(p, BLE_OP_LE_LTK_REPLY, d, 18);
    } else if (p->sm_on && p->have_bond && zero) {
        memcpy(d + 2, p->bond.ltk, 16);
        p->enc_fresh = 0;
        cmd(p, BLE_OP_LE_LTK_REPLY, d, 18);
    } else {
        cmd(p, BLE_OP_LE_LTK_NEG_REPLY, d, 2);
        log_sm(p, "ble: encryption refused: no bond with this central", 0, 0);
    }
    memset(d, 0, sizeof d);
}

static void on_encrypt_change(extxip_ble_periph_t *p, const uint8_t *e, size_t n)
{
    if (n < 4 || !p->connected || (ble_get16(e + 1) & 0x0FFF) != p->handle)
        return;
    int ok = e[0] == 0 && e[3] != 0;
    if (p->enc_fresh)
        extxip_ble_sm_encrypted(&p->sm, ok, p->now_ms);
    if (ok) {
        p->st.encryptions++;
        p->sec_level = p->enc_fresh ? p->sm.auth
                                    : (p->bond.authenticated ? BLE_SEC_AUTHEN : BLE_SEC_ENCRYPT);
        log_sm(p, p->sec_level >= BLE_SEC_AUTHEN ? "ble: link encrypted (authenticated)" :
                                                   "ble: link encrypted (unauthenticated)", 0, 0);
    } else {
        p->sec_level = BLE_SEC_NONE;
        log_sm(p, "ble: encryption failed (status ", e[0], 1);
    }
    p->att.sec_level = p->sec_level;
    sm_events(p);
}

static void on_l2cap(extxip_ble_periph_t *p, uint16_t cid, const uint8_t *d, size_t n)
{
    if (cid == BLE_CID_ATT) {
        uint8_t rsp[BLE_ATT_MTU_MAX];
        uint32_t refused = p->att.sec_refused;
        size_t r = extxip_ble_att_server_rx(&p->att, d, n, rsp, sizeof rsp);
        if (r)
            set_ctl(p, cid, rsp, r);
        /* Refused for security: ask the central to pair (or to encrypt with
         * its bond), once a connection, unless a pairing is under way. */
        if (p->att.sec_refused != refused && p->sm_on && !p->sec_req_sent && !extxip_ble_sm_busy(&p->sm)) {
            extxip_ble_sm_security_request(&p->sm);
            p->sec_req_sent = 1;
        }
    } else if (cid == BLE_CID_SM && p->sm_on) {
        extxip_ble_sm_rx(&p->sm, d, n, p->now_ms);
        sm_events(p);
    } else if (cid == BLE_CID_SIG && n >= 4 && d[0] != 0x01 && !(d[0] & 1)) {
        /* LE signalling request: Command Reject, not understood. */
        uint8_t rej[6] = {0x01, d[1], 2, 0, 0, 0};
        set_ctl(p, cid, rej, sizeof rej);
    } else if (cid == BLE_CID_SM && n >= 1 && (d[0] == 0x01 || d[0] == 0x0B)) {
        /* Security Manager: Pairing Failed, pairing not supported. */
        uint8_t pf[2] = {0x05, 0x05};
        set_ctl(p, cid, pf, sizeof pf);
    }
}

static void on_conn_complete(extxip_ble_periph_t *p, const uint8_t *e, size_t n)
{
    if (n < 18 || e[0] != 0) /* status */
        return;
    uint16_t h = ble_get16(e + 1) & 0x0FFF;
    if (p->connected) { /* one connection at a time */
        uint8_t d[3];
        ble_put16(d, h);
        d[2] = BLE_HCI_REMOTE_USER_TERM;
        cmd(p, BLE_OP_DISCONNECT, d, 3);
        return;
    }
    conn_reset(p);
    p->connected = 1;
    p->adv_on = 0; /* the controller stops advertising on a connection */
    p->handle = h;
    memcpy(p->peer_addr, e + 5, 6);
    /* The central's address (stable across reconnects, so an upload resumes);
     * the top byte keeps it apart from UDP and serial peer ids. */
    uint64_t id = 0x42ull << 56 | (uint64_t)e[4] << 48;
    for (int i = 0; i < 6; i++)
        id |= (uint64_t)e[5 + i] << (8 * i);
    p->peer = id;
    p->last_rx_ms = p->now_ms;
    extxip_ble_att_server_init(&p->att, p->name, on_smp_write, p);
    p->att.sec_required = p->sec_required;
    p->sec_level = BLE_SEC_NONE;
    p->sec_req_sent = 0;
    p->enc_fresh = 0;
    p->have_bond = 0;
    if (p->sm_on) {
        extxip_ble_sm_conn(&p->sm, p->addr, 0, e + 5, e[4] & 1, p->now_ms);
        if (p->bonds.find && p->bonds.find(p->bonds.arg, e + 5, e[4] & 1, &p->bond) == 1)
            p->have_bond = 1;
        p->sm.keep_authenticated = p->have_bond && p->bond.authenticated;
        p->att.has_ltk = p->have_bond;
    }
    p->st.connections++;
    if (p->log) {
        line_t l = { .n = 0 };
        l_str(&l, "ble: connected to ");
        l_addr(&l, e + 5);
        l_str(&l, " (handle ");
        l_dec(&l, h);
        l_str(&l, ")");
        l_emit(p, &l);
    }
    if (p->dle) {
        uint8_t d[6];
        ble_put16(d, h);
        ble_put16(d + 2, 251);
        ble_put16(d + 4, 2120);
        cmd(p, BLE_OP_LE_SET_DATA_LENGTH, d, 6);
    }
}

static void on_disconnected(extxip_ble_periph_t *p, uint8_t reason)
{
    if (!p->connected)
        return;
    conn_reset(p);
    p->st.disconnects++;
    if (p->log) {
        line_t l = { .n = 0 };
        l_str(&l, "ble: disconnected (reason 0x");
        l_hex(&l, reason, 2);
        l_str(&l, ")");
        l_emit(p, &l);
        line_t a = { .n = 0 };
        l_str(&a, "ble: advertising again");
        l_emit(p, &a);
    }
    adv_enable(p, 1);
}

static void on_cmd_done(extxip_ble_periph_t *p, uint16_t op, uint8_t status, const uint8_t *r, size_t rl)
{
    if (op == BLE_OP_LE_READ_REMOTE_FEATURES) {
        p->probe_pending = 0;
        /* The controller no longer knows the connection: the emulator does not
         * time links out, so this stands in for the supervision timeout. */
        if (status == BLE_HCI_UNKNOWN_CONN) {
            p->st.probes_lost++;
            on_disconnected(p, 0x08);
        }
        return;
    }
    if (status) {
        if (op == BLE_OP_LE_SET_ADV_ENABLE && status == BLE_HCI_CMD_DISALLOWED)
            return; /* already in that state */
        if (op == BLE_OP_LE_SET_DATA_LENGTH || op == BLE_OP_LE_WRITE_DEFAULT_DATA_LENGTH ||
            op == BLE_OP_DISCONNECT || op == BLE_OP_LE_LTK_REPLY || op == BLE_OP_LE_LTK_NEG_REPLY)
            return;
        if (!p->ready) {
            p->failed = 1;
            if (p->log) {
                line_t l = { .n = 0 };
                l_str(&l, "ble: controller refused command 0x");
                l_hex(&l, op, 4);
                l_str(&l, " (status 0x");
                l_hex(&l, status, 2);
                l_str(&l, ")");
                l_emit(p, &l);
            }
        }
        return;
    }
    switch (op) {
    case BLE_OP_LE_READ_BUFFER_SIZE:
        if (rl >= 3 && ble_get16(r) && r[2]) {
            p->acl_mtu = ble_get16(r);
            p->acl_total = p->acl_free = r[2];
        } else {
            cmd(p, 0x1005, NULL, 0); /* shared with BR/EDR: Read Buffer Size */
        }
        if (p->acl_mtu > BLE_ACL_MAX)
            p->acl_mtu = BLE_ACL_MAX;
        break;
    case 0x1005:
        if (rl >= 7 && ble_get16(r) && ble_get16(r + 3)) {
            p->acl_mtu = ble_get16(r);
            p->acl_total = p->acl_free = ble_get16(r + 3);
            if (p->acl_mtu > BLE_ACL_MAX)
                p->acl_mtu = BLE_ACL_MAX;
        }
        break;
    case BLE_OP_LE_READ_LOCAL_FEATURES:
        if (rl >= 1 && (r[0] & 0x20)) {
            p->dle = 1;
            uint8_t d[4];
            ble_put16(d, 251);
            ble_put16(d + 2, 2120);
            cmd(p, BLE_OP_LE_WRITE_DEFAULT_DATA_LENGTH, d, 4);
        }
        break;
    case BLE_OP_READ_BD_ADDR:
        if (rl >= 6)
            memcpy(p->addr, r, 6);
        break;
    case BLE_OP_LE_SET_ADV_ENABLE:
        if (!p->ready) {
            p->ready = 1;
            if (p->log) {
                line_t l = { .n = 0 };
                l_str(&l, "ble: advertising as \"");
                l_str(&l, p->name);
                l_str(&l, "\" (");
                l_addr(&l, p->addr);
                l_str(&l, "), ACL ");
                l_dec(&l, p->acl_total);
                l_str(&l, " x ");
                l_dec(&l, p->acl_mtu);
                l_str(&l, " bytes");
                l_str(&l, p->dle ? ", data length extension" : "");
                l_emit(p, &l);
            }
        }
        break;
    default:
        break;
    }
}

static void on_event(extxip_ble_periph_t *p, const uint8_t *pkt, size_t len)
{
    extxip_ble_evt_t e;
    if (extxip_ble_evt_parse(pkt, len, &e) != 0)
        return;
    uint16_t op;
    uint8_t status;
    const uint8_t *r;
    size_t rl;
    if (extxip_ble_evt_cmd_done(&e, &op, &status, &r, &rl) == 0) {
        p->cmd_credits = e.code == BLE_EVT_CMD_COMPLETE ? e.p[0] : e.p[1];
        on_cmd_done(p, op, status, r, rl);
        return;
    }
    switch (e.code) {
    case BLE_EVT_DISCONN_COMPLETE:
        if (e.len >= 4 && e.p[0] == 0 && p->connected &&
            (ble_get16(e.p + 1) & 0x0FFF) == p->handle)
            on_disconnected(p, e.p[3]);
        break;
    case BLE_EVT_NUM_COMPLETED: {
        if (e.len < 1 || (size_t)e.len < 1 + 4u * e.p[0])
            break;
        for (unsigned i = 0; i < e.p[0]; i++) {
            uint16_t h = ble_get16(e.p + 1 + 4 * i) & 0x0FFF;
            uint16_t c = ble_get16(e.p + 3 + 4 * i);
            if (p->connected && h == p->handle) {
                unsigned f = (unsigned)p->acl_free + c;
                p->acl_free = (uint16_t)(f > p->acl_total ? p->acl_total : f);
                p->last_rx_ms = p->now_ms;
            }
        }
        break;
    }
    case BLE_EVT_LE_META:
        if (e.len >= 1 && e.p[0] == BLE_LE_CONN_COMPLETE)
            on_conn_complete(p, e.p + 1, (size_t)e.len - 1);
        else if (e.len >= 1 && e.p[0] == BLE_LE_LTK_REQUEST)
            on_ltk_request(p, e.p + 1, (size_t)e.len - 1);
        break;
    case BLE_EVT_ENCRYPT_CHANGE:
        on_encrypt_change(p, e.p, e.len);
        break;
    default:
        break;
    }
}

void extxip_ble_periph_packet(extxip_ble_periph_t *p, const uint8_t *pkt, size_t len)
{
    if (len < 1)
        return;
    if (pkt[0] == BLE_H4_EVT) {
        on_event(p, pkt + 1, len - 1);
    } else if (pkt[0] == BLE_H4_ACL) {
        extxip_ble_acl_t a;
        if (extxip_ble_acl_parse(pkt + 1, len - 1, &a) != 0 || !p->connected || a.handle != p->handle)
            return;
        p->last_rx_ms = p->now_ms;
        p->st.acl_rx_pkts++;
        p->st.acl_rx_bytes += a.len;
        uint16_t cid;
        const uint8_t *d;
        size_t n;
        if (extxip_ble_l2cap_feed(&p->l2, &a, &cid, &d, &n) == 1)
            on_l2cap(p, cid, d, n);
    }
    cmd_pump(p);
    acl_pump(p);
}

void extxip_ble_periph_rx(extxip_ble_periph_t *p, extxip_ble_h4_rx_t *h4, const uint8_t *in, size_t n, long long now_ms)
{
    p->now_ms = now_ms;
    while (n) {
        size_t used;
        const uint8_t *pkt;
        size_t len;
        int got = extxip_ble_h4_feed(h4, in, n, &used, &pkt, &len);
        in += used;
        n -= used;
        if (got == 1)
            extxip_ble_periph_packet(p, pkt, len);
    }
}

void extxip_ble_periph_poll(extxip_ble_periph_t *p, long long now_ms)
{
    p->now_ms = now_ms;
    if (p->sm_on && p->connected) {
        extxip_ble_sm_poll(&p->sm, now_ms);
        if (p->sm.ev)
            sm_events(p);
    }
    if (p->connected && !p->probe_pending && now_ms - p->last_rx_ms >= PROBE_IDLE_MS &&
        now_ms - p->probe_ms >= PROBE_IDLE_MS) {
        uint8_t d[2];
        ble_put16(d, p->handle);
        cmd(p, BLE_OP_LE_READ_REMOTE_FEATURES, d, 2);
        p->probe_pending = 1;
        p->probe_ms = now_ms;
    }
    cmd_pump(p);
    acl_pump(p);
}
