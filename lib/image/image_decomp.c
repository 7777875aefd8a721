/*
 * The decompress-and-validate path of a compressed secondary (see
 * image_decomp.h; facts from MCUboot/sdk-mcuboot in docs/bootloader.md).
 * The decoder is the LZMA SDK's Lzma2Dec and Bra (ARMT_Convert), compiled
 * from Debian's `lzma` source package; this file only drives it.
 */
#include "image/image_decomp.h"

#include <stdbool.h>
#include <string.h>

#include "Bra.h"
#include "Lzma2Dec.h"
#include "crypto/crypto.h"
#include "flash/flash_area.h"

#define COMPRESSION_FLAGS \
    (IMAGE_F_COMPRESSED_LZMA1 | IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT)
#define IN_CHUNK 512u
#define OUT_CHUNK 1024u
/* Lzma2Dec always sizes its table for lc + lp = 4 (LZMA2_LCLP_MAX):
 * LZMA_BASE_SIZE (1846) + 0x300 << 4 probabilities. */
#define PROBS_BYTES ((1846u + (0x300u << 4)) * sizeof(CLzmaProb))

/* The decoder's only two allocations, handed out from here. */
static union {
    CLzmaProb p;
    uint8_t b[PROBS_BYTES];
} s_probs;
static uint8_t s_dict[EXTXIP_DECOMP_DICT_MAX];
static bool s_probs_used, s_dict_used;

static void *pool_alloc(void *p, size_t size)
{
    (void)p;
    if (size == 0)
        return NULL;
    /* The table is the first request, the dictionary the second. */
    if (!s_probs_used && size <= sizeof s_probs.b) {
        s_probs_used = true;
        return s_probs.b;
    }
    if (!s_dict_used && size <= sizeof s_dict) {
        s_dict_used = true;
        return s_dict;
    }
    return NULL;
}

static void pool_free(void *p, void *addr)
{
    (void)p;
    if (addr == s_probs.b)
        s_probs_used = false;
    else if (addr == s_dict)
        s_dict_used = false;
}

static ISzAlloc s_alloc = {pool_alloc, pool_free};
/* The view whose target holds the decoder (extxip_image_decomp_view_init). */
static const extxip_image_decomp_view_t *s_view;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) { return get16(p) | ((uint32_t)get16(p + 2) << 16); }
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}


const char *extxip_image_decomp_strerror(int err)
{
    switch (err) {
    case IMAGE_ERR_DECOMP_FLAGS: return "unsupported compression (LZMA1, or filter without LZMA2)";
    case IMAGE_ERR_DECOMP_TLVS: return "compressed image without valid decompressed size/hash TLVs";
    case IMAGE_ERR_DECOMP_TOO_BIG: return "decompressed image does not fit the primary slot";
    case IMAGE_ERR_DECOMP_DICT: return "LZMA2 dictionary larger than this device decodes";
    case IMAGE_ERR_DECOMP_DATA: return "corrupt LZMA2 stream";
    case IMAGE_ERR_DECOMP_BOMB: return "stream expands past the declared decompressed size";
    case IMAGE_ERR_DECOMP_SHORT: return "stream ends early or has bytes after its end";
    case IMAGE_ERR_DECOMP_HASH: return "decompressed image hash mismatch";
    case IMAGE_ERR_DECOMP_SIG: return "decompressed image signature invalid";
    case IMAGE_ERR_DECOMP_SINK: return "writing the decompressed image failed";
    default: return NULL;
    }
}

