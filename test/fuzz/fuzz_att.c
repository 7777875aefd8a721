/*
 * libFuzzer harness: the device's ATT server and SMP-over-GATT framing
 * (lib/ble/ble_att.c, ble_periph.c) behind an already connected link. Input:
 * a sequence of [len][ATT PDU] records from the central, each delivered in
 * ACL fragments of 1..251 bytes (first byte), with the controller returning
 * every buffer after each record. Checked: every L2CAP PDU the device sends
 * is on the ATT channel (or the signalling/security channels' refusals),
 * no longer than the ATT_MTU in use; an Error Response is 5 bytes; a
 * notification is on the SMP handle with at most MTU-3 bytes; the MTU never
 * leaves 23..498; SMP requests handed up are whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble/ble_att.h"
#include "ble/ble_hci.h"
#include "ble/ble_periph.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_att: %s\n", why);                                                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static extxip_ble_periph_t g_p;
static extxip_ble_l2cap_rx_t g_out; /* reassembles what the device sends */

static void check_pdu(uint16_t cid, const uint8_t *d, size_t n)
{
    if (cid != BLE_CID_ATT) {
        FZ_ASSERT(cid == BLE_CID_SIG || cid == 0x0006, "PDU on an unknown channel");
        return;
    }
    FZ_ASSERT(n >= 1 && n <= g_p.att.mtu, "ATT PDU longer than the MTU");
    if (d[0] == BLE_ATT_ERROR_RSP)
        FZ_ASSERT(n == 5, "error response size");
    if (d[0] == BLE_ATT_NOTIFY) {
        FZ_ASSERT(n >= 4 && ble_get16(d + 1) == BLE_H_SMP, "notification handle");
        FZ_ASSERT(g_p.att.cccd_smp & BLE_CCC_NOTIFY, "notification without a subscription");
    }
}

static int to_ctlr(void *arg, const uint8_t *h4, size_t len)
{
    (void)arg;
    if (h4[0] != BLE_H4_ACL)
        return 0;
    extxip_ble_acl_t a;
    FZ_ASSERT(extxip_ble_acl_parse(h4 + 1, len - 1, &a) == 0, "ACL length field");
    FZ_ASSERT(a.len <= g_p.acl_mtu, "ACL larger than the controller's buffer");
    uint16_t cid;
    const uint8_t *pdu;
    size_t n;
    int r = extxip_ble_l2cap_feed(&g_out, &a, &cid, &pdu, &n);
    FZ_ASSERT(r >= 0, "device sent a broken L2CAP stream");
    if (r == 1)
        check_pdu(cid, pdu, n);
    return 0;
}

static void on_smp(void *arg, const uint8_t *pkt, size_t len, uint64_t peer)
{
    extxip_ble_periph_t *p = arg;
    (void)peer;
    FZ_ASSERT(len >= 8 && len == 8u + ((size_t)pkt[2] << 8 | pkt[3]) && len <= p->smp_max,
              "SMP packet not whole");
    extxip_ble_periph_send_smp(p, pkt, len);
}

static void event(const uint8_t *e, size_t n)
{
    uint8_t pkt[300];
    pkt[0] = BLE_H4_EVT;
    memcpy(pkt + 1, e, n);
    extxip_ble_periph_packet(&g_p, pkt, n + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1)
        return 0;
    size_t frag = (size_t)(d[0] % 251) + 1;
    d++;
    n--;
    extxip_ble_l2cap_rx_init(&g_out);
    extxip_ble_periph_init(&g_p, NULL, 2475, to_ctlr, NULL, on_smp, &g_p);
    extxip_ble_periph_start(&g_p, 0);
    /* LE Read Buffer Size: 4 buffers of 69 bytes; then a connection, handle 1. */
    static const uint8_t bufsz[] = {BLE_EVT_CMD_COMPLETE, 7, 1, 0x02, 0x20, 0, 69, 0, 4};
    event(bufsz, sizeof bufsz);
    static const uint8_t conn[] = {BLE_EVT_LE_META, 19, BLE_LE_CONN_COMPLETE, 0, 1, 0, 1, 0,
                                   1, 2, 3, 4, 5, 6, 6, 0, 0, 0, 200, 0, 0};
    event(conn, sizeof conn);
    FZ_ASSERT(g_p.connected, "connection not taken");
    static const uint8_t ncp[] = {BLE_EVT_NUM_COMPLETED, 5, 1, 1, 0, 4, 0};
    uint8_t acl[5 + 300];
    while (n >= 1) {
        size_t len = d[0];
        d++;
        n--;
        if (len > n)
            len = n;
        uint8_t l2[4 + 255];
        ble_put16(l2, (uint16_t)len);
        ble_put16(l2 + 2, BLE_CID_ATT);
        memcpy(l2 + 4, d, len);
        for (size_t off = 0; off < 4 + len;) {
            size_t k = 4 + len - off < frag ? 4 + len - off : frag;
            size_t an = extxip_ble_hci_acl(acl, sizeof acl, 1, off == 0, l2 + off, k);
            extxip_ble_periph_packet(&g_p, acl, an);
            off += k;
        }
        for (int i = 0; i < 40 && !extxip_ble_periph_idle(&g_p); i++)
            event(ncp, sizeof ncp);
        FZ_ASSERT(g_p.att.mtu >= BLE_ATT_MTU_MIN && g_p.att.mtu <= BLE_ATT_MTU_MAX, "MTU range");
        d += len;
        n -= len;
    }
    return 0;
}
