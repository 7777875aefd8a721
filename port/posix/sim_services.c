#include "sim_services.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hostio.h"

static void sim_reset(void *arg)
{
    ((sim_services_t *)arg)->reset_requested = 1;
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

static int dt_set(void *arg, const os_mgmt_datetime_t *dt)
{
    sim_services_t *s = arg;
    long long days = days_from_civil(dt->year, dt->month, dt->day);
    long long ms = ((days * 24 + dt->hour) * 60 + dt->minute) * 60000LL + dt->second * 1000LL +
                   dt->ms;
    s->rtc_offset_ms = ms - now_ms();
    s->rtc_set = 1;
    return OS_MGMT_CLOCK_OK;
}

static int dt_get(void *arg, os_mgmt_datetime_t *dt)
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
static int task_get(void *arg, uint32_t index, os_mgmt_task_t *t)
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
        (void)boot_pair_mark(&d->boot_state, &d->layout.map, image, hash);
}

static int services_start(sim_services_t *s, sim_device_t *d, const sim_run_config_t *c,
                          bool recovery);

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
    memset(s, 0, sizeof *s);
    s->stack_base = (uintptr_t)__builtin_frame_address(0);
    s->buf_size = c->buf_size;
    s->buf_count = c->buf_count;
    if (gethostname(s->node_name, sizeof s->node_name - 1) != 0)
        strcpy(s->node_name, "unknown");
    smp_server_init(&s->srv);
    if (rtc_kept) {
        s->rtc_offset_ms = rtc_offset;
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s->rtc_offset_ms = (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - now_ms();
    }
    s->rtc_set = 1;

    os_mgmt_port_t *p = &s->os_port;
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
    p->platform = "nrf5340dk_nrf5340_cpuapp";
    p->os_name = "extxip";
    p->boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY;
    p->no_downgrade = d->boot_opt.downgrade_prevention;
    p->datetime_get = dt_get;
    p->datetime_set = dt_set;
    p->task_get = task_get;
    os_mgmt_init(&s->os, p);

    img_mgmt_config_t ic;
    img_mgmt_config_default(&ic);
    ic.map = &d->layout.map;
    ic.keys = &d->keyring;
    ic.last_boot = &d->boot_result;
    /* Zephyr never sends "bootReport" and strict clients (smp's models forbid
     * extra keys) reject a reply that has it: only on request (--boot-report). */
    ic.boot_report_key = c->boot_report != 0;
    ic.clock = clock_ms;
    ic.clock_arg = s;
    if (recovery) {
        ic.pending_on_upload = true;
        ic.allow_erase_pending = true; /* whatever is pending, the operator may replace it */
        ic.uploaded = recovery_uploaded;
        ic.uploaded_arg = d;
        p->bootloader_name = "MCUboot"; /* answered by the bootloader itself */
    }
    if (os_mgmt_register(&s->os, &s->srv) != 0 || img_mgmt_init(&s->img, &ic) != 0 ||
        img_mgmt_register(&s->img, &s->srv) != 0)
        return -1;
    return 0;
}
