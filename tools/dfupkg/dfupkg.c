/* DFU package (dfu_application.zip) reader and writer: see dfupkg.h for the format. */
#include "dfupkg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <zip.h>

#include "boot/boot.h"
#include "extxip_config.h"
#include "flash/flash_area.h"
#include "image/image.h"
#include "image/image_decomp.h"
#include "imgtool.h" /* it_lzma2_decompress (liblzma), it_buf_t */

#include "an505_mem.h" /* the QEMU stand-in board's addresses */
#include "pm_config.h"   /* the board's partition map (generated) */

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* A name we are willing to handle: the SDK stores plain file names (no folders). No
 * path separators, no "." / "..", no leading dot, printable ASCII only (a name goes to a
 * terminal and into JSON), bounded. */
static int safe_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DFUPKG_NAME_MAX || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7e || c == '/' || c == '\\' || c == ':' || c == '"')
            return 0;
    }
    return 1;
}

/* Printable form of an untrusted name for an error line. */
static const char *show(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    }
    buf[o] = '\0';
    return buf;
}

/* ------------------------------------------------------------ one image */

static int ram_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    memcpy(dst, (const uint8_t *)ctx + off, len);
    return FLASH_OK;
}
static int ram_ro(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    (void)ctx, (void)off, (void)src, (void)len;
    return FLASH_ERR_IO;
}
static int ram_noerase(void *ctx, uint32_t off, uint32_t len)
{
    (void)ctx, (void)off, (void)len;
    return FLASH_ERR_IO;
}

static void ver_str(const extxip_image_version_t *v, char *buf, size_t cap)
{
    if (v->build_num)
        snprintf(buf, cap, "%u.%u.%u.%u", v->major, v->minor, v->revision, v->build_num);
    else
        snprintf(buf, cap, "%u.%u.%u", v->major, v->minor, v->revision);
}

int dfupkg_check_image(const uint8_t *data, size_t size, int index, dfupkg_image_t *out,
                       char *err, size_t cap)
{
    if (size < IMAGE_HEADER_SIZE || size > DFUPKG_MAX_FILE)
        return fail(err, cap, "%zu bytes: not an MCUboot image", size);
    /* lib/image reads through a flash area: a read-only one over the buffer. */
    static const extxip_flash_dev_ops_t ops = {ram_read, ram_ro, ram_noerase, NULL, NULL};
    extxip_flash_dev_t dev = {"package", (uint32_t)size, 1, 1, 0xff, &ops, (void *)data, 0};
    extxip_flash_area_t fa = {0, "package", &dev, 0, (uint32_t)size};
    extxip_image_info_t info;
    int rc = extxip_image_validate(&fa, NULL, &info);
    if (rc == IMAGE_ERR_MAGIC)
        return fail(err, cap, "not an MCUboot image (no header magic)");
    if (rc == IMAGE_ERR_HASH)
        return fail(err, cap, "hash mismatch: the SHA-256 TLV does not match the image");
    if (rc != IMAGE_OK)
        return fail(err, cap, "not a valid MCUboot image: %s", extxip_image_strerror(rc));
    if (info.tlv_end != size)
        return fail(err, cap, "%zu bytes after the image's TLVs (image ends at %u)",
                    size - info.tlv_end, info.tlv_end);
    for (uint8_t d = 0; index >= 0 && d < info.dep_count && d < IMAGE_MAX_DEPS; d++) {
        if (info.deps[d].image_id == index)
            return fail(err, cap, "depends on image %d, its own index: built for another image",
                        index);
    }
    memcpy(out->hash, info.hash, sizeof out->hash);
    /* A compressed image runs as its plain image: DECOMP_SHA is the hash the
     * primary shows once the bootloader has inflated it. */
    memcpy(out->installed_hash, info.hash, sizeof out->installed_hash);
    extxip_image_decomp_info_t d;
    if ((info.hdr.flags & IMAGE_F_COMPRESSED_LZMA2) &&
        extxip_image_decomp_precheck(&fa, &info, UINT32_MAX, &d) == IMAGE_OK)
        memcpy(out->installed_hash, d.decomp_sha, sizeof out->installed_hash);
    ver_str(&info.hdr.ver, out->version, sizeof out->version);
    out->flags = info.hdr.flags;
    return 0;
}

/* ------------------------------------------------------------ the board's map */

/* The slots from the board's pm_static.yml (pm_config.h, generated at build
 * time); each image's code starts after its 0x200-byte header. */
