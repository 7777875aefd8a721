/*
 * Bootloader core: MCUboot-compatible image trailer, pending/confirm marks,
 * swap-type decision, and extxip_boot_go() for multi-image overwrite-only upgrade.
 *
 * Trailer facts (MCUboot bootutil_public.c, BOOT_MAX_ALIGN 8, checked against
 * test/vectors/images/img1-v1.0.0.padded-confirmed.bin): counted from the end of
 * the slot, magic is the last 16 bytes; image_ok at size-24, copy_done at
 * size-32, swap_info at size-40, swap_size at size-48; each flag sits alone
 * in its 8-byte unit and is written as one write-align unit padded with the
 * erased value. swap_info = (image_num << 4) | swap_type.
 *
 * Everything here reaches flash only through flash/flash_area.h; state is
 * caller-owned (extxip_boot_state_t), there is no hidden static.
 */
#ifndef EXTXIP_BOOT_H
#define EXTXIP_BOOT_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stdint.h>

#include "flash/flash_area.h"
#include "flash/reclog.h"
#include "image/image.h"

/* ---- Trailer layout ------------------------------------------------------ */

#define BOOT_MAX_ALIGN    8u
#define BOOT_MAGIC_SIZE   16u
/* Bytes from the start of swap_size to the end of the slot. */
#define BOOT_TRAILER_SIZE (BOOT_MAGIC_SIZE + 4u * BOOT_MAX_ALIGN)

#define BOOT_MAGIC_OFF(size)     ((size) - BOOT_MAGIC_SIZE)
#define BOOT_IMAGE_OK_OFF(size)  (BOOT_MAGIC_OFF(size) - BOOT_MAX_ALIGN)
#define BOOT_COPY_DONE_OFF(size) (BOOT_IMAGE_OK_OFF(size) - BOOT_MAX_ALIGN)
#define BOOT_SWAP_INFO_OFF(size) (BOOT_COPY_DONE_OFF(size) - BOOT_MAX_ALIGN)
#define BOOT_SWAP_SIZE_OFF(size) (BOOT_SWAP_INFO_OFF(size) - BOOT_MAX_ALIGN)

/* The 16 magic bytes as they sit in flash. */
extern const uint8_t extxip_boot_trailer_magic[BOOT_MAGIC_SIZE];

/* Values use MCUboot's numbers so logs and tools line up. */
enum { BOOT_MAGIC_GOOD = 1, BOOT_MAGIC_BAD = 2, BOOT_MAGIC_UNSET = 3 };
enum { BOOT_FLAG_SET = 1, BOOT_FLAG_BAD = 2, BOOT_FLAG_UNSET = 3 };
enum {
    BOOT_SWAP_TYPE_NONE = 1,
    BOOT_SWAP_TYPE_TEST = 2,   /* `image test`: secondary pending, not confirmed */
    BOOT_SWAP_TYPE_PERM = 3,   /* `image confirm <hash>`: pending and permanent */
    BOOT_SWAP_TYPE_REVERT = 4, /* only meaningful for swap modes */
    BOOT_SWAP_TYPE_FAIL = 5,
    BOOT_SWAP_TYPE_PANIC = 0xff,
};

/* Errors: extxip_err_t, range -161.. (lib/extxip_err.h). */

/* Decoded trailer of one slot (MCUboot's struct boot_swap_state). */
typedef struct extxip_boot_trailer {
    uint8_t magic;     /* BOOT_MAGIC_* */
    uint8_t swap_type; /* BOOT_SWAP_TYPE_*: from swap_info; NONE when erased/out of range */
    uint8_t image_num; /* from swap_info (0 when erased) */
    uint8_t copy_done; /* BOOT_FLAG_* */
    uint8_t image_ok;  /* BOOT_FLAG_* */
} extxip_boot_trailer_t;

/* Read and decode the trailer at the end of `fa`. Returns 0 or BOOT_ERR_FLASH. */
int extxip_boot_trailer_read(const extxip_flash_area_t *fa, extxip_boot_trailer_t *out);

