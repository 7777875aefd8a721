/*
 * Settings management group (SMP group 3), as Zephyr's settings_mgmt
 * (subsys/mgmt/mcumgr/grp/settings_mgmt, smp_group_3.rst):
 *   read/write (id 0), delete (1, write), commit (2, write), load/save (3)
 * over the power-safe key-value store (kvstore.h) on the settings partition.
 *
 * Differences from Zephyr, where Zephyr's settings subsystem has a runtime
 * layer the store does not: a write is stored (durably) at once, as
 * settings_save_one would; load re-reads the store from flash; save has
 * nothing pending and answers {}; commit calls the port's hook. Names are
 * printable ASCII without '=' (Zephyr's name/value separator), without an
 * empty path segment; others are refused with MGMT_ERR_EINVAL.
 *
 * Roots, as Zephyr's settings handlers: a name's root is its first segment
 * ("app" of "app/greeting"). With a root table (port->roots) a name under no
 * listed root answers err ROOT_KEY_NOT_FOUND on read and write (Zephyr's
 * settings_runtime_get/set find no handler: -EINVAL), a delete of it
 * KEY_NOT_FOUND (Zephyr deletes in the store whatever the root); a root
 * marked read_only answers WRITE_NOT_SUPPORTED / DELETE_NOT_SUPPORTED. Save
 * without a mounted store: SAVE_NOT_SUPPORTED. Codes as Zephyr 4.4.0's
 * settings_mgmt answers them (mps2_an385 fixture, docs/compatibility.md).
 * Without a table (roots NULL) the store is one namespace.
 */
#ifndef EXTXIP_SETTINGS_MGMT_H
#define EXTXIP_SETTINGS_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/kvstore.h"
#include "smp/smp.h"

enum {
    SETTINGS_MGMT_ID_READ_WRITE = 0,
    SETTINGS_MGMT_ID_DELETE = 1,
    SETTINGS_MGMT_ID_COMMIT = 2,
    SETTINGS_MGMT_ID_LOAD_SAVE = 3,
    SETTINGS_MGMT_ID_COUNT = 4,
};

/* Group error codes (Zephyr enum settings_mgmt_ret_code_t). */
enum {
    SETTINGS_MGMT_ERR_OK = 0,
    SETTINGS_MGMT_ERR_UNKNOWN = 1,
    SETTINGS_MGMT_ERR_KEY_TOO_LONG = 2,
    SETTINGS_MGMT_ERR_KEY_NOT_FOUND = 3,
    SETTINGS_MGMT_ERR_READ_NOT_SUPPORTED = 4,
    SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND = 5,
    SETTINGS_MGMT_ERR_WRITE_NOT_SUPPORTED = 6,
    SETTINGS_MGMT_ERR_DELETE_NOT_SUPPORTED = 7,
    SETTINGS_MGMT_ERR_SAVE_NOT_SUPPORTED = 8,
};

#define SETTINGS_MGMT_ROOTS_MAX 16u /* entries of a root table the group reads */

/* A settings root the device has a handler for. */
typedef struct extxip_settings_root {
    const char *name;  /* the first name segment, e.g. "app" */
    bool read_only;    /* readable over SMP, not written or deleted */
} extxip_settings_root_t;

/* Zephyr's CONFIG_MCUMGR_GRP_SETTINGS_NAME_LEN / _VALUE_LEN equivalents. */
#define SETTINGS_MGMT_NAME_LEN KVS_NAME_MAX
#define SETTINGS_MGMT_VALUE_LEN KVS_VAL_MAX

typedef struct extxip_settings_mgmt_port {
    void *arg;
    extxip_kvs_t *store;
    /* Where the store lives (for load, and to mount again after a failure). */
    const extxip_flash_area_t *fa;
    uint32_t off, size;
    void (*commit)(void *arg); /* optional: apply the settings */
    /* The roots with a handler (at most SETTINGS_MGMT_ROOTS_MAX are read), or
     * NULL: every name is the store's. */
    const extxip_settings_root_t *roots;
    size_t root_count;
    uint32_t commits;          /* statistics */
} extxip_settings_mgmt_port_t;

typedef struct extxip_settings_mgmt {
    extxip_smp_group_t group;
    extxip_settings_mgmt_port_t *port;
} extxip_settings_mgmt_t;

uint16_t extxip_settings_mgmt_err_to_v1(uint16_t rc);
/* 1 when name[0..len) is a name the group accepts (length checked separately). */
int extxip_settings_mgmt_name_ok(const uint8_t *name, size_t len);

/* The split of the settings partition, in one place: the store takes the
 * partition from its start up to the image group's upload-session log (its
 * resolved extxip_img_mgmt_config_t log_area/log_off/log_size, which sit at the
 * end), or all of it when the log is elsewhere or off. */
uint32_t extxip_settings_mgmt_store_size(const extxip_flash_area_t *settings, uint8_t log_area, uint32_t log_off,
                                  uint32_t log_size);

void extxip_settings_mgmt_init(extxip_settings_mgmt_t *sm, extxip_settings_mgmt_port_t *port);
int extxip_settings_mgmt_register(extxip_settings_mgmt_t *sm, extxip_smp_server_t *srv);

#endif
