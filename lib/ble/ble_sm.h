/*
 * The Bluetooth LE Security Manager (Core spec v5.4 Vol 3 Part H) on L2CAP
 * CID 6: LE Secure Connections only (legacy pairing is refused), Just Works
 * and passkey entry, bonding with the LTK and the peer's IRK and identity
 * address. One instance per connection, either role: the device's
 * peripheral (lib/ble/ble_periph) is the responder, the host tool's central
 * (tools/mcumgr) the initiator. Crypto: ble_smcrypto.h (mbedTLS).
 *
 * The owner feeds SM PDUs to extxip_ble_sm_rx(), sends what
 * extxip_ble_sm_tx() hands out on CID 6, and reacts to sm->ev (start or
 * answer encryption with sm->ltk, show or ask for the passkey, store the
 * bond, log a failure). Every PDU is checked as Zephyr's smp.c does: an
 * unknown code gets Pairing Failed "Command Not Supported", a code not
 * expected now "Unspecified Reason", a wrong length "Invalid Parameters";
 * nothing is stored until the whole pairing and key distribution is done.
 *
 * No allocation (mbedTLS's bignums aside, see ble_smcrypto.h), no recursion.
 */
#ifndef EXTXIP_BLE_SM_H
#define EXTXIP_BLE_SM_H

#include <stddef.h>
#include <stdint.h>

#include "ble/ble_smcrypto.h"

#define BLE_CID_SM 0x0006

/* SM PDU codes. */
#define BLE_SM_PAIRING_REQ 0x01
#define BLE_SM_PAIRING_RSP 0x02
#define BLE_SM_CONFIRM 0x03
#define BLE_SM_RANDOM 0x04
#define BLE_SM_FAILED 0x05
#define BLE_SM_ENC_INFO 0x06
#define BLE_SM_CENTRAL_ID 0x07
#define BLE_SM_ID_INFO 0x08
#define BLE_SM_ID_ADDR_INFO 0x09
#define BLE_SM_SIGN_INFO 0x0A
#define BLE_SM_SECURITY_REQ 0x0B
#define BLE_SM_PUBLIC_KEY 0x0C
#define BLE_SM_DHKEY_CHECK 0x0D
#define BLE_SM_KEYPRESS 0x0E

/* Pairing Failed reasons (Vol 3 Part H §3.5.5). */
#define BLE_SM_ERR_PASSKEY_ENTRY 0x01
#define BLE_SM_ERR_OOB 0x02
#define BLE_SM_ERR_AUTH_REQ 0x03
#define BLE_SM_ERR_CONFIRM 0x04
#define BLE_SM_ERR_NOT_SUPP 0x05
#define BLE_SM_ERR_KEY_SIZE 0x06
#define BLE_SM_ERR_CMD_NOT_SUPP 0x07
#define BLE_SM_ERR_UNSPECIFIED 0x08
#define BLE_SM_ERR_REPEATED 0x09
#define BLE_SM_ERR_INVALID_PARAMS 0x0A
#define BLE_SM_ERR_DHKEY_CHECK 0x0B

/* IO capabilities and AuthReq bits. */
#define BLE_SM_IO_DISPLAY_ONLY 0x00
#define BLE_SM_IO_DISPLAY_YESNO 0x01
#define BLE_SM_IO_KEYBOARD_ONLY 0x02
#define BLE_SM_IO_NONE 0x03
#define BLE_SM_IO_KEYBOARD_DISPLAY 0x04
#define BLE_SM_AUTH_BOND 0x01
#define BLE_SM_AUTH_MITM 0x04
#define BLE_SM_AUTH_SC 0x08
#define BLE_SM_KD_ID 0x02 /* key distribution: IRK + identity address */

/* The pairing's time limit (the SMP timer, §3.4): 30 s without progress. */
#define BLE_SM_TIMEOUT_MS 30000
/* Repeated attempts (§2.3.6): after a failed pairing, a new one is refused
 * for BLE_SM_RETRY_MS, doubling with each failure up to BLE_SM_RETRY_MAX_MS. */
#define BLE_SM_RETRY_MS 2000
#define BLE_SM_RETRY_MAX_MS 64000

/* What the owner must do (bits of sm->ev, cleared by the owner). */
#define BLE_SM_EV_START_ENC 0x01     /* initiator: LE Start Encryption with sm->ltk */
#define BLE_SM_EV_PASSKEY_SHOW 0x02  /* show sm->passkey to the user */
#define BLE_SM_EV_PASSKEY_ASK 0x04   /* call extxip_ble_sm_passkey() */
#define BLE_SM_EV_PAIRED 0x08        /* done: sm->ltk, sm->peer_irk... form the bond */
#define BLE_SM_EV_FAILED 0x10        /* failed with sm->reason (sent or received) */

