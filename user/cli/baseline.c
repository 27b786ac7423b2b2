// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/baseline.c - `nadxdp baseline`: the per-host and per-service baselines saved with a
 * model (features/baseline.h), as text or JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/baseline.h"
#include "cli/cli.h"
#include "common/addr.h"
#include "common/names.h"
#include "features/baseline.h"
#include "ml/modelset.h"

struct baseline_cmd_opts {
	const char *models;
	bool json;
};

static void defaults(void *o)
{
	memset(o, 0, sizeof(struct baseline_cmd_opts));
}

static const struct opts_entry rows[] = {
	{ "models", 0, OPTS_STRING, "DIR", "the models directory (" MODELSET_FILE_NAME " in it)",
	  OPTS_FIELD(struct baseline_cmd_opts, models) },
	{ "json", 'j', OPTS_FLAG, .help = "one JSON object instead of text",
	  OPTS_FIELD(struct baseline_cmd_opts, json) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd baseline_command = {
	.name = "baseline",
	.synopsis = "nadxdp baseline --models DIR [--json]",
	.description =
		"The baselines saved with DIR/" MODELSET_FILE_NAME ": for each home host, packets\n"
		"and wire bytes per second out and in, flows per second it opened and of those\n"
		"answered, its requests left unanswered and the requests it left unanswered,\n"
		"payload bytes per second it sent outside the home net on flows it opened, and\n"
		"the distinct ports and hosts it contacted per window; for each of its services,\n"
		"requests, unanswered requests, packets in and bytes out per second. Each figure:\n"
		"the mean and standard deviation over windows (EWMA), the decaying peak, and the\n"
		"high level the detection classes compare with, max(peak, mean + 3 sd), once the\n"
		"entry is known for enough windows.\n",
	.entries = rows,
	.size = sizeof(struct baseline_cmd_opts),
	.defaults = defaults,
};

/* The entries, sorted: hosts, then services, by address, protocol and port. */
struct views {
	struct baseline_view *v;
	size_t n, cap;
	bool nomem;
};

static void collect(void *ctx, const struct baseline_view *v)
{
	struct views *vs = ctx;

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 64;
		struct baseline_view *p = realloc(vs->v, cap * sizeof(*p));

		if (!p) {
			vs->nomem = true;
			return;
		}
		vs->v = p;
		vs->cap = cap;
	}
	vs->v[vs->n++] = *v;
}

static int cmp_view(const void *a, const void *b)
{
	const struct baseline_view *x = a, *y = b;
	int c = (int)x->service - (int)y->service;

	if (!c)
		c = memcmp(x->addr, y->addr, 16);
	if (!c)
		c = (int)x->proto - (int)y->proto;
	if (!c)
		c = (int)x->port - (int)y->port;
	return c;
}

static const char *metric_name(const struct baseline_view *v, unsigned m)
{
	return v->service ? baseline_svc_metric_name(m) : baseline_metric_name(m);
}

static void entry_name(const struct baseline_view *v, char *buf, size_t len)
{
	char a[64];

	addr_str(v->addr, a, sizeof(a));
	if (v->service)
		snprintf(buf, len, "service %s %s/%u", a, names_proto(v->proto), v->port);
	else
		snprintf(buf, len, "host %s", a);
}

static void print_text(const struct baseline *b, const struct views *vs)
{
	const struct baseline_opts *o = baseline_opts(b);
	char name[128];

	printf("%zu entries; windows of %g s, mean and variance with tau %g s, peak half-life "
	       "%g s, high levels after %u windows\n",
	       vs->n, o->window_s, o->tau_s, o->peak_half_life_s, o->min_windows);
	for (size_t i = 0; i < vs->n; i++) {
		const struct baseline_view *v = &vs->v[i];

		entry_name(v, name, sizeof(name));
		printf("\n%s: known %u windows, idle %u\n", name, v->n_windows, v->idle);
		printf("  %-16s %12s %12s %12s %12s\n", "figure", "mean", "sd", "peak", "high");
		for (unsigned m = 0; m < v->n_metrics; m++) {
			const struct baseline_stat *s = &v->stat[m];
			double high;
			char hb[32] = "-";

			if (baseline_view_high(b, v, m, &high))
				snprintf(hb, sizeof(hb), "%.4g", high);
			printf("  %-16s %12.4g %12.4g %12.4g %12s\n", metric_name(v, m),
			       (double)s->mean, sqrt(fmax(s->var, 0)), (double)s->peak, hb);
		}
	}
}

static struct json_object *entry_json(const struct baseline *b, const struct baseline_view *v)
{
	struct json_object *e = json_object_new_object(), *figs = json_object_new_object();
	char a[64];

	addr_str(v->addr, a, sizeof(a));
	json_object_object_add(e, "addr", json_object_new_string(a));
	if (v->service) {
		json_object_object_add(e, "proto", json_object_new_string(names_proto(v->proto)));
		json_object_object_add(e, "port", json_object_new_int(v->port));
	}
	json_object_object_add(e, "windows", json_object_new_int64(v->n_windows));
	json_object_object_add(e, "idle", json_object_new_int64(v->idle));
	for (unsigned m = 0; m < v->n_metrics; m++) {
		struct json_object *f = json_object_new_object();
		double high;

		json_object_object_add(f, "mean", json_object_new_double(v->stat[m].mean));
		json_object_object_add(f, "sd",
				       json_object_new_double(sqrt(fmax(v->stat[m].var, 0))));
		json_object_object_add(f, "peak", json_object_new_double(v->stat[m].peak));
		json_object_object_add(
			f, "high",
			baseline_view_high(b, v, m, &high) ? json_object_new_double(high) : NULL);
		json_object_object_add(figs, metric_name(v, m), f);
	}
	json_object_object_add(e, "figures", figs);
	return e;
}

static void print_json(const struct baseline *b, const struct views *vs)
{
	const struct baseline_opts *o = baseline_opts(b);
	struct json_object *root = json_object_new_object(), *hosts = json_object_new_array(),
			   *svcs = json_object_new_array();

	json_object_object_add(root, "window_s", json_object_new_double(o->window_s));
	json_object_object_add(root, "tau_s", json_object_new_double(o->tau_s));
	json_object_object_add(root, "peak_half_life_s",
			       json_object_new_double(o->peak_half_life_s));
	json_object_object_add(root, "min_windows", json_object_new_int64(o->min_windows));
	for (size_t i = 0; i < vs->n; i++)
		json_object_array_add(vs->v[i].service ? svcs : hosts, entry_json(b, &vs->v[i]));
	json_object_object_add(root, "hosts", hosts);
	json_object_object_add(root, "services", svcs);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

int baseline_cmd(int argc, char **argv)
{
	struct baseline_cmd_opts o;
	struct opts_result res;
	struct views vs = { 0 };
	struct modelset *m = NULL;
	const struct baseline *b;
	char *path = NULL, err[256];
	int ret;

	if (!cli_options(&baseline_command, argc, argv, &o, &res, &ret))
		return ret;
	if (!o.models)
		return cli_usage_error(&baseline_command, "needs --models DIR");
	ret = EXIT_RUNTIME;
	if (asprintf(&path, "%s/%s", o.models, MODELSET_FILE_NAME) < 0) {
		path = NULL;
		pr_warn("baseline: out of memory\n");
		goto out;
	}
	m = modelset_load(path, 0, err, sizeof(err));
	if (!m) {
		pr_warn("baseline: %s: %s\n", path, err);
		goto out;
	}
	b = modelset_baseline(m);
	if (!b) {
		pr_warn("baseline: %s holds no baselines (trained from a CSV, or the default "
			"model)\n",
			path);
		goto out;
	}
	baseline_foreach(b, collect, &vs);
	if (vs.nomem) {
		pr_warn("baseline: out of memory\n");
		goto out;
	}
	qsort(vs.v, vs.n, sizeof(vs.v[0]), cmp_view);
	if (o.json)
		print_json(b, &vs);
	else
		print_text(b, &vs);
	ret = fflush(stdout) || ferror(stdout) ? EXIT_RUNTIME : EXIT_OK;
	if (ret)
		pr_warn("baseline: write error: %s\n", strerror(errno));
out:
	free(vs.v);
	modelset_free(m);
	free(path);
	return ret;
}
