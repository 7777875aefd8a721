/*
 * Image management group, slot state: which slot boots next and how, the
 * state list, test/confirm (Zephyr's img_mgmt_state.c rules), and the boot
 * report. Upload, its session log, stream writer, busy rule, erase and init
 * are img_mgmt_{upload,log,stream,busy,erase,init}.c; the SMP handlers
 * img_mgmt_smp.c.
 * Facts: docs/protocol.md §7 (Zephyr img_mgmt.c / img_mgmt_state.c
 * behaviour), docs/bootloader.md, docs/protocol.md §13.
 */
#include "mgmt/img_mgmt.h"
#if EXTXIP_BOOT_COMPRESSION
#include "image/image_decomp.h"
#endif

#include <string.h>

#include "crypto/crypto.h"
#include "flash/reclog.h"
#include "mgmt/img_mgmt_priv.h"
#include "smp/smp_defs.h"

/* ------------------------------------------------------------------ helpers */

const extxip_flash_area_t *extxip_img_mgmt_area(const extxip_img_mgmt_t *im, uint32_t id)
{
    const extxip_flash_area_t *fa = NULL;
    if (id >= FLASH_AREA_COUNT || extxip_flash_map_get(im->cfg.map, (uint8_t)id, &fa) != FLASH_OK) {
        return NULL;
    }
    return fa;
}

uint64_t extxip_img_mgmt_now_ms(const extxip_img_mgmt_t *im)
{
    return im->cfg.clock ? im->cfg.clock(im->cfg.clock_arg) : 0;
}

void extxip_img_mgmt_config_default(extxip_img_mgmt_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->image_count = EXTXIP_IMAGE_COUNT;
    cfg->active_image = 0;
    cfg->netcore_image = EXTXIP_NETCORE_IMAGE;
    cfg->list_netcore_primary = true;
    cfg->allow_erase_pending = false;
    cfg->image_check = true;
    cfg->boot_report_key = false;
    cfg->busy_ms = 5000;
    cfg->log_area = FLASH_AREA_SETTINGS;
    cfg->log_off = IMG_MGMT_LOG_AT_END; /* last 8 KiB of the settings partition */
    cfg->log_size = 0x2000u;
    cfg->checkpoint_bytes = 32u * 1024u;
}

void extxip_img_mgmt_ver_str(const extxip_image_version_t *v, char *buf, size_t cap)
{
    /* Hand-rolled: the core links no stdio. */
    uint32_t parts[4] = {v->major, v->minor, v->revision, v->build_num};
    int nparts = v->build_num ? 4 : 3;
    size_t o = 0;
    if (cap == 0) {
        return;
    }
    for (int i = 0; i < nparts; i++) {
        char tmp[10];
        int t = 0;
        uint32_t x = parts[i];
        if (i > 0 && o + 1 < cap) {
            buf[o++] = '.';
        }
        do {
            tmp[t++] = (char)('0' + x % 10u);
            x /= 10u;
        } while (x && t < (int)sizeof(tmp));
        while (t > 0 && o + 1 < cap) {
            buf[o++] = tmp[--t];
        }
    }
    buf[o] = '\0';
}

/* ------------------------------------------------------------ slot states */

/* Swap type of an image from its trailers (MCUboot's table). For the netcore
 * image the primary trailer counts as unset, like NCS's nrf53 bootutil hook,
 * because on hardware that "slot" is a RAM hand-off area. */