/* The plain header and its erased padding, as MCUboot hashes them. */
static int hash_header(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                       const extxip_image_decomp_info_t *d, extxip_crypto_sha256_t *sha)
{
    uint8_t h[32];
    if (extxip_flash_area_read(fa, 0, h, sizeof h) != 0)
        return IMAGE_ERR_IO;
    put16(h + 10, d->plain_prot_size);
    put32(h + 12, d->decomp_size);
    put32(h + 16, get32(h + 16) & ~COMPRESSION_FLAGS);
    if (extxip_crypto_sha256_update(sha, h, sizeof h) != CRYPTO_OK)
        return IMAGE_ERR_CRYPTO;
    memset(h, extxip_flash_area_erased_val(fa), sizeof h);
    for (uint32_t o = 32; o < info->hdr.hdr_size;) {
        uint32_t n = info->hdr.hdr_size - o < sizeof h ? info->hdr.hdr_size - o : sizeof h;
        if (extxip_crypto_sha256_update(sha, h, n) != CRYPTO_OK)
            return IMAGE_ERR_CRYPTO;
        o += n;
    }
    return IMAGE_OK;
}

typedef struct stream {
    extxip_crypto_sha256_t *sha;
    extxip_image_decomp_sink_t sink;
    void *ctx;
    uint32_t emitted;
} stream_t;

static int emit(stream_t *s, const uint8_t *p, uint32_t n)
{
    if (n == 0)
        return IMAGE_OK;
    if (extxip_crypto_sha256_update(s->sha, p, n) != CRYPTO_OK)
        return IMAGE_ERR_CRYPTO;
    if (s->sink && s->sink(s->ctx, s->emitted, p, n) != 0)
        return IMAGE_ERR_DECOMP_SINK;
    s->emitted += n;
    return IMAGE_OK;
}

/* The decoder as a pull stream over [hdr_size + 2, hdr_size + img_size):
 * ds_next hands out the next filtered piece of the body. One at a time (the
 * pool above is the decoder's memory). */
typedef struct dstream {
    const extxip_flash_area_t *fa;
    uint32_t base, body, decomp_size;
    uint32_t pos, in_off, in_len; /* input: next slot byte, buffered window */
    uint32_t have, shift;         /* output bytes held; bytes handed out last */
    uint32_t total, emitted;      /* decoded, handed out */
    bool thumb, done, open;
    CLzma2Dec dec;
} dstream_t;

static uint8_t s_in[IN_CHUNK], s_ob[OUT_CHUNK];

static void ds_close(dstream_t *s)
{
    if (s->open)
        Lzma2Dec_Free(&s->dec, &s_alloc);
    s->open = false;
}

static int ds_open(dstream_t *s, const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                   uint32_t decomp_size)
{
    memset(s, 0, sizeof *s);
    s->fa = fa;
    s->base = info->hdr.hdr_size;
    s->body = info->hdr.img_size;
    s->decomp_size = decomp_size;
    s->thumb = (info->hdr.flags & IMAGE_F_COMPRESSED_ARM_THUMB_FLT) != 0;
    s->pos = 2;
    uint8_t two[2];
    if (s->body < 2 || extxip_flash_area_read(fa, s->base, two, 2) != 0)
        return s->body < 2 ? IMAGE_ERR_DECOMP_DATA : IMAGE_ERR_IO;
    /* byte 0: LZMA2 dictionary code; byte 1: lc/lp/pb (LZMA2 chunks carry
     * their own, but an invalid one marks a damaged image) */
    if (two[0] > 40 || two[1] >= 9 * 5 * 5 || two[1] % 9 + (two[1] / 9) % 5 > 4)
        return IMAGE_ERR_DECOMP_DATA;
    if (two[0] == 40 || ((2u | (two[0] & 1u)) << (two[0] / 2u + 11u)) > EXTXIP_DECOMP_DICT_MAX)
        return IMAGE_ERR_DECOMP_DICT;
    Lzma2Dec_Construct(&s->dec);
    SRes r = Lzma2Dec_Allocate(&s->dec, two[0], &s_alloc);
    if (r != SZ_OK)
        return r == SZ_ERROR_MEM ? IMAGE_ERR_DECOMP_DICT : IMAGE_ERR_DECOMP_DATA;
    Lzma2Dec_Init(&s->dec);
    s->open = true;
    return IMAGE_OK;
}

/* Next piece of the filtered body (p, n); n == 0: the stream ended where
 * it must (end mark at the end of the body and at DECOMP_SIZE). */
