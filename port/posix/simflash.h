/*
 * Simulated NOR flash for the POSIX port (host code: malloc and files allowed).
 *
 * A simflash_t is one flash device behind the extxip_flash_dev_t contract of
 * lib/flash/flash_area.h. It refuses what real NOR refuses (0->1 program,
 * misaligned or out-of-range writes, partial-sector erase), counts operations,
 * models time from datasheet figures (docs/flash-model.md) and can lose power:
 * all devices of one simulated board share a simflash_power_t whose operation
 * counter decides which erase/program is interrupted.
 *
 * Contents live in RAM (path NULL) or in a file mapped with mmap, so a
 * simulated device keeps its flash across process restarts.
 */
#ifndef EXTXIP_SIMFLASH_H
#define EXTXIP_SIMFLASH_H

#include <stdint.h>

#include "flash/flash_area.h"

/* ---- Geometry and timing ------------------------------------------------ */

/* Which datasheet time applies (see docs/flash-model.md). */
typedef enum simflash_timing_mode {
    SIMFLASH_TIMING_NONE = 0, /* no time is modelled (time_ns stays 0) */
    SIMFLASH_TIMING_TYPICAL,  /* typical figures */
    SIMFLASH_TIMING_WORST,    /* maximum figures */
} simflash_timing_mode_t;

/* Static description of one device kind. Program time is charged per
 * `prog_unit` bytes touched: 4 (one NVMC word) for the nRF5340, 256 (one
 * page-program command) for the MX25R6435F. */
typedef struct simflash_geometry {
    const char *name;          /* extxip_flash_dev_t name: "flash_primary", "flash_ctrl", "MX25R64" */
    uint32_t size;             /* bytes */
    uint32_t sector_size;      /* erase unit, bytes */
    uint32_t write_align;      /* smallest accepted write offset/length, bytes */
    uint32_t prog_unit;        /* bytes per timed program step */
    uint64_t erase_ns_typ;     /* one sector erase, typical */
    uint64_t erase_ns_max;     /* one sector erase, worst */
    uint64_t prog_ns_typ;      /* one prog_unit, typical */
    uint64_t prog_ns_max;      /* one prog_unit, worst */
    /* Block erase (0: none): 32 KiB and 64 KiB commands, used by an erase
     * call for the aligned blocks inside its range. */
    uint32_t block32;          /* 32 KiB block size, or 0 */
    uint64_t block32_ns_typ, block32_ns_max;
    uint32_t block64;          /* 64 KiB block size, or 0 */
    uint64_t block64_ns_typ, block64_ns_max;
} simflash_geometry_t;

/* nRF5340 application-core flash: 1 MiB, 4 KiB pages, 4-byte words. */
extern const simflash_geometry_t simflash_geom_nrf5340_app;
/* nRF5340 network-core flash: 256 KiB, 2 KiB pages, 4-byte words. */
extern const simflash_geometry_t simflash_geom_nrf5340_net;
/* MX25R6435F QSPI NOR: 8 MiB, 4 KiB sectors, 256 B program pages, 4-byte writes. */
extern const simflash_geometry_t simflash_geom_mx25r64;

/* ---- Power (shared by all devices of one board) ------------------------- */

/* Caller-owned. Counts erase and program operations (one accepted call = one
 * operation; reads and refused calls do not count) across every device that
 * was opened with it. Fields are private: use the functions below. */
typedef struct simflash_power {
    uint64_t ops;      /* operations started since simflash_power_init */
    uint64_t cut_at;   /* value of `ops` whose operation is interrupted; 0 = none */
    uint64_t seed;     /* decides the partial state of an interrupted operation */
    int cut;           /* 1 once power is off */
    struct simflash *devs[4]; /* devices opened with it (their in-flight work tears at a cut) */
    int ndevs;
} simflash_power_t;

/* Start with power on, no cut armed, op counter 0. `seed` makes the partial
 * state of interrupted operations reproducible. */
void simflash_power_init(simflash_power_t *p, uint64_t seed);

/* Arm a cut: the n-th erase/program started after this call (n >= 1) is
 * interrupted (left partial, returns FLASH_ERR_IO) and every later erase or
 * program fails with FLASH_ERR_IO changing nothing. Reads keep working.
 * n = 0 disarms. */
void simflash_power_cut_after(simflash_power_t *p, uint64_t n);

/* Power on again ("reboot"): clears the cut and disarms; contents and the op
 * counter are kept. */
void simflash_power_on(simflash_power_t *p);

/* 1 when power is currently cut, else 0. */
int simflash_power_is_cut(const simflash_power_t *p);

/* Number of erase/program operations started since init (interrupted one included). */
uint64_t simflash_power_ops(const simflash_power_t *p);

/* ---- One device ---------------------------------------------------------- */

typedef struct simflash simflash_t; /* opaque */

