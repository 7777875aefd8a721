/*
 * extxip-mcumgr: an mcumgr-compatible SMP client (UDP and serial).
 * Exit status: 0 the device said OK, 1 the device answered with an error,
 * 2 usage or local error, 3 no answer / link failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "dfupkg.h"
#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_cli.h"
#include "mcumgr_conn.h"
#include "mcumgr_dfu.h"
#include "mcumgr_groups.h"
#include "mcumgr_keycheck.h"
#include "mcumgr_link.h"
#include "mcumgr_progress.h"
#include "mcumgr_req.h"
#include "mcumgr_rsp.h"
#include "mcumgr_state.h"
#include "mcumgr_upload.h"

enum { EX_OK = 0, EX_DEVICE = 1, EX_USAGE = 2, EX_LINK = 3 };

typedef struct {
    mcumgr_cli_t o;
    mcumgr_conn_t conn;
    mcumgr_link_t link;
    uint8_t body[MCUMGR_MAX_PKT];
    uint8_t rsp[MCUMGR_MAX_PKT];
} app_t;

static int ms(double s)
{
    return (int)(s * 1000.0 + 0.5);
}

/* A failure without a device reply: one line on stderr, and with --json also an object
 * on stdout ({"ok":false,"error":TEXT,"exit":N}) so a script reading stdout sees why. */
static int fail_json(int json, const char *why, int ex)
{
    fprintf(stderr, "Error: %s\n", why);
    if (json) {
        fputs("{\"ok\":false,\"error\":\"", stdout);
        for (const char *c = why; *c; c++) {
            unsigned char ch = (unsigned char)*c;
            if (ch == '"' || ch == '\\')
                printf("\\%c", ch);
            else if (ch < 0x20 || ch > 0x7e)
                printf("\\u%04x", ch);
            else
                putchar(ch);
        }
        printf("\",\"exit\":%d}\n", ex);
    }
    return ex;
}

/* Print why an exchange failed, one line; returns the exit status. */
static int link_fail(const app_t *a, int rc, int timeout_ms)
{
    char why[256];
    mcumgr_link_why(&a->link, rc, timeout_ms / 1000.0, why, sizeof why);
    return fail_json(a->o.json, why, rc == MCUMGR_ETOOBIG ? EX_USAGE : EX_LINK);
}

/* One request; on success *rlen = reply body length and 0 is returned, otherwise the
 * exit status (the failure already printed). */
static int exchange(app_t *a, uint8_t op, uint16_t group, uint8_t id, int blen, int timeout_ms,
                    size_t *rlen)
{
    if (blen < 0) {
        fprintf(stderr, "Error: request too large\n");
        return EX_USAGE;
    }
    int r = mcumgr_txn(&a->link, op, group, id, a->body, (size_t)blen, a->rsp, sizeof a->rsp,
                       NULL, timeout_ms, a->o.tries);
    if (r < 0)
        return link_fail(a, r, timeout_ms);
    *rlen = (size_t)r;
    mcumgr_status_t st;
    int kind = mcumgr_rsp_status(a->rsp, *rlen, &st);
    if (kind != MCUMGR_RSP_OK) {
        if (a->o.json)
            mcumgr_rsp_json(stdout, a->rsp, *rlen);
        mcumgr_status_print(a->o.json ? stderr : stdout, &st);
        return kind == MCUMGR_RSP_MALFORMED ? EX_LINK : EX_DEVICE;
    }
    return 0;
}

/* Print a successful reply: JSON, or the command's own formatter. */
static int show(app_t *a, size_t rlen, int (*fmt)(FILE *, const uint8_t *, size_t))
{
    int rc = a->o.json || !fmt ? mcumgr_rsp_json(stdout, a->rsp, rlen) : fmt(stdout, a->rsp, rlen);
    if (rc != 0) {
        fprintf(stderr, "Error: malformed response from device\n");
        return EX_LINK;
    }
    return EX_OK;
}

/* 0, or -1 not hex digits, -2 an odd number of them, -3 longer than cap bytes. */
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t len = strlen(s);
    if (len == 0 || strspn(s, "0123456789abcdefABCDEF") != len)
        return -1;
    if (len % 2)
        return -2;
    if (len / 2 > cap)
        return -3;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
            return -1;
        out[i] = (uint8_t)v;
    }
    *n = len / 2;
    return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        if (cap >= ((size_t)1 << 32)) { /* the protocol's "len" is 32-bit */
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        uint8_t *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = p;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = n;
    return 0;
}

