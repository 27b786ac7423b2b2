// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>

#include "helpers/dashfill.h"

#define S 1000000000ull

void dashfill_small(struct dashstate *d)
{
	struct nad_stats k = { .pkts = { 5000, 700 }, .bytes = { 600000, 80000 }, .recs_emitted = 5600 };
	struct dashstate_alert a = { .ts_ns = 30 * S, .cls = CLASS_DOS_ATTACK, .sev = -1 };
	struct dashstate_rule r = { .origin = NAD_ORIGIN_AUTO, .reason = CLASS_DOS_ATTACK,
				    .expires_in_s = 300, .hits = 42 };
	const struct dashstate_output out[2] = {
		{ .kind = "file", .target = "/var/log/nadxdp/eve.json", .events = 12, .up = true },
		{ .kind = "redis", .target = "127.0.0.1:6379", .events = 10, .dropped = 2,
		  .reconnects = 1, .queued = 0, .up = false },
	};

	dashstate_set_info(d, "nadx0", "live", "default");
	for (__u64 sec = 1; sec <= 30; sec++)
		dashstate_on_packets(d, sec * S, NAD_DIR_IN, sec * 10, sec * 10 * 100, 100);
	dashstate_on_packets(d, 30 * S, NAD_DIR_OUT, 7, 7 * 1400, 1400);
	snprintf(a.src, sizeof(a.src), "198.18.0.3");
	snprintf(a.dst, sizeof(a.dst), "198.18.0.1");
	snprintf(a.evidence, sizeof(a.evidence), "SYN rate 3000/s");
	dashstate_on_alert(d, &a);
	snprintf(r.prefix, sizeof(r.prefix), "198.18.0.3/32");
	dashstate_set_rules(d, &r, 1);
	dashstate_set_kernel(d, &k);
	dashstate_set_outputs(d, out, 2);
}
