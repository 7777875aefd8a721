#include "mcumgr_groups.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor/cbor.h"
#include "mcumgr_rsp.h"

enum { EX_OK = 0, EX_DEVICE = 1, EX_USAGE = 2, EX_LINK = 3 };
enum { OP_READ = 0, OP_WRITE = 2 };
enum { G_STAT = 2, G_SETTINGS = 3, G_FS = 8, G_SHELL = 9, G_ENUM = 10, G_ZBASIC = 63 };

static int usage(const char *msg)
{
    fprintf(stderr, "Error: %s\nRun 'extxip-mcumgr --help' for usage.\n", msg);
    return EX_USAGE;
}

static int bad_reply(void)
{
    fprintf(stderr, "Error: malformed response from device\n");
    return EX_LINK;
}

static int done(extxip_cbor_encoder_t *e)
{
    return e->err ? -1 : (int)e->len;
}

/* Print the reply as JSON (--json) and return 0, or return 1 to let the caller print. */
static int json_out(const mcumgr_groups_io_t *io, size_t rl, int *rc)
{
    if (!io->json)
        return 1;
    *rc = mcumgr_rsp_json(stdout, io->rsp, rl) == 0 ? EX_OK : bad_reply();
    return 0;
}

/* Find top-level key k in the reply map; the decoder is left on its value. */
static int find_key(extxip_cbor_decoder_t *d, const uint8_t *body, size_t len, const char *k)
{
    extxip_cbor_dec_init(d, body, len);
    if (extxip_cbor_dec_map_enter(d, NULL) != 0)
        return -1;
    while (!extxip_cbor_dec_at_end(d)) {
        extxip_cbor_str_t key;
        if (extxip_cbor_dec_tstr(d, &key) != 0)
            return -1;
        if (extxip_cbor_str_eq(&key, k))
            return 0;
        if (extxip_cbor_dec_skip(d) != 0)
            return -1;
    }
    return -1;
}

static int get_u64(const uint8_t *body, size_t len, const char *k, uint64_t *v)
{
    extxip_cbor_decoder_t d;
    return find_key(&d, body, len, k) == 0 && extxip_cbor_dec_uint64(&d, v) == 0 ? 0 : -1;
}

static int get_bstr(const uint8_t *body, size_t len, const char *k, extxip_cbor_str_t *s)
{
    extxip_cbor_decoder_t d;
    return find_key(&d, body, len, k) == 0 && extxip_cbor_dec_bstr(&d, s) == 0 ? 0 : -1;
}

static int get_tstr(const uint8_t *body, size_t len, const char *k, extxip_cbor_str_t *s)
{
    extxip_cbor_decoder_t d;
    return find_key(&d, body, len, k) == 0 && extxip_cbor_dec_tstr(&d, s) == 0 ? 0 : -1;
}

static void print_bytes(FILE *f, const uint8_t *p, size_t n)
{
    int text = 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            text = 0;
    if (text) {
        fwrite(p, 1, n, f);
    } else {
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%02x", p[i]);
    }
}

/* ---------------------------------------------------------------- stat */

