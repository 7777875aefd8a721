/*
 * Runs the extxip-imgtool executable and compares what it writes with the
 * output of the real imgtool 2.4.0 (test/vectors/images and fixtures/).
 * Usage: imgtool_cli_test GROUP TOOL WORKDIR, GROUP one of
 *   vectors   sign/verify/dumpinfo/getpub against the shared vectors
 *   fixtures  flags beyond the vectors (HEX, trailers, custom TLVs) against captured imgtool files
 *   badinput  every refusal: one stderr line, non-zero exit, no output file
 *   roundtrip keygen -> sign (.bin, .hex) -> verify for each algorithm
 *   compressed sign --compression against imgtool's compressed vectors
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imgtool.h"
#include "testutil.h"

static const char *tool;
#define VEC EXTXIP_VECTORS "/images/"
#define KEYS VEC "keys/"
#define FIX IMGTOOL_FIXTURES "/"
#define EC KEYS "mcuboot-dev-ec-p256.pem"
#define RSA KEYS "mcuboot-dev-rsa-2048.pem"
#define ED KEYS "mcuboot-dev-ed25519.pem"

typedef struct file {
    uint8_t *d;
    size_t n;
    bool ok;
} file_t;

static file_t slurp(const char *path)
{
    file_t f = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return f;
    size_t cap = 1 << 16;
    f.d = malloc(cap);
    size_t r;
    while (f.d && (r = fread(f.d + f.n, 1, cap - f.n, fp)) > 0) {
        f.n += r;
        if (f.n == cap) {
            cap *= 2;
            f.d = realloc(f.d, cap);
        }
    }
    fclose(fp);
    f.ok = f.d != NULL;
    return f;
}

static void spit(const char *path, const void *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(d, 1, n, fp);
        fclose(fp);
    }
}

static bool same_file(const char *a, const char *b)
{
    file_t x = slurp(a), y = slurp(b);
    bool same = x.ok && y.ok && x.n == y.n && memcmp(x.d, y.d, x.n) == 0;
    free(x.d);
    free(y.d);
    return same;
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

/* Result of one tool run: exit status and captured stdout/stderr. */
typedef struct run {
    int status;
    file_t out, err;
} run_t;

static void run_free(run_t *r)
{
    free(r->out.d);
    free(r->err.d);
    memset(r, 0, sizeof *r);
}

