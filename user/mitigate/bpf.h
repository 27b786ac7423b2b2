/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate/bpf.h - the mitigation backend on the XDP program's maps
 * (struct mitigate_ops): nad_drop4/6 and nad_allow4/6 (LPM tries) and
 * nad_synlimit / nad_synlimit_state (aggregate rate rules and their per-CPU
 * buckets). Either from map fds the caller holds (the daemon's skeleton) or
 * from the pins under NAD_PIN_DIR.
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

extern const struct mitigate_ops mitigate_bpf_ops;

/* Map fds; -1 where absent (the rate ops then fail with -EOPNOTSUPP). */
struct mitigate_bpf_fds {
	int drop4, drop6, allow4, allow6;
	int synlimit, synlimit_state;
};

/* Duplicates the fds (the caller keeps its own). NULL and errno on failure. */
struct mitigate_bpf *mitigate_bpf_new(const struct mitigate_bpf_fds *fds);
/*
 * Opens the maps pinned in dir (NULL: NAD_PIN_DIR). The four rule maps are
 * required, the synlimit maps optional. NULL and errno on failure (ENOENT:
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

/*
 * Lists the aggregate rate rules of the nad_synlimit map fd for `nadxdp rules
 * list`: into arr as objects {kind: "synlimit", cidr, dest_port, proto,
 * rate_pps, burst, origin, reason, hits, bytes, passed, created_ns,
 * expires_ns, ttl_left_s} when arr is not NULL, else as rows of the rules
 * table on out. now_ns is CLOCK_MONOTONIC. Returns the number listed.
 */
int mitigate_bpf_list_rates(int fd, struct json_object *arr, FILE *out, __u64 now_ns);

#endif /* NAD_MITIGATE_BPF_H */
