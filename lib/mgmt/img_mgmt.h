/*
 * Image management group (SMP group 1): state read/write, upload, erase and
 * slot info for the three MCUboot images of the extxip sample
 * (docs/protocol.md §7, §13). Overwrite-only MCUboot, no Direct-XIP.
 *
 * Two layers:
 *  - the core (this header): plain-C functions that decide and touch flash;
 *    they return 0, a positive IMG_MGMT_ERR_* group code (reported as a v2
 *    "err" / translated v1 "rc"), or a negative -MGMT_ERR_* SMP-level code
 *    (reported as {"rc": N}). The tests drive them directly too.
 *  - the SMP handlers (extxip_img_mgmt_register): decode the request map, call the
 *    core, encode the response map exactly as Zephyr does.
 *
 * Beyond Zephyr:
 *  - an upload session survives a reset: its progress is checkpointed in a
 *    small record log (see "Persisted upload session" below);
 *  - a second client (other peer id) is refused with MGMT_ERR_EBUSY while the
 *    first one is active (last chunk < busy_ms ago): its upload, its erase,
 *    test or confirm of the slot being uploaded, and (through the port's
 *    zbasic busy hook) its storage erase;
 *  - state read lists only slots whose image hash checks out;
 *  - the first chunk's image header must fit the announced length, and the
 *    full-file "sha" (when 32 bytes) is checked against flash when the last
 *    byte lands (mismatch: IMG_MGMT_ERR_INVALID_HASH, header sector erased);
 *  - test/confirm of a secondary validates it (hash + signature) first;
 *  - primaries are never erased.
 *
 * State is caller-owned (extxip_img_mgmt_t); there are no statics.
 */
#ifndef EXTXIP_IMG_MGMT_H
#define EXTXIP_IMG_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"
#include "flash/flash_area.h"
#include "flash/reclog.h"
#include "image/image.h"
#include "mgmt/img_mgmt_err.h"
#include "smp/smp.h"

#define IMG_MGMT_MAX_IMAGES FLASH_IMAGE_COUNT
#define IMG_MGMT_MAX_SLOTS  (2u * IMG_MGMT_MAX_IMAGES)
#define IMG_MGMT_SHA_MAX    32u
#define IMG_MGMT_SCRATCH    EXTXIP_IMG_MGMT_SCRATCH /* flash read buffer (blank checks, hashing) */
#define IMG_MGMT_WBUF_MAX   16u  /* largest write alignment supported */
#define IMG_MGMT_PAGE       256u /* program page a background device is fed in (MX25R64's) */
#define IMG_MGMT_VER_STR_MAX 25u /* "255.255.65535.4294967295" + NUL */

#define IMG_MGMT_LOG_AT_END 0xffffffffu

/* Size of one persisted session record (fixed; see img_mgmt.c). */
#define IMG_MGMT_REC_SIZE 64u

/* Monotonic milliseconds for the busy rule; arg is cfg.clock_arg. */
typedef uint64_t (*extxip_img_mgmt_clock_fn)(void *arg);

