/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/log.h - one-line diagnostics on stderr (exit codes are cli/cli.h's).
 *
 * pr_warn() is for the operator: one line naming the cause, printed once
 * where the context is known. Library-like modules (models, features) never
 * print above pr_debug(). cli/ routes libbpf's own messages here, one level lower.
 */
#ifndef NAD_LOG_H
#define NAD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif /* NAD_LOG_H */
