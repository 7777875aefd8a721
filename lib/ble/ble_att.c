#include "ble/ble_att.h"

#include <string.h>

const uint8_t extxip_ble_uuid_smp_svc[16] = {0x84, 0xAA, 0x60, 0x74, 0x52, 0x8A, 0x8B, 0x86,
                                      0xD3, 0x4C, 0xB7, 0x1D, 0x1D, 0xDC, 0x53, 0x8D};
const uint8_t extxip_ble_uuid_smp_chr[16] = {0x48, 0x7C, 0x99, 0x74, 0x11, 0x26, 0x9E, 0xAE,
                                      0x01, 0x4E, 0xCE, 0xFB, 0x28, 0x78, 0x2E, 0xDA};

enum { P_R = 1, P_W = 2 };
enum { V_CONST, V_NAME, V_APPEAR, V_SC_CCCD, V_SMP_CCCD, V_SMP };

typedef struct attr {
    uint16_t uuid16;        /* 0: uuid128 */
    const uint8_t *uuid128;
    uint8_t perm;
    uint8_t kind;
    const uint8_t *val;
    uint8_t vlen;
} attr_t;

static const uint8_t v_gap[] = {0x00, 0x18};
static const uint8_t v_gatt[] = {0x01, 0x18};
static const uint8_t v_name_decl[] = {0x02, BLE_H_NAME, 0x00, 0x00, 0x2A};
static const uint8_t v_appear_decl[] = {0x02, BLE_H_APPEAR, 0x00, 0x01, 0x2A};
static const uint8_t v_sc_decl[] = {0x20, BLE_H_SC, 0x00, 0x05, 0x2A};
static const uint8_t v_sc[] = {0x01, 0x00, 0xFF, 0xFF};
static const uint8_t v_smp_decl[] = {0x14, BLE_H_SMP, 0x00, 0x48, 0x7C, 0x99, 0x74, 0x11, 0x26,
                                     0x9E, 0xAE, 0x01, 0x4E, 0xCE, 0xFB, 0x28, 0x78, 0x2E, 0xDA};

/* Index = handle - 1. */
static const attr_t db[BLE_H_LAST] = {
    {BLE_UUID_PRIMARY, NULL, P_R, V_CONST, v_gap, sizeof v_gap},
    {BLE_UUID_CHRC, NULL, P_R, V_CONST, v_name_decl, sizeof v_name_decl},
    {0x2A00, NULL, P_R, V_NAME, NULL, 0},
    {BLE_UUID_CHRC, NULL, P_R, V_CONST, v_appear_decl, sizeof v_appear_decl},
    {0x2A01, NULL, P_R, V_APPEAR, NULL, 0},
    {BLE_UUID_PRIMARY, NULL, P_R, V_CONST, v_gatt, sizeof v_gatt},
    {BLE_UUID_CHRC, NULL, P_R, V_CONST, v_sc_decl, sizeof v_sc_decl},
    {0x2A05, NULL, 0, V_CONST, v_sc, sizeof v_sc},
    {BLE_UUID_CCCD, NULL, P_R | P_W, V_SC_CCCD, NULL, 0},
    {BLE_UUID_PRIMARY, NULL, P_R, V_CONST, extxip_ble_uuid_smp_svc, 16},
    {BLE_UUID_CHRC, NULL, P_R, V_CONST, v_smp_decl, sizeof v_smp_decl},
    {0, extxip_ble_uuid_smp_chr, P_W, V_SMP, NULL, 0},
    {BLE_UUID_CCCD, NULL, P_R | P_W, V_SMP_CCCD, NULL, 0},
};

/* Last handle of the service that starts at handle h (a primary service). */
static uint16_t group_end(uint16_t h)
{
    uint16_t e = h;
    while (e < BLE_H_LAST && db[e].uuid16 != BLE_UUID_PRIMARY)
        e++;
    return e;
}

static size_t value_of(const extxip_ble_att_server_t *s, const attr_t *a, uint8_t tmp[2],
                       const uint8_t **v)
{
    switch (a->kind) {
    case V_NAME: *v = (const uint8_t *)s->name; return strlen(s->name);
    case V_APPEAR: ble_put16(tmp, s->appearance); *v = tmp; return 2;
    case V_SC_CCCD: ble_put16(tmp, s->cccd_sc); *v = tmp; return 2;
    case V_SMP_CCCD: ble_put16(tmp, s->cccd_smp); *v = tmp; return 2;
    case V_SMP: *v = NULL; return 0;
    default: *v = a->val; return a->vlen;
    }
}

