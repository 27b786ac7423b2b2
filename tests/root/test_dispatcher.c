// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_dispatcher.c - nadxdp beside other XDP programs: in libxdp's
 * dispatcher with xdp-filter (already there, or loaded after nadxdp),
 * first, both filtering, and xdp-filter left attached and working when
 * nadxdp stops, also after a killed nadxdp; beside an XDP program it cannot
 * join, a refusal naming it that leaves everything as it was, and TC mode,
 * which runs after it.
 *
 * The dispatcher tests skip on kernels that cannot chain XDP programs
 * (freplace refused, see dispatcher_probe()); there libxdp itself loads
 * xdp-filter alone, and nadxdp takes its own link on a free interface (the
 * loader suite covers that). The refusal is tested everywhere with an
 * xdp-filter that libxdp loads without its dispatcher
 * (LIBXDP_SKIP_DISPATCHER=1).
 *
 * Like test_loader.c, each test runs in a private mount namespace (own
 * bpffs, which libxdp pins into, and /run) and a private network
 * namespace with one veth pair (nxdp0/nxdp1, 198.18.78.0/24); frames are
 * sent into nxdp0 from nxdp1 with an AF_PACKET socket.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/dispatcher.h"
#include "capture/loader.h"
#include "common/log.h"
#include "helpers/cmd_run.h"
#include "helpers/pktbuild.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"

#define IFNAME "nxdp0"
#define PEER "nxdp1"
#define FILTERED PKTB_IP4(198, 18, 6, 9) /* xdp-filter drops it */
#define RULED PKTB_IP4(198, 18, 5, 9) /* nadxdp's drop rule takes it */
#define CLEAN PKTB_IP4(198, 18, 7, 9)
#define N_FRAMES 20

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: BPF, XDP, private bpffs and network namespace");
	if (system("command -v xdp-filter >/dev/null && command -v xdp-loader >/dev/null"))
		cr_skip_test("needs xdp-tools (xdp-filter, xdp-loader): make deps");
	cr_assert_eq(unshare(CLONE_NEWNS | CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), 0, "bpffs: %s", strerror(errno));
	cr_assert_eq(mount("tmpfs", "/run", "tmpfs", 0, "size=1m,mode=755"), 0);
	/* pktb_eth()'s destination MAC on nxdp0, so frames from the peer are for us. */
	cr_assert_eq(system("ip link add " IFNAME
			    " address 02:00:00:00:00:02 type veth peer name " PEER
			    " && ip addr add 198.18.78.1/24 dev " IFNAME " && ip link set " IFNAME
			    " up && ip link set " PEER " up"),
		     0, "veth pair in the private network namespace");
	log_set_level(LOG_WARN);
}

TestSuite(dispatcher, .init = setup);

static void need_chaining(void)
{
	int err = dispatcher_probe();

	if (err)
		cr_skip_test("this kernel cannot chain XDP programs (freplace: %s)",
			     strerror(-err));
}

/* Runs a shell command; its exit code. */
static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* xdp-filter in skb mode on IFNAME, dropping FILTERED; alone (no dispatcher) if legacy. */
static void load_xdp_filter(bool legacy)
{
	cr_assert_eq(sh(legacy ? "LIBXDP_SKIP_DISPATCHER=1 xdp-filter load --mode skb " IFNAME
				 " >/dev/null 2>&1" :
				 "xdp-filter load --mode skb " IFNAME " >/dev/null 2>&1"),
		     0, "xdp-filter load");
	cr_assert_eq(sh("xdp-filter ip --mode src 198.18.6.9 >/dev/null"), 0, "xdp-filter ip");
}

/* `xdp-loader status IFNAME`, malloc'd. */
static char *loader_status(void)
{
	char *argv[] = { "xdp-loader", "status", IFNAME, NULL };
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "xdp-loader status: %s", r.err);
	free(r.err);
	return r.out;
}