static int image_swap_type(const extxip_img_mgmt_t *im, uint8_t image)
{
    const extxip_flash_area_t *pri = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_PRIMARY(image));
    const extxip_flash_area_t *sec = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_SECONDARY(image));
    extxip_boot_trailer_t pt, st;
    memset(&pt, 0, sizeof(pt));
    pt.magic = BOOT_MAGIC_UNSET;
    pt.swap_type = BOOT_SWAP_TYPE_NONE;
    pt.copy_done = BOOT_FLAG_UNSET;
    pt.image_ok = BOOT_FLAG_UNSET;
    st = pt;
    if (pri && image != im->cfg.netcore_image && extxip_boot_trailer_read(pri, &pt) != BOOT_OK) {
        pt.magic = BOOT_MAGIC_UNSET;
    }
    if (!sec || extxip_boot_trailer_read(sec, &st) != BOOT_OK) {
        st.magic = BOOT_MAGIC_UNSET;
        st.image_ok = BOOT_FLAG_UNSET;
    }
    int t = extxip_boot_swap_type(&pt, &st);
    /* Overwrite-only never produces a revert: a primary trailer that reads
     * as one (copy_done set by an uploaded trailer that an older bootloader
     * copied verbatim) means nothing; the bootloader now writes the primary
     * trailer itself. */
    return t > 0 && t != BOOT_SWAP_TYPE_REVERT ? t : BOOT_SWAP_TYPE_NONE;
}

typedef enum { NB_NORMAL, NB_TEST, NB_REVERT } next_boot_type_t;

/* Zephyr's img_mgmt_get_next_boot_slot (non-Direct-XIP): absolute slot that
 * boots next and how. */
static uint32_t next_boot_slot(const extxip_img_mgmt_t *im, uint8_t image, next_boot_type_t *type)
{
    uint32_t active = FLASH_AREA_IMAGE_PRIMARY(image);
    switch (image_swap_type(im, image)) {
    case BOOT_SWAP_TYPE_PERM:
        *type = NB_NORMAL;
        return active + 1u;
    case BOOT_SWAP_TYPE_TEST:
        *type = NB_TEST;
        return active + 1u;
    case BOOT_SWAP_TYPE_REVERT:
        *type = NB_REVERT;
        return active + 1u;
    default:
        *type = NB_NORMAL;
        return active;
    }
}

/* The last boot looked at this image's pending secondary and did not install
 * it: the slot is the user's again (erase or upload over it), whatever its
 * trailer says, or a refused image would block its slot for ever. */
static bool refused_by_boot(const extxip_img_mgmt_t *im, uint8_t image)
{
    const extxip_boot_result_t *b = im->cfg.last_boot;
    return b != NULL && image < b->image_count &&
           b->img[image].upgrade == BOOT_UPGRADE_REFUSED;
}

/* Zephyr's extxip_img_mgmt_slot_in_use: may this slot be overwritten? */
bool extxip_img_mgmt_slot_in_use(const extxip_img_mgmt_t *im, uint32_t slot)
{
    uint8_t image = (uint8_t)(slot / 2u);
    if (slot % 2u == 1u && refused_by_boot(im, image)) {
        return false;
    }
    uint32_t active = FLASH_AREA_IMAGE_PRIMARY(image);
    next_boot_type_t type;
    uint32_t nbs = next_boot_slot(im, image, &type);
    if (slot == nbs && type == NB_REVERT) {
        return true;
    }
    if (((slot == nbs && type == NB_TEST) || (active != nbs && type == NB_NORMAL)) &&
        !im->cfg.allow_erase_pending) {
        return true;
    }
    return slot == active;
}

static bool slot_listed(const extxip_img_mgmt_t *im, uint32_t slot)
{
    return !(slot == FLASH_AREA_IMAGE_PRIMARY(im->cfg.netcore_image) &&
             !im->cfg.list_netcore_primary);
}

/* Parse a slot's image; 0 and im->info filled, or negative. */
int extxip_img_mgmt_read_slot_info(extxip_img_mgmt_t *im, uint32_t slot)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa) {
        return IMAGE_ERR_IO;
    }
    return extxip_image_parse(fa, &im->info);
}

