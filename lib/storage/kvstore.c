/*
 * Power-safe key-value store (see kvstore.h for the format and the rules).
 *
 * Why each step is safe against a power cut:
 *  - a record counts only when its body CRC is right, so a cut inside a
 *    write leaves the previous newest record of that name in force;
 *  - the sector after the active one never holds the only copy of anything:
 *    it is either erased or the sector a garbage collection was emptying,
 *    whose live records are copied (with newer seqs) before it is erased, so
 *    mount can always finish that collection;
 *  - a collection's copies carry F_COPY, and once all of them are written a
 *    "done" marker record (F_DONE) follows, before the source is erased. At
 *    mount, a source not yet erased next to an active sector with the marker
 *    is only erased (nothing of it is copied again: a cut erase may have
 *    destroyed a tombstone and left the value it hid looking valid); next to
 *    an active sector holding nothing but copies and no marker, the copy did
 *    not finish: the active sector is erased and the copy starts over from
 *    the intact source, so torn copies never pile up across repeated cuts;
 *  - plain writes leave KVS_REC_MAX bytes of each sector unused, so a
 *    collection of a full sector, plus its marker, fits an empty one.
 */
#include "storage/kvstore.h"

#include <string.h>

#include "flash/crc32.h"

#define MAGIC 0x3153564bu /* "KVS1" little-endian */
#define F_DEL 0x01u  /* a tombstone */
#define F_COPY 0x02u /* written by a collection (a copy of a record of its source) */
#define F_DONE 0x04u /* the collection's marker: every copy is written */
static const uint8_t done_name[1] = {0xff}; /* no valid settings name */
#define LW_ERASED 0xffffffffu

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t body_size(size_t nl, size_t vl)
{
    return (uint32_t)(((KVS_HDR + nl + vl + 3u) & ~(size_t)3u) + 4u);
}

static uint32_t addr(const extxip_kvs_t *k, uint32_t sec, uint32_t pos)
{
    return k->off + sec * k->ssz + pos;
}

/* One record as found on flash. */
typedef struct rinfo {
    uint32_t sec, pos;   /* where its length word is */
    uint32_t seq;
    uint8_t nl, flags;
    uint16_t vl;
    uint32_t next;       /* position after it */
} rinfo_t;

enum { R_END = 0, R_VALID = 1, R_SKIP = 2, R_IO = -1 };

/* Look at position pos of sector sec. R_VALID: a good record (body in buf,
 * *r filled). R_SKIP: a torn record or garbage, continue at r->next. R_END:
 * erased (or no room for a record): the sector's data ends here. */
static int parse(extxip_kvs_t *k, uint32_t sec, uint32_t pos, uint8_t *buf, rinfo_t *r)
{
    r->sec = sec;
    r->pos = pos;
    if (pos + 4u + KVS_HDR + 4u > k->ssz) {
        return R_END;
    }
    uint8_t w[4];
    if (extxip_flash_area_read(k->fa, addr(k, sec, pos), w, 4) != FLASH_OK) {
        return R_IO;
    }
    uint32_t lw = rd32(w);
    if (lw == LW_ERASED) {
        return R_END;
    }
    uint32_t len = lw & 0xffffu;
    r->next = pos + 4u;
    if ((lw >> 16) != (~len & 0xffffu) || len < KVS_HDR + 1u + 4u || len > KVS_BODY_MAX ||
        len % 4u || pos + 4u + len > k->ssz) {
        return R_SKIP; /* a torn length word (the last write) or garbage: step over it */
    }
    r->next = pos + 4u + len;
    if (extxip_flash_area_read(k->fa, addr(k, sec, pos + 4u), buf, len) != FLASH_OK) {
        return R_IO;
    }
    uint32_t nl = buf[8], vl = (uint32_t)buf[10] | (uint32_t)buf[11] << 8;
    if (rd32(buf) != MAGIC || nl == 0 || nl >= KVS_NAME_MAX || vl > KVS_VAL_MAX || (buf[9] & ~(F_DEL | F_COPY | F_DONE)) ||
        body_size(nl, vl) != len || rd32(buf + len - 4u) != extxip_crc32(0, buf, KVS_HDR + nl + vl)) {
        return R_SKIP;
    }
    r->seq = rd32(buf + 4);
    r->nl = (uint8_t)nl;
    r->flags = buf[9];
    r->vl = (uint16_t)vl;
    return R_VALID;
}

