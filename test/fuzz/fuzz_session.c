/*
 * libFuzzer harness: the image group's persisted upload session log
 * (lib/mgmt/img_mgmt_upload.c, restored by extxip_img_mgmt_init at every
 * power-on) on the nRF5340 DK layout's RAM board.
 *
 * Input: byte 0 is a bitmask of the images whose secondary starts with the
 * image magic (so the "data still there" check can pass); the rest is cut
 * into 52-byte record payloads that the harness frames as valid log records
 * (magic, rising seq, CRC-32), so the restore logic itself is reached rather
 * than the CRC check. Checked: the restart succeeds and writes nothing; a
 * restored session names a configured image, its offset lies on a sector
 * boundary, at most its length, and its length fits the secondary slot.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/crc32.h"
#include "flash/reclog.h"
#include "rig.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_session: %s\n", why);                                            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define REC_MAGIC 0x53554d49u /* lib/mgmt/img_mgmt_upload.c */

static rig_t R;
static int ready;

static uint8_t *area_mem(const extxip_flash_area_t *fa)
{
    for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++)
        if (simflash_board_dev(&R.b, k) == fa->dev) {
            uint32_t n;
            return rig_mem(&R, k, &n) + fa->off;
        }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        if (rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS) != 0)
            abort();
        rig_snapshot(&R);
        ready = 1;
    }
    rig_restore(&R);
    if (size < 1)
        return 0;
    for (uint32_t i = 0; i < 3; i++) {
        const extxip_flash_area_t *fa = rig_area(&R, FLASH_AREA_IMAGE_SECONDARY(i));
        FZ_ASSERT(fa != NULL, "no secondary");
        uint8_t *m = area_mem(fa);
        if (data[0] & (1u << i))
            extxip_reclog_wr32(m, 0x96f3b83du); /* MCUboot's IMAGE_MAGIC */
    }
    const extxip_flash_area_t *lf = rig_area(&R, R.im.cfg.log_area);
    FZ_ASSERT(lf != NULL && R.im.cfg.log_size > 0, "no session log");
    uint8_t *log = area_mem(lf) + R.im.cfg.log_off;
    memset(log, 0xff, R.im.cfg.log_size);
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    uint32_t body = IMG_MGMT_REC_SIZE - RECLOG_CRC_SIZE, pay = body - RECLOG_HDR_SIZE;
    for (uint32_t pos = 0, seq = 1; left > 0 && pos + IMG_MGMT_REC_SIZE <= R.im.cfg.log_size;
         pos += IMG_MGMT_REC_SIZE, seq++) {
        uint8_t rec[IMG_MGMT_REC_SIZE];
        memset(rec, 0xff, sizeof rec);
        size_t n = left < pay ? left : pay;
        extxip_reclog_wr32(rec, REC_MAGIC);
        extxip_reclog_wr32(rec + 4, seq);
        memcpy(rec + RECLOG_HDR_SIZE, p, n);
        extxip_reclog_wr32(rec + body, extxip_crc32(0, rec, body));
        memcpy(log + pos, rec, sizeof rec);
        p += n;
        left -= n;
    }
    rig_snapshot(&R);
    FZ_ASSERT(rig_restart(&R) == 0, "restart failed");
    int dev;
    uint32_t off;
    FZ_ASSERT(rig_flash_diff(&R, &dev, &off) == 0, "init wrote flash");
    uint8_t image;
    uint32_t soff, slen;
    if (extxip_img_mgmt_session_get(&R.im, &image, &soff, &slen)) {
        FZ_ASSERT(image < R.im.cfg.image_count, "restored session of no configured image");
        const extxip_flash_area_t *fa = rig_area(&R, FLASH_AREA_IMAGE_SECONDARY(image));
        FZ_ASSERT(fa != NULL, "restored session has no slot");
        FZ_ASSERT(slen <= fa->size, "restored session longer than its slot");
        FZ_ASSERT(soff > 0 && soff <= slen, "restored offset past the length");
        FZ_ASSERT(soff % extxip_flash_area_sector_size(fa) == 0, "restored offset inside a sector");
    }
    return 0;
}
