/* lib/ble/ble_smcrypto against the Core spec's own sample data (v5.4 Vol 3
 * Part H Appendix D: AES-CMAC D.1, f4 D.2, f5 D.3, f6 D.4, g2 D.5; ah
 * Appendix C.2.2's IRK/prand; P-256 data set 1 of Vol 2 Part G §7.1.2; the
 * AES function e: Vol 6 Part C §1's session key sample). The spec writes values
 * most significant octet first; the toolbox takes them as on the wire, so
 * hex_le() reverses them. */
#include "ble/ble_smcrypto.h"
#include "testutil.h"

#include <stdlib.h>

static void hex_msb(uint8_t *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void hex_le(uint8_t *out, const char *s, size_t n)
{
    uint8_t t[64];
    hex_msb(t, s, n);
    for (size_t i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
}

/* Deterministic bytes for key generation (the test needs no entropy). */
static int test_rng(void *arg, unsigned char *out, size_t n)
{
    unsigned *s = arg;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

#define U "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6"
#define V "55188b3d32f6bb9a900afcfbeed4e72a59cb9ac2f19d7cfb6b4fdd49f47fc5fd"
#define X "d5cb8454d177733effffb2ec712baeab"
#define Y "a6e8e7cc25a75f6e216583f7ff3dc4cf"
#define W "ec0234a357c8ad05341010a60a397d9b99796b13b4f866f1868d34f373bfa698"
/* A1 = 00 56123737bfce, A2 = 00 a713702dcfc1: type octet, then the address. */
#define A1 "56123737bfce"
#define A2 "a713702dcfc1"

static void test_e(void)
{
    uint8_t k[16], p[16], want[16], out[16];
    hex_le(k, "4C68384139F574D836BCF34E9DFB01BF", 16);
    hex_le(p, "0213243546576879acbdcedfe0f10213", 16);
    hex_le(want, "99ad1b5226a37e3e058e3b8e27c2c666", 16);
    CHECK_EQ(extxip_ble_sm_e(k, p, out), 0);
    CHECK_MEM(out, want, 16);
}

static void test_cmac(void)
{
    uint8_t k[16], m[64], want[16], out[16];
    hex_msb(k, "2b7e151628aed2a6abf7158809cf4f3c", 16);
    hex_msb(m, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
               "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", 64);
    static const struct { size_t n; const char *t; } v[] = {
        {0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"},
        {40, "dfa66747de9ae63030ca32611497c827"}, {64, "51f0bebf7e3b9d92fc49741779363cfe"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        hex_msb(want, v[i].t, 16);
        CHECK_EQ(extxip_ble_sm_cmac(k, m, v[i].n, out), 0);
        CHECK_MEM(out, want, 16);
    }
}

static void test_f4(void)
{
    uint8_t u[32], v[32], x[16], want[16], out[16];
    hex_le(u, U, 32);
    hex_le(v, V, 32);
    hex_le(x, X, 16);
    hex_le(want, "f2c916f107a9bd1cf1eda1bea974872d", 16);
    CHECK_EQ(extxip_ble_sm_f4(u, v, x, 0, out), 0);
    CHECK_MEM(out, want, 16);
}

static void test_f5(void)
{
    uint8_t w[32], n1[16], n2[16], a1[6], a2[6], mk[16], ltk[16], wmk[16], wltk[16];
    hex_le(w, W, 32);
    hex_le(n1, X, 16);
    hex_le(n2, Y, 16);
    hex_le(a1, A1, 6);
    hex_le(a2, A2, 6);
    hex_le(wmk, "2965f176a1084a02fd3f6a20ce636e20", 16);
    hex_le(wltk, "6986791169d7cd23980522b594750a38", 16);
    CHECK_EQ(extxip_ble_sm_f5(w, n1, n2, a1, 0, a2, 0, mk, ltk), 0);
    CHECK_MEM(mk, wmk, 16);
    CHECK_MEM(ltk, wltk, 16);
}

static void test_f6(void)
{
    uint8_t mk[16], n1[16], n2[16], r[16], a1[6], a2[6], want[16], out[16];
    static const uint8_t io[3] = {0x01, 0x01, 0x02};
    hex_le(mk, "2965f176a1084a02fd3f6a20ce636e20", 16);
    hex_le(n1, X, 16);
    hex_le(n2, Y, 16);
    hex_le(r, "12a3343bb453bb5408da42d20c2d0fc8", 16);
    hex_le(a1, A1, 6);
    hex_le(a2, A2, 6);
    hex_le(want, "e3c473989cd0e8c5d26c0b09da958f61", 16);
    CHECK_EQ(extxip_ble_sm_f6(mk, n1, n2, r, io, a1, 0, a2, 0, out), 0);
    CHECK_MEM(out, want, 16);
}

static void test_g2(void)
{
    uint8_t u[32], v[32], x[16], y[16];
    uint32_t raw = 0, dig = 0;
    hex_le(u, U, 32);
    hex_le(v, V, 32);
    hex_le(x, X, 16);
    hex_le(y, Y, 16);
    CHECK_EQ(extxip_ble_sm_g2(u, v, x, y, &raw, &dig), 0);
    CHECK_EQ(raw, 0x2f9ed5baU);
    CHECK_EQ(dig, 0x2f9ed5baU % 1000000U);
}

static void test_ah(void)
{
    uint8_t irk[16], r[3], want[3], h[3], rpa[6];
    hex_le(irk, "ec0234a357c8ad05341010a60a397d9b", 16);
    hex_le(r, "708194", 3);
    hex_le(want, "0dfbaa", 3);
    CHECK_EQ(extxip_ble_sm_ah(irk, r, h), 0);
    CHECK_MEM(h, want, 3);
    /* The address prand || hash (HCI order: hash in the low octets) resolves. */
    memcpy(rpa, h, 3);
    memcpy(rpa + 3, r, 3);
    CHECK_EQ(extxip_ble_sm_rpa_resolves(irk, rpa), 1);
    rpa[0] ^= 1;
    CHECK_EQ(extxip_ble_sm_rpa_resolves(irk, rpa), 0);
    rpa[0] ^= 1;
    rpa[5] &= 0x3F; /* not of the resolvable kind */
    CHECK_EQ(extxip_ble_sm_rpa_resolves(irk, rpa), 0);
}

static void test_p256(void)
{
    uint8_t da[32], db[32], pa[64], pb[64], want[32], z[32];
    unsigned seed = 1;
    hex_le(da, "3f49f6d4a3c55f3874c9b3e3d2103f504aff607beb40b7995899b8a6cd3c1abd", 32);
    hex_le(db, V, 32);
    hex_le(pa, U, 32);
    hex_le(pa + 32, "dc809c49652aeb6d63329abf5a52155c766345c28fed3024741c8ed01589d28b", 32);
    hex_le(pb, "1ea1f0f01faf1d9609592284f19e4c0047b58afd8615a69f559077b22faaa190", 32);
    hex_le(pb + 32, "4c55f33e429dad377356703a9ab85160472d1130e28e36765f89aff915b1214a", 32);
    hex_le(want, W, 32);
    CHECK_EQ(extxip_ble_sm_p256_valid(pa), 1);
    CHECK_EQ(extxip_ble_sm_p256_valid(pb), 1);
    CHECK_EQ(extxip_ble_sm_p256_dhkey(da, pb, z, test_rng, &seed), 0);
    CHECK_MEM(z, want, 32);
    CHECK_EQ(extxip_ble_sm_p256_dhkey(db, pa, z, test_rng, &seed), 0);
    CHECK_MEM(z, want, 32);
    /* Fresh pairs agree. */
    uint8_t d1[32], d2[32], q1[64], q2[64], z1[32], z2[32];
    CHECK_EQ(extxip_ble_sm_p256_keypair(d1, q1, test_rng, &seed), 0);
    CHECK_EQ(extxip_ble_sm_p256_keypair(d2, q2, test_rng, &seed), 0);
    CHECK_EQ(extxip_ble_sm_p256_dhkey(d1, q2, z1, test_rng, &seed), 0);
    CHECK_EQ(extxip_ble_sm_p256_dhkey(d2, q1, z2, test_rng, &seed), 0);
    CHECK_MEM(z1, z2, 32);
    /* Invalid-curve points: y changed, x = y = 0, x >= p. */
    uint8_t bad[64];
    memcpy(bad, pb, 64);
    bad[40] ^= 1;
    CHECK_EQ(extxip_ble_sm_p256_valid(bad), 0);
    CHECK_EQ(extxip_ble_sm_p256_dhkey(da, bad, z, test_rng, &seed), -1);
    memset(bad, 0, 64);
    CHECK_EQ(extxip_ble_sm_p256_valid(bad), 0);
    memset(bad, 0xFF, 64);
    CHECK_EQ(extxip_ble_sm_p256_valid(bad), 0);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"e", test_e},   {"cmac", test_cmac}, {"f4", test_f4},
                                      {"f5", test_f5}, {"f6", test_f6},     {"g2", test_g2},
                                      {"ah", test_ah}, {"p256", test_p256}};
    return TU_RUN("ble_smcrypto", cases, argc, argv);
}
