/*
 * OS group tests through the real dispatcher (docs/protocol.md §6, §15.1, §15.5):
 * reply bytes as Zephyr emits them, v1/v2 error forms, and refusals.
 */
#include <stdlib.h>

#include "mgmt/os_mgmt.h"
#include "testutil.h"

/* ------------------------------------------------------------ fake port */

typedef struct fake {
    int events[8]; /* 1 = reply output, 2 = reset */
    int nev;
    bool refuse_unless_force;
    bool last_force;
    int clock_rc;
    extxip_os_mgmt_datetime_t now;
    extxip_os_mgmt_datetime_t set;
    int set_rc;
    int nset;
} fake_t;

static fake_t fk;

static void f_reset(void *arg)
{
    fake_t *f = arg;
    if (f->nev < 8) {
        f->events[f->nev++] = 2;
    }
}

static int f_reset_check(void *arg, bool force)
{
    fake_t *f = arg;
    f->last_force = force;
    return (f->refuse_unless_force && !force) ? MGMT_ERR_EBUSY : 0;
}

static int f_get(void *arg, extxip_os_mgmt_datetime_t *dt)
{
    fake_t *f = arg;
    *dt = f->now;
    return f->clock_rc;
}

static int f_set(void *arg, const extxip_os_mgmt_datetime_t *dt)
{
    fake_t *f = arg;
    f->set = *dt;
    f->nset++;
    return f->set_rc;
}

static int f_task(void *arg, uint32_t i, extxip_os_mgmt_task_t *t)
{
    (void)arg;
    if (i == 0) {
        *t = (extxip_os_mgmt_task_t){ .name = "idle", .prio = 15, .state = 0, .has_stack = true, .stksiz = 80, .stkuse = 20 };
        return 0;
    }
    if (i == 1) {
        *t = (extxip_os_mgmt_task_t){ .name = NULL, .prio = -2, .state = 4 };
        return 0;
    }
    return 1;
}

static extxip_os_mgmt_port_t port = {
    .arg = &fk,
    .buf_size = 2475,
    .buf_count = 4,
    .reset_check = f_reset_check,
    .reset = f_reset,
    .kernel_name = "extxip",
    .node_name = "sim",
    .kernel_release = "v0.1",
    .kernel_version = "0.1.0",
    .machine = "arm",
    .processor = "cortex-m33",
    .platform = "nrf5340dk@1.0",
    .os_name = "extxip",
    .boot_mode = OS_MGMT_BOOT_MODE_OVERWRITE_ONLY,
    .datetime_get = f_get,
    .datetime_set = f_set,
    .task_get = f_task,
};
static const extxip_os_mgmt_port_t empty_port = { 0 };

static extxip_smp_server_t srv;
static extxip_os_mgmt_t os;
static uint8_t tx[SMP_BUF_SIZE];
static uint8_t rsp[SMP_BUF_SIZE];
static size_t rsp_len;
static int nrsp;

static int out(void *arg, const uint8_t *p, size_t n)
{
    (void)arg;
    memcpy(rsp, p, n);
    rsp_len = n;
    nrsp++;
    if (fk.nev < 8) {
        fk.events[fk.nev++] = 1;
    }
    return 0;
}

static void setup(const extxip_os_mgmt_port_t *p)
{
    extxip_smp_server_init(&srv);
    extxip_os_mgmt_init(&os, p);
    CHECK_EQ(extxip_os_mgmt_register(&os, &srv), 0);
}