#define HDR 0x200u
#define APP_LO PM_MCUBOOT_PRIMARY_ADDRESS
#define APP_HI (PM_MCUBOOT_PRIMARY_ADDRESS + PM_MCUBOOT_PRIMARY_SIZE)
static const dfupkg_board_t boards[] = {
    {"nrf5340dk",
     {{APP_LO, APP_LO + HDR, DFUPKG_CORE_APP},
      {PM_MCUBOOT_PRIMARY_1_ADDRESS, EXTXIP_BOARD_NET_FLASH_BASE, DFUPKG_CORE_NET},
      {PM_MCUBOOT_PRIMARY_2_ADDRESS, PM_MCUBOOT_PRIMARY_2_ADDRESS + HDR, DFUPKG_CORE_XIP}},
     {EXTXIP_BOARD_APP_RAM_BASE, EXTXIP_BOARD_NET_RAM_BASE},
     {EXTXIP_BOARD_APP_RAM_BASE + EXTXIP_BOARD_APP_RAM_SIZE,
      EXTXIP_BOARD_NET_RAM_BASE + EXTXIP_BOARD_NET_RAM_SIZE},
     {APP_LO, EXTXIP_BOARD_NET_FLASH_BASE},
     {APP_HI, EXTXIP_BOARD_NET_FLASH_BASE + EXTXIP_BOARD_NET_FLASH_SIZE}},
    /* The application core stand-in: internal flash and SRAM where QEMU's
     * machine has them (an505_mem.h); the network core's image is the nRF5340's. */
    {"mps2_an505",
     {{APP_LO, APP_LO + HDR, DFUPKG_CORE_APP},
      {PM_MCUBOOT_PRIMARY_1_ADDRESS, EXTXIP_BOARD_NET_FLASH_BASE, DFUPKG_CORE_NET},
      {PM_MCUBOOT_PRIMARY_2_ADDRESS, PM_MCUBOOT_PRIMARY_2_ADDRESS + HDR, DFUPKG_CORE_XIP}},
     {AN505_SRAM_BASE, EXTXIP_BOARD_NET_RAM_BASE},
     {AN505_SRAM_BASE + AN505_SRAM_SIZE, EXTXIP_BOARD_NET_RAM_BASE + EXTXIP_BOARD_NET_RAM_SIZE},
     {AN505_IFLASH_BASE + APP_LO, EXTXIP_BOARD_NET_FLASH_BASE},
     {AN505_IFLASH_BASE + APP_HI, EXTXIP_BOARD_NET_FLASH_BASE + EXTXIP_BOARD_NET_FLASH_SIZE}},
};

const dfupkg_board_t *dfupkg_board(const char *board)
{
    if (board && strstr(board, "an505"))
        return &boards[1];
    return &boards[0];
}

static const char *core_name(int core)
{
    return core == DFUPKG_CORE_APP ? "application core" : core == DFUPKG_CORE_NET ? "network core"
                                                                                 : "XIP part";
}

/* Does the image start with a vector table built for `core` on this board? */
static int vt_fits(const dfupkg_board_t *b, const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                   int core)
{
    extxip_boot_vt_bounds_t vb = {b->ram_lo[core], b->ram_hi[core], b->code_lo[core], b->code_hi[core]};
    return extxip_boot_check_vector_table(fa, info, &vb) == IMAGE_OK;
}

static int check_plain(const uint8_t *data, size_t size, const extxip_image_info_t *ip, int index,
                       const char *board, int has_load, uint32_t load_address, char *err,
                       size_t cap);

/* A compressed image (MCUboot's compressed images: header flag LZMA2, optionally
 * ARM thumb; the protected TLVs DECOMP_SIZE 0x70, DECOMP_SHA 0x71 and
 * DECOMP_SIGNATURE 0x72 describe the plain image): the TLVs must be there and the
 * body must inflate (liblzma, as imgtool's verify) to exactly DECOMP_SIZE bytes;
 * the plain image (same header, plain body) is then judged as any other. The
 * hashes and signatures are the device's to check (`image test`, the bootloader). */
