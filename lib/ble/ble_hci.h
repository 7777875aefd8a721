/*
 * Bluetooth HCI codec shared by the LE peripheral (lib/ble/ble_periph) and the
 * host tool's central: H4 packet stream (UART transport, Core spec Vol 4 Part
 * A: 0x01 command, 0x02 ACL data, 0x04 event), command and ACL builders, event
 * and ACL parsers, and L2CAP basic-frame reassembly from ACL fragments
 * (Vol 3 Part A §3.1). No allocation; every length from the wire is checked.
 */
#ifndef EXTXIP_BLE_HCI_H
#define EXTXIP_BLE_HCI_H

#include <stddef.h>
#include <stdint.h>

#define BLE_H4_CMD 0x01
#define BLE_H4_ACL 0x02
#define BLE_H4_EVT 0x04

/* Largest ACL data payload this host takes from a controller (LE data length
 * extension tops out at 251; BR/EDR-sized buffers are larger). Bigger packets
 * are skipped whole without losing the stream's framing. */
#define BLE_ACL_MAX 1024
/* H4 type + ACL header + payload, or type + event header + 255. */
#define BLE_H4_MAX (1 + 4 + BLE_ACL_MAX)

/* Largest ATT_MTU either side uses: the sample's L2CAP TX MTU. */
#define BLE_ATT_MTU_MAX 498
#define BLE_ATT_MTU_MIN 23
/* Largest L2CAP payload reassembled (an ATT PDU can never exceed the MTU). */
#define BLE_L2CAP_MAX BLE_ATT_MTU_MAX
#define BLE_CID_ATT 0x0004
#define BLE_CID_SIG 0x0005

/* Commands (OGF << 10 | OCF). */
#define BLE_OP_DISCONNECT 0x0406
#define BLE_OP_SET_EVENT_MASK 0x0C01
#define BLE_OP_RESET 0x0C03
#define BLE_OP_READ_LOCAL_FEATURES 0x1003
#define BLE_OP_READ_BD_ADDR 0x1009
#define BLE_OP_LE_SET_EVENT_MASK 0x2001
#define BLE_OP_LE_READ_BUFFER_SIZE 0x2002
#define BLE_OP_LE_READ_LOCAL_FEATURES 0x2003
#define BLE_OP_LE_SET_ADV_PARAMS 0x2006
#define BLE_OP_LE_SET_ADV_DATA 0x2008
#define BLE_OP_LE_SET_SCAN_RSP_DATA 0x2009
#define BLE_OP_LE_SET_ADV_ENABLE 0x200A
#define BLE_OP_LE_SET_SCAN_PARAMS 0x200B
#define BLE_OP_LE_SET_SCAN_ENABLE 0x200C
#define BLE_OP_LE_CREATE_CONN 0x200D
#define BLE_OP_LE_CREATE_CONN_CANCEL 0x200E
#define BLE_OP_LE_READ_REMOTE_FEATURES 0x2016
#define BLE_OP_LE_SET_DATA_LENGTH 0x2022
#define BLE_OP_LE_WRITE_DEFAULT_DATA_LENGTH 0x2024
#define BLE_OP_LE_START_ENCRYPTION 0x2019
#define BLE_OP_LE_LTK_REPLY 0x201A
#define BLE_OP_LE_LTK_NEG_REPLY 0x201B

/* Events. */
#define BLE_EVT_DISCONN_COMPLETE 0x05
#define BLE_EVT_ENCRYPT_CHANGE 0x08
#define BLE_EVT_CMD_COMPLETE 0x0E
#define BLE_EVT_CMD_STATUS 0x0F
#define BLE_EVT_HW_ERROR 0x10
#define BLE_EVT_NUM_COMPLETED 0x13
#define BLE_EVT_LE_META 0x3E
#define BLE_LE_CONN_COMPLETE 0x01
#define BLE_LE_ADV_REPORT 0x02
#define BLE_LE_LTK_REQUEST 0x05
#define BLE_LE_DATA_LEN_CHANGE 0x07
#define BLE_LE_ENH_CONN_COMPLETE 0x0A

