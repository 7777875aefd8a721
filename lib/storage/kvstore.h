/*
 * A small power-safe key-value store on a window of a flash area: what
 * Zephyr keeps on the settings partition with NVS, written from scratch for
 * NOR flash with the flash_area contract.
 *
 * Records are appended to the active sector in two program operations: a
 * 4-byte length word (16-bit body length and its complement), then the body:
 * a 12-byte header (magic, seq, name length, flags, value length), the name,
 * the value, padding to 4 bytes and a CRC-32 over all of it. A torn body is
 * skipped by its length word; a torn length word can only be the last thing
 * written, so scanning steps over it word by word. The newest valid record of
 * a name wins (highest seq); a delete appends a tombstone. Sectors are used as a
 * ring. The sector after the active one is always free: when the active one
 * is full the store moves to it, copies there the still-live records of the
 * sector after that (the oldest), then erases the oldest. A power cut at any
 * point leaves either the old or the new value of what was being written,
 * never a torn one (a torn record fails its CRC); mount finishes an
 * interrupted garbage collection. Nothing allocates; every length read from
 * flash is checked before use.
 */
#ifndef EXTXIP_KVSTORE_H
#define EXTXIP_KVSTORE_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash/flash_area.h"

#define KVS_NAME_MAX 64u  /* names are 1..KVS_NAME_MAX-1 bytes */
#define KVS_VAL_MAX 256u  /* values are 0..KVS_VAL_MAX bytes */
#define KVS_HDR 12u
/* Largest record body (header, name, value, padding, CRC) and on-flash record. */
#define KVS_BODY_MAX (((KVS_HDR + KVS_NAME_MAX - 1u + KVS_VAL_MAX + 3u) & ~3u) + 4u)
#define KVS_REC_MAX (KVS_BODY_MAX + 4u)
/* Errors: extxip_err_t, range -181.. (lib/extxip_err.h). */

typedef struct extxip_kvs {
    const extxip_flash_area_t *fa;
    uint32_t off;      /* window start in the area (sector aligned) */
    uint32_t ssz;      /* sector size */
    uint32_t nsec;     /* sectors in the window (>= 3) */
    uint32_t active;   /* sector being appended to */
    uint32_t cursor;   /* next free offset in it */
    bool closed;       /* the active sector takes no more records (torn tail) */
    bool mounted;
    uint32_t seq;      /* newest record's seq */
    uint32_t writes;   /* records written since mount (statistics) */
    uint32_t gcs;      /* sectors garbage-collected since mount */
    uint8_t rec[KVS_BODY_MAX]; /* scan buffer */
    uint8_t cp[KVS_BODY_MAX];  /* record being copied by garbage collection */
} extxip_kvs_t;

/* Mount the store on [off, off+size) of fa (sector aligned, >= 3 sectors),
 * finishing a garbage collection a power cut interrupted. Returns KVS_OK,
 * KVS_EINVAL (geometry) or KVS_EIO. */
int extxip_kvs_mount(extxip_kvs_t *k, const extxip_flash_area_t *fa, uint32_t off, uint32_t size);

/* Read name's value: up to cap bytes copied to val, *len = the full value
 * length. Returns KVS_OK, KVS_ENOENT, KVS_EINVAL or KVS_EIO. */
int extxip_kvs_read(extxip_kvs_t *k, const char *name, size_t nlen, uint8_t *val, size_t cap, size_t *len);

/* Write (replace) name's value. Returns KVS_OK, KVS_EINVAL, KVS_ENOSPC or KVS_EIO. */
int extxip_kvs_write(extxip_kvs_t *k, const char *name, size_t nlen, const uint8_t *val, size_t vlen);

/* Delete name. Returns KVS_OK, KVS_ENOENT, KVS_EINVAL, KVS_ENOSPC or KVS_EIO. */
int extxip_kvs_delete(extxip_kvs_t *k, const char *name, size_t nlen);

/* Call fn for every live name (newest value), in no particular order; stop
 * when fn returns non-zero. Returns KVS_OK or KVS_EIO. */
int extxip_kvs_foreach(extxip_kvs_t *k, int (*fn)(void *arg, const char *name, size_t nlen, const uint8_t *val,
                                    size_t vlen),
                void *arg);


#endif
