#include "mcumgr_cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_BOOL, F_STR, F_INT, F_SECS } ftype_t;

typedef struct {
    char s;          /* short name or 0 */
    const char *l;   /* long name */
    ftype_t type;
    size_t off;      /* offset into mcumgr_cli_t */
} flag_t;

#define OFF(f) offsetof(mcumgr_cli_t, f)
static const flag_t flags[] = {
    {0, "conntype", F_STR, OFF(conntype)},
    {0, "connstring", F_STR, OFF(connstring)},
    {'t', "timeout", F_SECS, OFF(timeout_s)},
    {'r', "tries", F_INT, OFF(tries)},
    {0, "json", F_BOOL, OFF(json)},
    {'q', "quiet", F_BOOL, OFF(quiet)},
    {0, "smp-version", F_INT, OFF(smp_version)},
    {'e', "noerase", F_BOOL, OFF(noerase)},
    {'u', "upgrade", F_BOOL, OFF(upgrade)},
    {'n', "image", F_INT, OFF(image)},
    {'w', "maxwinsize", F_INT, OFF(max_window)},
    {0, "first-timeout", F_SECS, OFF(first_timeout_s)},
    {0, "devices", F_STR, OFF(devices)},
    {'j', "jobs", F_INT, OFF(jobs)},
    {0, "confirm", F_BOOL, OFF(confirm)},
    {0, "allow-downgrade", F_BOOL, OFF(allow_downgrade)},
    {0, "reset-timeout", F_SECS, OFF(reset_timeout_s)},
    {'f', "force", F_BOOL, OFF(force)},
    {0, "no-wait", F_BOOL, OFF(no_wait)},
    {0, "key", F_STR, OFF(key)},
    {'h', "help", F_BOOL, OFF(help)},
    {0, "bond-file", F_STR, OFF(bond_file)},
};

