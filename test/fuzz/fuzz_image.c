/*
 * libFuzzer harness: MCUboot image header/TLV parsing and full validation
 * (lib/image) over arbitrary slot contents. The input is the slot: it is put
 * at the start of a RAM flash area (rest erased) whose size is the input
 * rounded up to 4 KiB, or a fixed 64 KiB window when the first byte says so,
 * and read only through extxip_flash_area_read, as on the device.
 * Bit 1 of the first byte re-hashes the mutated image (see rehash()).
 * Built with -DFUZZ_IMAGE_RESIGN (the fuzz_image_resign binary), every
 * image that parses is re-hashed and then re-signed (see resign()) with the
 * dev key of the type its signature TLV names, so the checks behind the
 * signature (key choice, TLV duplicates, dependencies, security counter,
 * flags, the verify paths themselves) see mutated input that is validly
 * signed; there bit 1 set leaves the image as mutated instead.
 * At exit the harness prints how many inputs parsed, hashed right and
 * verified (the figure that says whether the fuzzer gets past the hash).
 * Checked: extxip_image_parse and extxip_image_validate agree (validate never accepts what
 * parse refuses); on success every offset they report lies inside the area;
 * the error is always one of the named IMAGE_ERR_* codes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#ifdef FUZZ_IMAGE_RESIGN
#include "imgtool.h"
#endif
#include "image/image.h"
#include "keys_dev.h"
#include "ramflash.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_image: %s\n", why);                                              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Most mutations break the image hash, so validation would stop there. In
 * "re-hash" mode the harness writes the true SHA-256 into the SHA256 TLV
 * after mutating (as an attacker with imgtool could), so the key choice and
 * signature checks behind the hash see fuzzed input too. */
static void rehash(uint8_t *mem, const extxip_image_info_t *a)
{
    uint8_t h[CRYPTO_SHA256_SIZE];
    if (extxip_crypto_sha256(mem, a->prot_off + a->hdr.protect_tlv_size, h) != CRYPTO_OK)
        return;
    uint32_t end = a->unprot_off + (uint32_t)(mem[a->unprot_off + 2] | mem[a->unprot_off + 3] << 8);
    for (uint32_t t = a->unprot_off + 4; t + 4 <= end && t + 4 <= a->tlv_end;) {
        uint16_t type = (uint16_t)(mem[t] | mem[t + 1] << 8);
        uint16_t len = (uint16_t)(mem[t + 2] | mem[t + 3] << 8);
        if (type == IMAGE_TLV_SHA256 && len == sizeof h && t + 4 + len <= a->tlv_end) {
            memcpy(mem + t + 4, h, sizeof h);
            return;
        }
        t += 4u + len;
    }
}

#ifdef FUZZ_IMAGE_RESIGN
/* MCUboot's dev keys (private halves, test/vectors/images/keys): what an
 * attacker holding the signing key could produce. Signing is imgtool's own
 * code (mbedTLS for ECDSA/RSA-PSS, libsodium for Ed25519). */
static it_key_t *keys[3]; /* by signature TLV: ECDSA P-256, RSA-2048, Ed25519 */

static void load_keys(void)
{
    static const char *const names[3] = {"mcuboot-dev-ec-p256.pem", "mcuboot-dev-rsa-2048.pem",
                                         "mcuboot-dev-ed25519.pem"};
    for (int i = 0; i < 3; i++) {
        char path[1024];
        it_err_t e;
        snprintf(path, sizeof path, "%s/images/keys/%s", EXTXIP_VECTORS, names[i]);
        keys[i] = it_key_load(path, &e);
        FZ_ASSERT(keys[i] != NULL && it_key_is_private(keys[i]), "cannot load a dev signing key");
    }
}

/* After rehash(): sign the hashed bytes with the key matching the
 * signature TLV the image carries and put the signature in its place. An
 * ECDSA signature's DER length varies (70-72 bytes) and mbedTLS signs
 * deterministically, so when the length differs and the signature is the
 * last TLV (as imgtool writes it) the TLV and the unprotected area's length
 * are resized (the unprotected area is outside the hash); otherwise the
 * image keeps its old signature. The key hash TLV is left as mutated, so
 * unknown keys still occur. */
