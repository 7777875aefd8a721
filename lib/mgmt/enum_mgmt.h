/*
 * Enumeration management group (SMP group 10): how many groups the server
 * has, their ids, one id by index, and details (name, handler count), as
 * Zephyr's enum_mgmt (subsys/mgmt/mcumgr/grp/enum_mgmt, smp_group_10.rst).
 * Reads the server's own group table, so it is always truthful.
 */
#ifndef EXTXIP_ENUM_MGMT_H
#define EXTXIP_ENUM_MGMT_H

#include <stdint.h>

#include "smp/smp.h"

enum {
    ENUM_MGMT_ID_COUNT = 0,
    ENUM_MGMT_ID_LIST = 1,
    ENUM_MGMT_ID_SINGLE = 2,
    ENUM_MGMT_ID_DETAILS = 3,
    ENUM_MGMT_ID_NUM = 4,
};

/* Group error codes (Zephyr enum enum_mgmt_err_code_t). */
enum {
    ENUM_MGMT_ERR_OK = 0,
    ENUM_MGMT_ERR_UNKNOWN = 1,
    ENUM_MGMT_ERR_TOO_MANY_GROUP_ENTRIES = 2,
    ENUM_MGMT_ERR_INSUFFICIENT_HEAP_FOR_ENTRIES = 3,
    ENUM_MGMT_ERR_INDEX_TOO_LARGE = 4,
};

/* Largest "groups" filter a details request may carry (Zephyr's stack buffer default). */
#define ENUM_MGMT_MAX_FILTER 16u

typedef struct extxip_enum_mgmt {
    extxip_smp_group_t group;
    const extxip_smp_server_t *srv;
} extxip_enum_mgmt_t;

uint16_t extxip_enum_mgmt_err_to_v1(uint16_t rc);
/* Name Zephyr gives group `id` ("os mgmt", ...), or NULL for an id it has none for. */
const char *extxip_enum_mgmt_group_name(uint16_t id);

void extxip_enum_mgmt_init(extxip_enum_mgmt_t *en, const extxip_smp_server_t *srv);
int extxip_enum_mgmt_register(extxip_enum_mgmt_t *en, extxip_smp_server_t *srv);

#endif
