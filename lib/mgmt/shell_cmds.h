/*
 * The device's shell commands for the shell group (shell_mgmt.h), portable:
 *   version            version of each image's primary (running) slot
 *   slots              every slot with its state flags (as image list)
 *   stats [GROUP]      statistics groups, or one group's counters
 *   reset_reason       why the application last started
 *   settings get NAME | set NAME VALUE | delete NAME | list
 *   echo [WORD...]
 * Each part the port does not have (NULL) makes its command say so (ret 1).
 */
#ifndef EXTXIP_SHELL_CMDS_H
#define EXTXIP_SHELL_CMDS_H

#include "mgmt/img_mgmt.h"
#include "storage/kvstore.h"
#include "mgmt/shell_mgmt.h"
#include "mgmt/stat_mgmt.h"

typedef struct extxip_shell_cmds_ctx {
    extxip_img_mgmt_t *img;
    const extxip_stat_mgmt_port_t *stats;
    extxip_kvs_t *kvs;
    const char *(*reset_reason)(void *arg);
    void *arg;
    extxip_img_mgmt_slot_state_t slots[IMG_MGMT_MAX_SLOTS]; /* scratch */
} extxip_shell_cmds_ctx_t;

/* Fill port with the command table over ctx (both must outlive the group). */
void extxip_shell_cmds_port(extxip_shell_mgmt_port_t *port, extxip_shell_cmds_ctx_t *ctx);

#endif
