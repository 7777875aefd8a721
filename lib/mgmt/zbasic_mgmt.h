/*
 * Zephyr basic management group (SMP group 63): storage erase, as Zephyr's
 * basic_mgmt.c with CONFIG_MCUMGR_GRP_ZBASIC_STORAGE_ERASE: erase the whole
 * settings partition. Zephyr's group only erases; here the port may also
 * quiesce what lives on that partition first (prepare: e.g. drop the image
 * group's persisted upload session) and re-mount it after (done: e.g. the
 * settings store), so the device keeps working without a reset, and may
 * refuse it while another client's upload session is live (busy).
 */
#ifndef EXTXIP_ZBASIC_MGMT_H
#define EXTXIP_ZBASIC_MGMT_H

#include <stdbool.h>
#include <stdint.h>

#include "flash/flash_area.h"
#include "smp/smp.h"

enum {
    ZBASIC_MGMT_ID_ERASE_STORAGE = 0,
    ZBASIC_MGMT_ID_COUNT = 1,
};

/* Group error codes (Zephyr enum zephyr_basic_group_err_code_t). */
enum {
    ZEPHYRBASIC_MGMT_ERR_OK = 0,
    ZEPHYRBASIC_MGMT_ERR_UNKNOWN = 1,
    ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED = 2,
    ZEPHYRBASIC_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL = 3,
    ZEPHYRBASIC_MGMT_ERR_FLASH_ERASE_FAILED = 4,
};

typedef struct extxip_zbasic_mgmt_port {
    void *arg;
    const extxip_flash_map_t *map;
    uint8_t area_id;               /* FLASH_AREA_SETTINGS */
    /* Both optional. prepare returns 0 or non-zero (then nothing is erased
     * and the reply is FLASH_ERASE_FAILED); done runs after the erase,
     * successful or not (erased = 1 when it succeeded). */
    int (*prepare)(void *arg);
    void (*done)(void *arg, int erased);
    /* Optional, asked first by the SMP command: true when something another
     * client than `peer` is doing lives on the partition (the image group's
     * live upload session, extxip_img_mgmt_busy); the reply is then {"rc": 10}
     * (EBUSY) and nothing is erased. */
    bool (*busy)(void *arg, uint64_t peer);
    uint32_t erases;               /* storage erases that succeeded (for stats) */
} extxip_zbasic_mgmt_port_t;

typedef struct extxip_zbasic_mgmt {
    extxip_smp_group_t group;
    extxip_zbasic_mgmt_port_t *port;
} extxip_zbasic_mgmt_t;

uint16_t extxip_zbasic_mgmt_err_to_v1(uint16_t rc);

/* The erase itself (what the SMP command runs). Returns ZEPHYRBASIC_MGMT_ERR_*. */
int extxip_zbasic_mgmt_storage_erase(extxip_zbasic_mgmt_port_t *port);

void extxip_zbasic_mgmt_init(extxip_zbasic_mgmt_t *zb, extxip_zbasic_mgmt_port_t *port);
int extxip_zbasic_mgmt_register(extxip_zbasic_mgmt_t *zb, extxip_smp_server_t *srv);

#endif
