#include "smp/smp_reasm.h"

#include <string.h>

#include "smp/smp_defs.h"

void extxip_smp_reasm_init(extxip_smp_reasm_t *r, uint8_t *buf, size_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->have = r->need = 0;
}

void extxip_smp_reasm_reset(extxip_smp_reasm_t *r)
{
    r->have = r->need = 0;
}

int extxip_smp_reasm_feed(extxip_smp_reasm_t *r, const uint8_t *d, size_t n, size_t *used, size_t *len)
{
    size_t taken = 0;
    *used = 0;
    if (r->have == r->need) { /* the previous packet was handed out */
        r->have = r->need = 0;
    }
    while (taken < n) {
        size_t want = r->have < SMP_HDR_SIZE ? SMP_HDR_SIZE : r->need;
        size_t k = want - r->have;
        if (k > n - taken) {
            k = n - taken;
        }
        memcpy(r->buf + r->have, d + taken, k);
        r->have += k;
        taken += k;
        if (r->have == SMP_HDR_SIZE && r->need == 0) {
            r->need = SMP_HDR_SIZE + ((size_t)r->buf[2] << 8 | r->buf[3]);
            if (r->need > r->cap) {
                *used = taken;
                extxip_smp_reasm_reset(r);
                return SMP_REASM_TOO_BIG;
            }
        }
        if (r->need && r->have == r->need) {
            *used = taken;
            *len = r->have;
            return SMP_REASM_DONE;
        }
    }
    *used = taken;
    return SMP_REASM_MORE;
}
