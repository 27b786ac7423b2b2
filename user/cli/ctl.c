// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/ctl.c - status and rules of a running instance, through its pinned maps.
 *
 * Only the loader and mitigation write BPF maps (STYLE.md); `rules` is the
 * operator's manual hand on the same maps, so it lives here and writes
 * nothing but the four rule maps.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "capture/loader.h"
#include "capture/ring.h"
#include "cli/cli.h"
#include "cli/ctl.h"
#include "common/addr.h"
#include "common/log.h"
#include "mitigate/bpf.h"
#include "nad_abi.h"

#define NO_INSTANCE_MSG "no running nadxdp instance (nothing pinned under " NAD_PIN_DIR ")\n"
#define KEPT_ONLY_MSG                                                                          \
	"no running nadxdp instance (rules kept by --keep-rules are pinned under " NAD_PIN_DIR \
	": nadxdp rules list shows them)\n"
#define TOP_DEFAULT 10

struct instance {
	bool have; /* the instance file was readable */
	bool alive; /* its pid exists */
	long pid;
	char ifname[IF_NAMESIZE + 1];
	long ifindex;
	char xdp_mode[16];
	long long started_unix;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool is_root(const char *cmd)
{
	if (geteuid() == 0)
		return true;
	pr_warn("%s: needs root (the counters and rules are BPF maps pinned under %s)\n", cmd,
		NAD_PIN_DIR);
	return false;
}

/* Returns an fd, or -ENOENT when nothing is pinned there, or another -errno (logged). */
static int open_pinned(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		if (fd != -ENOENT)
			pr_warn("cannot open %s: %s\n", path, strerror(-fd));
	}
	return fd;
}

/* No counters pinned, but a drop map is: rules kept by --keep-rules, no daemon. */
static bool kept_rules_only(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR,
		 mitigate_bpf_map_names[MITIGATE_MAP_DROP4]);
	return access(path, F_OK) == 0;
}

static void read_instance(struct instance *in)
{
	char line[256];
	FILE *f;

	memset(in, 0, sizeof(*in));
	f = fopen(NAD_INSTANCE_FILE, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val, *nl;

		if (!eq)
			continue;
		*eq = '\0';
		val = eq + 1;
		nl = strchr(val, '\n');
		if (nl)
			*nl = '\0';
		if (!strcmp(line, "pid"))
			in->pid = strtol(val, NULL, 10);
		else if (!strcmp(line, "ifname"))
			snprintf(in->ifname, sizeof(in->ifname), "%s", val);
		else if (!strcmp(line, "ifindex"))
			in->ifindex = strtol(val, NULL, 10);
		else if (!strcmp(line, "xdp_mode"))
			snprintf(in->xdp_mode, sizeof(in->xdp_mode), "%s", val);
		else if (!strcmp(line, "started_unix"))
			in->started_unix = strtoll(val, NULL, 10);
	}
	fclose(f);
	in->have = in->pid > 0;
	in->alive = in->have && (kill((pid_t)in->pid, 0) == 0 || errno == EPERM);
}

static void format_age(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", s);
}

struct status_opts {
	bool json;
	unsigned top;
};

static void status_defaults(void *o)
{
	*(struct status_opts *)o = (struct status_opts){ .top = TOP_DEFAULT };
}

