#include "mgmt/os_mgmt_err.h"

#include "smp/smp_defs.h"

/* v1 clients get MGMT_ERR_* instead of the group code (docs/protocol.md §4.5). */
uint16_t extxip_os_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case OS_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case OS_MGMT_ERR_INVALID_FORMAT:
        return MGMT_ERR_EINVAL;
    case OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER:
    case OS_MGMT_ERR_RTC_NOT_SET:
        return MGMT_ERR_ENOENT;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}
