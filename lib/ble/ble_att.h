/*
 * ATT server and the device's GATT database (Core spec Vol 3 Parts F and G):
 * GAP service (device name, appearance), GATT service (service changed +
 * CCCD) and the MCUmgr SMP service 8D53DC1D-1DB7-4CD3-868B-8A527460AA84 with
 * its characteristic DA2E7828-FBCE-4E01-AE9E-261174997C48 (write without
 * response + notify, CCCD), laid out as Zephyr's smp_bt registers them.
 * Handles MTU exchange, find information, find by type value, read by type,
 * read, read by group type, write request, write command; every other request
 * gets an ATT Error Response (Request Not Supported), other commands are
 * ignored. No allocation: the table is constant, the state is this struct.
 */
#ifndef EXTXIP_BLE_ATT_H
#define EXTXIP_BLE_ATT_H

#include <stddef.h>
#include <stdint.h>

#include "ble/ble_hci.h"

/* ATT opcodes. */
#define BLE_ATT_ERROR_RSP 0x01
#define BLE_ATT_MTU_REQ 0x02
#define BLE_ATT_MTU_RSP 0x03
#define BLE_ATT_FIND_INFO_REQ 0x04
#define BLE_ATT_FIND_INFO_RSP 0x05
#define BLE_ATT_FIND_TYPE_REQ 0x06
#define BLE_ATT_FIND_TYPE_RSP 0x07
#define BLE_ATT_READ_TYPE_REQ 0x08
#define BLE_ATT_READ_TYPE_RSP 0x09
#define BLE_ATT_READ_REQ 0x0A
#define BLE_ATT_READ_RSP 0x0B
#define BLE_ATT_READ_GROUP_REQ 0x10
#define BLE_ATT_READ_GROUP_RSP 0x11
#define BLE_ATT_WRITE_REQ 0x12
#define BLE_ATT_WRITE_RSP 0x13
#define BLE_ATT_NOTIFY 0x1B
#define BLE_ATT_INDICATE 0x1D
#define BLE_ATT_CONFIRM 0x1E
#define BLE_ATT_WRITE_CMD 0x52

/* ATT error codes. */
#define BLE_ATT_EINVALID_HANDLE 0x01
#define BLE_ATT_EREAD_NOT_PERM 0x02
#define BLE_ATT_EWRITE_NOT_PERM 0x03
#define BLE_ATT_EINVALID_PDU 0x04
#define BLE_ATT_EAUTHEN 0x05     /* Insufficient Authentication */
#define BLE_ATT_ENOT_SUPP 0x06
#define BLE_ATT_ENOT_FOUND 0x0A
#define BLE_ATT_EINVALID_LEN 0x0D
#define BLE_ATT_EINSUFF_ENC 0x0F /* Insufficient Encryption */
#define BLE_ATT_EUNSUPP_GROUP 0x10
#define BLE_ATT_EVALUE_NOT_ALLOWED 0x13

/* GATT UUIDs. */
#define BLE_UUID_PRIMARY 0x2800
#define BLE_UUID_SECONDARY 0x2801
#define BLE_UUID_CHRC 0x2803
#define BLE_UUID_CCCD 0x2902
#define BLE_CCC_NOTIFY 0x0001   /* CCCD bits (Zephyr's BT_GATT_CCC_NOTIFY/INDICATE) */
#define BLE_CCC_INDICATE 0x0002

/* The SMP service and characteristic, little-endian as on the wire. */
extern const uint8_t extxip_ble_uuid_smp_svc[16];
extern const uint8_t extxip_ble_uuid_smp_chr[16];

/* The database's fixed handles (tests and the fuzz seeds use them). */
enum {
    BLE_H_GAP = 1, BLE_H_NAME_DECL, BLE_H_NAME, BLE_H_APPEAR_DECL, BLE_H_APPEAR,
    BLE_H_GATT, BLE_H_SC_DECL, BLE_H_SC, BLE_H_SC_CCCD,
    BLE_H_SMP_SVC, BLE_H_SMP_DECL, BLE_H_SMP, BLE_H_SMP_CCCD,
    BLE_H_LAST = BLE_H_SMP_CCCD
};

#define BLE_DEFAULT_NAME "Zephyr"
#define BLE_NAME_MAX 29

/* A write to the SMP characteristic's value (request or command). Returns 0,
 * or an ATT error code for a write request's Error Response. */
typedef uint8_t (*extxip_ble_att_write_fn)(void *arg, const uint8_t *data, size_t len);

typedef struct extxip_ble_att_server {
    uint16_t mtu;     /* ATT_MTU in use (23 until exchanged) */
    uint16_t mtu_max; /* largest this server accepts (BLE_ATT_MTU_MAX) */
    uint16_t cccd_sc, cccd_smp; /* as the peer wrote them; test BLE_CCC_NOTIFY/INDICATE */
    char name[BLE_NAME_MAX + 1];
    uint16_t appearance;
    extxip_ble_att_write_fn on_smp_write;
    void *arg;
    uint32_t errors_sent, dropped;
    /* Security of the SMP characteristic and its CCCD (BLE_SEC_* of
     * ble_sm.h: 0 none, 1 encrypted, 2 authenticated), the link's level now,
     * and whether a bond for the peer exists; set by the owner. */
    uint8_t sec_required, sec_level;
    int has_ltk;
    uint32_t sec_refused; /* accesses refused for security (the owner asks to pair) */
} extxip_ble_att_server_t;

/* A new connection's server state (MTU 23, notifications off). name NULL =
 * "Zephyr"; longer names are cut to BLE_NAME_MAX. */
void extxip_ble_att_server_init(extxip_ble_att_server_t *s, const char *name, extxip_ble_att_write_fn fn, void *arg);

/* Handle one ATT PDU from the client. A response (if any) is written to rsp
 * (cap >= s->mtu_max) and its length returned; 0 = nothing to send. */
size_t extxip_ble_att_server_rx(extxip_ble_att_server_t *s, const uint8_t *pdu, size_t len, uint8_t *rsp,
                         size_t cap);

/* Build a Handle Value Notification of the SMP characteristic carrying
 * data[0..n), n <= mtu - 3. Returns its length or 0. */
size_t extxip_ble_att_smp_notify(const extxip_ble_att_server_t *s, uint8_t *out, size_t cap,
                          const uint8_t *data, size_t n);

#endif
