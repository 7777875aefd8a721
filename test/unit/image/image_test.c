/*
 * lib/image against imgtool 2.4.0's own output (test/vectors/images/): every
 * signed vector validates and hashes to the digest `imgtool verify` printed;
 * each malformed or tampered image is refused with its own reason.
 * Run as `image_test <case>` (CTest registers one test per case) or with no
 * argument to run them all.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "image/image.h"
#include "keys_dev.h"
#include "ramslot.h"
#include "../testutil.h"

#define IMG "images/"
#define SLOT0 0xd4000u /* image 0 (internal) slot size, as signed */
#define SLOT1 0x40000u /* images 1 and 2 */

/* ---- helpers ---------------------------------------------------------- */

/* Validate `len` bytes of `img` placed in an erased RAM slot of slot_size. */
static int validate_buf(const uint8_t *img, size_t len, uint32_t slot_size,
                        const extxip_image_keyring_t *keys, extxip_image_info_t *info)
{
    ramslot_t s;
    extxip_image_info_t tmp;
    ramslot_init(&s, slot_size, img, len);
    int rc = extxip_image_validate(&s.fa, keys, info ? info : &tmp);
    ramslot_free(&s);
    return rc;
}

static int parse_buf(const uint8_t *img, size_t len, uint32_t slot_size, extxip_image_info_t *info)
{
    ramslot_t s;
    ramslot_init(&s, slot_size, img, len);
    int rc = extxip_image_parse(&s.fa, info);
    ramslot_free(&s);
    return rc;
}

/* The "Image digest:" that `imgtool verify` printed for vector `name`. */
static bool expected_digest(const char *name, uint8_t out[32])
{
    size_t n;
    const char *file = strstr(name, "rsa2048")   ? IMG "verify-rsa.txt"
                       : strstr(name, "ed25519") ? IMG "verify-ed25519.txt"
                                                 : IMG "verify-ec-p256.txt";
    char *txt = (char *)load_vector(file, &n);
    /* verify-ec-p256.txt has one "== name" entry per image, the others one image */
    bool ok = tu_imgtool_digest(txt, strstr(file, "ec-p256") ? name : NULL, out) == 0;
    free(txt);
    return ok;
}

/* Value after `field` (e.g. "img_size:") in the vector's dumpinfo. */
static bool dumpinfo_field(const char *name, const char *field, char *val, size_t vlen)
{
    char rel[256];
    size_t n;
    snprintf(rel, sizeof(rel), IMG "%.*s.dumpinfo.txt", (int)(strlen(name) - 4), name);
    char *txt = (char *)load_vector(rel, &n);
    const char *p = strstr(txt, field);
    bool ok = p && sscanf(p + strlen(field), " %63s", val) == 1 && vlen >= 64;
    free(txt);
    return ok;
}

struct vec {
    const char *name;
    uint32_t slot;
    uint8_t deps;        /* expected dependency count */
    uint8_t dep_id;
    extxip_image_version_t dep_ver;
};

static const struct vec signed_vectors[] = {
    {"img0-v1.0.0.signed.bin", SLOT0, 1, 2, {1, 0, 0, 0}},
    {"img0-v2.0.0.signed.bin", SLOT0, 1, 2, {2, 0, 0, 0}},
    {"img1-v1.0.0.signed.bin", SLOT1, 0, 0, {0, 0, 0, 0}},
    {"img1-v2.0.0.signed.bin", SLOT1, 0, 0, {0, 0, 0, 0}},
    {"img2-v1.0.0.signed.bin", SLOT1, 1, 0, {1, 0, 0, 0}},
    {"img2-v2.0.0.signed.bin", SLOT1, 1, 0, {2, 0, 0, 0}},
    {"img0-v1.0.0.rsa2048.signed.bin", SLOT0, 0, 0, {0, 0, 0, 0}},
    {"img0-v1.0.0.ed25519.signed.bin", SLOT0, 0, 0, {0, 0, 0, 0}},
    {"img1-v1.0.0.padded-confirmed.bin", SLOT1, 0, 0, {0, 0, 0, 0}},
    {"img1-v3.1.4+159.seccnt7.signed.bin", SLOT1, 0, 0, {0, 0, 0, 0}},
};

static uint8_t *load_img(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), IMG "%s", name);
    return load_vector(rel, len);
}

/* Build an image from parts: hdr (>= 0x200 bytes, its protect_tlv_size is
 * rewritten), body, an optional protected area holding `prot` TLV bytes, and
 * an unprotected area holding a freshly computed SHA-256 TLV followed by
 * `extra` TLV bytes. Returns the length written to out. */
