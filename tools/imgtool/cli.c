/*
 * Command line: imgtool's subcommands, flags and meanings (keygen, getpub,
 * getpubhash, sign/create, verify, dumpinfo, version). Options are parsed
 * like click does: "--opt value", "--opt=value", "-o value", "-ovalue",
 * options and arguments in any order, "--" ends options.
 * Bad input: one "extxip-imgtool: error: ..." line on stderr, exit 2 (usage,
 * including what imgtool raises as click.UsageError) or 1 (failure), and no
 * output file.
 */
#include "imgtool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PROG "extxip-imgtool"
#define IMGTOOL_VERSION "2.4.0"
#define EXIT_USAGE 2

typedef struct opt {
    const char *lng;
    char shrt;
    int nargs; /* 0 flag, 1 value, 2 two values (--custom-tlv) */
} opt_t;

typedef struct parsed {
    const char *val[48][2];
    int count[48];
    const char *pos[8];
    int npos;
} parsed_t;

static int usage_err(const char *cmd, const char *fmt, const char *a)
{
    fprintf(stderr, "%s: error: %s", PROG, cmd ? cmd : "");
    if (cmd)
        fputs(": ", stderr);
    fprintf(stderr, fmt, a);
    if (cmd)
        fprintf(stderr, " (try '%s %s --help')\n", PROG, cmd);
    else
        fprintf(stderr, " (try '%s --help')\n", PROG);
    return EXIT_USAGE;
}

static int fail(it_err_t *e)
{
    fprintf(stderr, "%s: error: %s\n", PROG, e->msg);
    return e->usage ? EXIT_USAGE : 1;
}

/* Options taken by imgtool but not by us: refused by name rather than as unknown. */
static const char *const UNSUPPORTED_SIGN[] = {
    "encrypt", "encrypt-keylen", "clear", "boot-record", "save-enctlv",
    "fix-sig", "fix-sig-pubkey", "pure", "sig-out", "hmac-sha", "vector-to-sign", "vid", "cid",
    "custom-tlv-file", NULL};

/* Returns 0, or an exit code after printing the error. help set on -h/--help. */
static int parse(const char *cmd, int argc, char **argv, const opt_t *opts, int nopts,
                 const char *const *unsupported, parsed_t *p, bool *help)
{
    memset(p, 0, sizeof *p);
    *help = false;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (p->npos >= (int)(sizeof p->pos / sizeof p->pos[0]))
                return usage_err(cmd, "too many arguments ('%s')", a);
            p->pos[p->npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *help = true;
            return 0;
        }
        int idx = -1;
        const char *inl = NULL; /* value given in the same token */
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            for (int k = 0; k < nopts; k++)
                if (strlen(opts[k].lng) == nl && strncmp(opts[k].lng, name, nl) == 0)
                    idx = k;
            if (idx < 0) {
                for (int k = 0; unsupported && unsupported[k]; k++)
                    if (strlen(unsupported[k]) == nl && strncmp(unsupported[k], name, nl) == 0)
                        return usage_err(cmd, "option '%s' is not supported by extxip-imgtool", a);
                return usage_err(cmd, "no such option: %s", a);
            }
            if (eq) {
                if (opts[idx].nargs != 1)
                    return usage_err(cmd, "option '%s' does not take a value here", a);
                inl = eq + 1;
            }
        } else {
            for (int k = 0; k < nopts; k++)
                if (opts[k].shrt && opts[k].shrt == a[1])
                    idx = k;
            if (idx < 0)
                return usage_err(cmd, "no such option: %s", a);
            if (a[2]) {
                if (opts[idx].nargs != 1)
                    return usage_err(cmd, "no such option: %s", a);
                inl = a + 2;
            }
        }
        if (p->count[idx] >= 1 && opts[idx].nargs != 2)
            p->count[idx] = 0; /* click: the last occurrence wins */
        if (opts[idx].nargs == 0) {
            p->val[idx][0] = "1";
        } else if (opts[idx].nargs == 1) {
            if (!inl) {
                if (i + 1 >= argc)
                    return usage_err(cmd, "option '%s' requires an argument", a);
                inl = argv[++i];
            }
            p->val[idx][0] = inl;
        } else {
            /* --custom-tlv TAG VALUE: values are collected by the caller's scan. */
            if (i + 2 >= argc)
                return usage_err(cmd, "option '%s' requires 2 arguments", a);
            i += 2;
        }
        p->count[idx]++;
    }
    return 0;
}

