/*
 * Built-in public keys: MCUboot's development keys (see keys_dev.c). The EC
 * P-256 key is the extxip sample's default signing key; RSA-2048 and Ed25519
 * are there so images signed with MCUboot's other dev keys validate too.
 */
#ifndef EXTXIP_IMAGE_KEYS_DEV_H
#define EXTXIP_IMAGE_KEYS_DEV_H

#include "image/image.h"

extern const image_key_t image_dev_key_ec_p256;   /* mcuboot-dev-ec-p256 (default) */
extern const image_key_t image_dev_key_rsa2048;   /* mcuboot-dev-rsa-2048 */
extern const image_key_t image_dev_key_ed25519;   /* mcuboot-dev-ed25519 */

/* All three, EC P-256 first. */
extern const image_keyring_t image_dev_keyring;

#endif
