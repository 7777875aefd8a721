/*
 * Image management group, upload: the session (first chunk checks, the busy
 * rule, progressive erase, the sha check at the end), its checkpoints in a
 * flash/reclog log on the settings partition (resume after a reset), erase,
 * and init (which reloads a session from the log).
 * Facts: docs/protocol.md §7.5.
 */
#include "mgmt/img_mgmt.h"

#include <string.h>

#include "crypto/crypto.h"
#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

/* -------------------------------------------------- persisted session log */

/*
 * The session's checkpoints are snapshots in a flash/reclog.h log (64-byte
 * records; the newest valid one is the truth). Payload after reclog's
 * magic 'IMUS' and seq:
 *
 *   8  u8 state (0 idle, 1 active)   9 u8 image   10 u8 sha_len   11 u8 format (1)
 *  12  u32 len     16 u32 off (sector-aligned, programmed)
 *  20  sha[32]     52 u32[2] reserved (0xff)      60 CRC (reclog's)
 */
#define REC_MAGIC 0x53554d49u /* "IMUS" */
#define REC_FORMAT 1u

typedef struct rec {
    uint8_t state, image, sha_len;
    uint32_t len, off;
    uint8_t sha[IMG_MGMT_SHA_MAX];
} rec_t;

/* Decode the newest record; false when it is not one of ours. */
static bool rec_decode(const uint8_t *b, rec_t *r)
{
    r->state = b[8];
    r->image = b[9];
    r->sha_len = b[10];
    r->len = extxip_reclog_rd32(b + 12);
    r->off = extxip_reclog_rd32(b + 16);
    memcpy(r->sha, b + 20, IMG_MGMT_SHA_MAX);
    return b[11] == REC_FORMAT && r->state <= 1 && r->sha_len <= IMG_MGMT_SHA_MAX;
}

/* Append one snapshot of the current session (or idle). */
static int log_append(extxip_img_mgmt_t *im, bool active, uint32_t ckpt_off)
{
    if (!im->log_ok) {
        return 0;
    }
    uint8_t *b = im->scratch;
    memset(b, 0xff, IMG_MGMT_REC_SIZE);
    b[8] = active ? 1u : 0u;
    b[9] = im->s.image;
    b[10] = active ? im->s.sha_len : 0u;
    b[11] = REC_FORMAT;
    extxip_reclog_wr32(b + 12, active ? im->s.len : 0u);
    extxip_reclog_wr32(b + 16, active ? ckpt_off : 0u);
    memset(b + 20, 0, IMG_MGMT_SHA_MAX);
    if (active) {
        memcpy(b + 20, im->s.sha, im->s.sha_len);
    }
    int rc = extxip_img_mgmt_err_from(IMG_MGMT_MOD_RECLOG, extxip_reclog_append(&im->log, b));
    if (rc == 0) {
        im->log_active = active;
        im->log_writes++;
    }
    return rc;
}

/* Persist "no session", only when the log currently says otherwise. */
static int log_idle(extxip_img_mgmt_t *im)
{
    return im->log_active ? log_append(im, false, 0) : 0;
}

/* ------------------------------------------------------------ upload core */

static const extxip_flash_area_t *session_fa(const extxip_img_mgmt_t *im)
{
    return extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(im->s.image));
}

static void session_clear(extxip_img_mgmt_t *im)
{
    memset(&im->s, 0, sizeof(im->s));
}

int extxip_img_mgmt_session_reset(extxip_img_mgmt_t *im)
{
    session_clear(im);
    return log_idle(im);
}

int extxip_img_mgmt_log_erase(extxip_img_mgmt_t *im)
{
    int rc = extxip_img_mgmt_session_reset(im);
    if (rc || !im->log_ok) {
        return rc;
    }
    extxip_reclog_t *l = &im->log;
    uint32_t nsec = l->size / l->sector;
    uint32_t newest = l->next ? (l->next - IMG_MGMT_REC_SIZE) / l->sector : 0;
    for (uint32_t k = 0; k <= nsec; k++) {
        uint32_t sec = k < nsec ? k : newest; /* the newest record's sector last */
        if (k < nsec && sec == newest) {
            continue;
        }
        if (extxip_flash_area_erase(l->fa, l->off + sec * l->sector, l->sector) != FLASH_OK) {
            return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
        }
    }
    im->log_active = false;
    /* an empty log now: the scan restarts its cursor and sequence */
    return extxip_reclog_scan(l, im->scratch) < 0 ? IMG_MGMT_ERR_FLASH_READ_FAILED : 0;
}

