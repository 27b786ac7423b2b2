// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_loader.c - the ingress hook each mode attaches (and that nothing
 * stays attached after loader_free), and the loader's rule maps across runs
 * (--keep-rules): kept when asked and holding rules, reused by the next
 * start, refused when a pinned map holding rules does not match, never
 * removed by a failed start.
 *
 * Each test runs (Criterion forks one process per test) in a private mount
 * namespace with its own bpffs and /run, and in a private network namespace
 * with one veth pair (nxkr0/nxkr1, 198.18.77.0/24): nothing meets a real
 * instance or another test bed, and the kernel deletes the network
 * namespace, the veths and any attachment when the test process exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/dispatcher.h"
#include "capture/loader.h"
#include "common/log.h"
#include "helpers/pktbuild.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"

#define IFNAME "nxkr0"
#define PIN(name) NAD_PIN_DIR "/" name

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: BPF, XDP, private bpffs and network namespace");
	cr_assert_eq(unshare(CLONE_NEWNS | CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), 0, "bpffs: %s", strerror(errno));
	cr_assert_eq(mount("tmpfs", "/run", "tmpfs", 0, "size=1m,mode=755"), 0);
	cr_assert_eq(system("ip link add " IFNAME " type veth peer name nxkr1 && "
			    "ip addr add 198.18.77.1/24 dev " IFNAME " && "
			    "ip link set " IFNAME " up && ip link set nxkr1 up"),
		     0, "veth pair in the private network namespace");
	log_set_level(LOG_WARN);
}

TestSuite(loader, .init = setup);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct loader *start(void)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };
	struct loader *l = loader_new(&o);

	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	return l;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static __u32 xdp_prog_id(void)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	cr_assert_eq(bpf_xdp_query((int)if_nametoindex(IFNAME), 0, &q), 0);
	return q.prog_id;
}

/* Ids of the programs on the interface's tcx hook (46 ingress, 47 egress); returns how many. */
static __u32 tcx_progs(int attach_type, __u32 *ids, __u32 max)
{
	__u32 cnt = max;

	cr_assert_eq(bpf_prog_query((int)if_nametoindex(IFNAME), (enum bpf_attach_type)attach_type,
				    0, NULL, ids, &cnt),
		     0, "tcx query: %s", strerror(errno));
	return cnt;
}

static __u32 prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len), 0);
	return info.id;
}

#define TCX_INGRESS 46
#define TCX_EGRESS 47

Test(loader, auto_mode_on_a_veth_takes_ingress_at_tc_and_free_detaches_all)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_INGRESS_AUTO };
	struct loader *l = loader_new(&o);
	__u32 ids[4];

	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	cr_expect_str_eq(loader_ingress_mode_name(l), "tc");
	cr_expect_str_eq(loader_xdp_attach(l), "none");
	cr_expect_eq(xdp_prog_id(), 0, "no XDP program");
	cr_assert_eq(tcx_progs(TCX_INGRESS, ids, 4), 1, "one program at TC ingress");
	cr_expect_eq(ids[0], prog_id(loader_skel(l)->progs.nad_tc_in));
	cr_assert_eq(tcx_progs(TCX_EGRESS, ids, 4), 1, "one program at TC egress");
	cr_expect_eq(ids[0], prog_id(loader_skel(l)->progs.nad_tc));
	loader_free(l);
	cr_expect_eq(tcx_progs(TCX_INGRESS, ids, 4), 0, "TC ingress detached");
	cr_expect_eq(tcx_progs(TCX_EGRESS, ids, 4), 0, "TC egress detached");
	cr_expect(!exists(NAD_PIN_DIR), "nothing pinned");
}

Test(loader, auto_mode_falls_back_to_tc_where_native_xdp_fails)
{
	struct loader_opts o = { .ifname = "lo", .mode = LOADER_INGRESS_AUTO };
	struct loader *l = loader_new(&o);

	/* The namespace's own loopback: no native XDP. */
	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	cr_expect_str_eq(loader_ingress_mode_name(l), "tc");
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR), "nothing pinned");
}

static __u32 ring_max_entries(struct loader *l)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(loader_skel(l)->maps.nad_events), &info,
					    &len),
		     0);
	return info.max_entries;
}