/* Does the slot hold a whole image, the one its header and SHA-256 TLV name?
 * Zephyr's state read lists a slot whose header and TLVs parse, and leaves
 * out one that does not (img_mgmt_read_info fails). A parse is not enough
 * here: an upload abandoned or cut part-way over an older image of the same
 * layout leaves the new header over the old body and TLVs, which parse as
 * an image that is not in the slot. So the hash is checked too (header, body
 * and protected TLVs, as `test` and the bootloader check it; the signature
 * is left to them), and a slot that fails is left out like an unparseable
 * one: nothing listed is untrue, and the slot can be erased or uploaded over
 * as any slot without an image. The cost is one SHA-256 of every listed
 * image per state read, what MCUboot spends on each image at boot; no cache,
 * so nothing written by any means can make a listing stale. im->info is
 * filled on IMAGE_OK. */
static int slot_holds_image(extxip_img_mgmt_t *im, uint32_t slot)
{
    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa) {
        return IMAGE_ERR_IO;
    }
    return extxip_image_validate(fa, NULL, &im->info);
}

int extxip_img_mgmt_state_collect(extxip_img_mgmt_t *im, extxip_img_mgmt_slot_state_t out[IMG_MGMT_MAX_SLOTS],
                           size_t *n)
{
    *n = 0;
    for (uint8_t i = 0; i < im->cfg.image_count; i++) {
        next_boot_type_t type;
        uint32_t slot_a = FLASH_AREA_IMAGE_PRIMARY(i);
        uint32_t nbs = next_boot_slot(im, i, &type);
        for (uint32_t rel = 0; rel < 2u; rel++) {
            uint32_t slot = slot_a + rel;
            if (!slot_listed(im, slot) || slot_holds_image(im, slot) != IMAGE_OK) {
                continue; /* no whole image here: omitted (see slot_holds_image) */
            }
            extxip_img_mgmt_slot_state_t *s = &out[(*n)++];
            memset(s, 0, sizeof(*s));
            s->image = i;
            s->slot = (uint8_t)rel;
            s->ver = im->info.hdr.ver;
            memcpy(s->hash, im->info.hash, IMAGE_HASH_SIZE);
            s->bootable = (im->info.hdr.flags & IMAGE_F_NON_BOOTABLE) == 0;
            if (rel == 0) {
                /* Every image's primary is its active slot (Zephyr's state
                 * read), unless the last boot found it not bootable: then
                 * nothing of it runs (the bootloader's serial recovery
                 * answers), and saying active/confirmed would be untrue. */
                const extxip_boot_result_t *b = im->cfg.last_boot;
                bool ran = b == NULL || i >= b->image_count || b->img[i].bootable;
                s->active = ran;
                s->confirmed = ran && type != NB_REVERT;
            } else if (nbs != slot_a) {
                if (type == NB_NORMAL) {
                    s->pending = s->permanent = true;
                } else if (type == NB_REVERT) {
                    s->confirmed = true;
                } else {
                    s->pending = true;
                }
            }
        }
    }
    return 0;
}

/* Absolute slot whose SHA-256 TLV equals hash, or -1. */
static int find_by_hash(extxip_img_mgmt_t *im, const uint8_t *hash)
{
    for (uint32_t slot = 0; slot < 2u * im->cfg.image_count; slot++) {
        if (extxip_img_mgmt_read_slot_info(im, slot) == IMAGE_OK &&
            memcmp(im->info.hash, hash, IMAGE_HASH_SIZE) == 0) {
            return (int)slot;
        }
    }
    return -1;
}

/* Would the bootloader install the image in secondary `fa` of `image`?
 * Checked in its order (extxip_boot_image_check_flags, extxip_image_validate,
 * extxip_boot_image_check: the bootloader's own functions, so the two never
 * disagree). Returns 0 or the image group's code, with im->rsn set where
 * Zephyr's verbose errors would say something. */
static int slot_check_rc(extxip_img_mgmt_t *im, int rc);