static int set_flag(mcumgr_cli_t *o, const flag_t *f, const char *val, char *err, size_t cap)
{
    char *p = (char *)o + f->off;
    char *end;
    switch (f->type) {
    case F_BOOL:
        if (!val || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
            *(int *)p = 1;
        else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
            *(int *)p = 0;
        else
            goto bad;
        return 0;
    case F_STR:
        *(const char **)p = val;
        return 0;
    case F_INT: {
        errno = 0;
        long v = strtol(val, &end, 0);
        if (errno || *val == '\0' || *end != '\0' || v < 0 || v > 1000000)
            goto bad;
        if (f->off == OFF(image))
            o->image = v;
        else
            *(int *)p = (int)v;
        return 0;
    }
    case F_SECS: {
        errno = 0;
        double v = strtod(val, &end);
        if (errno || *val == '\0' || *end != '\0' || !(v > 0.0) || v > 86400.0 || isnan(v))
            goto bad;
        *(double *)p = v;
        return 0;
    }
    }
bad:
    snprintf(err, cap, "invalid value '%s' for --%s", val ? val : "", f->l);
    return -1;
}

/* One argument of short flags, as cobra/pflag reads it (parseShortArg): letters left to
 * right; a bool flag takes no value unless "=value" follows it ("-e=false", "-ue=false");
 * a flag with a value takes "=value", else the rest of the argument ("-n2", "-en2"), else
 * the next argument ("-n 2", "-en 2"). So "-ne 2" is -n "e". */
static int parse_shorts(mcumgr_cli_t *o, const char *a, int argc, char **argv, int *i,
                        char *err, size_t cap)
{
    const char *s = a + 1;
    while (*s) {
        char c = *s++;
        const char *val = NULL;
        if (*s == '=' && s[1]) { /* -x=value ends the group */
            val = s + 1;
            s += strlen(s);
        }
        if (c == 'l') { /* -l LEVEL / -lLEVEL: the log level (debug: hex dumps) */
            if (!val && *s) {
                val = s;
                s += strlen(s);
            }
            if (!val)
                val = *i + 1 < argc ? argv[++*i] : "";
            o->debug = strcmp(val, "debug") == 0;
            continue;
        }
        if (c == 'c') {
            snprintf(err, cap, "connection profiles (-c) are not supported; use "
                               "--conntype and --connstring");
            return -1;
        }
        const flag_t *f = NULL;
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (flags[k].s == c)
                f = &flags[k];
        if (!f) {
            snprintf(err, cap, "unknown shorthand flag: '%c' in %s", c, a);
            return -1;
        }
        if (!val && f->type != F_BOOL) {
            if (*s) {
                val = s;
                s += strlen(s);
            } else if (*i + 1 < argc) {
                val = argv[++*i];
            } else {
                snprintf(err, cap, "flag needs an argument: '%c' in %s", c, a);
                return -1;
            }
        }
        if (set_flag(o, f, val, err, cap) != 0)
            return -1;
    }
    return 0;
}

int mcumgr_cli_parse(int argc, char **argv, mcumgr_cli_t *o, char *err, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 10.0;
    o->tries = 1;
    o->smp_version = 2;
    o->noerase = 1;
    o->max_window = 5;
    o->first_timeout_s = 40.0;
    o->jobs = 1;
    o->reset_timeout_s = 30.0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (o->nargs >= MCUMGR_CLI_MAX_ARGS) {
                snprintf(err, cap, "too many arguments");
                return -1;
            }
            o->args[o->nargs++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (a[1] != '-') { /* a group of short flags: -x, -x=value, -xvalue, -x value, -eu, -en 2 */
            if (parse_shorts(o, a, argc, argv, &i, err, cap) != 0)
                return -1;
            continue;
        }
        /* --name or --name=value */
        const flag_t *f = NULL;
        const char *val = NULL;
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (n == 8 && strncmp(name, "loglevel", 8) == 0) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : "");
            o->debug = strcmp(v, "debug") == 0;
            continue;
        }
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (strlen(flags[k].l) == n && strncmp(flags[k].l, name, n) == 0)
                f = &flags[k];
        if (eq)
            val = eq + 1;
        if (!f) {
            snprintf(err, cap, "unknown flag: %s", a);
            return -1;
        }
        if (!val && f->type != F_BOOL) {
            if (i + 1 >= argc) {
                snprintf(err, cap, "flag needs an argument: %s", a);
                return -1;
            }
            val = argv[++i];
        }
        if (set_flag(o, f, val, err, cap) != 0)
            return -1;
    }
    if (o->smp_version != 1 && o->smp_version != 2) {
        snprintf(err, cap, "--smp-version must be 1 or 2");
        return -1;
    }
    o->smp_version -= 1; /* header version bits */
    if (o->tries < 1) {
        snprintf(err, cap, "--tries must be at least 1");
        return -1;
    }
    if (o->jobs < 1 || o->jobs > 256) {
        snprintf(err, cap, "--jobs must be 1..256");
        return -1;
    }
    if (o->max_window < 1) {
        snprintf(err, cap, "--maxwinsize must be at least 1");
        return -1;
    }
    return 0;
}