/* ---------------------------------------------------------------- keygen */

static int cmd_keygen(int argc, char **argv)
{
    static const opt_t o[] = {{"key", 'k', 1}, {"type", 't', 1}, {"password", 'p', 0}};
    parsed_t p;
    bool help;
    int rc = parse("keygen", argc, argv, o, 3, NULL, &p, &help);
    if (rc)
        return rc;
    if (help) {
        puts("Usage: " PROG " keygen -k FILE -t ecdsa-p256|rsa-2048|rsa-3072|ed25519\n"
             "  Generate a private key, written as unencrypted PKCS#8 PEM.");
        return 0;
    }
    if (p.npos)
        return usage_err("keygen", "unexpected argument '%s'", p.pos[0]);
    if (!p.val[0][0])
        return usage_err("keygen", "%s", "missing option '-k' / '--key'");
    if (!p.val[1][0])
        return usage_err("keygen", "%s", "missing option '-t' / '--type'");
    if (p.val[2][0])
        return usage_err("keygen", "%s", "'--password' is not supported (keys are written unencrypted)");
    const char *t = p.val[1][0];
    if (strcmp(t, "ecdsa-p384") == 0 || strcmp(t, "x25519") == 0)
        return usage_err("keygen", "key type '%s' is not supported by extxip-imgtool", t);
    if (strcmp(t, "ecdsa-p256") && strcmp(t, "rsa-2048") && strcmp(t, "rsa-3072") &&
        strcmp(t, "ed25519"))
        return usage_err("keygen",
                         "invalid value for '-t' / '--type': '%s' is not one of ecdsa-p256, "
                         "rsa-2048, rsa-3072, ed25519",
                         t);
    it_err_t e;
    if (it_keygen(t, p.val[0][0], &e) != 0)
        return fail(&e);
    return 0;
}

/* ------------------------------------------------------- getpub / getpubhash */

static bool valid_suffix(const char *s)
{
    if (strlen(s) > 64) /* identifiers stay readable; keeps the lines bounded */
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* imgtool KeyClass._emit: the C (or Rust) array layout, 8 bytes a line. */
static void emit_array(it_buf_t *out, const char *head, const char *trail, const uint8_t *d,
                       size_t n, const char *len_line)
{
    char tmp[32];
    it_buf_put(out, "/* Autogenerated by imgtool.py, do not edit. */\n", 48);
    it_buf_put(out, head, strlen(head));
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            it_buf_put(out, "\n    ", 5);
        else
            it_buf_put(out, " ", 1);
        int l = snprintf(tmp, sizeof tmp, "0x%02x,", d[i]);
        it_buf_put(out, tmp, (size_t)l);
    }
    it_buf_put(out, "\n", 1);
    it_buf_put(out, trail, strlen(trail));
    it_buf_put(out, "\n", 1);
    if (len_line) {
        it_buf_put(out, len_line, strlen(len_line));
        it_buf_put(out, "\n", 1);
    }
}

static int write_out(const char *path, it_buf_t *b, it_err_t *e)
{
    if (!path) {
        if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
            return it_errf(e, "cannot write to stdout");
        return 0;
    }
    return it_write_file_atomic(path, b->data, b->len, 0666, e);
}

