/*
 * Simulated NOR flash (see simflash.h). Host code: malloc, mmap and files.
 *
 * Order of judgement for erase/program, so a test sees one answer per call:
 *   1. power already cut          -> FLASH_ERR_IO, nothing changes
 *   2. a NOR rule is broken       -> refusal code, nothing changes, counted
 *   3. the call is an operation   -> power op counter +1; if it is the armed
 *                                    one, a partial result and FLASH_ERR_IO
 *   4. otherwise it completes.
 */
#include "simflash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Figures and sources: docs/flash-model.md. */
/* nRF5340 NVMC: the Product Specification gives maximum figures only, so
 * typical and worst are the same number (see the doc for which are verified). */
#define NVMC_ERASEPAGE_NS 89700000ull /* tERASEPAGE bound, 89.7 ms */
#define NVMC_WRITE_NS 41000ull        /* tWRITE per 32-bit word, 41 us */

const simflash_geometry_t simflash_geom_nrf5340_app = {
    .name = "flash_primary",
    .size = EXTXIP_BOARD_APP_FLASH_SIZE,
    .sector_size = EXTXIP_BOARD_APP_FLASH_PAGE,
    .write_align = EXTXIP_BOARD_WRITE_ALIGN,
    .prog_unit = 4u,
    .erase_ns_typ = NVMC_ERASEPAGE_NS,
    .erase_ns_max = NVMC_ERASEPAGE_NS,
    .prog_ns_typ = NVMC_WRITE_NS,
    .prog_ns_max = NVMC_WRITE_NS,
};

/* Network core: same NVMC, 2 KiB pages. */
const simflash_geometry_t simflash_geom_nrf5340_net = {
    .name = "flash_ctrl",
    .size = EXTXIP_BOARD_NET_FLASH_SIZE,
    .sector_size = EXTXIP_BOARD_NET_FLASH_PAGE,
    .write_align = EXTXIP_BOARD_WRITE_ALIGN,
    .prog_unit = 4u,
    .erase_ns_typ = NVMC_ERASEPAGE_NS,
    .erase_ns_max = NVMC_ERASEPAGE_NS,
    .prog_ns_typ = NVMC_WRITE_NS,
    .prog_ns_max = NVMC_WRITE_NS,
};

/* MX25R6435F, high-performance mode: typical from the datasheet, worst from
 * the part's SFDP table (typical x its max multiplier). */
const simflash_geometry_t simflash_geom_mx25r64 = {
    .name = "MX25R64",
    .size = EXTXIP_BOARD_QSPI_SIZE,
    .sector_size = EXTXIP_BOARD_QSPI_SECTOR,
    .write_align = EXTXIP_BOARD_WRITE_ALIGN,
    .prog_unit = EXTXIP_BOARD_QSPI_PROG_PAGE,
    .erase_ns_typ = 40000000ull,  /* tSE 4 KiB, 40 ms */
    .erase_ns_max = 384000000ull, /* SFDP: 48 ms x 8 */
    .prog_ns_typ = 850000ull,     /* tPP 256 B, 0.85 ms */
    .prog_ns_max = 5376000ull,    /* SFDP: 896 us x 6 */
    /* Block erase, SFDP BFPT DWORD 10 (erase types 2 and 3, typical x 8):
     * 32 KiB 240 ms / 1 920 ms, 64 KiB 480 ms / 3 840 ms. */
    .block32 = 32768u,
    .block32_ns_typ = 240000000ull,
    .block32_ns_max = 1920000000ull,
    .block64 = 65536u,
    .block64_ns_typ = 480000000ull,
    .block64_ns_max = 3840000000ull,
};

/* One operation still in the chip (async mode): what it overwrote, so a
 * power cut can tear it. */
#define SIMFLASH_PEND_MAX 64
typedef struct sf_pending {
    int erase;      /* 1 erase, 0 program */
    uint32_t off, len;
    uint8_t *old;   /* len bytes as they were before the operation */
    uint64_t end_ns; /* wall clock (CLOCK_MONOTONIC) when it completes, real_sleep only */
} sf_pending_t;

