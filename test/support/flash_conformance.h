/* The flash conformance suite: what every port's flash backend must do for
 * the core to be power-safe, checked on the device itself (its ops, and
 * through lib/flash's contract). Freestanding (no stdio, no heap), so the
 * firmware can run it too; failures are reported through `fail`.
 * Runs on [off, off + 2 sectors) of dev, which it erases: give it a window
 * whose contents may be lost. Returns the number of failed checks. */
#ifndef EXTXIP_TEST_FLASH_CONFORMANCE_H
#define EXTXIP_TEST_FLASH_CONFORMANCE_H

#include <stdint.h>

#include "flash/flash_area.h"

typedef void (*flash_conf_fail_fn)(void *arg, const char *check);

int flash_conformance(const extxip_flash_dev_t *dev, uint32_t off, flash_conf_fail_fn fail,
                      void *arg);

#endif
