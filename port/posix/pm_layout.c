/*
 * pm_static.yml reader (see pm_layout.h). libyaml's document API resolves
 * anchors/aliases (`span: *id001`) to the anchored node, so aliases need no
 * special handling here; we only read scalar keys we know and ignore the rest.
 */
#include "pm_layout.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Required partitions and their area ids; names double as extxip_flash_area_t.name. */
static const struct {
    const char *name;
    uint8_t id;
} required[] = {
    {"mcuboot_primary", FLASH_AREA_IMAGE_PRIMARY(0)},
    {"mcuboot_secondary", FLASH_AREA_IMAGE_SECONDARY(0)},
    {"mcuboot_primary_1", FLASH_AREA_IMAGE_PRIMARY(1)},
    {"mcuboot_secondary_1", FLASH_AREA_IMAGE_SECONDARY(1)},
    {"mcuboot_primary_2", FLASH_AREA_IMAGE_PRIMARY(2)},
    {"mcuboot_secondary_2", FLASH_AREA_IMAGE_SECONDARY(2)},
    {"mcuboot", FLASH_AREA_BOOTLOADER},
    {"settings_storage", FLASH_AREA_SETTINGS},
};
#define NREQ (sizeof required / sizeof required[0])

typedef struct ctx {
    char *err;
    size_t errlen;
    pm_layout_warn_fn warn;
    void *warn_arg;
} ctx_t;

__attribute__((format(printf, 3, 4))) static int fail(ctx_t *c, int code, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* "0x1f000" or "4096" into a uint32; anything else (sign, space, junk,
 * overflow, empty) is refused. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    unsigned base = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == n) {
        return -1;
    }
    for (; i < n; i++) {
        unsigned d;
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            d = (unsigned)(ch - '0');
        } else if (base == 16 && ch >= 'a' && ch <= 'f') {
            d = (unsigned)(ch - 'a' + 10);
        } else if (base == 16 && ch >= 'A' && ch <= 'F') {
            d = (unsigned)(ch - 'A' + 10);
        } else {
            return -1;
        }
        v = v * base + d;
        if (v > UINT32_MAX) {
            return -1;
        }
    }
    *out = (uint32_t)v;
    return 0;
}

static int scalar_is(const yaml_node_t *n, const char *s)
{
    size_t l = strlen(s);
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == l &&
           memcmp(n->data.scalar.value, s, l) == 0;
}

/* Copy a scalar into buf as a C string; 0 ok, -1 too long or embedded NUL. */
static int scalar_str(const yaml_node_t *n, char *buf, size_t cap)
{
    size_t l = n->data.scalar.length;
    if (l >= cap || memchr(n->data.scalar.value, 0, l) != NULL) {
        return -1;
    }
    memcpy(buf, n->data.scalar.value, l);
    buf[l] = 0;
    return 0;
}

static int device_by_key(const yaml_node_t *n)
{
    if (scalar_is(n, "flash_ctrl")) {
        return PM_DEV_NETCORE;
    }
    if (scalar_is(n, "MX25R64")) {
        return PM_DEV_QSPI;
    }
    return -2; /* unknown */
}

static int device_by_region(const yaml_node_t *n)
{
    if (n == NULL || scalar_is(n, "flash_primary")) {
        return PM_DEV_INTERNAL;
    }
    if (scalar_is(n, "ram_flash")) {
        return PM_DEV_NETCORE;
    }
    if (scalar_is(n, "external_flash")) {
        return PM_DEV_QSPI;
    }
    return PM_DEV_NONE;
}

