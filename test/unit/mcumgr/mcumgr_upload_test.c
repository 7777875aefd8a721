/*
 * The upload engine against a tiny fake SMP device on a loopback UDP socket (a thread
 * in this test). The device follows docs/protocol.md §7.5: it answers an unexpected offset
 * with its own offset, resumes a session whose sha matches, and forgets the session
 * on "reset". Checked: the window (several requests in flight, never more than
 * buf_count - 1), lost replies, lost requests, resume after the client gave up, and
 * restart after the device lost its session. The device's slot must end up equal to
 * the file each time.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "cbor/cbor.h"
#include "hostio.h"
#include "mcumgr_chunk.h"
#include "mcumgr_link.h"
#include <time.h>

#include "mcumgr_req.h"
#include "mcumgr_upload.h"
#include "testutil.h"

#include "fake_device.h"

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

#define BATCH_MAX 8

static void *device(void *arg)
{
    fake_t *f = arg;
    static uint8_t in[BATCH_MAX][4096];
    uint8_t out[128];
    ssize_t len[BATCH_MAX];
    struct sockaddr_storage from[BATCH_MAX];
    socklen_t fl[BATCH_MAX];
    while (!f->stop) {
        struct pollfd p = {f->fd, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        /* Gather what the client's window allows before answering any: up to
         * buf_count-1 requests, or until batch_us passes. A windowed client
         * fills the batch at once; a stop-and-wait one never gets past 1,
         * however loaded the machine is. */
        unsigned batch = 0, want = f->buf_count > 1 ? f->buf_count - 1 : 1;
        long long deadline = now_us() + f->batch_us;
        while (batch < want && batch < BATCH_MAX) {
            fl[batch] = sizeof from[batch];
            ssize_t r = recvfrom(f->fd, in[batch], sizeof in[batch], MSG_DONTWAIT,
                                 (struct sockaddr *)&from[batch], &fl[batch]);
            if (r > 0) {
                len[batch++] = r;
                continue;
            }
            long long left = deadline - now_us();
            if (left <= 0)
                break;
            poll(&p, 1, (int)(left / 1000) + 1);
        }
        for (unsigned k = 0; k < batch; k++) {
            mcumgr_hdr_t h;
            const uint8_t *b;
            if (mcumgr_pkt_parse(in[k], (size_t)len[k], &h, &b) != 0)
                continue;
            pthread_mutex_lock(&f->mu);
            f->requests++;
            int silent = f->silent_at && f->active && f->off >= f->silent_at;
            int drop_req = f->drop_req_every && f->requests % (unsigned)f->drop_req_every == 0 &&
                           h.group == MCUMGR_GROUP_IMAGE;
            size_t n = 0;
            if (!silent && !drop_req)
                n = handle(f, &h, b, out);
            int drop_rep = f->drop_reply_every && f->requests % (unsigned)f->drop_reply_every == 1 &&
                           h.group == MCUMGR_GROUP_IMAGE;
            if (silent || drop_req || drop_rep)
                f->dropped++;
            pthread_mutex_unlock(&f->mu);
            if (n && !drop_rep) {
                uint8_t pkt[256];
                size_t pl = fake_reply_pkt(pkt, sizeof pkt, &h, out, n);
                sendto(f->fd, pkt, pl, 0, (const struct sockaddr *)&from[k], fl[k]);
            }
        }
        if (batch > f->max_batch)
            f->max_batch = batch;
    }
    return NULL;
}

static int start(fake_t *f, struct sockaddr_storage *addr, socklen_t *alen)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->buf_count = 4;
    f->batch_us = 30000; /* upper bound only: a full window ends the wait */
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    memset(addr, 0, sizeof *addr);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v4->sin_port = 0; /* any free port */
    *alen = sizeof *v4;
    f->fd = hostio_udp_open(addr, *alen, 1);
    CHECK(f->fd >= 0);
    *alen = sizeof *addr;
    getsockname(f->fd, (struct sockaddr *)addr, alen);
    return pthread_create(&f->th, NULL, device, f);
}

static void stop(fake_t *f)
{
    f->stop = 1;
    pthread_join(f->th, NULL);
    close(f->fd);
    pthread_mutex_destroy(&f->mu);
}

static uint8_t file[IMG_SIZE];
static uint8_t file_sha[32];

typedef struct {
    mcumgr_link_t l;
    int fd;
} client_t;