void mcumgr_cli_usage(void *file)
{
    fputs("usage: extxip-mcumgr --conntype udp|serial|ble --connstring STR [flags] COMMAND\n"
          "\n"
          "connection strings:\n"
          "  udp     127.0.0.1:1337   [::1]:1337   host:port\n"
          "  serial  dev=/dev/ttyACM0,baud=115200,mtu=512   (mtu: packet budget as mcumgr's;\n"
          "          requests stay within mtu*3/4-13 bytes and the device's buf_size)\n"
          "  ble     peer_name=Zephyr[,peer_id=AA:BB:CC:DD:EE:FF][,ctlr_path=unix:PATH|tty:DEV]\n"
          "          [,passkey=N][,pair=1]   LE Secure Connections pairing when the device asks\n"
          "          (or refuses the SMP characteristic): Just Works, or passkey entry with N\n"
          "          (asked on the terminal when not given); pair=1 pairs anew. Bonds are kept\n"
          "          in --bond-file FILE (default $XDG_CONFIG_HOME/extxip-mcumgr/bonds) and\n"
          "          used to encrypt on the next connection\n"
          "\n"
          "commands:\n"
          "  echo TEXT                 send TEXT, print the echo\n"
          "  reset [-f] [--no-wait]    reset the device (-f: force); with images pending it\n"
          "                            warns first when only one of the linked pair 0+2 is,\n"
          "                            then waits for the device (--reset-timeout) and says\n"
          "                            which were installed or refused (exit 1 if any was)\n"
          "  image list                show images and slots\n"
          "  image upload FILE [-e] [-n IMAGE] [-u] [-w N] [--first-timeout S]\n"
          "                            upload (-e/--noerase is the default, as in mcumgr;\n"
          "                            -e=false first erases slot 2n+1, the secondary of\n"
          "                            image n (-n), never another image's: Go mcumgr's\n"
          "                            erase names no slot, so the device erases slot 1)\n"
          "                            The file is checked first (MCUboot header, TLVs,\n"
          "                            hash, image index; a DFU package is pointed to\n"
          "                            image upgrade): refused locally, nothing sent;\n"
          "                            --force sends it anyway. --key PEM (the key the\n"
          "                            device trusts, as imgtool's -k): a file signed with\n"
          "                            another key is refused too, naming both key hashes\n"
          "                            A second run resumes where the device stopped (it\n"
          "                            says \"resumed at offset N\", or \"already on the\n"
          "                            device\"); Ctrl-C exits 130 and keeps what was sent\n"
          "  image test HASH           mark image HASH for test on next reset (warns when\n"
          "                            only one of the linked pair 0+2 is then pending)\n"
          "  image confirm [HASH]      confirm image HASH (or the running image)\n"
          "                            HASH: the whole hash, or a prefix that exactly one\n"
          "                            image in image list has (else refused, nothing sent;\n"
          "                            --force: send it as given)\n"
          "  image erase [SLOT]        erase SLOT (absolute; default: the device's, slot 1)\n"
          "  image slot-info           slot sizes per image\n"
          "  image upgrade PKG.zip     the whole update from an nRF Connect SDK DFU package\n"
          "                            (dfu_application.zip): check (indexes, and sizes against\n"
          "                            the device's slot info), upload what the device\n"
          "                            lacks, mark test, reset, report (--confirm: confirm\n"
          "                            the set once it runs)\n"
          "                            After the upload it says each phase: marking,\n"
          "                            resetting, waiting for the device (installing)\n"
          "                            [--devices FILE] [-j N] [--reset-timeout S] (also: upgrade)\n"
          "                            an image older than the one running is refused\n"
          "                            before anything is sent (--allow-downgrade: try);\n"
          "                            with --key each image's signature is checked first\n"
          "                            An image pending on the device but not in the package\n"
          "                            stops it before anything is sent (the reset would\n"
          "                            install that image too); --force: go on and reset\n"
          "  params                    MCUmgr buffer parameters (buf_size, buf_count)\n"
          "  bootloader info [QUERY]   bootloader name, or QUERY (e.g. mode)\n"
          "  os info [FORMAT]          Zephyr's os info: FORMAT letters s n r v b m p i o,\n"
          "                            a = all (default: s, the kernel name); also os-info\n"
          "  taskstat                  task statistics\n"
          "  mpstat                    memory pool statistics (Zephyr's os mpstat)\n"
          "  datetime [VALUE|now]      read or set the device's date/time\n"
          "  stat list | stat NAME     statistics groups / one group's counters\n"
          "  config NAME [VALUE]       read or write a setting (value as text)\n"
          "  settings read NAME | write NAME VALUE | delete NAME | commit | load | save\n"
          "  fs upload SRC DST | fs download SRC DST | fs stat NAME\n"
          "  fs hash NAME [crc32|sha256] | fs types | fs close\n"
          "  shell exec [--] CMD [ARG...]  run a device shell command, print its output\n"
          "                            (-- first when an ARG starts with -: shell exec -- ls -l)\n"
          "  enum [count|list|single INDEX|details [ID...]]  the device's SMP groups\n"
          "  storage erase             erase the settings partition\n"
          "\n"
          "short flags combine as in mcumgr (cobra/pflag): -en 2, -en2, -ue=false\n"
          "flags: -t SECS (timeout, default 10)  -r N (tries, default 1)  --quiet\n"
          "       --json (replies as JSON; a failure without a reply as\n"
          "       {\"ok\":false,\"error\":TEXT,\"exit\":N} on stdout, the line on stderr too)\n"
          "       --smp-version 1|2 (default 2)  -l debug (hex dump of packets)\n"
          "usage errors print one line; --version, --help\n"
          "exit status: 0 device said OK, 1 device error, 2 usage/local error, 3 no answer/link\n"
          "  image upgrade: 0 every device updated or up to date; 1 some device answered with\n"
          "  a failure (refused, device error); 3 otherwise, some device never answered (before,\n"
          "  during or after its reset); the same with one device and with --devices\n",
          (FILE *)file);
}