/* HCI status codes used here. */
#define BLE_HCI_UNKNOWN_CONN 0x02
#define BLE_HCI_CMD_DISALLOWED 0x0C
#define BLE_HCI_REMOTE_USER_TERM 0x13
#define BLE_HCI_CONN_LIMIT 0x09

static inline uint16_t ble_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void ble_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* ------------------------------------------------------------ H4 stream */

typedef struct extxip_ble_h4_rx {
    uint8_t buf[BLE_H4_MAX];
    size_t have;    /* bytes of the current packet in buf */
    size_t need;    /* total bytes of the current packet (0: header incomplete) */
    size_t skip;    /* bytes of an oversized packet still to discard */
    uint32_t dropped; /* packets skipped (oversized or unknown type) */
} extxip_ble_h4_rx_t;

void extxip_ble_h4_rx_init(extxip_ble_h4_rx_t *r);
/* Feed bytes; *used tells how many were consumed. Returns 1 when a whole
 * packet (type byte first) is at pkt/len (valid until the next feed), else
 * 0 (need more). An unknown type byte is dropped (counted). */
int extxip_ble_h4_feed(extxip_ble_h4_rx_t *r, const uint8_t *in, size_t n, size_t *used, const uint8_t **pkt,
                size_t *len);

/* --------------------------------------------------------------- builders */

/* H4 command packet: type, opcode, length, params. Returns length or 0. */
size_t extxip_ble_hci_cmd(uint8_t *out, size_t cap, uint16_t opcode, const uint8_t *params, size_t plen);
/* H4 ACL packet. first: 1 = start of an L2CAP PDU (PB 00, non-flushable
 * start, as LE hosts send), 0 = continuation (PB 01). Returns length or 0. */
size_t extxip_ble_hci_acl(uint8_t *out, size_t cap, uint16_t handle, int first, const uint8_t *data,
                   size_t len);

/* ----------------------------------------------------------------- parsers */

typedef struct extxip_ble_evt {
    uint8_t code;
    uint8_t len;
    const uint8_t *p; /* len parameter bytes */
} extxip_ble_evt_t;

/* pkt, len: one event without the H4 type. Returns 0, or -1 if its length
 * field disagrees with what arrived. */
int extxip_ble_evt_parse(const uint8_t *pkt, size_t len, extxip_ble_evt_t *e);

/* Command Complete / Command Status: opcode and status (for Command
 * Complete, the first return parameter; 0 when there is none). Returns 0, or
 * -1 if e is neither or too short. ret, ret_len: return params after status. */
int extxip_ble_evt_cmd_done(const extxip_ble_evt_t *e, uint16_t *opcode, uint8_t *status, const uint8_t **ret,
                     size_t *ret_len);

typedef struct extxip_ble_acl {
    uint16_t handle;
    uint8_t pb; /* packet boundary flag (0/2 start, 1 continuation) */
    uint16_t len;
    const uint8_t *data;
} extxip_ble_acl_t;

/* pkt, len: one ACL packet without the H4 type. Returns 0 or -1. */
int extxip_ble_acl_parse(const uint8_t *pkt, size_t len, extxip_ble_acl_t *a);

/* LE advertising data: find the first AD structure of type `type`. Returns
 * its data length (>= 0) with *val set, or -1. */
int extxip_ble_ad_find(const uint8_t *ad, size_t len, uint8_t type, const uint8_t **val);

/* ---------------------------------------------------- L2CAP reassembly */

typedef struct extxip_ble_l2cap_rx {
    uint8_t buf[4 + BLE_L2CAP_MAX];
    size_t have, need; /* need = 4 + L2CAP length once the header is in */
    int active;
    int discard; /* an oversized PDU: drop its continuations */
    uint32_t dropped;
} extxip_ble_l2cap_rx_t;

void extxip_ble_l2cap_rx_init(extxip_ble_l2cap_rx_t *r);
/* Feed one ACL packet. Returns 1 with cid, pdu, len when a whole L2CAP
 * payload is reassembled, 0 when more is needed, -1 when the fragment was
 * dropped (continuation without start, overrun, oversized PDU). */
int extxip_ble_l2cap_feed(extxip_ble_l2cap_rx_t *r, const extxip_ble_acl_t *a, uint16_t *cid, const uint8_t **pdu,
                   size_t *len);

#endif
