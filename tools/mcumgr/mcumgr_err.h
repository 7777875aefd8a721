/*
 * Names for SMP error codes (docs/protocol.md §4): v1 "rc" values (MGMT_ERR_*), group names, and
 * v2 "err":{"group","rc"} codes per group (image group 1, OS group 0 and the others).
 */
#ifndef EXTXIP_MCUMGR_ERR_H
#define EXTXIP_MCUMGR_ERR_H

#include <stddef.h>

/* Name of a v1 rc, e.g. 6 -> "MGMT_ERR_EBADSTATE"; rc >= 256 -> "MGMT_ERR_EPERUSER+n"
 * style is not a static string, so NULL is returned for unknown codes. */
const char *mcumgr_rc_name(long long rc);

/* Name of an SMP group id, e.g. 1 -> "image"; NULL when unknown. */
const char *mcumgr_group_name(long long group);

/* Name of a group-specific (v2) code, e.g. (1, 9) -> "IMG_MGMT_ERR_NO_FREE_SLOT";
 * NULL when unknown. */
const char *mcumgr_group_rc_name(long long group, long long rc);

/* One-line description used on the CLI: "8 (MGMT_ERR_ENOTSUP)" for v1, or
 * "group 1 (image) rc 9 (IMG_MGMT_ERR_NO_FREE_SLOT)" for v2 (group >= 0). Returns buf. */
const char *mcumgr_err_describe(char *buf, size_t cap, long long group, long long rc);

#endif
