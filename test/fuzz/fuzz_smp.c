/*
 * libFuzzer harness: the SMP dispatcher with every group the device registers
 * (OS, image, statistics, settings, shell, enumeration, Zephyr basic, file)
 * over a RAM nRF5340 DK laid out by the real pm_static.yml, v1
 * of the three images in the primaries (test/support/rig.c).
 *
 * Input: one control byte, then the bytes handed to extxip_smp_process (one or more
 * whole request packets). Control bits: 0 = set the first header's length
 * to the rest of the input (so length-changing mutations of the CBOR body
 * still reach the handlers), 1-2 = peer id, 3-7 = clock advance in seconds.
 *
 * Checked after every input: each response is well formed (header, length,
 * one CBOR map) and answers the request at its position; no more responses
 * than requests; the three images in the primaries (the running firmware)
 * are byte-for-byte unchanged; the device still answers echo. The flash is
 * put back to the start state (and the RAM file system emptied) whenever an
 * input wrote to it, so inputs stay independent (libFuzzer replays must
 * reproduce).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rig.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_smp: %s\n", why);                                                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static rig_t R;
static uint64_t g_ops0;

static void setup(void)
{
    if (rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS) != 0)
        abort();
    rig_snapshot(&R);
    g_ops0 = simflash_power_ops(&R.b.power);
}

/* The primaries' image bytes as they were at start. */
static void check_primaries(void)
{
    for (uint32_t i = 0; i < 3; i++) {
        const extxip_flash_area_t *fa = rig_area(&R, FLASH_AREA_IMAGE_PRIMARY(i));
        int dev = -1;
        for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++)
            if (simflash_board_dev(&R.b, k) == fa->dev)
                dev = k;
        FZ_ASSERT(dev >= 0, "primary on no device");
        uint32_t n;
        const uint8_t *m = rig_mem(&R, dev, &n);
        FZ_ASSERT(memcmp(m + fa->off, R.snap[dev] + fa->off, R.img_len[i]) == 0,
                  "a running image was modified");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size--;
    uint8_t *rx = malloc(size ? size : 1); /* exact size: ASan sees over-reads */
    if (!rx)
        return 0;
    memcpy(rx, data + 1, size);
    if ((ctl & 1) && size >= SMP_HDR_SIZE && size - SMP_HDR_SIZE <= UINT16_MAX) {
        rx[2] = (uint8_t)((size - SMP_HDR_SIZE) >> 8);
        rx[3] = (uint8_t)(size - SMP_HDR_SIZE);
    }
    uint64_t peer = (ctl >> 1) & 3u;
    R.now_ms += (uint64_t)(ctl >> 3) * 1000u;

    int n = rig_process(&R, rx, size, peer);
    FZ_ASSERT(n >= 0 && n == R.nrsp, "extxip_smp_process count differs from responses passed out");

    /* Pair responses with requests in order. */
    size_t pos = 0;
    int reqs = 0;
    for (int i = 0; i < n && i < RIG_MAX_RSP; i++) {
        extxip_smp_hdr_t h;
        FZ_ASSERT(extxip_smp_hdr_decode(rx + pos, size - pos, &h) == 0, "response without a request");
        const char *why = rig_rsp_check(R.rsp[i].pkt, R.rsp[i].len, &h);
        if (why) {
            fprintf(stderr, "response %d: %s\n", i, why);
            abort();
        }
        reqs++;
        pos += SMP_HDR_SIZE;
        pos += h.len <= size - pos ? h.len : size - pos;
    }
    FZ_ASSERT(reqs == (n < RIG_MAX_RSP ? n : RIG_MAX_RSP), "responses unpaired");
    free(rx);

    check_primaries();
    FZ_ASSERT(rig_echo_ok(&R, "alive", 7), "device stopped answering echo");
    if (simflash_power_ops(&R.b.power) != g_ops0 || R.resets || R.fs_dirty) {
        rig_restore(&R); /* back to the start state (also drops any session) */
        R.resets = 0;
        g_ops0 = simflash_power_ops(&R.b.power);
    }
    return 0;
}
