/*
 * libFuzzer harness: the pm_static.yml reader (port/posix/pm_layout.c) over
 * arbitrary text, with the nRF5340 DK's three devices. Checked: the result is
 * 0 or a named PM_LAYOUT_ERR_*; an error always comes with a message; on
 * success every required area lies inside its device, on sector boundaries,
 * and no two image/boot/settings areas of one device overlap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_layout.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_layout: %s\n", why);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const extxip_flash_dev_t d_app = {"flash_primary", 1u << 20, 4096, 4, 0xff, NULL, NULL, 0};
static const extxip_flash_dev_t d_net = {"flash_ctrl", 256u << 10, 2048, 4, 0xff, NULL, NULL, 0};
static const extxip_flash_dev_t d_qspi = {"MX25R64", 8u << 20, 4096, 4, 0xff, NULL, NULL, 0};

static void warn(void *arg, const char *msg)
{
    FZ_ASSERT(msg != NULL && strlen(msg) < 4096, "bad warning text");
    (*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const extxip_flash_dev_t *const devs[PM_DEV_COUNT] = {&d_app, &d_net, &d_qspi};
    char *text = malloc(size ? size : 1); /* not NUL-terminated: the reader gets len */
    if (!text)
        return 0;
    memcpy(text, data, size);
    static pm_layout_t l;
    char err[256];
    err[0] = 0;
    int warns = 0;
    int rc = pm_layout_parse(text, size, devs, &l, warn, &warns, err, sizeof err);
    FZ_ASSERT(rc <= 0 && rc >= PM_LAYOUT_ERR_ARG, "unnamed error");
    if (rc != 0) {
        FZ_ASSERT(err[0] != 0 && memchr(err, 0, sizeof err) != NULL, "error without a message");
    } else {
        FZ_ASSERT(l.nparts <= PM_LAYOUT_MAX_PARTS, "too many parts");
        for (unsigned i = 0; i < FLASH_AREA_COUNT; i++) {
            if (!l.map.present[i])
                continue;
            const extxip_flash_area_t *a = &l.map.areas[i];
            FZ_ASSERT(a->dev != NULL && a->size > 0, "empty area");
            FZ_ASSERT(a->off <= a->dev->size && a->size <= a->dev->size - a->off, "area beyond device");
            FZ_ASSERT(a->off % a->dev->sector_size == 0 && a->size % a->dev->sector_size == 0,
                      "area not on sectors");
            for (unsigned j = 0; j < i; j++) {
                const extxip_flash_area_t *b = &l.map.areas[j];
                if (!l.map.present[j] || b->dev != a->dev)
                    continue;
                FZ_ASSERT(a->off + a->size <= b->off || b->off + b->size <= a->off, "areas overlap");
            }
        }
        for (size_t i = 0; i < l.nparts; i++)
            FZ_ASSERT(memchr(l.parts[i].name, 0, PM_LAYOUT_NAME_MAX) != NULL, "name not terminated");
    }
    free(text);
    return 0;
}
