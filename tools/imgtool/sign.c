/*
 * `sign`: build an MCUboot image exactly as imgtool 2.4.0's Image.load /
 * create / save do (little endian, no encryption or compression):
 * header (+ erased-value header padding) | body | protected TLVs |
 * TLVs (SHA256, KEYHASH or PUBKEY, signature) | optional padding + trailer.
 */
#include "imgtool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IMAGE_MAGIC 0x96f3b83du
#define TLV_INFO_MAGIC 0x6907u
#define TLV_PROT_INFO_MAGIC 0x6908u
#define F_RAM_LOAD 0x20u
#define F_NON_BOOTABLE 0x10u
#define F_ROM_FIXED 0x100u
#define DEFAULT_MAX_SECTORS 128u
#define DEFAULT_MAX_ALIGN 8u

static const uint8_t BOOT_MAGIC[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                       0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
static const uint8_t BOOT_MAGIC_2[14] = {0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d,
                                         0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a};

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v);
    le16(p + 2, v >> 16);
}

static size_t align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static uint32_t eff_max_align(const it_sign_opts_t *o)
{
    if (o->max_align)
        return o->max_align;
    return o->align > DEFAULT_MAX_ALIGN ? o->align : DEFAULT_MAX_ALIGN;
}

/* The 16 bytes written last in the slot: the classic magic for max-align 8,
 * otherwise the align-tagged variant (as imgtool writes it). */
static void boot_magic(const it_sign_opts_t *o, uint8_t out[16])
{
    uint32_t ma = eff_max_align(o);
    if (ma == DEFAULT_MAX_ALIGN) {
        memcpy(out, BOOT_MAGIC, 16);
    } else {
        le16(out, ma);
        memcpy(out + 2, BOOT_MAGIC_2, 14);
    }
}

/* imgtool Image._trailer_size (no encryption). */
static size_t trailer_size(const it_sign_opts_t *o)
{
    size_t ma = eff_max_align(o);
    size_t magic_align = align_up(16, ma);
    if (o->overwrite_only)
        return ma * 2 + magic_align;
    size_t m = o->max_sectors ? o->max_sectors : DEFAULT_MAX_SECTORS;
    return m * 3 * o->align + ma * 4 + magic_align;
}

static void tlv_add(it_buf_t *b, uint16_t type, const void *val, size_t len)
{
    uint8_t h[4];
    le16(h, type);
    le16(h + 2, (uint32_t)len);
    it_buf_put(b, h, 4);
    it_buf_put(b, val, len);
}

static void version_bytes(const it_version_t *v, uint8_t out[8])
{
    out[0] = v->major;
    out[1] = v->minor;
    le16(out + 2, v->revision);
    le32(out + 4, v->build);
}

/* Render the image (and, with pad, its trailer) as imgtool's save() does. */
static int save(const it_sign_opts_t *o, it_buf_t *img, bool has_base, uint32_t base_addr,
                const char *outfile, it_err_t *e)
{
    size_t tsize = trailer_size(o);
    size_t ma = eff_max_align(o);
    uint8_t magic[16];
    boot_magic(o, magic);
    bool set_ok = (o->test || o->confirm) && !o->overwrite_only;
    size_t ok_back = align_up(16, ma) + ma; /* image_ok sits this far before the end */

    if (it_is_hex_name(outfile)) {
        if (o->has_hex_addr) {
            base_addr = o->hex_addr;
            has_base = true;
        }
        if (!has_base)
            return it_usagef(e, "No address exists in input file neither was it provided by user "
                              "(use --hex-addr)");
        it_hex_seg_t segs[3];
        size_t n = 0;
        segs[n++] = (it_hex_seg_t){base_addr, img->data, img->len};
        uint8_t flag[32];
        if (o->pad) {
            /* Only the trailer's set bytes are written; the rest stays a hole. */
            uint64_t end = (uint64_t)base_addr + o->slot_size;
            if (end < tsize || end - tsize < (uint64_t)base_addr + img->len || end > 0x100000000ull)
                return it_errf(e, "slot 0x%x at 0x%x cannot hold the image and its trailer",
                               o->slot_size, base_addr);
            if (set_ok) {
                memset(flag, o->erased_val, ma);
                if (o->confirm)
                    flag[0] = 0x01;
                segs[n++] = (it_hex_seg_t){(uint32_t)(end - ok_back), flag, ma};
            }
            segs[n++] = (it_hex_seg_t){(uint32_t)(end - 16), magic, 16};
        }
        it_buf_t text = {0};
        int rc = it_hex_render(segs, n, &text, e);
        if (rc == 0)
            rc = it_write_file_atomic(outfile, text.data, text.len, 0666, e);
        it_buf_free(&text);
        return rc;
    }
    if (o->pad) {
        /* imgtool pads with a negative count as zero bytes (slot size 0). */
        size_t used = img->len + tsize;
        size_t padding = o->slot_size > used ? o->slot_size - used : 0;
        it_buf_fill(img, o->erased_val, padding + tsize - 16);
        it_buf_put(img, magic, 16);
        if (set_ok && o->confirm)
            img->data[img->len - ok_back] = 0x01;
    }
    return it_write_file_atomic(outfile, img->data, img->len, 0666, e);
}

