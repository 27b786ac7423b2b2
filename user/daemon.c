// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * daemon.c - `nadxdp [run] IFNAME`: attach, stream records, print counters,
 * detach on SIGINT/SIGTERM or after --duration.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "analyze.h"
#include "capture.h"
#include "daemon.h"
#include "features.h"
#include "loader.h"
#include "log.h"
#include "nadxdp.skel.h"

/* Poll timeout: the latency bound for records submitted without a wake-up. */
#define DAEMON_POLL_MS 20
#define DAEMON_REPORT_S 5

struct daemon_opts {
	const char *ifname;
	enum loader_xdp_mode mode;
	double duration_s; /* 0: until a signal */
	const char *dump_path;
	int verbosity; /* -1 quiet, 0 normal, 1 verbose */
};

static const struct daemon_opts defaults = {
	.mode = LOADER_XDP_AUTO,
};

static const struct option long_opts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "duration", required_argument, NULL, 'd' },
	{ "dump-features", required_argument, NULL, 'D' },
	{ "pcap", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct dump {
	FILE *f;
	struct features *feat;
	int err;
	struct analyze_live *live; /* the detection engine */
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
		"Attach to IFNAME (XDP ingress, TC egress) and stream one record per packet.\n\n"
		"  --mode native|skb      XDP attach mode (default: native, falling back to skb)\n"
		"  --duration S           stop after S seconds (default: until SIGINT/SIGTERM)\n"
		"  --dump-features FILE   write one CSV row of features per record to FILE\n"
		"  -v, --verbose          debug output (libbpf and verifier messages)\n"
		"  -q, --quiet            warnings only, no periodic counters\n"
		"  -h, --help             this text\n"
		"Detection: --models DIR, --profile P, --log FILE, --json, --summary-interval S,\n"
		"  --no-train, --train-packets N, --retrain-interval S (`nadxdp --pcap F --help`)\n\n"
		"Exit codes: 0 ok, 1 runtime failure, 2 usage (or no such interface),\n"
		"3 BPF load/attach failure (privileges, BTF, XDP already attached, another instance).\n");
}