/* The packets xdp-filter's rule on FILTERED has dropped (-1 if it is not listed). */
static long filter_hits(void)
{
	char *argv[] = { "xdp-filter", "status", NULL };
	struct cmd_result r;
	long hits = -1;
	const char *p;

	cr_assert_eq(cmd_run(argv, &r), 0);
	p = strstr(r.out, "198.18.6.9");
	if (p)
		sscanf(p, "198.18.6.9 src %ld", &hits);
	free(r.out);
	free(r.err);
	return hits;
}

/* Sends n UDP frames from saddr to nxdp0, in at nxdp0's ingress. */
static void send_frames(uint32_t saddr, int n)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct pktb b;
	int fd;

	pktb_init(&b);
	pktb_eth(&b, 0x0800);
	pktb_ip4(&b, 17, saddr, PKTB_IP4(198, 18, 78, 1), 0);
	pktb_udp(&b, 40000, 9);
	pktb_payload(&b, 32);
	pktb_finish(&b);
	to.sll_ifindex = (int)if_nametoindex(PEER);
	memcpy(to.sll_addr, b.buf, 6);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0, "AF_PACKET: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		cr_assert_eq(sendto(fd, b.buf, b.len, 0, (struct sockaddr *)&to, sizeof(to)),
			     (ssize_t)b.len, "sendto: %s", strerror(errno));
	close(fd);
	usleep(100000); /* veth delivers from a softirq */
}

/* nad_stats summed over CPUs. */
static struct nad_stats stats(struct loader *l)
{
	int n_cpus = libbpf_num_possible_cpus();
	struct nad_stats per[n_cpus], sum = { 0 };
	__u32 zero = 0;

	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(loader_skel(l)->maps.nad_stats), &zero, per),
		     0);
	for (int i = 0; i < n_cpus; i++) {
		sum.pkts[NAD_DIR_IN] += per[i].pkts[NAD_DIR_IN];
		sum.dropped_rule += per[i].dropped_rule;
	}
	return sum;
}

/* A drop rule for RULED's /24, as `nadxdp rules add` would write it. */
static void add_rule(struct loader *l)
{
	struct nad_lpm4_key k = { .prefixlen = 24, .addr = { 198, 18, 5, 0 } };
	struct nad_rule r = { .origin = NAD_ORIGIN_MANUAL };

	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(loader_skel(l)->maps.nad_drop4), &k, &r,
					 BPF_ANY),
		     0, "%s", strerror(errno));
}

/*
 * Both filter, nadxdp first: it counts every frame, drops RULED's (which
 * then never reach xdp-filter), and passes FILTERED's on to xdp-filter,
 * which drops them.
 */
static void expect_both_filter(struct loader *l)
{
	struct nad_stats before = stats(l), after;
	long hits = filter_hits();

	add_rule(l);
	send_frames(FILTERED, N_FRAMES);
	send_frames(RULED, N_FRAMES);
	send_frames(CLEAN, N_FRAMES);
	after = stats(l);
	cr_expect_geq(after.pkts[NAD_DIR_IN] - before.pkts[NAD_DIR_IN], 3 * N_FRAMES,
		      "nadxdp sees every frame, the ones xdp-filter drops too");
	cr_expect_eq(after.dropped_rule - before.dropped_rule, N_FRAMES, "nadxdp's rule drops");
	cr_expect_eq(filter_hits() - hits, N_FRAMES, "xdp-filter's rule drops what nadxdp passed");
}

/* The rows of `xdp-loader status` naming nad_xdp and xdp-filter, nad_xdp first. */
static void expect_listed_first(void)
{
	char *st = loader_status();
	const char *nad = strstr(st, "nad_xdp"), *filt = strstr(st, "xdpfilt_");

	cr_expect(strstr(st, "xdp_dispatcher"), "a dispatcher: %s", st);
	cr_expect(nad && filt && nad < filt, "nad_xdp runs before xdp-filter: %s", st);
	free(st);
}

