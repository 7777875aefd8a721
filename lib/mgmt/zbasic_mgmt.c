/*
 * Zephyr basic group: storage erase (write, id 0): {} -> {} or err.
 */
#include "mgmt/zbasic_mgmt.h"

uint16_t extxip_zbasic_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case ZEPHYRBASIC_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED:
        return MGMT_ERR_ENOENT;
    default:
        /* Zephyr maps CONFIG_QUERY_FAIL and ERASE_FAILED to EOK, which would
         * read as success to a v1 client; an error stays an error here. */
        return MGMT_ERR_EUNKNOWN;
    }
}

int extxip_zbasic_mgmt_storage_erase(extxip_zbasic_mgmt_port_t *p)
{
    const extxip_flash_area_t *fa;
    if (p == NULL || p->map == NULL || extxip_flash_map_get(p->map, p->area_id, &fa) != FLASH_OK) {
        return ZEPHYRBASIC_MGMT_ERR_FLASH_OPEN_FAILED;
    }
    if (fa->dev == NULL || fa->size == 0) {
        return ZEPHYRBASIC_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL;
    }
    if (p->prepare && p->prepare(p->arg) != 0) {
        return ZEPHYRBASIC_MGMT_ERR_FLASH_ERASE_FAILED;
    }
    int ok = extxip_flash_area_erase(fa, 0, fa->size) == FLASH_OK;
    if (ok) {
        p->erases++;
    }
    if (p->done) {
        p->done(p->arg, ok);
    }
    return ok ? ZEPHYRBASIC_MGMT_ERR_OK : ZEPHYRBASIC_MGMT_ERR_FLASH_ERASE_FAILED;
}

static int zb_erase(extxip_smp_ctx_t *ctx)
{
    extxip_zbasic_mgmt_t *zb = ctx->user;
    /* Beyond Zephyr: the erase would end another client's upload session
     * (its record lives on this partition) without telling it. */
    if (zb->port && zb->port->busy && zb->port->busy(zb->port->arg, ctx->peer)) {
        return MGMT_ERR_EBUSY;
    }
    int rc = extxip_zbasic_mgmt_storage_erase(zb->port);
    return rc ? extxip_smp_ctx_group_err(ctx, rc) : MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t zb_cmds[ZBASIC_MGMT_ID_COUNT] = {
    [ZBASIC_MGMT_ID_ERASE_STORAGE] = { NULL, zb_erase },
};

void extxip_zbasic_mgmt_init(extxip_zbasic_mgmt_t *zb, extxip_zbasic_mgmt_port_t *port)
{
    zb->port = port;
    zb->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_ZBASIC,
        .cmds = zb_cmds,
        .cmd_count = ZBASIC_MGMT_ID_COUNT,
        .user = zb,
        .err_to_v1 = extxip_zbasic_mgmt_err_to_v1,
    };
}

int extxip_zbasic_mgmt_register(extxip_zbasic_mgmt_t *zb, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &zb->group);
}
