/*
 * Settings group. Wire format as Zephyr's settings_mgmt.c:
 *   read   (read 0):  {"name": tstr[, "max_size": uint]} -> {"val": bstr[, "max_size": uint]}
 *   write  (write 0): {"name": tstr, "val": bstr}        -> {}
 *   delete (write 1): {"name": tstr}                      -> {}
 *   commit (write 2), load (read 3), save (write 3): {}   -> {}
 * A name of SETTINGS_MGMT_NAME_LEN or more bytes: err KEY_TOO_LONG; an
 * unknown name: err KEY_NOT_FOUND (v1: ENOENT); a name under a root the
 * port does not list: ROOT_KEY_NOT_FOUND (v1: EUNKNOWN, as Zephyr); "max_size" above
 * SETTINGS_MGMT_VALUE_LEN is limited to it and the reply says so.
 */
#include "mgmt/settings_mgmt.h"

#include <string.h>

uint16_t extxip_settings_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case SETTINGS_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case SETTINGS_MGMT_ERR_KEY_TOO_LONG:
        return MGMT_ERR_EINVAL;
    case SETTINGS_MGMT_ERR_KEY_NOT_FOUND:
    case SETTINGS_MGMT_ERR_READ_NOT_SUPPORTED:
        return MGMT_ERR_ENOENT;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

int extxip_settings_mgmt_name_ok(const uint8_t *name, size_t len)
{
    if (len == 0 || name[0] == '/' || name[len - 1] == '/') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        if (c < 0x21 || c > 0x7e || c == '=' || (c == '/' && name[i + 1] == '/')) {
            return 0;
        }
    }
    return 1;
}

uint32_t extxip_settings_mgmt_store_size(const extxip_flash_area_t *settings, uint8_t log_area, uint32_t log_off,
                                  uint32_t log_size)
{
    if (settings == NULL) {
        return 0;
    }
    if (log_area != settings->id || log_size == 0 || log_off > settings->size) {
        return settings->size;
    }
    uint32_t ssz = extxip_flash_area_sector_size(settings);
    return log_off - log_off % ssz;
}

static extxip_settings_mgmt_port_t *port_of(extxip_smp_ctx_t *ctx)
{
    return ((extxip_settings_mgmt_t *)ctx->user)->port;
}

/* The store, mounted again if a failed write left it unmounted. */
static extxip_kvs_t *store(extxip_settings_mgmt_port_t *p)
{
    if (p->store && !p->store->mounted) {
        (void)extxip_kvs_mount(p->store, p->fa, p->off, p->size);
    }
    return p->store && p->store->mounted ? p->store : NULL;
}

/* Common name checks. Returns 0 (name usable), or the handler's return
 * value with the error already recorded (*done set). */
static int check_name(extxip_smp_ctx_t *ctx, const extxip_cbor_str_t *name, bool *done)
{
    *done = true;
    if (name->len == 0) {
        return MGMT_ERR_EINVAL;
    }
    if (name->len >= SETTINGS_MGMT_NAME_LEN) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_KEY_TOO_LONG);
    }
    if (!extxip_settings_mgmt_name_ok(name->ptr, name->len)) {
        return MGMT_ERR_EINVAL;
    }
    *done = false;
    return 0;
}

/* The root entry name[0..len) is under: 1 and *root (NULL when the port has
 * no table: every name is served), or 0 when no listed root owns it. */
static int find_root(const extxip_settings_mgmt_port_t *p, const uint8_t *name, size_t len,
                     const extxip_settings_root_t **root)
{
    *root = NULL;
    if (p->roots == NULL) {
        return 1;
    }
    size_t seg = 0;
    while (seg < len && name[seg] != '/') {
        seg++;
    }
    size_t n = p->root_count < SETTINGS_MGMT_ROOTS_MAX ? p->root_count : SETTINGS_MGMT_ROOTS_MAX;
    for (size_t i = 0; i < n; i++) {
        const char *r = p->roots[i].name;
        if (r && strlen(r) == seg && memcmp(r, name, seg) == 0) {
            *root = &p->roots[i];
            return 1;
        }
    }
    return 0;
}

static int kvs_to_smp(extxip_smp_ctx_t *ctx, int rc)
{
    switch (rc) {
    case KVS_OK:
        return MGMT_ERR_EOK;
    case KVS_ENOENT:
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_KEY_NOT_FOUND);
    case KVS_ENOSPC:
        return MGMT_ERR_ENOMEM;
    case KVS_EINVAL:
        return MGMT_ERR_EINVAL;
    default:
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_UNKNOWN);
    }
}