bool extxip_img_mgmt_session_get(const extxip_img_mgmt_t *im, uint8_t *image, uint32_t *off, uint32_t *len)
{
    if (!im->s.active) {
        return false;
    }
    if (image) {
        *image = im->s.image;
    }
    if (off) {
        *off = im->s.off;
    }
    if (len) {
        *len = im->s.len;
    }
    return true;
}

/* Erase one sector unless it is already blank (saves time and wear). */
static int erase_sector_if_needed(const extxip_flash_area_t *fa, uint32_t off, uint32_t ssz)
{
    int e = extxip_flash_area_is_erased(fa, off, ssz);
    if (e < 0) {
        return IMG_MGMT_ERR_FLASH_READ_FAILED;
    }
    if (e == 0 && extxip_flash_area_erase(fa, off, ssz) != FLASH_OK) {
        return IMG_MGMT_ERR_FLASH_ERASE_FAILED;
    }
    return 0;
}

/* Make sure the trailer sectors at the end of the slot are blank, so a stale
 * pending mark can never apply to a half-written image. */
static int ensure_tail(extxip_img_mgmt_t *im)
{
    const extxip_flash_area_t *fa = session_fa(im);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    if (im->s.tail_verified) {
        return 0;
    }
    /* Sectors below erased_to may hold this session's data (after a resume
     * from a checkpoint inside the trailer sectors): leave them. */
    uint32_t from = im->s.tail_start > im->s.erased_to ? im->s.tail_start : im->s.erased_to;
    for (uint32_t o = from; o < fa->size; o += ssz) {
        int rc = erase_sector_if_needed(fa, o, ssz);
        if (rc) {
            return rc;
        }
    }
    im->s.tail_verified = true;
    return 0;
}

/* Progressive erase: sectors are erased just ahead of the write position, so
 * the first chunk does not stall for a whole-slot erase. */
static int ensure_erased(extxip_img_mgmt_t *im, uint32_t end)
{
    const extxip_flash_area_t *fa = session_fa(im);
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    while (im->s.erased_to < end) {
        uint32_t o = im->s.erased_to;
        /* Trailer sectors blanked by ensure_tail and not written since. */
        if (!(im->s.tail_skip && o >= im->s.tail_start)) {
            int rc = erase_sector_if_needed(fa, o, ssz);
            if (rc) {
                return rc;
            }
        }
        im->s.erased_to = o + ssz;
    }
    return 0;
}

static int program(extxip_img_mgmt_t *im, const uint8_t *p, uint32_t n)
{
    const extxip_flash_area_t *fa = session_fa(im);
    int rc = ensure_erased(im, im->s.flushed + n);
    if (rc) {
        return rc;
    }
    if (extxip_flash_area_write(fa, im->s.flushed, p, n) != FLASH_OK) {
        return IMG_MGMT_ERR_FLASH_WRITE_FAILED;
    }
    im->s.flushed += n;
    return 0;
}

/* Buffered write at s.off: chunks need no alignment; whole write units go to
 * flash, the remainder waits in wbuf (at most align-1 bytes). */
static int stream_write(extxip_img_mgmt_t *im, const uint8_t *data, uint32_t n)
{
    const extxip_flash_area_t *fa = session_fa(im);
    uint32_t align = extxip_flash_area_align(fa);
    uint32_t pend = im->s.off - im->s.flushed;
    int rc;
    if (pend > 0) {
        uint32_t take = align - pend < n ? align - pend : n;
        memcpy(im->s.wbuf + pend, data, take);
        data += take;
        n -= take;
        im->s.off += take;
        pend += take;
        if (pend == align) {
            rc = program(im, im->s.wbuf, align);
            if (rc) {
                return rc;
            }
        }
    }
    uint32_t whole = n - n % align;
    if (whole) {
        rc = program(im, data, whole);
        if (rc) {
            return rc;
        }
        im->s.off += whole;
        data += whole;
        n -= whole;
    }
    if (n) {
        memcpy(im->s.wbuf, data, n);
        im->s.off += n;
    }
    return 0;
}

