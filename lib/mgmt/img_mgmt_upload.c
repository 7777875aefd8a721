/*
 * Image management group, upload (cmd 1): the first chunk's checks, the
 * chunks of a session through the stream writer (img_mgmt_stream.c), its
 * checkpoints (img_mgmt_log.c) and the sha check at the end.
 * Facts: docs/protocol.md §7.5.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "crypto/crypto.h"
#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

/* SHA-256 of the first len bytes of fa, compared with want (32 bytes). */
static int flash_sha_matches(extxip_img_mgmt_t *im, const extxip_flash_area_t *fa, uint32_t len,
                             const uint8_t *want, bool *match)
{
    extxip_crypto_sha256_t ctx;
    uint8_t dig[CRYPTO_SHA256_SIZE];
    if (extxip_crypto_sha256_init(&ctx) != CRYPTO_OK) {
        return IMG_MGMT_ERR_UNKNOWN;
    }
    for (uint32_t o = 0; o < len;) {
        uint32_t n = len - o < IMG_MGMT_SCRATCH ? len - o : IMG_MGMT_SCRATCH;
        if (extxip_flash_area_read(fa, o, im->scratch, n) != FLASH_OK) {
            (void)extxip_crypto_sha256_finish(&ctx, dig);
            return IMG_MGMT_ERR_FLASH_READ_FAILED;
        }
        (void)extxip_crypto_sha256_update(&ctx, im->scratch, n);
        o += n;
    }
    if (extxip_crypto_sha256_finish(&ctx, dig) != CRYPTO_OK) {
        return IMG_MGMT_ERR_UNKNOWN;
    }
    *match = memcmp(dig, want, CRYPTO_SHA256_SIZE) == 0;
    return 0;
}

/* The checkpoint interval for the session's slot: checkpoint_bytes rounded
 * down to whole sectors, at least one sector. */
uint32_t extxip_img_mgmt_ckpt_step(const extxip_img_mgmt_t *im, const extxip_flash_area_t *fa)
{
    uint32_t step = im->cfg.checkpoint_bytes;
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    return step < ssz ? ssz : step - step % ssz;
}

/* Checkpoint every checkpoint_bytes of programmed data, at a sector boundary,
 * so a resume after reset only has to re-erase from that boundary on. */
static int maybe_checkpoint(extxip_img_mgmt_t *im)
{
    if (!im->log_ok || im->s.sha_len == 0 || im->s.flushed < im->s.next_ckpt) {
        return 0;
    }
    uint32_t step = extxip_img_mgmt_ckpt_step(im, extxip_img_mgmt_session_fa(im));
    uint32_t c = im->s.flushed - im->s.flushed % step;
    im->s.next_ckpt = c + step;
    /* The record says [0, c) is in flash: on a device that programs in the
     * background, only once the chip has finished it (invariant (c)). */
    if (extxip_flash_area_sync(extxip_img_mgmt_session_fa(im)) != FLASH_OK) {
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    }
    return extxip_img_mgmt_log_append(im, true, c);
}

/* A whole file landed in image `image`'s secondary. In recovery mode it is
 * scheduled there and then (pending, permanent). Returns 0 or an error. */
static int upload_done(extxip_img_mgmt_t *im, uint8_t image)
{
    if (!im->cfg.pending_on_upload) {
        return 0;
    }
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(image));
    if (!fa || extxip_image_parse(fa, &im->info) != IMAGE_OK) {
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER; /* kept, not scheduled */
    }
    int rc = extxip_img_mgmt_err_from(IMG_MGMT_MOD_BOOT, extxip_boot_set_pending(fa, true));
    if (rc) {
        return rc;
    }
    if (im->cfg.uploaded) {
        im->cfg.uploaded(im->cfg.uploaded_arg, image, im->info.hash);
    }
    return 0;
}

/* Error inside a session: Zephyr drops the session; so do we (and its record). */
static int fail(extxip_img_mgmt_t *im, int err)
{
    (void)extxip_img_mgmt_session_reset(im);
    return err;
}

