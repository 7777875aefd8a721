#include "rig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_dev.h"

static uint64_t rig_clock(void *arg)
{
    return ((rig_t *)arg)->now_ms;
}

static void rig_reset_cb(void *arg)
{
    ((rig_t *)arg)->resets++;
}

static int rig_task(void *arg, uint32_t index, extxip_os_mgmt_task_t *t)
{
    (void)arg;
    if (index != 0)
        return -1;
    memset(t, 0, sizeof *t);
    t->name = "main";
    return 0;
}

const extxip_flash_area_t *rig_area(rig_t *r, uint32_t id)
{
    const extxip_flash_area_t *fa = NULL;
    if (id > 0xff || extxip_flash_map_get(&r->lay.map, (uint8_t)id, &fa) != FLASH_OK)
        return NULL;
    return fa;
}

int rig_put(rig_t *r, uint32_t slot, const uint8_t *data, size_t len)
{
    const extxip_flash_area_t *fa = rig_area(r, slot);
    if (!fa || len > fa->size)
        return -1;
    size_t n = (len + 3u) & ~(size_t)3u;
    uint8_t *tmp = malloc(n ? n : 1);
    if (!tmp)
        return -1;
    memset(tmp, 0xff, n);
    memcpy(tmp, data, len);
    int rc = extxip_flash_area_erase(fa, 0, fa->size);
    if (rc == 0 && n)
        rc = extxip_flash_area_write(fa, 0, tmp, (uint32_t)n);
    free(tmp);
    return rc == 0 ? 0 : -1;
}

static const char *const rig_f_svr[] = {"ticks"};
static const char *const rig_f_rig[] = {"requests", "errors", "resets"};

static void rig_rd_svr(void *arg, uint64_t *v)
{
    v[0] = ((rig_t *)arg)->now_ms / 1000u;
}

static void rig_rd_rig(void *arg, uint64_t *v)
{
    rig_t *r = arg;
    v[0] = r->srv.requests;
    v[1] = r->srv.errors;
    v[2] = (uint64_t)r->resets;
}

/* Storage erase while another client's upload is live: EBUSY. */
static bool rig_zb_busy(void *arg, uint64_t peer)
{
    return extxip_img_mgmt_busy(&((rig_t *)arg)->im, peer);
}

static int rig_zb_prepare(void *arg)
{
    return extxip_img_mgmt_log_erase(&((rig_t *)arg)->im);
}

static void rig_zb_done(void *arg, int erased)
{
    rig_t *r = arg;
    (void)erased;
    (void)extxip_kvs_mount(&r->kvs, r->setp.fa, r->setp.off, r->setp.size);
}

static void rig_commit(void *arg)
{
    ((rig_t *)arg)->commits++;
}

/* ---- a RAM file system for the file group ---- */

static int rfs_find(rig_t *r, const char *name)
{
    for (int i = 0; i < RIG_FS_FILES; i++)
        if (r->files[i].used && strcmp(r->files[i].name, name) == 0)
            return i;
    return -1;
}

static int rfs_stat(void *arg, const char *name, uint64_t *size)
{
    rig_t *r = arg;
    int i = rfs_find(r, name);
    if (i < 0)
        return FS_MGMT_ERR_FILE_NOT_FOUND;
    *size = r->files[i].len;
    return 0;
}

static int rfs_open(void *arg, const char *name, bool write, bool truncate)
{
    rig_t *r = arg;
    int i = rfs_find(r, name);
    if (i < 0 && !write)
        return FS_MGMT_ERR_FILE_NOT_FOUND;
    if (i < 0) {
        for (i = 0; i < RIG_FS_FILES && r->files[i].used; i++)
            ;
        if (i == RIG_FS_FILES)
            return FS_MGMT_ERR_FILE_OPEN_FAILED; /* no room for another file */
        r->files[i].used = true;
        r->files[i].len = 0;
        snprintf(r->files[i].name, sizeof r->files[i].name, "%s", name);
    }
    if (write && truncate)
        r->files[i].len = 0;
    if (write)
        r->fs_dirty = true;
    r->open_file = i;
    r->open_write = write;
    return 0;
}

static int rfs_read(void *arg, uint64_t off, void *buf, size_t len, size_t *got)
{
    rig_t *r = arg;
    if (r->open_file < 0)
        return FS_MGMT_ERR_FILE_READ_FAILED;
    struct rig_file *f = &r->files[r->open_file];
    *got = off >= f->len ? 0 : (f->len - off < len ? (size_t)(f->len - off) : len);
    memcpy(buf, f->data + off, *got);
    return 0;
}

