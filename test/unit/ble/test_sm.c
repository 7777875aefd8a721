/* lib/ble/ble_sm: an initiator and a responder instance paired against each
 * other (Just Works, passkey entry), and a hostile central's PDUs against the
 * responder: every failure is the right Pairing Failed reason and leaves no
 * bond behind; repeated attempts are refused for a growing interval. */
#include "ble/ble_sm.h"
#include "testutil.h"

static int rng(void *arg, unsigned char *out, size_t n)
{
    unsigned *s = arg;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

static unsigned seed_i = 7, seed_r = 99;
static const uint8_t addr_i[6] = {1, 2, 3, 4, 5, 6}, addr_r[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
static long long now;

static void setup(extxip_ble_sm_t *ini, extxip_ble_sm_t *rsp, uint8_t io_i, uint8_t io_r, uint8_t level,
                  int fixed, uint32_t pk)
{
    extxip_ble_sm_cfg_t ci = {.initiator = 1, .io_cap = io_i, .bond = 1, .own_kd = BLE_SM_KD_ID,
                              .rng = rng, .rng_arg = &seed_i};
    memset(ci.own_irk, 0xA5, 16);
    extxip_ble_sm_cfg_t cr = {.initiator = 0, .io_cap = io_r, .min_level = level, .bond = 1,
                              .fixed_passkey = fixed, .passkey = pk, .rng = rng, .rng_arg = &seed_r};
    if (ini) {
        extxip_ble_sm_init(ini, &ci);
        extxip_ble_sm_conn(ini, addr_i, 0, addr_r, 0, now);
    }
    extxip_ble_sm_init(rsp, &cr);
    extxip_ble_sm_conn(rsp, addr_r, 0, addr_i, 0, now);
}

#define NO_TYPING 0xFFFFFFFFu

/* Shuttle PDUs both ways until quiet; the initiator's typed passkey comes
 * from *typed when asked; encryption starts when asked (both sides agree
 * when their LTKs match, as btvirt decides). */
static void run(extxip_ble_sm_t *a, extxip_ble_sm_t *b, uint32_t typed)
{
    for (int guard = 0; guard < 200; guard++) {
        const uint8_t *p;
        size_t n;
        int moved = 0;
        while ((n = extxip_ble_sm_tx(a, &p))) {
            uint8_t t[65];
            memcpy(t, p, n);
            extxip_ble_sm_rx(b, t, n, now);
            moved = 1;
        }
        while ((n = extxip_ble_sm_tx(b, &p))) {
            uint8_t t[65];
            memcpy(t, p, n);
            extxip_ble_sm_rx(a, t, n, now);
            moved = 1;
        }
        if ((a->ev & BLE_SM_EV_PASSKEY_ASK) && typed != NO_TYPING) {
            a->ev &= (uint8_t)~BLE_SM_EV_PASSKEY_ASK;
            extxip_ble_sm_passkey(a, typed);
            moved = 1;
        }
        if (a->ev & BLE_SM_EV_START_ENC) {
            a->ev &= (uint8_t)~BLE_SM_EV_START_ENC;
            int ok = memcmp(a->ltk, b->ltk, 16) == 0;
            extxip_ble_sm_encrypted(b, ok, now);
            extxip_ble_sm_encrypted(a, ok, now);
            moved = 1;
        }
        if (!moved)
            return;
    }
}

static void test_just_works(void)
{
    extxip_ble_sm_t a, b;
    setup(&a, &b, BLE_SM_IO_NONE, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 0);
    CHECK_EQ(a.state, BLE_SM_DONE);
    CHECK_EQ(b.state, BLE_SM_DONE);
    CHECK(b.ev & BLE_SM_EV_PAIRED);
    CHECK_EQ(b.auth, BLE_SEC_ENCRYPT);
    CHECK_MEM(a.ltk, b.ltk, 16);
    CHECK_EQ(b.bonding, 1);
    CHECK_EQ(b.peer_id_type, 0);
    CHECK_MEM(b.peer_id_addr, addr_i, 6);
    uint8_t irk[16];
    memset(irk, 0xA5, 16);
    CHECK_MEM(b.peer_irk, irk, 16);
}

static void test_passkey(void)
{
    extxip_ble_sm_t a, b;
    setup(&a, &b, BLE_SM_IO_KEYBOARD_ONLY, BLE_SM_IO_DISPLAY_ONLY, BLE_SEC_AUTHEN, 1, 123456);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 123456);
    CHECK(b.ev & BLE_SM_EV_PASSKEY_SHOW);
    CHECK_EQ(b.passkey, 123456);
    CHECK_EQ(b.state, BLE_SM_DONE);
    CHECK_EQ(a.state, BLE_SM_DONE);
    CHECK_EQ(b.auth, BLE_SEC_AUTHEN);
    CHECK_MEM(a.ltk, b.ltk, 16);
    /* A random passkey shown by the device, typed right. */
    setup(&a, &b, BLE_SM_IO_KEYBOARD_ONLY, BLE_SM_IO_DISPLAY_ONLY, BLE_SEC_AUTHEN, 0, 0);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, NO_TYPING); /* stops at the ask: type what b shows */
    CHECK_EQ(a.state, BLE_SM_WAIT_PASSKEY);
    CHECK(b.passkey <= 999999u);
    extxip_ble_sm_passkey(&a, b.passkey);
    run(&a, &b, 0);
    CHECK_EQ(b.state, BLE_SM_DONE);
}

