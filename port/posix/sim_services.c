#include "sim_services.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hostio.h"
#include "sim_fs.h"

static void sim_reset(void *arg)
{
    sim_services_t *s = arg;
    s->resets++;
    s->reset_requested = 1;
}

static long long now_ms(void)
{
    return hostio_now_ns() / 1000000LL;
}

static uint64_t clock_ms(void *arg)
{
    (void)arg;
    return (uint64_t)now_ms();
}

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int dt_set(void *arg, const extxip_os_mgmt_datetime_t *dt)
{
    sim_services_t *s = arg;
    long long days = days_from_civil(dt->year, dt->month, dt->day);
    if (days < 0)
        return OS_MGMT_CLOCK_FAILED; /* the simulated RTC counts from 1970: say it failed */
    long long ms = ((days * 24 + dt->hour) * 60 + dt->minute) * 60000LL + dt->second * 1000LL +
                   dt->ms;
    s->rtc_offset_ms = ms - now_ms();
    s->rtc_set = 1;
    return OS_MGMT_CLOCK_OK;
}

static int dt_get(void *arg, extxip_os_mgmt_datetime_t *dt)
{
    sim_services_t *s = arg;
    if (!s->rtc_set)
        return OS_MGMT_CLOCK_NOT_SET;
    long long ms = now_ms() + s->rtc_offset_ms;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&secs, &tm))
        return OS_MGMT_CLOCK_FAILED;
    dt->year = (uint16_t)(tm.tm_year + 1900);
    dt->month = (uint8_t)(tm.tm_mon + 1);
    dt->day = (uint8_t)tm.tm_mday;
    dt->hour = (uint8_t)tm.tm_hour;
    dt->minute = (uint8_t)tm.tm_min;
    dt->second = (uint8_t)tm.tm_sec;
    dt->ms = (uint16_t)(ms % 1000);
    return OS_MGMT_CLOCK_OK;
}

/* The simulated application is one thread: its main loop. Say so, with the
 * stack figures Zephyr sends when it has thread stack info (an nRF5340
 * build does; keys "stksiz" then "stkuse", both in 4-byte words): the size is
 * the process's stack limit, the use is the deepest the stack has been seen
 * below the point where the application started (measured here, at each
 * taskstat, so it is a lower bound of the true high-water mark). */
static int task_get(void *arg, uint32_t index, extxip_os_mgmt_task_t *t)
{
    sim_services_t *s = arg;
    if (index != 0)
        return -1;
    memset(t, 0, sizeof *t);
    t->name = "main";
    t->prio = 0;
    t->state = 0;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (s->stack_base > here && s->stack_base - here > s->stack_deepest)
        s->stack_deepest = s->stack_base - here;
    struct rlimit rl;
    uint64_t size = 8u << 20; /* Linux's usual default */
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        size = rl.rlim_cur;
    t->has_stack = true;
    t->stksiz = size / 4 > UINT32_MAX ? UINT32_MAX : (uint32_t)(size / 4);
    t->stkuse = (uint32_t)(s->stack_deepest / 4);
    return 0;
}

/* Recovery: an operator's upload of a linked image is named in the
 * bootloader's pair record, so the set they send moves as one. */
static void recovery_uploaded(void *arg, uint8_t image, const uint8_t *hash)
{
    sim_device_t *d = arg;
    if (image < BOOT_IMAGE_MAX && (d->boot_opt.linked_mask & (1u << image)))
        (void)extxip_boot_pair_mark(&d->boot_state, &d->layout.map, image, hash);
}

static int services_start(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c,
                          bool recovery);

/* ---- statistics: counters a user can read with `stat <group>` ---------- */

static const char *const f_svr[] = {"ticks"};
static const char *const f_smp[] = {"udp_req", "udp_err", "serial_req", "serial_err"};
static const char *const f_img[] = {"upload_bytes", "resumed", "storage_erase"};
static const char *const f_flash[] = {"app_erase", "app_prog", "net_erase",
                                      "net_prog", "qspi_erase", "qspi_prog"};
static const char *const f_boot[] = {"boots", "resets"};
static const char *const f_settings[] = {"writes", "gcs", "commits"};
static const char *const f_fs[] = {"bytes_up", "bytes_down"};

