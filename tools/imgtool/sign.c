/*
 * `sign`: build an MCUboot image exactly as imgtool 2.4.0's Image.load /
 * create / save do (little endian, no encryption; --compression as main.sign):
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

/* The protected TLV area (info header included; empty when there are no
 * entries), in imgtool's order: security counter, dependencies, the
 * compression TLVs (comp: rendered entries, may be empty), custom TLVs. */
static int protected_area(const it_sign_opts_t *o, const it_buf_t *comp, it_buf_t *prot,
                          it_err_t *e)
{
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
    if (comp)
        it_buf_put(&pbody, comp->data, comp->len);
    for (size_t i = 0; i < o->custom_count; i++)
        tlv_add(&pbody, o->custom[i].tag, o->custom[i].val, o->custom[i].len);
    int rc = 0;
    if (pbody.len + 4 > 0xffff) {
        rc = it_errf(e, "protected TLV area too large");
    } else if (pbody.len) {
        uint8_t h[4];
        le16(h, TLV_PROT_INFO_MAGIC);
        le16(h + 2, (uint32_t)(pbody.len + 4));
        it_buf_put(prot, h, 4);
        it_buf_put(prot, pbody.data, pbody.len);
    }
    it_buf_free(&pbody);
    return rc;
}

static void write_header(const it_sign_opts_t *o, uint8_t *h, size_t prot_len, size_t body_len,
                         uint32_t extra)
{
    uint32_t flags = extra | o->extra_flags;
    if (o->load_addr)
        flags |= F_RAM_LOAD;
    if (o->rom_fixed)
        flags |= F_ROM_FIXED;
    if (o->non_bootable)
        flags |= F_NON_BOOTABLE;
    memset(h, 0, 32);
    le32(h, IMAGE_MAGIC);
    le32(h + 4, o->rom_fixed ? o->rom_fixed : o->load_addr);
    le16(h + 8, o->header_size);
    le16(h + 10, (uint32_t)prot_len);
    le32(h + 12, (uint32_t)body_len);
    le32(h + 16, flags);
    version_bytes(&o->version, h + 20);
}

/* The unprotected TLVs (hash, key, signature) over img (header, body and
 * protected area): appended to img, the hash in digest, the signature in sig. */
static int sign_tlvs(const it_sign_opts_t *o, it_key_t *key, const it_buf_t *pub, it_buf_t *img,
                     uint8_t digest[32], it_buf_t *sig, it_err_t *e)
{
    it_sha256(img->data, img->len, digest);
    it_buf_t tbody = {0};
    int rc = -1;
    tlv_add(&tbody, 0x10, digest, 32);
    if (key) {
        if (o->public_key_full) {
            tlv_add(&tbody, 0x02, pub->data, pub->len);
        } else {
            uint8_t kh[32];
            it_sha256(pub->data, pub->len, kh);
            tlv_add(&tbody, 0x01, kh, 32);
        }
        if (o->info)
            fprintf(o->info, "image.py: sign the %s\n",
                    it_key_type(key) == IT_KEY_ED25519 ? "digest" : "payload");
        if (it_key_sign(key, img->data, img->len, digest, sig, e) != 0)
            goto out;
        if (o->pad_sig && it_key_type(key) == IT_KEY_EC_P256 && sig->len < 72)
            it_buf_fill(sig, 0, 72 - sig->len); /* MCUboot < 1.5 wanted 72 bytes */
        tlv_add(&tbody, it_key_sig_tlv(key), sig->data, sig->len);
    }
    if (tbody.len + 4 > 0xffff) {
        it_errf(e, "TLV area too large");
        goto out;
    }
    uint8_t th[4];
    le16(th, TLV_INFO_MAGIC);
    le16(th + 2, (uint32_t)(tbody.len + 4));
    it_buf_put(img, th, 4);
    it_buf_put(img, tbody.data, tbody.len);
    rc = 0;
out:
    it_buf_free(&tbody);
    return rc;
}

/* One image as imgtool's Image.create builds it: header padding, header
 * (with extra_flags), body, protected area (with comp TLVs), TLVs; then
 * check_trailer. */
static int build_image(const it_sign_opts_t *o, it_key_t *key, const it_buf_t *pub,
                       const uint8_t *body, size_t body_len, uint32_t extra_flags,
                       const it_buf_t *comp, it_buf_t *img, uint8_t digest[32], it_buf_t *sig,
                       it_err_t *e)
{
    it_buf_t prot = {0};
    int rc = -1;
    if (protected_area(o, comp, &prot, e) != 0)
        goto out;
    /* Header padding is the erased value with --pad-header; without it the
     * input's own (checked) zeros. The header overwrites its first 32 bytes. */
    it_buf_fill(img, o->pad_header ? o->erased_val : 0, o->header_size);
    it_buf_put(img, body, body_len);
    write_header(o, img->data, prot.len, body_len, extra_flags);
    it_buf_put(img, prot.data, prot.len);
    if (sign_tlvs(o, key, pub, img, digest, sig, e) != 0)
        goto out;
    /* check_trailer: image + trailer must fit the slot. */
    if (o->slot_size > 0) {
        size_t tsize = trailer_size(o);
        if (img->len + tsize > o->slot_size) {
            it_usagef(e, "Image size (0x%zx) + trailer (0x%zx) exceeds requested size 0x%x",
                      img->len, tsize, o->slot_size);
            goto out;
        }
    }
    rc = 0;
out:
    it_buf_free(&prot);
    return rc;
}