static int cmd_stat(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    size_t rl;
    int rc;
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    if (n != 2)
        return usage("stat list | stat NAME");
    if (strcmp(v[1], "list") == 0) {
        extxip_cbor_enc_map(&e, 0);
        if ((rc = io->exchange(io->arg, OP_READ, G_STAT, 1, done(&e), &rl)) != 0)
            return rc;
        if (!json_out(io, rl, &rc))
            return rc;
        extxip_cbor_decoder_t d;
        if (find_key(&d, io->rsp, rl, "stat_list") != 0 || extxip_cbor_dec_array_enter(&d, NULL) != 0)
            return bad_reply();
        printf("stat groups:\n");
        while (!extxip_cbor_dec_at_end(&d)) {
            extxip_cbor_str_t s;
            if (extxip_cbor_dec_tstr(&d, &s) != 0)
                return bad_reply();
            printf("    %.*s\n", (int)s.len, (const char *)s.ptr);
        }
        return cbor_dec_err(&d) ? bad_reply() : EX_OK;
    }
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "name");
    extxip_cbor_enc_tstr_z(&e, v[1]);
    if ((rc = io->exchange(io->arg, OP_READ, G_STAT, 0, done(&e), &rl)) != 0)
        return rc;
    if (!json_out(io, rl, &rc))
        return rc;
    extxip_cbor_str_t name;
    extxip_cbor_decoder_t d;
    if (get_tstr(io->rsp, rl, "name", &name) != 0 || find_key(&d, io->rsp, rl, "fields") != 0 ||
        extxip_cbor_dec_map_enter(&d, NULL) != 0)
        return bad_reply();
    printf("stat group: %.*s\n", (int)name.len, (const char *)name.ptr);
    while (!extxip_cbor_dec_at_end(&d)) {
        extxip_cbor_str_t k;
        uint64_t val;
        if (extxip_cbor_dec_tstr(&d, &k) != 0 || extxip_cbor_dec_uint64(&d, &val) != 0)
            return bad_reply();
        printf("%10llu %.*s\n", (unsigned long long)val, (int)k.len, (const char *)k.ptr);
    }
    return cbor_dec_err(&d) ? bad_reply() : EX_OK;
}

/* ------------------------------------------------------------ settings */

static int settings_op(const mcumgr_groups_io_t *io, const char *op, const char *name,
                       const char *val, int go_style)
{
    size_t rl;
    int rc;
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    uint8_t gop = OP_WRITE, id;
    if (strcmp(op, "read") == 0) {
        gop = OP_READ;
        id = 0;
        extxip_cbor_enc_map(&e, 1);
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, name);
    } else if (strcmp(op, "write") == 0) {
        id = 0;
        extxip_cbor_enc_map(&e, 2);
        extxip_cbor_enc_tstr_z(&e, "val");
        extxip_cbor_enc_bstr(&e, val, strlen(val));
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, name);
    } else if (strcmp(op, "delete") == 0) {
        id = 1;
        extxip_cbor_enc_map(&e, 1);
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, name);
    } else {
        id = strcmp(op, "commit") == 0 ? 2 : 3;
        gop = strcmp(op, "load") == 0 ? OP_READ : OP_WRITE;
        extxip_cbor_enc_map(&e, 0);
    }
    if ((rc = io->exchange(io->arg, gop, G_SETTINGS, id, done(&e), &rl)) != 0)
        return rc;
    if (!json_out(io, rl, &rc))
        return rc;
    if (strcmp(op, "read") == 0) {
        extxip_cbor_str_t s;
        if (get_bstr(io->rsp, rl, "val", &s) != 0)
            return bad_reply();
        printf(go_style ? "Value: " : "");
        print_bytes(stdout, s.ptr, s.len);
        printf("\n");
        return EX_OK;
    }
    printf("Done\n");
    return EX_OK;
}

static int cmd_config(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    if (n == 2)
        return settings_op(io, "read", v[1], NULL, 1);
    if (n == 3)
        return settings_op(io, "write", v[1], v[2], 1);
    return usage("config NAME [VALUE]");
}

static int cmd_settings(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    if (n >= 2) {
        const char *op = v[1];
        if ((strcmp(op, "read") == 0 || strcmp(op, "delete") == 0) && n == 3)
            return settings_op(io, op, v[2], NULL, 0);
        if (strcmp(op, "write") == 0 && n == 4)
            return settings_op(io, op, v[2], v[3], 0);
        if ((strcmp(op, "commit") == 0 || strcmp(op, "load") == 0 || strcmp(op, "save") == 0) &&
            n == 2)
            return settings_op(io, op, NULL, NULL, 0);
    }
    return usage("settings read NAME | write NAME VALUE | delete NAME | commit | load | save");
}