static void rd_fs(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = s->fs.bytes_up;
    v[1] = s->fs.bytes_down;
}

/* The file system belongs to the board (a directory beside the flash files):
 * opened once, kept across resets. */
static sim_fs_t board_fs = {.root = -1, .fd = -1};
static const extxip_settings_root_t board_roots[] = {EXTXIP_BOARD_SETTINGS_ROOTS};
#define SIM_FS_MAX_FILE (16u * 1024u * 1024u)

static void rd_settings(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = s->app.kvs.writes;
    v[1] = s->app.kvs.gcs;
    v[2] = s->app.set_port.commits;
}

static void rd_svr(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = (uint64_t)(now_ms() - s->boot_ms) / 1000u; /* seconds since boot, as the sample */
}

static void rd_smp(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = s->xport_req[SIM_XPORT_UDP];
    v[1] = s->xport_err[SIM_XPORT_UDP];
    v[2] = s->xport_req[SIM_XPORT_SERIAL];
    v[3] = s->xport_err[SIM_XPORT_SERIAL];
}

static void rd_img(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = s->app.img.upload_bytes;
    v[1] = s->resumed;
    v[2] = s->app.zb_port.erases;
}

static void rd_flash(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    for (int i = 0; i < SIMFLASH_BOARD_NDEV; i++) {
        simflash_stats_t st;
        simflash_stats(s->dev->board.dev[i], &st);
        v[2 * i] = st.erases;     /* sectors erased since power on */
        v[2 * i + 1] = st.programs; /* program operations since power on */
    }
}

static void rd_boot(void *arg, uint64_t *v)
{
    sim_services_t *s = arg;
    v[0] = s->boots;
    v[1] = s->resets;
}

int sim_services_process(sim_services_t *s, int xport, const uint8_t *rx, size_t len, uint8_t *tx,
                         uint64_t peer, extxip_smp_output_fn out, void *out_arg)
{
    uint32_t r0 = s->srv->requests, e0 = s->srv->errors;
    int rc = extxip_smp_process(s->srv, rx, len, tx, s->buf_size, peer, out, out_arg);
    if (xport >= 0 && xport < SIM_XPORT_COUNT) {
        s->xport_req[xport] += s->srv->requests - r0;
        s->xport_err[xport] += s->srv->errors - e0;
    }
    return rc;
}

static const char *reset_reason(void *arg)
{
    sim_services_t *s = arg;
    return s->boots <= 1 ? "power on" : "soft reset (SMP reset request)";
}

int sim_services_init(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c)
{
    return services_start(s, d, c, false);
}

int sim_services_init_recovery(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c)
{
    return services_start(s, d, c, true);
}

