/*
 * libFuzzer harness: the settings store (lib/storage/kvstore.c) over
 * arbitrary sector contents, then a script of operations, on the RAM flash
 * with the NOR rules (a refused 0->1 program or partial erase is a bug).
 *
 * Input: 3 sectors of 4 KiB (short inputs are padded with 0xff, erased), then
 * op bytes: op&3 = 0 write, 1 read, 2 delete, 3 foreach; (op>>2)&7 picks one
 * of eight one-byte names 'a'..'h'; a write takes a length byte and that many
 * value bytes. Checked beside a model: mount and every op return a named
 * code; the NOR rules are never broken; a name this run wrote reads back
 * exactly what was last written (and a deleted one ENOENT); a name it did not
 * touch reads what mount saw, or nothing; foreach reports each name once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ramflash.h"
#include "storage/kvstore.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_kvstore: %s\n", why);                                            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define NSEC 3u
#define SSZ 4096u
#define NNAMES 8u

typedef struct {
    int state; /* 0 untouched, 1 written by us, 2 deleted by us */
    size_t len;
    uint8_t val[KVS_VAL_MAX];
    int at_mount; /* present at mount (foreach) */
    size_t mlen;
    uint8_t mval[KVS_VAL_MAX];
} model_t;

static model_t m[NNAMES];
static unsigned seen[NNAMES];

static int on_each(void *arg, const char *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    int mounting = *(int *)arg;
    FZ_ASSERT(nlen >= 1 && nlen < KVS_NAME_MAX && vlen <= KVS_VAL_MAX, "foreach lengths out of range");
    if (nlen != 1 || name[0] < 'a' || name[0] >= 'a' + (int)NNAMES)
        return 0;
    unsigned i = (unsigned)(name[0] - 'a');
    seen[i]++;
    if (mounting) {
        m[i].at_mount = 1;
        m[i].mlen = vlen;
        memcpy(m[i].mval, val, vlen);
    }
    return 0;
}

static int named(int rc)
{
    return rc <= KVS_OK && rc >= KVS_ENOTMOUNTED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ramflash_t r;
    size_t img = size < NSEC * SSZ ? size : NSEC * SSZ;
    ramflash_init(&r, NSEC * SSZ, data, img, false, 1);
    const uint8_t *p = data + img, *end = data + size;
    memset(m, 0, sizeof m);
    static extxip_kvs_t k;
    int rc = extxip_kvs_mount(&k, &r.fa, 0, NSEC * SSZ);
    FZ_ASSERT(named(rc), "mount: unnamed code");
    FZ_ASSERT(r.refused == 0, "mount broke the NOR rules");
    if (rc != KVS_OK) {
        ramflash_free(&r);
        return 0;
    }
    int mounting = 1;
    memset(seen, 0, sizeof seen);
    FZ_ASSERT(extxip_kvs_foreach(&k, on_each, &mounting) == KVS_OK, "foreach failed on RAM");
    for (unsigned i = 0; i < NNAMES; i++)
        FZ_ASSERT(seen[i] <= 1, "foreach reported a name twice");
    mounting = 0;
    unsigned ops = 0;
    while (p < end && ops++ < 64) {
        uint8_t op = *p++;
        unsigned i = (op >> 2) & 7u;
        char name = (char)('a' + i);
        uint8_t buf[KVS_VAL_MAX];
        size_t len = 0;
        switch (op & 3u) {
        case 0: {
            size_t vlen = p < end ? *p++ : 0;
            if (vlen > (size_t)(end - p))
                vlen = (size_t)(end - p);
            rc = extxip_kvs_write(&k, &name, 1, p, vlen);
            FZ_ASSERT(rc == KVS_OK || rc == KVS_ENOSPC, "write: unexpected code on RAM");
            if (rc == KVS_OK) {
                m[i].state = 1;
                m[i].len = vlen;
                memcpy(m[i].val, p, vlen);
            }
            p += vlen;
            break;
        }
        case 1:
            rc = extxip_kvs_read(&k, &name, 1, buf, sizeof buf, &len);
            FZ_ASSERT(rc == KVS_OK || rc == KVS_ENOENT, "read: unexpected code on RAM");
            if (m[i].state == 1) {
                FZ_ASSERT(rc == KVS_OK && len == m[i].len && memcmp(buf, m[i].val, len) == 0,
                          "read back differs from the last write");
            } else if (m[i].state == 2) {
                FZ_ASSERT(rc == KVS_ENOENT, "deleted name reads back");
            } else if (rc == KVS_OK) {
                FZ_ASSERT(m[i].at_mount && len == m[i].mlen && memcmp(buf, m[i].mval, len) == 0,
                          "untouched name reads a value never written");
            }
            break;
        case 2:
            rc = extxip_kvs_delete(&k, &name, 1);
            FZ_ASSERT(rc == KVS_OK || rc == KVS_ENOENT || rc == KVS_ENOSPC, "delete: unexpected code");
            if (rc == KVS_OK || (rc == KVS_ENOENT && m[i].state != 1)) {
                if (rc == KVS_ENOENT)
                    FZ_ASSERT(m[i].state != 1, "delete of a written name: ENOENT");
                m[i].state = 2;
            }
            break;
        default:
            memset(seen, 0, sizeof seen);
            FZ_ASSERT(extxip_kvs_foreach(&k, on_each, &mounting) == KVS_OK, "foreach failed");
            for (unsigned j = 0; j < NNAMES; j++) {
                FZ_ASSERT(seen[j] <= 1, "foreach reported a name twice");
                if (m[j].state == 1)
                    FZ_ASSERT(seen[j] == 1, "foreach lost a written name");
                if (m[j].state == 2)
                    FZ_ASSERT(seen[j] == 0, "foreach reports a deleted name");
            }
            break;
        }
        FZ_ASSERT(r.refused == 0, "an op broke the NOR rules");
    }
    /* A remount sees what the model holds. */
    rc = extxip_kvs_mount(&k, &r.fa, 0, NSEC * SSZ);
    FZ_ASSERT(rc == KVS_OK, "remount failed");
    for (unsigned i = 0; i < NNAMES; i++) {
        char name = (char)('a' + i);
        uint8_t buf[KVS_VAL_MAX];
        size_t len = 0;
        rc = extxip_kvs_read(&k, &name, 1, buf, sizeof buf, &len);
        if (m[i].state == 1)
            FZ_ASSERT(rc == KVS_OK && len == m[i].len && memcmp(buf, m[i].val, len) == 0,
                      "remount lost a write");
        if (m[i].state == 2)
            FZ_ASSERT(rc == KVS_ENOENT, "remount revived a deleted name");
    }
    FZ_ASSERT(r.refused == 0, "remount broke the NOR rules");
    ramflash_free(&r);
    return 0;
}
