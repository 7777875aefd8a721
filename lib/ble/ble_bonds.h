/*
 * Bonds kept in the settings store (lib/storage/kvstore: power safe, one
 * record per write), one record per central under "bt/keys/<address><type>"
 * as Zephyr names them (address most significant octet first, in hex). The
 * count is bounded by BLE_BONDS_MAX (Zephyr's CONFIG_BT_MAX_PAIRED); when
 * full, a new central's bond replaces the oldest one (Zephyr's
 * CONFIG_BT_KEYS_OVERWRITE_OLDEST): the new record is written first and the
 * oldest deleted after, so a power cut in between leaves one bond too many
 * (trimmed by the next store), never the new one lost. Storage erase (zephyr
 * basic group) erases the partition and the bonds with it, as on Zephyr.
 * These are the extxip_ble_bond_ops_t hooks of ble_periph.h; no allocation.
 */
#ifndef EXTXIP_BLE_BONDS_H
#define EXTXIP_BLE_BONDS_H

#include "ble/ble_periph.h"
#include "storage/kvstore.h"

#ifndef BLE_BONDS_MAX
#define BLE_BONDS_MAX 4
#endif
#define BLE_BOND_PREFIX "bt/keys/"
#define BLE_BOND_VAL_LEN 45

typedef struct extxip_ble_bonds {
    extxip_kvs_t *kvs;
    unsigned max; /* 1..BLE_BONDS_MAX (0: BLE_BONDS_MAX) */
    uint32_t stored, replaced, errors;
} extxip_ble_bonds_t;

/* ops = the hooks over b. */
void extxip_ble_bonds_ops(extxip_ble_bonds_t *b, extxip_kvs_t *kvs, unsigned max, extxip_ble_bond_ops_t *ops);
int extxip_ble_bonds_find(void *b, const uint8_t addr[6], uint8_t type, extxip_ble_bond_t *out);
int extxip_ble_bonds_store(void *b, const extxip_ble_bond_t *bond);
/* Bonds in the store now (records that parse), or -1 on a flash error. */
int extxip_ble_bonds_count(extxip_ble_bonds_t *b);
/* Remove one central's bond (identity address). 0, or -1. */
int extxip_ble_bonds_delete(extxip_ble_bonds_t *b, const uint8_t addr[6], uint8_t type);

#endif
