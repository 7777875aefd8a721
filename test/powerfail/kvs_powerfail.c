/*
 * Power-cut sweep of the settings store (lib/mgmt/kvstore.c): the way the
 * bootloader's sweep works (powerfail.c), on a RAM nRF5340 flash device with
 * the simulator's power model (port/posix/simflash). For every erase/program
 * operation an operation performs, a fresh store is brought to the same
 * state, power is cut at that operation (the interrupted one is left
 * partial), power comes back, and then:
 *   - the store mounts;
 *   - the key being written/deleted has its old or its new value (never a
 *     torn one, never another), every other key is unchanged;
 *   - the store still takes a write, and a second mount sees all of it.
 * Cases: a plain write, a write that moves to a new sector and
 * garbage-collects the oldest one (live records copied), a delete, and the
 * collection cut twice (the second cut inside the mount that redoes it).
 * A cut inside the last program of the record always keeps the old value (the
 * record is incomplete); the new one shows only when nothing was cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/crc32.h"
#include "storage/kvstore.h"
#include "simflash.h"
#include "testutil.h"

#define NSEC 4u
#define NKEYS 8

typedef struct model {
    int has[NKEYS + 1];
    char val[NKEYS + 1][KVS_VAL_MAX + 1];
} model_t;

static simflash_power_t PWR;
static simflash_t *SF;
static extxip_flash_area_t FA;
static extxip_kvs_t K;

static const char *key_name(int i)
{
    static char b[NKEYS + 1][16];
    snprintf(b[i], sizeof b[i], i == NKEYS ? "after/probe" : "app/key%d", i);
    return b[i];
}

static void fresh(void)
{
    simflash_close(SF);
    simflash_power_init(&PWR, 7);
    if (simflash_open(&SF, &simflash_geom_nrf5340_app, NULL, &PWR) != FLASH_OK)
        exit(2);
    FA = (extxip_flash_area_t){.id = 7, .name = "settings_storage", .dev = simflash_dev(SF), .off = 0,
                        .size = NSEC * 4096u};
}

/* Value number n of key i: its length varies so records straddle sector ends. */
static void make_val(int i, int n, char *out)
{
    int len = 3 + (n * 37 + i * 11) % 120;
    for (int k = 0; k < len; k++)
        out[k] = (char)('a' + (n + i + k) % 26);
    out[len] = 0;
}

static int put(model_t *m, int i, int n)
{
    char v[KVS_VAL_MAX + 1];
    make_val(i, n, v);
    int rc = extxip_kvs_write(&K, key_name(i), strlen(key_name(i)), (const uint8_t *)v, strlen(v));
    if (rc == KVS_OK && m) {
        m->has[i] = 1;
        strcpy(m->val[i], v);
    }
    return rc;
}

/* State before the operation under test: every key written, then `fill`
 * overwrites of key 0 (superseded records for collections to drop). */
static void prefix(model_t *m, int fill)
{
    memset(m, 0, sizeof *m);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    for (int i = 0; i < NKEYS; i++)
        CHECK_EQ(put(m, i, 1), KVS_OK);
    for (int n = 0; n < fill; n++)
        CHECK_EQ(put(m, 0, 100 + n), KVS_OK);
}

static int g_quiet;

/* The store holds exactly m, except key `i`, which may hold m or alt. */
static int matches(const model_t *m, const model_t *alt, int skip)
{
    for (int i = 0; i <= NKEYS; i++) {
        uint8_t v[KVS_VAL_MAX + 1];
        size_t n = 0;
        int rc = extxip_kvs_read(&K, key_name(i), strlen(key_name(i)), v, KVS_VAL_MAX, &n);
        int ok_m = m->has[i] ? rc == KVS_OK && n == strlen(m->val[i]) &&
                                   memcmp(v, m->val[i], n) == 0
                             : rc == KVS_ENOENT;
        int ok_alt = 0;
        if (alt && i == skip)
            ok_alt = alt->has[i] ? rc == KVS_OK && n == strlen(alt->val[i]) &&
                                       memcmp(v, alt->val[i], n) == 0
                                 : rc == KVS_ENOENT;
        if (!ok_m && !ok_alt) {
            if (!g_quiet)
                fprintf(stderr, "key %s: rc %d len %zu\n", key_name(i), rc, n);
            return 0;
        }
    }
    return 1;
}

enum { OP_WRITE, OP_DELETE };

/* The store after power came back: mounts, holds old or new, keeps working. */
static void after_cut(model_t *old, const model_t *nw, int key, int *which)
{
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    g_quiet = 1;
    int is_old = matches(old, NULL, -1), is_new = matches(nw, NULL, -1);
    g_quiet = 0;
    CHECK(is_old || is_new);
    CHECK(matches(old, nw, key));
    *which = is_new ? 1 : 0;
    model_t m = is_new ? *nw : *old;
    CHECK_EQ(put(&m, NKEYS, 7), KVS_OK); /* writable again */
    CHECK(matches(&m, NULL, -1));
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    CHECK(matches(&m, NULL, -1));
    *old = m;
}