static void client_open(client_t *c, const struct sockaddr_storage *dev, socklen_t dl)
{
    c->fd = hostio_udp_open(dev, dl, 0);
    CHECK(c->fd >= 0);
    CHECK_EQ(mcumgr_link_attach_udp(&c->l, c->fd, dev, dl, 1), 0);
}

static void client_close(client_t *c)
{
    mcumgr_link_close(&c->l);
}

/* Ask the device for its params the way the tool does, then upload. */
static int upload(client_t *c, mcumgr_upload_result_t *res, size_t pkt_max, int tries)
{
    uint8_t body[8], rsp[128];
    int n = mcumgr_txn(&c->l, MCUMGR_OP_READ, MCUMGR_GROUP_OS, MCUMGR_OS_PARAMS, body,
                       (size_t)mcumgr_req_empty(body, sizeof body), rsp, sizeof rsp, NULL, 500, 3);
    CHECK(n > 0);
    long long bs = -1, bc = -1;
    CHECK_EQ(mcumgr_rsp_params(rsp, (size_t)(n > 0 ? n : 0), &bs, &bc), 0);
    CHECK_EQ(bs, 2048);
    mcumgr_upload_cfg_t cfg = {
        .data = file,
        .size = sizeof file,
        .sha = file_sha,
        .sha_len = 32,
        .image = 2,
        .pkt_max = pkt_max ? pkt_max : mcumgr_pkt_limit(&(mcumgr_conn_t){.type = MCUMGR_CONN_UDP}, bs),
        .window = mcumgr_window(bc, 5),
        .timeout_ms = 150,
        .first_timeout_ms = 300,
        .max_tries = tries,
    };
    return mcumgr_upload_run(&c->l, &cfg, res);
}

static void report(const char *name, const mcumgr_upload_result_t *r, const fake_t *f)
{
    printf("%-14s requests %3u retransmits %2u resyncs %2u restarts %u max_inflight %u "
           "resumed_from %5u | device: requests %3u dropped %2u max_batch %u written %zu\n",
           name, r->requests, r->retransmits, r->resyncs, r->restarts, r->max_inflight,
           r->resumed_from, f->requests, f->dropped, f->max_batch, f->written);
}

static void init_file(void)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof file; i++) {
        x = x * 1103515245u + 12345u;
        file[i] = (uint8_t)(x >> 16);
    }
    file[0] = 0x3d, file[1] = 0xb8, file[2] = 0xf3, file[3] = 0x96;
    /* any fixed 32 bytes serve as the session tag for the fake device */
    for (int i = 0; i < 32; i++)
        file_sha[i] = (uint8_t)(0x5a ^ i);
}

static void test_window_clean(void)
{
    fake_t *f = malloc(sizeof *f);
    struct sockaddr_storage a;
    socklen_t al;
    CHECK_EQ(start(f, &a, &al), 0);
    client_t c;
    client_open(&c, &a, al);
    mcumgr_upload_result_t res;
    int rc = upload(&c, &res, 0, 3);
    CHECK_EQ(rc, MCUMGR_UPLOAD_OK);
    CHECK_EQ(res.off, IMG_SIZE);
    CHECK_MEM(f->slot, file, IMG_SIZE);
    CHECK_EQ(res.max_inflight, 3);     /* buf_count 4 -> 3 in flight */
    CHECK(f->max_batch >= 2);          /* the device really saw several queued */
    CHECK(f->max_batch <= 3);
    CHECK_EQ(res.retransmits, 0);
    CHECK_EQ(res.resyncs, 0);
    CHECK_EQ(f->written, IMG_SIZE);    /* nothing written twice */
    report("clean", &res, f);
    CHECK_EQ(res.first_chunk, 1965);   /* 2048-byte packets, len 60000 */
    CHECK_EQ(res.chunk, 2024);
    client_close(&c);
    stop(f);
    free(f);
}

static void test_lossy(int drop_reply_every, int drop_req_every)
{
    fake_t *f = malloc(sizeof *f);
    struct sockaddr_storage a;
    socklen_t al;
    CHECK_EQ(start(f, &a, &al), 0);
    f->drop_reply_every = drop_reply_every;
    f->drop_req_every = drop_req_every;
    client_t c;
    client_open(&c, &a, al);
    mcumgr_upload_result_t res;
    int rc = upload(&c, &res, 700, 6); /* smaller packets: more chunks, more losses */
    CHECK_EQ(rc, MCUMGR_UPLOAD_OK);
    CHECK_EQ(res.off, IMG_SIZE);
    CHECK_MEM(f->slot, file, IMG_SIZE);
    report(drop_req_every ? (drop_reply_every ? "lossy both" : "lossy req") : "lossy reply",
           &res, f);
    CHECK(f->dropped > 0);
    CHECK(res.max_inflight <= 3);
    if (drop_req_every)
        CHECK(res.resyncs + res.retransmits > 0);
    client_close(&c);
    stop(f);
    free(f);
}

