#include "ble/ble_smcrypto.h"

#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>

/* dst = src reversed (n octets); dst and src do not overlap. */
static void rev(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[n - 1 - i];
}

int extxip_ble_sm_e(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    uint8_t k[16], p[16], c[16];
    mbedtls_aes_context aes;
    rev(k, key, 16);
    rev(p, in, 16);
    mbedtls_aes_init(&aes);
    int rc = mbedtls_aes_setkey_enc(&aes, k, 128) == 0 &&
             mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, p, c) == 0 ? 0 : -1;
    mbedtls_aes_free(&aes);
    if (rc == 0)
        rev(out, c, 16);
    memset(k, 0, sizeof k);
    return rc;
}

int extxip_ble_sm_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    if (!ci)
        return -1;
    return mbedtls_cipher_cmac(ci, key, 128, msg, len, out) == 0 ? 0 : -1;
}

/* CMAC over a message built MSB first, the result back to LE. */
static int cmac_le(const uint8_t key_le[16], const uint8_t *m, size_t n, uint8_t out_le[16])
{
    uint8_t k[16], t[16];
    rev(k, key_le, 16);
    int rc = extxip_ble_sm_cmac(k, m, n, t);
    if (rc == 0)
        rev(out_le, t, 16);
    memset(k, 0, sizeof k);
    return rc;
}

/* A1/A2 of f5 and f6: type octet, then the address most significant first. */
static void put_addr(uint8_t *m, const uint8_t a[6], uint8_t t)
{
    m[0] = t;
    rev(m + 1, a, 6);
}

int extxip_ble_sm_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
                     uint8_t out[16])
{
    uint8_t m[65];
    rev(m, u, 32);
    rev(m + 32, v, 32);
    m[64] = z;
    return cmac_le(x, m, sizeof m, out);
}

int extxip_ble_sm_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16],
                     const uint8_t a1[6], uint8_t t1, const uint8_t a2[6], uint8_t t2,
                     uint8_t mackey[16], uint8_t ltk[16])
{
    /* SALT and keyID "btle" (Vol 3 Part H §2.2.7), most significant first. */
    static const uint8_t salt[16] = {0x6C, 0x88, 0x83, 0x91, 0xAA, 0xF5, 0xA5, 0x38,
                                     0x60, 0x37, 0x0B, 0xDB, 0x5A, 0x60, 0x83, 0xBE};
    uint8_t wm[32], t[16], m[53];
    rev(wm, w, 32);
    if (extxip_ble_sm_cmac(salt, wm, 32, t) != 0)
        return -1;
    m[0] = 0;
    m[1] = 0x62; m[2] = 0x74; m[3] = 0x6C; m[4] = 0x65;
    rev(m + 5, n1, 16);
    rev(m + 21, n2, 16);
    put_addr(m + 37, a1, t1);
    put_addr(m + 44, a2, t2);
    m[51] = 0x01; m[52] = 0x00; /* Length = 256 */
    uint8_t o[16];
    int rc = extxip_ble_sm_cmac(t, m, sizeof m, o);
    if (rc == 0) {
        rev(mackey, o, 16);
        m[0] = 1;
        rc = extxip_ble_sm_cmac(t, m, sizeof m, o);
        if (rc == 0)
            rev(ltk, o, 16);
    }
    memset(t, 0, sizeof t);
    memset(wm, 0, sizeof wm);
    memset(o, 0, sizeof o);
    return rc;
}

int extxip_ble_sm_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16],
                     const uint8_t r[16], const uint8_t iocap[3], const uint8_t a1[6], uint8_t t1,
                     const uint8_t a2[6], uint8_t t2, uint8_t out[16])
{
    uint8_t m[65];
    rev(m, n1, 16);
    rev(m + 16, n2, 16);
    rev(m + 32, r, 16);
    m[48] = iocap[0]; /* AuthReq || OOB || IOcap, AuthReq the most significant */
    m[49] = iocap[1];
    m[50] = iocap[2];
    put_addr(m + 51, a1, t1);
    put_addr(m + 58, a2, t2);
    return cmac_le(w, m, sizeof m, out);
}

