/*
 * Reader of the nRF Connect SDK partition-manager file (pm_static.yml) for
 * the POSIX port: turns it into the core's extxip_flash_map_t over the three devices
 * of the nRF5340 DK, and keeps every partition read so a tool can print the
 * whole map. Host code (libyaml, malloc inside libyaml).
 *
 * Required partitions -> area ids:
 *   mcuboot -> FLASH_AREA_BOOTLOADER, settings_storage -> FLASH_AREA_SETTINGS,
 *   mcuboot_primary[_n] / mcuboot_secondary[_n] -> image n slots (n = 0..2).
 * Device of a partition: its `device` key if present (flash_ctrl -> network
 * core, MX25R64 -> QSPI; anything else is an error), else its `region`
 * (flash_primary or none -> internal, ram_flash -> network core,
 * external_flash -> QSPI; other regions such as sram_primary/otp are kept in
 * the list as non-flash, and are an error for a required partition).
 */
#ifndef EXTXIP_PM_LAYOUT_H
#define EXTXIP_PM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flash/flash_area.h"

/* Device indexes; same numbering as SIMFLASH_DEV_* in simflash.h. */
enum {
    PM_DEV_NONE = -1,    /* not a flash partition (RAM, OTP, ...) */
    PM_DEV_INTERNAL = 0, /* application-core flash, "flash_primary" */
    PM_DEV_NETCORE = 1,  /* network-core flash, "flash_ctrl" */
    PM_DEV_QSPI = 2,     /* external MX25R64 */
    PM_DEV_COUNT = 3,
};

/* Errors (negative). Each comes with one message naming the partition. */
enum {
    PM_LAYOUT_OK = 0,
    PM_LAYOUT_ERR_IO = -1,       /* file cannot be opened/read */
    PM_LAYOUT_ERR_SYNTAX = -2,   /* malformed YAML or wrong node kinds, duplicate name */
    PM_LAYOUT_ERR_NUMBER = -3,   /* address/size/end_address missing or not a uint32 */
    PM_LAYOUT_ERR_MISSING = -4,  /* a required partition is absent */
    PM_LAYOUT_ERR_OVERLAP = -5,  /* two required partitions overlap on one device */
    PM_LAYOUT_ERR_RANGE = -6,    /* partition beyond its device, or empty required one */
    PM_LAYOUT_ERR_DEVICE = -7,   /* unknown device (or non-flash region for a required one) */
    PM_LAYOUT_ERR_ALIGN = -8,    /* required partition not on sector boundaries */
    PM_LAYOUT_ERR_LIMIT = -9,    /* more than PM_LAYOUT_MAX_PARTS, or a name too long */
    PM_LAYOUT_ERR_ARG = -10,     /* bad call (NULL layout, missing device) */
};

#define PM_LAYOUT_MAX_PARTS 64
#define PM_LAYOUT_NAME_MAX 64 /* bytes including the terminating NUL */

/* One partition as read (after the end_address fix-up). */
typedef struct pm_partition {
    char name[PM_LAYOUT_NAME_MAX];
    int dev;       /* PM_DEV_*; PM_DEV_NONE for non-flash regions */
    uint32_t off;  /* `address`: from the device start for flash partitions */
    uint32_t size;
} pm_partition_t;

/* Caller-owned result. map.areas[].dev point into the caller's devs[];
 * map.areas[].name point to static strings. */
typedef struct pm_layout {
    extxip_flash_map_t map;
    pm_partition_t parts[PM_LAYOUT_MAX_PARTS]; /* in file order */
    size_t nparts;
} pm_layout_t;

/* Receives one warning line (no newline), e.g. an end_address mismatch. */
typedef void (*pm_layout_warn_fn)(void *arg, const char *msg);

/* Read the pm_static.yml at `path` into *out. devs[PM_DEV_*] give size and
 * sector size per device (all three needed). warn may be NULL. On error
 * returns PM_LAYOUT_ERR_* and writes one message into err (if errlen > 0). */
int pm_layout_load(const char *path, const extxip_flash_dev_t *const devs[PM_DEV_COUNT],
                   pm_layout_t *out, pm_layout_warn_fn warn, void *warn_arg, char *err,
                   size_t errlen);

/* Same, from a YAML text in memory (len bytes). */
int pm_layout_parse(const char *text, size_t len, const extxip_flash_dev_t *const devs[PM_DEV_COUNT],
                    pm_layout_t *out, pm_layout_warn_fn warn, void *warn_arg, char *err,
                    size_t errlen);

/* The partition named `name`, or NULL. */
const pm_partition_t *pm_layout_find(const pm_layout_t *l, const char *name);

/* Short device name for printing: "internal", "netcore", "qspi", "-". */
const char *pm_dev_name(int dev);

/* Print every partition (name, device, offset, size, area id if any), one a line. */
void pm_layout_print(const pm_layout_t *l, FILE *f);

#endif
