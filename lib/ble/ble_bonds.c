#include "ble/ble_bonds.h"

#include <string.h>

#define PFX_LEN (sizeof BLE_BOND_PREFIX - 1)
#define NAME_LEN (PFX_LEN + 13) /* 12 hex digits + the type digit */

/* "bt/keys/" + address (most significant first, lower-case hex) + type. */
static void name_of(char n[NAME_LEN + 1], const uint8_t addr[6], uint8_t type)
{
    static const char hx[] = "0123456789abcdef";
    memcpy(n, BLE_BOND_PREFIX, PFX_LEN);
    for (int i = 0; i < 6; i++) {
        n[PFX_LEN + 2 * i] = hx[addr[5 - i] >> 4];
        n[PFX_LEN + 2 * i + 1] = hx[addr[5 - i] & 15];
    }
    n[PFX_LEN + 12] = (char)('0' + (type & 1));
    n[NAME_LEN] = 0;
}

/* Value v1: version, type, address (HCI order), flags (bit 0 authenticated,
 * bit 1 IRK), age (LE32, larger = newer), LTK, IRK. */
static void put(uint8_t v[BLE_BOND_VAL_LEN], const extxip_ble_bond_t *b, uint32_t age)
{
    v[0] = 1;
    v[1] = b->type & 1;
    memcpy(v + 2, b->addr, 6);
    v[8] = (uint8_t)((b->authenticated ? 1 : 0) | (b->has_irk ? 2 : 0));
    v[9] = (uint8_t)age;
    v[10] = (uint8_t)(age >> 8);
    v[11] = (uint8_t)(age >> 16);
    v[12] = (uint8_t)(age >> 24);
    memcpy(v + 13, b->ltk, 16);
    memcpy(v + 29, b->irk, 16);
}

/* Parse a record; 0, or -1 when it is not a bond of ours (checked whole). */
static int get(const char *name, size_t nlen, const uint8_t *v, size_t vlen, extxip_ble_bond_t *b,
               uint32_t *age)
{
    if (nlen != NAME_LEN || memcmp(name, BLE_BOND_PREFIX, PFX_LEN) != 0 || vlen != BLE_BOND_VAL_LEN ||
        v[0] != 1 || v[1] > 1 || (v[8] & ~3u))
        return -1;
    memset(b, 0, sizeof *b);
    b->type = v[1];
    memcpy(b->addr, v + 2, 6);
    b->authenticated = v[8] & 1;
    b->has_irk = (v[8] >> 1) & 1;
    *age = (uint32_t)v[9] | (uint32_t)v[10] << 8 | (uint32_t)v[11] << 16 | (uint32_t)v[12] << 24;
    memcpy(b->ltk, v + 13, 16);
    memcpy(b->irk, v + 29, 16);
    char want[NAME_LEN + 1];
    name_of(want, b->addr, b->type);
    return memcmp(want, name, NAME_LEN) == 0 ? 0 : -1;
}

typedef struct scan {
    const uint8_t *addr;
    uint8_t type;
    int found;
    extxip_ble_bond_t hit;
    unsigned count;
    uint32_t newest, oldest;
    extxip_ble_bond_t old;
    int have_old;
} scan_t;

static int scan_cb(void *arg, const char *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    scan_t *s = arg;
    extxip_ble_bond_t b;
    uint32_t age;
    if (get(name, nlen, val, vlen, &b, &age) != 0)
        return 0;
    s->count++;
    if (age > s->newest)
        s->newest = age;
    if (!s->have_old || age < s->oldest) {
        s->oldest = age;
        s->old = b;
        s->have_old = 1;
    }
    if (s->addr && !s->found && extxip_ble_bond_match(&b, s->addr, s->type)) {
        s->found = 1;
        s->hit = b;
    }
    return 0;
}

static int scan(extxip_ble_bonds_t *bs, scan_t *s)
{
    return bs->kvs && extxip_kvs_foreach(bs->kvs, scan_cb, s) == KVS_OK ? 0 : -1;
}

void extxip_ble_bonds_ops(extxip_ble_bonds_t *b, extxip_kvs_t *kvs, unsigned max, extxip_ble_bond_ops_t *ops)
{
    memset(b, 0, sizeof *b);
    b->kvs = kvs;
    b->max = max && max <= BLE_BONDS_MAX ? max : BLE_BONDS_MAX;
    ops->find = extxip_ble_bonds_find;
    ops->store = extxip_ble_bonds_store;
    ops->arg = b;
}

int extxip_ble_bonds_find(void *arg, const uint8_t addr[6], uint8_t type, extxip_ble_bond_t *out)
{
    scan_t s;
    memset(&s, 0, sizeof s);
    s.addr = addr;
    s.type = type;
    if (scan(arg, &s) != 0 || !s.found)
        return 0;
    *out = s.hit;
    return 1;
}

int extxip_ble_bonds_count(extxip_ble_bonds_t *b)
{
    scan_t s;
    memset(&s, 0, sizeof s);
    return scan(b, &s) == 0 ? (int)s.count : -1;
}

int extxip_ble_bonds_delete(extxip_ble_bonds_t *b, const uint8_t addr[6], uint8_t type)
{
    char n[NAME_LEN + 1];
    name_of(n, addr, type);
    return b->kvs && extxip_kvs_delete(b->kvs, n, NAME_LEN) == KVS_OK ? 0 : -1;
}

int extxip_ble_bonds_store(void *arg, const extxip_ble_bond_t *bond)
{
    extxip_ble_bonds_t *b = arg;
    scan_t s;
    memset(&s, 0, sizeof s);
    s.addr = bond->addr;
    s.type = bond->type;
    if (scan(b, &s) != 0) {
        b->errors++;
        return -1;
    }
    /* Same identity already kept: replaced in place by the new record. */
    int same = s.found && s.hit.type == bond->type && memcmp(s.hit.addr, bond->addr, 6) == 0;
    uint8_t v[BLE_BOND_VAL_LEN];
    char n[NAME_LEN + 1];
    name_of(n, bond->addr, bond->type);
    put(v, bond, s.newest + 1);
    int rc = extxip_kvs_write(b->kvs, n, NAME_LEN, v, sizeof v);
    memset(v, 0, sizeof v);
    if (rc != KVS_OK) {
        b->errors++;
        return -1;
    }
    b->stored++;
    /* Over the bound: the oldest go (the new one is the newest, never them). */
    unsigned count = s.count + (same ? 0 : 1);
    for (unsigned guard = 0; count > b->max && guard < BLE_BONDS_MAX + 8; guard++) {
        scan_t o;
        memset(&o, 0, sizeof o);
        if (scan(b, &o) != 0 || !o.have_old || extxip_ble_bonds_delete(b, o.old.addr, o.old.type) != 0) {
            b->errors++;
            break;
        }
        b->replaced++;
        count = o.count - 1;
    }
    return 0;
}