int extxip_ble_sm_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16],
                     const uint8_t y[16], uint32_t *raw, uint32_t *digits)
{
    uint8_t m[80], o[16];
    rev(m, u, 32);
    rev(m + 32, v, 32);
    rev(m + 64, y, 16);
    if (cmac_le(x, m, sizeof m, o) != 0)
        return -1;
    uint32_t val = (uint32_t)o[0] | (uint32_t)o[1] << 8 | (uint32_t)o[2] << 16 | (uint32_t)o[3] << 24;
    if (raw)
        *raw = val;
    if (digits)
        *digits = val % 1000000u;
    return 0;
}

int extxip_ble_sm_ah(const uint8_t irk[16], const uint8_t r[3], uint8_t hash[3])
{
    uint8_t p[16] = {0}, o[16];
    memcpy(p, r, 3); /* r' = padding || r, LE: r in the low octets */
    if (extxip_ble_sm_e(irk, p, o) != 0)
        return -1;
    memcpy(hash, o, 3);
    return 0;
}

int extxip_ble_sm_rpa_resolves(const uint8_t irk[16], const uint8_t addr[6])
{
    uint8_t h[3];
    if ((addr[5] & 0xC0) != 0x40)
        return 0;
    if (extxip_ble_sm_ah(irk, addr + 3, h) != 0)
        return 0;
    return memcmp(h, addr, 3) == 0;
}

/* ---------------------------------------------------------------- P-256 */

static int load_point(mbedtls_ecp_group *g, mbedtls_ecp_point *q, const uint8_t pub[64])
{
    if (mbedtls_mpi_read_binary_le(&q->X, pub, 32) != 0 ||
        mbedtls_mpi_read_binary_le(&q->Y, pub + 32, 32) != 0 || mbedtls_mpi_lset(&q->Z, 1) != 0)
        return -1;
    /* On the curve, coordinates in [0, p), not the point at infinity. */
    return mbedtls_ecp_check_pubkey(g, q) == 0 ? 0 : -1;
}

int extxip_ble_sm_p256_valid(const uint8_t pub[64])
{
    mbedtls_ecp_group g;
    mbedtls_ecp_point q;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&q);
    int ok = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0 && load_point(&g, &q, pub) == 0;
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&g);
    return ok;
}

int extxip_ble_sm_p256_keypair(uint8_t d[32], uint8_t pub[64], extxip_ble_rng_fn rng, void *rng_arg)
{
    mbedtls_ecp_group g;
    mbedtls_ecp_point q;
    mbedtls_mpi k;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&k);
    int rc = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
             mbedtls_ecp_gen_keypair(&g, &k, &q, rng, rng_arg) == 0 &&
             mbedtls_mpi_write_binary_le(&k, d, 32) == 0 &&
             mbedtls_mpi_write_binary_le(&q.X, pub, 32) == 0 &&
             mbedtls_mpi_write_binary_le(&q.Y, pub + 32, 32) == 0 ? 0 : -1;
    mbedtls_mpi_free(&k);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&g);
    return rc;
}

int extxip_ble_sm_p256_dhkey(const uint8_t d[32], const uint8_t peer[64], uint8_t dhkey[32],
                             extxip_ble_rng_fn rng, void *rng_arg)
{
    mbedtls_ecp_group g;
    mbedtls_ecp_point q;
    mbedtls_mpi k, z;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&k);
    mbedtls_mpi_init(&z);
    int rc = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) == 0 && load_point(&g, &q, peer) == 0 &&
             mbedtls_mpi_read_binary_le(&k, d, 32) == 0 && mbedtls_ecp_check_privkey(&g, &k) == 0 &&
             mbedtls_ecdh_compute_shared(&g, &z, &q, &k, rng, rng_arg) == 0 &&
             mbedtls_mpi_write_binary_le(&z, dhkey, 32) == 0 ? 0 : -1;
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&k);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&g);
    return rc;
}