static int ds_next(dstream_t *s, const uint8_t **p, uint32_t *n)
{
    *n = 0;
    memmove(s_ob, s_ob + s->shift, s->have - s->shift);
    s->have -= s->shift;
    s->shift = 0;
    for (;;) {
        if (s->done) {
            if (s->have) { /* the last bytes, the filter's carry included */
                *p = s_ob;
                *n = s->shift = s->have;
                s->emitted += s->have;
                return IMAGE_OK;
            }
            bool exact = s->in_off == s->in_len && s->pos == s->body && s->total == s->decomp_size;
            return exact ? IMAGE_OK : IMAGE_ERR_DECOMP_SHORT;
        }
        if (s->in_off == s->in_len && s->pos < s->body) {
            s->in_len = s->body - s->pos < IN_CHUNK ? s->body - s->pos : IN_CHUNK;
            if (extxip_flash_area_read(s->fa, s->base + s->pos, s_in, s->in_len) != 0)
                return IMAGE_ERR_IO;
            s->pos += s->in_len;
            s->in_off = 0;
        }
        SizeT dl = OUT_CHUNK - s->have, sl = s->in_len - s->in_off;
        ELzmaStatus st;
        SRes r = Lzma2Dec_DecodeToBuf(&s->dec, s_ob + s->have, &dl, s_in + s->in_off, &sl,
                                      LZMA_FINISH_ANY, &st);
        s->in_off += (uint32_t)sl;
        if (r != SZ_OK)
            return IMAGE_ERR_DECOMP_DATA;
        if (dl > s->decomp_size - s->total)
            return IMAGE_ERR_DECOMP_BOMB;
        s->total += (uint32_t)dl;
        s->have += (uint32_t)dl;
        s->done = st == LZMA_STATUS_FINISHED_WITH_MARK;
        if (s->done) {
            /* the filter converts what it can; the last bytes pass as they are */
            if (s->thumb)
                (void)ARMT_Convert(s_ob, s->have, s->emitted, 0);
            continue;
        }
        if (dl == 0 && sl == 0) {
            if (s->in_off == s->in_len && s->pos >= s->body)
                return IMAGE_ERR_DECOMP_SHORT; /* input gone before the end mark */
            if (s->in_off < s->in_len)
                return IMAGE_ERR_DECOMP_DATA; /* no progress on the input at hand */
        }
        /* up to 2 bytes wait for the next piece when the filter needs them */
        uint32_t k = s->thumb ? (uint32_t)ARMT_Convert(s_ob, s->have, s->emitted, 0) : s->have;
        if (k) {
            *p = s_ob;
            *n = s->shift = k;
            s->emitted += k;
            return IMAGE_OK;
        }
    }
}

/* Inflate the whole body into the stream's consumer (hash and sink). */
static int inflate(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                   const extxip_image_decomp_info_t *d, stream_t *s)
{
    dstream_t ds;
    int rc = ds_open(&ds, fa, info, d->decomp_size);
    for (;;) {
        const uint8_t *p = NULL;
        uint32_t n = 0;
        if (rc || (rc = ds_next(&ds, &p, &n)) || n == 0)
            break;
        if ((rc = emit(s, p, n)) != IMAGE_OK)
            break;
    }
    ds_close(&ds);
    return rc;
}

