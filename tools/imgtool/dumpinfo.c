/*
 * `dumpinfo`: imgtool's human-readable dump (header, protected and
 * unprotected TLVs, trailer), reproduced character for character. Unlike
 * imgtool, an offset or length that runs past the file is refused with an
 * error instead of a Python traceback or a silently short TLV.
 */
#include "imgtool.h"

#include <stdlib.h>
#include <string.h>

#define LINE 60
#define F_ENC128 0x4u
#define F_ENC256 0x8u

static const uint8_t BOOT_MAGIC[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                       0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
static const uint8_t BOOT_MAGIC_2[14] = {0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d,
                                         0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a};

static const struct { uint16_t v; const char *name; } TLV_NAMES[] = {
    {0x01, "KEYHASH"}, {0x02, "PUBKEY"}, {0x10, "SHA256"}, {0x11, "SHA384"},
    {0x12, "SHA512"}, {0x20, "RSA2048"}, {0x22, "ECDSASIG"}, {0x23, "RSA3072"},
    {0x24, "ED25519"}, {0x25, "SIG_PURE"}, {0x30, "ENCRSA2048"}, {0x31, "ENCKW"},
    {0x32, "ENCEC256"}, {0x33, "ENCX25519"}, {0x34, "ENCX25519_SHA512"},
    {0x40, "DEPENDENCY"}, {0x50, "SEC_CNT"}, {0x60, "BOOT_RECORD"}, {0x70, "DECOMP_SIZE"},
    {0x71, "DECOMP_SHA"}, {0x72, "DECOMP_SIGNATURE"}, {0x73, "COMP_DEC_SIZE"},
    {0x74, "UUID_VID"}, {0x75, "UUID_CID"},
};

/* imgtool's IMAGE_F, in its order. */
static const struct { uint32_t v; const char *name; } FLAG_NAMES[] = {
    {0x1, "PIC"}, {0x4, "ENCRYPTED_AES128"}, {0x8, "ENCRYPTED_AES256"},
    {0x10, "NON_BOOTABLE"}, {0x20, "RAM_LOAD"}, {0x100, "ROM_FIXED"},
    {0x200, "COMPRESSED_LZMA1"}, {0x400, "COMPRESSED_LZMA2"}, {0x800, "COMPRESSED_ARM_THUMB"},
};

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }

static const char *tlv_name(uint32_t t)
{
    for (size_t i = 0; i < sizeof TLV_NAMES / sizeof TLV_NAMES[0]; i++)
        if (TLV_NAMES[i].v == t)
            return TLV_NAMES[i].name;
    return "UNKNOWN";
}

static void fill(FILE *out, char c, int n)
{
    for (int i = 0; i < n; i++)
        fputc(c, out);
}

/* "#### text " followed by '#' up to LINE columns. */
static void row(FILE *out, const char *text)
{
    int n = fprintf(out, "#### %s ", text);
    fill(out, '#', LINE - n);
    fputc('\n', out);
}

static void frame(FILE *out, const char *title, const char *content)
{
    row(out, title);
    int cl = (int)strlen(content);
    fputc('|', out);
    fill(out, ' ', LINE - 2);
    fputs("|\n", out);
    int offset = (LINE - cl) / 2;
    fputc('|', out);
    fill(out, ' ', offset - 1);
    fputs(content, out);
    fill(out, ' ', LINE - offset - cl - 1);
    fputs("|\n|", out);
    fill(out, ' ', LINE - 2);
    fputs("|\n", out);
    fill(out, '#', LINE);
    fputc('\n', out);
}

typedef struct tlv {
    uint32_t type, len;
    const uint8_t *data;
} tlv_t;

/* Walk one TLV area at off; checks that the info header and every record
 * fit the file. Returns the number of records (or -1), sets *tot. */
static int walk(const uint8_t *b, size_t len, uint64_t off, uint32_t *magic, uint32_t *tot,
                tlv_t *out, size_t max, it_err_t *e)
{
    if (off + 4 > len)
        return it_errf(e, "TLV area header at 0x%llx is past the end of the file (0x%zx)",
                       (unsigned long long)off, len);
    *magic = rd16(b + off);
    *tot = rd16(b + off + 2);
    uint64_t end = off + *tot;
    int n = 0;
    for (uint64_t p = off + 4; p < end;) {
        if (p + 4 > len)
            return it_errf(e, "TLV at 0x%llx is past the end of the file",
                           (unsigned long long)p);
        uint32_t tl = rd16(b + p + 2);
        if (p + 4 + tl > len)
            return it_errf(e, "TLV at 0x%llx (len 0x%x) runs past the end of the file",
                           (unsigned long long)p, tl);
        if ((size_t)n >= max)
            return it_errf(e, "more than %zu TLVs in one area", max);
        out[n++] = (tlv_t){rd16(b + p), tl, b + p + 4};
        p += 4 + tl;
    }
    return n;
}

