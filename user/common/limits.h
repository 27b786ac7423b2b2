/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/limits.h - one bounded table as the operator sees it.
 *
 * Every piece of userspace state an attacker can grow (one entry per source, flow,
 * destination, episode...) lives in a table with a fixed cap, allocated once. When the
 * table is full, a new entry either evicts one (the least recently seen, or the oldest)
 * or is refused; both are counted. status, /metrics and the summary event show each
 * table's row; docs/limits.md lists the tables, their caps and their memory.
 */
#ifndef NAD_COMMON_LIMITS_H
#define NAD_COMMON_LIMITS_H

#include <stdint.h>

#define LIMIT_NAME_LEN 24
#define LIMIT_MAX_TABLES 24 /* rows one report carries at most */

struct limit_table {
	char name[LIMIT_NAME_LEN]; /* "flows", "sources", ...: lower case, no spaces */
	uint64_t cap; /* entries at most */
	uint64_t used; /* entries in use now */
	uint64_t evicted; /* entries dropped to make room for new ones */
	uint64_t refused; /* new entries not taken because the table was full */
	uint64_t bytes; /* memory the table holds (allocated once, for cap entries) */
};

#endif /* NAD_COMMON_LIMITS_H */
