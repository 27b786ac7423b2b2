/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate/bpf.h - the mitigation backend on the XDP program's maps
 * (struct mitigate_ops): nad_drop4/6 and nad_allow4/6 (LPM tries) and
 * nad_rate / nad_rate_state (rate rules, aggregate or one source's, and
 * their per-CPU buckets). Either from map fds the caller holds (the daemon's skeleton) or
 * from the pins under NAD_PIN_DIR.
 *
 * It is also the one place that walks and edits the rule maps for others: the
 * daemon's dashboard (mitigate_bpf_walk), `nadxdp status` (counts) and `nadxdp
 * rules` (list, manual add and delete).
 *
 * drop_get is an LPM lookup: for a prefix that has no rule of its own it
 * returns the rule of a shorter prefix covering it, if any (the policy
 * tells its own rules by created_ns). A renewal is a read-modify-write of
 * the value: hits the kernel counts between the two are lost (a few
 * packets, once per renewal).
 */
#ifndef NAD_MITIGATE_BPF_H
#define NAD_MITIGATE_BPF_H

#include <stdio.h>

#include "mitigate/policy.h"

struct json_object;
struct mitigate_bpf;
struct nadxdp_bpf;

extern const struct mitigate_ops mitigate_bpf_ops;

/* Map fds; -1 where absent (the rate ops then fail with -EOPNOTSUPP). */
struct mitigate_bpf_fds {
	int drop4, drop6, allow4, allow6;
	int rate, rate_state;
};

/* The rule maps' fds of a loaded program (the daemon's skeleton), not duplicated. */
void mitigate_bpf_skel_fds(const struct nadxdp_bpf *sk, struct mitigate_bpf_fds *out);

/* Duplicates the fds (the caller keeps its own). NULL and errno on failure. */
struct mitigate_bpf *mitigate_bpf_new(const struct mitigate_bpf_fds *fds);
/*
 * Opens the maps pinned in dir (NULL: NAD_PIN_DIR). The four rule maps are
 * required, the rate maps optional. NULL and errno on failure (ENOENT:
 * nothing pinned; EPERM: not root).
 */
struct mitigate_bpf *mitigate_bpf_open_pinned(const char *dir);
void mitigate_bpf_free(struct mitigate_bpf *b);

/*
 * Hands every live automatic drop rule of nad_drop4/6 (kept by an earlier
 * run) to mitigate_adopt_drop(). Rate rules are not adopted: they expire
 * in the kernel on their own. Returns the number adopted, or a negative
 * errno if a map cannot be read.
 */
int mitigate_bpf_adopt(struct mitigate_bpf *b, struct mitigate *m, __u64 now_ns);

/* The rule maps, in the order of their pin names (mitigate_bpf_map_names). */
enum mitigate_bpf_map {
	MITIGATE_MAP_DROP4,
	MITIGATE_MAP_DROP6,
	MITIGATE_MAP_ALLOW4,
	MITIGATE_MAP_ALLOW6,
	MITIGATE_MAP_RATE,
	MITIGATE_N_MAPS,
};

/* The four LPM maps come first. */
#define MITIGATE_N_LPM_MAPS MITIGATE_MAP_RATE

/* "nad_drop4", "nad_drop6", "nad_allow4", "nad_allow6", "nad_rate" (under NAD_PIN_DIR). */
extern const char *const mitigate_bpf_map_names[MITIGATE_N_MAPS];

/* One entry of a rule map, as mitigate_bpf_walk() hands it over. */
struct mitigate_bpf_entry {
	enum mitigate_bpf_map map;
	struct addr_prefix prefix; /* drop, allow: the rule's prefix; rate: the destination host */
	struct nad_rate_key rate_key; /* rate: the whole key */
	union {
		struct nad_rule drop;
		struct nad_allow allow;
		struct nad_rate rate;
	};
};

/* Returns 0 to go on, non-zero to stop the walk. */
typedef int (*mitigate_bpf_entry_fn)(const struct mitigate_bpf_entry *e, void *ctx);

/*
 * Calls fn for every entry of the rule map fd (of kind map), skipping entries deleted
 * between reading their key and their value; fn NULL only counts the keys. Bounded, so
 * a map changing under the walk still ends. Returns the number of entries visited (fn
 * called), or a negative errno if the map cannot be read.
 */
long mitigate_bpf_walk(int fd, enum mitigate_bpf_map map, mitigate_bpf_entry_fn fn, void *ctx);

/*
 * The operator's manual rules (`nadxdp rules`), on the map fd that holds p's family
 * (nad_drop4 or nad_allow4 for an IPv4 prefix, the 6 maps otherwise). Each returns 0
 * or a negative errno.
 *   mitigate_bpf_drop_set: adds or updates the manual drop rule for p, expiring at
 *     expires_ns (0: never); a new rule is created at now_ns, an existing one keeps
 *     its counters; *existed says which.
 *   mitigate_bpf_allow_set: adds p to the allowlist; an existing entry keeps its hits.
 *   mitigate_bpf_del: removes p's entry (-ENOENT if there is none).
 */
int mitigate_bpf_drop_set(int fd, const struct addr_prefix *p, __u64 now_ns, __u64 expires_ns,
			  bool *existed);
int mitigate_bpf_allow_set(int fd, const struct addr_prefix *p);
int mitigate_bpf_del(int fd, const struct addr_prefix *p);

/*
 * Lists the rate rules of the nad_rate map fd for `nadxdp rules list`: into
 * arr as objects {kind: "rate", cidr (the destination), src_ip (the one
 * source of a signature rule; null for an aggregate rule), dest_port, proto,
 * rate_pps, burst, origin, reason, hits, bytes, passed, created_ns,
 * expires_ns, ttl_left_s} when arr is not NULL, else as rows of the rules
 * table on out ("198.18.0.1/32 tcp-syn/80 from 198.18.0.2 >500pps/cpu").
 * now_ns is CLOCK_MONOTONIC. Returns the number listed.
 */
int mitigate_bpf_list_rates(int fd, struct json_object *arr, FILE *out, __u64 now_ns);
/*
 * Counts the rate rules of the nad_rate map fd: aggregate ones (any source) into *n_any,
 * signature ones (one source) into *n_source. Returns 0 or a negative errno.
 */
int mitigate_bpf_count_rates(int fd, long *n_any, long *n_source);

#endif /* NAD_MITIGATE_BPF_H */
