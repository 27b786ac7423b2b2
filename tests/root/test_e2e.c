// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_e2e.c - nadxdp on the namespace test bed, end to end.
 *
 * A bundled capture is replayed with tcpreplay from the client namespace
 * into the monitored interface (destination MAC rewritten to it) while
 * `nadxdp run` is attached there with --dump-features. Then:
 *   - the kernel's ingress packet counter equals the number replayed (the
 *     test bed is quiet: static neighbours, no IPv6, no flooding);
 *   - every packet is in a record or carried by a record's weight:
 *     recs_emitted + recs_shed == pkts_in + pkts_out;
 *   - every committed record reached userspace: CSV rows == recs_emitted;
 *   - live rows carry the same features as `nadxdp features` on the same
 *     capture (interval and ts aside: they are times of the replay), taken
 *     in the order of their kernel times (the ring's order is the order the
 *     CPUs commit their stages in: rows_by_time).
 * This runs once per ingress hook: the default on a veth (TC), XDP in skb
 * mode and XDP in native mode. At TC, two crafted VLAN-tagged frames (one
 * tag, two tags) follow the same way: the test bed's bridge has moved the
 * outer tag into skb metadata, and the record must still count it as the
 * offline parser does. (XDP cannot see such a tag: see docs/architecture.md.)
 * A second test blocks the capture's whole /24 (client and server) with
 * `nadxdp rules add` and allowlists the server with `nadxdp rules allow add`
 * on the running daemon: every client packet is dropped and counted on the
 * rule, every server packet is saved by the allowlist (which wins over the
 * rule) and counted there, and `rules del` removes the rule: at TC (the
 * default on a veth) and in native XDP.
 *
 * The test runs in a private mount namespace with its own bpffs and /run
 * (Criterion gives each test its own process): the daemon's pins and
 * instance file never meet a real instance, and the test bed's namespaces
 * are private too. The test bed is torn down in .fini, failure or not.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "helpers/cmd_run.h"
#include "helpers/pktcases.h"
#include "helpers/testbed_ns.h"

#define TB_PREFIX "nxe2e" NADXDP_TB_TAG
#define TB_MON_NS TB_PREFIX "-mon"
#define TB_CLI_NS TB_PREFIX "-cli"
#define TB_MON_IF TB_PREFIX "0"
#define TB_MON_MAC "02:4e:41:44:00:01"
#define TB_CLI_MAC "02:4e:41:44:00:02"
#define REPLAY_PCAP "tests/data/bruteforce_ssh_zeek_sshguess.pcap"
#define REPLAY_N_PKTS 431
#define REPLAY_BYTES 84001 /* capinfos -d */
/* tshark -Y ip.src==...: packets and frame bytes per side of the capture */
#define CLIENT_IP "192.168.56.1"
#define CLIENT_PKTS 254
#define CLIENT_BYTES 46199
#define SERVER_IP "192.168.56.103"
/* The prefix holding both; the drop rule of the rule test covers it. */
#define BOTH_NET "192.168.56.0/24"
#define SERVER_PKTS 177
/* pktcases.c's VLAN frames, replayed after the capture */
static const char *const vlan_cases[] = { "vlan1_ip4_udp", "vlan2_ip4_tcp" };
#define N_VLAN (sizeof(vlan_cases) / sizeof(vlan_cases[0]))

static char workdir[64];
static pid_t daemon_pid = -1;
static bool testbed_made;

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void teardown(void)
{
	tb_teardown(&daemon_pid, testbed_made, TB_PREFIX, "", workdir);
}

TestSuite(e2e, .fini = teardown);

static struct cmd_result status_json(void)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "status", "--json", "--top", "0", NULL };
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "nadxdp status: %s", r.err);
	return r;
}

