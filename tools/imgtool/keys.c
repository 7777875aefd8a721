/*
 * Keys as imgtool handles them: load PEM (private or public), emit the public
 * key in MCUboot's embedding, sign/verify, generate PKCS#8 PEM.
 * EC P-256 and RSA through mbedTLS 2.28; Ed25519 through libsodium (mbedTLS
 * 2.28 has no Ed25519), with its small fixed DER wrappers done here.
 */
#include "imgtool.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <sodium.h>

struct it_key {
    it_key_type_t type;
    bool priv;
    mbedtls_pk_context pk; /* EC and RSA */
    uint8_t ed_pk[32];
    uint8_t ed_sk[64]; /* libsodium secret key: seed || public */
};

/* DER prefixes of the fixed-size Ed25519 structures (RFC 8410). */
static const uint8_t ED_OID[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t X25519_OID[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static const uint8_t ED_SPKI_PREFIX[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                           0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const uint8_t ED_PKCS8_PREFIX[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                            0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

#define PEM_PRIV_BEGIN "-----BEGIN PRIVATE KEY-----\n"
#define PEM_PRIV_END "-----END PRIVATE KEY-----\n"
#define PEM_PUB_BEGIN "-----BEGIN PUBLIC KEY-----\n"
#define PEM_PUB_END "-----END PUBLIC KEY-----\n"

typedef struct rng {
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
} rng_t;

static int rng_init(rng_t *r)
{
    mbedtls_entropy_init(&r->ent);
    mbedtls_ctr_drbg_init(&r->drbg);
    static const char pers[] = "extxip-imgtool";
    return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->ent,
                                 (const unsigned char *)pers, sizeof pers - 1);
}

static void rng_free(rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->ent);
}

static bool mem_has(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

/* Decode the first PEM block with this label; 0 and fills der, or -1. */
static int pem_block(const char *text, const char *begin, const char *end, it_buf_t *der)
{
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    int rc = mbedtls_pem_read_buffer(&pem, begin, end, (const unsigned char *)text, NULL, 0,
                                     &used);
    if (rc == 0)
        it_buf_put(der, pem.buf, pem.buflen);
    mbedtls_pem_free(&pem);
    return rc == 0 ? 0 : -1;
}

/* Ed25519 and X25519 keys, which mbedTLS 2.28 cannot parse. 1 when handled
 * (k filled), 0 when not an RFC 8410 key, -1 on error. */
static int load_rfc8410(const char *text, it_key_t *k, const char *path, it_err_t *e)
{
    it_buf_t der = {0};
    bool priv = true;
    if (pem_block(text, "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", &der) != 0) {
        priv = false;
        if (pem_block(text, "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", &der) != 0)
            return 0;
    }
    int rc = 0;
    /* The algorithm identifier sits within the first 16 bytes of both forms. */
    size_t scan = der.len < 16 ? der.len : 16;
    if (mem_has(der.data, scan, X25519_OID, sizeof X25519_OID)) {
        rc = it_errf(e, "%s: X25519 keys are encryption keys; extxip-imgtool does not support "
                        "them", path);
    } else if (mem_has(der.data, scan, ED_OID, sizeof ED_OID)) {
        if (priv) {
            /* PKCS#8 v1 (48 bytes, what imgtool writes) or v2 with trailing
             * attributes/public key; the outer length must cover the file. */
            if (der.len < 48 || memcmp(der.data + 2, ED_PKCS8_PREFIX + 2, 2) != 0 ||
                (der.data[4] != 0 && der.data[4] != 1) ||
                memcmp(der.data + 5, ED_PKCS8_PREFIX + 5, 11) != 0 || der.data[0] != 0x30 ||
                der.data[1] >= 0x80 || (size_t)der.data[1] + 2 != der.len) {
                rc = it_errf(e, "%s: malformed Ed25519 private key", path);
            } else {
                uint8_t seed[32];
                memcpy(seed, der.data + 16, 32);
                crypto_sign_seed_keypair(k->ed_pk, k->ed_sk, seed);
                sodium_memzero(seed, sizeof seed);
                k->type = IT_KEY_ED25519;
                k->priv = true;
                rc = 1;
            }
        } else {
            if (der.len != 44 || memcmp(der.data, ED_SPKI_PREFIX, sizeof ED_SPKI_PREFIX) != 0) {
                rc = it_errf(e, "%s: malformed Ed25519 public key", path);
            } else {
                memcpy(k->ed_pk, der.data + 12, 32);
                k->type = IT_KEY_ED25519;
                k->priv = false;
                rc = 1;
            }
        }
    }
    if (der.data)
        sodium_memzero(der.data, der.len);
    it_buf_free(&der);
    return rc;
}

it_key_t *it_key_load(const char *path, it_err_t *e)
{
    if (sodium_init() < 0) {
        it_errf(e, "libsodium failed to initialise");
        return NULL;
    }
    it_buf_t f = {0};
    if (it_read_file(path, 1u << 20, &f, e) != 0) {
        it_buf_free(&f);
        return NULL;
    }
    it_buf_put(&f, "", 1); /* mbedTLS wants PEM NUL-terminated, length included */
    const char *text = (const char *)f.data;
    it_key_t *k = calloc(1, sizeof *k);
    if (!k) {
        it_buf_free(&f);
        it_errf(e, "out of memory");
        return NULL;
    }
    mbedtls_pk_init(&k->pk);
    int rc = -1;
    if (memchr(f.data, '\0', f.len - 1) != NULL || strstr(text, "-----BEGIN ") == NULL) {
        it_errf(e, "%s: not a PEM key file", path);
        goto out;
    }
    if (strstr(text, "ENCRYPTED") != NULL) {
        it_errf(e, "%s: key is password-protected; extxip-imgtool does not prompt for "
                   "passphrases", path);
        goto out;
    }
    int r = load_rfc8410(text, k, path, e);
    if (r < 0)
        goto out;
    if (r == 1) {
        rc = 0;
        goto out;
    }
    if (mbedtls_pk_parse_key(&k->pk, f.data, f.len, NULL, 0) == 0) {
        k->priv = true;
    } else {
        mbedtls_pk_free(&k->pk);
        mbedtls_pk_init(&k->pk);
        if (mbedtls_pk_parse_public_key(&k->pk, f.data, f.len) != 0) {
            it_errf(e, "%s: not a private or public key extxip-imgtool can read", path);
            goto out;
        }
        k->priv = false;
    }
    switch (mbedtls_pk_get_type(&k->pk)) {
    case MBEDTLS_PK_ECKEY:
        if (mbedtls_pk_ec(k->pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
            it_errf(e, "%s: unsupported EC curve (only P-256 is supported)", path);
            goto out;
        }
        k->type = IT_KEY_EC_P256;
        break;
    case MBEDTLS_PK_RSA: {
        size_t bits = mbedtls_pk_get_bitlen(&k->pk);
        if (bits != 2048 && bits != 3072) {
            it_errf(e, "%s: unsupported RSA key size: %zu", path, bits);
            goto out;
        }
        k->type = IT_KEY_RSA;
        break;
    }
    default:
        it_errf(e, "%s: unsupported key type", path);
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(f.data, f.len);
    it_buf_free(&f);
    if (rc != 0) {
        it_key_free(k);
        return NULL;
    }
    return k;
}

void it_key_free(it_key_t *k)
{
    if (!k)
        return;
    mbedtls_pk_free(&k->pk);
    sodium_memzero(k, sizeof *k);
    free(k);
}

it_key_type_t it_key_type(const it_key_t *k) { return k->type; }
bool it_key_is_private(const it_key_t *k) { return k->priv; }

unsigned it_key_bits(const it_key_t *k)
{
    return k->type == IT_KEY_RSA ? (unsigned)mbedtls_pk_get_bitlen(&k->pk) : 0;
}

const char *it_key_shortname(const it_key_t *k)
{
    switch (k->type) {
    case IT_KEY_EC_P256: return "ecdsa";
    case IT_KEY_RSA: return "rsa";
    default: return "ed25519";
    }
}

uint16_t it_key_sig_tlv(const it_key_t *k)
{
    switch (k->type) {
    case IT_KEY_EC_P256: return 0x22;
    case IT_KEY_RSA: return it_key_bits(k) == 3072 ? 0x23 : 0x20;
    default: return 0x24;
    }
}

int it_key_public_bytes(const it_key_t *k, it_buf_t *out, it_err_t *e)
{
    if (k->type == IT_KEY_ED25519) {
        it_buf_put(out, ED_SPKI_PREFIX, sizeof ED_SPKI_PREFIX);
        it_buf_put(out, k->ed_pk, 32);
        return 0;
    }
    uint8_t buf[1024];
    int n;
    if (k->type == IT_KEY_RSA) {
        /* PKCS#1 RSAPublicKey: mbedTLS writes it backwards from the end. */
        unsigned char *p = buf + sizeof buf;
        n = mbedtls_pk_write_pubkey(&p, buf, (mbedtls_pk_context *)&k->pk);
    } else {
        n = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&k->pk, buf, sizeof buf);
    }
    if (n <= 0)
        return it_errf(e, "cannot encode public key (mbedTLS -0x%04x)", (unsigned)-n);
    it_buf_put(out, buf + sizeof buf - (size_t)n, (size_t)n);
    return 0;
}

int it_key_public_pem(const it_key_t *k, it_buf_t *out, it_err_t *e)
{
    unsigned char buf[4096];
    if (k->type == IT_KEY_ED25519) {
        uint8_t der[44];
        memcpy(der, ED_SPKI_PREFIX, 12);
        memcpy(der + 12, k->ed_pk, 32);
        size_t olen = 0;
        if (mbedtls_pem_write_buffer(PEM_PUB_BEGIN, PEM_PUB_END, der, sizeof der, buf,
                                     sizeof buf, &olen) != 0)
            return it_errf(e, "cannot encode public key");
        it_buf_put(out, buf, strlen((char *)buf));
        return 0;
    }
    int rc = mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)&k->pk, buf, sizeof buf);
    if (rc != 0)
        return it_errf(e, "cannot encode public key (mbedTLS -0x%04x)", (unsigned)-rc);
    it_buf_put(out, buf, strlen((char *)buf));
    return 0;
}

int it_key_sign(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                const uint8_t digest[32], it_buf_t *sig, it_err_t *e)
{
    if (!k->priv)
        return it_errf(e, "Cannot sign with a public-only PEM; signing requires the private key.");
    if (k->type == IT_KEY_ED25519) {
        uint8_t s[crypto_sign_BYTES];
        unsigned long long sl = 0;
        if (crypto_sign_detached(s, &sl, digest, 32, k->ed_sk) != 0)
            return it_errf(e, "Ed25519 signing failed");
        it_buf_put(sig, s, (size_t)sl);
        return 0;
    }
    uint8_t hash[32];
    it_sha256(msg, msg_len, hash);
    rng_t r;
    int rc = rng_init(&r);
    uint8_t s[MBEDTLS_MPI_MAX_SIZE > 1024 ? MBEDTLS_MPI_MAX_SIZE : 1024];
    size_t sl = 0;
    if (rc == 0) {
        if (k->type == IT_KEY_EC_P256) {
            rc = mbedtls_pk_sign((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, hash, 32, s,
                                 &sl, mbedtls_ctr_drbg_random, &r.drbg);
        } else {
            /* MCUboot accepts only salt length == hash length (32). */
            mbedtls_rsa_context *rsa = mbedtls_pk_rsa(k->pk);
            mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
            rc = mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &r.drbg,
                                                 MBEDTLS_MD_SHA256, 32, hash, 32, s);
            sl = mbedtls_rsa_get_len(rsa);
        }
    }
    rng_free(&r);
    if (rc != 0)
        return it_errf(e, "signing failed (mbedTLS -0x%04x)", (unsigned)-rc);
    it_buf_put(sig, s, sl);
    return 0;
}

int it_key_verify(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                  const uint8_t *digest, size_t digest_len, const uint8_t *sig, size_t sig_len)
{
    if (k->type == IT_KEY_ED25519) {
        if (!digest || sig_len != crypto_sign_BYTES)
            return -1;
        return crypto_sign_verify_detached(sig, digest, digest_len, k->ed_pk) == 0 ? 0 : -1;
    }
    uint8_t hash[32];
    it_sha256(msg, msg_len, hash);
    if (k->type == IT_KEY_EC_P256) {
        /* imgtool strips the optional --pad-sig zeros: keep the DER SEQUENCE. */
        if (sig_len < 2 || sig[1] >= 0x80 || (size_t)sig[1] + 2 > sig_len)
            return -1;
        return mbedtls_pk_verify((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, hash, 32,
                                 sig, (size_t)sig[1] + 2) == 0 ? 0 : -1;
    }
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(k->pk);
    if (sig_len != mbedtls_rsa_get_len(rsa))
        return -1;
    return mbedtls_rsa_rsassa_pss_verify_ext(rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                             MBEDTLS_MD_SHA256, 32, hash, MBEDTLS_MD_SHA256, 32,
                                             sig) == 0 ? 0 : -1;
}

int it_key_verify_pure(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                       const uint8_t *sig, size_t sig_len)
{
    if (k->type != IT_KEY_ED25519 || sig_len != crypto_sign_BYTES)
        return -1;
    return crypto_sign_verify_detached(sig, msg, msg_len, k->ed_pk) == 0 ? 0 : -1;
}

/* DER length octets for n (n < 65536). */
static void der_len(it_buf_t *b, size_t n)
{
    uint8_t l[3];
    if (n < 0x80) {
        l[0] = (uint8_t)n;
        it_buf_put(b, l, 1);
    } else if (n < 0x100) {
        l[0] = 0x81;
        l[1] = (uint8_t)n;
        it_buf_put(b, l, 2);
    } else {
        l[0] = 0x82;
        l[1] = (uint8_t)(n >> 8);
        l[2] = (uint8_t)n;
        it_buf_put(b, l, 3);
    }
}

/* Encode PKCS#8 PrivateKeyInfo (what cryptography's PKCS8 export writes). */
static int keygen_der(const char *type, it_buf_t *der, it_err_t *e)
{
    if (strcmp(type, "ed25519") == 0) {
        uint8_t pk[32], sk[64];
        crypto_sign_keypair(pk, sk);
        it_buf_put(der, ED_PKCS8_PREFIX, sizeof ED_PKCS8_PREFIX);
        it_buf_put(der, sk, 32); /* the seed */
        sodium_memzero(sk, sizeof sk);
        return 0;
    }
    bool ec = strcmp(type, "ecdsa-p256") == 0;
    unsigned bits = strcmp(type, "rsa-2048") == 0 ? 2048 : strcmp(type, "rsa-3072") == 0 ? 3072 : 0;
    if (!ec && bits == 0)
        return it_errf(e, "unsupported key type '%s' (ecdsa-p256, rsa-2048, rsa-3072, ed25519)",
                       type);
    rng_t r;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = rng_init(&r);
    if (rc == 0)
        rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(ec ? MBEDTLS_PK_ECKEY : MBEDTLS_PK_RSA));
    if (rc == 0 && ec) {
        mbedtls_ecp_keypair *kp = mbedtls_pk_ec(pk);
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, kp, mbedtls_ctr_drbg_random, &r.drbg);
        uint8_t d[32], q[65];
        size_t ql = 0;
        if (rc == 0)
            rc = mbedtls_mpi_write_binary(&kp->d, d, sizeof d);
        if (rc == 0)
            rc = mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                &ql, q, sizeof q);
        if (rc == 0 && ql == 65) {
            /* PrivateKeyInfo { 0, {ecPublicKey, prime256v1},
             *   OCTET STRING ECPrivateKey { 1, d, [1] BIT STRING Q } } */
            static const uint8_t head[] = {
                0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86,
                0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20};
            static const uint8_t mid[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
            it_buf_put(der, head, sizeof head);
            it_buf_put(der, d, 32);
            it_buf_put(der, mid, sizeof mid);
            it_buf_put(der, q, 65);
        } else if (rc == 0) {
            rc = -1;
        }
        sodium_memzero(d, sizeof d);
    } else if (rc == 0) {
        rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &r.drbg, bits,
                                 65537);
        uint8_t *tmp = malloc(8192);
        int n = -1;
        if (rc == 0 && tmp)
            n = mbedtls_pk_write_key_der(&pk, tmp, 8192);
        if (rc == 0 && n > 0) {
            /* PrivateKeyInfo { 0, {rsaEncryption, NULL}, OCTET STRING RSAPrivateKey } */
            static const uint8_t ver_alg[] = {0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a,
                                              0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
                                              0x05, 0x00};
            it_buf_t oct = {0};
            uint8_t tag = 0x04;
            it_buf_put(&oct, &tag, 1);
            der_len(&oct, (size_t)n);
            it_buf_put(&oct, tmp + 8192 - n, (size_t)n);
            tag = 0x30;
            it_buf_put(der, &tag, 1);
            der_len(der, sizeof ver_alg + oct.len);
            it_buf_put(der, ver_alg, sizeof ver_alg);
            it_buf_put(der, oct.data, oct.len);
            sodium_memzero(oct.data, oct.len);
            it_buf_free(&oct);
        } else if (rc == 0) {
            rc = n < 0 ? n : -1;
        }
        if (tmp) {
            sodium_memzero(tmp, 8192);
            free(tmp);
        }
    }
    mbedtls_pk_free(&pk);
    rng_free(&r);
    if (rc != 0)
        return it_errf(e, "key generation failed (mbedTLS -0x%04x)", (unsigned)-rc);
    return 0;
}

int it_keygen(const char *type, const char *path, it_err_t *e)
{
    if (sodium_init() < 0)
        return it_errf(e, "libsodium failed to initialise");
    it_buf_t der = {0};
    if (keygen_der(type, &der, e) != 0) {
        it_buf_free(&der);
        return -1;
    }
    unsigned char pem[8192];
    size_t olen = 0;
    int rc = mbedtls_pem_write_buffer(PEM_PRIV_BEGIN, PEM_PRIV_END, der.data, der.len, pem,
                                      sizeof pem, &olen);
    sodium_memzero(der.data, der.len);
    it_buf_free(&der);
    if (rc != 0)
        return it_errf(e, "cannot encode key as PEM");
    rc = it_write_file_atomic(path, pem, strlen((char *)pem), 0600, e);
    sodium_memzero(pem, sizeof pem);
    return rc;
}