static size_t build_image(uint8_t *out, const uint8_t *hdr, const uint8_t *body,
                          uint32_t body_len, const uint8_t *prot, uint16_t prot_len,
                          const uint8_t *extra, uint16_t extra_len)
{
    uint16_t hdr_size = rd16(hdr + 8);
    size_t o = 0;
    memcpy(out, hdr, hdr_size);
    wr16(out + 10, prot_len ? (uint16_t)(prot_len + 4) : 0);
    wr32(out + 12, body_len);
    o = hdr_size;
    memcpy(out + o, body, body_len);
    o += body_len;
    if (prot_len) {
        wr16(out + o, IMAGE_TLV_PROT_INFO_MAGIC);
        wr16(out + o + 2, (uint16_t)(prot_len + 4));
        memcpy(out + o + 4, prot, prot_len);
        o += 4u + prot_len;
    }
    uint8_t digest[32];
    extxip_crypto_sha256(out, o, digest);
    wr16(out + o, IMAGE_TLV_INFO_MAGIC);
    wr16(out + o + 2, (uint16_t)(4 + 36 + extra_len));
    wr16(out + o + 4, IMAGE_TLV_SHA256);
    wr16(out + o + 6, 32);
    memcpy(out + o + 8, digest, 32);
    if (extra_len)
        memcpy(out + o + 40, extra, extra_len);
    return o + 40 + extra_len;
}

/* ---- positive cases --------------------------------------------------- */

/* Built-in key bytes hash to what `imgtool getpubhash` / the KEYHASH TLVs say. */
static void t_keys(void)
{
    uint8_t h[32], want[32];
    size_t n;

    char *txt = (char *)load_vector(IMG "keys/mcuboot-dev-ec-p256.pubhash.txt", &n);
    size_t got = 0;
    for (const char *p = strstr(txt, "0x"); p && got < 32; p = strstr(p + 4, "0x"))
        want[got++] = (uint8_t)strtoul(p, NULL, 16);
    free(txt);
    CHECK_EQ(got, 32);
    extxip_crypto_sha256(image_dev_key_ec_p256.der, image_dev_key_ec_p256.len, h);
    CHECK_MEM(h, want, 32);

    /* The EC key bytes are exactly `imgtool getpub`'s C array. */
    txt = (char *)load_vector(IMG "keys/mcuboot-dev-ec-p256.pub.c", &n);
    uint8_t pub[128];
    got = 0;
    for (const char *p = strstr(txt, "0x"); p && got < sizeof(pub); p = strstr(p + 4, "0x"))
        pub[got++] = (uint8_t)strtoul(p, NULL, 16);
    free(txt);
    CHECK_EQ(got, image_dev_key_ec_p256.len);
    CHECK_MEM(pub, image_dev_key_ec_p256.der, image_dev_key_ec_p256.len);

    /* RSA and Ed25519: their KEYHASH TLVs in the vectors signed with them. */
    const struct { const char *img; const extxip_image_key_t *key; } kv[] = {
        {"img0-v1.0.0.rsa2048.signed.bin", &image_dev_key_rsa2048},
        {"img0-v1.0.0.ed25519.signed.bin", &image_dev_key_ed25519},
        {"img1-v1.0.0.signed.bin", &image_dev_key_ec_p256},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        uint8_t *img = load_img(kv[i].img, &n);
        long k = find_unprot_tlv(img, n, IMAGE_TLV_KEYHASH);
        CHECK(k > 0);
        extxip_crypto_sha256(kv[i].key->der, kv[i].key->len, h);
        if (k > 0)
            CHECK_MEM(h, img + k + 4, 32);
        free(img);
    }
    CHECK_EQ(image_dev_keyring.count, 3);
    CHECK(image_dev_keyring.keys[0].type == IMAGE_KEY_EC_P256);
}

/* Every signed vector validates with the dev keyring; hash == imgtool's digest;
 * header fields agree with dumpinfo; dependencies as signed. */