static int cmd_getpub(int argc, char **argv, bool hash)
{
    const char *cmd = hash ? "getpubhash" : "getpub";
    static const opt_t o[] = {{"key", 'k', 1}, {"encoding", 'e', 1}, {"output", 'o', 1},
                              {"name-suffix", 0, 1}, {"lang", 'l', 1}};
    parsed_t p;
    bool help;
    int rc = parse(cmd, argc, argv, o, hash ? 4 : 5, NULL, &p, &help);
    if (rc)
        return rc;
    if (help) {
        printf("Usage: " PROG " %s -k KEY [-e %s] [-o FILE] [--name-suffix S]\n", cmd,
               hash ? "lang-c|raw" : "lang-c|lang-rust|pem|raw");
        return 0;
    }
    if (p.npos)
        return usage_err(cmd, "unexpected argument '%s'", p.pos[0]);
    if (!p.val[0][0])
        return usage_err(cmd, "%s", "missing option '-k' / '--key'");
    const char *enc = p.val[1][0], *lang = hash ? NULL : p.val[4][0];
    const char *suffix = p.val[3][0] ? p.val[3][0] : "";
    if (enc && lang)
        return usage_err(cmd, "%s", "Please use only one of `--encoding/-e` or `--lang/-l`");
    if (lang) {
        if (strcmp(lang, "c") && strcmp(lang, "rust"))
            return usage_err(cmd, "invalid value for '-l' / '--lang': '%s' is not one of c, rust", lang);
        enc = strcmp(lang, "c") == 0 ? "lang-c" : "lang-rust";
    }
    if (!enc)
        enc = "lang-c";
    bool ok = hash ? (!strcmp(enc, "lang-c") || !strcmp(enc, "raw"))
                   : (!strcmp(enc, "lang-c") || !strcmp(enc, "lang-rust") ||
                      !strcmp(enc, "pem") || !strcmp(enc, "raw"));
    if (!ok)
        return usage_err(cmd, "invalid value for '-e' / '--encoding': '%s'", enc);
    if (!valid_suffix(suffix))
        return usage_err(cmd, "--name-suffix '%s' must be at most 64 characters of [A-Za-z0-9_]", suffix);
    if (*suffix && (!strcmp(enc, "pem") || !strcmp(enc, "raw")))
        return usage_err(cmd, "%s", "`--name-suffix` is only meaningful for lang-c / lang-rust encodings");

    it_err_t e;
    it_key_t *k = it_key_load(p.val[0][0], &e);
    if (!k)
        return fail(&e);
    it_buf_t pub = {0}, out = {0};
    rc = it_key_public_bytes(k, &pub, &e);
    const char *sn = it_key_shortname(k);
    char head[512], len_line[512];
    if (rc == 0 && hash) {
        uint8_t h[32];
        it_sha256(pub.data, pub.len, h);
        if (!strcmp(enc, "raw")) {
            it_buf_put(&out, h, 32);
        } else {
            snprintf(head, sizeof head, "const unsigned char %s_pub_key_hash%s[] = {", sn, suffix);
            snprintf(len_line, sizeof len_line, "const unsigned int %s_pub_key_hash%s_len = 32;",
                     sn, suffix);
            emit_array(&out, head, "};", h, 32, len_line);
        }
    } else if (rc == 0) {
        if (!strcmp(enc, "raw")) {
            it_buf_put(&out, pub.data, pub.len);
        } else if (!strcmp(enc, "pem")) {
            rc = it_key_public_pem(k, &out, &e);
        } else if (!strcmp(enc, "lang-c")) {
            snprintf(head, sizeof head, "const unsigned char %s_pub_key%s[] = {", sn, suffix);
            snprintf(len_line, sizeof len_line, "const unsigned int %s_pub_key%s_len = %zu;", sn,
                     suffix, pub.len);
            emit_array(&out, head, "};", pub.data, pub.len, len_line);
        } else {
            char up[64], usuf[128];
            size_t i;
            for (i = 0; sn[i] && i < sizeof up - 1; i++)
                up[i] = (char)(sn[i] >= 'a' && sn[i] <= 'z' ? sn[i] - 32 : sn[i]);
            up[i] = 0;
            for (i = 0; suffix[i] && i < sizeof usuf - 1; i++)
                usuf[i] = (char)(suffix[i] >= 'a' && suffix[i] <= 'z' ? suffix[i] - 32 : suffix[i]);
            usuf[i] = 0;
            snprintf(head, sizeof head, "static %s_PUB_KEY%s: &[u8] = &[", up, usuf);
            emit_array(&out, head, "];", pub.data, pub.len, NULL);
        }
    }
    if (rc == 0)
        rc = write_out(p.val[2][0], &out, &e);
    it_buf_free(&pub);
    it_buf_free(&out);
    it_key_free(k);
    return rc ? fail(&e) : 0;
}

