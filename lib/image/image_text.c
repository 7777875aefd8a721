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
    default: return "unknown image error";
    }
}