/* Run the operation; *nw becomes what the store should hold if it completes. */
static int do_op(int op, int key, model_t *nw)
{
    if (op == OP_DELETE) {
        nw->has[key] = 0;
        return extxip_kvs_delete(&K, key_name(key), strlen(key_name(key)));
    }
    nw->has[key] = 1;
    make_val(key, 999, nw->val[key]);
    return put(NULL, key, 999);
}

/* Sweep every cut point of one operation after prefix(fill). Returns the
 * number of cut points; *gcs = collections the uncut operation ran. */
static int sweep(int fill, int op, int key, uint32_t *gcs)
{
    int points = 0, olds = 0, news = 0;
    for (uint64_t cut = 1;; cut++) {
        fresh();
        model_t old, nw;
        prefix(&old, fill);
        nw = old;
        uint32_t g0 = K.gcs;
        simflash_power_cut_after(&PWR, cut);
        int rc = do_op(op, key, &nw);
        int was_cut = simflash_power_is_cut(&PWR);
        if (!was_cut) {
            CHECK_EQ(rc, KVS_OK);
            *gcs = K.gcs - g0;
            simflash_power_cut_after(&PWR, 0);
            CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
            CHECK(matches(&nw, NULL, -1));
            break;
        }
        CHECK(rc != KVS_OK);
        simflash_power_on(&PWR);
        int which;
        after_cut(&old, &nw, key, &which);
        which ? news++ : olds++;
        points++;
    }
    printf("  %d cut points: %d kept the old value, %d the new\n", points, olds, news);
    return points;
}

/* Smallest fill whose operation on key 1 moves to a new sector with live
 * records to copy. */
static int fill_for_gc(int op)
{
    for (int fill = 0; fill < 400; fill++) {
        fresh();
        model_t m;
        prefix(&m, fill);
        uint32_t a0 = K.active, w0 = K.writes, g0 = K.gcs;
        CHECK_EQ(do_op(op, 1, &m), KVS_OK);
        if (K.active != a0 && K.gcs > g0 && K.writes > w0 + 1)
            return fill;
    }
    return -1;
}

static void kvs_write_sweep(void)
{
    uint32_t gcs = 0;
    printf("kvs write (no collection):\n");
    CHECK(sweep(0, OP_WRITE, 3, &gcs) >= 2);
    CHECK_EQ(gcs, 0);
}

static void kvs_gc_sweep(void)
{
    int fill = fill_for_gc(OP_WRITE);
    CHECK(fill >= 0);
    uint32_t gcs = 0;
    printf("kvs write that garbage-collects (fill %d):\n", fill);
    int points = sweep(fill, OP_WRITE, 1, &gcs);
    CHECK(gcs >= 1);
    CHECK(points >= 5); /* sector erase, live copies, the erase of the old sector, the record */
}

static void kvs_delete_sweep(void)
{
    uint32_t gcs = 0;
    printf("kvs delete:\n");
    CHECK(sweep(0, OP_DELETE, 5, &gcs) >= 2);
}

/* The flash put back to `snap`, power cut at operation c2 of a mount, power
 * on again. 1 when the cut fell inside the mount. */
static int mount_cut_at(const uint8_t *snap, uint64_t c2)
{
    memcpy(simflash_mem(SF), snap, FA.size);
    simflash_power_on(&PWR);
    simflash_power_cut_after(&PWR, c2);
    extxip_kvs_mount(&K, &FA, 0, FA.size);
    int cut = simflash_power_is_cut(&PWR);
    simflash_power_on(&PWR);
    return cut;
}

/* Cut the collection, then cut again inside the mount that finishes it. */
static void kvs_gc_double_cut(void)
{
    int fill = fill_for_gc(OP_WRITE);
    CHECK(fill >= 0);
    int pairs = 0;
    for (uint64_t c1 = 1;; c1++) {
        fresh();
        model_t old, nw;
        prefix(&old, fill);
        nw = old;
        simflash_power_cut_after(&PWR, c1);
        do_op(OP_WRITE, 1, &nw);
        if (!simflash_power_is_cut(&PWR))
            break;
        /* snapshot the flash after the first cut */
        uint8_t *snap = malloc(FA.size);
        memcpy(snap, simflash_mem(SF), FA.size);
        for (uint64_t c2 = 1;; c2++) {
            int cut2 = mount_cut_at(snap, c2);
            model_t o = old;
            int which;
            after_cut(&o, &nw, 1, &which);
            pairs++;
            if (!cut2)
                break;
        }
        free(snap);
    }
    printf("kvs collection cut twice: %d cut pairs\n", pairs);
    CHECK(pairs >= 5);
}