static const struct opts_entry status_rows[] = {
	{ "json", 'j', OPTS_FLAG, .help = "one JSON object instead of text",
	  OPTS_FIELD(struct status_opts, json) },
	{ "top", 't', OPTS_UINT, .help = "how many sources to list, 0 for none",
	  OPTS_FIELD(struct status_opts, top), .umax = 1000000 },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd status_opts = {
	.name = "status",
	.synopsis = "nadxdp status [--json] [--top N]",
	.description =
		"Counters of the running instance (root): packets and bytes per direction,\n"
		"records, shed, pending and staged packets, malformed packets, rule drops, rule\n"
		"counts and the top sources by packets.\n",
	.entries = status_rows,
	.size = sizeof(struct status_opts),
	.defaults = status_defaults,
};

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static int print_status_json(const struct instance *in, const struct nad_stats *st,
			     const long n_rules[MITIGATE_N_LPM_MAPS],
			     const struct capture_source *src, size_t n_src, size_t top,
			     uint64_t now)
{
	struct json_object *root = json_object_new_object(), *o, *arr;
	int err = 0;

	if (!root)
		return -ENOMEM;
	o = json_object_new_object();
	json_object_object_add(o, "running", json_object_new_boolean(in->alive));
	if (in->have) {
		json_object_object_add(o, "pid", json_object_new_int64(in->pid));
		json_object_object_add(o, "ifname", json_object_new_string(in->ifname));
		json_object_object_add(o, "ifindex", json_object_new_int64(in->ifindex));
		json_object_object_add(o, "xdp_mode", json_object_new_string(in->xdp_mode));
		json_object_object_add(o, "started_unix", json_object_new_int64(in->started_unix));
	}
	json_object_object_add(root, "instance", o);

	o = json_object_new_object();
	json_add_u64(o, "pkts_in", st->pkts[NAD_DIR_IN]);
	json_add_u64(o, "pkts_out", st->pkts[NAD_DIR_OUT]);
	json_add_u64(o, "bytes_in", st->bytes[NAD_DIR_IN]);
	json_add_u64(o, "bytes_out", st->bytes[NAD_DIR_OUT]);
	json_add_u64(o, "recs_emitted", st->recs_emitted);
	json_add_u64(o, "recs_shed", st->recs_shed);
	json_add_u64(o, "pending", st->pending);
	json_add_u64(o, "staged", st->staged);
	json_add_u64(o, "malformed", st->malformed);
	json_add_u64(o, "dropped_rule", st->dropped_rule);
	json_add_u64(o, "allowed_rule", st->allowed_rule);
	json_add_u64(o, "dropped_rate", st->dropped_rate);
	json_object_object_add(root, "counters", o);

	o = json_object_new_object();
	json_object_object_add(o, "drop4", json_object_new_int64(n_rules[MITIGATE_MAP_DROP4]));
	json_object_object_add(o, "drop6", json_object_new_int64(n_rules[MITIGATE_MAP_DROP6]));
	json_object_object_add(o, "allow4", json_object_new_int64(n_rules[MITIGATE_MAP_ALLOW4]));
	json_object_object_add(o, "allow6", json_object_new_int64(n_rules[MITIGATE_MAP_ALLOW6]));
	json_object_object_add(root, "rules", o);

	json_object_object_add(root, "n_sources", json_object_new_uint64(n_src));
	arr = json_object_new_array();
	for (size_t i = 0; i < n_src && i < top; i++) {
		char addr[INET6_ADDRSTRLEN];

		addr_str(src[i].key.addr, addr, sizeof(addr));
		o = json_object_new_object();
		json_object_object_add(o, "addr", json_object_new_string(addr));
		json_add_u64(o, "pkts", src[i].st.pkts);
		json_add_u64(o, "bytes", src[i].st.bytes);
		json_add_u64(o, "syns", src[i].st.syns);
		json_add_u64(o, "first_ns", src[i].st.first_ns);
		json_add_u64(o, "last_ns", src[i].st.last_ns);
		json_add_u64(o, "idle_ns", now > src[i].st.last_ns ? now - src[i].st.last_ns : 0);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "top_sources", arr);
	if (puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		err = -EIO;
	json_object_put(root);
	return err;
}

static void print_status_text(const struct instance *in, const struct nad_stats *st,
			      const long n_rules[MITIGATE_N_LPM_MAPS],
			      const struct capture_source *src, size_t n_src, size_t top,
			      uint64_t now)
{
	if (in->have) {
		char up[32] = "?";
		time_t t = time(NULL);

		if (in->started_unix > 0 && t >= in->started_unix)
			format_age((uint64_t)(t - in->started_unix) * 1000000000ull, up,
				   sizeof(up));
		printf("nadxdp on %s (ifindex %ld), ingress %s, pid %ld%s, up %s\n", in->ifname,
		       in->ifindex, loader_ingress_name(in->xdp_mode), in->pid,
		       in->alive ? "" : " (not running: stale pins)", up);
	} else {
		printf("nadxdp maps pinned under %s (no instance file %s)\n", NAD_PIN_DIR,
		       NAD_INSTANCE_FILE);
	}
	printf("%-22s %20s %20s\n", "", "ingress", "egress");
	printf("%-22s %20llu %20llu\n", "packets", (unsigned long long)st->pkts[NAD_DIR_IN],
	       (unsigned long long)st->pkts[NAD_DIR_OUT]);
	printf("%-22s %20llu %20llu\n", "bytes", (unsigned long long)st->bytes[NAD_DIR_IN],
	       (unsigned long long)st->bytes[NAD_DIR_OUT]);
	printf("%-22s %20llu\n", "records emitted", (unsigned long long)st->recs_emitted);
	printf("%-22s %20llu\n", "packets shed", (unsigned long long)st->recs_shed);
	printf("%-22s %20llu\n", "packets pending", (unsigned long long)st->pending);
	printf("%-22s %20llu\n", "packets staged", (unsigned long long)st->staged);
	printf("%-22s %20llu\n", "malformed", (unsigned long long)st->malformed);
	printf("%-22s %20llu\n", "dropped by rule", (unsigned long long)st->dropped_rule);
	printf("%-22s %20llu\n", "allowlist saves", (unsigned long long)st->allowed_rule);
	printf("%-22s %20llu\n", "dropped by rate rule", (unsigned long long)st->dropped_rate);
	printf("%-22s %20ld %20ld\n", "drop rules (v4, v6)", n_rules[MITIGATE_MAP_DROP4],
	       n_rules[MITIGATE_MAP_DROP6]);
	printf("%-22s %20ld %20ld\n", "allow (v4, v6)", n_rules[MITIGATE_MAP_ALLOW4],
	       n_rules[MITIGATE_MAP_ALLOW6]);
	printf("sources tracked: %zu\n", n_src);
	if (top && n_src) {
		printf("  %-39s %12s %14s %10s %8s\n", "top sources", "packets", "bytes", "SYNs",
		       "idle");
		for (size_t i = 0; i < n_src && i < top; i++) {
			char addr[INET6_ADDRSTRLEN], idle[32];

			addr_str(src[i].key.addr, addr, sizeof(addr));
			format_age(now > src[i].st.last_ns ? now - src[i].st.last_ns : 0, idle,
				   sizeof(idle));
			printf("  %-39s %12llu %14llu %10llu %8s\n", addr,
			       (unsigned long long)src[i].st.pkts,
			       (unsigned long long)src[i].st.bytes,
			       (unsigned long long)src[i].st.syns, idle);
		}
	}
}

int ctl_status_cmd(int argc, char **argv)
{
	int stats_fd = -1, src_fd = -1, rule_fd[MITIGATE_N_LPM_MAPS] = { -1, -1, -1, -1 };
	long n_rules[MITIGATE_N_LPM_MAPS] = { 0 };
	struct capture_source *src = NULL;
	int err, ret = EXIT_RUNTIME;
	struct opts_result res;
	struct status_opts o;
	struct instance in;
	struct nad_stats st;
	size_t n_src = 0;
	uint64_t now;

	if (!cli_options(&status_opts, argc, argv, &o, &res, &ret))
		return ret;
	ret = EXIT_RUNTIME;
	if (!is_root("status"))
		return EXIT_RUNTIME;

	stats_fd = open_pinned("nad_stats");
	if (stats_fd == -ENOENT) {
		pr_warn(kept_rules_only() ? KEPT_ONLY_MSG : NO_INSTANCE_MSG);
		goto cleanup;
	}
	if (stats_fd < 0)
		goto cleanup;
	err = capture_read_stats_fd(stats_fd, &st);
	if (err) {
		pr_warn("cannot read %s/nad_stats: %s\n", NAD_PIN_DIR, strerror(-err));
		goto cleanup;
	}
	/* The other maps are optional for status: show what is there. */
	src_fd = open_pinned("nad_src");
	if (src_fd >= 0) {
		err = capture_read_sources(src_fd, &src, &n_src);
		if (err) {
			pr_warn("cannot read %s/nad_src: %s\n", NAD_PIN_DIR, strerror(-err));
			goto cleanup;
		}
	}
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		rule_fd[m] = open_pinned(mitigate_bpf_map_names[m]);
		n_rules[m] = rule_fd[m] >= 0 ? mitigate_bpf_walk(rule_fd[m], m, NULL, NULL) : 0;
		if (n_rules[m] < 0)
			n_rules[m] = 0;
	}
	read_instance(&in);
	now = mono_ns();
	if (o.json) {
		if (print_status_json(&in, &st, n_rules, src, n_src, o.top, now)) {
			pr_warn("status: cannot write the JSON object\n");
			goto cleanup;
		}
	} else {
		print_status_text(&in, &st, n_rules, src, n_src, o.top, now);
	}
	if (fflush(stdout)) {
		pr_warn("status: cannot write to stdout: %s\n", strerror(errno));
		goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	free(src);
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		if (rule_fd[m] >= 0)
			close(rule_fd[m]);
	}
	if (src_fd >= 0)
		close(src_fd);
	if (stats_fd >= 0)
		close(stats_fd);
	return ret;
}

/* ---- rules ---- */

struct rules_opts {
	unsigned ttl_s; /* 0: forever */
	bool json;
};

static void rules_defaults(void *o)
{
	memset(o, 0, sizeof(struct rules_opts));
}

static const struct opts_entry rules_rows[] = {
	{ "ttl", 't', OPTS_UINT, "S", "add: the drop rule expires after S whole seconds",
	  .deftext = "never", OPTS_FIELD(struct rules_opts, ttl_s), .umin = 1,
	  .umax = 10u * 365 * 86400 },
	{ "json", 'j', OPTS_FLAG, .help = "list: one JSON object instead of text",
	  OPTS_FIELD(struct rules_opts, json) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd rules_opts = {
	.name = "rules",
	.synopsis = "nadxdp rules add CIDR [--ttl S]   drop packets from CIDR\n"
		    "nadxdp rules del CIDR              remove the drop rule for CIDR\n"
		    "nadxdp rules allow add CIDR        never drop packets from CIDR\n"
		    "nadxdp rules allow del CIDR        remove CIDR from the allowlist\n"
		    "nadxdp rules list [--json]         every rule: origin, hits, bytes, time left",
	.description =
		"CIDR is a.b.c.d[/len] or an IPv6 address[/len]; a bare address is one host.\n"
		"Host bits below the prefix length are refused (10.0.0.1/24: use 10.0.0.0/24).\n"
		"Needs root and a running instance (maps pinned under " NAD_PIN_DIR ");\n"
		"list and del also work on the rules an instance kept on exit (--keep-rules).\n",
	.entries = rules_rows,
	.max_args = 3,
	.size = sizeof(struct rules_opts),
	.defaults = rules_defaults,
};

/* Parses a CIDR argument; logs and returns false when it is not one. */
static bool parse_cidr_arg(const char *s, struct addr_prefix *c)
{
	char norm[ADDR_PREFIX_STRLEN];
	int err = addr_prefix_parse(s, c);

	switch (err) {
	case 0:
		return true;
	case -EDOM:
		addr_prefix_format(c, norm, sizeof(norm));
		pr_warn("rules: %s has host bits set below the prefix length; did you mean %s?\n",
			s, norm);
		return false;
	case -ERANGE:
		pr_warn("rules: prefix length out of range in %s (IPv4 0..32, IPv6 0..128)\n", s);
		return false;
	default:
		pr_warn("rules: '%s' is not an address or prefix (a.b.c.d[/len] or IPv6[/len])\n",
			s);
		return false;
	}
}

/*
 * Opens the rule map for c's family; logs the cause on failure. Adding needs
 * a running instance (its counters pinned): a rule added to maps kept by
 * --keep-rules would do nothing until the next start. Deleting works on
 * kept maps too.
 */
static int open_rule_map(const struct addr_prefix *c, bool allow, bool adding)
{
	bool v4 = addr_prefix_is_v4(c);
	enum mitigate_bpf_map m = allow ? (v4 ? MITIGATE_MAP_ALLOW4 : MITIGATE_MAP_ALLOW6) :
					  (v4 ? MITIGATE_MAP_DROP4 : MITIGATE_MAP_DROP6);
	int fd;

	if (adding) {
		fd = open_pinned("nad_stats");
		if (fd < 0) {
			if (fd == -ENOENT)
				pr_warn(kept_rules_only() ? KEPT_ONLY_MSG : NO_INSTANCE_MSG);
			return fd;
		}
		close(fd);
	}
	fd = open_pinned(mitigate_bpf_map_names[m]);
	if (fd == -ENOENT)
		pr_warn(kept_rules_only() ? KEPT_ONLY_MSG : NO_INSTANCE_MSG);
	return fd;
}

/*
 * The common start of `rules add|del`: parses the CIDR argument, checks for root,
 * opens the map the prefix belongs in and fills its canonical text.
 * Returns the map fd, or minus the exit code (the cause logged).
 */
static int open_rule_arg(const char *arg, bool allow, bool create, struct addr_prefix *c,
			 char text[ADDR_PREFIX_STRLEN])
{
	int fd;

	if (!parse_cidr_arg(arg, c))
		return -EXIT_USAGE;
	if (!is_root("rules"))
		return -EXIT_RUNTIME;
	fd = open_rule_map(c, allow, create);
	if (fd < 0)
		return -EXIT_RUNTIME;
	addr_prefix_format(c, text, ADDR_PREFIX_STRLEN);
	return fd;
}

static int rule_add(const char *arg, bool allow, unsigned long long ttl_s)
{
	char text[ADDR_PREFIX_STRLEN];
	struct addr_prefix c;
	int fd, err, ret = EXIT_RUNTIME;

	fd = open_rule_arg(arg, allow, true, &c, text);
	if (fd < 0)
		return -fd;
	if (allow) {
		err = mitigate_bpf_allow_set(fd, &c);
		if (err) {
			pr_warn("rules: cannot add %s to the allowlist: %s\n", text,
				strerror(-err));
			goto cleanup;
		}
		printf("allow %s\n", text);
	} else {
		uint64_t now = mono_ns();
		bool existed;

		err = mitigate_bpf_drop_set(fd, &c, now, ttl_s ? now + ttl_s * 1000000000ull : 0,
					    &existed);
		if (err) {
			pr_warn("rules: cannot add the drop rule for %s: %s\n", text,
				strerror(-err));
			goto cleanup;
		}
		if (ttl_s)
			printf("%s drop %s for %llus\n", existed ? "updated" : "added", text,
			       ttl_s);
		else
			printf("%s drop %s\n", existed ? "updated" : "added", text);
	}
	ret = EXIT_OK;
cleanup:
	close(fd);
	return ret;
}

static int rule_del(const char *arg, bool allow)
{
	char text[ADDR_PREFIX_STRLEN];
	struct addr_prefix c;
	int fd, err, ret = EXIT_RUNTIME;

	fd = open_rule_arg(arg, allow, false, &c, text);
	if (fd < 0)
		return -fd;
	err = mitigate_bpf_del(fd, &c);
	if (err) {
		if (err == -ENOENT)
			pr_warn("rules: no %s for %s\n", allow ? "allowlist entry" : "drop rule",
				text);
		else
			pr_warn("rules: cannot delete %s: %s\n", text, strerror(-err));
		goto cleanup;
	}
	printf("deleted %s %s\n", allow ? "allow" : "drop", text);
	ret = EXIT_OK;
cleanup:
	close(fd);
	return ret;
}

static const char *origin_name(__u32 origin)
{
	switch (origin) {
	case NAD_ORIGIN_MANUAL:
		return "manual";
	case NAD_ORIGIN_AUTO:
		return "auto";
	default:
		return "unknown";
	}
}

struct list_ctx {
	struct json_object *arr;
	uint64_t now;
};

/* Prints one entry of a drop or allow map as text, or appends it to arr as JSON. */
static int list_entry(const struct mitigate_bpf_entry *e, void *ctx)
{
	const struct list_ctx *lc = ctx;
	bool drop = e->map == MITIGATE_MAP_DROP4 || e->map == MITIGATE_MAP_DROP6;
	char text[ADDR_PREFIX_STRLEN], left[32] = "never";
	const struct nad_rule r = drop ? e->drop : (struct nad_rule){ 0 };
	const struct nad_allow a = drop ? (struct nad_allow){ 0 } : e->allow;
	struct json_object *arr = lc->arr;
	uint64_t now = lc->now;

	if (addr_prefix_format(&e->prefix, text, sizeof(text)))
		snprintf(text, sizeof(text), "(bad key)");
	if (drop && r.expires_ns) {
		if (r.expires_ns > now)
			format_age(r.expires_ns - now, left, sizeof(left));
		else
			snprintf(left, sizeof(left), "expired");
	}
	if (arr) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(drop ? "drop" : "allow"));
		json_object_object_add(o, "cidr", json_object_new_string(text));
		if (drop) {
			json_object_object_add(o, "origin",
					       json_object_new_string(origin_name(r.origin)));
			json_object_object_add(o, "reason", json_object_new_int64(r.reason));
			json_add_u64(o, "hits", r.hits);
			json_add_u64(o, "bytes", r.hit_bytes);
			json_add_u64(o, "created_ns", r.created_ns);
			json_add_u64(o, "expires_ns", r.expires_ns);
			if (r.expires_ns)
				json_object_object_add(
					o, "ttl_left_s",
					json_object_new_double(
						r.expires_ns > now ?
							(double)(r.expires_ns - now) / 1e9 :
							0.0));
			else
				json_object_object_add(o, "ttl_left_s", NULL);
		} else {
			json_add_u64(o, "hits", a.hits);
		}
		json_object_array_add(arr, o);
	} else if (drop) {
		printf("%-6s %-43s %-7s %12llu %14llu %10s\n", "drop", text, origin_name(r.origin),
		       (unsigned long long)r.hits, (unsigned long long)r.hit_bytes, left);
	} else {
		printf("%-6s %-43s %-7s %12llu %14s %10s\n", "allow", text, "manual",
		       (unsigned long long)a.hits, "-", "-");
	}
	return 0;
}

static int rules_list(bool json)
{
	int fd[MITIGATE_N_LPM_MAPS] = { -1, -1, -1, -1 }, ret = EXIT_RUNTIME, sfd;
	struct json_object *arr = NULL;
	uint64_t now;

	if (!is_root("rules"))
		return EXIT_RUNTIME;
	/*
	 * The drop maps are required; the allowlist is not: with no instance
	 * running, the rules kept by --keep-rules are listed without it.
	 */
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		bool optional = m == MITIGATE_MAP_ALLOW4 || m == MITIGATE_MAP_ALLOW6;

		fd[m] = open_pinned(mitigate_bpf_map_names[m]);
		if (fd[m] == -ENOENT && optional)
			continue;
		if (fd[m] == -ENOENT) {
			pr_warn(NO_INSTANCE_MSG);
			goto cleanup;
		}
		if (fd[m] < 0)
			goto cleanup;
	}
	now = mono_ns();
	if (json) {
		arr = json_object_new_array();
		if (!arr) {
			pr_warn("rules: %s\n", strerror(ENOMEM));
			goto cleanup;
		}
	} else {
		printf("%-6s %-43s %-7s %12s %14s %10s\n", "kind", "cidr", "origin", "hits",
		       "bytes", "time left");
	}
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		if (fd[m] >= 0)
			mitigate_bpf_walk(fd[m], m, list_entry, &(struct list_ctx){ arr, now });
	}
	/* Aggregate rate rules of the mitigation (optional map). */
	sfd = open_pinned(mitigate_bpf_map_names[MITIGATE_MAP_RATE]);
	if (sfd >= 0) {
		mitigate_bpf_list_rates(sfd, arr, stdout, now);
		close(sfd);
	}
	if (json) {
		struct json_object *root = json_object_new_object();

		json_object_object_add(root, "rules", arr);
		arr = NULL;
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	if (fflush(stdout)) {
		pr_warn("rules: cannot write to stdout: %s\n", strerror(errno));
		goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	json_object_put(arr);
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		if (fd[m] >= 0)
			close(fd[m]);
	}
	return ret;
}

