/* lib/ble's peripheral host against a scripted controller. */
#include <stdint.h>
#include <string.h>

#include "ble/ble_att.h"
#include "ble/ble_hci.h"
#include "ble/ble_periph.h"
#include "testutil.h"

/* What the host sent to the controller. */
static uint8_t out[64][600];
static size_t out_len[64];
static int n_out;
static int acl_inflight, acl_max_inflight;
static extxip_ble_periph_t P;
static extxip_ble_l2cap_rx_t rx_from_dev;
static uint8_t notified[4096];
static size_t notified_len;
static int max_att_pdu;
static uint8_t got_smp[4096];
static size_t got_smp_len;
static int smp_calls;
static uint8_t reply[600];
static size_t reply_len;

static int to_ctlr(void *arg, const uint8_t *p, size_t n)
{
    (void)arg;
    if (n_out < 64 && n <= sizeof out[0]) {
        memcpy(out[n_out], p, n);
        out_len[n_out++] = n;
    }
    if (p[0] == BLE_H4_ACL) {
        extxip_ble_acl_t a;
        CHECK_EQ(extxip_ble_acl_parse(p + 1, n - 1, &a), 0);
        CHECK(a.len <= P.acl_mtu);
        acl_inflight++;
        if (acl_inflight > acl_max_inflight)
            acl_max_inflight = acl_inflight;
        uint16_t cid;
        const uint8_t *d;
        size_t dl;
        if (extxip_ble_l2cap_feed(&rx_from_dev, &a, &cid, &d, &dl) == 1 && cid == BLE_CID_ATT) {
            if ((int)dl > max_att_pdu)
                max_att_pdu = (int)dl;
            if (d[0] == BLE_ATT_NOTIFY && notified_len + dl - 3 <= sizeof notified) {
                memcpy(notified + notified_len, d + 3, dl - 3);
                notified_len += dl - 3;
            }
            if (d[0] != BLE_ATT_NOTIFY && dl <= sizeof reply) {
                memcpy(reply, d, dl);
                reply_len = dl;
            }
        }
    }
    return 0;
}

static void on_smp(void *arg, const uint8_t *pkt, size_t len, uint64_t peer)
{
    (void)arg;
    (void)peer;
    smp_calls++;
    memcpy(got_smp, pkt, len);
    got_smp_len = len;
}

static void feed(const uint8_t *p, size_t n)
{
    static extxip_ble_h4_rx_t h4;
    extxip_ble_periph_rx(&P, &h4, p, n, 0);
}

static void evt(uint8_t code, const uint8_t *params, size_t n)
{
    uint8_t b[300] = {BLE_H4_EVT, code, (uint8_t)n};
    memcpy(b + 3, params, n);
    feed(b, 3 + n);
}

static void complete(uint16_t op, const uint8_t *ret, size_t n)
{
    uint8_t p[64] = {1, (uint8_t)op, (uint8_t)(op >> 8)};
    memcpy(p + 3, ret, n);
    evt(BLE_EVT_CMD_COMPLETE, p, 3 + n);
}

/* Answer every queued command with success (and the given buffer/feature
 * replies) until the host stops sending. */
static int last_cmd(void)
{
    for (int i = n_out - 1; i >= 0; i--)
        if (out[i][0] == BLE_H4_CMD)
            return i;
    return -1;
}

static void bring_up(int dle, uint16_t acl_mtu, uint8_t bufs)
{
    memset(&P, 0, sizeof P);
    n_out = 0;
    extxip_ble_periph_init(&P, NULL, 2475, to_ctlr, NULL, on_smp, NULL);
    extxip_ble_periph_start(&P, 0);
    for (int guard = 0; guard < 20; guard++) {
        int i = last_cmd();
        if (i < 0)
            break;
        uint16_t op = ble_get16(out[i] + 1);
        out[i][0] = 0; /* answered */
        if (op == BLE_OP_LE_READ_BUFFER_SIZE) {
            uint8_t r[4] = {0, (uint8_t)acl_mtu, (uint8_t)(acl_mtu >> 8), bufs};
            complete(op, r, 4);
        } else if (op == BLE_OP_LE_READ_LOCAL_FEATURES) {
            uint8_t r[9] = {0, dle ? 0x20 : 0};
            complete(op, r, 9);
        } else {
            uint8_t r[1] = {0};
            complete(op, r, 1);
        }
    }
}

