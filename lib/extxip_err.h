/*
 * One error type for all of lib. Every failure a lib function returns is a
 * negative extxip_err_t; 0 is success. Each module owns a range of 20, so a
 * raw int in a log or a debugger names its module (extxip_err_module), and
 * none can pass for another module's code or for an SMP rc (the groups map
 * them to their wire codes: img_mgmt_err.c, os_mgmt_err.c, and each group's
 * handlers). The names are each module's, as before: FLASH_ERR_RANGE is a
 * flash error wherever it travels.
 *
 * Positive codes are not errors: they are wire codes (SMP rc, group err, ATT,
 * HCI) or module statuses (boot magic states, SMP_REASM_MORE/DONE).
 */
#ifndef EXTXIP_ERR_H
#define EXTXIP_ERR_H

/* Codes per module. 20 keeps every code within -255, so a Cortex-M compares
 * and loads it as one immediate (a range of 100 cost the bootloader 84 B). */
#define EXTXIP_ERR_RANGE 20

typedef enum extxip_err {
    EXTXIP_OK = 0,

    /* ---- flash: -101.. (flash/flash_area.h) ---- */
    FLASH_OK = 0,
    FLASH_ERR_RANGE = -21,      /* offset/length outside the area (or overflowing) */
    FLASH_ERR_ALIGN = -22,      /* write offset/length not a multiple of write_align */
    FLASH_ERR_NOT_ERASED = -23, /* program would turn a 0 bit into 1 (NOR can't) */
    FLASH_ERR_SECTOR = -24,     /* erase not on whole-sector boundaries */
    FLASH_ERR_IO = -25,         /* the device failed, e.g. power was cut */
    FLASH_ERR_NOENT = -26,      /* no area with that id in the map */

    /* ---- reclog: -201.. (flash/reclog.h) ---- */
    RECLOG_OK = 0,
    RECLOG_ERR_ARG = -41,   /* geometry: window not >= 2 whole sectors, bad record size */
    RECLOG_ERR_READ = -42,
    RECLOG_ERR_WRITE = -43,
    RECLOG_ERR_ERASE = -44,

    /* ---- cbor: -301.. (cbor/cbor.h) ---- */
    CBOR_OK = 0,
    CBOR_ERR_TRUNCATED = -61,   /* input ends inside an item, or a length exceeds what remains */
    CBOR_ERR_TYPE = -62,        /* item is not of the requested type */
    CBOR_ERR_RANGE = -63,       /* value does not fit the destination */
    CBOR_ERR_MALFORMED = -64,   /* reserved encodings, stray break, bad indefinite-string chunk */
    CBOR_ERR_DEPTH = -65,       /* nesting deeper than CBOR_MAX_DEPTH */
    CBOR_ERR_NOMEM = -66,       /* encoder: output buffer full */
    CBOR_ERR_UNSUPPORTED = -67, /* indefinite-length string where a zero-copy string was asked */
    CBOR_ERR_END = -68,         /* no further item in the current container */
    CBOR_ERR_DUPLICATE = -69,   /* map helper: a known key appeared twice */
    CBOR_ERR_STATE = -70,      /* leave/break without a matching enter/open */

    /* ---- smp: -401.. (smp/smp.h) ---- */
    /* Library-level failures (not wire codes). */
    SMP_OK = 0,
    SMP_ERR_INVAL = -81,     /* bad argument */
    SMP_ERR_TRUNCATED = -82, /* fewer than SMP_HDR_SIZE bytes */
    SMP_ERR_FULL = -83,      /* SMP_MAX_GROUPS already registered */
    SMP_ERR_EXISTS = -84,    /* a group with that id is already registered */
    SMP_REASM_TOO_BIG = -85, /* smp_reasm.h: the header announces more than cap: dropped */

    /* ---- smp_serial: -501.. (smp/smp_serial.h) ---- */
    SMP_SERIAL_ERR_INVAL = -101,  /* bad argument, empty or > 65533-byte packet */
    SMP_SERIAL_ERR_NOSPC = -102,  /* output buffer too small */
    SMP_SERIAL_ERR_WRITE = -103,  /* the line callback failed */

    /* ---- crypto: -601.. (crypto/crypto.h) ---- */
    CRYPTO_OK = 0,
    CRYPTO_ERR_KEY = -121,      /* public key malformed or of the wrong kind/size */
    CRYPTO_ERR_SIG = -122,      /* signature malformed or does not verify */
    CRYPTO_ERR_INTERNAL = -123, /* backend failure (e.g. out of memory) */

    /* ---- image: -701.. (image/image.h) ---- */
    /* Validation failures: each names one reason (extxip_image_strerror gives its text). */
    IMAGE_OK = 0,
    IMAGE_ERR_IO = -141,          /* flash read failed */
    IMAGE_ERR_MAGIC = -142,       /* no image header magic (e.g. erased slot) */
    IMAGE_ERR_HEADER = -143,      /* header sizes/offsets don't fit the slot */
    IMAGE_ERR_TLV = -144,         /* TLV area malformed, overruns, or inconsistent */
    IMAGE_ERR_TLV_DUP = -145,     /* single-instance TLV present twice */
    IMAGE_ERR_UNPROTECTED = -146, /* dependency / security counter outside protected area */
    IMAGE_ERR_NO_HASH = -147,     /* no SHA-256 TLV */
    IMAGE_ERR_HASH = -148,        /* computed hash differs from the SHA-256 TLV */
    IMAGE_ERR_NO_KEY = -149,      /* KEYHASH matches no built-in key */
    IMAGE_ERR_NO_SIG = -150,     /* no signature TLV for the key */
    IMAGE_ERR_SIG = -151,        /* signature does not verify */
    IMAGE_ERR_TOO_MANY_DEPS = -152,
    IMAGE_ERR_CRYPTO = -153,     /* the signature could not be checked (e.g. out of memory):
                                   says nothing about the image, so never discard it */
    /* Not from extxip_image_parse/extxip_image_validate: from extxip_image_check_flags and from
     * the bootloader's "built for this slot" check (extxip_boot_image_check). */
    IMAGE_ERR_FLAGS = -154,        /* header flags ask for a feature this build lacks */
    IMAGE_ERR_NON_BOOTABLE = -155, /* header flag NON_BOOTABLE: never installed or booted */
    IMAGE_ERR_ROM_FIXED = -156,    /* ROM-fixed to an address that is not this primary's */
    IMAGE_ERR_WRONG_SLOT = -157,   /* the payload is built for another slot (vector
                                     table / part identity, the port's check) */

    /* ---- boot: -801.. (boot/boot.h) ---- */
    /* Errors (negative). 0 is success. */
    BOOT_OK = 0,
    BOOT_ERR_FLASH = -161,       /* a flash read/write/erase failed */
    BOOT_ERR_BAD_MAGIC = -162,   /* trailer magic neither good nor erased */
    BOOT_ERR_ARG = -163,         /* NULL pointer, area too small, bad option */
    BOOT_ERR_NO_BOOTABLE = -164, /* some primary image cannot be booted (see result) */
    BOOT_ERR_NOENT = -165,       /* an image's area is missing from the map */
    BOOT_ERR_TRAILER = -166,     /* trailer not blank where a mark goes: nothing written */

    /* ---- kv: -901.. (storage/kvstore.h) ---- */
    KVS_OK = 0,
    KVS_ENOENT = -181, /* no such name (or deleted) */
    KVS_EINVAL = -182, /* bad argument: name/value length, geometry */
    KVS_ENOSPC = -183, /* the live data does not leave room for the record */
    KVS_EIO = -184,    /* the flash failed (e.g. power cut) */
    KVS_ENOTMOUNTED = -185,

    /* ---- os_port: -1001.. (mgmt/os_mgmt.h) ---- */
    /* Return values of the port clock callbacks (os_mgmt.h). */
    OS_MGMT_CLOCK_OK = 0,
    OS_MGMT_CLOCK_NOT_SET = -201, /* get: the clock was never set → err OS/4 */
    OS_MGMT_CLOCK_FAILED = -202,  /* get/set failed → err OS/5 */

    /* ---- decomp: -221.. (image/image_decomp.h) ---- */
    /* Refusals of the compressed-image path (EXTXIP_BOOT_COMPRESSION). */
    IMAGE_ERR_DECOMP_FLAGS = -221,   /* LZMA1, or thumb filter without LZMA2 */
    IMAGE_ERR_DECOMP_TLVS = -222,    /* DECOMP_SIZE/SHA missing, twice, or of the wrong size */
    IMAGE_ERR_DECOMP_TOO_BIG = -223, /* the decompressed image does not fit the primary */
    IMAGE_ERR_DECOMP_DICT = -224,    /* dictionary larger than EXTXIP_DECOMP_DICT_MAX */
    IMAGE_ERR_DECOMP_DATA = -225,    /* corrupt LZMA2 stream, bad 2-byte header */
    IMAGE_ERR_DECOMP_BOMB = -226,    /* stream expands past DECOMP_SIZE */
    IMAGE_ERR_DECOMP_SHORT = -227,   /* stream ends before DECOMP_SIZE, or bytes after its end */
    IMAGE_ERR_DECOMP_HASH = -228,    /* decompressed image's hash is not DECOMP_SHA */
    IMAGE_ERR_DECOMP_SIG = -229,     /* DECOMP_SIGNATURE missing or does not verify */
    IMAGE_ERR_DECOMP_SINK = -230,    /* the sink refused (e.g. a flash write failed) */
} extxip_err_t;

/* The module an error code comes from ("flash", "image", ...), "ok" for 0,
 * or "?" for a value outside every range. */
static inline const char *extxip_err_module(int err)
{
    static const char *const names[] = {"?",      "flash",  "reclog", "cbor", "smp",
                                        "smp_serial", "crypto", "image", "boot", "kv",
                                        "os_port", "decomp"};
    if (err == 0)
        return "ok";
    if (err > 0 || -err >= (int)(sizeof names / sizeof names[0]) * EXTXIP_ERR_RANGE)
        return "?";
    int m = (-err) / EXTXIP_ERR_RANGE;
    return (-err) % EXTXIP_ERR_RANGE ? names[m] : "?";
}

#endif
