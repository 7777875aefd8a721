/*
 * The image group's (1) error codes, v2 "err.rc" (docs/protocol.md §4.4), and
 * their v1 "rc" translation. The group owns them; the SMP layer only calls
 * the translation through extxip_smp_group_t.err_to_v1. Host tools include this
 * header alone for the names.
 */
#ifndef EXTXIP_IMG_MGMT_ERR_H
#define EXTXIP_IMG_MGMT_ERR_H

#include <stdint.h>

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

/* v2 code -> v1 MGMT_ERR_*; unknown codes -> MGMT_ERR_EUNKNOWN. */
uint16_t extxip_img_mgmt_err_to_v1(uint16_t rc);

/* The image group's one mapping of its modules' own codes (each module counts down
 * from -1) to its err.rc: boot (trailer marks), reclog (the upload-session log),
 * flash (slot reads/writes/erases) and image (header/TLV/signature checks). 0 -> 0;
 * any other code, known or not, -> a non-zero IMG_MGMT_ERR_*. */
typedef enum {
    IMG_MGMT_MOD_BOOT,
    IMG_MGMT_MOD_RECLOG,
    IMG_MGMT_MOD_FLASH,
    IMG_MGMT_MOD_IMAGE,
} img_mgmt_mod_t;
uint16_t extxip_img_mgmt_err_from(img_mgmt_mod_t mod, int code);

#endif
