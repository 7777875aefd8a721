/*
 * The simulated application's RAM: the SMP server and its groups (OS, image)
 * with the port callbacks they need (reset, clock, tasks). Everything here is
 * re-initialised on every boot, as RAM is on a reset.
 */
#ifndef EXTXIP_SIM_SERVICES_H
#define EXTXIP_SIM_SERVICES_H

#include <stdint.h>

#include "mgmt/img_mgmt.h"
#include "mgmt/os_mgmt.h"
#include "sim_device.h"
#include "sim_run.h"
#include "smp/smp.h"

typedef struct sim_services {
    smp_server_t srv;
    os_mgmt_port_t os_port;
    os_mgmt_t os;
    img_mgmt_t img;
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

#endif