struct simflash {
    extxip_flash_dev_t dev;
    extxip_flash_dev_ops_t ops;
    simflash_geometry_t geom;
    simflash_power_t *power;
    uint8_t *mem;
    int fd;               /* -1 when RAM only */
    simflash_stats_t st;
    simflash_timing_mode_t timing;
    int real_sleep;
    int blocks;            /* block erase advertised and used */
    uint32_t queue_bytes;  /* async mode: driver queue for program data; 0 = synchronous */
    uint64_t busy_until;   /* CLOCK_MONOTONIC ns when queued work ends (real_sleep) */
    sf_pending_t pend[SIMFLASH_PEND_MAX];
    int npend;
    uint32_t pend_bytes;   /* program bytes among pend[] */
    int busy_by_order;     /* without real time: busy while anything is queued */
};

/* ---- power ---------------------------------------------------------------- */

void simflash_power_init(simflash_power_t *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->seed = seed;
}

void simflash_power_cut_after(simflash_power_t *p, uint64_t n)
{
    p->cut_at = n ? p->ops + n : 0;
}

void simflash_power_on(simflash_power_t *p)
{
    p->cut = 0;
    p->cut_at = 0;
}

int simflash_power_is_cut(const simflash_power_t *p)
{
    return p && p->cut;
}

uint64_t simflash_power_ops(const simflash_power_t *p)
{
    return p ? p->ops : 0;
}

/* splitmix64: a tiny, well-mixed generator; the stream for an interrupted
 * operation depends only on (seed, op number), so a rerun reproduces it. */
static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- timing --------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void sleep_until(uint64_t t)
{
    uint64_t now = mono_ns();
    if (t > now) {
        sleep_ns(t - now);
    }
}

static uint64_t pick(const simflash_t *sf, uint64_t ns_typ, uint64_t ns_max)
{
    return sf->timing == SIMFLASH_TIMING_TYPICAL ? ns_typ
           : sf->timing == SIMFLASH_TIMING_WORST ? ns_max
                                                 : 0;
}

/* Charge ns of chip time. Synchronous: the call sleeps it (real_sleep).
 * Async: the chip works after the work queued before; the call returns. */
static void charge_ns(simflash_t *sf, uint64_t ns)
{
    sf->st.time_ns += ns;
    if (!sf->real_sleep || ns == 0) {
        return;
    }
    if (sf->queue_bytes == 0) {
        sleep_ns(ns);
        return;
    }
    uint64_t now = mono_ns();
    sf->busy_until = (sf->busy_until > now ? sf->busy_until : now) + ns;
}

static void charge(simflash_t *sf, uint64_t units, uint64_t ns_typ, uint64_t ns_max)
{
    charge_ns(sf, pick(sf, ns_typ, ns_max) * units);
}

/* ---- background operation (async mode) ------------------------------------- */

static void pend_drop_oldest(simflash_t *sf)
{
    sf_pending_t *e = &sf->pend[0];
    if (sf->real_sleep && e->end_ns > mono_ns()) {
        sf->st.waits++;
        sleep_until(e->end_ns);
    }
    if (!e->erase) {
        sf->pend_bytes -= e->len;
    }
    free(e->old);
    memmove(&sf->pend[0], &sf->pend[1], (size_t)(sf->npend - 1) * sizeof sf->pend[0]);
    sf->npend--;
}

/* The next operation needs the chip: wait for everything queued. */
static void wait_idle(simflash_t *sf)
{
    if (sf->real_sleep && sf->queue_bytes && sf->busy_until > mono_ns()) {
        sf->st.waits++;
        sleep_until(sf->busy_until);
    }
    while (sf->npend > 0) {
        pend_drop_oldest(sf);
    }
}

/* Before an operation changes [off, off+len): in async mode remember what
 * was there (the operation is in flight until the chip is waited for). Room
 * in the queue is made first: the oldest work is then complete. */
static void pend_add(simflash_t *sf, int erase, uint32_t off, uint32_t len)
{
    if (sf->queue_bytes == 0) {
        return;
    }
    while (sf->npend > 0 &&
           (sf->npend == SIMFLASH_PEND_MAX || (!erase && sf->pend_bytes + len > sf->queue_bytes))) {
        pend_drop_oldest(sf);
    }
    uint8_t *old = malloc(len);
    if (old == NULL) {
        wait_idle(sf); /* no room to remember it: model it as complete */
        return;
    }
    memcpy(old, sf->mem + off, len);
    sf->pend[sf->npend++] = (sf_pending_t){erase, off, len, old, 0};
    if (!erase) {
        sf->pend_bytes += len;
    }
}

