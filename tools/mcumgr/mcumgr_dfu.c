/* `image upgrade PACKAGE.zip`: see mcumgr_dfu.h. The command line, the device list and
 * the workers; the parts are in mcumgr_dfu_{plan,xfer,mark,report}.c. */
#include "mcumgr_dfu.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hostio.h"
#include "mcumgr_dfu_int.h"
#include "mcumgr_keycheck.h"

/* Ctrl-C: exit 130 and say what a second run does. Before the marks the device keeps
 * the uploaded bytes and the run resumes; after them the marks stay set. */
static volatile sig_atomic_t after_marks;

void dfu_set_interrupt_text(int v)
{
    after_marks = v;
}

static void on_sigint(int sig)
{
    (void)sig;
    static const char before[] = "\ninterrupted: the devices keep what they have; run the "
                                 "same image upgrade again to resume\n";
    static const char after[] = "\ninterrupted after the marks: image list shows what is "
                                "pending; run the same image upgrade again to finish\n";
    ssize_t r = after_marks ? write(2, after, sizeof after - 1) : write(2, before, sizeof before - 1);
    (void)r;
    _exit(130); /* 128 + SIGINT, as a shell reports it */
}

static void upgrade_device(worker_t *w)
{
    device_t *d = w->d;
    char why[DFU_REASON];
    mcumgr_state_t st;
    bool need_upload[DFUPKG_MAX_IMAGES] = {0}, need_mark[DFUPKG_MAX_IMAGES] = {0};

    if (dfu_open_link(w, why, sizeof why) != 0 || dfu_read_state(w, &st, why, sizeof why) != 0) {
        dfu_sfmt(d->error, sizeof d->error, "%s", why);
        return;
    }
    if (dfu_plan(w, &st, need_upload, need_mark) && dfu_transfer(w, &st, need_upload) == 0)
        dfu_mark_reset(w, &st, need_mark);
}

static void *worker_main(void *arg)
{
    ctx_t *c = arg;
    worker_t *w = malloc(sizeof *w);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int i = c->next < c->ndev ? c->next++ : -1;
        pthread_mutex_unlock(&c->mu);
        if (i < 0)
            break;
        device_t *d = &c->dev[i];
        long long t0 = hostio_now_ns();
        if (!w) {
            dfu_sfmt(d->error, sizeof d->error, "out of memory");
            continue;
        }
        memset(w, 0, offsetof(worker_t, body));
        w->d = d;
        w->res = NULL;
        upgrade_device(w);
        dfu_close_link(w);
        d->seconds = (double)(hostio_now_ns() - t0) / 1e9;
    }
    free(w);
    return NULL;
}

/* ------------------------------------------------------------ entry */

int mcumgr_dfu_is_cmd(const mcumgr_cli_t *o)
{
    return o->nargs >= 1 &&
           (strcmp(o->args[0], "upgrade") == 0 ||
            (o->nargs >= 2 && strcmp(o->args[0], "image") == 0 &&
             strcmp(o->args[1], "upgrade") == 0));
}

static int load_devices(const mcumgr_cli_t *o, device_t **out, int *n)
{
    FILE *f = fopen(o->devices, "r");
    if (!f) {
        fprintf(stderr, "Error: --devices %s: %s\n", o->devices, strerror(errno));
        return -1;
    }
    device_t *v = calloc(DFU_MAX_DEVICES, sizeof *v);
    char line[512];
    int cnt = 0, lineno = 0;
    while (v && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "Error: %s:%d: line too long\n", o->devices, lineno);
            goto bad;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*s || *s == '#')
            continue;
        if (cnt >= DFU_MAX_DEVICES) {
            fprintf(stderr, "Error: %s: more than %d devices\n", o->devices, DFU_MAX_DEVICES);
            goto bad;
        }
        const char *type = o->conntype, *cs = s;
        char *colon = strchr(s, ':');
        /* A conntype prefix: "udp:127.0.0.1:1337", "serial:dev=/dev/ttyACM0". */
        if (colon && colon - s < 16) {
            char t[16];
            memcpy(t, s, (size_t)(colon - s));
            t[colon - s] = '\0';
            if (strcmp(t, "udp") == 0 || strcmp(t, "serial") == 0 || strcmp(t, "ble") == 0) {
                *colon = '\0';
                type = s;
                cs = colon + 1;
            }
        }
        device_t *d = &v[cnt];
        char err[256];
        dfu_sfmt(d->label, sizeof d->label, "%s%s%s", type && type != o->conntype ? type : "",
                 type && type != o->conntype ? ":" : "", cs);
        if (mcumgr_conn_parse(type, cs, &d->conn, err, sizeof err) != 0) {
            fprintf(stderr, "Error: %s:%d: %s\n", o->devices, lineno, err);
            goto bad;
        }
        cnt++;
    }
    fclose(f);
    if (!v) {
        fprintf(stderr, "Error: out of memory\n");
        return -1;
    }
    if (cnt == 0) {
        fprintf(stderr, "Error: %s lists no devices\n", o->devices);
        free(v);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
bad:
    fclose(f);
    free(v);
    return -1;
}