Test(loader, the_ring_takes_the_size_asked_and_sheds_from_half_of_it)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_INGRESS_AUTO };
	struct loader *l = loader_new(&o);

	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	cr_expect_eq(ring_max_entries(l), NAD_RINGBUF_BYTES, "the default");
	loader_free(l);
	o.ring_bytes = 16u << 20;
	l = loader_new(&o);
	cr_assert_not_null(l, "loader_new: %s", strerror(errno));
	cr_expect_eq(ring_max_entries(l), 16u << 20);
	cr_expect_eq(loader_skel(l)->rodata->nad_shed_bytes, 8u << 20);
	cr_expect_eq(loader_skel(l)->rodata->nad_rb_step_shift, 20, "steps of 1 MiB");
	loader_free(l);
	o.ring_bytes = 3u << 20;
	cr_expect_null(loader_new(&o), "not a power of two");
	cr_expect_eq(errno, EINVAL);
	cr_expect(!exists(NAD_PIN_DIR), "nothing pinned");
}

Test(loader, native_mode_without_driver_support_fails_and_leaves_nothing)
{
	struct loader_opts o = { .ifname = "lo", .mode = LOADER_XDP_NATIVE };
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	cr_assert_null(loader_new(&o));
	cr_expect_eq(errno, EOPNOTSUPP, "%s", strerror(errno));
	cr_assert_eq(bpf_xdp_query((int)if_nametoindex("lo"), 0, &q), 0);
	cr_expect_eq(q.prog_id, 0, "no XDP program on lo");
	cr_expect(!exists(NAD_PIN_DIR), "nothing pinned");
}

Test(loader, xdp_modes_take_ingress_at_xdp)
{
	static const struct {
		enum loader_ingress_mode mode;
		const char *want;
	} modes[] = { { LOADER_XDP_SKB, "skb" }, { LOADER_XDP_NATIVE, "native" } };
	__u32 ids[4];

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct loader_opts o = { .ifname = IFNAME, .mode = modes[i].mode };
		struct loader *l = loader_new(&o);

		cr_assert_not_null(l, "loader_new (%s): %s", modes[i].want, strerror(errno));
		cr_expect_str_eq(loader_ingress_mode_name(l), modes[i].want);
		/* Alone, through libxdp's dispatcher where the kernel can chain XDP programs. */
		cr_expect_str_eq(loader_xdp_attach(l), dispatcher_probe() ? "link" : "dispatcher");
		if (!strcmp(loader_xdp_attach(l), "link"))
			cr_expect_eq(xdp_prog_id(), prog_id(loader_skel(l)->progs.nad_xdp));
		else
			cr_expect_neq(xdp_prog_id(), 0, "the dispatcher");
		cr_expect_eq(tcx_progs(TCX_INGRESS, ids, 4), 0, "nothing at TC ingress");
		cr_expect_eq(tcx_progs(TCX_EGRESS, ids, 4), 1, "egress at TC");
		loader_free(l);
		cr_expect_eq(xdp_prog_id(), 0, "XDP detached");
		cr_expect_eq(tcx_progs(TCX_EGRESS, ids, 4), 0, "TC egress detached");
	}
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* 198.18.5.0/24 */
static const struct nad_lpm4_key rule_key = { .prefixlen = 24, .addr = { 198, 18, 5, 0 } };

static void put_rule(int fd, const struct nad_rule *r)
{
	cr_assert_eq(bpf_map_update_elem(fd, &rule_key, r, BPF_ANY), 0, "%s", strerror(errno));
}

/* Pins a map named name with the given sizes (a map of another build), optionally one entry. */
static int pin_foreign(const char *name, __u32 vsz, bool with_entry)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char path[128], val[64] = { 0 };
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, name, sizeof(struct nad_lpm4_key), vsz, 16,
				&opts);

	cr_assert_geq(fd, 0, "create %s: %s", name, strerror(errno));
	if (with_entry)
		cr_assert_eq(bpf_map_update_elem(fd, &rule_key, val, BPF_ANY), 0);
	mkdir(NAD_PIN_DIR, 0700);
	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, name);
	cr_assert_eq(bpf_obj_pin(fd, path), 0, "pin %s: %s", path, strerror(errno));
	return fd;
}