int extxip_image_decomp(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                        uint32_t primary_size, const extxip_image_keyring_t *keys,
                        extxip_image_decomp_sink_t sink, void *ctx,
                        extxip_image_decomp_info_t *out)
{
    int rc = extxip_image_decomp_precheck(fa, info, primary_size, out);
    if (rc)
        return rc;
    /* The decoder's buffers are one: an open target gives them up. */
    extxip_image_decomp_target_close();
    s_view = NULL;

    extxip_crypto_sha256_t sha;
    if (extxip_crypto_sha256_init(&sha) != CRYPTO_OK)
        return IMAGE_ERR_CRYPTO;
    stream_t s = {&sha, sink, ctx, 0};
    if ((rc = hash_header(fa, info, out, &sha)) || (rc = inflate(fa, info, out, &s)))
        goto drop;
    if (out->plain_prot_size && (rc = extxip_image_decomp_walk_prot(fa, info, out, &sha)))
        goto drop;
    if (extxip_crypto_sha256_finish(&sha, out->hash) != CRYPTO_OK)
        return IMAGE_ERR_CRYPTO;
    if (memcmp(out->hash, out->decomp_sha, IMAGE_HASH_SIZE) != 0)
        return IMAGE_ERR_DECOMP_HASH;
    if (keys == NULL || keys->count == 0 || keys->keys == NULL)
        return IMAGE_OK;
    if (out->dsig_len == 0)
        return IMAGE_ERR_DECOMP_SIG;
    rc = extxip_image_verify_sig(fa, keys, info, out->dsig_off, out->dsig_len, out->hash);
    if (rc == IMAGE_ERR_SIG || rc == IMAGE_ERR_NO_SIG || rc == IMAGE_ERR_TLV)
        rc = IMAGE_ERR_DECOMP_SIG;
    return rc;
drop:
    (void)extxip_crypto_sha256_finish(&sha, out->hash);
    return rc;
}

/* ---- the plain image, as the install writes it ------------------------- */

#ifndef EXTXIP_DECOMP_WINDOW
#define EXTXIP_DECOMP_WINDOW 4096u /* body bytes kept behind the decoder (a sector) */
#endif
#define TAIL_MAX 1024u

static struct {
    bool open;
    const extxip_flash_area_t *fa;
    extxip_image_info_t info;
    extxip_image_decomp_info_t d;
    uint8_t hdr[32];
    uint8_t tail[TAIL_MAX]; /* plain protected + unprotected TLV areas */
    uint32_t tail_len, plain_len;
    dstream_t ds;
    uint8_t win[EXTXIP_DECOMP_WINDOW];
    uint32_t win_start, win_len; /* body bytes [win_start, win_start + win_len) */
} s_t;

static int tail_put(const void *p, uint32_t n)
{
    if (n > TAIL_MAX - s_t.tail_len)
        return IMAGE_ERR_DECOMP_TOO_BIG;
    memcpy(s_t.tail + s_t.tail_len, p, n);
    s_t.tail_len += n;
    return IMAGE_OK;
}

static int tail_copy(uint32_t off, uint32_t n)
{
    if (n > TAIL_MAX - s_t.tail_len)
        return IMAGE_ERR_DECOMP_TOO_BIG;
    if (extxip_flash_area_read(s_t.fa, off, s_t.tail + s_t.tail_len, n) != 0)
        return IMAGE_ERR_IO;
    s_t.tail_len += n;
    return IMAGE_OK;
}

/* One TLV (type, len) whose value is read from the slot at off. */
static int tail_tlv(uint16_t type, uint16_t len, uint32_t off)
{
    uint8_t h[4];
    put16(h, type);
    put16(h + 2, len);
    int rc = tail_put(h, 4);
    return rc ? rc : tail_copy(off, len);
}

