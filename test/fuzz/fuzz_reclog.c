/*
 * libFuzzer harness: the snapshot record log (lib/flash/reclog.c, the upload
 * session checkpoints and the bootloader's pair record) over arbitrary
 * window contents, on the RAM flash with the NOR rules.
 *
 * Input: byte 0 picks the record size (16..256), byte 1 the window's sectors
 * (2..4 of 4 KiB), then the window's bytes (short inputs padded with 0xff).
 * Checked: scan returns 0 or 1 (never an error on RAM); a found record has
 * the owner's magic; the append cursor lies on a record boundary inside the
 * window; three appends each succeed without breaking the NOR rules, and a
 * fresh scan after each finds exactly the record just appended, with a
 * newer seq than the one before.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/reclog.h"
#include "ramflash.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_reclog: %s\n", why);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAGIC 0x53455331u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t recs[] = {16, 32, 64, 128, 256};
    if (size < 2)
        return 0;
    uint16_t rs = recs[data[0] % 5u];
    uint32_t nsec = 2u + data[1] % 3u, wsize = nsec * 4096u;
    static ramflash_t r;
    ramflash_init(&r, wsize, data + 2, size - 2, false, 1);
    extxip_reclog_t l;
    FZ_ASSERT(extxip_reclog_init(&l, &r.fa, 0, wsize, rs, MAGIC) == RECLOG_OK, "init refused a good geometry");
    uint8_t rec[RECLOG_REC_MAX], want[RECLOG_REC_MAX];
    int rc = extxip_reclog_scan(&l, rec);
    FZ_ASSERT(rc == 0 || rc == 1, "scan: not 0/1 on RAM");
    FZ_ASSERT(l.next <= wsize && l.next % rs == 0, "append cursor outside the window");
    if (rc == 1)
        FZ_ASSERT(extxip_reclog_rd32(rec) == MAGIC, "found a record of another owner");
    uint32_t prev = rc == 1 ? extxip_reclog_rd32(rec + 4) : 0;
    int had = rc;
    for (unsigned n = 0; n < 3; n++) {
        memset(want, 0, sizeof want);
        for (unsigned i = RECLOG_HDR_SIZE; i + RECLOG_CRC_SIZE < rs; i++)
            want[i] = (uint8_t)(n * 31u + i);
        FZ_ASSERT(extxip_reclog_append(&l, want) == RECLOG_OK, "append failed on RAM");
        FZ_ASSERT(r.refused == 0, "append broke the NOR rules");
        extxip_reclog_t l2;
        FZ_ASSERT(extxip_reclog_init(&l2, &r.fa, 0, wsize, rs, MAGIC) == RECLOG_OK, "re-init failed");
        FZ_ASSERT(extxip_reclog_scan(&l2, rec) == 1, "appended record not found");
        FZ_ASSERT(memcmp(rec + RECLOG_HDR_SIZE, want + RECLOG_HDR_SIZE, rs - RECLOG_HDR_SIZE) == 0,
                  "scan found another record than the one appended");
        uint32_t seq = extxip_reclog_rd32(rec + 4);
        if (had || n > 0)
            FZ_ASSERT((int32_t)(seq - prev) > 0, "appended seq not newer");
        prev = seq;
        l = l2;
    }
    ramflash_free(&r);
    return 0;
}
