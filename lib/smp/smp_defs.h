/*
 * SMP (MCUmgr) protocol numbers: ops, versions, group ids, MGMT_ERR_* codes
 * and the group-specific error codes of the OS and image groups (the other
 * groups keep theirs in their own headers: lib/mgmt/<group>_mgmt.h).
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

/* OS group codes (docs/protocol.md §4.5). */
enum {
    OS_MGMT_ERR_OK = 0,
    OS_MGMT_ERR_UNKNOWN = 1,
    OS_MGMT_ERR_INVALID_FORMAT = 2,
    OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER = 3,
    OS_MGMT_ERR_RTC_NOT_SET = 4,
    OS_MGMT_ERR_RTC_COMMAND_FAILED = 5,
    OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID = 6,
};

/* Image group codes (docs/protocol.md §4.4). */
enum {
    IMG_MGMT_ERR_OK = 0,
    IMG_MGMT_ERR_UNKNOWN = 1,
    IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL = 2,
    IMG_MGMT_ERR_NO_IMAGE = 3,
    IMG_MGMT_ERR_NO_TLVS = 4,
    IMG_MGMT_ERR_INVALID_TLV = 5,
    IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND = 6,
    IMG_MGMT_ERR_TLV_INVALID_SIZE = 7,
    IMG_MGMT_ERR_HASH_NOT_FOUND = 8,
    IMG_MGMT_ERR_NO_FREE_SLOT = 9,
    IMG_MGMT_ERR_FLASH_OPEN_FAILED = 10,
    IMG_MGMT_ERR_FLASH_READ_FAILED = 11,
    IMG_MGMT_ERR_FLASH_WRITE_FAILED = 12,
    IMG_MGMT_ERR_FLASH_ERASE_FAILED = 13,
    IMG_MGMT_ERR_INVALID_SLOT = 14,
    IMG_MGMT_ERR_NO_FREE_MEMORY = 15,
    IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET = 16,
    IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET = 17,
    IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL = 18,
    IMG_MGMT_ERR_INVALID_PAGE_OFFSET = 19,
    IMG_MGMT_ERR_INVALID_OFFSET = 20,
    IMG_MGMT_ERR_INVALID_LENGTH = 21,
    IMG_MGMT_ERR_INVALID_IMAGE_HEADER = 22,
    IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC = 23,
    IMG_MGMT_ERR_INVALID_HASH = 24,
    IMG_MGMT_ERR_INVALID_FLASH_ADDRESS = 25,
    IMG_MGMT_ERR_VERSION_GET_FAILED = 26,
    IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER = 27,
    IMG_MGMT_ERR_IMAGE_ALREADY_PENDING = 28,
    IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE = 29,
    IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE = 30,
    IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN = 31,
    IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED = 32,
    IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED = 33,
    IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN = 34,
};

/* v2 group code → v1 MGMT_ERR_* (docs/protocol.md §4.4, §4.5). Unknown codes → EUNKNOWN. */
uint16_t smp_img_err_to_v1(uint16_t rc);
uint16_t smp_os_err_to_v1(uint16_t rc);
/* Translation for a group: OS and image tables built in, any other group → EUNKNOWN. */
uint16_t smp_err_to_v1(uint16_t group, uint16_t rc);

#endif