static uint64_t json_u64(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	cr_assert_not_null(p, "%s not in %s", key, json);
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return strtoull(p, NULL, 10);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Copies field i (0-based) of a CSV line into out. */
static void csv_field(const char *line, int i, char *out, size_t len)
{
	const char *p = line, *end;

	for (int k = 0; k < i && p; k++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	cr_assert_not_null(p);
	end = p + strcspn(p, ",\n");
	snprintf(out, len, "%.*s", (int)(end - p), p);
}

static char replay_pcap[128], vlan_pcap[128], live_csv[128], daemon_log[128];
/* Packets replayed into the monitored interface since the daemon started. */
static uint64_t n_replayed;

/* Writes the VLAN cases to path (a pcap) unless NULL; returns their bytes on the wire. */
static uint64_t vlan_frames(const char *path)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = NULL;
	uint64_t bytes = 0;

	cr_assert_not_null(p);
	if (path) {
		d = pcap_dump_open(p, path);
		cr_assert_not_null(d, "%s: %s", path, pcap_geterr(p));
	}
	for (size_t i = 0; i < N_VLAN; i++) {
		const struct pkt_case *c = pkt_case_find(vlan_cases[i]);
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000, .tv_usec = (int)i } };
		struct pktb b;

		cr_assert_not_null(c, "%s", vlan_cases[i]);
		pktb_init(&b);
		c->build(&b);
		h.caplen = h.len = b.len;
		if (d)
			pcap_dump((u_char *)d, &h, b.buf);
		bytes += b.len;
	}
	if (d)
		pcap_dump_close(d);
	pcap_close(p);
	return bytes;
}

/*
 * Test bed up, captures rewritten for it, nadxdp attached to the monitored
 * interface with --mode mode (NULL: the default).
 */
static void start_bed_and_daemon(const char *mode)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, XDP, private bpffs");
	if (!have_tool("tcpreplay") || !have_tool("tcprewrite") || !have_tool("ping"))
		cr_skip_test("needs tcpreplay, tcprewrite and ping (scripts/install-deps.sh)");

	snprintf(workdir, sizeof(workdir), "/tmp/nadxdp-e2e-XXXXXX");
	cr_assert_not_null(mkdtemp(workdir));
	snprintf(replay_pcap, sizeof(replay_pcap), "%s/replay.pcap", workdir);
	snprintf(vlan_pcap, sizeof(vlan_pcap), "%s/vlan.pcap", workdir);
	snprintf(live_csv, sizeof(live_csv), "%s/live.csv", workdir);
	snprintf(daemon_log, sizeof(daemon_log), "%s/daemon.log", workdir);

	n_replayed = 0;
	tb_private_mounts("size=4m,mode=755");
	testbed_made = true;
	cr_assert_eq(tb_sh("NADX_PREFIX=" TB_PREFIX " bash '%s' up >/dev/null",
			   cmd_repo_path("scripts/testbed.sh")),
		     0, "test bed up");
	cr_assert_eq(tb_sh("tcprewrite --enet-dmac=" TB_MON_MAC " --enet-smac=" TB_CLI_MAC
			   " -i '%s' -o '%s'",
			   cmd_repo_path(REPLAY_PCAP), replay_pcap),
		     0);
	vlan_frames(vlan_pcap);
	cr_assert_eq(tb_sh("tcprewrite --enet-dmac=" TB_MON_MAC " --enet-smac=" TB_CLI_MAC
			   " -i '%s' -o '%s.tmp' && mv '%s.tmp' '%s'",
			   vlan_pcap, vlan_pcap, vlan_pcap, vlan_pcap),
		     0);

	{
		FILE *f = fopen(daemon_log, "w"); /* read below before the daemon writes */

		cr_assert_not_null(f, "%s: %s", daemon_log, strerror(errno));
		fclose(f);
	}
	daemon_pid = fork();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		if (!freopen(daemon_log, "w", stdout))
			_exit(126);
		dup2(fileno(stdout), 2);
		execlp("nsenter", "nsenter", "--net=/run/netns/" TB_MON_NS, "--", cmd_nadxdp_bin(),
		       "run", TB_MON_IF, "--duration", "90", "--dump-features", live_csv,
		       mode ? "--mode" : (char *)NULL, mode, (char *)NULL);
		_exit(127);
	}
	/*
	 * Ready once it says it monitors: attached at both hooks and reading the ring (its
	 * maps are pinned before it attaches, so a pin alone says too little).
	 */
	for (int i = 0; i < 300; i++) {
		char *l = slurp(daemon_log);
		bool up = strstr(l, "monitoring " TB_MON_IF) != NULL;

		free(l);
		if (up)
			return;
		cr_assert_eq(waitpid(daemon_pid, NULL, WNOHANG), 0, "nadxdp exited early: %s",
			     slurp(daemon_log));
		usleep(100000);
	}
	cr_assert_fail("nadxdp did not start: %s", slurp(daemon_log));
}

