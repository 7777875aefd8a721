/*
 * Intel HEX in and out. Output follows the Python intelhex package that
 * imgtool uses (records of up to 16 bytes starting at each run's first
 * address, never crossing a 64 KiB boundary, a type-04 record per 64 KiB
 * window only when the highest address exceeds 0xffff), so our .hex files
 * compare byte for byte with imgtool's.
 */
#include "hostfile.h"

#include <stdlib.h>
#include <string.h>

/* Upper bound on the span of an input HEX file (flat image we build). */
#define HEX_MAX_SPAN (64u << 20)

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct rec {
    uint32_t addr;
    uint8_t len;
    uint8_t data[255];
} rec_t;

/* Parse all data records (two passes: bounds, then fill). */
int it_hex_parse(const uint8_t *text, size_t len, it_buf_t *bin, uint32_t *base_addr,
                 it_err_t *e)
{
    uint64_t minaddr = UINT64_MAX, maxaddr = 0;
    uint8_t *mark = NULL; /* one bit per byte of the span: overlap detection */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t upper = 0; /* from type 02 (segment << 4) or 04 (linear << 16) */
        bool eof = false;
        size_t pos = 0, line = 0;
        while (pos < len && !eof) {
            line++;
            size_t start = pos;
            while (pos < len && text[pos] != '\n')
                pos++;
            size_t end = pos;
            if (pos < len)
                pos++;
            while (end > start && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
                                   text[end - 1] == '\t'))
                end--;
            if (end == start)
                continue;
            if (text[start] != ':' || (end - start - 1) % 2 != 0 || end - start < 11) {
                free(mark);
                return it_errf(e, "Intel HEX line %zu: malformed record", line);
            }
            uint8_t raw[261];
            size_t n = (end - start - 1) / 2;
            if (n > sizeof raw) {
                free(mark);
                return it_errf(e, "Intel HEX line %zu: record too long", line);
            }
            uint8_t sum = 0;
            for (size_t i = 0; i < n; i++) {
                int hi = hexval(text[start + 1 + 2 * i]), lo = hexval(text[start + 2 + 2 * i]);
                if (hi < 0 || lo < 0) {
                    free(mark);
                    return it_errf(e, "Intel HEX line %zu: bad hex digit", line);
                }
                raw[i] = (uint8_t)(hi << 4 | lo);
                sum = (uint8_t)(sum + raw[i]);
            }
            if ((size_t)raw[0] + 5 != n) {
                free(mark);
                return it_errf(e, "Intel HEX line %zu: record length mismatch", line);
            }
            if (sum != 0) {
                free(mark);
                return it_errf(e, "Intel HEX line %zu: checksum error", line);
            }
            uint32_t off = (uint32_t)raw[1] << 8 | raw[2];
            uint8_t type = raw[3];
            const uint8_t *d = raw + 4;
            switch (type) {
            case 0x00: {
                uint64_t a = (uint64_t)upper + off;
                if (raw[0] == 0)
                    break;
                if (a + raw[0] - 1 > 0xffffffffull) {
                    free(mark);
                    return it_errf(e, "Intel HEX line %zu: address beyond 4 GiB", line);
                }
                if (pass == 0) {
                    if (a < minaddr)
                        minaddr = a;
                    if (a + raw[0] - 1 > maxaddr)
                        maxaddr = a + raw[0] - 1;
                } else {
                    for (size_t i = 0; i < raw[0]; i++) {
                        size_t o = (size_t)(a - minaddr) + i;
                        if (mark[o / 8] & (1u << (o % 8))) {
                            free(mark);
                            return it_errf(e, "Intel HEX line %zu: data overlaps at 0x%llx",
                                           line, (unsigned long long)(a + i));
                        }
                        mark[o / 8] |= (uint8_t)(1u << (o % 8));
                        bin->data[o] = d[i];
                    }
                }
                break;
            }
            case 0x01:
                eof = true;
                break;
            case 0x02:
                if (raw[0] != 2) {
                    free(mark);
                    return it_errf(e, "Intel HEX line %zu: bad segment record", line);
                }
                upper = ((uint32_t)d[0] << 8 | d[1]) << 4;
                break;
            case 0x04:
                if (raw[0] != 2) {
                    free(mark);
                    return it_errf(e, "Intel HEX line %zu: bad linear address record", line);
                }
                upper = ((uint32_t)d[0] << 8 | d[1]) << 16;
                break;
            case 0x03:
            case 0x05:
                break; /* start address: not part of the image */
            default:
                free(mark);
                return it_errf(e, "Intel HEX line %zu: unknown record type %u", line, type);
            }
        }
        if (pass == 0) {
            if (minaddr == UINT64_MAX)
                return it_errf(e, "Intel HEX file holds no data");
            if (maxaddr - minaddr + 1 > HEX_MAX_SPAN)
                return it_errf(e, "Intel HEX data spans more than %u MiB", HEX_MAX_SPAN >> 20);
            size_t span = (size_t)(maxaddr - minaddr + 1);
            mark = calloc(span / 8 + 1, 1);
            if (!mark)
                return it_errf(e, "out of memory");
            bin->len = 0;
            it_buf_fill(bin, 0xff, span); /* holes read as 0xff, like tobinarray() */
        }
    }
    free(mark);
    *base_addr = (uint32_t)minaddr;
    return 0;
}