/* ------------------------------------------------------------- upload */

/* The upload's progress, and what Ctrl-C says: the offset the device last acknowledged
 * (kept in a text the signal handler only writes out). */
typedef struct {
    mcumgr_progress_t prog;
    const mcumgr_upload_result_t *res;
    int announced; /* "resumed at offset N" / "already on the device" said */
    int quiet;
    size_t size;
} upload_view_t;

static char intr_msg[2][160];
static volatile sig_atomic_t intr_which;

static void intr_set(const char *fmt, unsigned long long off, unsigned long long size)
{
    int next = !intr_which;
    snprintf(intr_msg[next], sizeof intr_msg[next], fmt, off, size);
    intr_which = next;
}

static void on_sigint(int sig)
{
    (void)sig;
    const char *m = intr_msg[intr_which];
    ssize_t w = write(2, m, strlen(m));
    (void)w;
    _exit(130); /* 128 + SIGINT, as a shell reports it */
}

static void on_progress(void *ctx, size_t acked, size_t total)
{
    (void)total;
    upload_view_t *v = ctx;
    long long now = hostio_now_ns();
    if (!v->announced && v->res->resumed_from) {
        /* The device already had the first resumed_from bytes (an earlier session): say
         * so before the bar, and let the rate count from here. */
        v->announced = 1;
        if (!v->quiet) {
            char line[128];
            if (v->res->resumed_from >= v->size)
                snprintf(line, sizeof line, "already on the device: all %zu bytes (nothing to "
                         "send)", v->size);
            else
                snprintf(line, sizeof line, "resumed at offset %u of %zu (the device kept the "
                         "rest of an earlier upload)", v->res->resumed_from, v->size);
            mcumgr_progress_note(&v->prog, line, now);
        }
        mcumgr_progress_resume(&v->prog, v->res->resumed_from, now);
    }
    intr_set("\ninterrupted at offset %llu of %llu: the device keeps what it has; run the same "
             "upload again to resume\n", acked, v->size);
    mcumgr_progress_update(&v->prog, acked, now);
}