/* Mark the image in `secondary` pending, exactly as MCUboot's
 * boot_set_pending_multi: magic unset -> write magic, then image_ok (only when
 * permanent), then swap_info (PERM or TEST, image 0). Magic good -> nothing
 * (already scheduled). Magic bad -> erase the whole slot, BOOT_ERR_BAD_MAGIC.
 * Magic unset but other trailer bytes not blank (a padded file with flags
 * set) -> BOOT_ERR_TRAILER with nothing written: the marks could not all
 * land, and a magic alone would schedule the image behind an error. Magic
 * good but image_ok neither set nor erased (not pending, and no write can
 * make it so) -> BOOT_ERR_TRAILER too. */
int extxip_boot_set_pending(const extxip_flash_area_t *secondary, bool permanent);

/* Confirm the running image in `primary` (boot_set_confirmed_multi): magic
 * good and image_ok unset -> write image_ok; magic unset or image_ok already
 * set -> nothing; magic bad -> BOOT_ERR_BAD_MAGIC. */
int extxip_boot_set_confirmed(const extxip_flash_area_t *primary);

/* MCUboot's swap-type table for one slot pair: secondary magic good with
 * image_ok unset -> TEST, set -> PERM; primary magic good, secondary unset,
 * primary image_ok unset and copy_done set -> REVERT; else NONE. */
int extxip_boot_swap_type(const extxip_boot_trailer_t *primary, const extxip_boot_trailer_t *secondary);

/* The same from flash: reads both trailers. Returns a BOOT_SWAP_TYPE_* value
 * (> 0) or BOOT_ERR_FLASH. An unreadable secondary counts as empty (NONE). */
int extxip_boot_swap_type_areas(const extxip_flash_area_t *primary, const extxip_flash_area_t *secondary);

/* ---- extxip_boot_go ------------------------------------------------------------- */

#define BOOT_IMAGE_MAX FLASH_IMAGE_COUNT
#define BOOT_BUF_SIZE  EXTXIP_BOOT_BUF_SIZE /* bytes per copy/compare chunk (two buffers in the state) */

/* What happened to an image's secondary slot during this boot. */
typedef enum extxip_boot_upgrade {
    BOOT_UPGRADE_NONE = 0,  /* nothing pending */
    BOOT_UPGRADE_DONE,      /* pending image installed (or finished) this boot */
    BOOT_UPGRADE_REFUSED,   /* pending image not installed; see reason */
} extxip_boot_upgrade_t;

/* Why (enum + extxip_boot_reason_str text). */
typedef enum extxip_boot_reason {
    BOOT_REASON_NONE = 0,
    BOOT_REASON_INVALID,         /* secondary failed validation; image_err has IMAGE_ERR_* */
    BOOT_REASON_TOO_BIG,         /* image would overlap the primary's trailer */
    BOOT_REASON_DOWNGRADE,       /* version lower than the primary's */
    BOOT_REASON_SEC_CNT,         /* security counter lower than the primary's */
    BOOT_REASON_DEP_UNMET,       /* a dependency TLV not met by the post-upgrade set */
    BOOT_REASON_PAIR_INCOMPLETE, /* linked image pending without its partner */
    BOOT_REASON_PAIR_REFUSED,    /* linked partner refused, so this one is too */
    BOOT_REASON_FLASH,           /* flash error while copying */
    BOOT_REASON_VERIFY,          /* primary read back differs from the secondary */
    BOOT_REASON_PRIMARY_INVALID, /* primary failed validation: not booted */
    BOOT_REASON_PRIMARY_EMPTY,   /* no image in the primary: not booted */
    BOOT_REASON_PAIR_BROKEN,     /* linked set left half-installed: not booted */
    BOOT_REASON_FLAGS,           /* header flags: a feature not built, or non-bootable
                                    (image_err says which) */
    BOOT_REASON_WRONG_SLOT,      /* built for another slot: ROM-fixed address, vector
                                    table or part identity (image_err says which) */
} extxip_boot_reason_t;