/* ------------------------------------------------------------------ sign */

static int parse_num(const char *cmd, const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    if (it_parse_uint(v, max, out) != 0) {
        fprintf(stderr,
                "%s: error: %s: invalid value for '%s': '%s' is not a valid integer in range "
                "0..%llu (use 0x, 0o or 0b prefixes as needed)\n",
                PROG, cmd, opt, v, (unsigned long long)max);
        return EXIT_USAGE;
    }
    return 0;
}

enum {
    S_KEY, S_VERSION, S_HDR, S_PADHDR, S_SLOT, S_ALIGN, S_MAXALIGN, S_PAD, S_CONFIRM, S_TEST,
    S_MAXSEC, S_OWO, S_DEPS, S_SECCNT, S_LOAD, S_ROM, S_HEXADDR, S_ERASED, S_PKFMT, S_PADSIG,
    S_NONBOOT, S_CUSTOM, S_ENDIAN, S_SHA, S_COMP, S_COUNT
};

/* The sign options from the parsed command line, but --custom-tlv. */
static int sign_opts(const char *cmd, const parsed_t *p, it_sign_opts_t *so)
{
    it_err_t e;
    uint64_t v;
    int rc;
    memset(so, 0, sizeof *so);
    so->key_path = p->val[S_KEY][0];
    so->erased_val = 0xff;
    so->info = stdout;
    if (it_parse_version(p->val[S_VERSION][0], &so->version, &e) != 0)
        return usage_err(cmd, "invalid value for '-v' / '--version': %s", e.msg);
    if ((rc = parse_num(cmd, "-H", p->val[S_HDR][0], 0xffff, &v)))
        return rc;
    if (v < 32)
        return usage_err(cmd, "%s", "Minimum value for -H/--header-size is 32");
    so->header_size = (uint32_t)v;
    so->pad_header = p->val[S_PADHDR][0] != NULL;
    if ((rc = parse_num(cmd, "-S", p->val[S_SLOT][0], 0xffffffffu, &v)))
        return rc;
    so->slot_size = (uint32_t)v;
    so->align = 1;
    if (p->val[S_ALIGN][0]) {
        const char *a = p->val[S_ALIGN][0];
        if (strcmp(a, "1") && strcmp(a, "2") && strcmp(a, "4") && strcmp(a, "8") &&
            strcmp(a, "16") && strcmp(a, "32"))
            return usage_err(cmd, "invalid value for '--align': '%s' is not one of 1, 2, 4, 8, 16, 32", a);
        so->align = (uint32_t)atoi(a);
    }
    if (p->val[S_MAXALIGN][0]) {
        const char *a = p->val[S_MAXALIGN][0];
        if (strcmp(a, "8") && strcmp(a, "16") && strcmp(a, "32"))
            return usage_err(cmd, "invalid value for '--max-align': '%s' is not one of 8, 16, 32", a);
        so->max_align = (uint32_t)atoi(a);
    }
    so->confirm = p->val[S_CONFIRM][0] != NULL;
    so->test = p->val[S_TEST][0] != NULL;
    so->pad = p->val[S_PAD][0] != NULL || so->confirm || so->test; /* as imgtool: implies --pad */
    if (p->val[S_MAXSEC][0]) {
        /* click type=int: plain decimal */
        const char *m = p->val[S_MAXSEC][0];
        char *end = NULL;
        long n = strtol(m, &end, 10);
        if (!*m || *end || n < 1 || n > 0x10000)
            return usage_err(cmd, "invalid value for '-M' / '--max-sectors': '%s'", m);
        so->max_sectors = (uint32_t)n;
    }
    so->overwrite_only = p->val[S_OWO][0] != NULL;
    if (p->val[S_DEPS][0]) {
        if (it_parse_deps(p->val[S_DEPS][0], so->deps, &so->dep_count, &e) != 0)
            return usage_err(cmd, "invalid value for '-d' / '--dependencies': %s", e.msg);
        so->has_deps = true;
    }
    if (p->val[S_SECCNT][0]) {
        const char *s = p->val[S_SECCNT][0];
        if (strcasecmp(s, "auto") == 0) {
            so->sec_cnt_auto = true;
        } else {
            if ((rc = parse_num(cmd, "-s", s, 0xffffffffu, &v)))
                return rc;
            so->has_sec_cnt = true;
            so->sec_cnt = (uint32_t)v;
        }
    }
    if (p->val[S_LOAD][0]) {
        if ((rc = parse_num(cmd, "-L", p->val[S_LOAD][0], 0xffffffffu, &v)))
            return rc;
        so->load_addr = (uint32_t)v;
    }
    if (p->val[S_ROM][0]) {
        if ((rc = parse_num(cmd, "-F", p->val[S_ROM][0], 0xffffffffu, &v)))
            return rc;
        so->rom_fixed = (uint32_t)v;
    }
    if (p->val[S_HEXADDR][0]) {
        if ((rc = parse_num(cmd, "-x", p->val[S_HEXADDR][0], 0xffffffffu, &v)))
            return rc;
        so->has_hex_addr = true;
        so->hex_addr = (uint32_t)v;
    }
    if (p->val[S_ERASED][0]) {
        const char *r = p->val[S_ERASED][0];
        if (strcmp(r, "0") == 0)
            so->erased_val = 0;
        else if (strcmp(r, "0xff") == 0)
            so->erased_val = 0xff;
        else
            return usage_err(cmd, "invalid value for '-R' / '--erased-val': '%s' is not one of 0, 0xff", r);
    }
    if (p->val[S_PKFMT][0]) {
        const char *f = p->val[S_PKFMT][0];
        if (strcmp(f, "hash") && strcmp(f, "full"))
            return usage_err(cmd, "invalid value for '--public-key-format': '%s' is not one of hash, full", f);
        so->public_key_full = strcmp(f, "full") == 0;
    }
    so->pad_sig = p->val[S_PADSIG][0] != NULL;
    so->non_bootable = p->val[S_NONBOOT][0] != NULL;
    if (p->val[S_ENDIAN][0] && strcmp(p->val[S_ENDIAN][0], "little") != 0)
        return usage_err(cmd, "%s", "only '--endian little' is supported by extxip-imgtool");
    if (p->val[S_SHA][0] && strcmp(p->val[S_SHA][0], "auto") && strcmp(p->val[S_SHA][0], "256"))
        return usage_err(cmd, "only '--sha auto' or '--sha 256' is supported by extxip-imgtool (got '%s')",
                         p->val[S_SHA][0]);

    if (p->val[S_COMP][0]) {
        const char *c = p->val[S_COMP][0];
        if (strcmp(c, "lzma2") == 0)
            so->compression = IT_COMP_LZMA2;
        else if (strcmp(c, "lzma2armthumb") == 0)
            so->compression = IT_COMP_LZMA2_ARMTHUMB;
        else if (strcmp(c, "disabled") != 0)
            return usage_err(cmd, "invalid value for '--compression': '%s' is not one of "
                                  "'disabled', 'lzma2', 'lzma2armthumb'", c);
    }
    return 0;
}