static int cmd_upload(app_t *a, const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    if (read_file(path, &data, &size) != 0) {
        fprintf(stderr, "Error: cannot read %s: %s\n", path, strerror(errno));
        return EX_USAGE;
    }
    if (size == 0 || size > UINT32_MAX) {
        fprintf(stderr, "Error: %s: size %zu not uploadable\n", path, size);
        free(data);
        return EX_USAGE;
    }
    /* Check the file locally before a byte is sent (as smpmgr does): a DFU
     * package, a raw binary, a torn or mis-hashed image, or one built for
     * another image index is refused here with a hint, not by the device
     * after the whole upload. --force sends it anyway (device-side tests). */
    if (!a->o.force) {
        char why[256];
        dfupkg_image_t im;
        if (size >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
            fprintf(stderr, "Error: %s is a zip file (a DFU package?): use 'image upgrade %s' "
                            "(nothing sent; --force to send it as it is)\n", path, path);
            free(data);
            return EX_USAGE;
        }
        /* imgtool --pad files carry the slot's erased rest and a trailer after
         * the TLVs: those bytes are the device's to judge, the image is what
         * precedes them. */
        size_t isize = size;
        if (size >= 32) {
            uint32_t hs = (uint32_t)data[8] | (uint32_t)data[9] << 8;
            uint32_t ps = (uint32_t)data[10] | (uint32_t)data[11] << 8;
            uint32_t is = (uint32_t)data[12] | (uint32_t)data[13] << 8 | (uint32_t)data[14] << 16 |
                          (uint32_t)data[15] << 24;
            uint64_t u = (uint64_t)hs + is + ps;
            if (u + 4 <= size) {
                uint64_t end = u + ((uint32_t)data[u + 2] | (uint32_t)data[u + 3] << 8);
                if (end < size)
                    isize = (size_t)end;
            }
        }
        if (dfupkg_check_image(data, isize, (int)a->o.image, &im, why, sizeof why) != 0) {
            fprintf(stderr, "Error: %s is not an MCUboot image for image %ld: %s (nothing sent; "
                            "--force to send it anyway)\n", path, a->o.image, why);
            free(data);
            return EX_USAGE;
        }
        int k = a->o.key ? mcumgr_key_check(a->o.key, data, isize, why, sizeof why)
                         : MCUMGR_KEY_OK;
        if (k != MCUMGR_KEY_OK) {
            if (k == MCUMGR_KEY_MISMATCH)
                fprintf(stderr, "Error: %s: %s (nothing sent; --force to send it anyway)\n",
                        path, why);
            else
                fprintf(stderr, "Error: %s\n", why);
            free(data);
            return EX_USAGE;
        }
    }
    uint8_t sha[CRYPTO_SHA256_SIZE];
    if (extxip_crypto_sha256(data, size, sha) != 0) {
        fprintf(stderr, "Error: sha256 failed\n");
        free(data);
        return EX_USAGE;
    }

    /* Size chunks and the window from what the device says it can take. */
    long long buf_size = -1, buf_count = -1;
    int r = mcumgr_txn(&a->link, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS, a->body,
                       (size_t)mcumgr_req_empty(a->body, sizeof a->body), a->rsp, sizeof a->rsp,
                       NULL, ms(a->o.timeout_s), a->o.tries);
    mcumgr_status_t st;
    if (r >= 0 && mcumgr_rsp_status(a->rsp, (size_t)r, &st) == MCUMGR_RSP_OK &&
        mcumgr_rsp_params(a->rsp, (size_t)r, &buf_size, &buf_count) == 0 && buf_size > 0) {
        /* use them */
    } else if (r == MCUMGR_EIO || r == MCUMGR_EREFUSED) {
        free(data);
        return link_fail(a, r, ms(a->o.timeout_s));
    } else {
        buf_size = buf_count = -1;
        if (!a->o.quiet)
            fprintf(stderr, "note: device gave no MCUmgr params; using defaults, window 1\n");
    }

    if (!a->o.noerase) {
        /* The optional erase names the secondary of the image being uploaded: absolute
         * slot 2n+1, as Zephyr's img_mgmt numbers them (docs/protocol.md §7.2, §7.6).
         * Go mcumgr sends it without "slot", and a Zephyr device then erases its active
         * image's secondary (slot 1) whatever -n says: a staged image 0 would be lost. */
        size_t rl;
        int erc = exchange(a, MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_ERASE,
                           mcumgr_req_erase(a->body, sizeof a->body, 2LL * a->o.image + 1),
                           ms(a->o.first_timeout_s), &rl);
        if (erc != 0) {
            free(data);
            return erc;
        }
    }

    mcumgr_upload_result_t res;
    upload_view_t view = {.res = &res, .quiet = a->o.quiet || a->o.json, .size = size};
    mcumgr_upload_cfg_t cfg = {
        .data = data,
        .size = size,
        .sha = sha,
        .sha_len = sizeof sha,
        .image = (uint32_t)a->o.image,
        .upgrade = a->o.upgrade,
        .pkt_max = mcumgr_pkt_limit(&a->conn, buf_size),
        .window = mcumgr_window(buf_count, (unsigned)a->o.max_window),
        .timeout_ms = ms(a->o.timeout_s),
        .first_timeout_ms = ms(a->o.first_timeout_s > a->o.timeout_s ? a->o.first_timeout_s
                                                                       : a->o.timeout_s),
        .max_tries = a->o.tries > 5 ? a->o.tries : 5,
        .progress = on_progress,
        .progress_ctx = &view,
    };
    if (cfg.window > MCUMGR_UPLOAD_MAX_WINDOW)
        cfg.window = MCUMGR_UPLOAD_MAX_WINDOW;
    long long t0 = hostio_now_ns();
    mcumgr_progress_start(&view.prog, stderr, mcumgr_progress_auto_mode(a->o.quiet, 2), size, t0);
    /* Ctrl-C: exit 130 and say that a second run resumes (the device keeps its session). */
    intr_set("\ninterrupted at offset %llu of %llu: run the same upload again to resume\n", 0,
             size);
    struct sigaction sa = {.sa_handler = on_sigint}, old_int;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    int rc = mcumgr_upload_run(&a->link, &cfg, &res);
    sigaction(SIGINT, &old_int, NULL);
    long long t1 = hostio_now_ns();
    if (!(rc == MCUMGR_UPLOAD_OK && res.resumed_from >= size)) /* nothing was sent: no bar */
        mcumgr_progress_finish(&view.prog, res.off, t1);
    free(data);

    if (a->o.json) {
        printf("{\"ok\":%s,\"off\":%u,\"len\":%zu,\"image\":%u,\"packet_max\":%zu,"
               "\"first_chunk\":%zu,\"chunk\":%zu,\"window\":%u,\"buf_size\":%lld,"
               "\"buf_count\":%lld,\"requests\":%u,\"retransmits\":%u,\"resyncs\":%u,"
               "\"restarts\":%u,\"max_inflight\":%u,\"resumed_from\":%u,\"seconds\":%.3f",
               rc == 0 ? "true" : "false", res.off, size, cfg.image, cfg.pkt_max,
               res.first_chunk, res.chunk, cfg.window, buf_size, buf_count, res.requests,
               res.retransmits, res.resyncs, res.restarts, res.max_inflight, res.resumed_from,
               (double)(t1 - t0) / 1e9);
        if (res.match >= 0)
            printf(",\"match\":%s", res.match ? "true" : "false");
        if (rc == MCUMGR_UPLOAD_EDEVICE) {
            if (res.status.kind == MCUMGR_RSP_ERR_V2)
                printf(",\"err\":{\"group\":%lld,\"rc\":%lld}", res.status.group, res.status.rc);
            else
                printf(",\"rc\":%lld", res.status.rc);
            if (res.status.rsn[0]) { /* v1 with the device's verbose errors */
                printf(",\"rsn\":\"");
                for (const char *c = res.status.rsn; *c; c++)
                    if (*c >= 0x20 && *c <= 0x7e && *c != '"' && *c != '\\')
                        putchar(*c);
                putchar('"');
            }
        }
        printf("}\n");
    }
    switch (rc) {
    case MCUMGR_UPLOAD_OK:
        if (!a->o.json)
            printf("Done\n");
        return EX_OK;
    case MCUMGR_UPLOAD_EDEVICE:
        mcumgr_status_print(a->o.json ? stderr : stdout, &res.status);
        return EX_DEVICE;
    case MCUMGR_UPLOAD_EMATCH:
        fprintf(stderr, "Error: device reports the uploaded image does not match (sha)\n");
        return EX_DEVICE;
    case MCUMGR_UPLOAD_ECHUNK:
        fprintf(stderr, "Error: packet limit %zu leaves no room for image data\n", cfg.pkt_max);
        return EX_USAGE;
    case MCUMGR_UPLOAD_EPROTO:
        fprintf(stderr, "Error: device answered the upload inconsistently (off %u)\n", res.off);
        return EX_LINK;
    case MCUMGR_ETIMEOUT:
        fprintf(stderr, "Error: no answer from %s at offset %u/%zu (NMP timeout); run the same "
                        "upload again to resume\n", a->link.where, res.off, size);
        return EX_LINK;
    default:
        return link_fail(a, rc, ms(a->o.timeout_s));
    }
}