static void print_tlvs(FILE *out, const tlv_t *t, int n)
{
    const int indent = LINE / 8;
    for (int i = 0; i < n; i++) {
        fill(out, ' ', indent);
        fputc(' ', out);
        fill(out, '-', 45);
        fputc('\n', out);
        fill(out, ' ', indent);
        fprintf(out, " type: %s (0x%x)\n", tlv_name(t[i].type), t[i].type);
        fill(out, ' ', indent);
        fprintf(out, " len:  0x%x\n", t[i].len);
        fill(out, ' ', indent);
        fputs(" data: ", out);
        for (uint32_t j = 0; j < t[i].len; j++) {
            fprintf(out, "0x%02x ", t[i].data[j]);
            if ((j + 1) % 8 == 0 && j + 1 != t[i].len) {
                fputc('\n', out);
                fill(out, ' ', indent + 7);
            }
        }
        if (i + 1 < n)
            fputc('\n', out);
    }
    fputc('\n', out);
}

static void print_status(FILE *out, const char *label, uint8_t v)
{
    static const char *const st[] = {NULL, "SET", "BAD", "UNSET", "ANY"};
    if (v >= 1 && v <= 4)
        fprintf(out, "%s %s (0x%x)\n", label, st[v], v);
    else
        fprintf(out, "%s INVALID (0x%x)\n", label, v);
}

#define MAX_TLVS 4096

static int dump(const uint8_t *b, size_t len, const char *name, FILE *out, tlv_t *prot,
                tlv_t *tlvs, it_err_t *e);

int it_dumpinfo(const uint8_t *b, size_t len, const char *name, FILE *out, it_err_t *e)
{
    if (len < 28)
        return it_errf(e, "file too short for an image header (%zu bytes)", len);
    tlv_t *prot = calloc(2 * MAX_TLVS, sizeof *prot);
    if (!prot)
        return it_errf(e, "out of memory");
    int rc = dump(b, len, name, out, prot, prot + MAX_TLVS, e);
    free(prot);
    return rc;
}

