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
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "capture/loader.h"
#include "capture/ring.h"
#include "cli/pipeline.h"
#include "cli/run.h"
#include "common/addr.h"
#include "common/log.h"
#include "common/names.h"
#include "detect/alert.h"
#include "detect/classify.h"
#include "detect/engine.h"
#include "features/features.h"
#include "mitigate/allow.h"
#include "mitigate/bpf.h"
#include "mitigate/policy.h"
#include "ml/modelset.h"
#include "nadxdp.skel.h"
#include "report/eve.h"
#include "views/dashstate.h"
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
#define DAEMON_MAX_ALLOW 64
#define NS_PER_S 1000000000ull

struct daemon_opts {
	const char *ifname;
	enum loader_xdp_mode mode;
	double duration_s; /* 0: until a signal */
	const char *dump_path;
	int verbosity; /* -1 quiet, 0 normal, 1 verbose */
	bool dashboard;
	const char *http;
	struct mitigate_opts mit;
	struct addr_prefix allow[DAEMON_MAX_ALLOW];
	int n_allow;
	struct analyze_opts an;
};

/* The daemon's own options; everything else goes to the engine's parser (analyze.h). */
enum {
	O_MODE = 256,
	O_DURATION,
	O_DUMP,
	O_DASHBOARD,
	O_HTTP,
	O_NO_MITIGATE,
	O_DRY_RUN,
	O_KEEP_RULES,
	O_MIT_TTL,
	O_MAX_RULES,
	O_ALLOW,
	O_PCAP,
};

static const struct option long_opts[] = {
	{ "mode", required_argument, NULL, O_MODE },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "dump-features", required_argument, NULL, O_DUMP },
	{ "dashboard", no_argument, NULL, O_DASHBOARD },
	{ "http", required_argument, NULL, O_HTTP },
	{ "no-mitigate", no_argument, NULL, O_NO_MITIGATE },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "keep-rules", no_argument, NULL, O_KEEP_RULES },
	{ "mitigate-ttl", required_argument, NULL, O_MIT_TTL },
	{ "max-rules", required_argument, NULL, O_MAX_RULES },
	{ "allow", required_argument, NULL, O_ALLOW },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct daemon {
	const struct daemon_opts *o;
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
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nadxdp [run] IFNAME [options]\n"
		"       nadxdp [run] --pcap FILE [options]   (offline; see below)\n"
		"Attach to IFNAME (XDP or TC ingress, TC egress), detect anomalies, mitigate DoS in the kernel.\n\n"
		"Capture:\n"
		"  --mode native|skb|tc   ingress hook: XDP native or skb mode, or TC (default: native,\n"
		"                         TC where the driver has no native XDP and on a veth)\n"
		"  --duration S           stop after S seconds (default: until SIGINT/SIGTERM)\n"
		"  --dump-features FILE   write one CSV row of features per record to FILE\n"
		"Detection (same options as offline):\n"
		"  --models DIR           DIR/" MODELSET_FILE_NAME " (learned from the first packets if absent;\n"
		"                         default /var/lib/nadxdp when it exists, else the embedded model)\n"
		"  --profile P            home | small-office | enterprise (default: inferred)\n"
		"  --log FILE             EVE JSON lines (anomaly, summary, mitigation) to FILE\n"
		"  --json                 EVE JSON lines on stdout\n"
		"  --summary-interval S   seconds between summaries (default 30, 0 = none)\n"
		"  --train-packets N      baseline size when DIR has no model (default 20000)\n"
		"  --no-train             never train; use the model found or the embedded one\n"
		"  --retrain-interval S   retrain on unflagged traffic every S s (default 3600, 0 = never)\n"
		"  --vectors-out CSV      write every packet's model vector (for training)\n"
		"Mitigation (kernel drop rules for critical DoS, at the ingress hook):\n"
		"  --no-mitigate          detect only\n"
		"  --dry-run              log the rules it would install (would_install events)\n"
		"  --keep-rules           on exit, leave the drop and rate rules pinned: each still\n"
		"                         expires on its own, and the next start enforces them again\n"
		"  --mitigate-ttl S       rule TTL in seconds (default 600; repeat offenders get more)\n"
		"  --max-rules N          at most N rules (default 1024)\n"
		"  --allow CIDR           never block CIDR (repeatable; loopback, own addresses and\n"
		"                         default gateways are always allowed)\n"
		"Views:\n"
		"  --dashboard            terminal dashboard (alert lines go to --log only)\n"
		"  --http ADDR:PORT       web page, /api/state and /metrics (e.g. 127.0.0.1:8080)\n"
		"Output:\n"
		"  -v, --verbose          debug output (libbpf and verifier messages)\n"
		"  -q, --quiet            warnings only: no alert lines, no periodic counters\n"
		"  -h, --help             this text\n\n"
		"Offline: nadxdp --pcap FILE [detection options] [--report FILE.html]\n"
		"(no mitigation offline; --report writes the dashboard views as one HTML file).\n\n"
		"Exit codes: 0 ok, 1 runtime failure, 2 usage (or no such interface),\n"
		"3 BPF load/attach failure (privileges, BTF, XDP already attached, another instance).\n");
}