/* ------------------------------------------------------------------ fs */

static int fs_upload(const mcumgr_groups_io_t *io, const char *src, const char *dst)
{
    FILE *f = fopen(src, "rb");
    if (!f) {
        fprintf(stderr, "Error: cannot read %s: %s\n", src, strerror(errno));
        return EX_USAGE;
    }
    size_t cap = 4096, size = 0;
    uint8_t *data = malloc(cap);
    for (;;) {
        if (!data)
            break;
        size += fread(data + size, 1, cap - size, f);
        if (size < cap)
            break;
        uint8_t *p = cap < ((size_t)1 << 31) ? realloc(data, cap * 2) : NULL;
        if (!p) {
            free(data);
            data = NULL;
            break;
        }
        data = p;
        cap *= 2;
    }
    int ferr = ferror(f);
    fclose(f);
    if (!data || ferr) {
        free(data);
        fprintf(stderr, "Error: cannot read %s\n", src);
        return EX_USAGE;
    }
    size_t pkt = io->pkt_limit(io->arg);
    size_t over = 8 + 64 + strlen(dst);
    if (pkt <= over + 16) {
        free(data);
        return usage("packet limit leaves no room for file data");
    }
    size_t chunk = pkt - over;
    uint64_t off = 0;
    int rc = EX_OK;
    do {
        size_t take = size - off < chunk ? size - off : chunk;
        extxip_cbor_encoder_t e;
        extxip_cbor_enc_init(&e, io->body, io->body_cap);
        extxip_cbor_enc_map(&e, off == 0 ? 4 : 3);
        if (off == 0) {
            extxip_cbor_enc_tstr_z(&e, "len");
            extxip_cbor_enc_uint(&e, size);
        }
        extxip_cbor_enc_tstr_z(&e, "off");
        extxip_cbor_enc_uint(&e, off);
        extxip_cbor_enc_tstr_z(&e, "data");
        extxip_cbor_enc_bstr(&e, data + off, take);
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, dst);
        size_t rl;
        if ((rc = io->exchange(io->arg, OP_WRITE, G_FS, 0, done(&e), &rl)) != 0)
            break;
        uint64_t noff;
        if (get_u64(io->rsp, rl, "off", &noff) != 0 || noff > size || (noff <= off && take)) {
            rc = bad_reply();
            break;
        }
        off = noff;
    } while (off < size);
    free(data);
    if (rc == EX_OK) {
        if (io->json)
            printf("{\"ok\":true,\"len\":%zu}\n", size);
        else
            printf("Done\n");
    }
    return rc;
}

static int fs_download(const mcumgr_groups_io_t *io, const char *src, const char *dst)
{
    FILE *f = fopen(dst, "wb");
    if (!f) {
        fprintf(stderr, "Error: cannot write %s: %s\n", dst, strerror(errno));
        return EX_USAGE;
    }
    uint64_t off = 0, total = 0;
    int rc = EX_OK;
    for (;;) {
        extxip_cbor_encoder_t e;
        extxip_cbor_enc_init(&e, io->body, io->body_cap);
        extxip_cbor_enc_map(&e, 2);
        extxip_cbor_enc_tstr_z(&e, "off");
        extxip_cbor_enc_uint(&e, off);
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, src);
        size_t rl;
        if ((rc = io->exchange(io->arg, OP_READ, G_FS, 0, done(&e), &rl)) != 0)
            break;
        uint64_t roff;
        extxip_cbor_str_t d;
        if (get_u64(io->rsp, rl, "off", &roff) != 0 || roff != off ||
            get_bstr(io->rsp, rl, "data", &d) != 0 ||
            (off == 0 && get_u64(io->rsp, rl, "len", &total) != 0) || off + d.len > total) {
            rc = bad_reply();
            break;
        }
        if (d.len && fwrite(d.ptr, 1, d.len, f) != d.len) {
            fprintf(stderr, "Error: cannot write %s\n", dst);
            rc = EX_USAGE;
            break;
        }
        off += d.len;
        if (off >= total)
            break;
        if (d.len == 0) {
            rc = bad_reply();
            break;
        }
    }
    if (fclose(f) != 0 && rc == EX_OK)
        rc = EX_USAGE;
    if (rc == EX_OK) {
        if (io->json)
            printf("{\"ok\":true,\"len\":%llu}\n", (unsigned long long)total);
        else
            printf("Done\n");
    }
    return rc;
}

