/* Test support: whole files (vectors, fixtures) read into memory. Header-only
 * so that any test or benchmark can include it without a library; host code,
 * so malloc and stdio are fine. */
#ifndef EXTXIP_TEST_VECFILE_H
#define EXTXIP_TEST_VECFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tu_blob {
    uint8_t *p; /* malloc'd, NUL after the last byte (text files are strings) */
    size_t n;
} tu_blob_t;

/* Read the whole file at `path`. Returns {NULL, 0} when it cannot be read. */
static inline tu_blob_t tu_read_file(const char *path)
{
    tu_blob_t b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0)
        b.p = malloc((size_t)n + 1);
    if (!b.p || fread(b.p, 1, (size_t)n, f) != (size_t)n) {
        free(b.p);
        fclose(f);
        return (tu_blob_t){NULL, 0};
    }
    fclose(f);
    b.p[n] = 0;
    b.n = (size_t)n;
    return b;
}

/* tu_read_file, but a missing or unreadable file ends the test: exit(2)
 * after naming the path (a test without its input must not pass). */
static inline tu_blob_t tu_load_file(const char *path)
{
    tu_blob_t b = tu_read_file(path);
    if (!b.p) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    return b;
}

/* tu_load_file of `rel` under `dir` ("dir/rel"). */
static inline tu_blob_t tu_load_in(const char *dir, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return tu_load_file(path);
}

/* The "Image digest:" that `imgtool verify` printed for the entry "== name"
 * of `text` (test/vectors/images/verify-ec-p256.txt), or for the first
 * digest when name is NULL (the one-image files). The digest must belong to
 * that entry, not a later one. Returns 0, or -1 when there is none. */
static inline int tu_imgtool_digest(const char *text, const char *name, uint8_t out[32])
{
    const char *p = text;
    if (name) {
        char key[256];
        snprintf(key, sizeof key, "== %s\n", name);
        p = strstr(text, key);
    }
    const char *d = p ? strstr(p, "Image digest: ") : NULL;
    const char *next = name && p ? strstr(p + 3, "== ") : NULL;
    if (!d || (next && d > next))
        return -1;
    d += strlen("Image digest: ");
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(d + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* Digest of vector `name` from <vec_dir>/images/verify-ec-p256.txt; a
 * missing file or entry ends the test (exit 2). */
static inline void tu_vector_digest(const char *vec_dir, const char *name, uint8_t out[32])
{
    tu_blob_t t = tu_load_in(vec_dir, "images/verify-ec-p256.txt");
    if (tu_imgtool_digest((const char *)t.p, name, out) != 0) {
        fprintf(stderr, "no digest for %s\n", name);
        exit(2);
    }
    free(t.p);
}

#endif
