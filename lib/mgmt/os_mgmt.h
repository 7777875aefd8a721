/*
 * OS management group (SMP group 0, docs/protocol.md §6): echo, task statistics,
 * date/time, reset, MCUmgr parameters, OS/application info, bootloader info.
 * Everything device-specific comes from the port struct below; the module
 * keeps no state of its own beyond the caller-owned extxip_os_mgmt_t.
 */
#ifndef EXTXIP_OS_MGMT_H
#define EXTXIP_OS_MGMT_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stdint.h>

#include "mgmt/os_mgmt_err.h"
#include "smp/smp.h"

/* Command ids (docs/protocol.md §6.1). */
enum {
    OS_MGMT_ID_ECHO = 0,
    OS_MGMT_ID_CONS_ECHO_CTRL = 1,
    OS_MGMT_ID_TASKSTAT = 2,
    OS_MGMT_ID_MPSTAT = 3,
    OS_MGMT_ID_DATETIME_STR = 4,
    OS_MGMT_ID_RESET = 5,
    OS_MGMT_ID_MCUMGR_PARAMS = 6,
    OS_MGMT_ID_INFO = 7,
    OS_MGMT_ID_BOOTLOADER_INFO = 8,
    OS_MGMT_ID_COUNT = 9,
};

/* MCUboot modes reported by bootloader info "mode" (docs/protocol.md §6.10). */
enum {
    OS_MGMT_BOOT_MODE_UNKNOWN = -1,
    OS_MGMT_BOOT_MODE_SINGLE_SLOT = 0,
    OS_MGMT_BOOT_MODE_SWAP_SCRATCH = 1,
    OS_MGMT_BOOT_MODE_OVERWRITE_ONLY = 2, /* this project */
    OS_MGMT_BOOT_MODE_SWAP_MOVE = 3,
    OS_MGMT_BOOT_MODE_DIRECT_XIP = 4,
    OS_MGMT_BOOT_MODE_DIRECT_XIP_REVERT = 5,
    OS_MGMT_BOOT_MODE_RAM_LOAD = 6,
};

/* Clock value exchanged with the port (calendar fields, no time zone). */
typedef struct extxip_os_mgmt_datetime {
    uint16_t year;   /* 1900..11899 */
    uint8_t month;   /* 1..12 */
    uint8_t day;     /* 1..31 */
    uint8_t hour;    /* 0..23 */
    uint8_t minute;  /* 0..59 */
    uint8_t second;  /* 0..59 */
    uint16_t ms;     /* 0..999 */
} extxip_os_mgmt_datetime_t;

/* Errors: extxip_err_t, range -201.. (lib/extxip_err.h). */

/* One task for taskstat. stksiz/stkuse are in 4-byte words as Zephyr sends. */
typedef struct extxip_os_mgmt_task {
    const char *name;  /* map key; NULL → its index as decimal text */
    int32_t prio;
    uint32_t state;
    bool has_stack;    /* emit "stksiz" and "stkuse" */
    uint32_t stksiz;
    uint32_t stkuse;
    bool has_runtime;  /* emit "runtime" */
    uint64_t runtime;
} extxip_os_mgmt_task_t;

/*
 * Port contract. Every member may be NULL/0 where noted; the command that
 * needs a missing member answers ENOTSUP. Callbacks run in the SMP thread
 * and receive `arg`.
 */
typedef struct extxip_os_mgmt_port {
    void *arg;

    /* MCUmgr parameters (cmd 6): the true sizes the transports use —
     * buf_size = largest SMP packet receivable (header + CBOR), buf_count =
     * buffers available. 0 → ENOTSUP. */
    uint32_t buf_size;
    uint32_t buf_count;

    /* Reset (cmd 5). reset_check may refuse a reset (return a MGMT_ERR_*,
     * typically MGMT_ERR_EBUSY; force tells it the client insisted); NULL =
     * always allowed. reset runs only AFTER the {} reply has been handed to
     * the transport's output; it should make the device reset soon (Zephyr
     * waits 250 ms so the reply can drain). reset NULL → ENOTSUP. */
    int (*reset_check)(void *arg, bool force);
    void (*reset)(void *arg);

    /* OS/application info (cmd 7): texts for each format character. NULL →
     * "unknown", except build_date_time: NULL makes 'b' an invalid format
     * character (as in Zephyr without the build-date option). */
    const char *kernel_name;     /* s, e.g. "extxip" */
    const char *node_name;       /* n */
    const char *kernel_release;  /* r */
    const char *kernel_version;  /* v */
    const char *build_date_time; /* b */
    const char *machine;         /* m, e.g. "arm" */
    const char *processor;       /* p, e.g. "cortex-m33" */
    const char *platform;        /* i, board name with "@rev" if any */
    const char *os_name;         /* o */

    /* Bootloader info (cmd 8). name NULL → "MCUboot". */
    const char *bootloader_name;
    int32_t boot_mode;           /* OS_MGMT_BOOT_MODE_* */
    bool no_downgrade;           /* add "no-downgrade": true to the mode reply */

    /* Date/time (cmd 4). get fills *dt; set receives a validated value.
     * Return OS_MGMT_CLOCK_*. Either NULL → that op is ENOTSUP.
     * datetime_ms: replies carry ".<ms>" and requests may carry it. */
    int (*datetime_get)(void *arg, extxip_os_mgmt_datetime_t *dt);
    int (*datetime_set)(void *arg, const extxip_os_mgmt_datetime_t *dt);
    bool datetime_ms;

    /* Task statistics (cmd 2): fill *task for index 0, 1, ... and return 0;
     * return non-zero past the last task. NULL → ENOTSUP. */
    int (*task_get)(void *arg, uint32_t index, extxip_os_mgmt_task_t *task);
} extxip_os_mgmt_port_t;

#define OS_MGMT_INFO_MAX 256u /* largest info "output" text (Zephyr's default) */
#define OS_MGMT_TASKSTAT_MAX 64u /* tasks listed at most */

/* Caller-owned group state. */
typedef struct extxip_os_mgmt {
    extxip_smp_group_t group;
    const extxip_os_mgmt_port_t *port;
} extxip_os_mgmt_t;

/* Bind os to port (which must outlive it). */
void extxip_os_mgmt_init(extxip_os_mgmt_t *os, const extxip_os_mgmt_port_t *port);
/* Register the OS group with srv. Returns extxip_smp_server_register's result. */
int extxip_os_mgmt_register(extxip_os_mgmt_t *os, extxip_smp_server_t *srv);

#endif