/* --custom-tlv TAG VALUE pairs, scanned in command-line order; values are
 * malloc'ed into so (the caller frees them, also after an error). */
static int custom_tlvs(const char *cmd, int argc, char **argv, it_sign_opts_t *so)
{
    uint64_t v;
    int rc;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--custom-tlv") != 0 || i + 2 >= argc)
            continue;
        const char *tag = argv[i + 1], *val = argv[i + 2];
        i += 2;
        if (so->custom_count >= sizeof so->custom / sizeof so->custom[0]) {
            rc = usage_err(cmd, "%s", "too many --custom-tlv options");
            return rc;
        }
        if (it_parse_uint(tag, 0xffff, &v) != 0 || v < 0xa0 || v > 0xfffe) {
            rc = usage_err(cmd, "Invalid custom TLV type value '%s', allowed value should be "
                                "between 0x00a0 and 0xfffe", tag);
            return rc;
        }
        for (size_t k = 0; k < so->custom_count; k++)
            if (so->custom[k].tag == v) {
                rc = usage_err(cmd, "Custom TLV %s already exists.", tag);
                return rc;
            }
        size_t vl = strlen(val);
        uint8_t *buf = malloc(vl + 1);
        if (!buf) {
            rc = usage_err(cmd, "%s", "out of memory");
            return rc;
        }
        size_t n = 0;
        if (strncmp(val, "0x", 2) == 0) {
            if ((vl - 2) % 2) {
                free(buf);
                rc = usage_err(cmd, "%s", "Custom TLV length is odd.");
                return rc;
            }
            for (size_t k = 2; k < vl; k += 2) {
                char hx[3] = {val[k], val[k + 1], 0};
                char *end;
                long b = strtol(hx, &end, 16);
                if (*end || hx[0] == '-' || hx[0] == '+' || hx[0] == ' ') {
                    free(buf);
                    rc = usage_err(cmd, "custom TLV value '%s' is not valid hex", val);
                    return rc;
                }
                buf[n++] = (uint8_t)b;
            }
        } else {
            memcpy(buf, val, vl);
            n = vl;
        }
        so->custom[so->custom_count].tag = (uint16_t)v;
        so->custom[so->custom_count].val = buf;
        so->custom[so->custom_count].len = n;
        so->custom_count++;
    }

    return 0;
}