/* MCUboot's boot_copy_protected_tlvs / boot_copy_unprotected_tlvs. */
static int render_tail(void)
{
    const extxip_flash_area_t *fa = s_t.fa;
    const extxip_image_info_t *in = &s_t.info;
    uint8_t h[4];
    int rc;
    if (s_t.d.plain_prot_size) {
        put16(h, IMAGE_TLV_PROT_INFO_MAGIC);
        put16(h + 2, s_t.d.plain_prot_size);
        if ((rc = tail_put(h, 4)))
            return rc;
        uint32_t end = in->prot_off + in->hdr.protect_tlv_size;
        for (uint32_t p = in->prot_off + 4; p + 4 <= end;) {
            if (extxip_flash_area_read(fa, p, h, 4) != 0)
                return IMAGE_ERR_IO;
            uint16_t type = get16(h), len = get16(h + 2);
            if (len > end - p - 4)
                return IMAGE_ERR_TLV;
            if (!extxip_image_is_decomp_tlv(type) && (rc = tail_tlv(type, len, p + 4)))
                return rc;
            p += 4u + len;
        }
        if (s_t.tail_len != s_t.d.plain_prot_size)
            return IMAGE_ERR_TLV;
    }
    uint32_t ustart = s_t.tail_len;
    if (extxip_flash_area_read(fa, in->unprot_off, h, 4) != 0)
        return IMAGE_ERR_IO;
    uint32_t end = in->unprot_off + get16(h + 2);
    if (end > fa->size)
        return IMAGE_ERR_TLV;
    if ((rc = tail_put(h, 4)))
        return rc;
    for (uint32_t p = in->unprot_off + 4; p + 4 <= end;) {
        if (extxip_flash_area_read(fa, p, h, 4) != 0)
            return IMAGE_ERR_IO;
        uint16_t type = get16(h), len = get16(h + 2);
        if (len > end - p - 4)
            return IMAGE_ERR_TLV;
        if (type == IMAGE_TLV_SHA256) {
            put16(h + 2, IMAGE_HASH_SIZE);
            if ((rc = tail_put(h, 4)) || (rc = tail_put(s_t.d.decomp_sha, IMAGE_HASH_SIZE)))
                return rc;
        } else if (in->sig_type && type == in->sig_type) {
            if (s_t.d.dsig_len == 0)
                return IMAGE_ERR_DECOMP_SIG;
            if ((rc = tail_tlv(type, s_t.d.dsig_len, s_t.d.dsig_off)))
                return rc;
        } else if ((rc = tail_tlv(type, len, p + 4))) {
            return rc;
        }
        p += 4u + len;
    }
    uint32_t ulen = s_t.tail_len - ustart;
    if (ulen > 0xffffu)
        return IMAGE_ERR_DECOMP_TOO_BIG;
    put16(s_t.tail + ustart + 2, ulen);
    return IMAGE_OK;
}

void extxip_image_decomp_target_close(void)
{
    ds_close(&s_t.ds);
    s_t.open = false;
}

int extxip_image_decomp_target_open(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                    const extxip_image_decomp_info_t *d, uint32_t *plain_len)
{
    extxip_image_decomp_target_close();
    memset(&s_t, 0, sizeof s_t);
    s_t.fa = fa;
    s_t.info = *info;
    s_t.d = *d;
    if (extxip_flash_area_read(fa, 0, s_t.hdr, sizeof s_t.hdr) != 0)
        return IMAGE_ERR_IO;
    put16(s_t.hdr + 10, d->plain_prot_size);
    put32(s_t.hdr + 12, d->decomp_size);
    put32(s_t.hdr + 16, get32(s_t.hdr + 16) & ~COMPRESSION_FLAGS);
    int rc = render_tail();
    if (rc)
        return rc;
    uint64_t len = (uint64_t)info->hdr.hdr_size + d->decomp_size + s_t.tail_len;
    if (len > 0xffffffffu)
        return IMAGE_ERR_DECOMP_TOO_BIG;
    if ((rc = ds_open(&s_t.ds, fa, info, d->decomp_size)))
        return rc;
    s_t.plain_len = *plain_len = (uint32_t)len;
    s_t.open = true;
    return IMAGE_OK;
}

/* Body bytes [b, b + n) through the window; restarts the decoder on a read
 * behind it. */
