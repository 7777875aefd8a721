/*
 * Host I/O shared by the simulator and the host tools: parse mcumgr-style
 * addresses, open UDP sockets (IPv4 and IPv6), open a PTY in raw mode, and
 * configure a serial device. POSIX only; never used by lib/.
 */
#ifndef EXTXIP_HOSTIO_H
#define EXTXIP_HOSTIO_H

#include <stddef.h>
#include <sys/socket.h>

/* Parse "127.0.0.1:1337", "[::1]:1337", "localhost:1337" or a bare host
 * (port = default_port) into *out. Returns 0, or -1 with a message in err. */
int hostio_parse_hostport(const char *s, int default_port, struct sockaddr_storage *out,
                          socklen_t *out_len, char *err, size_t err_cap);

/* Format an address as "host:port" / "[v6]:port" into buf. Returns buf. */
const char *hostio_format_addr(const struct sockaddr_storage *a, socklen_t len, char *buf,
                               size_t cap);

/* A UDP socket bound to `addr` (server) or unbound of the same family
 * (client, bind_it = 0). Returns the fd or -1 (errno set). */
int hostio_udp_open(const struct sockaddr_storage *addr, socklen_t len, int bind_it);

/* Open a PTY master in raw mode (no echo, no line editing, no CR/LF
 * translation). Writes the slave path into slave (cap bytes). When `link` is
 * non-NULL a symlink to the slave is (re)created there. Returns the master fd
 * or -1. The slave stays open inside the simulator (keep_fd) so the master
 * does not see EIO while no client is attached. */
int hostio_pty_open(char *slave, size_t cap, const char *link, int *keep_fd);

/* Open a serial device (or PTY slave) raw at `baud`. Returns fd or -1. */
int hostio_serial_open(const char *path, int baud);

/* Write all n bytes to fd, retrying on EINTR and waiting on EAGAIN (a PTY
 * or serial port in non-blocking use). Returns 0, or -1 (errno set). */
int hostio_write_all(int fd, const void *buf, size_t n);

/* Monotonic clock in nanoseconds. */
long long hostio_now_ns(void);

#endif
