#include "ble/ble_sm.h"

#include <string.h>

/* Expected length of each PDU, code octet included (0: unknown code). */
static const uint8_t pdu_len[] = {0, 7, 7, 17, 17, 2, 17, 11, 17, 8, 17, 2, 65, 17, 2};

void extxip_ble_sm_init(extxip_ble_sm_t *sm, const extxip_ble_sm_cfg_t *cfg)
{
    memset(sm, 0, sizeof *sm);
    sm->cfg = *cfg;
}

static void wipe(extxip_ble_sm_t *sm)
{
    memset(sm->d, 0, sizeof sm->d);
    memset(sm->dhkey, 0, sizeof sm->dhkey);
    memset(sm->mackey, 0, sizeof sm->mackey);
    memset(sm->n_own, 0, sizeof sm->n_own);
    memset(sm->n_peer, 0, sizeof sm->n_peer);
    sm->have_keys = 0;
}

void extxip_ble_sm_conn(extxip_ble_sm_t *sm, const uint8_t own[6], uint8_t own_type, const uint8_t peer[6],
                        uint8_t peer_type, long long now_ms)
{
    wipe(sm);
    memset(sm->ltk, 0, sizeof sm->ltk);
    sm->state = BLE_SM_IDLE;
    sm->ev = 0;
    sm->tx_n = 0;
    sm->peer_has_id = 0;
    sm->keep_authenticated = 0;
    sm->auth = BLE_SEC_NONE;
    memcpy(sm->own_addr, own, 6);
    sm->own_type = own_type;
    memcpy(sm->peer_addr, peer, 6);
    sm->peer_type = peer_type;
    sm->now_ms = now_ms;
}

int extxip_ble_sm_busy(const extxip_ble_sm_t *sm)
{
    return sm->state > BLE_SM_IDLE && sm->state < BLE_SM_DONE;
}

static void q(extxip_ble_sm_t *sm, const uint8_t *p, size_t n)
{
    if (sm->tx_n >= 3 || n > sizeof sm->tx[0])
        return;
    memcpy(sm->tx[sm->tx_n], p, n);
    sm->tx_len[sm->tx_n] = (uint8_t)n;
    sm->tx_n++;
}

size_t extxip_ble_sm_tx(extxip_ble_sm_t *sm, const uint8_t **pdu)
{
    if (!sm->tx_n)
        return 0;
    size_t n = sm->tx_len[0];
    memcpy(sm->out, sm->tx[0], n);
    memmove(sm->tx[0], sm->tx[1], sizeof sm->tx[0] * 2);
    memmove(sm->tx_len, sm->tx_len + 1, 2);
    sm->tx_n--;
    *pdu = sm->out;
    return n;
}

/* Pairing Failed with reason; a failure of a pairing under way counts for
 * the repeated-attempts interval. Nothing of the pairing is kept. */
static void fail(extxip_ble_sm_t *sm, uint8_t reason)
{
    uint8_t p[2] = {BLE_SM_FAILED, reason};
    int was_busy = extxip_ble_sm_busy(sm);
    sm->tx_n = 0;
    q(sm, p, 2);
    sm->sent_failed++;
    sm->reason = reason;
    if (was_busy) {
        sm->state = BLE_SM_FAILED_STATE;
        sm->ev |= BLE_SM_EV_FAILED;
        wipe(sm);
        memset(sm->ltk, 0, sizeof sm->ltk);
        if (sm->fails < 16)
            sm->fails++;
        long long iv = (long long)BLE_SM_RETRY_MS << (sm->fails - 1);
        if (iv > BLE_SM_RETRY_MAX_MS)
            iv = BLE_SM_RETRY_MAX_MS;
        sm->retry_until_ms = sm->now_ms + iv;
    }
}

static int rnd(extxip_ble_sm_t *sm, uint8_t *b, size_t n)
{
    return sm->cfg.rng(sm->cfg.rng_arg, b, n);
}

