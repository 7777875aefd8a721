/*
 * The port contract: everything a target supplies to extxip, in one place.
 * A new port is the items below, a board folder (boards/<name>/board.h and
 * pm_static.yml) and a linker script; lib calls nothing else of the target
 * (CTest lib_no_os_calls checks the archives for OS calls).
 *
 * Every item is a struct the port fills or a callback in one; the structs
 * are caller-owned and outlive their users. The types are defined where
 * their module lives; this header gathers them and says what each must do.
 *
 *  1. Flash devices       extxip_flash_dev_t + extxip_flash_dev_ops_t
 *                         (flash/flash_area.h): read; program that only
 *                         moves cells away from erased_val (1 -> 0 on NOR,
 *                         refusing the reverse with FLASH_ERR_NOT_ERASED);
 *                         erase of whole sectors. lib checks range, overflow,
 *                         alignment and sector bounds before each call. Run
 *                         the flash conformance suite on it
 *                         (test/support/flash_conformance.c).
 *  2. Partition map       extxip_flash_map_t (flash/flash_area.h): area id ->
 *                         device, offset, size; image n primary 2n, secondary
 *                         2n+1, bootloader 6, settings 7. From the board's
 *                         pm_static.yml (the simulator) or compiled in.
 *  3. Keys                extxip_image_keyring_t (image/image.h): the public
 *                         keys images are verified with.
 *  4. Crypto backend      crypto/crypto.h: one backend file per algorithm
 *                         (mbedTLS, BearSSL, libsodium); a port picks them.
 *  5. Built for this slot extxip_boot_target_t (boot/boot.h): is a payload
 *                         built to run from image n's primary (vector table,
 *                         part identity)? Given to the bootloader and to the
 *                         image group, so both judge alike.
 *  6. Boot hand-off       extxip_boot_go() fills extxip_boot_result_t; the
 *                         port jumps to the chosen primaries' entry, or runs
 *                         the recovery server when nothing can boot.
 *  7. Identity and reset  extxip_os_mgmt_port_t (mgmt/os_mgmt.h): buffer
 *                         sizes, reset (called after the reply went out),
 *                         info strings, optional datetime and task list.
 *  8. Clock               extxip_img_mgmt_clock_fn (mgmt/img_mgmt.h):
 *                         milliseconds, for the upload busy rule.
 *  9. Server              extxip_server_config_t (server/server.h): the above
 *                         plus statistics counters, settings roots and any
 *                         port-only groups; extxip_server_init wires the rest.
 * 10. Links               bytes in: extxip_smp_process() per packet (UDP,
 *                         BLE) or extxip_smp_serial_rx_feed() per UART byte
 *                         stream; bytes out: an extxip_smp_output_fn
 *                         (smp/smp.h). BLE: an H4 writer
 *                         (extxip_ble_periph_tx_fn, ble/ble_periph.h) to the
 *                         controller, its bytes fed to extxip_ble_periph_rx().
 * 11. Log output          extxip_log_fn (extxip_log.h), where a module has something
 *                         to say (BLE connection events); lib never writes
 *                         to a console itself.
 *
 * Errors: every lib failure is an extxip_err_t (extxip_err.h). Buffers are
 * sized at compile time by the board's config (extxip_config.h).
 */
#ifndef EXTXIP_PORT_H
#define EXTXIP_PORT_H

#include "extxip_err.h"
#include "extxip_log.h" /* extxip_log_fn (11) */

#include "ble/ble_periph.h"
#include "boot/boot.h"
#include "crypto/crypto.h"
#include "flash/flash_area.h"
#include "image/image.h"
#include "server/server.h"
#include "smp/smp.h"
#include "smp/smp_serial.h"

#endif
