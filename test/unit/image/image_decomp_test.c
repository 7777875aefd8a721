/*
 * lib/image/image_decomp.c (EXTXIP_BOOT_COMPRESSION) against imgtool 2.4.0's
 * compressed images (test/vectors/images/compressed/): each inflates to its
 * raw input, hashes to DECOMP_SHA (= the plain image's hash) and its
 * DECOMP_SIGNATURE verifies; each damaged stream or TLV is refused with its
 * own reason. The outer hash is the caller's check (extxip_image_validate),
 * so the damage here is made after it, in RAM. `image_decomp_test <case>`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/image_decomp.h"
#include "keys_dev.h"
#include "ramslot.h"
#include "../testutil.h"

#define CIMG "images/compressed/"
#define SLOT0 0xd4000u
#define SLOT1 0x40000u

typedef struct sinkbuf {
    uint8_t *p;
    uint32_t cap, len;
    bool gap;
} sinkbuf_t;

static int sink(void *ctx, uint32_t off, const uint8_t *d, uint32_t n)
{
    sinkbuf_t *s = ctx;
    if (off != s->len || n > s->cap - s->len) {
        s->gap = true;
        return -1;
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
    return 0;
}

/* Decompress len bytes of img from a RAM slot; the body lands in sb. */
static int run(const uint8_t *img, size_t len, uint32_t slot, uint32_t primary,
               const extxip_image_keyring_t *keys, sinkbuf_t *sb, extxip_image_decomp_info_t *d)
{
    ramslot_t s;
    ramslot_init(&s, slot, img, len);
    extxip_image_info_t info;
    int rc = extxip_image_parse(&s.fa, &info);
    extxip_image_decomp_info_t tmp;
    if (rc == IMAGE_OK)
        rc = extxip_image_decomp(&s.fa, &info, primary, keys, sb ? sink : NULL, sb, d ? d : &tmp);
    ramslot_free(&s);
    return rc;
}

static uint8_t *load(const char *name, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof rel, CIMG "%s", name);
    return load_vector(rel, n);
}

/* Offset of the value of protected TLV `type` (0: none). */
static size_t prot_tlv(const uint8_t *img, uint16_t type, uint16_t *len)
{
    size_t p = rd16(img + 8) + rd32(img + 12), end = p + rd16(img + 10);
    for (p += 4; p + 4 <= end; p += 4 + rd16(img + p + 2))
        if (rd16(img + p) == type) {
            if (len)
                *len = rd16(img + p + 2);
            return p + 4;
        }
    return 0;
}

/* The image with its compressed body resized to body_len (cut, or padded
 * with pad bytes), header and TLV areas kept. *n in/out. */
static uint8_t *resize_body(const uint8_t *img, size_t *n, uint32_t body_len, uint8_t pad)
{
    uint32_t hs = rd16(img + 8), old = rd32(img + 12);
    size_t tail = *n - hs - old;
    uint8_t *o = malloc(hs + body_len + tail);
    memcpy(o, img, hs);
    uint32_t keep = body_len < old ? body_len : old;
    memcpy(o + hs, img + hs, keep);
    memset(o + hs + keep, pad, body_len - keep);
    memcpy(o + hs + body_len, img + hs + old, tail);
    wr32(o + 12, body_len);
    *n = hs + body_len + tail;
    return o;
}

static const struct {
    const char *img, *raw, *plain;
    uint32_t slot;
} VEC[] = {
    {"img0-v2.0.0.lzma2armthumb.ed25519.bin", "app-internal-thumb.raw", "img0-v2.0.0.plain.ed25519.bin", SLOT0},
    {"img0-v2.0.0.lzma2.ed25519.bin", "app-internal-thumb.raw", "img0-v2.0.0.plain.ed25519.bin", SLOT0},
    {"img2-v2.0.0.lzma2armthumb.ed25519.bin", "app-qspi-thumb.raw", NULL, SLOT1},
    {"img0-v2.0.0.lzma2armthumb.signed.bin", "app-internal-thumb.raw", NULL, SLOT0},
    {"img1-v2.0.0.lzma2armthumb.signed.bin", "netcore-thumb.raw", NULL, SLOT1},
    {"img2-v2.0.0.lzma2armthumb.signed.bin", "app-qspi-thumb.raw", NULL, SLOT1},
};