static int st_read(extxip_smp_ctx_t *ctx)
{
    extxip_settings_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t name = { NULL, 0 };
    uint32_t max_size = SETTINGS_MGMT_VALUE_LEN;
    extxip_cbor_kv_t kv[] = { CBOR_KV("name", CBOR_KV_TSTR, &name),
                       CBOR_KV("max_size", CBOR_KV_UINT32, &max_size) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 2, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    bool done;
    int rc = check_name(ctx, &name, &done);
    if (done) {
        return rc;
    }
    const extxip_settings_root_t *root;
    if (!find_root(p, name.ptr, name.len, &root)) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND);
    }
    bool limited = false;
    if (max_size > SETTINGS_MGMT_VALUE_LEN) {
        max_size = SETTINGS_MGMT_VALUE_LEN;
        limited = true;
    }
    extxip_kvs_t *k = store(p);
    if (k == NULL) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_READ_NOT_SUPPORTED);
    }
    uint8_t val[SETTINGS_MGMT_VALUE_LEN];
    size_t len = 0;
    rc = extxip_kvs_read(k, (const char *)name.ptr, name.len, val, max_size, &len);
    if (rc != KVS_OK) {
        return kvs_to_smp(ctx, rc);
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "val");
    extxip_cbor_enc_bstr(ctx->enc, val, len < max_size ? len : max_size);
    if (limited) {
        extxip_cbor_enc_tstr_z(ctx->enc, "max_size");
        extxip_cbor_enc_uint(ctx->enc, SETTINGS_MGMT_VALUE_LEN);
    }
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int st_write(extxip_smp_ctx_t *ctx)
{
    extxip_settings_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t name = { NULL, 0 }, val = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("name", CBOR_KV_TSTR, &name), CBOR_KV("val", CBOR_KV_BSTR, &val) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 2, NULL) != 0 || !kv[1].found) {
        return MGMT_ERR_EINVAL;
    }
    bool done;
    int rc = check_name(ctx, &name, &done);
    if (done) {
        return rc;
    }
    if (val.len > SETTINGS_MGMT_VALUE_LEN) {
        return MGMT_ERR_EINVAL;
    }
    const extxip_settings_root_t *root;
    if (!find_root(p, name.ptr, name.len, &root)) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_ROOT_KEY_NOT_FOUND);
    }
    if (root && root->read_only) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_WRITE_NOT_SUPPORTED);
    }
    extxip_kvs_t *k = store(p);
    if (k == NULL) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_WRITE_NOT_SUPPORTED);
    }
    return kvs_to_smp(ctx, extxip_kvs_write(k, (const char *)name.ptr, name.len, val.ptr, val.len));
}

static int st_delete(extxip_smp_ctx_t *ctx)
{
    extxip_settings_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t name = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("name", CBOR_KV_TSTR, &name) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    bool done;
    int rc = check_name(ctx, &name, &done);
    if (done) {
        return rc;
    }
    const extxip_settings_root_t *root;
    if (find_root(p, name.ptr, name.len, &root) && root && root->read_only) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_DELETE_NOT_SUPPORTED);
    }
    /* under no root: the store is asked all the same, as Zephyr's delete does */
    extxip_kvs_t *k = store(p);
    if (k == NULL) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_DELETE_NOT_SUPPORTED);
    }
    return kvs_to_smp(ctx, extxip_kvs_delete(k, (const char *)name.ptr, name.len));
}

static int st_commit(extxip_smp_ctx_t *ctx)
{
    extxip_settings_mgmt_port_t *p = port_of(ctx);
    p->commits++;
    if (p->commit) {
        p->commit(p->arg);
    }
    return MGMT_ERR_EOK;
}

static int st_load(extxip_smp_ctx_t *ctx)
{
    extxip_settings_mgmt_port_t *p = port_of(ctx);
    if (p->store == NULL || extxip_kvs_mount(p->store, p->fa, p->off, p->size) != KVS_OK) {
        return extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_UNKNOWN);
    }
    return MGMT_ERR_EOK;
}

static int st_save(extxip_smp_ctx_t *ctx)
{
    /* every write is already on flash */
    return store(port_of(ctx)) ? MGMT_ERR_EOK
                               : extxip_smp_ctx_group_err(ctx, SETTINGS_MGMT_ERR_SAVE_NOT_SUPPORTED);
}

static const extxip_smp_cmd_t settings_cmds[SETTINGS_MGMT_ID_COUNT] = {
    [SETTINGS_MGMT_ID_READ_WRITE] = { st_read, st_write },
    [SETTINGS_MGMT_ID_DELETE] = { NULL, st_delete },
    [SETTINGS_MGMT_ID_COMMIT] = { NULL, st_commit },
    [SETTINGS_MGMT_ID_LOAD_SAVE] = { st_load, st_save },
};

void extxip_settings_mgmt_init(extxip_settings_mgmt_t *sm, extxip_settings_mgmt_port_t *port)
{
    sm->port = port;
    sm->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_SETTINGS,
        .cmds = settings_cmds,
        .cmd_count = SETTINGS_MGMT_ID_COUNT,
        .user = sm,
        .err_to_v1 = extxip_settings_mgmt_err_to_v1,
    };
}

int extxip_settings_mgmt_register(extxip_settings_mgmt_t *sm, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &sm->group);
}
