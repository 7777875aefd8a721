/*
 * extxip-sim: the nRF5340 DK as a Linux process.
 *
 *   extxip-sim run      --flash-dir D [--udp HOST:PORT] [--serial-link PATH]
 *                       [--timing none|typical|worst] [--power-cut-after N] [--key PEM]
 *                       [--boot-report]
 *   extxip-sim program  --flash-dir D <0|1|2|partition> FILE
 *   extxip-sim program  --flash-dir D [nrfjprog options] [--program] FILE.hex
 *   extxip-sim mkhex    -o OUT.hex ADDR=FILE...
 *   extxip-sim info     --flash-dir D
 *   extxip-sim mkpayload --part app|xip|net --size N [--link-id N] [--seed N] [--code] -o FILE
 *
 * `run` powers the device on: the bootloader (lib/boot) runs over the flash
 * files, then the application serves SMP over UDP and a PTY until a reset
 * request, which goes back through the bootloader, exactly as on hardware.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_app.h"
#include "sim_device.h"
#include "sim_nrfjprog.h"
#include "sim_run.h"

#ifndef EXTXIP_BOARD_LAYOUT
#define EXTXIP_BOARD_LAYOUT "boards/nrf5340dk/pm_static.yml"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: extxip-sim run --flash-dir D [--layout F] [--udp HOST:PORT] [--serial-link PATH]\n"
            "                      [--timing none|typical|worst] [--real-time] [--power-cut-after N]\n"
            "                      [--key PEM]... [--buf-size N] [--buf-count N] [--recovery]\n"
            "                      [--boot-report] [--no-udp] [--no-serial] [--flash-pipeline on|off]\n"
            "                      [--ble unix:PATH|tty:DEV[,baud=N]|hciN [--ble-name NAME]\n"
            "                       [--ble-security none|encrypt|authen] [--ble-passkey N]]\n"
            "       (trusted keys: the board key built in, or only the --key files given)\n"
            "         --ble-security: what the SMP characteristic needs: none (default, the\n"
            "                        sample's: pairing refused unless --ble-passkey is given),\n"
            "                        encrypt (any LE Secure Connections pairing), authen (a\n"
            "                        passkey pairing); the device shows a random passkey\n"
            "                        (\"ble: passkey N\") unless --ble-passkey N fixes it; bonds\n"
            "                        (at most 4, the oldest goes) are kept in the settings store\n"
            "         --flash-pipeline: on (default): the QSPI programs/erases in the background\n"
            "                        while SMP is served, uploads erase ahead in 32 KiB blocks,\n"
            "                        consumed secondaries are erased when idle; off: each flash\n"
            "                        operation blocks, sector erases only\n"
            "         --boot-report: image state replies add \"bootReport\" (why a pending image\n"
            "                        was not installed); not Zephyr's, strict clients reject it\n"
            "       extxip-sim program --flash-dir D [--layout F] <0|1|2|partition> FILE\n"
            "       extxip-sim program --flash-dir D [--layout F] [-f NRF53] [--coprocessor CP_NETWORK]\n"
            "                      [--sectorerase|--chiperase] [--qspisectorerase|--qspichiperase]\n"
            "                      [--verify] [--qspiini F] [--program] FILE.hex\n"
            "         (as nrfjprog: the HEX addresses pick the device: internal flash 0x0, QSPI at\n"
            "          0x10000000, with --coprocessor CP_NETWORK the network core at 0x01000000;\n"
            "          the bootloader only with --chiperase, or --sectorerase for its own HEX)\n"
            "       extxip-sim info --flash-dir D [--layout F]\n"
            "       extxip-sim mkpayload --part app|xip|net --size N [--link-id N] [--seed N] [--code] -o FILE\n"
            "       extxip-sim mkhex -o OUT.hex ADDR=FILE...   (raw files at addresses, one HEX)\n"
            "       extxip-sim --version | --help     (also COMMAND --help)\n");
}

static int parse_u32(const char *s, const char *what, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *s == '\0' || *end != '\0' || v > 0xffffffffull || s[0] == '-') {
        fprintf(stderr, "extxip-sim: bad %s '%s'\n", what, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int cmd_mkpayload(int argc, char **argv)
{
    static const struct option opts[] = {{"part", 1, 0, 'p'}, {"size", 1, 0, 's'},
                                         {"link-id", 1, 0, 'l'}, {"seed", 1, 0, 'e'},
                                         {"output", 1, 0, 'o'}, {"code", 0, 0, 'c'},
                                         {0, 0, 0, 0}};
    int part = -1, c, code = 0;
    uint32_t size = 0, link = 1, seed = 1;
    const char *out = NULL;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            part = !strcmp(optarg, "app") ? SIM_PART_APP
                   : !strcmp(optarg, "xip") ? SIM_PART_XIP
                   : !strcmp(optarg, "net") ? SIM_PART_NET : -2;
            break;
        case 's': if (parse_u32(optarg, "size", &size)) return 2; break;
        case 'l': if (parse_u32(optarg, "link id", &link)) return 2; break;
        case 'e': if (parse_u32(optarg, "seed", &seed)) return 2; break;
        case 'o': out = optarg; break;
        case 'c': code = 1; break;
        default: usage(stderr); return 2;
        }
    }
    if (part < 0 || !out || size == 0 || size > (8u << 20)) {
        fprintf(stderr, "extxip-sim mkpayload: need --part app|xip|net, --size 1..8M and -o FILE\n");
        return 2;
    }
    uint8_t *buf = malloc(size);
    if (!buf || sim_app_make_payload_style(part, link, seed, code, buf, size) != 0) {
        fprintf(stderr, "extxip-sim mkpayload: size %u too small\n", (unsigned)size);
        free(buf);
        return 2;
    }
    FILE *f = fopen(out, "wb");
    int ok = f && fwrite(buf, 1, size, f) == size;
    if (f && fclose(f) != 0)
        ok = 0;
    free(buf);
    if (!ok) {
        fprintf(stderr, "extxip-sim mkpayload: cannot write %s\n", out);
        remove(out);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("extxip-sim %s\n", EXTXIP_VERSION);
        return 0;
    }
    const char *cmd = argv[1];
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { /* extxip-sim run --help */
            usage(stdout);
            return 0;
        }
    argc--;
    argv++;
    if (!strcmp(cmd, "mkpayload"))
        return cmd_mkpayload(argc, argv);
    if (!strcmp(cmd, "mkhex"))
        return sim_cmd_mkhex(argc, argv);

    static const struct option opts[] = {
        {"flash-dir", 1, 0, 'd'}, {"layout", 1, 0, 'L'},      {"udp", 1, 0, 'u'},
        {"serial-link", 1, 0, 's'}, {"timing", 1, 0, 't'},    {"real-time", 0, 0, 'R'},
        {"power-cut-after", 1, 0, 'P'}, {"key", 1, 0, 'k'},   {"buf-size", 1, 0, 'b'},
        {"buf-count", 1, 0, 'c'}, {"no-udp", 0, 0, 'U'},      {"no-serial", 0, 0, 'S'},
        {"recovery", 0, 0, 'r'},
        {"boot-report", 0, 0, 'B'},
        {"ble", 1, 0, 0x100},     {"ble-name", 1, 0, 0x101},
        {"ble-security", 1, 0, 0x102}, {"ble-passkey", 1, 0, 0x103},
        {"flash-pipeline", 1, 0, 0x104},
        /* program: nrfjprog's options */
        {"family", 1, 0, 'f'},    {"coprocessor", 1, 0, 0x200}, {"sectorerase", 0, 0, 0x201},
        {"chiperase", 0, 0, 0x202}, {"qspisectorerase", 0, 0, 0x203},
        {"qspichiperase", 0, 0, 0x204}, {"verify", 0, 0, 0x205}, {"program", 1, 0, 0x206},
        {"qspiini", 1, 0, 0x207},
        {0, 0, 0, 0}};
    sim_nrfjprog_opts_t jp = {0};
    const char *jp_file = NULL;
    int jp_opt = 0; /* an nrfjprog option was given */
    sim_run_config_t cfg;
    sim_run_config_default(&cfg);
    const char *dir = NULL, *layout = EXTXIP_BOARD_LAYOUT;
    const char *keys[SIM_MAX_KEYS];
    int nkeys = 0, c;
    while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        uint32_t v;
        if (c == 'f' || (c >= 0x200 && c <= 0x207))
            jp_opt = 1;
        switch (c) {
        case 'f':
            if (strcmp(optarg, "NRF53") != 0) {
                fprintf(stderr, "extxip-sim program: -f %s: this device is an NRF53\n", optarg);
                return 2;
            }
            break;
        case 0x200:
            if (!strcmp(optarg, "CP_NETWORK")) jp.netcore = 1;
            else if (!strcmp(optarg, "CP_APPLICATION")) jp.netcore = 0;
            else { fprintf(stderr, "extxip-sim program: --coprocessor CP_APPLICATION|CP_NETWORK\n"); return 2; }
            break;
        case 0x201: jp.sectorerase = 1; break;
        case 0x202: jp.chiperase = 1; break;
        case 0x203: jp.qspisectorerase = 1; break;
        case 0x204: jp.qspichiperase = 1; break;
        case 0x205: jp.verify = 1; break;
        case 0x206: jp_file = optarg; break;
        case 0x207:
            /* The QSPI's configuration for nrfjprog: the simulated MX25R64 needs none. */
            if (access(optarg, R_OK) != 0) {
                fprintf(stderr, "extxip-sim program: --qspiini %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 'd': dir = optarg; break;
        case 'L': layout = optarg; break;
        case 'u': cfg.udp = optarg; break;
        case 'U': cfg.udp = NULL; break;
        case 's': cfg.serial_link = optarg; break;
        case 'S': cfg.serial = 0; break;
        case 'B': cfg.boot_report = 1; break;
        case 0x100: cfg.ble = optarg; break;
        case 0x101: cfg.ble_name = optarg; break;
        case 0x102:
            if (!strcmp(optarg, "none")) cfg.ble_security = 0;
            else if (!strcmp(optarg, "encrypt")) cfg.ble_security = 1;
            else if (!strcmp(optarg, "authen")) cfg.ble_security = 2;
            else { fprintf(stderr, "extxip-sim: --ble-security none|encrypt|authen\n"); return 2; }
            break;
        case 0x103:
            if (parse_u32(optarg, "--ble-passkey", &v) || v > 999999u) {
                fprintf(stderr, "extxip-sim: --ble-passkey takes 0..999999\n");
                return 2;
            }
            cfg.ble_passkey = (long)v;
            break;
        case 0x104:
            if (!strcmp(optarg, "on")) cfg.flash_pipeline = 1;
            else if (!strcmp(optarg, "off")) cfg.flash_pipeline = 0;
            else { fprintf(stderr, "extxip-sim: --flash-pipeline on|off\n"); return 2; }
            break;
        case 'R': cfg.real_time = 1; break;
        case 'r': cfg.recovery = 1; break;
        case 't':
            if (!strcmp(optarg, "none")) cfg.timing = SIMFLASH_TIMING_NONE;
            else if (!strcmp(optarg, "typical")) cfg.timing = SIMFLASH_TIMING_TYPICAL;
            else if (!strcmp(optarg, "worst")) cfg.timing = SIMFLASH_TIMING_WORST;
            else { fprintf(stderr, "extxip-sim: --timing none|typical|worst\n"); return 2; }
            break;
        case 'P': if (parse_u32(optarg, "--power-cut-after", &v)) return 2; cfg.power_cut_after = v; break;
        case 'b': if (parse_u32(optarg, "--buf-size", &v)) return 2; cfg.buf_size = v; break;
        case 'c': if (parse_u32(optarg, "--buf-count", &v)) return 2; cfg.buf_count = v; break;
        case 'k':
            if (nkeys >= SIM_MAX_KEYS) { fprintf(stderr, "extxip-sim: too many --key\n"); return 2; }
            keys[nkeys++] = optarg;
            break;
        default: usage(stderr); return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "extxip-sim %s: --flash-dir is required\n", cmd);
        return 2;
    }
    if (jp_opt && strcmp(cmd, "program") != 0) {
        fprintf(stderr, "extxip-sim %s: nrfjprog options go with program only\n", cmd);
        return 2;
    }
    /* program FILE.hex (or --program FILE.hex): nrfjprog's way, the addresses decide. */
    int hex_mode = !strcmp(cmd, "program") &&
                   (jp_file || jp_opt || optind + 1 == argc);
    if (hex_mode && !jp_file && optind + 1 == argc)
        jp_file = argv[optind++];
    if (hex_mode && (!jp_file || optind != argc)) {
        fprintf(stderr, "extxip-sim program: with nrfjprog options, one FILE.hex and no target\n");
        return 2;
    }
    static sim_device_t dev; /* large (boot state, layout): not on the stack */
    char err[512];
    /* One writer per flash directory: a second run or program is refused. */
    if ((!strcmp(cmd, "run") || !strcmp(cmd, "program")) && sim_device_lock_dir(dir, err, sizeof err) < 0) {
        fprintf(stderr, "extxip-sim %s: %s\n", cmd, err);
        return 1;
    }
    if (sim_device_open(&dev, dir, layout, stderr, err, sizeof err) != 0) {
        fprintf(stderr, "extxip-sim: %s\n", err);
        return 1;
    }
    if (nkeys > 0)
        sim_device_clear_keys(&dev); /* a device trusts only what it was started with */
    for (int i = 0; i < nkeys; i++)
        if (sim_device_add_key_file(&dev, keys[i], err, sizeof err) != 0) {
            fprintf(stderr, "extxip-sim: %s\n", err);
            sim_device_close(&dev);
            return 1;
        }
    int rc = 0;
    if (hex_mode) {
        if (sim_device_program_hex(&dev, jp_file, &jp, stdout, err, sizeof err)) {
            fprintf(stderr, "extxip-sim program: %s\n", err);
            rc = 1;
        } else {
            printf("programmed %s\n", jp_file);
        }
    } else if (!strcmp(cmd, "program")) {
        if (optind + 2 != argc) {
            fprintf(stderr, "extxip-sim program: need <0|1|2|partition> FILE\n");
            rc = 2;
        } else if (sim_device_program(&dev, argv[optind], argv[optind + 1], err, sizeof err)) {
            fprintf(stderr, "extxip-sim program: %s\n", err);
            rc = 1;
        } else {
            printf("programmed %s into %s\n", argv[optind + 1], argv[optind]);
        }
    } else if (!strcmp(cmd, "info")) {
        sim_device_print_info(&dev, stdout);
    } else if (!strcmp(cmd, "run")) {
        signal(SIGPIPE, SIG_IGN);
        cfg.flash_dir = dir;
        rc = sim_run(&dev, &cfg);
    } else {
        fprintf(stderr, "extxip-sim: unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    sim_device_close(&dev);
    return rc;
}