/* Last byte landed: program the padded final unit. */
static int stream_finish(extxip_img_mgmt_t *im)
{
    const extxip_flash_area_t *fa = session_fa(im);
    uint32_t align = extxip_flash_area_align(fa);
    uint32_t pend = im->s.off - im->s.flushed;
    if (pend == 0) {
        return 0;
    }
    memset(im->s.wbuf + pend, extxip_flash_area_erased_val(fa), align - pend);
    return program(im, im->s.wbuf, align);
}

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
static uint32_t ckpt_step(const extxip_img_mgmt_t *im, const extxip_flash_area_t *fa)
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
    uint32_t step = ckpt_step(im, session_fa(im));
    uint32_t c = im->s.flushed - im->s.flushed % step;
    im->s.next_ckpt = c + step;
    return log_append(im, true, c);
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

/* Another client's session is live: its owner sent a chunk recently. */
static bool busy_for(const extxip_img_mgmt_t *im, uint64_t peer)
{
    if (!im->s.active || !im->cfg.clock || !im->s.has_peer || im->s.peer == peer) {
        return false;
    }
    uint64_t now = extxip_img_mgmt_now_ms(im);
    return now - im->s.last_ms < im->cfg.busy_ms;
}

bool extxip_img_mgmt_busy(const extxip_img_mgmt_t *im, uint64_t peer)
{
    return busy_for(im, peer);
}

bool extxip_img_mgmt_slot_busy(const extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer)
{
    return im->s.active && slot == FLASH_AREA_IMAGE_SECONDARY(im->s.image) &&
           busy_for(im, peer);
}

static void touch(extxip_img_mgmt_t *im, uint64_t peer)
{
    im->s.has_peer = true;
    im->s.peer = peer;
    im->s.last_ms = extxip_img_mgmt_now_ms(im);
}

