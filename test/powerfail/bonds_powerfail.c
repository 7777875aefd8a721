/*
 * Bonds in the settings store (lib/ble/ble_bonds.c) under power cuts: for
 * every erase/program of a bond store that replaces the oldest bond (the
 * store is full), a fresh store with two bonds is cut at that operation,
 * power comes back, and then the store mounts; the bonds are the old pair,
 * the old pair plus the new one (written, oldest not yet deleted), or the
 * new pair; every bond present is whole (its LTK and IRK as stored); the
 * next store trims back to the bound. Also: a bond survives a remount (a
 * reset), and erasing the partition (storage erase) removes every bond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble/ble_bonds.h"
#include "simflash.h"
#include "testutil.h"

#define NSEC 4u

static simflash_power_t PWR;
static simflash_t *SF;
static extxip_flash_area_t FA;
static extxip_kvs_t K;
static extxip_ble_bonds_t B;
static extxip_ble_bond_ops_t OPS;

static void fresh(void)
{
    simflash_close(SF);
    simflash_power_init(&PWR, 11);
    if (simflash_open(&SF, &simflash_geom_nrf5340_app, NULL, &PWR) != FLASH_OK)
        exit(2);
    FA = (extxip_flash_area_t){.id = 7, .name = "settings_storage", .dev = simflash_dev(SF), .off = 0,
                               .size = NSEC * 4096u};
}

static void mount(void)
{
    CHECK_EQ(extxip_kvs_mount(&K, &FA, 0, FA.size), KVS_OK);
    extxip_ble_bonds_ops(&B, &K, 2, &OPS);
}

static extxip_ble_bond_t bond(uint8_t id)
{
    extxip_ble_bond_t b;
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 6; i++)
        b.addr[i] = (uint8_t)(id * 16 + i);
    b.type = 0;
    b.authenticated = 1;
    b.has_irk = 1;
    memset(b.ltk, id, 16);
    memset(b.irk, 0x80 | id, 16);
    return b;
}

/* 1 when bond id is present and whole; 0 when absent; -1 when wrong. */
static int present(uint8_t id)
{
    extxip_ble_bond_t want = bond(id), got;
    if (!extxip_ble_bonds_find(&B, want.addr, 0, &got))
        return 0;
    return memcmp(&got, &want, sizeof got) == 0 ? 1 : -1;
}

static void test_replace_oldest_sweep(void)
{
    int points = 0, n_old = 0, n_mid = 0, n_new = 0;
    for (uint64_t cut = 1;; cut++) {
        fresh();
        mount();
        extxip_ble_bond_t a = bond(1), b = bond(2), c = bond(3);
        CHECK_EQ(extxip_ble_bonds_store(&B, &a), 0);
        CHECK_EQ(extxip_ble_bonds_store(&B, &b), 0);
        simflash_power_cut_after(&PWR, cut);
        int rc = extxip_ble_bonds_store(&B, &c);
        if (!simflash_power_is_cut(&PWR)) {
            CHECK_EQ(rc, 0);
            simflash_power_cut_after(&PWR, 0);
            mount();
            CHECK_EQ(present(1), 0); /* the oldest went */
            CHECK_EQ(present(2), 1);
            CHECK_EQ(present(3), 1);
            CHECK_EQ(extxip_ble_bonds_count(&B), 2);
            break;
        }
        simflash_power_on(&PWR);
        mount();
        int p1 = present(1), p2 = present(2), p3 = present(3);
        CHECK(p1 >= 0 && p2 >= 0 && p3 >= 0); /* nothing torn */
        CHECK_EQ(p2, 1);                       /* the newer old bond is never lost */
        if (p1 && !p3)
            n_old++;
        else if (p1 && p3)
            n_mid++;
        else if (!p1 && p3)
            n_new++;
        else
            CHECK(!"lost both the oldest and the new bond");
        /* Working again: the next store trims to the bound. */
        extxip_ble_bond_t d = bond(4);
        CHECK_EQ(extxip_ble_bonds_store(&B, &d), 0);
        CHECK_EQ(extxip_ble_bonds_count(&B), 2);
        CHECK_EQ(present(4), 1);
        points++;
    }
    printf("bond store with replacement: %d cut points (%d old, %d three bonds, %d new)\n", points, n_old,
           n_mid, n_new);
    CHECK(points > 2);
    CHECK(n_old > 0 && n_mid > 0); /* cut in the write: old pair; in the delete: three */
}

static void test_reset_and_erase(void)
{
    fresh();
    mount();
    extxip_ble_bond_t a = bond(5);
    CHECK_EQ(extxip_ble_bonds_store(&B, &a), 0);
    a.authenticated = 0; /* re-pairing the same central replaces its bond */
    memset(a.ltk, 0x42, 16);
    CHECK_EQ(extxip_ble_bonds_store(&B, &a), 0);
    mount(); /* reset */
    extxip_ble_bond_t got;
    CHECK_EQ(extxip_ble_bonds_find(&B, a.addr, 0, &got), 1);
    CHECK_MEM(got.ltk, a.ltk, 16);
    CHECK_EQ(got.authenticated, 0);
    CHECK_EQ(extxip_ble_bonds_count(&B), 1);
    CHECK_EQ(extxip_ble_bonds_find(&B, a.addr, 1, &got), 0); /* same bytes, random type: not it */
    /* Storage erase: the partition erased, the store mounted again. */
    CHECK_EQ(extxip_flash_area_erase(&FA, 0, FA.size), FLASH_OK);
    mount();
    CHECK_EQ(extxip_ble_bonds_count(&B), 0);
    CHECK_EQ(extxip_ble_bonds_find(&B, a.addr, 0, &got), 0);
    /* A malformed record under the prefix is no bond. */
    static const uint8_t junk[10] = {1, 2, 3};
    CHECK_EQ(extxip_kvs_write(&K, "bt/keys/0102030405060", 21, junk, sizeof junk), KVS_OK);
    CHECK_EQ(extxip_ble_bonds_count(&B), 0);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"replace_oldest", test_replace_oldest_sweep},
                                      {"reset_erase", test_reset_and_erase}};
    int rc = TU_RUN("bonds_powerfail", cases, argc, argv);
    simflash_close(SF);
    return rc;
}
