/*
 * 10,000 mixed SMP requests (default; argv[1] to change) into extxip_smp_process
 * over the in-process RAM device (test/support/rig.c): echo, state read,
 * params, info, taskstat, bootloader info, slot info, whole uploads of
 * img1 v2 to image 1 (with erase in between), test with unknown hashes, and
 * malformed packets, round-robin from 4 peers. Every response must be well
 * formed and answer its request.
 *
 * "No growth": the process's resident set after the first 1,000 requests
 * and at the end may differ by at most 512 KiB (the core allocates nothing;
 * this catches leaks in test glue and sanitizer-visible growth), and the
 * image group must hold no session at the end. Leaks themselves are
 * LeakSanitizer's job in the ASan pass. Prints requests/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "rig.h"

static rig_t R;
static uint8_t PKT[SMP_BUF_SIZE * 2];
static extxip_cbor_encoder_t E;
static uint8_t EB[SMP_BUF_SIZE];

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res * 4;
}

static int bad;
static long packets; /* requests sent */

static void send_check(uint8_t op, uint16_t group, uint8_t id, const uint8_t *b, size_t n,
                       uint64_t peer)
{
    size_t len = rig_pkt(PKT, sizeof PKT, op, 1, group, ++R.seq, id, b, n);
    extxip_smp_hdr_t h;
    extxip_smp_hdr_decode(PKT, len, &h);
    int got = rig_process(&R, PKT, len, peer);
    packets++;
    if (got != 1) {
        if (bad++ < 5)
            fprintf(stderr, "group %u id %u: %d responses\n", group, id, got);
        return;
    }
    const char *why = rig_rsp_check(R.rsp[0].pkt, R.rsp[0].len, &h);
    if (why && bad++ < 5)
        fprintf(stderr, "group %u id %u: %s\n", group, id, why);
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 10000;
    if (rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS) != 0)
        return 2;
    tu_blob_t fw = tu_load_file(EXTXIP_VECTORS "/images/img1-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(fw.p, fw.n, sha);
    uint32_t up_off = 0;
    unsigned uploads = 0;
    long rss_1k = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < total; i++) {
        uint64_t peer = (uint64_t)(i % 4);
        R.now_ms += 1;
        switch (i % 12) {
        case 0:
        case 6: {
            char d[64];
            snprintf(d, sizeof d, "mixed-%ld", i);
            extxip_cbor_enc_init(&E, EB, sizeof EB);
            extxip_cbor_enc_map(&E, 1);
            extxip_cbor_enc_tstr_z(&E, "d");
            extxip_cbor_enc_tstr_z(&E, d);
            send_check(SMP_OP_WRITE, 0, 0, EB, E.len, peer);
            rig_fields_t f;
            if (rig_fields(R.rsp[0].pkt, R.rsp[0].len, &f) != 0 || !f.has_r || strcmp(f.r, d) != 0)
                bad++;
            break;
        }
        case 1:
            send_check(SMP_OP_READ, 1, 0, NULL, 0, peer); /* state read (empty body) → EINVAL or list */
            break;
        case 2: {
            static const uint8_t m[] = {0xa0};
            send_check(SMP_OP_READ, 1, 0, m, 1, peer);
            send_check(SMP_OP_READ, 0, 6, m, 1, peer);
            break;
        }
        case 3: {
            static const uint8_t m[] = {0xa1, 0x66, 'f', 'o', 'r', 'm', 'a', 't', 0x61, 'a'};
            send_check(SMP_OP_READ, 0, 7, m, sizeof m, peer);
            break;
        }
        case 4: {
            static const uint8_t m[] = {0xa0};
            send_check(SMP_OP_READ, 0, 2, m, 1, peer);
            send_check(SMP_OP_READ, 0, 8, m, 1, peer);
            send_check(SMP_OP_READ, 1, 6, m, 1, peer);
            break;
        }
        case 5:
        case 7:
        case 9:
        case 11: {
            /* the upload, always from peer 0 (others would be busy) */
            uint32_t n = fw.n - up_off < 1024 ? (uint32_t)(fw.n - up_off) : 1024;
            extxip_cbor_enc_init(&E, EB, sizeof EB);
            extxip_cbor_enc_map(&E, up_off == 0 ? 5 : 2);
            if (up_off == 0) {
                extxip_cbor_enc_tstr_z(&E, "image");
                extxip_cbor_enc_uint(&E, 1);
                extxip_cbor_enc_tstr_z(&E, "len");
                extxip_cbor_enc_uint(&E, fw.n);
                extxip_cbor_enc_tstr_z(&E, "sha");
                extxip_cbor_enc_bstr(&E, sha, 32);
            }
            extxip_cbor_enc_tstr_z(&E, "off");
            extxip_cbor_enc_uint(&E, up_off);
            extxip_cbor_enc_tstr_z(&E, "data");
            extxip_cbor_enc_bstr(&E, fw.p + up_off, n);
            send_check(SMP_OP_WRITE, 1, 1, EB, E.len, 0);
            rig_fields_t f;
            if (rig_fields(R.rsp[0].pkt, R.rsp[0].len, &f) != 0 || !f.has_off || f.has_err || f.has_rc) {
                if (bad++ < 5)
                    fprintf(stderr, "upload at %u refused\n", (unsigned)up_off);
                up_off = 0;
                break;
            }
            up_off = f.off;
            if (up_off >= fw.n) {
                uploads++;
                up_off = 0;
                static const uint8_t er[] = {0xa1, 0x64, 's', 'l', 'o', 't', 0x03};
                send_check(SMP_OP_WRITE, 1, 5, er, sizeof er, 0);
            }
            break;
        }
        case 8: {
            uint8_t h[40];
            memset(h, (int)(i & 0xff), sizeof h);
            extxip_cbor_enc_init(&E, EB, sizeof EB);
            extxip_cbor_enc_map(&E, 1);
            extxip_cbor_enc_tstr_z(&E, "hash");
            extxip_cbor_enc_bstr(&E, h, (size_t)(i % 40));
            send_check(SMP_OP_WRITE, 1, 0, EB, E.len, peer);
            break;
        }
        case 10: {
            /* malformed: unknown group, truncated CBOR, version 3 */
            static const uint8_t tr[] = {0xa2, 0x61, 0x64};
            send_check(SMP_OP_READ, 99, 0, NULL, 0, peer);
            send_check(SMP_OP_WRITE, 0, 0, tr, sizeof tr, peer);
            size_t len = rig_pkt(PKT, sizeof PKT, SMP_OP_READ, 3, 0, ++R.seq, 0, NULL, 0);
            if (rig_process(&R, PKT, len, peer) != 1)
                bad++;
            packets++;
            break;
        }
        }
        if (i == 999)
            rss_1k = rss_kib();
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long rss_end = rss_kib();
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("stress_mixed: %ld rounds, %ld requests in %.2f s = %.0f requests/s; "
           "%u complete uploads; RSS %ld KiB after 1000 rounds, %ld KiB at end\n",
           total, packets, dt, (double)packets / dt, uploads, rss_1k, rss_end);
    int fail = bad != 0;
    if (rss_1k > 0 && rss_end - rss_1k > 512) {
        printf("FAIL: resident set grew by %ld KiB\n", rss_end - rss_1k);
        fail = 1;
    }
    if (uploads == 0) {
        printf("FAIL: no upload completed\n");
        fail = 1;
    }
    if (!rig_echo_ok(&R, "end", 1)) {
        printf("FAIL: no echo at the end\n");
        fail = 1;
    }
    if (bad)
        printf("FAIL: %d bad responses\n", bad);
    free(fw.p);
    rig_close(&R);
    return fail;
}