static int parse_seconds(const char *opt, const char *s, double min_excl, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > min_excl) || v > 1e9) {
		pr_warn("Invalid %s '%s' (seconds, > %g)\n", opt, s, min_excl);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static const struct option *daemon_option(const char *arg)
{
	size_t n = strcspn(arg + 2, "=");

	for (const struct option *p = long_opts; p->name; p++)
		if (strlen(p->name) == n && !strncmp(arg + 2, p->name, n))
			return p;
	return NULL;
}

/*
 * Splits argv: the daemon's options (with their arguments) into dv, the rest
 * (the engine's options and IFNAME) into av; both keep argv[0]. --quiet goes
 * to both: no alert lines, no counters.
 */
static void split_args(int argc, char **argv, char **dv, int *dc, char **av, int *ac)
{
	*dc = *ac = 1;
	dv[0] = av[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *p = NULL;

		if (!strcmp(a, "--")) {
			while (i < argc)
				av[(*ac)++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "-h")) {
			dv[(*dc)++] = argv[i];
			continue;
		}
		if (!strcmp(a, "-q")) {
			dv[(*dc)++] = argv[i];
			av[(*ac)++] = "--quiet";
			continue;
		}
		if (!strncmp(a, "--", 2))
			p = daemon_option(a);
		if (!p) {
			av[(*ac)++] = argv[i];
			continue;
		}
		dv[(*dc)++] = argv[i];
		if (p->val == 'q')
			av[(*ac)++] = argv[i];
		if (p->has_arg == required_argument && !strchr(a, '=') && i + 1 < argc)
			dv[(*dc)++] = argv[++i];
	}
	dv[*dc] = av[*ac] = NULL;
}

/* Returns 0, or an exit code after printing the reason (or the help: EXIT_OK + 100). */
static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	char **dv = calloc((size_t)argc + 2, sizeof(*dv)), **av = calloc((size_t)argc + 2, sizeof(*av));
	struct stat st;
	int dc, ac, c, r, ret = EXIT_USAGE;
	double d;

	memset(o, 0, sizeof(*o));
	o->mode = LOADER_XDP_AUTO;
	o->mit = mitigate_opts_default();
	analyze_opts_default(&o->an);
	if (!dv || !av) {
		pr_warn("Failed to parse the options: %s\n", strerror(ENOMEM));
		ret = EXIT_RUNTIME;
		goto out;
	}
	split_args(argc, argv, dv, &dc, av, &ac);

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(dc, dv, ":vqh", long_opts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			if (loader_parse_mode(optarg, &o->mode)) {
				pr_warn("Invalid --mode '%s' (native, skb, tc or auto)\n", optarg);
				goto out;
			}
			break;
		case O_DURATION:
			if (parse_seconds("--duration", optarg, 0, &o->duration_s))
				goto out;
			break;
		case O_DUMP:
			o->dump_path = optarg;
			break;
		case O_DASHBOARD:
			o->dashboard = true;
			break;
		case O_HTTP:
			o->http = optarg;
			break;
		case O_NO_MITIGATE:
			o->mit.mode = MITIGATE_OFF;
			break;
		case O_DRY_RUN:
			o->mit.mode = MITIGATE_DRY_RUN;
			break;
		case O_KEEP_RULES:
			o->mit.keep_rules = true;
			break;
		case O_MIT_TTL:
			if (parse_seconds("--mitigate-ttl", optarg, 0, &d) || d > 30 * 86400.0) {
				if (d > 30 * 86400.0)
					pr_warn("Invalid --mitigate-ttl '%s' (at most 30 days)\n", optarg);
				goto out;
			}
			o->mit.ttl_ns = (__u64)(d * 1e9);
			if (o->mit.ttl_max_ns < o->mit.ttl_ns)
				o->mit.ttl_max_ns = o->mit.ttl_ns;
			break;
		case O_MAX_RULES: {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > NAD_RULE_ENTRIES) {
				pr_warn("Invalid --max-rules '%s' (1 to %u)\n", optarg, NAD_RULE_ENTRIES);
				goto out;
			}
			o->mit.max_rules = (__u32)n;
			break;
		}
		case O_ALLOW:
			if (o->n_allow == DAEMON_MAX_ALLOW) {
				pr_warn("Too many --allow (at most %d)\n", DAEMON_MAX_ALLOW);
				goto out;
			}
			r = addr_prefix_parse(optarg, &o->allow[o->n_allow]);
			if (r) {
				pr_warn("Invalid --allow '%s' (%s)\n", optarg,
					r == -EDOM ? "host bits set" : "an address or CIDR");
				goto out;
			}
			o->n_allow++;
			break;
		case 'v':
			o->verbosity = 1;
			break;
		case 'q':
			o->verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			ret = EXIT_OK + 100;
			goto out;
		case ':':
			pr_warn("Option %s needs an argument\n", dv[optind - 1]);
			goto out;
		default:
			pr_warn("Unknown option %s (see --help)\n", dv[optind - 1]);
			goto out;
		}
	}
	r = analyze_parse_args(ac, av, &o->an, &o->ifname);
	if (r > 0) { /* the engine's --help: ours covers it */
		ret = EXIT_OK + 100;
		goto out;
	}
	if (r < 0)
		goto out;
	if (!o->ifname) {
		pr_warn("Missing interface name (see --help)\n");
		goto out;
	}
	if (o->dashboard && !isatty(STDOUT_FILENO) && o->verbosity >= 0)
		pr_info("--dashboard: stdout is not a terminal, plain text frames\n");
	if (o->dashboard && o->an.json) {
		pr_warn("--dashboard and --json both want stdout (use --log FILE)\n");
		goto out;
	}
	if (o->an.quiet)
		o->verbosity = o->verbosity > 0 ? o->verbosity : -1;
	/* The dashboard owns the terminal: alert lines go to the log only. */
	if (o->dashboard)
		o->an.quiet = true;
	if (!o->an.models_dir && !stat("/var/lib/nadxdp", &st) && S_ISDIR(st.st_mode))
		o->an.models_dir = "/var/lib/nadxdp";
	ret = 0;
