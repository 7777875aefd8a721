/*
 * MCUboot image format, device side: parse and validate an image that sits in
 * a flash area. No allocation; flash is read through bounded stack buffers.
 * Facts: docs/bootloader.md (Images), MCUboot's bootutil/image.h.
 */
#ifndef EXTXIP_IMAGE_H
#define EXTXIP_IMAGE_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash/flash_area.h"

#define IMAGE_MAGIC           0x96f3b83du
#define IMAGE_HEADER_SIZE     32u
#define IMAGE_TLV_INFO_MAGIC      0x6907u /* unprotected area */
#define IMAGE_TLV_PROT_INFO_MAGIC 0x6908u /* protected area */

#define IMAGE_TLV_KEYHASH    0x01u
#define IMAGE_TLV_PUBKEY     0x02u
#define IMAGE_TLV_SHA256     0x10u
#define IMAGE_TLV_RSA2048_PSS 0x20u
#define IMAGE_TLV_ECDSA_SIG  0x22u
#define IMAGE_TLV_ED25519    0x24u
#define IMAGE_TLV_DEPENDENCY 0x40u
#define IMAGE_TLV_SEC_CNT    0x50u

#define IMAGE_HASH_SIZE 32u
#define IMAGE_MAX_DEPS  4u

/* Errors: extxip_err_t, range -141.. (lib/extxip_err.h). */

typedef struct extxip_image_version {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build_num;
} extxip_image_version_t;

/* Header flags, MCUboot's values (bootutil/image.h). */
#define IMAGE_F_PIC                      0x001u /* never supported by MCUboot */
#define IMAGE_F_ENCRYPTED_AES128         0x004u
#define IMAGE_F_ENCRYPTED_AES256         0x008u
#define IMAGE_F_NON_BOOTABLE             0x010u /* a part that is not run on its own */
#define IMAGE_F_RAM_LOAD                 0x020u /* imgtool --load-addr: run from RAM */
#define IMAGE_F_ROM_FIXED                0x100u /* imgtool --rom-fixed: load_addr = slot */
#define IMAGE_F_COMPRESSED_LZMA1         0x200u
#define IMAGE_F_COMPRESSED_LZMA2         0x400u
#define IMAGE_F_COMPRESSED_ARM_THUMB_FLT 0x800u

/* The one list of header flags this build implements: the bootloader, the
 * image group and the host tools all judge an image by it. ROM_FIXED is
 * implemented as a check (the load address must be the primary's offset,
 * extxip_boot_image_check). Everything else, including bits MCUboot does not
 * define, asks for something this overwrite-only, execute-in-place build
 * does not do (decrypt, decompress, load into RAM): such an image is never
 * installed over a primary nor booted (MCUboot's boot_check_header_valid
 * refuses encrypted and compressed images it was not built for). Compressed
 * images will arrive with their own issue: until then they are refused like
 * any other flag not listed here. NON_BOOTABLE is understood, not
 * implemented: it is refused on its own (IMAGE_ERR_NON_BOOTABLE). */
#define IMAGE_F_IMPLEMENTED (IMAGE_F_ROM_FIXED)

/* The header flags of `flags` this build does not implement (0: none),
 * NON_BOOTABLE left out: it has its own answer. */
static inline uint32_t extxip_image_flags_unsupported(uint32_t flags)
{
    return flags & ~(uint32_t)(IMAGE_F_IMPLEMENTED | IMAGE_F_NON_BOOTABLE);
}

/* Check header flags first, as MCUboot does: IMAGE_OK, IMAGE_ERR_FLAGS (a
 * feature not built) or IMAGE_ERR_NON_BOOTABLE. */
int extxip_image_check_flags(uint32_t flags);

/* Names of the flags in `flags` ("LZMA2 compression, ARM thumb filter"),
 * for tools and logs; unknown bits as hex. Returns buf. */
const char *extxip_image_flags_str(uint32_t flags, char *buf, size_t cap);

typedef struct extxip_image_header {
    uint32_t magic;
    uint32_t load_addr;
    uint16_t hdr_size;
    uint16_t protect_tlv_size;
    uint32_t img_size;
    uint32_t flags;
    extxip_image_version_t ver;
} extxip_image_header_t;

typedef struct extxip_image_dep {
    uint8_t image_id;
    extxip_image_version_t min_ver;
} extxip_image_dep_t;