/* run(&r, "sign", "-k", ..., NULL): argv after the tool name. */
static void run(run_t *r, ...)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = tool;
    va_list ap;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 63)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(".stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(".stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        execv(tool, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    memset(r, 0, sizeof *r);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = slurp(".stdout");
    r->err = slurp(".stderr");
    unlink(".stdout");
    unlink(".stderr");
}

static bool out_is(const run_t *r, const char *text)
{
    return r->out.n == strlen(text) && memcmp(r->out.d, text, r->out.n) == 0;
}

static bool out_is_file(const run_t *r, const char *path)
{
    file_t f = slurp(path);
    bool same = f.ok && f.n == r->out.n && memcmp(f.d, r->out.d, f.n) == 0;
    free(f.d);
    return same;
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

/* Locate the unprotected TLV area; false when it does not fit. */
static bool tlv_area(const file_t *f, size_t *off, size_t *tot)
{
    if (f->n < 32)
        return false;
    size_t o = rd16(f->d + 8) + (rd16(f->d + 12) | (size_t)rd16(f->d + 14) << 16);
    if (o + 4 > f->n)
        return false;
    if (rd16(f->d + o) == 0x6908)
        o += rd16(f->d + o + 2);
    if (o + 4 > f->n || rd16(f->d + o) != 0x6907)
        return false;
    *off = o;
    *tot = rd16(f->d + o + 2);
    return o + *tot <= f->n;
}

/*
 * Equal except the signature: same bytes up to the TLV area, same TLVs in
 * the same order with equal values except the signature TLV (0x20/0x22/0x23,
 * whose ECDSA DER length may differ), and — for padded images — the same
 * slot length and trailer, with only erased bytes where the lengths differ.
 */
static bool same_but_signature(const char *ours, const char *theirs)
{
    file_t a = slurp(ours), b = slurp(theirs);
    size_t oa = 0, ta = 0, ob = 0, tb = 0;
    bool ok = a.ok && b.ok && tlv_area(&a, &oa, &ta) && tlv_area(&b, &ob, &tb) && oa == ob &&
              memcmp(a.d, b.d, oa) == 0;
    size_t pa = oa + 4, pb = ob + 4;
    int sigs = 0;
    while (ok && pa < oa + ta && pb < ob + tb) {
        uint32_t ty = rd16(a.d + pa), la = rd16(a.d + pa + 2), lb = rd16(b.d + pb + 2);
        if (ty != rd16(b.d + pb)) {
            ok = false;
            break;
        }
        if (ty == 0x20 || ty == 0x22 || ty == 0x23)
            sigs++;
        else if (la != lb || memcmp(a.d + pa + 4, b.d + pb + 4, la) != 0)
            ok = false;
        pa += 4 + la;
        pb += 4 + lb;
    }
    ok = ok && sigs == 1 && pa == oa + ta && pb == ob + tb;
    size_t ea = oa + ta, eb = ob + tb;
    size_t taila = a.n - ea, tailb = b.n - eb;
    if (ok && (taila || tailb)) {
        /* padded: same total length; compare right-aligned, gap must be erased */
        ok = a.n == b.n;
        size_t hi = ea > eb ? ea : eb;
        if (ok)
            ok = memcmp(a.d + hi, b.d + hi, a.n - hi) == 0;
        const file_t *shorter = ea < eb ? &a : &b;
        for (size_t i = (ea < eb ? ea : eb); ok && i < hi; i++)
            ok = shorter->d[i] == 0xff;
    }
    free(a.d);
    free(b.d);
    return ok;
}

/* ------------------------------------------------------------ vectors */

/* Expected verify output per image from a verify-*.txt vector: sections
 * "== NAME" followed by imgtool's lines. */
static void check_verify_vector(const char *key, const char *vecfile)
{
    file_t f = slurp(vecfile);
    CHECK(f.ok);
    if (!f.ok)
        return;
    char *text = malloc(f.n + 1);
    memcpy(text, f.d, f.n);
    text[f.n] = 0;
    char *p = text;
    int sections = 0;
    if (strncmp(p, "== ", 3) != 0) {
        /* single-image file: the image is named by the vector file */
        const char *img = strstr(vecfile, "ed25519") ? VEC "img0-v1.0.0.ed25519.signed.bin"
                                                     : VEC "img0-v1.0.0.rsa2048.signed.bin";
        run_t r;
        run(&r, "verify", "-k", key, img, NULL);
        CHECK_EQ(r.status, 0);
        CHECK(out_is(&r, text));
        run_free(&r);
        sections = 1;
    }
    while (p && strncmp(p, "== ", 3) == 0) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = 0;
        char name[256];
        snprintf(name, sizeof name, VEC "%s", p + 3);
        char *body = nl + 1;
        char *next = strstr(body, "\n== ");
        char saved = 0;
        if (next) {
            saved = next[1];
            next[1] = 0;
        }
        run_t r;
        run(&r, "verify", "-k", key, name, NULL);
        bool good = strncmp(body, "Image was correctly validated", 29) == 0;
        CHECK_EQ(r.status, good ? 0 : 1);
        if (!out_is(&r, body))
            fprintf(stderr, "verify %s: got '%.*s' want '%s'\n", name, (int)r.out.n,
                    (char *)r.out.d, body);
        CHECK(out_is(&r, body));
        run_free(&r);
        sections++;
        if (next) {
            next[1] = saved;
            p = next + 1;
        } else {
            p = NULL;
        }
    }
    CHECK(sections > 0);
    free(text);
    free(f.d);
}

static void group_vectors(void)
{
    run_t r;
    /* Ed25519 is deterministic: the whole file must match. */
    run(&r, "sign", "-k", ED, "-v", "1.0.0", "-H", "0x200", "--pad-header", "--align", "4", "-S",
        "0xd4000", VEC "app-internal-v1.raw", "ed.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is(&r, "image.py: sign the digest\n"));
    CHECK(same_file("ed.bin", VEC "img0-v1.0.0.ed25519.signed.bin"));
    run_free(&r);

    run(&r, "sign", "-v", "1.0.0", "-H", "0x200", "--pad-header", "--align", "4", "-S", "0xd4000",
        VEC "app-internal-v1.raw", "unsigned.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("unsigned.bin", VEC "img0-v1.0.0.unsigned.bin"));
    run_free(&r);

    /* ECDSA / RSA: everything but the signature. */
    static const struct {
        const char *key, *ver, *slot, *in, *extra1, *extra2, *vec;
    } ec[] = {
        {EC, "1.0.0+0", "0xd4000", "app-internal-v1.raw", "--dependencies", "(2,1.0.0)", "img0-v1.0.0.signed.bin"},
        {EC, "2.0.0+0", "0xd4000", "app-internal-v2.raw", "--dependencies", "(2,2.0.0)", "img0-v2.0.0.signed.bin"},
        {EC, "1.0.0", "0x40000", "netcore-v1.raw", "--align", "4", "img1-v1.0.0.signed.bin"},
        {EC, "2.0.0", "0x40000", "netcore-v2.raw", "--align", "4", "img1-v2.0.0.signed.bin"},
        {EC, "3.1.4+159", "0x40000", "netcore-v2.raw", "--security-counter", "7", "img1-v3.1.4+159.seccnt7.signed.bin"},
        {EC, "1.0.0", "0x40000", "app-qspi-v1.raw", "-d", "(0,1.0.0)", "img2-v1.0.0.signed.bin"},
        {EC, "2.0.0", "0x40000", "app-qspi-v2.raw", "-d", "(0,2.0.0)", "img2-v2.0.0.signed.bin"},
        {RSA, "1.0.0", "0xd4000", "app-internal-v1.raw", "--align", "4", "img0-v1.0.0.rsa2048.signed.bin"},
        {EC, "1.0.0", "0x40000", "netcore-v1.raw", "--pad", "--confirm", "img1-v1.0.0.padded-confirmed.bin"},
    };
    for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++) {
        char in[512], vec[512];
        snprintf(in, sizeof in, VEC "%s", ec[i].in);
        snprintf(vec, sizeof vec, VEC "%s", ec[i].vec);
        if (strcmp(ec[i].extra1, "--pad") == 0)
            run(&r, "sign", "--key", ec[i].key, "--version", ec[i].ver, "--header-size", "0x200",
                "--pad-header", "--slot-size", ec[i].slot, "--align", "4", "--pad", "--confirm", in,
                "out.bin", NULL);
        else
            run(&r, "sign", "--key", ec[i].key, "--version", ec[i].ver, "--header-size", "0x200",
                "--pad-header", "--slot-size", ec[i].slot, "--align", "4", ec[i].extra1,
                ec[i].extra2, in, "out.bin", NULL);
        CHECK_EQ(r.status, 0);
        CHECK(out_is(&r, "image.py: sign the payload\n"));
        if (!same_but_signature("out.bin", vec))
            fprintf(stderr, "differs from %s beyond the signature\n", ec[i].vec);
        CHECK(same_but_signature("out.bin", vec));
        run_free(&r);
        /* the fresh signature verifies, with the vector's digest */
        run(&r, "verify", "-k", ec[i].key, "out.bin", NULL);
        CHECK_EQ(r.status, 0);
        run_t rv;
        run(&rv, "verify", "-k", ec[i].key, vec, NULL);
        CHECK_EQ(rv.status, 0);
        CHECK(r.out.n == rv.out.n && memcmp(r.out.d, rv.out.d, r.out.n) == 0);
        run_free(&rv);
        run_free(&r);
    }
    file_t pc = slurp(VEC "img1-v1.0.0.padded-confirmed.bin");
    file_t ours = slurp("out.bin");
    CHECK_EQ(ours.n, 0x40000);
    CHECK(ours.n == pc.n && ours.n >= 24 && memcmp(ours.d + ours.n - 24, pc.d + pc.n - 24, 24) == 0);
    free(pc.d);
    free(ours.d);

    /* dumpinfo of every vector, byte for byte */
    static const char *const dumps[] = {
        "img0-v1.0.0.ed25519.signed", "img0-v1.0.0.rsa2048.signed", "img0-v1.0.0.signed",
        "img0-v2.0.0.signed", "img1-v1.0.0.signed", "img1-v2.0.0.signed",
        "img1-v3.1.4+159.seccnt7.signed", "img2-v1.0.0.signed", "img2-v2.0.0.signed",
        "img0-v1.0.0.unsigned", "img1-v1.0.0.padded-confirmed"};
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        char img[512], txt[512];
        snprintf(img, sizeof img, VEC "%s.bin", dumps[i]);
        snprintf(txt, sizeof txt, VEC "%s.dumpinfo.txt", dumps[i]);
        run(&r, "dumpinfo", img, NULL);
        CHECK_EQ(r.status, 0);
        if (!out_is_file(&r, txt))
            fprintf(stderr, "dumpinfo differs: %s\n", dumps[i]);
        CHECK(out_is_file(&r, txt));
        run_free(&r);
    }

    check_verify_vector(EC, VEC "verify-ec-p256.txt");
    check_verify_vector(ED, VEC "verify-ed25519.txt");
    check_verify_vector(RSA, VEC "verify-rsa.txt");

    run(&r, "getpub", "-k", EC, NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is_file(&r, KEYS "mcuboot-dev-ec-p256.pub.c"));
    run_free(&r);
    run(&r, "getpub", "-k", EC, "--encoding", "lang-c", NULL);
    CHECK(out_is_file(&r, KEYS "mcuboot-dev-ec-p256.pub.c"));
    run_free(&r);
    run(&r, "getpub", "-k", EC, "-e", "pem", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is_file(&r, KEYS "mcuboot-dev-ec-p256.pub.pem"));
    run_free(&r);
    run(&r, "getpubhash", "-k", EC, NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is_file(&r, KEYS "mcuboot-dev-ec-p256.pubhash.txt"));
    run_free(&r);
    /* the public PEM works as a key for getpub/getpubhash/verify too */
    run(&r, "getpubhash", "-k", KEYS "mcuboot-dev-ec-p256.pub.pem", NULL);
    CHECK(out_is_file(&r, KEYS "mcuboot-dev-ec-p256.pubhash.txt"));
    run_free(&r);
    run(&r, "getpub", "-k", EC, "-o", "pub.c", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("pub.c", KEYS "mcuboot-dev-ec-p256.pub.c"));
    run_free(&r);
    check_verify_vector(KEYS "mcuboot-dev-ec-p256.pub.pem", VEC "verify-ec-p256.txt");
}

/* ----------------------------------------------------------- fixtures */

static void group_fixtures(void)
{
    file_t raw = slurp(VEC "netcore-v1.raw");
    CHECK(raw.ok && raw.n >= 1000);
    spit("prefix1000.bin", raw.d, 1000);
    free(raw.d);
    run_t r;
    run(&r, "sign", "-k", ED, "-v", "1.2.3+4", "-H", "0x200", "--pad-header", "--align", "4", "-S",
        "0x2000", "--confirm", "-x", "0x1000fe00", "prefix1000.bin", "a.hex", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("a.hex", FIX "ed-confirm-x1000fe00.hex"));
    run_free(&r);
    run(&r, "sign", "-k", ED, "-v", "255.255.65535+4294967295", "-H", "0x400", "--pad-header",
        "--align", "32", "--max-align", "32", "-S", "0x8000", "--confirm", "-M", "4", "-s", "auto",
        "-L", "0x20000000", "--public-key-format", "full", "--custom-tlv", "0xa0", "0x0102", "-d",
        "(1,2.3.4+5), (0, 7)", "--non-bootable", "prefix1000.bin", "b.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("b.bin", FIX "ed-flags-align32.bin"));
    run_free(&r);
    run(&r, "sign", "-k", ED, "-v", "0.1", "-H", "0x200", "--pad-header", "--align", "8", "-S",
        "0x4000", "--pad", "--test", "--overwrite-only", "-R", "0", "-F", "0x8000",
        "prefix1000.bin", "c.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("c.bin", FIX "ed-owo-test-erased0.bin"));
    run_free(&r);

    /* .hex input: the HEX fixture re-signed from its own bytes is the same
     * image, so the body read back from HEX must be intact. */
    run(&r, "dumpinfo", FIX "ed-confirm-x1000fe00.hex", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is_file(&r, FIX "ed-confirm-x1000fe00.dumpinfo.txt"));
    run_free(&r);
    static const char *const dumps[] = {"ed-flags-align32", "ed-owo-test-erased0"};
    for (size_t i = 0; i < 2; i++) {
        char img[512], txt[512];
        snprintf(img, sizeof img, FIX "%s.bin", dumps[i]);
        snprintf(txt, sizeof txt, FIX "%s.dumpinfo.txt", dumps[i]);
        run(&r, "dumpinfo", img, NULL);
        CHECK_EQ(r.status, 0);
        CHECK(out_is_file(&r, txt));
        run_free(&r);
    }
    run(&r, "verify", "-k", ED, FIX "ed-flags-align32.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(out_is_file(&r, FIX "ed-flags-align32.verify.txt"));
    run_free(&r);
    /* HEX in → HEX out with the address carried over (base minus header). */
    run(&r, "sign", "-k", ED, "-v", "1.2.3+4", "-H", "0x200", "--align", "4", "-S", "0x2000",
        "--confirm", FIX "ed-confirm-x1000fe00.hex", "again.hex", NULL);
    /* without --pad-header the header area must be zeros: the signed input isn't */
    CHECK(r.status != 0);
    run_free(&r);
}

/* ----------------------------------------------------------- badinput */

static bool temp_left(void)
{
    DIR *d = opendir(".");
    bool found = false;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".tmp-"))
            found = true;
    if (d)
        closedir(d);
    return found;
}

/* One refusal: non-zero exit, exactly one stderr line, nothing on stdout
 * from the failing step, no output file, no temp file. */
static void refused(const char *what, const run_t *r, const char *out)
{
    size_t lines = 0;
    for (size_t i = 0; i < r->err.n; i++)
        lines += r->err.d[i] == '\n';
    bool one_line = r->err.n > 0 && r->err.d[r->err.n - 1] == '\n' && lines == 1 &&
                    r->err.n > 23 && memcmp(r->err.d, "extxip-imgtool: error: ", 23) == 0;
    bool ok = r->status != 0 && one_line && (!out || !exists(out)) && !temp_left();
    if (!ok)
        fprintf(stderr, "refusal '%s': status %d, stderr '%.*s', output %s\n", what, r->status,
                (int)r->err.n, r->err.n ? (char *)r->err.d : "", out && exists(out) ? "LEFT" : "none");
    CHECK(ok);
}

#define SIGN_OK "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x40000"
#define IN VEC "netcore-v1.raw"

static void group_badinput(void)
{
    run_t r;
    mkdir("adir", 0755);
    spit("notakey.pem", "hello\n", 6);
    spit("garbage.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 58);

    /* keys */
    run(&r, "sign", "-k", "missing.pem", SIGN_OK, IN, "o.bin", NULL);
    refused("missing key", &r, "o.bin");
    CHECK_EQ(r.status, 1); /* imgtool: FileNotFoundError, exit 1 */
    run_free(&r);
    run(&r, "sign", "-k", "adir", SIGN_OK, IN, "o.bin", NULL);
    refused("unreadable key (directory)", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", "notakey.pem", SIGN_OK, IN, "o.bin", NULL);
    refused("not PEM", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", "garbage.pem", SIGN_OK, IN, "o.bin", NULL);
    refused("garbage PEM", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", FIX "wrong-ec-p384.pem", SIGN_OK, IN, "o.bin", NULL);
    refused("P-384 key", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", KEYS "mcuboot-dev-ec-p256.pub.pem", SIGN_OK, IN, "o.bin", NULL);
    refused("public-only key", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", IN, SIGN_OK, IN, "o.bin", NULL);
    refused("binary file as key", &r, "o.bin");
    run_free(&r);
    run(&r, "getpub", "-k", "missing.pem", NULL);
    refused("getpub missing key", &r, NULL);
    run_free(&r);
    run(&r, "getpub", "-k", EC, "-e", "yaml", NULL);
    refused("getpub bad encoding", &r, NULL);
    run_free(&r);
    run(&r, "getpub", "-k", EC, "--name-suffix", "a-b", NULL);
    refused("getpub bad suffix", &r, NULL);
    run_free(&r);
    run(&r, "getpub", "-k", EC, "-o", "nodir/pub.c", NULL);
    refused("getpub unwritable output", &r, "nodir/pub.c");
    run_free(&r);

    /* versions */
    static const char *const bad_versions[] = {"256.0.0", "1.0.65536", "1.256.0",
                                               "1.0.0+4294967296", "1.0.0.0", "01.0.0", "abc",
                                               "", "1..0", "1.0.0+", "-1.0.0"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
        run(&r, "sign", "-k", EC, "-v", bad_versions[i], "-H", "0x200", "--pad-header", "-S",
            "0x40000", IN, "o.bin", NULL);
        refused(bad_versions[i], &r, "o.bin");
        run_free(&r);
    }

    /* image larger than the slot (also counting the trailer) */
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x6000", IN,
        "o.bin", NULL);
    refused("image larger than slot", &r, "o.bin");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x6400", IN,
        "o.bin", NULL);
    refused("image + trailer larger than slot", &r, "o.bin");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);

    /* dependencies */
    static const char *const bad_deps[] = {"(2,1.0.0", "2,1.0.0", "(x,1.0.0)", "(256,1.0.0)",
                                           "(1,1.0.0+)", "(1,256.0.0)", "(1)", "",
                                           "(1,1.0.0),(2)"};
    for (size_t i = 0; i < sizeof bad_deps / sizeof bad_deps[0]; i++) {
        run(&r, "sign", "-k", EC, SIGN_OK, "--dependencies", bad_deps[i], IN, "o.bin", NULL);
        refused(bad_deps[i], &r, "o.bin");
        run_free(&r);
    }

    /* input files */
    run(&r, "sign", "-k", EC, SIGN_OK, "nosuch.raw", "o.bin", NULL);
    refused("missing input", &r, "o.bin");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x200", "-S", "0x40000", IN, "o.bin", NULL);
    refused("header not zero without --pad-header", &r, "o.bin");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    spit("bad.hex", ":0400000001020304F1\n:00000001FF\n", 32);
    run(&r, "sign", "-k", EC, SIGN_OK, "bad.hex", "o.bin", NULL);
    refused("HEX checksum error", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, IN, "o.hex", NULL);
    refused(".hex output without address", &r, "o.hex");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, "-L", "0x1000", "-F", "0x2000", IN, "o.bin", NULL);
    refused("--load-addr with --rom-fixed", &r, "o.bin");
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    run(&r, "verify", "-k", EC, "nosuch.bin", NULL);
    refused("verify missing image", &r, NULL);
    CHECK_EQ(r.status, 2); /* imgtool 2.4.0 raises click.UsageError: exit 2 */
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, IN, "nodir/o.bin", NULL);
    refused("unwritable output", &r, "nodir/o.bin");
    run_free(&r);

    /* flags */
    static const char *const bad_flags[][3] = {
        {"--align", "3", NULL},      {"--align", "64", NULL},   {"--max-align", "4", NULL},
        {"-R", "1", NULL},           {"--public-key-format", "x", NULL},
        {"-s", "-1", NULL},          {"-s", "0x100000000", NULL}, {"--bogus", NULL, NULL},
        {"--encrypt", "k.pem", NULL}, {"-M", "0", NULL},         {"-e", "big", NULL},
        {"--sha", "512", NULL},      {"-L", "zz", NULL},        {"--custom-tlv", "0x10", "0x01"},
        {"--custom-tlv", "0xa0", "0x123"}, {"-x", "010", NULL},
    };
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
        if (bad_flags[i][2])
            run(&r, "sign", "-k", EC, SIGN_OK, bad_flags[i][0], bad_flags[i][1], bad_flags[i][2],
                IN, "o.bin", NULL);
        else if (bad_flags[i][1])
            run(&r, "sign", "-k", EC, SIGN_OK, bad_flags[i][0], bad_flags[i][1], IN, "o.bin", NULL);
        else
            run(&r, "sign", "-k", EC, SIGN_OK, bad_flags[i][0], IN, "o.bin", NULL);
        refused(bad_flags[i][0], &r, "o.bin");
        run_free(&r);
    }
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "16", "--pad-header", "-S", "0x40000", IN,
        "o.bin", NULL);
    refused("header size below 32", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x10000", "--pad-header", "-S", "0x40000", IN,
        "o.bin", NULL);
    refused("header size above 0xffff", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x200", "--pad-header", IN, "o.bin", NULL);
    refused("missing --slot-size", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, "-H", "0x200", "--pad-header", "-S", "0x40000", IN, "o.bin", NULL);
    refused("missing --version", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, IN, NULL);
    refused("missing OUTFILE", &r, NULL);
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, IN, "o.bin", "extra", NULL);
    refused("extra argument", &r, "o.bin");
    run_free(&r);
    run(&r, "sign", "-k", EC, SIGN_OK, "-S", NULL);
    refused("option without value", &r, NULL);
    run_free(&r);
    run(&r, "frobnicate", NULL);
    refused("unknown command", &r, NULL);
    run_free(&r);

    /* a failing sign must not clobber an existing output file */
    spit("keep.bin", "keep", 4);
    run(&r, "sign", "-k", EC, "-v", "256.0.0", "-H", "0x200", "--pad-header", "-S", "0x40000", IN,
        "keep.bin", NULL);
    CHECK(r.status != 0);
    file_t k = slurp("keep.bin");
    CHECK(k.n == 4 && memcmp(k.d, "keep", 4) == 0);
    free(k.d);
    run_free(&r);
    run(&r, "sign", "-k", EC, "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x1000", IN,
        "keep.bin", NULL);
    CHECK(r.status != 0);
    k = slurp("keep.bin");
    CHECK(k.n == 4 && memcmp(k.d, "keep", 4) == 0);
    free(k.d);
    run_free(&r);

    /* keygen */
    run(&r, "keygen", "-k", "k.pem", "-t", "dsa", NULL);
    refused("keygen bad type", &r, "k.pem");
    run_free(&r);
    run(&r, "keygen", "-k", "k.pem", "-t", "ecdsa-p384", NULL);
    refused("keygen unsupported type", &r, "k.pem");
    run_free(&r);
    run(&r, "keygen", "-t", "ed25519", NULL);
    refused("keygen without -k", &r, NULL);
    run_free(&r);
    run(&r, "keygen", "-k", "nodir/k.pem", "-t", "ed25519", NULL);
    refused("keygen unwritable", &r, "nodir/k.pem");
    run_free(&r);

    /* verify: imgtool's result lines on stdout, exit 1 */
    file_t img = slurp(VEC "img1-v1.0.0.signed.bin");
    CHECK(img.ok && img.n > 0x300);
    img.d[0x300] ^= 1;
    spit("corrupt.bin", img.d, img.n);
    img.d[0x300] ^= 1;
    run(&r, "verify", "-k", EC, "corrupt.bin", NULL);
    CHECK_EQ(r.status, 1);
    CHECK(out_is(&r, "Image has an invalid hash\n"));
    run_free(&r);
    run(&r, "verify", "-k", ED, VEC "img1-v1.0.0.signed.bin", NULL);
    CHECK_EQ(r.status, 1);
    CHECK(out_is(&r, "No signature found for the given key\n"));
    run_free(&r);
    run(&r, "verify", "-k", EC, IN, NULL);
    CHECK_EQ(r.status, 1);
    CHECK(out_is(&r, "Invalid image magic; is this an MCUboot image?\n"));
    run_free(&r);
    /* a signature byte flipped: hash fine, signature not */
    img.d[img.n - 5] ^= 0x40;
    spit("badsig.bin", img.d, img.n);
    run(&r, "verify", "-k", EC, "badsig.bin", NULL);
    CHECK_EQ(r.status, 1);
    CHECK(out_is(&r, "No signature found for the given key\n"));
    run_free(&r);
    /* truncated inside the TLV area: one error line, no traceback-like output */
    spit("trunc.bin", img.d, img.n - 40);
    run(&r, "verify", "-k", EC, "trunc.bin", NULL);
    refused("verify truncated", &r, NULL);
    CHECK_EQ(r.out.n, 0);
    run_free(&r);
    run(&r, "dumpinfo", "trunc.bin", NULL);
    refused("dumpinfo truncated", &r, NULL);
    CHECK_EQ(r.out.n, 0);
    run_free(&r);
    spit("tiny.bin", img.d, 10);
    run(&r, "dumpinfo", "tiny.bin", NULL);
    refused("dumpinfo tiny", &r, NULL);
    run_free(&r);
    run(&r, "dumpinfo", "nosuch.bin", NULL);
    refused("dumpinfo missing", &r, NULL);
    run_free(&r);
    run(&r, "verify", "-k", EC, "nosuch.bin", NULL);
    refused("verify missing", &r, NULL);
    run_free(&r);
    free(img.d);
}

/* ---------------------------------------------------------- roundtrip */

static void group_roundtrip(void)
{
    static const char *const types[] = {"ecdsa-p256", "rsa-2048", "ed25519"};
    run_t r;
    for (size_t i = 0; i < 3; i++) {
        char key[64], pub[64];
        snprintf(key, sizeof key, "%s.pem", types[i]);
        snprintf(pub, sizeof pub, "%s.pub.pem", types[i]);
        unlink(key);
        run(&r, "keygen", "-k", key, "-t", types[i], NULL);
        CHECK_EQ(r.status, 0);
        run_free(&r);
        file_t k = slurp(key);
        CHECK(k.ok && k.n > 28 && memcmp(k.d, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
        free(k.d);
        run(&r, "getpub", "-k", key, "-e", "pem", "-o", pub, NULL);
        CHECK_EQ(r.status, 0);
        run_free(&r);
        const char *outs[] = {"rt.bin", "rt.hex"};
        for (size_t j = 0; j < 2; j++) {
            run(&r, "sign", "-k", key, "-v", "1.2.3+4", "-H", "0x200", "--pad-header", "--align",
                "4", "-S", "0x40000", "-d", "(1, 2.0.0)", "-s", "auto", "-x", "0x10000", "--pad",
                VEC "netcore-v1.raw", outs[j], NULL);
            CHECK_EQ(r.status, 0);
            run_free(&r);
            run(&r, "verify", "-k", key, outs[j], NULL);
            CHECK_EQ(r.status, 0);
            CHECK(r.out.n > 30 && memcmp(r.out.d, "Image was correctly validated\nImage version: "
                                                  "1.2.3+4\nImage digest: ", 59) == 0);
            run_free(&r);
            run(&r, "verify", "-k", pub, outs[j], NULL);
            CHECK_EQ(r.status, 0);
            run_free(&r);
            /* another algorithm's key finds no signature */
            run(&r, "verify", "-k", i == 2 ? EC : ED, outs[j], NULL);
            CHECK_EQ(r.status, 1);
            CHECK(out_is(&r, "No signature found for the given key\n"));
            run_free(&r);
            run(&r, "dumpinfo", outs[j], NULL);
            CHECK_EQ(r.status, 0);
            CHECK(r.out.n > 0 && strstr((char *)r.out.d, "image_ok:    INVALID (0xff)") != NULL);
            run_free(&r);
        }
        /* the .hex holds the same bytes as the .bin, at the --hex-addr address */
        file_t bin = slurp("rt.bin"), hex = slurp("rt.hex");
        it_buf_t flat = {0};
        uint32_t base = 0;
        it_err_t e;
        CHECK(bin.ok && hex.ok && it_hex_parse(hex.d, hex.n, &flat, &base, &e) == 0);
        CHECK(base == 0x10000 && flat.len == bin.n && bin.n == 0x40000);
        /* RSA-PSS salts are random: skip the value of the last (signature) TLV */
        size_t off = 0, tot = 0, last = 0;
        CHECK(tlv_area(&bin, &off, &tot));
        for (size_t q = off + 4; q < off + tot; q += 4 + rd16(bin.d + q + 2))
            last = q;
        CHECK(last > off && flat.len == bin.n && memcmp(flat.data, bin.d, last + 4) == 0 &&
              memcmp(flat.data + off + tot, bin.d + off + tot, bin.n - off - tot) == 0);
        it_buf_free(&flat);
        free(bin.d);
        free(hex.d);
    }
}

/* --------------------------------------------------------- compressed */

#define CVEC VEC "compressed/"

/* The TLV entries of one area [off, off + tot): type, value offset, length. */
typedef struct tlv_ent {
    uint32_t type, off, len;
} tlv_ent_t;

static size_t tlv_list(const file_t *f, size_t off, size_t tot, tlv_ent_t *out, size_t max)
{
    size_t n = 0;
    for (size_t p = off + 4; p + 4 <= off + tot && n < max; p += 4 + rd16(f->d + p + 2))
        out[n++] = (tlv_ent_t){rd16(f->d + p), (uint32_t)p + 4, rd16(f->d + p + 2)};
    return n;
}

/* A compressed ECDSA image equals imgtool's except the two signatures (0x22
 * over the compressed image, 0x72 the plain one's), the outer hash 0x10
 * (which covers 0x72) and the protected size (DER lengths vary). */
static bool same_but_signatures_compressed(const char *ours, const char *theirs)
{
    file_t a = slurp(ours), b = slurp(theirs);
    bool ok = a.ok && b.ok && a.n > 32 && b.n > 32 && memcmp(a.d, b.d, 10) == 0 &&
              memcmp(a.d + 12, b.d + 12, 20) == 0;
    size_t hs = ok ? rd16(a.d + 8) : 0;
    size_t body = ok ? (rd16(a.d + 12) | (size_t)rd16(a.d + 14) << 16) : 0;
    ok = ok && hs + body + 4 <= a.n && hs + body + 4 <= b.n &&
         hs >= 32 && memcmp(a.d + 32, b.d + 32, hs + body - 32) == 0 && rd16(a.d + 10) &&
         rd16(b.d + 10);
    tlv_ent_t ta[32], tb[32];
    size_t na = 0, nb = 0;
    if (ok) {
        size_t pa = hs + body, pb = hs + body;
        ok = rd16(a.d + pa + 2) == rd16(a.d + 10) && rd16(b.d + pb + 2) == rd16(b.d + 10) &&
             pa + rd16(a.d + 10) + 4 <= a.n && pb + rd16(b.d + 10) + 4 <= b.n;
        if (ok) {
            na = tlv_list(&a, pa, rd16(a.d + 10), ta, 16);
            nb = tlv_list(&b, pb, rd16(b.d + 10), tb, 16);
            size_t ua = 0, uta = 0, ub = 0, utb = 0;
            ok = tlv_area(&a, &ua, &uta) && tlv_area(&b, &ub, &utb);
            if (ok) {
                na += tlv_list(&a, ua, uta, ta + na, 16);
                nb += tlv_list(&b, ub, utb, tb + nb, 16);
                ok = ua + uta == a.n && ub + utb == b.n;
            }
        }
    }
    ok = ok && na == nb && na > 0;
    int skipped = 0;
    for (size_t i = 0; ok && i < na; i++) {
        ok = ta[i].type == tb[i].type;
        if (ta[i].type == 0x22 || ta[i].type == 0x72 || ta[i].type == 0x10)
            skipped++;
        else
            ok = ok && ta[i].len == tb[i].len && memcmp(a.d + ta[i].off, b.d + tb[i].off, ta[i].len) == 0;
    }
    ok = ok && skipped == 3;
    free(a.d);
    free(b.d);
    return ok;
}

/* Inflate a compressed vector's body and check it is the raw input, and that
 * its DECOMP_SIZE/DECOMP_SHA name the plain image (plain: its SHA-256 TLV). */
static void check_inflates(const char *img, const char *raw, const char *plain)
{
    file_t f = slurp(img), r = slurp(raw);
    CHECK(f.ok && r.ok && f.n > 32);
    if (!f.ok || !r.ok || f.n <= 32)
        goto out;
    uint32_t flags = rd16(f.d + 16);
    size_t hs = rd16(f.d + 8), body = rd16(f.d + 12) | (size_t)rd16(f.d + 14) << 16;
    CHECK(flags & IT_F_COMPRESSED_LZMA2);
    CHECK(hs + body <= f.n);
    if (hs + body > f.n)
        goto out;
    it_buf_t o = {0};
    it_err_t e;
    CHECK_EQ(it_lzma2_decompress(f.d + hs, body, flags & IT_F_COMPRESSED_ARM_THUMB, r.n, &o, &e), 0);
    CHECK(o.len == r.n && memcmp(o.data, r.d, r.n) == 0);
    /* wrong filter: a different body (the thumb filter is really applied) */
    it_buf_t w = {0};
    if (it_lzma2_decompress(f.d + hs, body, !(flags & IT_F_COMPRESSED_ARM_THUMB), r.n, &w, &e) == 0)
        CHECK(w.len != r.n || memcmp(w.data, r.d, r.n) != 0);
    it_buf_free(&w);
    /* a bound one byte short is refused */
    it_buf_t s = {0};
    CHECK(it_lzma2_decompress(f.d + hs, body, flags & IT_F_COMPRESSED_ARM_THUMB, r.n - 1, &s, &e) != 0);
    it_buf_free(&s);
    /* a hostile dictionary byte (40: 4 GiB) decodes the same, with the
     * dictionary capped at the output bound (ASan refuses a 4 GiB malloc) */
    uint8_t *big = malloc(body);
    CHECK(big != NULL);
    if (big) {
        memcpy(big, f.d + hs, body);
        big[0] = 40;
        it_buf_t g = {0};
        CHECK_EQ(it_lzma2_decompress(big, body, flags & IT_F_COMPRESSED_ARM_THUMB, r.n, &g, &e), 0);
        CHECK(g.len == r.n && memcmp(g.data, r.d, r.n) == 0);
        it_buf_free(&g);
        free(big);
    }
    /* a stream cut short is refused */
    it_buf_t c = {0};
    CHECK(it_lzma2_decompress(f.d + hs, body - 1, flags & IT_F_COMPRESSED_ARM_THUMB, r.n, &c, &e) != 0);
    it_buf_free(&c);
    it_buf_free(&o);
    size_t p = hs + body;
    tlv_ent_t t[16];
    size_t n = rd16(f.d + p) == 0x6908 ? tlv_list(&f, p, rd16(f.d + p + 2), t, 16) : 0;
    int seen = 0;
    file_t pl = plain ? slurp(plain) : (file_t){0};
    size_t pu = 0, pt = 0;
    bool plain_ok = plain && pl.ok && tlv_area(&pl, &pu, &pt) && rd16(pl.d + pu + 4) == 0x10;
    for (size_t i = 0; i < n; i++) {
        if (t[i].type == 0x70) {
            CHECK(t[i].len == 4 && (rd16(f.d + t[i].off) | (size_t)rd16(f.d + t[i].off + 2) << 16) == r.n);
            seen |= 1;
        } else if (t[i].type == 0x71) {
            CHECK_EQ(t[i].len, 32);
            if (plain)
                CHECK(plain_ok && memcmp(f.d + t[i].off, pl.d + pu + 8, 32) == 0);
            seen |= 2;
        }
    }
    CHECK_EQ(seen, 3);
    free(pl.d);
out:
    free(f.d);
    free(r.d);
}

static void group_compressed(void)
{
    run_t r;
    /* Ed25519: byte-identical to imgtool's files, and imgtool's stdout */
    static const struct {
        const char *comp, *in, *slot, *dep, *vec;
    } ed[] = {
        {"lzma2armthumb", "app-internal-thumb.raw", "0xd4000", NULL, "img0-v2.0.0.lzma2armthumb.ed25519.bin"},
        {"lzma2", "app-internal-thumb.raw", "0xd4000", NULL, "img0-v2.0.0.lzma2.ed25519.bin"},
        {"lzma2armthumb", "app-qspi-thumb.raw", "0x40000", "(0,2.0.0)", "img2-v2.0.0.lzma2armthumb.ed25519.bin"},
        {"disabled", "app-internal-thumb.raw", "0xd4000", NULL, "img0-v2.0.0.plain.ed25519.bin"},
    };
    for (size_t i = 0; i < sizeof ed / sizeof ed[0]; i++) {
        char in[512], vec[512];
        snprintf(in, sizeof in, CVEC "%s", ed[i].in);
        snprintf(vec, sizeof vec, CVEC "%s", ed[i].vec);
        if (ed[i].dep)
            run(&r, "sign", "-k", ED, "-v", "2.0.0+0", "-H", "0x200", "--pad-header", "-S",
                ed[i].slot, "--align", "4", "--compression", ed[i].comp, "-d", ed[i].dep, in,
                "ed.bin", NULL);
        else
            run(&r, "sign", "-k", ED, "-v", "2.0.0+0", "-H", "0x200", "--pad-header", "-S",
                ed[i].slot, "--align", "4", "--compression", ed[i].comp, in, "ed.bin", NULL);
        CHECK_EQ(r.status, 0);
        if (!same_file("ed.bin", vec))
            fprintf(stderr, "compressed: differs from %s\n", ed[i].vec);
        CHECK(same_file("ed.bin", vec));
        if (strcmp(ed[i].comp, "disabled") != 0) {
            char want[256];
            file_t raw = slurp(in);
            /* compressed sizes as imgtool printed them */
            size_t csize = strstr(ed[i].vec, "qspi") || ed[i].in[4] == 'q' ? 38807
                           : strcmp(ed[i].comp, "lzma2") == 0             ? 25426
                                                                          : 24819;
            snprintf(want, sizeof want,
                     "image.py: sign the digest\ncompressed image size: %zu bytes\n"
                     "original image size: %zu bytes\nimage.py: sign the digest\n",
                     csize, raw.n);
            CHECK(out_is(&r, want));
            free(raw.d);
        }
        run_free(&r);
    }
    /* incompressible input: imgtool's fallback, the plain vector exactly */
    run(&r, "sign", "-k", ED, "-v", "1.0.0", "-H", "0x200", "--pad-header", "--align", "4", "-S",
        "0xd4000", "--compression", "lzma2armthumb", VEC "app-internal-v1.raw", "fb.bin", NULL);
    CHECK_EQ(r.status, 0);
    CHECK(same_file("fb.bin", VEC "img0-v1.0.0.ed25519.signed.bin"));
    run_free(&r);

    /* ECDSA P-256: all but the signatures; each tool's image verifies */
    static const struct {
        const char *in, *slot, *dep, *vec;
    } ec[] = {
        {"app-internal-thumb.raw", "0xd4000", "(2,2.0.0)", "img0-v2.0.0.lzma2armthumb.signed.bin"},
        {"app-qspi-thumb.raw", "0x40000", "(0,2.0.0)", "img2-v2.0.0.lzma2armthumb.signed.bin"},
        {"netcore-thumb.raw", "0x40000", NULL, "img1-v2.0.0.lzma2armthumb.signed.bin"},
    };
    for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++) {
        char in[512], vec[512];
        snprintf(in, sizeof in, CVEC "%s", ec[i].in);
        snprintf(vec, sizeof vec, CVEC "%s", ec[i].vec);
        if (ec[i].dep)
            run(&r, "sign", "-k", EC, "-v", "2.0.0+0", "-H", "0x200", "--pad-header", "-S",
                ec[i].slot, "--align", "4", "--compression", "lzma2armthumb", "-d", ec[i].dep, in,
                "ec.bin", NULL);
        else
            run(&r, "sign", "-k", EC, "-v", "2.0.0+0", "-H", "0x200", "--pad-header", "-S",
                ec[i].slot, "--align", "4", "--compression", "lzma2armthumb", in, "ec.bin", NULL);
        CHECK_EQ(r.status, 0);
        run_free(&r);
        if (!same_but_signatures_compressed("ec.bin", vec))
            fprintf(stderr, "compressed: differs from %s beyond the signatures\n", ec[i].vec);
        CHECK(same_but_signatures_compressed("ec.bin", vec));
        run(&r, "verify", "-k", EC, "ec.bin", NULL);
        CHECK_EQ(r.status, 0);
        run_free(&r);
        check_inflates("ec.bin", in, NULL);
        check_inflates(vec, in, NULL);
    }
    check_inflates(CVEC "img0-v2.0.0.lzma2armthumb.ed25519.bin", CVEC "app-internal-thumb.raw",
                   CVEC "img0-v2.0.0.plain.ed25519.bin");
    check_inflates(CVEC "img0-v2.0.0.lzma2.ed25519.bin", CVEC "app-internal-thumb.raw",
                   CVEC "img0-v2.0.0.plain.ed25519.bin");

    /* imgtool's compressed images: verify and dumpinfo as imgtool prints them */
    check_verify_vector(EC, CVEC "verify-ec-p256.txt");
    check_verify_vector(ED, CVEC "verify-ed25519.txt");
    static const char *const dumps[] = {
        "img0-v2.0.0.lzma2armthumb.ed25519", "img0-v2.0.0.lzma2.ed25519",
        "img0-v2.0.0.lzma2armthumb.signed", "img1-v2.0.0.lzma2armthumb.signed",
        "img2-v2.0.0.lzma2armthumb.signed", "img2-v2.0.0.lzma2armthumb.ed25519"};
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        char img[512], txt[512];
        snprintf(img, sizeof img, CVEC "%s.bin", dumps[i]);
        snprintf(txt, sizeof txt, CVEC "%s.dumpinfo.txt", dumps[i]);
        run(&r, "dumpinfo", img, NULL);
        CHECK_EQ(r.status, 0);
        CHECK(out_is_file(&r, txt));
        run_free(&r);
    }

    /* refusals: one line, usage exit, no output */
    run(&r, "sign", "-k", ED, "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0xd4000",
        "--compression", "zstd", CVEC "app-internal-thumb.raw", "bad.bin", NULL);
    CHECK_EQ(r.status, 2);
    CHECK(!exists("bad.bin"));
    run_free(&r);
    run(&r, "sign", "-k", ED, "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0xd4000",
        "--compression", "lzma2", "--non-bootable", CVEC "app-internal-thumb.raw", "bad.bin", NULL);
    CHECK_EQ(r.status, 2);
    CHECK(!exists("bad.bin"));
    run_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s GROUP TOOL WORKDIR\n", argv[0]);
        return 2;
    }
    tool = argv[2];
    mkdir(argv[3], 0755);
    if (chdir(argv[3]) != 0) {
        perror(argv[3]);
        return 2;
    }
    if (!strcmp(argv[1], "vectors"))
        group_vectors();
    else if (!strcmp(argv[1], "fixtures"))
        group_fixtures();
    else if (!strcmp(argv[1], "badinput"))
        group_badinput();
    else if (!strcmp(argv[1], "roundtrip"))
        group_roundtrip();
    else if (!strcmp(argv[1], "compressed"))
        group_compressed();
    else
        return 2;
    return tu_finish(argv[1]);
}
