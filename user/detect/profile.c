// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/profile.c - the three profiles and the one inferred from traffic (contract in
 * profile.h).
 */
#include <errno.h>
#include <string.h>

#include "common/addr.h"
#include "common/log.h"
#include "detect/profile.h"
#include "features/sketch.h"

/*
 * Base sensitivity: one model criterion plus one extreme (1.5 + 2.0) reaches the home
 * threshold; both models at their normal level (3.0) do not. Rates are packets/s.
 */
static const struct profile profiles[PROFILE_N] = {
	[PROFILE_HOME] = { .name = "home",
			   .sensitivity = 3.5,
			   .dos_threshold = 0.5,
			   .scan_threshold = 15,
			   .dos_pps = 1000,
			   .dos_dist_pps = 200,
			   .scan_ports = 15,
			   .scan_hosts = 10,
			   .cred_conns = 6,
			   .cred_fails = 5,
			   .slow_conns = 40,
			   .exfil_bytes = 10e6,
			   .upload_bytes = 1e6,
			   .dns_tunnel_queries = 10,
			   .mass_reg_srcs = 10,
			   .excess_pps = 3000,
			   .excess_bps = 12.5e6,
			   .k_rate = 3,
			   .k_fail = 3,
			   .k_exfil = 3 },
	[PROFILE_SMALL_OFFICE] = { .name = "small-office",
				   .sensitivity = 4.0,
				   .dos_threshold = 0.6,
				   .scan_threshold = 20,
				   .dos_pps = 2500,
				   .dos_dist_pps = 500,
				   .scan_ports = 20,
				   .scan_hosts = 20,
				   .cred_conns = 8,
				   .cred_fails = 6,
				   .slow_conns = 60,
				   .exfil_bytes = 25e6,
				   .upload_bytes = 2e6,
				   .dns_tunnel_queries = 20,
				   .mass_reg_srcs = 20,
				   .excess_pps = 8000,
				   .excess_bps = 50e6,
				   .k_rate = 4,
				   .k_fail = 4,
				   .k_exfil = 4 },
	[PROFILE_ENTERPRISE] = { .name = "enterprise",
				 .sensitivity = 4.5,
				 .dos_threshold = 0.7,
				 .scan_threshold = 30,
				 .dos_pps = 10000,
				 .dos_dist_pps = 2000,
				 .scan_ports = 30,
				 .scan_hosts = 40,
				 .cred_conns = 12,
				 .cred_fails = 10,
				 .slow_conns = 100,
				 .exfil_bytes = 100e6,
				 .upload_bytes = 5e6,
				 .dns_tunnel_queries = 40,
				 .mass_reg_srcs = 50,
				 .excess_pps = 30000,
				 .excess_bps = 250e6,
				 .k_rate = 5,
				 .k_fail = 5,
				 .k_exfil = 5 },
};

const struct profile *profile_get(enum profile_id id)
{
	return id >= 0 && id < PROFILE_N ? &profiles[id] : NULL;
}

int profile_parse(const char *s, enum profile_id *id)
{
	if (!strcmp(s, "auto")) {
		*id = PROFILE_AUTO;
		return 0;
	}
	for (int i = 0; i < PROFILE_N; i++) {
		if (!strcmp(s, profiles[i].name)) {
			*id = i;
			return 0;
		}
	}
	return -EINVAL;
}

void profile_pick_init(struct profile_pick *p, enum profile_id id)
{
	memset(p, 0, sizeof(*p));
	p->fixed = id >= 0 && id < PROFILE_N;
	p->profile = profile_get(p->fixed ? id : PROFILE_HOME);
}

void profile_pick_count(struct profile_pick *p, bool dst_home, uint32_t daddr_hash)
{
	if (dst_home)
		sketch_set(p->local_hosts, PROFILE_LOCAL_BITS, sketch_mix(daddr_hash));
}

void profile_pick_infer(struct profile_pick *p)
{
	unsigned hosts = sketch_distinct(p->local_hosts, NULL, PROFILE_LOCAL_BITS / 64);
	enum profile_id id = hosts <= 20  ? PROFILE_HOME :
			     hosts <= 150 ? PROFILE_SMALL_OFFICE :
					    PROFILE_ENTERPRISE;

	if (p->fixed)
		return;
	p->profile = profile_get(id);
	p->inferred = true;
	pr_info("Profile inferred from traffic: %s (%u local hosts received traffic in the "
		"warm-up)\n",
		p->profile->name, hosts);
}
