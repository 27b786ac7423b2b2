// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_faults.c - nadxdp live when things go wrong (issue 15): killed with SIGKILL in
 * the middle of a flood, its EVE log or its models folder on a full disk, its model
 * file replaced by garbage.
 *
 * Each test has the test bed of its own prefix in a private mount namespace
 * (helpers/livebed.h), where it may also mount the small tmpfs that plays the full
 * disk; the .fini kills the daemon and removes the bed, failure or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "helpers/cmd_run.h"
#include "helpers/livebed.h"
#include "helpers/testbed_ns.h"
#include "views/dashstate.h"

#define TB_PREFIX "nxflt" NADXDP_TB_TAG
#define TB_MON_NS TB_PREFIX "-mon"
#define TB_CLI_NS TB_PREFIX "-cli"
#define TB_ATK_NS TB_PREFIX "-atk"
#define TB_MON_IF TB_PREFIX "0"
#define MON_IP "198.18.0.1"
#define CLI_IP "198.18.0.2"
#define ATK_IP "198.18.0.3"
#define NSX(ns) "nsenter --net=/run/netns/" ns " -- "
#define HTTP_PORT "8932"
#define NS_PER_S 1000000000ull

static struct livebed lb;
static char mounted[2][256]; /* the small disks, unmounted before the work folder goes */

static void setup(void)
{
	lb_init(&lb, TB_PREFIX);
	memset(mounted, 0, sizeof(mounted));
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof(mounted) / sizeof(mounted[0]); i++)
		if (mounted[i][0])
			umount2(mounted[i], MNT_DETACH);
	lb_teardown(&lb);
}

TestSuite(faults, .init = setup, .fini = teardown);

static void bed_up(void)
{
	static const char *const tools[] = { "hping3", "ping", "curl", "nsenter", NULL };

	lb_up(&lb, tools);
}

/* `nadxdp run` for at most 120 s with these options (NULL-terminated). */
static void start(const char *first, ...)
{
	const char *args[32] = { "--duration", "120" };
	int n = 2;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	lb_start(&lb, args);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* hping3 ARGS --flood at the monitored host for secs seconds from ns; waits. */
static void flood(const char *ns, const char *args, int secs)
{
	tb_sh("nsenter --net=/run/netns/%s -- timeout -s INT %d hping3 -q %s --flood " MON_IP
	      " >/dev/null 2>&1",
	      ns, secs, args);
}

/* The drop rule for cidr in `rules list --json`: true and its expires_ns, or false. */
static bool drop_rule(const char *cidr, uint64_t *expires_ns)
{
	struct json_object *list = lb_rules(), *arr, *v;
	bool found = false;

	cr_assert(json_object_object_get_ex(list, "rules", &arr));
	for (size_t i = 0; i < json_object_array_length(arr) && !found; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (strcmp(lb_jstr(o, "kind", NULL), "drop") ||
		    strcmp(lb_jstr(o, "cidr", NULL), cidr))
			continue;
		found = true;
		if (expires_ns && json_object_object_get_ex(o, "expires_ns", &v))
			*expires_ns = (uint64_t)json_object_get_int64(v);
	}
	json_object_put(list);
	return found;
}

/* Occurrences of what in the daemon's log. */
static size_t log_count(const char *what)
{
	char *log = lb_slurp(lb_path(&lb, "daemon.log"));
	size_t n = 0;

	for (const char *p = log; (p = strstr(p, what)); p += strlen(what))
		n++;
	free(log);
	return n;
}

/*
 * Whether the daemon's log has no two lines with failed (*n_failed: how many) without a
 * line with again between them.
 */
static bool said_once_per_failure(const char *failed, const char *again, size_t *n_failed)
{
	char *log = lb_slurp(lb_path(&lb, "daemon.log")), *save = NULL;
	bool failing = false, ok = true;

	*n_failed = 0;
	for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, failed)) {
			ok = ok && !failing;
			failing = true;
			(*n_failed)++;
		} else if (strstr(l, again)) {
			failing = false;
		}
	}
	free(log);
	return ok;
}

/* Waits up to secs seconds for what to appear n times in the daemon's log. */
static bool log_wait(const char *what, size_t n, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (log_count(what) >= n)
			return true;
		usleep(100000);
	}
	return false;
}

/* Programs on ifindex's tcx hook (type 46 ingress, 47 egress); a kernel without tcx has none. */
static int tcx_count(int ifindex, int type, __u32 *n)
{
	__u32 ids[4];

	*n = 4;
	if (!bpf_prog_query(ifindex, (enum bpf_attach_type)type, 0, NULL, ids, n))
		return 0;
	*n = 0;
	return errno == EINVAL ? 0 : -errno;
}