/* Per-device counters since open (or simflash_stats_reset). */
typedef struct simflash_stats {
    uint64_t erases;           /* sectors erased (interrupted ones included) */
    uint64_t programs;         /* program (write) calls accepted */
    uint64_t bytes_programmed; /* bytes of accepted program calls */
    uint64_t bytes_read;       /* bytes read through the device ops */
    uint64_t refusals;         /* calls refused by a NOR rule (range, align, 0->1, sector) */
    uint64_t power_fails;      /* calls failed because power was (or got) cut */
    uint64_t time_ns;          /* modelled time under the current timing mode */
    uint64_t block_erases;     /* 32/64 KiB block-erase commands (in `erases` as sectors too) */
    uint64_t waits;            /* operations that waited for the chip (async mode) */
} simflash_stats_t;

/* Open a device of geometry `g`. path NULL: RAM only, starts erased. path set:
 * the file is mapped; a missing file is created erased (0xff); an existing
 * file must have exactly g->size bytes. `power` may be NULL (never cut) and
 * must outlive the device. Returns FLASH_OK and *out, or FLASH_ERR_IO. */
int simflash_open(simflash_t **out, const simflash_geometry_t *g, const char *path,
                  simflash_power_t *power);

/* Flush (file-backed) and free. NULL is a no-op. */
void simflash_close(simflash_t *sf);

/* The extxip_flash_dev_t to put in extxip_flash_area_t.dev; valid until simflash_close. */
extxip_flash_dev_t *simflash_dev(simflash_t *sf);

/* Copy out / zero the counters. */
void simflash_stats(const simflash_t *sf, simflash_stats_t *out);
void simflash_stats_reset(simflash_t *sf);

/* Choose the timing figures charged to stats.time_ns (default NONE). When
 * `real_sleep` is non-zero each operation also sleeps its modelled time. */
void simflash_set_timing(simflash_t *sf, simflash_timing_mode_t mode, int real_sleep);

/* Background operation (the QSPI driver model of docs/flash-model.md
 * "Overlap"): queue_bytes > 0 makes write and erase return once queued while
 * the chip works on (modelled time runs on the wall clock with real_sleep);
 * at most queue_bytes of program data wait in the driver's queue (a write
 * beyond that waits for room). The next read, sync, or an erase/program
 * that finds the chip busy waits for what is queued before it. Until then
 * the queued operations are "in flight": a power cut (at any operation of
 * the board) tears them too, as it would a chip that was still busy.
 * queue_bytes 0: every operation completes before it returns (default).
 * Also turns block erase on (block_size advertised) when the geometry has it;
 * block erase alone: simflash_set_block_erase. */
void simflash_set_async(simflash_t *sf, uint32_t queue_bytes);
/* Without real_sleep a background device is never busy (operations take no
 * time). on != 0: it is busy while anything queued was not waited for, the
 * deterministic stand-in for "the flash is the bottleneck" (tests). */
void simflash_set_busy_by_order(simflash_t *sf, int on);
/* Advertise (on != 0) the geometry's 32 KiB block erase in the device. */
void simflash_set_block_erase(simflash_t *sf, int on);

/* Backdoor for tests and fault injection: the raw contents (size bytes).
 * Accesses through it are not counted, checked or power-cut. */
uint8_t *simflash_mem(simflash_t *sf);

/* ---- The nRF5340 DK: three devices and one power object ----------------- */

enum {
    SIMFLASH_DEV_APP = 0,  /* internal application-core flash, "flash_primary" */
    SIMFLASH_DEV_NET = 1,  /* network-core flash, "flash_ctrl" */
    SIMFLASH_DEV_QSPI = 2, /* external MX25R64 */
    SIMFLASH_BOARD_NDEV = 3,
};

/* Caller-owned; the devices point at b->power, so the struct must not be
 * copied or moved while open. */
typedef struct simflash_board {
    simflash_power_t power;
    simflash_t *dev[SIMFLASH_BOARD_NDEV];
} simflash_board_t;

/* Open the three nRF5340 DK devices sharing b->power (seeded with `seed`).
 * dir NULL: RAM only. dir set: files flash_primary.bin, flash_ctrl.bin,
 * mx25r64.bin in that existing directory. Returns FLASH_OK or FLASH_ERR_IO
 * (then nothing stays open). */
int simflash_board_open(simflash_board_t *b, const char *dir, uint64_t seed);

/* Close all three devices. */
void simflash_board_close(simflash_board_t *b);

/* extxip_flash_dev_t of device `idx` (SIMFLASH_DEV_*), NULL if idx is out of range. */
extxip_flash_dev_t *simflash_board_dev(simflash_board_t *b, int idx);

/* Set the timing mode of all three devices. */
void simflash_board_set_timing(simflash_board_t *b, simflash_timing_mode_t mode, int real_sleep);

#endif
