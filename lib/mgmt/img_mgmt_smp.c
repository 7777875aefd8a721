/*
 * Image management group, the SMP side: CBOR requests and replies of state
 * read/write, upload, erase and slot info (docs/protocol.md §7), Zephyr's
 * verbose reasons, and the group's registration.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "crypto/crypto.h"
#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

/* ------------------------------------------------------------ SMP handlers */

/* Zephyr's verbose-error texts for the upload command (docs/protocol.md §4.2). */
static const char *upload_rsn(int err)
{
    switch (err) {
    case IMG_MGMT_ERR_INVALID_IMAGE_HEADER: return "header malformed";
    case IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC: return "magic mismatch";
    case IMG_MGMT_ERR_NO_FREE_SLOT: return "no slot";
    case IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE: return "img too large";
    case IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN: return "data overrun";
    case IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER: return "downgrade";
    case IMG_MGMT_ERR_FLASH_ERASE_FAILED: return "fa erase fail";
    case IMG_MGMT_ERR_FLASH_WRITE_FAILED: return "fa write fail";
    case IMG_MGMT_ERR_INVALID_HASH: return "sha mismatch";
    default: return NULL;
    }
}

/* Core result → handler return: group codes go into "err", SMP codes replace the body. */
static int report(extxip_smp_ctx_t *ctx, int rc, const char *rsn)
{
    if (rc < 0) {
        return -rc;
    }
    if (rc > 0) {
        if (rsn) {
            extxip_smp_ctx_set_rsn(ctx, rsn);
        }
        return extxip_smp_ctx_group_err(ctx, rc);
    }
    return MGMT_ERR_EOK;
}

static void enc_key(extxip_cbor_encoder_t *e, const char *k)
{
    (void)extxip_cbor_enc_tstr_z(e, k);
}

/* Body of a state read (also the success answer of a state write). Key order
 * and types as Zephyr's img_mgmt_state_read (docs/protocol.md §7.3). */
static int encode_state(extxip_img_mgmt_t *im, extxip_smp_ctx_t *ctx)
{
    extxip_cbor_encoder_t *e = ctx->enc;
    size_t n = 0;
    char ver[IMG_MGMT_VER_STR_MAX];
    (void)extxip_img_mgmt_state_collect(im, im->states, &n);
    enc_key(e, "images");
    extxip_cbor_enc_array_indef(e);
    for (size_t i = 0; i < n; i++) {
        const extxip_img_mgmt_slot_state_t *s = &im->states[i];
        extxip_cbor_enc_map_indef(e);
        enc_key(e, "image");
        extxip_cbor_enc_uint(e, s->image);
        enc_key(e, "slot");
        extxip_cbor_enc_uint(e, s->slot);
        enc_key(e, "version");
        extxip_img_mgmt_ver_str(&s->ver, ver, sizeof(ver));
        extxip_cbor_enc_tstr_z(e, ver);
        enc_key(e, "hash");
        extxip_cbor_enc_bstr(e, s->hash, IMAGE_HASH_SIZE);
        enc_key(e, "bootable");
        extxip_cbor_enc_bool(e, s->bootable);
        enc_key(e, "pending");
        extxip_cbor_enc_bool(e, s->pending);
        enc_key(e, "confirmed");
        extxip_cbor_enc_bool(e, s->confirmed);
        enc_key(e, "active");
        extxip_cbor_enc_bool(e, s->active);
        enc_key(e, "permanent");
        extxip_cbor_enc_bool(e, s->permanent);
        extxip_cbor_enc_break(e);
    }
    extxip_cbor_enc_break(e);
    enc_key(e, "splitStatus");
    extxip_cbor_enc_int(e, 0);
    if (im->cfg.boot_report_key && im->cfg.last_boot) {
        /* Opt-in extra key, off by default: Zephyr never sends it and
         * strict clients (smp's pydantic models, extra="forbid") reject a
         * reply that carries it. One line per image saying what the last
         * boot did with it. */
        char line[96];
        enc_key(e, "bootReport");
        extxip_cbor_enc_array_indef(e);
        for (uint8_t i = 0; i < im->cfg.image_count; i++) {
            extxip_cbor_enc_tstr_z(e, extxip_img_mgmt_boot_report(im, i, line, sizeof(line)));
        }
        extxip_cbor_enc_break(e);
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int h_state_read(extxip_smp_ctx_t *ctx)
{
    return encode_state((extxip_img_mgmt_t *)ctx->user, ctx);
}

static int h_state_write(extxip_smp_ctx_t *ctx)
{
    extxip_img_mgmt_t *im = ctx->user;
    extxip_cbor_str_t hash = {NULL, 0};
    bool confirm = false;
    extxip_cbor_kv_t kv[] = {
        CBOR_KV("hash", CBOR_KV_BSTR, &hash),
        CBOR_KV("confirm", CBOR_KV_BOOL, &confirm),
    };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 2, NULL) != CBOR_OK) {
        return MGMT_ERR_EINVAL;
    }
    int rc = extxip_img_mgmt_state_write(im, hash.ptr, hash.len, confirm, ctx->peer);
    if (rc != 0) {
        return report(ctx, rc, rc > 0 ? im->rsn : NULL);
    }
    return encode_state(im, ctx);
}

