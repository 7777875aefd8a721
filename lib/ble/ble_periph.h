/*
 * A minimal LE peripheral host over HCI serving SMP over GATT, as Zephyr's
 * smp_bt transport does on the nRF5340's application core (the network core
 * is the controller): controller bring-up, connectable advertising (flags,
 * SMP service UUID, complete local name), one connection at a time
 * (advertising stops while connected, so a second central does not find the
 * device), L2CAP fixed channels (ATT; the Security Manager of ble_sm.h when
 * extxip_ble_periph_security() enabled it, else pairing is refused;
 * signalling requests are refused), the ATT server of ble_att.h, SMP request reassembly by the SMP
 * header length, and responses notified in ATT_MTU-3 pieces under the
 * controller's ACL flow control (Number Of Completed Packets).
 *
 * The caller owns the I/O: it feeds controller bytes to extxip_ble_periph_rx(),
 * calls extxip_ble_periph_poll() regularly, and provides a function writing H4
 * packets to the controller. No allocation, no recursion.
 */
#ifndef EXTXIP_BLE_PERIPH_H
#define EXTXIP_BLE_PERIPH_H

#include "extxip_log.h"
#include "smp/smp_reasm.h"
#include <stddef.h>
#include <stdint.h>

#include "ble/ble_att.h"
#include "ble/ble_hci.h"
#include "ble/ble_sm.h"

/* Largest SMP packet reassembled (the sample: 2475 = 5 x 495). */
#ifndef BLE_SMP_BUF
#define BLE_SMP_BUF 2475
#endif
/* Responses waiting to be notified: two whole packets. */
#define BLE_TXQ_SIZE (2 * (BLE_SMP_BUF + 2))
#define BLE_CMDQ 12
#define BLE_CMD_MAX 40

typedef int (*extxip_ble_periph_tx_fn)(void *arg, const uint8_t *h4, size_t len);
/* One whole SMP request; peer identifies the central (its address). */
typedef void (*extxip_ble_periph_smp_fn)(void *arg, const uint8_t *pkt, size_t len, uint64_t peer);

/* A bond: the central's identity address, the LTK of LE Secure
 * Connections, its IRK (to resolve its private addresses) and whether the
 * pairing was authenticated (passkey) or not (Just Works). */
typedef struct extxip_ble_bond {
    uint8_t addr[6];
    uint8_t type; /* 0 public, 1 static random */
    uint8_t authenticated;
    uint8_t has_irk;
    uint8_t ltk[16];
    uint8_t irk[16];
} extxip_ble_bond_t;

/* 1 when bond b is the one of a central connecting from addr/type: its
 * identity address, or a resolvable private address its IRK resolves. */
int extxip_ble_bond_match(const extxip_ble_bond_t *b, const uint8_t addr[6], uint8_t type);

/* Where bonds live (the port's settings store). NULL find = no bonding. */
typedef struct extxip_ble_bond_ops {
    /* The bond of a central at addr/type (extxip_ble_bond_match). 1 + *out, or 0. */
    int (*find)(void *arg, const uint8_t addr[6], uint8_t type, extxip_ble_bond_t *out);
    /* Keep b (replacing one of the same identity). 0, or -1 when refused or failed. */
    int (*store)(void *arg, const extxip_ble_bond_t *b);
    void *arg;
} extxip_ble_bond_ops_t;

typedef struct extxip_ble_periph_stats {
    uint64_t acl_tx_pkts, acl_tx_bytes; /* ACL packets/payload bytes sent to the controller */
    uint64_t acl_rx_pkts, acl_rx_bytes;
    uint64_t smp_tx_bytes, smp_rx_bytes; /* SMP bytes notified / written */
    uint32_t connections, disconnects, smp_dropped, rsp_dropped, probes_lost;
    uint32_t pairings, pairing_failures, encryptions, bonds_stored;
} extxip_ble_periph_stats_t;

