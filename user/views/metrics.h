/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/metrics.h - the Prometheus text exposition (format 0.0.4) of a dashboard
 * snapshot: `nadxdp_` names, base units, `_total` on counters, HELP and TYPE
 * for every family, labels only from small fixed sets (direction, class,
 * severity, threshold name), never an address. README "Metrics" lists them.
 */
#ifndef NAD_METRICS_H
#define NAD_METRICS_H

#include <stddef.h>

struct dashstate_snap;

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition text, malloc'd and NUL-terminated (*len without the NUL); NULL and errno. */
char *metrics_render(const struct dashstate_snap *s, size_t *len);

#endif /* NAD_METRICS_H */