/* A collection of a sector full of live records (the heaviest one), cut
 * once while it copies and again while the mount redoes it: the store
 * mounts and every live record survives. (The redo used to append after the
 * first attempt's torn copy; a second cut added another until the copy no
 * longer fit and the store could never mount again.) */
static void kvs_full_gc_double_cut(void)
{
    static char name[KVS_NAME_MAX];
    uint8_t val[KVS_VAL_MAX];
    memset(val, 'v', sizeof val);
    int nk = 0, pairs = 0;
    for (uint64_t c1 = 1;; c1++) {
        fresh();
        CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
        /* Distinct 63-byte names with 256-byte values until sector 0 is full. */
        for (nk = 0; K.active == 0; nk++) {
            snprintf(name, sizeof name, "%063d", nk);
            CHECK_EQ(extxip_kvs_write(&K, name, KVS_NAME_MAX - 1, val, sizeof val), KVS_OK);
        }
        /* Overwrites of another key until the ring comes back to sector 0. */
        simflash_power_cut_after(&PWR, c1);
        for (int n = 0; n < 60 && !(K.active == 3 && K.cursor > 2000); n++) {
            if (extxip_kvs_write(&K, "o", 1, val, 200) != KVS_OK)
                break;
        }
        if (!simflash_power_is_cut(&PWR))
            break;
        simflash_power_on(&PWR);
        uint8_t *snap = malloc(FA.size);
        memcpy(snap, simflash_mem(SF), FA.size);
        for (uint64_t c2 = 1;; c2++) {
            int cut2 = mount_cut_at(snap, c2);
            pairs++;
            CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
            for (int i = 0; i < nk; i++) {
                uint8_t b[KVS_VAL_MAX];
                size_t l = 0;
                snprintf(name, sizeof name, "%063d", i);
                CHECK_EQ(extxip_kvs_read(&K, name, KVS_NAME_MAX - 1, b, sizeof b, &l), KVS_OK);
                CHECK_EQ(l, sizeof val);
            }
            if (!cut2 || tu_failures > 20)
                break;
        }
        free(snap);
        if (tu_failures > 20)
            break;
    }
    printf("kvs full-sector collection cut twice: %d live keys, %d cut pairs\n", nk, pairs);
    CHECK(pairs >= 50);
}

/* A deleted key never comes back: its tombstone and its older value share
 * the sector a collection empties; a cut erase (the model leaves old and
 * erased words mixed, by seed) may destroy the tombstone and leave the value
 * valid, but the mount no longer copies anything out of a source whose copy
 * had finished. */
static void kvs_delete_survives_erase_cut(void)
{
    char v[151];
    memset(v, 'x', 150);
    v[150] = 0;
    int cuts = 0;
    for (uint64_t seed = 1; seed < 20; seed++) { /* seeds 2 and 14 mixed the erase badly */
        for (uint64_t cut = 1;; cut++) {
            fresh();
            simflash_power_init(&PWR, seed);
            CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
            CHECK_EQ(extxip_kvs_write(&K, "g", 1, (const uint8_t *)"", 0), KVS_OK);
            CHECK_EQ(extxip_kvs_delete(&K, "g", 1), KVS_OK);
            simflash_power_cut_after(&PWR, cut);
            for (int n = 0; n < 100; n++) {
                if (extxip_kvs_write(&K, "fill", 4, (const uint8_t *)v, 150) != KVS_OK)
                    break;
            }
            int was_cut = simflash_power_is_cut(&PWR);
            simflash_power_on(&PWR);
            if (!was_cut)
                break;
            cuts++;
            CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
            uint8_t b[8];
            size_t l;
            CHECK_EQ(extxip_kvs_read(&K, "g", 1, b, sizeof b, &l), KVS_ENOENT);
            if (tu_failures > 20)
                return;
        }
    }
    printf("kvs delete vs collection erase cuts: %d cut runs, deleted key never back\n", cuts);
    CHECK(cuts > 500);
}

