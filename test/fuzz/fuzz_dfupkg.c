/*
 * libFuzzer harness: the nRF Connect SDK DFU package reader (tools/dfupkg,
 * dfupkg_read) over arbitrary files. libzip and jansson do the parsing; what
 * is fuzzed is our checks around them. The input is written to one temporary
 * file (the reader takes a path). Checked: the result is 0 or -1; a refusal
 * comes with one line (non-empty, no newline); an accepted package has at
 * most DFUPKG_MAX_IMAGES images, sorted by a bounded index, each named
 * without a path, of a size within DFUPKG_MAX_FILE, summing to `total`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfupkg.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_dfupkg: %s\n", why);                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static char path[64];
static int fd = -1;

static void drop(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        snprintf(path, sizeof path, "/tmp/fuzz_dfupkg.XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        atexit(drop);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    static dfupkg_t p;
    char err[256];
    err[0] = 0;
    int rc = dfupkg_read(path, &p, err, sizeof err);
    FZ_ASSERT(rc == 0 || rc == -1, "not 0/-1");
    if (rc != 0) {
        FZ_ASSERT(err[0] != 0 && memchr(err, 0, sizeof err) != NULL && strchr(err, '\n') == NULL,
                  "refusal without one line");
        return 0;
    }
    FZ_ASSERT(p.count >= 0 && p.count <= DFUPKG_MAX_IMAGES, "image count out of range");
    size_t total = 0;
    for (int i = 0; i < p.count; i++) {
        const dfupkg_image_t *im = &p.img[i];
        FZ_ASSERT(im->image >= 0 && im->image <= DFUPKG_MAX_INDEX, "index out of range");
        FZ_ASSERT(i == 0 || im->image > p.img[i - 1].image, "images not sorted by a unique index");
        FZ_ASSERT(memchr(im->file, 0, sizeof im->file) && !strchr(im->file, '/') && im->file[0],
                  "bad entry name accepted");
        FZ_ASSERT(im->data != NULL && im->size > 0 && im->size <= DFUPKG_MAX_FILE, "bad image size");
        total += im->size;
    }
    FZ_ASSERT(total == p.total && total <= DFUPKG_MAX_TOTAL, "total differs");
    dfupkg_free(&p);
    return 0;
}
