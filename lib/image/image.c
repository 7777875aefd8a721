/*
 * MCUboot image parse and validate. Flash is read through small stack
 * buffers; every size that comes from the image is checked against the area
 * (in 64-bit arithmetic, so no sum can wrap) before anything is read through it.
 */
#include "image/image.h"

#include <string.h>

#include "crypto/crypto.h"

/* Hash read chunk: bounds the stack use of extxip_image_validate. */
#define IMAGE_READ_CHUNK 512u
#define TLV_INFO_SIZE 4u
#define TLV_HDR_SIZE 4u
#define DEP_TLV_LEN 12u
#define SEC_CNT_TLV_LEN 4u
/* Signature value sizes: a DER ECDSA P-256 signature is at most 72 bytes
 * (two 33-byte INTEGERs + headers); RSA-2048 is the modulus size. */
#define ECDSA_SIG_MIN 8u
#define ECDSA_SIG_MAX 72u
#define RSA2048_SIG_LEN 256u
#define ED25519_SIG_LEN 64u
/* The largest signature a built key type verifies (the buffer on the stack). */
#if (EXTXIP_IMAGE_KEY_TYPES) & IMAGE_KEY_BIT_RSA2048
#define SIG_MAX RSA2048_SIG_LEN
#else
#define SIG_MAX ECDSA_SIG_MAX
#endif

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void get_version(const uint8_t *p, extxip_image_version_t *v)
{
    v->major = p[0];
    v->minor = p[1];
    v->revision = get16(p + 2);
    v->build_num = get32(p + 4);
}

int extxip_image_header_decode(const uint8_t *buf, size_t len, extxip_image_header_t *out)
{
    if (buf == NULL || out == NULL || len < IMAGE_HEADER_SIZE)
        return IMAGE_ERR_HEADER;
    out->magic = get32(buf);
    out->load_addr = get32(buf + 4);
    out->hdr_size = get16(buf + 8);
    out->protect_tlv_size = get16(buf + 10);
    out->img_size = get32(buf + 12);
    out->flags = get32(buf + 16);
    get_version(buf + 20, &out->ver);
    return out->magic == IMAGE_MAGIC ? IMAGE_OK : IMAGE_ERR_MAGIC;
}

static int read_fa(const extxip_flash_area_t *fa, uint32_t off, void *dst, uint32_t len)
{
    return extxip_flash_area_read(fa, off, dst, len) == 0 ? IMAGE_OK : IMAGE_ERR_IO;
}

static bool is_sig_type(uint16_t type)
{
    return type == IMAGE_TLV_ECDSA_SIG || type == IMAGE_TLV_RSA2048_PSS ||
           type == IMAGE_TLV_ED25519;
}

/* `imgtool sign --pad-sig` (for MCUboot before 1.5, which expected 72 bytes)
 * appends zeros after the DER SEQUENCE{r, s}; MCUboot's own decoder reads the
 * SEQUENCE and ignores what follows, while a strict DER parser (mbedTLS,
 * BearSSL) refuses the trailing bytes. Keep the SEQUENCE (short-form length:
 * a P-256 signature's body is at most 70 bytes) and accept only zeros after
 * it, so a padded image verifies on every backend and nothing else can hide
 * in the TLV. */
static int ecdsa_der_len(const uint8_t *sig, uint16_t len, uint16_t *der_len)
{
    if (len < 2 || sig[0] != 0x30 || sig[1] >= 0x80 || (uint16_t)(sig[1] + 2u) > len)
        return IMAGE_ERR_SIG;
    uint16_t n = (uint16_t)(sig[1] + 2u);
    for (uint16_t i = n; i < len; i++)
        if (sig[i] != 0)
            return IMAGE_ERR_SIG;
    *der_len = n;
    return IMAGE_OK;
}

static bool sig_len_ok(uint16_t type, uint16_t len)
{
    switch (type) {
    case IMAGE_TLV_ECDSA_SIG: return len >= ECDSA_SIG_MIN && len <= ECDSA_SIG_MAX;
    case IMAGE_TLV_RSA2048_PSS: return len == RSA2048_SIG_LEN;
    case IMAGE_TLV_ED25519: return len == ED25519_SIG_LEN;
    default: return false;
    }
}

/* Read and check a TLV info header at `off`: magic must be `magic`, its total
 * length must be at least the header and must fit the area. */