/* Plain behaviour: values, deletes, bounds, a full store, garbage on flash. */
static void kvs_basics(void)
{
    fresh();
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, 2 * 4096u), KVS_EINVAL); /* fewer than 3 sectors */
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 100, 3 * 4096u), KVS_EINVAL);
    CHECK_EQ(extxip_kvs_write(&K, "a", 1, (const uint8_t *)"x", 1), KVS_ENOTMOUNTED);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    uint8_t v[KVS_VAL_MAX + 1];
    size_t n;
    CHECK_EQ(extxip_kvs_read(&K, "a/b", 3, v, sizeof v, &n), KVS_ENOENT);
    CHECK_EQ(extxip_kvs_write(&K, "a/b", 3, (const uint8_t *)"hello", 5), KVS_OK);
    CHECK_EQ(extxip_kvs_read(&K, "a/b", 3, v, sizeof v, &n), KVS_OK);
    CHECK(n == 5 && memcmp(v, "hello", 5) == 0);
    CHECK_EQ(extxip_kvs_read(&K, "a/b", 3, v, 2, &n), KVS_OK); /* truncated copy, full length */
    CHECK_EQ(n, 5);
    CHECK_EQ(extxip_kvs_read(&K, "a/bc", 4, v, sizeof v, &n), KVS_ENOENT);
    CHECK_EQ(extxip_kvs_write(&K, "a/b", 3, NULL, 0), KVS_OK); /* empty value */
    CHECK_EQ(extxip_kvs_read(&K, "a/b", 3, v, sizeof v, &n), KVS_OK);
    CHECK_EQ(n, 0);
    CHECK_EQ(extxip_kvs_delete(&K, "a/b", 3), KVS_OK);
    CHECK_EQ(extxip_kvs_read(&K, "a/b", 3, v, sizeof v, &n), KVS_ENOENT);
    CHECK_EQ(extxip_kvs_delete(&K, "a/b", 3), KVS_ENOENT);
    char longname[KVS_NAME_MAX + 1];
    memset(longname, 'n', sizeof longname);
    CHECK_EQ(extxip_kvs_write(&K, longname, KVS_NAME_MAX, v, 1), KVS_EINVAL);
    CHECK_EQ(extxip_kvs_write(&K, longname, KVS_NAME_MAX - 1, v, 1), KVS_OK);
    CHECK_EQ(extxip_kvs_write(&K, "", 0, v, 1), KVS_EINVAL);
    memset(v, 'v', sizeof v);
    CHECK_EQ(extxip_kvs_write(&K, "big", 3, v, KVS_VAL_MAX + 1), KVS_EINVAL);
    /* many rewrites: collections keep the store going, values survive */
    for (int i = 0; i < 2000; i++) {
        char val[32];
        int len = snprintf(val, sizeof val, "value %d", i);
        CHECK_EQ(extxip_kvs_write(&K, "counter", 7, (const uint8_t *)val, (size_t)len), KVS_OK);
    }
    CHECK(K.gcs > 10);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    CHECK_EQ(extxip_kvs_read(&K, "counter", 7, v, sizeof v, &n), KVS_OK);
    CHECK(n == 10 && memcmp(v, "value 1999", 10) == 0);
    CHECK_EQ(extxip_kvs_read(&K, longname, KVS_NAME_MAX - 1, v, sizeof v, &n), KVS_OK);
    /* a full store refuses, and loses nothing */
    int stored = 0, rc = KVS_OK;
    for (int i = 0; i < 200 && rc == KVS_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "fill/%d", i);
        memset(v, 'a' + i % 26, KVS_VAL_MAX);
        rc = extxip_kvs_write(&K, name, strlen(name), v, KVS_VAL_MAX);
        if (rc == KVS_OK)
            stored++;
    }
    CHECK_EQ(rc, KVS_ENOSPC);
    CHECK(stored > 20);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    for (int i = 0; i < stored; i++) {
        char name[16];
        snprintf(name, sizeof name, "fill/%d", i);
        CHECK_EQ(extxip_kvs_read(&K, name, strlen(name), v, sizeof v, &n), KVS_OK);
        CHECK(n == KVS_VAL_MAX && v[0] == 'a' + i % 26);
    }
    CHECK_EQ(extxip_kvs_read(&K, "counter", 7, v, sizeof v, &n), KVS_OK);
    /* garbage all over the window: mounts empty and works */
    uint8_t *mem = simflash_mem(SF);
    for (uint32_t i = 0; i < FA.size; i++)
        mem[i] = (uint8_t)(i * 131u + 7u);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    CHECK_EQ(extxip_kvs_read(&K, "counter", 7, v, sizeof v, &n), KVS_ENOENT);
    CHECK_EQ(extxip_kvs_write(&K, "x", 1, (const uint8_t *)"1", 1), KVS_OK);
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    CHECK_EQ(extxip_kvs_read(&K, "x", 1, v, sizeof v, &n), KVS_OK);
    /* the CRC is zlib's */
    CHECK_EQ(extxip_crc32(0, "123456789", 9), 0xcbf43926u);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {
        {"basics", kvs_basics},
        {"write", kvs_write_sweep},
        {"gc", kvs_gc_sweep},
        {"delete", kvs_delete_sweep},
        {"gc_double_cut", kvs_gc_double_cut},
        {"full_gc_double_cut", kvs_full_gc_double_cut},
        {"delete_survives_erase_cut", kvs_delete_survives_erase_cut},
    };
    int rc = TU_RUN("kvs_powerfail", cases, argc, argv);
    simflash_close(SF);
    return rc;
}