/* The association model (§2.3.5.1, table 2.8, LE Secure Connections) from
 * the initiator's and responder's IO capabilities: 0 Just Works, 1 passkey
 * with the responder displaying, 2 passkey with the initiator displaying,
 * 3 passkey typed on both, 4 numeric comparison. */
static int model(uint8_t ioi, uint8_t ior)
{
    static const uint8_t t[5][5] = {
        /* responder:  DispOnly DispYN KbdOnly NoIO KbdDisp      initiator: */
        {0, 0, 2, 0, 2},  /* DisplayOnly */
        {0, 4, 2, 0, 4},  /* DisplayYesNo */
        {1, 1, 3, 0, 1},  /* KeyboardOnly */
        {0, 0, 0, 0, 0},  /* NoInputNoOutput */
        {1, 4, 2, 0, 4},  /* KeyboardDisplay */
    };
    return t[ioi][ior];
}

/* Fix the method from preq/pres; returns 0 or a Pairing Failed reason. */
static uint8_t choose(extxip_ble_sm_t *sm)
{
    int mitm = (sm->preq[3] | sm->pres[3]) & BLE_SM_AUTH_MITM;
    int m = mitm ? model(sm->preq[1], sm->pres[1]) : 0;
    if (m == 4) /* numeric comparison needs a yes/no this device does not have */
        return BLE_SM_ERR_AUTH_REQ;
    sm->method = m != 0;
    if (m == 1)
        sm->we_display = !sm->cfg.initiator;
    else if (m == 2)
        sm->we_display = sm->cfg.initiator;
    else
        sm->we_display = 0;
    if ((sm->cfg.min_level >= BLE_SEC_AUTHEN || sm->keep_authenticated) && !sm->method)
        return BLE_SM_ERR_AUTH_REQ;
    sm->auth = sm->method ? BLE_SEC_AUTHEN : BLE_SEC_ENCRYPT;
    sm->bonding = sm->cfg.bond && (sm->preq[3] & sm->pres[3] & BLE_SM_AUTH_BOND);
    sm->round = 0;
    return 0;
}

static uint8_t own_auth(const extxip_ble_sm_t *sm)
{
    uint8_t a = BLE_SM_AUTH_SC;
    if (sm->cfg.bond)
        a |= BLE_SM_AUTH_BOND;
    if (sm->cfg.min_level >= BLE_SEC_AUTHEN || sm->cfg.io_cap != BLE_SM_IO_NONE)
        a |= BLE_SM_AUTH_MITM;
    return a;
}

static void send_pubkey(extxip_ble_sm_t *sm)
{
    uint8_t p[65];
    p[0] = BLE_SM_PUBLIC_KEY;
    memcpy(p + 1, sm->pk_own, 64);
    q(sm, p, sizeof p);
}

/* Role-neutral views: a = initiator, b = responder. */
#define PKA(sm) ((sm)->cfg.initiator ? (sm)->pk_own : (sm)->pk_peer)
#define PKB(sm) ((sm)->cfg.initiator ? (sm)->pk_peer : (sm)->pk_own)
#define NA(sm) ((sm)->cfg.initiator ? (sm)->n_own : (sm)->n_peer)
#define NB(sm) ((sm)->cfg.initiator ? (sm)->n_peer : (sm)->n_own)

static uint8_t zbit(const extxip_ble_sm_t *sm)
{
    return sm->method ? (uint8_t)(0x80 | ((sm->passkey >> sm->round) & 1u)) : 0;
}

/* Own confirm value for this round: f4(PKown, PKpeer, Nown, z). */
static int send_confirm(extxip_ble_sm_t *sm)
{
    uint8_t p[17];
    if (rnd(sm, sm->n_own, 16) != 0)
        return -1;
    p[0] = BLE_SM_CONFIRM;
    if (extxip_ble_sm_f4(sm->pk_own, sm->pk_peer, sm->n_own, zbit(sm), p + 1) != 0)
        return -1;
    q(sm, p, sizeof p);
    return 0;
}

