/*
 * Inside the bootloader: the per-boot context and plan shared by boot.c (the
 * decisions) and the copy strategy (how an accepted image gets into its
 * primary). Not for the application.
 */
#ifndef EXTXIP_BOOT_PRIV_H
#define EXTXIP_BOOT_PRIV_H

#include "boot/boot.h"

enum plan {
    PLAN_NONE = 0, /* not pending */
    PLAN_REFUSE,   /* pending, refused, secondary left as is */
    PLAN_SCRUB,    /* pending, refused, secondary unusable: erase its trailer/header */
    PLAN_SAME,     /* already installed: consume only */
    PLAN_FINISH,   /* image installed, primary trailer missing: write it, consume */
    PLAN_COPY,     /* upgrade */
};

/* Everything one boot needs besides the caller's state. */
struct extxip_boot_ctx {
    extxip_boot_state_t *st;
    const extxip_image_keyring_t *keys;
    const extxip_boot_options_t *opt;
    extxip_boot_result_t *res;
    const extxip_flash_area_t *pri[BOOT_IMAGE_MAX];
    const extxip_flash_area_t *sec[BOOT_IMAGE_MAX];
    /* What the copy reads: the secondary, or for a compressed one the plain
     * image it decompresses to (boot_decomp.c). */
    const extxip_flash_area_t *src[BOOT_IMAGE_MAX];
    uint32_t img_len[BOOT_IMAGE_MAX]; /* bytes of the secondary image to copy */
    const extxip_boot_strategy_t *strategy;
};
typedef struct extxip_boot_ctx ctx_t;

#if EXTXIP_BOOT_COMPRESSION
/* Image i's secondary is compressed and *info its validated outer image:
 * validate the decompressed image, point c->src[i] at it and describe it in
 * *info. IMAGE_OK or the refusal. */
int extxip_boot_decomp_prepare(ctx_t *c, uint8_t i, extxip_image_info_t *info);
#endif

/* The strategy a boot calls. A build that ships only overwrite-only defines
 * EXTXIP_BOOT_STRATEGY_FIXED: the calls then name the const table itself, so
 * the compiler (with LTO) makes them direct calls and drops the table and
 * the function pointers; extxip_boot_options_t.strategy is then ignored. */
#ifdef EXTXIP_BOOT_STRATEGY_FIXED
#define BOOT_STRATEGY(c) ((void)(c), &extxip_boot_overwrite_only)
#else
#define BOOT_STRATEGY(c) ((c)->strategy)
#endif

/* True when all n bytes of p equal v. */
bool extxip_boot_all_val(const uint8_t *p, uint32_t n, uint8_t v);

#endif