typedef struct extxip_boot_image_result {
    /* Primary slot after this boot. */
    bool bootable;            /* primary validated (hash, signature, TLVs) */
    int primary_err;          /* IMAGE_ERR_* when !bootable */
    extxip_image_version_t version;  /* version that boots (valid when bootable) */
    uint8_t hash[IMAGE_HASH_SIZE];
    uint8_t area_id;          /* FLASH_AREA_IMAGE_PRIMARY(n): the port maps it to an address */
    uint32_t entry_off;       /* code start within the area (= header size) */
    bool deps_ok;             /* the booted set meets this image's dependency TLVs */
    /* Secondary slot. */
    uint8_t swap_type;        /* BOOT_SWAP_TYPE_* read at start of boot */
    extxip_boot_upgrade_t upgrade;
    extxip_boot_reason_t reason;     /* for REFUSED (or for !bootable) */
    int image_err;            /* IMAGE_ERR_* behind BOOT_REASON_INVALID */
    extxip_image_version_t from, to; /* versions involved in an upgrade attempt */
    /* Copy work for this image. */
    uint32_t sectors_erased;
    uint32_t sectors_skipped; /* already equal to the target: no erase, no program */
    uint32_t bytes_programmed;
} extxip_boot_image_result_t;

typedef struct extxip_boot_result {
    uint8_t image_count;
    /* Every primary validates, meets its dependencies, and the linked set
     * was installed together (or accepts its partner): safe to run. */
    bool consistent;
    bool pair_open;             /* a linked-pair copy is recorded as unfinished */
    extxip_boot_image_result_t img[BOOT_IMAGE_MAX];
    uint32_t sig_verifications; /* extxip_image_validate calls that checked a signature */
    uint32_t sectors_erased;    /* totals over all images, including secondary cleanup */
    uint32_t sectors_skipped;
    uint32_t bytes_programmed;
} extxip_boot_result_t;

/* How an accepted pending image gets into its primary (the mode-specific
 * steps of a boot; the decisions around them are boot.c's). Each step takes
 * the boot's private context (boot_priv.h) and an image index:
 *   classify  pending image validated: PLAN_SAME/FINISH (already there) or
 *             PLAN_COPY (boot_priv.h), <0 on a flash error;
 *   install   bring the primary to the target; BOOT_OK or <0;
 *   verify    1 when the primary now equals the target, 0 not, <0 error;
 *   retire    the secondary stops being pending (and reads empty). */
struct extxip_boot_ctx;
typedef struct extxip_boot_strategy {
    const char *name;
    int (*classify)(struct extxip_boot_ctx *c, int i);
    int (*install)(struct extxip_boot_ctx *c, int i);
    int (*verify)(struct extxip_boot_ctx *c, int i);
    int (*retire)(struct extxip_boot_ctx *c, int i);
} extxip_boot_strategy_t;

/* The one strategy shipped (boot_overwrite.c). */
extern const extxip_boot_strategy_t extxip_boot_overwrite_only;

/* ---- Is an image built for this slot? -------------------------------------
 * MCUboot's boot_check_header_valid (flags) and MCUBOOT_VERIFY_IMG_ADDRESS
 * (the reset vector of a pending image must lie in its primary), done once,
 * here, for the bootloader (secondaries before install, primaries before
 * boot) and for the image group's `test` alike. What identifies a build is
 * the port's: it supplies `built_for` (a Cortex-M port checks the vector
 * table with extxip_boot_check_vector_table; the simulator its payload's part
 * marker). */
typedef struct extxip_boot_target {
    /* IMAGE_OK when the image in `fa` (parsed into *info, hash and signature
     * already checked) is built to run from image `image`'s primary `pri`;
     * IMAGE_ERR_WRONG_SLOT when it is not; IMAGE_ERR_IO when it could not be
     * read. NULL: no identity check (flags and ROM-fixed address only). */
    int (*built_for)(void *arg, uint8_t image, const extxip_flash_area_t *pri,
                     const extxip_flash_area_t *fa, const extxip_image_info_t *info);
    void *arg;
} extxip_boot_target_t;

/* Header flags first (extxip_image_check_flags: IMAGE_ERR_FLAGS or
 * IMAGE_ERR_NON_BOOTABLE). Needs only the header: call it before validating,
 * so an encrypted or compressed image is named as such, not as a hash
 * mismatch. */
int extxip_boot_image_check_flags(const extxip_image_info_t *info);

/* The whole check, after validation: flags, a ROM-fixed load address equal
 * to the primary's offset (IMAGE_ERR_ROM_FIXED; what MCUboot's direct-XIP
 * and Zephyr's REJECT_DIRECT_XIP_MISMATCHED_SLOT compare), then the port's
 * built_for (target may be NULL). Returns IMAGE_OK or an IMAGE_ERR_*. */
