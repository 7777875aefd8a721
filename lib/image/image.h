/*
 * MCUboot image format, device side: parse and validate an image that sits in
 * a flash area. No allocation; flash is read through bounded stack buffers.
 * Facts: docs/bootloader.md (Images), MCUboot's bootutil/image.h.
 */
#ifndef EXTXIP_IMAGE_H
#define EXTXIP_IMAGE_H

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

/* Validation failures: each names one reason (extxip_image_strerror gives its text). */
enum {
    IMAGE_OK = 0,
    IMAGE_ERR_IO = -1,          /* flash read failed */
    IMAGE_ERR_MAGIC = -2,       /* no image header magic (e.g. erased slot) */
    IMAGE_ERR_HEADER = -3,      /* header sizes/offsets don't fit the slot */
    IMAGE_ERR_TLV = -4,         /* TLV area malformed, overruns, or inconsistent */
    IMAGE_ERR_TLV_DUP = -5,     /* single-instance TLV present twice */
    IMAGE_ERR_UNPROTECTED = -6, /* dependency / security counter outside protected area */
    IMAGE_ERR_NO_HASH = -7,     /* no SHA-256 TLV */
    IMAGE_ERR_HASH = -8,        /* computed hash differs from the SHA-256 TLV */
    IMAGE_ERR_NO_KEY = -9,      /* KEYHASH matches no built-in key */
    IMAGE_ERR_NO_SIG = -10,     /* no signature TLV for the key */
    IMAGE_ERR_SIG = -11,        /* signature does not verify */
    IMAGE_ERR_TOO_MANY_DEPS = -12,
    IMAGE_ERR_CRYPTO = -13,     /* the signature could not be checked (e.g. out of memory):
                                   says nothing about the image, so never discard it */
};

typedef struct extxip_image_version {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build_num;
} extxip_image_version_t;

/* Header flag (MCUboot's IMAGE_F_NON_BOOTABLE): a part that is not run on its own. */
#define IMAGE_F_NON_BOOTABLE 0x10u

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

/* <0, 0, >0 like memcmp. The build number takes part only when with_build. */
int extxip_image_version_cmp(const extxip_image_version_t *a, const extxip_image_version_t *b, bool with_build);

/* Short human-readable reason for an IMAGE_ERR_* code. */
const char *extxip_image_strerror(int err);

#endif
