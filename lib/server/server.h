/*
 * The SMP server assembly: one place that wires the groups, the settings
 * store and the hooks between groups, from a config a port fills in.
 *
 *   application (extxip_server_init):  os, image, statistics, settings,
 *     shell, Zephyr basic (storage erase), enumeration, then the groups the
 *     port brings (the simulator's file group); the settings store on the settings
 *     partition below the image group's upload-session log; storage erase
 *     refused while another client's upload is live, the session log
 *     dropped before and the store re-mounted after.
 *   bootloader recovery (extxip_recovery_server_init, its own file so a
 *     bootloader links only the os and image groups): a complete upload is
 *     scheduled at once, pending and permanent, any pending slot may be
 *     replaced, and an upload of a linked image is told to `uploaded` (the
 *     port names it in the pair record).
 *
 * What stays with the port: its identity and reset (the os group's port
 * struct), its clock, its statistics counters, its file system, its links.
 * Both server structs are caller-owned state, as littlefs's lfs_t is: no
 * globals, no heap. Init over the same struct again is a reset.
 */
#ifndef EXTXIP_SERVER_H
#define EXTXIP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/enum_mgmt.h"
#include "mgmt/img_mgmt.h"
#include "mgmt/os_mgmt.h"
#include "mgmt/settings_mgmt.h"
#include "mgmt/shell_cmds.h"
#include "mgmt/shell_mgmt.h"
#include "mgmt/stat_mgmt.h"
#include "mgmt/zbasic_mgmt.h"
#include "smp/smp.h"
#include "storage/kvstore.h"

typedef struct extxip_server_config {
    /* The image group (and the bootloader's view of the device). */
    const extxip_flash_map_t *map;
    const extxip_image_keyring_t *keys;
    const extxip_boot_target_t *target;     /* `test` judges an image as the bootloader will */
    const extxip_boot_result_t *last_boot;  /* may be NULL */
    extxip_img_mgmt_clock_fn clock;         /* the busy rule's clock; NULL: none */
    void *clock_arg;
    bool boot_report_key;                   /* "bootReport" in state replies (not Zephyr's) */
    bool idle_erase;                        /* erase consumed secondaries when idle
                                               (img_mgmt_idle.c); application only */
    bool verbose_err;                       /* "rsn" in error replies (Zephyr's
                                               CONFIG_MCUMGR_SMP_VERBOSE_ERR_RESPONSE);
                                               application only: MCUboot's recovery has none */
    /* The os group: the port's identity, reset, datetime and tasks. Kept by
     * pointer: it must outlive the server. */
    extxip_os_mgmt_port_t *os;
    /* Application only (ignored by the recovery server). */
    const extxip_stat_mgmt_port_t *stats;   /* NULL: no statistics group */
    uint8_t settings_area;                  /* the settings partition's area id */
    const extxip_settings_root_t *settings_roots;
    size_t settings_root_count;
    /* Groups only this port has (the simulator's file group), registered
     * after the sample's; the port initialises them. */
    const extxip_smp_group_t *const *extra_groups;
    size_t extra_count;
    const char *(*reset_reason)(void *arg); /* the shell's reset_reason; may be NULL */
    void *arg;                              /* for reset_reason */
    /* Recovery only: a complete upload of `image` with `hash`; may be NULL. */
    void (*uploaded)(void *arg, uint8_t image, const uint8_t *hash);
    void *uploaded_arg;
} extxip_server_config_t;

typedef struct extxip_server {
    extxip_smp_server_t srv;
    extxip_os_mgmt_t os;
    extxip_img_mgmt_t img;
    extxip_stat_mgmt_t stat;
    extxip_settings_mgmt_port_t set_port;
    extxip_settings_mgmt_t set;
    extxip_kvs_t kvs;             /* the settings store */
    bool kvs_mounted;             /* false: settings refused until a storage erase */
    extxip_shell_cmds_ctx_t sh_ctx;
    extxip_shell_mgmt_port_t sh_port;
    extxip_shell_mgmt_t sh;
    extxip_zbasic_mgmt_port_t zb_port;
    extxip_zbasic_mgmt_t zb;
    extxip_enum_mgmt_t en;
} extxip_server_t;

typedef struct extxip_recovery_server {
    extxip_smp_server_t srv;
    extxip_os_mgmt_t os;
    extxip_img_mgmt_t img;
} extxip_recovery_server_t;

/* Returns 0, or -1 when the image group or a registration failed (nothing
 * is served then). A settings store that does not mount is not a failure:
 * s->kvs_mounted says so and settings requests are refused. The recovery
 * server's s must be zeroed before the call (it runs once per boot). */
int extxip_server_init(extxip_server_t *s, const extxip_server_config_t *cfg);
int extxip_recovery_server_init(extxip_recovery_server_t *s, const extxip_server_config_t *cfg);

#endif