static void put_record(it_buf_t *out, uint8_t type, uint16_t addr, const uint8_t *d, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    uint8_t raw[4 + 255 + 1];
    raw[0] = (uint8_t)n;
    raw[1] = (uint8_t)(addr >> 8);
    raw[2] = (uint8_t)addr;
    raw[3] = type;
    if (n)
        memcpy(raw + 4, d, n);
    uint8_t sum = 0;
    for (size_t i = 0; i < 4 + n; i++)
        sum = (uint8_t)(sum + raw[i]);
    raw[4 + n] = (uint8_t)-sum;
    char line[2 * sizeof raw + 3];
    size_t l = 0;
    line[l++] = ':';
    for (size_t i = 0; i < 5 + n; i++) {
        line[l++] = hx[raw[i] >> 4];
        line[l++] = hx[raw[i] & 15];
    }
    line[l++] = '\n';
    it_buf_put(out, line, l);
}

int it_hex_render(const it_hex_seg_t *segs, size_t nsegs, it_buf_t *out, it_err_t *e)
{
    uint64_t maxaddr = 0;
    bool any = false;
    for (size_t i = 0; i < nsegs; i++) {
        if (segs[i].len == 0)
            continue;
        uint64_t last = (uint64_t)segs[i].addr + segs[i].len - 1;
        if (last > 0xffffffffull)
            return it_errf(e, "Intel HEX output would pass the 4 GiB address limit");
        if (any && segs[i].addr <= maxaddr)
            return it_errf(e, "internal: HEX segments overlap or are unsorted");
        maxaddr = last;
        any = true;
    }
    bool need_ofs = maxaddr > 0xffff;
    int64_t high = -1;
    /* intelhex sees addresses, not segments: adjacent segments form one run. */
    it_buf_t run = {0};
    for (size_t s = 0; s < nsegs;) {
        uint64_t a = segs[s].addr;
        run.len = 0;
        size_t t = s;
        do {
            it_buf_put(&run, segs[t].data, segs[t].len);
            t++;
        } while (t < nsegs && segs[t].addr == a + run.len);
        s = t;
        size_t i = 0;
        while (i < run.len) {
            uint64_t cur = a + i;
            if (need_ofs && (int64_t)(cur >> 16) != high) {
                high = (int64_t)(cur >> 16);
                uint8_t h[2] = {(uint8_t)(high >> 8), (uint8_t)high};
                put_record(out, 0x04, 0, h, 2);
            }
            size_t n = run.len - i;
            uint64_t to_boundary = 0x10000 - (cur & 0xffff);
            if (n > 16)
                n = 16;
            if (n > to_boundary)
                n = (size_t)to_boundary;
            put_record(out, 0x00, (uint16_t)(cur & 0xffff), run.data + i, n);
            i += n;
        }
    }
    it_buf_free(&run);
    put_record(out, 0x01, 0, NULL, 0);
    return 0;
}

int it_load_input(const char *path, it_buf_t *bin, bool *has_base, uint32_t *base_addr,
                  it_err_t *e)
{
    *has_base = false;
    *base_addr = 0;
    if (!it_is_hex_name(path))
        return it_read_file(path, HEX_MAX_SPAN, bin, e);
    it_buf_t text = {0};
    int rc = it_read_file(path, 4 * (size_t)HEX_MAX_SPAN, &text, e);
    if (rc == 0)
        rc = it_hex_parse(text.data, text.len, bin, base_addr, e);
    it_buf_free(&text);
    if (rc == 0)
        *has_base = true;
    return rc;
}