static void test_wrong_passkey(void)
{
    extxip_ble_sm_t a, b;
    setup(&a, &b, BLE_SM_IO_KEYBOARD_ONLY, BLE_SM_IO_DISPLAY_ONLY, BLE_SEC_AUTHEN, 1, 123456);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 123457); /* one bit off: fails in the first round */
    CHECK_EQ(b.state, BLE_SM_FAILED_STATE);
    CHECK_EQ(b.reason, BLE_SM_ERR_CONFIRM);
    CHECK(!(b.ev & BLE_SM_EV_PAIRED));
    CHECK_EQ(a.state, BLE_SM_FAILED_STATE);
    CHECK_EQ(a.reason, BLE_SM_ERR_CONFIRM); /* received from b */
    uint8_t zero[16] = {0};
    CHECK_MEM(b.ltk, zero, 16);
    /* A later bit wrong (bit 19) fails in round 20, still nothing kept. */
    now += 100000;
    setup(&a, &b, BLE_SM_IO_KEYBOARD_ONLY, BLE_SM_IO_DISPLAY_ONLY, BLE_SEC_AUTHEN, 1, 123456);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 123456 ^ (1u << 19));
    CHECK_EQ(b.reason, BLE_SM_ERR_CONFIRM);
    CHECK_EQ(b.paired, 0);
}

static void test_authen_refuses_just_works(void)
{
    extxip_ble_sm_t a, b;
    setup(&a, &b, BLE_SM_IO_NONE, BLE_SM_IO_DISPLAY_ONLY, BLE_SEC_AUTHEN, 0, 0);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 0);
    CHECK_EQ(b.reason, BLE_SM_ERR_AUTH_REQ);
    CHECK_EQ(a.state, BLE_SM_FAILED_STATE);
    CHECK_EQ(b.paired, 0);
}

/* ----------------------------------------------------- hostile central */

static uint8_t last_fail(extxip_ble_sm_t *b)
{
    const uint8_t *p;
    size_t n;
    uint8_t r = 0;
    while ((n = extxip_ble_sm_tx(b, &p)))
        if (n == 2 && p[0] == BLE_SM_FAILED)
            r = p[1];
    return r;
}

static void req(extxip_ble_sm_t *b, uint8_t io, uint8_t auth, uint8_t ks)
{
    uint8_t p[7] = {BLE_SM_PAIRING_REQ, io, 0, auth, ks, BLE_SM_KD_ID, BLE_SM_KD_ID};
    extxip_ble_sm_rx(b, p, 7, now);
}