/* A walk over the valid records of sectors [sec, end), each sector from its
 * start to where its data ends; bodies are read into buf. The one sector walk
 * of the store: mount, lookups, collection and foreach all go through it. */
typedef struct walk {
    uint32_t sec, end; /* current sector, one past the last */
    uint32_t pos;      /* next position in sec; at R_END, where the last sector's data ends */
    uint8_t *buf;
} walk_t;

static walk_t walk_of(uint32_t first, uint32_t end, uint8_t *buf)
{
    return (walk_t){.sec = first, .end = end, .pos = 0, .buf = buf};
}

/* Next valid record: R_VALID (*r filled, body in w->buf), R_END or R_IO.
 * Torn records and garbage are stepped over. Bounded: every step advances
 * pos by at least 4 bytes within a sector, or moves to the next sector. */
static int walk_next(extxip_kvs_t *k, walk_t *w, rinfo_t *r)
{
    while (w->sec < w->end) {
        int rc = parse(k, w->sec, w->pos, w->buf, r);
        if (rc == R_IO) {
            return R_IO;
        }
        if (rc != R_END) {
            w->pos = r->next;
            if (rc == R_VALID) {
                return R_VALID;
            }
            continue;
        }
        if (w->sec + 1u == w->end) {
            break; /* keep pos: the end of the last sector's data */
        }
        w->sec++;
        w->pos = 0;
    }
    return R_END;
}

/* Newest valid record named name[0..nlen) anywhere in the store (its body
 * left in k->rec). Returns 1 found, 0 not found, R_IO. */
static int find(extxip_kvs_t *k, const uint8_t *name, size_t nlen, rinfo_t *best)
{
    int found = 0, rc;
    rinfo_t r;
    for (walk_t w = walk_of(0, k->nsec, k->rec); (rc = walk_next(k, &w, &r)) == R_VALID;) {
        if (!(r.flags & F_DONE) && r.nl == nlen && memcmp(k->rec + KVS_HDR, name, nlen) == 0 &&
            (!found || r.seq > best->seq)) {
            *best = r;
            found = 1;
        }
    }
    if (rc == R_IO) {
        return R_IO;
    }
    if (found && parse(k, best->sec, best->pos, k->rec, best) != R_VALID) {
        return R_IO; /* it was valid a moment ago */
    }
    return found;
}

static int erase_sector(extxip_kvs_t *k, uint32_t sec)
{
    int e = extxip_flash_area_is_erased(k->fa, addr(k, sec, 0), k->ssz);
    if (e < 0) {
        return KVS_EIO;
    }
    if (e == 0 && extxip_flash_area_erase(k->fa, addr(k, sec, 0), k->ssz) != FLASH_OK) {
        return KVS_EIO;
    }
    return KVS_OK;
}

/* Append one record to the active sector (no sector change). limit: how far
 * into the sector it may reach. */
static int append(extxip_kvs_t *k, const uint8_t *name, size_t nl, const uint8_t *val, size_t vl,
                  uint8_t flags, uint32_t limit)
{
    uint32_t len = body_size(nl, vl);
    if (k->closed || k->cursor + 4u + len > limit) {
        return KVS_ENOSPC;
    }
    int e = extxip_flash_area_is_erased(k->fa, addr(k, k->active, k->cursor), 4u + len);
    if (e < 0) {
        return KVS_EIO;
    }
    if (e == 0) {
        k->closed = true; /* not blank here: write no more into this sector */
        return KVS_ENOSPC;
    }
    uint8_t *b = k->rec; /* name/val never point into k->rec (see gc) */
    memset(b, 0xff, len);
    wr32(b, MAGIC);
    wr32(b + 4, k->seq + 1u);
    b[8] = (uint8_t)nl;
    b[9] = flags;
    b[10] = (uint8_t)vl;
    b[11] = (uint8_t)(vl >> 8);
    memcpy(b + KVS_HDR, name, nl);
    if (vl) {
        memcpy(b + KVS_HDR + nl, val, vl);
    }
    wr32(b + len - 4u, extxip_crc32(0, b, KVS_HDR + nl + vl));
    uint8_t w[4];
    wr32(w, len | (~len & 0xffffu) << 16);
    uint32_t at = addr(k, k->active, k->cursor);
    if (extxip_flash_area_write(k->fa, at, w, 4) != FLASH_OK) {
        k->closed = true;
        return KVS_EIO;
    }
    k->cursor += 4u;
    if (extxip_flash_area_write(k->fa, at + 4u, b, len) != FLASH_OK) {
        k->cursor += len; /* torn: scanning skips it by its length word */
        return KVS_EIO;
    }
    k->cursor += len;
    k->seq++;
    k->writes++;
    return KVS_OK;
}