static void t_vectors(void)
{
    for (size_t i = 0; i < sizeof VEC / sizeof VEC[0]; i++) {
        size_t n, rn;
        uint8_t *img = load(VEC[i].img, &n), *raw = load(VEC[i].raw, &rn);
        sinkbuf_t sb = {calloc(1, rn), (uint32_t)rn, 0, false};
        extxip_image_decomp_info_t d;
        int rc = run(img, n, VEC[i].slot, VEC[i].slot, &image_dev_keyring, &sb, &d);
        if (rc)
            fprintf(stderr, "%s: rc %d\n", VEC[i].img, rc);
        CHECK_EQ(rc, IMAGE_OK);
        CHECK_EQ(sb.len, rn);
        CHECK(!sb.gap && memcmp(sb.p, raw, rn) == 0);
        CHECK_EQ(d.decomp_size, rn);
        CHECK(memcmp(d.hash, d.decomp_sha, 32) == 0);
        if (VEC[i].plain) {
            /* the hash is the plain image's own SHA-256 TLV (imgtool signed it first) */
            size_t pn;
            uint8_t *pl = load(VEC[i].plain, &pn);
            ramslot_t s;
            ramslot_init(&s, VEC[i].slot, pl, pn);
            extxip_image_info_t pi;
            CHECK_EQ(extxip_image_validate(&s.fa, &image_dev_keyring, &pi), IMAGE_OK);
            CHECK(memcmp(pi.hash, d.hash, 32) == 0);
            CHECK_EQ(d.plain_prot_size, pi.hdr.protect_tlv_size);
            ramslot_free(&s);
            free(pl);
        }
        /* dry run (no sink), hash only */
        CHECK_EQ(run(img, n, VEC[i].slot, VEC[i].slot, NULL, NULL, NULL), IMAGE_OK);
        free(sb.p);
        free(img);
        free(raw);
    }
}

#define V0 "img0-v2.0.0.lzma2armthumb.signed.bin" /* P-256, with a dependency */

static void t_bomb(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    size_t v = prot_tlv(img, IMAGE_TLV_DECOMP_SIZE, NULL);
    CHECK(v != 0);
    wr32(img + v, rd32(img + v) - 1); /* declares one byte less than it inflates to */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_BOMB);
    wr32(img + v, 4096);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_BOMB);
    wr32(img + v, rd32(img + v) + 0); /* keep */
    free(img);
}

static void t_short(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    size_t v = prot_tlv(img, IMAGE_TLV_DECOMP_SIZE, NULL);
    wr32(img + v, rd32(img + v) + 1); /* declares one byte more than there is */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_SHORT);
    free(img);
    /* the stream cut: the decoder runs out of input before its end mark */
    img = load(V0, &n);
    uint32_t body = rd32(img + 12);
    static const uint32_t cuts[] = {1, 2, 100};
    for (size_t i = 0; i < 3; i++) {
        size_t m = n;
        uint8_t *c = resize_body(img, &m, body - cuts[i], 0);
        int rc = run(c, m, SLOT0, SLOT0, NULL, NULL, NULL);
        CHECK(rc == IMAGE_ERR_DECOMP_SHORT || rc == IMAGE_ERR_DECOMP_DATA);
        free(c);
    }
    /* bytes after the end mark */
    size_t m = n;
    uint8_t *c = resize_body(img, &m, body + 4, 0);
    CHECK_EQ(run(c, m, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_SHORT);
    free(c);
    /* only the two-byte header */
    m = n;
    c = resize_body(img, &m, 2, 0);
    CHECK_EQ(run(c, m, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_SHORT);
    free(c);
    free(img);
}

static void t_hash(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    size_t v = prot_tlv(img, IMAGE_TLV_DECOMP_SHA, NULL);
    img[v + 5] ^= 1;
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_HASH);
    img[v + 5] ^= 1;
    /* the filter flag cleared: the body inflates but without the thumb undo */
    wr32(img + 16, rd32(img + 16) & ~IMAGE_F_COMPRESSED_ARM_THUMB_FLT);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_HASH);
    free(img);
    /* one byte of the dependency TLV (covered by the plain hash) */
    img = load(V0, &n);
    size_t dep = prot_tlv(img, IMAGE_TLV_DEPENDENCY, NULL);
    img[dep + 4] ^= 1;
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_HASH);
    free(img);
}

