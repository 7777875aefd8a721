/*
 * bench-pace: a relay that makes a PTY behave like a UART line at a given
 * baud, so a serial upload over the simulator's PTY takes the time a real
 * wire would. A PTY moves bytes instantly; this relay sits between the
 * client and the device and delivers each byte only when a UART sending
 * 10 bits per byte (start, 8 data, stop) would have finished it. Each
 * direction is an independent, full-duplex line: a byte waits for the bytes
 * queued before it in the same direction, never for the other direction.
 *
 *   bench-pace --baud B --dev DEVICE_PTY --link PATH
 *
 * DEVICE_PTY is the simulator's serial link (extxip-sim --serial-link);
 * PATH becomes a symlink to a new PTY slave for the client to open.
 * Runs until SIGTERM/SIGINT; prints the bytes carried each way on exit.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RING (1u << 20)

typedef struct line {
    int in_fd, out_fd;
    uint8_t *buf;          /* ring of bytes still on the wire */
    size_t head, len;      /* head = oldest byte */
    long long next_done;   /* completion time of the oldest byte (valid when len > 0) */
    long long line_free;   /* when the last delivered byte finished */
    uint8_t out[4096];     /* delivered but not yet accepted by the receiver's PTY */
    size_t out_len;
    unsigned long long carried;
    long long idle_ns;     /* line idle between its first and last byte */
    long long gaps;        /* number of idle gaps */
    int is_up;
} line_t;

static long long byte_ns;
static volatile sig_atomic_t stop;

static void on_sig(int s)
{
    (void)s;
    stop = 1;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int set_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

/* Read what is available into the ring; the bytes start their trip now (or
 * when the line frees up). */
static void line_read(line_t *l, long long now)
{
    uint8_t tmp[4096];
    size_t room = RING - l->len;
    if (room == 0)
        return;
    ssize_t r = read(l->in_fd, tmp, room < sizeof tmp ? room : sizeof tmp);
    if (r <= 0)
        return;
    if (l->len == 0) {
        long long start = now > l->line_free ? now : l->line_free;
        if (l->carried && now > l->line_free) {
            l->idle_ns += now - l->line_free;
            l->gaps++;
            if (l->is_up && getenv("BENCH_PACE_GAPS") && now - l->line_free > 1000000)
                printf("gap %.3f ms after %llu bytes\n", (double)(now - l->line_free) / 1e6,
                       l->carried);
        }
        l->next_done = start + byte_ns;
    }
    for (ssize_t i = 0; i < r; i++)
        l->buf[(l->head + l->len + (size_t)i) % RING] = tmp[i];
    l->len += (size_t)r;
}

/* Hand over every byte whose last bit has arrived by `now`. */
static void line_deliver(line_t *l, long long now)
{
    if (l->out_len) {
        ssize_t w = write(l->out_fd, l->out, l->out_len);
        if (w > 0) {
            memmove(l->out, l->out + w, l->out_len - (size_t)w);
            l->out_len -= (size_t)w;
        }
    }
    while (l->len && now >= l->next_done && l->out_len < sizeof l->out) {
        size_t k = (size_t)((now - l->next_done) / byte_ns) + 1;
        if (k > l->len)
            k = l->len;
        if (k > sizeof l->out - l->out_len)
            k = sizeof l->out - l->out_len;
        for (size_t i = 0; i < k; i++)
            l->out[l->out_len++] = l->buf[(l->head + i) % RING];
        l->head = (l->head + k) % RING;
        l->len -= k;
        l->carried += k;
        l->line_free = l->next_done + (long long)(k - 1) * byte_ns;
        l->next_done = l->line_free + byte_ns;
        ssize_t w = write(l->out_fd, l->out, l->out_len);
        if (w > 0) {
            memmove(l->out, l->out + w, l->out_len - (size_t)w);
            l->out_len -= (size_t)w;
        }
    }
}

int main(int argc, char **argv)
{
    long baud = 0;
    const char *dev = NULL, *link = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--baud") == 0)
            baud = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dev") == 0)
            dev = argv[i + 1];
        else if (strcmp(argv[i], "--link") == 0)
            link = argv[i + 1];
    }
    if (baud <= 0 || !dev || !link) {
        fprintf(stderr, "usage: bench-pace --baud B --dev DEVICE_PTY --link PATH\n");
        return 2;
    }
    byte_ns = 10LL * 1000000000LL / baud; /* 10 bits per byte */

    int dfd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (dfd < 0 || set_raw(dfd) != 0) {
        fprintf(stderr, "bench-pace: cannot open %s: %s\n", dev, strerror(errno));
        return 1;
    }
    int mfd = posix_openpt(O_RDWR | O_NOCTTY);
    if (mfd < 0 || grantpt(mfd) != 0 || unlockpt(mfd) != 0) {
        fprintf(stderr, "bench-pace: no PTY: %s\n", strerror(errno));
        return 1;
    }
    const char *slave = ptsname(mfd);
    /* Keep the slave open ourselves so the master does not see EIO between
     * client runs, and make the line raw before the client opens it. */
    int keep = open(slave, O_RDWR | O_NOCTTY);
    if (keep < 0 || set_raw(keep) != 0) {
        fprintf(stderr, "bench-pace: cannot open %s\n", slave);
        return 1;
    }
    fcntl(mfd, F_SETFL, fcntl(mfd, F_GETFL) | O_NONBLOCK);
    unlink(link);
    if (symlink(slave, link) != 0) {
        fprintf(stderr, "bench-pace: cannot link %s: %s\n", link, strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    static line_t up, down; /* up: client -> device; down: device -> client */
    up = (line_t){.in_fd = mfd, .out_fd = dfd, .buf = malloc(RING), .is_up = 1};
    down = (line_t){.in_fd = dfd, .out_fd = mfd, .buf = malloc(RING)};
    if (!up.buf || !down.buf)
        return 1;
    printf("bench-pace: %ld baud (%lld ns/byte), client side %s\n", baud, byte_ns, link);
    fflush(stdout);

    while (!stop) {
        long long now = now_ns();
        line_deliver(&up, now);
        line_deliver(&down, now);
        long long wait = 100000000LL; /* 100 ms: re-check stop */
        line_t *ls[2] = {&up, &down};
        for (int i = 0; i < 2; i++) {
            if (ls[i]->len && ls[i]->next_done - now < wait)
                wait = ls[i]->next_done - now;
            if (ls[i]->out_len && wait > 1000000)
                wait = 1000000;
        }
        if (wait < 0)
            wait = 0;
        struct pollfd p[2] = {{mfd, POLLIN, 0}, {dfd, POLLIN, 0}};
        struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
        int pr = ppoll(p, 2, &ts, NULL);
        if (pr < 0 && errno != EINTR)
            break;
        now = now_ns();
        if (pr > 0 && (p[0].revents & POLLIN))
            line_read(&up, now);
        if (pr > 0 && (p[1].revents & POLLIN))
            line_read(&down, now);
        if (pr > 0 && (p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) {
            struct timespec s = {0, 1000000};
            nanosleep(&s, NULL); /* client side closed: wait for the next one */
        }
    }
    unlink(link);
    printf("bench-pace: carried %llu bytes up, %llu bytes down\n", up.carried, down.carried);
    printf("bench-pace: up line idle %.3f s in %lld gaps\n", (double)up.idle_ns / 1e9, up.gaps);
    return 0;
}
