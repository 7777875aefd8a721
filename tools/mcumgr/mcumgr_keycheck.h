/*
 * --key KEY: the key the device trusts (a PEM, private or public, as imgtool's -k takes
 * it). An image upload or a package's images are checked against it before a byte is
 * sent: signed with another key, no signature for it, or a signature that does not
 * verify are refused with one line naming both keys (their KEYHASH, the SHA-256 of the
 * public key MCUboot's KEYHASH TLV carries). The device would only refuse it at
 * `image test` (rc 5) or at boot.
 */
#ifndef EXTXIP_MCUMGR_KEYCHECK_H
#define EXTXIP_MCUMGR_KEYCHECK_H

#include <stddef.h>
#include <stdint.h>

enum { MCUMGR_KEY_OK = 0, MCUMGR_KEY_MISMATCH = -1, MCUMGR_KEY_UNUSABLE = -2 };

/* data/size: one signed image. MCUMGR_KEY_OK also for what this check does not judge
 * (a malformed image: the image checks say so); MCUMGR_KEY_MISMATCH with why;
 * MCUMGR_KEY_UNUSABLE when the key cannot be read (why says so). */
int mcumgr_key_check(const char *key_path, const uint8_t *data, size_t size, char *why,
                     size_t cap);

#endif
