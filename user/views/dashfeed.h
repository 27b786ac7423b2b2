/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/dashfeed.h - what the detection stages tell the dashboard state: records,
 * the engine's alerts, its thresholds and profile. The live daemon and the offline
 * HTML report feed the same way.
 */
#ifndef NAD_DASHFEED_H
#define NAD_DASHFEED_H

#include "nad_abi.h"

struct alert_event;
struct dashstate;
struct engine;

/* One record: its packets (weight), bytes and size. */
void dashfeed_record(struct dashstate *ds, const struct nad_rec *rec);
/* An `anomaly` start event (end records, summaries and unknown classes are ignored). */
void dashfeed_alert(struct dashstate *ds, const struct alert_event *ev);
/* The engine's current score threshold, profile and bounded tables. */
void dashfeed_engine(struct dashstate *ds, struct engine *e);

#endif
