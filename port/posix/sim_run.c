#include "sim_run.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostio.h"
#include "sim_app.h"
#include "sim_ble.h"
#include "sim_services.h"
#include "smp/smp.h"
#include "smp/smp_serial.h"

void sim_run_config_default(sim_run_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->udp = "127.0.0.1:1337";
    c->serial = 1;
    c->timing = SIMFLASH_TIMING_NONE;
    c->buf_size = SMP_BUF_SIZE;
    c->buf_count = 4;
    c->ble_passkey = -1;
    c->flash_pipeline = 1;
}

/* The QSPI driver's queue for program data (docs/flash-model.md, Overlap). */
#define SIM_QSPI_QUEUE_BYTES 4096u

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The board: what survives a device reset. */
typedef struct board_io {
    int udp_fd;
    int pty_fd, pty_keep_fd;
    char pty_path[128];
    extxip_smp_serial_rx_t serial_rx;
    uint8_t tx[SMP_BUF_SIZE];
    uint8_t line_out[8192];
    /* Where the current UDP request came from (the reply goes back there). */
    struct sockaddr_storage from;
    socklen_t from_len;
    sim_ble_t ble; /* ble.fd: the controller link (-1 = none) */
} board_io_t;

static int udp_out(void *arg, const uint8_t *pkt, size_t len)
{
    board_io_t *io = arg;
    return sendto(io->udp_fd, pkt, len, 0, (struct sockaddr *)&io->from, io->from_len) ==
                   (ssize_t)len ? 0 : -1;
}

static int serial_out(void *arg, const uint8_t *pkt, size_t len)
{
    board_io_t *io = arg;
    size_t n;
    if (extxip_smp_serial_encode(pkt, len, SMP_SERIAL_SPLIT_ZEPHYR, io->line_out, sizeof io->line_out,
                          &n) != 0)
        return -1;
    return hostio_write_all(io->pty_fd, io->line_out, n);
}

/* A stable id per UDP client (address + port), so the image group can tell
 * one uploader from another; the serial port is peer 1. */
static uint64_t udp_peer_id(const struct sockaddr_storage *a)
{
    const uint8_t *p = (const uint8_t *)a;
    size_t n = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h | (1ull << 63);
}

