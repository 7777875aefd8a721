/* imgtool helpers: value parsing (versions, dependencies, integers) and SHA-256.
 * Errors, buffers and files are the host library's (host/hostfile.h). */
#include "imgtool.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

int it_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    const char *p = s;
    if (!p || !*p)
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    } else if (p[0] == '0') {
        /* Python rejects "010" with base 0; only zeros may follow a leading 0. */
        for (const char *q = p; *q; q++)
            if (*q != '0')
                return -1;
    }
    if (!*p)
        return -1;
    uint64_t v = 0;
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (*p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return -1;
        if (d >= base)
            return -1;
        if (v > (max - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* One decimal field of a version: "0" or [1-9][0-9]*; returns chars used. */
static size_t ver_field(const char *s, uint64_t *v, bool *overflow)
{
    size_t n = 0;
    *v = 0;
    if (s[0] == '0')
        return 1;
    while (s[n] >= '0' && s[n] <= '9') {
        if (*v > 0xffffffffull)
            *overflow = true;
        else
            *v = *v * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    return n;
}

int it_parse_version(const char *s, it_version_t *out, it_err_t *e)
{
    static const char *const syntax =
        "Invalid version number, should be maj.min.rev+build with later parts optional";
    uint64_t f[4] = {0, 0, 0, 0};
    bool overflow = false;
    const char *p = s;
    size_t n = ver_field(p, &f[0], &overflow);
    if (n == 0)
        return it_errf(e, "%s: '%s'", syntax, s);
    p += n;
    static const char seps[3] = {'.', '.', '+'};
    for (int i = 1; i < 4 && *p; i++) {
        if (*p != seps[i - 1])
            return it_errf(e, "%s: '%s'", syntax, s);
        p++;
        n = ver_field(p, &f[i], &overflow);
        if (n == 0)
            return it_errf(e, "%s: '%s'", syntax, s);
        p += n;
    }
    if (*p)
        return it_errf(e, "%s: '%s'", syntax, s);
    if (overflow || f[0] > 255 || f[1] > 255 || f[2] > 65535 || f[3] > 0xffffffffull)
        return it_errf(e,
                       "version '%s' out of range: major and minor 0..255, revision "
                       "0..65535, build 0..4294967295",
                       s);
    out->major = (uint8_t)f[0];
    out->minor = (uint8_t)f[1];
    out->revision = (uint16_t)f[2];
    out->build = (uint32_t)f[3];
    return 0;
}

/* re.findall with one capture group, over POSIX ERE. */
static int findall(const char *re, const char *s, char out[][64], size_t max, size_t *count,
                   bool *too_long)
{
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED) != 0)
        return -1;
    size_t n = 0;
    const char *p = s;
    regmatch_t m[2];
    while (*p && regexec(&rx, p, 2, m, 0) == 0) {
        if (n < max) {
            size_t l = (size_t)(m[1].rm_eo - m[1].rm_so);
            if (l >= 64) {
                *too_long = true;
                l = 63;
            }
            memcpy(out[n], p + m[1].rm_so, l);
            out[n][l] = '\0';
        }
        n++;
        p += m[0].rm_eo > 0 ? m[0].rm_eo : 1;
    }
    regfree(&rx);
    *count = n;
    return 0;
}

int it_parse_deps(const char *s, it_dep_t *deps, size_t *count, it_err_t *e)
{
    /* Same acceptance as imgtool: ids are "(<digits>", versions
     * ",<spaces><[0-9.+]+>)"; their counts must match. */
    char ids[IT_MAX_DEPS + 1][64], vers[IT_MAX_DEPS + 1][64];
    size_t ni = 0, nv = 0;
    bool too_long = false;
    if (findall("\\(([0-9]+)", s, ids, IT_MAX_DEPS + 1, &ni, &too_long) != 0 ||
        findall(",[[:space:]]*([0-9.+]+)\\)", s, vers, IT_MAX_DEPS + 1, &nv, &too_long) != 0)
        return it_errf(e, "internal regex error");
    if (ni == 0)
        return it_errf(e, "Image dependency format is invalid: %s", s);
    if (ni != nv)
        return it_errf(e,
                       "There's a mismatch between the number of dependency images and "
                       "versions in: %s",
                       s);
    if (ni > IT_MAX_DEPS)
        return it_errf(e, "too many dependencies (max %d): %s", IT_MAX_DEPS, s);
    for (size_t i = 0; i < ni; i++) {
        /* int(id) in base 10: leading zeros are fine. */
        uint64_t id = 0;
        for (const char *q = ids[i]; *q && id <= 255; q++)
            id = id * 10 + (uint64_t)(*q - '0');
        if (too_long || id > 255)
            return it_errf(e, "dependency image id '%s' out of range (0..255)", ids[i]);
        deps[i].image_id = (uint8_t)id;
        if (it_parse_version(vers[i], &deps[i].ver, e) != 0)
            return -1;
    }
    *count = ni;
    return 0;
}

void it_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    mbedtls_sha256_ret(p, n, out, 0);
}