/* ---------------------------------------------- the other groups' commands */

static int groups_exchange(void *arg, uint8_t op, uint16_t group, uint8_t id, int blen,
                           size_t *rlen)
{
    app_t *a = arg;
    return exchange(a, op, group, id, blen, ms(a->o.timeout_s), rlen);
}

static size_t groups_pkt_limit(void *arg)
{
    app_t *a = arg;
    long long buf_size = -1, buf_count = -1;
    int r = mcumgr_txn(&a->link, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS, a->body,
                       (size_t)mcumgr_req_empty(a->body, sizeof a->body), a->rsp, sizeof a->rsp,
                       NULL, ms(a->o.timeout_s), a->o.tries);
    mcumgr_status_t st;
    if (r < 0 || mcumgr_rsp_status(a->rsp, (size_t)r, &st) != MCUMGR_RSP_OK ||
        mcumgr_rsp_params(a->rsp, (size_t)r, &buf_size, &buf_count) != 0)
        buf_size = -1;
    return mcumgr_pkt_limit(&a->conn, buf_size);
}

static int run_groups(app_t *a)
{
    mcumgr_groups_io_t io = {
        .exchange = groups_exchange, .pkt_limit = groups_pkt_limit, .arg = a,
        .body = a->body, .body_cap = sizeof a->body, .rsp = a->rsp,
        .json = a->o.json, .quiet = a->o.quiet,
    };
    return mcumgr_groups_run(&io, a->o.args, a->o.nargs);
}

/* ------------------------------------------------ the linked pair, reset */

