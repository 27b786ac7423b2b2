/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate/policy.h - automatic DoS mitigation: turns alerts into drop rules, safely.
 *
 * The policy knows nothing of BPF. It decides rules and hands them to a
 * backend through a small ops table (struct mitigate_ops): the BPF-map
 * backend (mitigate/bpf.h) writes the pinned nad_drop4/6, nad_allow4/6 and
 * nad_rate maps, the in-memory one (mitigate/mem.h) serves the tests.
 *
 * Policy
 *   - Alerts come at an episode's start and then, while a flood goes on, as
 *     its updates (detect/alert.h), each with the flood's facts
 *     (common/flood.h). A rule needs a sustained flood: its condition held
 *     for opts.hold_ns (--mitigate-hold, 50 ms) without a break; a burst
 *     shorter than that installs nothing (counted in n_wait_hold).
 *   - A critical dos_attack, or an excessive_traffic alert whose source rate
 *     is at least opts.excessive_critical_pps with less than
 *     opts.excessive_max_answered of its requests answered, from a source
 *     with no answered request within opts.trust_ns (--mitigate-trust,
 *     10 min) gets a per-source drop rule (IPv4 /32, IPv6 /128) with a TTL
 *     (opts.ttl_ns, 10 min by default).
 *   - A source answered within opts.trust_ns is never dropped wholesale: if
 *     it floods (dos_attack), a signature rate rule limits that source's
 *     flood packets alone (its SYNs, UDP datagrams or echo requests to the
 *     destination and port) to the flood's threshold; its other traffic and
 *     every other source pass. Its excessive_traffic, or a flood of packets
 *     no rate rule can limit, gets no rule (a "skip" event, why "trusted").
 *   - A rule is renewed (expiry moved to now + its TTL) while the attack goes
 *     on: on a re-alert for a source it covers, or at a tick when its hit
 *     counter grew by at least opts.renew_min_pps since the previous tick.
 *     At most one renewal per rule per opts.renew_interval_ns (TTL / 4 by
 *     default), so a rule never lapses under an ongoing attack.
 *   - mitigate_tick() deletes rules whose expiry has passed. The kernel
 *     ignores expired rules on its own (it compares expires_ns with
 *     bpf_ktime_get_ns()), so if the daemon dies every rule still lapses.
 *   - Repeat offenders: a source (or prefix) blocked again within
 *     opts.offender_memory_ns of its last offence gets twice the TTL of the
 *     previous time, up to opts.ttl_max_ns.
 *   - Aggregation: when opts.agg_min_sources host rules of one /agg_plen4
 *     (IPv4) or /agg_plen6 (IPv6) prefix exist, they are replaced by one
 *     prefix rule, unless the prefix holds an allowlisted address or a source
 *     answered within opts.trust_ns (opts.answered_in): a customer next door
 *     to eight attackers keeps its access.
 *   - Spoofed or widely distributed floods (many sources, each sending little,
 *     to one destination and port; or an alert the engine keyed on the
 *     victim): per-source rules would be useless and fill the map, so one
 *     aggregate rate rule on {destination, port, protocol} (any source) is
 *     installed instead (struct nad_rate), once the flood has held for
 *     opts.hold_ns: SYNs (TCP) or packets (UDP, ICMP) beyond opts.rate_pps
 *     are dropped in XDP by a per-CPU token bucket.
 *
 * Safety
 *   - The allowlist always wins: configured prefixes (mitigate_allow_add),
 *     loopback (always), the host's own addresses and its default gateways
 *     (mitigate/allow.h). An attack from an allowlisted address is
 *     reported (a "skip" event) and never blocked; the entries are also
 *     written to the backend's allow maps, which the kernel checks first.
 *   - At most opts.max_rules rules (drop and rate rules together), and new
 *     rules at most opts.new_rules_per_s (token bucket, opts.new_rules_burst).
 *   - MITIGATE_OFF only counts alerts; MITIGATE_DRY_RUN decides as usual but
 *     writes nothing to the backend and reports "would_install" /
 *     "would_renew" / "would_remove" events.
 *   - mitigate_free() removes every rule it installed or adopted (and the
 *     allow entries it added) unless opts.keep_rules. Kept automatic drop
 *     rules found at start are adopted (mitigate_adopt_drop) and then swept,
 *     renewed and removed like the policy's own.
 *
 * Events: every install, renewal, removal and skip (allowlisted or trusted
 * source: at most one per source and reason a minute) is logged (pr_info) and
 * handed to opts.on_event (report/eve.h writes its EVE JSON), with the alert
 * behind it: its evidence sentence and flood facts.
 *
 * Time: every *_ns is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(); the
 * caller passes it in (alert ts_ns, tick now_ns), so tests use a fake clock.
 * Not thread-safe: one thread calls everything.
 */