static int cmd_fs(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    if (n == 4 && strcmp(v[1], "upload") == 0)
        return fs_upload(io, v[2], v[3]);
    if (n == 4 && strcmp(v[1], "download") == 0)
        return fs_download(io, v[2], v[3]);
    size_t rl;
    int rc;
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    if (n == 3 && strcmp(v[1], "stat") == 0) {
        extxip_cbor_enc_map(&e, 1);
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, v[2]);
        if ((rc = io->exchange(io->arg, OP_READ, G_FS, 1, done(&e), &rl)) != 0)
            return rc;
        return io->json || mcumgr_print_kv(stdout, io->rsp, rl) != 0
                   ? (mcumgr_rsp_json(stdout, io->rsp, rl) == 0 ? EX_OK : bad_reply())
                   : EX_OK;
    }
    if ((n == 3 || n == 4) && strcmp(v[1], "hash") == 0) {
        extxip_cbor_enc_map(&e, n == 4 ? 2 : 1);
        if (n == 4) {
            extxip_cbor_enc_tstr_z(&e, "type");
            extxip_cbor_enc_tstr_z(&e, v[3]);
        }
        extxip_cbor_enc_tstr_z(&e, "name");
        extxip_cbor_enc_tstr_z(&e, v[2]);
        if ((rc = io->exchange(io->arg, OP_READ, G_FS, 2, done(&e), &rl)) != 0)
            return rc;
        if (!json_out(io, rl, &rc))
            return rc;
        return mcumgr_print_kv(stdout, io->rsp, rl) == 0 ? EX_OK : bad_reply();
    }
    if (n == 2 && (strcmp(v[1], "types") == 0 || strcmp(v[1], "close") == 0)) {
        int close = v[1][0] == 'c';
        extxip_cbor_enc_map(&e, 0);
        if ((rc = io->exchange(io->arg, close ? OP_WRITE : OP_READ, G_FS, close ? 4 : 3, done(&e),
                               &rl)) != 0)
            return rc;
        if (!json_out(io, rl, &rc))
            return rc;
        if (close) {
            printf("Done\n");
            return EX_OK;
        }
        return mcumgr_print_kv(stdout, io->rsp, rl) == 0 ? EX_OK : bad_reply();
    }
    return usage("fs upload SRC DST | fs download SRC DST | fs stat NAME | fs hash NAME "
                 "[crc32|sha256] | fs types | fs close");
}

/* --------------------------------------------------------------- shell */

static int cmd_shell(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    if (n < 3 || strcmp(v[1], "exec") != 0)
        return usage("shell exec [--] CMD [ARG...]");
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "argv");
    extxip_cbor_enc_array(&e, (uint64_t)(n - 2));
    for (int i = 2; i < n; i++)
        extxip_cbor_enc_tstr_z(&e, v[i]);
    size_t rl;
    int rc;
    if ((rc = io->exchange(io->arg, OP_WRITE, G_SHELL, 0, done(&e), &rl)) != 0)
        return rc;
    extxip_cbor_str_t o;
    extxip_cbor_decoder_t d;
    int64_t ret = 0;
    if (get_tstr(io->rsp, rl, "o", &o) != 0 || find_key(&d, io->rsp, rl, "ret") != 0 ||
        extxip_cbor_dec_int64(&d, &ret) != 0)
        return bad_reply();
    if (io->json) {
        if (mcumgr_rsp_json(stdout, io->rsp, rl) != 0)
            return bad_reply();
    } else {
        fwrite(o.ptr, 1, o.len, stdout);
        if (o.len && o.ptr[o.len - 1] != '\n')
            putchar('\n');
    }
    if (ret != 0) {
        fprintf(stderr, "Error: command returned %lld\n", (long long)ret);
        return EX_DEVICE;
    }
    return EX_OK;
}

