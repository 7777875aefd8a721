/*
 * File group. Wire format and error codes as Zephyr's fs_mgmt.c:
 *   download (read 0):  {"off", "name"} -> {"off", "data"[, "len" when off is 0]}
 *   upload (write 0):   {"off", "name", "data"[, "len" when off is 0]} -> {"off"}
 *                       a continuation at another offset than the file's end:
 *                       err FILE_OFFSET_NOT_VALID plus "len": where it is
 *   status (read 1):    {"name"} -> {"len"}
 *   hash (read 2):      {"name"[, "type", "off", "len"]} ->
 *                       {"type", ["off",] "len", "output"} (crc32: uint, sha256: bstr)
 *   types (read 3):     {} -> {"types": {"crc32": {"format": 0, "size": 4},
 *                                         "sha256": {"format": 1, "size": 32}}}
 *   close (write 4):    {} -> {}
 * Beyond Zephyr: a download offset past the end is FILE_OFFSET_LARGER_THAN_FILE
 * (Zephyr answers empty data), and uploads stop at the port's max_file.
 */
#include "mgmt/fs_mgmt.h"

#include <string.h>

#include "crypto/crypto.h"
#include "flash/crc32.h"
#include "smp/smp_util.h"

uint16_t extxip_fs_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case FS_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case FS_MGMT_ERR_FILE_INVALID_NAME:
    case FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND:
        return MGMT_ERR_EINVAL;
    case FS_MGMT_ERR_FILE_NOT_FOUND:
    case FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND:
        return MGMT_ERR_ENOENT;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

int extxip_fs_mgmt_path_ok(const uint8_t *p, size_t len)
{
    if (len == 0 || len >= FS_MGMT_PATH_LEN) {
        return 0;
    }
    size_t i = p[0] == '/' ? 1u : 0u; /* device paths are absolute: "/lfs/file" */
    if (i == len) {
        return 0;
    }
    while (i < len) {
        size_t start = i;
        while (i < len && p[i] != '/') {
            if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '\\') {
                return 0;
            }
            i++;
        }
        size_t n = i - start;
        if (n == 0 || (n == 1 && p[start] == '.') ||
            (n == 2 && p[start] == '.' && p[start + 1] == '.')) {
            return 0; /* empty, "." or ".." component */
        }
        if (i < len) {
            i++; /* the '/' */
            if (i == len) {
                return 0; /* trailing '/' */
            }
        }
    }
    return 1;
}

static void cleanup(extxip_fs_mgmt_t *fs)
{
    if (fs->state != FS_MGMT_IDLE && fs->port->close) {
        fs->port->close(fs->port->arg);
    }
    fs->state = FS_MGMT_IDLE;
    fs->off = fs->len = 0;
    fs->path[0] = 0;
}

/* The keys a file request may carry; each handler names those it reads
 * (the others are skipped whatever their type, as Zephyr's bulk decode does). */
enum { K_OFF = 1u << 0, K_NAME = 1u << 1, K_DATA = 1u << 2, K_LEN = 1u << 3, K_TYPE = 1u << 4 };

typedef struct fs_req {
    uint64_t off, len;          /* absent: off 0, len as the handler preset it */
    extxip_cbor_str_t data, type;
    unsigned found;             /* the K_* that were present */
    char path[FS_MGMT_PATH_LEN]; /* "name", checked and NUL-terminated */
    const char *at;             /* the port's name for it (path less the mount point) */
} fs_req_t;

/* Where path (checked by extxip_fs_mgmt_path_ok) lies against the port's
 * mount point: sets r->at and returns 0, or the group error to answer. */
static uint16_t place(const extxip_fs_mgmt_port_t *p, fs_req_t *r, bool upload)
{
    r->at = r->path;
    if (p->mount == NULL || p->mount[0] == 0) {
        return FS_MGMT_ERR_OK;
    }
    if (r->path[0] != '/') {
        return FS_MGMT_ERR_FILE_INVALID_NAME;
    }
    size_t m = strlen(p->mount);
    if (strncmp(r->path, p->mount, m) == 0) {
        if (r->path[m] == 0) {
            return FS_MGMT_ERR_FILE_IS_DIRECTORY;
        }
        if (r->path[m] == '/') {
            r->at = r->path + m;
            return FS_MGMT_ERR_OK;
        }
    }
    return upload ? FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND : FS_MGMT_ERR_FILE_NOT_FOUND;
}