/*
 * Replays pcap (n packets) once from the client namespace, then waits until the
 * kernel has counted every packet replayed so far and no record waits in a CPU's
 * stage (its timer commits it within NAD_STAGE_FLUSH_NS; later under load): the
 * counters read next are final. Gives up after 30 s, and the test's counts say why.
 */
static void replay_file(const char *pcap, int n)
{
	cr_assert_eq(tb_sh("nsenter --net=/run/netns/" TB_CLI_NS
			   " tcpreplay -q -i cli0 --pps 5000 '%s' >'%s/replay.log' 2>&1",
			   pcap, workdir),
		     0, "tcpreplay");
	cr_assert_eq(tb_sh("grep -q 'Successful packets: *%d' '%s/replay.log'", n, workdir), 0,
		     "tcpreplay sent every packet");
	n_replayed += (uint64_t)n;
	for (int i = 0; i < 300; i++) {
		struct cmd_result r = status_json();
		bool settled = json_u64(r.out, "pkts_in") >= n_replayed &&
			       json_u64(r.out, "staged") == 0;

		cmd_result_free(&r);
		if (settled)
			break;
		usleep(100000);
	}
}

static void replay(void)
{
	replay_file(replay_pcap, REPLAY_N_PKTS);
}

static void stop_daemon(void)
{
	tb_stop_daemon(&daemon_pid, daemon_log);
}