/* What a parse (and, after validation, a check) learned about an image. */
typedef struct extxip_image_info {
    extxip_image_header_t hdr;
    uint8_t hash[IMAGE_HASH_SIZE]; /* value of the SHA-256 TLV */
    bool has_sec_cnt;
    uint32_t sec_cnt;
    uint8_t dep_count;
    extxip_image_dep_t deps[IMAGE_MAX_DEPS];
    uint32_t tlv_end; /* offset just past the last TLV area: bytes the image occupies */
    /* Added by lib/image (additive): layout extxip_image_parse learned, which
     * extxip_image_validate uses; offsets are from the start of the area. */
    uint32_t prot_off;        /* protected TLV area (= hdr_size + img_size); its
                                 size is hdr.protect_tlv_size (0: none) */
    uint32_t unprot_off;      /* unprotected TLV area info header */
    bool has_keyhash;
    uint8_t keyhash[IMAGE_HASH_SIZE]; /* value of the KEYHASH TLV */
    uint16_t sig_type;        /* IMAGE_TLV_ECDSA_SIG/RSA2048_PSS/ED25519, 0: none */
    uint16_t sig_len;
    uint32_t sig_off;         /* offset of the signature value */
} extxip_image_info_t;

typedef enum { IMAGE_KEY_EC_P256, IMAGE_KEY_RSA2048, IMAGE_KEY_ED25519 } extxip_image_key_type_t;

/* Key types extxip_image_validate can verify (bit n = extxip_image_key_type_t
 * n), like MCUboot's one-signature-type-per-build choice. A type left out has
 * no verify call compiled in: a key of that type verifies nothing
 * (IMAGE_ERR_SIG, what the refusing crypto stubs gave before). Default: all;
 * a P-256-only bootloader builds with -DEXTXIP_IMAGE_KEY_TYPES=0x1u
 * (IMAGE_KEY_BIT_EC_P256). */
#define IMAGE_KEY_TYPE_BIT(t) (1u << (t))
/* The same bits as plain numbers, for #if (the enum is not visible there). */
#define IMAGE_KEY_BIT_EC_P256 0x1u
#define IMAGE_KEY_BIT_RSA2048 0x2u
#define IMAGE_KEY_BIT_ED25519 0x4u
#ifndef EXTXIP_IMAGE_KEY_TYPES
#define EXTXIP_IMAGE_KEY_TYPES (IMAGE_KEY_BIT_EC_P256 | IMAGE_KEY_BIT_RSA2048 | IMAGE_KEY_BIT_ED25519)
#endif
#define IMAGE_KEY_TYPE_BUILT(t) ((EXTXIP_IMAGE_KEY_TYPES & IMAGE_KEY_TYPE_BIT(t)) != 0)

/* A built-in public key, in the encoding `imgtool getpub` emits (its SHA-256
 * is what the KEYHASH TLV carries). */
typedef struct extxip_image_key {
    extxip_image_key_type_t type;
    const uint8_t *der;
    size_t len;
} extxip_image_key_t;

typedef struct extxip_image_keyring {
    const extxip_image_key_t *keys;
    size_t count;
} extxip_image_keyring_t;

/* Decode the 32-byte little-endian header from buf. Checks only the magic. */
int extxip_image_header_decode(const uint8_t *buf, size_t len, extxip_image_header_t *out);

/* Parse header and both TLV areas of the image at the start of `fa`: every
 * size is checked against the area first. Fills `out` (hash = SHA-256 TLV
 * value, deps and counter from the protected area only). Does not hash or
 * verify. Returns IMAGE_OK or an IMAGE_ERR_* code. */
int extxip_image_parse(const extxip_flash_area_t *fa, extxip_image_info_t *out);

/* extxip_image_parse, then recompute the hash exactly as MCUboot does (header + body
 * + protected TLVs), compare it with the SHA-256 TLV, pick the key by KEYHASH
 * and verify the signature. keys == NULL or count 0: hash check only. */
int extxip_image_validate(const extxip_flash_area_t *fa, const extxip_image_keyring_t *keys, extxip_image_info_t *out);

/* The signature check of extxip_image_validate on its own: the key the
 * KEYHASH in info names, the signature of info->sig_type at sig_off/sig_len
 * in fa, over digest (the compressed-image path checks DECOMP_SIGNATURE so). */
int extxip_image_verify_sig(const extxip_flash_area_t *fa, const extxip_image_keyring_t *keys,
                            const extxip_image_info_t *info, uint32_t sig_off, uint16_t sig_len,
                            const uint8_t digest[IMAGE_HASH_SIZE]);

/* <0, 0, >0 like memcmp. The build number takes part only when with_build. */
int extxip_image_version_cmp(const extxip_image_version_t *a, const extxip_image_version_t *b, bool with_build);

/* Short human-readable reason for an IMAGE_ERR_* code. */
const char *extxip_image_strerror(int err);

#endif