out:
	free(dv);
	free(av);
	return ret;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

static __s64 wall_offset_ns(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (__s64)((__u64)rt.tv_sec * NS_PER_S + (__u64)rt.tv_nsec) - (__s64)mono_ns();
}

static void on_record(const struct nad_rec *rec, void *ctx)
{
	struct daemon *d = ctx;

	if (d->dump && !d->dump_err) {
		float v[FEAT_N_BASE];

		features_extract(d->feat, rec, v);
		d->dump_err = features_write_csv_row(d->dump, rec->ts_ns, rec->dir, v);
	}
	analyze_dash_record(d->ds, rec);
	analyze_live_queue(d->an, rec);
}

/* The engine's alert events: to the dashboard, then to the mitigation. */
static void on_alert(void *ctx, const struct alert_event *ev)
{
	struct daemon *d = ctx;
	struct mitigate_alert a = { 0 };
	int err;

	analyze_dash_alert(d->ds, ev);
	if (!d->mit || strcmp(ev->event_type, "anomaly") || ev->closing)
		return;
	a.cls = names_class(ev->cls);
	a.class_id = ev->cls;
	a.severity = names_class_severity(ev->cls);
	a.dport = ev->dport;
	a.proto = ev->proto;
	/* The decision is taken now: a rule's clock (created, expiry) starts at install. */
	a.ts_ns = ev->last_ns > mono_ns() ? ev->last_ns : mono_ns();
	memcpy(a.src, ev->saddr, 16);
	memcpy(a.dst, ev->daddr, 16);
	a.by_destination = ev->by_destination;
	a.src_pps = ev->src_pps;
	a.dst_pps = ev->dst_pps;
	a.n_sources = ev->n_sources;
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
	return origin == NAD_ORIGIN_AUTO ? dash_class_by_name(names_class(reason)) : -1;
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
	analyze_dash_engine(d->ds, analyze_live_engine(d->an));
	if (d->mit) {
		err = mitigate_tick(d->mit, now);
		if (err)
			pr_warn("Failed to update the mitigation rules: %s\n", strerror(-err));
	}
	collect_rules(d, now);
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
		"shed %llu pending %llu staged %llu | malformed %llu dropped %llu allowed %llu | "
		"unaccounted %lld\n",
		ifname, (unsigned long long)s.pkts[NAD_DIR_IN],
		(unsigned long long)s.bytes[NAD_DIR_IN], (unsigned long long)s.pkts[NAD_DIR_OUT],
		(unsigned long long)s.bytes[NAD_DIR_OUT], (unsigned long long)t.n_records,
		(unsigned long long)t.n_weight, (unsigned long long)s.recs_shed,
		(unsigned long long)s.pending, (unsigned long long)s.staged,
		(unsigned long long)s.malformed,
		(unsigned long long)(s.dropped_rule + s.dropped_rate),
		(unsigned long long)s.allowed_rule, unaccounted);
}

