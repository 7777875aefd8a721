#include "sim_ble.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "hci_ctlr.h"
#include "hostio.h"

static long long now_ms(void)
{
    return hostio_now_ns() / 1000000;
}

static int ctlr_write(void *arg, const uint8_t *h4, size_t len)
{
    sim_ble_t *b = arg;
    return b->fd >= 0 ? hostio_write_all(b->fd, h4, len) : -1;
}

/* lib/ble's log hook: the simulator's console is stdout. */
static void log_line(void *arg, const char *line)
{
    (void)arg;
    printf("%s\n", line);
}

static void on_smp(void *arg, const uint8_t *pkt, size_t len, uint64_t peer)
{
    sim_ble_t *b = arg;
    if (b->app)
        extxip_smp_process(b->app->srv, pkt, len, b->tx, b->app->buf_size, peer, extxip_ble_periph_send_smp,
                    &b->host);
}

/* The device's random numbers (nonces, keys, passkeys): the host's CSPRNG. */
static int sim_rng(void *arg, unsigned char *out, size_t n)
{
    (void)arg;
    while (n) {
        ssize_t r = getrandom(out, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        out += r;
        n -= (size_t)r;
    }
    return 0;
}

int sim_ble_open(sim_ble_t *b, const char *spec)
{
    char err[256];
    memset(b, 0, sizeof *b);
    b->passkey = -1;
    b->fd = hci_ctlr_open(spec, err, sizeof err);
    if (b->fd < 0) {
        fprintf(stderr, "extxip-sim: --ble: %s\n", err);
        return -1;
    }
    return 0;
}

void sim_ble_boot(sim_ble_t *b, sim_services_t *app, const char *name, uint32_t buf_size)
{
    extxip_ble_h4_rx_init(&b->h4);
    b->app = app;
    extxip_ble_periph_init(&b->host, name, buf_size, ctlr_write, b, on_smp, b);
    b->host.log = log_line;
    /* The sample (security none, no passkey) is built without CONFIG_BT_SMP:
     * pairing is refused (Pairing Not Supported). Otherwise LE Secure
     * Connections pairing with bonds in the settings store. */
    extxip_ble_bonds_ops(&b->bonds, app ? &app->app.kvs : NULL, 0, &b->bond_ops);
    if (b->sec_level || b->passkey >= 0)
        extxip_ble_periph_security(&b->host, b->sec_level, b->passkey, sim_rng, NULL,
                                   app ? &b->bond_ops : NULL);
    if (app)
        extxip_ble_periph_start(&b->host, now_ms());
}

int sim_ble_readable(sim_ble_t *b)
{
    uint8_t buf[4096];
    ssize_t r = read(b->fd, buf, sizeof buf);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (r <= 0) {
        printf("ble: controller link closed%s%s\n", r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
        close(b->fd);
        b->fd = -1;
        return -1;
    }
    if (b->app)
        extxip_ble_periph_rx(&b->host, &b->h4, buf, (size_t)r, now_ms());
    fflush(stdout);
    return 0;
}

void sim_ble_poll(sim_ble_t *b)
{
    if (b->fd >= 0 && b->app)
        extxip_ble_periph_poll(&b->host, now_ms());
}

void sim_ble_before_reset(sim_ble_t *b)
{
    if (b->fd < 0 || !b->app)
        return;
    long long end = now_ms() + 2000;
    int asked = 0;
    while (b->fd >= 0 && b->host.connected && now_ms() < end) {
        if (!asked && extxip_ble_periph_idle(&b->host)) {
            extxip_ble_periph_disconnect(&b->host);
            asked = 1;
        }
        struct pollfd pfd = {b->fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) > 0)
            sim_ble_readable(b);
        sim_ble_poll(b);
    }
    fflush(stdout);
}

void sim_ble_close(sim_ble_t *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
}