static void t_vectors(void)
{
    for (size_t i = 0; i < sizeof(signed_vectors) / sizeof(signed_vectors[0]); i++) {
        const struct vec *v = &signed_vectors[i];
        size_t n;
        uint8_t *img = load_img(v->name, &n);
        extxip_image_info_t info;
        int rc = validate_buf(img, n, v->slot, &image_dev_keyring, &info);
        if (rc)
            fprintf(stderr, "%s: %s\n", v->name, extxip_image_strerror(rc));
        CHECK_EQ(rc, IMAGE_OK);

        uint8_t want[32];
        CHECK(expected_digest(v->name, want));
        CHECK_MEM(info.hash, want, 32);

        char val[64];
        unsigned a, b, c, d;
        CHECK(dumpinfo_field(v->name, "img_size:", val, sizeof(val)));
        CHECK_EQ(strtoul(val, NULL, 16), info.hdr.img_size);
        CHECK(dumpinfo_field(v->name, "protected_tlv_size:", val, sizeof(val)));
        CHECK_EQ(strtoul(val, NULL, 16), info.hdr.protect_tlv_size);
        CHECK(dumpinfo_field(v->name, "version:", val, sizeof(val)));
        CHECK_EQ(sscanf(val, "%u.%u.%u+%u", &a, &b, &c, &d), 4);
        CHECK_EQ(info.hdr.ver.major, a);
        CHECK_EQ(info.hdr.ver.minor, b);
        CHECK_EQ(info.hdr.ver.revision, c);
        CHECK_EQ(info.hdr.ver.build_num, d);
        CHECK_EQ(info.hdr.hdr_size, 0x200);

        /* An unpadded image occupies exactly the file; a padded one less. */
        if (strstr(v->name, "padded"))
            CHECK(info.tlv_end < n);
        else
            CHECK_EQ(info.tlv_end, n);

        CHECK_EQ(info.dep_count, v->deps);
        if (v->deps) {
            CHECK_EQ(info.deps[0].image_id, v->dep_id);
            CHECK_EQ(extxip_image_version_cmp(&info.deps[0].min_ver, &v->dep_ver, true), 0);
        }
        bool seccnt = strstr(v->name, "seccnt7") != NULL;
        CHECK_EQ(info.has_sec_cnt, seccnt);
        if (seccnt)
            CHECK_EQ(info.sec_cnt, 7);
        free(img);
    }
}

/* The padded --confirm image: a full slot whose trailer bytes don't disturb
 * validation; same digest as the unpadded image 1 v1. */
static void t_padded(void)
{
    size_t n1, n2;
    uint8_t *pad = load_img("img1-v1.0.0.padded-confirmed.bin", &n1);
    uint8_t *raw = load_img("img1-v1.0.0.signed.bin", &n2);
    extxip_image_info_t a, b;
    CHECK_EQ(n1, SLOT1);
    CHECK_EQ(validate_buf(pad, n1, SLOT1, &image_dev_keyring, &a), IMAGE_OK);
    CHECK_EQ(validate_buf(raw, n2, SLOT1, &image_dev_keyring, &b), IMAGE_OK);
    CHECK_MEM(a.hash, b.hash, 32);
    /* ECDSA signatures are randomized, so the two files' DER signature (and
     * TLV area) lengths may differ; the padded one ends where its area says,
     * followed by erased bytes up to the trailer. */
    CHECK_EQ(a.tlv_end, a.unprot_off + rd16(pad + a.unprot_off + 2));
    CHECK(a.tlv_end <= n2 + 2 && a.tlv_end + 2 >= n2);
    CHECK(pad[a.tlv_end] == 0xff && pad[a.tlv_end + 100] == 0xff);
    CHECK_EQ(b.tlv_end, n2);
    free(pad);
    free(raw);
}

/* Dependencies as imgtool wrote them: img0 v1 -> (2, 1.0.0), img2 v2 -> (0, 2.0.0). */
static void t_deps(void)
{
    size_t n;
    extxip_image_info_t info;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    CHECK_EQ(parse_buf(img, n, SLOT0, &info), IMAGE_OK);
    CHECK_EQ(info.dep_count, 1);
    CHECK_EQ(info.deps[0].image_id, 2);
    CHECK_EQ(info.deps[0].min_ver.major, 1);
    CHECK_EQ(info.deps[0].min_ver.minor, 0);
    CHECK_EQ(info.deps[0].min_ver.revision, 0);
    CHECK_EQ(info.deps[0].min_ver.build_num, 0);
    free(img);

    img = load_img("img2-v2.0.0.signed.bin", &n);
    CHECK_EQ(parse_buf(img, n, SLOT1, &info), IMAGE_OK);
    CHECK_EQ(info.dep_count, 1);
    CHECK_EQ(info.deps[0].image_id, 0);
    CHECK_EQ(info.deps[0].min_ver.major, 2);
    CHECK_EQ(info.deps[0].min_ver.minor, 0);
    free(img);

    img = load_img("img1-v3.1.4+159.seccnt7.signed.bin", &n);
    CHECK_EQ(parse_buf(img, n, SLOT1, &info), IMAGE_OK);
    CHECK_EQ(info.dep_count, 0);
    CHECK(info.has_sec_cnt);
    CHECK_EQ(info.sec_cnt, 7);
    extxip_image_version_t want = {3, 1, 4, 159};
    CHECK_EQ(extxip_image_version_cmp(&info.hdr.ver, &want, true), 0);
    free(img);
}

