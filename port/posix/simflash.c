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
};

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

static void charge(simflash_t *sf, uint64_t units, uint64_t ns_typ, uint64_t ns_max)
{
    uint64_t per = 0;
    if (sf->timing == SIMFLASH_TIMING_TYPICAL) {
        per = ns_typ;
    } else if (sf->timing == SIMFLASH_TIMING_WORST) {
        per = ns_max;
    }
    uint64_t ns = per * units;
    sf->st.time_ns += ns;
    if (sf->real_sleep && ns > 0) {
        struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
                              .tv_nsec = (long)(ns % 1000000000ull)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
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
        memcpy(sf->mem + off, s, len); /* s only clears bits: AND == copy */
        charge(sf, units_touched(sf->geom.prog_unit, off, len), sf->geom.prog_ns_typ,
               sf->geom.prog_ns_max);
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

    if (!interrupted) {
        memset(sf->mem + off, 0xff, len);
        sf->st.erases += nsec;
        charge(sf, nsec, sf->geom.erase_ns_typ, sf->geom.erase_ns_max);
        return FLASH_OK;
    }

    /* Interrupted erase: sectors before a random one are erased, that one is
     * an undefined mix word by word (erased or old content), later ones are
     * untouched. */
    uint32_t k = (uint32_t)(mix64(&rng) % nsec);
    memset(sf->mem + off, 0xff, (size_t)k * ss);
    uint8_t *sec = sf->mem + off + (size_t)k * ss;
    for (uint32_t w = 0; w < ss; w += 4u) {
        if (mix64(&rng) & 1u) {
            memset(sec + w, 0xff, 4u);
        }
    }
    sf->st.erases += (uint64_t)k + 1u;
    charge(sf, (uint64_t)k + 1u, sf->geom.erase_ns_typ, sf->geom.erase_ns_max);
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
