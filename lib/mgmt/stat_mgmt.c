/*
 * Statistics group. Wire format as Zephyr's stat_mgmt.c:
 *   show (read, id 0): {"name": tstr} -> {"name": tstr, "fields": {field: uint, ...}}
 *   list (read, id 1): {} -> {"stat_list": [tstr, ...]}
 * Zephyr also puts "rc": 0 in the list reply; smpclient's response models
 * forbid extra keys and then read that reply as an error, so we leave it out
 * (as Zephyr itself does for show without MCUMGR_SMP_LEGACY_RC_BEHAVIOUR).
 * An unknown group name is err 2/3 INVALID_STAT_NAME, as Zephyr 4.4.0 answers
 * (stat_mgmt_show with no such group; checked against its mps2_an385 build).
 */
#include "mgmt/stat_mgmt.h"

#include <string.h>

uint16_t extxip_stat_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case STAT_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case STAT_MGMT_ERR_INVALID_GROUP:
    case STAT_MGMT_ERR_INVALID_STAT_NAME:
        return MGMT_ERR_ENOENT;
    case STAT_MGMT_ERR_INVALID_STAT_SIZE:
        return MGMT_ERR_EINVAL;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

static const extxip_stat_mgmt_port_t *port_of(extxip_smp_ctx_t *ctx)
{
    return ((const extxip_stat_mgmt_t *)ctx->user)->port;
}

static int stat_show(extxip_smp_ctx_t *ctx)
{
    const extxip_stat_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t name = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("name", CBOR_KV_TSTR, &name) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0 || name.len == 0 ||
        name.len >= STAT_MGMT_MAX_NAME_LEN) {
        return MGMT_ERR_EINVAL;
    }
    const extxip_stat_mgmt_group_t *g = NULL;
    for (size_t i = 0; p && i < p->group_count; i++) {
        if (p->groups[i].name && extxip_cbor_str_eq(&name, p->groups[i].name)) {
            g = &p->groups[i];
            break;
        }
    }
    if (g == NULL) {
        return extxip_smp_ctx_group_err(ctx, STAT_MGMT_ERR_INVALID_STAT_NAME);
    }
    if (g->field_count > STAT_MGMT_MAX_FIELDS || (g->field_count && (!g->fields || !g->read))) {
        return extxip_smp_ctx_group_err(ctx, STAT_MGMT_ERR_WALK_ABORTED);
    }
    uint64_t vals[STAT_MGMT_MAX_FIELDS];
    memset(vals, 0, sizeof vals);
    if (g->field_count) {
        g->read(g->arg, vals);
    }
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "name");
    extxip_cbor_enc_tstr(e, (const char *)name.ptr, name.len);
    extxip_cbor_enc_tstr_z(e, "fields");
    extxip_cbor_enc_map_indef(e);
    for (size_t i = 0; i < g->field_count; i++) {
        extxip_cbor_enc_tstr_z(e, g->fields[i]);
        extxip_cbor_enc_uint(e, vals[i]);
    }
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int stat_list(extxip_smp_ctx_t *ctx)
{
    const extxip_stat_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "stat_list");
    extxip_cbor_enc_array_indef(e);
    for (size_t i = 0; p && i < p->group_count; i++) {
        if (p->groups[i].name) {
            extxip_cbor_enc_tstr_z(e, p->groups[i].name);
        }
    }
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t stat_cmds[STAT_MGMT_ID_COUNT] = {
    [STAT_MGMT_ID_SHOW] = { stat_show, NULL },
    [STAT_MGMT_ID_LIST] = { stat_list, NULL },
};

void extxip_stat_mgmt_init(extxip_stat_mgmt_t *st, const extxip_stat_mgmt_port_t *port)
{
    st->port = port;
    st->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_STAT,
        .cmds = stat_cmds,
        .cmd_count = STAT_MGMT_ID_COUNT,
        .user = st,
        .err_to_v1 = extxip_stat_mgmt_err_to_v1,
    };
}

int extxip_stat_mgmt_register(extxip_stat_mgmt_t *st, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &st->group);
}
