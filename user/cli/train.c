// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/train.c - `nadxdp train`, `nadxdp score` and `nadxdp cluster`: the
 * models on CSV files, for people who work with the data and for
 * cross-checks against other implementations.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/train.h"
#include "common/csv.h"
#include "features/baseline.h"
#include "features/features.h"
#include "features/vector.h"
#include "ml/dbscan.h"
#include "ml/modelset.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads a CSV or says why not, in one line. */
static int load_csv(const char *cmd, const char *path, struct csv_table *t)
{
	char err[256];
	int ret = csv_read_path(path, t, err, sizeof(err));

	if (ret)
		pr_warn("%s: %s: %s\n", cmd, path, err);
	return ret;
}

/* stdout, or the file --out names ("-" is stdout). NULL after logging why not. */
static FILE *open_out(const char *cmd, const char *path)
{
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return stdout;
	f = fopen(path, "w");
	if (!f)
		pr_warn("%s: cannot create %s: %s\n", cmd, path, strerror(errno));
	return f;
}

/* Flushes and closes out (unless stdout); returns ret, or EXIT_RUNTIME after a write error. */
static int close_out(const char *cmd, FILE *out, int ret)
{
	if (out && ret == EXIT_OK && (fflush(out) || ferror(out))) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	if (out && out != stdout && fclose(out) && ret == EXIT_OK) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	return ret;
}

/* ---- train ---------------------------------------------------------------------------- */

struct train_opts {
	const char *features, *pcap, *models;
	struct modelset_opts m;
	uint64_t seed;
	bool quiet;
};

static void train_defaults(void *p)
{
	struct train_opts *o = p;

	memset(o, 0, sizeof(*o));
	modelset_opts_default(&o->m);
	o->seed = o->m.ae.seed;
}

#define T(member) OPTS_FIELD(struct train_opts, member)