#ifndef NAD_MITIGATE_H
#define NAD_MITIGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "common/addr.h"
#include "common/flood.h"
#include "common/limits.h"
#include "common/names.h"
#include "detect/alert.h"
#include "nad_abi.h"

struct mitigate;

/* What the engine knows of an alert; copied, never kept by pointer. */
struct mitigate_alert {
	const char *cls; /* "dos_attack", "excessive_traffic", ... (required) */
	__u32 class_id; /* the engine's class number: the rule's reason */
	enum classify_severity severity;
	__u8 src[16]; /* IPv4-mapped or IPv6, network order */
	__u8 dst[16];
	__u16 sport; /* host order; of the flow behind the alert (the EVE flow fields) */
	__u16 dport; /* host order; 0 for ICMP */
	__u8 proto; /* IPPROTO_* */
	bool by_destination; /* the engine keyed the episode on the victim (distributed flood) */
	__u32 n_sources; /* distinct sources toward dst in the engine's window; 0 unknown */
	double src_pps, src_bps; /* the source's observed rates */
	double dst_pps; /* the destination's observed packet rate */
	__u64 ts_ns; /* CLOCK_MONOTONIC time of the alert */
	/* record clock of the alert's latest packet, the clock of flood's times (0: ts_ns) */
	__u64 last_ns;
	/* the flood: signature, unanswered rate and share, held since, last answered, threshold */
	struct flood_facts flood;
	const char *evidence; /* the alert's evidence sentence (NULL: none) */
};

enum mitigate_mode {
	MITIGATE_OFF = 0, /* --no-mitigate: detect only */
	MITIGATE_DRY_RUN = 1, /* --dry-run: decide and report, write nothing */
	MITIGATE_ON = 2,
};

enum mitigate_action {
	MITIGATE_ACT_INSTALL = 0,
	MITIGATE_ACT_RENEW,
	MITIGATE_ACT_REMOVE,
	MITIGATE_ACT_WOULD_INSTALL,
	MITIGATE_ACT_WOULD_RENEW,
	MITIGATE_ACT_WOULD_REMOVE,
	MITIGATE_ACT_SKIP, /* an allowlisted attacker: reported, not blocked */
};

enum mitigate_rule_kind {
	MITIGATE_RULE_DROP = 0, /* source prefix in nad_drop4/6 */
	MITIGATE_RULE_RATE = 1, /* rate rule in nad_rate: a destination's, or one source's flood */
};

/* One decision, as given to opts.on_event. */
struct mitigate_event {
	enum mitigate_action action;
	enum mitigate_rule_kind kind;
	struct addr_prefix prefix; /* DROP: the source prefix; RATE: the destination host */
	__u16 dport; /* RATE: destination port (host order) */
	__u8 proto; /* RATE: protocol */
	__u8 src[16]; /* RATE: the one source a signature rule limits; all zero: any (aggregate) */
	__u32 rate_pps, burst; /* RATE: per-CPU budget */
	__u64 ts_ns; /* when it was decided */
	__u64 created_ns, expires_ns; /* expires_ns 0 for skip */
	__u64 ttl_ns;
	__u64 hits, hit_bytes; /* the rule's counters as last read */
	__u32 offences; /* 1 the first time, 2 for a repeat offender, ... */
	__u32 n_members; /* sources folded into an aggregated prefix rule */
	const char *reason; /* the alert class that caused the rule */
	const char *why; /* install: "dos_attack" | "excessive_traffic" | "aggregate" |
					* "spoofed_flood" | "signature" (a trusted source's flood);
					* renew: "alert" | "hits"; remove: "expired" | "aggregated" |
					* "shutdown"; skip: the allowlist entry's origin, or "trusted"
					* (answered within trust_ns, nothing a rate rule can limit) */
	const struct mitigate_alert *alert; /* the alert behind the rule (the last one seen) */
};

