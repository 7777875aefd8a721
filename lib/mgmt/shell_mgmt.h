/*
 * Shell management group (SMP group 9): exec (write, id 0)
 *   {"argv": [tstr, ...]} -> {"o": output text, "ret": command's return code}
 * as Zephyr's shell_mgmt (subsys/mgmt/mcumgr/grp/shell_mgmt, smp_group_9.rst).
 * Zephyr runs its shell; here the port gives a small table of commands
 * (shell_cmds.h has the device's own set). An unknown command answers
 * ret -8 (-ENOEXEC, what Zephyr's shell returns) and "<name>: command not
 * found"; a command line longer than SHELL_MGMT_LINE_MAX: err
 * COMMAND_TOO_LONG; no arguments: err EMPTY_COMMAND. Output beyond
 * SHELL_MGMT_OUT_MAX is cut off (and says so), never overrun.
 */
#ifndef EXTXIP_SHELL_MGMT_H
#define EXTXIP_SHELL_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smp/smp.h"

enum {
    SHELL_MGMT_ID_EXEC = 0,
    SHELL_MGMT_ID_COUNT = 1,
};

/* Group error codes (Zephyr enum shell_mgmt_ret_code_t). */
enum {
    SHELL_MGMT_ERR_OK = 0,
    SHELL_MGMT_ERR_UNKNOWN = 1,
    SHELL_MGMT_ERR_COMMAND_TOO_LONG = 2,
    SHELL_MGMT_ERR_EMPTY_COMMAND = 3,
};

#define SHELL_MGMT_LINE_MAX 256u /* Zephyr CONFIG_SHELL_CMD_BUFF_SIZE default */
#define SHELL_MGMT_ARGS_MAX 16u
#define SHELL_MGMT_OUT_MAX 1024u
#define SHELL_MGMT_ENOEXEC (-8)

/* Output of one command; append with the shell_out_* helpers only. */
typedef struct extxip_shell_out {
    char buf[SHELL_MGMT_OUT_MAX];
    size_t len;
    bool truncated;
} extxip_shell_out_t;

void extxip_shell_out_str(extxip_shell_out_t *o, const char *s);
void extxip_shell_out_mem(extxip_shell_out_t *o, const void *p, size_t n);
void extxip_shell_out_u64(extxip_shell_out_t *o, uint64_t v);
void extxip_shell_out_i64(extxip_shell_out_t *o, int64_t v);

/* A command: argv[0] is its name, strings are NUL-terminated. Returns the
 * command's return code (0 success). */
typedef int (*extxip_shell_cmd_fn)(void *arg, int argc, char **argv, extxip_shell_out_t *out);

typedef struct extxip_shell_mgmt_cmd {
    const char *name;
    const char *help; /* one line, for "help" */
    extxip_shell_cmd_fn fn;
} extxip_shell_mgmt_cmd_t;

typedef struct extxip_shell_mgmt_port {
    void *arg;
    const extxip_shell_mgmt_cmd_t *cmds;
    size_t count;
} extxip_shell_mgmt_port_t;

typedef struct extxip_shell_mgmt {
    extxip_smp_group_t group;
    const extxip_shell_mgmt_port_t *port;
    char line[SHELL_MGMT_LINE_MAX];
    extxip_shell_out_t out;
    uint32_t execs; /* commands run (statistics) */
} extxip_shell_mgmt_t;

uint16_t extxip_shell_mgmt_err_to_v1(uint16_t rc);

/* Run one command line already split into argv (what exec does after
 * decoding). Returns the command's return code; output in sh->out. */
int extxip_shell_mgmt_run(extxip_shell_mgmt_t *sh, int argc, char **argv);

void extxip_shell_mgmt_init(extxip_shell_mgmt_t *sh, const extxip_shell_mgmt_port_t *port);
int extxip_shell_mgmt_register(extxip_shell_mgmt_t *sh, extxip_smp_server_t *srv);

#endif