/* Unsigned image: the hash alone passes; with a keyring there is no signature.
 * Its digest equals the RSA/Ed25519 images' (same header and body, no
 * protected TLVs) as imgtool printed it. */
static void t_unsigned(void)
{
    size_t n;
    extxip_image_info_t info;
    uint8_t *img = load_img("img0-v1.0.0.unsigned.bin", &n);
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, &info), IMAGE_OK);
    uint8_t want[32];
    CHECK(expected_digest("img0-v1.0.0.rsa2048.signed.bin", want));
    CHECK_MEM(info.hash, want, 32);
    CHECK_EQ(info.sig_type, 0);
    extxip_image_keyring_t empty = {image_dev_keyring.keys, 0};
    CHECK_EQ(validate_buf(img, n, SLOT0, &empty, &info), IMAGE_OK);
    CHECK_EQ(validate_buf(img, n, SLOT0, &image_dev_keyring, &info), IMAGE_ERR_NO_SIG);
    free(img);
}

static void t_version_cmp(void)
{
    extxip_image_version_t a = {1, 2, 3, 4}, b = {1, 2, 3, 5}, c = {1, 3, 0, 0}, d = {2, 0, 0, 0};
    extxip_image_version_t e = {1, 2, 300, 0};
    CHECK_EQ(extxip_image_version_cmp(&a, &a, true), 0);
    CHECK(extxip_image_version_cmp(&a, &b, true) < 0);
    CHECK(extxip_image_version_cmp(&b, &a, true) > 0);
    CHECK_EQ(extxip_image_version_cmp(&a, &b, false), 0); /* build ignored */
    CHECK(extxip_image_version_cmp(&a, &c, true) < 0);
    CHECK(extxip_image_version_cmp(&d, &c, false) > 0);
    CHECK(extxip_image_version_cmp(&e, &a, false) > 0); /* revision is 16-bit, not a byte */
}

static void t_strerror(void)
{
    CHECK(strcmp(extxip_image_strerror(IMAGE_OK), "ok") == 0);
    for (int e = IMAGE_ERR_IO; e >= IMAGE_ERR_WRONG_SLOT; e--) { /* the module's range */
        const char *s = extxip_image_strerror(e);
        CHECK(s != NULL && s[0] != 0);
        CHECK(strcmp(s, extxip_image_strerror(-1000)) != 0);
    }
}

static void t_header_decode(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    extxip_image_header_t h;
    CHECK_EQ(extxip_image_header_decode(img, n, &h), IMAGE_OK);
    CHECK_EQ(h.magic, IMAGE_MAGIC);
    CHECK_EQ(h.hdr_size, 0x200);
    CHECK_EQ(extxip_image_header_decode(img, 31, &h), IMAGE_ERR_HEADER);
    img[0] ^= 1;
    CHECK_EQ(extxip_image_header_decode(img, n, &h), IMAGE_ERR_MAGIC);
    free(img);
}

/* ---- refusals: one per reason ---------------------------------------- */

static void t_reject_body_byte(void)
{
    size_t n;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    img[0x200 + 1000] ^= 0x01;
    CHECK_EQ(validate_buf(img, n, SLOT0, &image_dev_keyring, NULL), IMAGE_ERR_HASH);
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_HASH);
    free(img);
}

/* A byte of the protected dependency TLV's value: still parses, but the hash
 * covers it. */
static void t_reject_prot_tlv_byte(void)
{
    size_t n;
    extxip_image_info_t info;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    uint32_t prot = 0x200 + rd32(img + 12);
    CHECK_EQ(rd16(img + prot), IMAGE_TLV_PROT_INFO_MAGIC);
    img[prot + 4 + 4 + 4] = 9; /* dependency min version major 1 -> 9 */
    CHECK_EQ(parse_buf(img, n, SLOT0, &info), IMAGE_OK);
    CHECK_EQ(info.deps[0].min_ver.major, 9);
    CHECK_EQ(validate_buf(img, n, SLOT0, &image_dev_keyring, NULL), IMAGE_ERR_HASH);
    free(img);
}

/* Header version bumped (hashed): HASH. SHA-256 TLV re-made to match: the
 * signature no longer matches: SIG. */