/* Load INFILE into in; body/body_len: the payload after the header. */
static int load_body(const it_sign_opts_t *o, const char *infile, it_buf_t *in, bool *has_base,
                     uint32_t *base_addr, const uint8_t **body, size_t *body_len, it_err_t *e)
{
    if (o->load_addr && o->rom_fixed)
        return it_usagef(e, "Can not set rom_fixed and load_addr at the same time");
    struct stat st;
    if (stat(infile, &st) != 0 && errno == ENOENT)
        return it_usagef(e, "Input file not found");
    if (it_load_input(infile, in, has_base, base_addr, e) != 0)
        return -1;
    if (o->pad_header && o->header_size > 0) {
        if (*has_base && *base_addr) {
            if (*base_addr < o->header_size)
                return it_errf(e, "input starts at 0x%x, below the header size 0x%x", *base_addr,
                               o->header_size);
            *base_addr -= o->header_size;
        }
        *body = in->data;
        *body_len = in->len;
    } else {
        if (in->len < o->header_size)
            return it_errf(e, "input is smaller than the header size 0x%x (use --pad-header?)",
                           o->header_size);
        for (size_t i = 0; i < o->header_size; i++)
            if (in->data[i] != 0)
                return it_usagef(e, "Header padding was not requested and image does not start "
                                    "with zeros");
        *body = in->data + o->header_size;
        *body_len = in->len - o->header_size;
    }
    if (*body_len > 0xffffffffu)
        return it_errf(e, "image body is larger than 4 GiB");
    return 0;
}

/* --compression: sign the plain image first (its hash and signature become
 * DECOMP_SHA / DECOMP_SIGNATURE), compress the body, and sign the compressed
 * image if that is smaller, as imgtool 2.4.0's main.sign does; otherwise the
 * plain image stands. img holds the plain image on entry, the result on exit. */
static int compress_image(const it_sign_opts_t *o, it_key_t *key, const it_buf_t *pub,
                          const uint8_t *body, size_t body_len, it_buf_t *img,
                          const uint8_t plain_digest[32], const it_buf_t *plain_sig, it_err_t *e)
{
    it_buf_t packed = {0}, comp = {0}, cimg = {0}, sig = {0};
    int rc = -1;
    it_buf_put(&packed, (const uint8_t[2]){IT_LZMA2_DICT_CODE, IT_LZMA2_PROPS}, 2);
    if (it_lzma2_compress(body, body_len, o->compression == IT_COMP_LZMA2_ARMTHUMB, &packed, e) != 0)
        goto out;
    size_t csize = packed.len - 2;
    if (o->info)
        fprintf(o->info, "compressed image size: %zu bytes\noriginal image size: %zu bytes\n",
                csize, body_len);
    if (csize + 4 + 32 + plain_sig->len >= body_len) {
        rc = 0; /* not worth it: imgtool keeps the plain image */
        goto out;
    }
    uint8_t v[4];
    le32(v, (uint32_t)body_len);
    tlv_add(&comp, 0x70, v, 4);
    tlv_add(&comp, 0x71, plain_digest, 32);
    if (plain_sig->len)
        tlv_add(&comp, 0x72, plain_sig->data, plain_sig->len);
    uint32_t flags = IT_F_COMPRESSED_LZMA2;
    if (o->compression == IT_COMP_LZMA2_ARMTHUMB)
        flags |= IT_F_COMPRESSED_ARM_THUMB;
    uint8_t digest[32];
    if (build_image(o, key, pub, packed.data, packed.len, flags, &comp, &cimg, digest, &sig, e) != 0)
        goto out;
    it_buf_t t = *img;
    *img = cimg;
    cimg = t;
    rc = 0;
out:
    it_buf_free(&packed);
    it_buf_free(&comp);
    it_buf_free(&cimg);
    it_buf_free(&sig);
    return rc;
}

int it_sign(const it_sign_opts_t *o, const char *infile, const char *outfile, it_err_t *e)
{
    int rc = -1;
    it_buf_t in = {0}, img = {0}, pub = {0}, sig = {0};
    it_key_t *key = NULL;
    bool has_base = false;
    uint32_t base_addr = 0;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    uint8_t digest[32];

    if (o->compression && o->non_bootable) {
        /* imgtool drops the flag from the compressed header but not from the
         * hash the bootloader checks after inflating: no MCUboot installs it. */
        it_usagef(e, "--compression cannot be combined with --non-bootable");
        goto out;
    }
    if (load_body(o, infile, &in, &has_base, &base_addr, &body, &body_len, e) != 0)
        goto out;
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
    if (build_image(o, key, &pub, body, body_len, 0, NULL, &img, digest, &sig, e) != 0)
        goto out;
    if (o->compression &&
        compress_image(o, key, &pub, body, body_len, &img, digest, &sig, e) != 0)
        goto out;
    rc = save(o, &img, has_base, base_addr, outfile, e);
out:
    it_key_free(key);
    it_buf_free(&in);
    it_buf_free(&img);
    it_buf_free(&pub);
    it_buf_free(&sig);
    return rc;
}