typedef struct extxip_img_mgmt_config {
    const extxip_flash_map_t *map;           /* slots 0..2n-1 and (optionally) the log area */
    const extxip_image_keyring_t *keys;      /* for test/confirm validation; NULL: hash only */
    const extxip_boot_result_t *last_boot;   /* what the last boot did; may be NULL */
    const extxip_boot_target_t *target;      /* the port's "built for this slot" check, the
                                         bootloader's own (extxip_boot_image_check); NULL:
                                         flags and ROM-fixed address only */
    uint8_t image_count;              /* 1..IMG_MGMT_MAX_IMAGES (3 here) */
    uint8_t active_image;             /* the running application's image (0) */
    uint8_t netcore_image;            /* image whose primary trailer is ignored
                                         (nrf53 hook), 0xff: none (1 here) */
    bool list_netcore_primary;        /* list the netcore primary in state read */
    bool allow_erase_pending;         /* Zephyr MCUMGR_GRP_IMG_ALLOW_ERASE_PENDING */
    bool image_check;                 /* Zephyr IMG_ENABLE_IMAGE_CHECK: "match" key,
                                         skip upload when the slot already matches */
    bool boot_report_key;             /* add "bootReport" (text) to state read; not
                                       * Zephyr's: strict clients reject it (default off) */
    extxip_img_mgmt_clock_fn clock;          /* NULL: no busy rule (Zephyr behaviour) */
    void *clock_arg;
    uint32_t busy_ms;                 /* another peer is refused this long after the
                                         owner's last chunk (5000) */
    /* Persisted session log: [log_off, log_off+log_size) of area log_area.
     * log_size 0 (or no such area): no persistence. Needs >= 2 sectors,
     * sector-aligned. log_off IMG_MGMT_LOG_AT_END: the area's last log_size bytes. */
    uint8_t log_area;
    uint32_t log_off;
    uint32_t log_size;
    uint32_t checkpoint_bytes;        /* checkpoint interval (rounded up to the
                                         slot's sector size; 32 KiB) */
    /* Serial-recovery mode (the bootloader's own SMP server): a complete
     * upload is marked pending and permanent at once (it installs at the next
     * reset, as MCUboot's serial recovery makes an upload take effect), and
     * `uploaded` (may be NULL) is told the image and its hash. */
    bool pending_on_upload;
    void (*uploaded)(void *arg, uint8_t image, const uint8_t *hash);
    void *uploaded_arg;
    /* Beyond Zephyr: erase when idle (extxip_img_mgmt_idle). Default off. */
    bool idle_erase;
} extxip_img_mgmt_config_t;

/* One listed slot (state read). */
typedef struct extxip_img_mgmt_slot_state {
    uint8_t image;
    uint8_t slot; /* relative: 0 primary, 1 secondary */
    extxip_image_version_t ver;
    uint8_t hash[IMAGE_HASH_SIZE];
    bool bootable, pending, confirmed, active, permanent;
} extxip_img_mgmt_slot_state_t;

/* Upload session (one at a time, like Zephyr). Fields are private. */
typedef struct extxip_img_mgmt_session {
    bool active;
    uint8_t image;
    uint8_t sha_len;
    uint8_t sha[IMG_MGMT_SHA_MAX];
    uint32_t len;          /* total upload length */
    uint32_t off;          /* bytes accepted (next expected offset) */
    uint32_t flushed;      /* bytes programmed (off - flushed = bytes in wbuf) */
    uint32_t erased_to;    /* [0, erased_to) is erased or written this session */
    uint32_t tail_start;   /* trailer sectors [tail_start, slot end) erased at start */
    bool tail_verified;    /* trailer sectors checked blank this session */
    bool tail_skip;        /* progressive erase may skip them (untouched since) */
    uint32_t next_ckpt;    /* flushed offset that triggers the next checkpoint */
    uint64_t ahead_ms;     /* clock at the erase-ahead's last look at the chip */
    uint64_t wait_ms;      /* time writes waited for the chip since then */
    bool flash_bound;      /* erase ahead judged the flash the bottleneck */
    uint8_t behind;        /* looks in a row that found the chip behind */
    bool has_peer;
    uint64_t peer;
    uint64_t last_ms;
    uint8_t wbuf[IMG_MGMT_PAGE]; /* received, not yet programmed (< one unit) */
} extxip_img_mgmt_session_t;

