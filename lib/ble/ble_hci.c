#include "ble/ble_hci.h"

#include <string.h>

void extxip_ble_h4_rx_init(extxip_ble_h4_rx_t *r)
{
    memset(r, 0, sizeof *r);
}

/* Header size after the type byte, or 0 for an unknown type. */
static size_t hdr_size(uint8_t type)
{
    switch (type) {
    case BLE_H4_CMD: return 3;
    case BLE_H4_ACL: return 4;
    case BLE_H4_EVT: return 2;
    case 0x03: return 3; /* SCO: length in byte 3 */
    case 0x05: return 4; /* ISO: 14-bit length in bytes 3..4 */
    default: return 0;
    }
}

static size_t body_size(const uint8_t *b)
{
    switch (b[0]) {
    case BLE_H4_CMD: return b[3];
    case BLE_H4_ACL: return ble_get16(b + 3);
    case BLE_H4_EVT: return b[2];
    case 0x03: return b[3];
    default: return ble_get16(b + 3) & 0x3FFF;
    }
}

int extxip_ble_h4_feed(extxip_ble_h4_rx_t *r, const uint8_t *in, size_t n, size_t *used, const uint8_t **pkt,
                size_t *len)
{
    size_t i = 0;
    while (i < n) {
        if (r->skip) {
            size_t k = n - i < r->skip ? n - i : r->skip;
            r->skip -= k;
            i += k;
            continue;
        }
        if (r->have == 0) {
            if (!hdr_size(in[i])) {
                r->dropped++;
                i++;
                continue;
            }
            r->buf[r->have++] = in[i++];
            r->need = 0;
            continue;
        }
        size_t hs = 1 + hdr_size(r->buf[0]);
        if (r->need == 0) {
            r->buf[r->have++] = in[i++];
            if (r->have == hs) {
                size_t total = hs + body_size(r->buf);
                if (total > sizeof r->buf) {
                    r->skip = total - hs;
                    r->have = 0;
                    r->dropped++;
                    continue;
                }
                r->need = total;
            } else {
                continue;
            }
        } else {
            size_t k = r->need - r->have;
            if (k > n - i)
                k = n - i;
            memcpy(r->buf + r->have, in + i, k);
            r->have += k;
            i += k;
        }
        if (r->need && r->have == r->need) {
            *pkt = r->buf;
            *len = r->have;
            r->have = 0;
            r->need = 0;
            *used = i;
            return 1;
        }
    }
    *used = i;
    return 0;
}

size_t extxip_ble_hci_cmd(uint8_t *out, size_t cap, uint16_t opcode, const uint8_t *params, size_t plen)
{
    if (plen > 255 || cap < 4 + plen)
        return 0;
    out[0] = BLE_H4_CMD;
    ble_put16(out + 1, opcode);
    out[3] = (uint8_t)plen;
    if (plen)
        memcpy(out + 4, params, plen);
    return 4 + plen;
}

size_t extxip_ble_hci_acl(uint8_t *out, size_t cap, uint16_t handle, int first, const uint8_t *data,
                   size_t len)
{
    if (len > 0xFFFF || cap < 5 + len || handle > 0x0EFF)
        return 0;
    out[0] = BLE_H4_ACL;
    ble_put16(out + 1, (uint16_t)(handle | (first ? 0x0000 : 0x1000)));
    ble_put16(out + 3, (uint16_t)len);
    if (len)
        memcpy(out + 5, data, len);
    return 5 + len;
}

int extxip_ble_evt_parse(const uint8_t *pkt, size_t len, extxip_ble_evt_t *e)
{
    if (len < 2 || (size_t)pkt[1] != len - 2)
        return -1;
    e->code = pkt[0];
    e->len = pkt[1];
    e->p = pkt + 2;
    return 0;
}

int extxip_ble_evt_cmd_done(const extxip_ble_evt_t *e, uint16_t *opcode, uint8_t *status, const uint8_t **ret,
                     size_t *ret_len)
{
    *ret = NULL;
    *ret_len = 0;
    if (e->code == BLE_EVT_CMD_COMPLETE && e->len >= 3) {
        *opcode = ble_get16(e->p + 1);
        *status = e->len >= 4 ? e->p[3] : 0;
        if (e->len > 4) {
            *ret = e->p + 4;
            *ret_len = (size_t)e->len - 4;
        }
        return 0;
    }
    if (e->code == BLE_EVT_CMD_STATUS && e->len >= 4) {
        *status = e->p[0];
        *opcode = ble_get16(e->p + 2);
        return 0;
    }
    return -1;
}

int extxip_ble_acl_parse(const uint8_t *pkt, size_t len, extxip_ble_acl_t *a)
{
    if (len < 4)
        return -1;
    uint16_t h = ble_get16(pkt);
    a->handle = h & 0x0FFF;
    a->pb = (uint8_t)((h >> 12) & 3);
    a->len = ble_get16(pkt + 2);
    if ((size_t)a->len != len - 4)
        return -1;
    a->data = pkt + 4;
    return 0;
}

int extxip_ble_ad_find(const uint8_t *ad, size_t len, uint8_t type, const uint8_t **val)
{
    size_t i = 0;
    while (i < len) {
        size_t l = ad[i];
        if (l == 0)
            break;
        if (l > len - i - 1)
            return -1;
        if (ad[i + 1] == type) {
            *val = ad + i + 2;
            return (int)l - 1;
        }
        i += 1 + l;
    }
    return -1;
}

void extxip_ble_l2cap_rx_init(extxip_ble_l2cap_rx_t *r)
{
    memset(r, 0, sizeof *r);
}

int extxip_ble_l2cap_feed(extxip_ble_l2cap_rx_t *r, const extxip_ble_acl_t *a, uint16_t *cid, const uint8_t **pdu,
                   size_t *len)
{
    if (a->pb != 1) { /* start: a PDU in progress is abandoned */
        if (r->active)
            r->dropped++;
        r->active = 1;
        r->discard = 0;
        r->have = 0;
        r->need = 0;
    } else if (!r->active) {
        r->dropped++;
        return -1;
    }
    if (r->discard) {
        r->have += a->len;
        if (r->have >= r->need)
            r->active = 0;
        return -1;
    }
    size_t n = a->len;
    const uint8_t *d = a->data;
    /* Header first (it may itself be split). */
    while (n && r->have < 4) {
        r->buf[r->have++] = *d++;
        n--;
    }
    if (r->have < 4)
        return 0;
    if (!r->need) {
        r->need = 4 + (size_t)ble_get16(r->buf);
        if (r->need > sizeof r->buf) {
            r->discard = 1;
            r->dropped++;
            r->have += n;
            if (r->have >= r->need)
                r->active = 0;
            return -1;
        }
    }
    if (n > r->need - r->have) { /* more than the header announced */
        r->active = 0;
        r->dropped++;
        return -1;
    }
    memcpy(r->buf + r->have, d, n);
    r->have += n;
    if (r->have < r->need)
        return 0;
    r->active = 0;
    *cid = ble_get16(r->buf + 2);
    *pdu = r->buf + 4;
    *len = r->need - 4;
    return 1;
}