/* After nadxdp left: xdp-filter alone in the dispatcher, still dropping. */
static void expect_filter_alone(void)
{
	char *st = loader_status();
	long hits = filter_hits();

	cr_expect(!strstr(st, "nad_xdp"), "nad_xdp removed: %s", st);
	cr_expect(strstr(st, "xdpfilt_"), "xdp-filter still attached: %s", st);
	free(st);
	send_frames(FILTERED, N_FRAMES);
	cr_expect_eq(filter_hits() - hits, N_FRAMES, "xdp-filter still drops");
}

static struct loader *start(enum loader_ingress_mode mode)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = mode };
	struct loader *l = loader_new(&o);

	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	return l;
}

/* Explicit skb mode, and auto, which on a veth means TC but beside XDP programs joins them. */
Test(dispatcher, joins_xdp_filter_first_and_leaves_it_attached)
{
	static const enum loader_ingress_mode modes[] = { LOADER_XDP_SKB, LOADER_INGRESS_AUTO };

	need_chaining();
	load_xdp_filter(false);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct loader *l = start(modes[i]);

		cr_expect_str_eq(loader_xdp_attach(l), "dispatcher");
		cr_expect_str_eq(loader_ingress_mode_name(l), "skb");
		expect_listed_first();
		expect_both_filter(l);
		loader_free(l);
		expect_filter_alone();
		cr_expect_neq(access(NAD_PIN_DIR, F_OK), 0, "nothing of nadxdp's pinned");
	}
}

Test(dispatcher, xdp_filter_loaded_after_nadxdp_joins_it)
{
	struct loader *l;
	char *st;

	need_chaining();
	l = start(LOADER_XDP_SKB);
	cr_expect_str_eq(loader_xdp_attach(l), "dispatcher");
	load_xdp_filter(false);
	expect_listed_first();
	expect_both_filter(l);
	loader_free(l);
	expect_filter_alone();
	cr_assert_eq(sh("xdp-filter unload " IFNAME " >/dev/null 2>&1"), 0);
	st = loader_status();
	cr_expect(!strstr(st, "xdp_dispatcher"), "the last program took the dispatcher: %s", st);
	free(st);
}

Test(dispatcher, alone_in_the_dispatcher_leaves_nothing_attached)
{
	struct loader *l;
	char *st;

	need_chaining();
	l = start(LOADER_XDP_NATIVE);
	cr_expect_str_eq(loader_xdp_attach(l), "dispatcher");
	cr_expect_str_eq(loader_ingress_mode_name(l), "native");
	loader_free(l);
	st = loader_status();
	cr_expect(!strstr(st, "xdp_dispatcher") && !strstr(st, "nad_xdp"), "%s", st);
	free(st);
	cr_expect_neq(access(NAD_PIN_DIR, F_OK), 0, "nothing pinned");
}

Test(dispatcher, a_killed_instance_is_removed_by_the_next_start)
{
	struct loader *l;
	pid_t pid;
	int wst;
	char *st;

	need_chaining();
	load_xdp_filter(false);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };

		/* Dies attached: libxdp's pins keep its nad_xdp in the dispatcher. */
		raise(loader_new(&o) ? SIGKILL : SIGTERM);
	}
	cr_assert_eq(waitpid(pid, &wst, 0), pid);
	cr_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL, "the child attached");
	st = loader_status();
	cr_expect(strstr(st, "nad_xdp"), "the killed instance's nad_xdp stays: %s", st);
	free(st);

	l = start(LOADER_XDP_SKB);
	st = loader_status();
	cr_expect(strstr(st, "nad_xdp") && !strstr(strstr(st, "nad_xdp") + 1, "nad_xdp"),
		  "one nad_xdp, the new one: %s", st);
	free(st);
	expect_both_filter(l);
	loader_free(l);
	expect_filter_alone();
}

