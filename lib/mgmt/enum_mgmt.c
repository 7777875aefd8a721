/*
 * Enumeration group. Wire format as Zephyr's enum_mgmt.c:
 *   count   (read, 0): {}                  -> {"count": n}
 *   list    (read, 1): {}                  -> {"groups": [id, ...]}
 *   single  (read, 2): {"index": i}        -> {"group": id[, "end": true]}
 *                      (index past the end: err INDEX_TOO_LARGE)
 *   details (read, 3): {["groups": [id..]]} -> {"groups": [{"group", "name", "handlers"}, ...]}
 */
#include "mgmt/enum_mgmt.h"

#include <string.h>

uint16_t extxip_enum_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case ENUM_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case ENUM_MGMT_ERR_TOO_MANY_GROUP_ENTRIES:
        return MGMT_ERR_EINVAL;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

const char *extxip_enum_mgmt_group_name(uint16_t id)
{
    switch (id) {
    case MGMT_GROUP_ID_OS: return "os mgmt";
    case MGMT_GROUP_ID_IMAGE: return "img mgmt";
    case MGMT_GROUP_ID_STAT: return "stat mgmt";
    case MGMT_GROUP_ID_SETTINGS: return "settings mgmt";
    case MGMT_GROUP_ID_FS: return "fs mgmt";
    case MGMT_GROUP_ID_SHELL: return "shell mgmt";
    case MGMT_GROUP_ID_ENUM: return "enum mgmt";
    case MGMT_GROUP_ID_ZBASIC: return "zephyr basic mgmt";
    default: return NULL;
    }
}

static const extxip_smp_server_t *srv_of(extxip_smp_ctx_t *ctx)
{
    return ((const extxip_enum_mgmt_t *)ctx->user)->srv;
}

/* count and list ignore their request body, as Zephyr does. */
static int enum_count(extxip_smp_ctx_t *ctx)
{
    extxip_cbor_enc_tstr_z(ctx->enc, "count");
    extxip_cbor_enc_uint(ctx->enc, srv_of(ctx)->group_count);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int enum_list(extxip_smp_ctx_t *ctx)
{
    const extxip_smp_server_t *s = srv_of(ctx);
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "groups");
    extxip_cbor_enc_array(e, s->group_count);
    for (size_t i = 0; i < s->group_count; i++) {
        extxip_cbor_enc_uint(e, s->groups[i]->id);
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int enum_single(extxip_smp_ctx_t *ctx)
{
    uint32_t index = 0; /* Zephyr: no "index" means index 0 */
    extxip_cbor_kv_t kv[] = { CBOR_KV("index", CBOR_KV_UINT32, &index) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0 || index > 65535u) {
        return MGMT_ERR_EINVAL;
    }
    const extxip_smp_server_t *s = srv_of(ctx);
    if (index >= s->group_count) {
        return extxip_smp_ctx_group_err(ctx, ENUM_MGMT_ERR_INDEX_TOO_LARGE);
    }
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "group");
    extxip_cbor_enc_uint(e, s->groups[index]->id);
    if (index + 1u == s->group_count) {
        extxip_cbor_enc_tstr_z(e, "end");
        extxip_cbor_enc_bool(e, true);
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* Decode {"groups": [uint16...]} (key optional, other keys skipped). Returns
 * 0 with *n ids, 1 when there are more than ENUM_MGMT_MAX_FILTER, or -1 on a
 * malformed body. */
static int decode_filter(extxip_cbor_decoder_t *d, bool empty, uint16_t *ids, size_t *n)
{
    *n = 0;
    if (empty) {
        return 0;
    }
    if (extxip_cbor_dec_map_enter(d, NULL) != 0) {
        return -1;
    }
    bool seen = false, too_many = false;
    while (!extxip_cbor_dec_at_end(d)) {
        extxip_cbor_str_t key;
        if (extxip_cbor_dec_tstr(d, &key) != 0) {
            return -1;
        }
        if (!extxip_cbor_str_eq(&key, "groups")) {
            if (extxip_cbor_dec_skip(d) != 0) {
                return -1;
            }
            continue;
        }
        if (seen || extxip_cbor_dec_array_enter(d, NULL) != 0) {
            return -1;
        }
        seen = true;
        while (!extxip_cbor_dec_at_end(d)) {
            uint32_t v;
            if (extxip_cbor_dec_uint32(d, &v) != 0 || v > 0xffffu) {
                return -1;
            }
            if (*n < ENUM_MGMT_MAX_FILTER) {
                ids[(*n)++] = (uint16_t)v;
            } else {
                too_many = true;
            }
        }
        if (extxip_cbor_dec_leave(d) != 0) {
            return -1;
        }
    }
    if (extxip_cbor_dec_leave(d) != 0 || cbor_dec_err(d)) {
        return -1;
    }
    return too_many ? 1 : 0;
}

static int enum_details(extxip_smp_ctx_t *ctx)
{
    uint16_t ids[ENUM_MGMT_MAX_FILTER];
    size_t n = 0;
    int f = decode_filter(ctx->dec, ctx->hdr->len == 0, ids, &n);
    if (f < 0) {
        return MGMT_ERR_EINVAL;
    }
    if (f > 0) {
        return extxip_smp_ctx_group_err(ctx, ENUM_MGMT_ERR_TOO_MANY_GROUP_ENTRIES);
    }
    const extxip_smp_server_t *s = srv_of(ctx);
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "groups");
    extxip_cbor_enc_array_indef(e);
    for (size_t i = 0; i < s->group_count; i++) {
        const extxip_smp_group_t *g = s->groups[i];
        bool want = n == 0;
        for (size_t k = 0; k < n && !want; k++) {
            want = ids[k] == g->id;
        }
        if (!want) {
            continue;
        }
        const char *name = extxip_enum_mgmt_group_name(g->id);
        extxip_cbor_enc_map_indef(e);
        extxip_cbor_enc_tstr_z(e, "group");
        extxip_cbor_enc_uint(e, g->id);
        extxip_cbor_enc_tstr_z(e, "name");
        extxip_cbor_enc_tstr_z(e, name ? name : "");
        extxip_cbor_enc_tstr_z(e, "handlers");
        extxip_cbor_enc_uint(e, g->cmd_count);
        extxip_cbor_enc_break(e);
    }
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t enum_cmds[ENUM_MGMT_ID_NUM] = {
    [ENUM_MGMT_ID_COUNT] = { enum_count, NULL },
    [ENUM_MGMT_ID_LIST] = { enum_list, NULL },
    [ENUM_MGMT_ID_SINGLE] = { enum_single, NULL },
    [ENUM_MGMT_ID_DETAILS] = { enum_details, NULL },
};

void extxip_enum_mgmt_init(extxip_enum_mgmt_t *en, const extxip_smp_server_t *srv)
{
    en->srv = srv;
    en->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_ENUM,
        .cmds = enum_cmds,
        .cmd_count = ENUM_MGMT_ID_NUM,
        .user = en,
        .err_to_v1 = extxip_enum_mgmt_err_to_v1,
    };
}

int extxip_enum_mgmt_register(extxip_enum_mgmt_t *en, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &en->group);
}