/* Send one request (v = 0/1, op, cmd, body) and return the response body. */
static const uint8_t *req(uint8_t v, uint8_t op, uint8_t id, const uint8_t *body, size_t bn, size_t *out_n)
{
    uint8_t *r = malloc(8 + bn);
    r[0] = (uint8_t)((v << 3) | op);
    r[1] = 0;
    r[2] = (uint8_t)(bn >> 8);
    r[3] = (uint8_t)bn;
    r[4] = 0;
    r[5] = 0;
    r[6] = 0x11;
    r[7] = id;
    if (bn) {
        memcpy(r + 8, body, bn);
    }
    nrsp = 0;
    rsp_len = 0;
    if (fk.nev >= 6) {
        fk.nev = 0; /* tests that look at events reset it themselves */
    }
    extxip_smp_process(&srv, r, 8 + bn, tx, sizeof(tx), 0, out, NULL);
    free(r);
    CHECK_EQ(nrsp, 1);
    if (nrsp == 1) {
        CHECK_EQ(rsp[0], (uint8_t)((v << 3) | (op == 0 ? 1 : 3)));
        CHECK_EQ(rsp[6], 0x11);
        CHECK_EQ(rsp[7], id);
        CHECK_EQ(((size_t)rsp[2] << 8 | rsp[3]) + 8, rsp_len);
    }
    *out_n = rsp_len >= 8 ? rsp_len - 8 : 0;
    return rsp + 8;
}

#define BODY_IS(got, n, ...)                                              \
    do {                                                                  \
        const uint8_t want_[] = { __VA_ARGS__ };                          \
        CHECK_EQ((n), sizeof(want_));                                     \
        if ((n) == sizeof(want_)) {                                       \
            CHECK_MEM((got), want_, sizeof(want_));                       \
        }                                                                 \
    } while (0)

static const uint8_t EMPTY_MAP[] = { 0xa0 };

static void test_echo(void)
{
    size_t n;
    const uint8_t hello[] = { 0xa1, 0x61, 0x64, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f };
    const uint8_t *b = req(0, SMP_OP_WRITE, 0, hello, sizeof(hello), &n);
    BODY_IS(b, n, 0xbf, 0x61, 0x72, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xff); /* docs/protocol.md §15.1 */
    b = req(1, SMP_OP_READ, 0, hello, sizeof(hello), &n);
    BODY_IS(b, n, 0xbf, 0x61, 0x72, 0x65, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xff);
    b = req(0, SMP_OP_WRITE, 0, EMPTY_MAP, 1, &n); /* no "d" → "" */
    BODY_IS(b, n, 0xbf, 0x61, 0x72, 0x60, 0xff);
    b = req(0, SMP_OP_WRITE, 0, NULL, 0, &n); /* empty body → EINVAL */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
    const uint8_t bad[] = { 0xa1, 0x61, 0x64, 0x41, 0x00 }; /* "d" as bytes */
    b = req(0, SMP_OP_WRITE, 0, bad, sizeof(bad), &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
}

static void test_params(void)
{
    size_t n;
    const uint8_t *b = req(0, SMP_OP_READ, 6, EMPTY_MAP, 1, &n); /* docs/protocol.md §15.5 */
    BODY_IS(b, n, 0xbf, 0x68, 0x62, 0x75, 0x66, 0x5f, 0x73, 0x69, 0x7a, 0x65, 0x19, 0x09, 0xab, 0x69, 0x62, 0x75,
            0x66, 0x5f, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x04, 0xff);
    b = req(0, SMP_OP_READ, 6, NULL, 0, &n); /* payload not parsed */
    CHECK_EQ(n, 25);
    b = req(0, SMP_OP_WRITE, 6, EMPTY_MAP, 1, &n); /* no write handler */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x08, 0xff);
}