static void t_reject_signature(void)
{
    const char *names[] = {"img0-v1.0.0.signed.bin", "img0-v1.0.0.rsa2048.signed.bin",
                           "img0-v1.0.0.ed25519.signed.bin"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *img = load_img(names[i], &n);
        img[20] = 7; /* version major */
        CHECK_EQ(validate_buf(img, n, SLOT0, &image_dev_keyring, NULL), IMAGE_ERR_HASH);
        uint32_t hashed = 0x200 + rd32(img + 12) + rd16(img + 10);
        long t = find_unprot_tlv(img, n, IMAGE_TLV_SHA256);
        CHECK(t > 0);
        extxip_crypto_sha256(img, hashed, img + t + 4);
        CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_OK);
        CHECK_EQ(validate_buf(img, n, SLOT0, &image_dev_keyring, NULL), IMAGE_ERR_SIG);
        free(img);
    }
    /* A flipped bit inside the ECDSA signature value. */
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    long s = find_unprot_tlv(img, n, IMAGE_TLV_ECDSA_SIG);
    CHECK(s > 0);
    img[s + 4 + 10] ^= 0x80;
    CHECK_EQ(validate_buf(img, n, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_SIG);
    free(img);
}

/* `imgtool sign --pad-sig`: the ECDSA TLV is the DER SEQUENCE followed by
 * zeros up to 72 bytes. The TLV lies outside the hash, so padding the signed
 * vector in place gives the image imgtool would write: it must verify, and a
 * non-zero byte in the padding (or a SEQUENCE longer than the TLV) must not. */
