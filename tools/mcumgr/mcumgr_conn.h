/*
 * Connection settings of extxip-mcumgr, spelled the way mcumgr (newtmgr) spells them:
 *   --conntype udp    --connstring 127.0.0.1:1337 | [::1]:1337 | host:port | host
 *   --conntype serial --connstring dev=/dev/ttyACM0,baud=115200,mtu=128
 *                     (a bare token without '=' means dev=<token>, as in mcumgr)
 *   --conntype ble    --connstring peer_name='Zephyr'[,peer_id=AA:BB:CC:DD:EE:FF]
 *                     [,ctlr_name=hci0 | ctlr_path=unix:PATH | ctlr_path=tty:DEV[,baud=N]]
 *                     [,scan_timeout=SECONDS]   (mcumgr's keys; ctlr_path and
 *                     scan_timeout are ours: see mcumgr_ble.h)
 */
#ifndef EXTXIP_MCUMGR_CONN_H
#define EXTXIP_MCUMGR_CONN_H

#include <stddef.h>

#define MCUMGR_UDP_DEFAULT_PORT 1337
#define MCUMGR_SERIAL_DEFAULT_BAUD 115200
/* mcumgr's serial mtu: a line carries mtu - 4 base64 characters; 128 gives the
 * 127-byte lines Zephyr's shell transport accepts (docs/protocol.md §9.4). */
#define MCUMGR_SERIAL_DEFAULT_MTU 128
#define MCUMGR_SERIAL_MIN_MTU 8
#define MCUMGR_SERIAL_MAX_MTU 4096

typedef enum { MCUMGR_CONN_UDP = 1, MCUMGR_CONN_SERIAL = 2, MCUMGR_CONN_BLE = 3 } mcumgr_conntype_t;

typedef struct {
    mcumgr_conntype_t type;
    char addr[256]; /* udp: the host[:port] text as given */
    char dev[256];  /* serial: device path */
    int baud;       /* serial */
    int mtu;        /* serial: mcumgr mtu (line length + 1); MCUMGR_SERIAL_DEFAULT_MTU if unset */
    int mtu_given;  /* 1 when mtu= appeared in the connstring */
    char peer_name[32]; /* ble */
    char peer_id[18];   /* ble: "AA:BB:CC:DD:EE:FF" or "" */
    char ctlr[256];     /* ble: hci_ctlr_open spelling ("hci0", "unix:PATH", "tty:DEV") */
    int scan_ms;        /* ble: scan timeout */
} mcumgr_conn_t;

/* Parse conntype ("udp" / "serial") and connstring into *out. Syntax only: UDP
 * names are resolved when the link opens. Returns 0, or -1 with a message in err. */
int mcumgr_conn_parse(const char *conntype, const char *connstring, mcumgr_conn_t *out,
                      char *err, size_t err_cap);

/* Base64 characters per serial line for a given mcumgr mtu (mtu - 4 rounded down to a
 * multiple of 4 so every non-final line decodes on its own, docs/protocol.md §9.2). */
int mcumgr_serial_line_chars(int mtu);

#endif
