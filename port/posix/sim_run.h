/*
 * extxip-sim's `run`: power on (bootloader), start the application (SMP over
 * UDP and a PTY), and go round again on every reset request. The transports
 * belong to the board, not to the device's RAM: the UDP socket and the PTY
 * (the DK's debugger VCOM) stay open across resets, as they do on hardware.
 */
#ifndef EXTXIP_SIM_RUN_H
#define EXTXIP_SIM_RUN_H

#include <stdint.h>

#include "sim_device.h"

typedef struct sim_run_config {
    const char *udp;          /* "127.0.0.1:1337"; NULL = no UDP */
    int serial;               /* 1 = serve SMP over a PTY */
    const char *serial_link;  /* symlink to the PTY slave, or NULL */
    simflash_timing_mode_t timing;
    int real_time;            /* sleep the modelled flash time */
    uint64_t power_cut_after; /* 0 = never */
    uint32_t buf_size;        /* MCUmgr buffer size advertised and used */
    uint32_t buf_count;
    int recovery;             /* the recovery button held at power-on (first boot) */
    const char *flash_dir;    /* the file group serves <flash_dir>/fs; NULL: no file group */
    int boot_report;          /* 1 = add the non-Zephyr "bootReport" key to image state replies */
    const char *ble;          /* controller for SMP over BLE (hci_ctlr.h); NULL = none */
    const char *ble_name;     /* advertised name; NULL = "Zephyr" */
    int ble_security;         /* SMP characteristic: 0 none (the sample), 1 encrypt, 2 authen */
    long ble_passkey;         /* fixed passkey 0..999999, or -1: a random one per pairing */
    int flash_pipeline;       /* 1 (default): while the application runs the QSPI
                                 works in the background behind a driver queue,
                                 erases ahead in 32 KiB blocks, and consumed
                                 secondaries are erased when idle; 0: every
                                 operation blocks, sector erases only (before) */
} sim_run_config_t;

void sim_run_config_default(sim_run_config_t *c);

/* Run until SIGINT/SIGTERM (returns 0), a power cut (returns 3) or a fatal
 * error (returns 1). */
int sim_run(sim_device_t *d, const sim_run_config_t *c);

#endif