static int open_io(board_io_t *io, const sim_run_config_t *c)
{
    io->udp_fd = io->pty_fd = io->pty_keep_fd = io->ble.fd = -1;
    extxip_smp_serial_rx_init(&io->serial_rx);
    if (c->udp) {
        struct sockaddr_storage a;
        socklen_t alen;
        char err[256];
        if (hostio_parse_hostport(c->udp, 1337, &a, &alen, err, sizeof err) != 0) {
            fprintf(stderr, "extxip-sim: --udp: %s\n", err);
            return -1;
        }
        io->udp_fd = hostio_udp_open(&a, alen, 1);
        if (io->udp_fd < 0) {
            fprintf(stderr, "extxip-sim: cannot bind UDP %s: %s\n", c->udp, strerror(errno));
            return -1;
        }
    }
    if (c->ble && sim_ble_open(&io->ble, c->ble) != 0)
        return -1;
    io->ble.sec_level = (uint8_t)c->ble_security;
    io->ble.passkey = c->ble_passkey;
    if (c->serial) {
        io->pty_fd = hostio_pty_open(io->pty_path, sizeof io->pty_path, c->serial_link,
                                     &io->pty_keep_fd);
        if (io->pty_fd < 0) {
            fprintf(stderr, "extxip-sim: cannot open a PTY%s%s: %s\n",
                    c->serial_link ? " or link it at " : "", c->serial_link ? c->serial_link : "",
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void close_io(board_io_t *io, const sim_run_config_t *c)
{
    if (io->udp_fd >= 0)
        close(io->udp_fd);
    if (io->pty_fd >= 0)
        close(io->pty_fd);
    if (io->pty_keep_fd >= 0)
        close(io->pty_keep_fd);
    if (c->serial_link)
        unlink(c->serial_link);
    sim_ble_close(&io->ble);
}

/* A reset: whatever reached the transports while the device was rebooting
 * is lost, as on hardware (the UART has no one reading it, the network stack
 * is not up), and the serial decoder starts from nothing: a frame half-sent
 * before the reset is never completed by bytes sent after it. */
static void lose_input_across_reset(board_io_t *io)
{
    static uint8_t junk[4096];
    /* Bounded: a peer that keeps sending cannot hold the boot here; what
     * arrives after these reads is served by the new boot, as it would be. */
    for (int i = 0; io->udp_fd >= 0 && i < 1024; i++) {
        if (recv(io->udp_fd, junk, sizeof junk, MSG_DONTWAIT) < 0)
            break;
    }
    for (int i = 0; io->pty_fd >= 0 && i < 256; i++) {
        struct pollfd p = {io->pty_fd, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN) || read(io->pty_fd, junk, sizeof junk) <= 0)
            break;
    }
    extxip_smp_serial_rx_init(&io->serial_rx);
}

/* Serve until reset, stop or power cut. app == NULL: the device is halted
 * (no bootable image): input is read and dropped, nothing answers. */
static int serve(board_io_t *io, sim_services_t *app, sim_device_t *d)
{
    static uint8_t rx[65536];
    struct pollfd pfd[3];
    for (;;) {
        if (stop_requested)
            return 0;
        if (app && app->reset_requested) {
            sim_ble_before_reset(&io->ble);
            return 1;
        }
        if (simflash_power_is_cut(&d->board.power))
            return 3;
        int n = 0;
        if (io->udp_fd >= 0)
            pfd[n++] = (struct pollfd){io->udp_fd, POLLIN, 0};
        if (io->pty_fd >= 0)
            pfd[n++] = (struct pollfd){io->pty_fd, POLLIN, 0};
        if (io->ble.fd >= 0)
            pfd[n++] = (struct pollfd){io->ble.fd, POLLIN, 0};
        /* Idle work (erase when idle) runs only while no request waits:
         * poll without sleeping long, one step when nothing arrived. */
        int idle = app && extxip_img_mgmt_idle_pending(app->img);
        int pr = poll(pfd, (nfds_t)n, idle ? 1 : 200);
        if (pr == 0 && idle && extxip_img_mgmt_idle(app->img) == 0) {
            printf("app: idle erase done (%u sectors erased in the background)\n",
                   (unsigned)app->img->idle_erases);
            fflush(stdout);
        }
        if (pr < 0 && errno != EINTR)
            return -1;
        sim_ble_poll(&io->ble);
        for (int i = 0; pr > 0 && i < n; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            if (pfd[i].fd == io->ble.fd) {
                sim_ble_readable(&io->ble);
                sim_ble_poll(&io->ble);
            } else if (pfd[i].fd == io->udp_fd) {
                io->from_len = sizeof io->from;
                /* The device's receive buffer is buf_size bytes (what params
                 * advertises): a longer datagram is cut there, its header then
                 * claims more than arrived and the request is refused with
                 * rc 9 (ECORRUPT), as Zephyr's UDP transport does beyond its
                 * buffer. Never taken whole. */
                size_t cap = app ? app->buf_size : sizeof rx;
                ssize_t r = recvfrom(io->udp_fd, rx, cap, 0, (struct sockaddr *)&io->from,
                                     &io->from_len);
                if (r > 0 && app)
                    sim_services_process(app, SIM_XPORT_UDP, rx, (size_t)r, io->tx,
                                         udp_peer_id(&io->from), udp_out, io);
            } else {
                ssize_t r = read(io->pty_fd, rx, sizeof rx);
                if (r <= 0)
                    continue;
                size_t off = 0;
                while (off < (size_t)r) {
                    size_t used;
                    const uint8_t *pkt;
                    size_t pkt_len;
                    int got = extxip_smp_serial_rx_feed(&io->serial_rx, rx + off, (size_t)r - off, &used,
                                                 &pkt, &pkt_len);
                    off += used;
                    if (got == 1 && app)
                        sim_services_process(app, SIM_XPORT_SERIAL, pkt, pkt_len, io->tx, 1,
                                             serial_out, io);
                    if (used == 0 && got != 1)
                        break;
                }
            }
        }
    }
}

int sim_run(sim_device_t *d, const sim_run_config_t *c)
{
    static board_io_t io;
    static sim_services_t app;
    if (c->buf_size < 64 || c->buf_size > SMP_BUF_SIZE) {
        fprintf(stderr, "extxip-sim: --buf-size must be 64..%u\n", (unsigned)SMP_BUF_SIZE);
        return 2;
    }
    if (open_io(&io, c) != 0) {
        close_io(&io, c);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    simflash_board_set_timing(&d->board, c->timing, c->real_time);
    if (c->power_cut_after)
        simflash_power_cut_after(&d->board.power, c->power_cut_after);
    printf("extxip-sim: %s (simulated): internal %u KiB, network core %u KiB, "
           "QSPI MX25R64 %u KiB\n",
           EXTXIP_BOARD_NAME, (unsigned)(EXTXIP_BOARD_APP_FLASH_SIZE / 1024u),
           (unsigned)(EXTXIP_BOARD_NET_FLASH_SIZE / 1024u), (unsigned)(EXTXIP_BOARD_QSPI_SIZE / 1024u));
    printf("extxip-sim: memory map (pm_static.yml; id = flash area / MCUmgr slot):\n");
    pm_layout_print(&d->layout, stdout);
    if (io.udp_fd >= 0)
        printf("extxip-sim: SMP over UDP at %s\n", c->udp);
    if (io.pty_fd >= 0)
        printf("extxip-sim: SMP over serial at %s%s%s%s\n", io.pty_path,
               c->serial_link ? " (link: " : "", c->serial_link ? c->serial_link : "", c->serial_link ? ")" : "");
    if (c->serial_link)
        printf("extxip-sim: try: extxip-mcumgr --conntype serial --connstring dev=%s,baud=115200 image list\n",
               c->serial_link);
    if (io.ble.fd >= 0)
        printf("extxip-sim: SMP over BLE through the controller at %s\n", c->ble);
    if (io.udp_fd >= 0)
        printf("extxip-sim: try: extxip-mcumgr --conntype udp --connstring %s image list\n", c->udp);

    int rc;
    /* The nRF5340's RESETREAS: a lockup of the previous run (the application
     * faulted, here: its internal part found no matching XIP part) is what
     * the bootloader sees at the next start, and it answers it with serial
     * recovery instead of running the same set into the same fault. */
    int lockup = 0;
    for (unsigned boots = 1;; boots++) {
        printf("\n*** power on (boot %u) ***\n", boots);
        fflush(stdout);
        int brc = sim_device_boot(d, stdout);
        sim_services_t *running = NULL;
        const char *why = brc != 0 || !d->boot_result.consistent ? "no consistent image set"
                          : lockup                             ? "the last run locked up"
                          : c->recovery && boots == 1          ? "recovery button held"
                                                               : NULL;
        lockup = 0;
        if (simflash_power_is_cut(&d->board.power)) {
            rc = 3;
        } else if (why) {
            printf("boot: %s: serial recovery (SMP: image list, upload, reset; "
                   "an upload installs at the next reset)\n", why);
            if (sim_services_init_recovery(&app, d, c) == 0)
                running = &app;
            else
                printf("boot: recovery could not start: halted\n");
        } else if (sim_app_check_xip(d, stdout) == 0) {
            if (sim_services_init(&app, d, c) == 0)
                running = &app;
            else
                printf("app: could not start the SMP server: halted\n");
            if (running)
                printf("app: SMP server running (buf_size %u, buf_count %u)\n",
                       (unsigned)c->buf_size, (unsigned)c->buf_count);
        } else {
            printf("app: the core locks up; the watchdog resets the device\n");
            lockup = 1;
            fflush(stdout);
            lose_input_across_reset(&io);
            continue;
        }
        if (io.ble.fd >= 0)
            sim_ble_boot(&io.ble, running, c->ble_name, c->buf_size);
        fflush(stdout);
        lose_input_across_reset(&io);
        if (simflash_power_is_cut(&d->board.power)) {
            rc = 3;
        } else {
            /* The application's QSPI driver works in the background; the
             * bootloader's (as MCUboot's) completes each operation. */
            if (c->flash_pipeline)
                simflash_set_async(d->board.dev[SIMFLASH_DEV_QSPI], SIM_QSPI_QUEUE_BYTES);
            rc = serve(&io, running, d);
            simflash_set_async(d->board.dev[SIMFLASH_DEV_QSPI], 0); /* a reset: the chip finishes */
            {
                simflash_stats_t qs;
                simflash_stats(d->board.dev[SIMFLASH_DEV_QSPI], &qs);
                printf("flash: QSPI since power on: %llu sectors erased (%llu block commands), "
                       "%llu programs, modelled busy %.3f s, %llu waits for the chip\n",
                       (unsigned long long)qs.erases, (unsigned long long)qs.block_erases,
                       (unsigned long long)qs.programs, qs.time_ns / 1e9, (unsigned long long)qs.waits);
            }
            if (rc == 1) {
                printf("app: reset requested\n");
                continue;
            }
        }
        if (rc == 3)
            printf("*** power cut after flash operation %llu: device off ***\n",
                   (unsigned long long)simflash_power_ops(&d->board.power));
        break;
    }
    fflush(stdout);
    close_io(&io, c);
    return rc < 0 ? 1 : rc;
}
