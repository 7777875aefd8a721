/*
 * `verify`: imgtool's Image.verify algorithm (which differs from MCUboot's
 * boot-time validation: it does not look at KEYHASH, it tries every
 * signature TLV of the key's type). Every offset is checked against the file
 * where imgtool would raise a Python exception.
 */
#include "imgtool.h"

#include <string.h>

#include <mbedtls/sha512.h>

#define IMAGE_MAGIC 0x96f3b83du
#define TLV_INFO_MAGIC 0x6907u
#define TLV_PROT_INFO_MAGIC 0x6908u
#define TLV_SIG_PURE 0x25u
#define TLV_ED25519 0x24u

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }

const char *it_verify_message(int rc)
{
    switch (rc) {
    case IT_VERIFY_OK: return "Image was correctly validated";
    case IT_VERIFY_INVALID_MAGIC: return "Invalid image magic; is this an MCUboot image?";
    case IT_VERIFY_INVALID_TLV_INFO_MAGIC: return "Invalid TLV info magic; is this an MCUboot image?";
    case IT_VERIFY_INVALID_HASH: return "Image has an invalid hash";
    case IT_VERIFY_INVALID_SIGNATURE: return "No signature found for the given key";
    case IT_VERIFY_KEY_MISMATCH: return "Key type does not match TLV record";
    default: return "Image is malformed";
    }
}

/* imgtool's ALLOWED_KEY_SHA table, for our key types. */
static bool sha_allowed(const it_key_t *key, uint32_t tlv)
{
    if (!key)
        return true;
    if (tlv == 0x10)
        return true;
    if (tlv == 0x12)
        return it_key_type(key) == IT_KEY_ED25519 ||
               (it_key_type(key) == IT_KEY_EC_P256 && !it_key_is_private(key));
    return false;
}

static size_t digest_of(uint32_t tlv, const uint8_t *p, size_t n, uint8_t out[64])
{
    if (tlv == 0x10) {
        it_sha256(p, n, out);
        return 32;
    }
    mbedtls_sha512_ret(p, n, out, tlv == 0x11);
    return tlv == 0x11 ? 48 : 64;
}

int it_verify_image(const uint8_t *b, size_t len, const it_key_t *key, it_verify_result_t *r,
                    it_err_t *e)
{
    memset(r, 0, sizeof *r);
    if (len < 32) {
        it_errf(e, "file too short for an image header (%zu bytes)", len);
        return IT_VERIFY_MALFORMED;
    }
    if (rd32(b) != IMAGE_MAGIC)
        return IT_VERIFY_INVALID_MAGIC;
    uint64_t off = (uint64_t)rd16(b + 8) + rd32(b + 12);
    if (off + 4 > len) {
        it_errf(e, "header size + image size (0x%llx) runs past the end of the file (0x%zx)",
                (unsigned long long)off, len);
        return IT_VERIFY_MALFORMED;
    }
    uint32_t magic = rd16(b + off), tot = rd16(b + off + 2);
    if (magic == TLV_PROT_INFO_MAGIC) {
        off += tot;
        if (off + 4 > len) {
            it_errf(e, "protected TLV area (0x%x bytes) runs past the end of the file", tot);
            return IT_VERIFY_MALFORMED;
        }
        magic = rd16(b + off);
        tot = rd16(b + off + 2);
    }
    if (magic != TLV_INFO_MAGIC)
        return IT_VERIFY_INVALID_TLV_INFO_MAGIC;
    size_t hashed = (size_t)off; /* header + body + protected TLVs */
    uint64_t end = off + tot;
    if (end > len || tot < 4) {
        it_errf(e, "TLV area (0x%x bytes at 0x%llx) does not fit the file (0x%zx)", tot,
                (unsigned long long)off, len);
        return IT_VERIFY_MALFORMED;
    }
    /* Pass 1: bounds of every TLV, and whether a SIG_PURE marker exists. */
    bool pure = false;
    for (uint64_t p = off + 4; p < end;) {
        if (p + 4 > end || p + 4 + rd16(b + p + 2) > end) {
            it_errf(e, "TLV at 0x%llx overruns the TLV area", (unsigned long long)p);
            return IT_VERIFY_MALFORMED;
        }
        if (b[p] == TLV_SIG_PURE) /* imgtool reads the type as one byte */
            pure = true;
        p += 4 + rd16(b + p + 2);
    }
    r->ver.major = b[20];
    r->ver.minor = b[21];
    r->ver.revision = (uint16_t)rd16(b + 22);
    r->ver.build = rd32(b + 24);
    bool have_digest = false;
    for (uint64_t p = off + 4; p < end; p += 4 + rd16(b + p + 2)) {
        /* imgtool reads the type as one byte (BBH). */
        uint32_t type = b[p];
        size_t tl = rd16(b + p + 2);
        const uint8_t *val = b + p + 4;
        if (type == 0x10 || type == 0x11 || type == 0x12) {
            if (!sha_allowed(key, type))
                return IT_VERIFY_KEY_MISMATCH;
            r->digest_len = digest_of(type, b, hashed, r->digest);
            have_digest = true;
            if (tl != r->digest_len || memcmp(val, r->digest, tl) != 0)
                return IT_VERIFY_INVALID_HASH;
            if (!key)
                return IT_VERIFY_OK;
        } else if (!pure && key && type == it_key_sig_tlv(key)) {
            if (it_key_verify(key, b, hashed, have_digest ? r->digest : NULL,
                              have_digest ? r->digest_len : 0, val, tl) == 0) {
                if (!have_digest)
                    r->digest_len = 0;
                return IT_VERIFY_OK;
            }
        } else if (pure && key && type == TLV_ED25519 && it_key_type(key) == IT_KEY_ED25519) {
            if (it_key_verify_pure(key, b, hashed, val, tl) == 0) {
                r->digest_len = 0;
                r->pure_sig = val;
                r->pure_sig_len = tl;
                return IT_VERIFY_OK;
            }
        }
    }
    return IT_VERIFY_INVALID_SIGNATURE;
}
