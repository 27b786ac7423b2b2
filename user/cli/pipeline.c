// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/pipeline.c - offline and live drivers of the engine (contract in pipeline.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/offline.h"
#include "capture/pcapsrc.h"
#include "cli/pipeline.h"
#include "common/log.h"
#include "detect/engine.h"
#include "detect/retrain.h"
#include "features/baseline.h"
#include "features/features.h"
#include "ml/modelset.h"
#include "report/eve.h"
#include "report/outputs.h"

void analyze_opts_default(struct analyze_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_AUTO;
	o->summary_interval_s = 30;
	o->train_packets = 20000;
	o->retrain_interval_s = 3600;
	o->eve.syslog_facility = 21; /* local5, Suricata's */
	o->eve.syslog_severity = 6; /* info */
	o->eve.redis_mode = OUTPUT_REDIS_LPUSH; /* Suricata's "list" */
}

int analyze_parse_redis(const char *s, char *host, size_t len, unsigned *port, const char **path)
{
	const char *colon, *h = s;
	size_t hl;

	*path = NULL;
	*port = 6379;
	if (strchr(s, '/')) {
		*path = s;
		return 0;
	}
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			return -EINVAL; /* a bare IPv6 address: its port would be ambiguous */
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!hl || hl >= len)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);

		if (!colon[1] || *end || !p || p > 65535)
			return -EINVAL;
		*port = (unsigned)p;
	}
	return 0;
}

/* Everything one run needs; shared by the offline and live drivers. */
struct analyze_live {
	struct analyze_opts o;
	struct modelswap *hold;
	struct retrain *retrain;
	struct modelset_opts model_opts; /* retraining's; log_unit points at log_unit below */
	float log_unit[VECTOR_DIM];
	struct engine *engine;
	struct baseline *baseline; /* the site's per-host baselines the engine keeps */
	struct eve *eve; /* the EVE and console output of the engine's events */
	struct outputs *out; /* where eve's lines go */
	FILE *vec;
	const struct analyze_observer *obs; /* offline: its vector callback */
	uint64_t n_recs;
	bool training;
	unsigned long next_progress;
	char model_path[PATH_MAX];
	/* queued records (analyze_live_queue) wait here for engine_process_batch */
	struct nad_rec batch[ENGINE_BATCH];
	float batch_vec[ENGINE_BATCH * VECTOR_DIM];
	size_t n_batch;
	/* live: records held in time order until LIVE_REORDER_NS behind the newest (hwm) */
	struct nad_rec *held;
	size_t n_held;
	uint64_t hwm;
};

/*
 * The ring holds records in the order their stages were committed: what one CPU left in a
 * partial stage comes up to NAD_STAGE_FLUSH_NS after another CPU's records of later packets
 * (a DNS response on the egress CPU before its query on the ingress one, which the flow
 * table would take for a response nobody asked for). Live records wait until they are
 * twice that behind the newest and go to the engine in time order.
 */
#define LIVE_REORDER_NS (2 * NAD_STAGE_FLUSH_NS)
#define LIVE_HELD_MAX 16384

static bool names_match(const struct modelset *m, char *err, size_t len)
{
	if (modelset_dim(m) != VECTOR_DIM) {
		snprintf(err, len, "the model has %zu features, the engine %d", modelset_dim(m),
			 VECTOR_DIM);
		return false;
	}
	for (size_t i = 0; i < VECTOR_DIM; i++) {
		const char *n = modelset_feature_name(m, i);

		if (!n || strcmp(n, vector_names[i])) {
			snprintf(err, len, "feature %zu is '%s', the engine's is '%s'", i,
				 n ? n : "?", vector_names[i]);
			return false;
		}
	}
	return true;
}

/* Gives the socket outputs OUTPUT_DRAIN_MS for their queues, says what was lost, frees. */
static void close_outputs(struct outputs *out)
{
	struct output_stats st[8];
	size_t n;

	if (!out)
		return;
	outputs_drain(out, OUTPUT_DRAIN_MS);
	n = outputs_stats(out, st, 8);
	for (size_t i = 0; i < n; i++) {
		if (st[i].n_dropped || st[i].n_queued)
			pr_warn("EVE output %s %s: %llu events written, %llu dropped\n", st[i].kind,
				st[i].target, (unsigned long long)st[i].n_written,
				(unsigned long long)(st[i].n_dropped + st[i].n_queued));
	}
	outputs_free(out);
}

