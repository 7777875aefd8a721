/* Text for IMAGE_ERR_* codes, in its own file so that only what prints it
 * (the simulator, the tools, the image group's reasons) links the strings:
 * the bootloader prints codes. */
#include "image/image.h"

const char *extxip_image_strerror(int err)
{
    switch (err) {
    case IMAGE_OK: return "ok";
    case IMAGE_ERR_IO: return "flash read failed";
    case IMAGE_ERR_MAGIC: return "no image (bad header magic)";
    case IMAGE_ERR_HEADER: return "header sizes don't fit the slot";
    case IMAGE_ERR_TLV: return "malformed TLV area";
    case IMAGE_ERR_TLV_DUP: return "duplicate TLV";
    case IMAGE_ERR_UNPROTECTED: return "dependency or security counter outside the protected area";
    case IMAGE_ERR_NO_HASH: return "no SHA-256 TLV";
    case IMAGE_ERR_HASH: return "image hash mismatch";
    case IMAGE_ERR_NO_KEY: return "signing key not known";
    case IMAGE_ERR_NO_SIG: return "no signature for the key";
    case IMAGE_ERR_SIG: return "signature does not verify";
    case IMAGE_ERR_TOO_MANY_DEPS: return "too many dependencies";
    case IMAGE_ERR_CRYPTO: return "signature could not be checked (crypto failure)";
    case IMAGE_ERR_FLAGS: return "header flags ask for a feature this bootloader lacks";
    case IMAGE_ERR_NON_BOOTABLE: return "image is marked non-bootable";
    case IMAGE_ERR_ROM_FIXED: return "ROM-fixed to another slot's address";
    case IMAGE_ERR_WRONG_SLOT: return "built for another slot";
    default: return "unknown image error";
    }
}

const char *extxip_image_flags_str(uint32_t flags, char *buf, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {IMAGE_F_PIC, "position-independent"},
        {IMAGE_F_ENCRYPTED_AES128, "encrypted (AES-128)"},
        {IMAGE_F_ENCRYPTED_AES256, "encrypted (AES-256)"},
        {IMAGE_F_NON_BOOTABLE, "non-bootable"},
        {IMAGE_F_RAM_LOAD, "RAM load"},
        {IMAGE_F_ROM_FIXED, "ROM-fixed"},
        {IMAGE_F_COMPRESSED_LZMA1, "LZMA1 compression"},
        {IMAGE_F_COMPRESSED_LZMA2, "LZMA2 compression"},
        {IMAGE_F_COMPRESSED_ARM_THUMB_FLT, "ARM thumb filter"},
    };
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (buf == NULL || cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i <= sizeof names / sizeof names[0]; i++) {
        const char *s;
        char h[11];
        if (i < sizeof names / sizeof names[0]) {
            if (!(flags & names[i].bit))
                continue;
            flags &= ~names[i].bit;
            s = names[i].name;
        } else {
            if (flags == 0)
                break;
            h[0] = '0';
            h[1] = 'x';
            for (int k = 0; k < 8; k++)
                h[2 + k] = hex[(flags >> (28 - 4 * k)) & 0xfu];
            h[10] = '\0';
            s = h;
        }
        if (o > 0 && o + 2 < cap) {
            buf[o++] = ',';
            buf[o++] = ' ';
        }
        while (*s && o + 1 < cap)
            buf[o++] = *s++;
        buf[o] = '\0';
    }
    return buf;
}