int ctl_rules_cmd(int argc, char **argv)
{
	struct opts_result res;
	struct rules_opts o;
	bool json, have_ttl;
	char **pos;
	int n_pos, ret;
	unsigned long long ttl;

	/* Options may follow the positional words (rules add X --ttl 60). */
	if (!cli_options(&rules_opts, argc, argv, &o, &res, &ret))
		return ret;
	pos = res.args;
	n_pos = (int)res.n_args;
	json = o.json;
	ttl = o.ttl_s;
	have_ttl = opts_seen(&rules_opts, &res, "ttl") > 0;
	if (n_pos == 0) {
		pr_warn("rules: want add, del, list or allow (see nadxdp rules --help)\n");
		return EXIT_USAGE;
	}
	if (!strcmp(pos[0], "list") && n_pos == 1 && !have_ttl)
		return rules_list(json);
	if (json) {
		pr_warn("rules: --json goes with list only\n");
		return EXIT_USAGE;
	}
	if (!strcmp(pos[0], "add") && n_pos == 2)
		return rule_add(pos[1], false, ttl);
	if (have_ttl) {
		pr_warn("rules: --ttl goes with add only (the allowlist has no expiry)\n");
		return EXIT_USAGE;
	}
	if (!strcmp(pos[0], "del") && n_pos == 2)
		return rule_del(pos[1], false);
	if (!strcmp(pos[0], "allow") && n_pos == 3 && !strcmp(pos[1], "add"))
		return rule_add(pos[2], true, 0);
	if (!strcmp(pos[0], "allow") && n_pos == 3 && !strcmp(pos[1], "del"))
		return rule_del(pos[2], true);
	if (!strcmp(pos[0], "allow") && n_pos == 2 && !strcmp(pos[1], "list"))
		return rules_list(false);
	pr_warn("rules: cannot make sense of '%s%s%s' (see nadxdp rules --help)\n", pos[0],
		n_pos > 1 ? " " : "", n_pos > 1 ? pos[1] : "");
	return EXIT_USAGE;
}
