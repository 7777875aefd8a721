/* Intel HEX record iterator (see hexrec.h). Every field is bounded: a line
 * holds at most 1 + 2 * (5 + 255) characters, the length byte must match the
 * line, addresses are checked against the 4 GiB limit. */
#include "hexrec.h"

static int hexnib(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int it_hex_foreach(const uint8_t *text, size_t len, it_hex_rec_fn fn, void *ctx, it_err_t *e)
{
    uint32_t upper = 0;
    size_t pos = 0, line = 0;
    while (pos < len) {
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
        if (text[start] != ':' || (end - start - 1) % 2 != 0 || end - start < 11)
            return it_errf(e, "Intel HEX line %zu: malformed record", line);
        uint8_t raw[5 + 255];
        size_t n = (end - start - 1) / 2;
        if (n > sizeof raw)
            return it_errf(e, "Intel HEX line %zu: record too long", line);
        uint8_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            int hi = hexnib(text[start + 1 + 2 * i]), lo = hexnib(text[start + 2 + 2 * i]);
            if (hi < 0 || lo < 0)
                return it_errf(e, "Intel HEX line %zu: bad hex digit", line);
            raw[i] = (uint8_t)(hi << 4 | lo);
            sum = (uint8_t)(sum + raw[i]);
        }
        if ((size_t)raw[0] + 5 != n)
            return it_errf(e, "Intel HEX line %zu: record length mismatch", line);
        if (sum != 0)
            return it_errf(e, "Intel HEX line %zu: checksum error", line);
        uint32_t off = (uint32_t)raw[1] << 8 | raw[2];
        const uint8_t *d = raw + 4;
        switch (raw[3]) {
        case 0x00: {
            if (raw[0] == 0)
                break;
            uint64_t a = (uint64_t)upper + off;
            if (a + raw[0] - 1 > 0xffffffffull)
                return it_errf(e, "Intel HEX line %zu: address beyond 4 GiB", line);
            if (fn) {
                int rc = fn(ctx, (uint32_t)a, d, raw[0]);
                if (rc)
                    return rc;
            }
            break;
        }
        case 0x01:
            return 0;
        case 0x02:
            if (raw[0] != 2)
                return it_errf(e, "Intel HEX line %zu: bad segment record", line);
            upper = ((uint32_t)d[0] << 8 | d[1]) << 4;
            break;
        case 0x04:
            if (raw[0] != 2)
                return it_errf(e, "Intel HEX line %zu: bad linear address record", line);
            upper = ((uint32_t)d[0] << 8 | d[1]) << 16;
            break;
        case 0x03:
        case 0x05:
            if (raw[0] != 4)
                return it_errf(e, "Intel HEX line %zu: bad start address record", line);
            break;
        default:
            return it_errf(e, "Intel HEX line %zu: unknown record type %u", line, raw[3]);
        }
    }
    return it_errf(e, "Intel HEX file has no end-of-file record");
}
