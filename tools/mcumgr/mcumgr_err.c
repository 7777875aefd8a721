#include "mcumgr_err.h"

#include <stdio.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const v1_names[] = {
    "MGMT_ERR_EOK",          "MGMT_ERR_EUNKNOWN",       "MGMT_ERR_ENOMEM",
    "MGMT_ERR_EINVAL",       "MGMT_ERR_ETIMEOUT",       "MGMT_ERR_ENOENT",
    "MGMT_ERR_EBADSTATE",    "MGMT_ERR_EMSGSIZE",       "MGMT_ERR_ENOTSUP",
    "MGMT_ERR_ECORRUPT",     "MGMT_ERR_EBUSY",          "MGMT_ERR_EACCESSDENIED",
    "MGMT_ERR_UNSUPPORTED_TOO_OLD", "MGMT_ERR_UNSUPPORTED_TOO_NEW",
};

static const char *const os_names[] = {
    "OS_MGMT_ERR_OK", "OS_MGMT_ERR_UNKNOWN", "OS_MGMT_ERR_INVALID_FORMAT",
    "OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER", "OS_MGMT_ERR_RTC_NOT_SET",
    "OS_MGMT_ERR_RTC_COMMAND_FAILED", "OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID",
};

static const char *const img_names[] = {
    "IMG_MGMT_ERR_OK",
    "IMG_MGMT_ERR_UNKNOWN",
    "IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL",
    "IMG_MGMT_ERR_NO_IMAGE",
    "IMG_MGMT_ERR_NO_TLVS",
    "IMG_MGMT_ERR_INVALID_TLV",
    "IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND",
    "IMG_MGMT_ERR_TLV_INVALID_SIZE",
    "IMG_MGMT_ERR_HASH_NOT_FOUND",
    "IMG_MGMT_ERR_NO_FREE_SLOT",
    "IMG_MGMT_ERR_FLASH_OPEN_FAILED",
    "IMG_MGMT_ERR_FLASH_READ_FAILED",
    "IMG_MGMT_ERR_FLASH_WRITE_FAILED",
    "IMG_MGMT_ERR_FLASH_ERASE_FAILED",
    "IMG_MGMT_ERR_INVALID_SLOT",
    "IMG_MGMT_ERR_NO_FREE_MEMORY",
    "IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET",
    "IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET",
    "IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL",
    "IMG_MGMT_ERR_INVALID_PAGE_OFFSET",
    "IMG_MGMT_ERR_INVALID_OFFSET",
    "IMG_MGMT_ERR_INVALID_LENGTH",
    "IMG_MGMT_ERR_INVALID_IMAGE_HEADER",
    "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC",
    "IMG_MGMT_ERR_INVALID_HASH",
    "IMG_MGMT_ERR_INVALID_FLASH_ADDRESS",
    "IMG_MGMT_ERR_VERSION_GET_FAILED",
    "IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER",
    "IMG_MGMT_ERR_IMAGE_ALREADY_PENDING",
    "IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE",
    "IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE",
    "IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN",
    "IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED",
    "IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED",
    "IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN",
};

static const char *const stat_names[] = {
    "STAT_MGMT_ERR_OK", "STAT_MGMT_ERR_UNKNOWN", "STAT_MGMT_ERR_INVALID_GROUP",
    "STAT_MGMT_ERR_INVALID_STAT_NAME", "STAT_MGMT_ERR_INVALID_STAT_SIZE",
    "STAT_MGMT_ERR_WALK_ABORTED",
};

static const char *const settings_names[] = {
    "SETTINGS_MGMT_ERR_OK", "SETTINGS_MGMT_ERR_UNKNOWN", "SETTINGS_MGMT_ERR_KEY_TOO_LONG",
    "SETTINGS_MGMT_ERR_KEY_NOT_FOUND", "SETTINGS_MGMT_ERR_READ_NOT_SUPPORTED",
    "SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND", "SETTINGS_MGMT_ERR_WRITE_NOT_SUPPORTED",
    "SETTINGS_MGMT_ERR_DELETE_NOT_SUPPORTED", "SETTINGS_MGMT_ERR_SAVE_NOT_SUPPORTED",
};

