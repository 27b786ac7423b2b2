// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_service.c - nadxdp as the systemd unit runs it, on the namespace test bed:
 *   - started from a configuration file (interface, log, models...) with a flag over
 *     one of its settings, under setpriv with exactly the unit's capabilities (CAP_BPF,
 *     CAP_NET_ADMIN, CAP_PERFMON) and not root's uid, and under the kernel's
 *     memory-deny-write-execute (what MemoryDenyWriteExecute= enforces): it attaches,
 *     alerts on a SYN flood and drops it with a rule, and leaves nothing behind;
 *   - started as root with --user nobody on a bpffs of mode 0700 (as systemd mounts it):
 *     once attached it runs as nobody with no effective capability, still mitigates the
 *     flood, and its teardown (with the one capability it kept) leaves nothing pinned,
 *     attached or in /run/nadxdp.
 * Each test has its own private mount namespace and test bed, torn down in .fini.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "helpers/cmd_run.h"
#include "helpers/testbed_ns.h"

#define TB_PREFIX "nxsvc" NADXDP_TB_TAG
#define TB_MON_NS TB_PREFIX "-mon"
#define TB_ATK_NS TB_PREFIX "-atk"
#define TB_MON_IF TB_PREFIX "0"
#define MON_IP "198.18.0.1"
#define ATK_IP "198.18.0.3"
#define NSX(ns) "nsenter --net=/run/netns/" ns " -- "
#define NOBODY 65534
/* The unit's CapabilityBoundingSet/AmbientCapabilities (dist/nadxdp@.service). */
#define UNIT_CAPS "+bpf,+net_admin,+perfmon"
#define UNIT_CAPS_MASK ((1ULL << 39) | (1ULL << 38) | (1ULL << 12))
#define CAP_DAC_OVERRIDE_MASK (1ULL << 1)

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

static char workdir[64];
static pid_t daemon_pid = -1;
static bool testbed_made;

static void teardown(void)
{
	tb_teardown(&daemon_pid, testbed_made, TB_PREFIX, ">/dev/null 2>&1", workdir);
}

TestSuite(service, .fini = teardown);

static const char *wpath(const char *name)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", workdir, name);
	return p;
}

/* The file's text ("" if absent); read to the end, as /proc files have no size. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return strdup("");
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Root, the tools, a private bpffs and /run, the test bed, a work folder nobody can read. */
static void bed_up(void)
{
	static const char *const tools[] = { "hping3", "nsenter", "setpriv" };

	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, XDP, private bpffs");
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		if (tb_sh("command -v %s >/dev/null 2>&1", tools[i]))
			cr_skip_test("needs %s (scripts/install-deps.sh)", tools[i]);
	snprintf(workdir, sizeof(workdir), "/tmp/nadxdp-svc-XXXXXX");
	cr_assert_not_null(mkdtemp(workdir));
	cr_assert_eq(chmod(workdir, 0755), 0);
	tb_private_mounts("size=4m,mode=755");
	testbed_made = true;
	cr_assert_eq(tb_sh("NADX_PREFIX=" TB_PREFIX " bash '%s' up >/dev/null",
			   cmd_repo_path("scripts/testbed.sh")),
		     0, "test bed up");
	/* The EVE log, written by nobody in the first test (opened before any drop). */
	cr_assert_eq(tb_sh("install -o %d -m 0644 /dev/null '%s'", NOBODY, wpath("eve.json")), 0);
}

/* Writes the configuration file the daemon starts from; extra: more lines. */
static const char *write_config(const char *extra)
{
	FILE *f = fopen(wpath("nadxdp.conf"), "w");

	cr_assert_not_null(f);
	fprintf(f,
		"# the service's settings\n"
		"interface = " TB_MON_IF "\n"
		"mode = native\n"
		"log = %s\n"
		"models = %s\n"
		"no-train = yes\n"
		"summary-interval = 0\n"
		"%s",
		wpath("eve.json"), workdir, extra);
	fclose(f);
	return wpath("nadxdp.conf");
}

/*
 * Starts argv (a command line ending in nadxdp's) in the monitored namespace under the
 * kernel's memory-deny-write-execute; waits for "monitoring".
 */
static void start_daemon(char *const *argv)
{
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		if (!freopen(wpath("daemon.log"), "w", stdout))
			_exit(126);
		dup2(fileno(stdout), 2);
		/* What MemoryDenyWriteExecute= enforces; kept across exec (Linux 6.3). */
		if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0))
			fprintf(stderr, "prctl(PR_SET_MDWE): %s\n", strerror(errno));
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 150; i++) {
		char *l = slurp(wpath("daemon.log"));
		bool up = strstr(l, "monitoring " TB_MON_IF) != NULL;

		free(l);
		if (up)
			return;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "nadxdp exited early: %s",
			     slurp(wpath("daemon.log")));
		usleep(100000);
	}
	cr_assert_fail("nadxdp did not start: %s", slurp(wpath("daemon.log")));
}

/* A line "Key:\t..." of /proc/PID/status, parsed as numbers (hex for Cap*). */
static uint64_t proc_status(const char *key)
{
	char path[64], pat[32], *text, *p;
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)daemon_pid);
	text = slurp(path);
	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(text, pat);
	cr_assert_not_null(p, "%s not in %s", key, path);
	p += strlen(pat);
	v = strtoull(p, NULL, strncmp(key, "Cap", 3) ? 10 : 16);
	free(text);
	return v;
}

