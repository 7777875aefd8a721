#include "hci_ctlr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hostio.h"

/* Linux <net/bluetooth/hci.h> facts, spelled out so no BlueZ headers are needed. */
#define EXTXIP_AF_BLUETOOTH 31
#define EXTXIP_BTPROTO_HCI 1
#define EXTXIP_HCI_CHANNEL_USER 1
struct extxip_sockaddr_hci {
    sa_family_t hci_family;
    unsigned short hci_dev;
    unsigned short hci_channel;
};

static int open_unix(const char *path, char *err, size_t cap)
{
    struct sockaddr_un a;
    if (strlen(path) >= sizeof a.sun_path || !*path) {
        snprintf(err, cap, "controller socket path '%s' is empty or too long", path);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(err, cap, "no controller at unix:%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int open_tty(const char *spec, char *err, size_t cap)
{
    char dev[256];
    long baud = 1000000;
    const char *comma = strchr(spec, ',');
    size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
    if (n == 0 || n >= sizeof dev) {
        snprintf(err, cap, "bad controller tty '%s'", spec);
        return -1;
    }
    memcpy(dev, spec, n);
    dev[n] = '\0';
    if (comma) {
        char *end;
        if (strncmp(comma + 1, "baud=", 5) != 0 ||
            (baud = strtol(comma + 6, &end, 10)) <= 0 || *end) {
            snprintf(err, cap, "bad controller option '%s' (want baud=N)", comma + 1);
            return -1;
        }
    }
    int fd = hostio_serial_open(dev, (int)baud);
    if (fd < 0) {
        snprintf(err, cap, "cannot open controller %s: %s", dev, strerror(errno));
        return -1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) { /* HCI UART (H4) runs with RTS/CTS */
        t.c_cflag |= CRTSCTS;
        tcsetattr(fd, TCSANOW, &t);
    }
    tcflush(fd, TCIOFLUSH);
    return fd;
}

static int open_user_channel(const char *spec, char *err, size_t cap)
{
    char *end;
    long idx = strtol(spec + 3, &end, 10);
    if (spec[3] == '\0' || *end || idx < 0 || idx > 0xFFFF) {
        snprintf(err, cap, "bad controller name '%s' (want hciN)", spec);
        return -1;
    }
    int fd = socket(EXTXIP_AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, EXTXIP_BTPROTO_HCI);
    if (fd < 0) {
        snprintf(err, cap, "no Bluetooth support in this kernel (%s)", strerror(errno));
        return -1;
    }
    struct extxip_sockaddr_hci a = {EXTXIP_AF_BLUETOOTH, (unsigned short)idx,
                                    EXTXIP_HCI_CHANNEL_USER};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        if (e == EBUSY)
            snprintf(err, cap, "%s is in use: take it down first (btmgmt --index %ld power off)",
                     spec, idx);
        else if (e == EPERM || e == EACCES)
            snprintf(err, cap, "%s: the HCI user channel needs root (CAP_NET_ADMIN)", spec);
        else
            snprintf(err, cap, "cannot open %s: %s", spec, strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

int hci_ctlr_open(const char *spec, char *err, size_t cap)
{
    if (!spec || !*spec) {
        snprintf(err, cap, "no controller given (unix:PATH, tty:DEV[,baud=N] or hciN)");
        return -1;
    }
    if (strncmp(spec, "unix:", 5) == 0)
        return open_unix(spec + 5, err, cap);
    if (strncmp(spec, "tty:", 4) == 0)
        return open_tty(spec + 4, err, cap);
    if (strncmp(spec, "hci", 3) == 0)
        return open_user_channel(spec, err, cap);
    snprintf(err, cap, "unknown controller '%s' (unix:PATH, tty:DEV[,baud=N] or hciN)", spec);
    return -1;
}