typedef struct extxip_img_mgmt {
    extxip_img_mgmt_config_t cfg;
    extxip_img_mgmt_session_t s;
    /* Persisted-log cursor. */
    bool log_ok;            /* persistence configured and usable */
    bool log_active;        /* the newest record describes an active session */
    extxip_reclog_t log;           /* the session log's window and append cursor */
    uint32_t log_writes;    /* records written since init (for tests/bench) */
    uint64_t upload_bytes;  /* image bytes accepted since init (statistics) */
    bool resumed;           /* init reloaded a persisted session (statistics) */
    /* Erase when idle: which secondary and where the eraser is. */
    bool idle_armed;        /* set at init and by a confirm; cleared when done */
    uint8_t idle_image;
    uint32_t idle_off;
    uint32_t idle_erases;   /* sectors erased in the background since init */
    uint8_t scratch[IMG_MGMT_SCRATCH];
    extxip_image_info_t info;
    const char *rsn;        /* Zephyr-style verbose reason of the last state write
                               refusal (NULL: none), sent as "rsn" */
    extxip_img_mgmt_slot_state_t states[IMG_MGMT_MAX_SLOTS]; /* state read scratch */
    extxip_smp_group_t group;      /* registered with the SMP server (user = this) */
} extxip_img_mgmt_t;

/* Defaults for the extxip sample: 3 images, active image 0, netcore image 1
 * listed, erase-pending refused, image check on, busy 5 s, log in the last
 * 8 KiB of the settings area (IMG_MGMT_LOG_AT_END), checkpoints every 32 KiB. map/keys/clock are
 * left for the caller. */
void extxip_img_mgmt_config_default(extxip_img_mgmt_config_t *cfg);

/* Check cfg, clear the session, then reload a persisted session (if any).
 * Reads flash only. Returns 0 or -MGMT_ERR_EINVAL (bad config). */
int extxip_img_mgmt_init(extxip_img_mgmt_t *im, const extxip_img_mgmt_config_t *cfg);

/* ---- State (cmd 0) --------------------------------------------------------- */

/* Every listed slot, image by image, primary first. A slot is listed only
 * when it holds a whole image: its header and TLVs parse and its SHA-256 TLV
 * matches header + body + protected TLVs (a torn upload's new header over an
 * older image is not listed; docs/protocol.md §7.3). Hashes every listed
 * image. Returns 0 (count in *n, may be 0). */
int extxip_img_mgmt_state_collect(extxip_img_mgmt_t *im, extxip_img_mgmt_slot_state_t out[IMG_MGMT_MAX_SLOTS],
                           size_t *n);

/* Test (confirm=false) or confirm the slot whose SHA-256 TLV equals hash, or
 * confirm the running image (hash_len 0, confirm). Rules of docs/protocol.md §7.4; a
 * secondary must validate first (else INVALID_IMAGE_HEADER_MAGIC, nothing
 * written); the slot of another client's live upload (peer: the requester's
 * transport peer id) is -MGMT_ERR_EBUSY. Returns 0, IMG_MGMT_ERR_* (>0) or
 * -MGMT_ERR_*. */
int extxip_img_mgmt_state_write(extxip_img_mgmt_t *im, const uint8_t *hash, size_t hash_len, bool confirm,
                         uint64_t peer);

/* "1.2.3" or "1.2.3.4" (build only when non-zero) into buf (>= IMG_MGMT_VER_STR_MAX). */
void extxip_img_mgmt_ver_str(const extxip_image_version_t *v, char *buf, size_t cap);

/* ---- Upload (cmd 1) -------------------------------------------------------- */

typedef struct extxip_img_mgmt_upload_req {
    uint32_t off;
    const uint8_t *data;
    size_t data_len;
    bool has_len;
    uint32_t len;
    uint32_t image;   /* first chunk only; default 0 */
    const uint8_t *sha;
    size_t sha_len;   /* 0: none */
    bool upgrade;
    uint64_t peer;    /* transport peer id of the requester (extxip_smp_ctx_t.peer) */
} extxip_img_mgmt_upload_req_t;

typedef struct extxip_img_mgmt_upload_rsp {
    uint32_t off;     /* next expected offset */
    bool has_match;   /* add "match" (last chunk / shortcut, image_check on) */
    bool match;
} extxip_img_mgmt_upload_rsp_t;

/* One upload request (docs/protocol.md §7.5 plus the checks above). On 0, *rsp says what
 * to answer. Returns 0, IMG_MGMT_ERR_* (>0) or -MGMT_ERR_EBUSY / -MGMT_ERR_*. */