static int read_info(const extxip_flash_area_t *fa, uint32_t off, uint16_t magic, uint32_t *len)
{
    uint8_t b[TLV_INFO_SIZE];
    if ((uint64_t)off + TLV_INFO_SIZE > fa->size)
        return IMAGE_ERR_TLV;
    int rc = read_fa(fa, off, b, sizeof(b));
    if (rc)
        return rc;
    if (get16(b) != magic)
        return IMAGE_ERR_TLV;
    *len = get16(b + 2);
    if (*len < TLV_INFO_SIZE || (uint64_t)off + *len > fa->size)
        return IMAGE_ERR_TLV;
    return IMAGE_OK;
}

/* Walk the TLVs of one area [start, end) (already known to lie in the slot),
 * filling `out`. `prot` says whether this is the protected area: dependency
 * and security counter count only there (CVE-2024-32883). Tracks which
 * single-instance TLVs were seen across both areas in *seen. */
enum { SEEN_HASH = 1, SEEN_KEYHASH = 2, SEEN_SEC_CNT = 4, SEEN_SIG = 8 };

static int walk_area(const extxip_flash_area_t *fa, uint32_t start, uint32_t end, bool prot,
                     extxip_image_info_t *out, unsigned *seen)
{
    uint32_t off = start;
    while (off < end) {
        uint8_t th[TLV_HDR_SIZE];
        if ((uint64_t)off + TLV_HDR_SIZE > end)
            return IMAGE_ERR_TLV; /* stray bytes too short for a TLV header */
        int rc = read_fa(fa, off, th, sizeof(th));
        if (rc)
            return rc;
        uint16_t type = get16(th);
        uint16_t len = get16(th + 2);
        uint32_t val = off + TLV_HDR_SIZE;
        if ((uint64_t)val + len > end)
            return IMAGE_ERR_TLV; /* value runs past the area */

        if (type == IMAGE_TLV_SHA256 || type == IMAGE_TLV_KEYHASH) {
            unsigned bit = type == IMAGE_TLV_SHA256 ? SEEN_HASH : SEEN_KEYHASH;
            if (*seen & bit)
                return IMAGE_ERR_TLV_DUP;
            if (len != IMAGE_HASH_SIZE)
                return IMAGE_ERR_TLV;
            *seen |= bit;
            rc = read_fa(fa, val, type == IMAGE_TLV_SHA256 ? out->hash : out->keyhash, len);
            if (rc)
                return rc;
            if (type == IMAGE_TLV_KEYHASH)
                out->has_keyhash = true;
        } else if (is_sig_type(type)) {
            if (*seen & SEEN_SIG)
                return IMAGE_ERR_TLV_DUP;
            if (!sig_len_ok(type, len))
                return IMAGE_ERR_TLV;
            *seen |= SEEN_SIG;
            out->sig_type = type;
            out->sig_len = len;
            out->sig_off = val;
        } else if (type == IMAGE_TLV_DEPENDENCY || type == IMAGE_TLV_SEC_CNT) {
            /* Outside the hash, anyone could add or edit these. */
            if (!prot)
                return IMAGE_ERR_UNPROTECTED;
            if (type == IMAGE_TLV_SEC_CNT) {
                uint8_t v[SEC_CNT_TLV_LEN];
                if (*seen & SEEN_SEC_CNT)
                    return IMAGE_ERR_TLV_DUP;
                if (len != SEC_CNT_TLV_LEN)
                    return IMAGE_ERR_TLV;
                *seen |= SEEN_SEC_CNT;
                if ((rc = read_fa(fa, val, v, sizeof(v))) != 0)
                    return rc;
                out->has_sec_cnt = true;
                out->sec_cnt = get32(v);
            } else {
                uint8_t v[DEP_TLV_LEN];
                if (len != DEP_TLV_LEN)
                    return IMAGE_ERR_TLV;
                if (out->dep_count >= IMAGE_MAX_DEPS)
                    return IMAGE_ERR_TOO_MANY_DEPS;
                if ((rc = read_fa(fa, val, v, sizeof(v))) != 0)
                    return rc;
                extxip_image_dep_t *d = &out->deps[out->dep_count++];
                d->image_id = v[0]; /* v[1..3]: padding */
                get_version(v + 4, &d->min_ver);
            }
        }
        /* Other types (encryption keys, boot record, ...) are skipped. */
        off = val + len;
    }
    return IMAGE_OK;
}

