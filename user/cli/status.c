// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/status.c - `nadxdp status`: the counters of a running instance, through its pins.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "capture/loader.h"
#include "capture/ring.h"
#include "cli/cli.h"
#include "cli/instance.h"
#include "cli/status.h"
#include "common/addr.h"
#include "common/log.h"
#include "mitigate/bpf.h"
#include "nad_abi.h"
#include "views/dashstate.h"

#define TOP_DEFAULT 10

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
		"counts, the top sources by packets, the daemon's bounded tables (entries, cap,\n"
		"evictions, refusals, memory; docs/limits.md) and the EVE outputs (events\n"
		"delivered, dropped, queued).\n",
	.entries = status_rows,
	.size = sizeof(struct status_opts),
	.defaults = status_defaults,
};

/* An array of the running daemon's state file (its bounded tables, its EVE outputs): a new
 * array, or NULL. */
static struct json_object *read_state_array(const char *key)
{
	struct json_object *state = json_object_from_file(DASH_STATE_FILE), *v, *ret = NULL;

	if (state && json_object_object_get_ex(state, key, &v) &&
	    json_object_is_type(v, json_type_array))
		ret = json_object_get(v);
	json_object_put(state);
	return ret;
}

/* A number of a row of the tables or the outputs (0 if absent). */
static unsigned long long row_u64(struct json_object *t, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(t, key, &v) ?
		       (unsigned long long)json_object_get_int64(v) :
		       0;
}

static void print_tables_text(struct json_object *tables)
{
	size_t n = tables ? json_object_array_length(tables) : 0;

	if (!n)
		return;
	printf("  %-22s %12s %12s %12s %12s %12s\n", "bounded tables", "entries", "cap", "evicted",
	       "refused", "memory KiB");
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tables, i), *name;

		printf("  %-22s %12llu %12llu %12llu %12llu %12llu\n",
		       json_object_object_get_ex(t, "name", &name) ? json_object_get_string(name) :
								     "?",
		       row_u64(t, "used"), row_u64(t, "cap"), row_u64(t, "evicted"),
		       row_u64(t, "refused"), (row_u64(t, "bytes") + 1023) / 1024);
	}
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

static void print_outputs_text(struct json_object *outs)
{
	size_t n = outs ? json_object_array_length(outs) : 0;

	if (!n)
		return;
	printf("EVE outputs: %-24s %5s %12s %10s %8s %10s\n", "", "", "events", "dropped", "queued",
	       "reconnects");
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(outs, i), *up;
		bool is_up = json_object_object_get_ex(o, "up", &up) && json_object_get_boolean(up);

		printf("  %-6s %-34s %5s %12llu %10llu %8llu %10llu\n", get_str(o, "kind"),
		       get_str(o, "target"), is_up ? "up" : "down", row_u64(o, "events"),
		       row_u64(o, "dropped"), row_u64(o, "queued"), row_u64(o, "reconnects"));
	}
}

