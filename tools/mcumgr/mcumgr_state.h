/* The image group's state read reply (images[] and extxip's optional
 * bootReport[]), parsed once for every command that needs it (image upgrade,
 * image test, reset), and the linked-pair rule the client knows. */
#ifndef EXTXIP_MCUMGR_STATE_H
#define EXTXIP_MCUMGR_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCUMGR_STATE_MAX_SLOTS 16

typedef struct {
    long long image, slot;
    char version[48];
    uint8_t hash[32];
    size_t hash_len;
    bool pending, confirmed, active, permanent;
} mcumgr_slot_t;

typedef struct {
    int n;
    mcumgr_slot_t s[MCUMGR_STATE_MAX_SLOTS];
    int nreport;                 /* bootReport lines (0: the device sent none) */
    char report[MCUMGR_STATE_MAX_SLOTS][128];
} mcumgr_state_t;

/* Parse a state reply body. 0, or -1 when malformed. */
int mcumgr_state_parse(const uint8_t *body, size_t len, mcumgr_state_t *st);

/* Images that only ever install together: the board's EXTXIP_LINKED_MASK
 * (the split application's internal and XIP parts, 0 and 2 on the DK). */
bool mcumgr_linked(int image);

/* When some but not all of the linked images are pending, one line saying
 * the reset will install none of them and what to do; returns 1, else 0. */
int mcumgr_state_pair_warning(const mcumgr_state_t *st, char *buf, size_t cap);

#endif