/*
 * Whether a program is attached to the monitored interface: XDP, or tcx ingress or egress.
 * Asked from a child in the bed's namespace. Not clsact filters: nadxdp uses them only
 * where there is no tcx.
 */
static bool attached(void)
{
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		int fd = open("/run/netns/" TB_MON_NS, O_RDONLY), ifindex;
		__u32 n_in, n_out;

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(2);
		ifindex = (int)if_nametoindex(TB_MON_IF);
		if (!ifindex || bpf_xdp_query(ifindex, 0, &q) || tcx_count(ifindex, 46, &n_in) ||
		    tcx_count(ifindex, 47, &n_out))
			_exit(2);
		_exit(q.prog_id || n_in || n_out ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 2, "querying the interface's programs");
	return WEXITSTATUS(st) == 1;
}

static void kill_daemon(void)
{
	cr_assert_eq(kill(lb.daemon_pid, SIGKILL), 0);
	cr_assert_eq(waitpid(lb.daemon_pid, NULL, 0), lb.daemon_pid);
	lb.daemon_pid = -1;
}

/* Whether the daemon's nad_xdp joined libxdp's dispatcher (a kernel that chains XDP programs). */
static bool in_dispatcher(void)
{
	return log_count("in libxdp's dispatcher") > 0;
}

/*
 * Starts the daemon (ingress --mode mode), a flood from the attacker, and kills the
 * daemon once the flood earned its rule: nothing of it stays attached but nad_xdp in
 * libxdp's dispatcher (the next start removes that); *disp says whether it joined one.
 */
static uint64_t kill_mid_flood(const char *mode, const char *ttl, int flood_s, bool *disp)
{
	uint64_t expires = 0;
	bool found = false;

	start("--no-train", "--log", lb_path(&lb, "eve1.json"), "--models", lb.workdir,
	      "--summary-interval", "0", "--mitigate-ttl", ttl, "--mode", mode, NULL);
	cr_expect(attached(), "attached while it runs");
	*disp = in_dispatcher();
	tb_sh(NSX(TB_ATK_NS) "timeout -s INT %d hping3 -q -S -p 80 --flood " MON_IP
			     " >/dev/null 2>&1 &",
	      flood_s);
	for (int i = 0; i < 100 && !found; i++) {
		usleep(100000);
		found = drop_rule(ATK_IP "/32", NULL);
	}
	cr_assert(found, "the flood earned a drop rule: %s", lb_slurp(lb_path(&lb, "daemon.log")));
	kill_daemon();
	if (*disp)
		cr_expect(attached(), "nad_xdp stays in libxdp's dispatcher");
	else
		cr_expect_not(attached(), "nothing attached after SIGKILL");
	cr_expect(lb_pinned(), "the pins outlive a killed daemon");
	cr_assert(drop_rule(ATK_IP "/32", &expires), "the rule stays in the pinned map");
	return expires;
}

/*
 * SIGKILL in the middle of a flood (ingress at TC on the bed's veth): the links die with
 * the process, so nothing stays attached; the pins stay, and the next start takes the
 * automatic rule over (docs/mitigation.md), which its sweep removes at the rule's own
 * expiry.
 */
Test(faults, sigkill_mid_flood_leaves_nothing_attached_and_the_next_start_takes_the_rule_over,
     .timeout = 150)
{
	struct json_object *ev, *rm;
	uint64_t expires, gone = 0;
	bool disp;

	bed_up();
	expires = kill_mid_flood("auto", "15", 5, &disp);
	/* the flood ends; a new instance, mitigation on */
	sleep(5);
	start("--no-train", "--log", lb_path(&lb, "eve2.json"), "--models", lb.workdir,
	      "--summary-interval", "0", "--mitigate-ttl", "15", NULL);
	cr_expect(attached());
	cr_expect_eq(log_count("takes over 1 drop rule kept by an earlier run"), 1, "%s",
		     lb_slurp(lb_path(&lb, "daemon.log")));
	cr_assert_lt(mono_ns(), expires, "restarted before the rule's expiry");
	while (mono_ns() < expires + 5 * NS_PER_S) {
		if (!drop_rule(ATK_IP "/32", NULL)) {
			gone = mono_ns();
			break;
		}
		usleep(100000);
	}
	cr_assert_neq(gone, 0, "the adopted rule is removed");
	cr_expect_geq(gone + NS_PER_S / 2, expires, "not before its expiry (%.1f s early)",
		      (double)(expires - gone) / 1e9);
	cr_expect_leq(gone, expires + 5 * NS_PER_S / 2, "within a sweep of its expiry (%.1f s)",
		      (double)(gone - expires) / 1e9);
	lb_stop(&lb);
	ev = lb_eve(&lb, "eve2.json");
	rm = lb_mitigation(ev, "remove", ATK_IP "/32");
	cr_expect_not_null(rm, "a remove event for the adopted rule");
	if (rm)
		cr_expect_str_eq(lb_jstr(rm, "mitigation", "why"), "expired");
	json_object_put(ev);
	cr_expect_not(lb_pinned(), "nothing pinned after a clean exit");
	cr_expect_not(attached());
	fprintf(stderr, "faults sigkill: the adopted rule went %.2f s after its expiry\n",
		((double)gone - (double)expires) / 1e9);
}

