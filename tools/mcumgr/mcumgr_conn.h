/*
 * Connection settings of extxip-mcumgr, spelled the way mcumgr (newtmgr) spells them:
 *   --conntype udp    --connstring 127.0.0.1:1337 | [::1]:1337 | host:port | host
 *   --conntype serial --connstring dev=/dev/ttyACM0,baud=115200,mtu=512
 *                     (a bare token without '=' means dev=<token>, as in mcumgr)
 *   --conntype ble    --connstring peer_name='Zephyr'[,peer_id=AA:BB:CC:DD:EE:FF]
 *                     [,ctlr_name=hci0 | ctlr_path=unix:PATH | ctlr_path=tty:DEV[,baud=N]]
 *                     [,scan_timeout=SECONDS][,passkey=N][,pair=1]   (mcumgr's keys;
 *                     ctlr_path, scan_timeout, passkey and pair are ours: see mcumgr_ble.h)
 */
#ifndef EXTXIP_MCUMGR_CONN_H
#define EXTXIP_MCUMGR_CONN_H

#include <stddef.h>

#define MCUMGR_UDP_DEFAULT_PORT 1337
#define MCUMGR_SERIAL_DEFAULT_BAUD 115200
/* mcumgr's serial mtu= is a packet budget, not a line length (docs/protocol.md §9.4):
 * Go mcumgr (newtmgr's nmxact, nmserial.NewXportCfg) defaults it to 512 and keeps every
 * request within mtu * 3 / 4 - 13 bytes (SerialSesn.MtuOut: 3/4 for base64, 13 for
 * OMP's wrapping), while its lines stay at 124 base64 characters whatever mtu says.
 * The lower bound keeps room for a header and a small body. */
#define MCUMGR_SERIAL_DEFAULT_MTU 512
#define MCUMGR_SERIAL_MIN_MTU 64
#define MCUMGR_SERIAL_MAX_MTU 65535
/* Base64 characters per serial line, fixed: 2 marker bytes + 124 + newline = 127, the
 * Zephyr console limit (SMP_SERIAL_MAX_LINE; mcumgr_serial.h's MCUMGR_SERIAL_MAX_FRAME),
 * as Go mcumgr, the Rust client and the Python clients send. */
#define MCUMGR_SERIAL_LINE_CHARS 124

typedef enum { MCUMGR_CONN_UDP = 1, MCUMGR_CONN_SERIAL = 2, MCUMGR_CONN_BLE = 3 } mcumgr_conntype_t;

typedef struct {
    mcumgr_conntype_t type;
    char addr[256]; /* udp: the host[:port] text as given */
    char dev[256];  /* serial: device path */
    int baud;       /* serial */
    int mtu;        /* serial: mcumgr mtu (packet budget, see above); MCUMGR_SERIAL_DEFAULT_MTU if unset */
    int mtu_given;  /* 1 when mtu= appeared in the connstring */
    char peer_name[32]; /* ble */
    char peer_id[18];   /* ble: "AA:BB:CC:DD:EE:FF" or "" */
    char ctlr[256];     /* ble: hci_ctlr_open spelling ("hci0", "unix:PATH", "tty:DEV") */
    int scan_ms;        /* ble: scan timeout */
    long passkey;       /* ble: passkey=N (0..999999) for pairing, or -1: ask on the TTY */
    int pair;           /* ble: pair=1: pair (again) even without being asked */
    char bond_file[512]; /* ble: --bond-file, "" = $XDG_CONFIG_HOME/extxip-mcumgr/bonds */
} mcumgr_conn_t;

/* Parse conntype ("udp" / "serial") and connstring into *out. Syntax only: UDP
 * names are resolved when the link opens. Returns 0, or -1 with a message in err. */
int mcumgr_conn_parse(const char *conntype, const char *connstring, mcumgr_conn_t *out,
                      char *err, size_t err_cap);

/* The largest SMP packet (header + CBOR) Go mcumgr sends for serial mtu=MTU:
 * MTU * 3 / 4 - 13 (0 if none). */
size_t mcumgr_serial_mtu_pkt(int mtu);

#endif