static int body_read(uint32_t b, uint8_t *buf, uint32_t n)
{
    while (n) {
        if (b < s_t.win_start) {
            ds_close(&s_t.ds);
            int rc = ds_open(&s_t.ds, s_t.fa, &s_t.info, s_t.d.decomp_size);
            if (rc)
                return rc;
            s_t.win_start = s_t.win_len = 0;
        }
        if (b < s_t.win_start + s_t.win_len) {
            uint32_t at = b - s_t.win_start, k = s_t.win_len - at < n ? s_t.win_len - at : n;
            memcpy(buf, s_t.win + at, k);
            buf += k;
            b += k;
            n -= k;
            continue;
        }
        const uint8_t *p = NULL;
        uint32_t k = 0;
        int rc = ds_next(&s_t.ds, &p, &k);
        if (rc)
            return rc;
        if (k == 0)
            return IMAGE_ERR_DECOMP_SHORT;
        if (s_t.win_len + k > sizeof s_t.win) {
            uint32_t drop = s_t.win_len + k - (uint32_t)sizeof s_t.win;
            memmove(s_t.win, s_t.win + drop, s_t.win_len - drop);
            s_t.win_len -= drop;
            s_t.win_start += drop;
        }
        memcpy(s_t.win + s_t.win_len, p, k);
        s_t.win_len += k;
    }
    return IMAGE_OK;
}

int extxip_image_decomp_target_read(uint32_t off, uint8_t *buf, uint32_t n)
{
    if (!s_t.open)
        return IMAGE_ERR_IO;
    uint32_t hs = s_t.info.hdr.hdr_size, body_end = hs + s_t.d.decomp_size;
    uint8_t ev = extxip_flash_area_erased_val(s_t.fa);
    while (n) {
        uint32_t k;
        if (off < sizeof s_t.hdr) {
            k = (uint32_t)sizeof s_t.hdr - off;
            k = k < n ? k : n;
            memcpy(buf, s_t.hdr + off, k);
        } else if (off < hs) {
            k = hs - off < n ? hs - off : n;
            memset(buf, ev, k);
        } else if (off < body_end) {
            k = body_end - off < n ? body_end - off : n;
            int rc = body_read(off - hs, buf, k);
            if (rc)
                return rc;
        } else if (off - body_end < s_t.tail_len) {
            uint32_t at = off - body_end;
            k = s_t.tail_len - at < n ? s_t.tail_len - at : n;
            memcpy(buf, s_t.tail + at, k);
        } else {
            k = n;
            memset(buf, ev, k);
        }
        buf += k;
        off += k;
        n -= k;
    }
    return IMAGE_OK;
}

/* ------------------------------------------------------------------ view */

static int view_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    extxip_image_decomp_view_t *v = ctx;
    if (s_view != v) {
        s_view = NULL;
        if (extxip_image_decomp_target_open(v->sec, &v->info, &v->d, &v->plain_len) != IMAGE_OK)
            return FLASH_ERR_IO;
        s_view = v;
    }
    return extxip_image_decomp_target_read(off, dst, len) == IMAGE_OK ? FLASH_OK : FLASH_ERR_IO;
}

static int view_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    (void)ctx, (void)off, (void)src, (void)len;
    return FLASH_ERR_IO;
}

static int view_erase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx, (void)off, (void)len;
    return FLASH_ERR_IO;
}

static const extxip_flash_dev_ops_t s_view_ops = {
    .read = view_read, .write = view_write, .erase = view_erase};

const extxip_flash_area_t *extxip_image_decomp_view_init(extxip_image_decomp_view_t *v,
                                                         const extxip_flash_area_t *sec,
                                                         const extxip_image_info_t *info,
                                                         const extxip_image_decomp_info_t *d,
                                                         const extxip_flash_area_t *pri)
{
    extxip_image_decomp_target_close();
    s_view = NULL;
    memset(v, 0, sizeof *v);
    v->sec = sec;
    v->info = *info;
    v->d = *d;
    v->dev = (extxip_flash_dev_t){.name = "decompressed",
                                  .size = pri->size,
                                  .sector_size = extxip_flash_area_sector_size(pri),
                                  .write_align = extxip_flash_area_align(pri),
                                  .erased_val = extxip_flash_area_erased_val(pri),
                                  .ops = &s_view_ops,
                                  .ctx = v};
    v->area = (extxip_flash_area_t){sec->id, "decompressed", &v->dev, 0, pri->size};
    return &v->area;
}