struct mitigate_opts {
	enum mitigate_mode mode;
	bool keep_rules; /* --keep-rules: leave the rules in place on exit */
	__u64 ttl_ns; /* --mitigate-ttl: base TTL (600 s) */
	__u64 ttl_max_ns; /* escalation cap (24 h) */
	__u64 offender_memory_ns; /* offences older than this are forgotten (24 h) */
	__u64 renew_interval_ns; /* at most one renewal per rule per this; 0 = TTL / 4 */
	__u32 renew_min_pps; /* hits per second that keep a rule alive at a tick (1) */
	__u32 max_rules; /* --max-rules (1024) */
	__u32 new_rules_per_s; /* new-rule rate cap (50/s); 0 = none */
	__u32 new_rules_burst; /* (50) */
	double excessive_critical_pps; /* excessive_traffic mitigated from this source rate (50000) */
	double excessive_max_answered; /* ... when less than this share was answered (0.2) */
	__u64 hold_ns; /* --mitigate-hold: the flood held this long before a rule (50 ms) */
	__u64 trust_ns; /* --mitigate-trust: answered this recently, never dropped (600 s); 0 off */
	__u32 agg_min_sources; /* host rules in one prefix before it is aggregated (8); 0 off */
	/* Was a source inside p answered (a session) at or after since_ns? Asked before a
	 * prefix rule is made; NULL: not asked. */
	bool (*answered_in)(void *ctx, const struct addr_prefix *p, __u64 since_ns);
	void *answered_ctx;
	__u8 agg_plen4, agg_plen6; /* 24, 64 */
	__u32 spoof_min_sources; /* distinct sources toward one dst:port (20) ... */
	double spoof_max_src_pps; /* ... each at most this rate (10 pps): spoofed/distributed */
	__u64 spoof_window_ns; /* window for counting them (10 s) */
	__u32 rate_pps; /* aggregate rule's budget, all CPUs together (1000); also a signature
			 * rule's when the alert gives no threshold */
	__u32 rate_burst; /* per CPU (64) */
	__u32 n_cpus; /* CPUs the budget is split over (1) */
	/* Called for every event. */
	void (*on_event)(void *ctx, const struct mitigate_event *ev);
	void *event_ctx;
};

/* The defaults above. */
struct mitigate_opts mitigate_opts_default(void);

/*
 * A backend: where rules go. Every op returns 0 or a negative errno.
 * The *_get ops return -ENOENT when the entry is missing; drop_get may
 * answer with the rule of a shorter prefix covering p (an LPM lookup does):
 * the policy tells its own rules by created_ns. allow_add returns
 * -EEXIST if the entry was already there (and leaves it untouched).
 */
struct mitigate_ops {
	const char *name;
	int (*drop_put)(void *ctx, const struct addr_prefix *p, const struct nad_rule *r);
	int (*drop_get)(void *ctx, const struct addr_prefix *p, struct nad_rule *r);
	int (*drop_del)(void *ctx, const struct addr_prefix *p);
	int (*allow_add)(void *ctx, const struct addr_prefix *p);
	int (*allow_del)(void *ctx, const struct addr_prefix *p);
	int (*rate_put)(void *ctx, const struct nad_rate_key *k, const struct nad_rate *v);
	int (*rate_get)(void *ctx, const struct nad_rate_key *k, struct nad_rate *v);
	int (*rate_del)(void *ctx, const struct nad_rate_key *k);
};