static void t_signature(void)
{
    size_t n;
    uint16_t len;
    uint8_t *img = load(V0, &n);
    size_t v = prot_tlv(img, IMAGE_TLV_DECOMP_SIGNATURE, &len);
    CHECK(v != 0);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, &image_dev_keyring, NULL, NULL), IMAGE_OK);
    img[v + len - 3] ^= 0x40;
    CHECK_EQ(run(img, n, SLOT0, SLOT0, &image_dev_keyring, NULL, NULL), IMAGE_ERR_DECOMP_SIG);
    /* ... which a hash-only check does not see */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_OK);
    img[v + len - 3] ^= 0x40;
    /* no DECOMP_SIGNATURE at all (renamed to a vendor TLV) */
    wr16(img + v - 4, 0xa0);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, &image_dev_keyring, NULL, NULL), IMAGE_ERR_DECOMP_HASH);
    free(img);
}

static void t_dict(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    uint32_t hs = rd16(img + 8);
    CHECK_EQ(img[hs], 0x0a);
    img[hs] = 0x0c; /* 256 KiB */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_DICT);
    img[hs] = 40; /* 4 GiB - 1 */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_DICT);
    img[hs] = 41; /* no such code */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_DATA);
    img[hs] = 0x0a;
    img[hs + 1] = 9 * 5 * 5; /* props byte out of range */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_DATA);
    img[hs + 1] = 0x66;
    img[hs + 2] = 0x03; /* LZMA2 control byte 3..0x7f is invalid */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_DATA);
    free(img);
}

static void t_flags(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    uint32_t f = rd32(img + 16);
    wr32(img + 16, f | IMAGE_F_COMPRESSED_LZMA1);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_FLAGS);
    wr32(img + 16, (f & ~IMAGE_F_COMPRESSED_LZMA2) | IMAGE_F_COMPRESSED_LZMA1);
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_FLAGS);
    wr32(img + 16, f & ~IMAGE_F_COMPRESSED_LZMA2); /* thumb filter alone */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_FLAGS);
    CHECK(extxip_image_is_compressed(f));
    CHECK(!extxip_image_is_compressed(f & ~(IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT)));
    free(img);
}

static void t_tlvs(void)
{
    static const uint16_t types[] = {IMAGE_TLV_DECOMP_SIZE, IMAGE_TLV_DECOMP_SHA};
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        uint8_t *img = load(V0, &n);
        size_t v = prot_tlv(img, types[i], NULL);
        wr16(img + v - 4, 0xa0); /* the flag without this TLV */
        CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_TLVS);
        wr16(img + v - 4, types[i ^ 1]); /* twice the other one */
        CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_TLVS);
        free(img);
    }
}

static void t_too_big(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    size_t v = prot_tlv(img, IMAGE_TLV_DECOMP_SIZE, NULL);
    uint32_t plain = rd32(img + v);
    /* header 0x200 + body + plain protected area (dependency: 4 + 16) */
    CHECK_EQ(run(img, n, SLOT0, 0x200 + plain + 20, NULL, NULL, NULL), IMAGE_ERR_DECOMP_TOO_BIG);
    CHECK_EQ(run(img, n, SLOT0, 0x200 + plain + 21, NULL, NULL, NULL), IMAGE_OK);
    wr32(img + v, 0xffffff00u); /* no overflow in the sum */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_ERR_DECOMP_TOO_BIG);
    free(img);
}

static void t_corrupt(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    uint32_t hs = rd16(img + 8), body = rd32(img + 12);
    for (uint32_t off = 8; off < body; off += body / 7) {
        img[hs + off] ^= 0x55;
        int rc = run(img, n, SLOT0, SLOT0, NULL, NULL, NULL);
        CHECK(rc != IMAGE_OK);
        img[hs + off] ^= 0x55;
    }
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, NULL, NULL), IMAGE_OK);
    free(img);
}

static void t_sink(void)
{
    size_t n;
    uint8_t *img = load(V0, &n);
    sinkbuf_t sb = {calloc(1, 1000), 1000, 0, false}; /* refuses past 1000 bytes */
    CHECK_EQ(run(img, n, SLOT0, SLOT0, NULL, &sb, NULL), IMAGE_ERR_DECOMP_SINK);
    free(sb.p);
    free(img);
}

/* Read the plain target of a compressed vector in pieces of `step` bytes
 * (backwards every third piece when `seek`) into a fresh buffer. */