/* The one key decoder of the group: decode the keys `keys` of the request
 * into r, require those in `need`, then check and copy "name" (always
 * required: empty or too long is EINVAL as in Zephyr, a bad path is
 * FILE_INVALID_NAME). Returns 1 to go on, else 0 with the handler's return
 * value in *rc (a group error is recorded). */
static int decode_req(extxip_smp_ctx_t *ctx, fs_req_t *r, unsigned keys, unsigned need, int *rc,
                      bool upload)
{
    extxip_cbor_str_t name = { NULL, 0 };
    const struct {
        const char *key;
        unsigned bit;
        extxip_cbor_kv_type_t type;
        void *out;
    } spec[] = {
        { "off", K_OFF, CBOR_KV_UINT64, &r->off },   { "name", K_NAME, CBOR_KV_TSTR, &name },
        { "data", K_DATA, CBOR_KV_BSTR, &r->data }, { "len", K_LEN, CBOR_KV_UINT64, &r->len },
        { "type", K_TYPE, CBOR_KV_TSTR, &r->type },
    };
    extxip_cbor_kv_t kv[sizeof spec / sizeof spec[0]];
    unsigned bit[sizeof spec / sizeof spec[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        if (keys & spec[i].bit) {
            kv[n] = (extxip_cbor_kv_t)CBOR_KV(spec[i].key, spec[i].type, spec[i].out);
            bit[n++] = spec[i].bit;
        }
    }
    *rc = MGMT_ERR_EINVAL;
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, n, NULL) != 0) {
        return 0;
    }
    r->found = 0;
    for (size_t i = 0; i < n; i++) {
        r->found |= kv[i].found ? bit[i] : 0u;
    }
    if ((r->found & need) != need || name.len == 0 || name.len >= FS_MGMT_PATH_LEN) {
        return 0;
    }
    if (!extxip_fs_mgmt_path_ok(name.ptr, name.len)) {
        *rc = extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_INVALID_NAME);
        return 0;
    }
    memcpy(r->path, name.ptr, name.len);
    r->path[name.len] = 0;
    uint16_t where = place(((extxip_fs_mgmt_t *)ctx->user)->port, r, upload);
    if (where != FS_MGMT_ERR_OK) {
        *rc = extxip_smp_ctx_group_err(ctx, where);
        return 0;
    }
    return 1;
}