static int rfs_write(void *arg, uint64_t off, const void *buf, size_t len)
{
    rig_t *r = arg;
    if (r->open_file < 0 || !r->open_write || off > RIG_FS_FILE_MAX ||
        len > RIG_FS_FILE_MAX - off)
        return FS_MGMT_ERR_FILE_WRITE_FAILED;
    struct rig_file *f = &r->files[r->open_file];
    if (off > f->len)
        memset(f->data + f->len, 0, (size_t)(off - f->len));
    memcpy(f->data + off, buf, len);
    if (off + len > f->len)
        f->len = (uint32_t)(off + len);
    return 0;
}

static void rfs_close(void *arg)
{
    ((rig_t *)arg)->open_file = -1;
}

/* The settings store below the image group's log (after extxip_img_mgmt_init). */
static int rig_settings_start(rig_t *r)
{
    const extxip_flash_area_t *fa = rig_area(r, FLASH_AREA_SETTINGS);
    r->setp = (extxip_settings_mgmt_port_t){
        .arg = r, .store = &r->kvs, .fa = fa, .off = 0, .commit = rig_commit,
        .size = extxip_settings_mgmt_store_size(fa, r->im.cfg.log_area, r->im.cfg.log_off,
                                         r->im.cfg.log_size),
    };
    extxip_settings_mgmt_init(&r->set, &r->setp);
    r->shc = (extxip_shell_cmds_ctx_t){.img = &r->im, .stats = &r->stp, .kvs = &r->kvs};
    extxip_shell_cmds_port(&r->shp, &r->shc);
    extxip_shell_mgmt_init(&r->sh, &r->shp);
    r->open_file = -1;
    r->fsp = (extxip_fs_mgmt_port_t){.arg = r, .stat = rfs_stat, .open = rfs_open, .read = rfs_read,
                              .write = rfs_write, .close = rfs_close, .max_file = RIG_FS_FILE_MAX};
    extxip_fs_mgmt_init(&r->fs, &r->fsp);
    return extxip_kvs_mount(&r->kvs, fa, 0, r->setp.size) == KVS_OK ? 0 : -1;
}

int rig_restart(rig_t *r)
{
    memset(&r->im, 0, sizeof r->im);
    memset(&r->os, 0, sizeof r->os);
    extxip_smp_server_init(&r->srv);
    extxip_os_mgmt_init(&r->os, &r->osp);
    r->stg[0] = (extxip_stat_mgmt_group_t){"smp_svr_stats", rig_f_svr, 1, rig_rd_svr, r};
    r->stg[1] = (extxip_stat_mgmt_group_t){"rig", rig_f_rig, 3, rig_rd_rig, r};
    r->stp = (extxip_stat_mgmt_port_t){r->stg, 2};
    extxip_stat_mgmt_init(&r->st, &r->stp);
    extxip_enum_mgmt_init(&r->en, &r->srv);
    r->zbp = (extxip_zbasic_mgmt_port_t){
        .arg = r, .map = &r->lay.map, .area_id = FLASH_AREA_SETTINGS, .prepare = rig_zb_prepare,
        .done = rig_zb_done, .busy = rig_zb_busy,
    };
    extxip_zbasic_mgmt_init(&r->zb, &r->zbp);
    if (extxip_os_mgmt_register(&r->os, &r->srv) != 0 || extxip_img_mgmt_init(&r->im, &r->cfg) != 0 ||
        extxip_img_mgmt_register(&r->im, &r->srv) != 0 || rig_settings_start(r) != 0 ||
        extxip_stat_mgmt_register(&r->st, &r->srv) != 0 || extxip_settings_mgmt_register(&r->set, &r->srv) != 0 ||
        extxip_shell_mgmt_register(&r->sh, &r->srv) != 0 ||
        extxip_enum_mgmt_register(&r->en, &r->srv) != 0 || extxip_zbasic_mgmt_register(&r->zb, &r->srv) != 0 ||
        extxip_fs_mgmt_register(&r->fs, &r->srv) != 0) {
        fprintf(stderr, "rig: services did not start\n");
        return -1;
    }
    return 0;
}