/* Read one partition mapping into *p. */
static int read_partition(ctx_t *c, yaml_document_t *doc, yaml_node_t *val, pm_partition_t *p)
{
    const char *name = p->name;
    if (val == NULL || val->type != YAML_MAPPING_NODE) {
        return fail(c, PM_LAYOUT_ERR_SYNTAX, "%s: partition is not a mapping", name);
    }
    yaml_node_t *addr = NULL, *size = NULL, *end = NULL, *dev = NULL, *region = NULL;
    for (yaml_node_pair_t *kv = val->data.mapping.pairs.start; kv < val->data.mapping.pairs.top;
         kv++) {
        yaml_node_t *k = yaml_document_get_node(doc, kv->key);
        yaml_node_t *v = yaml_document_get_node(doc, kv->value);
        if (k == NULL || k->type != YAML_SCALAR_NODE) {
            return fail(c, PM_LAYOUT_ERR_SYNTAX, "%s: non-scalar key", name);
        }
        yaml_node_t **slot = scalar_is(k, "address")       ? &addr
                             : scalar_is(k, "size")        ? &size
                             : scalar_is(k, "end_address") ? &end
                             : scalar_is(k, "device")      ? &dev
                             : scalar_is(k, "region")      ? &region
                                                           : NULL;
        if (slot == NULL) {
            continue; /* span, orig_span, placement, ...: not needed for the map */
        }
        if (v == NULL || v->type != YAML_SCALAR_NODE) {
            return fail(c, PM_LAYOUT_ERR_SYNTAX, "%s: %.*s is not a scalar", name,
                        (int)k->data.scalar.length, (const char *)k->data.scalar.value);
        }
        *slot = v;
    }

    uint32_t a, s, e;
    if (addr == NULL || parse_u32((const char *)addr->data.scalar.value, addr->data.scalar.length,
                                  &a) != 0) {
        return fail(c, PM_LAYOUT_ERR_NUMBER, "%s: address missing or not a 32-bit number", name);
    }
    if (size == NULL || parse_u32((const char *)size->data.scalar.value, size->data.scalar.length,
                                  &s) != 0) {
        return fail(c, PM_LAYOUT_ERR_NUMBER, "%s: size missing or not a 32-bit number", name);
    }
    if (end != NULL &&
        parse_u32((const char *)end->data.scalar.value, end->data.scalar.length, &e) != 0) {
        return fail(c, PM_LAYOUT_ERR_NUMBER, "%s: end_address is not a 32-bit number", name);
    }
    if (s > UINT32_MAX - a) {
        return fail(c, PM_LAYOUT_ERR_RANGE, "%s: address 0x%x + size 0x%x overflows", name, a, s);
    }
    if (end != NULL && e != a + s && c->warn) {
        char msg[PM_LAYOUT_NAME_MAX + 128];
        snprintf(msg, sizeof msg,
                 "%s: end_address 0x%x disagrees with address+size 0x%x; using address+size",
                 name, e, a + s);
        c->warn(c->warn_arg, msg);
    }

    if (dev != NULL) {
        p->dev = device_by_key(dev);
        if (p->dev < PM_DEV_NONE) {
            return fail(c, PM_LAYOUT_ERR_DEVICE, "%s: unknown device '%.*s'", name,
                        (int)dev->data.scalar.length, (const char *)dev->data.scalar.value);
        }
    } else {
        p->dev = device_by_region(region);
    }
    p->off = a;
    p->size = s;
    return PM_LAYOUT_OK;
}

