/* lib/ble's peripheral with --ble-security (encrypt/authen) against a
 * scripted controller and a central made of ble_sm's initiator: the SMP
 * characteristic and CCCD refused as Zephyr's GATT refuses them (0x05 before
 * pairing, 0x0F with a bond but no encryption), the Security Request, a
 * passkey pairing through the controller's LTK request and Encryption
 * Change, the bond stored, re-encryption with it on reconnect, and a wrong
 * passkey that stores nothing. The controller decides encryption as BlueZ's
 * btvirt does: by comparing the LTKs both hosts gave it. */
#include <stdint.h>
#include <string.h>

#include "ble/ble_att.h"
#include "ble/ble_hci.h"
#include "ble/ble_periph.h"
#include "ble/ble_sm.h"
#include "testutil.h"

static extxip_ble_periph_t P;
static extxip_ble_l2cap_rx_t from_dev;
static uint8_t att_rsp[600];
static size_t att_rsp_len;
static uint8_t sm_in[8][65];
static size_t sm_in_len[8];
static int sm_in_n;
static int smp_calls;
static uint8_t ltk_reply[16];
static int ltk_replied, ltk_neg;
static long long now;

/* The settings store stand-in: up to 4 bonds. */
static extxip_ble_bond_t bonds[4];
static int n_bonds;

static int bond_find(void *arg, const uint8_t addr[6], uint8_t type, extxip_ble_bond_t *out)
{
    (void)arg;
    for (int i = 0; i < n_bonds; i++)
        if (extxip_ble_bond_match(&bonds[i], addr, type)) {
            *out = bonds[i];
            return 1;
        }
    return 0;
}

static int bond_store(void *arg, const extxip_ble_bond_t *b)
{
    (void)arg;
    for (int i = 0; i < n_bonds; i++)
        if (bonds[i].type == b->type && memcmp(bonds[i].addr, b->addr, 6) == 0) {
            bonds[i] = *b;
            return 0;
        }
    if (n_bonds >= 4)
        return -1;
    bonds[n_bonds++] = *b;
    return 0;
}

static const extxip_ble_bond_ops_t ops = {bond_find, bond_store, NULL};

