/*
 * The image trailer and the pending/confirm marks: the part of the boot
 * library the application links too (through the image group), as MCUboot's
 * bootutil_public.c is. Layout and rules: boot.h, docs/bootloader.md.
 */
#include "boot/boot.h"

#include <string.h>

const uint8_t extxip_boot_trailer_magic[BOOT_MAGIC_SIZE] = {
    0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
    0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
};

/* ---- Trailer ------------------------------------------------------------- */

static bool area_has_trailer(const extxip_flash_area_t *fa)
{
    return fa != NULL && fa->size >= BOOT_TRAILER_SIZE;
}

bool extxip_boot_all_val(const uint8_t *p, uint32_t n, uint8_t v)
{
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

static int read_flag(const extxip_flash_area_t *fa, uint32_t off, uint8_t *flag)
{
    uint8_t b;
    if (extxip_flash_area_read(fa, off, &b, 1) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    if (b == extxip_flash_area_erased_val(fa)) {
        *flag = BOOT_FLAG_UNSET;
    } else {
        *flag = (b == 0x01) ? BOOT_FLAG_SET : BOOT_FLAG_BAD;
    }
    return BOOT_OK;
}

int extxip_boot_trailer_read(const extxip_flash_area_t *fa, extxip_boot_trailer_t *out)
{
    uint8_t magic[BOOT_MAGIC_SIZE];
    uint8_t info;

    if (!area_has_trailer(fa) || out == NULL) {
        return BOOT_ERR_ARG;
    }
    if (extxip_flash_area_read(fa, BOOT_MAGIC_OFF(fa->size), magic, sizeof magic) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    if (extxip_boot_all_val(magic, sizeof magic, extxip_flash_area_erased_val(fa))) {
        out->magic = BOOT_MAGIC_UNSET;
    } else if (memcmp(magic, extxip_boot_trailer_magic, sizeof magic) == 0) {
        out->magic = BOOT_MAGIC_GOOD;
    } else {
        out->magic = BOOT_MAGIC_BAD;
    }
    if (extxip_flash_area_read(fa, BOOT_SWAP_INFO_OFF(fa->size), &info, 1) != FLASH_OK) {
        return BOOT_ERR_FLASH;
    }
    out->swap_type = info & 0x0fu;
    out->image_num = info >> 4;
    /* MCUboot maps erased or out-of-range values to NONE; 0 is no type either. */
    if (info == extxip_flash_area_erased_val(fa) || out->swap_type > BOOT_SWAP_TYPE_REVERT ||
        out->swap_type == 0) {
        out->swap_type = BOOT_SWAP_TYPE_NONE;
        out->image_num = 0;
    }
    int rc = read_flag(fa, BOOT_COPY_DONE_OFF(fa->size), &out->copy_done);
    if (rc == BOOT_OK) {
        rc = read_flag(fa, BOOT_IMAGE_OK_OFF(fa->size), &out->image_ok);
    }
    return rc;
}

/* One trailer byte written as one program unit padded with the erased value
 * (MCUboot's boot_write_trailer). */
static int write_trailer_byte(const extxip_flash_area_t *fa, uint32_t off, uint8_t val)
{
    uint8_t buf[BOOT_MAX_ALIGN];
    uint32_t align = extxip_flash_area_align(fa);
    if (align == 0) {
        align = 1;
    }
    if (align > BOOT_MAX_ALIGN) {
        return BOOT_ERR_ARG;
    }
    memset(buf, extxip_flash_area_erased_val(fa), sizeof buf);
    buf[0] = val;
    return extxip_flash_area_write(fa, off, buf, align) == FLASH_OK ? BOOT_OK : BOOT_ERR_FLASH;
}

static int write_magic(const extxip_flash_area_t *fa)
{
    /* 16 bytes is already a multiple of BOOT_MAX_ALIGN: no padding in front. */
    return extxip_flash_area_write(fa, BOOT_MAGIC_OFF(fa->size), extxip_boot_trailer_magic,
                            BOOT_MAGIC_SIZE) == FLASH_OK
               ? BOOT_OK
               : BOOT_ERR_FLASH;
}

int extxip_boot_set_pending(const extxip_flash_area_t *secondary, bool permanent)
{
    extxip_boot_trailer_t t;
    int rc = extxip_boot_trailer_read(secondary, &t);
    if (rc != BOOT_OK) {
        return rc;
    }
    switch (t.magic) {
    case BOOT_MAGIC_GOOD:
        /* Already scheduled (MCUboot does not upgrade a test to perm), but
         * only if the marks read as a schedule: an image_ok that is neither
         * set nor erased makes the slot not pending, and no write can fix
         * that. Say so instead of answering success. */
        return t.image_ok == BOOT_FLAG_BAD ? BOOT_ERR_TRAILER : BOOT_OK;
    case BOOT_MAGIC_UNSET:
        rc = extxip_flash_area_is_erased(secondary, secondary->size - BOOT_TRAILER_SIZE,
                                  BOOT_TRAILER_SIZE);
        if (rc != 1) {
            return rc < 0 ? BOOT_ERR_FLASH : BOOT_ERR_TRAILER;
        }
        rc = write_magic(secondary);
        if (rc == BOOT_OK && permanent) {
            rc = write_trailer_byte(secondary, BOOT_IMAGE_OK_OFF(secondary->size), 0x01);
        }
        if (rc == BOOT_OK) {
            uint8_t type = permanent ? BOOT_SWAP_TYPE_PERM : BOOT_SWAP_TYPE_TEST;
            /* image number 0, as boot_set_pending_multi writes it */
            rc = write_trailer_byte(secondary, BOOT_SWAP_INFO_OFF(secondary->size), type);
        }
        return rc;
    default:
        /* Corrupt trailer: no way to recover it, so free the slot for a new upload. */
        (void)extxip_flash_area_erase(secondary, 0, secondary->size);
        return BOOT_ERR_BAD_MAGIC;
    }
}

int extxip_boot_set_confirmed(const extxip_flash_area_t *primary)
{
    extxip_boot_trailer_t t;
    int rc = extxip_boot_trailer_read(primary, &t);
    if (rc != BOOT_OK) {
        return rc;
    }
    if (t.magic == BOOT_MAGIC_UNSET) {
        return BOOT_OK; /* nothing pending: already confirmed */
    }
    if (t.magic == BOOT_MAGIC_BAD) {
        return BOOT_ERR_BAD_MAGIC;
    }
    if (t.image_ok != BOOT_FLAG_UNSET) {
        return BOOT_OK;
    }
    return write_trailer_byte(primary, BOOT_IMAGE_OK_OFF(primary->size), 0x01);
}

int extxip_boot_swap_type(const extxip_boot_trailer_t *p, const extxip_boot_trailer_t *s)
{
    if (p == NULL || s == NULL) {
        return BOOT_ERR_ARG;
    }
    if (s->magic == BOOT_MAGIC_GOOD) {
        if (s->image_ok == BOOT_FLAG_UNSET) {
            return BOOT_SWAP_TYPE_TEST;
        }
        if (s->image_ok == BOOT_FLAG_SET) {
            return BOOT_SWAP_TYPE_PERM;
        }
        /* image_ok BAD matches no row of MCUboot's table */
    }
    if (p->magic == BOOT_MAGIC_GOOD && s->magic == BOOT_MAGIC_UNSET &&
        p->image_ok == BOOT_FLAG_UNSET && p->copy_done == BOOT_FLAG_SET) {
        return BOOT_SWAP_TYPE_REVERT;
    }
    return BOOT_SWAP_TYPE_NONE;
}

int extxip_boot_swap_type_areas(const extxip_flash_area_t *primary, const extxip_flash_area_t *secondary)
{
    extxip_boot_trailer_t p, s;
    int rc = extxip_boot_trailer_read(primary, &p);
    if (rc != BOOT_OK) {
        return rc;
    }
    if (extxip_boot_trailer_read(secondary, &s) != BOOT_OK) {
        /* unreachable secondary: treat as empty, like boot_swap_type_multi */
        s.magic = BOOT_MAGIC_UNSET;
        s.swap_type = BOOT_SWAP_TYPE_NONE;
        s.copy_done = BOOT_FLAG_UNSET;
        s.image_ok = BOOT_FLAG_UNSET;
        s.image_num = 0;
    }
    return extxip_boot_swap_type(&p, &s);
}