static int cmd_sign(int argc, char **argv)
{
    static const opt_t o[S_COUNT] = {
        [S_KEY] = {"key", 'k', 1},           [S_VERSION] = {"version", 'v', 1},
        [S_HDR] = {"header-size", 'H', 1},   [S_PADHDR] = {"pad-header", 0, 0},
        [S_SLOT] = {"slot-size", 'S', 1},    [S_ALIGN] = {"align", 0, 1},
        [S_MAXALIGN] = {"max-align", 0, 1},  [S_PAD] = {"pad", 0, 0},
        [S_CONFIRM] = {"confirm", 0, 0},     [S_TEST] = {"test", 0, 0},
        [S_MAXSEC] = {"max-sectors", 'M', 1}, [S_OWO] = {"overwrite-only", 0, 0},
        [S_DEPS] = {"dependencies", 'd', 1}, [S_SECCNT] = {"security-counter", 's', 1},
        [S_LOAD] = {"load-addr", 'L', 1},    [S_ROM] = {"rom-fixed", 'F', 1},
        [S_HEXADDR] = {"hex-addr", 'x', 1},  [S_ERASED] = {"erased-val", 'R', 1},
        [S_PKFMT] = {"public-key-format", 0, 1}, [S_PADSIG] = {"pad-sig", 0, 0},
        [S_NONBOOT] = {"non-bootable", 0, 0}, [S_CUSTOM] = {"custom-tlv", 0, 2},
        [S_ENDIAN] = {"endian", 'e', 1},     [S_SHA] = {"sha", 0, 1},
        [S_COMP] = {"compression", 0, 1},
    };
    const char *cmd = "sign";
    parsed_t p;
    bool help;
    int rc = parse(cmd, argc, argv, o, S_COUNT, UNSUPPORTED_SIGN, &p, &help);
    if (rc)
        return rc;
    if (help) {
        puts("Usage: " PROG " sign [OPTIONS] INFILE OUTFILE\n"
             "  -k/--key FILE  -v/--version MAJ.MIN.REV+BUILD  -H/--header-size N  --pad-header\n"
             "  -S/--slot-size N  --align 1|2|4|8|16|32  --max-align 8|16|32  --pad  --confirm\n"
             "  --test  -M/--max-sectors N  --overwrite-only  -d/--dependencies \"(id,ver),...\"\n"
             "  -s/--security-counter N|auto  -L/--load-addr N  -F/--rom-fixed N  -x/--hex-addr N\n"
             "  -R/--erased-val 0|0xff  --public-key-format hash|full  --pad-sig  --non-bootable\n"
             "  --custom-tlv TAG VALUE  -e/--endian little  --sha auto|256\n"
             "  --compression disabled|lzma2|lzma2armthumb (falls back to a plain image when\n"
             "    compressing does not make it smaller)\n"
             "  OUTFILE ending in .hex is written as Intel HEX; INFILE .hex is read as Intel HEX.");
        return 0;
    }
    if (p.npos != 2)
        return usage_err(cmd, p.npos < 2 ? "missing argument %s" : "got unexpected extra argument %s",
                         p.npos < 2 ? (p.npos == 0 ? "'INFILE'" : "'OUTFILE'") : p.pos[2]);
    if (!p.val[S_VERSION][0])
        return usage_err(cmd, "%s", "missing option '-v' / '--version'");
    if (!p.val[S_HDR][0])
        return usage_err(cmd, "%s", "missing option '-H' / '--header-size'");
    if (!p.val[S_SLOT][0])
        return usage_err(cmd, "%s", "missing option '-S' / '--slot-size'");

    it_sign_opts_t so;
    it_err_t e;
    if ((rc = sign_opts(cmd, &p, &so)))
        return rc;
    if ((rc = custom_tlvs(cmd, argc, argv, &so)))
        goto custom_fail;
    rc = it_sign(&so, p.pos[0], p.pos[1], &e) == 0 ? 0 : fail(&e);
custom_fail:
    for (size_t k = 0; k < so.custom_count; k++)
        free(so.custom[k].val);
    return rc;
}