static int file_download(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    const extxip_fs_mgmt_port_t *p = fs->port;
    fs_req_t r = { 0 };
    int rc;
    if (!decode_req(ctx, &r, K_OFF | K_NAME, K_OFF | K_NAME, &rc, false)) {
        return rc;
    }
    const uint64_t off = r.off;
    const char *path = r.at;
    if (fs->state != FS_MGMT_DOWNLOAD || fs->peer != ctx->peer || strcmp(path, fs->path) != 0) {
        cleanup(fs);
        uint64_t size = 0;
        rc = p->stat(p->arg, path, &size);
        if (rc == 0) {
            rc = p->open(p->arg, path, false, false);
        }
        if (rc) {
            return extxip_smp_ctx_group_err(ctx, rc);
        }
        fs->state = FS_MGMT_DOWNLOAD;
        fs->peer = ctx->peer;
        fs->len = size;
        strcpy(fs->path, path);
    }
    if (off > fs->len) {
        cleanup(fs);
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_OFFSET_LARGER_THAN_FILE);
    }
    /* as much as fits in the reply (the encoder's room, less the keys) */
    extxip_cbor_encoder_t *e = ctx->enc;
    size_t room = e->cap > e->len + 48u ? e->cap - e->len - 48u : 0;
    size_t want = room < FS_MGMT_DL_CHUNK_MAX ? room : FS_MGMT_DL_CHUNK_MAX;
    if (want == 0) {
        return MGMT_ERR_EMSGSIZE;
    }
    size_t got = 0;
    rc = p->read(p->arg, off, fs->buf, want, &got);
    if (rc || got > want) {
        cleanup(fs);
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_READ_FAILED);
    }
    fs->off = off + got;
    fs->bytes_down += got;
    extxip_cbor_enc_tstr_z(e, "off");
    extxip_cbor_enc_uint(e, off);
    extxip_cbor_enc_tstr_z(e, "data");
    extxip_cbor_enc_bstr(e, fs->buf, got);
    if (off == 0) {
        extxip_cbor_enc_tstr_z(e, "len");
        extxip_cbor_enc_uint(e, fs->len);
    }
    if (fs->off >= fs->len) {
        cleanup(fs); /* finished */
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int file_upload(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    const extxip_fs_mgmt_port_t *p = fs->port;
    fs_req_t r = { 0 };
    int rc;
    if (!decode_req(ctx, &r, K_OFF | K_NAME | K_DATA | K_LEN, K_OFF | K_NAME, &rc, true)) {
        return rc;
    }
    if (r.off == 0 && !(r.found & K_LEN)) {
        return MGMT_ERR_EINVAL; /* a first chunk announces the file's length */
    }
    const uint64_t off = r.off, len = r.len;
    const extxip_cbor_str_t data = r.data;
    const char *path = r.at;
    if (off == 0 && ((p->max_file && len > p->max_file) || data.len > len)) {
        /* too big for the device, or a first chunk longer than the file it
         * announces: refused before anything is opened */
        cleanup(fs);
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_WRITE_FAILED);
    }
    if (fs->state != FS_MGMT_UPLOAD || fs->peer != ctx->peer || strcmp(path, fs->path) != 0) {
        cleanup(fs);
        uint64_t size = 0;
        rc = p->stat(p->arg, path, &size);
        if (rc == FS_MGMT_ERR_FILE_NOT_FOUND) {
            size = 0;
            rc = 0;
        }
        if (rc == 0 && off != 0 && off != size) {
            /* a continuation must start at the file's end: refused before
             * anything is opened (or created) */
            rc = extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_OFFSET_NOT_VALID);
            extxip_cbor_enc_tstr_z(ctx->enc, "len");
            extxip_cbor_enc_uint(ctx->enc, size);
            return rc ? rc : (ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK);
        }
        if (rc == 0) {
            rc = p->open(p->arg, path, true, off == 0);
        }
        if (rc) {
            return extxip_smp_ctx_group_err(ctx, rc);
        }
        fs->state = FS_MGMT_UPLOAD;
        fs->peer = ctx->peer;
        fs->off = off == 0 ? 0 : size; /* a continuation resumes at the file's end */
        fs->len = off == 0 ? len : 0;
        strcpy(fs->path, path);
    } else if (off == 0) {
        /* the same file from the start again: empty it */
        p->close(p->arg);
        rc = p->open(p->arg, path, true, true);
        if (rc) {
            fs->state = FS_MGMT_IDLE;
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_TRUNCATE_FAILED);
        }
        fs->off = 0;
        fs->len = len;
    }
    if (off != fs->off) {
        uint64_t at = fs->off;
        cleanup(fs);
        rc = extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_OFFSET_NOT_VALID);
        extxip_cbor_enc_tstr_z(ctx->enc, "len");
        extxip_cbor_enc_uint(ctx->enc, at);
        return rc ? rc : (ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK);
    }
    if (data.len) {
        if (fs->len > 0 && off + data.len > fs->len) {
            /* more than the first chunk announced: written nowhere */
            cleanup(fs);
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_WRITE_FAILED);
        }
        if (p->max_file && off + data.len > p->max_file) {
            cleanup(fs);
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_WRITE_FAILED);
        }
        rc = p->write(p->arg, off, data.ptr, data.len);
        if (rc) {
            cleanup(fs);
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_WRITE_FAILED);
        }
        fs->off += data.len;
        fs->bytes_up += data.len;
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "off");
    extxip_cbor_enc_uint(ctx->enc, fs->off);
    if (fs->len > 0 && fs->off >= fs->len) {
        cleanup(fs); /* finished */
    }
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int file_status(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    fs_req_t r = { 0 };
    int rc;
    if (!decode_req(ctx, &r, K_NAME, 0, &rc, false)) {
        return rc;
    }
    uint64_t size = 0;
    rc = fs->port->stat(fs->port->arg, r.at, &size);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, rc);
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "len");
    extxip_cbor_enc_uint(ctx->enc, size);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int file_hash(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    const extxip_fs_mgmt_port_t *p = fs->port;
    fs_req_t r = { .len = UINT64_MAX };
    int rc;
    if (!decode_req(ctx, &r, K_TYPE | K_NAME | K_OFF | K_LEN, 0, &rc, false)) {
        return rc;
    }
    if (r.type.len > 8 || r.len == 0) {
        return MGMT_ERR_EINVAL;
    }
    const uint64_t off = r.off, len = r.len;
    const char *path = r.at;
    bool sha = false;
    bool typed = r.found & K_TYPE;
    if (typed && extxip_cbor_str_eq(&r.type, "sha256")) {
        sha = true;
    } else if (typed && !extxip_cbor_str_eq(&r.type, "crc32")) {
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND);
    }
    uint64_t size = 0;
    rc = p->stat(p->arg, path, &size);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, rc);
    }
    if (size <= off) {
        return extxip_smp_ctx_group_err(ctx, size == 0 ? FS_MGMT_ERR_FILE_EMPTY
                                                : FS_MGMT_ERR_FILE_OFFSET_LARGER_THAN_FILE);
    }
    cleanup(fs); /* the port has one open file: an interrupted transfer ends here */
    rc = p->open(p->arg, path, false, false);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, rc);
    }
    uint64_t end = size - off < len ? size : off + len;
    uint32_t crc = 0;
    extxip_crypto_sha256_t h;
    if (sha && extxip_crypto_sha256_init(&h) != 0) {
        p->close(p->arg);
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_UNKNOWN);
    }
    uint64_t at = off;
    while (at < end) {
        size_t want = end - at < sizeof fs->buf ? (size_t)(end - at) : sizeof fs->buf;
        size_t got = 0;
        if (p->read(p->arg, at, fs->buf, want, &got) != 0 || got == 0 || got > want) {
            p->close(p->arg);
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_READ_FAILED);
        }
        if (sha) {
            extxip_crypto_sha256_update(&h, fs->buf, got);
        } else {
            crc = extxip_crc32(crc, fs->buf, got);
        }
        at += got;
    }
    p->close(p->arg);
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "type");
    extxip_cbor_enc_tstr_z(e, sha ? "sha256" : "crc32");
    if (off != 0) {
        extxip_cbor_enc_tstr_z(e, "off");
        extxip_cbor_enc_uint(e, off);
    }
    extxip_cbor_enc_tstr_z(e, "len");
    extxip_cbor_enc_uint(e, end - off);
    extxip_cbor_enc_tstr_z(e, "output");
    if (sha) {
        uint8_t d[CRYPTO_SHA256_SIZE];
        if (extxip_crypto_sha256_finish(&h, d) != 0) {
            return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_UNKNOWN);
        }
        extxip_cbor_enc_bstr(e, d, sizeof d);
    } else {
        extxip_cbor_enc_uint(e, crc);
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int hash_types(extxip_smp_ctx_t *ctx)
{
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "types");
    extxip_cbor_enc_map_indef(e);
    extxip_cbor_enc_tstr_z(e, "crc32");
    extxip_cbor_enc_map_indef(e);
    extxip_cbor_enc_tstr_z(e, "format");
    extxip_cbor_enc_uint(e, 0);
    extxip_cbor_enc_tstr_z(e, "size");
    extxip_cbor_enc_uint(e, 4);
    extxip_cbor_enc_break(e);
    extxip_cbor_enc_tstr_z(e, "sha256");
    extxip_cbor_enc_map_indef(e);
    extxip_cbor_enc_tstr_z(e, "format");
    extxip_cbor_enc_uint(e, 1);
    extxip_cbor_enc_tstr_z(e, "size");
    extxip_cbor_enc_uint(e, 32);
    extxip_cbor_enc_break(e);
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int file_close(extxip_smp_ctx_t *ctx)
{
    cleanup(ctx->user);
    return MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t fs_cmds[FS_MGMT_ID_COUNT] = {
    [FS_MGMT_ID_FILE] = { file_download, file_upload },
    [FS_MGMT_ID_STAT] = { file_status, NULL },
    [FS_MGMT_ID_HASH_CHECKSUM] = { file_hash, NULL },
    [FS_MGMT_ID_SUPPORTED_HASH_CHECKSUM] = { hash_types, NULL },
    [FS_MGMT_ID_OPENED_FILE] = { NULL, file_close },
};

void extxip_fs_mgmt_init(extxip_fs_mgmt_t *fs, const extxip_fs_mgmt_port_t *port)
{
    memset(fs, 0, sizeof(*fs));
    fs->port = port;
    fs->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_FS,
        .cmds = fs_cmds,
        .cmd_count = FS_MGMT_ID_COUNT,
        .user = fs,
        .err_to_v1 = extxip_fs_mgmt_err_to_v1,
    };
}

int extxip_fs_mgmt_register(extxip_fs_mgmt_t *fs, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &fs->group);
}