enum {
    BLE_SM_IDLE, BLE_SM_WAIT_RSP, BLE_SM_WAIT_PUBKEY, BLE_SM_WAIT_PASSKEY, BLE_SM_WAIT_CONFIRM,
    BLE_SM_WAIT_RANDOM, BLE_SM_WAIT_DHCHECK, BLE_SM_WAIT_ENC, BLE_SM_WAIT_KEYS, BLE_SM_DONE,
    BLE_SM_FAILED_STATE, BLE_SM_TIMED_OUT
};

/* Security level of a link (Zephyr's L1..L3). */
#define BLE_SEC_NONE 0
#define BLE_SEC_ENCRYPT 1
#define BLE_SEC_AUTHEN 2

typedef struct extxip_ble_sm_cfg {
    int initiator;       /* 1: central (sends the Pairing Request) */
    uint8_t io_cap;      /* BLE_SM_IO_* */
    uint8_t min_level;   /* BLE_SEC_AUTHEN: refuse Just Works (Authentication Requirements) */
    int bond;            /* ask for / accept bonding */
    uint8_t own_kd;      /* keys this side distributes (BLE_SM_KD_ID or 0) */
    uint8_t own_irk[16]; /* when own_kd has BLE_SM_KD_ID */
    int fixed_passkey;   /* 1: passkey below, else a random one (the displaying side) */
    uint32_t passkey;
    extxip_ble_rng_fn rng;
    void *rng_arg;
} extxip_ble_sm_cfg_t;

typedef struct extxip_ble_sm {
    extxip_ble_sm_cfg_t cfg;
    int state;
    uint8_t ev;
    uint8_t reason; /* of the last failure */
    int method;     /* 0 Just Works, 1 passkey */
    int we_display; /* passkey: this side shows it */
    uint32_t passkey;
    unsigned round; /* passkey entry: bit 0..19 */

    uint8_t own_addr[6], own_type, peer_addr[6], peer_type; /* of this connection */
    uint8_t preq[7], pres[7];
    uint8_t d[32], pk_own[64], pk_peer[64], dhkey[32];
    int have_keys; /* key pair made */
    uint8_t n_own[16], n_peer[16], c_peer[16];
    uint8_t mackey[16], ltk[16];
    uint8_t auth; /* the link's level once paired: BLE_SEC_ENCRYPT / BLE_SEC_AUTHEN */
    int bonding;  /* both sides asked for bonding */
    uint8_t kd_own, kd_peer; /* keys still to send / to receive */
    uint8_t peer_irk[16];
    uint8_t peer_id_addr[6], peer_id_type;
    int peer_has_id;
    int ea_pending; /* responder: our Eb waits for the passkey */
    int keep_authenticated; /* set by the owner: the peer has an authenticated bond, which an
                             * unauthenticated pairing may not replace (Zephyr's default,
                             * CONFIG_BT_SMP_ALLOW_UNAUTH_OVERWRITE=n) */

    long long now_ms, deadline_ms;
    unsigned fails;
    long long retry_until_ms;

    /* PDUs to send on CID 6, oldest first. */
    uint8_t tx[3][65];
    uint8_t tx_len[3];
    unsigned tx_n;
    uint8_t out[65]; /* the PDU extxip_ble_sm_tx() handed out */
    uint32_t sent_failed, recv_failed, paired;
} extxip_ble_sm_t;

/* Once at boot (keeps the repeated-attempts counter across connections). */
void extxip_ble_sm_init(extxip_ble_sm_t *sm, const extxip_ble_sm_cfg_t *cfg);
/* A new connection: addresses in HCI order with their types (0 public, 1 random). */
void extxip_ble_sm_conn(extxip_ble_sm_t *sm, const uint8_t own[6], uint8_t own_type, const uint8_t peer[6],
                        uint8_t peer_type, long long now_ms);
/* Initiator: send the Pairing Request. Returns 0 or -1 (busy, or retry interval). */
int extxip_ble_sm_start(extxip_ble_sm_t *sm, long long now_ms);
/* Responder: a Security Request PDU to ask the central to pair (queued). */
void extxip_ble_sm_security_request(extxip_ble_sm_t *sm);
/* One SM PDU from the peer. */
void extxip_ble_sm_rx(extxip_ble_sm_t *sm, const uint8_t *pdu, size_t len, long long now_ms);
/* The passkey the user typed (after BLE_SM_EV_PASSKEY_ASK). */
void extxip_ble_sm_passkey(extxip_ble_sm_t *sm, uint32_t passkey);
/* Encryption Change for this pairing's LTK: ok 1 = encrypted. */
void extxip_ble_sm_encrypted(extxip_ble_sm_t *sm, int ok, long long now_ms);
/* Time: the SMP timeout (fails without a PDU, and ignores SM PDUs after it, as the spec says). */
void extxip_ble_sm_poll(extxip_ble_sm_t *sm, long long now_ms);
/* Next PDU to send: returns its length (0: none) with *pdu set; it stays valid until the next call. */
size_t extxip_ble_sm_tx(extxip_ble_sm_t *sm, const uint8_t **pdu);
/* 1 while a pairing is under way. */
int extxip_ble_sm_busy(const extxip_ble_sm_t *sm);

#endif