static int rng(void *arg, unsigned char *o, size_t n)
{
    unsigned *s = arg;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        o[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}
static unsigned seed_dev = 3, seed_cen = 11;

static void feed(const uint8_t *p, size_t n)
{
    static extxip_ble_h4_rx_t h4;
    extxip_ble_periph_rx(&P, &h4, p, n, now);
}

static void evt(uint8_t code, const uint8_t *params, size_t n)
{
    uint8_t b[300] = {BLE_H4_EVT, code, (uint8_t)n};
    memcpy(b + 3, params, n);
    feed(b, 3 + n);
}

static int to_ctlr(void *arg, const uint8_t *p, size_t n)
{
    (void)arg;
    if (p[0] == BLE_H4_CMD) {
        uint16_t op = ble_get16(p + 1);
        if (op == BLE_OP_LE_LTK_REPLY && n >= 4 + 18) {
            memcpy(ltk_reply, p + 6, 16);
            ltk_replied++;
        } else if (op == BLE_OP_LE_LTK_NEG_REPLY) {
            ltk_neg++;
        }
        /* Answered later by pump_cmds (no re-entry). */
        return 0;
    }
    if (p[0] == BLE_H4_ACL) {
        extxip_ble_acl_t a;
        CHECK_EQ(extxip_ble_acl_parse(p + 1, n - 1, &a), 0);
        uint16_t cid;
        const uint8_t *d;
        size_t dl;
        if (extxip_ble_l2cap_feed(&from_dev, &a, &cid, &d, &dl) == 1) {
            if (cid == BLE_CID_ATT && d[0] != BLE_ATT_NOTIFY && dl <= sizeof att_rsp) {
                memcpy(att_rsp, d, dl);
                att_rsp_len = dl;
            } else if (cid == BLE_CID_SM && sm_in_n < 8 && dl <= 65) {
                memcpy(sm_in[sm_in_n], d, dl);
                sm_in_len[sm_in_n++] = dl;
            }
        }
    }
    return 0;
}

static void on_smp(void *arg, const uint8_t *pkt, size_t len, uint64_t peer)
{
    (void)arg;
    (void)pkt;
    (void)len;
    (void)peer;
    smp_calls++;
}

/* Give the host back its command credit and ACL buffers. */
static void credits(void)
{
    uint8_t cc[4] = {1, 0, 0, 0};
    evt(BLE_EVT_CMD_COMPLETE, cc, 4); /* opcode 0: credit only */
    uint8_t nc[5] = {1, 0x40, 0, 8, 0};
    evt(BLE_EVT_NUM_COMPLETED, nc, 5);
}

static void boot(uint8_t level, long passkey)
{
    memset(&P, 0, sizeof P);
    extxip_ble_periph_init(&P, NULL, 2475, to_ctlr, NULL, on_smp, NULL);
    extxip_ble_periph_security(&P, level, passkey, rng, &seed_dev, &ops);
    extxip_ble_periph_start(&P, now);
    P.ready = 1;
    P.acl_total = P.acl_free = 8;
    P.acl_mtu = 251;
    P.cmd_credits = 10;
}

static const uint8_t cen_addr[6] = {1, 2, 3, 4, 5, 6};

static void connect(void)
{
    uint8_t e[19] = {BLE_LE_CONN_COMPLETE, 0, 0x40, 0, 1, 0, 1, 2, 3, 4, 5, 6, 6, 0, 0, 0, 200, 0, 0};
    evt(BLE_EVT_LE_META, e, sizeof e);
    extxip_ble_l2cap_rx_init(&from_dev);
    sm_in_n = 0;
    ltk_replied = ltk_neg = 0;
}

static void disconnect(void)
{
    uint8_t e[4] = {0, 0x40, 0, 0x13};
    evt(BLE_EVT_DISCONN_COMPLETE, e, 4);
}

static void l2cap(uint16_t cid, const uint8_t *d, size_t n)
{
    uint8_t b[600] = {BLE_H4_ACL, 0x40, 0x20};
    ble_put16(b + 3, (uint16_t)(n + 4));
    ble_put16(b + 5, (uint16_t)n);
    ble_put16(b + 7, cid);
    memcpy(b + 9, d, n);
    att_rsp_len = 0;
    feed(b, 9 + n);
    credits();
}

/* ATT write request to handle h; returns the ATT error code (0: Write Response). */
static int att_write(uint16_t h, const uint8_t *v, size_t n)
{
    uint8_t p[64] = {BLE_ATT_WRITE_REQ, (uint8_t)h, (uint8_t)(h >> 8)};
    memcpy(p + 3, v, n);
    l2cap(BLE_CID_ATT, p, 3 + n);
    if (att_rsp_len == 1 && att_rsp[0] == BLE_ATT_WRITE_RSP)
        return 0;
    if (att_rsp_len == 5 && att_rsp[0] == BLE_ATT_ERROR_RSP)
        return att_rsp[4];
    return -1;
}

static int att_read(uint16_t h)
{
    uint8_t p[3] = {BLE_ATT_READ_REQ, (uint8_t)h, (uint8_t)(h >> 8)};
    l2cap(BLE_CID_ATT, p, 3);
    if (att_rsp_len >= 1 && att_rsp[0] == BLE_ATT_READ_RSP)
        return 0;
    if (att_rsp_len == 5 && att_rsp[0] == BLE_ATT_ERROR_RSP)
        return att_rsp[4];
    return -1;
}

static const uint8_t echo[] = {0x02, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
                               0xA1, 0x61, 0x64, 0x62, 0x68, 0x69};

/* Encryption as the controller does it: LTK request to the device, then
 * Encryption Change to both, success when the keys agree. */
static int encrypt(const uint8_t ltk[16])
{
    uint8_t e[13] = {BLE_LE_LTK_REQUEST, 0x40, 0};
    ltk_replied = ltk_neg = 0;
    evt(BLE_EVT_LE_META, e, sizeof e);
    credits();
    int ok = ltk_replied && memcmp(ltk_reply, ltk, 16) == 0;
    uint8_t ch[4] = {ok ? 0 : 0x06, 0x40, 0, ok ? 1 : 0};
    if (ltk_replied || ltk_neg)
        evt(BLE_EVT_ENCRYPT_CHANGE, ch, 4);
    credits();
    return ok;
}

/* Pair with a central that types `typed`. Returns the central's SM. */
static void pair(extxip_ble_sm_t *c, uint32_t typed)
{
    extxip_ble_sm_cfg_t cfg = {.initiator = 1, .io_cap = BLE_SM_IO_KEYBOARD_ONLY, .bond = 1,
                               .own_kd = BLE_SM_KD_ID, .fixed_passkey = 1, .passkey = typed,
                               .rng = rng, .rng_arg = &seed_cen};
    memset(cfg.own_irk, 0x5A, 16);
    extxip_ble_sm_init(c, &cfg);
    extxip_ble_sm_conn(c, cen_addr, 0, P.addr, 0, now);
    extxip_ble_sm_start(c, now);
    for (int guard = 0; guard < 200; guard++) {
        const uint8_t *pdu;
        size_t n;
        int moved = 0;
        while ((n = extxip_ble_sm_tx(c, &pdu))) {
            uint8_t t[65];
            memcpy(t, pdu, n);
            l2cap(BLE_CID_SM, t, n);
            moved = 1;
        }
        int k = sm_in_n;
        sm_in_n = 0;
        for (int i = 0; i < k; i++) {
            extxip_ble_sm_rx(c, sm_in[i], sm_in_len[i], now);
            moved = 1;
        }
        if (c->ev & BLE_SM_EV_START_ENC) {
            c->ev &= (uint8_t)~BLE_SM_EV_START_ENC;
            int ok = encrypt(c->ltk);
            extxip_ble_sm_encrypted(c, ok, now);
            moved = 1;
        }
        if (!moved)
            break;
    }
}

static void test_refused(void)
{
    now = 0;
    n_bonds = 0;
    boot(BLE_SEC_AUTHEN, 123456);
    connect();
    static const uint8_t on[2] = {1, 0};
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EAUTHEN);
    CHECK_EQ(smp_calls, 0);
    /* The device asks the central to pair, once. */
    CHECK_EQ(sm_in_n, 1);
    CHECK_EQ(sm_in[0][0], BLE_SM_SECURITY_REQ);
    CHECK_EQ(sm_in[0][1], BLE_SM_AUTH_SC | BLE_SM_AUTH_MITM | BLE_SM_AUTH_BOND);
    CHECK_EQ(att_write(BLE_H_SMP_CCCD, on, 2), BLE_ATT_EAUTHEN);
    CHECK_EQ(att_read(BLE_H_SMP_CCCD), BLE_ATT_EAUTHEN);
    CHECK_EQ(att_read(BLE_H_SMP), BLE_ATT_EREAD_NOT_PERM); /* not readable at all, first */
    CHECK_EQ(sm_in_n, 1);
    CHECK_EQ(P.att.cccd_smp, 0);
    /* A write command is dropped silently. */
    uint8_t cmdp[32] = {BLE_ATT_WRITE_CMD, BLE_H_SMP, 0};
    memcpy(cmdp + 3, echo, sizeof echo);
    l2cap(BLE_CID_ATT, cmdp, 3 + sizeof echo);
    CHECK_EQ(att_rsp_len, 0);
    CHECK_EQ(smp_calls, 0);
    /* Other attributes are open. */
    CHECK_EQ(att_read(BLE_H_NAME), 0);
    /* Default: none, as the sample. */
    boot(BLE_SEC_NONE, -1);
    connect();
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), 0);
    CHECK_EQ(smp_calls, 1);
    smp_calls = 0;
}