int mcumgr_dfu_main(const mcumgr_cli_t *o)
{
    int first = strcmp(o->args[0], "upgrade") == 0 ? 1 : 2;
    if (o->nargs != first + 1) {
        fprintf(stderr, "Error: usage: image upgrade PACKAGE.zip [--devices FILE] [-j N] "
                        "[--confirm] [--force]\n");
        return EX_USAGE;
    }
    const char *path = o->args[first];
    static dfupkg_t pkg;
    char err[512];
    /* The whole package is checked before any device is contacted. */
    if (dfupkg_read(path, &pkg, err, sizeof err) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        return EX_USAGE;
    }
    /* --key: every image signed with the key the device trusts, before any device. */
    for (int i = 0; o->key && i < pkg.count; i++) {
        int k = mcumgr_key_check(o->key, pkg.img[i].data, pkg.img[i].size, err, sizeof err);
        if (k != MCUMGR_KEY_OK) {
            if (k == MCUMGR_KEY_MISMATCH)
                fprintf(stderr, "Error: %s: %s (image %d): %s; nothing sent\n", path,
                        pkg.img[i].file, pkg.img[i].image, err);
            else
                fprintf(stderr, "Error: %s\n", err);
            dfupkg_free(&pkg);
            return EX_USAGE;
        }
    }
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.pkg = &pkg;
    if (o->devices) {
        if (load_devices(o, &c.dev, &c.ndev) != 0) {
            dfupkg_free(&pkg);
            return EX_USAGE;
        }
    } else {
        c.dev = calloc(1, sizeof *c.dev);
        c.ndev = 1;
        if (!c.dev || mcumgr_conn_parse(o->conntype, o->connstring, &c.dev->conn, err,
                                        sizeof err) != 0) {
            fprintf(stderr, "Error: %s\n", c.dev ? err : "out of memory");
            free(c.dev);
            dfupkg_free(&pkg);
            return EX_USAGE;
        }
        dfu_sfmt(c.dev->label, sizeof c.dev->label, "%s", o->connstring ? o->connstring : "");
    }
    for (int i = 0; i < c.ndev; i++) {
        c.dev[i].ctx = &c;
        if (o->bond_file) /* BLE bonds: one file for every device of the fleet */
            snprintf(c.dev[i].conn.bond_file, sizeof c.dev[i].conn.bond_file, "%s", o->bond_file);
    }
    if (!o->quiet && !o->json) {
        fprintf(stderr, "package %s: %s%s", path, pkg.name[0] ? pkg.name : "", pkg.name[0] ? ":" : "");
        for (int i = 0; i < pkg.count; i++)
            fprintf(stderr, " %d=%s %s", pkg.img[i].image, pkg.img[i].file, pkg.img[i].version);
        fprintf(stderr, " (%d device%s)\n", c.ndev, c.ndev == 1 ? "" : "s");
    }
    pthread_mutex_init(&c.mu, NULL);
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    long long t0 = hostio_now_ns();
    mcumgr_progress_start(&c.prog, stderr, mcumgr_progress_auto_mode(o->quiet, 2),
                          pkg.total * (size_t)c.ndev, t0);
    int jobs = o->jobs < c.ndev ? o->jobs : c.ndev;
    pthread_t th[256];
    int started = 0;
    for (int i = 0; i < jobs; i++)
        if (pthread_create(&th[started], NULL, worker_main, &c) == 0)
            started++;
    if (started == 0)
        worker_main(&c);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    long long t1 = hostio_now_ns();
    if (c.prog.total > 0) /* nothing was to be sent: no bar */
        mcumgr_progress_finish(&c.prog, c.progress_done, t1);
    pthread_mutex_destroy(&c.mu);

    /* One rule for one device and for a table: 1 if any device answered with a failure,
     * else 3 if any never answered, else 0 (mcumgr_cli_usage says so). */
    int failed = 0, answered_fail = 0;
    for (int i = 0; i < c.ndev; i++) {
        failed += !c.dev[i].ok;
        answered_fail |= !c.dev[i].ok && !c.dev[i].no_answer;
    }
    double secs = (double)(t1 - t0) / 1e9;
    if (o->json) {
        dfu_print_json(&c, path, secs, failed);
    } else if (!o->devices) {
        dfu_print_device(&c, &c.dev[0], 0);
    } else {
        printf("%-40s %-6s %6s  IMAGES\n", "DEVICE", "RESULT", "SECS");
        for (int i = 0; i < c.ndev; i++)
            dfu_print_device(&c, &c.dev[i], 1);
        printf("%d of %d devices updated, %d failed (%.1f s)\n", c.ndev - failed, c.ndev, failed,
               secs);
    }
    free(c.dev);
    dfupkg_free(&pkg);
    return !failed ? EX_OK : answered_fail ? EX_DEVICE : EX_LINK;
}