static const struct opts_entry train_rows[] = {
	{ "features", 0, OPTS_STRING, "X.csv", "a header row of feature names, then numeric rows",
	  T(features) },
	{ "pcap", 0, OPTS_STRING, "FILE",
	  "a capture; its packets' model vectors are computed first, as the detector does "
	  "(the home net inferred), and its per-host baselines are saved with the model",
	  T(pcap) },
	{ "models", 0, OPTS_STRING, "DIR", "where to write " MODELSET_FILE_NAME, T(models) },
	{ "epochs", 0, OPTS_UINT, .help = "autoencoder epochs at most", T(m.ae.epochs), .umin = 1,
	  .umax = 100000 },
	{ "batch", 0, OPTS_UINT, .help = "mini-batch rows", T(m.ae.batch), .umin = 2,
	  .umax = 65536 },
	{ "patience", 0, OPTS_UINT,
	  .help = "early stopping after N epochs without a better validation loss, 0 = never",
	  T(m.ae.patience), .umax = 100000 },
	{ "val-frac", 0, OPTS_NUMBER, "F", "validation share of the rows", T(m.ae.val_frac),
	  .dmax = 0.9 },
	{ "ae-quantile", 0, OPTS_NUMBER, "Q",
	  "autoencoder threshold: this quantile of the training rows' errors", T(m.ae_quantile),
	  .dmax = 1 },
	{ "trees", 0, OPTS_UINT, .help = "Isolation Forest trees", T(m.forest.n_trees), .umin = 1,
	  .umax = 100000 },
	{ "contamination", 0, OPTS_NUMBER, "C", "share of training rows the forest flags",
	  T(m.forest.contamination), .dmin = 1e-6, .dmax = 0.5 },
	{ "seed", 0, OPTS_UINT, "S", "seed of every random choice", T(seed), .umax = UINT64_MAX },
	{ "quiet", 'q', OPTS_FLAG, .help = "no progress bar", T(quiet) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

#undef T

const struct opts_cmd train_opts = {
	.name = "train",
	.synopsis = "nadxdp train (--features X.csv | --pcap FILE) --models DIR [options]",
	.description =
		"Fits the robust scaler, the autoencoder and the Isolation Forest on the rows and\n"
		"writes them, with their thresholds, to DIR/" MODELSET_FILE_NAME
		"\n(DIR is created, mode 0700, when it is missing).\n",
	.entries = train_rows,
	.size = sizeof(struct train_opts),
	.defaults = train_defaults,
};

struct train_progress {
	int tty;
	double t0;
};

static int train_progress_cb(void *ctx, const struct modelset_progress *p)
{
	struct train_progress *tp = ctx;
	char bar[31];
	unsigned fill;

	if (!tp->tty)
		return 0;
	switch (p->stage) {
	case MODELSET_STAGE_AUTOENC:
		fill = p->n_epochs ? 30 * p->epoch / p->n_epochs : 30;
		memset(bar, '#', fill);
		memset(bar + fill, '.', 30 - fill);
		bar[30] = 0;
		fprintf(stderr, "\r\033[Kautoencoder [%s] epoch %u/%u  loss %.5g  val %.5g  %.1fs",
			bar, p->epoch, p->n_epochs, p->train_loss, p->val_loss, now_s() - tp->t0);
		break;
	case MODELSET_STAGE_FOREST:
		fprintf(stderr, "\r\033[Kisolation forest ...");
		break;
	case MODELSET_STAGE_DONE:
		fprintf(stderr, "\r\033[K");
		break;
	default:
		break;
	}
	fflush(stderr);
	return 0;
}

/* The training rows: a CSV table or a capture's model vectors. */
struct train_rows {
	struct csv_table t; /* --features */
	float *X; /* t.data, or the capture's matrix (owned) */
	size_t n, d, cap;
	const char *const *names;
	struct baseline *baseline; /* --pcap: the capture's baselines */
	bool nomem;
};

static void collect_row(void *ctx, const struct nad_rec *rec, const float *v)
{
	struct train_rows *r = ctx;

	(void)rec;
	if (r->nomem)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		float *X = cap <= SIZE_MAX / (VECTOR_DIM * sizeof(float)) ?
				   realloc(r->X, cap * VECTOR_DIM * sizeof(float)) :
				   NULL;

		if (!X) {
			r->nomem = true;
			return;
		}
		r->X = X;
		r->cap = cap;
	}
	memcpy(r->X + r->n++ * VECTOR_DIM, v, VECTOR_DIM * sizeof(float));
}

/* Loads the rows; returns 0, or -1 after logging why not. */
static int load_rows(const struct train_opts *o, struct train_rows *r)
{
	const char *src = o->features ? o->features : o->pcap;

	if (o->features) {
		if (load_csv("train", o->features, &r->t))
			return -1;
		r->X = r->t.data;
		r->n = r->t.n_rows;
		r->d = r->t.n_cols;
		r->names = (const char *const *)r->t.names;
		if (r->d > IFOREST_MAX_FEATURES) {
			pr_warn("train: %s: %zu columns, at most %d are supported\n", src, r->d,
				IFOREST_MAX_FEATURES);
			return -1;
		}
	} else {
		if (analyze_vectors(o->pcap, collect_row, r, &r->baseline))
			return -1; /* the pipeline has said why */
		if (r->nomem) {
			pr_warn("train: %s: out of memory for the model vectors\n", src);
			return -1;
		}
		r->d = VECTOR_DIM;
		r->names = vector_names;
	}
	if (r->n < MODELSET_MIN_ROWS) {
		pr_warn("train: %s: %zu rows, training needs at least %d\n", src, r->n,
			MODELSET_MIN_ROWS);
		return -1;
	}
	return 0;
}

static void free_rows(const struct train_opts *o, struct train_rows *r)
{
	if (o->features)
		csv_table_release(&r->t);
	else
		free(r->X);
	baseline_free(r->baseline);
}

static void print_trained(const struct modelset *m, const struct modelset_opts *o,
			  const struct train_rows *r, double secs, const char *path)
{
	const struct modelset_info *in = modelset_info(m);
	struct baseline_counts c;
	char bl[96] = "";

	if (modelset_baseline(m)) {
		baseline_get_counts(modelset_baseline(m), &c);
		snprintf(bl, sizeof(bl), "; baselines of %llu hosts, %llu services",
			 (unsigned long long)c.n_hosts, (unsigned long long)c.n_services);
	}
	printf("trained on %zu rows x %zu features in %.1f s: autoencoder %u/%u epochs "
	       "(best %u), train loss %.5g, val loss %.5g; thresholds: ae_mae > %.5g "
	       "(q%.3g), iforest_score < %.5g (contamination %.3g); ae_mae extreme > %.5g "
	       "(q%.4g)%s; wrote %s\n",
	       r->n, r->d, secs, in->epochs_run, o->ae.epochs, in->best_epoch, in->train_loss,
	       in->val_loss, modelset_ae_threshold(m), in->ae_quantile, modelset_if_threshold(m),
	       in->contamination, modelset_ae_extreme(m),
	       fmaxf(o->ae_extreme_quantile, in->ae_quantile), bl, path);
}

int train_cmd(int argc, char **argv)
{
	struct train_progress tp = { 0 };
	struct train_rows r = { 0 };
	struct modelset *m = NULL;
	float log_unit[IFOREST_MAX_FEATURES];
	struct opts_result res;
	struct train_opts o;
	char *path = NULL;
	int ret, err;

	if (!cli_options(&train_opts, argc, argv, &o, &res, &ret))
		return ret;
	if (!!o.features == !!o.pcap || !o.models)
		return cli_usage_error(
			&train_opts, "needs --models DIR and one of --features X.csv, --pcap FILE");
	modelset_opts_seed(&o.m, o.seed);
	if (analyze_models_dir(o.models))
		return EXIT_RUNTIME;
	ret = EXIT_RUNTIME;
	if (asprintf(&path, "%s/%s", o.models, MODELSET_FILE_NAME) < 0) {
		path = NULL;
		pr_warn("train: out of memory\n");
		goto out;
	}
	tp.t0 = now_s();
	if (load_rows(&o, &r))
		goto out;
	modelset_opts_names(&o.m, r.names, r.d, log_unit);
	tp.tty = !o.quiet && isatty(STDERR_FILENO);
	/* The matrices are small: OpenBLAS's threads would only spin. */
	openblas_set_num_threads(1);
	m = modelset_train(r.X, r.n, r.d, r.names, &o.m, train_progress_cb, &tp);
	if (!m) {
		pr_warn("train: training failed: %s\n", modelset_train_strerror(errno));
		goto out;
	}
	modelset_set_baseline(m, r.baseline);
	r.baseline = NULL;
	err = modelset_save(m, path);
	if (err) {
		pr_warn("train: cannot write %s: %s\n", path, strerror(-err));
		goto out;
	}
	print_trained(m, &o.m, &r, now_s() - tp.t0, path);
	ret = EXIT_OK;
out:
	free_rows(&o, &r);
	modelset_free(m);
	free(path);
	return ret;
}

/* ---- score ---------------------------------------------------------------------------- */

struct score_opts {
	const char *features, *models, *out;
};

static void score_defaults(void *o)
{
	memset(o, 0, sizeof(struct score_opts));
}

static const struct opts_entry score_rows[] = {
	{ "models", 0, OPTS_STRING, "DIR", "the directory given to `nadxdp train`",
	  OPTS_FIELD(struct score_opts, models) },
	{ "features", 0, OPTS_STRING, "Y.csv", "a header row, then numeric rows (\"-\" = stdin)",
	  OPTS_FIELD(struct score_opts, features) },
	{ "out", 0, OPTS_STRING, "F", "write there instead of stdout",
	  OPTS_FIELD(struct score_opts, out) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd score_opts = {
	.name = "score",
	.synopsis = "nadxdp score --models DIR --features Y.csv [--out F]",
	.description =
		"Scores each row of Y.csv (same columns, same order as in training) with the\n"
		"models in DIR/" MODELSET_FILE_NAME " and writes a CSV with one line per row:\n"
		"  ae_mae         the autoencoder's mean absolute reconstruction error (of the\n"
		"                 robust-scaled row); higher = more anomalous\n"
		"  iforest_score  the Isolation Forest score in scikit-learn's score_samples\n"
		"                 convention: -2^(-E(h)/c(n)), in [-1, 0), lower = more anomalous;\n"
		"                 decision_function = iforest_score - threshold (train prints it)\n",
	.entries = score_rows,
	.size = sizeof(struct score_opts),
	.defaults = score_defaults,
};

/* The model in DIR and the rows to score, their columns checked against its features. */
static int load_scoring(const struct score_opts *o, struct modelset **m, struct csv_table *t)
{
	char *path = NULL, err[256];
	int ret = -1;

	if (asprintf(&path, "%s/%s", o->models, MODELSET_FILE_NAME) < 0) {
		pr_warn("score: out of memory\n");
		return -1;
	}
	*m = modelset_load(path, 0, err, sizeof(err));
	if (!*m) {
		pr_warn("score: %s: %s\n", path, err);
		goto out;
	}
	if (load_csv("score", o->features, t))
		goto out;
	if (t->n_cols != modelset_dim(*m)) {
		pr_warn("score: %s has %zu columns, the model has %zu features\n", o->features,
			t->n_cols, modelset_dim(*m));
		goto out;
	}
	for (size_t j = 0; j < t->n_cols; j++) {
		if (strcmp(t->names[j], modelset_feature_name(*m, j))) {
			pr_warn("score: %s: column %zu is '%s', the model expects '%s'\n",
				o->features, j + 1, t->names[j], modelset_feature_name(*m, j));
			goto out;
		}
	}
	ret = 0;
out:
	free(path);
	return ret;
}

int score_cmd(int argc, char **argv)
{
	struct modelset_scratch *s = NULL;
	struct csv_table t = { 0 };
	struct modelset *m = NULL;
	float *mae = NULL, *ifs = NULL;
	struct opts_result res;
	struct score_opts o;
	FILE *out = NULL;
	int ret;

	if (!cli_options(&score_opts, argc, argv, &o, &res, &ret))
		return ret;
	if (!o.features || !o.models)
		return cli_usage_error(&score_opts, "needs --models DIR and --features Y.csv");
	ret = EXIT_RUNTIME;
	if (load_scoring(&o, &m, &t))
		goto out;
	s = modelset_scratch_new(m);
	mae = malloc((t.n_rows ? t.n_rows : 1) * sizeof(float));
	ifs = malloc((t.n_rows ? t.n_rows : 1) * sizeof(float));
	if (!s || !mae || !ifs) {
		pr_warn("score: out of memory\n");
		goto out;
	}
	modelset_score(m, t.data, t.n_rows, s, mae, ifs);
	out = open_out("score", o.out);
	if (!out)
		goto out;
	fprintf(out, "ae_mae,iforest_score\n");
	for (size_t i = 0; i < t.n_rows; i++)
		fprintf(out, "%.9g,%.9g\n", mae[i], ifs[i]);
	ret = EXIT_OK;
out:
	ret = close_out("score", out, ret);
	csv_table_release(&t);
	modelset_scratch_free(s);
	modelset_free(m);
	free(mae);
	free(ifs);
	return ret;
}

/* ---- cluster -------------------------------------------------------------------------- */

struct cluster_opts {
	const char *features, *out;
	struct dbscan_opts db;
};

static void cluster_defaults(void *p)
{
	struct cluster_opts *o = p;

	memset(o, 0, sizeof(*o));
	dbscan_opts_default(&o->db);
}

static const struct opts_entry cluster_rows[] = {
	{ "features", 0, OPTS_STRING, "Z.csv", "a header row, then numeric rows (\"-\" = stdin)",
	  OPTS_FIELD(struct cluster_opts, features) },
	{ "eps", 0, OPTS_NUMBER, "E", "neighbourhood radius",
	  OPTS_FIELD(struct cluster_opts, db.eps), .dmin = 1e-30, .dmax = 1e30 },
	{ "min-samples", 0, OPTS_UINT, "M",
	  "neighbours, the point included, that make a core point",
	  OPTS_FIELD(struct cluster_opts, db.min_samples), .umin = 1, .umax = 1000000000 },
	{ "out", 0, OPTS_STRING, "F", "write there instead of stdout",
	  OPTS_FIELD(struct cluster_opts, out) },
	{ "help", 'h', OPTS_HELP, .help = "this text" },
	{ NULL },
};

const struct opts_cmd cluster_opts = {
	.name = "cluster",
	.synopsis = "nadxdp cluster --features Z.csv [--eps E] [--min-samples M] [--out F]",
	.description =
		"DBSCAN on the rows as given (no scaling), Euclidean distance. Writes a CSV with\n"
		"a header `label` and one line per input row: the cluster index (0, 1, ... in\n"
		"order of discovery) or -1 for noise. A summary goes to stderr.\n",
	.entries = cluster_rows,
	.size = sizeof(struct cluster_opts),
	.defaults = cluster_defaults,
};

int cluster_cmd(int argc, char **argv)
{
	struct csv_table t = { 0 };
	struct dbscan *db = NULL;
	int32_t *labels = NULL;
	struct opts_result res;
	struct cluster_opts o;
	size_t n_noise = 0;
	FILE *out = NULL;
	int ret, k;

	if (!cli_options(&cluster_opts, argc, argv, &o, &res, &ret))
		return ret;
	if (!o.features)
		return cli_usage_error(&cluster_opts, "needs --features Z.csv");
	ret = EXIT_RUNTIME;
	if (load_csv("cluster", o.features, &t))
		goto out;
	db = dbscan_new(&o.db);
	labels = malloc((t.n_rows ? t.n_rows : 1) * sizeof(*labels));
	if (!db || !labels) {
		pr_warn("cluster: out of memory\n");
		goto out;
	}
	k = dbscan_fit(db, t.data, t.n_rows, t.n_cols, labels, NULL);
	if (k < 0) {
		pr_warn("cluster: clustering failed: %s\n", strerror(-k));
		goto out;
	}
	out = open_out("cluster", o.out);
	if (!out)
		goto out;
	fprintf(out, "label\n");
	for (size_t i = 0; i < t.n_rows; i++) {
		fprintf(out, "%d\n", labels[i]);
		n_noise += labels[i] == DBSCAN_NOISE;
	}
	ret = close_out("cluster", out, EXIT_OK);
	out = NULL;
	if (ret == EXIT_OK)
		pr_info("cluster: %zu rows: %d clusters, %zu noise points (eps %g, min_samples %zu)\n",
			t.n_rows, k, n_noise, o.db.eps, o.db.min_samples);
out:
	ret = close_out("cluster", out, ret);
	csv_table_release(&t);
	dbscan_free(db);
	free(labels);
	return ret;
}
