/* Host file helpers shared by the simulator and the tools: one-line errors,
 * growable buffers, whole-file read, atomic write (Intel HEX: hexfile.c).
 * Moved out of extxip-imgtool; the names keep its it_ prefix. */
#include "hostfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int it_errf(it_err_t *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->usage = false;
    }
    return -1;
}

int it_usagef(it_err_t *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->usage = true;
    }
    return -1;
}

static void buf_reserve(it_buf_t *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len) {
        fprintf(stderr, "extxip-imgtool: error: out of memory\n");
        exit(1);
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        fprintf(stderr, "extxip-imgtool: error: out of memory\n");
        exit(1);
    }
    b->data = p;
    b->cap = cap;
}

void it_buf_put(it_buf_t *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void it_buf_fill(it_buf_t *b, uint8_t v, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memset(b->data + b->len, v, n);
    b->len += n;
}

void it_buf_free(it_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int it_read_file(const char *path, size_t max, it_buf_t *out, it_err_t *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return it_errf(e, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return it_errf(e, "cannot read %s: is a directory", path);
    }
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > max) {
            fclose(f);
            return it_errf(e, "%s is too large (limit %zu bytes)", path, max);
        }
        it_buf_put(out, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return it_errf(e, "cannot read %s", path);
    return 0;
}

int it_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         it_err_t *e)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp)
        return it_errf(e, "out of memory");
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return it_errf(e, "cannot create %s: %s", path, strerror(err));
    }
    /* Python's open() gives 0666 & ~umask; private keys keep 0600. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, (mode_t)mode & ~um);
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return it_errf(e, "cannot write %s: %s", path, strerror(err));
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        free(tmp);
        return it_errf(e, "cannot write %s: %s", path, strerror(err));
    }
    free(tmp);
    return 0;
}

bool it_is_hex_name(const char *path)
{
    /* os.path.splitext: the extension of the last path component. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    while (*base == '.')
        base++; /* a leading dot is not an extension */
    const char *dot = strrchr(base, '.');
    return dot && strcasecmp(dot + 1, "hex") == 0;
}