static void test_reset(void)
{
    size_t n;
    memset(&fk, 0, sizeof(fk));
    const uint8_t *b = req(0, SMP_OP_WRITE, 5, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK_EQ(fk.nev, 2);
    CHECK_EQ(fk.events[0], 1); /* reply first */
    CHECK_EQ(fk.events[1], 2); /* then the reset */

    /* a hook refusing the reset → EBUSY and no reset; force as int or bool passes */
    memset(&fk, 0, sizeof(fk));
    fk.refuse_unless_force = true;
    b = req(0, SMP_OP_WRITE, 5, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x0a, 0xff);
    CHECK_EQ(fk.nev, 1);
    const uint8_t fi[] = { 0xa1, 0x65, 'f', 'o', 'r', 'c', 'e', 0x01 };
    const uint8_t fb[] = { 0xa1, 0x65, 'f', 'o', 'r', 'c', 'e', 0xf5 };
    fk.nev = 0;
    b = req(0, SMP_OP_WRITE, 5, fi, sizeof(fi), &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK(fk.last_force);
    CHECK_EQ(fk.nev, 2);
    fk.nev = 0;
    b = req(1, SMP_OP_WRITE, 5, fb, sizeof(fb), &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK(fk.last_force);
    /* an undecodable body is ignored (force false), as Zephyr does */
    fk.refuse_unless_force = false;
    fk.nev = 0;
    const uint8_t junk[] = { 0xa1, 0x65, 'f', 'o', 'r', 'c', 'e', 0x61, 'x' };
    b = req(0, SMP_OP_WRITE, 5, junk, sizeof(junk), &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK(!fk.last_force);
    CHECK_EQ(fk.nev, 2);
    /* READ → ENOTSUP, no reset */
    fk.nev = 0;
    b = req(0, SMP_OP_READ, 5, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x08, 0xff);
    CHECK_EQ(fk.nev, 1);
}

static const uint8_t *info(uint8_t v, const char *fmt, size_t *n)
{
    uint8_t body[64];
    size_t k = 0;
    body[k++] = 0xa1;
    body[k++] = 0x66;
    memcpy(body + k, "format", 6);
    k += 6;
    body[k++] = (uint8_t)(0x60 + strlen(fmt));
    memcpy(body + k, fmt, strlen(fmt));
    k += strlen(fmt);
    return req(v, SMP_OP_READ, 7, body, k, n);
}

static bool output_is(const uint8_t *b, size_t n, const char *text)
{
    /* bf 66 "output" <tstr> ff */
    size_t tl = strlen(text);
    size_t hl = tl < 24 ? 1 : 2;
    if (n != 1 + 7 + hl + tl + 1 || b[0] != 0xbf || memcmp(b + 1, "\x66output", 7) != 0) {
        return false;
    }
    return memcmp(b + 8 + hl, text, tl) == 0 && b[n - 1] == 0xff;
}

static void test_info(void)
{
    size_t n;
    const uint8_t *b = req(0, SMP_OP_READ, 7, EMPTY_MAP, 1, &n);
    CHECK(output_is(b, n, "extxip"));
    b = info(0, "", &n);
    CHECK(output_is(b, n, "extxip"));
    b = info(0, "vs", &n); /* order fixed by the field order, not the request */
    CHECK(output_is(b, n, "extxip 0.1.0"));
    b = info(0, "a", &n); /* 'b' not available → left out */
    CHECK(output_is(b, n, "extxip sim v0.1 0.1.0 arm cortex-m33 nrf5340dk@1.0 extxip"));
    b = info(1, "x", &n); /* v2: err OS/2 */
    BODY_IS(b, n, 0xbf, 0x63, 0x65, 0x72, 0x72, 0xbf, 0x65, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x00, 0x62, 0x72, 0x63,
            0x02, 0xff, 0xff);
    b = info(0, "sx", &n); /* v1: rc 3 */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
    b = info(0, "b", &n); /* no build date configured: invalid */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
    const uint8_t wrong[] = { 0xa1, 0x66, 'f', 'o', 'r', 'm', 'a', 't', 0x01 };
    b = req(0, SMP_OP_READ, 7, wrong, sizeof(wrong), &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);

    extxip_os_mgmt_port_t p2 = port;
    p2.build_date_time = "2025-01-01T00:00:00";
    static char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    setup(&p2);
    b = info(0, "bs", &n);
    CHECK(output_is(b, n, "extxip 2025-01-01T00:00:00"));
    p2.node_name = longname;
    b = info(0, "n", &n); /* > 256 characters → EMSGSIZE */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x07, 0xff);
    setup(&port);
}

static void test_bootloader_info(void)
{
    size_t n;
    const uint8_t *b = req(0, SMP_OP_READ, 8, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x6a, 'b', 'o', 'o', 't', 'l', 'o', 'a', 'd', 'e', 'r', 0x67, 'M', 'C', 'U', 'b', 'o', 'o',
            't', 0xff);
    const uint8_t mode[] = { 0xa1, 0x65, 'q', 'u', 'e', 'r', 'y', 0x64, 'm', 'o', 'd', 'e' };
    b = req(0, SMP_OP_READ, 8, mode, sizeof(mode), &n);
    BODY_IS(b, n, 0xbf, 0x64, 'm', 'o', 'd', 'e', 0x02, 0xff);
    const uint8_t other[] = { 0xa1, 0x65, 'q', 'u', 'e', 'r', 'y', 0x63, 'f', 'o', 'o' };
    b = req(1, SMP_OP_READ, 8, other, sizeof(other), &n); /* v2 err OS/3 */
    BODY_IS(b, n, 0xbf, 0x63, 0x65, 0x72, 0x72, 0xbf, 0x65, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x00, 0x62, 0x72, 0x63,
            0x03, 0xff, 0xff);
    b = req(0, SMP_OP_READ, 8, other, sizeof(other), &n); /* v1 rc 5 */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x05, 0xff);
    const uint8_t notstr[] = { 0xa1, 0x65, 'q', 'u', 'e', 'r', 'y', 0xa0 };
    b = req(0, SMP_OP_READ, 8, notstr, sizeof(notstr), &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);

    extxip_os_mgmt_port_t p2 = port;
    p2.no_downgrade = true;
    setup(&p2);
    b = req(0, SMP_OP_READ, 8, mode, sizeof(mode), &n);
    BODY_IS(b, n, 0xbf, 0x64, 'm', 'o', 'd', 'e', 0x02, 0x6c, 'n', 'o', '-', 'd', 'o', 'w', 'n', 'g', 'r', 'a', 'd',
            'e', 0xf5, 0xff);
    setup(&port);
}

static const uint8_t *dt_set(const char *s, size_t *n)
{
    uint8_t body[64];
    size_t k = 0;
    body[k++] = 0xa1;
    body[k++] = 0x68;
    memcpy(body + k, "datetime", 8);
    k += 8;
    if (strlen(s) >= 24) {
        body[k++] = 0x78;
        body[k++] = (uint8_t)strlen(s);
    } else {
        body[k++] = (uint8_t)(0x60 + strlen(s));
    }
    memcpy(body + k, s, strlen(s));
    k += strlen(s);
    return req(0, SMP_OP_WRITE, 4, body, k, n);
}

static void test_datetime(void)
{
    size_t n;
    memset(&fk, 0, sizeof(fk));
    fk.now = (extxip_os_mgmt_datetime_t){ 2024, 1, 2, 3, 4, 5, 7 };
    const uint8_t *b = req(0, SMP_OP_READ, 4, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x68, 'd', 'a', 't', 'e', 't', 'i', 'm', 'e', 0x73, '2', '0', '2', '4', '-', '0', '1', '-',
            '0', '2', 'T', '0', '3', ':', '0', '4', ':', '0', '5', 0xff);
    fk.clock_rc = OS_MGMT_CLOCK_NOT_SET;
    b = req(1, SMP_OP_READ, 4, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x63, 0x65, 0x72, 0x72, 0xbf, 0x65, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x00, 0x62, 0x72, 0x63,
            0x04, 0xff, 0xff);
    b = req(0, SMP_OP_READ, 4, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x05, 0xff);
    fk.clock_rc = OS_MGMT_CLOCK_FAILED;
    b = req(0, SMP_OP_READ, 4, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x01, 0xff);
    fk.clock_rc = 0;

    b = dt_set("2024-06-30T23:59:59", &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK_EQ(fk.set.year, 2024);
    CHECK_EQ(fk.set.month, 6);
    CHECK_EQ(fk.set.day, 30);
    CHECK_EQ(fk.set.hour, 23);
    CHECK_EQ(fk.set.second, 59);
    b = dt_set("2024-06-30 23:59:59+02:00", &n); /* any delimiter, zone ignored */
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK_EQ(fk.nset, 2);
    const char *bad[] = { "2024-06-30T23:59:5", "2024-06-30T23:59:59+02:00X", "2024-13-30T23:59:59",
                          "2024-06-30T24:00:00", "1899-06-30T23:59:59", "2024-06-xxT23:59:59",
                          "2024-06-30T23:59:60" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b = dt_set(bad[i], &n);
        BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
    }
    CHECK_EQ(fk.nset, 2);
    b = req(0, SMP_OP_WRITE, 4, EMPTY_MAP, 1, &n); /* missing "datetime" → EINVAL */
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x03, 0xff);
    fk.set_rc = OS_MGMT_CLOCK_FAILED;
    b = dt_set("2024-06-30T23:59:59", &n);
    BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x01, 0xff);

    /* with milliseconds */
    extxip_os_mgmt_port_t p2 = port;
    p2.datetime_ms = true;
    setup(&p2);
    fk.set_rc = 0;
    b = req(0, SMP_OP_READ, 4, EMPTY_MAP, 1, &n);
    CHECK_EQ(n, 1 + 9 + 1 + 21 + 1);
    CHECK_MEM(b + 11 + 19, ".7", 2); /* Zephyr prints ".%d" */
    b = dt_set("2024-06-30T23:59:59.250", &n);
    BODY_IS(b, n, 0xbf, 0xff);
    CHECK_EQ(fk.set.ms, 250);
    setup(&port);
}

static void test_taskstat(void)
{
    size_t n;
    const uint8_t *b = req(0, SMP_OP_READ, 2, EMPTY_MAP, 1, &n);
    BODY_IS(b, n, 0xbf, 0x65, 't', 'a', 's', 'k', 's', 0xbf,
            /* "idle": {"prio":15,"tid":0,"state":0,"stksiz":80,"stkuse":20} */
            0x64, 'i', 'd', 'l', 'e', 0xbf, 0x64, 'p', 'r', 'i', 'o', 0x0f, 0x63, 't', 'i', 'd', 0x00, 0x65, 's', 't',
            'a', 't', 'e', 0x00, 0x66, 's', 't', 'k', 's', 'i', 'z', 0x18, 0x50, 0x66, 's', 't', 'k', 'u', 's', 'e',
            0x14, 0xff,
            /* "1": {"prio":-2,"tid":1,"state":4} */
            0x61, '1', 0xbf, 0x64, 'p', 'r', 'i', 'o', 0x21, 0x63, 't', 'i', 'd', 0x01, 0x65, 's', 't', 'a', 't', 'e',
            0x04, 0xff, 0xff, 0xff);
}

static void test_unsupported(void)
{
    size_t n;
    const uint8_t *b;
    for (uint8_t id = 1; id < 12; id += 2) { /* 1 console echo, 3 mpstat, 9, 11 unknown; 5 READ, 7 WRITE */
        b = req(0, id == 5 ? SMP_OP_READ : (id == 7 ? SMP_OP_WRITE : SMP_OP_READ), id, EMPTY_MAP, 1, &n);
        BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x08, 0xff);
    }
    /* a port without the optional services */
    setup(&empty_port);
    const uint8_t ids[] = { 2, 4, 5, 6 };
    for (size_t i = 0; i < sizeof(ids); i++) {
        b = req(0, ids[i] == 5 ? SMP_OP_WRITE : SMP_OP_READ, ids[i], EMPTY_MAP, 1, &n);
        BODY_IS(b, n, 0xbf, 0x62, 0x72, 0x63, 0x08, 0xff);
    }
    b = req(0, SMP_OP_READ, 7, EMPTY_MAP, 1, &n); /* info works with defaults */
    CHECK(output_is(b, n, "unknown"));
    setup(&port);
}

int main(void)
{
    setup(&port);
    test_echo();
    test_params();
    test_reset();
    test_info();
    test_bootloader_info();
    test_datetime();
    test_taskstat();
    test_unsupported();
    return tu_finish("test_os_mgmt");
}