static struct cmd_result nadxdp3(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {
		(char *)cmd_nadxdp_bin(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL
	};
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	return r;
}

/*
 * Compares live CSV rows from *l on with offline rows from *o on, n rows, all
 * columns but the interval; advances both. what names the rows.
 */
static void expect_same_rows(const char **l, const char **o, int n, const char *what)
{
	int row = 0;

	for (; **l && **o && row < n; row++) {
		for (int col = 1; col < 14; col++) {
			char a[64], b[64];

			if (col == 8) /* interval: replay timing, not capture timing */
				continue;
			csv_field(*l, col, a, sizeof(a));
			csv_field(*o, col, b, sizeof(b));
			cr_expect_str_eq(a, b, "%s row %d column %d: live %s, offline %s", what,
					 row, col, a, b);
		}
		*l = strchr(*l, '\n') + 1;
		*o = strchr(*o, '\n') + 1;
	}
	cr_expect_eq(row, n, "%s rows", what);
}

struct csv_row {
	const char *line;
	double ts;
	size_t i;
};

static int cmp_row_time(const void *a, const void *b)
{
	const struct csv_row *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The live CSV with its rows in the order of their records' kernel time (column 0),
 * rows of equal time in file order; malloc'd. Records reach the ring in the order
 * the CPUs commit their stages, not the order of their packets: when the replay
 * moves to another CPU, the records it left in the first CPU's stage wait there for
 * the stage's timer (NAD_STAGE_FLUSH_NS) while the second CPU commits full stages,
 * so a block of up to NAD_STAGE_RECS rows comes up to 10 ms late (a loaded machine
 * moves the replay often). Each record carries the time its packet met the hook,
 * and one sender replays the capture one packet after the other: in time order the
 * rows are the capture's packets in its order. *n_late: the rows where the file
 * goes back in time, each the first of a block that came late.
 */
static char *rows_by_time(const char *csv, size_t *n_late)
{
	const char *body = strchr(csv, '\n') + 1, *p;
	size_t n = cmd_count_lines(body), k = 0, len = strlen(csv);
	struct csv_row *rows = calloc(n + 1, sizeof(*rows));
	char *out = malloc(len + 2), *w;

	cr_assert(rows && out);
	*n_late = 0;
	for (p = body; *p && k < n; p = strchr(p, '\n') + 1, k++) {
		rows[k] = (struct csv_row){ .line = p, .ts = strtod(p, NULL), .i = k };
		*n_late += k && rows[k].ts < rows[k - 1].ts;
	}
	qsort(rows, k, sizeof(*rows), cmp_row_time);
	w = out + (body - csv);
	memcpy(out, csv, (size_t)(body - csv));
	for (size_t i = 0; i < k; i++) {
		size_t l = strcspn(rows[i].line, "\n");

		memcpy(w, rows[i].line, l);
		w += l;
		*w++ = '\n';
	}
	*w = '\0';
	free(rows);
	return out;
}

/*
 * Replays the capture, then (with vlan) the VLAN frames, into nadxdp --mode
 * mode; want: the hook it gets.
 */
static void replay_counted_recorded_featured(const char *mode, const char *want, bool vlan)
{
	char offline_csv[160], vlan_csv[160];
	struct cmd_result s0, s1;
	uint64_t pkts_in, pkts_out, emitted, shed, pending, dropped, vlan_bytes = 0;
	uint64_t n_vlan = vlan ? N_VLAN : 0;
	char *live, *off, *voff;

	start_bed_and_daemon(mode);
	snprintf(offline_csv, sizeof(offline_csv), "%s/offline.csv", workdir);
	snprintf(vlan_csv, sizeof(vlan_csv), "%s/vlan.csv", workdir);
	s0 = status_json();
	cr_expect_eq(json_u64(s0.out, "pkts_in"), 0, "the test bed is quiet before the replay");
	cr_expect_not_null(strstr(s0.out, want), "ingress hook %s: %s", want, s0.out);
	replay();
	if (vlan) {
		replay_file(vlan_pcap, N_VLAN);
		vlan_bytes = vlan_frames(NULL);
	}
	s1 = status_json();
	stop_daemon();

	pkts_in = json_u64(s1.out, "pkts_in");
	pkts_out = json_u64(s1.out, "pkts_out");
	emitted = json_u64(s1.out, "recs_emitted");
	shed = json_u64(s1.out, "recs_shed");
	pending = json_u64(s1.out, "pending");
	dropped = json_u64(s1.out, "dropped_rule");
	cr_expect_eq(pkts_in, REPLAY_N_PKTS + n_vlan,
		     "kernel ingress counter == packets replayed (%s)", s1.out);
	cr_expect_eq(json_u64(s1.out, "bytes_in"), REPLAY_BYTES + vlan_bytes, "wire bytes");
	cr_expect_eq(emitted + shed + dropped, pkts_in + pkts_out,
		     "every packet has a record or is carried by a weight (%s)", s1.out);
	cr_expect_leq(pending, shed);

	live = slurp(live_csv);
	cr_expect_eq(cmd_count_lines(live), emitted + 1,
		     "every committed record reached the CSV (header + %llu rows)",
		     (unsigned long long)emitted);

	/*
	 * Same features live and offline, packet by packet (when nothing was shed), the
	 * live rows in the order of their packets (rows_by_time).
	 */
	cr_assert_eq(tb_sh("'%s' features --pcap '%s' --out '%s'", cmd_nadxdp_bin(), replay_pcap,
			   offline_csv),
		     0);
	cr_assert_eq(tb_sh("'%s' features --pcap '%s' --out '%s'", cmd_nadxdp_bin(), vlan_pcap,
			   vlan_csv),
		     0);
	off = slurp(offline_csv);
	voff = slurp(vlan_csv);
	cr_expect_eq(shed, 0, "431 packets at 5000 pps shed nothing");
	cr_expect_eq(pkts_out, 0, "the monitored host answered nothing");
	if (shed == 0 && pkts_out == 0) {
		size_t n_late;
		char *timed = rows_by_time(live, &n_late);
		const char *l = strchr(timed, '\n') + 1, *o = strchr(off, '\n') + 1;

		cr_assert_eq(strncmp(live, off, (size_t)(strchr(off, '\n') - off)), 0,
			     "same header");
		expect_same_rows(&l, &o, REPLAY_N_PKTS, "capture");
		o = strchr(voff, '\n') + 1;
		expect_same_rows(&l, &o, (int)n_vlan, "VLAN frames");
		fprintf(stderr, "e2e %s: %llu rows, %zu late block%s put back in time order\n",
			mode ? mode : "tc", (unsigned long long)emitted, n_late,
			n_late == 1 ? "" : "s");
		free(timed);
	}
	free(live);
	free(off);
	free(voff);
	cmd_result_free(&s0);
	cmd_result_free(&s1);
}

Test(e2e, replayed_capture_is_counted_recorded_and_featured_like_offline_at_tc, .timeout = 120)
{
	replay_counted_recorded_featured(NULL, "\"xdp_mode\":\"tc\"", true);
}

Test(e2e, replayed_capture_is_counted_recorded_and_featured_like_offline_in_xdp_skb_mode,
     .timeout = 120)
{
	replay_counted_recorded_featured("skb", "\"xdp_mode\":\"skb\"", false);
}

Test(e2e, replayed_capture_is_counted_recorded_and_featured_like_offline_in_native_xdp,
     .timeout = 120)
{
	replay_counted_recorded_featured("native", "\"xdp_mode\":\"native\"", false);
}

static void manual_rule_and_allowlist(const char *mode)
{
	struct cmd_result r, s1;
	char *list;

	start_bed_and_daemon(mode);
	r = nadxdp3("rules", "add", BOTH_NET, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = nadxdp3("rules", "allow", "add", SERVER_IP "/32");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);

	replay();
	s1 = status_json();
	cr_expect_eq(json_u64(s1.out, "pkts_in"), REPLAY_N_PKTS, "%s", s1.out);
	cr_expect_eq(json_u64(s1.out, "dropped_rule"), CLIENT_PKTS, "%s", s1.out);
	cr_expect_eq(json_u64(s1.out, "allowed_rule"), SERVER_PKTS, "%s", s1.out);
	cr_expect_eq(json_u64(s1.out, "recs_emitted") + json_u64(s1.out, "recs_shed") +
			     json_u64(s1.out, "dropped_rule"),
		     json_u64(s1.out, "pkts_in") + json_u64(s1.out, "pkts_out"), "%s", s1.out);
	cmd_result_free(&s1);

	r = nadxdp3("rules", "list", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	list = r.out;
	{
		/* {"kind":"drop","cidr":"192.168.56.0/24","origin":"manual",...,"hits":254,"bytes":46199 */
		const char *d = strstr(list, "\"cidr\":\"" BOTH_NET "\"");
		const char *a = strstr(list, "\"cidr\":\"" SERVER_IP "/32\"");

		cr_assert_not_null(d, "%s", list);
		cr_assert_not_null(a, "%s", list);
		cr_expect_eq(json_u64(d, "hits"), CLIENT_PKTS, "%s", list);
		cr_expect_eq(json_u64(d, "bytes"), CLIENT_BYTES, "%s", list);
		cr_expect_eq(json_u64(a, "hits"), SERVER_PKTS, "%s", list);
	}
	cmd_result_free(&r);

	r = nadxdp3("rules", "del", BOTH_NET, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = nadxdp3("rules", "list", NULL, NULL);
	cr_expect_null(strstr(r.out, BOTH_NET), "%s", r.out);
	cr_expect_not_null(strstr(r.out, SERVER_IP "/32"), "%s", r.out);
	cmd_result_free(&r);

	/* without the rule, the client's packets pass again */
	replay();
	s1 = status_json();
	cr_expect_eq(json_u64(s1.out, "pkts_in"), 2 * REPLAY_N_PKTS, "%s", s1.out);
	cr_expect_eq(json_u64(s1.out, "dropped_rule"), CLIENT_PKTS, "no new drops: %s", s1.out);
	cmd_result_free(&s1);
	stop_daemon();
}

Test(e2e, manual_rule_drops_its_source_and_allowlist_is_counted_at_tc, .timeout = 120)
{
	manual_rule_and_allowlist(NULL);
}

Test(e2e, manual_rule_drops_its_source_and_allowlist_is_counted_in_native_xdp, .timeout = 120)
{
	manual_rule_and_allowlist("native");
}
