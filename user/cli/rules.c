// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/rules.c - `nadxdp rules`: the operator's manual hand on a running instance's drop
 * rules and allowlist. The map walks and writes are mitigate/bpf's (only the loader and
 * mitigation touch BPF maps); what is asked and what is printed is here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "cli/cli.h"
#include "cli/instance.h"
#include "cli/rules.h"
#include "common/addr.h"
#include "common/log.h"
#include "mitigate/bpf.h"
#include "nad_abi.h"

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
		fd = instance_open_pin("nad_stats");
		if (fd < 0) {
			if (fd == -ENOENT)
				instance_warn_absent();
			return fd;
		}
		close(fd);
	}
	fd = instance_open_pin(mitigate_bpf_map_names[m]);
	if (fd == -ENOENT)
		instance_warn_absent();
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
	if (!instance_need_root("rules"))
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
		uint64_t now = cli_mono_ns();
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
			cli_format_age(r.expires_ns - now, left, sizeof(left));
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
			cli_json_u64(o, "hits", r.hits);
			cli_json_u64(o, "bytes", r.hit_bytes);
			cli_json_u64(o, "created_ns", r.created_ns);
			cli_json_u64(o, "expires_ns", r.expires_ns);
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
			cli_json_u64(o, "hits", a.hits);
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

	if (!instance_need_root("rules"))
		return EXIT_RUNTIME;
	/*
	 * The drop maps are required; the allowlist is not: with no instance
	 * running, the rules kept by --keep-rules are listed without it.
	 */
	for (int m = 0; m < MITIGATE_N_LPM_MAPS; m++) {
		bool optional = m == MITIGATE_MAP_ALLOW4 || m == MITIGATE_MAP_ALLOW6;

		fd[m] = instance_open_pin(mitigate_bpf_map_names[m]);
		if (fd[m] == -ENOENT && optional)
			continue;
		if (fd[m] == -ENOENT) {
			pr_warn(INSTANCE_NONE_MSG);
			goto cleanup;
		}
		if (fd[m] < 0)
			goto cleanup;
	}
	now = cli_mono_ns();
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
	sfd = instance_open_pin(mitigate_bpf_map_names[MITIGATE_MAP_RATE]);
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

int rules_cmd(int argc, char **argv)
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