static void send_random(extxip_ble_sm_t *sm)
{
    uint8_t p[17];
    p[0] = BLE_SM_RANDOM;
    memcpy(p + 1, sm->n_own, 16);
    q(sm, p, sizeof p);
}

/* r of f6: the passkey as a 128-bit value, or 0 (Just Works). */
static void r_of(const extxip_ble_sm_t *sm, uint8_t r[16])
{
    memset(r, 0, 16);
    if (sm->method) {
        r[0] = (uint8_t)sm->passkey;
        r[1] = (uint8_t)(sm->passkey >> 8);
        r[2] = (uint8_t)(sm->passkey >> 16);
        r[3] = (uint8_t)(sm->passkey >> 24);
    }
}

/* E = f6(MacKey, N1, N2, r, IOcap, A1, A2) for side "initiator" (Ea) or not (Eb). */
static int check_value(extxip_ble_sm_t *sm, int of_initiator, uint8_t out[16])
{
    uint8_t r[16], io[3];
    const uint8_t *pdu = of_initiator ? sm->preq : sm->pres;
    io[0] = pdu[3];
    io[1] = pdu[2];
    io[2] = pdu[1];
    r_of(sm, r);
    const uint8_t *a = sm->cfg.initiator ? sm->own_addr : sm->peer_addr;
    uint8_t at = sm->cfg.initiator ? sm->own_type : sm->peer_type;
    const uint8_t *b = sm->cfg.initiator ? sm->peer_addr : sm->own_addr;
    uint8_t bt = sm->cfg.initiator ? sm->peer_type : sm->own_type;
    if (of_initiator)
        return extxip_ble_sm_f6(sm->mackey, NA(sm), NB(sm), r, io, a, at, b, bt, out);
    return extxip_ble_sm_f6(sm->mackey, NB(sm), NA(sm), r, io, b, bt, a, at, out);
}

static int derive(extxip_ble_sm_t *sm)
{
    const uint8_t *a = sm->cfg.initiator ? sm->own_addr : sm->peer_addr;
    uint8_t at = sm->cfg.initiator ? sm->own_type : sm->peer_type;
    const uint8_t *b = sm->cfg.initiator ? sm->peer_addr : sm->own_addr;
    uint8_t bt = sm->cfg.initiator ? sm->peer_type : sm->own_type;
    return extxip_ble_sm_f5(sm->dhkey, NA(sm), NB(sm), a, at, b, bt, sm->mackey, sm->ltk);
}

static void send_check(extxip_ble_sm_t *sm)
{
    uint8_t p[17];
    p[0] = BLE_SM_DHKEY_CHECK;
    if (check_value(sm, sm->cfg.initiator, p + 1) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    q(sm, p, sizeof p);
}

static void new_passkey(extxip_ble_sm_t *sm)
{
    if (sm->cfg.fixed_passkey) {
        sm->passkey = sm->cfg.passkey % 1000000u;
    } else {
        uint8_t b[4];
        uint32_t v;
        do { /* no modulo bias */
            if (rnd(sm, b, 4) != 0)
                b[0] = b[1] = b[2] = b[3] = 0;
            v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)(b[3] & 0x0F) << 24;
        } while (v >= 16000000u);
        sm->passkey = v % 1000000u;
    }
    sm->ev |= BLE_SM_EV_PASSKEY_SHOW;
}