/* Does the request's UUID (2 or 16 bytes) name attribute a's type? */
static int uuid_is(const attr_t *a, const uint8_t *u, size_t ulen)
{
    if (ulen == 2)
        return a->uuid16 && a->uuid16 == ble_get16(u);
    if (ulen == 16) {
        static const uint8_t base[12] = {0xFB, 0x34, 0x9B, 0x5F, 0x80, 0x00,
                                         0x00, 0x80, 0x00, 0x10, 0x00, 0x00};
        if (a->uuid16)
            return memcmp(u, base, 12) == 0 && ble_get16(u + 12) == a->uuid16 &&
                   u[14] == 0 && u[15] == 0;
        return memcmp(u, a->uuid128, 16) == 0;
    }
    return 0;
}

void extxip_ble_att_server_init(extxip_ble_att_server_t *s, const char *name, extxip_ble_att_write_fn fn, void *arg)
{
    memset(s, 0, sizeof *s);
    s->mtu = BLE_ATT_MTU_MIN;
    s->mtu_max = BLE_ATT_MTU_MAX;
    if (!name)
        name = BLE_DEFAULT_NAME;
    size_t n = strlen(name);
    if (n > BLE_NAME_MAX)
        n = BLE_NAME_MAX;
    memcpy(s->name, name, n);
    s->name[n] = '\0';
    s->on_smp_write = fn;
    s->arg = arg;
}

static size_t err_rsp(extxip_ble_att_server_t *s, uint8_t *rsp, uint8_t req, uint16_t h, uint8_t code)
{
    rsp[0] = BLE_ATT_ERROR_RSP;
    rsp[1] = req;
    ble_put16(rsp + 2, h);
    rsp[4] = code;
    s->errors_sent++;
    return 5;
}

/* The SMP characteristic and its CCCD carry the level --ble-security asks
 * for (Zephyr's CONFIG_MCUMGR_TRANSPORT_BT_PERM_RW_ENCRYPT/_AUTHEN put it on
 * both); checked as Zephyr's bt_gatt_check_perm does: an unencrypted link
 * gets Insufficient Encryption when a bond (LTK) for the peer exists, else
 * Insufficient Authentication; an encrypted link below the authenticated
 * level gets Insufficient Authentication. 0 = allowed. */
static uint8_t sec_check(extxip_ble_att_server_t *s, uint16_t h)
{
    if (s->sec_required == 0 || (h != BLE_H_SMP && h != BLE_H_SMP_CCCD))
        return 0;
    uint8_t e = 0;
    if (s->sec_level == 0)
        e = s->has_ltk ? BLE_ATT_EINSUFF_ENC : BLE_ATT_EAUTHEN;
    else if (s->sec_required >= 2 && s->sec_level < 2)
        e = BLE_ATT_EAUTHEN;
    if (e)
        s->sec_refused++;
    return e;
}

/* Start/end handle range of a request: 0 or an ATT error code. */
static int range(const uint8_t *p, uint16_t *start, uint16_t *end)
{
    *start = ble_get16(p);
    *end = ble_get16(p + 2);
    return (*start == 0 || *start > *end) ? BLE_ATT_EINVALID_HANDLE : 0;
}