int extxip_img_mgmt_upload(extxip_img_mgmt_t *im, const extxip_img_mgmt_upload_req_t *req, extxip_img_mgmt_upload_rsp_t *rsp);

/* Drop the upload session (and its persisted record). Returns 0 or
 * IMG_MGMT_ERR_FLASH_WRITE_FAILED when the log cannot be written. */
int extxip_img_mgmt_session_reset(extxip_img_mgmt_t *im);

/* The settings partition is about to be erased (storage erase): drop the
 * session, then erase the persisted log power-safely (an "idle" record goes
 * first and its sector is erased last, so a cut at any point never leaves a
 * stale session to resume) and restart the log empty. A port refuses the
 * storage erase of a client for which extxip_img_mgmt_busy() is true first. Returns
 * 0 or IMG_MGMT_ERR_FLASH_WRITE_FAILED / IMG_MGMT_ERR_FLASH_ERASE_FAILED. */
int extxip_img_mgmt_log_erase(extxip_img_mgmt_t *im);

/* Another client than `peer` has a live upload session (its last chunk came
 * less than busy_ms ago): what would drop or change it is refused EBUSY. */
bool extxip_img_mgmt_busy(const extxip_img_mgmt_t *im, uint64_t peer);

/* Progress of the current session: true and image, off, len (each may be NULL) when one is active. */
bool extxip_img_mgmt_session_get(const extxip_img_mgmt_t *im, uint8_t *image, uint32_t *off, uint32_t *len);

/* ---- Erase when idle -------------------------------------------------------- */

/* One step of background erase (cfg.idle_erase; docs/performance.md §1b):
 * a secondary that the bootloader consumed (its header erased at install,
 * the rest of the old image left) is made blank while nothing else happens,
 * so the next upload into it finds it blank. Armed at init (boot) and by a
 * confirm. A step erases at most one sector, and none while the device is
 * still busy with an earlier operation (a background device: the step then
 * returns at once), so a request waits at most for one sector erase. A slot
 * is erased only while its header is not an image's, no session is writing
 * it and nothing is scheduled in it; it is re-checked at every step. A power
 * cut leaves a header-less slot that the next boot's eraser finishes; state
 * read never lists a header-less slot. Returns 1 when there is more to do
 * (call again when idle), 0 when there is nothing. */
int extxip_img_mgmt_idle(extxip_img_mgmt_t *im);

/* true while extxip_img_mgmt_idle may still have work (cheap: no flash access). */
bool extxip_img_mgmt_idle_pending(const extxip_img_mgmt_t *im);

/* ---- Erase (cmd 5) --------------------------------------------------------- */

/* Erase absolute slot `slot` (docs/protocol.md §7.6; primaries always refused)
 * for the client `peer`. The slot of another client's live upload is
 * -MGMT_ERR_EBUSY (until that client has been silent for busy_ms); an upload
 * session into the erased slot is reset, one into another slot is kept.
 * Returns 0, IMG_MGMT_ERR_* (>0) or -MGMT_ERR_EBUSY. */
int extxip_img_mgmt_erase(extxip_img_mgmt_t *im, uint32_t slot, uint64_t peer);

/* ---- Last boot report ------------------------------------------------------ */

/* The extxip_boot_result_t given in the config (NULL if none). */
const extxip_boot_result_t *extxip_img_mgmt_last_boot(const extxip_img_mgmt_t *im);

/* One line saying what the last boot did with image `image` ("image 2:
 * upgrade refused (downgrade) 2.0.0 -> 1.0.0"); "" when unknown. Returns buf. */
const char *extxip_img_mgmt_boot_report(const extxip_img_mgmt_t *im, uint8_t image, char *buf, size_t cap);

/* ---- SMP registration ------------------------------------------------------ */

/* Register group 1 (commands 0 state, 1 upload, 5 erase, 6 slot info) with
 * the SMP server; im (which holds the group) must outlive the server.
 * Returns 0 or the server's SMP_ERR_*. */
int extxip_img_mgmt_register(extxip_img_mgmt_t *im, extxip_smp_server_t *srv);

#endif