static void test_pair_bond_reconnect(void)
{
    extxip_ble_sm_t c;
    now = 1000;
    n_bonds = 0;
    boot(BLE_SEC_AUTHEN, 123456);
    connect();
    pair(&c, 123456);
    CHECK_EQ(c.state, BLE_SM_DONE);
    CHECK_EQ(P.sec_level, BLE_SEC_AUTHEN);
    CHECK_EQ(n_bonds, 1);
    CHECK_MEM(bonds[0].addr, cen_addr, 6);
    CHECK_MEM(bonds[0].ltk, c.ltk, 16);
    CHECK_EQ(bonds[0].authenticated, 1);
    CHECK_EQ(bonds[0].has_irk, 1);
    static const uint8_t on[2] = {1, 0};
    CHECK_EQ(att_write(BLE_H_SMP_CCCD, on, 2), 0);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), 0);
    CHECK_EQ(smp_calls, 1);
    /* Reconnect: with a bond but no encryption yet, Insufficient Encryption. */
    disconnect();
    connect();
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EINSUFF_ENC);
    CHECK_EQ(encrypt(c.ltk), 1); /* the central starts encryption with the bond's LTK */
    CHECK_EQ(P.sec_level, BLE_SEC_AUTHEN);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), 0);
    CHECK_EQ(smp_calls, 2);
    /* A central that forgot the bond (another key): encryption fails, still refused. */
    disconnect();
    connect();
    uint8_t other[16];
    memset(other, 0x77, 16);
    CHECK_EQ(encrypt(other), 0);
    CHECK_EQ(P.sec_level, BLE_SEC_NONE);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EINSUFF_ENC);
    /* From a resolvable private address its IRK resolves: the same bond. */
    disconnect();
    uint8_t prand[3] = {0x11, 0x22, 0x53}, h[3], rpa[6];
    uint8_t irk[16];
    memset(irk, 0x5A, 16);
    extxip_ble_sm_ah(irk, prand, h);
    memcpy(rpa, h, 3);
    memcpy(rpa + 3, prand, 3);
    uint8_t e[19] = {BLE_LE_CONN_COMPLETE, 0, 0x40, 0, 1, 1, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 200, 0, 0};
    memcpy(e + 6, rpa, 6);
    evt(BLE_EVT_LE_META, e, sizeof e);
    CHECK_EQ(P.have_bond, 1);
    CHECK_EQ(encrypt(c.ltk), 1);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), 0);
}