/* Counters, for status and tests. */
struct mitigate_stats {
	__u64 n_alerts; /* alerts seen */
	__u64 n_qualifying; /* alerts the policy acts on */
	__u64 n_installed; /* rules installed (or would be, dry-run) */
	__u64 n_renewed;
	__u64 n_removed;
	__u64 n_aggregated; /* prefix rules made out of host rules */
	__u64 n_agg_answered; /* prefix rules not made: a source inside was answered */
	__u64 n_rate_rules; /* aggregate rate rules installed */
	__u64 n_sig_rules; /* signature rate rules installed (trusted sources) */
	__u64 n_wait_hold; /* alerts not acted on: the flood had not held for hold_ns yet */
	__u64 n_skip_trusted; /* alerts from trusted sources that got no rule */
	__u64 n_skip_allow; /* attackers spared by the allowlist */
	__u64 n_skip_cap; /* rules not installed: max_rules reached */
	__u64 n_skip_rate; /* rules not installed: new-rule rate cap */
	__u64 n_skip_spoofed; /* per-source rules not installed: the rate rule covers them */
	__u64 n_backend_errors;
	__u64 n_offenders_evicted; /* offenders forgotten, least recently seen first, when full */
	__u64 n_targets_evicted; /* attacked destinations forgotten, quietest first, when full */
	__u64 n_allow_full; /* allowlist entries refused: NAD_ALLOW_ENTRIES reached */
	__u32 n_rules; /* rules in force now */
	__u32 n_allow; /* allowlist entries */
};

/*
 * Creates the policy over backend (may be NULL only with MITIGATE_OFF or
 * MITIGATE_DRY_RUN). Adds loopback to the allowlist. Returns NULL and sets
 * errno (EINVAL for bad options, ENOMEM).
 */
struct mitigate *mitigate_new(const struct mitigate_opts *opts, const struct mitigate_ops *backend,
			      void *backend_ctx);
/*
 * Takes over an automatic drop rule found in the backend at start (kept by
 * an earlier run with --keep-rules): from then on it is swept when it
 * expires, renewed (by opts.ttl_ns) while it drops, and removed on exit
 * unless keep_rules, like the rules this policy installs; its reason reads
 * "kept". It counts towards max_rules but not the new-rule rate, and emits
 * no event. Returns 0, -EINVAL (not automatic, no expiry, already expired,
 * or a bad prefix), -ENOSPC (max_rules reached), -EOPNOTSUPP (not MITIGATE_ON).
 */
int mitigate_adopt_drop(struct mitigate *m, const struct addr_prefix *p, const struct nad_rule *v,
			__u64 now_ns);

/* Removes every rule installed or adopted (unless keep_rules), then frees. NULL is fine. */
void mitigate_free(struct mitigate *m);

/*
 * Adds an allowlist entry; origin names it in logs and events ("config",
 * "own address", "gateway", "loopback"). Rules already covering it are
 * removed. Returns 0 or -ENOSPC (NAD_ALLOW_ENTRIES), -EINVAL, backend error.
 */
int mitigate_allow_add(struct mitigate *m, const struct addr_prefix *p, const char *origin);
/* Is addr allowlisted? origin (optional) receives the entry's origin. */
bool mitigate_allowed(const struct mitigate *m, const __u8 addr[16], const char **origin);
/*
 * Acts on one alert (a->ts_ns is now). Returns 0 (including "nothing to do",
 * "allowlisted" and "capped", which are counted and reported) or a negative
 * errno from the backend.
 */
int mitigate_on_alert(struct mitigate *m, const struct mitigate_alert *a);
/*
 * The alert an episode's event stands for, or false for one the mitigation does not
 * act on (an end, a summary). now_ns is the decision's time (CLOCK_MONOTONIC live):
 * a->ts_ns is the later of it and the event's last packet. a->cls and a->evidence
 * point into static names and ev: valid while ev is.
 */
bool mitigate_alert_of(const struct alert_event *ev, __u64 now_ns, struct mitigate_alert *a);

/*
 * Periodic sweep (call about once a second): reads hit counters, renews rules
 * under attack, removes expired ones. Returns 0 or the first backend error.
 */
int mitigate_tick(struct mitigate *m, __u64 now_ns);

void mitigate_get_stats(const struct mitigate *m, struct mitigate_stats *out);

/*
 * The policy's bounded tables (common/limits.h), at most max rows: rules (max_rules;
 * beyond, new rules are refused: n_skip_cap), offenders (4 x max_rules, the least
 * recently seen evicted), flood_targets (64, the quietest evicted), allowlist
 * (NAD_ALLOW_ENTRIES, refused beyond). Returns how many rows were written.
 */
size_t mitigate_tables(const struct mitigate *m, struct limit_table *out, size_t max);

/* "install", "renew", ... */
const char *mitigate_action_name(enum mitigate_action a);

#endif /* NAD_MITIGATE_H */
