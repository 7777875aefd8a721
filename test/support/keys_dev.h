/*
 * MCUboot's published development keys (see keys_dev.c), for the tests only:
 * the vectors in test/vectors/images are signed with them. Anyone can sign
 * with these (the private halves are public), so no device build trusts them:
 * extxip-sim trusts the board key or its --key files, the firmware the key it
 * was built with.
 */
#ifndef EXTXIP_IMAGE_KEYS_DEV_H
#define EXTXIP_IMAGE_KEYS_DEV_H

#include "image/image.h"

extern const extxip_image_key_t image_dev_key_ec_p256;   /* mcuboot-dev-ec-p256 (default) */
extern const extxip_image_key_t image_dev_key_rsa2048;   /* mcuboot-dev-rsa-2048 */
extern const extxip_image_key_t image_dev_key_ed25519;   /* mcuboot-dev-ed25519 */

/* All three, EC P-256 first. */
extern const extxip_image_keyring_t image_dev_keyring;

#endif
