/*
 * SMP (MCUmgr) protocol numbers: ops, versions, group ids and the SMP-layer
 * MGMT_ERR_* codes. Each group keeps its own error codes and their v1
 * mapping in its own header (lib/mgmt/).
 * Facts: docs/protocol.md §1, §4, §5.
 */
#ifndef EXTXIP_SMP_DEFS_H
#define EXTXIP_SMP_DEFS_H

#include <stdint.h>

#define SMP_HDR_SIZE 8u

/* Header op field (docs/protocol.md §1.2). */
enum {
    SMP_OP_READ = 0,
    SMP_OP_READ_RSP = 1,
    SMP_OP_WRITE = 2,
    SMP_OP_WRITE_RSP = 3,
};

/* Header version field (docs/protocol.md §1.3). */
enum {
    SMP_VERSION_1 = 0, /* original protocol: errors as "rc" */
    SMP_VERSION_2 = 1, /* errors as "err": {"group", "rc"} */
};

/* Group ids (docs/protocol.md §5). */
enum {
    MGMT_GROUP_ID_OS = 0,
    MGMT_GROUP_ID_IMAGE = 1,
    MGMT_GROUP_ID_STAT = 2,
    MGMT_GROUP_ID_SETTINGS = 3,
    MGMT_GROUP_ID_FS = 8,
    MGMT_GROUP_ID_SHELL = 9,
    MGMT_GROUP_ID_ENUM = 10,
    MGMT_GROUP_ID_ZBASIC = 63,
    MGMT_GROUP_ID_PERUSER = 64,
};

/* SMP-layer result codes, v1 "rc" (docs/protocol.md §4.2). Handlers return these. */
enum {
    MGMT_ERR_EOK = 0,
    MGMT_ERR_EUNKNOWN = 1,
    MGMT_ERR_ENOMEM = 2,
    MGMT_ERR_EINVAL = 3,
    MGMT_ERR_ETIMEOUT = 4,
    MGMT_ERR_ENOENT = 5,
    MGMT_ERR_EBADSTATE = 6,
    MGMT_ERR_EMSGSIZE = 7,
    MGMT_ERR_ENOTSUP = 8,
    MGMT_ERR_ECORRUPT = 9,
    MGMT_ERR_EBUSY = 10,
    MGMT_ERR_EACCESSDENIED = 11,
    MGMT_ERR_UNSUPPORTED_TOO_OLD = 12,
    MGMT_ERR_UNSUPPORTED_TOO_NEW = 13,
    MGMT_ERR_EPERUSER = 256,
};

/* Group error codes and their v1 mapping live with each group:
 * lib/mgmt/os_mgmt_err.h, lib/mgmt/img_mgmt_err.h, lib/mgmt/<group>_mgmt.h. */

#endif
