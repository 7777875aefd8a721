#include "mgmt/shell_cmds.h"

#include <string.h>

#include "mgmt/settings_mgmt.h"

static int need(extxip_shell_out_t *o, const void *part, const char *what)
{
    if (part == NULL) {
        extxip_shell_out_str(o, what);
        extxip_shell_out_str(o, ": not available on this device\n");
        return 1;
    }
    return 0;
}

static int c_version(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    extxip_shell_cmds_ctx_t *c = arg;
    (void)argc;
    (void)argv;
    if (need(o, c->img, "version")) {
        return 1;
    }
    size_t n = 0;
    extxip_img_mgmt_state_collect(c->img, c->slots, &n);
    for (size_t i = 0; i < n; i++) {
        if (c->slots[i].slot != 0) {
            continue;
        }
        char v[IMG_MGMT_VER_STR_MAX];
        extxip_img_mgmt_ver_str(&c->slots[i].ver, v, sizeof v);
        extxip_shell_out_str(o, "image ");
        extxip_shell_out_u64(o, c->slots[i].image);
        extxip_shell_out_str(o, ": ");
        extxip_shell_out_str(o, v);
        extxip_shell_out_str(o, "\n");
    }
    return 0;
}

static int c_slots(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    extxip_shell_cmds_ctx_t *c = arg;
    (void)argc;
    (void)argv;
    if (need(o, c->img, "slots")) {
        return 1;
    }
    size_t n = 0;
    extxip_img_mgmt_state_collect(c->img, c->slots, &n);
    for (size_t i = 0; i < n; i++) {
        const extxip_img_mgmt_slot_state_t *s = &c->slots[i];
        char v[IMG_MGMT_VER_STR_MAX];
        extxip_img_mgmt_ver_str(&s->ver, v, sizeof v);
        extxip_shell_out_str(o, "image ");
        extxip_shell_out_u64(o, s->image);
        extxip_shell_out_str(o, " slot ");
        extxip_shell_out_u64(o, s->slot);
        extxip_shell_out_str(o, ": ");
        extxip_shell_out_str(o, v);
        if (s->bootable) extxip_shell_out_str(o, " bootable");
        if (s->pending) extxip_shell_out_str(o, " pending");
        if (s->confirmed) extxip_shell_out_str(o, " confirmed");
        if (s->active) extxip_shell_out_str(o, " active");
        if (s->permanent) extxip_shell_out_str(o, " permanent");
        extxip_shell_out_str(o, "\n");
    }
    if (n == 0) {
        extxip_shell_out_str(o, "no images\n");
    }
    return 0;
}

static int c_stats(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    extxip_shell_cmds_ctx_t *c = arg;
    if (need(o, c->stats, "stats")) {
        return 1;
    }
    if (argc > 2) {
        extxip_shell_out_str(o, "usage: stats [GROUP]\n");
        return 1;
    }
    for (size_t i = 0; i < c->stats->group_count; i++) {
        const extxip_stat_mgmt_group_t *g = &c->stats->groups[i];
        if (argc == 1) {
            extxip_shell_out_str(o, g->name);
            extxip_shell_out_str(o, "\n");
            continue;
        }
        if (strcmp(argv[1], g->name) != 0) {
            continue;
        }
        uint64_t v[STAT_MGMT_MAX_FIELDS];
        memset(v, 0, sizeof v);
        size_t nf = g->field_count <= STAT_MGMT_MAX_FIELDS ? g->field_count : 0;
        if (nf && g->read) {
            g->read(g->arg, v);
        }
        for (size_t f = 0; f < nf; f++) {
            extxip_shell_out_str(o, g->fields[f]);
            extxip_shell_out_str(o, ": ");
            extxip_shell_out_u64(o, v[f]);
            extxip_shell_out_str(o, "\n");
        }
        return 0;
    }
    if (argc == 2) {
        extxip_shell_out_str(o, "stats: no group ");
        extxip_shell_out_str(o, argv[1]);
        extxip_shell_out_str(o, "\n");
        return 1;
    }
    return 0;
}