static int check_compressed(const extxip_flash_area_t *fa, const uint8_t *data,
                            const extxip_image_info_t *info, int index, const char *board,
                            int has_load, uint32_t load_address, char *err, size_t cap)
{
    uint32_t flags = info->hdr.flags;
    char fl[160];
    /* The device's own TLV walk (lib/image, built in every configuration);
     * the slot size is the package's other checks' business, so no bound. */
    extxip_image_decomp_info_t d;
    if (extxip_image_decomp_precheck(fa, info, UINT32_MAX, &d) != IMAGE_OK || d.dsig_off == 0)
        return fail(err, cap, "header flags 0x%x ask for %s, but the image carries no valid "
                    "decompressed-image TLVs (DECOMP_SIZE, DECOMP_SHA, DECOMP_SIGNATURE, "
                    "once each)",
                    (unsigned)flags, extxip_image_flags_str(flags, fl, sizeof fl));
    uint32_t dsize = d.decomp_size;
    if (dsize == 0 || dsize > DFUPKG_MAX_FILE)
        return fail(err, cap, "DECOMP_SIZE %u out of range", (unsigned)dsize);
    it_buf_t plain = {0};
    it_err_t e = {0};
    it_buf_put(&plain, data, info->hdr.hdr_size);
    if (it_lzma2_decompress(data + info->hdr.hdr_size, info->hdr.img_size,
                            (flags & IMAGE_F_COMPRESSED_ARM_THUMB_FLT) != 0,
                            (size_t)info->hdr.hdr_size + dsize, &plain, &e) != 0) {
        it_buf_free(&plain);
        return fail(err, cap, "compressed body: %s", e.msg);
    }
    if (plain.len != (size_t)info->hdr.hdr_size + dsize) {
        size_t got = plain.len - info->hdr.hdr_size;
        it_buf_free(&plain);
        return fail(err, cap, "compressed body inflates to %zu bytes, DECOMP_SIZE says %u", got,
                    (unsigned)dsize);
    }
    extxip_image_info_t pi = *info;
    pi.hdr.img_size = dsize;
    pi.hdr.flags = flags & ~(uint32_t)(IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT);
    int rc = check_plain(plain.data, plain.len, &pi, index, board, has_load, load_address, err, cap);
    it_buf_free(&plain);
    return rc;
}

int dfupkg_check_target(const uint8_t *data, size_t size, int index, const char *board,
                        int has_load, uint32_t load_address, char *err, size_t cap)
{
    static const extxip_flash_dev_ops_t ops = {ram_read, ram_ro, ram_noerase, NULL, NULL};
    extxip_flash_dev_t dev = {"package", (uint32_t)size, 1, 1, 0xff, &ops, (void *)data, 0};
    extxip_flash_area_t fa = {0, "package", &dev, 0, (uint32_t)size};
    extxip_image_info_t info;
    if (size > DFUPKG_MAX_FILE || extxip_image_parse(&fa, &info) != IMAGE_OK)
        return fail(err, cap, "not a valid MCUboot image");
    uint32_t cbits = IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT;
    if ((info.hdr.flags & IMAGE_F_COMPRESSED_LZMA2) &&
        extxip_image_check_flags(info.hdr.flags & ~cbits) == IMAGE_OK)
        return check_compressed(&fa, data, &info, index, board, has_load, load_address, err, cap);
    return check_plain(data, size, &info, index, board, has_load, load_address, err, cap);
}

/* The checks on an image that is not compressed (or the plain image a compressed
 * one installs as): header flags, load address, ROM-fixed address, vector table. */
