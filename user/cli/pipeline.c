// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/pipeline.c - offline and live drivers of the engine (contract in pipeline.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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

void analyze_opts_default(struct analyze_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->profile = PROFILE_AUTO;
	o->summary_interval_s = 30;
	o->train_packets = 20000;
	o->retrain_interval_s = 3600;
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
	FILE *log;
	FILE *vec;
	uint64_t n_recs;
	bool training;
	unsigned long next_progress;
	char model_path[PATH_MAX];
	/* queued records (analyze_live_queue) wait here for engine_process_batch */
	struct nad_rec batch[ENGINE_BATCH];
	float batch_vec[ENGINE_BATCH * VECTOR_DIM];
	size_t n_batch;
};

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

static void live_free(struct analyze_live *a)
{
	if (!a)
		return;
	engine_free(a->engine);
	baseline_free(a->baseline);
	eve_free(a->eve);
	retrain_free(a->retrain);
	modelswap_free(a->hold);
	if (a->log)
		fclose(a->log);
	if (a->vec)
		fclose(a->vec);
	free(a);
}

/* -errno, or -EINVAL when a failed call left errno clear. */
static int neg_errno(void)
{
	return errno ? -errno : -EINVAL;
}

/*
 * The model DIR holds, else the embedded default (*m NULL if that is unusable too: rules
 * only). *need_train: DIR has none and training is allowed. 0, or -errno for a model
 * file that is there but unreadable or of other features (logged).
 */
static int load_model(struct analyze_live *a, struct modelset **m, bool *need_train)
{
	const struct analyze_opts *o = &a->o;
	size_t len = (size_t)(nad_default_model_end - nad_default_model);
	char err[256] = "";

	*m = NULL;
	*need_train = false;
	if (o->models_dir) {
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
	};

	modelset_opts_default(&a->model_opts);
	features_log_units(vector_names, VECTOR_DIM, a->log_unit);
	a->model_opts.log_unit = a->log_unit;

	a->retrain = retrain_new(&ro, a->hold);
	if (!a->retrain)
		return neg_errno();
	a->training = need_train;
	a->next_progress = o->train_packets / 10;
	if (need_train)
		pr_info("No model in %s: learning a baseline from the first %lu packets\n",
			o->models_dir, o->train_packets);
	return 0;
}

/* The EVE log and the vectors file: 0 or -errno (logged). */
static int open_outputs(struct analyze_live *a)
{
	const struct analyze_opts *o = &a->o;
	int e;

	if (o->log_path) {
		a->log = fopen(o->log_path, "a");
		if (!a->log) {
			e = neg_errno();
			pr_warn("Failed to open %s: %s\n", o->log_path, strerror(-e));
			return e;
		}
	}
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

	vo.console = o->quiet ? NULL : stderr;
	vo.color = !o->quiet && isatty(STDERR_FILENO);
	vo.json = o->json ? stdout : a->log;
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

	if (!a)
		return NULL;
	a->o = *o;
	err = load_model(a, &m, &need_train);
	if (err)
		goto fail;
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
	baseline_opts_default(&bo);
	a->baseline = baseline_new(&bo);
	err = a->baseline ? open_outputs(a) : neg_errno();
	if (!err)
		err = start_engine(a, live);
	if (err)
		goto fail;
	if (o->json && a->log) {
		/* --json and --log: the log gets them too via a second pass is not supported */
		pr_warn("--json and --log together: JSON goes to stdout only\n");
	}
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

/* Per-record bookkeeping after the engine saw it: the vectors file, training progress. */
static void after_record(struct analyze_live *a, const float *v)
{
	a->n_recs++;
	if (a->vec) {
		for (int i = 0; i < VECTOR_DIM; i++)
			fprintf(a->vec, "%s%.9g", i ? "," : "", (double)v[i]);
		fputc('\n', a->vec);
	}
	if (a->training && a->retrain) {
		if (!retrain_initial_pending(a->retrain)) {
			a->training = false;
		} else if (a->n_recs >= a->next_progress && !a->o.quiet) {
			uint64_t n = retrain_n_offered(a->retrain);

			pr_info("Learning baseline: %llu/%lu packets (%.0f%%)\n",
				(unsigned long long)n, a->o.train_packets,
				100.0 * (double)n / a->o.train_packets);
			a->next_progress += a->o.train_packets / 10;
		}
	}
}

int analyze_live_record(struct analyze_live *a, const struct nad_rec *rec)
{
	analyze_live_flush(a);
	engine_process(a->engine, rec);
	after_record(a, engine_last_vector(a->engine));
	return 0;
}

void analyze_live_queue(struct analyze_live *a, const struct nad_rec *rec)
{
	if (a->n_batch == ENGINE_BATCH)
		analyze_live_flush(a);
	a->batch[a->n_batch++] = *rec;
}

void analyze_live_flush(struct analyze_live *a)
{
	size_t n = a->n_batch;

	if (!n)
		return;
	/* Emptied first, so a re-entrant call (an alert observer's) finds nothing queued. */
	a->n_batch = 0;
	engine_process_batch(a->engine, a->batch, n, NULL, a->batch_vec);
	for (size_t i = 0; i < n; i++)
		after_record(a, &a->batch_vec[i * VECTOR_DIM]);
}

void analyze_live_tick(struct analyze_live *a, uint64_t now_ns, const struct nad_stats *kernel)
{
	analyze_live_flush(a);
	engine_tick(a->engine, now_ns, kernel);
}

void analyze_live_free(struct analyze_live *a)
{
	if (!a)
		return;
	analyze_live_flush(a);
	engine_finish(a->engine);
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
	if (obs && obs->alert)
		engine_set_observer(a->engine, obs->alert, obs->ctx);
	err = offline_for_each(o->pcap, offline_cb, &c);
	analyze_live_flush(a);
	engine_finish(a->engine);
	if (obs && obs->finish) {
		int ferr = obs->finish(obs->ctx, a->engine);

		err = err ? err : ferr;
	}
	if (a->retrain && retrain_n_trained(a->retrain))
		pr_info("Trained %llu model(s); saved to %s\n",
			(unsigned long long)retrain_n_trained(a->retrain), a->model_path);
	pr_info("%llu packets analysed\n", (unsigned long long)engine_n_packets(a->engine));
	live_free(a);
	return err;
}