/* The device's image state, or -1 (nothing printed: callers only warn). */
static int read_state(app_t *a, mcumgr_state_t *st)
{
    int r = mcumgr_txn(&a->link, MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE, a->body,
                       (size_t)mcumgr_req_empty(a->body, sizeof a->body), a->rsp, sizeof a->rsp,
                       NULL, ms(a->o.timeout_s), a->o.tries);
    mcumgr_status_t ss;
    if (r < 0 || mcumgr_rsp_status(a->rsp, (size_t)r, &ss) != MCUMGR_RSP_OK)
        return -1;
    return mcumgr_state_parse(a->rsp, (size_t)r, st);
}

static void warn_pair(const mcumgr_state_t *st)
{
    char w[320];
    if (mcumgr_state_pair_warning(st, w, sizeof w))
        fprintf(stderr, "warning: %s\n", w);
}

/* After a reset: reopen the link (a serial device may come back on a new
 * open) and poll echo until the device answers or --reset-timeout runs out. */
static int wait_back(app_t *a)
{
    long long deadline = hostio_now_ns() + (long long)(a->o.reset_timeout_s * 1e9);
    char err[256];
    mcumgr_link_close(&a->link);
    while (hostio_now_ns() < deadline) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        if (mcumgr_link_open(&a->link, &a->conn, a->o.smp_version, err, sizeof err) != 0)
            continue;
        int r = mcumgr_txn(&a->link, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, a->body,
                           (size_t)mcumgr_req_echo(a->body, sizeof a->body, "up"), a->rsp,
                           sizeof a->rsp, NULL, 500, 1);
        if (r >= 0)
            return 0;
        mcumgr_link_close(&a->link);
    }
    return -1;
}

/* What became of the images pending before the reset: installed (now in
 * slot 0 with that hash) or not, with the bootloader's reason when the
 * device reports one (extxip's bootReport). Returns EX_OK when all were
 * installed, EX_DEVICE otherwise. */
static int report_after_reset(app_t *a, const mcumgr_state_t *before)
{
    mcumgr_state_t now;
    if (!a->o.quiet && !a->o.json)
        fprintf(stderr, "waiting for the device: the bootloader is installing the pending "
                "images (up to %.0f s, --reset-timeout)\n", a->o.reset_timeout_s);
    if (wait_back(a) != 0) {
        fprintf(stderr, "Error: no answer from %s within %.0f s after the reset\n", a->link.where,
                a->o.reset_timeout_s);
        return EX_LINK;
    }
    if (read_state(a, &now) != 0) {
        fprintf(stderr, "Error: could not read the image list after the reset\n");
        return EX_LINK;
    }
    int rc = EX_OK;
    for (int i = 0; i < before->n; i++) {
        const mcumgr_slot_t *p = &before->s[i];
        if (!p->pending)
            continue;
        /* The primary now holds the pending image: its hash, or, for a
         * compressed image (whose primary shows the hash of the plain image
         * it inflated to, which the secondary's listing cannot tell), a
         * primary that changed since the reset and runs the pending version:
         * nothing else can have been installed there in that boot. */
        const mcumgr_slot_t *old = NULL, *pri = NULL;
        for (int j = 0; j < before->n; j++)
            if (before->s[j].image == p->image && before->s[j].slot == 0)
                old = &before->s[j];
        for (int j = 0; j < now.n; j++)
            if (now.s[j].image == p->image && now.s[j].slot == 0)
                pri = &now.s[j];
        bool installed = pri != NULL && p->hash_len && pri->hash_len == p->hash_len &&
                         memcmp(pri->hash, p->hash, p->hash_len) == 0;
        bool changed = pri != NULL && pri->hash_len &&
                       (old == NULL || old->hash_len != pri->hash_len ||
                        memcmp(old->hash, pri->hash, pri->hash_len) != 0);
        installed |= changed && strcmp(pri->version, p->version) == 0;
        if (installed) {
            printf("image %lld: %s installed\n", p->image, p->version);
            continue;
        }
        rc = EX_DEVICE;
        const char *why = p->image < now.nreport ? now.report[p->image] : "";
        printf("image %lld: %s refused by the bootloader%s%s\n", p->image, p->version,
               why[0] ? ": " : " (the device gives no reason; its boot log has it)", why);
    }
    return rc;
}

/* ------------------------------------------------------------ commands */

/* A usage error: one line and where the help is (cobra's way), not the whole help. */
static int usage_err(const char *msg)
{
    fprintf(stderr, "Error: %s\nRun 'extxip-mcumgr --help' for usage.\n", msg);
    return EX_USAGE;
}

static int unknown_cmd(const char *name)
{
    char msg[160];
    snprintf(msg, sizeof msg, "unknown command \"%.100s\" for \"extxip-mcumgr\"", name);
    return usage_err(msg);
}