static void test_wrong_passkey(void)
{
    extxip_ble_sm_t c;
    now = 500000;
    n_bonds = 0;
    boot(BLE_SEC_AUTHEN, 123456);
    connect();
    pair(&c, 654321);
    CHECK_EQ(c.state, BLE_SM_FAILED_STATE);
    CHECK_EQ(c.reason, BLE_SM_ERR_CONFIRM);
    CHECK_EQ(n_bonds, 0);
    CHECK_EQ(P.st.pairing_failures, 1);
    CHECK_EQ(ltk_replied, 0);
    /* A forged LTK request right after: refused (negative reply), no key leaks. */
    uint8_t zero[16] = {0};
    CHECK_EQ(encrypt(zero), 0);
    CHECK_EQ(ltk_neg, 1);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EAUTHEN);
    /* The device keeps serving: after the retry interval a right passkey pairs. */
    now += BLE_SM_RETRY_MS;
    pair(&c, 123456);
    CHECK_EQ(c.state, BLE_SM_DONE);
    CHECK_EQ(n_bonds, 1);
}

static void test_encrypt_level(void)
{
    extxip_ble_sm_t c;
    now = 900000;
    n_bonds = 0;
    boot(BLE_SEC_ENCRYPT, -1); /* Just Works suffices */
    connect();
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EAUTHEN);
    extxip_ble_sm_cfg_t cfg = {.initiator = 1, .io_cap = BLE_SM_IO_NONE, .bond = 1, .rng = rng,
                               .rng_arg = &seed_cen};
    extxip_ble_sm_init(&c, &cfg);
    (void)cfg;
    pair(&c, 0); /* KeyboardOnly vs NoInputNoOutput: Just Works */
    CHECK_EQ(c.state, BLE_SM_DONE);
    CHECK_EQ(P.sec_level, BLE_SEC_ENCRYPT);
    CHECK_EQ(bonds[0].authenticated, 0);
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), 0);
    /* That unauthenticated bond is not enough for authen. */
    P.sec_required = P.att.sec_required = BLE_SEC_AUTHEN;
    CHECK_EQ(att_write(BLE_H_SMP, echo, sizeof echo), BLE_ATT_EAUTHEN);
}

/* An authenticated bond is not replaced by a Just Works pairing from the
 * same address (an impostor without the passkey), as Zephyr refuses it. */
static void test_no_downgrade(void)
{
    extxip_ble_sm_t c;
    now = 2000000;
    n_bonds = 0;
    boot(BLE_SEC_ENCRYPT, 123456); /* passkey shown; Just Works allowed for the level */
    connect();
    pair(&c, 123456);
    CHECK_EQ(c.state, BLE_SM_DONE);
    CHECK_EQ(bonds[0].authenticated, 1);
    uint8_t ltk[16];
    memcpy(ltk, bonds[0].ltk, 16);
    disconnect();
    connect();
    extxip_ble_sm_cfg_t cfg = {.initiator = 1, .io_cap = BLE_SM_IO_NONE, .bond = 1, .rng = rng,
                               .rng_arg = &seed_cen};
    extxip_ble_sm_init(&c, &cfg);
    extxip_ble_sm_conn(&c, cen_addr, 0, P.addr, 0, now);
    extxip_ble_sm_start(&c, now);
    const uint8_t *pdu;
    size_t n = extxip_ble_sm_tx(&c, &pdu);
    uint8_t t[65];
    memcpy(t, pdu, n);
    sm_in_n = 0;
    l2cap(BLE_CID_SM, t, n);
    CHECK_EQ(sm_in_n, 1);
    CHECK_EQ(sm_in[0][0], BLE_SM_FAILED);
    CHECK_EQ(sm_in[0][1], BLE_SM_ERR_AUTH_REQ);
    CHECK_EQ(n_bonds, 1);
    CHECK_MEM(bonds[0].ltk, ltk, 16);
    CHECK_EQ(bonds[0].authenticated, 1);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"refused", test_refused},
                                      {"pair_bond_reconnect", test_pair_bond_reconnect},
                                      {"wrong_passkey", test_wrong_passkey},
                                      {"encrypt_level", test_encrypt_level},
                                      {"no_downgrade", test_no_downgrade}};
    return TU_RUN("ble_sec", cases, argc, argv);
}
