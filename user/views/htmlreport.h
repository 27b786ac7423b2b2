/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/htmlreport.h - `--report FILE`: the dashboard page with the state embedded,
 * one self-contained HTML file (no server, nothing loaded from elsewhere).
 */
#ifndef NAD_REPORT_H
#define NAD_REPORT_H

struct dashstate;
struct json_object;

/* The page with state spliced in, written atomically to path. 0 or -errno. */
int report_write_json(struct json_object *state, const char *path);

/* Snapshot of ds, then report_write_json(). 0 or -errno. */
int report_write(struct dashstate *ds, const char *path);

#endif
