/*
 * Compressed images (MCUboot's MCUBOOT_DECOMPRESS_IMAGES, nRF Connect SDK
 * "compressed updates"; format in docs/bootloader.md § Compressed images):
 * stream the LZMA2 (+ ARM-Thumb BCJ) body of a secondary through the LZMA
 * SDK's decoder with fixed buffers, hand each decompressed piece to a sink,
 * and validate the decompressed image as MCUboot's
 * bootutil_img_hash_decompress does: the hash over the rebuilt plain header,
 * the erased header padding, the decompressed body and the protected TLVs
 * without 0x70-0x73 must equal DECOMP_SHA, and DECOMP_SIGNATURE must verify
 * over it with the key the KEYHASH names.
 *
 * The decoder (image_decomp.c) is built only with EXTXIP_BOOT_COMPRESSION
 * (CMake option): without it the compression flags stay outside
 * IMAGE_F_IMPLEMENTED and such an image is refused by its header flags. The
 * TLV walk and the precheck (image_decomp_tlvs.c) need no decoder and are
 * always built, for the host tools. No heap: the decoder's two allocations (its
 * probability table and the dictionary) come from static buffers sized at
 * compile time; a stream that asks for a larger dictionary is refused.
 */
#ifndef EXTXIP_IMAGE_DECOMP_H
#define EXTXIP_IMAGE_DECOMP_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "image/image.h"

#define IMAGE_TLV_DECOMP_SIZE      0x70u
#define IMAGE_TLV_DECOMP_SHA       0x71u
#define IMAGE_TLV_DECOMP_SIGNATURE 0x72u
#define IMAGE_TLV_COMP_DEC_SIZE    0x73u /* encrypted compressed images only */

/* Largest LZMA2 dictionary the device decodes with (imgtool writes 128 KiB). */
#ifndef EXTXIP_DECOMP_DICT_MAX
#define EXTXIP_DECOMP_DICT_MAX (128u * 1024u)
#endif

/* Refusals of the decompress path: extxip_err_t, range -221.. (lib/extxip_err.h). */

/* Receives the decompressed body in order: off is the offset in the body.
 * Returns 0 to go on. */
typedef int (*extxip_image_decomp_sink_t)(void *ctx, uint32_t off, const uint8_t *data,
                                          uint32_t len);

typedef struct extxip_image_decomp_info {
    uint32_t decomp_size;     /* DECOMP_SIZE: the plain body */
    uint16_t plain_prot_size; /* the plain image's protected area (0: none) */
    uint8_t decomp_sha[IMAGE_HASH_SIZE];
    uint8_t hash[IMAGE_HASH_SIZE]; /* what the decompressed image hashes to */
    uint32_t dsig_off;        /* DECOMP_SIGNATURE value (0: none) */
    uint16_t dsig_len;
} extxip_image_decomp_info_t;

/* True when the header asks for decompression. */
int extxip_image_is_compressed(uint32_t flags);

/* True for the TLVs that describe the plain image (0x70-0x73): the plain
 * image's own protected area is the compressed one's without them. */
bool extxip_image_is_decomp_tlv(uint16_t type);

/* Walk the protected area. sha NULL: pick the DECOMP_* TLVs into out (each at
 * most once, DECOMP_SIZE and DECOMP_SHA required) and size the plain
 * protected area. With sha: hash the plain protected area (its info header
 * and the other entries) into it. Returns IMAGE_OK or an IMAGE_ERR_* code. */
int extxip_image_decomp_walk_prot(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                  extxip_image_decomp_info_t *out, extxip_crypto_sha256_t *sha);

/* The checks of extxip_image_decomp that need no decoding (flags, the
 * DECOMP_* TLVs, the size against the primary), as MCUboot's
 * boot_is_compressed_header_valid makes them before any signature check. */
int extxip_image_decomp_precheck(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                 uint32_t primary_size, extxip_image_decomp_info_t *out);

/* Check a parsed compressed image (info from extxip_image_parse of fa, the
 * outer hash and signature already validated by the caller) against a
 * primary of primary_size bytes, stream its body through the decoder into
 * sink (may be NULL: dry run), and validate the decompressed image with keys
 * (NULL or empty: hash only). Returns IMAGE_OK or an IMAGE_ERR_* code. */
int extxip_image_decomp(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                        uint32_t primary_size, const extxip_image_keyring_t *keys,
                        extxip_image_decomp_sink_t sink, void *ctx,
                        extxip_image_decomp_info_t *out);

/* The plain image MCUboot writes into the primary for a compressed
 * secondary: the rebuilt header, erased header padding, the decompressed
 * body, the protected area without 0x70-0x73, and the unprotected area with
 * the SHA-256 and signature TLVs carrying DECOMP_SHA / DECOMP_SIGNATURE
 * (byte-identical to imgtool's plain signing of the same input). d comes
 * from a successful extxip_image_decomp of the same slot. Reads are cheapest
 * in ascending order: one behind the last EXTXIP_DECOMP_WINDOW body bytes
 * restarts the decoder. Bytes past plain_len read as erased. One target at a
 * time (the decoder's buffers are static). */
int extxip_image_decomp_target_open(const extxip_flash_area_t *fa, const extxip_image_info_t *info,
                                    const extxip_image_decomp_info_t *d, uint32_t *plain_len);
int extxip_image_decomp_target_read(uint32_t off, uint8_t *buf, uint32_t n);
void extxip_image_decomp_target_close(void);

/* A read-only flash area over the plain image a compressed secondary
 * installs as (the target above), shaped like the primary it is for: what
 * the bootloader copies from, and what the slot check (vector table, part
 * identity) and the image group read. Reads re-open the decoder when another
 * view used it last; writes and erases fail. */
typedef struct extxip_image_decomp_view {
    const extxip_flash_area_t *sec;
    extxip_image_info_t info; /* of the compressed image */
    extxip_image_decomp_info_t d;
    uint32_t plain_len;
    extxip_flash_dev_t dev;
    extxip_flash_area_t area;
} extxip_image_decomp_view_t;

/* Fill v over sec (info: its parse; d: a successful extxip_image_decomp of
 * it) for primary pri; returns &v->area. */
const extxip_flash_area_t *extxip_image_decomp_view_init(extxip_image_decomp_view_t *v,
                                                         const extxip_flash_area_t *sec,
                                                         const extxip_image_info_t *info,
                                                         const extxip_image_decomp_info_t *d,
                                                         const extxip_flash_area_t *pri);

/* Short reason for an IMAGE_ERR_DECOMP_* code (NULL for other codes). */
const char *extxip_image_decomp_strerror(int err);

#endif