static int h_upload(extxip_smp_ctx_t *ctx)
{
    extxip_img_mgmt_t *im = ctx->user;
    extxip_img_mgmt_upload_req_t req;
    extxip_img_mgmt_upload_rsp_t rsp;
    extxip_cbor_str_t data = {NULL, 0}, sha = {NULL, 0};
    uint32_t off = 0, len = 0, image = 0;
    bool upgrade = false;
    extxip_cbor_kv_t kv[] = {
        CBOR_KV("off", CBOR_KV_UINT32, &off),     CBOR_KV("data", CBOR_KV_BSTR, &data),
        CBOR_KV("len", CBOR_KV_UINT32, &len),     CBOR_KV("image", CBOR_KV_UINT32, &image),
        CBOR_KV("sha", CBOR_KV_BSTR, &sha),       CBOR_KV("upgrade", CBOR_KV_BOOL, &upgrade),
    };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 6, NULL) != CBOR_OK) {
        return MGMT_ERR_EINVAL;
    }
    if (!kv[0].found) {
        return report(ctx, IMG_MGMT_ERR_INVALID_OFFSET, NULL);
    }
    memset(&req, 0, sizeof(req));
    req.off = off;
    req.data = data.ptr;
    req.data_len = data.len;
    req.has_len = kv[2].found;
    req.len = len;
    req.image = image;
    req.sha = sha.ptr;
    req.sha_len = sha.len;
    req.upgrade = upgrade;
    req.peer = ctx->peer;
    int rc = extxip_img_mgmt_upload(im, &req, &rsp);
    if (rc != 0) {
        return report(ctx, rc, upload_rsn(rc));
    }
    enc_key(ctx->enc, "off");
    extxip_cbor_enc_uint(ctx->enc, rsp.off);
    if (rsp.has_match) {
        enc_key(ctx->enc, "match");
        extxip_cbor_enc_bool(ctx->enc, rsp.match);
    }
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static int h_erase(extxip_smp_ctx_t *ctx)
{
    extxip_img_mgmt_t *im = ctx->user;
    uint32_t slot = 1; /* default: the running image's opposite slot (docs/protocol.md §7.6, §14 item 3) */
    extxip_cbor_kv_t kv[] = {CBOR_KV("slot", CBOR_KV_UINT32, &slot)};
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != CBOR_OK) {
        return MGMT_ERR_EINVAL;
    }
    if (!kv[0].found) {
        slot = FLASH_AREA_IMAGE_SECONDARY(im->cfg.active_image);
    }
    return report(ctx, extxip_img_mgmt_erase(im, slot, ctx->peer), NULL);
}

/* Slot info (docs/protocol.md §7.7): size of every slot, upload_image_id on secondaries. */
static int h_slot_info(extxip_smp_ctx_t *ctx)
{
    extxip_img_mgmt_t *im = ctx->user;
    extxip_cbor_encoder_t *e = ctx->enc;
    enc_key(e, "images");
    extxip_cbor_enc_array_indef(e);
    for (uint8_t i = 0; i < im->cfg.image_count; i++) {
        extxip_cbor_enc_map_indef(e);
        enc_key(e, "image");
        extxip_cbor_enc_uint(e, i);
        enc_key(e, "slots");
        extxip_cbor_enc_array_indef(e);
        for (uint32_t rel = 0; rel < 2u; rel++) {
            const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, 2u * i + rel);
            extxip_cbor_enc_map_indef(e);
            enc_key(e, "slot");
            extxip_cbor_enc_uint(e, rel);
            if (fa) {
                enc_key(e, "size");
                extxip_cbor_enc_uint(e, fa->size);
            } else {
                enc_key(e, "rc");
                extxip_cbor_enc_int(e, -2); /* -ENOENT, as flash_area_open reports it */
            }
            if (rel == 1u) {
                enc_key(e, "upload_image_id");
                extxip_cbor_enc_uint(e, i);
            }
            extxip_cbor_enc_break(e);
        }
        extxip_cbor_enc_break(e);
        extxip_cbor_enc_break(e);
    }
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t img_mgmt_cmds[] = {
    [0] = {h_state_read, h_state_write},
    [1] = {NULL, h_upload},
    [2] = {NULL, NULL}, /* file: reserved */
    [3] = {NULL, NULL}, /* core list: reserved */
    [4] = {NULL, NULL}, /* core load: reserved */
    [5] = {NULL, h_erase},
    [6] = {h_slot_info, NULL},
};

void extxip_img_mgmt_group_init(extxip_img_mgmt_t *im)
{
    im->group.id = MGMT_GROUP_ID_IMAGE;
    im->group.cmds = img_mgmt_cmds;
    im->group.cmd_count = sizeof(img_mgmt_cmds) / sizeof(img_mgmt_cmds[0]);
    im->group.user = im;
    im->group.err_to_v1 = extxip_img_mgmt_err_to_v1;
}

int extxip_img_mgmt_register(extxip_img_mgmt_t *im, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &im->group);
}

