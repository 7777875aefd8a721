/*
 * bench-smp-cpu: server CPU cost of an image upload, in process.
 *
 * The device side of a UDP upload is one extxip_smp_process() call per datagram;
 * this harness feeds the image group (over a RAM nRF5340 DK board, flash
 * timing off) the exact request packets a client sends, prebuilt before the
 * measured part so only server work is counted. Under callgrind each
 * measured section is bracketed by CALLGRIND_ZERO_STATS / DUMP_STATS_AT, so
 * every dump holds the instructions of one section:
 *   upload-<chunk>   extxip_smp_process over all requests of a 256 KiB upload
 *   memcpy           the floor: one memcpy of the same bytes into the slot's RAM
 * Without valgrind the macros do nothing and wall time is printed instead.
 *
 *   bench-smp-cpu IMAGE CHUNK...
 * prints one JSON object per section on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/sha256.h>

#include "callgrind_compat.h"
#include "mcumgr_req.h"
#include "mgmt/img_mgmt.h"
#include "sim_device.h"
#include "smp/smp.h"
#include "../test/support/vecfile.h"

typedef struct {
    uint8_t *buf;    /* all packets back to back */
    size_t *len;     /* length of each */
    size_t n;
} pkts_t;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Requests as extxip-mcumgr sends them: first chunk with len/sha/image/upgrade. */
static int build(pkts_t *p, const uint8_t *img, size_t size, size_t chunk)
{
    uint8_t sha[32];
    mbedtls_sha256_ret(img, size, sha, 0);
    size_t count = (size + chunk - 1) / chunk;
    p->buf = malloc(count * (chunk + 128));
    p->len = calloc(count, sizeof *p->len);
    p->n = 0;
    if (!p->buf || !p->len)
        return -1;
    size_t at = 0;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        mcumgr_upload_req_t r = {(uint32_t)off, img + off, n, (uint32_t)size,
                                 off == 0 ? sha : NULL, off == 0 ? 32 : 0, 0, 0};
        int bl = mcumgr_req_upload(p->buf + at + SMP_HDR_SIZE, chunk + 120, &r);
        if (bl < 0)
            return -1;
        extxip_smp_hdr_t h = {SMP_OP_WRITE, 1, 0, (uint16_t)bl, 1, (uint8_t)p->n, 1};
        extxip_smp_hdr_encode(&h, p->buf + at);
        p->len[p->n++] = SMP_HDR_SIZE + (size_t)bl;
        at += SMP_HDR_SIZE + (size_t)bl;
    }
    return 0;
}

static unsigned long replies;
static int out_fn(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    replies++; /* the UDP send itself is the OS's cost, not the server's */
    return 0;
}

/* The measured loop: one extxip_smp_process per datagram. */
__attribute__((noinline)) static void serve_all(extxip_smp_server_t *srv, const pkts_t *p, uint8_t *tx)
{
    size_t at = 0;
    for (size_t i = 0; i < p->n; i++) {
        extxip_smp_process(srv, p->buf + at, p->len[i], tx, SMP_BUF_SIZE, 1, out_fn, NULL);
        at += p->len[i];
    }
}

__attribute__((noinline)) static void copy_floor(uint8_t *dst, const uint8_t *src, size_t n)
{
    memcpy(dst, src, n);
}

static uint8_t *slot_mem(sim_device_t *d, uint8_t id)
{
    const extxip_flash_area_t *fa = sim_device_area(d, id);
    for (int k = 0; k < SIMFLASH_BOARD_NDEV; k++)
        if (simflash_board_dev(&d->board, k) == fa->dev)
            return simflash_mem(d->board.dev[k]) + fa->off;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-smp-cpu IMAGE CHUNK...\n");
        return 2;
    }
    tu_blob_t file = tu_read_file(argv[1]);
    uint8_t *img = file.p;
    size_t size = file.n;
    if (!img) {
        fprintf(stderr, "bench-smp-cpu: cannot read %s\n", argv[1]);
        return 1;
    }
    static sim_device_t dev;
    static extxip_smp_server_t srv;
    static extxip_img_mgmt_t im;
    static uint8_t tx[SMP_BUF_SIZE];
    int bad = 0;
    for (int a = 2; a < argc; a++) {
        size_t chunk = (size_t)strtoul(argv[a], NULL, 10);
        char err[200];
        if (chunk == 0 || sim_device_open(&dev, NULL, EXTXIP_BOARD_LAYOUT, stderr, err,
                                          sizeof err) != 0) {
            fprintf(stderr, "bench-smp-cpu: setup failed (chunk %zu)\n", chunk);
            return 1;
        }
        extxip_smp_server_init(&srv);
        extxip_img_mgmt_config_t ic;
        extxip_img_mgmt_config_default(&ic);
        ic.map = &dev.layout.map;
        ic.keys = &dev.keyring;
        if (extxip_img_mgmt_init(&im, &ic) != 0 || extxip_img_mgmt_register(&im, &srv) != 0) {
            fprintf(stderr, "bench-smp-cpu: image group init failed\n");
            return 1;
        }
        pkts_t p;
        if (build(&p, img, size, chunk) != 0) {
            fprintf(stderr, "bench-smp-cpu: cannot build requests for chunk %zu\n", chunk);
            return 1;
        }
        size_t largest = 0;
        for (size_t i = 0; i < p.n; i++)
            largest = p.len[i] > largest ? p.len[i] : largest;
        replies = 0;
        char label[32];
        snprintf(label, sizeof label, "upload-%zu", chunk);
        long long t0 = now_ns();
        CALLGRIND_ZERO_STATS;
        serve_all(&srv, &p, tx);
        CALLGRIND_DUMP_STATS_AT(label);
        long long t1 = now_ns();
        uint8_t *slot = slot_mem(&dev, FLASH_AREA_IMAGE_SECONDARY(0));
        int ok = replies == p.n && slot && memcmp(slot, img, size) == 0;
        bad |= !ok;
        printf("{\"section\":\"%s\",\"chunk\":%zu,\"requests\":%zu,\"largest_packet\":%zu,"
               "\"bytes\":%zu,\"ok\":%s,\"wall_ns\":%lld}\n",
               label, chunk, p.n, largest, size, ok ? "true" : "false", t1 - t0);
        free(p.buf);
        free(p.len);
        sim_device_close(&dev);
    }
    /* Floor: the same bytes copied into the slot's RAM once. */
    char err[200];
    if (sim_device_open(&dev, NULL, EXTXIP_BOARD_LAYOUT, stderr, err, sizeof err) != 0)
        return 1;
    uint8_t *slot = slot_mem(&dev, FLASH_AREA_IMAGE_SECONDARY(0));
    long long t0 = now_ns();
    CALLGRIND_ZERO_STATS;
    copy_floor(slot, img, size);
    CALLGRIND_DUMP_STATS_AT("memcpy");
    long long t1 = now_ns();
    printf("{\"section\":\"memcpy\",\"bytes\":%zu,\"ok\":%s,\"wall_ns\":%lld}\n", size,
           memcmp(slot, img, size) == 0 ? "true" : "false", t1 - t0);
    sim_device_close(&dev);
    free(img);
    return bad;
}
