#include "mgmt/img_mgmt_err.h"

#include "boot/boot.h"
#include "flash/flash_area.h"
#include "flash/reclog.h"
#include "image/image.h"
#include "smp/smp_defs.h"

/* v1 clients get MGMT_ERR_* instead of the group code (docs/protocol.md §4.4). */
uint16_t extxip_img_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case IMG_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case IMG_MGMT_ERR_NO_IMAGE:
    case IMG_MGMT_ERR_NO_TLVS:
        return MGMT_ERR_ENOENT;
    case IMG_MGMT_ERR_NO_FREE_SLOT:
    case IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER:
    case IMG_MGMT_ERR_IMAGE_ALREADY_PENDING:
        return MGMT_ERR_EBADSTATE;
    case IMG_MGMT_ERR_NO_FREE_MEMORY:
        return MGMT_ERR_ENOMEM;
    case IMG_MGMT_ERR_INVALID_SLOT:
    case IMG_MGMT_ERR_INVALID_PAGE_OFFSET:
    case IMG_MGMT_ERR_INVALID_OFFSET:
    case IMG_MGMT_ERR_INVALID_LENGTH:
    case IMG_MGMT_ERR_INVALID_IMAGE_HEADER:
    case IMG_MGMT_ERR_INVALID_HASH:
    case IMG_MGMT_ERR_INVALID_FLASH_ADDRESS:
        return MGMT_ERR_EINVAL;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

uint16_t extxip_img_mgmt_err_from(img_mgmt_mod_t mod, int code)
{
    if (code == 0) {
        return IMG_MGMT_ERR_OK;
    }
    switch (mod) {
    case IMG_MGMT_MOD_BOOT:
        /* A trailer neither good nor blank, or not blank where a mark goes: what
         * Zephyr answers for MCUboot's BOOT_EBADIMAGE. */
        if (code == BOOT_ERR_BAD_MAGIC || code == BOOT_ERR_TRAILER) {
            return IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
        }
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    case IMG_MGMT_MOD_RECLOG:
        if (code == RECLOG_ERR_READ) {
            return IMG_MGMT_ERR_FLASH_READ_FAILED;
        }
        if (code == RECLOG_ERR_ERASE) {
            return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
        }
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    case IMG_MGMT_MOD_FLASH:
        if (code == FLASH_ERR_NOENT) {
            return IMG_MGMT_ERR_FLASH_OPEN_FAILED;
        }
        if (code == FLASH_ERR_RANGE || code == FLASH_ERR_ALIGN || code == FLASH_ERR_SECTOR) {
            return IMG_MGMT_ERR_INVALID_FLASH_ADDRESS;
        }
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    case IMG_MGMT_MOD_IMAGE:
        switch (code) {
        case IMAGE_ERR_IO: return IMG_MGMT_ERR_FLASH_READ_FAILED;
        case IMAGE_ERR_MAGIC: return IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
        case IMAGE_ERR_HEADER: return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
        case IMAGE_ERR_TLV:
        case IMAGE_ERR_UNPROTECTED: return IMG_MGMT_ERR_INVALID_TLV;
        case IMAGE_ERR_TLV_DUP: return IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND;
        case IMAGE_ERR_NO_HASH: return IMG_MGMT_ERR_HASH_NOT_FOUND;
        case IMAGE_ERR_HASH: return IMG_MGMT_ERR_INVALID_HASH;
        /* A key the device does not hold, no signature for it, or one that does not
         * verify: the image's signature TLVs are invalid for this device. Zephyr has no
         * code of its own for it (its img_mgmt never checks signatures; MCUboot refuses
         * at boot); 5 INVALID_TLV names it, where 23 would claim a bad header magic. */
        case IMAGE_ERR_NO_KEY:
        case IMAGE_ERR_NO_SIG:
        case IMAGE_ERR_SIG: return IMG_MGMT_ERR_INVALID_TLV;
        /* Zephyr: MCUboot refusing the image otherwise is BOOT_EBADIMAGE. */
        default: return IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
        }
    }
    return IMG_MGMT_ERR_UNKNOWN;
}