/* Copy the live records of sector g into the active sector (unless
 * `copied`: a marker says they are there), write the marker, then erase g. */
static int gc(extxip_kvs_t *k, uint32_t g, bool copied)
{
    int e = extxip_flash_area_is_erased(k->fa, addr(k, g, 0), k->ssz);
    if (e < 0) {
        return KVS_EIO;
    }
    if (e == 1) {
        return KVS_OK;
    }
    walk_t w = walk_of(g, copied ? g : g + 1u, k->cp); /* copied: nothing to walk */
    rinfo_t r;
    int wrc;
    while ((wrc = walk_next(k, &w, &r)) == R_VALID) {
        if (r.flags & (F_DEL | F_DONE)) {
            continue; /* a tombstone (nothing older is left to hide), a marker */
        }
        rinfo_t best;
        int f = find(k, k->cp + KVS_HDR, r.nl, &best);
        if (f < 0) {
            return KVS_EIO;
        }
        if (f == 1 && best.sec == g && best.pos == r.pos) {
            int rc = append(k, k->cp + KVS_HDR, r.nl, k->cp + KVS_HDR + r.nl, r.vl, F_COPY, k->ssz);
            if (rc != KVS_OK) {
                return rc;
            }
        }
    }
    if (wrc == R_IO) {
        return KVS_EIO;
    }
    if (!copied) {
        int rc = append(k, done_name, sizeof done_name, NULL, 0, F_DONE, k->ssz);
        if (rc != KVS_OK) {
            return rc;
        }
    }
    if (extxip_flash_area_erase(k->fa, addr(k, g, 0), k->ssz) != FLASH_OK) {
        return KVS_EIO;
    }
    k->gcs++;
    return KVS_OK;
}

/* Move to the next sector (erased if it is not) and empty the one after it. */
static int next_sector(extxip_kvs_t *k)
{
    uint32_t n = (k->active + 1u) % k->nsec;
    int rc = erase_sector(k, n);
    if (rc) {
        return rc;
    }
    k->active = n;
    k->cursor = 0;
    k->closed = false;
    return gc(k, (n + 1u) % k->nsec, false);
}

/* After a failed write the RAM view may be behind the flash (a cut, a
 * collection left half done): no more writes until extxip_kvs_mount looks again. */
static int failed(extxip_kvs_t *k, int rc)
{
    if (rc == KVS_EIO) {
        k->mounted = false;
    }
    return rc;
}

int extxip_kvs_mount(extxip_kvs_t *k, const extxip_flash_area_t *fa, uint32_t off, uint32_t size)
{
    memset(k, 0, sizeof(*k));
    if (fa == NULL) {
        return KVS_EINVAL;
    }
    uint32_t ssz = extxip_flash_area_sector_size(fa);
    if (ssz < 4u * KVS_REC_MAX || off % ssz || size % ssz || size / ssz < 3u ||
        (uint64_t)off + size > fa->size || extxip_flash_area_align(fa) > 4u ||
        extxip_flash_area_erased_val(fa) != 0xffu) {
        return KVS_EINVAL;
    }
    k->fa = fa;
    k->off = off;
    k->ssz = ssz;
    k->nsec = size / ssz;
    bool any = false;
    rinfo_t r;
    int wrc;
    for (walk_t w = walk_of(0, k->nsec, k->rec); (wrc = walk_next(k, &w, &r)) == R_VALID;) {
        if (!any || r.seq > k->seq) {
            any = true;
            k->seq = r.seq;
            k->active = w.sec;
        }
    }
    if (wrc == R_IO) {
        return KVS_EIO;
    }
    /* The append point: where the active sector's data ends; and whether it
     * holds a collection's marker, or nothing but a collection's copies. */
    bool done = false, only_copies = true;
    walk_t w = walk_of(k->active, k->active + 1u, k->rec);
    while ((wrc = walk_next(k, &w, &r)) == R_VALID) {
        done = done || (r.flags & F_DONE);
        only_copies = only_copies && (r.flags & (F_COPY | F_DONE));
    }
    if (wrc == R_IO) {
        return KVS_EIO;
    }
    uint32_t pos = w.pos;
    k->cursor = pos;
    uint32_t g = (k->active + 1u) % k->nsec;
    int ge = extxip_flash_area_is_erased(fa, addr(k, g, 0), ssz);
    if (ge < 0) {
        return KVS_EIO;
    }
    if (pos == 0 || (ge == 0 && !done && only_copies)) {
        /* Nothing valid here (garbage, a fresh partition), or a collection
         * whose copy did not finish: start the sector over (its source g is
         * intact: it is erased only after the marker). */
        if (erase_sector(k, k->active) != KVS_OK) {
            return KVS_EIO;
        }
        k->cursor = 0;
    }
    /* Finish a collection a power cut interrupted (or clear garbage there). */
    int rc = gc(k, g, done);
    if (rc) {
        return rc == KVS_ENOSPC ? KVS_EIO : rc;
    }
    k->mounted = true;
    return KVS_OK;
}

