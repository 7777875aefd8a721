/*
 * The simulated application's RAM: the SMP server lib/server assembles, and
 * what only this port has: its identity, reset, clock, RTC, tasks, counters
 * and file system. Everything here is
 * re-initialised on every boot, as RAM is on a reset, except the RTC and the
 * boot/reset counters (think retained RAM).
 */
#ifndef EXTXIP_SIM_SERVICES_H
#define EXTXIP_SIM_SERVICES_H

#include <stdint.h>

#include "mgmt/fs_mgmt.h"
#include "server/server.h"
#include "sim_device.h"
#include "sim_run.h"
#include "smp/smp.h"

/* SMP transports the simulator counts requests for (statistics group "smp"). */
enum { SIM_XPORT_UDP = 0, SIM_XPORT_SERIAL = 1, SIM_XPORT_COUNT = 2 };

#define SIM_STAT_GROUPS 7

typedef struct sim_services {
    extxip_server_t app;             /* the application's SMP server (lib/server) */
    extxip_recovery_server_t rec;    /* or the bootloader's serial recovery */
    extxip_smp_server_t *srv;        /* whichever of the two runs */
    extxip_img_mgmt_t *img;          /* and its image group */
    extxip_os_mgmt_port_t os_port;
    extxip_stat_mgmt_group_t stat_groups[SIM_STAT_GROUPS];
    extxip_stat_mgmt_port_t stat_port;
    extxip_fs_mgmt_t fs;             /* registered when the board has a file system directory */
    sim_device_t *dev;
    long long boot_ms;        /* host monotonic ms at this boot (ticks) */
    uint32_t xport_req[SIM_XPORT_COUNT];
    uint32_t xport_err[SIM_XPORT_COUNT];
    /* Retained across resets (not across a power cycle = process restart). */
    uint32_t boots;           /* application starts since power on */
    uint32_t resets;          /* resets requested over SMP */
    uint32_t resumed;         /* boots that reloaded a persisted upload session */
    uint32_t buf_size;
    uint32_t buf_count;
    char node_name[64];
    int rtc_set;              /* 0 only if the host clock could not be read */
    long long rtc_offset_ms;  /* device time = host monotonic + offset */
    volatile int reset_requested;
    uintptr_t stack_base;     /* frame where the application started (taskstat) */
    uintptr_t stack_deepest;  /* deepest stack seen below it, bytes */
} sim_services_t;

/* Start the application's services over the booted device. s must be zeroed
 * before the first call; a later call over the same s (a reset) keeps the RTC.
 * Returns 0 or -1. */
int sim_services_init(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c);

/* The bootloader's serial recovery instead of the application: an SMP server
 * with the image group (state read, upload: a complete upload is scheduled,
 * pending and permanent, and a linked image is named in the pair record) and
 * the OS group (echo, reset, params). Entered when no consistent set can
 * boot, or with the recovery button held. Returns 0 or -1. */
int sim_services_init_recovery(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c);

/* extxip_smp_process() for transport `xport` (SIM_XPORT_*), counting its requests and errors. */
int sim_services_process(sim_services_t *s, int xport, const uint8_t *rx, size_t len, uint8_t *tx,
                         uint64_t peer, extxip_smp_output_fn out, void *out_arg);

#endif