#if EXTXIP_BOOT_COMPRESSION
/* A compressed secondary (MCUboot's compressed images, EXTXIP_BOOT_COMPRESSION):
 * judged as the bootloader will (lib/boot/boot.c validate_for): the flags
 * without the compression bits, the DECOMP_* TLVs and size first, the outer
 * hash and signature, then the decompressed image's hash and signature, and
 * the slot check on the plain image it installs as. */
static int installable_compressed(extxip_img_mgmt_t *im, uint8_t image,
                                  const extxip_flash_area_t *fa)
{
    const extxip_flash_area_t *pri = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_PRIMARY(image));
    if (!pri)
        return IMG_MGMT_ERR_FLASH_OPEN_FAILED;
    if (extxip_image_check_flags(im->info.hdr.flags &
                                 ~(IMAGE_F_COMPRESSED_LZMA2 | IMAGE_F_COMPRESSED_ARM_THUMB_FLT)) !=
        IMAGE_OK) {
        im->rsn = "unsupported flags";
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    }
    extxip_image_decomp_info_t d;
    int rc = extxip_image_decomp_precheck(fa, &im->info, pri->size, &d);
    if (rc == IMAGE_OK)
        rc = extxip_image_validate(fa, im->cfg.keys, &im->info);
    if (rc == IMAGE_OK)
        rc = extxip_image_decomp(fa, &im->info, pri->size, im->cfg.keys, NULL, NULL, &d);
    if (rc == IMAGE_ERR_DECOMP_FLAGS || rc == IMAGE_ERR_DECOMP_TLVS) {
        /* the flags ask for what the image does not carry: the bootloader's
         * reason is its flags too (BOOT_REASON_FLAGS) */
        im->rsn = "unsupported flags";
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    }
    if (rc != IMAGE_OK) {
        const char *why = extxip_image_decomp_strerror(rc);
        if (why) {
            im->rsn = why;
            return rc == IMAGE_ERR_DECOMP_HASH   ? IMG_MGMT_ERR_INVALID_HASH
                   : rc == IMAGE_ERR_DECOMP_SIG  ? IMG_MGMT_ERR_INVALID_TLV
                   : rc == IMAGE_ERR_DECOMP_SINK ? IMG_MGMT_ERR_FLASH_READ_FAILED
                                                 : IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
        }
        return extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, rc);
    }
    extxip_image_decomp_view_t v;
    extxip_image_info_t plain;
    const extxip_flash_area_t *view = extxip_image_decomp_view_init(&v, fa, &im->info, &d, pri);
    rc = extxip_image_parse(view, &plain);
    if (rc == IMAGE_OK)
        rc = extxip_boot_image_check(im->cfg.target, image, pri, view, &plain);
    extxip_image_decomp_target_close();
    return rc == IMAGE_OK ? 0 : slot_check_rc(im, rc);
}
#endif

static int installable(extxip_img_mgmt_t *im, uint8_t image, const extxip_flash_area_t *fa)
{
    int rc = extxip_image_parse(fa, &im->info);
#if EXTXIP_BOOT_COMPRESSION
    if ((rc == IMAGE_OK || im->info.hdr.magic == IMAGE_MAGIC) &&
        extxip_image_is_compressed(im->info.hdr.flags))
        return installable_compressed(im, image, fa);
#endif
    if (rc == IMAGE_OK || im->info.hdr.magic == IMAGE_MAGIC) {
        rc = extxip_boot_image_check_flags(&im->info);
        if (rc == IMAGE_ERR_FLAGS) {
            im->rsn = "unsupported flags";
            return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
        }
        if (rc == IMAGE_ERR_NON_BOOTABLE) {
            im->rsn = "not bootable";
            return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
        }
    }
    /* Beyond Zephyr: never schedule an image that MCUboot would refuse (bad
     * hash, signature, unknown key), each with the code that names it
     * (extxip_img_mgmt_err_from: a signature or key is 5 INVALID_TLV, a hash
     * 24; 23 INVALID_IMAGE_HEADER_MAGIC, Zephyr's code for MCUboot's
     * BOOT_EBADIMAGE, is left to what is not a valid image at all). */
    int valid = extxip_image_validate(fa, im->cfg.keys, &im->info);
    if (valid != IMAGE_OK) {
        return extxip_img_mgmt_err_from(IMG_MGMT_MOD_IMAGE, valid);
    }
    const extxip_flash_area_t *pri = extxip_img_mgmt_area(im, FLASH_AREA_IMAGE_PRIMARY(image));
    if (!pri) {
        return IMG_MGMT_ERR_FLASH_OPEN_FAILED;
    }
    rc = extxip_boot_image_check(im->cfg.target, image, pri, fa, &im->info);
    return rc == IMAGE_OK ? 0 : slot_check_rc(im, rc);
}

