/* The flash conformance suite (test/support/flash_conformance.c) on each host
 * backend: the simulator's NOR model for each of the DK's three parts, and
 * lib's RAM flash (the one the firmware runs under QEMU, the unit tests and
 * the fuzzers use). One CTest case per backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash/flash_ram.h"
#include "flash_conformance.h"
#include "simflash.h"

static void on_fail(void *arg, const char *check)
{
    fprintf(stderr, "%s: FAIL: %s\n", (const char *)arg, check);
}

static int on_simflash(const simflash_geometry_t *g)
{
    simflash_t *sf = NULL;
    if (simflash_open(&sf, g, NULL, NULL) != FLASH_OK) {
        fprintf(stderr, "%s: cannot open\n", g->name);
        return 1;
    }
    /* a window in the middle and one at the very end of the part */
    int failed = flash_conformance(simflash_dev(sf), 8u * g->sector_size, on_fail, (void *)g->name);
    failed += flash_conformance(simflash_dev(sf), g->size - 2u * g->sector_size, on_fail,
                                (void *)g->name);
    simflash_close(sf);
    return failed;
}

static int on_ram(void)
{
    static uint8_t mem[64 * 1024];
    memset(mem, 0xff, sizeof mem);
    extxip_flash_ram_t ram;
    extxip_flash_ram_init(&ram, "ram", mem, sizeof mem, 4096, 4);
    int failed = flash_conformance(&ram.dev, 4096, on_fail, "ram");
    failed += flash_conformance(&ram.dev, sizeof mem - 8192, on_fail, "ram");
    /* a net-core-like geometry: 2 KiB pages */
    static const extxip_flash_ram_t small = EXTXIP_FLASH_RAM(small, "ram-2k", mem, 32 * 1024, 2048, 4);
    failed += flash_conformance(&small.dev, 0, on_fail, "ram-2k");
    return failed;
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "";
    int failed;
    if (!strcmp(which, "simflash_app"))
        failed = on_simflash(&simflash_geom_nrf5340_app);
    else if (!strcmp(which, "simflash_net"))
        failed = on_simflash(&simflash_geom_nrf5340_net);
    else if (!strcmp(which, "simflash_qspi"))
        failed = on_simflash(&simflash_geom_mx25r64);
    else if (!strcmp(which, "ram"))
        failed = on_ram();
    else {
        fprintf(stderr, "usage: test_flash_conformance simflash_app|simflash_net|simflash_qspi|ram\n");
        return 2;
    }
    printf("flash_conformance %s: %d failed\n", which, failed);
    return failed ? 1 : 0;
}
