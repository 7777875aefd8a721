/*
 * A power-safe log of fixed-size snapshot records over >= 2 flash sectors.
 *
 * Each record is a whole snapshot of some small state; the valid record with
 * the highest sequence number is the truth, so nothing is replayed and a
 * torn record (bad CRC) simply loses to the one before it. Layout of a
 * record of `rec_size` bytes (little-endian):
 *
 *    0  u32 magic (the owner's)     4  u32 seq
 *    8  payload [rec_size - 12]     rec_size-4  u32 CRC-32 of bytes 0..rec_size-5
 *
 * A record goes to the next position of the sector holding the newest one;
 * when that sector is full (or the position is not blank: a torn write), the
 * next sector is erased and the record goes to its start. The sector holding
 * the newest valid record is never erased, so a power cut at any instant
 * (inside a program or an erase) leaves the previous state readable.
 *
 * Users: the image group's upload-session checkpoints (settings partition)
 * and the bootloader's linked-pair status (end of the bootloader partition).
 */
#ifndef EXTXIP_RECLOG_H
#define EXTXIP_RECLOG_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stdint.h>

#include "flash/flash_area.h"

#define RECLOG_HDR_SIZE 8u  /* magic + seq */
#define RECLOG_CRC_SIZE 4u
#define RECLOG_REC_MAX  256u
/* Errors: extxip_err_t, range -41.. (lib/extxip_err.h). */

typedef struct extxip_reclog {
    const extxip_flash_area_t *fa;
    uint32_t off, size; /* the window inside fa */
    uint32_t sector;
    uint32_t magic;
    uint16_t rec_size;
    uint32_t seq;  /* seq of the newest valid record (0: none yet) */
    uint32_t next; /* window offset where the next record goes */
    uint32_t erases, writes; /* flash operations since init, for the owner's counters */
} extxip_reclog_t;

/* Check the geometry and remember it. rec_size: a multiple of 8 (the widest
 * write alignment) from 16 to RECLOG_REC_MAX that divides the sector size. */
int extxip_reclog_init(extxip_reclog_t *l, const extxip_flash_area_t *fa, uint32_t off, uint32_t size,
                uint16_t rec_size, uint32_t magic);

/* Find the newest valid record. Returns 1 and copies it (rec_size bytes,
 * payload at +RECLOG_HDR_SIZE) into rec when there is one, 0 when the log
 * holds none, or a negative RECLOG_ERR_*. Sets the append cursor. */
int extxip_reclog_scan(extxip_reclog_t *l, uint8_t *rec);

/* Append `rec` (rec_size bytes; the caller fills the payload, this fills
 * magic, seq and CRC in place). Returns RECLOG_OK or RECLOG_ERR_*. */
int extxip_reclog_append(extxip_reclog_t *l, uint8_t *rec);

/* Little-endian helpers for payloads. */
uint32_t extxip_reclog_rd32(const uint8_t *p);
void extxip_reclog_wr32(uint8_t *p, uint32_t v);

#endif