/* Both public keys are in: DHKey, then the first step of the method. */
static void keys_exchanged(extxip_ble_sm_t *sm)
{
    if (extxip_ble_sm_p256_dhkey(sm->d, sm->pk_peer, sm->dhkey, sm->cfg.rng, sm->cfg.rng_arg) != 0) {
        fail(sm, BLE_SM_ERR_INVALID_PARAMS);
        return;
    }
    if (!sm->method) {
        if (sm->cfg.initiator) {
            sm->state = BLE_SM_WAIT_CONFIRM;
        } else if (send_confirm(sm) != 0) {
            fail(sm, BLE_SM_ERR_UNSPECIFIED);
        } else {
            sm->state = BLE_SM_WAIT_RANDOM;
        }
        return;
    }
    if (sm->we_display) {
        new_passkey(sm);
    } else if (sm->cfg.fixed_passkey) {
        sm->passkey = sm->cfg.passkey % 1000000u;
    } else {
        sm->state = BLE_SM_WAIT_PASSKEY;
        sm->ev |= BLE_SM_EV_PASSKEY_ASK;
        return;
    }
    if (sm->cfg.initiator) {
        if (send_confirm(sm) != 0) {
            fail(sm, BLE_SM_ERR_UNSPECIFIED);
            return;
        }
    }
    sm->state = BLE_SM_WAIT_CONFIRM;
}