/* The SMP answer to a failed slot check (extxip_boot_image_check). */
static int slot_check_rc(extxip_img_mgmt_t *im, int rc)
{
    switch (rc) {
    case IMAGE_ERR_ROM_FIXED:
        /* Zephyr's answer to a ROM-fixed address that is not the slot's
         * (MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT), and its text. */
        im->rsn = "img addr mismatch";
        return IMG_MGMT_ERR_INVALID_FLASH_ADDRESS;
    case IMAGE_ERR_WRONG_SLOT:
        /* Zephyr's code for bootutil's BOOT_EBADVECT. */
        im->rsn = "built for another slot";
        return IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE;
    case IMAGE_ERR_IO:
        return IMG_MGMT_ERR_FLASH_READ_FAILED;
    default:
        return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    }
}

int extxip_img_mgmt_state_write(extxip_img_mgmt_t *im, const uint8_t *hash, size_t hash_len, bool confirm,
                         uint64_t peer)
{
    uint32_t slot;
    im->rsn = NULL;
    if (hash_len == 0) {
        if (!confirm) {
            return IMG_MGMT_ERR_INVALID_HASH; /* a test needs a hash */
        }
        slot = FLASH_AREA_IMAGE_PRIMARY(im->cfg.active_image);
    } else if (hash_len != IMAGE_HASH_SIZE || hash == NULL) {
        return IMG_MGMT_ERR_INVALID_HASH;
    } else {
        int s = find_by_hash(im, hash);
        if (s < 0) {
            return IMG_MGMT_ERR_HASH_NOT_FOUND;
        }
        slot = (uint32_t)s;
    }
    /* Marking the slot another client is uploading into would change it
     * under that client (and end its session): busy, as its upload is. */
    if (extxip_img_mgmt_slot_busy(im, slot, peer)) {
        return -MGMT_ERR_EBUSY;
    }

    /* Zephyr's img_mgmt_set_next_boot_slot (non-Direct-XIP), same order. */
    uint8_t image = (uint8_t)(slot / 2u);
    uint32_t active = FLASH_AREA_IMAGE_PRIMARY(image);
    next_boot_type_t type;
    uint32_t nbs = next_boot_slot(im, image, &type);

    /* Only the running image, or another image's secondary, may be confirmed
     * (ALLOW_CONFIRM_NON_ACTIVE_IMAGE_SECONDARY=y). */
    if (confirm && image != im->cfg.active_image && slot == active) {
        return IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED;
    }
    if (!confirm && slot == active) {
        return IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED;
    }
    if (type == NB_TEST) {
        if (!confirm && slot == nbs) {
            /* Testing what is already under test writes nothing, but answers
             * as a first test would: an image the bootloader would refuse
             * is refused here too. */
            const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
            return fa ? installable(im, image, fa) : IMG_MGMT_ERR_FLASH_OPEN_FAILED;
        }
        return IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
    }
    if (type == NB_NORMAL) {
        if (confirm && slot == nbs) {
            return 0; /* it boots next anyway */
        }
        if ((slot == active && active != nbs) || (!confirm && slot != active && slot == nbs)) {
            return IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
        }
    }
    if (type == NB_REVERT) {
        if (confirm && slot == nbs) {
            return 0;
        }
        if (!confirm) {
            return IMG_MGMT_ERR_IMAGE_ALREADY_PENDING;
        }
    }

    const extxip_flash_area_t *fa = extxip_img_mgmt_area(im, slot);
    if (!fa) {
        return IMG_MGMT_ERR_FLASH_OPEN_FAILED;
    }
    int rc;
    if (slot == active) {
        rc = extxip_boot_set_confirmed(fa);
        /* Confirmed: what the secondaries held before is of no use now. */
        im->idle_armed = true;
        im->idle_image = 0;
        im->idle_off = 0;
    } else {
        /* Write nothing for an image the bootloader would not install:
         * flags it lacks, hash, signature, built for another slot. */
        int irc = installable(im, image, fa);
        if (irc != 0) {
            return irc;
        }
        /* An image never depends on itself: a protected dependency on this
         * slot's own image means the file was built for another image (the
         * internal part, which depends on image 2, sent to image 2's slot)
         * and would be installed where it cannot run. */
        /* Nor on an image this device does not have: never satisfiable. */
        for (uint8_t i = 0; i < im->info.dep_count; i++) {
            if (im->info.deps[i].image_id == image ||
                im->info.deps[i].image_id >= im->cfg.image_count) {
                return IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
            }
        }
        rc = extxip_boot_set_pending(fa, confirm);
        if (rc == BOOT_OK && im->s.active && FLASH_AREA_IMAGE_SECONDARY(im->s.image) == slot) {
            /* A session into a slot now scheduled is stale: resuming it
             * would write over the marks. */
            (void)extxip_img_mgmt_session_reset(im);
        }
    }
    return extxip_img_mgmt_err_from(IMG_MGMT_MOD_BOOT, rc);
}