static int sent_op(uint16_t op, uint8_t *params)
{
    for (int i = 0; i < n_out; i++)
        if (out_len[i] >= 4 && ble_get16(out[i] + 1) == op &&
            (out[i][0] == BLE_H4_CMD || out[i][0] == 0)) {
            if (params)
                memcpy(params, out[i] + 4, out[i][3]);
            return 1;
        }
    return 0;
}

static void connect(uint16_t handle)
{
    uint8_t e[19] = {BLE_LE_CONN_COMPLETE, 0, (uint8_t)handle, 0, 1, 0, 1, 2, 3, 4, 5, 6, 6, 0,
                     0, 0, 200, 0, 0};
    evt(BLE_EVT_LE_META, e, sizeof e);
}

static void acl_in(uint16_t handle, const uint8_t *l2, size_t n, size_t frag)
{
    uint8_t b[600];
    for (size_t off = 0; off < n;) {
        size_t k = n - off < frag ? n - off : frag;
        feed(b, extxip_ble_hci_acl(b, sizeof b, handle, off == 0, l2 + off, k));
        off += k;
    }
}

static void att_in(const uint8_t *pdu, size_t n)
{
    uint8_t l2[600];
    ble_put16(l2, (uint16_t)n);
    ble_put16(l2 + 2, BLE_CID_ATT);
    memcpy(l2 + 4, pdu, n);
    acl_in(1, l2, n + 4, 27);
}

static void ncp(uint16_t handle, uint16_t count)
{
    uint8_t p[5] = {1, (uint8_t)handle, (uint8_t)(handle >> 8), (uint8_t)count, 0};
    acl_inflight -= count;
    evt(BLE_EVT_NUM_COMPLETED, p, 5);
}

static void test_h4(void)
{
    extxip_ble_h4_rx_t r;
    extxip_ble_h4_rx_init(&r);
    /* An oversized ACL packet (2000 bytes) is skipped whole; the event behind it decodes. */
    static uint8_t s[2100];
    size_t n = 0;
    s[n++] = 0x07; /* junk type byte */
    s[n++] = BLE_H4_ACL;
    s[n++] = 1;
    s[n++] = 0;
    s[n++] = 2000 & 0xFF;
    s[n++] = 2000 >> 8;
    n += 2000;
    const uint8_t ev[] = {BLE_H4_EVT, 0x0E, 4, 1, 0x03, 0x0C, 0};
    memcpy(s + n, ev, sizeof ev);
    n += sizeof ev;
    int pkts = 0;
    for (size_t i = 0; i < n; i++) { /* byte by byte */
        size_t used;
        const uint8_t *p;
        size_t len;
        if (extxip_ble_h4_feed(&r, s + i, 1, &used, &p, &len) == 1) {
            pkts++;
            CHECK_EQ(len, sizeof ev);
            CHECK_MEM(p, ev, sizeof ev);
        }
        CHECK_EQ(used, 1);
    }
    CHECK_EQ(pkts, 1);
    CHECK_EQ(r.dropped, 2);
}

static void test_bringup(void)
{
    bring_up(1, 251, 4);
    CHECK(P.ready);
    CHECK(!P.failed);
    CHECK_EQ(P.acl_mtu, 251);
    CHECK_EQ(P.acl_total, 4);
    uint8_t ad[32];
    CHECK(sent_op(BLE_OP_LE_SET_ADV_DATA, ad));
    /* flags, then the 128-bit SMP service UUID, then the name */
    CHECK_MEM(ad + 1, "\x02\x01\x06\x11\x07", 5);
    CHECK_MEM(ad + 6, extxip_ble_uuid_smp_svc, 16);
    CHECK_MEM(ad + 22, "\x07\x09Zephyr", 8);
    CHECK(sent_op(BLE_OP_LE_WRITE_DEFAULT_DATA_LENGTH, NULL));
    n_out = 0;
    connect(1);
    uint8_t dl[6];
    CHECK(sent_op(BLE_OP_LE_SET_DATA_LENGTH, dl)); /* DLE asked for on the link */
    CHECK_EQ(ble_get16(dl + 2), 251);
    /* Without DLE it is not asked for. */
    bring_up(0, 27, 2);
    n_out = 0;
    connect(1);
    CHECK(!sent_op(BLE_OP_LE_SET_DATA_LENGTH, NULL));
}