/* After the operation was charged: when it completes on the wall clock. A
 * program beyond the queue's room keeps the caller until it fits. */
static void pend_done(simflash_t *sf)
{
    if (sf->queue_bytes == 0 || sf->npend == 0) {
        return;
    }
    sf->pend[sf->npend - 1].end_ns = sf->busy_until;
}

/* Power was cut while the chip still had work: a random prefix of the queue
 * completed, the next operation is torn, the rest never started (k = -1:
 * none started, k = npend: all done). */
static void tear_pending(simflash_t *sf, uint64_t *rng)
{
    if (sf->npend == 0) {
        return;
    }
    int k = (int)(mix64(rng) % (uint64_t)(sf->npend + 2)) - 1;
    for (int i = sf->npend - 1; i >= 0; i--) {
        sf_pending_t *e = &sf->pend[i];
        uint8_t *m = sf->mem + e->off;
        if (i > k) {
            memcpy(m, e->old, e->len); /* never started */
        } else if (i == k) {
            /* what the operation made is in m; keep old or new word by word
             * (erase) / a prefix plus a random subset of the bits (program) */
            uint32_t cut = (uint32_t)(mix64(rng) % e->len);
            for (uint32_t w = 0; w < e->len; w += 4u) {
                uint32_t n = e->len - w < 4u ? e->len - w : 4u;
                if (e->erase ? (mix64(rng) & 1u) == 0 : w >= cut) {
                    for (uint32_t j = 0; j < n; j++) {
                        uint8_t keep = e->erase ? 0xffu : (uint8_t)mix64(rng);
                        m[w + j] = (uint8_t)((m[w + j] & (uint8_t)~keep) | (e->old[w + j] & keep));
                    }
                }
            }
        }
        free(e->old);
    }
    sf->npend = 0;
    sf->pend_bytes = 0;
}

static void tear_board(simflash_power_t *p, uint64_t seed)
{
    uint64_t rng = seed ^ 0x5851f42d4c957f2dull;
    for (int i = 0; i < p->ndevs; i++) {
        tear_pending(p->devs[i], &rng);
    }
}

/* Number of prog_unit-sized blocks that [off, off+len) touches. */
static uint64_t units_touched(uint32_t unit, uint32_t off, uint32_t len)
{
    uint64_t first = off / unit;
    uint64_t last = ((uint64_t)off + len - 1u) / unit;
    return last - first + 1u;
}

/* ---- ops -------------------------------------------------------------------- */

static int range_ok(const simflash_t *sf, uint32_t off, uint32_t len)
{
    return off <= sf->geom.size && len <= sf->geom.size - off;
}

static int sf_read(void *ctx, uint32_t off, void *dst, uint32_t len)
{
    simflash_t *sf = ctx;
    /* Reads work with power cut: a test inspects the flash as it was left. */
    if (!range_ok(sf, off, len) || (dst == NULL && len)) {
        sf->st.refusals++;
        return FLASH_ERR_RANGE;
    }
    if (len) {
        wait_idle(sf);
        memcpy(dst, sf->mem + off, len);
    }
    sf->st.bytes_read += len;
    return FLASH_OK;
}

/* Step 1 and 3 of the header comment. Returns 0 to proceed normally, 1 when
 * this operation is the interrupted one (caller makes the partial state), or
 * FLASH_ERR_IO when power is already off. */
static int power_gate_pre(simflash_t *sf)
{
    if (sf->power && sf->power->cut) {
        sf->st.power_fails++;
        return FLASH_ERR_IO;
    }
    return 0;
}

static int power_gate_op(simflash_t *sf, uint64_t *rng)
{
    simflash_power_t *p = sf->power;
    if (p == NULL) {
        return 0;
    }
    p->ops++;
    if (p->cut_at != 0 && p->ops == p->cut_at) {
        p->cut = 1;
        *rng = p->seed ^ (p->ops * 0xd1342543de82ef95ull);
        sf->st.power_fails++;
        tear_board(p, *rng);
        return 1;
    }
    return 0;
}