/*
 * The rule of a killed daemon (ingress XDP in skb mode: on a link of its own, or in
 * libxdp's dispatcher where the kernel chains XDP programs, which the next start cleans)
 * drops in the kernel, the map reused by the next start (here one that does not
 * mitigate), until its expires_ns, and not a packet after.
 */
Test(faults, a_killed_daemons_rule_drops_until_its_expiry_and_not_after, .timeout = 150)
{
	uint64_t expires, d1, d2, in1, in2;
	bool disp;

	bed_up();
	expires = kill_mid_flood("skb", "15", 3, &disp);
	sleep(3);
	start("--no-train", "--log", lb_path(&lb, "eve2.json"), "--models", lb.workdir,
	      "--summary-interval", "0", "--no-mitigate", "--mode", "skb", NULL);
	if (disp)
		cr_expect_eq(log_count("Removed the nad_xdp a stopped nadxdp left"), 1,
			     "the killed daemon's nad_xdp leaves the dispatcher");
	flood(TB_ATK_NS, "-S -p 80", 2);
	cr_assert_lt(mono_ns(), expires, "the second flood ended before the rule's expiry");
	d1 = lb_status_u64("dropped_rule");
	cr_expect_gt(d1, 0, "the kept rule drops while it lives");
	while (mono_ns() < expires + NS_PER_S)
		usleep(100000);
	in1 = lb_status_u64("pkts_in");
	flood(TB_ATK_NS, "-S -p 80", 2);
	d2 = lb_status_u64("dropped_rule");
	in2 = lb_status_u64("pkts_in");
	cr_expect_gt(in2, in1 + 1000, "the third flood reached the interface");
	cr_expect_eq(d2, d1, "nothing dropped after the expiry (%llu -> %llu)",
		     (unsigned long long)d1, (unsigned long long)d2);
	cr_expect(drop_rule(ATK_IP "/32", NULL), "the expired rule is still in the map");
	lb_stop(&lb);
	cr_expect_not(lb_pinned(), "nothing pinned after a clean exit");
	fprintf(stderr, "faults expiry: %llu dropped while the rule lived, none after\n",
		(unsigned long long)d1);
}

/* Steady benign traffic : the client pings the monitored host. */
static void ping_along(int secs)
{
	tb_sh(NSX(TB_CLI_NS) "ping -q -i 0.005 -w %d " MON_IP " >/dev/null 2>&1 &", secs);
}

/* A tmpfs of size_kb at workdir/name, where filler_kb are taken already; its path. */
static const char *small_disk(const char *name, int size_kb, int filler_kb)
{
	char opts[32], *dir = NULL;

	for (size_t i = 0; i < sizeof(mounted) / sizeof(mounted[0]) && !dir; i++)
		if (!mounted[i][0])
			dir = mounted[i];
	cr_assert_not_null(dir);
	snprintf(dir, sizeof(mounted[0]), "%s", lb_path(&lb, name));
	cr_assert_eq(tb_sh("mkdir -p '%s'", dir), 0);
	snprintf(opts, sizeof(opts), "size=%dk", size_kb);
	cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, opts), 0, "tmpfs on %s", dir);
	if (filler_kb)
		cr_assert_eq(tb_sh("head -c %dk /dev/zero >'%s/filler'", filler_kb, dir), 0);
	return dir;
}

/* An integer of a fresh /api/state, or -1. */
static int64_t state_int(const char *path)
{
	char *body = lb_http_get(&lb, HTTP_PORT, "/api/state");
	struct json_object *state = json_tokener_parse(body), *v = dashstate_json_get(state, path);
	int64_t n = v ? json_object_get_int64(v) : -1;

	json_object_put(state);
	free(body);
	return n;
}