Test(dispatcher, mode_mismatch_is_refused_and_leaves_everything)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_NATIVE };
	char *st;

	need_chaining();
	load_xdp_filter(false);
	cr_assert_null(loader_new(&o), "native beside skb-mode programs");
	cr_expect_eq(errno, EBUSY, "%s", strerror(errno));
	cr_expect_neq(access(NAD_PIN_DIR, F_OK), 0, "nothing pinned");
	st = loader_status();
	cr_expect(!strstr(st, "nad_xdp") && strstr(st, "xdpfilt_"), "%s", st);
	free(st);
}

/* The instance file cannot be written: the start fails after attaching. */
Test(dispatcher, a_start_failing_after_attach_takes_nad_xdp_out_again)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };
	bool chain = !dispatcher_probe();
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char *st;

	if (chain)
		load_xdp_filter(false);
	cr_assert_eq(sh("mkdir -p " LOADER_INSTANCE_PATH "/in-the-way"), 0);
	cr_assert_null(loader_new(&o), "the instance file is a directory");
	cr_expect_neq(access(NAD_PIN_DIR, F_OK), 0, "nothing pinned");
	if (chain) {
		st = loader_status();
		cr_expect(!strstr(st, "nad_xdp") && strstr(st, "xdpfilt_"), "%s", st);
		free(st);
		return;
	}
	cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
	cr_expect_eq(q.prog_id, 0, "nothing attached");
}

/* loader_new() with stderr in a file: returns it, the warnings in *log (malloc'd). */
static struct loader *start_logged(enum loader_ingress_mode mode, char **log)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = mode };
	char path[] = "/tmp/nadxdp-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	struct loader *l;
	size_t len;

	cr_assert(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	l = loader_new(&o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*log = cmd_slurp(fd, &len);
	close(fd);
	return l;
}

Test(dispatcher, a_program_outside_a_dispatcher_is_refused_by_name)
{
	static const enum loader_ingress_mode modes[] = { LOADER_XDP_SKB, LOADER_XDP_NATIVE,
							  LOADER_INGRESS_AUTO };
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 filter_id;

	load_xdp_filter(true);
	cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
	filter_id = q.prog_id;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *log;
		struct loader *l = start_logged(modes[i], &log);

		cr_expect_null(l, "mode %d: refused", modes[i]);
		cr_expect_eq(errno, EBUSY, "%s", strerror(errno));
		cr_expect(strstr(log, "xdpfilt_") && strstr(log, "--mode tc"),
			  "one line naming the program and how to proceed: %s", log);
		cr_expect(strchr(log, '\n') && !strchr(log, '\n')[1], "one line: %s", log);
		free(log);
		loader_free(l);
		cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
		cr_expect_eq(q.prog_id, filter_id, "xdp-filter left as it was");
		cr_expect_neq(access(NAD_PIN_DIR, F_OK), 0, "nothing pinned");
	}
	/* And it still drops. */
	send_frames(FILTERED, N_FRAMES);
	cr_expect_eq(filter_hits(), N_FRAMES);
}

Test(dispatcher, tc_mode_runs_after_an_xdp_program)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct nad_stats before, after;
	struct loader *l;
	__u32 filter_id;

	load_xdp_filter(true);
	cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
	filter_id = q.prog_id;
	l = start(LOADER_TC);
	cr_expect_str_eq(loader_ingress_mode_name(l), "tc");
	cr_expect_str_eq(loader_xdp_attach(l), "none");
	before = stats(l);
	send_frames(FILTERED, N_FRAMES);
	send_frames(CLEAN, N_FRAMES);
	after = stats(l);
	cr_expect_eq(filter_hits(), N_FRAMES, "xdp-filter drops first");
	cr_expect_geq(after.pkts[NAD_DIR_IN] - before.pkts[NAD_DIR_IN], N_FRAMES,
		      "nadxdp sees what it passed");
	cr_expect_lt(after.pkts[NAD_DIR_IN] - before.pkts[NAD_DIR_IN], 2 * N_FRAMES,
		     "and not what it dropped");
	loader_free(l);
	cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
	cr_expect_eq(q.prog_id, filter_id, "xdp-filter left as it was");
}
