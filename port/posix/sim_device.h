/*
 * The simulated nRF5340 DK as a whole: three flash files, the partition map
 * read from pm_static.yml, the bootloader's keyring, and the last boot's
 * result. extxip-sim's subcommands (program, info, run) are thin layers over
 * this. Host code.
 */
#ifndef EXTXIP_SIM_DEVICE_H
#define EXTXIP_SIM_DEVICE_H

#include <stddef.h>
#include <stdio.h>

#include "boot/boot.h"
#include "image/image.h"
#include "pm_layout.h"
#include "simflash.h"

#define SIM_MAX_KEYS 8
#define SIM_KEY_DER_MAX 600

typedef struct sim_device {
    simflash_board_t board;
    pm_layout_t layout;
    extxip_image_key_t keys[SIM_MAX_KEYS];
    uint8_t key_der[SIM_MAX_KEYS][SIM_KEY_DER_MAX];
    extxip_image_keyring_t keyring;
    extxip_boot_options_t boot_opt;
    extxip_boot_state_t boot_state;
    extxip_boot_result_t boot_result;
    int boot_rc;
} sim_device_t;

/* Open the flash files in flash_dir (created erased when missing) and read
 * the layout. dir NULL = RAM only. Warnings from the layout go to `log`.
 * Returns 0, or -1 with one line in err. */
int sim_device_open(sim_device_t *d, const char *flash_dir, const char *layout_path, FILE *log,
                    char *err, size_t errlen);
void sim_device_close(sim_device_t *d);

/* The lock that keeps two processes from writing one device's flash files:
 * an exclusive flock on flash_dir/SIM_LOCK_FILE (created with the directory
 * if missing), which holds our pid. Taken by `run` and `program` (`info` only
 * reads). Returns the descriptor to keep open, or -1 with one line in err
 * naming the holder's pid. */
#define SIM_LOCK_FILE ".extxip-sim.lock"
int sim_device_lock_dir(const char *flash_dir, char *err, size_t errlen);

/* Add a public key (PEM, public or private, EC P-256 or RSA-2048) to the
 * bootloader's keyring, beside MCUboot's built-in development keys. */
/* The key built into the board (generated from the board's PEM). */
extern const unsigned char ecdsa_pub_key_board[];
extern const unsigned int ecdsa_pub_key_board_len;

/* Trust no key (before sim_device_add_key_file: --key replaces the built-in
 * board key, it never adds to it). */
void sim_device_clear_keys(sim_device_t *d);

int sim_device_add_key_file(sim_device_t *d, const char *path, char *err, size_t errlen);

/* Power on: run the bootloader over the flash and print what it did.
 * Returns extxip_boot_go's result (0 when every image is bootable). */
int sim_device_boot(sim_device_t *d, FILE *log);

/* Write FILE into the partition named `target` or the primary slot of image
 * number `target` ("0", "1", "2"), erasing the partition first: what flashing
 * over SWD does. FILE is raw binary (written at the partition start) or, when
 * it ends in .hex, Intel HEX placed at its address (device offset, or the
 * XIP-mapped address for the QSPI). Returns 0 or -1 with a message. */
int sim_device_program(sim_device_t *d, const char *target, const char *file, char *err,
                       size_t errlen);

/* Print the memory map, what each slot holds and its trailer state. */
void sim_device_print_info(sim_device_t *d, FILE *f);

/* Area of image `img` primary (1) or secondary (0); NULL if absent. */
const extxip_flash_area_t *sim_device_area(const sim_device_t *d, uint8_t id);

/* "1.2.3" or "1.2.3.4" (build shown only when non-zero), as MCUmgr prints. */
const char *sim_version_str(const extxip_image_version_t *v, char *buf, size_t cap);

#endif
