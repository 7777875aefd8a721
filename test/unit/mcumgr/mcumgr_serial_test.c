/*
 * The serial link end to end over a PTY: a fake device thread on the master side
 * decodes console frames with lib/smp and answers in Zephyr's own line split, with
 * log lines interleaved. The client (the tool's link, opened from a mcumgr
 * connstring) runs echo and a windowed upload, with the default mtu and with mtu=512 and
 * mtu=2048 as Go mcumgr users type them: mtu= bounds the packet (mtu * 3 / 4 - 13), lines
 * stay at most 127 bytes whatever it says.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_device.h"
#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_conn.h"
#include "mcumgr_rsp.h"
#include "mcumgr_upload.h"
#include "smp/smp_serial.h"
#include "testutil.h"

typedef struct {
    fake_t dev;
    int master;
    pthread_t th;
    volatile int stop;
    unsigned packets;
    size_t line, longest_line; /* bytes of the line being read, of the longest one */
} ser_t;

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void *serial_device(void *arg)
{
    ser_t *s = arg;
    extxip_smp_serial_rx_t *rx = malloc(sizeof *rx);
    extxip_smp_serial_rx_init(rx);
    uint8_t in[1024], out[128], pkt[256], framed[1024];
    static const char noise[] = "[00:00:01.000,000] <inf> app: log line\r\n";
    while (!s->stop) {
        struct pollfd p = {s->master, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        ssize_t r = read(s->master, in, sizeof in);
        if (r <= 0)
            continue;
        for (ssize_t i = 0; i < r; i++) {
            s->line++;
            if (in[i] == '\n') {
                if (s->line > s->longest_line)
                    s->longest_line = s->line;
                s->line = 0;
            }
        }
        size_t pos = 0;
        while (pos < (size_t)r) {
            size_t used = 0, pl = 0;
            const uint8_t *pp = NULL;
            int got = extxip_smp_serial_rx_feed(rx, in + pos, (size_t)r - pos, &used, &pp, &pl);
            pos += used;
            if (got != 1)
                continue;
            s->packets++;
            mcumgr_hdr_t h;
            const uint8_t *b;
            if (mcumgr_pkt_parse(pp, pl, &h, &b) != 0)
                continue;
            size_t n = handle(&s->dev, &h, b, out);
            size_t rl = fake_reply_pkt(pkt, sizeof pkt, &h, out, n);
            size_t fl = 0;
            if (extxip_smp_serial_encode(pkt, rl, SMP_SERIAL_SPLIT_ZEPHYR, framed, sizeof framed, &fl) != 0)
                continue;
            write_all(s->master, (const uint8_t *)noise, sizeof noise - 1);
            write_all(s->master, framed, fl);
        }
    }
    free(rx);
    return NULL;
}

static uint8_t file[IMG_SIZE];

static void run(const char *extra, size_t expect_pkt_max, size_t expect_chunk)
{
    ser_t *s = calloc(1, sizeof *s);
    char slave[128];
    int keep = -1;
    s->master = hostio_pty_open(slave, sizeof slave, NULL, &keep);
    CHECK(s->master >= 0);
    if (s->master < 0) {
        free(s);
        return;
    }
    s->dev.buf_count = 4;
    CHECK_EQ(pthread_create(&s->th, NULL, serial_device, s), 0);

    char cs[256], err[128];
    snprintf(cs, sizeof cs, "dev=%s,baud=115200%s", slave, extra);
    mcumgr_conn_t c;
    CHECK_EQ(mcumgr_conn_parse("serial", cs, &c, err, sizeof err), 0);
    mcumgr_link_t l;
    CHECK_EQ(mcumgr_link_open(&l, &c, 1, err, sizeof err), 0);
    CHECK_EQ(l.line_chars, 124);

    uint8_t body[256], rsp[256];
    int n = mcumgr_txn(&l, MCUMGR_OP_WRITE, MCUMGR_GROUP_OS, MCUMGR_OS_ECHO, body,
                       (size_t)mcumgr_req_echo(body, sizeof body, "hello over serial"), rsp,
                       sizeof rsp, NULL, 1000, 2);
    CHECK(n > 0);
    char txt[64];
    CHECK_EQ(mcumgr_rsp_text(rsp, (size_t)(n > 0 ? n : 0), "r", txt, sizeof txt), 0);
    CHECK(strcmp(txt, "hello over serial") == 0);

    n = mcumgr_txn(&l, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS, body,
                   (size_t)mcumgr_req_empty(body, sizeof body), rsp, sizeof rsp, NULL, 1000, 2);
    long long bs = -1, bc = -1;
    CHECK(n > 0);
    CHECK_EQ(mcumgr_rsp_params(rsp, (size_t)(n > 0 ? n : 0), &bs, &bc), 0);

    static const uint8_t sha[32] = {1, 2, 3};
    mcumgr_upload_cfg_t cfg = {
        .data = file, .size = 20000, .sha = sha, .sha_len = 32, .image = 0,
        .pkt_max = mcumgr_pkt_limit(&c, bs), .window = mcumgr_window(bc, 5),
        .timeout_ms = 1000, .first_timeout_ms = 2000, .max_tries = 3,
    };
    CHECK_EQ(cfg.pkt_max, expect_pkt_max);
    CHECK_EQ(cfg.window, 3);
    mcumgr_upload_result_t res;
    CHECK_EQ(mcumgr_upload_run(&l, &cfg, &res), MCUMGR_UPLOAD_OK);
    CHECK_EQ(res.off, 20000);
    CHECK_MEM(s->dev.slot, file, 20000);
    CHECK_EQ(res.chunk, expect_chunk);
    CHECK_EQ(res.retransmits, 0);
    CHECK(s->packets > 0);
    CHECK(s->longest_line <= SMP_SERIAL_MAX_LINE); /* the Zephyr console's 127 bytes */
    CHECK(s->longest_line >= SMP_SERIAL_MAX_LINE - 3);

    mcumgr_link_close(&l);
    s->stop = 1;
    pthread_join(s->th, NULL);
    close(s->master);
    if (keep >= 0)
        close(keep);
    free(s);
}

int main(void)
{
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 31 + (i >> 8));
    file[0] = 0x3d, file[1] = 0xb8, file[2] = 0xf3, file[3] = 0x96;
    run("", 2044, 2020);          /* no mtu=: the device's buf_size (2048) - 4 */
    run(",mtu=2048", 1523, 1499); /* Go mcumgr's packet for mtu=2048 */
    run(",mtu=512", 371, 347);
    return tu_finish("mcumgr_serial");
}