static void test_flow(void)
{
    bring_up(0, 27, 2);
    connect(1);
    acl_inflight = acl_max_inflight = 0;
    static const uint8_t mtu[] = {BLE_ATT_MTU_REQ, 100, 0};
    att_in(mtu, 3);
    CHECK_EQ(P.att.mtu, 100);
    ncp(1, (uint16_t)acl_inflight);
    static const uint8_t sub[] = {BLE_ATT_WRITE_REQ, BLE_H_SMP_CCCD, 0, 1, 0};
    att_in(sub, 5);
    CHECK_EQ(reply_len, 1);
    CHECK_EQ(reply[0], BLE_ATT_WRITE_RSP);
    ncp(1, (uint16_t)acl_inflight);
    /* A 300-byte response goes out as notifications of at most MTU-3 = 97
     * bytes, in ACL packets of at most 27 bytes, never more than 2 in flight. */
    uint8_t rsp[300];
    for (size_t i = 0; i < sizeof rsp; i++)
        rsp[i] = (uint8_t)(i * 7);
    notified_len = 0;
    max_att_pdu = 0;
    CHECK_EQ(extxip_ble_periph_send_smp(&P, rsp, sizeof rsp), 0);
    extxip_ble_periph_poll(&P, 0);
    for (int i = 0; i < 100 && !extxip_ble_periph_idle(&P); i++) {
        CHECK(acl_inflight <= 2);
        ncp(1, 1);
    }
    CHECK(extxip_ble_periph_idle(&P));
    CHECK_EQ(acl_max_inflight, 2);
    CHECK_EQ(max_att_pdu, 100);
    CHECK_EQ(notified_len, sizeof rsp);
    CHECK_MEM(notified, rsp, sizeof rsp);
    /* Unsubscribed: queued responses are dropped, not sent. */
    static const uint8_t unsub[] = {BLE_ATT_WRITE_REQ, BLE_H_SMP_CCCD, 0, 0, 0};
    att_in(unsub, 5);
    ncp(1, (uint16_t)acl_inflight);
    notified_len = 0;
    extxip_ble_periph_send_smp(&P, rsp, 50);
    extxip_ble_periph_poll(&P, 0);
    CHECK_EQ(notified_len, 0);
    CHECK(extxip_ble_periph_idle(&P));
}

static void smp_write(const uint8_t *d, size_t n)
{
    uint8_t w[300] = {BLE_ATT_WRITE_CMD, BLE_H_SMP, 0};
    memcpy(w + 3, d, n);
    att_in(w, 3 + n);
    ncp(1, (uint16_t)acl_inflight);
}

static void test_reconnect(void)
{
    bring_up(0, 27, 2);
    connect(1);
    /* echo request: header (len 6) + {"d":"hi"} */
    static const uint8_t req[] = {2, 0, 0, 6, 0, 0, 1, 0, 0xA1, 0x61, 'd', 0x62, 'h', 'i'};
    smp_calls = 0;
    smp_write(req, 5); /* half a request */
    CHECK_EQ(smp_calls, 0);
    n_out = 0;
    uint8_t dc[4] = {0, 1, 0, 0x08};
    evt(BLE_EVT_DISCONN_COMPLETE, dc, 4);
    CHECK(!P.connected);
    uint8_t on;
    CHECK(sent_op(BLE_OP_LE_SET_ADV_ENABLE, &on)); /* advertising again */
    CHECK_EQ(on, 1);
    connect(1);
    /* Had the 5 old bytes been kept, this request would be read after them
     * and the packet would be garbage. */
    smp_write(req, sizeof req);
    CHECK_EQ(smp_calls, 1);
    CHECK_EQ(got_smp_len, sizeof req);
    CHECK_MEM(got_smp, req, sizeof req);
}

static void test_second(void)
{
    bring_up(0, 27, 2);
    connect(1);
    n_out = 0;
    connect(2); /* a second central: the host ends that link at once */
    uint8_t d[3];
    CHECK(sent_op(BLE_OP_DISCONNECT, d));
    CHECK_EQ(ble_get16(d), 2);
    CHECK(P.connected);
    CHECK_EQ(P.handle, 1);
}

/* CCCD writes as Zephyr's bt_gatt_attr_write_ccc answers them (subsys/bluetooth/host/
 * gatt.c): a 1- or 2-byte value is accepted whatever its bits (reserved ones included:
 * Zephyr has no check, its SMP service no cfg_write callback), stored and read back as
 * written; 0 or more than 2 bytes is Invalid Attribute Value Length (0x0d). Only the
 * notify bit subscribes to SMP responses (bt_gatt_is_subscribed tests the bit). */
