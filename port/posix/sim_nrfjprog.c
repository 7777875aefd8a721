/* `extxip-sim program FILE.hex` as `nrfjprog --program` (see sim_nrfjprog.h). */
#include "sim_nrfjprog.h"

#include <stdlib.h>
#include <string.h>

#include "hexrec.h"
#include "hostfile.h"
#include "sim_app.h"

/* Largest HEX text we read: an 8 MiB QSPI image + the internal flash as
 * 16-byte records is about 25 MiB of text. */
#define NRFJPROG_HEX_MAX (64u << 20)

typedef struct target {
    int dev;                 /* PM_DEV_* */
    uint32_t base;           /* the device's address in the core's memory map */
    extxip_flash_area_t all; /* the whole device as one area */
    uint8_t *data;           /* the file's bytes at their device offset */
    uint8_t *mark;           /* one bit per device byte: the file writes it */
    uint32_t lo, hi;         /* lowest / one past the highest offset written */
} target_t;

typedef struct job {
    target_t t[2];
    int nt;
    const char *file;
    uint32_t other_base[2], other_size[2]; /* the other core's devices (for the hint) */
    int nother;
    char *err;
    size_t errlen;
} job_t;

static int is_marked(const target_t *t, uint32_t o)
{
    return (t->mark[o / 8] >> (o % 8)) & 1;
}

static int on_record(void *ctx, uint32_t addr, const uint8_t *d, size_t n)
{
    job_t *j = ctx;
    for (int i = 0; i < j->nt; i++) {
        target_t *t = &j->t[i];
        if (addr < t->base || addr - t->base >= t->all.size)
            continue;
        uint32_t o = addr - t->base;
        if (n > t->all.size - o)
            break; /* runs off the device's end: outside */
        for (size_t k = 0; k < n; k++) {
            if (is_marked(t, o + (uint32_t)k)) {
                snprintf(j->err, j->errlen, "%s: HEX data overlaps itself at 0x%08x", j->file,
                         (unsigned)(addr + k));
                return -1;
            }
            t->mark[(o + k) / 8] |= (uint8_t)(1u << ((o + k) % 8));
            t->data[o + k] = d[k];
        }
        if (o < t->lo)
            t->lo = o;
        if (o + n > t->hi)
            t->hi = o + (uint32_t)n;
        return 0;
    }
    const char *hint = "";
    for (int i = 0; i < j->nother; i++)
        if (addr >= j->other_base[i] && addr - j->other_base[i] < j->other_size[i])
            hint = j->t[0].dev == PM_DEV_NETCORE
                       ? " (an application core address: program it without --coprocessor CP_NETWORK)"
                       : " (a network core address: program it with --coprocessor CP_NETWORK)";
    char devs[160];
    if (j->t[0].dev == PM_DEV_NETCORE)
        snprintf(devs, sizeof devs, "network core flash 0x%08x-0x%08x", (unsigned)j->t[0].base,
                 (unsigned)(j->t[0].base + j->t[0].all.size - 1));
    else
        snprintf(devs, sizeof devs, "internal flash 0x%08x-0x%08x, QSPI 0x%08x-0x%08x",
                 (unsigned)j->t[0].base, (unsigned)(j->t[0].base + j->t[0].all.size - 1),
                 (unsigned)j->t[1].base, (unsigned)(j->t[1].base + j->t[1].all.size - 1));
    snprintf(j->err, j->errlen, "%s: HEX data at 0x%08x (%zu bytes) is outside every device of the %s core (%s)%s",
             j->file, (unsigned)addr, n, j->t[0].dev == PM_DEV_NETCORE ? "network" : "application",
             devs, hint);
    return -1;
}

/* Is any byte of [lo, hi) of t written by the file? */
static int marked_in(const target_t *t, uint32_t lo, uint32_t hi)
{
    for (uint32_t o = lo; o < hi && o < t->all.size; o++)
        if (is_marked(t, o))
            return 1;
    return 0;
}