/* A 3 s SYN flood from the attacker; then the drop rule for it, with its hits. */
static uint64_t flood_and_rule_hits(void)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "rules", "list", "--json", NULL };
	struct json_object *o, *rules;
	struct cmd_result r;
	uint64_t hits = 0;
	bool found = false;

	tb_sh(NSX(TB_ATK_NS) "timeout -s INT 3 hping3 -S -p 80 --flood " MON_IP " >'%s' 2>&1",
	      wpath("hping.log"));
	sleep(1);
	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "rules list: %s", r.err);
	o = json_tokener_parse(r.out);
	cr_assert_not_null(o, "%s", r.out);
	cr_assert(json_object_object_get_ex(o, "rules", &rules));
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *e = json_object_array_get_idx(rules, i), *v;

		if (json_object_object_get_ex(e, "cidr", &v) &&
		    !strcmp(json_object_get_string(v), ATK_IP "/32") &&
		    json_object_object_get_ex(e, "hits", &v)) {
			found = true;
			hits = (uint64_t)json_object_get_int64(v);
		}
	}
	cr_expect(found, "a drop rule for " ATK_IP ": %s", r.out);
	json_object_put(o);
	cmd_result_free(&r);
	return hits;
}

/* After the stop: the alert and the rule in the EVE log, nothing pinned or attached. */
static void expect_alerted_and_clean(void)
{
	char *eve = slurp(wpath("eve.json"));

	cr_expect(strstr(eve, "\"dos_attack\"") != NULL, "a dos_attack alert: %s", eve);
	cr_expect(strstr(eve, "\"action\":\"install\"") != NULL, "a rule installed: %s", eve);
	cr_expect(strstr(eve, "\"why\":\"shutdown\"") != NULL, "the rule removed at exit");
	free(eve);
	cr_expect(access("/sys/fs/bpf/nadxdp", F_OK) != 0, "nothing pinned after exit");
	cr_expect(access("/run/nadxdp/instance", F_OK) != 0, "no instance file after exit");
	cr_expect_eq(tb_sh(NSX(TB_MON_NS) "ip link show dev " TB_MON_IF " | grep -q xdp"), 1,
		     "no XDP program left on " TB_MON_IF);
	cr_expect_eq(tb_sh(NSX(TB_MON_NS) "bpftool net show dev " TB_MON_IF " | grep -q nad_"), 1,
		     "no TC program left on " TB_MON_IF);
}

Test(service, runs_from_its_config_with_only_the_unit_capabilities_and_mitigates, .timeout = 180)
{
	char *argv[] = { "nsenter",
			 "--net=/run/netns/" TB_MON_NS,
			 "--",
			 "setpriv",
			 "--reuid=65534",
			 "--regid=65534",
			 "--clear-groups",
			 "--inh-caps=-all," UNIT_CAPS,
			 "--ambient-caps=-all," UNIT_CAPS,
			 "--bounding-set=-all," UNIT_CAPS,
			 "--",
			 (char *)cmd_nadxdp_bin(),
			 "run",
			 "--config",
			 NULL,
			 "--mode",
			 "skb",
			 "--duration",
			 "90",
			 NULL };
	char *inst;
	uint64_t hits;

	bed_up();
	argv[14] = (char *)write_config("");
	/* Not root: the run directory is the daemon's, as the unit's RuntimeDirectory=. */
	cr_assert_eq(tb_sh("install -d -o %d -m 0755 /run/nadxdp", NOBODY), 0);
	start_daemon(argv);
	cr_expect_eq(proc_status("Uid"), NOBODY);
	cr_expect_eq(proc_status("CapEff"), UNIT_CAPS_MASK, "exactly the unit's capabilities");
	cr_expect_eq(proc_status("CapBnd"), UNIT_CAPS_MASK);
	inst = slurp("/run/nadxdp/instance");
	cr_expect(strstr(inst, "ifname=" TB_MON_IF "\n") != NULL, "interface from the file: %s",
		  inst);
	cr_expect(strstr(inst, "xdp_mode=skb\n") != NULL, "--mode skb over mode = native: %s",
		  inst);
	free(inst);
	hits = flood_and_rule_hits();
	cr_expect_gt(hits, 0, "the rule dropped the flood");
	tb_stop_daemon(&daemon_pid, wpath("daemon.log"));
	expect_alerted_and_clean();
	fprintf(stderr, "service: unit capabilities only, rule hits %llu\n",
		(unsigned long long)hits);
}

Test(service, user_drops_privileges_after_attach_and_still_mitigates, .timeout = 180)
{
	char *argv[] = { "nsenter", "--net=/run/netns/" TB_MON_NS,
			 "--",	    (char *)cmd_nadxdp_bin(),
			 "run",	    "--config",
			 NULL,	    "--duration",
			 "90",	    NULL };
	char *log;
	uint64_t hits;

	bed_up();
	/* As systemd mounts it: root's, mode 0700 (not the sticky 1777 default). */
	cr_assert_eq(chmod("/sys/fs/bpf", 0700), 0);
	argv[6] = (char *)write_config("user = nobody\n");
	start_daemon(argv);
	cr_expect_eq(proc_status("Uid"), NOBODY, "runs as nobody once attached");
	cr_expect_eq(proc_status("Gid"), NOBODY);
	cr_expect_eq(proc_status("CapEff"), 0, "no effective capability");
	cr_expect_eq(proc_status("CapPrm"), CAP_DAC_OVERRIDE_MASK,
		     "only what the teardown needs is kept (XDP link, tcx)");
	hits = flood_and_rule_hits();
	cr_expect_gt(hits, 0, "the rule dropped the flood");
	tb_stop_daemon(&daemon_pid, wpath("daemon.log"));
	log = slurp(wpath("daemon.log"));
	cr_expect(strstr(log, "Failed") == NULL, "a clean teardown: %s", log);
	free(log);
	expect_alerted_and_clean();
	fprintf(stderr, "service: --user nobody, rule hits %llu\n", (unsigned long long)hits);
}