static int check_plain(const uint8_t *data, size_t size, const extxip_image_info_t *ip, int index,
                       const char *board, int has_load, uint32_t load_address, char *err,
                       size_t cap)
{
    static const extxip_flash_dev_ops_t ops = {ram_read, ram_ro, ram_noerase, NULL, NULL};
    extxip_flash_dev_t dev = {"package", (uint32_t)size, 1, 1, 0xff, &ops, (void *)data, 0};
    extxip_flash_area_t fa = {0, "package", &dev, 0, (uint32_t)size};
    extxip_image_info_t info = *ip;
    char fl[160];
    int rc = extxip_image_check_flags(info.hdr.flags);
    if (rc == IMAGE_ERR_FLAGS)
        return fail(err, cap, "header flags 0x%x ask for %s, which the device does not implement",
                    (unsigned)info.hdr.flags,
                    extxip_image_flags_str(extxip_image_flags_unsupported(info.hdr.flags), fl, sizeof fl));
    if (rc == IMAGE_ERR_NON_BOOTABLE)
        return fail(err, cap, "marked non-bootable (header flag 0x10): never installed");
    if (index < 0 || index > 2)
        return 0; /* no map to judge it by: the device does */
    const dfupkg_board_t *b = dfupkg_board(board);
    const dfupkg_slot_t *s = &b->img[index];
    if (has_load && load_address != s->load_address) {
        for (int j = 0; j < 3; j++)
            if (j != index && load_address == b->img[j].load_address)
                return fail(err, cap,
                            "manifest load_address 0x%x is image %d's, not image %d's (0x%x)",
                            (unsigned)load_address, j, index, (unsigned)s->load_address);
        return fail(err, cap, "manifest load_address 0x%x is not image %d's (0x%x)",
                    (unsigned)load_address, index, (unsigned)s->load_address);
    }
    if ((info.hdr.flags & IMAGE_F_ROM_FIXED) && info.hdr.load_addr != s->primary_off) {
        for (int j = 0; j < 3; j++)
            if (j != index && info.hdr.load_addr == b->img[j].primary_off &&
                b->img[j].primary_off != s->primary_off)
                return fail(err, cap,
                            "ROM-fixed to 0x%x, image %d's primary, not image %d's (0x%x)",
                            (unsigned)info.hdr.load_addr, j, index, (unsigned)s->primary_off);
        return fail(err, cap, "ROM-fixed to 0x%x, not image %d's primary (0x%x)",
                    (unsigned)info.hdr.load_addr, index, (unsigned)s->primary_off);
    }
    /* Which core's vector table does it carry, if any? */
    int holds = -1;
    for (int core = DFUPKG_CORE_APP; core <= DFUPKG_CORE_NET && holds < 0; core++)
        if (vt_fits(b, &fa, &info, core))
            holds = core;
    if (s->core == DFUPKG_CORE_XIP) {
        if (holds >= 0)
            return fail(err, cap, "image %d is the XIP part, but this is a %s build (its vector "
                        "table points into the %s's memory)", index, core_name(holds),
                        core_name(holds));
        return 0;
    }
    if (holds == s->core)
        return 0;
    uint8_t vt[8] = {0};
    if (info.hdr.img_size >= 8 && (size_t)info.hdr.hdr_size + 8 <= size)
        memcpy(vt, data + info.hdr.hdr_size, 8);
    uint32_t sp = (uint32_t)vt[0] | (uint32_t)vt[1] << 8 | (uint32_t)vt[2] << 16 | (uint32_t)vt[3] << 24;
    uint32_t rv = (uint32_t)vt[4] | (uint32_t)vt[5] << 8 | (uint32_t)vt[6] << 16 | (uint32_t)vt[7] << 24;
    if (holds >= 0)
        return fail(err, cap, "image %d runs on the %s, but this is a %s build (initial SP 0x%08x, "
                    "reset 0x%08x)", index, core_name(s->core), core_name(holds), (unsigned)sp,
                    (unsigned)rv);
    return fail(err, cap, "not built for image %d on %s: its vector table (initial SP 0x%08x, "
                "reset 0x%08x) is not the %s's (RAM 0x%08x..0x%08x, code 0x%08x..0x%08x)", index,
                b->name, (unsigned)sp, (unsigned)rv, core_name(s->core),
                (unsigned)b->ram_lo[s->core], (unsigned)b->ram_hi[s->core],
                (unsigned)b->code_lo[s->core], (unsigned)b->code_hi[s->core]);
}

/* "2.0.0", "2.0.0+7" (imgtool's --version spelling) against the header's version. */
static int version_matches(const char *manifest, const char *header)
{
    unsigned a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
    char tail;
    int n = sscanf(manifest, "%u.%u.%u+%u%c", &a[0], &a[1], &a[2], &a[3], &tail);
    if (n != 3 && n != 4)
        return 0;
    if (sscanf(header, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) < 3)
        return 0;
    return memcmp(a, b, sizeof a) == 0;
}

/* ------------------------------------------------------------ reading */

/* A file entry's image_index: the SDK writes a string ("0"), other writers an integer. */
static int get_index(json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -1;
    *out = x;
    return 0;
}

