/*
 * bench-crypto-<backend>: the cost of lib/crypto's two device operations
 * through the shim, one program per backend (bench/CMakeLists.txt links each
 * with its own shim sources), under callgrind:
 *   dump "sha256": extxip_crypto_sha256 over a 256 KiB buffer (one call);
 *   dump "verify": extxip_crypto_ecdsa_p256_verify of a signed image's signature
 *                  (SIGNED: an image imgtool signed with MCUboot's EC P-256 dev
 *                  key, e.g. test/vectors/images/img0-v1.0.0.signed.bin) over its hash.
 * The verify result is checked (ok), and a damaged signature must fail.
 *   bench-crypto-<backend> SIGNED
 * Output: one JSON line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind_compat.h"
#include "crypto/crypto.h"
#include "keys_dev.h"
#include "../test/unit/image/ramslot.h"

#ifndef EXTXIP_BENCH_BACKEND
#define EXTXIP_BENCH_BACKEND "?"
#endif
#define SHA_BYTES (256u * 1024u)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-crypto-* SIGNED_IMAGE\n");
        return 2;
    }
    tu_blob_t b = tu_read_file(argv[1]);
    if (!b.p || b.n < 32) {
        fprintf(stderr, "bench-crypto: cannot read %s\n", argv[1]);
        return 2;
    }
    uint32_t hashed = (uint32_t)rd16(b.p + 8) + rd32(b.p + 12) + rd16(b.p + 10);
    long t = find_unprot_tlv(b.p, b.n, 0x22), h = find_unprot_tlv(b.p, b.n, 0x10);
    if (hashed > b.n || t < 0 || h < 0) {
        fprintf(stderr, "bench-crypto: %s is no ECDSA P-256 signed image\n", argv[1]);
        return 2;
    }
    uint8_t hash[32];
    extxip_crypto_sha256(b.p, hashed, hash);
    int ok = memcmp(hash, b.p + h + 4, 32) == 0;
    const uint8_t *key = image_dev_key_ec_p256.der;
    size_t key_len = image_dev_key_ec_p256.len;

    uint8_t *buf = malloc(SHA_BYTES), d[32];
    if (!buf)
        return 2;
    for (uint32_t i = 0; i < SHA_BYTES; i++)
        buf[i] = (uint8_t)(i * 131u + 7u);
    const uint8_t *sig = b.p + t + 4;
    size_t sig_len = rd16(b.p + t + 2);

    CALLGRIND_ZERO_STATS;
    extxip_crypto_sha256(buf, SHA_BYTES, d);
    CALLGRIND_DUMP_STATS_AT("sha256");
    CALLGRIND_ZERO_STATS;
    int rc = extxip_crypto_ecdsa_p256_verify(key, key_len, hash, sig, sig_len);
    CALLGRIND_DUMP_STATS_AT("verify");

    ok &= rc == CRYPTO_OK;
    hash[0] ^= 1;
    ok &= extxip_crypto_ecdsa_p256_verify(key, key_len, hash, sig, sig_len) == CRYPTO_ERR_SIG;
    printf("{\"backend\":\"%s\",\"ok\":%s,\"sha_bytes\":%u,\"verify_rc\":%d}\n",
           EXTXIP_BENCH_BACKEND, ok ? "true" : "false", SHA_BYTES, rc);
    free(buf);
    free(b.p);
    return ok ? 0 : 1;
}
