/*
 * `extxip-imgtool dfu-package`: the nRF Connect SDK's dfu_application.zip from signed
 * update images (format: tools/dfupkg/dfupkg.h, from the SDK's generate_zip.py).
 *
 *   extxip-imgtool dfu-package -o dfu_application.zip 0=img0.bin 1=img1.bin 2=img2.bin
 *
 * Each operand is INDEX=FILE. Images 0, 1 and 2 go into the zip under the names the
 * split XIP sample's build gives them (internal_flash_update.bin, net_core_app_update.bin,
 * qspi_flash_update.bin); other indexes keep their file's base name. Defaults for the
 * manifest's board, soc, name and load addresses are the nRF5340 DK's
 * (boards/nrf5340dk/pm_static.yml: app 0x10200, mcuboot_primary_2_app 0x120200, the
 * network core's flash at 0x01000000). time/modtime: --time, else SOURCE_DATE_EPOCH,
 * else now / the file's mtime (as the SDK's script).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dfupkg.h"

#define PROG "extxip-imgtool"

static int bad(const char *msg, const char *a)
{
    fprintf(stderr, "%s: error: dfu-package: ", PROG);
    fprintf(stderr, msg, a);
    fprintf(stderr, " (try '%s dfu-package --help')\n", PROG);
    return 2;
}

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int it_cmd_dfu_package(int argc, char **argv)
{
    static const char *const sample_names[3] = {"internal_flash_update.bin",
                                                "net_core_app_update.bin",
                                                "qspi_flash_update.bin"};
    static const uint32_t default_load[3] = {0x10200u, 0x01000000u, 0x120200u};
    const char *out = NULL;
    dfupkg_meta_t m = {"extxip_smp_svr", "nrf5340dk_nrf5340_cpuapp", "nRF5340_CPUAPP_QKAA", -1};
    const char *net_board = "nrf5340dk_nrf5340_cpunet", *net_soc = "nRF5340_CPUNET_QKAA";
    dfupkg_in_t in[DFUPKG_MAX_IMAGES];
    unsigned long long load[DFUPKG_MAX_INDEX + 1] = {0};
    int load_set[DFUPKG_MAX_INDEX + 1] = {0};
    size_t n = 0;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    unsigned long long v;
    if (sde && *sde && parse_num(sde, 0x7fffffffffffULL, &v) == 0)
        m.time = (long long)v;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("Usage: %s dfu-package -o ZIP [--name NAME] [--board B] [--soc S]\n"
                   "       [--net-board B] [--net-soc S] [--load-address INDEX=ADDR]...\n"
                   "       [--time EPOCH] INDEX=FILE...\n"
                   "  Write an nRF Connect SDK DFU package (dfu_application.zip: manifest.json\n"
                   "  + the signed images) as the SDK's generate_zip.py does. ZIP may not be\n"
                   "  one of the input images (compared as files, not as names).\n", PROG);
            return 0;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--name") ||
            !strcmp(a, "--board") || !strcmp(a, "--soc") || !strcmp(a, "--net-board") ||
            !strcmp(a, "--net-soc") || !strcmp(a, "--load-address") || !strcmp(a, "--time")) {
            if (!val)
                return bad("option '%s' requires an argument", a);
            i++;
            if (a[1] == 'o' || !strcmp(a, "--output"))
                out = val;
            else if (!strcmp(a, "--name"))
                m.name = val;
            else if (!strcmp(a, "--board"))
                m.board = val;
            else if (!strcmp(a, "--soc"))
                m.soc = val;
            else if (!strcmp(a, "--net-board"))
                net_board = val;
            else if (!strcmp(a, "--net-soc"))
                net_soc = val;
            else if (!strcmp(a, "--time")) {
                if (parse_num(val, 0x7fffffffffffULL, &v) != 0)
                    return bad("invalid --time '%s'", val);
                m.time = (long long)v;
            } else {
                const char *eq = strchr(val, '=');
                char idx[8];
                unsigned long long ix;
                if (!eq || (size_t)(eq - val) >= sizeof idx)
                    return bad("--load-address wants INDEX=ADDR, got '%s'", val);
                memcpy(idx, val, (size_t)(eq - val));
                idx[eq - val] = '\0';
                if (parse_num(idx, DFUPKG_MAX_INDEX, &ix) != 0 ||
                    parse_num(eq + 1, 0xffffffffULL, &load[ix]) != 0)
                    return bad("--load-address wants INDEX=ADDR, got '%s'", val);
                load_set[ix] = 1;
            }
            continue;
        }
        if (a[0] == '-')
            return bad("no such option: %s", a);
        const char *eq = strchr(a, '=');
        char idx[8];
        unsigned long long ix;
        if (!eq || eq == a || (size_t)(eq - a) >= sizeof idx || !eq[1])
            return bad("operands are INDEX=FILE, got '%s'", a);
        memcpy(idx, a, (size_t)(eq - a));
        idx[eq - a] = '\0';
        if (parse_num(idx, DFUPKG_MAX_INDEX, &ix) != 0)
            return bad("image index in '%s' must be 0..15", a);
        if (n >= DFUPKG_MAX_IMAGES)
            return bad("too many images ('%s')", a);
        in[n] = (dfupkg_in_t){eq + 1, (int)ix, ix < 3 ? sample_names[ix] : base_name(eq + 1),
                              ix < 3 ? default_load[ix] : 0, NULL, NULL, 0};
        if (ix == 1) { /* the network core, as the SDK's sysbuild writes it */
            in[n].board = net_board;
            in[n].soc = net_soc;
            in[n].net = 1;
        }
        n++;
    }
    if (!out)
        return bad("%s", "missing option '-o' / '--output'");
    if (n == 0)
        return bad("%s", "no images (INDEX=FILE...)");
    /* The package must not replace one of its own images: the same file by device and
     * inode, however the paths are spelled (./x, d/../x, a hard link, a symlink). */
    struct stat so;
    if (stat(out, &so) == 0) {
        for (size_t i = 0; i < n; i++) {
            struct stat si;
            if (stat(in[i].path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
                fprintf(stderr, "%s: error: dfu-package: -o %s is the input image %d (%s); "
                                "refusing to overwrite it\n", PROG, out, in[i].image, in[i].path);
                return 2;
            }
        }
    }
    /* The SDK lists the application first: internal part, XIP part, then the net core. */
    dfupkg_in_t sorted[DFUPKG_MAX_IMAGES];
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if ((in[i].net != 0) == pass) {
                sorted[k] = in[i];
                if (in[i].net) { /* --net-* may come after the operand */
                    sorted[k].board = net_board;
                    sorted[k].soc = net_soc;
                }
                if (load_set[in[i].image])
                    sorted[k].load_address = (uint32_t)load[in[i].image];
                k++;
            }
    char err[512];
    if (dfupkg_write(out, sorted, n, &m, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: dfu-package: %s\n", PROG, err);
        return 1;
    }
    return 0;
}
