/*
 * OS management group. Response keys and their order follow Zephyr's
 * os_mgmt.c (docs/protocol.md §6) so that replies are byte-identical.
 */
#include "mgmt/os_mgmt.h"

#include <string.h>

static const extxip_os_mgmt_port_t *port_of(extxip_smp_ctx_t *ctx)
{
    return ((const extxip_os_mgmt_t *)ctx->user)->port;
}

/* ---------------------------------------------------------------- echo */

static int os_echo(extxip_smp_ctx_t *ctx)
{
    extxip_cbor_str_t d = { (const uint8_t *)"", 0 }; /* no "d" → {"r": ""} as Zephyr */
    extxip_cbor_kv_t kv[] = { CBOR_KV("d", CBOR_KV_TSTR, &d) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "r");
    extxip_cbor_enc_tstr(ctx->enc, (const char *)d.ptr, d.len);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* ------------------------------------------------------------ taskstat */

/* Decimal text of v into buf (>= 11 bytes); returns its length. */
static size_t fmt_u32(char *buf, uint32_t v)
{
    char t[10];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) {
        buf[i] = t[n - 1 - i];
    }
    return n;
}

static int os_taskstat(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    if (p->task_get == NULL) {
        return MGMT_ERR_ENOTSUP;
    }
    extxip_cbor_encoder_t *e = ctx->enc;
    extxip_cbor_enc_tstr_z(e, "tasks");
    extxip_cbor_enc_map_indef(e);
    for (uint32_t i = 0; i < OS_MGMT_TASKSTAT_MAX && !e->err; i++) {
        extxip_os_mgmt_task_t t;
        memset(&t, 0, sizeof(t));
        if (p->task_get(p->arg, i, &t) != 0) {
            break;
        }
        if (t.name) {
            extxip_cbor_enc_tstr_z(e, t.name);
        } else {
            char num[11];
            extxip_cbor_enc_tstr(e, num, fmt_u32(num, i));
        }
        extxip_cbor_enc_map_indef(e);
        extxip_cbor_enc_tstr_z(e, "prio");
        extxip_cbor_enc_int(e, t.prio);
        extxip_cbor_enc_tstr_z(e, "tid");
        extxip_cbor_enc_uint(e, i);
        extxip_cbor_enc_tstr_z(e, "state");
        extxip_cbor_enc_uint(e, t.state);
        if (t.has_stack) {
            extxip_cbor_enc_tstr_z(e, "stksiz");
            extxip_cbor_enc_uint(e, t.stksiz);
            extxip_cbor_enc_tstr_z(e, "stkuse");
            extxip_cbor_enc_uint(e, t.stkuse);
        }
        if (t.has_runtime) {
            extxip_cbor_enc_tstr_z(e, "runtime");
            extxip_cbor_enc_uint(e, t.runtime);
        }
        extxip_cbor_enc_break(e);
    }
    extxip_cbor_enc_break(e);
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* ------------------------------------------------------------ datetime */

/* Append v right-aligned in width w, padded with pad. */
static size_t fmt_pad(char *out, uint32_t v, size_t w, char pad)
{
    char num[11];
    size_t n = fmt_u32(num, v);
    size_t o = 0;
    while (o + n < w) {
        out[o++] = pad;
    }
    memcpy(out + o, num, n);
    return o + n;
}

static int os_datetime_get(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    if (p->datetime_get == NULL) {
        return MGMT_ERR_ENOTSUP;
    }
    extxip_os_mgmt_datetime_t dt;
    memset(&dt, 0, sizeof(dt));
    int rc = p->datetime_get(p->arg, &dt);
    if (rc == OS_MGMT_CLOCK_NOT_SET) {
        return extxip_smp_ctx_group_err(ctx, OS_MGMT_ERR_RTC_NOT_SET);
    }
    if (rc != OS_MGMT_CLOCK_OK) {
        return extxip_smp_ctx_group_err(ctx, OS_MGMT_ERR_RTC_COMMAND_FAILED);
    }
    /* Zephyr: "%4d-%02d-%02dT%02d:%02d:%02d" [".%d"] */
    char s[40];
    size_t n = 0;
    n += fmt_pad(s + n, dt.year, 4, ' ');
    s[n++] = '-';
    n += fmt_pad(s + n, dt.month, 2, '0');
    s[n++] = '-';
    n += fmt_pad(s + n, dt.day, 2, '0');
    s[n++] = 'T';
    n += fmt_pad(s + n, dt.hour, 2, '0');
    s[n++] = ':';
    n += fmt_pad(s + n, dt.minute, 2, '0');
    s[n++] = ':';
    n += fmt_pad(s + n, dt.second, 2, '0');
    if (p->datetime_ms) {
        s[n++] = '.';
        n += fmt_u32(s + n, dt.ms);
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "datetime");
    extxip_cbor_enc_tstr(ctx->enc, s, n);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* Parse a decimal field at s[*pos..len): at least one digit, at most 5. */
static bool parse_field(const uint8_t *s, size_t len, size_t *pos, uint32_t *v)
{
    size_t i = *pos, digits = 0;
    uint32_t x = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 5) {
        x = x * 10 + (uint32_t)(s[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0) {
        return false;
    }
    *pos = i;
    *v = x;
    return true;
}

static int os_datetime_set(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    if (p->datetime_set == NULL) {
        return MGMT_ERR_ENOTSUP;
    }
    extxip_cbor_str_t str = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("datetime", CBOR_KV_TSTR, &str) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    /* Zephyr accepts 19..25 characters */
    if (str.len < 19 || str.len > 25) {
        return MGMT_ERR_EINVAL;
    }
    static const uint32_t lo[6] = { 1900, 1, 1, 0, 0, 0 };
    static const uint32_t hi[6] = { 11899, 12, 31, 23, 59, 59 };
    uint32_t f[6];
    size_t pos = 0;
    for (int i = 0; i < 6; i++) {
        if (pos >= str.len || !parse_field(str.ptr, str.len, &pos, &f[i]) || f[i] < lo[i] || f[i] > hi[i]) {
            return MGMT_ERR_EINVAL;
        }
        pos++; /* any single delimiter */
    }
    extxip_os_mgmt_datetime_t dt = {
        .year = (uint16_t)f[0], .month = (uint8_t)f[1], .day = (uint8_t)f[2],
        .hour = (uint8_t)f[3], .minute = (uint8_t)f[4], .second = (uint8_t)f[5], .ms = 0,
    };
    /* optional ".ms"; anything else after the seconds (a time zone) is ignored */
    if (p->datetime_ms && pos < str.len && str.ptr[pos - 1] == '.') {
        uint32_t ms;
        if (!parse_field(str.ptr, str.len, &pos, &ms) || ms > 999) {
            return MGMT_ERR_EINVAL;
        }
        dt.ms = (uint16_t)ms;
    }
    if (p->datetime_set(p->arg, &dt) != OS_MGMT_CLOCK_OK) {
        return extxip_smp_ctx_group_err(ctx, OS_MGMT_ERR_RTC_COMMAND_FAILED);
    }
    return MGMT_ERR_EOK;
}

/* --------------------------------------------------------------- reset */

static void os_do_reset(void *arg)
{
    const extxip_os_mgmt_port_t *p = arg;
    p->reset(p->arg);
}

static int os_reset(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    if (p->reset == NULL) {
        return MGMT_ERR_ENOTSUP;
    }
    /* "force" may be bool or int (clients disagree); like Zephyr, a body that
     * does not decode is ignored and force stays false. */
    bool force = false;
    extxip_cbor_kv_t kv[] = { CBOR_KV("force", CBOR_KV_BOOL_OR_INT, &force) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        force = false;
    }
    if (p->reset_check) {
        int rc = p->reset_check(p->arg, force);
        if (rc != 0) {
            return rc;
        }
    }
    /* the reply ({}) must leave before the device goes down */
    extxip_smp_ctx_after_send(ctx, os_do_reset, (void *)p);
    return MGMT_ERR_EOK;
}

/* -------------------------------------------------------------- params */

static int os_params(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    if (p->buf_size == 0) {
        return MGMT_ERR_ENOTSUP;
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "buf_size");
    extxip_cbor_enc_uint(ctx->enc, p->buf_size);
    extxip_cbor_enc_tstr_z(ctx->enc, "buf_count");
    extxip_cbor_enc_uint(ctx->enc, p->buf_count);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* ---------------------------------------------------------------- info */

/* Fields in output order (docs/protocol.md §6.9); 'a' selects all available. */
static const char info_chars[] = "snrvbmpio";

static const char *info_text(const extxip_os_mgmt_port_t *p, int i)
{
    const char *t[] = { p->kernel_name, p->node_name, p->kernel_release, p->kernel_version, p->build_date_time,
                        p->machine, p->processor, p->platform, p->os_name };
    return t[i] ? t[i] : "unknown";
}

static int os_info(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t fmt = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("format", CBOR_KV_TSTR, &fmt) };
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, NULL) != 0) {
        return MGMT_ERR_EINVAL;
    }
    unsigned mask = 0;
    const int b_index = 4;
    for (size_t i = 0; i < fmt.len; i++) {
        uint8_t c = fmt.ptr[i];
        const char *hit = c ? strchr(info_chars, c) : NULL;
        if (c == 'a') {
            mask = 0x1FFu;
            if (p->build_date_time == NULL) {
                mask &= ~(1u << b_index);
            }
        } else if (hit != NULL && !(c == 'b' && p->build_date_time == NULL)) {
            mask |= 1u << (hit - info_chars);
        } else {
            return extxip_smp_ctx_group_err(ctx, OS_MGMT_ERR_INVALID_FORMAT);
        }
    }
    if (mask == 0) {
        mask = 1u; /* default: kernel name */
    }
    size_t total = 0;
    for (int i = 0; i < 9; i++) {
        if (mask & (1u << i)) {
            total += (total ? 1 : 0) + strlen(info_text(p, i));
        }
    }
    if (total >= OS_MGMT_INFO_MAX) {
        return MGMT_ERR_EMSGSIZE; /* Zephyr's output buffer would overflow */
    }
    extxip_cbor_enc_tstr_z(ctx->enc, "output");
    extxip_cbor_enc_str_head(ctx->enc, true, total);
    bool prior = false;
    for (int i = 0; i < 9; i++) {
        if (mask & (1u << i)) {
            if (prior) {
                extxip_cbor_enc_raw(ctx->enc, " ", 1);
            }
            const char *t = info_text(p, i);
            extxip_cbor_enc_raw(ctx->enc, t, strlen(t));
            prior = true;
        }
    }
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* ------------------------------------------------------ bootloader info */

static int os_bootloader_info(extxip_smp_ctx_t *ctx)
{
    const extxip_os_mgmt_port_t *p = port_of(ctx);
    extxip_cbor_str_t query = { NULL, 0 };
    extxip_cbor_kv_t kv[] = { CBOR_KV("query", CBOR_KV_TSTR, &query) };
    size_t matched = 0;
    if (extxip_cbor_map_decode_keys(ctx->dec, kv, 1, &matched) != 0) {
        return MGMT_ERR_EINVAL;
    }
    extxip_cbor_encoder_t *e = ctx->enc;
    if (matched == 0) {
        extxip_cbor_enc_tstr_z(e, "bootloader");
        extxip_cbor_enc_tstr_z(e, p->bootloader_name ? p->bootloader_name : "MCUboot");
    } else if (extxip_cbor_str_eq(&query, "mode")) {
        extxip_cbor_enc_tstr_z(e, "mode");
        extxip_cbor_enc_int(e, p->boot_mode);
        if (p->no_downgrade) {
            extxip_cbor_enc_tstr_z(e, "no-downgrade");
            extxip_cbor_enc_bool(e, true);
        }
    } else {
        return extxip_smp_ctx_group_err(ctx, OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER);
    }
    return e->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

/* --------------------------------------------------------------- group */

static const extxip_smp_cmd_t os_cmds[OS_MGMT_ID_COUNT] = {
    [OS_MGMT_ID_ECHO] = { os_echo, os_echo },
    [OS_MGMT_ID_CONS_ECHO_CTRL] = { NULL, NULL },
    [OS_MGMT_ID_TASKSTAT] = { os_taskstat, NULL },
    [OS_MGMT_ID_MPSTAT] = { NULL, NULL },
    [OS_MGMT_ID_DATETIME_STR] = { os_datetime_get, os_datetime_set },
    [OS_MGMT_ID_RESET] = { NULL, os_reset },
    [OS_MGMT_ID_MCUMGR_PARAMS] = { os_params, NULL },
    [OS_MGMT_ID_INFO] = { os_info, NULL },
    [OS_MGMT_ID_BOOTLOADER_INFO] = { os_bootloader_info, NULL },
};

void extxip_os_mgmt_init(extxip_os_mgmt_t *os, const extxip_os_mgmt_port_t *port)
{
    os->port = port;
    os->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_OS,
        .cmds = os_cmds,
        .cmd_count = OS_MGMT_ID_COUNT,
        .user = os,
        .err_to_v1 = extxip_os_mgmt_err_to_v1,
    };
}

int extxip_os_mgmt_register(extxip_os_mgmt_t *os, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &os->group);
}