static size_t do_write(extxip_ble_att_server_t *s, uint8_t op, const uint8_t *pdu, size_t len,
                       uint8_t *rsp)
{
    int req = op == BLE_ATT_WRITE_REQ;
    if (len < 3)
        return req ? err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU) : 0;
    uint16_t h = ble_get16(pdu + 1);
    const uint8_t *v = pdu + 3;
    size_t n = len - 3;
    uint8_t code = 0;
    if (h == 0 || h > BLE_H_LAST)
        code = BLE_ATT_EINVALID_HANDLE;
    else if (!(db[h - 1].perm & P_W))
        code = BLE_ATT_EWRITE_NOT_PERM;
    else if ((code = sec_check(s, h)) != 0) {
        /* refused (a write command is dropped without a word, as Zephyr's att_write_cmd) */
    } else if (db[h - 1].kind == V_SMP) {
        if (s->on_smp_write)
            code = s->on_smp_write(s->arg, v, n);
    } else if (n == 0 || n > 2) {
        code = BLE_ATT_EINVALID_LEN;
    } else {
        /* As Zephyr's bt_gatt_attr_write_ccc: one byte or two, stored and read back as
         * written, reserved bits included (Zephyr has no check, and its SMP service no
         * cfg_write to add one); what a bit enables is tested where it is used. */
        uint16_t val = n == 1 ? v[0] : ble_get16(v);
        if (db[h - 1].kind == V_SMP_CCCD)
            s->cccd_smp = val;
        else
            s->cccd_sc = val;
    }
    if (!req) {
        if (code)
            s->dropped++;
        return 0;
    }
    if (code)
        return err_rsp(s, rsp, op, h, code);
    rsp[0] = BLE_ATT_WRITE_RSP;
    return 1;
}