int rig_open(rig_t *r, const char *layout, const char *vec_dir)
{
    memset(r, 0, sizeof *r);
    if (simflash_board_open(&r->b, NULL, 1) != FLASH_OK) {
        fprintf(stderr, "rig: cannot open the RAM board\n");
        return -1;
    }
    const extxip_flash_dev_t *devs[PM_DEV_COUNT];
    for (int i = 0; i < PM_DEV_COUNT; i++)
        devs[i] = simflash_board_dev(&r->b, i);
    char err[256];
    if (pm_layout_load(layout, devs, &r->lay, NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "rig: %s: %s\n", layout, err);
        return -1;
    }
    if (vec_dir) {
        static const char *const names[3] = {"img0-v1.0.0.signed.bin", "img1-v1.0.0.signed.bin",
                                             "img2-v1.0.0.signed.bin"};
        for (uint32_t i = 0; i < 3; i++) {
            char rel[64];
            snprintf(rel, sizeof rel, "images/%s", names[i]);
            tu_blob_t f = tu_load_in(vec_dir, rel);
            int rc = rig_put(r, FLASH_AREA_IMAGE_PRIMARY(i), f.p, f.n);
            r->img_len[i] = (uint32_t)f.n;
            free(f.p);
            if (rc != 0) {
                fprintf(stderr, "rig: cannot program image %u\n", (unsigned)i);
                return -1;
            }
        }
    }
    extxip_os_mgmt_port_t *p = &r->osp;
    p->arg = r;
    p->buf_size = SMP_BUF_SIZE;
    p->buf_count = 4;
    p->reset = rig_reset_cb;
    p->kernel_name = "extxip";
    p->node_name = "rig";
    p->machine = "posix";
    p->boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY;
    p->task_get = rig_task;

    extxip_img_mgmt_config_default(&r->cfg);
    r->cfg.map = &r->lay.map;
    r->cfg.keys = &image_dev_keyring;
    r->cfg.clock = rig_clock;
    r->cfg.clock_arg = r;
    r->now_ms = 1000000;
    return rig_restart(r);
}

void rig_close(rig_t *r)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        free(r->snap[i]);
        r->snap[i] = NULL;
    }
    simflash_board_close(&r->b);
}

uint8_t *rig_mem(rig_t *r, int dev, uint32_t *size)
{
    extxip_flash_dev_t *d = simflash_board_dev(&r->b, dev);
    if (size)
        *size = d ? d->size : 0;
    return d ? simflash_mem(r->b.dev[dev]) : NULL;
}

void rig_snapshot(rig_t *r)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        uint32_t n;
        uint8_t *m = rig_mem(r, i, &n);
        if (!r->snap[i])
            r->snap[i] = malloc(n);
        if (!r->snap[i]) {
            fprintf(stderr, "rig: out of memory\n");
            exit(2);
        }
        memcpy(r->snap[i], m, n);
    }
}

int rig_flash_diff(rig_t *r, int *dev, uint32_t *off)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        uint32_t n;
        uint8_t *m = rig_mem(r, i, &n);
        if (!r->snap[i] || memcmp(m, r->snap[i], n) == 0)
            continue;
        uint32_t k = 0;
        while (k < n && m[k] == r->snap[i][k])
            k++;
        if (dev)
            *dev = i;
        if (off)
            *off = k;
        return 1;
    }
    return 0;
}

void rig_restore(rig_t *r)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        uint32_t n;
        uint8_t *m = rig_mem(r, i, &n);
        if (r->snap[i])
            memcpy(m, r->snap[i], n);
    }
    memset(r->files, 0, sizeof r->files);
    r->fs_dirty = false;
    rig_restart(r);
}

static int rig_out(void *arg, const uint8_t *pkt, size_t len)
{
    rig_t *r = arg;
    if (r->nrsp < RIG_MAX_RSP) {
        size_t n = len < sizeof r->rsp[0].pkt ? len : sizeof r->rsp[0].pkt;
        memcpy(r->rsp[r->nrsp].pkt, pkt, n);
        r->rsp[r->nrsp].len = len;
    }
    r->nrsp++;
    return 0;
}

int rig_process(rig_t *r, const uint8_t *rx, size_t len, uint64_t peer)
{
    r->nrsp = 0;
    return extxip_smp_process(&r->srv, rx, len, r->tx, sizeof r->tx, peer, rig_out, r);
}

size_t rig_pkt(uint8_t *out, size_t cap, uint8_t op, uint8_t ver, uint16_t group, uint8_t seq,
               uint8_t id, const uint8_t *body, size_t blen)
{
    if (cap < SMP_HDR_SIZE + blen || blen > UINT16_MAX)
        return 0;
    extxip_smp_hdr_t h = {op, ver, 0, (uint16_t)blen, group, seq, id};
    extxip_smp_hdr_encode(&h, out);
    if (blen)
        memcpy(out + SMP_HDR_SIZE, body, blen);
    return SMP_HDR_SIZE + blen;
}