static int services_start(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c,
                          bool recovery)
{
    /* The DK's RTC keeps running across resets (think coin cell): at the
     * first power on it starts from the host's UTC clock; a datetime set
     * moves it and a reset (init again over the same s) keeps it. */
    int rtc_kept = s->rtc_set;
    long long rtc_offset = s->rtc_offset_ms;
    uint32_t boots = s->boots, resets = s->resets, resumed = s->resumed;
    memset(s, 0, sizeof *s);
    s->boots = boots + 1;
    s->resets = resets;
    s->resumed = resumed;
    s->dev = d;
    s->boot_ms = now_ms();
    s->stack_base = (uintptr_t)__builtin_frame_address(0);
    s->buf_size = c->buf_size;
    s->buf_count = c->buf_count;
    if (gethostname(s->node_name, sizeof s->node_name - 1) != 0)
        strcpy(s->node_name, "unknown");
    if (rtc_kept) {
        s->rtc_offset_ms = rtc_offset;
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s->rtc_offset_ms = (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - now_ms();
    }
    s->rtc_set = 1;

    extxip_os_mgmt_port_t *p = &s->os_port;
    p->arg = s;
    p->buf_size = c->buf_size;
    p->buf_count = c->buf_count;
    p->reset = sim_reset;
    p->kernel_name = "extxip";
    p->node_name = s->node_name;
    p->kernel_release = "extxip-sim";
    p->kernel_version = "0.1.0";
    p->build_date_time = __DATE__ " " __TIME__;
    p->machine = "posix";
    p->processor = "nrf5340-sim";
    p->platform = EXTXIP_BOARD_NAME;
    p->os_name = "extxip";
    p->boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY;
    p->no_downgrade = d->boot_opt.downgrade_prevention;
    p->datetime_get = dt_get;
    p->datetime_set = dt_set;
    p->task_get = task_get;

    extxip_server_config_t sc = {
        .map = &d->layout.map,
        .keys = &d->keyring,
        .target = d->boot_opt.target, /* `test` judges an image as the bootloader will */
        .last_boot = &d->boot_result,
        /* Zephyr never sends "bootReport" and strict clients (smp's models
         * forbid extra keys) reject a reply that has it: only on request. */
        .boot_report_key = c->boot_report != 0,
        .clock = clock_ms,
        .clock_arg = s,
        .os = p,
        /* As a Zephyr build with verbose errors (CONFIG_MCUMGR_SMP_VERBOSE_ERR_RESPONSE,
         * which the recorded qemu_cortex_m0 build has): a v1 error carries the handler's
         * reason, {"rc": 3, "rsn": "header malformed"} (docs/protocol.md §4.2). MCUboot's
         * serial recovery has no such option: the recovery server ignores it. */
        .verbose_err = true,
        .idle_erase = c->flash_pipeline != 0 && !recovery,
    };
    if (recovery) {
        p->bootloader_name = "MCUboot"; /* answered by the bootloader itself */
        sc.uploaded = recovery_uploaded;
        sc.uploaded_arg = d;
        s->srv = &s->rec.srv;
        s->img = &s->rec.img;
        return extxip_recovery_server_init(&s->rec, &sc);
    }

    /* Statistics: "smp_svr_stats" with "ticks" as the sample registers it,
     * then what this device can tell about itself. */
    const extxip_stat_mgmt_group_t groups[SIM_STAT_GROUPS] = {
        {"smp_svr_stats", f_svr, 1, rd_svr, s},
        {"smp", f_smp, 4, rd_smp, s},
        {"img", f_img, 3, rd_img, s},
        {"flash", f_flash, 6, rd_flash, s},
        {"boot", f_boot, 2, rd_boot, s},
        {"settings", f_settings, 3, rd_settings, s},
        {"fs", f_fs, 2, rd_fs, s},
    };
    memcpy(s->stat_groups, groups, sizeof groups);
    s->stat_port = (extxip_stat_mgmt_port_t){s->stat_groups, SIM_STAT_GROUPS};

    if (board_fs.root < 0 && c->flash_dir) {
        char fsdir[4096];
        snprintf(fsdir, sizeof fsdir, "%s/fs", c->flash_dir);
        if (sim_fs_open(&board_fs, fsdir, SIM_FS_MAX_FILE) != 0)
            fprintf(stderr, "app: no file system at %s: file group off\n", fsdir);
        board_fs.port.mount = EXTXIP_BOARD_FS_MOUNT; /* <flash dir>/fs is served as /lfs1 */
    }
    if (board_fs.root >= 0)
        board_fs.port.close(&board_fs); /* a reset closes any open file */

    sc.stats = &s->stat_port;
    sc.settings_area = FLASH_AREA_SETTINGS;
    sc.settings_roots = board_roots;
    sc.settings_root_count = sizeof board_roots / sizeof board_roots[0];
    const extxip_smp_group_t *const fs_group[] = {&s->fs.group};
    if (board_fs.root >= 0) { /* the file group, when the flash dir has room for its files */
        extxip_fs_mgmt_init(&s->fs, &board_fs.port);
        sc.extra_groups = fs_group;
        sc.extra_count = 1;
    }
    sc.reset_reason = reset_reason;
    sc.arg = s;
    s->srv = &s->app.srv;
    s->img = &s->app.img;
    if (extxip_server_init(&s->app, &sc) != 0)
        return -1;
    if (s->app.img.resumed)
        s->resumed++;
    if (!s->app.kvs_mounted)
        fprintf(stderr, "app: settings store did not mount (settings refused until it does)\n");
    return 0;
}