/* The capture loop; returns when stopped (signal, --duration) or on failure (d->loop_err). */
static void *capture_loop(void *arg)
{
	struct daemon *d = arg;
	const struct daemon_opts *o = d->o;
	__u64 t0 = mono_ns(), next_report = t0 + DAEMON_REPORT_S * NS_PER_S;
	bool counters = o->verbosity >= 0 && !o->dashboard;

	d->next_tick_ns = t0 + DAEMON_TICK_NS;
	while (!stop_signal) {
		int err = capture_poll(d->cap, DAEMON_POLL_MS);
		__u64 t;

		/* What this drain delivered is analysed now, never held for more records. */
		analyze_live_flush(d->an);
		if (err > 0 && err < DAEMON_DRAIN_MIN)
			usleep(DAEMON_DRAIN_WAIT_US);
		if (err == -EINTR)
			break;
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
		t = mono_ns();
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
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int start_mitigation(struct daemon *d, struct daemon_opts *o, struct loader *ld)
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
		n = mitigate_bpf_adopt(d->mb, d->mit, mono_ns());
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
	for (int i = 0; i < o->n_allow; i++) {
		err = mitigate_allow_add(d->mit, &o->allow[i], "config");
		if (err) {
			char buf[ADDR_PREFIX_STRLEN];

			addr_prefix_format(&o->allow[i], buf, sizeof(buf));
			pr_warn("Failed to allowlist %s: %s\n", buf, strerror(-err));
			return err;
		}
	}
	if (o->mit.mode != MITIGATE_ON)
		pr_info("Mitigation %s\n", o->mit.mode == MITIGATE_OFF ? "off (--no-mitigate)" :
									  "dry run: rules are logged, not installed");
	return 0;
}

static int start_views(struct daemon *d, const struct daemon_opts *o, struct httpd **h)
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

int daemon_cmd(int argc, char **argv)
{
	struct daemon d = { .drop_fd = { -1, -1 }, .rate_fd = -1 };
	struct loader_opts lopts = { 0 };
	struct httpd *httpd = NULL;
	struct loader *ld = NULL;
	struct daemon_opts o;
	pthread_t thr;
	bool thr_started = false;
	int ret, err;

	/* `nadxdp --pcap FILE` analyses a capture: no BPF, no root. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pcap") && strncmp(argv[i], "--pcap=", 7))
			continue;
		for (int j = 1; j < argc; j++) {
			const struct option *p =
				strncmp(argv[j], "--", 2) ? NULL : daemon_option(argv[j]);

			if (p && p->val != 'q' && p->val != 'h' && p->val != 'v') {
				pr_warn("--%s is for live capture, not --pcap (no mitigation or "
					"live views offline; --report FILE writes the views)\n",
					p->name);
				return EXIT_USAGE;
			}
		}
		return analyze_cmd(argc, argv);
	}

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret == EXIT_OK + 100 ? EXIT_OK : ret;
	if (o.verbosity > 0)
		log_set_level(LOG_DEBUG);
	else if (o.verbosity < 0 || o.dashboard)
		log_set_level(LOG_WARN);
	d.o = &o;

	ret = EXIT_RUNTIME;
	if (install_signals()) {
		pr_warn("Failed to install signal handlers: %s\n", strerror(errno));
		goto cleanup;
	}
	if (o.dump_path) {
		d.dump = fopen(o.dump_path, "w");
		if (!d.dump) {
			pr_warn("Failed to open %s: %s\n", o.dump_path, strerror(errno));
			goto cleanup;
		}
		d.feat = features_new();
		if (!d.feat || features_write_csv_header(d.dump)) {
			pr_warn("Failed to start %s: %s\n", o.dump_path, strerror(errno ? errno : EIO));
			goto cleanup;
		}
	}
	d.an = analyze_live_new(&o.an);
	if (!d.an)
		goto cleanup;
	engine_set_observer(analyze_live_engine(d.an), on_alert, &d);
	if (start_views(&d, &o, &httpd)) {
		ret = errno == EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto cleanup;
	}

	lopts.ifname = o.ifname;
	lopts.mode = o.mode;
	ld = loader_new(&lopts);
	if (!ld) {
		ret = errno == ENODEV || errno == EINVAL ? EXIT_USAGE : EXIT_BPF;
		goto cleanup;
	}
	/* Until we monitor, a failure must not remove rules kept by an earlier run. */
	loader_set_keep_rules(ld, true);
	if (start_mitigation(&d, &o, ld))
		goto cleanup;
	d.cap = capture_new(bpf_map__fd(loader_skel(ld)->maps.nad_events),
			    bpf_map__fd(loader_skel(ld)->maps.nad_stats), on_record, &d);
	if (!d.cap) {
		pr_warn("Failed to open the record ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	loader_set_keep_rules(ld, o.mit.keep_rules);
	if (o.verbosity >= 0 && !o.dashboard)
		fprintf(stderr,
			"nadxdp: monitoring %s (ingress %s, egress TC %s); Ctrl-C to stop\n",
			o.ifname, loader_ingress_name(loader_xdp_mode(ld)), loader_tc_mode(ld));

	if (o.dashboard) {
		err = pthread_create(&thr, NULL, capture_loop, &d);
		if (err) {
			pr_warn("Failed to start the capture thread: %s\n", strerror(err));
			goto cleanup;
		}
		thr_started = true;
		err = tui_run(&(struct tui_opts){
			.fetch = tui_fetch_dashstate, .ctx = d.ds, .stop = &stop_signal });
		if (err)
			pr_warn("Terminal dashboard failed: %s\n", strerror(-err));
		stop_signal = stop_signal ? stop_signal : SIGTERM;
		pthread_join(thr, NULL);
		thr_started = false;
	} else {
		capture_loop(&d);
	}
	if (d.loop_err) {
		ret = d.loop_err;
		goto cleanup;
	}
	/*
	 * What the kernel saw before we stopped is still ours to deliver: a
	 * CPU's partial stage reaches the ring by its timer within
	 * NAD_STAGE_FLUSH_NS; give it two.
	 */
	usleep(2 * NAD_STAGE_FLUSH_NS / 1000);
	err = capture_drain(d.cap);
	if (err < 0 && err != -EINTR)
		pr_warn("Failed to read records: %s\n", strerror(-err));
	analyze_live_flush(d.an);
	tick(&d, mono_ns());
	if (o.verbosity >= 0 && !o.dashboard)
		print_counters(d.cap, o.ifname);
	if (d.dump && (d.dump_err || fflush(d.dump))) {
		pr_warn("Failed to write %s\n", o.dump_path);
		goto cleanup;
	}
	ret = EXIT_OK;

cleanup:
	if (thr_started) {
		stop_signal = SIGTERM;
		pthread_join(thr, NULL);
	}
	capture_free(d.cap);
	/* Rules go first (their removal events still reach the log), then the episodes' ends. */
	mitigate_free(d.mit);
	d.mit = NULL;
	mitigate_bpf_free(d.mb);
	analyze_live_free(d.an);
	httpd_free(httpd);
	if (ld) /* ours: written by tick() only while we hold the instance lock */
		unlink(DASH_STATE_FILE);
	loader_free(ld);
	dashstate_free(d.ds);
	free(d.rules);
	features_free(d.feat);
	if (d.dump && fclose(d.dump) && ret == EXIT_OK) {
		pr_warn("Failed to write %s: %s\n", o.dump_path, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	return ret;
}
