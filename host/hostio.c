#include "hostio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int hostio_parse_hostport(const char *s, int default_port, struct sockaddr_storage *out,
                          socklen_t *out_len, char *err, size_t err_cap)
{
    char host[256];
    const char *port_str = NULL;
    size_t n = strlen(s);

    if (n == 0 || n >= sizeof host) {
        snprintf(err, err_cap, "bad address '%s'", s);
        return -1;
    }
    if (s[0] == '[') { /* [v6]:port */
        const char *close = strchr(s, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            snprintf(err, err_cap, "bad IPv6 address '%s' (want [addr]:port)", s);
            return -1;
        }
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        if (close[1] == ':')
            port_str = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon) { /* bare IPv6 without brackets */
            memcpy(host, s, n + 1);
        } else if (colon) {
            memcpy(host, s, (size_t)(colon - s));
            host[colon - s] = '\0';
            port_str = colon + 1;
        } else {
            memcpy(host, s, n + 1);
        }
    }
    long port = default_port;
    if (port_str) {
        char *end;
        errno = 0;
        port = strtol(port_str, &end, 10);
        if (errno || *port_str == '\0' || *end != '\0' || port < 1 || port > 65535) {
            snprintf(err, err_cap, "bad port in '%s' (want 1..65535)", s);
            return -1;
        }
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, err_cap, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *out_len = res->ai_addrlen;
    freeaddrinfo(res);
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
    return 0;
}

const char *hostio_format_addr(const struct sockaddr_storage *a, socklen_t len, char *buf,
                               size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    (void)len;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
        snprintf(buf, cap, "%s:%d", host, port);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        port = ntohs(v6->sin6_port);
        snprintf(buf, cap, "[%s]:%d", host, port);
    }
    return buf;
}

int hostio_udp_open(const struct sockaddr_storage *addr, socklen_t len, int bind_it)
{
    int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind_it) {
        /* No SO_REUSEADDR: a second device on the same port must fail to
         * bind, not silently steal half of the first one's requests. */
        if (bind(fd, (const struct sockaddr *)addr, len) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

static void make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tcsetattr(fd, TCSANOW, &t);
    }
}

int hostio_pty_open(char *slave, size_t cap, const char *link, int *keep_fd)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    if (grantpt(m) != 0 || unlockpt(m) != 0) {
        close(m);
        return -1;
    }
    const char *name = ptsname(m);
    if (!name || strlen(name) >= cap) {
        close(m);
        return -1;
    }
    snprintf(slave, cap, "%s", name);
    make_raw(m);
    int s = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s >= 0)
        make_raw(s);
    *keep_fd = s;
    if (link) {
        unlink(link);
        if (symlink(slave, link) != 0) {
            close(m);
            if (s >= 0)
                close(s);
            return -1;
        }
    }
    return m;
}

static speed_t baud_code(int baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    case 1000000: return B1000000;
    default: return B115200;
    }
}

int hostio_serial_open(const char *path, int baud)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, baud_code(baud));
        cfsetospeed(&t, baud_code(baud));
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

int hostio_write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                poll(&pfd, 1, 100);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

long long hostio_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
