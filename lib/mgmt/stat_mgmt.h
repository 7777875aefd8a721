/*
 * Statistics management group (SMP group 2): list the statistics groups and
 * show one group's counters, as Zephyr's stat_mgmt does (Zephyr
 * subsys/mgmt/mcumgr/grp/stat_mgmt, doc smp_group_2.rst).
 *
 * The counters belong to the port: it describes each group (name, field
 * names) and fills the current values when asked. Nothing here allocates.
 */
#ifndef EXTXIP_STAT_MGMT_H
#define EXTXIP_STAT_MGMT_H

#include <stddef.h>
#include <stdint.h>

#include "smp/smp.h"

/* Command ids. */
enum {
    STAT_MGMT_ID_SHOW = 0,
    STAT_MGMT_ID_LIST = 1,
    STAT_MGMT_ID_COUNT = 2,
};

/* Group error codes (Zephyr enum stat_mgmt_err_code_t). */
enum {
    STAT_MGMT_ERR_OK = 0,
    STAT_MGMT_ERR_UNKNOWN = 1,
    STAT_MGMT_ERR_INVALID_GROUP = 2,
    STAT_MGMT_ERR_INVALID_STAT_NAME = 3,
    STAT_MGMT_ERR_INVALID_STAT_SIZE = 4,
    STAT_MGMT_ERR_WALK_ABORTED = 5,
};

#define STAT_MGMT_MAX_NAME_LEN 32u /* Zephyr CONFIG_MCUMGR_GRP_STAT_MAX_NAME_LEN */
#define STAT_MGMT_MAX_FIELDS 16u   /* counters per group */

/* One statistics group. read fills vals[0..field_count) with the current
 * counter values (field_count <= STAT_MGMT_MAX_FIELDS). */
typedef struct extxip_stat_mgmt_group {
    const char *name;                 /* < STAT_MGMT_MAX_NAME_LEN characters */
    const char *const *fields;        /* field names, as the device prints them */
    size_t field_count;
    void (*read)(void *arg, uint64_t *vals);
    void *arg;
} extxip_stat_mgmt_group_t;

/* Port contract: the groups, in the order "stat list" reports them. */
typedef struct extxip_stat_mgmt_port {
    const extxip_stat_mgmt_group_t *groups;
    size_t group_count;
} extxip_stat_mgmt_port_t;

typedef struct extxip_stat_mgmt {
    extxip_smp_group_t group;
    const extxip_stat_mgmt_port_t *port;
} extxip_stat_mgmt_t;

/* v2 group code -> v1 MGMT_ERR_* (Zephyr's stat_mgmt_translate_error_code). */
uint16_t extxip_stat_mgmt_err_to_v1(uint16_t rc);

void extxip_stat_mgmt_init(extxip_stat_mgmt_t *st, const extxip_stat_mgmt_port_t *port);
int extxip_stat_mgmt_register(extxip_stat_mgmt_t *st, extxip_smp_server_t *srv);

#endif
