/*
 * The simulated application's firmware: what image 0 (internal part), image 2
 * (QSPI XIP part) and image 1 (network core) carry when extxip builds them,
 * and the start-up check that the internal part finds its XIP half.
 *
 * The internal part begins (right after the MCUboot header) with a
 * descriptor naming a link id and the offset of a marker inside the XIP
 * part's body; the XIP part carries that marker. A device whose QSPI part is
 * missing, invalid or from another build never reaches the SMP server, as a
 * real split-XIP application would fault on its first call into QSPI code.
 */
#ifndef EXTXIP_SIM_APP_H
#define EXTXIP_SIM_APP_H

#include "extxip_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_device.h"

#define SIM_APP_MAGIC "EXTXIPA1"
#define SIM_XIP_MAGIC "EXTXIPX1"
#define SIM_NET_MAGIC "EXTXIPN1"
#define SIM_XIP_BASE  EXTXIP_BOARD_QSPI_XIP_BASE /* QSPI offset 0 as mapped for execute-in-place */
/* Where the application part's code runs: mcuboot_primary_app in
 * pm_static.yml (its primary 0x10000 + the 0x200 image header). */
#define SIM_APP_CODE_ADDR 0x10200u

enum { SIM_PART_APP, SIM_PART_XIP, SIM_PART_NET };

/* Write a deterministic firmware payload of `size` bytes for `part` into buf
 * (the raw input imgtool signs). `link_id` ties an app part to its XIP part;
 * `seed` varies the filler so v1 and v2 differ. Returns 0 or -1 (too small). */
int sim_app_make_payload(int part, uint32_t link_id, uint32_t seed, uint8_t *buf, size_t size);
/* The same with code != 0: a compressible, Thumb-2-like filler (mkpayload
 * --code), as real firmware compresses, for compressed images. */
int sim_app_make_payload_style(int part, uint32_t link_id, uint32_t seed, int code, uint8_t *buf,
                               size_t size);

/* After a successful boot: find image 0's descriptor and check the marker in
 * image 2's primary slot through its XIP-mapped address. An image 0 without a
 * descriptor is not an extxip application build: hardware would fault on it
 * (lockup, then recovery). Returns 0 when the application may start, -1
 * (reason printed to log) when it would fault. */
int sim_app_check_xip(sim_device_t *d, FILE *log);

/* The simulator's "built for this slot" check (extxip_boot_target_t, used by its
 * bootloader and its image group): image 0 must carry the application
 * descriptor, the network core's image the network-core marker, image 2 the
 * XIP marker, each where its layout puts it. */
extern const extxip_boot_target_t sim_app_target;

#endif