static size_t cccd_rx(extxip_ble_att_server_t *s, const uint8_t *pdu, size_t n, uint8_t *rsp)
{
    return extxip_ble_att_server_rx(s, pdu, n, rsp, BLE_ATT_MTU_MAX);
}

static uint16_t cccd_read(extxip_ble_att_server_t *s, uint16_t h)
{
    uint8_t rd[3] = {BLE_ATT_READ_REQ, (uint8_t)h, (uint8_t)(h >> 8)}, rsp[BLE_ATT_MTU_MAX];
    CHECK_EQ(cccd_rx(s, rd, 3, rsp), 3);
    CHECK_EQ(rsp[0], BLE_ATT_READ_RSP);
    return ble_get16(rsp + 1);
}

static void test_cccd(void)
{
    static extxip_ble_att_server_t s;
    uint8_t rsp[BLE_ATT_MTU_MAX];
    extxip_ble_att_server_init(&s, NULL, NULL, NULL);
    for (int k = 0; k < 2; k++) {
        uint16_t h = k ? BLE_H_SC_CCCD : BLE_H_SMP_CCCD;
        uint8_t hl = (uint8_t)h, hh = (uint8_t)(h >> 8);
        const uint8_t reserved[] = {BLE_ATT_WRITE_REQ, hl, hh, 0x05, 0x80};
        CHECK_EQ(cccd_rx(&s, reserved, sizeof reserved, rsp), 1);
        CHECK_EQ(rsp[0], BLE_ATT_WRITE_RSP);
        CHECK_EQ(cccd_read(&s, h), 0x8005);
        const uint8_t one[] = {BLE_ATT_WRITE_REQ, hl, hh, 0x02};
        CHECK_EQ(cccd_rx(&s, one, sizeof one, rsp), 1);
        CHECK_EQ(rsp[0], BLE_ATT_WRITE_RSP);
        CHECK_EQ(cccd_read(&s, h), 0x0002);
        const uint8_t three[] = {BLE_ATT_WRITE_REQ, hl, hh, 1, 0, 0};
        const uint8_t none[] = {BLE_ATT_WRITE_REQ, hl, hh};
        CHECK_EQ(cccd_rx(&s, three, sizeof three, rsp), 5);
        CHECK_EQ(rsp[0], BLE_ATT_ERROR_RSP);
        CHECK_EQ(rsp[4], BLE_ATT_EINVALID_LEN);
        CHECK_EQ(cccd_rx(&s, none, sizeof none, rsp), 5);
        CHECK_EQ(rsp[4], BLE_ATT_EINVALID_LEN);
        CHECK_EQ(cccd_read(&s, h), 0x0002); /* a refused write changes nothing */
    }
    /* Through the peripheral: indicate alone (0x0002) does not subscribe to SMP
     * responses, notify with a reserved bit (0x0101) does. */
    bring_up(0, 27, 2);
    connect(1);
    static const uint8_t ind[] = {BLE_ATT_WRITE_REQ, BLE_H_SMP_CCCD, 0, 2, 0};
    att_in(ind, sizeof ind);
    ncp(1, (uint16_t)acl_inflight);
    static const uint8_t r[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    notified_len = 0;
    extxip_ble_periph_send_smp(&P, r, sizeof r);
    extxip_ble_periph_poll(&P, 0);
    CHECK_EQ(notified_len, 0);
    static const uint8_t nfy[] = {BLE_ATT_WRITE_REQ, BLE_H_SMP_CCCD, 0, 1, 1};
    att_in(nfy, sizeof nfy);
    ncp(1, (uint16_t)acl_inflight);
    extxip_ble_periph_send_smp(&P, r, sizeof r);
    extxip_ble_periph_poll(&P, 0);
    for (int i = 0; i < 10 && !extxip_ble_periph_idle(&P); i++)
        ncp(1, (uint16_t)acl_inflight);
    CHECK_EQ(notified_len, sizeof r);
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"h4", test_h4}, {"bringup", test_bringup},
                                      {"flow", test_flow}, {"reconnect", test_reconnect},
                                      {"second", test_second}, {"cccd", test_cccd}};
    return TU_RUN("ble_unit", cases, argc, argv);
}