static int dump(const uint8_t *b, size_t len, const char *name, FILE *out, tlv_t *prot,
                tlv_t *tlvs, it_err_t *e)
{
    uint32_t hdr_size = rd16(b + 8), prot_size = rd16(b + 10), img_size = rd32(b + 12);
    uint32_t flags = rd32(b + 16);
    uint64_t off = (uint64_t)hdr_size + img_size;
    uint32_t pmagic = 0, ptot = 0, magic = 0, tot = 0;
    int np = 0, n;
    if (prot_size != 0) {
        np = walk(b, len, off, &pmagic, &ptot, prot, MAX_TLVS, e);
        if (np < 0)
            return -1;
        off += ptot;
    }
    n = walk(b, len, off, &magic, &tot, tlvs, MAX_TLVS, e);
    if (n < 0)
        return -1;
    uint64_t tlv_end = off + tot;
    if (tlv_end > len)
        return it_errf(e, "TLV area (0x%x bytes at 0x%llx) runs past the end of the file (0x%zx)",
                       tot, (unsigned long long)off, len);

    /* Trailer, read before anything is printed (imgtool warns first). */
    bool has_trailer = len != tlv_end, magic_ok = false;
    const uint8_t *tmagic = b + len - 16;
    uint8_t image_ok = 0, copy_done = 0, swap_info = 0;
    uint32_t swap_size = 0, key_field_len = 0;
    if (has_trailer) {
        uint32_t ma = 0;
        if (memcmp(tmagic, BOOT_MAGIC, 16) == 0) {
            ma = 8;
            magic_ok = true;
        } else if (memcmp(tmagic + 2, BOOT_MAGIC_2, 14) == 0) {
            ma = rd16(tmagic);
            magic_ok = true;
        } else {
            fputs("Warning: the trailer magic value is invalid!\n", out);
        }
        if (magic_ok) {
            uint64_t back = 16; /* distance from the end of the file */
            if (ma > 16)
                back += ma - 16;
            back += ma;
            uint64_t ok_at = back;
            back += ma;
            uint64_t cd_at = back;
            back += ma;
            uint64_t si_at = back;
            back += ma;
            if (back > len)
                return it_errf(e, "trailer (max-align %u) is larger than the file", ma);
            image_ok = b[len - ok_at];
            copy_done = b[len - cd_at];
            swap_info = b[len - si_at];
            swap_size = back > 4 ? rd32(b + len - back) : 0; /* imgtool: empty slice */
            if (flags & (F_ENC128 | F_ENC256))
                key_field_len = (uint32_t)(((16 + ma - 1) / (ma ? ma : 1)) * (ma ? ma : 1)) * 2;
        }
    }

    fprintf(out, "Printing content of signed image: %s \n\n", name);
    row(out, "Image header (offset: 0x0)");
    fprintf(out, "magic:              0x%x\n", rd32(b));
    fprintf(out, "load_addr:          0x%x\n", rd32(b + 4));
    fprintf(out, "hdr_size:           0x%x\n", hdr_size);
    fprintf(out, "protected_tlv_size: 0x%x\n", prot_size);
    fprintf(out, "img_size:           0x%x\n", img_size);
    fputs("flags:              ", out);
    if (!flags) {
        fputs("0x0", out);
    } else {
        bool first = true;
        for (size_t i = 0; i < sizeof FLAG_NAMES / sizeof FLAG_NAMES[0]; i++) {
            if (flags & FLAG_NAMES[i].v) {
                if (!first) {
                    fputc('\n', out);
                    fill(out, ' ', 20);
                }
                fprintf(out, "%s (0x%x)", FLAG_NAMES[i].name, FLAG_NAMES[i].v);
                first = false;
            }
        }
    }
    fputc('\n', out);
    fprintf(out, "version:            %u.%u.%u+%u\n", b[20], b[21], rd16(b + 22), rd32(b + 24));
    fill(out, '#', LINE);
    fputc('\n', out);

    char title[96], content[96];
    snprintf(title, sizeof title, "Payload (offset: 0x%x)", hdr_size);
    snprintf(content, sizeof content, "FW image (size: 0x%x Bytes)", img_size);
    frame(out, title, content);

    uint64_t sect = (uint64_t)hdr_size + img_size;
    if (prot_size != 0) {
        snprintf(title, sizeof title, "Protected TLV area (offset: 0x%llx)",
                 (unsigned long long)sect);
        row(out, title);
        fprintf(out, "magic:     0x%x\narea size: 0x%x\n", pmagic, ptot);
        print_tlvs(out, prot, np);
        fill(out, '#', LINE);
        fputc('\n', out);
    }
    sect += prot_size; /* imgtool uses the header's size here, not the area's */
    snprintf(title, sizeof title, "TLV area (offset: 0x%llx)", (unsigned long long)sect);
    row(out, title);
    fprintf(out, "magic:     0x%x\narea size: 0x%x\n", magic, tot);
    print_tlvs(out, tlvs, n);
    fill(out, '#', LINE);
    fputc('\n', out);

    if (has_trailer) {
        row(out, "Image trailer (offset: unknown)");
        fputs("(Note: some fields may not be used, depending on the update \nstrategy)\n\n",
              out);
        fputs("swap status: (len: unknown)\n", out);
        if (key_field_len)
            fprintf(out, "enc. keys:   (len: 0x%x, if BOOT_SWAP_SAVE_ENCTLV is unset)\n",
                    key_field_len);
        else
            fputs("enc. keys:   Image not encrypted\n", out);
        if (magic_ok) {
            if (swap_size == 0xffffffffu)
                fputs("swap size:   unknown\n", out);
            else
                fprintf(out, "swap size:   0x%x octal: %u\n", swap_size, swap_size);
            print_status(out, "swap_info:  ", swap_info);
            print_status(out, "copy_done:  ", copy_done);
            print_status(out, "image_ok:   ", image_ok);
        }
        fputs("boot magic:  ", out);
        for (int i = 0; i < 16; i++) {
            fprintf(out, "0x%02x ", tmagic[i]);
            if (i == 7)
                fputs("\n             ", out);
        }
        fputs("\n\n", out);
    }
    row(out, "End of Image "); /* imgtool's text has a trailing space */
    return 0;
}