static void add_target(job_t *j, sim_device_t *d, int dev, uint32_t base)
{
    target_t *t = &j->t[j->nt++];
    t->dev = dev;
    t->base = base;
    t->all.id = 0xff;
    t->all.dev = simflash_board_dev(&d->board, dev);
    t->all.name = t->all.dev->name;
    t->all.off = 0;
    t->all.size = t->all.dev->size;
    t->lo = UINT32_MAX;
    t->hi = 0;
}

int sim_device_program_hex(sim_device_t *d, const char *file, const sim_nrfjprog_opts_t *o,
                           FILE *out, char *err, size_t errlen)
{
    if (o->sectorerase && o->chiperase) {
        snprintf(err, errlen, "--sectorerase and --chiperase cannot be combined");
        return -1;
    }
    if (o->qspisectorerase && o->qspichiperase) {
        snprintf(err, errlen, "--qspisectorerase and --qspichiperase cannot be combined");
        return -1;
    }
    if (o->netcore && (o->qspisectorerase || o->qspichiperase)) {
        snprintf(err, errlen, "the QSPI belongs to the application core: --qspisectorerase and "
                              "--qspichiperase do not go with --coprocessor CP_NETWORK");
        return -1;
    }
    if (!it_is_hex_name(file)) {
        snprintf(err, errlen, "%s: want an Intel HEX file (.hex); a raw binary needs a target: "
                              "program <0|1|2|partition> FILE", file);
        return -1;
    }
    static job_t j;
    memset(&j, 0, sizeof j);
    j.file = file;
    j.err = err;
    j.errlen = errlen;
    const extxip_flash_dev_t *net = simflash_board_dev(&d->board, PM_DEV_NETCORE);
    const extxip_flash_dev_t *in = simflash_board_dev(&d->board, PM_DEV_INTERNAL);
    const extxip_flash_dev_t *qs = simflash_board_dev(&d->board, PM_DEV_QSPI);
    if (o->netcore) {
        add_target(&j, d, PM_DEV_NETCORE, EXTXIP_BOARD_NET_FLASH_BASE);
        j.other_base[0] = 0, j.other_size[0] = in->size;
        j.other_base[1] = SIM_XIP_BASE, j.other_size[1] = qs->size;
        j.nother = 2;
    } else {
        add_target(&j, d, PM_DEV_INTERNAL, 0);
        add_target(&j, d, PM_DEV_QSPI, SIM_XIP_BASE);
        j.other_base[0] = EXTXIP_BOARD_NET_FLASH_BASE, j.other_size[0] = net->size;
        j.nother = 1;
    }
    int rc = -1;
    it_buf_t text = {0};
    it_err_t ie;
    for (int i = 0; i < j.nt; i++) {
        target_t *t = &j.t[i];
        t->data = malloc(t->all.size);
        t->mark = calloc(t->all.size / 8 + 1, 1);
        if (!t->data || !t->mark) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    if (it_read_file(file, NRFJPROG_HEX_MAX, &text, &ie) != 0 ||
        it_hex_foreach(text.data, text.len, NULL, NULL, &ie) != 0) {
        snprintf(err, errlen, "%s", ie.msg);
        goto out;
    }
    int frc = it_hex_foreach(text.data, text.len, on_record, &j, &ie);
    if (frc != 0)
        goto out; /* on_record wrote err */
    int any = 0;
    for (int i = 0; i < j.nt; i++)
        any |= j.t[i].hi > 0;
    if (!any) {
        snprintf(err, errlen, "%s: the HEX file holds no data", file);
        goto out;
    }

    /* The bootloader: only a whole-chip program, or a HEX that is only a
     * bootloader with its pages erased, may write it. */
    const pm_partition_t *boot = pm_layout_find(&d->layout, "mcuboot");
    if (!o->netcore && boot && boot->dev == PM_DEV_INTERNAL && boot->size > 0) {
        target_t *t = &j.t[0];
        uint32_t b0 = boot->off, b1 = boot->off + boot->size;
        if (marked_in(t, b0, b1) && !o->chiperase) {
            int only_boot = !j.t[1].hi && t->lo >= b0 && t->hi <= b1;
            if (!only_boot || !o->sectorerase) {
                snprintf(err, errlen,
                         "%s: writes the bootloader (mcuboot 0x%08x-0x%08x)%s: give --chiperase to "
                         "reprogram the chip%s",
                         file, (unsigned)b0, (unsigned)(b1 - 1),
                         only_boot ? "" : " and more", only_boot ? ", or --sectorerase" : "");
                goto out;
            }
        }
    }

    /* Without an erase option every byte to write must be erased already. */
    for (int i = 0; i < j.nt; i++) {
        target_t *t = &j.t[i];
        int qspi = t->dev == PM_DEV_QSPI;
        int erase = qspi ? (o->qspisectorerase || o->qspichiperase) : (o->sectorerase || o->chiperase);
        if (erase || !t->hi)
            continue;
        uint8_t buf[4096];
        for (uint32_t at = t->lo; at < t->hi; at += sizeof buf) {
            uint32_t n = t->hi - at < sizeof buf ? t->hi - at : (uint32_t)sizeof buf;
            if (extxip_flash_area_read(&t->all, at, buf, n) != 0) {
                snprintf(err, errlen, "%s: flash read error", t->all.name);
                goto out;
            }
            for (uint32_t k = 0; k < n; k++)
                if (is_marked(t, at + k) && buf[k] != t->all.dev->erased_val) {
                    snprintf(err, errlen,
                             "%s: %s at 0x%08x is not erased: give %s (erase what the file "
                             "writes) or %s",
                             file, qspi ? "QSPI" : t->all.name, (unsigned)(t->base + at + k),
                             qspi ? "--qspisectorerase" : "--sectorerase",
                             qspi ? "--qspichiperase" : "--chiperase");
                    goto out;
                }
        }
    }

    /* Erase, as asked. */
    for (int i = 0; i < j.nt; i++) {
        target_t *t = &j.t[i];
        int qspi = t->dev == PM_DEV_QSPI;
        uint32_t sec = t->all.dev->sector_size;
        if (qspi ? o->qspichiperase : o->chiperase) {
            fprintf(out, "Erasing %s (0x%08x-0x%08x).\n", qspi ? "the QSPI" : t->all.name,
                    (unsigned)t->base, (unsigned)(t->base + t->all.size - 1));
            if (extxip_flash_area_erase(&t->all, 0, t->all.size) != 0)
                goto flash_err;
        } else if (t->hi && (qspi ? o->qspisectorerase : o->sectorerase)) {
            unsigned pages = 0;
            for (uint32_t s = t->lo / sec * sec; s < t->hi; s += sec)
                if (marked_in(t, s, s + sec)) {
                    if (extxip_flash_area_erase(&t->all, s, sec) != 0)
                        goto flash_err;
                    pages++;
                }
            fprintf(out, "Erased %u %s of %u bytes (0x%08x-0x%08x).\n", pages,
                    qspi ? "QSPI sectors" : "pages", (unsigned)sec,
                    (unsigned)(t->base + t->lo / sec * sec),
                    (unsigned)(t->base + (t->hi + sec - 1) / sec * sec - 1));
        }
    }

    /* Program each run of written bytes, widened to the write unit with what
     * the flash holds beside it. */
    for (int i = 0; i < j.nt; i++) {
        target_t *t = &j.t[i];
        uint32_t al = t->all.dev->write_align, total = 0;
        uint32_t at = t->lo;
        while (at < t->hi) {
            if (!is_marked(t, at)) {
                at++;
                continue;
            }
            uint32_t end = at;
            while (end < t->hi && is_marked(t, end))
                end++;
            uint32_t w0 = at / al * al, w1 = (end + al - 1) / al * al;
            if (w1 > t->all.size)
                w1 = t->all.size;
            uint8_t *tmp = malloc(w1 - w0);
            if (!tmp) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            if (extxip_flash_area_read(&t->all, w0, tmp, w1 - w0) != 0) {
                free(tmp);
                goto flash_err;
            }
            memcpy(tmp + (at - w0), t->data + at, end - at);
            int wrc = extxip_flash_area_write(&t->all, w0, tmp, w1 - w0);
            free(tmp);
            if (wrc != 0)
                goto flash_err;
            total += end - at;
            at = end;
        }
        if (t->hi)
            fprintf(out, "Programmed %u bytes into %s at 0x%08x-0x%08x.\n", (unsigned)total,
                    t->dev == PM_DEV_QSPI ? "the QSPI" : t->all.name, (unsigned)(t->base + t->lo),
                    (unsigned)(t->base + t->hi - 1));
    }

    if (o->verify) {
        for (int i = 0; i < j.nt; i++) {
            target_t *t = &j.t[i];
            uint8_t buf[4096];
            for (uint32_t at = t->lo; at < t->hi; at += sizeof buf) {
                uint32_t n = t->hi - at < sizeof buf ? t->hi - at : (uint32_t)sizeof buf;
                if (extxip_flash_area_read(&t->all, at, buf, n) != 0)
                    goto flash_err;
                for (uint32_t k = 0; k < n; k++)
                    if (is_marked(t, at + k) && buf[k] != t->data[at + k]) {
                        snprintf(err, errlen, "%s: verify failed at 0x%08x", file,
                                 (unsigned)(t->base + at + k));
                        goto out;
                    }
            }
        }
        fprintf(out, "Verified OK.\n");
    }
    rc = 0;
    goto out;
flash_err:
    snprintf(err, errlen, "%s: flash error while programming", file);
out:
    for (int i = 0; i < j.nt; i++) {
        free(j.t[i].data);
        free(j.t[i].mark);
    }
    it_buf_free(&text);
    return rc;
}

/* extxip-sim mkhex -o OUT.hex ADDR=FILE...: raw files placed at addresses, as
 * one Intel HEX file (the build's *_signed.hex, merged.hex). */
int sim_cmd_mkhex(int argc, char **argv)
{
    const char *outp = NULL;
    enum { MAXSEG = 8 };
    it_hex_seg_t seg[MAXSEG];
    it_buf_t buf[MAXSEG];
    memset(buf, 0, sizeof buf);
    size_t n = 0;
    int rc = 2;
    it_err_t ie;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outp = argv[++i];
            continue;
        }
        const char *eq = strchr(argv[i], '=');
        char *end;
        unsigned long long a = eq ? strtoull(argv[i], &end, 0) : 0;
        if (!eq || end != eq || argv[i][0] == '-' || a > 0xffffffffull || n == MAXSEG) {
            fprintf(stderr, "extxip-sim mkhex: usage: mkhex -o OUT.hex ADDR=FILE... (at most %d)\n",
                    MAXSEG);
            goto out;
        }
        if (it_read_file(eq + 1, 64u << 20, &buf[n], &ie) != 0) {
            fprintf(stderr, "extxip-sim mkhex: %s\n", ie.msg);
            rc = 1;
            goto out;
        }
        seg[n].addr = (uint32_t)a;
        seg[n].data = buf[n].data;
        seg[n].len = buf[n].len;
        n++;
    }
    if (!outp || n == 0) {
        fprintf(stderr, "extxip-sim mkhex: usage: mkhex -o OUT.hex ADDR=FILE...\n");
        goto out;
    }
    for (size_t i = 1; i < n; i++) /* sort by address (n is tiny) */
        for (size_t k = i; k > 0 && seg[k].addr < seg[k - 1].addr; k--) {
            it_hex_seg_t s = seg[k];
            seg[k] = seg[k - 1];
            seg[k - 1] = s;
        }
    it_buf_t text = {0};
    rc = 1;
    if (it_hex_render(seg, n, &text, &ie) != 0 ||
        it_write_file_atomic(outp, text.data, text.len, 0644, &ie) != 0)
        fprintf(stderr, "extxip-sim mkhex: %s\n", ie.msg);
    else
        rc = 0;
    it_buf_free(&text);
out:
    for (size_t i = 0; i < MAXSEG; i++)
        it_buf_free(&buf[i]);
    return rc;
}