static void test_hostile(void)
{
    extxip_ble_sm_t b;
    uint8_t big[80];
    memset(big, 0, sizeof big);
    /* Every opcode truncated and oversized, in the idle state. */
    for (uint8_t c = 1; c <= BLE_SM_KEYPRESS; c++) {
        for (int k = 0; k < 2; k++) {
            now += 100000;
            setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
            big[0] = c;
            size_t n = c == BLE_SM_PAIRING_REQ ? (k ? 8 : 6) : (k ? 66 : 1);
            if (c == BLE_SM_PAIRING_REQ) {
                big[3] = BLE_SM_AUTH_SC;
                big[4] = 16;
            }
            extxip_ble_sm_rx(&b, big, n, now);
            uint8_t r = last_fail(&b);
            if (c == BLE_SM_FAILED)
                CHECK_EQ(r, 0); /* never answered */
            else if (c == BLE_SM_PAIRING_REQ)
                CHECK_EQ(r, BLE_SM_ERR_INVALID_PARAMS);
            else
                CHECK_EQ(r, BLE_SM_ERR_UNSPECIFIED); /* not expected now (checked first, as Zephyr) */
            CHECK_EQ(b.paired, 0);
            CHECK_EQ(b.fails, 0); /* nothing under way: no lockout */
        }
    }
    /* Unknown codes. */
    setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    big[0] = 0x00;
    extxip_ble_sm_rx(&b, big, 1, now);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_CMD_NOT_SUPP);
    big[0] = 0x0F;
    extxip_ble_sm_rx(&b, big, 17, now);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_CMD_NOT_SUPP);
    extxip_ble_sm_rx(&b, big, 0, now); /* empty: ignored */
    CHECK_EQ(last_fail(&b), 0);

    /* Legacy pairing, short keys, bad IO capability. */
    req(&b, 0, BLE_SM_AUTH_BOND, 16);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_AUTH_REQ);
    now += 100000;
    req(&b, 0, BLE_SM_AUTH_SC, 7);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_KEY_SIZE);
    now += 100000;
    req(&b, 9, BLE_SM_AUTH_SC, 16);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_INVALID_PARAMS);

    /* Out of order inside a pairing: a Random before the Public Key. */
    now += 100000;
    setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC | BLE_SM_AUTH_BOND, 16);
    CHECK_EQ(last_fail(&b), 0);
    big[0] = BLE_SM_RANDOM;
    extxip_ble_sm_rx(&b, big, 17, now);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_UNSPECIFIED);
    CHECK_EQ(b.state, BLE_SM_FAILED_STATE);

    /* Public key: truncated, oversized, off the curve, ours reflected. */
    static const size_t bad_len[2] = {64, 66};
    for (int k = 0; k < 4; k++) {
        now += 100000;
        setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
        req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC, 16);
        (void)last_fail(&b);
        uint8_t pk[66];
        pk[0] = BLE_SM_PUBLIC_KEY;
        uint8_t d[32];
        unsigned s = 5;
        extxip_ble_sm_p256_keypair(d, pk + 1, rng, &s);
        size_t n = 65;
        uint8_t want = BLE_SM_ERR_INVALID_PARAMS;
        if (k < 2)
            n = bad_len[k];
        else if (k == 2)
            pk[40] ^= 1; /* invalid curve */
        else {
            memcpy(pk + 1, b.pk_own, 64);
            want = BLE_SM_ERR_AUTH_REQ;
        }
        extxip_ble_sm_rx(&b, pk, n, now);
        CHECK_EQ(last_fail(&b), want);
        CHECK_EQ(b.state, BLE_SM_FAILED_STATE);
        CHECK_EQ(b.paired, 0);
    }
}