size_t extxip_ble_att_server_rx(extxip_ble_att_server_t *s, const uint8_t *pdu, size_t len, uint8_t *rsp,
                         size_t cap)
{
    if (len == 0 || cap < s->mtu_max)
        return 0;
    uint8_t op = pdu[0];
    uint16_t start, end;
    uint8_t tmp[2];
    const uint8_t *v;
    size_t mtu = s->mtu;
    int e;
    if (len > mtu) {
        /* Longer than the ATT_MTU in use: a request is answered Invalid PDU,
         * a command is dropped (Core Vol 3 Part F §3.2.8). */
        if (op & 0x40) {
            s->dropped++;
            return 0;
        }
        return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
    }
    switch (op) {
    case BLE_ATT_MTU_REQ: {
        if (len != 3)
            return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
        uint16_t c = ble_get16(pdu + 1);
        if (c < BLE_ATT_MTU_MIN)
            c = BLE_ATT_MTU_MIN;
        s->mtu = c < s->mtu_max ? c : s->mtu_max;
        rsp[0] = BLE_ATT_MTU_RSP;
        ble_put16(rsp + 1, s->mtu_max);
        return 3;
    }
    case BLE_ATT_FIND_INFO_REQ: {
        if (len != 5)
            return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
        if ((e = range(pdu + 1, &start, &end)) != 0)
            return err_rsp(s, rsp, op, start, (uint8_t)e);
        size_t n = 2;
        int fmt = 0;
        for (uint32_t h = start; h <= end && h <= BLE_H_LAST; h++) {
            const attr_t *a = &db[h - 1];
            int f = a->uuid16 ? 1 : 2;
            size_t es = f == 1 ? 4 : 18;
            if ((fmt && f != fmt) || n + es > mtu)
                break;
            fmt = f;
            ble_put16(rsp + n, (uint16_t)h);
            if (f == 1)
                ble_put16(rsp + n + 2, a->uuid16);
            else
                memcpy(rsp + n + 2, a->uuid128, 16);
            n += es;
        }
        if (!fmt)
            return err_rsp(s, rsp, op, start, BLE_ATT_ENOT_FOUND);
        rsp[0] = BLE_ATT_FIND_INFO_RSP;
        rsp[1] = (uint8_t)fmt;
        return n;
    }
    case BLE_ATT_FIND_TYPE_REQ: {
        if (len < 7)
            return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
        if ((e = range(pdu + 1, &start, &end)) != 0)
            return err_rsp(s, rsp, op, start, (uint8_t)e);
        uint16_t type = ble_get16(pdu + 5);
        const uint8_t *want = pdu + 7;
        size_t wlen = len - 7;
        size_t n = 1;
        for (uint32_t h = start; h <= end && h <= BLE_H_LAST; h++) {
            const attr_t *a = &db[h - 1];
            if (a->uuid16 != type || type != BLE_UUID_PRIMARY)
                continue;
            size_t vl = value_of(s, a, tmp, &v);
            if (vl != wlen || memcmp(v, want, vl) != 0)
                continue;
            if (n + 4 > mtu)
                break;
            ble_put16(rsp + n, (uint16_t)h);
            ble_put16(rsp + n + 2, group_end((uint16_t)h));
            n += 4;
        }
        if (n == 1)
            return err_rsp(s, rsp, op, start, BLE_ATT_ENOT_FOUND);
        rsp[0] = BLE_ATT_FIND_TYPE_RSP;
        return n;
    }
    case BLE_ATT_READ_TYPE_REQ:
    case BLE_ATT_READ_GROUP_REQ: {
        if (len != 7 && len != 21)
            return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
        if ((e = range(pdu + 1, &start, &end)) != 0)
            return err_rsp(s, rsp, op, start, (uint8_t)e);
        const uint8_t *u = pdu + 5;
        size_t ulen = len - 5;
        int group = op == BLE_ATT_READ_GROUP_REQ;
        if (group && !(ulen == 2 && (ble_get16(u) == BLE_UUID_PRIMARY ||
                                     ble_get16(u) == BLE_UUID_SECONDARY)))
            return err_rsp(s, rsp, op, start, BLE_ATT_EUNSUPP_GROUP);
        size_t n = 2, each = 0;
        size_t hdr = group ? 4 : 2;
        for (uint32_t h = start; h <= end && h <= BLE_H_LAST; h++) {
            const attr_t *a = &db[h - 1];
            if (!uuid_is(a, u, ulen))
                continue;
            if (!(a->perm & P_R)) {
                if (each == 0)
                    return err_rsp(s, rsp, op, (uint16_t)h, BLE_ATT_EREAD_NOT_PERM);
                break;
            }
            uint8_t se = sec_check(s, (uint16_t)h);
            if (se) {
                if (each == 0)
                    return err_rsp(s, rsp, op, (uint16_t)h, se);
                break;
            }
            size_t vl = value_of(s, a, tmp, &v);
            size_t lim = mtu - 2 - hdr;
            if (lim > 255 - hdr)
                lim = 255 - hdr;
            if (vl > lim)
                vl = lim;
            if (each && (hdr + vl != each || n + each > mtu))
                break;
            each = hdr + vl;
            ble_put16(rsp + n, (uint16_t)h);
            if (group)
                ble_put16(rsp + n + 2, group_end((uint16_t)h));
            memcpy(rsp + n + hdr, v, vl);
            n += each;
        }
        if (!each)
            return err_rsp(s, rsp, op, start, BLE_ATT_ENOT_FOUND);
        rsp[0] = group ? BLE_ATT_READ_GROUP_RSP : BLE_ATT_READ_TYPE_RSP;
        rsp[1] = (uint8_t)each;
        return n;
    }
    case BLE_ATT_READ_REQ: {
        if (len != 3)
            return err_rsp(s, rsp, op, 0, BLE_ATT_EINVALID_PDU);
        uint16_t h = ble_get16(pdu + 1);
        if (h == 0 || h > BLE_H_LAST)
            return err_rsp(s, rsp, op, h, BLE_ATT_EINVALID_HANDLE);
        if (!(db[h - 1].perm & P_R))
            return err_rsp(s, rsp, op, h, BLE_ATT_EREAD_NOT_PERM);
        if ((e = sec_check(s, h)) != 0)
            return err_rsp(s, rsp, op, h, (uint8_t)e);
        size_t vl = value_of(s, &db[h - 1], tmp, &v);
        if (vl > mtu - 1)
            vl = mtu - 1;
        rsp[0] = BLE_ATT_READ_RSP;
        memcpy(rsp + 1, v, vl);
        return 1 + vl;
    }
    case BLE_ATT_WRITE_REQ:
    case BLE_ATT_WRITE_CMD:
        return do_write(s, op, pdu, len, rsp);
    case BLE_ATT_CONFIRM:
        return 0;
    default:
        if (op & 0x40) { /* an unknown command: ignored (Vol 3 Part F §3.3) */
            s->dropped++;
            return 0;
        }
        if (op == BLE_ATT_ERROR_RSP || op & 1) { /* a response / notification: not ours */
            s->dropped++;
            return 0;
        }
        return err_rsp(s, rsp, op, 0, BLE_ATT_ENOT_SUPP);
    }
}

size_t extxip_ble_att_smp_notify(const extxip_ble_att_server_t *s, uint8_t *out, size_t cap,
                          const uint8_t *data, size_t n)
{
    if (n + 3 > s->mtu || n + 3 > cap)
        return 0;
    out[0] = BLE_ATT_NOTIFY;
    ble_put16(out + 1, BLE_H_SMP);
    memcpy(out + 3, data, n);
    return n + 3;
}
