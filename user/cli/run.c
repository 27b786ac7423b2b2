// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/run.c - `nadxdp [run] IFNAME`: the live path, wired end to end.
 *
 *   ring buffer -> on_record -> dashstate (views), --dump-features
 *                            -> analyze_live queue; after each drain of the ring the
 *                               queue is scored as a batch (engine, alerts) -> EVE sink
 *   engine alert observer    -> dashstate + mitigate (XDP drop / rate rules)
 *   1 s tick                 -> engine, dashstate (kernel counters, rules, state file),
 *                               mitigate (renew, expire)
 *
 * Everything above runs on one thread (the capture loop); only the views
 * (httpd's thread, the terminal on the main thread with --dashboard) read
 * the dashboard state, which is thread-safe. Shutdown: stop polling, drain,
 * final tick, mitigate_free (removes the rules unless --keep-rules), the
 * engine's end records, httpd_free, loader_free (detach, unpin; with
 * --keep-rules the rule maps stay pinned for the next start).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "capture/ifaddr.h"
#include "capture/loader.h"
#include "capture/ring.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "cli/pipeline.h"
#include "cli/privs.h"
#include "cli/run.h"
#include "common/addr.h"
#include "common/log.h"
#include "common/names.h"
#include "detect/alert.h"
#include "detect/classify.h"
#include "detect/engine.h"
#include "features/context.h"
#include "features/features.h"
#include "mitigate/allow.h"
#include "mitigate/bpf.h"
#include "mitigate/policy.h"
#include "ml/modelset.h"
#include "report/eve.h"
#include "report/outputs.h"
#include "views/dashfeed.h"
#include "views/dashstate.h"
#include "views/htmlreport.h"
#include "views/httpd.h"
#include "views/tui.h"

/* Poll timeout: the latency bound for records submitted without a wake-up. */
#define DAEMON_POLL_MS 20
/*
 * A ring with unread data is always ready for epoll, so under steady traffic every
 * poll returns at once with the few records that arrived while the last ones were
 * analysed: drains of ~8 records at 190k records/s, each paying the per-drain costs
 * (a syscall, a model pass too short for the 64-row scoring kernel). After a drain
 * smaller than DAEMON_DRAIN_MIN records the loop waits DAEMON_DRAIN_WAIT_US for more:
 * at most that much latency added, and at high rates drains of hundreds.
 */
#define DAEMON_DRAIN_MIN 256
#define DAEMON_DRAIN_WAIT_US 2000
#define DAEMON_REPORT_S 5
#define DAEMON_TICK_NS 1000000000ull
#define RUN_MAX_ALLOW 64
#define NS_PER_S 1000000000ull

struct run_opts {
	struct analyze_opts an; /* detection, live and offline (an.pcap: offline) */
	const char *report_path; /* offline: the dashboard views as one HTML file */
	const char *ifname; /* live: the interface (the positional word, else --interface) */
	const char *config_path; /* --config FILE */
	const char *user; /* live: the user to run as once attached */
	struct privs_user as; /* user's ids (check_live) */
	bool state_dir; /* live: an.models_dir is the default state directory */
	enum loader_ingress_mode mode;
	unsigned ring_mb; /* the ring buffer's MiB, a power of two */
	double duration_s; /* 0: until a signal */
	const char *dump_path;
	int verbosity; /* -1 quiet, 0 normal, 1 verbose */
	bool dashboard;
	const char *http;
	struct mitigate_opts mit;
	double mit_ttl_s; /* --mitigate-ttl, into mit.ttl_ns */
	double mit_hold_s; /* --mitigate-hold, into mit.hold_ns */
	double mit_trust_s; /* --mitigate-trust, into mit.trust_ns */
	struct addr_prefix allow[RUN_MAX_ALLOW];
	unsigned n_allow;
};

enum { SCOPE_LIVE = 1, SCOPE_OFFLINE = 2 };
enum {
	SEC_CAPTURE,
	SEC_DETECTION,
	SEC_EVE,
	SEC_MITIGATION,
	SEC_VIEWS,
	SEC_OUTPUT,
	SEC_SERVICE,
	SEC_OFFLINE
};

static void run_defaults(void *p)
{
	struct run_opts *o = p;

	memset(o, 0, sizeof(*o));
	analyze_opts_default(&o->an);
	o->mode = LOADER_INGRESS_AUTO;
	o->ring_mb = NAD_RINGBUF_BYTES >> 20;
	o->mit = mitigate_opts_default();
	o->mit_ttl_s = (double)o->mit.ttl_ns / NS_PER_S;
	o->mit_hold_s = (double)o->mit.hold_ns / NS_PER_S;
	o->mit_trust_s = (double)o->mit.trust_ns / NS_PER_S;
	o->an.eve.queue_len = OUTPUT_QUEUE_DEFAULT;
}

static const struct opts_name mode_names[] = {
	{ "native", LOADER_XDP_NATIVE },
	{ "drv", LOADER_XDP_NATIVE, true },
	{ "skb", LOADER_XDP_SKB },
	{ "generic", LOADER_XDP_SKB, true },
	{ "tc", LOADER_TC },
	{ "auto", LOADER_INGRESS_AUTO },
	{ NULL },
};

/* detect/profile.c's profiles, by name (test_opts checks they agree with profile_parse). */
static const struct opts_name profile_names[] = {
	{ "auto", PROFILE_AUTO },
	{ "home", PROFILE_HOME },
	{ "small-office", PROFILE_SMALL_OFFICE },
	{ "enterprise", PROFILE_ENTERPRISE },
	{ NULL },
};