/* A central that runs Just Works honestly but sends a wrong DHKey check. */
static void test_dhkey_mismatch(void)
{
    extxip_ble_sm_t a, b;
    now += 100000;
    setup(&a, &b, BLE_SM_IO_NONE, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    for (int i = 0; i < 20 && a.state != BLE_SM_WAIT_DHCHECK; i++) {
        const uint8_t *p;
        size_t n;
        uint8_t t[65];
        while ((n = extxip_ble_sm_tx(&a, &p))) {
            memcpy(t, p, n);
            if (t[0] == BLE_SM_DHKEY_CHECK)
                t[5] ^= 0x40;
            extxip_ble_sm_rx(&b, t, n, now);
        }
        while ((n = extxip_ble_sm_tx(&b, &p))) {
            memcpy(t, p, n);
            extxip_ble_sm_rx(&a, t, n, now);
        }
    }
    const uint8_t *p;
    size_t n;
    uint8_t t[65];
    while ((n = extxip_ble_sm_tx(&a, &p))) {
        memcpy(t, p, n);
        if (t[0] == BLE_SM_DHKEY_CHECK)
            t[5] ^= 0x40;
        extxip_ble_sm_rx(&b, t, n, now);
    }
    CHECK_EQ(b.reason, BLE_SM_ERR_DHKEY_CHECK);
    CHECK_EQ(last_fail(&b), BLE_SM_ERR_DHKEY_CHECK);
    CHECK_EQ(b.state, BLE_SM_FAILED_STATE);
    uint8_t zero[16] = {0};
    CHECK_MEM(b.ltk, zero, 16); /* no key for the controller's LTK request */
}

static void test_timeout_and_repeats(void)
{
    extxip_ble_sm_t b;
    now += 1000000;
    setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC, 16);
    (void)last_fail(&b);
    extxip_ble_sm_poll(&b, now + BLE_SM_TIMEOUT_MS - 1);
    CHECK(extxip_ble_sm_busy(&b));
    extxip_ble_sm_poll(&b, now + BLE_SM_TIMEOUT_MS);
    CHECK_EQ(b.state, BLE_SM_TIMED_OUT);
    CHECK(b.ev & BLE_SM_EV_FAILED);
    CHECK_EQ(last_fail(&b), 0); /* §3.4: no PDU on a timeout */
    now += BLE_SM_TIMEOUT_MS;
    req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC, 16); /* ignored on this link from now on */
    CHECK_EQ(b.tx_n, 0);
    CHECK_EQ(b.state, BLE_SM_TIMED_OUT);

    /* Repeated attempts: each failure doubles the wait, 2 s, 4 s, ... */
    now += 1000000;
    setup(NULL, &b, 0, BLE_SM_IO_NONE, BLE_SEC_ENCRYPT, 0, 0);
    long long iv = BLE_SM_RETRY_MS;
    for (int i = 0; i < 8; i++) {
        req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC, 16);
        CHECK_EQ(last_fail(&b), 0);
        uint8_t bogus[17] = {BLE_SM_CONFIRM};
        extxip_ble_sm_rx(&b, bogus, 17, now); /* out of order: fails */
        CHECK_EQ(last_fail(&b), BLE_SM_ERR_UNSPECIFIED);
        now += iv - 1;
        req(&b, BLE_SM_IO_NONE, BLE_SM_AUTH_SC, 16);
        CHECK_EQ(last_fail(&b), BLE_SM_ERR_REPEATED);
        now += 1;
        if (iv < BLE_SM_RETRY_MAX_MS)
            iv *= 2;
    }
    CHECK_EQ(iv, BLE_SM_RETRY_MAX_MS);
    /* A successful pairing clears the count. */
    extxip_ble_sm_t a;
    extxip_ble_sm_cfg_t ci = {.initiator = 1, .io_cap = BLE_SM_IO_NONE, .bond = 1, .rng = rng, .rng_arg = &seed_i};
    extxip_ble_sm_init(&a, &ci);
    extxip_ble_sm_conn(&a, addr_i, 0, addr_r, 0, now);
    extxip_ble_sm_conn(&b, addr_r, 0, addr_i, 0, now);
    CHECK_EQ(extxip_ble_sm_start(&a, now), 0);
    run(&a, &b, 0);
    CHECK_EQ(b.state, BLE_SM_DONE);
    CHECK_EQ(b.fails, 0);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"just_works", test_just_works}, {"passkey", test_passkey},
                                      {"wrong_passkey", test_wrong_passkey},
                                      {"authen_no_jw", test_authen_refuses_just_works},
                                      {"hostile", test_hostile}, {"dhkey_mismatch", test_dhkey_mismatch},
                                      {"timeout_repeats", test_timeout_and_repeats}};
    return TU_RUN("ble_sm", cases, argc, argv);
}