int it_sign(const it_sign_opts_t *o, const char *infile, const char *outfile, it_err_t *e)
{
    int rc = -1;
    it_buf_t in = {0}, img = {0}, prot = {0}, tlv = {0}, pub = {0}, sig = {0};
    it_key_t *key = NULL;
    bool has_base = false;
    uint32_t base_addr = 0;

    if (o->load_addr && o->rom_fixed) {
        it_usagef(e, "Can not set rom_fixed and load_addr at the same time");
        goto out;
    }
    struct stat st;
    if (stat(infile, &st) != 0 && errno == ENOENT) {
        it_usagef(e, "Input file not found");
        goto out;
    }
    if (it_load_input(infile, &in, &has_base, &base_addr, e) != 0)
        goto out;
    /* Header padding: erased bytes in front (the header overwrites the first 32). */
    if (o->pad_header && o->header_size > 0) {
        if (has_base && base_addr) {
            if (base_addr < o->header_size) {
                it_errf(e, "input starts at 0x%x, below the header size 0x%x", base_addr,
                        o->header_size);
                goto out;
            }
            base_addr -= o->header_size;
        }
        it_buf_fill(&img, o->erased_val, o->header_size);
    }
    it_buf_put(&img, in.data, in.len);
    if (img.len < o->header_size) {
        it_errf(e, "input is smaller than the header size 0x%x (use --pad-header?)",
                o->header_size);
        goto out;
    }
    if (!o->pad_header) {
        for (size_t i = 0; i < o->header_size; i++)
            if (img.data[i] != 0) {
                it_usagef(e, "Header padding was not requested and image does not start with "
                           "zeros");
                goto out;
            }
    }
    if (img.len - o->header_size > 0xffffffffu) {
        it_errf(e, "image body is larger than 4 GiB");
        goto out;
    }

    if (o->key_path) {
        key = it_key_load(o->key_path, e);
        if (!key)
            goto out;
        if (!it_key_is_private(key)) {
            it_errf(e, "Cannot sign with a public-only PEM; signing requires the private key.");
            goto out;
        }
        if (it_key_public_bytes(key, &pub, e) != 0)
            goto out;
    }

    /* Protected TLVs: security counter, dependencies, custom — in imgtool's order. */
    it_buf_t pbody = {0};
    if (o->has_sec_cnt || o->sec_cnt_auto) {
        uint32_t sc = o->sec_cnt;
        if (o->sec_cnt_auto)
            sc = ((uint32_t)o->version.major << 24) + ((uint32_t)o->version.minor << 16) +
                 o->version.revision;
        uint8_t v[4];
        le32(v, sc);
        tlv_add(&pbody, 0x50, v, 4);
    }
    for (size_t i = 0; o->has_deps && i < o->dep_count; i++) {
        uint8_t v[12] = {o->deps[i].image_id, 0, 0, 0};
        version_bytes(&o->deps[i].ver, v + 4);
        tlv_add(&pbody, 0x40, v, 12);
    }
    for (size_t i = 0; i < o->custom_count; i++)
        tlv_add(&pbody, o->custom[i].tag, o->custom[i].val, o->custom[i].len);
    if (pbody.len) {
        if (pbody.len + 4 > 0xffff) {
            it_buf_free(&pbody);
            it_errf(e, "protected TLV area too large");
            goto out;
        }
        uint8_t h[4];
        le16(h, TLV_PROT_INFO_MAGIC);
        le16(h + 2, (uint32_t)(pbody.len + 4));
        it_buf_put(&prot, h, 4);
        it_buf_put(&prot, pbody.data, pbody.len);
    }
    it_buf_free(&pbody);

    /* Header. */
    uint32_t flags = 0;
    if (o->load_addr)
        flags |= F_RAM_LOAD;
    if (o->rom_fixed)
        flags |= F_ROM_FIXED;
    if (o->non_bootable)
        flags |= F_NON_BOOTABLE;
    flags |= o->extra_flags;
    uint8_t *h = img.data;
    memset(h, 0, 32);
    le32(h, IMAGE_MAGIC);
    le32(h + 4, o->rom_fixed ? o->rom_fixed : o->load_addr);
    le16(h + 8, o->header_size);
    le16(h + 10, (uint32_t)prot.len);
    le32(h + 12, (uint32_t)(img.len - o->header_size));
    le32(h + 16, flags);
    version_bytes(&o->version, h + 20);

    /* Hash over header + body + protected TLVs; sign the same bytes. */
    size_t body_end = img.len;
    it_buf_put(&img, prot.data, prot.len);
    uint8_t digest[32];
    it_sha256(img.data, img.len, digest);
    it_buf_t tbody = {0};
    tlv_add(&tbody, 0x10, digest, 32);
    if (key) {
        if (o->public_key_full) {
            tlv_add(&tbody, 0x02, pub.data, pub.len);
        } else {
            uint8_t kh[32];
            it_sha256(pub.data, pub.len, kh);
            tlv_add(&tbody, 0x01, kh, 32);
        }
        if (o->info)
            fprintf(o->info, "image.py: sign the %s\n",
                    it_key_type(key) == IT_KEY_ED25519 ? "digest" : "payload");
        if (it_key_sign(key, img.data, img.len, digest, &sig, e) != 0) {
            it_buf_free(&tbody);
            goto out;
        }
        if (o->pad_sig && it_key_type(key) == IT_KEY_EC_P256 && sig.len < 72)
            it_buf_fill(&sig, 0, 72 - sig.len); /* MCUboot < 1.5 wanted 72 bytes */
        tlv_add(&tbody, it_key_sig_tlv(key), sig.data, sig.len);
    }
    if (tbody.len + 4 > 0xffff) {
        it_buf_free(&tbody);
        it_errf(e, "TLV area too large");
        goto out;
    }
    uint8_t th[4];
    le16(th, TLV_INFO_MAGIC);
    le16(th + 2, (uint32_t)(tbody.len + 4));
    img.len = body_end;
    it_buf_put(&img, prot.data, prot.len);
    it_buf_put(&img, th, 4);
    it_buf_put(&img, tbody.data, tbody.len);
    it_buf_free(&tbody);

    /* check_trailer: image + trailer must fit the slot. */
    if (o->slot_size > 0) {
        size_t tsize = trailer_size(o);
        if (img.len + tsize > o->slot_size) {
            it_usagef(e, "Image size (0x%zx) + trailer (0x%zx) exceeds requested size 0x%x",
                    img.len, tsize, o->slot_size);
            goto out;
        }
    }
    rc = save(o, &img, has_base, base_addr, outfile, e);
out:
    it_key_free(key);
    it_buf_free(&in);
    it_buf_free(&img);
    it_buf_free(&prot);
    it_buf_free(&tlv);
    it_buf_free(&pub);
    it_buf_free(&sig);
    return rc;
}
