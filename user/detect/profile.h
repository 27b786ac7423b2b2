/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/profile.h - the thresholds that depend on the network, and which of them apply.
 *
 * Three profiles (home, small-office, enterprise) set the base score threshold, the
 * dos_pattern and scanning_pattern criteria's thresholds and the class rules' rates and
 * counts (classify.h). --profile fixes one; otherwise home applies during the warm-up
 * (the first 60 s or 5000 packets, engine.h) and then the one inferred from the number
 * of distinct home hosts (features/homenet.h) that received traffic: <= 20 home, <= 150
 * small-office, else enterprise (spoofed sources never receive, so a flood does not
 * inflate the count). Logged with pr_info and in summaries.
 */
#ifndef NAD_PROFILE_H
#define NAD_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

/* Thresholds that depend on the network (profile). */
struct profile {
	const char *name;
	double sensitivity; /* base weighted-score threshold */
	double dos_threshold; /* dos_pattern: share of the last 100 intervals < 1 ms */
	unsigned scan_threshold; /* scanning_pattern: distinct ports among the last 100 packets */
	double dos_pps; /* single-source flood rate */
	double dos_dist_pps; /* packets/s to one victim from many sources */
	unsigned scan_ports, scan_hosts;
	unsigned cred_conns;
	unsigned cred_fails; /* login failures [60 s] from one service (fail2ban's maxretry is 5) */
	unsigned slow_conns;
	double exfil_bytes;
	double upload_bytes; /* one-way upload to a non-web service */
	unsigned dns_tunnel_queries; /* DNS queries [60 s] to one server with mean >= 64 B */
	unsigned mass_reg_srcs;
	double excess_pps, excess_bps;
	/*
	 * The class thresholds above are floors: where a host has a learned baseline
	 * (features/baseline.h), a threshold is this many times the baseline's level when
	 * that is higher. k_rate: flood and traffic rates; k_fail: failed probes; k_exfil:
	 * uploads on opened connections.
	 */
	double k_rate, k_fail, k_exfil;
};

enum profile_id {
	PROFILE_HOME = 0,
	PROFILE_SMALL_OFFICE,
	PROFILE_ENTERPRISE,
	PROFILE_N,
	PROFILE_AUTO = -1,
};

/* The profile id (NULL for PROFILE_AUTO or out of range). */
const struct profile *profile_get(enum profile_id id);
/* "home", "small-office", "enterprise" (or "auto") -> id; -EINVAL if unknown. */
int profile_parse(const char *s, enum profile_id *id);

#define PROFILE_LOCAL_BITS 4096

/* Which profile applies: fixed, or home until profile_pick_infer(). */
struct profile_pick {
	const struct profile *profile; /* in use */
	bool fixed; /* given (profile_pick_init with an id), never inferred */
	bool inferred; /* inferred from traffic */
	uint64_t local_hosts[PROFILE_LOCAL_BITS / 64]; /* hashed set of local destinations */
};

/* id fixes the profile; PROFILE_AUTO (or any id out of range) infers it. */
void profile_pick_init(struct profile_pick *p, enum profile_id id);
/* Counts a record's destination if it is a home address (daddr_hash: sketch_addr_hash). */
void profile_pick_count(struct profile_pick *p, bool dst_home, uint32_t daddr_hash);
/* End of the warm-up: the profile from the local hosts counted (unless fixed); logs it. */
void profile_pick_infer(struct profile_pick *p);

#endif /* NAD_PROFILE_H */
