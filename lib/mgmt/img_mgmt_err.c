#include "mgmt/img_mgmt_err.h"

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
