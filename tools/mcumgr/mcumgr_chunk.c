#include "mcumgr_chunk.h"

size_t mcumgr_cbor_head_size(uint64_t v)
{
    if (v < 24)
        return 1;
    if (v <= 0xFF)
        return 2;
    if (v <= 0xFFFF)
        return 3;
    if (v <= 0xFFFFFFFFu)
        return 5;
    return 9;
}

/* Text key of n characters: 1-byte head (n < 24) + n bytes. */
#define KEY(n) (1 + (n))

size_t mcumgr_upload_body_size(int first, uint32_t off, size_t data_len, uint32_t total_len,
                               size_t sha_len, uint32_t image)
{
    size_t n = 1; /* map head: at most 6 pairs */
    if (first) {
        n += KEY(3) + mcumgr_cbor_head_size(total_len);             /* "len" */
        n += KEY(3) + mcumgr_cbor_head_size(off);                   /* "off" */
        if (sha_len)
            n += KEY(3) + mcumgr_cbor_head_size(sha_len) + sha_len; /* "sha" */
        n += KEY(4) + mcumgr_cbor_head_size(data_len) + data_len;   /* "data" */
        n += KEY(5) + mcumgr_cbor_head_size(image);                 /* "image" */
        n += KEY(7) + 1;                                            /* "upgrade" */
    } else {
        n += KEY(3) + mcumgr_cbor_head_size(off);
        n += KEY(4) + mcumgr_cbor_head_size(data_len) + data_len;
    }
    return n;
}

size_t mcumgr_upload_max_data(size_t pkt_max, int first, uint32_t off, uint32_t total_len,
                              size_t sha_len, uint32_t image)
{
    size_t fixed = MCUMGR_SMP_HDR_SIZE + mcumgr_upload_body_size(first, off, 0, total_len,
                                                                 sha_len, image);
    if (pkt_max <= fixed)
        return 0;
    /* The data head grows with n (1, 2, 3, 5 bytes), so start from the optimistic
     * guess and step down until it fits; at most a few iterations. */
    size_t n = pkt_max - fixed;
    while (n > 0 && fixed - 1 + mcumgr_cbor_head_size(n) + n > pkt_max)
        n--;
    return n;
}

size_t mcumgr_pkt_limit(const mcumgr_conn_t *c, long long buf_size)
{
    mcumgr_conntype_t type = c->type;
    if (type == MCUMGR_CONN_BLE) {
        /* The device's SMP buffer (requests span several ATT writes); without
         * params, one packet per write at the minimum ATT_MTU, as Go mcumgr does. */
        long long b = buf_size > 0 ? buf_size : 20;
        return b > 0xFFFF ? 0xFFFF : (size_t)b;
    }
    if (type == MCUMGR_CONN_SERIAL) {
        long long b = buf_size > 0 ? buf_size : MCUMGR_DEFAULT_BUF_SIZE_SERIAL;
        b -= 4;
        if (b > MCUMGR_SERIAL_MAX_PKT)
            b = MCUMGR_SERIAL_MAX_PKT;
        if (c->mtu_given && b > (long long)mcumgr_serial_mtu_pkt(c->mtu))
            b = (long long)mcumgr_serial_mtu_pkt(c->mtu);
        return b > 0 ? (size_t)b : 0;
    }
    long long b = buf_size > 0 ? buf_size : MCUMGR_DEFAULT_BUF_SIZE_UDP;
    if (b > MCUMGR_UDP_MAX_PKT)
        b = MCUMGR_UDP_MAX_PKT;
    return (size_t)b;
}

unsigned mcumgr_window(long long buf_count, unsigned user_max)
{
    if (user_max == 0)
        user_max = 1;
    if (buf_count <= 1)
        return 1;
    long long w = buf_count - 1;
    return w < (long long)user_max ? (unsigned)w : user_max;
}

size_t mcumgr_serial_wire_size(size_t pkt_len, int line_chars)
{
    size_t raw = pkt_len + 4; /* length prefix + CRC */
    size_t chars = (raw + 2) / 3 * 4;
    size_t per = line_chars > 0 ? (size_t)line_chars : 4;
    size_t lines = (chars + per - 1) / per;
    return chars + lines * 3;
}