void extxip_ble_sm_passkey(extxip_ble_sm_t *sm, uint32_t passkey)
{
    if (sm->state != BLE_SM_WAIT_PASSKEY)
        return;
    if (passkey > 999999u) {
        fail(sm, BLE_SM_ERR_PASSKEY_ENTRY);
        return;
    }
    sm->passkey = passkey;
    if (sm->cfg.initiator && send_confirm(sm) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    sm->state = BLE_SM_WAIT_CONFIRM;
}

int extxip_ble_sm_start(extxip_ble_sm_t *sm, long long now_ms)
{
    sm->now_ms = now_ms;
    if (!sm->cfg.initiator || extxip_ble_sm_busy(sm) || sm->state == BLE_SM_TIMED_OUT ||
        now_ms < sm->retry_until_ms)
        return -1;
    wipe(sm);
    uint8_t *p = sm->preq;
    p[0] = BLE_SM_PAIRING_REQ;
    p[1] = sm->cfg.io_cap;
    p[2] = 0;
    p[3] = own_auth(sm);
    p[4] = 16;
    p[5] = sm->cfg.own_kd & BLE_SM_KD_ID;
    p[6] = BLE_SM_KD_ID;
    q(sm, p, 7);
    sm->state = BLE_SM_WAIT_RSP;
    sm->deadline_ms = now_ms + BLE_SM_TIMEOUT_MS;
    sm->peer_has_id = 0;
    return 0;
}

void extxip_ble_sm_security_request(extxip_ble_sm_t *sm)
{
    if (sm->cfg.initiator || extxip_ble_sm_busy(sm) || sm->state == BLE_SM_TIMED_OUT)
        return;
    uint8_t p[2] = {BLE_SM_SECURITY_REQ, own_auth(sm)};
    q(sm, p, 2);
}

static void send_own_keys(extxip_ble_sm_t *sm)
{
    if (sm->kd_own & BLE_SM_KD_ID) {
        uint8_t p[17], a[8];
        p[0] = BLE_SM_ID_INFO;
        memcpy(p + 1, sm->cfg.own_irk, 16);
        q(sm, p, 17);
        a[0] = BLE_SM_ID_ADDR_INFO;
        a[1] = sm->own_type;
        memcpy(a + 2, sm->own_addr, 6);
        q(sm, a, 8);
    }
    sm->kd_own = 0;
}

static void keys_maybe_done(extxip_ble_sm_t *sm)
{
    /* The responder distributes first (§3.6.1); the initiator once it has them. */
    if (sm->cfg.initiator && sm->kd_peer == 0 && sm->kd_own)
        send_own_keys(sm);
    if (sm->kd_own == 0 && sm->kd_peer == 0) {
        sm->state = BLE_SM_DONE;
        sm->ev |= BLE_SM_EV_PAIRED;
        sm->fails = 0;
        sm->retry_until_ms = 0;
        sm->paired++;
        wipe(sm);
    }
}

void extxip_ble_sm_encrypted(extxip_ble_sm_t *sm, int ok, long long now_ms)
{
    sm->now_ms = now_ms;
    if (sm->state != BLE_SM_WAIT_ENC)
        return;
    if (!ok) {
        /* The controllers disagree on the key: the pairing failed. */
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    sm->state = BLE_SM_WAIT_KEYS;
    sm->deadline_ms = now_ms + BLE_SM_TIMEOUT_MS;
    if (!sm->cfg.initiator)
        send_own_keys(sm);
    keys_maybe_done(sm);
}

void extxip_ble_sm_poll(extxip_ble_sm_t *sm, long long now_ms)
{
    sm->now_ms = now_ms;
    if (extxip_ble_sm_busy(sm) && now_ms >= sm->deadline_ms) {
        /* §3.4: no Pairing Failed on a timeout; no SM traffic on this link after it. */
        sm->state = BLE_SM_TIMED_OUT;
        sm->reason = BLE_SM_ERR_UNSPECIFIED;
        sm->ev |= BLE_SM_EV_FAILED;
        sm->tx_n = 0;
        wipe(sm);
        memset(sm->ltk, 0, sizeof sm->ltk);
        if (sm->fails < 16)
            sm->fails++;
        long long iv = (long long)BLE_SM_RETRY_MS << (sm->fails - 1);
        sm->retry_until_ms = now_ms + (iv > BLE_SM_RETRY_MAX_MS ? BLE_SM_RETRY_MAX_MS : iv);
    }
}

static void on_pairing_req(extxip_ble_sm_t *sm, const uint8_t *d)
{
    if (sm->now_ms < sm->retry_until_ms) {
        fail(sm, BLE_SM_ERR_REPEATED);
        return;
    }
    wipe(sm);
    memset(sm->ltk, 0, sizeof sm->ltk);
    memcpy(sm->preq, d, 7);
    sm->state = BLE_SM_WAIT_PUBKEY; /* from here a failure counts */
    sm->deadline_ms = sm->now_ms + BLE_SM_TIMEOUT_MS;
    sm->peer_has_id = 0;
    if (d[1] > BLE_SM_IO_KEYBOARD_DISPLAY) {
        fail(sm, BLE_SM_ERR_INVALID_PARAMS);
        return;
    }
    if (d[4] != 16) { /* Secure Connections Only mode: 128-bit keys (Zephyr's BT_SMP_SC_ONLY) */
        fail(sm, BLE_SM_ERR_KEY_SIZE);
        return;
    }
    if (!(d[3] & BLE_SM_AUTH_SC)) { /* legacy pairing: refused */
        fail(sm, BLE_SM_ERR_AUTH_REQ);
        return;
    }
    uint8_t *r = sm->pres;
    r[0] = BLE_SM_PAIRING_RSP;
    r[1] = sm->cfg.io_cap;
    r[2] = 0;
    r[3] = own_auth(sm);
    r[4] = 16;
    r[5] = d[5] & BLE_SM_KD_ID;
    r[6] = d[6] & sm->cfg.own_kd & BLE_SM_KD_ID;
    uint8_t e = choose(sm);
    if (e) {
        fail(sm, e);
        return;
    }
    if (extxip_ble_sm_p256_keypair(sm->d, sm->pk_own, sm->cfg.rng, sm->cfg.rng_arg) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    sm->have_keys = 1;
    sm->kd_peer = r[5];
    sm->kd_own = r[6];
    q(sm, r, 7);
}

static void on_pairing_rsp(extxip_ble_sm_t *sm, const uint8_t *d)
{
    memcpy(sm->pres, d, 7);
    if (d[1] > BLE_SM_IO_KEYBOARD_DISPLAY || (d[5] & ~sm->preq[5]) || (d[6] & ~sm->preq[6])) {
        fail(sm, BLE_SM_ERR_INVALID_PARAMS);
        return;
    }
    if (d[4] != 16) {
        fail(sm, BLE_SM_ERR_KEY_SIZE);
        return;
    }
    if (!(d[3] & BLE_SM_AUTH_SC)) {
        fail(sm, BLE_SM_ERR_AUTH_REQ);
        return;
    }
    uint8_t e = choose(sm);
    if (e) {
        fail(sm, e);
        return;
    }
    if (extxip_ble_sm_p256_keypair(sm->d, sm->pk_own, sm->cfg.rng, sm->cfg.rng_arg) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    sm->have_keys = 1;
    sm->kd_own = d[5];
    sm->kd_peer = d[6];
    send_pubkey(sm);
    sm->state = BLE_SM_WAIT_PUBKEY;
}

static void on_pubkey(extxip_ble_sm_t *sm, const uint8_t *d)
{
    memcpy(sm->pk_peer, d + 1, 64);
    /* Our own key reflected back (Zephyr refuses an identical X coordinate). */
    if (memcmp(sm->pk_peer, sm->pk_own, 32) == 0) {
        fail(sm, BLE_SM_ERR_AUTH_REQ);
        return;
    }
    /* Not on P-256: the invalid-curve attack (Zephyr: Invalid Parameters). */
    if (!extxip_ble_sm_p256_valid(sm->pk_peer)) {
        fail(sm, BLE_SM_ERR_INVALID_PARAMS);
        return;
    }
    if (!sm->cfg.initiator)
        send_pubkey(sm);
    keys_exchanged(sm);
}

static void on_confirm(extxip_ble_sm_t *sm, const uint8_t *d)
{
    memcpy(sm->c_peer, d + 1, 16);
    if (sm->cfg.initiator) {
        send_random(sm);
    } else if (send_confirm(sm) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    sm->state = BLE_SM_WAIT_RANDOM;
}

static void on_random(extxip_ble_sm_t *sm, const uint8_t *d)
{
    memcpy(sm->n_peer, d + 1, 16);
    /* Check the peer's confirm (the Just Works responder has none to check). */
    if (sm->cfg.initiator || sm->method) {
        uint8_t c[16];
        if (extxip_ble_sm_f4(sm->pk_peer, sm->pk_own, sm->n_peer, zbit(sm), c) != 0 ||
            memcmp(c, sm->c_peer, 16) != 0) {
            fail(sm, BLE_SM_ERR_CONFIRM);
            return;
        }
    }
    if (!sm->cfg.initiator)
        send_random(sm);
    if (sm->method && ++sm->round < 20) {
        if (sm->cfg.initiator && send_confirm(sm) != 0) {
            fail(sm, BLE_SM_ERR_UNSPECIFIED);
            return;
        }
        sm->state = BLE_SM_WAIT_CONFIRM;
        return;
    }
    if (derive(sm) != 0) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    if (sm->cfg.initiator)
        send_check(sm);
    sm->state = BLE_SM_WAIT_DHCHECK;
}

static void on_dhcheck(extxip_ble_sm_t *sm, const uint8_t *d)
{
    uint8_t e[16];
    if (check_value(sm, !sm->cfg.initiator, e) != 0 || memcmp(e, d + 1, 16) != 0) {
        fail(sm, BLE_SM_ERR_DHKEY_CHECK);
        return;
    }
    if (!sm->cfg.initiator)
        send_check(sm);
    else
        sm->ev |= BLE_SM_EV_START_ENC;
    sm->state = BLE_SM_WAIT_ENC;
}

/* Is code expected now? */
static int expected(const extxip_ble_sm_t *sm, uint8_t code)
{
    switch (sm->state) {
    case BLE_SM_IDLE:
    case BLE_SM_DONE:
    case BLE_SM_FAILED_STATE:
        return sm->cfg.initiator ? code == BLE_SM_SECURITY_REQ : code == BLE_SM_PAIRING_REQ;
    case BLE_SM_WAIT_RSP: return code == BLE_SM_PAIRING_RSP;
    case BLE_SM_WAIT_PUBKEY: return code == BLE_SM_PUBLIC_KEY;
    case BLE_SM_WAIT_CONFIRM: return code == BLE_SM_CONFIRM;
    case BLE_SM_WAIT_RANDOM: return code == BLE_SM_RANDOM;
    case BLE_SM_WAIT_DHCHECK: return code == BLE_SM_DHKEY_CHECK;
    case BLE_SM_WAIT_KEYS:
        if (!(sm->kd_peer & BLE_SM_KD_ID))
            return 0;
        return sm->peer_has_id ? code == BLE_SM_ID_ADDR_INFO : code == BLE_SM_ID_INFO;
    default: return 0;
    }
}

void extxip_ble_sm_rx(extxip_ble_sm_t *sm, const uint8_t *d, size_t n, long long now_ms)
{
    sm->now_ms = now_ms;
    if (n < 1 || sm->state == BLE_SM_TIMED_OUT) /* too short; or after a timeout: ignored */
        return;
    uint8_t code = d[0];
    if (code >= sizeof pdu_len || !pdu_len[code]) {
        fail(sm, BLE_SM_ERR_CMD_NOT_SUPP);
        return;
    }
    if (code == BLE_SM_FAILED) {
        if (extxip_ble_sm_busy(sm)) {
            sm->reason = n >= 2 ? d[1] : BLE_SM_ERR_UNSPECIFIED;
            sm->state = BLE_SM_FAILED_STATE;
            sm->ev |= BLE_SM_EV_FAILED;
            sm->recv_failed++;
            sm->tx_n = 0;
            wipe(sm);
            memset(sm->ltk, 0, sizeof sm->ltk);
        }
        return; /* never answer a Pairing Failed */
    }
    if (code == BLE_SM_SECURITY_REQ && sm->cfg.initiator && n == 2 && sm->state != BLE_SM_IDLE &&
        sm->state != BLE_SM_DONE && sm->state != BLE_SM_FAILED_STATE)
        return; /* already pairing (or encrypted): nothing more to do for it */
    if (code == BLE_SM_KEYPRESS && (sm->state == BLE_SM_WAIT_CONFIRM || sm->state == BLE_SM_WAIT_PASSKEY))
        return; /* keypress notifications: progress only */
    if (!expected(sm, code)) {
        fail(sm, BLE_SM_ERR_UNSPECIFIED);
        return;
    }
    if (n != pdu_len[code]) {
        fail(sm, BLE_SM_ERR_INVALID_PARAMS);
        return;
    }
    if (extxip_ble_sm_busy(sm))
        sm->deadline_ms = now_ms + BLE_SM_TIMEOUT_MS;
    switch (code) {
    case BLE_SM_PAIRING_REQ: on_pairing_req(sm, d); break;
    case BLE_SM_PAIRING_RSP: on_pairing_rsp(sm, d); break;
    case BLE_SM_PUBLIC_KEY: on_pubkey(sm, d); break;
    case BLE_SM_CONFIRM: on_confirm(sm, d); break;
    case BLE_SM_RANDOM: on_random(sm, d); break;
    case BLE_SM_DHKEY_CHECK: on_dhcheck(sm, d); break;
    case BLE_SM_SECURITY_REQ: extxip_ble_sm_start(sm, now_ms); break;
    case BLE_SM_ID_INFO:
        memcpy(sm->peer_irk, d + 1, 16);
        sm->peer_has_id = 1;
        break;
    case BLE_SM_ID_ADDR_INFO:
        if (d[1] > 1) {
            fail(sm, BLE_SM_ERR_INVALID_PARAMS);
            return;
        }
        sm->peer_id_type = d[1];
        memcpy(sm->peer_id_addr, d + 2, 6);
        sm->kd_peer &= (uint8_t)~BLE_SM_KD_ID;
        keys_maybe_done(sm);
        break;
    default: break;
    }
}