static void t_pad_sig(void)
{
    size_t n;
    uint8_t *img = load_img("img2-v1.0.0.signed.bin", &n); /* a 71-byte signature */
    long s = find_unprot_tlv(img, n, IMAGE_TLV_ECDSA_SIG);
    CHECK(s > 0);
    uint16_t len = rd16(img + s + 2);
    CHECK(len < 72 && (size_t)s + 4 + len == n); /* the last TLV of the file */
    uint32_t info = rd16(img + 8) + rd32(img + 12) + rd16(img + 10);
    uint16_t pad = (uint16_t)(72 - len);
    uint8_t *p = calloc(1, n + pad);
    CHECK(p != NULL);
    memcpy(p, img, n);
    p[s + 2] = 72;
    p[s + 3] = 0;
    uint16_t total = (uint16_t)(rd16(p + info + 2) + pad);
    p[info + 2] = (uint8_t)total;
    p[info + 3] = (uint8_t)(total >> 8);
    CHECK_EQ(validate_buf(img, n, SLOT1, &image_dev_keyring, NULL), IMAGE_OK);
    CHECK_EQ(validate_buf(p, n + pad, SLOT1, &image_dev_keyring, NULL), IMAGE_OK);
    p[n + pad - 1] = 1;
    CHECK_EQ(validate_buf(p, n + pad, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_SIG);
    p[n + pad - 1] = 0;
    p[s + 4 + 1] = 71; /* SEQUENCE length past the TLV */
    CHECK_EQ(validate_buf(p, n + pad, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_SIG);
    free(p);
    free(img);
}

/* Keyrings without the signer's key. */
static void t_reject_wrong_key(void)
{
    size_t n;
    extxip_image_keyring_t rsa_only = {&image_dev_key_rsa2048, 1};
    extxip_image_keyring_t ec_only = {&image_dev_key_ec_p256, 1};
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    CHECK_EQ(validate_buf(img, n, SLOT0, &rsa_only, NULL), IMAGE_ERR_NO_KEY);
    CHECK_EQ(validate_buf(img, n, SLOT0, &ec_only, NULL), IMAGE_OK);
    free(img);
    img = load_img("img0-v1.0.0.ed25519.signed.bin", &n);
    CHECK_EQ(validate_buf(img, n, SLOT0, &ec_only, NULL), IMAGE_ERR_NO_KEY);
    free(img);
    /* A key whose hash matches but whose type differs from the signature's:
     * the EC image's KEYHASH names the EC key, labelled RSA here. */
    extxip_image_key_t mislabelled = image_dev_key_ec_p256;
    mislabelled.type = IMAGE_KEY_RSA2048;
    extxip_image_keyring_t mis = {&mislabelled, 1};
    img = load_img("img1-v1.0.0.signed.bin", &n);
    CHECK_EQ(validate_buf(img, n, SLOT1, &mis, NULL), IMAGE_ERR_NO_SIG);
    /* No KEYHASH TLV at all (its type renamed to an unknown one). */
    long k = find_unprot_tlv(img, n, IMAGE_TLV_KEYHASH);
    CHECK(k > 0);
    wr16(img + k, 0x7f);
    CHECK_EQ(validate_buf(img, n, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_NO_KEY);
    free(img);
}

/* The key types built (EXTXIP_IMAGE_KEY_TYPES): the RSA and Ed25519 vectors
 * verify with their keys in the default build; in a P-256-only build their
 * keys verify nothing (IMAGE_ERR_SIG) while P-256 images still verify. */
static void t_key_types(void)
{
    const struct { const char *img; const extxip_image_key_t *key; int bit; } kv[] = {
        {"img0-v1.0.0.signed.bin", &image_dev_key_ec_p256, IMAGE_KEY_BIT_EC_P256},
        {"img0-v1.0.0.rsa2048.signed.bin", &image_dev_key_rsa2048, IMAGE_KEY_BIT_RSA2048},
        {"img0-v1.0.0.ed25519.signed.bin", &image_dev_key_ed25519, IMAGE_KEY_BIT_ED25519},
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        size_t n;
        extxip_image_keyring_t one = {kv[i].key, 1};
        uint8_t *img = load_img(kv[i].img, &n);
        int want = (EXTXIP_IMAGE_KEY_TYPES & (unsigned)kv[i].bit) ? IMAGE_OK : IMAGE_ERR_SIG;
        CHECK_EQ(validate_buf(img, n, SLOT0, &one, NULL), want);
        free(img);
    }
}

/* TLV area cut short: the unprotected length no longer covers the last TLV,
 * and a slot that ends inside the TLV area. */
static void t_reject_tlv_truncated(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    uint32_t u = 0x200 + rd32(img + 12) + rd16(img + 10);
    CHECK_EQ(rd16(img + u), IMAGE_TLV_INFO_MAGIC);
    uint16_t len = rd16(img + u + 2);
    wr16(img + u + 2, (uint16_t)(len - 8));
    CHECK_EQ(validate_buf(img, n, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_TLV);
    wr16(img + u + 2, 2); /* shorter than its own info header */
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + u + 2, (uint16_t)(len + 2)); /* two stray (erased) bytes after the last TLV */
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + u + 2, len);
    /* The whole image in a slot that ends 10 bytes early. */
    CHECK_EQ(validate_buf(img, n - 10, (uint32_t)n - 10, NULL, NULL), IMAGE_ERR_TLV);
    /* The file truncated mid-signature in a big erased slot: 0xff TLV. */
    CHECK_EQ(validate_buf(img, n - 40, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_SIG);
    /* Same bytes, slot too small even for the unprotected info header. */
    CHECK_EQ(validate_buf(img, u + 2, u + 2, NULL, NULL), IMAGE_ERR_TLV);
    CHECK_EQ(validate_buf(img, n, (uint32_t)n, &image_dev_keyring, NULL), IMAGE_OK);
    free(img);
}

/* One TLV's length runs past the end of its area. */
static void t_reject_tlv_overrun(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    long k = find_unprot_tlv(img, n, IMAGE_TLV_KEYHASH);
    CHECK(k > 0);
    wr16(img + k + 2, 0x200);
    CHECK_EQ(validate_buf(img, n, SLOT1, &image_dev_keyring, NULL), IMAGE_ERR_TLV);
    wr16(img + k + 2, 0xffff);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV);
    free(img);
    /* Same in the protected area: dependency length past its area. */
    img = load_img("img0-v1.0.0.signed.bin", &n);
    uint32_t prot = 0x200 + rd32(img + 12);
    wr16(img + prot + 4 + 2, 0x20);
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    free(img);
}

/* Wrong lengths for fixed-size TLVs. */
static void t_reject_tlv_badlen(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    /* KEYHASH 32 -> 16 bytes, padding the rest with an unknown TLV so the
     * area still adds up: the short KEYHASH itself is refused. */
    long k = find_unprot_tlv(img, n, IMAGE_TLV_KEYHASH);
    wr16(img + k + 2, 12);
    wr16(img + k + 4 + 12, 0x7e);
    wr16(img + k + 4 + 14, 16);
    CHECK_EQ(parse_buf(img, n, SLOT1, &(extxip_image_info_t){0}), IMAGE_ERR_TLV);
    free(img);
}

/* Two SHA-256 TLVs (the KEYHASH relabelled as SHA-256). */
static void t_reject_dup_sha256(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    long k = find_unprot_tlv(img, n, IMAGE_TLV_KEYHASH);
    CHECK(k > 0);
    wr16(img + k, IMAGE_TLV_SHA256);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV_DUP);
    free(img);
    /* Also a second signature and a second security counter, built. */
    img = load_img("img1-v3.1.4+159.seccnt7.signed.bin", &n);
    uint32_t prot = 0x200 + rd32(img + 12);
    uint8_t tl[16];
    memcpy(tl, img + prot + 4, 8);
    memcpy(tl + 8, img + prot + 4, 8);
    uint8_t *out = malloc(n + 64);
    size_t m = build_image(out, img, img + 0x200, rd32(img + 12), tl, 16, NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT1, NULL, NULL), IMAGE_ERR_TLV_DUP);
    m = build_image(out, img, img + 0x200, rd32(img + 12), tl, 8, NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT1, NULL, NULL), IMAGE_OK);
    free(out);
    free(img);
    img = load_img("img1-v1.0.0.signed.bin", &n);
    wr16(img + k, IMAGE_TLV_ECDSA_SIG); /* KEYHASH -> a 32-byte "signature" */
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV_DUP);
    free(img);
}