/* Write a chunk at s.off and handle completion. */
static int accept_chunk(extxip_img_mgmt_t *im, const extxip_img_mgmt_upload_req_t *req,
                        extxip_img_mgmt_upload_rsp_t *rsp)
{
    int rc = ensure_tail(im);
    if (rc == 0) {
        rc = stream_write(im, req->data, (uint32_t)req->data_len);
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
    /* Complete. */
    rc = stream_finish(im);
    if (rc) {
        return fail(im, IMG_MGMT_ERR_FLASH_WRITE_FAILED);
    }
    bool match = false;
    if (im->s.sha_len == IMAGE_HASH_SIZE) {
        const extxip_flash_area_t *fa = session_fa(im);
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
    if (!same_file && busy_for(im, req->peer)) {
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
        touch(im, req->peer);
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
    session_clear(im);
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
    touch(im, req->peer);
    int rc = req->sha_len ? log_append(im, true, 0) : log_idle(im);
    if (rc) {
        return fail(im, rc);
    }
    im->s.next_ckpt = ckpt_step(im, fa); /* the first checkpoint is one interval away */
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
    if (busy_for(im, req->peer)) {
        return -MGMT_ERR_EBUSY;
    }
    if (!im->s.active || req->off != im->s.off) {
        /* Lost, repeated or reordered chunk: tell the client where we are. */
        rsp->off = im->s.active ? im->s.off : 0;
        if (im->s.active) {
            touch(im, req->peer);
        }
        return 0;
    }
    if ((uint64_t)req->off + req->data_len > im->s.len) {
        return fail(im, IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    }
    touch(im, req->peer);
    return accept_chunk(im, req, rsp);
}

/* ------------------------------------------------------------------ erase */

int extxip_img_mgmt_erase(extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer)
{
    if (slot >= 2u * im->cfg.image_count) {
        return IMG_MGMT_ERR_INVALID_SLOT;
    }
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa) {
        return IMG_MGMT_ERR_INVALID_SLOT;
    }
    /* Beyond Zephyr: a primary (running or handed to the netcore) is never
     * erased, parseable or not. */
    if (slot % 2u == 0u) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    /* Beyond Zephyr: the slot another client is uploading into is busy for
     * that client's busy time, as a second upload is; after it, the erase
     * ends the silent session as before. */
    if (extxip_img_mgmt_slot_busy(im, slot, peer)) {
        return -MGMT_ERR_EBUSY;
    }
    if (extxip_img_mgmt_read_slot_info(im, slot) == IMAGE_OK && extxip_img_mgmt_slot_in_use(im, slot)) {
        return IMG_MGMT_ERR_NO_FREE_SLOT;
    }
    /* A session into this slot (and its record) goes first: after this,
     * nothing can resume into the erased slot with a stale offset (zephyr
     * #51798). Beyond Zephyr (which ends the session whatever slot is
     * erased), a session into another slot is left alone: nothing of it is
     * erased. */
    int rc = 0;
    if (im->s.active && FLASH_AREA_IMAGE_SECONDARY(im->s.image) == slot) {
        rc = extxip_img_mgmt_session_reset(im);
    }
    if (rc) {
        return rc;
    }
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    for (uint32_t o = 0; o < fa->size; o += ssz) {
        rc = erase_sector_if_needed(fa, o, ssz);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------- init */

void extxip_img_mgmt_group_init(extxip_img_mgmt_t *im);

int extxip_img_mgmt_init(extxip_img_mgmt_t *im, const extxip_img_mgmt_config_t *cfg)
{
    if (!im || !cfg || !cfg->map || cfg->image_count == 0 ||
        cfg->image_count > IMG_MGMT_MAX_IMAGES || cfg->active_image >= cfg->image_count) {
        return -MGMT_ERR_EINVAL;
    }
    memset(im, 0, sizeof(*im));
    im->cfg = *cfg;
    extxip_img_mgmt_group_init(im);
    for (uint32_t slot = 0; slot < 2u * cfg->image_count; slot++) {
        const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
        if (fa && (extxip_flash_area_align(fa) > IMG_MGMT_WBUF_MAX ||
                   fa->size < 2u * extxip_flash_area_sector_size(fa))) {
            return -MGMT_ERR_EINVAL;
        }
    }
    if (cfg->log_size == 0) {
        return 0;
    }
    const extxip_flash_area_t *lf = extxip_img_mgmt_area(im, im->cfg.log_area);
    if (!lf) {
        return 0; /* no settings partition: run without persistence */
    }
    if (cfg->log_off == IMG_MGMT_LOG_AT_END) {
        if (cfg->log_size > lf->size) {
            return -MGMT_ERR_EINVAL;
        }
        im->cfg.log_off = lf->size - cfg->log_size;
        cfg = &im->cfg;
    }
    if (IMG_MGMT_REC_SIZE % extxip_flash_area_align(lf) ||
        extxip_reclog_init(&im->log, lf, cfg->log_off, cfg->log_size, IMG_MGMT_REC_SIZE, REC_MAGIC) !=
            RECLOG_OK) {
        return -MGMT_ERR_EINVAL;
    }
    rec_t r;
    int found = extxip_reclog_scan(&im->log, im->scratch);
    if (found < 0) {
        return 0; /* unreadable log: no resume, uploads still work */
    }
    im->log_ok = true;
    if (!found) {
        return 0;
    }
    /* Anything but an idle record of ours (another format, an active
     * session) leaves log_active set: the next session write supersedes it. */
    bool ours = rec_decode(im->scratch, &r);
    im->log_active = !ours || r.state == 1;
    if (!ours || r.state != 1) {
        return 0;
    }
    /* Reload the session if it still makes sense for this map. */
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(r.image));
    if (r.image >= cfg->image_count || !fa || r.len > fa->size || r.off > r.len ||
        r.off % extxip_flash_area_sector_size(fa) || r.sha_len == 0 || r.off == 0) {
        /* Nothing (sensible) to resume; log_active stays set, so the next
         * session write supersedes the record. */
        return 0;
    }
    {
        /* Data before the checkpoint must still be there (an erase by other
         * means, e.g. a bootloader, makes the record stale). */
        uint8_t m[4];
        if (extxip_flash_area_read(fa, 0, m, 4) != FLASH_OK || extxip_reclog_rd32(m) != IMAGE_MAGIC) {
            return 0;
        }
    }
    im->s.active = true;
    im->s.image = r.image;
    im->s.len = r.len;
    im->s.off = im->s.flushed = im->s.erased_to = r.off;
    im->s.sha_len = r.sha_len;
    memcpy(im->s.sha, r.sha, r.sha_len);
    {
        uint32_t fssz = extxip_flash_area_sector_size(fa);
        uint32_t tail = fa->size - BOOT_TRAILER_SIZE;
        im->s.next_ckpt = r.off + ckpt_step(im, fa);
        /* Trailer sectors are checked again before the first write; what the
         * session wrote there before the reset is unknown, so the
         * progressive eraser must not skip them (tail_skip false). */
        im->s.tail_start = tail - tail % fssz;
        im->s.tail_verified = false;
        im->s.tail_skip = false;
    }
    im->s.has_peer = false; /* any client may continue it */
    im->resumed = true;
    return 0;
}

