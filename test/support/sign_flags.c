/*
 * Test helper: sign an image as `extxip-imgtool sign --header-size 0x200
 * --pad-header --align 4` does, with extra header flags that imgtool sets
 * through options this tool does not implement (--encrypt: 0x4/0x8,
 * --compression: 0x200/0x400/0x800) or any other bit. The body is signed as
 * given (not encrypted, not compressed): what a device must refuse is the
 * header asking for it.
 *   sign-flags KEY VERSION SLOT_SIZE FLAGS IN OUT [DEPS]
 */
#include <stdio.h>
#include <string.h>

#include "imgtool.h"

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: sign-flags KEY VERSION SLOT_SIZE FLAGS IN OUT [DEPS]\n");
        return 2;
    }
    it_err_t e = {0};
    it_sign_opts_t o;
    uint64_t v;
    memset(&o, 0, sizeof o);
    o.key_path = argv[1];
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.erased_val = 0xff;
    if (it_parse_version(argv[2], &o.version, &e) != 0 ||
        it_parse_uint(argv[3], 0xffffffffu, &v) != 0) {
        fprintf(stderr, "sign-flags: bad version or slot size\n");
        return 2;
    }
    o.slot_size = (uint32_t)v;
    if (it_parse_uint(argv[4], 0xffffffffu, &v) != 0) {
        fprintf(stderr, "sign-flags: bad flags\n");
        return 2;
    }
    o.extra_flags = (uint32_t)v;
    if (argc == 8) {
        if (it_parse_deps(argv[7], o.deps, &o.dep_count, &e) != 0) {
            fprintf(stderr, "sign-flags: bad dependencies\n");
            return 2;
        }
        o.has_deps = true;
    }
    if (it_sign(&o, argv[5], argv[6], &e) != 0) {
        fprintf(stderr, "sign-flags: %s\n", e.msg);
        return 1;
    }
    return 0;
}
