// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * livebed.c - see livebed.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>
#include <json-c/json.h>

#include "helpers/cmd_run.h"
#include "helpers/livebed.h"
#include "helpers/testbed_ns.h"

void lb_init(struct livebed *b, const char *prefix)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->prefix, sizeof(b->prefix), "%s", prefix);
	snprintf(b->mon_ns, sizeof(b->mon_ns), "%s-mon", prefix);
	snprintf(b->cli_ns, sizeof(b->cli_ns), "%s-cli", prefix);
	snprintf(b->atk_ns, sizeof(b->atk_ns), "%s-atk", prefix);
	snprintf(b->mon_if, sizeof(b->mon_if), "%s0", prefix);
	b->daemon_pid = -1;
}

void lb_up(struct livebed *b, const char *const *tools)
{
	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, XDP, private bpffs");
	for (; tools && *tools; tools++)
		if (tb_sh("command -v %s >/dev/null 2>&1", *tools))
			cr_skip_test("needs %s (scripts/install-deps.sh)", *tools);
	snprintf(b->workdir, sizeof(b->workdir), "/tmp/nadxdp-%s-XXXXXX", b->prefix);
	cr_assert_not_null(mkdtemp(b->workdir));
	tb_private_mounts("size=8m,mode=755");
	b->made = true;
	cr_assert_eq(tb_sh("NADX_PREFIX=%s bash '%s' up >/dev/null", b->prefix,
			   cmd_repo_path("scripts/testbed.sh")),
		     0, "test bed up");
}

void lb_teardown(struct livebed *b)
{
	tb_teardown(&b->daemon_pid, b->made, b->prefix, ">/dev/null 2>&1", b->workdir);
}

const char *lb_path(const struct livebed *b, const char *name)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", b->workdir, name);
	return p;
}

char *lb_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

void lb_start(struct livebed *b, const char *const *args)
{
	char *argv[48] = {
		"nsenter", NULL, "--", (char *)cmd_nadxdp_bin(), "run", b->mon_if,
	};
	char net[64];
	int n = 6;

	snprintf(net, sizeof(net), "--net=/run/netns/%s", b->mon_ns);
	argv[1] = net;
	for (; args && *args && n < 47; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	b->daemon_pid = tb_start_daemon(argv, lb_path(b, "daemon.log"), lb_path(b, "daemon.log"),
					b->mon_if);
}

void lb_stop(struct livebed *b)
{
	tb_stop_daemon(&b->daemon_pid, lb_path(b, "daemon.log"));
}

struct json_object *lb_eve(const struct livebed *b, const char *name)
{
	struct json_object *arr = json_object_new_array();
	char *text = lb_slurp(lb_path(b, name)), *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(l);

		cr_assert_not_null(o, "EVE line does not parse: %s", l);
		json_object_array_add(arr, o);
	}
	free(text);
	return arr;
}

const char *lb_jstr(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return "";
	if (b && !json_object_object_get_ex(v, b, &v))
		return "";
	return json_object_get_string(v) ? json_object_get_string(v) : "";
}

struct json_object *lb_mitigation(struct json_object *eve, const char *action, const char *rule)
{
	for (size_t i = 0; i < json_object_array_length(eve); i++) {
		struct json_object *o = json_object_array_get_idx(eve, i);

		if (!strcmp(lb_jstr(o, "event_type", NULL), "mitigation") &&
		    !strcmp(lb_jstr(o, "mitigation", "action"), action) &&
		    (!rule || !strcmp(lb_jstr(o, "mitigation", "rule"), rule)))
			return o;
	}
	return NULL;
}

bool lb_has_alert(struct json_object *eve, const char *cls, const char *src)
{
	for (size_t i = 0; i < json_object_array_length(eve); i++) {
		struct json_object *o = json_object_array_get_idx(eve, i);

		if (!strcmp(lb_jstr(o, "event_type", NULL), "anomaly") &&
		    !strcmp(lb_jstr(o, "anomaly", "class"), cls) &&
		    (!src || !strcmp(lb_jstr(o, "src_ip", NULL), src)))
			return true;
	}
	return false;
}

uint64_t lb_status_u64(const char *key)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "status", "--json", "--top", "0", NULL };
	struct cmd_result r;
	const char *p;
	char pat[64];
	uint64_t v;

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "nadxdp status: %s", r.err);
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(r.out, pat);
	cr_assert_not_null(p, "%s not in %s", key, r.out);
	v = strtoull(p + strlen(pat), NULL, 10);
	cmd_result_free(&r);
	return v;
}

struct json_object *lb_rules(void)
{
	char *argv[] = { (char *)cmd_nadxdp_bin(), "rules", "list", "--json", NULL };
	struct json_object *o;
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	cr_assert_eq(r.status, 0, "nadxdp rules list: %s", r.err);
	o = json_tokener_parse(r.out);
	cr_assert_not_null(o, "rules list --json: %s", r.out);
	cmd_result_free(&r);
	return o;
}

int lb_drop_rules(struct json_object *list, const char *cidr, uint64_t *hits)
{
	struct json_object *arr;
	int n = 0;

	cr_assert(json_object_object_get_ex(list, "rules", &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *h;

		if (strcmp(lb_jstr(o, "kind", NULL), "drop"))
			continue;
		n++;
		if (cidr && hits && !strcmp(lb_jstr(o, "cidr", NULL), cidr) &&
		    json_object_object_get_ex(o, "hits", &h))
			*hits = (uint64_t)json_object_get_int64(h);
	}
	return n;
}

bool lb_pinned(void)
{
	struct stat st;

	return stat("/sys/fs/bpf/nadxdp", &st) == 0;
}

char *lb_http_get(const struct livebed *b, const char *port, const char *path)
{
	cr_assert_eq(tb_sh("nsenter --net=/run/netns/%s -- curl -sf -m 5 -o '%s' "
			   "http://127.0.0.1:%s%s",
			   b->mon_ns, lb_path(b, "http.out"), port, path),
		     0, "GET %s", path);
	return lb_slurp(lb_path(b, "http.out"));
}
