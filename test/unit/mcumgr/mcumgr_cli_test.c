/*
 * The extxip-mcumgr executable against the fake UDP device: output text, --json,
 * exit status (0 OK, 1 device error, 2 usage, 3 no answer), upload "Done".
 * argv[1] = path of the executable.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_device.h"
#include "hostio.h"
#include "testutil.h"

static fake_t dev;
static int dev_fd;
static volatile int stop_dev;

static void *device(void *arg)
{
    (void)arg;
    uint8_t in[4096], out[128], pkt[256];
    while (!stop_dev) {
        struct pollfd p = {dev_fd, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(dev_fd, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
        mcumgr_hdr_t h;
        const uint8_t *b;
        if (r <= 0 || mcumgr_pkt_parse(in, (size_t)r, &h, &b) != 0)
            continue;
        size_t n = handle(&dev, &h, b, out);
        size_t pl = fake_reply_pkt(pkt, sizeof pkt, &h, out, n);
        sendto(dev_fd, pkt, pl, 0, (const struct sockaddr *)&from, fl);
    }
    return NULL;
}

static const char *exe;
static char conn[64];

/* Run the tool with args; stdout into out. Returns the exit status. */
static int tool(char *out, size_t cap, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --conntype udp --connstring %s -t 0.3 %s 2>/dev/null", exe,
             conn, args);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, cap - 1, p) : 0;
    out[n] = '\0';
    int st = p ? pclose(p) : -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mcumgr_cli_test EXE\n");
        return 2;
    }
    exe = argv[1];
    dev.buf_count = 4;
    struct sockaddr_storage a;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&a;
    memset(&a, 0, sizeof a);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof *v4;
    dev_fd = hostio_udp_open(&a, al, 1);
    CHECK(dev_fd >= 0);
    getsockname(dev_fd, (struct sockaddr *)&a, &al);
    snprintf(conn, sizeof conn, "127.0.0.1:%d", ntohs(v4->sin_port));
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, device, NULL), 0);

    char out[4096];
    CHECK_EQ(tool(out, sizeof out, "echo hello"), 0);
    CHECK(strcmp(out, "hello\n") == 0);
    CHECK_EQ(tool(out, sizeof out, "--json echo hello"), 0);
    CHECK(strcmp(out, "{\"r\":\"hello\"}\n") == 0);
    CHECK_EQ(tool(out, sizeof out, "--smp-version 1 echo v1"), 0);
    CHECK(strcmp(out, "v1\n") == 0);
    CHECK_EQ(tool(out, sizeof out, "params"), 0);
    CHECK(strcmp(out, "buf_size: 2048\nbuf_count: 4\n") == 0);
    /* The fake device has no image state command: rc 8. */
    CHECK_EQ(tool(out, sizeof out, "image list"), 1);
    CHECK(strcmp(out, "Error: 8 (MGMT_ERR_ENOTSUP)\n") == 0);
    /* Usage errors never touch the device. */
    CHECK_EQ(tool(out, sizeof out, "image test zz"), 2);
    CHECK_EQ(tool(out, sizeof out, "frobnicate"), 2);
    CHECK_EQ(tool(out, sizeof out, "echo"), 2);

    /* Upload a file: "Done", then the device's slot holds it. */
    char path[] = "/tmp/mcumgr_cli_test_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static uint8_t img[30000];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i ^ (i >> 7));
    img[0] = 0x3d, img[1] = 0xb8, img[2] = 0xf3, img[3] = 0x96;
    CHECK_EQ(write(fd, img, sizeof img), (ssize_t)sizeof img);
    close(fd);
    char args[256];
    snprintf(args, sizeof args, "image upload %s -n 2 --quiet --force", path); /* not an image */
    CHECK_EQ(tool(out, sizeof out, args), 0);
    CHECK(strcmp(out, "Done\n") == 0);
    CHECK_MEM(dev.slot, img, sizeof img);
    snprintf(args, sizeof args, "--json image upload %s --quiet --force", path);
    CHECK_EQ(tool(out, sizeof out, args), 0);
    CHECK(strstr(out, "\"ok\":true") != NULL);
    CHECK(strstr(out, "\"window\":3") != NULL);
    CHECK(strstr(out, "\"packet_max\":2048") != NULL);
    unlink(path);

    /* Nobody listening: no answer, exit 3. */
    stop_dev = 1;
    pthread_join(th, NULL);
    close(dev_fd);
    CHECK_EQ(tool(out, sizeof out, "echo hello"), 3);
    return tu_finish("mcumgr_cli");
}