static int check_and_map(ctx_t *c, const extxip_flash_dev_t *const devs[PM_DEV_COUNT], pm_layout_t *out)
{
    /* Every flash partition must lie on its device. */
    for (size_t i = 0; i < out->nparts; i++) {
        const pm_partition_t *p = &out->parts[i];
        if (p->dev == PM_DEV_NONE) {
            continue;
        }
        const extxip_flash_dev_t *d = devs[p->dev];
        if (p->off > d->size || p->size > d->size - p->off) {
            return fail(c, PM_LAYOUT_ERR_RANGE,
                        "%s: 0x%x..0x%x is beyond device %s (size 0x%x)", p->name, p->off,
                        p->off + p->size, d->name ? d->name : pm_dev_name(p->dev), d->size);
        }
    }

    const pm_partition_t *req[NREQ];
    for (size_t r = 0; r < NREQ; r++) {
        req[r] = pm_layout_find(out, required[r].name);
        const pm_partition_t *p = req[r];
        if (p == NULL) {
            return fail(c, PM_LAYOUT_ERR_MISSING, "%s: required partition missing",
                        required[r].name);
        }
        if (p->dev == PM_DEV_NONE) {
            return fail(c, PM_LAYOUT_ERR_DEVICE, "%s: not on a known flash device", p->name);
        }
        const extxip_flash_dev_t *d = devs[p->dev];
        if (p->size == 0) {
            return fail(c, PM_LAYOUT_ERR_RANGE, "%s: size is 0", p->name);
        }
        if (d->sector_size == 0 || p->off % d->sector_size || p->size % d->sector_size) {
            return fail(c, PM_LAYOUT_ERR_ALIGN,
                        "%s: 0x%x size 0x%x not on %s sector boundaries (0x%x)", p->name,
                        p->off, p->size, pm_dev_name(p->dev), d->sector_size);
        }
    }
    for (size_t i = 0; i < NREQ; i++) {
        for (size_t j = i + 1; j < NREQ; j++) {
            const pm_partition_t *x = req[i], *y = req[j];
            if (x->dev == y->dev && x->off < y->off + y->size && y->off < x->off + x->size) {
                return fail(c, PM_LAYOUT_ERR_OVERLAP, "%s: overlaps %s on %s", y->name, x->name,
                            pm_dev_name(x->dev));
            }
        }
    }

    for (size_t r = 0; r < NREQ; r++) {
        extxip_flash_area_t *fa = &out->map.areas[required[r].id];
        fa->id = required[r].id;
        fa->name = required[r].name;
        fa->dev = devs[req[r]->dev];
        fa->off = req[r]->off;
        fa->size = req[r]->size;
        out->map.present[required[r].id] = 1;
    }
    return PM_LAYOUT_OK;
}

static int read_document(ctx_t *c, yaml_document_t *doc, pm_layout_t *out)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        return fail(c, PM_LAYOUT_ERR_SYNTAX, "layout: top level is not a mapping of partitions");
    }
    for (yaml_node_pair_t *kv = root->data.mapping.pairs.start;
         kv < root->data.mapping.pairs.top; kv++) {
        yaml_node_t *k = yaml_document_get_node(doc, kv->key);
        if (k == NULL || k->type != YAML_SCALAR_NODE) {
            return fail(c, PM_LAYOUT_ERR_SYNTAX, "layout: partition name is not a scalar");
        }
        if (out->nparts == PM_LAYOUT_MAX_PARTS) {
            return fail(c, PM_LAYOUT_ERR_LIMIT, "%.*s: more than %d partitions",
                        (int)k->data.scalar.length, (const char *)k->data.scalar.value,
                        PM_LAYOUT_MAX_PARTS);
        }
        pm_partition_t *p = &out->parts[out->nparts];
        if (scalar_str(k, p->name, sizeof p->name) != 0) {
            return fail(c, PM_LAYOUT_ERR_LIMIT, "%.40s...: partition name too long",
                        (const char *)k->data.scalar.value);
        }
        if (pm_layout_find(out, p->name) != NULL) {
            return fail(c, PM_LAYOUT_ERR_SYNTAX, "%s: partition defined twice", p->name);
        }
        int rc = read_partition(c, doc, yaml_document_get_node(doc, kv->value), p);
        if (rc != PM_LAYOUT_OK) {
            return rc;
        }
        out->nparts++;
    }
    return PM_LAYOUT_OK;
}

/* For a syntax error libyaml only knows the line; name the partition whose
 * block holds it: the last top-level "name:" line at or before that line. */
static void enclosing_partition(const char *text, size_t len, size_t line, char *out, size_t cap)
{
    snprintf(out, cap, "layout");
    size_t ln = 0;
    for (size_t i = 0; i < len && ln <= line; ln++) {
        size_t e = i;
        while (e < len && text[e] != '\n') {
            e++;
        }
        const char *colon = memchr(text + i, ':', e - i);
        int top = e > i && text[i] != ' ' && text[i] != '\t' && text[i] != '#' && text[i] != '-';
        if (top && colon != NULL && (size_t)(colon - (text + i)) < cap) {
            snprintf(out, cap, "%.*s", (int)(colon - (text + i)), text + i);
        }
        i = e + 1;
    }
}