static int sf_write(void *ctx, uint32_t off, const void *src, uint32_t len)
{
    simflash_t *sf = ctx;
    const uint8_t *s = src;

    int rc = power_gate_pre(sf);
    if (rc) {
        return rc;
    }
    if (!range_ok(sf, off, len) || (src == NULL && len)) {
        sf->st.refusals++;
        return FLASH_ERR_RANGE;
    }
    if (off % sf->geom.write_align || len % sf->geom.write_align) {
        sf->st.refusals++;
        return FLASH_ERR_ALIGN;
    }
    /* NOR can only clear bits: refuse the whole call if any bit would rise. */
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(s[i] & ~sf->mem[off + i]) != 0) {
            sf->st.refusals++;
            return FLASH_ERR_NOT_ERASED;
        }
    }
    if (len == 0) {
        return FLASH_OK;
    }

    uint64_t rng = 0;
    int interrupted = power_gate_op(sf, &rng);
    sf->st.programs++;
    sf->st.bytes_programmed += len;

    if (!interrupted) {
        pend_add(sf, 0, off, len);
        memcpy(sf->mem + off, s, len); /* s only clears bits: AND == copy */
        charge(sf, units_touched(sf->geom.prog_unit, off, len), sf->geom.prog_ns_typ,
               sf->geom.prog_ns_max);
        pend_done(sf);
        if (sf->real_sleep && sf->queue_bytes && sf->pend_bytes > sf->queue_bytes) {
            wait_idle(sf); /* one write larger than the whole queue */
        }
        return FLASH_OK;
    }

    /* Interrupted program: bytes before a random cut are done, the byte range
     * of one word at the cut gets a random subset of its 1->0 bits (in
     * random mode every remaining byte may be half done too), the rest is
     * untouched. Only intended 1->0 transitions ever happen. */
    uint32_t cut = (uint32_t)(mix64(&rng) % len);
    int scatter = (int)(mix64(&rng) & 1u); /* 0: prefix, 1: prefix + random subset */
    for (uint32_t i = 0; i < len; i++) {
        uint8_t cur = sf->mem[off + i];
        uint8_t want = (uint8_t)(cur & s[i]);
        if (i < cut) {
            sf->mem[off + i] = want;
        } else if (i < cut + sf->geom.write_align || scatter) {
            uint8_t keep = (uint8_t)mix64(&rng); /* bits that do not make it */
            sf->mem[off + i] = (uint8_t)(want | (cur & keep));
        }
    }
    charge(sf, units_touched(sf->geom.prog_unit, off, cut ? cut : 1u), sf->geom.prog_ns_typ,
           sf->geom.prog_ns_max);
    return FLASH_ERR_IO;
}

/* Length of the erase command at device offset off with rest bytes to go. */
static uint32_t piece_len(const simflash_t *sf, uint32_t off, uint32_t rest)
{
    const simflash_geometry_t *g = &sf->geom;
    if (sf->blocks && g->block64 && off % g->block64 == 0 && rest >= g->block64) {
        return g->block64;
    }
    if (sf->blocks && g->block32 && off % g->block32 == 0 && rest >= g->block32) {
        return g->block32;
    }
    return g->sector_size;
}

static uint64_t piece_ns(const simflash_t *sf, uint32_t pl)
{
    const simflash_geometry_t *g = &sf->geom;
    if (sf->blocks && pl == g->block64 && pl != g->sector_size) {
        return pick(sf, g->block64_ns_typ, g->block64_ns_max);
    }
    if (sf->blocks && pl == g->block32 && pl != g->sector_size) {
        return pick(sf, g->block32_ns_typ, g->block32_ns_max);
    }
    return pick(sf, g->erase_ns_typ, g->erase_ns_max);
}

static int sf_sync(void *ctx)
{
    simflash_t *sf = ctx;
    wait_idle(sf);
    return sf->power && sf->power->cut ? FLASH_ERR_IO : FLASH_OK;
}

static int sf_busy(void *ctx)
{
    simflash_t *sf = ctx;
    if (sf->queue_bytes == 0) {
        return 0;
    }
    /* Without real time an operation takes no time: never busy (what is
     * queued still tears at a power cut until something waits for it),
     * unless busy is judged by operation order (tests). */
    if (!sf->real_sleep) {
        return sf->busy_by_order && sf->npend > 0;
    }
    return sf->busy_until > mono_ns();
}

