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

/* Copy and check "name". 0: fs->... untouched, path in out. Else the handler's
 * return value (error recorded). */
static int take_name(extxip_smp_ctx_t *ctx, const extxip_cbor_str_t *name, char out[FS_MGMT_PATH_LEN],
                     bool *done)
{
    *done = true;
    if (name->len == 0 || name->len >= FS_MGMT_PATH_LEN) {
        return MGMT_ERR_EINVAL; /* as Zephyr: empty or too long a name */
    }
    if (!extxip_fs_mgmt_path_ok(name->ptr, name->len)) {
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_FILE_INVALID_NAME);
    }
    memcpy(out, name->ptr, name->len);
    out[name->len] = 0;
    *done = false;
    return 0;
}

static int file_download(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    const extxip_fs_mgmt_port_t *p = fs->port;
    uint64_t off = 0;
    extxip_cbor_str_t name = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("off", CBOR_KV_UINT64, &off), CBOR_KV("name", CBOR_KV_TSTR, &name) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 2, NULL) != 0 || !kv[0].found || !kv[1].found) {
        return MGMT_ERR_EINVAL;
    }
    char path[FS_MGMT_PATH_LEN];
    bool done;
    int rc = take_name(ctx, &name, path, &done);
    if (done) {
        return rc;
    }
    if (fs->state != FS_MGMT_DOWNLOAD || fs->peer != ctx->peer || strcmp(path, fs->path) != 0) {
        cleanup(fs);
        uint64_t size = 0;
        rc = p->stat(p->arg, path, &size);
        if (rc == 0) {
            rc = p->open(p->arg, path, false, false);
        }
        if (rc) {
            return extxip_smp_ctx_group_err(ctx, (uint16_t)rc);
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
    uint64_t off = 0, len = 0;
    extxip_cbor_str_t name = { NULL, 0 }, data = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("off", CBOR_KV_UINT64, &off), CBOR_KV("name", CBOR_KV_TSTR, &name),
                       CBOR_KV("data", CBOR_KV_BSTR, &data), CBOR_KV("len", CBOR_KV_UINT64, &len) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 4, NULL) != 0 || !kv[0].found || !kv[1].found ||
        (off == 0 && !kv[3].found)) {
        return MGMT_ERR_EINVAL;
    }
    char path[FS_MGMT_PATH_LEN];
    bool done;
    int rc = take_name(ctx, &name, path, &done);
    if (done) {
        return rc;
    }
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
            return extxip_smp_ctx_group_err(ctx, (uint16_t)rc);
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
    extxip_cbor_str_t name = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("name", CBOR_KV_TSTR, &name) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    char path[FS_MGMT_PATH_LEN];
    bool done;
    int rc = take_name(ctx, &name, path, &done);
    if (done) {
        return rc;
    }
    uint64_t size = 0;
    rc = fs->port->stat(fs->port->arg, path, &size);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, (uint16_t)rc);
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "len");
    extxip_cbor_enc_uint(ctx->enc, size);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int file_hash(extxip_smp_ctx_t *ctx)
{
    extxip_fs_mgmt_t *fs = ctx->user;
    const extxip_fs_mgmt_port_t *p = fs->port;
    extxip_cbor_str_t name = { NULL, 0 }, type = { NULL, 0 };
    uint64_t off = 0, len = UINT64_MAX;
    extxip_cbor_kv_t kv[] = { CBOR_KV("type", CBOR_KV_TSTR, &type), CBOR_KV("name", CBOR_KV_TSTR, &name),
                       CBOR_KV("off", CBOR_KV_UINT64, &off), CBOR_KV("len", CBOR_KV_UINT64, &len) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 4, NULL) != 0 || type.len > 8 || len == 0) {
        return MGMT_ERR_EINVAL;
    }
    char path[FS_MGMT_PATH_LEN];
    bool done;
    int rc = take_name(ctx, &name, path, &done);
    if (done) {
        return rc;
    }
    bool sha = false;
    if (kv[0].found && extxip_cbor_str_eq(&type, "sha256")) {
        sha = true;
    } else if (kv[0].found && !extxip_cbor_str_eq(&type, "crc32")) {
        return extxip_smp_ctx_group_err(ctx, FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND);
    }
    uint64_t size = 0;
    rc = p->stat(p->arg, path, &size);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, (uint16_t)rc);
    }
    if (size <= off) {
        return extxip_smp_ctx_group_err(ctx, size == 0 ? FS_MGMT_ERR_FILE_EMPTY
                                                : FS_MGMT_ERR_FILE_OFFSET_LARGER_THAN_FILE);
    }
    cleanup(fs); /* the port has one open file: an interrupted transfer ends here */
    rc = p->open(p->arg, path, false, false);
    if (rc) {
        return extxip_smp_ctx_group_err(ctx, (uint16_t)rc);
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
