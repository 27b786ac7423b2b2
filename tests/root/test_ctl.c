// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ctl.c - `nadxdp status` and `nadxdp rules` on maps the test creates.
 *
 * Each root test runs in a private mount namespace with its own bpffs on
 * /sys/fs/bpf and tmpfs on /run (Criterion runs every test in its own
 * process), creates the maps the daemon would pin, with the daemon's names
 * and layouts, and runs the built binary against them. Nothing is pinned on
 * the host, and a daemon another test or user runs is never touched. The
 * test bed end-to-end suite checks the same commands against the real daemon.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <linux/types.h>
#include <criterion/criterion.h>

#include "helpers/cmd_run.h"
#include "nad_abi.h"

TestSuite(ctl);

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: private bpffs mount and BPF maps");
}

/* Private /sys/fs/bpf and /run for this test process and its children. */
static void private_bpffs(void)
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL), 0, "mount bpffs: %s",
		     strerror(errno));
	cr_assert_eq(mount("tmpfs", "/run", "tmpfs", 0, "size=1m"), 0);
}

static int make_map(enum bpf_map_type type, const char *name, size_t ksz, size_t vsz,
		    unsigned int max, unsigned int flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	char path[128];
	int fd = bpf_map_create(type, name, (__u32)ksz, (__u32)vsz, max, &opts);

	cr_assert_geq(fd, 0, "create %s: %s", name, strerror(errno));
	mkdir(NAD_PIN_DIR, 0700);
	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, name);
	cr_assert_eq(bpf_obj_pin(fd, path), 0, "pin %s: %s", path, strerror(errno));
	return fd;
}

struct maps {
	int stats, src, drop4, drop6, allow4, allow6;
};

static struct maps make_maps(void)
{
	struct maps m;

	m.stats =
		make_map(BPF_MAP_TYPE_PERCPU_ARRAY, "nad_stats", 4, sizeof(struct nad_stats), 1, 0);
	m.src = make_map(BPF_MAP_TYPE_LRU_HASH, "nad_src", sizeof(struct nad_src_key),
			 sizeof(struct nad_src_stats), 1024, 0);
	m.drop4 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_drop4", sizeof(struct nad_lpm4_key),
			   sizeof(struct nad_rule), 64, BPF_F_NO_PREALLOC);
	m.drop6 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_drop6", sizeof(struct nad_lpm6_key),
			   sizeof(struct nad_rule), 64, BPF_F_NO_PREALLOC);
	m.allow4 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_allow4", sizeof(struct nad_lpm4_key),
			    sizeof(struct nad_allow), 64, BPF_F_NO_PREALLOC);
	m.allow6 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_allow6", sizeof(struct nad_lpm6_key),
			    sizeof(struct nad_allow), 64, BPF_F_NO_PREALLOC);
	return m;
}

static struct cmd_result nadxdp(const char *a1, const char *a2, const char *a3, const char *a4,
				const char *a5)
{
	char *argv[8] = { (char *)cmd_nadxdp_bin(),
			  (char *)a1,
			  (char *)a2,
			  (char *)a3,
			  (char *)a4,
			  (char *)a5,
			  NULL };
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	return r;
}

static void expect_one_line(const struct cmd_result *r, const char *needle)
{
	cr_expect_eq(cmd_count_lines(r->err), 1, "one line on stderr: %s", r->err);
	cr_expect_not_null(strstr(r->err, needle), "'%s' in: %s", needle, r->err);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

Test(ctl, status_with_nothing_pinned_exits_1_in_one_line)
{
	struct cmd_result r;

	need_root();
	private_bpffs();
	r = nadxdp("status", NULL, NULL, NULL, NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r, "no running nadxdp instance (nothing pinned under /sys/fs/bpf/nadxdp)");
	cr_expect_eq(r.out_len, 0);
	cmd_result_free(&r);

	r = nadxdp("rules", "list", NULL, NULL, NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r, "no running nadxdp instance");
	cmd_result_free(&r);
}

Test(ctl, status_and_rules_refuse_non_root_in_one_line)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "status", NULL };
	char *argv2[] = { (char *)cmd_nadxdp_bin(), "rules", "add", "198.18.0.3", NULL };
	struct cmd_result r;
	pid_t pid;
	int wst;

	if (geteuid() != 0) {
		cr_assert_eq(cmd_run(argv, &r), 0);
		cr_expect_eq(r.status, 1);
		expect_one_line(&r, "needs root");
		cmd_result_free(&r);
		return;
	}
	/* as root: drop to nobody in a child, then check the same */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int ok;

		if (setgid(65534) || setuid(65534))
			_exit(90);
		if (cmd_run(argv, &r))
			_exit(91);
		ok = r.status == 1 && cmd_count_lines(r.err) == 1 && strstr(r.err, "needs root");
		cmd_result_free(&r);
		if (cmd_run(argv2, &r))
			_exit(91);
		ok = ok && r.status == 1 && cmd_count_lines(r.err) == 1 &&
		     strstr(r.err, "needs root");
		_exit(ok ? 0 : 92);
	}
	cr_assert_eq(waitpid(pid, &wst, 0), pid);
	cr_expect(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child status %d", wst);
}