int extxip_image_parse(const extxip_flash_area_t *fa, extxip_image_info_t *out)
{
    uint8_t hb[IMAGE_HEADER_SIZE];
    if (fa == NULL || out == NULL)
        return IMAGE_ERR_HEADER;
    memset(out, 0, sizeof(*out));
    if (fa->size < IMAGE_HEADER_SIZE)
        return IMAGE_ERR_HEADER;
    int rc = read_fa(fa, 0, hb, sizeof(hb));
    if (rc)
        return rc;
    rc = extxip_image_header_decode(hb, sizeof(hb), &out->hdr);
    if (rc)
        return rc;

    const extxip_image_header_t *h = &out->hdr;
    /* Sizes straight from flash: 64-bit sums cannot wrap. */
    if (h->hdr_size < IMAGE_HEADER_SIZE || h->hdr_size > fa->size)
        return IMAGE_ERR_HEADER;
    uint64_t body_end = (uint64_t)h->hdr_size + h->img_size;
    if (body_end > fa->size)
        return IMAGE_ERR_HEADER;
    uint64_t prot_end = body_end + h->protect_tlv_size;
    if (prot_end > fa->size)
        return IMAGE_ERR_HEADER;
    out->prot_off = (uint32_t)body_end;
    out->unprot_off = (uint32_t)prot_end;

    unsigned seen = 0;
    uint32_t len;
    if (h->protect_tlv_size != 0) {
        /* The header's size and the area's own length must agree exactly, or
         * the hashed region and the walked region would differ. */
        rc = read_info(fa, out->prot_off, IMAGE_TLV_PROT_INFO_MAGIC, &len);
        if (rc)
            return rc;
        if (len != h->protect_tlv_size)
            return IMAGE_ERR_TLV;
        rc = walk_area(fa, out->prot_off + TLV_INFO_SIZE, out->unprot_off, true, out, &seen);
        if (rc)
            return rc;
    }
    /* Whatever follows must be the unprotected area (a protected area the
     * header doesn't declare fails here on its 0x6908 magic). */
    rc = read_info(fa, out->unprot_off, IMAGE_TLV_INFO_MAGIC, &len);
    if (rc)
        return rc;
    rc = walk_area(fa, out->unprot_off + TLV_INFO_SIZE, out->unprot_off + len, false, out,
                   &seen);
    if (rc)
        return rc;
    out->tlv_end = out->unprot_off + len;
    if (!(seen & SEEN_HASH))
        return IMAGE_ERR_NO_HASH;
    return IMAGE_OK;
}

/* SHA-256 over [0, end) of the area: header, body and protected TLVs. */
static int hash_region(const extxip_flash_area_t *fa, uint32_t end, uint8_t digest[IMAGE_HASH_SIZE])
{
    uint8_t buf[IMAGE_READ_CHUNK];
    extxip_crypto_sha256_t sha;
    if (extxip_crypto_sha256_init(&sha) != CRYPTO_OK)
        return IMAGE_ERR_IO;
    int rc = IMAGE_OK;
    for (uint32_t off = 0; off < end && rc == IMAGE_OK;) {
        uint32_t n = end - off < sizeof(buf) ? end - off : (uint32_t)sizeof(buf);
        rc = read_fa(fa, off, buf, n);
        if (rc == IMAGE_OK && extxip_crypto_sha256_update(&sha, buf, n) != CRYPTO_OK)
            rc = IMAGE_ERR_IO;
        off += n;
    }
    if (extxip_crypto_sha256_finish(&sha, digest) != CRYPTO_OK && rc == IMAGE_OK)
        rc = IMAGE_ERR_IO;
    return rc;
}

static uint16_t sig_type_for(extxip_image_key_type_t t)
{
    switch (t) {
    case IMAGE_KEY_EC_P256: return IMAGE_TLV_ECDSA_SIG;
    case IMAGE_KEY_RSA2048: return IMAGE_TLV_RSA2048_PSS;
    case IMAGE_KEY_ED25519: return IMAGE_TLV_ED25519;
    }
    return 0;
}