/* hdr_size beyond the slot, and smaller than the header itself. */
static void t_reject_hdr_size(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    wr16(img + 8, 0xfff0);
    CHECK_EQ(validate_buf(img, n, 0x8000, NULL, NULL), IMAGE_ERR_HEADER);
    wr16(img + 8, 16);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_HEADER);
    free(img);
}

/* img_size beyond the slot; a size that would wrap a 32-bit sum. */
static void t_reject_img_size(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    wr32(img + 12, SLOT1);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_HEADER);
    wr32(img + 12, 0xfffffff0u); /* + 0x200 wraps in 32 bits */
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_HEADER);
    /* Body fits, protected size pushes past the slot. */
    wr32(img + 12, SLOT1 - 0x200 - 4);
    wr16(img + 10, 0x10);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_HEADER);
    free(img);
}

/* Erased slot (all 0xff) and a slot too small to hold a header. */
static void t_reject_erased(void)
{
    extxip_image_info_t info;
    CHECK_EQ(validate_buf(NULL, 0, SLOT1, &image_dev_keyring, &info), IMAGE_ERR_MAGIC);
    CHECK_EQ(parse_buf(NULL, 0, SLOT1, &info), IMAGE_ERR_MAGIC);
    CHECK_EQ(parse_buf(NULL, 0, 16, &info), IMAGE_ERR_HEADER);
}

/* A flash read that fails is reported as IO, not as a verdict on the image. */
static void t_reject_io(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    ramslot_t s;
    extxip_image_info_t info;
    ramslot_init(&s, SLOT1, img, n);
    s.fail_reads = 1;
    CHECK_EQ(extxip_image_validate(&s.fa, &image_dev_keyring, &info), IMAGE_ERR_IO);
    ramslot_free(&s);
    free(img);
}

/* CVE-2024-32883: a dependency moved from the protected to the unprotected
 * area (hash re-computed so the image is otherwise hash-valid) is refused. */
static void t_reject_unprotected_dep(void)
{
    size_t n;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    uint32_t body = rd32(img + 12);
    const uint8_t *dep = img + 0x200 + body + 4; /* the 16-byte DEPENDENCY TLV */
    CHECK_EQ(rd16(dep), IMAGE_TLV_DEPENDENCY);
    uint8_t *out = malloc(n + 64);
    extxip_image_info_t info;

    /* Control: the builder reproduces imgtool's hashed bytes exactly. */
    size_t m = build_image(out, img, img + 0x200, body, dep, 16, NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT0, NULL, &info), IMAGE_OK);
    long t = find_unprot_tlv(img, n, IMAGE_TLV_SHA256);
    CHECK_MEM(info.hash, img + t + 4, 32);
    CHECK_EQ(info.dep_count, 1);

    m = build_image(out, img, img + 0x200, body, NULL, 0, dep, 16);
    CHECK_EQ(rd16(out + 10), 0);
    CHECK_EQ(parse_buf(out, m, SLOT0, &info), IMAGE_ERR_UNPROTECTED);
    CHECK_EQ(validate_buf(out, m, SLOT0, NULL, NULL), IMAGE_ERR_UNPROTECTED);
    CHECK_EQ(validate_buf(out, m, SLOT0, &image_dev_keyring, NULL), IMAGE_ERR_UNPROTECTED);
    free(out);
    free(img);
}

/* Same for the security counter. */
static void t_reject_unprotected_seccnt(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v3.1.4+159.seccnt7.signed.bin", &n);
    uint32_t body = rd32(img + 12);
    const uint8_t *sc = img + 0x200 + body + 4;
    CHECK_EQ(rd16(sc), IMAGE_TLV_SEC_CNT);
    uint8_t *out = malloc(n + 64);
    size_t m = build_image(out, img, img + 0x200, body, NULL, 0, sc, 8);
    CHECK_EQ(validate_buf(out, m, SLOT1, NULL, NULL), IMAGE_ERR_UNPROTECTED);
    m = build_image(out, img, img + 0x200, body, NULL, 0, NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT1, NULL, NULL), IMAGE_OK);
    free(out);
    free(img);
}