static int c_reset_reason(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    extxip_shell_cmds_ctx_t *c = arg;
    (void)argc;
    (void)argv;
    extxip_shell_out_str(o, c->reset_reason ? c->reset_reason(c->arg) : "unknown");
    extxip_shell_out_str(o, "\n");
    return 0;
}

static int list_one(void *arg, const char *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    extxip_shell_out_t *o = arg;
    extxip_shell_out_mem(o, name, nlen);
    extxip_shell_out_str(o, " = ");
    bool text = true;
    for (size_t i = 0; i < vlen; i++) {
        text = text && val[i] >= 0x20 && val[i] < 0x7f;
    }
    if (text) {
        extxip_shell_out_mem(o, val, vlen);
    } else {
        static const char hx[] = "0123456789abcdef";
        for (size_t i = 0; i < vlen; i++) {
            char b[2] = {hx[val[i] >> 4], hx[val[i] & 15]};
            extxip_shell_out_mem(o, b, 2);
        }
    }
    extxip_shell_out_str(o, "\n");
    return o->truncated;
}

static int c_settings(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    extxip_shell_cmds_ctx_t *c = arg;
    if (need(o, c->kvs, "settings")) {
        return 1;
    }
    const char *sub = argc > 1 ? argv[1] : "";
    int rc;
    if (strcmp(sub, "list") == 0 && argc == 2) {
        rc = extxip_kvs_foreach(c->kvs, list_one, o);
    } else if (strcmp(sub, "get") == 0 && argc == 3) {
        uint8_t v[KVS_VAL_MAX];
        size_t n = 0;
        rc = extxip_kvs_read(c->kvs, argv[2], strlen(argv[2]), v, sizeof v, &n);
        if (rc == KVS_OK) {
            list_one(o, argv[2], strlen(argv[2]), v, n);
        }
    } else if (strcmp(sub, "set") == 0 && argc == 4) {
        rc = extxip_settings_mgmt_name_ok((const uint8_t *)argv[2], strlen(argv[2])) ? KVS_OK
                                                                               : KVS_EINVAL;
        if (rc == KVS_OK) {
            rc = extxip_kvs_write(c->kvs, argv[2], strlen(argv[2]), (const uint8_t *)argv[3],
                           strlen(argv[3]));
        }
    } else if (strcmp(sub, "delete") == 0 && argc == 3) {
        rc = extxip_kvs_delete(c->kvs, argv[2], strlen(argv[2]));
    } else {
        extxip_shell_out_str(o, "usage: settings get NAME | set NAME VALUE | delete NAME | list\n");
        return 1;
    }
    if (rc != KVS_OK) {
        extxip_shell_out_str(o, rc == KVS_ENOENT ? "settings: no such setting\n"
                         : rc == KVS_EINVAL ? "settings: bad name or value\n"
                         : rc == KVS_ENOSPC ? "settings: store full\n"
                                            : "settings: store failed\n");
        return 1;
    }
    return 0;
}

static int c_echo(void *arg, int argc, char **argv, extxip_shell_out_t *o)
{
    (void)arg;
    for (int i = 1; i < argc; i++) {
        extxip_shell_out_str(o, argv[i]);
        extxip_shell_out_str(o, i + 1 < argc ? " " : "");
    }
    extxip_shell_out_str(o, "\n");
    return 0;
}

static const extxip_shell_mgmt_cmd_t table[] = {
    {"version", "version of each image", c_version},
    {"slots", "every slot and its state", c_slots},
    {"stats", "[GROUP]  statistics", c_stats},
    {"reset_reason", "why the application last started", c_reset_reason},
    {"settings", "get NAME | set NAME VALUE | delete NAME | list", c_settings},
    {"echo", "[WORD...]", c_echo},
};

void extxip_shell_cmds_port(extxip_shell_mgmt_port_t *port, extxip_shell_cmds_ctx_t *ctx)
{
    port->arg = ctx;
    port->cmds = table;
    port->count = sizeof table / sizeof table[0];
}