/* ---------------------------------------------------------- last boot report */

const extxip_boot_result_t *extxip_img_mgmt_last_boot(const extxip_img_mgmt_t *im)
{
    return im->cfg.last_boot;
}

static size_t put(char *buf, size_t cap, size_t o, const char *s)
{
    while (*s && o + 1 < cap) {
        buf[o++] = *s++;
    }
    if (cap) {
        buf[o < cap ? o : cap - 1] = '\0';
    }
    return o;
}

const char *extxip_img_mgmt_boot_report(const extxip_img_mgmt_t *im, uint8_t image, char *buf, size_t cap)
{
    const extxip_boot_result_t *r = im->cfg.last_boot;
    char v[IMG_MGMT_VER_STR_MAX];
    size_t o = 0;
    if (cap == 0) {
        return buf;
    }
    buf[0] = '\0';
    if (!r || image >= r->image_count || image >= BOOT_IMAGE_MAX) {
        return buf;
    }
    const extxip_boot_image_result_t *ir = &r->img[image];
    char num[2] = {(char)('0' + image), '\0'};
    o = put(buf, cap, o, "image ");
    o = put(buf, cap, o, num);
    switch (ir->upgrade) {
    case BOOT_UPGRADE_DONE:
        o = put(buf, cap, o, ": upgraded ");
        break;
    case BOOT_UPGRADE_REFUSED:
        o = put(buf, cap, o, ": upgrade refused (");
        o = put(buf, cap, o, extxip_boot_reason_str(ir->reason));
        o = put(buf, cap, o, ") ");
        break;
    default:
        o = put(buf, cap, o, ir->bootable ? ": no upgrade" : ": not bootable (");
        if (!ir->bootable) {
            o = put(buf, cap, o, extxip_boot_reason_str(ir->reason));
            o = put(buf, cap, o, ")");
        }
        return buf;
    }
    extxip_img_mgmt_ver_str(&ir->from, v, sizeof(v));
    o = put(buf, cap, o, v);
    o = put(buf, cap, o, " -> ");
    extxip_img_mgmt_ver_str(&ir->to, v, sizeof(v));
    (void)put(buf, cap, o, v);
    return buf;
}