static int read_entry(zip_t *z, const char *path, zip_uint64_t i, const char *name,
                      zip_uint64_t declared, uint8_t **out, char *err, size_t cap)
{
    char nb[160];
    uint8_t *buf = malloc(declared + 1);
    if (!buf)
        return fail(err, cap, "%s: out of memory reading %s", path, show(name, nb, sizeof nb));
    zip_file_t *f = zip_fopen_index(z, i, 0);
    if (!f) {
        free(buf);
        return fail(err, cap, "%s: %s: %s", path, show(name, nb, sizeof nb), zip_strerror(z));
    }
    zip_uint64_t got = 0;
    /* Read one byte more than declared: an entry that inflates past its declared size
     * is refused instead of trusted. */
    while (got <= declared) {
        zip_int64_t r = zip_fread(f, buf + got, declared + 1 - got);
        if (r < 0) {
            snprintf(err, cap, "%s: %s: %s", path, show(name, nb, sizeof nb), zip_file_strerror(f));
            zip_fclose(f);
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        got += (zip_uint64_t)r;
    }
    zip_fclose(f);
    if (got != declared) {
        free(buf);
        return fail(err, cap, "%s: %s: holds %s bytes than its declared %llu (zip bomb?)",
                    path, show(name, nb, sizeof nb), got > declared ? "more" : "fewer",
                    (unsigned long long)declared);
    }
    *out = buf;
    return 0;
}

static int cmp_index(const void *a, const void *b)
{
    return ((const dfupkg_image_t *)a)->image - ((const dfupkg_image_t *)b)->image;
}

void dfupkg_free(dfupkg_t *p)
{
    for (int i = 0; i < p->count; i++)
        free(p->img[i].data);
    p->count = 0;
}

int dfupkg_read(const char *path, dfupkg_t *p, char *err, size_t cap)
{
    char nb[160];
    memset(p, 0, sizeof *p);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        snprintf(err, cap, "%s: not a readable zip: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    json_t *root = NULL;
    uint8_t *mtext = NULL;
    int rc = -1;
    zip_int64_t n = zip_get_num_entries(z, 0);
    if (n <= 0 || n > DFUPKG_MAX_ENTRIES) {
        fail(err, cap, "%s: %lld entries (want 1..%d)", path, (long long)n, DFUPKG_MAX_ENTRIES);
        goto out;
    }
    /* Every entry, used or not: safe name, unique, bounded size and ratio. */
    zip_uint64_t total = 0;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        zip_stat_t st;
        if (!name || zip_stat_index(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) != 0 ||
            !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
            fail(err, cap, "%s: entry %lld unreadable: %s", path, (long long)i, zip_strerror(z));
            goto out;
        }
        if (!safe_name(name)) {
            fail(err, cap, "%s: unsafe entry name '%s' (paths and '..' are refused)", path,
                 show(name, nb, sizeof nb));
            goto out;
        }
        for (zip_int64_t j = 0; j < i; j++) {
            const char *other = zip_get_name(z, (zip_uint64_t)j, ZIP_FL_ENC_RAW);
            if (other && strcmp(other, name) == 0) {
                fail(err, cap, "%s: entry '%s' appears twice", path, name);
                goto out;
            }
        }
        if (st.size > DFUPKG_MAX_FILE) {
            fail(err, cap, "%s: entry '%s' declares %llu bytes (limit %u)", path, name,
                 (unsigned long long)st.size, DFUPKG_MAX_FILE);
            goto out;
        }
        if (st.size > (64u << 10) && st.size / (st.comp_size ? st.comp_size : 1) > DFUPKG_MAX_RATIO) {
            fail(err, cap, "%s: entry '%s' compresses %llu:1 (limit %u:1; zip bomb?)", path, name,
                 (unsigned long long)(st.size / (st.comp_size ? st.comp_size : 1)),
                 DFUPKG_MAX_RATIO);
            goto out;
        }
        total += st.size;
        if (total > DFUPKG_MAX_TOTAL) {
            fail(err, cap, "%s: entries declare more than %u bytes in all", path, DFUPKG_MAX_TOTAL);
            goto out;
        }
    }

    zip_int64_t mi = zip_name_locate(z, "manifest.json", ZIP_FL_ENC_RAW);
    if (mi < 0) {
        fail(err, cap, "%s: no manifest.json (not an nRF Connect SDK DFU package)", path);
        goto out;
    }
    zip_stat_t mst;
    if (zip_stat_index(z, (zip_uint64_t)mi, 0, &mst) != 0 || mst.size > DFUPKG_MAX_MANIFEST) {
        fail(err, cap, "%s: manifest.json larger than %u bytes", path, DFUPKG_MAX_MANIFEST);
        goto out;
    }
    if (read_entry(z, path, (zip_uint64_t)mi, "manifest.json", mst.size, &mtext, err, cap) != 0)
        goto out;
    /* The whole entry must be exactly one JSON object. A raw 0x00 is never JSON text
     * (RFC 8259: not whitespace, and not allowed unescaped in a string), but jansson 2.14's
     * lexer drops one that follows a number or a literal when it pushes the byte back, and
     * parses on: refuse any NUL outright, then also require the parser to have consumed
     * every byte of the entry (position is set on success too). */
    const uint8_t *nul = memchr(mtext, 0, mst.size);
    if (nul) {
        fail(err, cap, "%s: manifest.json: raw 0x00 byte at offset %zu (not JSON text)", path,
             (size_t)(nul - mtext));
        goto out;
    }
    json_error_t je;
    root = json_loadb((const char *)mtext, mst.size, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        fail(err, cap, "%s: manifest.json: %s", path, root ? "not a JSON object" : je.text);
        goto out;
    }
    if (je.position < 0 || (zip_uint64_t)je.position != mst.size) {
        fail(err, cap, "%s: manifest.json: parser consumed %d of its %llu bytes (not one JSON object)",
             path, je.position, (unsigned long long)mst.size);
        goto out;
    }
    json_t *fv = json_object_get(root, "format-version");
    if (fv && (!json_is_integer(fv) || json_integer_value(fv) < 0 || json_integer_value(fv) > 1)) {
        fail(err, cap, "%s: manifest.json: unsupported format-version (know 0 and 1)", path);
        goto out;
    }
    p->format_version = fv ? (int)json_integer_value(fv) : 0;
    json_t *t = json_object_get(root, "time");
    if (json_is_integer(t))
        p->time = json_integer_value(t);
    json_t *nm = json_object_get(root, "name");
    if (json_is_string(nm))
        snprintf(p->name, sizeof p->name, "%s", show(json_string_value(nm), nb, sizeof nb));
    json_t *files = json_object_get(root, "files");
    if (!json_is_array(files) || json_array_size(files) == 0) {
        fail(err, cap, "%s: manifest.json: no files[] list", path);
        goto out;
    }
    if (json_array_size(files) > DFUPKG_MAX_IMAGES) {
        fail(err, cap, "%s: manifest.json: %zu files (limit %d)", path, json_array_size(files),
             DFUPKG_MAX_IMAGES);
        goto out;
    }
    for (size_t k = 0; k < json_array_size(files); k++) {
        json_t *e = json_array_get(files, k);
        if (!json_is_object(e)) {
            fail(err, cap, "%s: manifest.json: files[%zu] is not an object", path, k);
            goto out;
        }
        json_t *fn = json_object_get(e, "file");
        if (!json_is_string(fn) || !safe_name(json_string_value(fn))) {
            fail(err, cap, "%s: manifest.json: files[%zu]: missing or unsafe \"file\" '%s'", path,
                 k, json_is_string(fn) ? show(json_string_value(fn), nb, sizeof nb) : "");
            goto out;
        }
        const char *fname = json_string_value(fn);
        json_t *ty = json_object_get(e, "type");
        if (ty && (!json_is_string(ty) || strcmp(json_string_value(ty), "application") != 0)) {
            fail(err, cap, "%s: %s: type '%s' is not an MCUboot application update", path,
                 fname, json_is_string(ty) ? show(json_string_value(ty), nb, sizeof nb) : "?");
            goto out;
        }
        long long idx = 0; /* absent: image 0, as Device Manager reads it */
        json_t *ix = json_object_get(e, "image_index");
        if (ix && get_index(ix, &idx) != 0) {
            fail(err, cap, "%s: %s: image_index is not a number", path, fname);
            goto out;
        }
        if (idx < 0 || idx > DFUPKG_MAX_INDEX) {
            fail(err, cap, "%s: %s: image index %lld out of range (0..%d)", path, fname, idx,
                 DFUPKG_MAX_INDEX);
            goto out;
        }
        for (int j = 0; j < p->count; j++) {
            if (p->img[j].image == idx) {
                fail(err, cap, "%s: %s: image index %lld listed twice", path, fname, idx);
                goto out;
            }
            if (strcmp(p->img[j].file, fname) == 0) {
                fail(err, cap, "%s: %s listed twice", path, fname);
                goto out;
            }
        }
        zip_int64_t zi = zip_name_locate(z, fname, ZIP_FL_ENC_RAW);
        if (zi < 0) {
            fail(err, cap, "%s: manifest names %s, which is not in the zip", path, fname);
            goto out;
        }
        zip_stat_t st;
        if (zip_stat_index(z, (zip_uint64_t)zi, 0, &st) != 0) {
            fail(err, cap, "%s: %s: %s", path, fname, zip_strerror(z));
            goto out;
        }
        json_t *sz = json_object_get(e, "size");
        if (sz && (!json_is_integer(sz) || (zip_uint64_t)json_integer_value(sz) != st.size)) {
            fail(err, cap, "%s: %s: manifest size %lld, zip holds %llu bytes", path, fname,
                 json_is_integer(sz) ? (long long)json_integer_value(sz) : -1LL,
                 (unsigned long long)st.size);
            goto out;
        }
        dfupkg_image_t *im = &p->img[p->count];
        memset(im, 0, sizeof *im);
        snprintf(im->file, sizeof im->file, "%s", fname);
        im->image = (int)idx;
        if (read_entry(z, path, (zip_uint64_t)zi, fname, st.size, &im->data, err, cap) != 0)
            goto out;
        p->count++;
        im->size = (size_t)st.size;
        char why[400];
        if (dfupkg_check_image(im->data, im->size, im->image, im, why, sizeof why) != 0) {
            fail(err, cap, "%s: %s: %s", path, fname, why);
            goto out;
        }
        /* Before any byte is sent: built for the image the manifest puts it
         * in, at the load address it gives, on the board it names. */
        json_t *la = json_object_get(e, "load_address");
        if (la && (!json_is_integer(la) || json_integer_value(la) < 0 ||
                   json_integer_value(la) > 0xffffffffLL)) {
            fail(err, cap, "%s: %s: load_address is not an address", path, fname);
            goto out;
        }
        json_t *bd = json_object_get(e, "board");
        if (dfupkg_check_target(im->data, im->size, im->image,
                                json_is_string(bd) ? json_string_value(bd) : NULL, la != NULL,
                                la ? (uint32_t)json_integer_value(la) : 0, why,
                                sizeof why) != 0) {
            fail(err, cap, "%s: %s (image %d): %s; nothing sent", path, fname, im->image, why);
            goto out;
        }
        json_t *mv = json_object_get(e, "version_MCUBOOT");
        if (!mv)
            mv = json_object_get(e, "version");
        if (json_is_string(mv) && !version_matches(json_string_value(mv), im->version)) {
            fail(err, cap, "%s: %s: manifest says version %s, the image header %s", path, fname,
                 show(json_string_value(mv), nb, sizeof nb), im->version);
            goto out;
        }
        p->total += im->size;
    }
    qsort(p->img, (size_t)p->count, sizeof p->img[0], cmp_index);
    rc = 0;
out:
    if (rc != 0)
        dfupkg_free(p);
    json_decref(root);
    free(mtext);
    zip_discard(z);
    return rc;
}

/* ------------------------------------------------------------ writing */

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} sbuf_t;

