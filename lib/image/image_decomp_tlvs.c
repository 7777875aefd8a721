/*
 * The part of the compressed-image checks that needs no decoder: the DECOMP_*
 * TLV walk and the precheck (image_decomp.h). Always built, so the host's
 * package reader (tools/dfupkg) judges a compressed image's TLVs with the
 * device's own rules in every build; the decoder (image_decomp.c) comes with
 * EXTXIP_BOOT_COMPRESSION only.
 */
#include "image/image_decomp.h"

#include <stdbool.h>
#include <string.h>

#include "crypto/crypto.h"
#include "flash/flash_area.h"

#define COMPRESSION_FLAGS \
    (IMAGE_F_COMPRESSED_LZMA1 | IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT)

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) { return get16(p) | ((uint32_t)get16(p + 2) << 16); }
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

bool extxip_image_is_decomp_tlv(uint16_t t)
{
    return t == IMAGE_TLV_DECOMP_SIZE || t == IMAGE_TLV_DECOMP_SHA ||
           t == IMAGE_TLV_DECOMP_SIGNATURE || t == IMAGE_TLV_COMP_DEC_SIZE;
}

int extxip_image_is_compressed(uint32_t flags) { return (flags & COMPRESSION_FLAGS) != 0; }

/* Walk the protected area: pick DECOMP_* and size the plain protected area;
 * with sha, hash the plain protected area (info header + other entries). */
int extxip_image_decomp_walk_prot(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                  extxip_image_decomp_info_t *out, extxip_crypto_sha256_t *sha)
{
    uint32_t start = info->prot_off, size = info->hdr.protect_tlv_size;
    if (size < 4 || start > fa->size || size > fa->size - start)
        return IMAGE_ERR_DECOMP_TLVS;
    uint32_t end = start + size, plain = size;
    int seen = 0;
    if (sha) {
        uint8_t h[4];
        put16(h, IMAGE_TLV_PROT_INFO_MAGIC);
        put16(h + 2, out->plain_prot_size);
        if (extxip_crypto_sha256_update(sha, h, 4) != CRYPTO_OK)
            return IMAGE_ERR_CRYPTO;
    }
    for (uint32_t p = start + 4; p < end;) {
        uint8_t h[4];
        if (end - p < 4 || extxip_flash_area_read(fa, p, h, 4) != 0)
            return end - p < 4 ? IMAGE_ERR_TLV : IMAGE_ERR_IO;
        uint16_t type = get16(h), len = get16(h + 2);
        if (len > end - p - 4)
            return IMAGE_ERR_TLV;
        uint32_t v = p + 4;
        if (extxip_image_is_decomp_tlv(type)) {
            plain -= 4u + len;
            if (!sha && type == IMAGE_TLV_DECOMP_SIZE) {
                uint8_t b[4];
                if ((seen & 1) || len != 4)
                    return IMAGE_ERR_DECOMP_TLVS;
                if (extxip_flash_area_read(fa, v, b, 4) != 0)
                    return IMAGE_ERR_IO;
                out->decomp_size = get32(b);
                seen |= 1;
            } else if (!sha && type == IMAGE_TLV_DECOMP_SHA) {
                if ((seen & 2) || len != IMAGE_HASH_SIZE)
                    return IMAGE_ERR_DECOMP_TLVS;
                if (extxip_flash_area_read(fa, v, out->decomp_sha, IMAGE_HASH_SIZE) != 0)
                    return IMAGE_ERR_IO;
                seen |= 2;
            } else if (!sha && type == IMAGE_TLV_DECOMP_SIGNATURE) {
                if (seen & 4)
                    return IMAGE_ERR_DECOMP_TLVS;
                out->dsig_off = v;
                out->dsig_len = len;
                seen |= 4;
            }
        } else if (sha) {
            uint8_t buf[64];
            if (extxip_crypto_sha256_update(sha, h, 4) != CRYPTO_OK)
                return IMAGE_ERR_CRYPTO;
            for (uint32_t o = 0; o < len;) {
                uint32_t n = len - o < sizeof buf ? len - o : (uint32_t)sizeof buf;
                if (extxip_flash_area_read(fa, v + o, buf, n) != 0)
                    return IMAGE_ERR_IO;
                if (extxip_crypto_sha256_update(sha, buf, n) != CRYPTO_OK)
                    return IMAGE_ERR_CRYPTO;
                o += n;
            }
        }
        p = v + len;
    }
    if (!sha) {
        if ((seen & 3) != 3)
            return IMAGE_ERR_DECOMP_TLVS;
        out->plain_prot_size = (uint16_t)(plain == 4 ? 0 : plain);
    }
    return IMAGE_OK;
}

int extxip_image_decomp_precheck(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                 uint32_t primary_size, extxip_image_decomp_info_t *out)
{
    memset(out, 0, sizeof *out);
    uint32_t f = info->hdr.flags;
    if ((f & IMAGE_F_COMPRESSED_LZMA1) || !(f & IMAGE_F_COMPRESSED_LZMA2))
        return IMAGE_ERR_DECOMP_FLAGS;
    int rc = extxip_image_decomp_walk_prot(fa, info, out, NULL);
    if (rc)
        return rc;
    /* MCUboot: header + decompressed body + protected area below the slot size */
    uint64_t need = (uint64_t)info->hdr.hdr_size + out->decomp_size + out->plain_prot_size;
    if (need >= primary_size)
        return IMAGE_ERR_DECOMP_TOO_BIG;
    return IMAGE_OK;
}

