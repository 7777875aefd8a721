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

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_image: %s\n", why);                                              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct ram {
    uint8_t *mem;
    uint32_t size;
} ram_t;

static int ram_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    ram_t *r = ctx;
    if (off > r->size || len > r->size - off)
        abort(); /* flash_area promised never to ask this */
    memcpy(dst, r->mem + off, len);
    return 0;
}

static int ram_refuse(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    (void)ctx, (void)off, (void)src, (void)len;
    abort(); /* parsing and validating must never write */
}

static int ram_refuse_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx, (void)off, (void)len;
    abort();
}

static const extxip_flash_dev_ops_t ops = {ram_read, ram_refuse, ram_refuse_erase};

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
    ram_t r = {malloc(area), area};
    if (!r.mem)
        return 0;
    memset(r.mem, 0xff, area);
    memcpy(r.mem, data, size);
    extxip_flash_dev_t dev = {"fuzz", area, 4096, 4, 0xff, &ops, &r};
    extxip_flash_area_t fa = {1, "slot", &dev, 0, area};

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
    free(r.mem);
    return 0;
}