static void live_free(struct analyze_live *a)
{
	if (!a)
		return;
	engine_free(a->engine);
	baseline_free(a->baseline);
	eve_free(a->eve);
	close_outputs(a->out);
	retrain_free(a->retrain);
	modelswap_free(a->hold);
	if (a->vec)
		fclose(a->vec);
	free(a->held);
	free(a);
}

/* -errno, or -EINVAL when a failed call left errno clear. */
static int neg_errno(void)
{
	return errno ? -errno : -EINVAL;
}

int analyze_models_dir(const char *dir)
{
	struct stat st;

	if (!stat(dir, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		pr_warn("Models directory %s is not a directory\n", dir);
		return -ENOTDIR;
	}
	if (errno != ENOENT || mkdir(dir, 0700)) {
		int e = neg_errno();

		pr_warn("Failed to create the models directory %s: %s\n", dir, strerror(-e));
		return e;
	}
	pr_info("Created the models directory %s (mode 0700)\n", dir);
	return 0;
}

/*
 * The model DIR holds, else the embedded default (*m NULL if that is unusable too: rules
 * only). *need_train: DIR has none and training is allowed. 0, or -errno for a model
 * file that is there but unreadable or of other features, or a DIR that cannot be made
 * (logged).
 */
static int load_model(struct analyze_live *a, struct modelset **m, bool *need_train)
{
	const struct analyze_opts *o = &a->o;
	size_t len = (size_t)(nad_default_model_end - nad_default_model);
	char err[256] = "";

	*m = NULL;
	*need_train = false;
	if (o->models_dir) {
		int derr = analyze_models_dir(o->models_dir);

		if (derr)
			return derr;
		snprintf(a->model_path, sizeof(a->model_path), "%s/%s", o->models_dir,
			 MODELSET_FILE_NAME);
		*m = modelset_load(a->model_path, VECTOR_DIM, err, sizeof(err));
		if (!*m && errno != ENOENT) {
			int e = neg_errno();

			pr_warn("Failed to load %s: %s\n", a->model_path, err);
			return e;
		}
		if (*m && !names_match(*m, err, sizeof(err))) {
			pr_warn("Refusing %s: %s (retrain it with this version)\n", a->model_path,
				err);
			modelset_free(*m);
			*m = NULL;
			return -EINVAL;
		}
		*need_train = !*m && !o->no_train;
	}
	if (*m)
		return 0;
	*m = len ? modelset_load_mem(nad_default_model, len, VECTOR_DIM, err, sizeof(err)) : NULL;
	if (*m)
		modelset_set_baseline(*m, NULL); /* a site's baselines are not the default's */
	if (*m && !names_match(*m, err, sizeof(err))) {
		modelset_free(*m);
		*m = NULL;
	}
	if (!*m)
		pr_warn("No usable embedded default model (%s): rules only until a model "
			"is trained\n",
			len ? err : "empty");
	else
		pr_info("Using the embedded default model\n");
	return 0;
}

/* The baselines to save with a model: the engine's, as bytes (retrain.h). */
static int snapshot_baseline(void *ctx, struct baseline_bytes *out)
{
	struct analyze_live *a = ctx;

	*out = (struct baseline_bytes){ 0 };
	return a->baseline ? baseline_bytes_of(a->baseline, out) : 0;
}

/* Initial training (need_train) and periodic retraining into a->hold: 0 or -errno. */
static int start_retrain(struct analyze_live *a, bool need_train, bool live)
{
	const struct analyze_opts *o = &a->o;
	struct retrain_opts ro = {
		.dim = VECTOR_DIM,
		.names = vector_names,
		.reservoir = o->train_packets > 20000 ? o->train_packets : 20000,
		.interval_s = o->retrain_interval_s,
		.initial_rows = need_train ? o->train_packets : 0,
		.save_path = a->model_path,
		.background = live,
		.seed = 42,
		.model_opts = &a->model_opts,
		.snapshot = snapshot_baseline,
		.snapshot_ctx = a,
	};

	modelset_opts_default(&a->model_opts);
	modelset_opts_names(&a->model_opts, vector_names, VECTOR_DIM, a->log_unit);

	a->retrain = retrain_new(&ro, a->hold);
	if (!a->retrain)
		return neg_errno();
	a->training = need_train;
	a->next_progress = o->train_packets / 10 ?: 1;
	if (need_train)
		pr_info("No model in %s: learning the site from the first %lu packets (sources "
			"under alert left out); the embedded model detects meanwhile\n",
			o->models_dir, o->train_packets);
	return 0;
}

/* One EVE output: 0 or -errno (logged). */
static int add_output(struct analyze_live *a, const struct output_spec *spec, const char *what)
{
	int e = outputs_add(a->out, spec);

	if (e)
		pr_warn("Failed to open the EVE output %s: %s\n", what, strerror(-e));
	return e;
}

/* The EVE outputs the options name, in a->out: 0 or -errno (logged). */
static int open_eve_outputs(struct analyze_live *a)
{
	const struct analyze_opts *o = &a->o;
	const struct analyze_eve *v = &o->eve;
	char host[256];
	int e = 0;

	a->out = outputs_new();
	if (!a->out)
		return -ENOMEM;
	if (o->json)
		e = add_output(a, &(struct output_spec){ .kind = OUTPUT_STREAM, .stream = stdout },
			       "stdout");
	if (!e && o->log_path)
		e = add_output(a, &(struct output_spec){ .kind = OUTPUT_FILE, .path = o->log_path },
			       o->log_path);
	if (!e && v->syslog)
		e = add_output(a,
			       &(struct output_spec){ .kind = OUTPUT_SYSLOG,
						      .path = v->syslog_path,
						      .facility = (unsigned)v->syslog_facility,
						      .severity = (unsigned)v->syslog_severity },
			       "syslog");
	if (!e && v->unix_path)
		e = add_output(a,
			       &(struct output_spec){ .kind = OUTPUT_UNIX,
						      .path = v->unix_path,
						      .queue_len = v->queue_len },
			       v->unix_path);
	if (!e && v->redis) {
		struct output_spec spec = { .kind = OUTPUT_REDIS,
					    .key = v->redis_key,
					    .redis_mode = v->redis_mode,
					    .queue_len = v->queue_len,
					    .host = host };

		e = analyze_parse_redis(v->redis, host, sizeof(host), &spec.port, &spec.path);
		if (e)
			pr_warn("Bad Redis server '%s' (HOST[:PORT], [V6]:PORT or a socket path)\n",
				v->redis);
		else
			e = add_output(a, &spec, v->redis);
	}
	return e;
}

/* The EVE outputs and the vectors file: 0 or -errno (logged). */
static int open_outputs(struct analyze_live *a)
{
	const struct analyze_opts *o = &a->o;
	int e = open_eve_outputs(a);

	if (e)
		return e;
	if (o->vectors_out) {
		a->vec = fopen(o->vectors_out, "w");
		if (!a->vec) {
			e = neg_errno();
			pr_warn("Failed to open %s: %s\n", o->vectors_out, strerror(-e));
			return e;
		}
		for (int i = 0; i < VECTOR_DIM; i++)
			fprintf(a->vec, "%s%s", i ? "," : "", vector_names[i]);
		fputc('\n', a->vec);
	}
	return 0;
}

/* The EVE and console output, then the engine that feeds it: 0 or -errno. */
static int start_engine(struct analyze_live *a, bool live)
{
	const struct analyze_opts *o = &a->o;
	struct eve_opts vo = { 0 };
	struct engine_opts eo;
	char host[256];

	vo.console = o->quiet ? NULL : stderr;
	vo.color = !o->quiet && isatty(STDERR_FILENO);
	vo.out = a->out;
	vo.in_iface = o->eve.in_iface;
	vo.host = o->eve.host;
	if (!vo.host) {
		if (gethostname(host, sizeof(host)))
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = 0;
		vo.host = host;
	}
	if (live) {
		struct timespec rt, mono;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		vo.wall_offset_ns = ((uint64_t)rt.tv_sec * 1000000000ull + rt.tv_nsec) -
				    ((uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec);
	}
	a->eve = eve_new(&vo);
	if (!a->eve)
		return neg_errno();
	engine_opts_default(&eo);
	eo.profile = o->profile;
	eo.summary_interval_s = o->summary_interval_s > 0 ? o->summary_interval_s : -1;
	eo.alert.sink = eve_on_alert;
	eo.alert.sink_ctx = a->eve;
	eo.home = &a->o.home;
	eo.baseline = a->baseline;
	a->engine = engine_new(&eo, a->hold, a->retrain);
	return a->engine ? 0 : neg_errno();
}

static struct analyze_live *setup(const struct analyze_opts *o, bool live)
{
	struct analyze_live *a = calloc(1, sizeof(*a));
	struct baseline_opts bo;
	struct modelset *m;
	bool need_train;
	int err;

	if (a && live && !(a->held = calloc(LIVE_HELD_MAX, sizeof(*a->held)))) {
		free(a);
		a = NULL;
	}
	if (!a)
		return NULL;
	a->o = *o;
	m = NULL;
	need_train = false;
	err = o->no_model ? 0 : load_model(a, &m, &need_train);
	if (err)
		goto fail;
	/* The baselines saved with the site's model carry on; else they start empty. */
	a->baseline = m ? modelset_take_baseline(m) : NULL;
	a->hold = modelswap_new(m);
	if (!a->hold) {
		err = neg_errno();
		modelset_free(m);
		goto fail;
	}
	if (need_train || (o->models_dir && !o->no_train && o->retrain_interval_s > 0)) {
		err = start_retrain(a, need_train, live);
		if (err)
			goto fail;
	}
	if (a->baseline) {
		struct baseline_counts c;

		baseline_get_counts(a->baseline, &c);
		pr_info("Baselines of %llu hosts and %llu services loaded with the model\n",
			(unsigned long long)c.n_hosts, (unsigned long long)c.n_services);
	} else {
		baseline_opts_default(&bo);
		a->baseline = baseline_new(&bo);
	}
	err = a->baseline ? open_outputs(a) : neg_errno();
	if (!err)
		err = start_engine(a, live);
	if (err)
		goto fail;
	return a;
fail:
	live_free(a);
	errno = -err;
	return NULL;
}

struct analyze_live *analyze_live_new(const struct analyze_opts *o)
{
	return setup(o, true);
}

/*
 * "13494 of 20000 packets (67%), 3000 left out (sources under alert)" into buf: the
 * initial training's rows so far, or the rows it took once it started.
 */
static void learnt(const struct analyze_live *a, char *buf, size_t len)
{
	uint64_t n = retrain_initial_pending(a->retrain) ? retrain_n_rows(a->retrain) :
							   retrain_n_initial(a->retrain);
	uint64_t skipped = retrain_n_skipped(a->retrain);
	int k = snprintf(buf, len, "%llu of %lu packets (%.0f%%)", (unsigned long long)n,
			 a->o.train_packets, 100.0 * (double)n / a->o.train_packets);

	if (skipped && k > 0 && (size_t)k < len)
		snprintf(buf + k, len - k, ", %llu left out (sources under alert)",
			 (unsigned long long)skipped);
}

/* The initial training is done: says so, once. */
static void learned(struct analyze_live *a)
{
	char buf[128];

	a->training = false;
	learnt(a, buf, sizeof(buf));
	pr_info("Learned the site from %s: saved to %s, detecting with it\n", buf, a->model_path);
}

/* Per-record bookkeeping after the engine saw it: the vectors, training progress. */
static void after_record(struct analyze_live *a, const struct nad_rec *rec, const float *v)
{
	char buf[128];

	a->n_recs++;
	if (a->obs && a->obs->vector)
		a->obs->vector(a->obs->ctx, rec, v);
	if (a->vec) {
		for (int i = 0; i < VECTOR_DIM; i++)
			fprintf(a->vec, "%s%.9g", i ? "," : "", (double)v[i]);
		fputc('\n', a->vec);
	}
	if (a->training && a->retrain) {
		if (retrain_n_trained(a->retrain)) {
			learned(a);
		} else if (retrain_initial_pending(a->retrain) &&
			   retrain_n_rows(a->retrain) >= a->next_progress && !a->o.quiet) {
			learnt(a, buf, sizeof(buf));
			pr_info("Learning the site: %s\n", buf);
			while (a->next_progress <= retrain_n_rows(a->retrain))
				a->next_progress += a->o.train_packets / 10 ?: 1;
		}
	}
}

static void batch_flush(struct analyze_live *a)
{
	size_t n = a->n_batch;

	if (!n)
		return;
	/* Emptied first, so a re-entrant call (an alert observer's) finds nothing queued. */
	a->n_batch = 0;
	engine_process_batch(a->engine, a->batch, n, NULL, a->batch_vec);
	for (size_t i = 0; i < n; i++)
		after_record(a, &a->batch[i], &a->batch_vec[i * VECTOR_DIM]);
}

static void batch_add(struct analyze_live *a, const struct nad_rec *rec)
{
	if (a->n_batch == ENGINE_BATCH)
		batch_flush(a);
	a->batch[a->n_batch++] = *rec;
}

/* The held records up to time t, in time order, to the batch. */
static void release(struct analyze_live *a, uint64_t t)
{
	size_t i = 0;

	while (i < a->n_held && a->held[i].ts_ns <= t)
		batch_add(a, &a->held[i++]);
	memmove(a->held, a->held + i, (a->n_held - i) * sizeof(*a->held));
	a->n_held -= i;
}

/* Every held record to the engine, then the batch. */
static void drain(struct analyze_live *a)
{
	if (a->held)
		release(a, UINT64_MAX);
	batch_flush(a);
}

int analyze_live_record(struct analyze_live *a, const struct nad_rec *rec)
{
	drain(a);
	engine_process(a->engine, rec);
	after_record(a, rec, engine_last_vector(a->engine));
	return 0;
}

void analyze_live_queue(struct analyze_live *a, const struct nad_rec *rec)
{
	size_t i;

	if (!a->held) {
		batch_add(a, rec);
		return;
	}
	if (a->n_held == LIVE_HELD_MAX)
		release(a, a->held[ENGINE_BATCH - 1].ts_ns);
	/* mostly in order already: from the end to its place */
	for (i = a->n_held; i > 0 && a->held[i - 1].ts_ns > rec->ts_ns; i--)
		;
	memmove(a->held + i + 1, a->held + i, (a->n_held - i) * sizeof(*a->held));
	a->held[i] = *rec;
	a->n_held++;
	if (rec->ts_ns > a->hwm)
		a->hwm = rec->ts_ns;
}

void analyze_live_flush(struct analyze_live *a)
{
	struct timespec ts;
	uint64_t now;

	if (a->held) {
		/* the records' clock (bpf_ktime_get_ns) is CLOCK_MONOTONIC's */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		if (a->hwm > now)
			now = a->hwm;
		release(a, now > LIVE_REORDER_NS ? now - LIVE_REORDER_NS : 0);
	}
	batch_flush(a);
}

void analyze_live_tick(struct analyze_live *a, uint64_t now_ns, const struct nad_stats *kernel)
{
	if (a->held)
		release(a, now_ns > LIVE_REORDER_NS ? now_ns - LIVE_REORDER_NS : 0);
	batch_flush(a);
	engine_tick(a->engine, now_ns, kernel);
}

void analyze_live_drain(struct analyze_live *a)
{
	drain(a);
}

/*
 * The end of a run with a models directory: the initial training if the input ended
 * before it (offline, on what there is), then the model saved again with the baselines
 * as they are now (live: always, so a restart keeps what was learned; offline: when this
 * run trained). Says what happened.
 */
static void finish_learning(struct analyze_live *a, bool live)
{
	char buf[128];
	int err;

	if (!a->retrain || !engine_n_packets(a->engine))
		return;
	if (retrain_initial_pending(a->retrain)) {
		learnt(a, buf, sizeof(buf));
		if (live) {
			pr_warn("No model saved: stopped after %s, before the initial training\n",
				buf);
			return;
		}
		if (retrain_n_rows(a->retrain) < MODELSET_MIN_ROWS) {
			pr_warn("No model saved: the capture ended after %s, training needs at "
				"least %d\n",
				buf, MODELSET_MIN_ROWS);
			return;
		}
		pr_info("The capture ended after %s: training on those (at least %d are needed)\n",
			buf, MODELSET_MIN_ROWS);
		err = retrain_finish(a->retrain);
		if (err <= 0)
			return;
	}
	if (a->training && retrain_n_trained(a->retrain))
		learned(a);
	if (!live && !retrain_n_trained(a->retrain))
		return;
	err = retrain_save(a->retrain);
	if (err)
		pr_warn("Failed to save %s: %s\n", a->model_path, strerror(-err));
	else
		pr_info("Saved %s with the baselines learned\n", a->model_path);
}

void analyze_live_free(struct analyze_live *a)
{
	if (!a)
		return;
	drain(a);
	engine_finish(a->engine);
	finish_learning(a, true);
	live_free(a);
}

struct engine *analyze_live_engine(struct analyze_live *a)
{
	return a->engine;
}

struct eve *analyze_live_eve(struct analyze_live *a)
{
	return a->eve;
}

struct outputs *analyze_live_outputs(struct analyze_live *a)
{
	return a->out;
}

int analyze_live_reopen(struct analyze_live *a)
{
	int e = outputs_reopen(a->out);

	if (e)
		pr_warn("Failed to reopen %s: %s (EVE lines to it are lost until the next "
			"SIGHUP)\n",
			a->o.log_path, strerror(-e));
	else if (a->o.log_path)
		pr_info("Reopened %s\n", a->o.log_path);
	return e;
}

struct offline_ctx {
	struct analyze_live *a;
	const struct analyze_observer *obs;
};

/* Offline, no one waits for an alert: records are scored ENGINE_BATCH at a time. */
static int offline_cb(const struct nad_rec *rec, void *ctx)
{
	struct offline_ctx *c = ctx;

	if (c->obs && c->obs->record)
		c->obs->record(c->obs->ctx, rec);
	analyze_live_queue(c->a, rec);
	return 0;
}

void analyze_report_home(const struct homenet *h, const char *how)
{
	char buf[512];

	homenet_format(h, buf, sizeof(buf));
	pr_info("Home network (%s): %s\n", how, buf);
}

static int infer_cb(const struct nad_rec *rec, void *ctx)
{
	homenet_infer_add(ctx, rec);
	return 0;
}

/* A first pass over the capture: the home network it shows (homenet.h), reported. */
static int infer_home(const char *pcap, struct homenet *h)
{
	struct homenet_infer *x = homenet_infer_new();

	if (!x)
		return neg_errno();
	offline_peek(pcap, infer_cb, x); /* the second pass reports a cut */
	homenet_infer_done(x, h);
	homenet_infer_free(x);
	analyze_report_home(h, h->n ? "inferred from the capture; --home-net overrides" :
				      "nothing to infer from: the private ranges");
	return 0;
}

int analyze_offline(const struct analyze_opts *o, const struct analyze_observer *obs)
{
	char perr[PCAPSRC_ERRLEN];
	struct offline_ctx c = { .obs = obs };
	struct analyze_live *a;
	struct pcapsrc *probe;
	int err;

	/*
	 * Refuse a missing or unreadable capture before loading or training models, so
	 * its one line is the only one. Opening reads just the file header.
	 */
	probe = pcapsrc_new(o->pcap, perr, sizeof(perr));
	if (!probe) {
		err = errno ? -errno : -EINVAL;
		pr_warn("%s\n", perr);
		return err;
	}
	pcapsrc_free(probe);

	if (!o->home.n) {
		struct analyze_opts inferred = *o;

		err = infer_home(o->pcap, &inferred.home);
		if (err)
			return err;
		a = setup(&inferred, false);
	} else {
		analyze_report_home(&o->home, "given");
		a = setup(o, false);
	}
	if (!a)
		return -errno;
	c.a = a;
	a->obs = obs;
	if (obs && obs->alert)
		engine_set_observer(a->engine, obs->alert, obs->ctx);
	err = offline_for_each(o->pcap, offline_cb, &c);
	analyze_live_flush(a);
	engine_finish(a->engine);
	finish_learning(a, false);
	if (obs && obs->finish) {
		int ferr = obs->finish(obs->ctx, a->engine);

		err = err ? err : ferr;
	}
	pr_info("%llu packets analysed\n", (unsigned long long)engine_n_packets(a->engine));
	live_free(a);
	return err;
}

struct vectors_ctx {
	analyze_vector_fn fn;
	void *ctx;
	struct baseline **baseline;
};

static void vectors_vector(void *ctx, const struct nad_rec *rec, const float *v)
{
	struct vectors_ctx *c = ctx;

	c->fn(c->ctx, rec, v);
}

static int vectors_finish(void *ctx, struct engine *e)
{
	struct vectors_ctx *c = ctx;

	if (!c->baseline)
		return 0;
	*c->baseline = baseline_clone(engine_baseline(e));
	if (*c->baseline)
		return 0;
	pr_warn("Failed to copy the baselines: %s\n", strerror(errno));
	return neg_errno();
}

int analyze_vectors(const char *pcap, analyze_vector_fn fn, void *ctx, struct baseline **baseline)
{
	struct vectors_ctx c = { fn, ctx, baseline };
	struct analyze_observer obs = { .finish = vectors_finish,
					.ctx = &c,
					.vector = vectors_vector };
	struct analyze_opts o;
	int err;

	if (baseline)
		*baseline = NULL;
	analyze_opts_default(&o);
	o.pcap = pcap;
	o.quiet = true;
	o.no_train = true;
	o.no_model = true;
	o.summary_interval_s = 0;
	err = analyze_offline(&o, &obs);
	if (err && baseline) {
		baseline_free(*baseline);
		*baseline = NULL;
	}
	return err;
}