/* image test/confirm HASH: a whole SHA-256 is sent as given; a shorter one is a prefix,
 * resolved from the device's image list when exactly one image's hash starts with it and
 * refused here otherwise (the device would answer rc 24, invalid hash); --force sends it
 * as given. 0, or the exit status (the reason printed). */
static int resolve_hash(app_t *a, const char *text, uint8_t *hash, size_t *hash_len)
{
    char msg[320];
    int h = parse_hex(text, hash, 64, hash_len);
    if (h == -2) {
        snprintf(msg, sizeof msg, "HASH '%.80s' has an odd number of hex digits (%zu): each "
                 "byte is two (image list shows the whole hash)", text, strlen(text));
        return usage_err(msg);
    }
    if (h != 0)
        return usage_err("HASH must be hex digits (the image hash shown by image list)");
    if (*hash_len >= 32 || a->o.force) /* --force: as given (the device's check) */
        return 0;
    mcumgr_state_t st;
    if (read_state(a, &st) != 0) {
        snprintf(msg, sizeof msg, "HASH '%s' is a prefix and the image list to resolve it could "
                 "not be read; give the whole hash", text);
        return fail_json(a->o.json, msg, EX_LINK);
    }
    /* One image may be listed twice with one hash (the same file in both slots). */
    int found = -1, count = 0;
    for (int i = 0; i < st.n; i++)
        if (st.s[i].hash_len >= *hash_len && st.s[i].hash_len <= 64 &&
            memcmp(st.s[i].hash, hash, *hash_len) == 0) {
            if (found < 0)
                found = i, count = 1;
            else if (st.s[i].hash_len != st.s[found].hash_len ||
                     memcmp(st.s[i].hash, st.s[found].hash, st.s[i].hash_len) != 0)
                count = 2;
        }
    if (count != 1) {
        if (count)
            snprintf(msg, sizeof msg, "HASH prefix '%s' matches more than one image: give more "
                     "digits (nothing sent)", text);
        else
            snprintf(msg, sizeof msg, "no image on the device has a hash starting with '%s' "
                     "(image list shows them; nothing sent)", text);
        return count ? usage_err(msg) : fail_json(a->o.json, msg, EX_USAGE);
    }
    memcpy(hash, st.s[found].hash, st.s[found].hash_len);
    *hash_len = st.s[found].hash_len;
    if (!a->o.quiet && !a->o.json)
        fprintf(stderr, "HASH %s: image %lld slot %lld (%s)\n", text, st.s[found].image,
                st.s[found].slot, st.s[found].version);
    return 0;
}