/* Differences accumulated over all bytes: no early exit on the first one. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

int extxip_image_validate(const extxip_flash_area_t *fa, const extxip_image_keyring_t *keys, extxip_image_info_t *out)
{
    int rc = extxip_image_parse(fa, out);
    if (rc)
        return rc;

    uint8_t digest[IMAGE_HASH_SIZE];
    rc = hash_region(fa, out->unprot_off, digest);
    if (rc)
        return rc;
    if (!same_bytes(digest, out->hash, IMAGE_HASH_SIZE))
        return IMAGE_ERR_HASH;
    if (keys == NULL || keys->count == 0 || keys->keys == NULL)
        return IMAGE_OK;
    return extxip_image_verify_sig(fa, keys, out, out->sig_off, out->sig_len, digest);
}

int extxip_image_verify_sig(const extxip_flash_area_t *fa, const extxip_image_keyring_t *keys,
                            const extxip_image_info_t *info, uint32_t sig_off, uint16_t sig_len,
                            const uint8_t digest[IMAGE_HASH_SIZE])
{
    if (keys == NULL || keys->count == 0 || keys->keys == NULL)
        return IMAGE_ERR_NO_KEY;
    if (info->sig_type == 0)
        return IMAGE_ERR_NO_SIG;
    if (!info->has_keyhash)
        return IMAGE_ERR_NO_KEY;
    const extxip_image_key_t *key = NULL;
    for (size_t i = 0; i < keys->count && key == NULL; i++) {
        uint8_t kh[IMAGE_HASH_SIZE];
        const extxip_image_key_t *k = &keys->keys[i];
        if (k->der == NULL || extxip_crypto_sha256(k->der, k->len, kh) != CRYPTO_OK)
            continue;
        if (same_bytes(kh, info->keyhash, IMAGE_HASH_SIZE))
            key = k;
    }
    if (key == NULL)
        return IMAGE_ERR_NO_KEY;
    if (info->sig_type != sig_type_for(key->type))
        return IMAGE_ERR_NO_SIG;
    if (key->type > IMAGE_KEY_ED25519 || !IMAGE_KEY_TYPE_BUILT(key->type))
        return IMAGE_ERR_SIG; /* no verify of this type in this build */

    uint8_t sig[SIG_MAX];
    if (sig_len > sizeof(sig) || !sig_len_ok(info->sig_type, sig_len))
        return IMAGE_ERR_TLV;
    int rc = read_fa(fa, sig_off, sig, sig_len);
    if (rc)
        return rc;
    if (info->sig_type == IMAGE_TLV_ECDSA_SIG) {
        rc = ecdsa_der_len(sig, sig_len, &sig_len);
        if (rc)
            return rc;
    }
    rc = CRYPTO_ERR_KEY;
#if (EXTXIP_IMAGE_KEY_TYPES) == IMAGE_KEY_BIT_EC_P256
    /* P-256 only: one direct call, no dispatch. */
    rc = extxip_crypto_ecdsa_p256_verify(key->der, key->len, digest, sig, sig_len);
#else
    switch (key->type) {
    case IMAGE_KEY_EC_P256:
        if (IMAGE_KEY_TYPE_BUILT(IMAGE_KEY_EC_P256))
            rc = extxip_crypto_ecdsa_p256_verify(key->der, key->len, digest, sig, sig_len);
        break;
    case IMAGE_KEY_RSA2048:
        if (IMAGE_KEY_TYPE_BUILT(IMAGE_KEY_RSA2048))
            rc = extxip_crypto_rsa2048_pss_verify(key->der, key->len, digest, sig, sig_len);
        break;
    case IMAGE_KEY_ED25519:
        /* MCUboot (imgtool 2.4.0) signs the 32-byte image hash with Ed25519,
         * not the image itself (bootutil image_ed25519.c). */
        if (IMAGE_KEY_TYPE_BUILT(IMAGE_KEY_ED25519))
            rc = extxip_crypto_ed25519_verify(key->der, key->len, digest, IMAGE_HASH_SIZE, sig,
                                              sig_len);
        break;
    }
#endif
    if (rc == CRYPTO_ERR_INTERNAL)
        return IMAGE_ERR_CRYPTO;
    return rc == CRYPTO_OK ? IMAGE_OK : IMAGE_ERR_SIG;
}

int extxip_image_check_flags(uint32_t flags)
{
    if (extxip_image_flags_unsupported(flags) != 0)
        return IMAGE_ERR_FLAGS;
    if (flags & IMAGE_F_NON_BOOTABLE)
        return IMAGE_ERR_NON_BOOTABLE;
    return IMAGE_OK;
}

int extxip_image_version_cmp(const extxip_image_version_t *a, const extxip_image_version_t *b, bool with_build)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->revision != b->revision)
        return a->revision < b->revision ? -1 : 1;
    if (with_build && a->build_num != b->build_num)
        return a->build_num < b->build_num ? -1 : 1;
    return 0;
}