static void put(sbuf_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf_t *s, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            s->oom = 1;
            return;
        }
        if (s->buf && s->len + (size_t)n < s->cap) {
            s->len += (size_t)n;
            return;
        }
        size_t nc = (s->cap ? s->cap * 2 : 1024) + (size_t)n;
        char *p = realloc(s->buf, nc);
        if (!p) {
            s->oom = 1;
            return;
        }
        s->buf = p;
        s->cap = nc;
    }
}

/* A JSON string as Python's json.dumps writes it (ensure_ascii): our strings are
 * printable ASCII (checked by the caller), so only '"' and '\\' need escaping. */
static void put_str(sbuf_t *s, const char *v)
{
    put(s, "\"");
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            put(s, "\\%c", *v);
        else
            put(s, "%c", *v);
    }
    put(s, "\"");
}

static int printable(const char *v)
{
    for (; v && *v; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
            return 0;
    return 1;
}

int dfupkg_write(const char *out, const dfupkg_in_t *in, size_t n, const dfupkg_meta_t *m,
                 char *err, size_t cap)
{
    if (n == 0 || n > DFUPKG_MAX_IMAGES)
        return fail(err, cap, "a package holds 1..%d images", DFUPKG_MAX_IMAGES);
    if (!printable(m->name) || !printable(m->board) || !printable(m->soc))
        return fail(err, cap, "name, board and soc must be printable ASCII");
    uint8_t *data[DFUPKG_MAX_IMAGES] = {0};
    size_t size[DFUPKG_MAX_IMAGES] = {0};
    long long mtime[DFUPKG_MAX_IMAGES] = {0};
    sbuf_t s = {0};
    zip_t *z = NULL;
    char tmp[4096];
    int rc = -1;
    long long now = m->time >= 0 ? m->time : (long long)time(NULL);

    for (size_t i = 0; i < n; i++) {
        if (!safe_name(in[i].zip_name)) {
            fail(err, cap, "'%s' is not a plain file name", in[i].zip_name);
            goto out;
        }
        if (in[i].image < 0 || in[i].image > DFUPKG_MAX_INDEX) {
            fail(err, cap, "image index %d out of range (0..%d)", in[i].image, DFUPKG_MAX_INDEX);
            goto out;
        }
        if (!printable(in[i].board) || !printable(in[i].soc)) {
            fail(err, cap, "board and soc must be printable ASCII");
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (in[j].image == in[i].image || strcmp(in[j].zip_name, in[i].zip_name) == 0) {
                fail(err, cap, "image %d / %s given twice", in[i].image, in[i].zip_name);
                goto out;
            }
        FILE *f = fopen(in[i].path, "rb");
        struct stat stt;
        if (!f || fstat(fileno(f), &stt) != 0 || stt.st_size <= 0 ||
            (unsigned long long)stt.st_size > DFUPKG_MAX_FILE) {
            fail(err, cap, "%s: %s", in[i].path, f ? "empty or too large" : strerror(errno));
            if (f)
                fclose(f);
            goto out;
        }
        size[i] = (size_t)stt.st_size;
        mtime[i] = m->time >= 0 ? m->time : (long long)stt.st_mtime;
        data[i] = malloc(size[i]);
        if (!data[i] || fread(data[i], 1, size[i], f) != size[i]) {
            fclose(f);
            fail(err, cap, "%s: read failed", in[i].path);
            goto out;
        }
        fclose(f);
        dfupkg_image_t im;
        char why[400];
        /* The image format only, as the SDK's generate_zip.py packages what
         * it is given: whether a package fits a device is for the reader
         * (dfupkg_check_target), before anything is sent. */
        if (dfupkg_check_image(data[i], size[i], in[i].image, &im, why, sizeof why) != 0) {
            fail(err, cap, "%s: %s", in[i].path, why);
            goto out;
        }
    }

    /* json.dumps(manifest, indent=4): keys in generate_zip.py's order. */
    put(&s, "{\n    \"format-version\": 1,\n    \"time\": %lld,\n    \"files\": [\n", now);
    for (size_t i = 0; i < n; i++) {
        dfupkg_image_t im;
        char why[200];
        dfupkg_check_image(data[i], size[i], in[i].image, &im, why, sizeof why);
        /* imgtool --version spelling (build after '+'): "2.0.0", "2.0.0+7". */
        char ver[48];
        unsigned a, b, c, d = 0;
        if (sscanf(im.version, "%u.%u.%u.%u", &a, &b, &c, &d) >= 3 && d)
            snprintf(ver, sizeof ver, "%u.%u.%u+%u", a, b, c, d);
        else
            snprintf(ver, sizeof ver, "%s", im.version);
        put(&s, "        {\n            \"type\": \"application\",\n");
        put(&s, "            \"board\": ");
        put_str(&s, in[i].board ? in[i].board : m->board ? m->board : "");
        put(&s, ",\n            \"soc\": ");
        put_str(&s, in[i].soc ? in[i].soc : m->soc ? m->soc : "");
        put(&s, ",\n");
        if (in[i].net) { /* the SDK's net core entry: index first, "version" */
            put(&s, "            \"image_index\": \"%d\",\n", in[i].image);
            put(&s, "            \"slot_index_primary\": \"%d\",\n", in[i].image * 2 + 1);
            put(&s, "            \"slot_index_secondary\": \"%d\",\n", in[i].image * 2 + 2);
            put(&s, "            \"load_address\": %lu,\n", (unsigned long)in[i].load_address);
            put(&s, "            \"version\": \"%s\",\n", ver);
        } else {
            put(&s, "            \"load_address\": %lu,\n", (unsigned long)in[i].load_address);
            put(&s, "            \"image_index\": \"%d\",\n", in[i].image);
            put(&s, "            \"slot_index_primary\": \"%d\",\n", in[i].image * 2 + 1);
            put(&s, "            \"slot_index_secondary\": \"%d\",\n", in[i].image * 2 + 2);
            put(&s, "            \"version_MCUBOOT\": \"%s\",\n", ver);
        }
        put(&s, "            \"size\": %zu,\n            \"file\": ", size[i]);
        put_str(&s, in[i].zip_name);
        put(&s, ",\n            \"modtime\": %lld\n        }%s\n", mtime[i], i + 1 < n ? "," : "");
    }
    put(&s, "    ]");
    if (m->name) {
        put(&s, ",\n    \"name\": ");
        put_str(&s, m->name);
    }
    put(&s, "\n}");
    if (s.oom) {
        fail(err, cap, "out of memory");
        goto out;
    }

    /* Write next to the target and rename: a failed run leaves no half package. */
    if (snprintf(tmp, sizeof tmp, "%s.tmp", out) >= (int)sizeof tmp) {
        fail(err, cap, "%s: path too long", out);
        goto out;
    }
    int zerr = 0;
    z = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z) {
        fail(err, cap, "%s: cannot create zip (libzip error %d)", tmp, zerr);
        goto out;
    }
    for (size_t i = 0; i <= n; i++) {
        const char *name = i < n ? in[i].zip_name : "manifest.json";
        zip_source_t *src = zip_source_buffer(z, i < n ? data[i] : (const void *)s.buf,
                                              i < n ? size[i] : s.len, 0);
        zip_int64_t idx = src ? zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            fail(err, cap, "%s: %s", out, zip_strerror(z));
            goto out;
        }
        if (zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0 ||
            zip_file_set_mtime(z, (zip_uint64_t)idx, (time_t)(i < n ? mtime[i] : now), 0) != 0) {
            fail(err, cap, "%s: %s", out, zip_strerror(z));
            goto out;
        }
    }
    if (zip_close(z) != 0) {
        fail(err, cap, "%s: %s", out, zip_strerror(z));
        goto out;
    }
    z = NULL;
    if (rename(tmp, out) != 0) {
        fail(err, cap, "%s: %s", out, strerror(errno));
        remove(tmp);
        goto out;
    }
    rc = 0;
out:
    if (z) {
        zip_discard(z);
        remove(tmp);
    }
    for (size_t i = 0; i < n && i < DFUPKG_MAX_IMAGES; i++)
        free(data[i]);
    free(s.buf);
    return rc;
}