int pm_layout_parse(const char *text, size_t len, const extxip_flash_dev_t *const devs[PM_DEV_COUNT],
                    pm_layout_t *out, pm_layout_warn_fn warn, void *warn_arg, char *err,
                    size_t errlen)
{
    ctx_t c = {err, errlen, warn, warn_arg};
    if (err && errlen) {
        err[0] = 0;
    }
    if (out == NULL || devs == NULL || (text == NULL && len)) {
        return fail(&c, PM_LAYOUT_ERR_ARG, "layout: bad arguments");
    }
    for (int i = 0; i < PM_DEV_COUNT; i++) {
        if (devs[i] == NULL) {
            return fail(&c, PM_LAYOUT_ERR_ARG, "layout: device %s not given", pm_dev_name(i));
        }
    }
    memset(out, 0, sizeof *out);

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        return fail(&c, PM_LAYOUT_ERR_IO, "layout: out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
    if (!yaml_parser_load(&parser, &doc)) {
        char where[PM_LAYOUT_NAME_MAX];
        enclosing_partition(text, len, parser.problem_mark.line, where, sizeof where);
        int rc = fail(&c, PM_LAYOUT_ERR_SYNTAX, "%s: malformed YAML at line %lu: %s", where,
                      (unsigned long)parser.problem_mark.line + 1,
                      parser.problem ? parser.problem : "unknown problem");
        yaml_parser_delete(&parser);
        memset(out, 0, sizeof *out);
        return rc;
    }
    int rc = read_document(&c, &doc, out);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == PM_LAYOUT_OK) {
        rc = check_and_map(&c, devs, out);
    }
    if (rc != PM_LAYOUT_OK) {
        memset(out, 0, sizeof *out); /* never hand out half a map */
    }
    return rc;
}

int pm_layout_load(const char *path, const extxip_flash_dev_t *const devs[PM_DEV_COUNT],
                   pm_layout_t *out, pm_layout_warn_fn warn, void *warn_arg, char *err,
                   size_t errlen)
{
    ctx_t c = {err, errlen, NULL, NULL};
    if (path == NULL) {
        return fail(&c, PM_LAYOUT_ERR_ARG, "layout: no file given");
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return fail(&c, PM_LAYOUT_ERR_IO, "%s: cannot open", path);
    }
    /* pm_static files are a few KiB; 1 MiB is a generous bound. */
    enum { MAX_FILE = 1 << 20 };
    char *buf = malloc(MAX_FILE);
    if (buf == NULL) {
        fclose(f);
        return fail(&c, PM_LAYOUT_ERR_IO, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, MAX_FILE, f);
    int bad = ferror(f) || (n == MAX_FILE && fgetc(f) != EOF);
    fclose(f);
    if (bad) {
        free(buf);
        return fail(&c, PM_LAYOUT_ERR_IO, "%s: read error or larger than 1 MiB", path);
    }
    int rc = pm_layout_parse(buf, n, devs, out, warn, warn_arg, err, errlen);
    free(buf);
    return rc;
}

const pm_partition_t *pm_layout_find(const pm_layout_t *l, const char *name)
{
    if (l == NULL || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < l->nparts; i++) {
        if (strcmp(l->parts[i].name, name) == 0) {
            return &l->parts[i];
        }
    }
    return NULL;
}

const char *pm_dev_name(int dev)
{
    switch (dev) {
    case PM_DEV_INTERNAL:
        return "internal";
    case PM_DEV_NETCORE:
        return "netcore";
    case PM_DEV_QSPI:
        return "qspi";
    default:
        return "-";
    }
}

void pm_layout_print(const pm_layout_t *l, FILE *f)
{
    fprintf(f, "%-24s %-9s %-10s %-10s %s\n", "partition", "device", "offset", "size", "area");
    for (size_t i = 0; i < l->nparts; i++) {
        const pm_partition_t *p = &l->parts[i];
        int id = -1;
        for (size_t r = 0; r < NREQ; r++) {
            if (strcmp(required[r].name, p->name) == 0) {
                id = required[r].id;
            }
        }
        fprintf(f, "%-24s %-9s 0x%08x 0x%08x", p->name, pm_dev_name(p->dev), p->off, p->size);
        if (id >= 0) {
            fprintf(f, " %d", id);
        }
        fputc('\n', f);
    }
}