static const char *const fs_names[] = {
    "FS_MGMT_ERR_OK", "FS_MGMT_ERR_UNKNOWN", "FS_MGMT_ERR_FILE_INVALID_NAME",
    "FS_MGMT_ERR_FILE_NOT_FOUND", "FS_MGMT_ERR_FILE_IS_DIRECTORY",
    "FS_MGMT_ERR_FILE_OPEN_FAILED", "FS_MGMT_ERR_FILE_SEEK_FAILED",
    "FS_MGMT_ERR_FILE_READ_FAILED", "FS_MGMT_ERR_FILE_TRUNCATE_FAILED",
    "FS_MGMT_ERR_FILE_DELETE_FAILED", "FS_MGMT_ERR_FILE_WRITE_FAILED",
    "FS_MGMT_ERR_FILE_OFFSET_NOT_VALID", "FS_MGMT_ERR_FILE_OFFSET_LARGER_THAN_FILE",
    "FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND", "FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND",
    "FS_MGMT_ERR_READ_ONLY_FILESYSTEM", "FS_MGMT_ERR_FILE_EMPTY",
};

static const char *const shell_names[] = {
    "SHELL_MGMT_ERR_OK", "SHELL_MGMT_ERR_UNKNOWN", "SHELL_MGMT_ERR_COMMAND_TOO_LONG",
    "SHELL_MGMT_ERR_EMPTY_COMMAND",
};

static const char *const enum_names[] = {
    "ENUM_MGMT_ERR_OK", "ENUM_MGMT_ERR_UNKNOWN", "ENUM_MGMT_ERR_TOO_MANY_GROUP_ENTRIES",
    "ENUM_MGMT_ERR_INSUFFICIENT_HEAP_FOR_ENTRIES", "ENUM_MGMT_ERR_INDEX_TOO_LARGE",
};

static const char *const zbasic_names[] = {
    "ZEPHYRBASIC_MGMT_ERR_OK", "ZEPHYRBASIC_MGMT_ERR_UNKNOWN",
    "ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED", "ZEPHYRBASIC_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL",
    "ZEPHYRBASIC_MGMT_ERR_FLASH_ERASE_FAILED",
};

#define PICK(tbl, i) ((i) >= 0 && (unsigned long long)(i) < COUNT(tbl) ? (tbl)[(i)] : NULL)

const char *mcumgr_rc_name(long long rc)
{
    if (rc == 256)
        return "MGMT_ERR_EPERUSER";
    return PICK(v1_names, rc);
}

const char *mcumgr_group_name(long long g)
{
    switch (g) {
    case 0: return "os";
    case 1: return "image";
    case 2: return "stat";
    case 3: return "settings";
    case 4: return "log";
    case 5: return "crash";
    case 6: return "split";
    case 7: return "run";
    case 8: return "fs";
    case 9: return "shell";
    case 10: return "enum";
    case 11: return "transport";
    case 63: return "zephyr-basic";
    default: return g >= 64 && g <= 0xffff ? "user" : NULL;
    }
}

const char *mcumgr_group_rc_name(long long g, long long rc)
{
    switch (g) {
    case 0: return PICK(os_names, rc);
    case 1: return PICK(img_names, rc);
    case 2: return PICK(stat_names, rc);
    case 3: return PICK(settings_names, rc);
    case 8: return PICK(fs_names, rc);
    case 9: return PICK(shell_names, rc);
    case 10: return PICK(enum_names, rc);
    case 63: return PICK(zbasic_names, rc);
    default: return NULL;
    }
}

const char *mcumgr_err_describe(char *buf, size_t cap, long long group, long long rc)
{
    if (group < 0) {
        const char *n = mcumgr_rc_name(rc);
        snprintf(buf, cap, "%lld (%s)", rc, n ? n : "unknown");
    } else {
        const char *gn = mcumgr_group_name(group);
        const char *n = mcumgr_group_rc_name(group, rc);
        snprintf(buf, cap, "group %lld (%s) rc %lld (%s)", group, gn ? gn : "unknown", rc,
                 n ? n : "unknown");
    }
    return buf;
}
