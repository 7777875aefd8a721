/*
 * The LZMA2 side of `sign --compression` and of verifying compressed images:
 * Debian's liblzma with the filter chain imgtool 2.4.0 asks CPython's lzma
 * module for (scripts/imgtool/main.py): FORMAT_RAW, [ARMTHUMB,] LZMA2 at
 * preset 9 with dict_size 128 KiB, lc 3, lp 1. lzma_code with LZMA_FINISH
 * over the whole input, as lzma.compress does.
 */
#include "imgtool.h"

#include <lzma.h>
#include <string.h>

static void filters(bool armthumb, lzma_options_lzma *opt, lzma_filter f[3])
{
    size_t n = 0;
    if (armthumb)
        f[n++] = (lzma_filter){.id = LZMA_FILTER_ARMTHUMB, .options = NULL};
    f[n++] = (lzma_filter){.id = LZMA_FILTER_LZMA2, .options = opt};
    f[n] = (lzma_filter){.id = LZMA_VLI_UNKNOWN, .options = NULL};
}

static int run(lzma_stream *s, const uint8_t *in, size_t len, size_t max_out, it_buf_t *out,
               const char *what, it_err_t *e)
{
    uint8_t chunk[16384];
    s->next_in = in;
    s->avail_in = len;
    for (;;) {
        s->next_out = chunk;
        s->avail_out = sizeof chunk;
        lzma_ret r = lzma_code(s, LZMA_FINISH);
        size_t got = sizeof chunk - s->avail_out;
        if (got > max_out - out->len) {
            lzma_end(s);
            return it_errf(e, "%s: output exceeds %zu bytes", what, max_out);
        }
        it_buf_put(out, chunk, got);
        if (r == LZMA_STREAM_END)
            break;
        if (r != LZMA_OK || (got == 0 && s->avail_in == 0)) {
            lzma_end(s);
            return it_errf(e, "%s: %s", what,
                           r == LZMA_DATA_ERROR ? "corrupt LZMA2 stream"
                           : r == LZMA_OK       ? "LZMA2 stream ends early"
                                                : "liblzma error");
        }
    }
    size_t left = s->avail_in;
    lzma_end(s);
    if (left)
        return it_errf(e, "%s: %zu bytes after the end of the LZMA2 stream", what, left);
    return 0;
}

int it_lzma2_compress(const uint8_t *in, size_t len, bool armthumb, it_buf_t *out, it_err_t *e)
{
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, 9))
        return it_errf(e, "liblzma: no preset 9");
    opt.dict_size = IT_LZMA2_DICT_SIZE;
    opt.lc = 3;
    opt.lp = 1;
    lzma_filter f[3];
    filters(armthumb, &opt, f);
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_raw_encoder(&s, f) != LZMA_OK)
        return it_errf(e, "liblzma: cannot set up the LZMA2 encoder");
    return run(&s, in, len, SIZE_MAX, out, "compress", e);
}

int it_lzma2_decompress(const uint8_t *in, size_t len, bool armthumb, size_t max_out,
                        it_buf_t *out, it_err_t *e)
{
    if (len < 2)
        return it_errf(e, "compressed body shorter than its 2-byte LZMA2 header");
    uint8_t d = in[0], p = in[1];
    if (d > 40)
        return it_errf(e, "invalid LZMA2 dictionary byte 0x%02x", d);
    if (p >= 9 * 5 * 5)
        return it_errf(e, "invalid LZMA properties byte 0x%02x", p);
    lzma_options_lzma opt;
    memset(&opt, 0, sizeof opt);
    opt.dict_size = d == 40 ? 0xffffffffu : (2u | (d & 1u)) << (d / 2u + 11u);
    opt.lc = p % 9u;
    opt.lp = (p / 9u) % 5u;
    opt.pb = p / 45u;
    if (opt.lc + opt.lp > 4)
        return it_errf(e, "invalid LZMA properties byte 0x%02x (lc + lp > 4)", p);
    /* A stream never refers back past its own start, so a dictionary larger
     * than the output allowed buys nothing: cap it there, and a hostile
     * header's 4 GiB dictionary byte costs no more memory than the image. */
    if (max_out < opt.dict_size)
        opt.dict_size = max_out < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : (uint32_t)max_out;
    lzma_filter f[3];
    filters(armthumb, &opt, f);
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_raw_decoder(&s, f) != LZMA_OK)
        return it_errf(e, "liblzma: cannot set up the LZMA2 decoder");
    return run(&s, in + 2, len - 2, max_out, out, "decompress", e);
}
