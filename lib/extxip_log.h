/* The port's log hook (extxip_port.h, item 11): one line of text without a
 * newline. lib never writes to a console itself. */
#ifndef EXTXIP_LOG_H
#define EXTXIP_LOG_H

typedef void (*extxip_log_fn)(void *arg, const char *line);

#endif