/* ---------------------------------------------------------------- enum */

static int cmd_enum(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    const char *sub = n > 1 ? v[1] : "list";
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    uint8_t id;
    if (strcmp(sub, "count") == 0 && n <= 2) {
        id = 0;
        extxip_cbor_enc_map(&e, 0);
    } else if (strcmp(sub, "list") == 0 && n <= 2) {
        id = 1;
        extxip_cbor_enc_map(&e, 0);
    } else if (strcmp(sub, "single") == 0 && n == 3) {
        char *end;
        errno = 0;
        unsigned long long idx = strtoull(v[2], &end, 10);
        if (errno || *end || v[2][0] == '-' || idx > 0xffffffffull)
            return usage("INDEX must be a number");
        id = 2;
        extxip_cbor_enc_map(&e, 1);
        extxip_cbor_enc_tstr_z(&e, "index");
        extxip_cbor_enc_uint(&e, idx);
    } else if (strcmp(sub, "details") == 0) {
        id = 3;
        if (n == 2) {
            extxip_cbor_enc_map(&e, 0);
        } else {
            extxip_cbor_enc_map(&e, 1);
            extxip_cbor_enc_tstr_z(&e, "groups");
            extxip_cbor_enc_array(&e, (uint64_t)(n - 2));
            for (int i = 2; i < n; i++) {
                char *end;
                errno = 0;
                unsigned long g = strtoul(v[i], &end, 10);
                if (errno || *end || v[i][0] == '-' || g > 0xffff)
                    return usage("group ids are numbers 0..65535");
                extxip_cbor_enc_uint(&e, g);
            }
        }
    } else {
        return usage("enum [count|list|single INDEX|details [ID...]]");
    }
    size_t rl;
    int rc;
    if ((rc = io->exchange(io->arg, OP_READ, G_ENUM, id, done(&e), &rl)) != 0)
        return rc;
    if (!json_out(io, rl, &rc))
        return rc;
    return mcumgr_print_kv(stdout, io->rsp, rl) == 0 ? EX_OK : bad_reply();
}

/* ------------------------------------------------------------- storage */

static int cmd_storage(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    if (n != 2 || strcmp(v[1], "erase") != 0)
        return usage("storage erase");
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, io->body, io->body_cap);
    extxip_cbor_enc_map(&e, 0);
    size_t rl;
    int rc;
    if ((rc = io->exchange(io->arg, OP_WRITE, G_ZBASIC, 0, done(&e), &rl)) != 0)
        return rc;
    if (!json_out(io, rl, &rc))
        return rc;
    printf("Done\n");
    return EX_OK;
}

int mcumgr_groups_known(const char *cmd)
{
    static const char *const names[] = {"stat", "config", "settings", "fs",
                                        "shell", "enum", "storage"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cmd, names[i]) == 0)
            return 1;
    return 0;
}

int mcumgr_groups_run(const mcumgr_groups_io_t *io, const char *const *v, int n)
{
    switch (v[0][0]) {
    case 'c': return cmd_config(io, v, n);
    case 'f': return cmd_fs(io, v, n);
    case 'e': return cmd_enum(io, v, n);
    default: break;
    }
    if (strcmp(v[0], "stat") == 0)
        return cmd_stat(io, v, n);
    if (strcmp(v[0], "settings") == 0)
        return cmd_settings(io, v, n);
    if (strcmp(v[0], "shell") == 0)
        return cmd_shell(io, v, n);
    return cmd_storage(io, v, n);
}