Test(loader, kept_rule_survives_exit_and_is_reused_by_the_next_start)
{
	struct nad_rule r = { .origin = NAD_ORIGIN_MANUAL }, got;
	struct loader *l = start();
	__u32 id;
	int fd;

	r.created_ns = mono_ns();
	r.expires_ns = r.created_ns + 600ull * 1000000000ull;
	put_rule(bpf_map__fd(loader_skel(l)->maps.nad_drop4), &r);
	id = map_id(bpf_map__fd(loader_skel(l)->maps.nad_drop4));
	loader_set_keep_rules(l, true);
	loader_free(l);

	/* Stopped: nothing attached, only the rule maps stay pinned. */
	cr_expect_eq(xdp_prog_id(), 0, "XDP detached");
	cr_expect(exists(PIN("nad_drop4")), "nad_drop4 kept");
	cr_expect(exists(PIN("nad_drop6")) && exists(PIN("nad_rate")) &&
			  exists(PIN("nad_rate_state")),
		  "the rule maps are kept together");
	cr_expect(!exists(PIN("nad_events")) && !exists(PIN("nad_src")), "the rest unpinned");
	cr_expect(!exists(PIN("nad_stats")), "counters unpinned");
	cr_expect(!exists(PIN("nad_allow4")), "the allowlist is rebuilt at start: unpinned");
	fd = bpf_obj_get(PIN("nad_drop4"));
	cr_assert_geq(fd, 0);
	cr_expect_eq(bpf_map_lookup_elem(fd, &rule_key, &got), 0, "the rule is in the kept map");
	close(fd);

	/* The next start takes the same map over: the rule is enforced again. */
	l = start();
	fd = bpf_map__fd(loader_skel(l)->maps.nad_drop4);
	cr_expect_eq(map_id(fd), id, "same kernel map");
	cr_assert_eq(bpf_map_lookup_elem(fd, &rule_key, &got), 0, "the rule is back");
	cr_expect_eq(got.created_ns, r.created_ns);
	cr_expect_eq(got.expires_ns, r.expires_ns);
	cr_expect_neq(xdp_prog_id(), 0, "XDP attached");
	cr_expect(exists(PIN("nad_stats")) && exists(PIN("nad_allow4")), "the rest pinned anew");

	/* Without keep, exit removes everything, the reused map included. */
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR), "nothing pinned");
	cr_expect_eq(xdp_prog_id(), 0);
}

Test(loader, keep_with_no_rules_leaves_nothing_pinned)
{
	struct loader *l = start();

	loader_set_keep_rules(l, true);
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR), "no rules, nothing to keep");
}

/* One run that writes a rate rule and exits with --keep-rules. */
static void run_keeping_rate_rule(const struct nad_rate_key *k, struct nad_rate *v)
{
	struct loader *l = start();

	v->created_ns = mono_ns();
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(loader_skel(l)->maps.nad_rate), k, v, BPF_ANY),
		     0, "%s", strerror(errno));
	loader_set_keep_rules(l, true);
	loader_free(l);
}

Test(loader, kept_rate_rule_keeps_its_buckets)
{
	struct nad_rate_key k;
	struct nad_rate v;
	struct loader *l;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.dport = 80;
	k.proto = 6;
	run_keeping_rate_rule(&k, &v);
	cr_expect(exists(PIN("nad_rate")) && exists(PIN("nad_rate_state")));
	cr_expect(exists(PIN("nad_drop4")), "with the other rule maps");
	cr_expect(!exists(PIN("nad_stats")));

	l = start();
	cr_expect_eq(bpf_map_lookup_elem(bpf_map__fd(loader_skel(l)->maps.nad_rate), &k, &v), 0,
		     "the rate rule is back");
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR));
}

/*
 * The program skips the rate rules while the kernel counts none in
 * nad_rate; a reused map brings its count along, so a kept rule limits
 * the next run's first packets.
 */
Test(loader, kept_rate_rule_limits_from_the_first_packet_of_the_next_run)
{
	struct nad_rate_key k = { .dport = 80, .proto = 6 };
	struct nad_rate v = { .rate_pps = 1, .burst = 1, .origin = NAD_ORIGIN_AUTO };
	static const __u8 dst[4] = { 198, 18, 77, 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = 10);
	struct loader *l;
	struct pktb syn;

	pktb_init(&syn);
	pktb_eth(&syn, 0x0800);
	pktb_ip4(&syn, 6, PKTB_IP4(203, 0, 113, 9), PKTB_IP4(198, 18, 77, 1), 0);
	pktb_tcp(&syn, 40000, 80, 0x02 /* SYN */, 0);
	pktb_finish(&syn);
	o.data_in = syn.buf;
	o.data_size_in = syn.len;
	k.daddr[10] = k.daddr[11] = 0xff;
	memcpy(k.daddr + 12, dst, sizeof(dst));
	run_keeping_rate_rule(&k, &v);
	l = start();
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(loader_skel(l)->progs.nad_xdp), &o), 0,
		     "%s", strerror(errno));
	cr_expect_eq(o.retval, XDP_DROP, "the kept rule limits the new program's SYNs");
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(loader_skel(l)->maps.nad_rate), &k, &v), 0);
	cr_expect_eq(v.hits, 9, "one SYN is the burst, the other nine are dropped");
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR));
}