static void resign(uint8_t *mem, uint32_t area, const extxip_image_info_t *a)
{
    int k = a->sig_type == IMAGE_TLV_ECDSA_SIG      ? 0
            : a->sig_type == IMAGE_TLV_RSA2048_PSS  ? 1
            : a->sig_type == IMAGE_TLV_ED25519      ? 2
                                                    : -1;
    if (k < 0 || a->sig_off < a->unprot_off + 8u)
        return;
    if (keys[0] == NULL)
        load_keys();
    uint32_t n = a->prot_off + a->hdr.protect_tlv_size;
    it_buf_t sig = {0};
    it_err_t e;
    int rc = it_key_sign(keys[k], mem, n, a->hash, &sig, &e);
    bool last = a->sig_off + a->sig_len == a->tlv_end;
    uint32_t total = (uint32_t)(mem[a->unprot_off + 2] | mem[a->unprot_off + 3] << 8);
    bool fits = rc == 0 && (sig.len == a->sig_len ||
                            (last && sig.len <= 0xffffu && a->sig_off + sig.len <= area &&
                             total + sig.len >= a->sig_len && total + sig.len - a->sig_len <= 0xffffu));
    if (getenv("FUZZ_IMAGE_DUMP") != NULL)
        fprintf(stderr, "fuzz_image: re-sign rc %d, %zu bytes for a %u-byte TLV\n", rc, sig.len, a->sig_len);
    if (fits) {
        if (sig.len != a->sig_len) {
            total = total + (uint32_t)sig.len - a->sig_len;
            mem[a->unprot_off + 2] = (uint8_t)total;
            mem[a->unprot_off + 3] = (uint8_t)(total >> 8);
            mem[a->sig_off - 2] = (uint8_t)sig.len;
            mem[a->sig_off - 1] = (uint8_t)(sig.len >> 8);
            memset(mem + a->sig_off, 0xff, a->sig_len);
        }
        memcpy(mem + a->sig_off, sig.data, sig.len);
    }
    it_buf_free(&sig);
}
#endif

static unsigned long n_in, n_parse, n_hash, n_sig;

static void print_counts(void)
{
    fprintf(stderr, "fuzz_image: %lu inputs: %lu parse, %lu hash right, %lu verify with a dev key\n", n_in,
            n_parse, n_hash, n_sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (n_in++ == 0)
        atexit(print_counts);
    if (size < 1 || size > (1u << 20))
        return 0;
    uint8_t fixed_byte = data[0];
    bool fixed = fixed_byte & 1;
    data++;
    size--;
    uint32_t area = fixed ? 0x10000u : (uint32_t)((size + 4095u) & ~(size_t)4095u);
    if (area == 0)
        area = 4096;
    if (size > area)
        size = area;
    ramflash_t r; /* read-only: parsing and validating must never write */
    ramflash_init(&r, area, data, size, true, 1);
    const extxip_flash_area_t fa = r.fa;

    extxip_image_info_t a, b;
    int pa = extxip_image_parse(&fa, &a);
#ifdef FUZZ_IMAGE_RESIGN
    const bool fix = !(fixed_byte & 2); /* bit 1 set: as mutated (the hash-mismatch paths) */
#else
    const bool fix = fixed_byte & 2;
#endif
    if (fix && pa == IMAGE_OK) {
        rehash(r.mem, &a);
        pa = extxip_image_parse(&fa, &a);
#ifdef FUZZ_IMAGE_RESIGN
        if (pa == IMAGE_OK) {
            resign(r.mem, area, &a);
            pa = extxip_image_parse(&fa, &a);
        }
#endif
    }
    int va = extxip_image_validate(&fa, &image_dev_keyring, &b);
    int ha = extxip_image_validate(&fa, NULL, &b); /* hash only */
    if (getenv("FUZZ_IMAGE_DUMP") != NULL)
        fprintf(stderr, "fuzz_image: parse %d validate %d hash-only %d\n", pa, va, ha);
    n_parse += pa == IMAGE_OK;
    n_hash += ha == IMAGE_OK;
    n_sig += va == IMAGE_OK;
    FZ_ASSERT(pa <= 0 && pa >= IMAGE_ERR_CRYPTO, "unnamed parse error");
    FZ_ASSERT(va <= 0 && va >= IMAGE_ERR_CRYPTO, "unnamed validate error");
    FZ_ASSERT(ha <= 0 && ha >= IMAGE_ERR_CRYPTO, "unnamed validate error");
    FZ_ASSERT(extxip_image_strerror(pa) != NULL && extxip_image_strerror(va) != NULL, "no text");
    if (pa != IMAGE_OK) {
        FZ_ASSERT(va != IMAGE_OK && ha != IMAGE_OK, "validate accepted what parse refused");
    } else {
        FZ_ASSERT(a.tlv_end <= area, "tlv_end beyond the area");
        FZ_ASSERT(a.prot_off <= area && a.unprot_off <= area, "TLV area beyond the area");
        FZ_ASSERT((uint32_t)a.hdr.hdr_size + a.hdr.img_size <= area, "body beyond the area");
        FZ_ASSERT(a.dep_count <= IMAGE_MAX_DEPS, "too many deps reported");
        if (a.sig_type)
            FZ_ASSERT(a.sig_off <= area && a.sig_len <= area - a.sig_off, "signature beyond the area");
    }
    if (va == IMAGE_OK)
        FZ_ASSERT(ha == IMAGE_OK, "signature check passed but hash check failed");
    FZ_ASSERT(r.refused == 0, "parsing or validating wrote to the slot, or read outside it");
    ramflash_free(&r);
    return 0;
}