/* Header protect_tlv_size disagreeing with the protected area. */
static void t_reject_prot_size(void)
{
    size_t n;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    CHECK_EQ(rd16(img + 10), 0x14);
    wr16(img + 10, 0x18); /* header says more than the area */
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + 10, 0x10); /* less */
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + 10, 0); /* none, yet a protected area follows the body */
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + 10, 2); /* smaller than an info header */
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + 10, 0x14);
    /* The area's own length disagreeing with the header. */
    uint32_t prot = 0x200 + rd32(img + 12);
    wr16(img + prot + 2, 0x18);
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    wr16(img + prot + 2, 0x14);
    wr16(img + prot, IMAGE_TLV_INFO_MAGIC); /* wrong magic for the protected area */
    CHECK_EQ(validate_buf(img, n, SLOT0, NULL, NULL), IMAGE_ERR_TLV);
    free(img);
    /* A header declaring a protected area the image doesn't have. */
    img = load_img("img1-v1.0.0.signed.bin", &n);
    wr16(img + 10, 0x10);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_TLV);
    free(img);
}

/* More dependencies than IMAGE_MAX_DEPS; exactly that many is fine. */
static void t_reject_too_many_deps(void)
{
    size_t n;
    uint8_t *img = load_img("img0-v1.0.0.signed.bin", &n);
    uint32_t body = rd32(img + 12);
    const uint8_t *dep = img + 0x200 + body + 4;
    uint8_t deps[16 * (IMAGE_MAX_DEPS + 1)];
    for (unsigned i = 0; i <= IMAGE_MAX_DEPS; i++) {
        memcpy(deps + 16 * i, dep, 16);
        deps[16 * i + 4] = (uint8_t)i; /* image id */
    }
    uint8_t *out = malloc(n + sizeof(deps) + 64);
    extxip_image_info_t info;
    size_t m = build_image(out, img, img + 0x200, body, deps, 16 * IMAGE_MAX_DEPS, NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT0, NULL, &info), IMAGE_OK);
    CHECK_EQ(info.dep_count, IMAGE_MAX_DEPS);
    CHECK_EQ(info.deps[IMAGE_MAX_DEPS - 1].image_id, IMAGE_MAX_DEPS - 1);
    m = build_image(out, img, img + 0x200, body, deps, sizeof(deps), NULL, 0);
    CHECK_EQ(validate_buf(out, m, SLOT0, NULL, NULL), IMAGE_ERR_TOO_MANY_DEPS);
    free(out);
    free(img);
}

/* No SHA-256 TLV at all (its type changed to an unknown one). */
static void t_reject_no_hash(void)
{
    size_t n;
    uint8_t *img = load_img("img1-v1.0.0.signed.bin", &n);
    long t = find_unprot_tlv(img, n, IMAGE_TLV_SHA256);
    CHECK(t > 0);
    wr16(img + t, 0x11);
    CHECK_EQ(validate_buf(img, n, SLOT1, NULL, NULL), IMAGE_ERR_NO_HASH);
    free(img);
}

/* ---- driver ------------------------------------------------------------ */

static const tu_case_t cases[] = {
    {"keys", t_keys},
    {"vectors", t_vectors},
    {"padded", t_padded},
    {"deps", t_deps},
    {"unsigned", t_unsigned},
    {"version_cmp", t_version_cmp},
    {"strerror", t_strerror},
    {"header_decode", t_header_decode},
    {"reject_body_byte", t_reject_body_byte},
    {"reject_prot_tlv_byte", t_reject_prot_tlv_byte},
    {"reject_signature", t_reject_signature},
    {"reject_wrong_key", t_reject_wrong_key},
    {"pad_sig", t_pad_sig},
    {"key_types", t_key_types},
    {"reject_tlv_truncated", t_reject_tlv_truncated},
    {"reject_tlv_overrun", t_reject_tlv_overrun},
    {"reject_tlv_badlen", t_reject_tlv_badlen},
    {"reject_dup_tlv", t_reject_dup_sha256},
    {"reject_hdr_size", t_reject_hdr_size},
    {"reject_img_size", t_reject_img_size},
    {"reject_erased", t_reject_erased},
    {"reject_io", t_reject_io},
    {"reject_unprotected_dep", t_reject_unprotected_dep},
    {"reject_unprotected_seccnt", t_reject_unprotected_seccnt},
    {"reject_prot_size", t_reject_prot_size},
    {"reject_too_many_deps", t_reject_too_many_deps},
    {"reject_no_hash", t_reject_no_hash},
};

int main(int argc, char **argv)
{
    return TU_RUN("image", cases, argc, argv);
}
