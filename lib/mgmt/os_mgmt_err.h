/*
 * The OS group's (0) error codes, v2 "err.rc" (docs/protocol.md §4.5), and
 * their v1 "rc" translation. The group owns them; the SMP layer only calls
 * the translation through extxip_smp_group_t.err_to_v1.
 */
#ifndef EXTXIP_OS_MGMT_ERR_H
#define EXTXIP_OS_MGMT_ERR_H

#include <stdint.h>

enum {
    OS_MGMT_ERR_OK = 0,
    OS_MGMT_ERR_UNKNOWN = 1,
    OS_MGMT_ERR_INVALID_FORMAT = 2,
    OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER = 3,
    OS_MGMT_ERR_RTC_NOT_SET = 4,
    OS_MGMT_ERR_RTC_COMMAND_FAILED = 5,
    OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID = 6,
};

/* v2 code -> v1 MGMT_ERR_*; unknown codes -> MGMT_ERR_EUNKNOWN. */
uint16_t extxip_os_mgmt_err_to_v1(uint16_t rc);

#endif