/* Write a chunk at s.off and handle completion. */
static int accept_chunk(extxip_img_mgmt_t *im, const extxip_img_mgmt_upload_req_t *req,
                        extxip_img_mgmt_upload_rsp_t *rsp)
{
    int rc = extxip_img_mgmt_ensure_tail(im);
    if (rc == 0) {
        rc = extxip_img_mgmt_stream_write(im, req->data, (uint32_t)req->data_len);
    }
    if (rc) {
        return fail(im, rc == IMG_MGMT_ERR_FLASH_ERASE_FAILED ? rc
                                                                : IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    }
    im->upload_bytes += req->data_len;
    if (im->s.off < im->s.len) {
        (void)maybe_checkpoint(im); /* a lost checkpoint only costs resume distance */
        rsp->off = im->s.off;
        return 0;
    }
    /* Complete: the last unit, and (a device that programs in the
     * background) all of it really in flash before the answer says so. */
    rc = extxip_img_mgmt_stream_finish(im);
    if (rc == 0 && extxip_flash_area_sync(extxip_img_mgmt_session_fa(im)) != FLASH_OK) {
        rc = IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    }
    if (rc) {
        return fail(im, IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    }
    bool match = false;
    if (im->s.sha_len == IMAGE_HASH_SIZE) {
        const extxip_flash_area_t *fa = extxip_img_mgmt_session_fa(im);
        rc = flash_sha_matches(im, fa, im->s.len, im->s.sha, &match);
        if (rc) {
            return fail(im, rc);
        }
        if (!match) {
            /* The file in flash is not the file the client announced: make
             * it untestable (no header) and unscheduled (a padded file
             * brings its own trailer: no mark may survive), and say which
             * field failed. */
            uint32_t ss = extxip_flash_area_sector_size(fa);
            (void)extxip_flash_area_erase(fa, 0, ss);
            (void)extxip_flash_area_erase(fa, fa->size - ss, ss);
            return fail(im, IMG_MGMT_ERR_INVALID_HASH);
        }
    }
    rsp->off = im->s.off;
    rsp->has_match = im->cfg.image_check;
    rsp->match = match;
    uint8_t image = im->s.image;
    (void)extxip_img_mgmt_session_reset(im);
    return upload_done(im, image);
}

static int upload_first(extxip_img_mgmt_t *im, const extxip_img_mgmt_upload_req_t *req,
                        extxip_img_mgmt_upload_rsp_t *rsp)
{
    extxip_image_header_t hdr;

    /* Busy first, so a second client's bad request cannot drop the owner's
     * session. Resuming the same file (same sha) is never busy: a client
     * that reconnects from a new port is the same upload. */
    bool same_file = req->sha_len > 0 && req->sha_len <= IMG_MGMT_SHA_MAX && im->s.active &&
                     im->s.sha_len == req->sha_len &&
                     memcmp(im->s.sha, req->sha, req->sha_len) == 0 &&
                     req->has_len && req->len == im->s.len && req->image == im->s.image &&
                     im->s.off > 0; /* at 0 there is nothing to resume: start over */
    if (!same_file && extxip_img_mgmt_busy(im, req->peer)) {
        return -MGMT_ERR_EBUSY;
    }

    /* From here to the new session, a refusal changes nothing: whoever sent
     * the chunk, the session in progress (another client's, or a resumable
     * one) stays as it was. */
    if (req->data_len < IMAGE_HEADER_SIZE) {
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    }
    if (!req->has_len) {
        return IMG_MGMT_ERR_INVALID_LENGTH;
    }
    if (extxip_image_header_decode(req->data, req->data_len, &hdr) != IMAGE_OK) {
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
    }
    if (req->sha_len > IMG_MGMT_SHA_MAX) {
        return IMG_MGMT_ERR_INVALID_HASH;
    }
    if (same_file && extxip_img_mgmt_slot_in_use(im, FLASH_AREA_IMAGE_SECONDARY(im->s.image))) {
        /* The file was finished and scheduled since (a session restored
         * from a checkpoint taken before a power cut): nothing to resume,
         * and writing on would un-schedule it. */
        (void)extxip_img_mgmt_session_reset(im);
        same_file = false;
    }
    if (same_file) {
        /* Resume: the data of this chunk is dropped, the client continues
         * from where we are (possibly a checkpoint reloaded after reset). */
        extxip_img_mgmt_touch(im, req->peer);
        rsp->off = im->s.off;
        return 0;
    }

    if (req->image >= im->cfg.image_count) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    uint32_t slot = FLASH_AREA_IMAGE_SECONDARY(req->image);
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa || extxip_img_mgmt_slot_in_use(im, slot)) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    if (req->len > fa->size) {
        return IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE;
    }
    /* Beyond Zephyr: the header's own sizes (header, body, protected TLVs
     * and at least the unprotected TLV info) must fit the announced file. */
    uint64_t need = (uint64_t)hdr.hdr_size + hdr.img_size + hdr.protect_tlv_size + 4u;
    if (hdr.hdr_size < IMAGE_HEADER_SIZE || need > req->len) {
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    }
    if (req->upgrade) {
        /* Zephyr compares with the running image (image 0) whatever the target. */
        if (extxip_img_mgmt_read_slot_info(im, FLASH_AREA_IMAGE_PRIMARY(im->cfg.active_image)) != IMAGE_OK) {
            return IMG_MGMT_ERR_VERSION_GET_FAILED;
        }
        if (extxip_image_version_cmp(&hdr.ver, &im->info.hdr.ver, false) <= 0) {
            return IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER;
        }
    }
    if ((uint64_t)req->data_len > req->len) {
        return IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN;
    }

    /* IMG_ENABLE_IMAGE_CHECK: the slot already holds this exact file. */
    if (im->cfg.image_check && req->sha_len == IMAGE_HASH_SIZE) {
        uint32_t n = req->data_len < IMG_MGMT_SCRATCH ? (uint32_t)req->data_len : IMG_MGMT_SCRATCH;
        if (extxip_flash_area_read(fa, 0, im->scratch, n) == FLASH_OK &&
            memcmp(im->scratch, req->data, n) == 0) {
            bool match = false;
            if (flash_sha_matches(im, fa, req->len, req->sha, &match) == 0 && match) {
                (void)extxip_img_mgmt_session_reset(im);
                rsp->off = req->len;
                rsp->has_match = true;
                rsp->match = true;
                return upload_done(im, (uint8_t)req->image);
            }
        }
    }

    /* New session. Its record goes first: a reset from here on resumes at 0
     * (or, without sha, forgets the previous session). */
    extxip_img_mgmt_session_clear(im);
    im->s.active = true;
    im->s.image = (uint8_t)req->image;
    im->s.len = req->len;
    im->s.sha_len = (uint8_t)req->sha_len;
    if (req->sha_len) {
        memcpy(im->s.sha, req->sha, req->sha_len);
    }
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    uint32_t tail = fa->size - BOOT_TRAILER_SIZE;
    im->s.tail_start = tail - tail % ssz;
    im->s.tail_verified = false;
    im->s.next_ckpt = 0;
    extxip_img_mgmt_touch(im, req->peer);
    int rc = req->sha_len ? extxip_img_mgmt_log_append(im, true, 0) : extxip_img_mgmt_log_idle(im);
    if (rc) {
        return fail(im, rc);
    }
    im->s.next_ckpt = extxip_img_mgmt_ckpt_step(im, fa); /* the first checkpoint is one interval away */
    im->s.tail_skip = true; /* nothing of this session is in the trailer sectors yet */
    return accept_chunk(im, req, rsp);
}

int extxip_img_mgmt_upload(extxip_img_mgmt_t *im, const extxip_img_mgmt_upload_req_t *req, extxip_img_mgmt_upload_rsp_t *rsp)
{
    memset(rsp, 0, sizeof(*rsp));
    if (req->data_len > 0 && req->data == NULL) {
        return -MGMT_ERR_EINVAL;
    }
    if (req->off == 0) {
        return upload_first(im, req, rsp);
    }
    if (extxip_img_mgmt_busy(im, req->peer)) {
        return -MGMT_ERR_EBUSY;
    }
    if (!im->s.active || req->off != im->s.off) {
        /* Lost, repeated or reordered chunk: tell the client where we are. */
        rsp->off = im->s.active ? im->s.off : 0;
        if (im->s.active) {
            extxip_img_mgmt_touch(im, req->peer);
        }
        return 0;
    }
    if ((uint64_t)req->off + req->data_len > im->s.len) {
        return fail(im, IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    }
    extxip_img_mgmt_touch(im, req->peer);
    return accept_chunk(im, req, rsp);
}