/* Whether /api/state lists an alert of class cls from src. */
static bool state_has_alert(const char *cls, const char *src)
{
	char *body = lb_http_get(&lb, HTTP_PORT, "/api/state");
	struct json_object *state = json_tokener_parse(body), *arr;
	bool found = false;

	free(body);
	if (json_object_object_get_ex(state, "alerts", &arr))
		for (size_t i = 0; i < json_object_array_length(arr) && !found; i++) {
			struct json_object *a = json_object_array_get_idx(arr, i);

			found = !strcmp(lb_jstr(a, "class", NULL), cls) &&
				!strcmp(lb_jstr(a, "src", NULL), src);
		}
	json_object_put(state);
	return found;
}

/*
 * The EVE log on a disk that fills up (a 12 KB tmpfs with 8 KB taken; a summary every
 * second fills the rest): one line says so (again only after an event was written in
 * between), and detection goes on: alerts still reach the console and the dashboard,
 * whose state still moves; the log keeps whole lines.
 */
Test(faults, a_full_disk_for_the_eve_log_is_reported_once_and_detection_goes_on, .timeout = 120)
{
	const char *full;
	struct json_object *ev;
	char log[300], again[300];
	int64_t pkts, alerts;
	size_t n_failed;

	bed_up();
	full = small_disk("full", 12, 8);
	snprintf(log, sizeof(log), "%s/eve.json", full);
	start("--no-train", "--log", log, "--models", lb.workdir, "--summary-interval", "1",
	      "--http", "127.0.0.1:" HTTP_PORT, NULL);
	ping_along(60);
	cr_assert(log_wait("Failed to write", 1, 20), "the log fills up: %s",
		  lb_slurp(lb_path(&lb, "daemon.log")));
	pkts = state_int("kernel.packets.in");
	alerts = state_int("totals.alerts");

	flood(TB_ATK_NS, "-S -p 80", 2);
	sleep(2);
	cr_expect(state_has_alert("dos_attack", ATK_IP), "the flood in the dashboard");
	flood(TB_CLI_NS, "--icmp", 2);
	sleep(2);
	cr_expect(state_has_alert("dos_attack", CLI_IP), "a later flood in the dashboard too");
	cr_expect_gt(state_int("kernel.packets.in"), pkts + 1000, "the state moves");
	cr_expect_geq(state_int("totals.alerts"), alerts + 2);
	cr_expect_geq(log_count("dos_attack"), 2, "the alerts' console lines");
	lb_stop(&lb);

	snprintf(log, sizeof(log), "Failed to write %s/eve.json: No space left on device", full);
	snprintf(again, sizeof(again), "Writing %s/eve.json again", full);
	/*
	 * Said once while it fails: a shorter event (a mitigation) may still fit in what the
	 * cut-off longer one (a summary) left, and is said as written, so a later failure is a
	 * new one; never two failure lines without one in between.
	 */
	cr_expect(said_once_per_failure(log, again, &n_failed), "said once: %s",
		  lb_slurp(lb_path(&lb, "daemon.log")));
	cr_expect_geq(n_failed, 1);
	cr_expect_eq(log_count("Failed to write"), n_failed, "nothing else fails");
	ev = lb_eve(&lb, "full/eve.json"); /* every line parses: no half line */
	cr_expect_gt(json_object_array_length(ev), 0, "events written until the disk was full");
	fprintf(stderr, "faults full log: %zu events written, then one line: %s\n",
		json_object_array_length(ev), log);
	json_object_put(ev);
}

/* The model generation of the last summary in workdir/eve.json (0 if none yet). */
static uint64_t model_generation(void)
{
	char *text = lb_slurp(lb_path(&lb, "eve.json")), *p = text, *last = NULL;
	uint64_t g = 0;

	while ((p = strstr(p, "\"model_generation\":")))
		last = p++;
	if (last)
		g = strtoull(last + strlen("\"model_generation\":"), NULL, 10);
	free(text);
	return g;
}

static bool generation_wait(uint64_t g, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (model_generation() >= g)
			return true;
		usleep(100000);
	}
	return false;
}

/* Retraining every 2 s from models_dir, summaries every second to workdir/eve.json. */
static void start_retraining(const char *models_dir)
{
	start("--log", lb_path(&lb, "eve.json"), "--models", models_dir, "--retrain-interval", "2",
	      "--summary-interval", "1", NULL);
}