/* Returns 0, or an exit code after printing the reason (or the help: EXIT_OK + 100). */
static int parse_args(int argc, char **argv, struct daemon_opts *o)
{
	int c;

	*o = defaults;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vqh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (loader_parse_mode(optarg, &o->mode)) {
				pr_warn("Invalid --mode '%s' (native, skb or auto)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd': {
			char *end;

			errno = 0;
			o->duration_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->duration_s > 0) ||
			    o->duration_s > 1e9) {
				pr_warn("Invalid --duration '%s' (seconds, > 0)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'D':
			o->dump_path = optarg;
			break;
		case 'p':
			pr_warn("--pcap with run is not yet supported (use `nadxdp features --pcap`)\n");
			return EXIT_USAGE;
		case 'v':
			o->verbosity = 1;
			break;
		case 'q':
			o->verbosity = -1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK + 100;
		case ':':
			pr_warn("Option %s needs an argument\n", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			pr_warn("Unknown option %s (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		pr_warn("Missing interface name (see --help)\n");
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		pr_warn("Unexpected argument '%s' (one interface only)\n", argv[optind + 1]);
		return EXIT_USAGE;
	}
	o->ifname = argv[optind];
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_record(const struct nad_rec *rec, void *ctx)
{
	struct dump *d = ctx;
	float v[FEAT_N_BASE];

	if (d->live)
		analyze_live_record(d->live, rec);
	if (!d->f || d->err)
		return;
	features_extract(d->feat, rec, v);
	d->err = features_write_csv_row(d->f, rec->ts_ns, rec->dir, v);
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
	unaccounted = (long long)(s.pkts[NAD_DIR_IN] + s.pkts[NAD_DIR_OUT]) -
		      (long long)(t.n_weight + s.pending + s.dropped_rule);
	printf("%s: in %llu pkts %llu B | out %llu pkts %llu B | records %llu (weight %llu) "
	       "shed %llu pending %llu | malformed %llu dropped %llu allowed %llu | unaccounted %lld\n",
	       ifname, (unsigned long long)s.pkts[NAD_DIR_IN], (unsigned long long)s.bytes[NAD_DIR_IN],
	       (unsigned long long)s.pkts[NAD_DIR_OUT], (unsigned long long)s.bytes[NAD_DIR_OUT],
	       (unsigned long long)t.n_records, (unsigned long long)t.n_weight,
	       (unsigned long long)s.recs_shed, (unsigned long long)s.pending,
	       (unsigned long long)s.malformed, (unsigned long long)s.dropped_rule,
	       (unsigned long long)s.allowed_rule, unaccounted);
	fflush(stdout);
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

int daemon_cmd(int argc, char **argv)
{
	struct dump dump = { 0 };
	struct loader_opts lopts = { 0 };
	struct capture *cap = NULL;
	struct loader *ld = NULL;
	struct daemon_opts o;
	struct analyze_opts ao;
	char *aargv[argc + 1];
	double t0, next_report, next_tick;
	int ret, err, aargc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--pcap"))
			return analyze_cmd(argc, argv);
	argc = analyze_split_args(argc, argv, aargv, &aargc);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret == EXIT_OK + 100 ? EXIT_OK : ret;
	analyze_opts_default(&ao);
	if (analyze_parse_args(aargc, aargv, &ao, NULL))
		return EXIT_USAGE;
	ao.quiet = o.verbosity < 0;
	if (o.verbosity > 0)
		log_set_level(LOG_DEBUG);
	else if (o.verbosity < 0)
		log_set_level(LOG_WARN);

	ret = EXIT_RUNTIME;
	if (install_signals()) {
		pr_warn("Failed to install signal handlers: %s\n", strerror(errno));
		goto cleanup;
	}
	if (o.dump_path) {
		dump.f = fopen(o.dump_path, "w");
		if (!dump.f) {
			pr_warn("Failed to open %s: %s\n", o.dump_path, strerror(errno));
			goto cleanup;
		}
		dump.feat = features_new();
		if (!dump.feat || features_write_csv_header(dump.f)) {
			pr_warn("Failed to start %s: %s\n", o.dump_path, strerror(errno ? errno : EIO));
			goto cleanup;
		}
	}

	lopts.ifname = o.ifname;
	lopts.mode = o.mode;
	ld = loader_new(&lopts);
	if (!ld) {
		ret = errno == ENODEV || errno == EINVAL ? EXIT_USAGE : EXIT_BPF;
		goto cleanup;
	}
	dump.live = analyze_live_new(&ao);
	if (!dump.live)
		goto cleanup;
	cap = capture_new(bpf_map__fd(loader_skel(ld)->maps.nad_events),
			  bpf_map__fd(loader_skel(ld)->maps.nad_stats), on_record, &dump);
	if (!cap) {
		pr_warn("Failed to open the record ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	if (o.verbosity >= 0)
		printf("nadxdp: monitoring %s (XDP %s mode, TC egress %s); Ctrl-C to stop\n", o.ifname,
		       loader_xdp_mode(ld), loader_tc_mode(ld));
	fflush(stdout);

	t0 = now_s();
	next_report = t0 + DAEMON_REPORT_S;
	next_tick = t0 + 1;
	while (!stop_signal) {
		double t;

		err = capture_poll(cap, DAEMON_POLL_MS);
		if (err == -EINTR)
			break;
		if (err < 0) {
			pr_warn("Failed to read records: %s\n", strerror(-err));
			goto cleanup;
		}
		if (dump.err) {
			pr_warn("Failed to write %s: %s\n", o.dump_path, strerror(-dump.err));
			goto cleanup;
		}
		t = now_s();
		if (t >= next_tick) {
			struct nad_stats ks;

			analyze_live_tick(dump.live, (uint64_t)(t * 1e9),
					  capture_read_stats(cap, &ks) ? NULL : &ks);
			next_tick = t + 1;
		}
		if (o.duration_s > 0 && t - t0 >= o.duration_s)
			break;
		if (o.verbosity >= 0 && !ao.json && t >= next_report) {
			print_counters(cap, o.ifname);
			next_report = t + DAEMON_REPORT_S;
		}
	}
	/* What the kernel committed before we stopped is still ours to deliver. */
	err = capture_drain(cap);
	if (err < 0 && err != -EINTR)
		pr_warn("Failed to read records: %s\n", strerror(-err));
	if (o.verbosity >= 0 && !ao.json)
		print_counters(cap, o.ifname);
	if (dump.f && (dump.err || fflush(dump.f))) {
		pr_warn("Failed to write %s\n", o.dump_path);
		goto cleanup;
	}
	ret = EXIT_OK;

cleanup:
	analyze_live_free(dump.live);
	capture_free(cap);
	loader_free(ld);
	features_free(dump.feat);
	if (dump.f && fclose(dump.f) && ret == EXIT_OK) {
		pr_warn("Failed to write %s: %s\n", o.dump_path, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	return ret;
}