static void test_resume(void)
{
    fake_t *f = malloc(sizeof *f);
    struct sockaddr_storage a;
    socklen_t al;
    CHECK_EQ(start(f, &a, &al), 0);
    /* First run: the device goes silent at ~40 %, the client gives up. */
    f->silent_at = IMG_SIZE * 2 / 5;
    client_t c;
    client_open(&c, &a, al);
    mcumgr_upload_result_t res;
    int rc = upload(&c, &res, 0, 2);
    CHECK_EQ(rc, MCUMGR_ETIMEOUT);
    CHECK(res.off >= f->silent_at);
    CHECK(res.off < IMG_SIZE);
    client_close(&c);
    pthread_mutex_lock(&f->mu);
    uint32_t dev_off = f->off;
    f->silent_at = 0;
    f->written = 0;
    f->first_chunks = 0;
    pthread_mutex_unlock(&f->mu);
    CHECK(dev_off > 0);
    /* Second run (a new client): the first chunk's sha matches, the device answers with
     * its offset and only the rest is sent. */
    client_open(&c, &a, al);
    rc = upload(&c, &res, 0, 3);
    CHECK_EQ(rc, MCUMGR_UPLOAD_OK);
    report("resume", &res, f);
    CHECK_EQ(res.resumed_from, dev_off);
    CHECK_EQ(f->first_chunks, 1);
    CHECK_EQ(f->written, IMG_SIZE - dev_off);
    CHECK_MEM(f->slot, file, IMG_SIZE);
    client_close(&c);
    stop(f);
    free(f);
}

static void test_device_reset(void)
{
    fake_t *f = malloc(sizeof *f);
    struct sockaddr_storage a;
    socklen_t al;
    CHECK_EQ(start(f, &a, &al), 0);
    f->forget_at = IMG_SIZE / 2; /* the device loses its session half-way */
    client_t c;
    client_open(&c, &a, al);
    mcumgr_upload_result_t res;
    int rc = upload(&c, &res, 0, 3);
    CHECK_EQ(rc, MCUMGR_UPLOAD_OK);
    report("device reset", &res, f);
    CHECK(res.restarts >= 1);
    CHECK_EQ(f->first_chunks, 2);
    CHECK_MEM(f->slot, file, IMG_SIZE);
    client_close(&c);
    stop(f);
    free(f);
}

static void test_device_error(void)
{
    fake_t *f = malloc(sizeof *f);
    struct sockaddr_storage a;
    socklen_t al;
    CHECK_EQ(start(f, &a, &al), 0);
    client_t c;
    client_open(&c, &a, al);
    /* A file without room for the 32-byte header in the first chunk's data is refused
     * by the device (rc 3) and reported as a device error. */
    mcumgr_upload_cfg_t cfg = {
        .data = file, .size = 20, .sha = file_sha, .sha_len = 32, .image = 0,
        .pkt_max = 2048, .window = 3, .timeout_ms = 150, .first_timeout_ms = 300, .max_tries = 3,
    };
    mcumgr_upload_result_t res;
    CHECK_EQ(mcumgr_upload_run(&c.l, &cfg, &res), MCUMGR_UPLOAD_EDEVICE);
    CHECK_EQ(res.status.kind, MCUMGR_RSP_ERR_V1);
    CHECK_EQ(res.status.rc, 3);
    /* Bad configurations are refused before anything is sent. */
    cfg.size = 0;
    CHECK_EQ(mcumgr_upload_run(&c.l, &cfg, &res), MCUMGR_UPLOAD_EARG);
    cfg.size = 100;
    cfg.window = 0;
    CHECK_EQ(mcumgr_upload_run(&c.l, &cfg, &res), MCUMGR_UPLOAD_EARG);
    cfg.window = 1;
    cfg.pkt_max = 30; /* no room for data */
    CHECK_EQ(mcumgr_upload_run(&c.l, &cfg, &res), MCUMGR_UPLOAD_ECHUNK);
    client_close(&c);
    stop(f);
    free(f);
}

int main(void)
{
    init_file();
    test_window_clean();
    test_lossy(5, 0);
    test_lossy(0, 7);
    test_lossy(4, 9);
    test_resume();
    test_device_reset();
    test_device_error();
    return tu_finish("mcumgr_upload");
}