/*
 * A models folder on a full disk: every retrain's model runs (the generation goes on),
 * the failure to save it is said once, and the file there stays the one it was.
 */
Test(faults, a_retrain_that_cannot_save_runs_its_model_and_says_so_once, .timeout = 120)
{
	const char *models;

	bed_up();
	models = small_disk("models", 256, 0);
	cr_assert_eq(tb_sh("cp '%s' '%s/nadxdp.model'", cmd_repo_path("models/default.model"),
			   models),
		     0);
	tb_sh("head -c 1M /dev/zero >'%s/filler' 2>/dev/null", models); /* until it is full */
	start_retraining(models);
	ping_along(60);
	cr_assert(generation_wait(4, 60), "three retrains published (generation %llu): %s",
		  (unsigned long long)model_generation(), lb_slurp(lb_path(&lb, "daemon.log")));
	cr_expect_eq(log_count("Failed to save the trained model"), 1, "said once: %s",
		     lb_slurp(lb_path(&lb, "daemon.log")));
	cr_expect_eq(tb_sh("cmp -s '%s' '%s/nadxdp.model'", cmd_repo_path("models/default.model"),
			   models),
		     0, "the model on disk is untouched");
	lb_stop(&lb);
}

/* `nadxdp --pcap` with the model in dir: 0 if it loads, else its exit code and stderr. */
static int model_loads(const char *dir, char *err, size_t len)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(),
			 "--pcap",
			 (char *)cmd_repo_path("tests/data/bruteforce_ssh_zeek_sshguess.pcap"),
			 "--models",
			 (char *)dir,
			 "--no-train",
			 "--quiet",
			 "--summary-interval",
			 "0",
			 NULL };
	int st = cmd_run_err(argv, err, len);

	cr_assert_geq(st, 0);
	return st;
}

/*
 * The model file replaced by garbage while the daemon runs: nothing reads it until the
 * next retrain replaces it whole (a temporary file renamed over it, also when the
 * garbage lands during a retrain), so the running model goes on; at the next start, a
 * garbage file is refused in one line, and the daemon does not start on a model it
 * cannot read.
 */
Test(faults, a_model_file_replaced_by_garbage_is_refused_and_the_running_model_goes_on,
     .timeout = 150)
{
	char models[256], path[300], err[1024];
	uint64_t g;
	struct cmd_result r;

	bed_up();
	snprintf(models, sizeof(models), "%s", lb_path(&lb, "models"));
	snprintf(path, sizeof(path), "%s/nadxdp.model", models);
	cr_assert_eq(tb_sh("mkdir -p '%s' && cp '%s' '%s'", models,
			   cmd_repo_path("models/default.model"), path),
		     0);
	start_retraining(models);
	ping_along(60);
	cr_assert(generation_wait(2, 60), "a first retrain");
	cr_assert_eq(tb_sh("head -c 8192 /dev/urandom >'%s'", path), 0);
	cr_expect_neq(model_loads(models, err, sizeof(err)), 0, "garbage does not load");
	g = model_generation();
	cr_expect(generation_wait(g + 2, 60), "the retrains go on (generation %llu -> %llu)",
		  (unsigned long long)g, (unsigned long long)model_generation());
	cr_expect_eq(model_loads(models, err, sizeof(err)), 0,
		     "a later retrain saved a whole model over the garbage: %s", err);
	lb_stop(&lb);
	/* after the stop: a retrain still running at the stop saves its model over it */
	cr_assert_eq(tb_sh("head -c 8192 /dev/urandom >'%s'", path), 0);

	{
		char *argv[] = { "nsenter",    "--net=/run/netns/" TB_MON_NS,
				 "--",	       (char *)cmd_nadxdp_bin(),
				 "run",	       TB_MON_IF,
				 "--models",   models,
				 "--duration", "5",
				 "-q",	       NULL };

		cr_assert_eq(cmd_run(argv, &r), 0);
	}
	cr_expect_eq(r.status, 1, "refused to start: exit %d, %s", r.status, r.err);
	snprintf(err, sizeof(err), "Failed to load %s", path);
	cr_expect_not_null(strstr(r.err, err), "%s", r.err);
	cr_expect_eq(cmd_count_lines(r.err), 1, "one line: %s", r.err);
	cr_expect_not(lb_pinned(), "nothing left by the refused start");
	cr_expect_not(attached());
	fprintf(stderr, "faults garbage model: %s", r.err);
	cmd_result_free(&r);
}