Test(loader, mismatched_map_holding_rules_is_refused_and_left_alone)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };
	int fd = pin_foreign("nad_drop4", 8, true);

	cr_assert_null(loader_new(&o), "a foreign map with rules must stop the start");
	cr_expect_eq(errno, EEXIST);
	cr_expect(exists(PIN("nad_drop4")), "its rules are not ours to delete");
	cr_expect(!exists(PIN("nad_stats")), "the failed start removed what it created");
	cr_expect_eq(xdp_prog_id(), 0, "nothing attached");
	close(fd);
}

/* A nad_rate kept by a build whose key had no source (20 bytes) and that holds a rule. */
Test(loader, kept_rate_map_of_the_old_key_size_is_refused)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };
	struct nad_rate v = { .rate_pps = 1, .burst = 1, .origin = NAD_ORIGIN_AUTO };
	__u8 old_key[20] = { [10] = 0xff, [11] = 0xff, 198, 18, 77, 1, 80, 0, 6 };
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "nad_rate", sizeof(old_key), sizeof(v),
				NAD_RATE_ENTRIES, &mo);
	int log_fd = open("/run", O_TMPFILE | O_RDWR, 0600), saved, err;
	char msg[4096];
	struct loader *l;
	ssize_t n;

	_Static_assert(sizeof(struct nad_rate_key) != sizeof(old_key), "the key grew");
	cr_assert_geq(fd, 0, "create: %s", strerror(errno));
	cr_assert_eq(bpf_map_update_elem(fd, old_key, &v, BPF_ANY), 0);
	mkdir(NAD_PIN_DIR, 0700);
	cr_assert_eq(bpf_obj_pin(fd, PIN("nad_rate")), 0, "pin: %s", strerror(errno));
	/* Its message (stderr, into a file) names the file to delete. */
	fflush(stderr);
	saved = dup(2);
	cr_assert_geq(log_fd, 0);
	cr_assert_eq(dup2(log_fd, 2), 2);
	l = loader_new(&o);
	err = errno;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	cr_assert_null(l, "a kept rate map of the old layout must stop the start");
	cr_expect_eq(err, EEXIST);
	n = pread(log_fd, msg, sizeof(msg) - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	cr_expect_not_null(strstr(msg, PIN("nad_rate") " holds rules but does not match"), "%s",
			   msg);
	cr_expect_not_null(strstr(msg, "key size 20, want 36"), "%s", msg);
	close(log_fd);
	cr_expect(exists(PIN("nad_rate")), "its rule is the operator's to delete");
	cr_expect_eq(xdp_prog_id(), 0, "nothing attached");
	close(fd);
}

Test(loader, mismatched_empty_map_is_replaced)
{
	int fd = pin_foreign("nad_drop4", 8, false);
	__u32 old = map_id(fd);
	struct loader *l = start();

	cr_expect_neq(map_id(bpf_map__fd(loader_skel(l)->maps.nad_drop4)), old, "a new map");
	cr_expect_eq(bpf_map__value_size(loader_skel(l)->maps.nad_drop4), sizeof(struct nad_rule));
	loader_free(l);
	cr_expect(!exists(NAD_PIN_DIR));
	close(fd);
}

Test(loader, failed_start_keeps_the_rule_maps_it_reused)
{
	struct loader_opts o = { .ifname = IFNAME, .mode = LOADER_XDP_SKB };
	struct nad_rule r = { .origin = NAD_ORIGIN_MANUAL }, got;
	struct loader *l = start();
	int fd;

	r.created_ns = mono_ns();
	put_rule(bpf_map__fd(loader_skel(l)->maps.nad_drop4), &r);
	loader_set_keep_rules(l, true);
	loader_free(l);

	/* nad_drop4 is reused first, then a foreign nad_drop6 with rules stops the start. */
	cr_assert_eq(unlink(PIN("nad_drop6")), 0);
	close(pin_foreign("nad_drop6", 8, true));
	cr_assert_null(loader_new(&o));
	fd = bpf_obj_get(PIN("nad_drop4"));
	cr_assert_geq(fd, 0, "the reused map is still pinned");
	cr_expect_eq(bpf_map_lookup_elem(fd, &rule_key, &got), 0, "with its rule");
	close(fd);
	cr_expect(!exists(PIN("nad_stats")) && !exists(PIN("nad_events")));
}