static int run(app_t *a)
{
    const char **v = a->o.args;
    int n = a->o.nargs;
    int t = ms(a->o.timeout_s);
    size_t rl;
    int rc;
    uint8_t hash[64];
    size_t hash_len = 0;

#define DO(op, grp, id, blen, tmo)                                                    \
    do {                                                                            \
        rc = exchange(a, (op), (grp), (id), (blen), (tmo), &rl);                    \
        if (rc)                                                                     \
            return rc;                                                              \
    } while (0)

    if (mcumgr_groups_known(v[0]))
        return run_groups(a);
    if (strcmp(v[0], "echo") == 0) {
        if (n != 2)
            return usage_err("echo needs exactly one TEXT");
        DO(MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO,
           mcumgr_req_echo(a->body, sizeof a->body, v[1]), t);
        if (a->o.json)
            return show(a, rl, NULL);
        char txt[4096];
        if (mcumgr_rsp_text(a->rsp, rl, "r", txt, sizeof txt) != 0)
            return show(a, rl, NULL);
        printf("%s\n", txt);
        return EX_OK;
    }
    if (strcmp(v[0], "reset") == 0) {
        if (n != 1)
            return usage_err("reset takes no operands");
        /* With images pending, say before the reset what it will not do
         * (half a linked pair), and after it what the bootloader did. */
        mcumgr_state_t before;
        bool pending = false;
        if (read_state(a, &before) == 0) {
            for (int i = 0; i < before.n; i++)
                pending |= before.s[i].pending;
            warn_pair(&before);
        }
        DO(MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_RESET,
           mcumgr_req_reset(a->body, sizeof a->body, a->o.force), t);
        if (a->o.json)
            return show(a, rl, NULL);
        printf("Done\n");
        if (!pending || a->o.no_wait)
            return EX_OK;
        return report_after_reset(a, &before);
    }
    if (strcmp(v[0], "taskstat") == 0) {
        DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_TASKSTAT,
           mcumgr_req_empty(a->body, sizeof a->body), t);
        return show(a, rl, mcumgr_print_taskstat);
    }
    if (strcmp(v[0], "mpstat") == 0) {
        if (n != 1)
            return usage_err("mpstat takes no operands");
        DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_MPSTAT,
           mcumgr_req_empty(a->body, sizeof a->body), t);
        return show(a, rl, mcumgr_print_mpstat);
    }
    if (strcmp(v[0], "params") == 0 || strcmp(v[0], "mcumgr-params") == 0 ||
        (strcmp(v[0], "mcumgr") == 0 && n > 1 && strcmp(v[1], "params") == 0)) {
        DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS,
           mcumgr_req_empty(a->body, sizeof a->body), t);
        return show(a, rl, mcumgr_print_kv);
    }
    if (strcmp(v[0], "bootloader") == 0 || strcmp(v[0], "bootloader-info") == 0) {
        int first = strcmp(v[0], "bootloader") == 0 ? 2 : 1;
        if (first == 2 && (n < 2 || strcmp(v[1], "info") != 0))
            return usage_err("bootloader info [QUERY]");
        if (n > first + 1)
            return usage_err("bootloader info takes at most one QUERY");
        DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_BOOTLOADER_INFO,
           mcumgr_req_bootloader_info(a->body, sizeof a->body, n > first ? v[first] : NULL), t);
        return show(a, rl, mcumgr_print_kv);
    }
    if ((strcmp(v[0], "os") == 0 && n > 1 && strcmp(v[1], "info") == 0) ||
        strcmp(v[0], "os-info") == 0) {
        /* Zephyr's os info (command 7), which Go mcumgr has no command for:
         * FORMAT is Zephyr's letters (s n r v b m p i o, a = all); none: the
         * device's default (the kernel name). */
        int first = strcmp(v[0], "os") == 0 ? 2 : 1;
        if (n > first + 1)
            return usage_err("os info [FORMAT]");
        DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_INFO,
           n > first ? mcumgr_req_os_info(a->body, sizeof a->body, v[first])
                     : mcumgr_req_empty(a->body, sizeof a->body),
           t);
        char out[512];
        if (a->o.json || mcumgr_rsp_text(a->rsp, rl, "output", out, sizeof out) != 0)
            return show(a, rl, NULL);
        printf("%s\n", out);
        return EX_OK;
    }
    if (strcmp(v[0], "datetime") == 0) {
        if (n == 1) {
            DO(MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_DATETIME,
               mcumgr_req_empty(a->body, sizeof a->body), t);
            char dt[128];
            if (a->o.json || mcumgr_rsp_text(a->rsp, rl, "datetime", dt, sizeof dt) != 0)
                return show(a, rl, NULL);
            printf("Datetime(RFC 3339 format): %s\n", dt);
            return EX_OK;
        }
        if (n != 2)
            return usage_err("datetime [VALUE|now]");
        char now[64];
        const char *val = v[1];
        if (strcmp(val, "now") == 0) {
            time_t tt = time(NULL);
            struct tm tm;
            localtime_r(&tt, &tm);
            char z[8];
            strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
            strftime(z, sizeof z, "%z", &tm); /* +hhmm -> RFC 3339 +hh:mm */
            if (strlen(z) == 5)
                snprintf(now + strlen(now), sizeof now - strlen(now), "%.3s:%.2s", z, z + 3);
            printf("Setting time to %s\n", now);
            val = now;
        }
        DO(MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_DATETIME,
           mcumgr_req_datetime_set(a->body, sizeof a->body, val), t);
        if (a->o.json)
            return show(a, rl, NULL);
        printf("Done\n");
        return EX_OK;
    }
    if (strcmp(v[0], "image") == 0) {
        if (n < 2)
            return usage_err("image list|upload|test|confirm|erase|slot-info");
        const char *c = v[1];
        if (strcmp(c, "list") == 0) {
            DO(MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
               mcumgr_req_empty(a->body, sizeof a->body), t);
            return show(a, rl, mcumgr_print_image_list);
        }
        if (strcmp(c, "test") == 0 || strcmp(c, "confirm") == 0) {
            int confirm = c[0] == 'c';
            if ((!confirm && n != 3) || n > 3)
                return usage_err(confirm ? "image confirm [HASH]" : "image test HASH");
            if (n == 3 && (rc = resolve_hash(a, v[2], hash, &hash_len)) != 0)
                return rc;
            DO(MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_STATE,
               mcumgr_req_state_write(a->body, sizeof a->body, hash, hash_len, confirm), t);
            mcumgr_state_t st;
            if (mcumgr_state_parse(a->rsp, rl, &st) == 0)
                warn_pair(&st);
            return show(a, rl, mcumgr_print_image_list);
        }
        if (strcmp(c, "erase") == 0) {
            long long slot = -1;
            if (n > 3)
                return usage_err("image erase [SLOT]");
            if (n == 3) {
                char *end;
                errno = 0;
                slot = strtoll(v[2], &end, 10);
                if (errno || *end || v[2][0] == '-' || slot > 0xFFFFFFFFLL)
                    return usage_err("SLOT must be an absolute slot number");
            }
            DO(MCUMGR_OP_WRITE, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_ERASE,
               mcumgr_req_erase(a->body, sizeof a->body, slot), ms(a->o.first_timeout_s));
            if (a->o.json)
                return show(a, rl, NULL);
            printf("Done\n");
            return EX_OK;
        }
        if (strcmp(c, "slot-info") == 0 || strcmp(c, "slot_info") == 0) {
            DO(MCUMGR_OP_READ, MCUMGR_GROUP_IMAGE, MCUMGR_IMG_SLOT_INFO,
               mcumgr_req_empty(a->body, sizeof a->body), t);
            return show(a, rl, NULL);
        }
        if (strcmp(c, "upload") == 0) {
            if (n != 3)
                return usage_err("image upload FILE");
            return cmd_upload(a, v[2]);
        }
        char msg[160];
        snprintf(msg, sizeof msg, "unknown command \"image %.60s\" (image list|upload|test|"
                 "confirm|erase|slot-info|upgrade)", c);
        return usage_err(msg);
    }
