// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/dashfeed.c - records, alerts and engine settings into the dashboard state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/names.h"
#include "detect/alert.h"
#include "detect/engine.h"
#include "views/dashfeed.h"
#include "views/dashstate.h"

void dashfeed_record(struct dashstate *ds, const struct nad_rec *rec)
{
	__u64 w = rec->weight ? rec->weight : 1;

	dashstate_on_packets(ds, rec->ts_ns, rec->dir, w, (__u64)rec->wire_bytes * w,
			     rec->gso_segs > 1 ? rec->wire_bytes / rec->gso_segs : rec->wire_bytes);
}

void dashfeed_alert(struct dashstate *ds, const struct alert_event *ev)
{
	struct dashstate_alert da = { .ts_ns = ev->start_ns, .sev = -1, .score = NAN };

	if (strcmp(ev->event_type, "anomaly") || ev->closing)
		return;
	if (ev->cls <= CLASS_NONE || ev->cls >= CLASS_N)
		return;
	da.cls = ev->cls;
	addr_str(ev->saddr, da.src, sizeof(da.src));
	addr_str(ev->daddr, da.dst, sizeof(da.dst));
	snprintf(da.evidence, sizeof(da.evidence), "%s", ev->evidence ? ev->evidence : "");
	dashstate_on_alert(ds, &da);
}

void dashfeed_engine(struct dashstate *ds, struct engine *e)
{
	struct limit_table t[LIMIT_MAX_TABLES];
	bool inferred;
	const struct profile *p = engine_profile(e, &inferred);

	dashstate_set_threshold(ds, "score", engine_threshold(e));
	if (p)
		dashstate_set_info(ds, NULL, NULL, p->name);
	dashstate_set_tables(ds, t, (unsigned)engine_tables(e, t, LIMIT_MAX_TABLES));
}
