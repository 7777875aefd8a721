/*
 * LD_PRELOAD fixture for BlueZ's controller emulator `btvirt` (bluez-test-tools),
 * used only by the BLE tests.
 *
 * Why it exists: btvirt creates an LE controller only if the kernel offers
 * AF_ALG sockets (BlueZ's emulator opens "ecb(aes)" and "cmac(aes)" through
 * them for LE encryption and privacy), and the kernel of the CI machine has no
 * AF_ALG. Our links are unencrypted and use public addresses, so those
 * sockets are never used after creation: answering socket(AF_ALG, ...) and
 * bind() on it with a dummy descriptor is enough for advertising, scanning,
 * connections and ACL data.
 *
 * Second job: btvirt -s binds its server sockets at fixed paths
 * (/tmp/bt-server-le, ...). With EXTXIP_BTVIRT_DIR set, every bind()/unlink()
 * of a path starting with "/tmp/bt-server-" is redirected into that
 * directory, so parallel test runs (gcc and ASan build dirs) each get their
 * own emulator.
 *
 * Third job: btvirt writes to its clients with sendmsg(MSG_DONTWAIT) but
 * without MSG_NOSIGNAL, so an event for a client that has just closed its
 * socket (a test's central exiting) raises SIGPIPE and kills the emulator
 * for everyone else. SIGPIPE is ignored here and sendmsg gets MSG_NOSIGNAL;
 * btvirt then sees EPIPE and drops that client as it does on a hang-up.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif

#define MAX_FAKE 64
static int fake_fds[MAX_FAKE];
static int n_fake;

static int is_fake(int fd)
{
    for (int i = 0; i < n_fake; i++)
        if (fake_fds[i] == fd)
            return 1;
    return 0;
}

int socket(int domain, int type, int protocol)
{
    static int (*real)(int, int, int);
    if (!real)
        real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    if (domain == AF_ALG) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0 && n_fake < MAX_FAKE)
            fake_fds[n_fake++] = fd;
        return fd;
    }
    return real(domain, type, protocol);
}

static const char *redirect(const char *path, char *buf, size_t cap)
{
    const char *dir = getenv("EXTXIP_BTVIRT_DIR");
    static const char pfx[] = "/tmp/bt-server-";
    if (!dir || !*dir || strncmp(path, pfx, sizeof pfx - 1) != 0)
        return path;
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, path + 5) >= cap)
        return path;
    return buf;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    static int (*real)(int, const struct sockaddr *, socklen_t);
    if (!real)
        real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    if (is_fake(fd))
        return 0;
    if (addr && addr->sa_family == AF_UNIX) {
        struct sockaddr_un un;
        char buf[sizeof un.sun_path];
        const struct sockaddr_un *in = (const struct sockaddr_un *)addr;
        const char *p = redirect(in->sun_path, buf, sizeof buf);
        if (p != in->sun_path) {
            memset(&un, 0, sizeof un);
            un.sun_family = AF_UNIX;
            snprintf(un.sun_path, sizeof un.sun_path, "%s", p);
            return real(fd, (const struct sockaddr *)&un, sizeof un);
        }
    }
    return real(fd, addr, len);
}

int unlink(const char *path)
{
    static int (*real)(const char *);
    char buf[108];
    if (!real)
        real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
    return real(redirect(path, buf, sizeof buf));
}

__attribute__((constructor)) static void no_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    static ssize_t (*real)(int, const struct msghdr *, int);
    if (!real)
        real = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
    return real(fd, msg, flags | MSG_NOSIGNAL);
}