#undef DO
    return unknown_cmd(v[0]);
}

/* Commands that exist, checked before connecting so a typo costs no timeout. */
static int known(const mcumgr_cli_t *o)
{
    static const char *const top[] = {"echo", "reset", "taskstat", "mpstat", "params", "mcumgr-params",
                                      "mcumgr", "bootloader", "bootloader-info", "datetime", "os", "os-info",
                                      "image"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        if (strcmp(o->args[0], top[i]) == 0)
            return 1;
    return mcumgr_groups_known(o->args[0]);
}

int main(int argc, char **argv)
{
    static app_t a;
    char err[256];
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--version") == 0) {
            printf("extxip-mcumgr %s\n", EXTXIP_VERSION);
            return EX_OK;
        }
    if (mcumgr_cli_parse(argc, argv, &a.o, err, sizeof err) != 0) {
        /* "shell exec rm -rf /": the device command's own dashes read as our flags */
        if (a.o.nargs >= 2 && strcmp(a.o.args[0], "shell") == 0 &&
            strcmp(a.o.args[1], "exec") == 0) {
            size_t l = strlen(err);
            snprintf(err + l, sizeof err - l, " (a shell command with dashes goes after --: "
                     "shell exec -- CMD -ARG...)");
        }
        return usage_err(err);
    }
    if (a.o.help || a.o.nargs == 0) {
        mcumgr_cli_usage(a.o.help ? stdout : stderr);
        return a.o.help ? EX_OK : EX_USAGE;
    }
    if (strcmp(a.o.args[0], "version") == 0) {
        printf("extxip-mcumgr %s\n", EXTXIP_VERSION);
        return EX_OK;
    }
    if (mcumgr_dfu_is_cmd(&a.o)) /* image upgrade PACKAGE.zip: its own links */
        return mcumgr_dfu_main(&a.o);
    if (!known(&a.o))
        return unknown_cmd(a.o.args[0]);
    if (mcumgr_conn_parse(a.o.conntype, a.o.connstring, &a.conn, err, sizeof err) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        return EX_USAGE;
    }
    if (a.o.bond_file)
        snprintf(a.conn.bond_file, sizeof a.conn.bond_file, "%s", a.o.bond_file);
    if (mcumgr_link_open(&a.link, &a.conn, a.o.smp_version, err, sizeof err) != 0)
        return fail_json(a.o.json, err, EX_LINK);
    a.link.debug = a.o.debug;
    int rc = run(&a);
    mcumgr_link_close(&a.link);
    return rc;
}
