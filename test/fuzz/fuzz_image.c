/*
 * libFuzzer harness: MCUboot image header/TLV parsing and full validation
 * (lib/image) over arbitrary slot contents. The input is the slot: it is put
 * at the start of a RAM flash area (rest erased) whose size is the input
 * rounded up to 4 KiB, or a fixed 64 KiB window when the first byte says so,
 * and read only through extxip_flash_area_read, as on the device.
 * Bit 1 of the first byte re-hashes the mutated image (see rehash()).
 * Checked: extxip_image_parse and extxip_image_validate agree (validate never accepts what
 * parse refuses); on success every offset they report lies inside the area;
 * the error is always one of the named IMAGE_ERR_* codes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
    if ((fixed_byte & 2) && pa == IMAGE_OK) {
        rehash(r.mem, &a);
        pa = extxip_image_parse(&fa, &a);
    }
    int va = extxip_image_validate(&fa, &image_dev_keyring, &b);
    int ha = extxip_image_validate(&fa, NULL, &b); /* hash only */
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