/* ----------------------------------------------------- verify / dumpinfo */

static int cmd_verify(int argc, char **argv)
{
    static const opt_t o[] = {{"key", 'k', 1}};
    parsed_t p;
    bool help;
    int rc = parse("verify", argc, argv, o, 1, NULL, &p, &help);
    if (rc)
        return rc;
    if (help) {
        puts("Usage: " PROG " verify [-k KEY] IMGFILE");
        return 0;
    }
    if (p.npos != 1)
        return usage_err("verify", "%s", p.npos ? "got unexpected extra argument" : "missing argument 'IMGFILE'");
    it_err_t e;
    it_key_t *k = NULL;
    if (p.val[0][0] && !(k = it_key_load(p.val[0][0], &e)))
        return fail(&e);
    it_buf_t img = {0};
    bool hb;
    uint32_t base;
    struct stat st;
    if (stat(p.pos[0], &st) != 0 && errno == ENOENT) {
        it_key_free(k);
        it_usagef(&e, "Image file %s not found", p.pos[0]);
        return fail(&e);
    }
    if (it_load_input(p.pos[0], &img, &hb, &base, &e) != 0) {
        it_key_free(k);
        it_buf_free(&img);
        return fail(&e);
    }
    it_verify_result_t r;
    int v = it_verify_image(img.data, img.len, k, &r, &e);
    if (v == IT_VERIFY_OK) {
        puts("Image was correctly validated");
        printf("Image version: %u.%u.%u+%u\n", r.ver.major, r.ver.minor, r.ver.revision,
               r.ver.build);
        if (r.digest_len) {
            fputs("Image digest: ", stdout);
            for (size_t i = 0; i < r.digest_len; i++)
                printf("%02x", r.digest[i]);
            putchar('\n');
        }
        if (r.pure_sig && !r.digest_len) {
            fputs("Image signature over image: ", stdout);
            for (size_t i = 0; i < r.pure_sig_len; i++)
                printf("%02x", r.pure_sig[i]);
            putchar('\n');
        }
        rc = 0;
    } else if (v == IT_VERIFY_MALFORMED) {
        rc = fail(&e);
    } else {
        puts(it_verify_message(v)); /* imgtool prints these on stdout */
        rc = 1;
    }
    it_buf_free(&img);
    it_key_free(k);
    return rc;
}

