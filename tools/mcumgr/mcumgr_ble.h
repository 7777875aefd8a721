/*
 * extxip-mcumgr's Bluetooth LE transport: an LE central over HCI (the same
 * H4/ACL/L2CAP codec as the device, lib/ble) on a controller opened as
 * hci_ctlr.h spells it. Open = controller reset, scan for the peer (name
 * and/or address) until the scan timeout, connect (7.5 ms interval), ATT MTU
 * exchange (498), discover the SMP service and characteristic by UUID,
 * subscribe to notifications. Each SMP request goes out as ATT Write Commands
 * of at most ATT_MTU-3 bytes; responses are reassembled from notifications by
 * the SMP header length. A link lost between commands is connected again on
 * the next send (the device reboots and advertises after `reset`).
 */
#ifndef EXTXIP_MCUMGR_BLE_H
#define EXTXIP_MCUMGR_BLE_H

#include <stddef.h>
#include <stdint.h>

#include "mcumgr_conn.h"

typedef struct mcumgr_ble mcumgr_ble_t;

typedef struct mcumgr_ble_stats {
    unsigned long long acl_tx_pkts, acl_tx_bytes, acl_rx_pkts, acl_rx_bytes;
    unsigned long long smp_tx_bytes, smp_rx_bytes;
    /* L2CAP PDUs sent, and the LL data PDUs they need at 27- and 251-byte LL
     * payloads (without / with data length extension): the benchmark's model. */
    unsigned long long l2_tx_pdus, ll27_tx_pkts, ll251_tx_pkts, l2_tx_bytes;
    /* ... and at 247 bytes: 251-byte LL payloads less the 4-byte MIC of an
     * encrypted link. The last pairing: its wall time, and SM PDUs both ways. */
    unsigned long long ll247_tx_pkts, pair_us;
    unsigned sm_pdus;
    int encrypted;
    unsigned mtu, acl_mtu, acl_bufs, connects;
    int dle;
} mcumgr_ble_stats_t;

/* Returns a connected transport, or NULL with one line in err. */
mcumgr_ble_t *mcumgr_ble_open(const mcumgr_conn_t *c, char *err, size_t cap);
/* Send one SMP packet. Returns 0 or -1 (link lost and could not reconnect). */
int mcumgr_ble_send(mcumgr_ble_t *b, const uint8_t *pkt, size_t len);
/* One reassembled SMP packet: its length, 0 on timeout, -1 if the link dropped. */
int mcumgr_ble_recv(mcumgr_ble_t *b, uint8_t *buf, size_t cap, long long deadline_ns);
void mcumgr_ble_stats(const mcumgr_ble_t *b, mcumgr_ble_stats_t *st);
/* Disconnect and free. */
void mcumgr_ble_close(mcumgr_ble_t *b);

#endif
