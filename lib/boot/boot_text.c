/* Text for extxip_boot_reason_t, in its own file so that a bootloader that prints
 * codes does not carry the strings. */
#include "boot/boot.h"

const char *extxip_boot_reason_str(extxip_boot_reason_t r)
{
    switch (r) {
    case BOOT_REASON_NONE: return "none";
    case BOOT_REASON_INVALID: return "secondary image failed validation";
    case BOOT_REASON_TOO_BIG: return "image overlaps the slot trailer";
    case BOOT_REASON_DOWNGRADE: return "version lower than the installed image";
    case BOOT_REASON_SEC_CNT: return "security counter lower than the installed image";
    case BOOT_REASON_DEP_UNMET: return "dependency not satisfied";
    case BOOT_REASON_PAIR_INCOMPLETE: return "linked image neither moves with it nor is accepted";
    case BOOT_REASON_PAIR_REFUSED: return "linked image refused";
    case BOOT_REASON_FLASH: return "flash error during copy";
    case BOOT_REASON_VERIFY: return "copy verification failed";
    case BOOT_REASON_PRIMARY_INVALID: return "primary image failed validation";
    case BOOT_REASON_PRIMARY_EMPTY: return "no image in primary slot";
    case BOOT_REASON_PAIR_BROKEN: return "linked pair half-installed";
    case BOOT_REASON_FLAGS: return "header flags not supported";
    case BOOT_REASON_WRONG_SLOT: return "image not built for this slot";
    }
    return "unknown";
}