static int sf_erase(void *ctx, uint32_t off, uint32_t len)
{
    simflash_t *sf = ctx;
    const uint32_t ss = sf->geom.sector_size;

    int rc = power_gate_pre(sf);
    if (rc) {
        return rc;
    }
    if (!range_ok(sf, off, len)) {
        sf->st.refusals++;
        return FLASH_ERR_RANGE;
    }
    if (off % ss || len % ss) {
        sf->st.refusals++;
        return FLASH_ERR_SECTOR;
    }
    if (len == 0) {
        return FLASH_OK;
    }

    uint64_t rng = 0;
    int interrupted = power_gate_op(sf, &rng);
    uint32_t nsec = len / ss;

    /* The commands the range takes: the largest aligned block that fits
     * (block erase on), else a sector. */
    uint32_t npieces = 0;
    for (uint32_t o = 0; o < len; o += piece_len(sf, off + o, len - o)) {
        npieces++;
    }

    if (!interrupted) {
        pend_add(sf, 1, off, len);
        memset(sf->mem + off, 0xff, len);
        sf->st.erases += nsec;
        uint64_t ns = 0;
        for (uint32_t o = 0; o < len;) {
            uint32_t pl = piece_len(sf, off + o, len - o);
            ns += piece_ns(sf, pl);
            sf->st.block_erases += pl > ss;
            o += pl;
        }
        charge_ns(sf, ns);
        pend_done(sf);
        return FLASH_OK;
    }

    /* Interrupted erase: commands before a random one are done, that one's
     * whole unit is an undefined mix word by word (erased or old content),
     * later ones are untouched. Without blocks each command is a sector. */
    uint32_t k = (uint32_t)(mix64(&rng) % npieces);
    uint32_t o = 0, ns_units = 0;
    uint64_t ns = 0;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t pl = piece_len(sf, off + o, len - o);
        ns += piece_ns(sf, pl);
        o += pl;
    }
    memset(sf->mem + off, 0xff, o);
    uint32_t pl = piece_len(sf, off + o, len - o);
    uint8_t *sec = sf->mem + off + o;
    for (uint32_t w = 0; w < pl; w += 4u) {
        if (mix64(&rng) & 1u) {
            memset(sec + w, 0xff, 4u);
        }
    }
    ns_units = (o + pl) / ss;
    sf->st.erases += ns_units;
    charge_ns(sf, ns + piece_ns(sf, pl));
    return FLASH_ERR_IO;
}

/* ---- lifetime --------------------------------------------------------------- */

static int map_file(simflash_t *sf, const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        return FLASH_ERR_IO;
    }
    struct stat stbuf;
    if (fstat(fd, &stbuf) != 0) {
        close(fd);
        return FLASH_ERR_IO;
    }
    int fresh = stbuf.st_size == 0;
    if (!fresh && (uint64_t)stbuf.st_size != sf->geom.size) {
        close(fd); /* someone else's file, or another geometry: don't touch it */
        return FLASH_ERR_IO;
    }
    if (fresh && ftruncate(fd, (off_t)sf->geom.size) != 0) {
        close(fd);
        return FLASH_ERR_IO;
    }
    void *m = mmap(NULL, sf->geom.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return FLASH_ERR_IO;
    }
    sf->mem = m;
    sf->fd = fd;
    if (fresh) {
        memset(sf->mem, 0xff, sf->geom.size); /* a new device comes erased */
    }
    return FLASH_OK;
}

int simflash_open(simflash_t **out, const simflash_geometry_t *g, const char *path,
                  simflash_power_t *power)
{
    if (out == NULL || g == NULL || g->size == 0 || g->sector_size == 0 ||
        g->write_align == 0 || g->prog_unit == 0 || g->size % g->sector_size ||
        g->sector_size % 4u) {
        return FLASH_ERR_IO;
    }
    simflash_t *sf = calloc(1, sizeof *sf);
    if (sf == NULL) {
        return FLASH_ERR_IO;
    }
    sf->geom = *g;
    sf->power = power;
    sf->fd = -1;
    if (path == NULL) {
        sf->mem = malloc(g->size);
        if (sf->mem == NULL) {
            free(sf);
            return FLASH_ERR_IO;
        }
        memset(sf->mem, 0xff, g->size);
    } else if (map_file(sf, path) != FLASH_OK) {
        free(sf);
        return FLASH_ERR_IO;
    }
    sf->ops.read = sf_read;
    sf->ops.write = sf_write;
    sf->ops.erase = sf_erase;
    if (power != NULL && power->ndevs < (int)(sizeof power->devs / sizeof power->devs[0])) {
        power->devs[power->ndevs++] = sf;
    }
    sf->dev.name = sf->geom.name;
    sf->dev.size = g->size;
    sf->dev.sector_size = g->sector_size;
    sf->dev.write_align = g->write_align;
    sf->dev.erased_val = 0xff;
    sf->dev.ops = &sf->ops;
    sf->dev.ctx = sf;
    *out = sf;
    return FLASH_OK;
}