static int print_status_json(const struct instance *in, const struct nad_stats *st,
			     const long n_rules[MITIGATE_N_LPM_MAPS], const long n_rate[2],
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
	cli_json_u64(o, "pkts_in", st->pkts[NAD_DIR_IN]);
	cli_json_u64(o, "pkts_out", st->pkts[NAD_DIR_OUT]);
	cli_json_u64(o, "bytes_in", st->bytes[NAD_DIR_IN]);
	cli_json_u64(o, "bytes_out", st->bytes[NAD_DIR_OUT]);
	cli_json_u64(o, "recs_emitted", st->recs_emitted);
	cli_json_u64(o, "recs_shed", st->recs_shed);
	cli_json_u64(o, "pending", st->pending);
	cli_json_u64(o, "staged", st->staged);
	cli_json_u64(o, "malformed", st->malformed);
	cli_json_u64(o, "dropped_rule", st->dropped_rule);
	cli_json_u64(o, "allowed_rule", st->allowed_rule);
	cli_json_u64(o, "dropped_rate", st->dropped_rate);
	json_object_object_add(root, "counters", o);

	o = json_object_new_object();
	json_object_object_add(o, "drop4", json_object_new_int64(n_rules[MITIGATE_MAP_DROP4]));
	json_object_object_add(o, "drop6", json_object_new_int64(n_rules[MITIGATE_MAP_DROP6]));
	json_object_object_add(o, "allow4", json_object_new_int64(n_rules[MITIGATE_MAP_ALLOW4]));
	json_object_object_add(o, "allow6", json_object_new_int64(n_rules[MITIGATE_MAP_ALLOW6]));
	json_object_object_add(o, "rate", json_object_new_int64(n_rate[0]));
	json_object_object_add(o, "rate_by_source", json_object_new_int64(n_rate[1]));
	json_object_object_add(root, "rules", o);

	json_object_object_add(root, "n_sources", json_object_new_uint64(n_src));
	arr = json_object_new_array();
	for (size_t i = 0; i < n_src && i < top; i++) {
		char addr[INET6_ADDRSTRLEN];

		addr_str(src[i].key.addr, addr, sizeof(addr));
		o = json_object_new_object();
		json_object_object_add(o, "addr", json_object_new_string(addr));
		cli_json_u64(o, "pkts", src[i].st.pkts);
		cli_json_u64(o, "bytes", src[i].st.bytes);
		cli_json_u64(o, "syns", src[i].st.syns);
		cli_json_u64(o, "first_ns", src[i].st.first_ns);
		cli_json_u64(o, "last_ns", src[i].st.last_ns);
		cli_json_u64(o, "idle_ns", now > src[i].st.last_ns ? now - src[i].st.last_ns : 0);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "top_sources", arr);
	arr = read_state_array("tables");
	if (arr)
		json_object_object_add(root, "tables", arr);
	arr = read_state_array("outputs");
	if (arr)
		json_object_object_add(root, "outputs", arr);
	if (puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		err = -EIO;
	json_object_put(root);
	return err;
}

static void print_status_text(const struct instance *in, const struct nad_stats *st,
			      const long n_rules[MITIGATE_N_LPM_MAPS], const long n_rate[2],
			      const struct capture_source *src, size_t n_src, size_t top,
			      uint64_t now)
{
	struct json_object *tables, *outs;

	if (in->have) {
		char up[32] = "?";
		time_t t = time(NULL);

		if (in->started_unix > 0 && t >= in->started_unix)
			cli_format_age((uint64_t)(t - in->started_unix) * 1000000000ull, up,
				       sizeof(up));
		printf("nadxdp on %s (ifindex %ld), ingress %s, pid %ld%s, up %s\n", in->ifname,
		       in->ifindex, loader_ingress_name(in->xdp_mode), in->pid,
		       in->alive ? "" : " (not running: stale pins)", up);
	} else {
		printf("nadxdp maps pinned under %s (no instance file %s)\n", NAD_PIN_DIR,
		       LOADER_INSTANCE_PATH);
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
	printf("%-22s %20ld %20ld\n", "rate rules (any, src)", n_rate[0], n_rate[1]);
	printf("sources tracked: %zu\n", n_src);
	if (top && n_src) {
		printf("  %-39s %12s %14s %10s %8s\n", "top sources", "packets", "bytes", "SYNs",
		       "idle");
		for (size_t i = 0; i < n_src && i < top; i++) {
			char addr[INET6_ADDRSTRLEN], idle[32];

			addr_str(src[i].key.addr, addr, sizeof(addr));
			cli_format_age(now > src[i].st.last_ns ? now - src[i].st.last_ns : 0, idle,
				       sizeof(idle));
			printf("  %-39s %12llu %14llu %10llu %8s\n", addr,
			       (unsigned long long)src[i].st.pkts,
			       (unsigned long long)src[i].st.bytes,
			       (unsigned long long)src[i].st.syns, idle);
		}
	}
	tables = read_state_array("tables");
	print_tables_text(tables);
	json_object_put(tables);
	outs = read_state_array("outputs");
	print_outputs_text(outs);
	json_object_put(outs);
}

int status_cmd(int argc, char **argv)
{
	int stats_fd = -1, src_fd = -1, rule_fd[MITIGATE_N_LPM_MAPS] = { -1, -1, -1, -1 };
	long n_rules[MITIGATE_N_LPM_MAPS] = { 0 }, n_rate[2] = { 0 };
	int rate_fd = -1;
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
	if (!instance_need_root("status"))
		return EXIT_RUNTIME;

	stats_fd = instance_open_pin("nad_stats");
	if (stats_fd == -ENOENT) {
		instance_warn_absent();
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
	src_fd = instance_open_pin("nad_src");
	if (src_fd >= 0) {
		err = capture_read_sources(src_fd, &src, &n_src);
		if (err) {
			pr_warn("cannot read %s/nad_src: %s\n", NAD_PIN_DIR, strerror(-err));
			goto cleanup;
		}
	}
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		rule_fd[m] = instance_open_pin(mitigate_bpf_map_names[m]);
		n_rules[m] = rule_fd[m] >= 0 ? mitigate_bpf_walk(rule_fd[m], m, NULL, NULL) : 0;
		if (n_rules[m] < 0)
			n_rules[m] = 0;
	}
	/* Rate rules: aggregate (any source) and signature (one source) ones. */
	rate_fd = instance_open_pin(mitigate_bpf_map_names[MITIGATE_MAP_RATE]);
	if (rate_fd >= 0 && mitigate_bpf_count_rates(rate_fd, &n_rate[0], &n_rate[1]))
		n_rate[0] = n_rate[1] = 0;
	instance_read(&in);
	now = cli_mono_ns();
	if (o.json) {
		if (print_status_json(&in, &st, n_rules, n_rate, src, n_src, o.top, now)) {
			pr_warn("status: cannot write the JSON object\n");
			goto cleanup;
		}
	} else {
		print_status_text(&in, &st, n_rules, n_rate, src, n_src, o.top, now);
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
	if (rate_fd >= 0)
		close(rate_fd);
	if (src_fd >= 0)
		close(src_fd);
	if (stats_fd >= 0)
		close(stats_fd);
	return ret;
}
