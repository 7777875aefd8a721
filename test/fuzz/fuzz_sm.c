/*
 * libFuzzer harness: the device's Security Manager (lib/ble/ble_sm.c) as the
 * responder, fed what a hostile central sends. Input: records of
 * [control][len][len bytes]; control & 3: 0 = an SM PDU, 1 = Encryption
 * Change (bit 2: success), 2 = time passes (len x 500 ms) and the SMP timer
 * is polled, 3 = a new connection. Checked: every PDU the device sends has
 * a known code and that code's length; a Pairing Failed carries a reason
 * 0x01..0x0B; nothing is ever answered after the SMP timeout; a failed or
 * timed-out pairing keeps no LTK; no pairing completes without an
 * encryption event (keys are never "done" on PDUs alone).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble/ble_sm.h"

#define FZ_ASSERT(c, why)                                                                          \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_sm: %s\n", why);                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int rng(void *arg, unsigned char *out, size_t n)
{
    unsigned *s = arg;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

static const uint8_t want_len[] = {0, 7, 7, 17, 17, 2, 17, 11, 17, 8, 17, 2, 65, 17, 2};

static void drain(extxip_ble_sm_t *sm)
{
    const uint8_t *p;
    size_t n;
    while ((n = extxip_ble_sm_tx(sm, &p)) > 0) {
        FZ_ASSERT(p[0] >= 1 && p[0] < sizeof want_len, "unknown code sent");
        FZ_ASSERT(n == want_len[p[0]], "PDU of the wrong length sent");
        if (p[0] == BLE_SM_FAILED)
            FZ_ASSERT(p[1] >= 1 && p[1] <= 0x0B, "Pairing Failed reason out of range");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t dev[6] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60}, cen[6] = {1, 2, 3, 4, 5, 6};
    unsigned seed = 1;
    extxip_ble_sm_t sm;
    extxip_ble_sm_cfg_t cfg = {.initiator = 0, .io_cap = BLE_SM_IO_DISPLAY_ONLY, .min_level = BLE_SEC_AUTHEN,
                               .bond = 1, .fixed_passkey = 1, .passkey = 123456, .rng = rng, .rng_arg = &seed};
    extxip_ble_sm_init(&sm, &cfg);
    long long now = 1000;
    extxip_ble_sm_conn(&sm, dev, 0, cen, 0, now);
    int enc_events = 0;
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t ctl = data[i], len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = (uint8_t)(size - i);
        const uint8_t *p = data + i;
        i += len;
        int timed_out = sm.state == BLE_SM_TIMED_OUT;
        switch (ctl & 3) {
        case 0:
            extxip_ble_sm_rx(&sm, p, len, now);
            if (timed_out)
                FZ_ASSERT(sm.tx_n == 0, "answered after the SMP timeout");
            break;
        case 1:
            enc_events++;
            extxip_ble_sm_encrypted(&sm, (ctl >> 2) & 1, now);
            break;
        case 2:
            now += (long long)len * 500;
            extxip_ble_sm_poll(&sm, now);
            break;
        default:
            now += 10;
            extxip_ble_sm_conn(&sm, dev, 0, cen, ctl >> 7, now);
            enc_events = 0;
            break;
        }
        if (sm.ev & BLE_SM_EV_PAIRED)
            FZ_ASSERT(enc_events > 0, "paired without encryption");
        sm.ev = 0;
        FZ_ASSERT(sm.state >= BLE_SM_IDLE && sm.state <= BLE_SM_TIMED_OUT, "state out of range");
        FZ_ASSERT(sm.tx_n <= 3, "tx queue overflow");
        if (sm.state == BLE_SM_FAILED_STATE || sm.state == BLE_SM_TIMED_OUT) {
            static const uint8_t zero[16];
            FZ_ASSERT(memcmp(sm.ltk, zero, 16) == 0, "LTK kept after a failure");
        }
        drain(&sm);
    }
    return 0;
}