void simflash_close(simflash_t *sf)
{
    if (sf == NULL) {
        return;
    }
    wait_idle(sf);
    if (sf->power != NULL) {
        simflash_power_t *p = sf->power;
        for (int i = 0; i < p->ndevs; i++) {
            if (p->devs[i] == sf) {
                p->devs[i] = p->devs[--p->ndevs];
                break;
            }
        }
    }
    if (sf->fd >= 0) {
        msync(sf->mem, sf->geom.size, MS_SYNC);
        munmap(sf->mem, sf->geom.size);
        close(sf->fd);
    } else {
        free(sf->mem);
    }
    free(sf);
}

extxip_flash_dev_t *simflash_dev(simflash_t *sf)
{
    return sf ? &sf->dev : NULL;
}

void simflash_stats(const simflash_t *sf, simflash_stats_t *out)
{
    *out = sf->st;
}

void simflash_stats_reset(simflash_t *sf)
{
    memset(&sf->st, 0, sizeof sf->st);
}

void simflash_set_timing(simflash_t *sf, simflash_timing_mode_t mode, int real_sleep)
{
    sf->timing = mode;
    sf->real_sleep = real_sleep;
}

void simflash_set_block_erase(simflash_t *sf, int on)
{
    sf->blocks = on && sf->geom.block32 != 0;
    sf->dev.block_size = sf->blocks ? sf->geom.block32 : 0u;
}

void simflash_set_busy_by_order(simflash_t *sf, int on)
{
    sf->busy_by_order = on;
}

void simflash_set_async(simflash_t *sf, uint32_t queue_bytes)
{
    wait_idle(sf);
    sf->queue_bytes = queue_bytes;
    /* Only a device that works in the background has sync/busy: for the
     * core, a device without them completes each operation in the call. */
    sf->ops.sync = queue_bytes ? sf_sync : NULL;
    sf->ops.busy = queue_bytes ? sf_busy : NULL;
    simflash_set_block_erase(sf, queue_bytes != 0);
}

uint8_t *simflash_mem(simflash_t *sf)
{
    return sf->mem;
}

/* ---- board ------------------------------------------------------------------ */

int simflash_board_open(simflash_board_t *b, const char *dir, uint64_t seed)
{
    static const struct {
        const simflash_geometry_t *g;
        const char *file;
    } devs[SIMFLASH_BOARD_NDEV] = {
        {&simflash_geom_nrf5340_app, "flash_primary.bin"},
        {&simflash_geom_nrf5340_net, "flash_ctrl.bin"},
        {&simflash_geom_mx25r64, "mx25r64.bin"},
    };

    memset(b, 0, sizeof *b);
    simflash_power_init(&b->power, seed);
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        char path[4096];
        const char *p = NULL;
        if (dir != NULL) {
            int n = snprintf(path, sizeof path, "%s/%s", dir, devs[i].file);
            if (n < 0 || (size_t)n >= sizeof path) {
                simflash_board_close(b);
                return FLASH_ERR_IO;
            }
            p = path;
        }
        if (simflash_open(&b->dev[i], devs[i].g, p, &b->power) != FLASH_OK) {
            simflash_board_close(b);
            return FLASH_ERR_IO;
        }
    }
    return FLASH_OK;
}

void simflash_board_close(simflash_board_t *b)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        simflash_close(b->dev[i]);
        b->dev[i] = NULL;
    }
}

extxip_flash_dev_t *simflash_board_dev(simflash_board_t *b, int idx)
{
    if (idx < 0 || idx >= SIMFLASH_BOARD_NDEV) {
        return NULL;
    }
    return simflash_dev(b->dev[idx]);
}

void simflash_board_set_timing(simflash_board_t *b, simflash_timing_mode_t mode, int real_sleep)
{
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        if (b->dev[i]) {
            simflash_set_timing(b->dev[i], mode, real_sleep);
        }
    }
}
