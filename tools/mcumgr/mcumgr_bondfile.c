#include "mcumgr_bondfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hex_in(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void hex_out(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

/* mkdir -p of path's directory. */
static void make_dirs(const char *path)
{
    char d[600];
    snprintf(d, sizeof d, "%s", path);
    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(d, 0700);
            *p = '/';
        }
}

int mcumgr_bondfile_load(mcumgr_bondfile_t *f, const char *given, char *err, size_t cap)
{
    memset(f, 0, sizeof *f);
    if (given && *given) {
        snprintf(f->path, sizeof f->path, "%s", given);
    } else {
        const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
        if (x && *x)
            snprintf(f->path, sizeof f->path, "%s/extxip-mcumgr/bonds", x);
        else
            snprintf(f->path, sizeof f->path, "%s/.config/extxip-mcumgr/bonds", h && *h ? h : ".");
    }
    FILE *in = fopen(f->path, "r");
    if (!in) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, cap, "cannot read bond file %s: %s", f->path, strerror(errno));
        return -1;
    }
    char line[256];
    int ln = 0;
    while (fgets(line, sizeof line, in)) {
        ln++;
        char k[8], a[24], l[40];
        int t, au;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "irk %39s", l) == 1 && hex_in(l, f->irk, 16) == 0) {
            f->have_irk = 1;
            continue;
        }
        unsigned v[6];
        char tail;
        if (f->n < MCUMGR_BONDS_MAX && sscanf(line, "%7s %23s %d %39s %d", k, a, &t, l, &au) == 5 &&
            strcmp(k, "bond") == 0 && (t == 0 || t == 1) && (au == 0 || au == 1) &&
            sscanf(a, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) == 6 &&
            strlen(a) == 17) {
            mcumgr_bond_t *b = &f->b[f->n];
            if (hex_in(l, b->ltk, 16) == 0) {
                for (int i = 0; i < 6; i++)
                    b->addr[i] = (uint8_t)v[5 - i];
                b->type = (uint8_t)t;
                b->authenticated = au;
                f->n++;
                continue;
            }
        }
        fclose(in);
        snprintf(err, cap, "bond file %s: line %d is not 'irk HEX' or 'bond ADDR TYPE LTK AUTH'", f->path, ln);
        return -1;
    }
    fclose(in);
    return 0;
}

const mcumgr_bond_t *mcumgr_bondfile_find(const mcumgr_bondfile_t *f, const uint8_t addr[6], uint8_t type)
{
    for (int i = 0; i < f->n; i++)
        if (f->b[i].type == type && memcmp(f->b[i].addr, addr, 6) == 0)
            return &f->b[i];
    return NULL;
}

int mcumgr_bondfile_save(mcumgr_bondfile_t *f, char *err, size_t cap)
{
    char tmp[620];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    make_dirs(f->path);
    umask(077);
    FILE *o = fopen(tmp, "w");
    if (!o) {
        snprintf(err, cap, "cannot write bond file %s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(o, "# extxip-mcumgr BLE bonds (keep private)\n");
    if (f->have_irk) {
        fprintf(o, "irk ");
        hex_out(o, f->irk, 16);
        fprintf(o, "\n");
    }
    for (int i = 0; i < f->n; i++) {
        const mcumgr_bond_t *b = &f->b[i];
        fprintf(o, "bond %02X:%02X:%02X:%02X:%02X:%02X %d ", b->addr[5], b->addr[4], b->addr[3], b->addr[2],
                b->addr[1], b->addr[0], b->type);
        hex_out(o, b->ltk, 16);
        fprintf(o, " %d\n", b->authenticated ? 1 : 0);
    }
    if (fflush(o) != 0 || fsync(fileno(o)) != 0 || fclose(o) != 0 || rename(tmp, f->path) != 0) {
        snprintf(err, cap, "cannot write bond file %s: %s", f->path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int mcumgr_bondfile_put(mcumgr_bondfile_t *f, const mcumgr_bond_t *b, char *err, size_t cap)
{
    mcumgr_bond_t *e = (mcumgr_bond_t *)mcumgr_bondfile_find(f, b->addr, b->type);
    if (!e) {
        if (f->n >= MCUMGR_BONDS_MAX) { /* the oldest (first) goes */
            memmove(f->b, f->b + 1, sizeof f->b[0] * (MCUMGR_BONDS_MAX - 1));
            f->n--;
        }
        e = &f->b[f->n++];
    }
    *e = *b;
    return mcumgr_bondfile_save(f, err, cap);
}

int mcumgr_bondfile_forget(mcumgr_bondfile_t *f, const uint8_t addr[6], uint8_t type, char *err, size_t cap)
{
    for (int i = 0; i < f->n; i++)
        if (f->b[i].type == type && memcmp(f->b[i].addr, addr, 6) == 0) {
            memmove(f->b + i, f->b + i + 1, sizeof f->b[0] * (size_t)(f->n - i - 1));
            f->n--;
            return mcumgr_bondfile_save(f, err, cap);
        }
    return 0;
}