const char *rig_rsp_check(const uint8_t *pkt, size_t len, const extxip_smp_hdr_t *req)
{
    extxip_smp_hdr_t h;
    if (extxip_smp_hdr_decode(pkt, len, &h) != 0)
        return "response shorter than a header";
    if (h.op != SMP_OP_READ_RSP && h.op != SMP_OP_WRITE_RSP)
        return "response op is not a response";
    if (h.version > SMP_VERSION_2)
        return "response version above 2";
    if ((pkt[0] & 0xe0) != 0)
        return "response reserved bits set";
    if ((size_t)h.len != len - SMP_HDR_SIZE)
        return "response length field differs from its body";
    if (req) {
        if (h.group != req->group || h.seq != req->seq || h.id != req->id)
            return "response group/seq/id differ from the request";
        if ((req->op == SMP_OP_READ) != (h.op == SMP_OP_READ_RSP))
            return "response op does not answer the request op";
    }
    extxip_cbor_decoder_t d;
    extxip_cbor_type_t t;
    extxip_cbor_dec_init(&d, pkt + SMP_HDR_SIZE, h.len);
    if (extxip_cbor_dec_peek(&d, &t) != 0 || t != CBOR_TY_MAP)
        return "response body is not a map";
    if (extxip_cbor_dec_skip(&d) != 0)
        return "response body is not well-formed CBOR";
    if (d.pos != h.len)
        return "bytes after the response map";
    return NULL;
}

int rig_fields(const uint8_t *pkt, size_t len, rig_fields_t *f)
{
    memset(f, 0, sizeof *f);
    if (len < SMP_HDR_SIZE)
        return -1;
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, pkt + SMP_HDR_SIZE, len - SMP_HDR_SIZE);
    if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
        return -1;
    while (!extxip_cbor_dec_at_end(&d)) {
        extxip_cbor_str_t k;
        if (extxip_cbor_dec_tstr(&d, &k) != 0)
            return -1;
        if (extxip_cbor_str_eq(&k, "rc")) {
            if (extxip_cbor_dec_int64(&d, &f->rc) != 0)
                return -1;
            f->has_rc = true;
        } else if (extxip_cbor_str_eq(&k, "off")) {
            if (extxip_cbor_dec_uint32(&d, &f->off) != 0)
                return -1;
            f->has_off = true;
        } else if (extxip_cbor_str_eq(&k, "match")) {
            if (extxip_cbor_dec_bool(&d, &f->match) != 0)
                return -1;
            f->has_match = true;
        } else if (extxip_cbor_str_eq(&k, "r")) {
            extxip_cbor_str_t s;
            if (extxip_cbor_dec_tstr(&d, &s) != 0)
                return -1;
            size_t n = s.len < sizeof f->r - 1 ? s.len : sizeof f->r - 1;
            memcpy(f->r, s.ptr, n);
            f->r[n] = 0;
            f->has_r = true;
        } else if (extxip_cbor_str_eq(&k, "err")) {
            extxip_cbor_kv_t kv[] = {CBOR_KV("group", CBOR_KV_UINT32, &f->err_group),
                              CBOR_KV("rc", CBOR_KV_UINT32, &f->err_rc)};
            if (extxip_cbor_map_decode_keys(&d, kv, 2, NULL) != 0)
                return -1;
            f->has_err = true;
        } else if (extxip_cbor_dec_skip(&d) != 0) {
            return -1;
        }
    }
    return extxip_cbor_dec_leave(&d) == 0 ? 0 : -1;
}

bool rig_echo_ok(rig_t *r, const char *text, uint64_t peer)
{
    uint8_t body[160], pkt[200];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, body, sizeof body);
    extxip_cbor_enc_map(&e, 1);
    extxip_cbor_enc_tstr_z(&e, "d");
    extxip_cbor_enc_tstr_z(&e, text);
    if (e.err)
        return false;
    uint8_t seq = ++r->seq;
    size_t n = rig_pkt(pkt, sizeof pkt, SMP_OP_WRITE, SMP_VERSION_2, MGMT_GROUP_ID_OS, seq,
                       OS_MGMT_ID_ECHO, body, e.len);
    if (rig_process(r, pkt, n, peer) != 1 || r->nrsp != 1)
        return false;
    extxip_smp_hdr_t req;
    extxip_smp_hdr_decode(pkt, n, &req);
    if (rig_rsp_check(r->rsp[0].pkt, r->rsp[0].len, &req) != NULL)
        return false;
    rig_fields_t f;
    return rig_fields(r->rsp[0].pkt, r->rsp[0].len, &f) == 0 && f.has_r && strcmp(f.r, text) == 0 &&
           !f.has_rc && !f.has_err;
}