static int cmd_dumpinfo(int argc, char **argv)
{
    static const opt_t o[] = {{"outfile", 'o', 1}, {"format", 'f', 1}, {"silent", 's', 0}};
    parsed_t p;
    bool help;
    int rc = parse("dumpinfo", argc, argv, o, 3, NULL, &p, &help);
    if (rc)
        return rc;
    if (help) {
        puts("Usage: " PROG " dumpinfo [-o FILE] [-f human] IMGFILE");
        return 0;
    }
    if (p.npos != 1)
        return usage_err("dumpinfo", "%s", p.npos ? "got unexpected extra argument" : "missing argument 'IMGFILE'");
    const char *fmt = p.val[1][0];
    if (fmt && strcmp(fmt, "human") != 0)
        return usage_err("dumpinfo", "only '--format human' is supported by extxip-imgtool (got '%s')", fmt);
    if (!fmt && p.val[0][0])
        return usage_err("dumpinfo", "%s", "--outfile defaults to YAML in imgtool; extxip-imgtool writes only '--format human'");
    it_err_t e;
    it_buf_t img = {0};
    bool hb;
    uint32_t base;
    if (it_load_input(p.pos[0], &img, &hb, &base, &e) != 0) {
        it_buf_free(&img);
        return fail(&e);
    }
    const char *name = strrchr(p.pos[0], '/');
    name = name ? name + 1 : p.pos[0];
    /* Render into memory first, so an error prints no partial dump. */
    char *text = NULL;
    size_t tlen = 0;
    FILE *mem = open_memstream(&text, &tlen);
    if (!mem) {
        it_buf_free(&img);
        fprintf(stderr, "%s: error: out of memory\n", PROG);
        return 1;
    }
    rc = it_dumpinfo(img.data, img.len, name, mem, &e);
    fclose(mem);
    it_buf_free(&img);
    if (rc != 0) {
        free(text);
        return fail(&e);
    }
    it_buf_t out = {(uint8_t *)text, tlen, tlen};
    rc = write_out(p.val[0][0], &out, &e);
    free(text);
    return rc ? fail(&e) : 0;
}

/* ------------------------------------------------------------------ main */

int it_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fputs("Usage: " PROG " COMMAND [ARGS]...\n"
              "  imgtool-compatible (imgtool " IMGTOOL_VERSION ") MCUboot image tool.\n"
              "Commands: create, dumpinfo, getpub, getpubhash, keygen, sign, verify, version,\n"
              "          dfu-package (ours: nRF Connect SDK dfu_application.zip)\n"
              "  --version  extxip-imgtool's version (version: the imgtool version it follows)\n",
              f);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--version")) { /* imgtool's own 'version' command prints its version */
        printf("extxip-imgtool %s (imgtool %s compatible)\n", EXTXIP_VERSION, IMGTOOL_VERSION);
        return 0;
    }
    int n = argc - 2;
    char **a = argv + 2;
    if (!strcmp(c, "keygen"))
        return cmd_keygen(n, a);
    if (!strcmp(c, "getpub"))
        return cmd_getpub(n, a, false);
    if (!strcmp(c, "getpubhash"))
        return cmd_getpub(n, a, true);
    if (!strcmp(c, "sign") || !strcmp(c, "create"))
        return cmd_sign(n, a);
    if (!strcmp(c, "verify"))
        return cmd_verify(n, a);
    if (!strcmp(c, "dumpinfo"))
        return cmd_dumpinfo(n, a);
    if (!strcmp(c, "dfu-package")) /* ours: nRF Connect SDK dfu_application.zip */
        return it_cmd_dfu_package(n, a);
    if (!strcmp(c, "version")) {
        puts(IMGTOOL_VERSION);
        return 0;
    }
    if (!strcmp(c, "getpriv") || !strcmp(c, "keyinfo"))
        return usage_err(NULL, "command '%s' is not supported by extxip-imgtool", c);
    return usage_err(NULL, "no such command '%s'", c);
}