typedef struct extxip_ble_periph {
    extxip_ble_periph_tx_fn tx;
    void *tx_arg;
    extxip_ble_periph_smp_fn smp;
    void *smp_arg;
    size_t smp_max; /* reassembly limit (<= BLE_SMP_BUF) */
    char name[BLE_NAME_MAX + 1];
    /* The port's log hook for connection events, one line each without a
     * newline (NULL: silent); lib never writes to a console itself. */
    extxip_log_fn log;
    void *log_arg;

    /* controller */
    uint8_t cmdq[BLE_CMDQ][BLE_CMD_MAX];
    uint8_t cmdq_len[BLE_CMDQ];
    unsigned cmdq_head, cmdq_n;
    int cmd_credits;
    int ready;               /* bring-up done */
    int failed;              /* a bring-up command failed */
    uint16_t acl_mtu, acl_total, acl_free;
    int dle;
    uint8_t addr[6];

    /* connection */
    int connected;
    uint16_t handle;
    uint64_t peer;
    uint8_t peer_addr[6];
    int adv_on;
    long long now_ms, last_rx_ms, probe_ms;
    int probe_pending;
    extxip_ble_l2cap_rx_t l2;
    extxip_ble_att_server_t att;

    /* SMP reassembly */
    uint8_t smp_buf[BLE_SMP_BUF];
    extxip_smp_reasm_t reasm; /* over smp_buf, limit smp_max */

    /* TX: one ATT/L2CAP response, then queued SMP responses */
    uint8_t ctl_pdu[4 + BLE_ATT_MTU_MAX];
    size_t ctl_len;
    uint8_t txq[BLE_TXQ_SIZE];
    size_t txq_len;  /* bytes used: [len16 BE][pkt] entries, oldest first */
    size_t note_off; /* bytes of the oldest queued packet already notified */
    uint8_t pdu[4 + BLE_ATT_MTU_MAX];
    size_t pdu_len, pdu_off;

    /* security (extxip_ble_periph_security) */
    int sm_on;            /* pairing accepted (else refused: Pairing Not Supported) */
    uint8_t sec_required; /* BLE_SEC_*: the SMP characteristic's level */
    extxip_ble_sm_t sm;
    extxip_ble_bond_ops_t bonds;
    extxip_ble_bond_t bond; /* the connected central's, when have_bond */
    int have_bond;
    int enc_fresh;        /* the LTK handed to the controller is this pairing's */
    int sec_req_sent;
    uint8_t sec_level;    /* the link's now */

    extxip_ble_periph_stats_t st;
} extxip_ble_periph_t;

/* Accept pairing (LE Secure Connections) and require level (BLE_SEC_NONE,
 * _ENCRYPT, _AUTHEN) on the SMP characteristic and its CCCD. passkey < 0:
 * a random one each pairing (logged as "ble: passkey NNNNNN"), else that one;
 * the device displays it (IO capability DisplayOnly; NoInputNoOutput when
 * level is below authenticated and no passkey is set, i.e. Just Works).
 * bonds may be NULL (pairings are then not kept). Call after init, before start. */
void extxip_ble_periph_security(extxip_ble_periph_t *p, uint8_t level, long passkey, extxip_ble_rng_fn rng,
                                void *rng_arg, const extxip_ble_bond_ops_t *bonds);
/* Set up a host (RAM state at boot). name NULL = "Zephyr". */
void extxip_ble_periph_init(extxip_ble_periph_t *p, const char *name, size_t smp_max, extxip_ble_periph_tx_fn tx,
                     void *tx_arg, extxip_ble_periph_smp_fn smp, void *smp_arg);
/* Queue the bring-up (HCI Reset ... advertising on) and send the first command. */
void extxip_ble_periph_start(extxip_ble_periph_t *p, long long now_ms);
/* Bytes from the controller (any split). */
void extxip_ble_periph_rx(extxip_ble_periph_t *p, extxip_ble_h4_rx_t *h4, const uint8_t *in, size_t n, long long now_ms);
/* One whole H4 packet from the controller. */
void extxip_ble_periph_packet(extxip_ble_periph_t *p, const uint8_t *pkt, size_t len);
/* Send what flow control allows; liveness probe of an idle connection. */
void extxip_ble_periph_poll(extxip_ble_periph_t *p, long long now_ms);
/* Queue one SMP response for the connection (extxip_smp_output_fn shape).
 * Returns 0, or -1 if there is no connection or no room (dropped). */
int extxip_ble_periph_send_smp(void *p, const uint8_t *pkt, size_t len);
/* 1 when nothing is queued or in the controller. */
int extxip_ble_periph_idle(const extxip_ble_periph_t *p);
/* Ask the controller to end the connection (before a device reset). */
void extxip_ble_periph_disconnect(extxip_ble_periph_t *p);

#endif