/* syslog facilities and severities by name, with RFC 5424's numbers (<syslog.h>'s). */
static const struct opts_name facility_names[] = {
	{ "kern", 0 },	    { "user", 1 },    { "mail", 2 },	{ "daemon", 3 },  { "auth", 4 },
	{ "syslog", 5 },    { "lpr", 6 },     { "news", 7 },	{ "uucp", 8 },	  { "cron", 9 },
	{ "authpriv", 10 }, { "ftp", 11 },    { "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 },   { "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
	{ NULL },
};

static const struct opts_name severity_names[] = {
	{ "emerg", 0 },	  { "alert", 1 },      { "crit", 2 },	{ "err", 3 },  { "error", 3, true },
	{ "warning", 4 }, { "warn", 4, true }, { "notice", 5 }, { "info", 6 }, { "debug", 7 },
	{ NULL },
};

/* Suricata's names of its EVE Redis modes. */
static const struct opts_name redis_mode_names[] = {
	{ "list", OUTPUT_REDIS_LPUSH },
	{ "lpush", OUTPUT_REDIS_LPUSH, true },
	{ "rpush", OUTPUT_REDIS_RPUSH },
	{ "channel", OUTPUT_REDIS_PUBLISH },
	{ "publish", OUTPUT_REDIS_PUBLISH, true },
	{ NULL },
};

#define R(member) OPTS_FIELD(struct run_opts, member)
#define LIVE .scope = SCOPE_LIVE
#define CONF .flags = OPTS_CONFIG

static const struct opts_entry run_rows[] = {
	{ "interface", 0, OPTS_STRING, "IFNAME",
	  "the interface to monitor (the positional IFNAME overrides it)", R(ifname), LIVE, CONF },
	{ "mode", 0, OPTS_ENUM, .help = "ingress hook: XDP native or skb mode, or TC",
	  .deftext = "native; TC where the driver has no native XDP and on a veth", R(mode),
	  .names = mode_names, LIVE, CONF },
	{ "ring-mb", 0, OPTS_UINT,
	  .help = "the kernel's ring buffer to the daemon, in MiB, a power of two: a bigger one "
		  "rides out longer stalls before records are sampled, and costs twice its size "
		  "in RSS (its pages are mapped twice)",
	  R(ring_mb), .umin = NAD_RINGBUF_MIN >> 20, .umax = NAD_RINGBUF_MAX >> 20, LIVE, CONF },
	{ "duration", 0, OPTS_SECONDS, .help = "stop after S seconds",
	  .deftext = "until SIGINT/SIGTERM", R(duration_s), .dmax = 1e9, .open_min = true, LIVE },
	{ "dump-features", 0, OPTS_STRING, "FILE",
	  "write one CSV row of features per record to FILE", R(dump_path), LIVE, CONF },
	{ "models", 0, OPTS_STRING, "DIR",
	  "DIR/" MODELSET_FILE_NAME " with the site's baselines, learned from the first packets "
	  "if absent (DIR is created, mode 0700), retrained and saved again",
	  .deftext = "live: the state directory " RUN_STATE_DIR "; offline: none, the embedded "
		     "model",
	  R(an.models_dir), .section = SEC_DETECTION, CONF },
	{ "profile", 0, OPTS_ENUM, .help = "the site's profile; auto: inferred from the traffic",
	  R(an.profile), .names = profile_names, .section = SEC_DETECTION, CONF },
	{ "summary-interval", 0, OPTS_SECONDS, .help = "seconds between summaries, 0 = none",
	  R(an.summary_interval_s), .dmax = 1e9, .section = SEC_DETECTION, CONF },
	{ "train-packets", 0, OPTS_UINT, .help = "baseline size when DIR has no model",
	  R(an.train_packets), .umin = MODELSET_MIN_ROWS, .umax = 10000000,
	  .section = SEC_DETECTION, CONF },
	{ "no-train", 0, OPTS_FLAG, .help = "never train; use the model found or the embedded one",
	  R(an.no_train), .section = SEC_DETECTION, CONF },
	{ "retrain-interval", 0, OPTS_SECONDS,
	  .help = "retrain on unflagged traffic every S seconds, 0 = never",
	  R(an.retrain_interval_s), .dmax = 1e9, .section = SEC_DETECTION, CONF },
	{ "vectors-out", 0, OPTS_STRING, "CSV", "write every packet's model vector (for training)",
	  R(an.vectors_out), .section = SEC_DETECTION, CONF },
	{ "home-net", 0, OPTS_PREFIX,
	  .help = "the home network (repeatable); what is outside it is external",
	  .deftext = "live: the interface's own subnets; offline: inferred from the capture",
	  R(an.home.p), .count_off = offsetof(struct run_opts, an.home.n), .max_count = HOMENET_MAX,
	  .section = SEC_DETECTION, CONF },
	{ "log", 0, OPTS_STRING, "FILE",
	  "EVE JSON lines (anomaly, summary, mitigation) appended to FILE; SIGHUP reopens it "
	  "(logrotate)",
	  R(an.log_path), .section = SEC_EVE, CONF },
	{ "json", 0, OPTS_FLAG, .help = "EVE JSON lines on stdout", R(an.json), .section = SEC_EVE,
	  CONF },
	{ "syslog", 0, OPTS_FLAG, .help = "EVE JSON lines to syslog, one message each",
	  R(an.eve.syslog), .section = SEC_EVE, CONF },
	{ "syslog-facility", 0, OPTS_ENUM, "NAME",
	  "their syslog facility: kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, "
	  "authpriv, ftp, local0 ... local7",
	  R(an.eve.syslog_facility), .names = facility_names, .section = SEC_EVE, CONF },
	{ "syslog-level", 0, OPTS_ENUM, "NAME",
	  "their syslog severity: emerg, alert, crit, err, warning, notice, info, debug",
	  R(an.eve.syslog_severity), .names = severity_names, .section = SEC_EVE, CONF },
	{ "syslog-socket", 0, OPTS_STRING, "PATH", "the syslog daemon's datagram socket",
	  .deftext = "/dev/log", R(an.eve.syslog_path), .section = SEC_EVE, CONF },
	{ "unix-socket", 0, OPTS_STRING, "PATH",
	  "EVE JSON lines to the unix stream socket a reader listens on at PATH",
	  R(an.eve.unix_path), .section = SEC_EVE, CONF },
	{ "redis", 0, OPTS_STRING, "SERVER",
	  "EVE JSON lines to Redis at HOST[:PORT] (6379) or a unix socket PATH", R(an.eve.redis),
	  .section = SEC_EVE, CONF },
	{ "redis-mode", 0, OPTS_ENUM, .help = "list (LPUSH), rpush, or channel (PUBLISH)",
	  R(an.eve.redis_mode), .names = redis_mode_names, .section = SEC_EVE, CONF },
	{ "redis-key", 0, OPTS_STRING, "KEY", "the Redis list or channel", .deftext = "nadxdp",
	  R(an.eve.redis_key), .section = SEC_EVE, CONF },
	{ "eve-queue", 0, OPTS_UINT,
	  .help = "events waiting for the unix socket or Redis at most; more are dropped "
		  "(counted in /metrics)",
	  R(an.eve.queue_len), .umin = 1, .umax = OUTPUT_QUEUE_MAX, .section = SEC_EVE, CONF },
	{ "host", 0, OPTS_STRING, "NAME", "the events' host field", .deftext = "the host name",
	  R(an.eve.host), .section = SEC_EVE, CONF },
	{ "no-mitigate", 0, OPTS_SET, .help = "detect only", R(mit.mode), .set = MITIGATE_OFF,
	  .unset = MITIGATE_ON, .section = SEC_MITIGATION, LIVE, CONF },
	{ "dry-run", 0, OPTS_SET, .help = "log the rules it would install (would_install events)",
	  R(mit.mode), .set = MITIGATE_DRY_RUN, .unset = MITIGATE_ON, .section = SEC_MITIGATION,
	  LIVE, CONF },
	{ "keep-rules", 0, OPTS_FLAG,
	  .help = "on exit, leave the drop and rate rules pinned: each still expires on its own, "
		  "and the next start enforces them again",
	  R(mit.keep_rules), .section = SEC_MITIGATION, LIVE, CONF },
	{ "mitigate-ttl", 0, OPTS_SECONDS,
	  .help = "rule TTL in seconds (repeat offenders get more)", R(mit_ttl_s),
	  .dmax = 30 * 86400.0, .open_min = true, .section = SEC_MITIGATION, LIVE, CONF },
	{ "mitigate-hold", 0, OPTS_SECONDS, .help = "a flood must hold S seconds before a rule",
	  R(mit_hold_s), .dmax = 60, .section = SEC_MITIGATION, LIVE, CONF },
	{ "mitigate-trust", 0, OPTS_SECONDS,
	  .help = "a source answered within S seconds is never dropped, only its flood "
		  "rate-limited; 0 trusts none",
	  R(mit_trust_s), .dmax = 30 * 86400.0, .section = SEC_MITIGATION, LIVE, CONF },
	{ "max-rules", 0, OPTS_UINT, .help = "at most N rules", R(mit.max_rules), .umin = 1,
	  .umax = NAD_RULE_ENTRIES, .section = SEC_MITIGATION, LIVE, CONF },
	{ "allow", 0, OPTS_PREFIX,
	  .help = "never block CIDR (repeatable; loopback, own addresses and default gateways "
		  "are always allowed)",
	  R(allow), .count_off = offsetof(struct run_opts, n_allow), .max_count = RUN_MAX_ALLOW,
	  .section = SEC_MITIGATION, LIVE, CONF },
	{ "dashboard", 0, OPTS_FLAG, .help = "terminal dashboard (alert lines go to --log only)",
	  R(dashboard), .section = SEC_VIEWS, LIVE },
	{ "http", 0, OPTS_STRING, "ADDR:PORT",
	  "web page, /api/state and /metrics (e.g. 127.0.0.1:8080)", R(http), .section = SEC_VIEWS,
	  LIVE, CONF },
	{ "verbose", 'v', OPTS_SET, .help = "debug output (libbpf and verifier messages)",
	  R(verbosity), .set = 1, .section = SEC_OUTPUT, CONF },
	{ "quiet", 'q', OPTS_SET, .help = "warnings only: no alert lines, no periodic counters",
	  R(verbosity), .set = -1, .section = SEC_OUTPUT, CONF },
	{ "help", 'h', OPTS_HELP, .help = "this text", .section = SEC_OUTPUT },
	{ "config", 0, OPTS_STRING, "FILE", "read the settings from FILE (it must exist)",
	  .deftext = CONFIG_DEFAULT_PATH " if it exists, live only", R(config_path),
	  .section = SEC_SERVICE },
	{ "user", 0, OPTS_STRING, "NAME",
	  "started as root, run as user NAME once attached, keeping only the capabilities the "
	  "teardown needs, unused until then",
	  R(user), .section = SEC_SERVICE, LIVE, CONF },
	{ "pcap", 0, OPTS_STRING, "FILE",
	  "analyse this capture (pcap, pcapng, gzip-compressed) instead of an interface",
	  R(an.pcap), .section = SEC_OFFLINE, .scope = SCOPE_OFFLINE },
	{ "report", 0, OPTS_STRING, "FILE.html", "write the dashboard views as one HTML file",
	  R(report_path), .section = SEC_OFFLINE, .scope = SCOPE_OFFLINE },
	{ NULL },
};

#undef R
#undef LIVE
#undef CONF

static const char *const run_sections[] = {
	[SEC_CAPTURE] = "Capture",
	[SEC_DETECTION] = "Detection (live and offline)",
	[SEC_EVE] = "EVE outputs (live and offline; several at once)",
	[SEC_MITIGATION] = "Mitigation (kernel drop rules for critical DoS, at the ingress hook)",
	[SEC_VIEWS] = "Views",
	[SEC_OUTPUT] = "Output",
	[SEC_SERVICE] = "Service",
	[SEC_OFFLINE] = "Offline (no mitigation; the detection and output options apply)",
	NULL,
};

static const char *const run_scopes[] = { "live", "offline", NULL };

const struct opts_cmd run_opts = {
	.name = "run",
	.synopsis = "nadxdp [run] IFNAME [options]\n"
		    "nadxdp [run] --pcap FILE [options] [--report FILE.html]",
	.description =
		"Attach to IFNAME (XDP or TC ingress, TC egress), detect anomalies, mitigate\n"
		"DoS in the kernel; or detect in a capture.\n",
	.sections = run_sections,
	.scopes = run_scopes,
	.entries = run_rows,
	.footer = "Exit codes: 0 ok, 1 runtime failure, 2 usage (or no such interface),\n"
		  "3 BPF load/attach failure (privileges, BTF, XDP already attached, another\n"
		  "instance).\n",
	.max_args = 1,
	.size = sizeof(struct run_opts),
	.defaults = run_defaults,
};

struct daemon {
	struct run_opts *o;
	struct loader *ld;
	struct httpd *httpd;
	struct capture *cap;
	struct analyze_live *an;
	struct dashstate *ds;
	struct mitigate *mit;
	struct mitigate_bpf *mb;
	int drop_fd[2], rate_fd;
	FILE *dump;
	struct features *feat;
	int dump_err;
	int loop_err; /* the capture loop's failure (an exit code), 0 if none */
	__u64 next_tick_ns;
	struct dashstate_rule *rules; /* DASH_MAX_RULES, for the dashboard */
	bool dropped; /* runs as --user: the teardown raises the capabilities it kept */
};

static volatile sig_atomic_t stop_signal, reopen_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void on_hup(int sig)
{
	reopen_signal = sig;
}

static __s64 wall_offset_ns(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (__s64)((__u64)rt.tv_sec * NS_PER_S + (__u64)rt.tv_nsec) - (__s64)cli_mono_ns();
}

static void on_record(const struct nad_rec *rec, void *ctx)
{
	struct daemon *d = ctx;

	if (d->dump && !d->dump_err) {
		float v[FEAT_N_BASE];

		features_extract(d->feat, rec, v);
		d->dump_err = features_write_csv_row(d->dump, rec->ts_ns, rec->dir, v);
	}
	dashfeed_record(d->ds, rec);
	analyze_live_queue(d->an, rec);
}

/* The daemon's own bounded tables, after the engine's (status, /metrics, summaries): the
 * mitigation's and the web server's. */
static size_t daemon_tables(void *ctx, struct limit_table *out, size_t max)
{
	const struct daemon *d = ctx;
	size_t n = d->mit ? mitigate_tables(d->mit, out, max) : 0;

	if (d->httpd && n < max)
		httpd_table(d->httpd, &out[n++]);
	return n;
}

/* The engine's alert events: to the dashboard, then to the mitigation. */
static void on_alert(void *ctx, const struct alert_event *ev)
{
	struct daemon *d = ctx;
	struct mitigate_alert a;
	int err;

	dashfeed_alert(d->ds, ev);
	if (!d->mit || !mitigate_alert_of(ev, cli_mono_ns(), &a))
		return;
	err = mitigate_on_alert(d->mit, &a);
	if (err)
		pr_warn("Failed to apply a mitigation rule for %s: %s\n", a.cls, strerror(-err));
}

/* Mitigation events go where the alerts go (the console line is mitigate's pr_info). */
static void on_mitigation(void *ctx, const struct mitigate_event *ev)
{
	struct daemon *d = ctx;

	if (d->an)
		eve_mitigation(analyze_live_eve(d->an), ev);
}

static int rule_reason(__u32 reason, __u32 origin)
{
	return origin == NAD_ORIGIN_AUTO && reason < CLASS_N ? (int)reason : CLASS_NONE;
}

static void add_rule(struct daemon *d, unsigned *n, unsigned *total, const char *prefix,
		     __u32 origin, __u32 reason, __u64 expires_ns, __u64 hits, __u64 hit_bytes,
		     __u64 now)
{
	struct dashstate_rule *r;

	if (expires_ns && expires_ns <= now)
		return;
	(*total)++;
	if (*n >= DASH_MAX_RULES)
		return;
	r = &d->rules[(*n)++];
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
	r->origin = (int)origin;
	r->reason = rule_reason(reason, origin);
	r->expires_in_s = expires_ns ? (__s64)((expires_ns - now) / NS_PER_S) : -1;
	r->hits = hits;
	r->hit_bytes = hit_bytes;
}

struct collect_ctx {
	struct daemon *d;
	unsigned n, total;
	__u64 now;
};

static int collect_rule(const struct mitigate_bpf_entry *e, void *ctx)
{
	struct collect_ctx *c = ctx;

	if (e->map == MITIGATE_MAP_RATE) {
		char addr[48], buf[DASH_ADDR_LEN];

		addr_str(e->rate_key.daddr, addr, sizeof(addr));
		snprintf(buf, sizeof(buf), "rate %s:%u/%u", addr, e->rate_key.dport,
			 e->rate_key.proto);
		add_rule(c->d, &c->n, &c->total, buf, e->rate.origin, e->rate.reason,
			 e->rate.expires_ns, e->rate.hits, e->rate.hit_bytes, c->now);
	} else {
		char buf[ADDR_PREFIX_STRLEN];

		addr_prefix_format(&e->prefix, buf, sizeof(buf));
		add_rule(c->d, &c->n, &c->total, buf, e->drop.origin, e->drop.reason,
			 e->drop.expires_ns, e->drop.hits, e->drop.hit_bytes, c->now);
	}
	return 0;
}

/* The rules in force (drop maps and rate rules, automatic and manual) for the dashboard. */
static void collect_rules(struct daemon *d, __u64 now)
{
	struct collect_ctx c = { .d = d, .now = now };

	mitigate_bpf_walk(d->drop_fd[0], MITIGATE_MAP_DROP4, collect_rule, &c);
	mitigate_bpf_walk(d->drop_fd[1], MITIGATE_MAP_DROP6, collect_rule, &c);
	if (d->rate_fd >= 0)
		mitigate_bpf_walk(d->rate_fd, MITIGATE_MAP_RATE, collect_rule, &c);
	dashstate_set_rules(d->ds, d->rules, c.total);
}

/* The EVE outputs' figures for the dashboard, /metrics and status. */
static void collect_outputs(struct daemon *d)
{
	struct output_stats st[DASH_MAX_OUTPUTS];
	struct dashstate_output v[DASH_MAX_OUTPUTS];
	size_t n = outputs_stats(analyze_live_outputs(d->an), st, DASH_MAX_OUTPUTS);

	for (size_t i = 0; i < n; i++) {
		v[i] = (struct dashstate_output){ .events = st[i].n_written,
						  .dropped = st[i].n_dropped,
						  .reconnects = st[i].n_reconnects,
						  .queued = st[i].n_queued,
						  .up = st[i].up };
		snprintf(v[i].kind, sizeof(v[i].kind), "%s", st[i].kind);
		snprintf(v[i].target, sizeof(v[i].target), "%s", st[i].target);
	}
	dashstate_set_outputs(d->ds, v, (unsigned)n);
}

/* Once a second: engine, dashboard (kernel counters, rules, state file), mitigation. */
static void tick(struct daemon *d, __u64 now)
{
	struct nad_stats st;
	bool have = !capture_read_stats(d->cap, &st);
	int err;

	analyze_live_tick(d->an, now, have ? &st : NULL);
	dashstate_tick(d->ds, now);
	if (have)
		dashstate_set_kernel(d->ds, &st);
	dashfeed_engine(d->ds, analyze_live_engine(d->an));
	if (d->mit) {
		err = mitigate_tick(d->mit, now);
		if (err)
			pr_warn("Failed to update the mitigation rules: %s\n", strerror(-err));
	}
	collect_rules(d, now);
	collect_outputs(d);
	err = dashstate_write_file(d->ds, DASH_STATE_FILE);
	if (err)
		pr_debug("Failed to write %s: %s\n", DASH_STATE_FILE, strerror(-err));
}

static void print_counters(const struct capture *cap, const char *ifname)
{
	struct capture_totals t;
	struct nad_stats s;
	long long unaccounted;

	if (capture_read_stats(cap, &s))
		return;
	capture_get_totals(cap, &t);
	/* Zero once the ring is drained; records in flight make it positive meanwhile. */
	unaccounted =
		(long long)(s.pkts[NAD_DIR_IN] + s.pkts[NAD_DIR_OUT]) -
		(long long)(t.n_weight + s.pending + s.staged + s.dropped_rule + s.dropped_rate);
	fprintf(stderr,
		"%s: in %llu pkts %llu B | out %llu pkts %llu B | records %llu (weight %llu) "
		"of %llu emitted, shed %llu pending %llu staged %llu | malformed %llu dropped %llu "
		"allowed %llu | unaccounted %lld\n",
		ifname, (unsigned long long)s.pkts[NAD_DIR_IN],
		(unsigned long long)s.bytes[NAD_DIR_IN], (unsigned long long)s.pkts[NAD_DIR_OUT],
		(unsigned long long)s.bytes[NAD_DIR_OUT], (unsigned long long)t.n_records,
		(unsigned long long)t.n_weight, (unsigned long long)s.recs_emitted,
		(unsigned long long)s.recs_shed,
		(unsigned long long)s.pending, (unsigned long long)s.staged,
		(unsigned long long)s.malformed,
		(unsigned long long)(s.dropped_rule + s.dropped_rate),
		(unsigned long long)s.allowed_rule, unaccounted);
}

/* The capture loop; returns when stopped (signal, --duration) or on failure (d->loop_err). */
static void *capture_loop(void *arg)
{
	struct daemon *d = arg;
	const struct run_opts *o = d->o;
	__u64 t0 = cli_mono_ns(), next_report = t0 + DAEMON_REPORT_S * NS_PER_S;
	bool counters = o->verbosity >= 0 && !o->dashboard;

	d->next_tick_ns = t0 + DAEMON_TICK_NS;
	while (!stop_signal) {
		int err = capture_poll(d->cap, DAEMON_POLL_MS);
		__u64 t;

		/* What this drain delivered is analysed now, never held for more records. */
		analyze_live_flush(d->an);
		if (err > 0 && err < DAEMON_DRAIN_MIN)
			usleep(DAEMON_DRAIN_WAIT_US);
		if (reopen_signal) {
			reopen_signal = 0;
			analyze_live_reopen(d->an);
		}
		if (err == -EINTR && stop_signal)
			break;
		if (err == -EINTR)
			err = 0; /* SIGHUP */
		if (err < 0) {
			pr_warn("Failed to read records: %s\n", strerror(-err));
			d->loop_err = EXIT_RUNTIME;
			break;
		}
		if (d->dump_err) {
			pr_warn("Failed to write %s: %s\n", o->dump_path, strerror(-d->dump_err));
			d->loop_err = EXIT_RUNTIME;
			break;
		}
		t = cli_mono_ns();
		if (o->duration_s > 0 && (double)(t - t0) >= o->duration_s * 1e9)
			break;
		if (t >= d->next_tick_ns) {
			tick(d, t);
			d->next_tick_ns = t + DAEMON_TICK_NS;
		}
		if (counters && t >= next_report) {
			print_counters(d->cap, o->ifname);
			next_report = t + DAEMON_REPORT_S * NS_PER_S;
		}
	}
	stop_signal = stop_signal ? stop_signal : SIGTERM; /* ends the terminal view too */
	return NULL;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the poll must return -EINTR so the loop can stop. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	/* SIGHUP: reopen the EVE log (logrotate), between two events. */
	sa.sa_handler = on_hup;
	if (sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The policy asks the engine's trackers whether a prefix holds an answered source. */
static bool answered_in(void *ctx, const struct addr_prefix *p, __u64 since_ns)
{
	struct daemon *d = ctx;

	return context_answered_in(engine_context(analyze_live_engine(d->an)), p, since_ns);
}

static int start_mitigation(struct daemon *d, struct run_opts *o, struct loader *ld)
{
	struct mitigate_bpf_fds fds;
	int err, n = libbpf_num_possible_cpus();

	mitigate_bpf_skel_fds(loader_skel(ld), &fds);
	d->drop_fd[0] = fds.drop4;
	d->drop_fd[1] = fds.drop6;
	d->rate_fd = fds.rate;
	o->mit.n_cpus = n > 0 ? (__u32)n : 1;
	o->mit.on_event = on_mitigation;
	o->mit.event_ctx = d;
	o->mit.answered_in = answered_in;
	o->mit.answered_ctx = d;
	if (o->mit.mode == MITIGATE_ON) {
		d->mb = mitigate_bpf_new(&fds);
		if (!d->mb) {
			err = -errno;
			pr_warn("Failed to open the drop maps: %s\n", strerror(-err));
			return err;
		}
	}
	d->mit = mitigate_new(&o->mit, &mitigate_bpf_ops, d->mb);
	if (!d->mit) {
		err = -errno;
		pr_warn("Failed to start the mitigation: %s\n", strerror(-err));
		return err;
	}
	if (o->mit.mode == MITIGATE_ON) {
		/* Rules an earlier run kept (--keep-rules): swept, renewed and removed as ours. */
		n = mitigate_bpf_adopt(d->mb, d->mit, cli_mono_ns());
		if (n < 0)
			pr_warn("Failed to read the kept drop rules: %s\n", strerror(-n));
		else if (n)
			pr_info("Mitigation takes over %d drop rule%s kept by an earlier run\n", n,
				n == 1 ? "" : "s");
	}
	err = mitigate_allow_system(d->mit);
	if (err)
		pr_warn("Failed to allowlist the host's own addresses and gateways: %s\n",
			strerror(-err));
	for (unsigned i = 0; i < o->n_allow; i++) {
		err = mitigate_allow_add(d->mit, &o->allow[i], "config");
		if (err) {
			char buf[ADDR_PREFIX_STRLEN];

			addr_prefix_format(&o->allow[i], buf, sizeof(buf));
			pr_warn("Failed to allowlist %s: %s\n", buf, strerror(-err));
			return err;
		}
	}
	if (o->mit.mode != MITIGATE_ON)
		pr_info("Mitigation %s\n", o->mit.mode == MITIGATE_OFF ?
						   "off (--no-mitigate)" :
						   "dry run: rules are logged, not installed");
	return 0;
}

static int start_views(struct daemon *d, const struct run_opts *o, struct httpd **h)
{
	const char *prof = o->an.profile == PROFILE_AUTO ? "auto" : NULL;

	d->ds = dashstate_new(NULL);
	d->rules = calloc(DASH_MAX_RULES, sizeof(*d->rules));
	if (!d->ds || !d->rules) {
		pr_warn("Failed to create the dashboard state: %s\n", strerror(errno));
		return -ENOMEM;
	}
	dashstate_set_info(d->ds, o->ifname, "live", prof);
	dashstate_set_wall_offset(d->ds, wall_offset_ns());
	if (o->http) {
		*h = httpd_start(d->ds, &(struct httpd_opts){ .listen = o->http });
		if (!*h)
			return -errno;
	}
	return 0;
}

/* ---- offline ---------------------------------------------------------------------------- */

struct report_ctx {
	struct dashstate *ds;
	const char *path;
};

static void report_record(void *ctx, const struct nad_rec *rec)
{
	struct report_ctx *c = ctx;

	dashfeed_record(c->ds, rec);
}

static void report_alert(void *ctx, const struct alert_event *ev)
{
	struct report_ctx *c = ctx;

	dashfeed_alert(c->ds, ev);
}

static int report_finish(void *ctx, struct engine *e)
{
	struct report_ctx *c = ctx;
	int err;

	dashfeed_engine(c->ds, e);
	err = report_write(c->ds, c->path);
	if (err)
		pr_warn("Failed to write %s: %s\n", c->path, strerror(-err));
	else
		pr_info("Report written to %s\n", c->path);
	return err;
}

int run_offline(const struct analyze_opts *an, const char *report_path)
{
	struct report_ctx rc = { .path = report_path };
	const struct analyze_observer obs = { report_record, report_alert, report_finish, &rc };
	struct analyze_opts o = *an;
	char name[PATH_MAX];
	int err;

	/* The capture's file name stands for the interface, as in the report's views. */
	snprintf(name, sizeof(name), "%s", an->pcap);
	if (!o.eve.in_iface)
		o.eve.in_iface = basename(name);
	if (report_path) {
		rc.ds = dashstate_new(&(struct dashstate_opts){ .n_slots = 3600 });
		if (!rc.ds) {
			pr_warn("Failed to create the report state: %s\n", strerror(errno));
			return EXIT_RUNTIME;
		}
		dashstate_set_info(rc.ds, basename(name), "offline", NULL);
		dashstate_set_wall_offset(rc.ds, 0);
	}
	err = analyze_offline(&o, report_path ? &obs : NULL);
	dashstate_free(rc.ds);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

/* ---- live ------------------------------------------------------------------------------- */

#ifndef CAP_BPF
#define CAP_PERFMON 38
#define CAP_BPF 39
#endif

/*
 * What loader_free() needs after the drop: to unpin in root's NAD_PIN_DIR and remove
 * the instance file, CAP_DAC_OVERRIDE; to delete a clsact qdisc, CAP_NET_ADMIN; to
 * leave libxdp's dispatcher (libxdp loads and attaches a new one without nad_xdp and
 * pins it under /sys/fs/bpf/xdp), what attaching it took. Closing the XDP and tcx links
 * needs nothing, nor do the rule removals (map descriptors).
 */
static uint64_t teardown_caps(const struct loader *ld)
{
	uint64_t caps = PRIVS_CAP(CAP_DAC_OVERRIDE);

	if (!strcmp(loader_tc_mode(ld), "clsact"))
		caps |= PRIVS_CAP(CAP_NET_ADMIN);
	if (!strcmp(loader_xdp_attach(ld), "dispatcher"))
		caps |= PRIVS_CAP(CAP_BPF) | PRIVS_CAP(CAP_NET_ADMIN) | PRIVS_CAP(CAP_PERFMON) |
			PRIVS_CAP(CAP_SYS_ADMIN);
	return caps;
}

/* --user: everything is open and attached; the rest runs as o->user. Returns an exit code. */
static int drop_privileges(struct daemon *d)
{
	const struct run_opts *o = d->o;
	int err;

	/*
	 * The dashboard file is rewritten (renamed into place) every second; the pin
	 * directory is removed at the end, which a bpffs mounted with the sticky bit (its
	 * default mode, 1777) allows its owner only.
	 */
	if (chown(LOADER_RUN_DIR, o->as.uid, o->as.gid))
		pr_warn("Failed to give %s to %s: %s (nadxdp top will not see this run)\n",
			LOADER_RUN_DIR, o->user, strerror(errno));
	if (chown(NAD_PIN_DIR, o->as.uid, o->as.gid))
		pr_warn("Failed to give %s to %s: %s\n", NAD_PIN_DIR, o->user, strerror(errno));
	/* The state directory is the daemon's: its models are saved as o->user. */
	if (o->state_dir && chown(o->an.models_dir, o->as.uid, o->as.gid))
		pr_warn("Failed to give %s to %s: %s\n", o->an.models_dir, o->user,
			strerror(errno));
	/*
	 * The EVE log is reopened by its path on SIGHUP, by then as o->user: logrotate's
	 * `create` gives the new file the owner of the one it renamed.
	 */
	if (o->an.log_path && chown(o->an.log_path, o->as.uid, o->as.gid))
		pr_warn("Failed to give %s to %s: %s (SIGHUP will not reopen it)\n",
			o->an.log_path, o->user, strerror(errno));
	err = privs_drop(&o->as, teardown_caps(d->ld));
	if (err) {
		pr_warn("Failed to run as %s: %s\n", o->user, strerror(-err));
		return EXIT_RUNTIME;
	}
	d->dropped = true;
	pr_info("Running as %s (uid %u), capabilities kept for the teardown: 0x%llx\n", o->user,
		(unsigned)o->as.uid, (unsigned long long)privs_permitted());
	if (o->an.models_dir && access(o->an.models_dir, W_OK))
		pr_warn("%s cannot write %s: a model learned or retrained will not be saved\n",
			o->user, o->an.models_dir);
	return EXIT_OK;
}

/* The home network: given, else the interface's own subnets; reported either way. */
static void live_home(struct run_opts *o)
{
	int n;

	if (o->an.home.n) {
		analyze_report_home(&o->an.home, "given");
		return;
	}
	n = capture_if_subnets(o->ifname, o->an.home.p, HOMENET_MAX);
	if (n > 0) {
		o->an.home.n = (unsigned)n;
		analyze_report_home(&o->an.home,
				    "the subnets of the interface; --home-net overrides");
	} else if (n == 0) {
		analyze_report_home(&o->an.home,
				    "the interface has no address: the private ranges");
	}
}

/* Everything up to the first poll; returns an exit code. */
static int start(struct daemon *d)
{
	struct run_opts *o = d->o;
	int err, events_fd, stats_fd;

	if (install_signals()) {
		pr_warn("Failed to install signal handlers: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (o->dump_path) {
		d->dump = fopen(o->dump_path, "w");
		if (!d->dump) {
			pr_warn("Failed to open %s: %s\n", o->dump_path, strerror(errno));
			return EXIT_RUNTIME;
		}
		d->feat = features_new();
		if (!d->feat || features_write_csv_header(d->dump)) {
			pr_warn("Failed to start %s: %s\n", o->dump_path,
				strerror(errno ? errno : EIO));
			return EXIT_RUNTIME;
		}
	}
	live_home(o);
	d->an = analyze_live_new(&o->an);
	if (!d->an)
		return EXIT_RUNTIME;
	engine_set_observer(analyze_live_engine(d->an), on_alert, d);
	engine_set_tables_source(analyze_live_engine(d->an), daemon_tables, d);
	err = start_views(d, o, &d->httpd);
	if (err)
		return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	d->ld = loader_new(&(struct loader_opts){
		.ifname = o->ifname, .mode = o->mode, .ring_bytes = o->ring_mb << 20 });
	if (!d->ld)
		return errno == ENODEV || errno == EINVAL ? EXIT_USAGE : EXIT_BPF;
	/* Until we monitor, a failure must not remove rules kept by an earlier run. */
	loader_set_keep_rules(d->ld, true);
	if (start_mitigation(d, o, d->ld))
		return EXIT_RUNTIME;
	loader_capture_fds(d->ld, &events_fd, &stats_fd);
	d->cap = capture_new(events_fd, stats_fd, on_record, d);
	if (!d->cap) {
		pr_warn("Failed to open the record ring buffer: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	loader_set_keep_rules(d->ld, o->mit.keep_rules);
	if (o->user && o->as.uid != geteuid()) {
		err = drop_privileges(d);
		if (err)
			return err;
	}
	if (o->verbosity >= 0 && !o->dashboard)
		fprintf(stderr,
			"nadxdp: monitoring %s (ingress %s, egress TC %s); Ctrl-C to stop\n",
			o->ifname, loader_ingress_name(loader_ingress_mode_name(d->ld)),
			loader_tc_mode(d->ld));
	return EXIT_OK;
}

/* The capture loop until a signal or --duration, beside the terminal view with --dashboard. */
static int monitor(struct daemon *d)
{
	pthread_t thr;
	int err;

	if (!d->o->dashboard) {
		capture_loop(d);
		return d->loop_err;
	}
	err = pthread_create(&thr, NULL, capture_loop, d);
	if (err) {
		pr_warn("Failed to start the capture thread: %s\n", strerror(err));
		return EXIT_RUNTIME;
	}
	err = tui_run(&(struct tui_opts){
		.fetch = tui_fetch_dashstate, .ctx = d->ds, .stop = &stop_signal });
	if (err)
		pr_warn("Terminal dashboard failed: %s\n", strerror(-err));
	stop_signal = stop_signal ? stop_signal : SIGTERM;
	pthread_join(thr, NULL);
	return d->loop_err;
}

/* After the loop: the last records, a final tick and the counters. Returns an exit code. */
static int finish(struct daemon *d)
{
	const struct run_opts *o = d->o;
	int err;

	/*
	 * What the kernel saw before we stopped is still ours to deliver: a
	 * CPU's partial stage reaches the ring by its timer within
	 * NAD_STAGE_FLUSH_NS; give it two.
	 */
	usleep(2 * NAD_STAGE_FLUSH_NS / 1000);
	err = capture_drain(d->cap);
	if (err < 0 && err != -EINTR)
		pr_warn("Failed to read records: %s\n", strerror(-err));
	analyze_live_drain(d->an);
	tick(d, cli_mono_ns());
	if (o->verbosity >= 0 && !o->dashboard)
		print_counters(d->cap, o->ifname);
	if (d->dump && (d->dump_err || fflush(d->dump))) {
		pr_warn("Failed to write %s\n", o->dump_path);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* Tears down in order; returns ret, or EXIT_RUNTIME if the dump file fails to close. */
static int stop(struct daemon *d, int ret)
{
	capture_free(d->cap);
	/* Rules go first (their removal events still reach the log), then the episodes' ends. */
	mitigate_free(d->mit);
	d->mit = NULL;
	mitigate_bpf_free(d->mb);
	analyze_live_free(d->an);
	httpd_free(d->httpd);
	if (d->dropped && privs_raise())
		pr_warn("Failed to take back the capabilities for the teardown: %s\n",
			strerror(errno));
	if (d->ld) /* ours: written by tick() only while we hold the instance lock */
		unlink(DASH_STATE_FILE);
	loader_free(d->ld);
	dashstate_free(d->ds);
	free(d->rules);
	features_free(d->feat);
	if (d->dump && fclose(d->dump) && ret == EXIT_OK) {
		pr_warn("Failed to write %s: %s\n", d->o->dump_path, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	return ret;
}

static int run_live(struct run_opts *o)
{
	struct daemon d = { .o = o, .drop_fd = { -1, -1 }, .rate_fd = -1 };
	int ret;

	if (o->verbosity > 0)
		log_set_level(LOG_DEBUG);
	else if (o->verbosity < 0 || o->dashboard)
		log_set_level(LOG_WARN);
	ret = start(&d);
	if (ret == EXIT_OK)
		ret = monitor(&d);
	if (ret == EXIT_OK)
		ret = finish(&d);
	return stop(&d, ret);
}

/* ---- the command ------------------------------------------------------------------------ */

/* The live settings that follow from the options; returns 0 or an exit code. */
static int check_live(struct run_opts *o, const struct opts_result *res)
{
	const struct opts_entry *e = opts_outside(&run_opts, res, SCOPE_LIVE);
	int err;

	if (e)
		return cli_usage_error(&run_opts,
				       "--%s is for --pcap FILE (live: --http or --dashboard)",
				       e->name);
	if (res->n_args)
		o->ifname = res->args[0];
	if (!o->ifname)
		return cli_usage_error(&run_opts, "missing interface name (see nadxdp run --help)");
	if (o->ring_mb & (o->ring_mb - 1))
		return cli_usage_error(&run_opts, "--ring-mb %u: not a power of two (1, 2, 4 ... %u)",
				       o->ring_mb, NAD_RINGBUF_MAX >> 20);
	o->an.eve.in_iface = o->ifname;
	if (o->dashboard && !isatty(STDOUT_FILENO) && o->verbosity >= 0)
		pr_info("--dashboard: stdout is not a terminal, plain text frames\n");
	if (o->dashboard && o->an.json)
		return cli_usage_error(&run_opts,
				       "--dashboard and --json both want stdout (use --log FILE)");
	/* The dashboard owns the terminal: alert lines go to the log only. */
	if (o->dashboard)
		o->an.quiet = true;
	o->mit.ttl_ns = (__u64)(o->mit_ttl_s * 1e9);
	if (o->mit.ttl_max_ns < o->mit.ttl_ns)
		o->mit.ttl_max_ns = o->mit.ttl_ns;
	o->mit.hold_ns = (__u64)(o->mit_hold_s * 1e9);
	o->mit.trust_ns = (__u64)(o->mit_trust_s * 1e9);
	if (!o->an.models_dir) {
		/* NADXDP_STATE_DIR: for the tests and the test beds, which must not touch /var/lib. */
		o->an.models_dir = getenv("NADXDP_STATE_DIR");
		if (!o->an.models_dir || !*o->an.models_dir)
			o->an.models_dir = RUN_STATE_DIR;
		o->state_dir = true;
	}
	if (o->user) {
		err = privs_lookup(o->user, &o->as);
		if (err)
			return cli_usage_error(&run_opts, "--user %s: %s", o->user,
					       err == -ENOENT ? "no such user" : strerror(-err));
		if (o->as.uid != geteuid() && geteuid() != 0)
			return cli_usage_error(&run_opts, "--user %s: only root can change user",
					       o->user);
	}
	/* Before anything leaves a trace (the state directory): root, BTF, the interface. */
	err = loader_preflight(o->ifname);
	if (err)
		return err == -ENODEV || err == -EINVAL ? EXIT_USAGE : EXIT_BPF;
	return 0;
}

/* The configuration file a live run reads by default; an offline run reads only --config. */
static const char *default_config(const void *flags)
{
	return ((const struct run_opts *)flags)->an.pcap ? NULL : CONFIG_DEFAULT_PATH;
}

static int run_parsed(struct run_opts *o, const struct opts_result *res);

int run_cmd(int argc, char **argv)
{
	struct opts_result res;
	struct config cfg;
	struct run_opts o;
	int ret;

	if (!config_options(&run_opts, argc, argv, &o, &res, &cfg, default_config, &ret))
		return ret;
	ret = run_parsed(&o, &res);
	config_free(&cfg); /* the options point into it */
	return ret;
}

static int run_parsed(struct run_opts *o, const struct opts_result *res)
{
	const struct opts_entry *e;
	int ret;

	if (o->an.eve.redis) {
		char host[256];
		unsigned port;
		const char *path;

		if (analyze_parse_redis(o->an.eve.redis, host, sizeof(host), &port, &path))
			return cli_usage_error(&run_opts,
					       "--redis '%s': HOST[:PORT], [V6]:PORT or a socket "
					       "path",
					       o->an.eve.redis);
	}
	/*
	 * -q: no alert lines (and, live, warnings only); the last of -q and -v sets the level;
	 * quiet = yes in the file unless -v.
	 */
	o->an.quiet = opts_seen(&run_opts, res, "quiet") > 0 || o->verbosity < 0;
	if (!o->an.pcap) {
		ret = check_live(o, res);
		return ret ? ret : run_live(o);
	}
	/* `nadxdp --pcap FILE` analyses a capture: no BPF, no root. */
	e = opts_outside(&run_opts, res, SCOPE_OFFLINE);
	if (e)
		return cli_usage_error(
			&run_opts,
			"--%s is for live capture, not --pcap (no mitigation or live "
			"views offline; --report FILE writes the views)",
			e->name);
	if (res->n_args)
		return cli_usage_error(&run_opts,
				       "unexpected argument '%s' (see nadxdp run --help)",
				       res->args[0]);
	if (o->verbosity > 0)
		log_set_level(LOG_DEBUG);
	return run_offline(&o->an, o->report_path);
}
