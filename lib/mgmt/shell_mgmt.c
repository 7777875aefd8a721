#include "mgmt/shell_mgmt.h"

#include <string.h>

uint16_t extxip_shell_mgmt_err_to_v1(uint16_t rc)
{
    switch (rc) {
    case SHELL_MGMT_ERR_OK:
        return MGMT_ERR_EOK;
    case SHELL_MGMT_ERR_COMMAND_TOO_LONG:
    case SHELL_MGMT_ERR_EMPTY_COMMAND:
        return MGMT_ERR_EINVAL;
    default:
        return MGMT_ERR_EUNKNOWN;
    }
}

static const char trunc_note[] = "\n[output truncated]\n";

void extxip_shell_out_mem(extxip_shell_out_t *o, const void *p, size_t n)
{
    const size_t room = SHELL_MGMT_OUT_MAX - (sizeof trunc_note - 1u);
    if (o->truncated) {
        return;
    }
    if (n > room - o->len) {
        memcpy(o->buf + o->len, p, room - o->len);
        o->len = room;
        memcpy(o->buf + o->len, trunc_note, sizeof trunc_note - 1u);
        o->len += sizeof trunc_note - 1u;
        o->truncated = true;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void extxip_shell_out_str(extxip_shell_out_t *o, const char *s)
{
    extxip_shell_out_mem(o, s, strlen(s));
}

void extxip_shell_out_u64(extxip_shell_out_t *o, uint64_t v)
{
    char t[20];
    size_t n = 0;
    do {
        t[sizeof t - 1u - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    extxip_shell_out_mem(o, t + sizeof t - n, n);
}

void extxip_shell_out_i64(extxip_shell_out_t *o, int64_t v)
{
    if (v < 0) {
        extxip_shell_out_str(o, "-");
        extxip_shell_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        extxip_shell_out_u64(o, (uint64_t)v);
    }
}

static int cmd_help(extxip_shell_mgmt_t *sh)
{
    const extxip_shell_mgmt_port_t *p = sh->port;
    extxip_shell_out_str(&sh->out, "Available commands:\n  help\n");
    for (size_t i = 0; p && i < p->count; i++) {
        extxip_shell_out_str(&sh->out, "  ");
        extxip_shell_out_str(&sh->out, p->cmds[i].name);
        if (p->cmds[i].help) {
            extxip_shell_out_str(&sh->out, "  ");
            extxip_shell_out_str(&sh->out, p->cmds[i].help);
        }
        extxip_shell_out_str(&sh->out, "\n");
    }
    return 0;
}

int extxip_shell_mgmt_run(extxip_shell_mgmt_t *sh, int argc, char **argv)
{
    memset(&sh->out, 0, sizeof sh->out);
    sh->execs++;
    if (argc < 1) {
        return SHELL_MGMT_ENOEXEC;
    }
    if (strcmp(argv[0], "help") == 0) {
        return cmd_help(sh);
    }
    const extxip_shell_mgmt_port_t *p = sh->port;
    for (size_t i = 0; p && i < p->count; i++) {
        if (strcmp(argv[0], p->cmds[i].name) == 0) {
            return p->cmds[i].fn(p->arg, argc, argv, &sh->out);
        }
    }
    extxip_shell_out_str(&sh->out, argv[0]);
    extxip_shell_out_str(&sh->out, ": command not found\n");
    return SHELL_MGMT_ENOEXEC;
}

/* Decode {"argv": [tstr...]} into sh->line as NUL-separated words.
 * Returns argc >= 0, -1 malformed, -2 too long. A word that is not a text
 * string makes the command empty (argc 0, as Zephyr's shell_mgmt answers
 * [5]: err 9/3 EMPTY_COMMAND); nothing of such a line is run. */
static int decode_argv(extxip_shell_mgmt_t *sh, extxip_cbor_decoder_t *d, char **argv)
{
    if (extxip_cbor_dec_map_enter(d, NULL) != 0) {
        return -1;
    }
    int argc = 0;
    bool seen = false, too_long = false, not_word = false;
    size_t used = 0;
    while (!extxip_cbor_dec_at_end(d)) {
        extxip_cbor_str_t key;
        if (extxip_cbor_dec_tstr(d, &key) != 0) {
            return -1;
        }
        if (!extxip_cbor_str_eq(&key, "argv")) {
            if (extxip_cbor_dec_skip(d) != 0) {
                return -1;
            }
            continue;
        }
        if (seen || extxip_cbor_dec_array_enter(d, NULL) != 0) {
            return -1; /* twice, or not an array */
        }
        seen = true;
        while (!extxip_cbor_dec_at_end(d)) {
            extxip_cbor_str_t w;
            extxip_cbor_type_t t;
            if (extxip_cbor_dec_peek(d, &t) != 0) {
                return -1;
            }
            if (t != CBOR_TY_TSTR) {
                not_word = true;
                if (extxip_cbor_dec_skip(d) != 0) {
                    return -1;
                }
                continue;
            }
            if (extxip_cbor_dec_tstr(d, &w) != 0 || memchr(w.ptr, 0, w.len) != NULL) {
                return -1;
            }
            if ((size_t)argc >= SHELL_MGMT_ARGS_MAX || w.len + 1u > SHELL_MGMT_LINE_MAX - used) {
                too_long = true;
                continue;
            }
            memcpy(sh->line + used, w.ptr, w.len);
            sh->line[used + w.len] = 0;
            argv[argc++] = sh->line + used;
            used += w.len + 1u;
        }
        if (extxip_cbor_dec_leave(d) != 0) {
            return -1;
        }
    }
    if (!seen || extxip_cbor_dec_leave(d) != 0 || cbor_dec_err(d)) {
        return -1; /* Zephyr: no "argv" array is EINVAL */
    }
    return not_word ? 0 : too_long ? -2 : argc;
}

static int shell_exec(extxip_smp_ctx_t *ctx)
{
    extxip_shell_mgmt_t *sh = ctx->user;
    char *argv[SHELL_MGMT_ARGS_MAX];
    int argc = ctx->hdr->len ? decode_argv(sh, ctx->dec, argv) : -1;
    if (argc == -1) {
        return MGMT_ERR_EINVAL;
    }
    if (argc == -2) {
        return extxip_smp_ctx_group_err(ctx, SHELL_MGMT_ERR_COMMAND_TOO_LONG);
    }
    if (argc == 0) {
        return extxip_smp_ctx_group_err(ctx, SHELL_MGMT_ERR_EMPTY_COMMAND);
    }
    int ret = extxip_shell_mgmt_run(sh, argc, argv);
    extxip_cbor_enc_tstr_z(ctx->enc, "o");
    extxip_cbor_enc_tstr(ctx->enc, sh->out.buf, sh->out.len);
    extxip_cbor_enc_tstr_z(ctx->enc, "ret");
    extxip_cbor_enc_int(ctx->enc, ret);
    return ctx->enc->err ? MGMT_ERR_EMSGSIZE : MGMT_ERR_EOK;
}

static const extxip_smp_cmd_t shell_cmds[SHELL_MGMT_ID_COUNT] = {
    [SHELL_MGMT_ID_EXEC] = { NULL, shell_exec },
};

void extxip_shell_mgmt_init(extxip_shell_mgmt_t *sh, const extxip_shell_mgmt_port_t *port)
{
    memset(sh, 0, sizeof(*sh));
    sh->port = port;
    sh->group = (extxip_smp_group_t){
        .id = MGMT_GROUP_ID_SHELL,
        .cmds = shell_cmds,
        .cmd_count = SHELL_MGMT_ID_COUNT,
        .user = sh,
        .err_to_v1 = extxip_shell_mgmt_err_to_v1,
    };
}

int extxip_shell_mgmt_register(extxip_shell_mgmt_t *sh, extxip_smp_server_t *srv)
{
    return extxip_smp_server_register(srv, &sh->group);
}
