/*
 * Command line of extxip-mcumgr, with mcumgr's flag spellings. Global flags may appear
 * anywhere (as with mcumgr's persistent flags); "--" ends flag parsing.
 */
#ifndef EXTXIP_MCUMGR_CLI_H
#define EXTXIP_MCUMGR_CLI_H

#include <stddef.h>

#define MCUMGR_CLI_MAX_ARGS 32

typedef struct {
    const char *conntype;   /* --conntype */
    const char *connstring; /* --connstring */
    const char *bond_file;  /* --bond-file: BLE bonds (default under the user's config dir) */
    double timeout_s;       /* -t / --timeout (mcumgr default 10) */
    int tries;              /* -r / --tries (mcumgr default 1) */
    int json;               /* --json */
    int quiet;              /* --quiet / -q */
    int debug;              /* -l debug / --loglevel debug: hex dumps on stderr */
    int smp_version;        /* --smp-version 1|2 -> 0|1 (default SMP v2) */
    /* image upload */
    int noerase;            /* -e / --noerase (mcumgr default true) */
    int upgrade;            /* -u / --upgrade */
    long image;             /* -n / --image */
    int max_window;         /* -w / --maxwinsize (mcumgr default 5) */
    double first_timeout_s; /* --first-timeout (first chunk; device erases) */
    /* image upgrade PACKAGE.zip (mcumgr_dfu.c) */
    const char *devices;    /* --devices FILE: one [conntype:]connstring per line */
    int jobs;               /* -j / --jobs N: devices at once (default 1) */
    int confirm;            /* --confirm: mark permanent instead of test */
    int allow_downgrade;    /* --allow-downgrade: send an older version than the running one */
    double reset_timeout_s; /* --reset-timeout: wait for the device after its reset */
    /* reset */
    int force;              /* -f / --force: reset; image upgrade despite other pending images */
    int no_wait;            /* --no-wait: reset returns at once, even with images pending */
    const char *key;        /* --key PEM: the key the device trusts (mcumgr_keycheck.h) */
    int help;               /* -h / --help */
    int nargs;
    const char *args[MCUMGR_CLI_MAX_ARGS]; /* positionals: command words and operands */
} mcumgr_cli_t;

/* Parse argv (argv[0] is skipped). Returns 0, or -1 with a message in err. */
int mcumgr_cli_parse(int argc, char **argv, mcumgr_cli_t *o, char *err, size_t cap);

/* Usage text. */
void mcumgr_cli_usage(void *file);

#endif