int extxip_boot_image_check(const extxip_boot_target_t *target, uint8_t image, const extxip_flash_area_t *pri,
                     const extxip_flash_area_t *fa, const extxip_image_info_t *info);

/* For Cortex-M ports' built_for: the image's vector table (the first two
 * words after its header) must hold an initial SP in (ram_lo, ram_hi] and a
 * Thumb reset vector inside [code_lo, code_hi): the RAM of the core that
 * runs the image and the address range its primary executes from. Returns
 * IMAGE_OK, IMAGE_ERR_WRONG_SLOT or IMAGE_ERR_IO. */
typedef struct extxip_boot_vt_bounds {
    uint32_t ram_lo, ram_hi;
    uint32_t code_lo, code_hi;
} extxip_boot_vt_bounds_t;
int extxip_boot_check_vector_table(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                            const extxip_boot_vt_bounds_t *b);

typedef struct extxip_boot_options {
    uint8_t image_count;       /* images to handle, 1..BOOT_IMAGE_MAX (default 3) */
    uint8_t linked_mask;       /* images that upgrade together (default bits 0 and 2) */
    bool downgrade_prevention; /* refuse lower version / security counter (default on) */
    bool delta_skip;           /* skip sectors already equal to the target (default on) */
    const extxip_boot_strategy_t *strategy; /* default &extxip_boot_overwrite_only; NULL = that */
    const extxip_boot_target_t *target; /* the port's "built for this slot" check; NULL:
                                    flags and ROM-fixed address only (default) */
} extxip_boot_options_t;

/* Linked-pair status: the last 2 sectors of the bootloader's own partition
 * (FLASH_AREA_BOOTLOADER), which no SMP command writes (see boot.c). */
#define BOOT_STATUS_SECTORS 2u
#define BOOT_STATUS_REC_SIZE 128u

/* Caller-owned working memory for extxip_boot_go (fields private). */
typedef struct extxip_boot_state {
    extxip_reclog_t status;
    uint8_t status_rec[BOOT_STATUS_REC_SIZE];
    bool pair_open;                            /* newest status record: pair copy under way */
    uint8_t pair_mask;                         /* its images */
    uint8_t pair_change;                       /* those whose primary it changes */
    uint8_t pair_hash[BOOT_IMAGE_MAX][IMAGE_HASH_SIZE];
    extxip_image_info_t pri[BOOT_IMAGE_MAX];
    extxip_image_info_t sec[BOOT_IMAGE_MAX];
    int pri_rc[BOOT_IMAGE_MAX];
    int sec_rc[BOOT_IMAGE_MAX];
    uint8_t plan[BOOT_IMAGE_MAX];
    uint8_t buf_a[BOOT_BUF_SIZE];
    uint8_t buf_b[BOOT_BUF_SIZE];
} extxip_boot_state_t;

/* Fill `opt` with the sample's configuration (3 images, 0+2 linked,
 * downgrade prevention on, delta skip on). */
void extxip_boot_options_default(extxip_boot_options_t *opt);

/* One boot: validate pending secondaries, check versions and dependencies,
 * copy accepted ones over their primaries (power-safe, resumable), mark them
 * consumed, validate every primary. `keys` as for extxip_image_validate; opt NULL =
 * defaults. Fills `res` (always). Returns 0 when every primary is bootable,
 * BOOT_ERR_NO_BOOTABLE when one is not (res says which and why), or another
 * BOOT_ERR_* (flash failure, e.g. power cut: boot again). */
int extxip_boot_go(extxip_boot_state_t *state, const extxip_flash_map_t *map, const extxip_image_keyring_t *keys,
            const extxip_boot_options_t *opt, extxip_boot_result_t *res);

/* Name `image` (with the hash of the image now in its secondary) in the
 * linked-pair record, opening it if needed: the serial-recovery path calls
 * it when an operator uploads a linked image, so that what the operator sent
 * moves as one set even where its bytes already equal the primary. `state`
 * is only working memory here. */
int extxip_boot_pair_mark(extxip_boot_state_t *state, const extxip_flash_map_t *map, uint8_t image,
                   const uint8_t hash[IMAGE_HASH_SIZE]);

/* Short text for a reason. */
const char *extxip_boot_reason_str(extxip_boot_reason_t r);

#endif