static uint8_t *target(const uint8_t *img, size_t n, uint32_t slot, uint32_t step, bool seek,
                       uint32_t *len)
{
    ramslot_t s;
    ramslot_init(&s, slot, img, n);
    extxip_image_info_t info;
    extxip_image_decomp_info_t d;
    uint8_t *out = NULL;
    *len = 0;
    if (extxip_image_parse(&s.fa, &info) != IMAGE_OK ||
        extxip_image_decomp(&s.fa, &info, slot, &image_dev_keyring, NULL, NULL, &d) != IMAGE_OK ||
        extxip_image_decomp_target_open(&s.fa, &info, &d, len) != IMAGE_OK)
        goto out;
    out = malloc(*len + 64);
    bool ok = true;
    for (uint32_t off = 0, k = 0; ok && off < *len; k++) {
        uint32_t m = *len - off < step ? *len - off : step;
        if (seek && k % 3 == 2 && off >= 2 * step) {
            /* re-read two pieces back (within and beyond the window) */
            uint8_t tmp[8192];
            uint32_t back = off - 2 * step, bm = 2 * step < sizeof tmp ? 2 * step : sizeof tmp;
            ok = extxip_image_decomp_target_read(back, tmp, bm) == IMAGE_OK &&
                 memcmp(tmp, out + back, bm) == 0;
        }
        ok = ok && extxip_image_decomp_target_read(off, out + off, m) == IMAGE_OK;
        off += m;
    }
    /* past the image: erased */
    uint8_t past[64];
    ok = ok && extxip_image_decomp_target_read(*len, past, sizeof past) == IMAGE_OK;
    for (size_t i = 0; ok && i < sizeof past; i++)
        ok = past[i] == 0xff;
    if (!ok) {
        free(out);
        out = NULL;
    }
    extxip_image_decomp_target_close();
out:
    ramslot_free(&s);
    return out;
}

/* The target is imgtool's plain image byte for byte (Ed25519), and for
 * every vector a plain image that validates with the dev keys. */
static void t_target(void)
{
    size_t n, pn;
    uint8_t *img = load(VEC[0].img, &n), *pl = load(VEC[0].plain, &pn);
    static const uint32_t steps[] = {4096, 333, 1, 5000};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        if (steps[k] == 1 && k != 2)
            continue;
        uint32_t len;
        uint8_t *t = target(img, n, SLOT0, steps[k] == 1 ? 7 : steps[k], k == 3, &len);
        CHECK(t != NULL);
        CHECK_EQ(len, pn);
        CHECK(t && len == pn && memcmp(t, pl, pn) == 0);
        free(t);
    }
    free(img);
    free(pl);
    for (size_t i = 0; i < sizeof VEC / sizeof VEC[0]; i++) {
        img = load(VEC[i].img, &n);
        uint32_t len;
        uint8_t *t = target(img, n, VEC[i].slot, 1024, true, &len);
        CHECK(t != NULL);
        if (t) {
            ramslot_t s;
            ramslot_init(&s, VEC[i].slot, t, len);
            extxip_image_info_t pi;
            CHECK_EQ(extxip_image_validate(&s.fa, &image_dev_keyring, &pi), IMAGE_OK);
            CHECK_EQ(pi.tlv_end, len);
            CHECK(!extxip_image_is_compressed(pi.hdr.flags));
            ramslot_free(&s);
        }
        free(t);
        free(img);
    }
}

static void t_strerror(void)
{
    for (int e = IMAGE_ERR_DECOMP_SINK; e <= IMAGE_ERR_DECOMP_FLAGS; e++)
        CHECK(extxip_image_decomp_strerror(e) != NULL);
    CHECK(extxip_image_decomp_strerror(IMAGE_ERR_HASH) == NULL);
}

static const tu_case_t cases[] = {
    {"vectors", t_vectors}, {"bomb", t_bomb},   {"short", t_short},     {"hash", t_hash},
    {"signature", t_signature}, {"dict", t_dict}, {"flags", t_flags},  {"tlvs", t_tlvs},
    {"too_big", t_too_big}, {"corrupt", t_corrupt}, {"sink", t_sink},  {"strerror", t_strerror},
    {"target", t_target},
};

int main(int argc, char **argv)
{
    return TU_RUN("image_decomp", cases, argc, argv);
}