static int check_name(const char *name, size_t nlen)
{
    return name && nlen > 0 && nlen < KVS_NAME_MAX ? 0 : KVS_EINVAL;
}

int extxip_kvs_read(extxip_kvs_t *k, const char *name, size_t nlen, uint8_t *val, size_t cap, size_t *len)
{
    if (!k->mounted) {
        return KVS_ENOTMOUNTED;
    }
    if (check_name(name, nlen) || (cap && !val)) {
        return KVS_EINVAL;
    }
    rinfo_t r;
    int f = find(k, (const uint8_t *)name, nlen, &r);
    if (f < 0) {
        return KVS_EIO;
    }
    if (f == 0 || (r.flags & F_DEL)) {
        return KVS_ENOENT;
    }
    size_t n = r.vl < cap ? r.vl : cap;
    if (n) {
        memcpy(val, k->rec + KVS_HDR + r.nl, n);
    }
    if (len) {
        *len = r.vl;
    }
    return KVS_OK;
}

static int put(extxip_kvs_t *k, const char *name, size_t nlen, const uint8_t *val, size_t vlen,
               uint8_t flags)
{
    /* plain writes keep one record's worth of room per sector for a
     * collection that mount may have to redo (see the top of the file) */
    uint32_t limit = k->ssz - KVS_REC_MAX;
    for (uint32_t i = 0; i <= k->nsec; i++) {
        int rc = append(k, (const uint8_t *)name, nlen, val, vlen, flags, limit);
        if (rc != KVS_ENOSPC) {
            return failed(k, rc);
        }
        rc = next_sector(k);
        if (rc) {
            return failed(k, rc == KVS_ENOSPC ? KVS_EIO : rc);
        }
    }
    return KVS_ENOSPC;
}

int extxip_kvs_write(extxip_kvs_t *k, const char *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    if (!k->mounted) {
        return KVS_ENOTMOUNTED;
    }
    if (check_name(name, nlen) || vlen > KVS_VAL_MAX || (vlen && !val)) {
        return KVS_EINVAL;
    }
    return put(k, name, nlen, val, vlen, 0);
}

int extxip_kvs_delete(extxip_kvs_t *k, const char *name, size_t nlen)
{
    if (!k->mounted) {
        return KVS_ENOTMOUNTED;
    }
    if (check_name(name, nlen)) {
        return KVS_EINVAL;
    }
    rinfo_t r;
    int f = find(k, (const uint8_t *)name, nlen, &r);
    if (f < 0) {
        return KVS_EIO;
    }
    if (f == 0 || (r.flags & F_DEL)) {
        return KVS_ENOENT;
    }
    return put(k, name, nlen, NULL, 0, F_DEL);
}

int extxip_kvs_foreach(extxip_kvs_t *k, int (*fn)(void *arg, const char *name, size_t nlen, const uint8_t *val,
                                    size_t vlen),
                void *arg)
{
    if (!k->mounted) {
        return KVS_ENOTMOUNTED;
    }
    rinfo_t r;
    int wrc;
    for (walk_t w = walk_of(0, k->nsec, k->cp); (wrc = walk_next(k, &w, &r)) == R_VALID;) {
        rinfo_t best;
        int f = find(k, k->cp + KVS_HDR, r.nl, &best);
        if (f < 0) {
            return KVS_EIO;
        }
        if (best.sec == r.sec && best.pos == r.pos && !(r.flags & (F_DEL | F_DONE)) &&
            fn(arg, (const char *)k->cp + KVS_HDR, r.nl, k->cp + KVS_HDR + r.nl, r.vl)) {
            return KVS_OK;
        }
    }
    return wrc == R_IO ? KVS_EIO : KVS_OK;
}