Test(ctl, usage_errors_exit_2_before_any_privilege_check)
{
	static const char *const cases[][4] = {
		{ "status", "--bogus", NULL, NULL },
		{ "status", "--top", "x", NULL },
		{ "rules", NULL, NULL, NULL },
		{ "rules", "add", NULL, NULL },
		{ "rules", "add", "10.0.0.1/24", NULL },
		{ "rules", "add", "10.0.0.0/33", NULL },
		{ "rules", "add", "not-an-ip", NULL },
		{ "rules", "add", "10.0.0.0/8", "--ttl" },
		{ "rules", "del", "10.0.0.0/8", "--ttl=5" },
		{ "rules", "frobnicate", "10.0.0.0/8", NULL },
		{ "rules", "list", "--bogus", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmd_result r =
			nadxdp(cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);

		cr_expect_eq(r.status, 2, "case %zu (%s %s %s): %d %s", i, cases[i][0],
			     cases[i][1] ? cases[i][1] : "", cases[i][2] ? cases[i][2] : "",
			     r.status, r.err);
		cr_expect_eq(cmd_count_lines(r.err), 1, "case %zu: %s", i, r.err);
		cmd_result_free(&r);
	}
}

Test(ctl, rules_add_with_host_bits_suggests_the_network)
{
	struct cmd_result r = nadxdp("rules", "add", "198.18.0.3/24", NULL, NULL);

	cr_expect_eq(r.status, 2);
	expect_one_line(&r, "did you mean 198.18.0.0/24?");
	cmd_result_free(&r);
}

static json_object *parse_json(const char *s)
{
	json_object *o = json_tokener_parse(s);

	cr_assert_not_null(o, "not JSON: %s", s);
	return o;
}

static uint64_t jget_u64(json_object *o, const char *path1, const char *path2)
{
	json_object *a, *b;

	cr_assert(json_object_object_get_ex(o, path1, &a), "%s", path1);
	if (!path2)
		return json_object_get_uint64(a);
	cr_assert(json_object_object_get_ex(a, path2, &b), "%s.%s", path1, path2);
	return json_object_get_uint64(b);
}

Test(ctl, status_sums_the_per_cpu_counters_and_ranks_sources)
{
	int ncpu = libbpf_num_possible_cpus();
	struct nad_stats *per;
	struct cmd_result r;
	struct maps m;
	json_object *o, *top, *first;
	uint64_t want_pkts_in = 0, want_shed = 0;
	__u32 key = 0;
	FILE *f;

	need_root();
	private_bpffs();
	m = make_maps();
	cr_assert_gt(ncpu, 0);
	per = calloc((size_t)ncpu, sizeof(*per));
	for (int c = 0; c < ncpu; c++) {
		per[c].pkts[NAD_DIR_IN] = 1000 + (uint64_t)c;
		per[c].pkts[NAD_DIR_OUT] = 7;
		per[c].recs_shed = (uint64_t)c * 3;
		want_pkts_in += 1000 + (uint64_t)c;
		want_shed += (uint64_t)c * 3;
	}
	cr_assert_eq(bpf_map_update_elem(m.stats, &key, per, BPF_ANY), 0);
	free(per);
	for (int i = 1; i <= 3; i++) {
		struct nad_src_key k = {
			.addr = { [10] = 0xff, [11] = 0xff, 198, 18, 0, (uint8_t)i }
		};
		struct nad_src_stats v = { .pkts = (uint64_t)i * 100,
					   .bytes = (uint64_t)i * 6400,
					   .syns = (uint64_t)i,
					   .first_ns = 1,
					   .last_ns = 2 };

		cr_assert_eq(bpf_map_update_elem(m.src, &k, &v, BPF_ANY), 0);
	}
	mkdir("/run/nadxdp", 0755);
	f = fopen("/run/nadxdp/instance", "w");
	cr_assert_not_null(f);
	fprintf(f, "pid=%d\nifname=nadx0\nifindex=42\nxdp_mode=skb\nstarted_unix=%lld\n", getpid(),
		(long long)time(NULL) - 5);
	fclose(f);

	r = nadxdp("status", "--json", NULL, NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(cmd_count_lines(r.out), 1, "one JSON object on one line");
	o = parse_json(r.out);
	cr_expect_eq(jget_u64(o, "counters", "pkts_in"), want_pkts_in);
	cr_expect_eq(jget_u64(o, "counters", "pkts_out"), 7ull * (uint64_t)ncpu);
	cr_expect_eq(jget_u64(o, "counters", "recs_shed"), want_shed);
	cr_expect_eq(jget_u64(o, "instance", "ifindex"), 42);
	cr_expect_eq(jget_u64(o, "n_sources", NULL), 3);
	cr_assert(json_object_object_get_ex(o, "top_sources", &top));
	cr_assert_eq(json_object_array_length(top), 3);
	first = json_object_array_get_idx(top, 0);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(first, "addr")),
			 "198.18.0.3", "most packets first");
	cr_expect_eq(json_object_get_uint64(json_object_object_get(first, "pkts")), 300);
	json_object_put(o);
	cmd_result_free(&r);

	r = nadxdp("status", NULL, NULL, NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_not_null(strstr(r.out, "nadxdp on nadx0 (ifindex 42), ingress XDP skb"), "%s",
			   r.out);
	{
		char want[64];

		snprintf(want, sizeof(want), "%llu", (unsigned long long)want_pkts_in);
		cr_expect_not_null(strstr(r.out, want), "%s", r.out);
	}
	cmd_result_free(&r);
}

Test(ctl, rules_add_list_del_round_trip_on_the_pinned_maps)
{
	struct nad_lpm4_key k4 = { .prefixlen = 24, .addr = { 198, 18, 0, 0 } };
	struct nad_lpm6_key k6 = { .prefixlen = 64, .addr = { 0x20, 0x01, 0, 2, 0, 0, 0, 1 } };
	struct nad_rule rule;
	struct cmd_result r;
	uint64_t before;
	json_object *o, *arr;
	struct maps m;
	bool seen4 = false, seen6 = false;

	need_root();
	private_bpffs();
	m = make_maps();

	before = mono_ns();
	r = nadxdp("rules", "add", "198.18.0.0/24", "--ttl", "60");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_assert_eq(bpf_map_lookup_elem(m.drop4, &k4, &rule), 0, "rule is in nad_drop4");
	cr_expect_eq(rule.origin, NAD_ORIGIN_MANUAL);
	cr_expect_geq(rule.created_ns, before, "created on CLOCK_MONOTONIC");
	cr_expect_leq(rule.created_ns, mono_ns());
	cr_expect_eq(rule.expires_ns, rule.created_ns + 60000000000ull);
	cr_expect_eq(rule.hits, 0);

	r = nadxdp("rules", "add", "2001:2:0:1::/64", NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_assert_eq(bpf_map_lookup_elem(m.drop6, &k6, &rule), 0, "rule is in nad_drop6");
	cr_expect_eq(rule.expires_ns, 0, "no ttl: never expires");

	/* the kernel side counts hits; pretend it did, and list must show them */
	cr_assert_eq(bpf_map_lookup_elem(m.drop4, &k4, &rule), 0);
	rule.hits = 12345;
	rule.hit_bytes = 678900;
	cr_assert_eq(bpf_map_update_elem(m.drop4, &k4, &rule, BPF_EXIST), 0);

	r = nadxdp("rules", "list", "--json", NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	o = parse_json(r.out);
	cr_assert(json_object_object_get_ex(o, "rules", &arr));
	cr_expect_eq(json_object_array_length(arr), 2);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *cidr = json_object_get_string(json_object_object_get(e, "cidr"));

		if (!strcmp(cidr, "198.18.0.0/24")) {
			double left =
				json_object_get_double(json_object_object_get(e, "ttl_left_s"));

			seen4 = true;
			cr_expect_eq(json_object_get_uint64(json_object_object_get(e, "hits")),
				     12345);
			cr_expect_eq(json_object_get_uint64(json_object_object_get(e, "bytes")),
				     678900);
			cr_expect_str_eq(
				json_object_get_string(json_object_object_get(e, "origin")),
				"manual");
			cr_expect(left > 50 && left <= 60, "time left %f", left);
		} else if (!strcmp(cidr, "2001:2:0:1::/64")) {
			seen6 = true;
			cr_expect(json_object_is_type(json_object_object_get(e, "ttl_left_s"),
						      json_type_null));
		}
	}
	cr_expect(seen4 && seen6, "both rules listed: %s", r.out);
	json_object_put(o);
	cmd_result_free(&r);

	r = nadxdp("rules", "list", NULL, NULL, NULL);
	cr_assert_eq(r.status, 0);
	cr_expect_not_null(strstr(r.out, "198.18.0.0/24"));
	cr_expect_not_null(strstr(r.out, "12345"));
	cr_expect_not_null(strstr(r.out, "never"));
	cmd_result_free(&r);

	/* re-adding keeps the counters and changes the expiry */
	r = nadxdp("rules", "add", "198.18.0.0/24", NULL, NULL);
	cr_assert_eq(r.status, 0);
	cmd_result_free(&r);
	cr_assert_eq(bpf_map_lookup_elem(m.drop4, &k4, &rule), 0);
	cr_expect_eq(rule.hits, 12345);
	cr_expect_eq(rule.expires_ns, 0);

	r = nadxdp("rules", "del", "198.18.0.0/24", NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_expect_neq(bpf_map_lookup_elem(m.drop4, &k4, &rule), 0, "rule gone");

	r = nadxdp("rules", "del", "198.18.0.0/24", NULL, NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r, "no drop rule for 198.18.0.0/24");
	cmd_result_free(&r);
}

Test(ctl, allowlist_add_and_del_use_the_allow_maps)
{
	struct nad_lpm4_key k4 = { .prefixlen = 32, .addr = { 198, 18, 0, 2 } };
	struct nad_lpm6_key k6 = { .prefixlen = 128,
				   .addr = { 0x20, 0x01, 0, 2, 0, 0, 0, 1, [15] = 2 } };
	struct nad_allow a;
	struct cmd_result r;
	struct maps m;

	need_root();
	private_bpffs();
	m = make_maps();
	r = nadxdp("rules", "allow", "add", "198.18.0.2", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = nadxdp("rules", "allow", "add", "2001:2:0:1::2", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_expect_eq(bpf_map_lookup_elem(m.allow4, &k4, &a), 0);
	cr_expect_eq(bpf_map_lookup_elem(m.allow6, &k6, &a), 0);
	cr_expect_neq(bpf_map_lookup_elem(m.drop4, &k4, &a), 0, "nothing in the drop map");

	r = nadxdp("rules", "list", NULL, NULL, NULL);
	cr_expect_not_null(strstr(r.out, "allow  198.18.0.2/32"), "%s", r.out);
	cmd_result_free(&r);

	r = nadxdp("rules", "allow", "del", "198.18.0.2/32", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_expect_neq(bpf_map_lookup_elem(m.allow4, &k4, &a), 0);
	r = nadxdp("rules", "allow", "del", "198.18.0.2/32", NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r, "no allowlist entry");
	cmd_result_free(&r);
}

/* What an instance leaves with --keep-rules: the rule maps only, no counters, no allowlist. */
Test(ctl, kept_rule_maps_are_listed_and_deletable_but_add_needs_an_instance)
{
	struct nad_lpm4_key k4 = { .prefixlen = 24, .addr = { 198, 18, 0, 0 } };
	struct nad_rule rule = { .created_ns = 1, .origin = NAD_ORIGIN_AUTO };
	struct cmd_result r;
	json_object *o, *arr;
	int drop4, drop6;

	need_root();
	private_bpffs();
	drop4 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_drop4", sizeof(struct nad_lpm4_key),
			 sizeof(struct nad_rule), 64, BPF_F_NO_PREALLOC);
	drop6 = make_map(BPF_MAP_TYPE_LPM_TRIE, "nad_drop6", sizeof(struct nad_lpm6_key),
			 sizeof(struct nad_rule), 64, BPF_F_NO_PREALLOC);
	cr_assert_eq(bpf_map_update_elem(drop4, &k4, &rule, BPF_ANY), 0);

	r = nadxdp("rules", "list", "--json", NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	o = parse_json(r.out);
	cr_assert(json_object_object_get_ex(o, "rules", &arr));
	cr_expect_eq(json_object_array_length(arr), 1, "the kept rule: %s", r.out);
	json_object_put(o);
	cmd_result_free(&r);

	r = nadxdp("status", NULL, NULL, NULL, NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r, "no running nadxdp instance (rules kept by --keep-rules");
	cmd_result_free(&r);

	r = nadxdp("rules", "add", "198.18.1.0/24", NULL, NULL);
	cr_expect_eq(r.status, 1, "nothing would enforce it");
	expect_one_line(&r, "no running nadxdp instance");
	cmd_result_free(&r);

	r = nadxdp("rules", "del", "198.18.0.0/24", NULL, NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	cr_expect_neq(bpf_map_lookup_elem(drop4, &k4, &rule), 0, "deleted from the kept map");
	close(drop4);
	close(drop6);
}
