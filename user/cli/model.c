// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/model.c - `nadxdp train`, `nadxdp score` and `nadxdp cluster`: the
 * models on CSV files, for people who work with the data and for
 * cross-checks against other implementations.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "capture/offline.h"
#include "cli/model.h"
#include "common/csv.h"
#include "common/log.h"
#include "features/features.h"
#include "ml/dbscan.h"
#include "ml/modelset.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_ulong(const char *cmd, const char *opt, const char *s, unsigned long lo,
		       unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		pr_warn("%s: %s: '%s' is not an integer in [%lu, %lu]\n", cmd, opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
			double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		pr_warn("%s: %s: '%s' is not a number in [%g, %g]\n", cmd, opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
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

/* ---- train ---------------------------------------------------------------------------- */

static void train_usage(FILE *f)
{
	fprintf(f,
		"Usage: nadxdp train (--features X.csv | --pcap FILE) --models DIR [options]\n"
		"\n"
		"Fits the robust scaler, the autoencoder and the Isolation Forest on the rows and\n"
		"writes them, with their thresholds, to DIR/" MODELSET_FILE_NAME
		" (DIR must exist).\n"
		"\n"
		"  --features X.csv     a header row of feature names, then numeric rows\n"
		"  --pcap FILE          a capture; its packets' %d features are extracted first\n"
		"  --models DIR         where to write " MODELSET_FILE_NAME "\n"
		"  --epochs N           autoencoder epochs at most (default 50)\n"
		"  --batch N            mini-batch rows (default 32)\n"
		"  --patience N         early stopping after N epochs without a better validation\n"
		"                       loss, 0 = never (default 5)\n"
		"  --val-frac F         validation share of the rows (default 0.1)\n"
		"  --ae-quantile Q      autoencoder threshold: this quantile of the training\n"
		"                       rows' errors (default 0.95)\n"
		"  --trees N            Isolation Forest trees (default 150)\n"
		"  --contamination C    share of training rows the forest flags (default 0.05)\n"
		"  --seed S             seed of every random choice (default 42)\n"
		"  -q, --quiet          no progress bar\n"
		"  -h, --help           this text\n",
		FEAT_N_BASE);
}

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

int modelcmd_train_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "models", required_argument, NULL, 'm' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "batch", required_argument, NULL, 'b' },
		{ "patience", required_argument, NULL, 'P' },
		{ "val-frac", required_argument, NULL, 'v' },
		{ "ae-quantile", required_argument, NULL, 'Q' },
		{ "trees", required_argument, NULL, 't' },
		{ "contamination", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = argv[0], *features = NULL, *pcap = NULL, *dir = NULL;
	struct train_progress tp = { 0 };
	struct csv_table t = { 0 };
	struct modelset_opts o;
	struct modelset *m = NULL;
	const char *const *names;
	float *X = NULL, log_unit[IFOREST_MAX_FEATURES];
	size_t n, d;
	char *path = NULL;
	int c, quiet = 0, ret = EXIT_RUNTIME, err;
	unsigned long ul;
	double dv;
	struct stat st;

	modelset_opts_default(&o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			features = optarg;
			break;
		case 'p':
			pcap = optarg;
			break;
		case 'm':
			dir = optarg;
			break;
		case 'e':
			if (parse_ulong(cmd, "--epochs", optarg, 1, 100000, &ul))
				return EXIT_USAGE;
			o.ae.epochs = (unsigned)ul;
			break;
		case 'b':
			if (parse_ulong(cmd, "--batch", optarg, 2, 65536, &ul))
				return EXIT_USAGE;
			o.ae.batch = (unsigned)ul;
			break;
		case 'P':
			if (parse_ulong(cmd, "--patience", optarg, 0, 100000, &ul))
				return EXIT_USAGE;
			o.ae.patience = (unsigned)ul;
			break;
		case 'v':
			if (parse_double(cmd, "--val-frac", optarg, 0, 0.9, &dv))
				return EXIT_USAGE;
			o.ae.val_frac = (float)dv;
			break;
		case 'Q':
			if (parse_double(cmd, "--ae-quantile", optarg, 0, 1, &dv))
				return EXIT_USAGE;
			o.ae_quantile = (float)dv;
			break;
		case 't':
			if (parse_ulong(cmd, "--trees", optarg, 1, 100000, &ul))
				return EXIT_USAGE;
			o.forest.n_trees = (unsigned)ul;
			break;
		case 'c':
			if (parse_double(cmd, "--contamination", optarg, 1e-6, 0.5, &dv))
				return EXIT_USAGE;
			o.forest.contamination = (float)dv;
			break;
		case 's':
			if (parse_ulong(cmd, "--seed", optarg, 0, ULONG_MAX, &ul))
				return EXIT_USAGE;
			modelset_opts_seed(&o, ul);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			train_usage(stdout);
			return EXIT_OK;
		default:
			pr_warn("%s: unknown option or missing value: %s (see --help)\n", cmd,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_warn("%s: unexpected argument '%s' (see --help)\n", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (!!features == !!pcap || !dir) {
		pr_warn("%s: needs --models DIR and one of --features X.csv, --pcap FILE\n", cmd);
		return EXIT_USAGE;
	}
	if (stat(dir, &st)) {
		pr_warn("%s: model directory %s: %s\n", cmd, dir, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_warn("%s: model directory %s: not a directory\n", cmd, dir);
		return EXIT_RUNTIME;
	}
	if (asprintf(&path, "%s/%s", dir, MODELSET_FILE_NAME) < 0) {
		path = NULL;
		pr_warn("%s: out of memory\n", cmd);
		goto out;
	}
	tp.t0 = now_s();
	if (features) {
		if (load_csv(cmd, features, &t))
			goto out;
		X = t.data;
		n = t.n_rows;
		d = t.n_cols;
		names = (const char *const *)t.names;
		if (d > IFOREST_MAX_FEATURES) {
			pr_warn("%s: %s: %zu columns, at most %d are supported\n", cmd, features, d,
				IFOREST_MAX_FEATURES);
			goto out;
		}
	} else {
		err = offline_feature_matrix(pcap, &X, &n);
		if (err)
			goto out; /* offline.c has said why */
		d = FEAT_N_BASE;
		names = features_names;
	}
	if (n < MODELSET_MIN_ROWS) {
		pr_warn("%s: %s: %zu rows, training needs at least %d\n", cmd,
			features ? features : pcap, n, MODELSET_MIN_ROWS);
		goto out;
	}
	/* Columns named as the engine's features get their log units; others stay linear. */
	features_log_units(names, d, log_unit);
	o.log_unit = log_unit;
	tp.tty = !quiet && isatty(STDERR_FILENO);
	/* The matrices are small: OpenBLAS's threads would only spin. */
	openblas_set_num_threads(1);
	m = modelset_train(X, n, d, names, &o, train_progress_cb, &tp);
	if (!m) {
		pr_warn("%s: training failed: %s\n", cmd, strerror(errno));
		goto out;
	}
	err = modelset_save(m, path);
	if (err) {
		pr_warn("%s: cannot write %s: %s\n", cmd, path, strerror(-err));
		goto out;
	}
	{
		const struct modelset_info *in = modelset_info(m);

		printf("trained on %zu rows x %zu features in %.1f s: autoencoder %u/%u epochs "
		       "(best %u), train loss %.5g, val loss %.5g; thresholds: ae_mae > %.5g "
		       "(q%.3g), iforest_score < %.5g (contamination %.3g); ae_mae extreme > %.5g "
		       "(q%.4g); wrote %s\n",
		       n, d, now_s() - tp.t0, in->epochs_run, o.ae.epochs, in->best_epoch,
		       in->train_loss, in->val_loss, modelset_ae_threshold(m), in->ae_quantile,
		       modelset_if_threshold(m), in->contamination, modelset_ae_extreme(m),
		       fmaxf(o.ae_extreme_quantile, in->ae_quantile), path);
	}
	ret = EXIT_OK;
out:
	if (features)
		csv_table_release(&t);
	else
		free(X);
	modelset_free(m);
	free(path);
	return ret;
}

/* ---- score ---------------------------------------------------------------------------- */

static void score_usage(FILE *f)
{
	fprintf(f,
		"Usage: nadxdp score --models DIR --features Y.csv [--out F]\n"
		"\n"
		"Scores each row of Y.csv (same columns, same order as in training) with the\n"
		"models in DIR/" MODELSET_FILE_NAME " and writes a CSV with one line per row:\n"
		"  ae_mae         the autoencoder's mean absolute reconstruction error (of the\n"
		"                 robust-scaled row); higher = more anomalous\n"
		"  iforest_score  the Isolation Forest score in scikit-learn's score_samples\n"
		"                 convention: -2^(-E(h)/c(n)), in [-1, 0), lower = more anomalous;\n"
		"                 decision_function = iforest_score - threshold (train prints it)\n"
		"\n"
		"  --models DIR         the directory given to `nadxdp train`\n"
		"  --features Y.csv     a header row, then numeric rows (\"-\" = stdin)\n"
		"  --out F              write there instead of stdout\n"
		"  -h, --help           this text\n");
}

int modelcmd_score_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "models", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = argv[0], *features = NULL, *dir = NULL, *outp = NULL;
	struct modelset_scratch *s = NULL;
	struct csv_table t = { 0 };
	struct modelset *m = NULL;
	float *mae = NULL, *ifs = NULL;
	char *path = NULL, err[256];
	FILE *out = stdout;
	int c, ret = EXIT_RUNTIME;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			features = optarg;
			break;
		case 'm':
			dir = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'h':
			score_usage(stdout);
			return EXIT_OK;
		default:
			pr_warn("%s: unknown option or missing value: %s (see --help)\n", cmd,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_warn("%s: unexpected argument '%s' (see --help)\n", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (!features || !dir) {
		pr_warn("%s: needs --models DIR and --features Y.csv\n", cmd);
		return EXIT_USAGE;
	}
	if (asprintf(&path, "%s/%s", dir, MODELSET_FILE_NAME) < 0) {
		path = NULL;
		pr_warn("%s: out of memory\n", cmd);
		goto out;
	}
	m = modelset_load(path, 0, err, sizeof(err));
	if (!m) {
		pr_warn("%s: %s: %s\n", cmd, path, err);
		goto out;
	}
	if (load_csv(cmd, features, &t))
		goto out;
	if (t.n_cols != modelset_dim(m)) {
		pr_warn("%s: %s has %zu columns, the model has %zu features\n", cmd, features,
			t.n_cols, modelset_dim(m));
		goto out;
	}
	for (size_t j = 0; j < t.n_cols; j++) {
		if (strcmp(t.names[j], modelset_feature_name(m, j))) {
			pr_warn("%s: %s: column %zu is '%s', the model expects '%s'\n", cmd,
				features, j + 1, t.names[j], modelset_feature_name(m, j));
			goto out;
		}
	}
	s = modelset_scratch_new(m);
	mae = malloc((t.n_rows ? t.n_rows : 1) * sizeof(float));
	ifs = malloc((t.n_rows ? t.n_rows : 1) * sizeof(float));
	if (!s || !mae || !ifs) {
		pr_warn("%s: out of memory\n", cmd);
		goto out;
	}
	modelset_score(m, t.data, t.n_rows, s, mae, ifs);
	if (outp && strcmp(outp, "-")) {
		out = fopen(outp, "w");
		if (!out) {
			pr_warn("%s: cannot create %s: %s\n", cmd, outp, strerror(errno));
			out = stdout;
			goto out;
		}
	}
	fprintf(out, "ae_mae,iforest_score\n");
	for (size_t i = 0; i < t.n_rows; i++)
		fprintf(out, "%.9g,%.9g\n", mae[i], ifs[i]);
	if (fflush(out) || ferror(out)) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		goto out;
	}
	ret = EXIT_OK;
out:
	if (out != stdout && fclose(out) && ret == EXIT_OK) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	csv_table_release(&t);
	modelset_scratch_free(s);
	modelset_free(m);
	free(mae);
	free(ifs);
	free(path);
	return ret;
}

/* ---- cluster -------------------------------------------------------------------------- */

static void cluster_usage(FILE *f)
{
	fprintf(f,
		"Usage: nadxdp cluster --features Z.csv [--eps E] [--min-samples M] [--out F]\n"
		"\n"
		"DBSCAN on the rows as given (no scaling), Euclidean distance. Writes a CSV with\n"
		"a header `label` and one line per input row: the cluster index (0, 1, ... in\n"
		"order of discovery) or -1 for noise. A summary goes to stderr.\n"
		"\n"
		"  --features Z.csv     a header row, then numeric rows (\"-\" = stdin)\n"
		"  --eps E              neighbourhood radius (default 0.5)\n"
		"  --min-samples M      neighbours, the point included, that make a core point\n"
		"                       (default 10)\n"
		"  --out F              write there instead of stdout\n"
		"  -h, --help           this text\n");
}

int modelcmd_cluster_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "eps", required_argument, NULL, 'e' },
		{ "min-samples", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = argv[0], *features = NULL, *outp = NULL;
	struct csv_table t = { 0 };
	struct dbscan_opts o;
	struct dbscan *db = NULL;
	int32_t *labels = NULL;
	FILE *out = stdout;
	int c, ret = EXIT_RUNTIME, k;
	unsigned long ul;
	size_t n_noise = 0;
	double dv;

	dbscan_opts_default(&o);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			features = optarg;
			break;
		case 'e':
			if (parse_double(cmd, "--eps", optarg, 1e-30, 1e30, &dv))
				return EXIT_USAGE;
			o.eps = dv;
			break;
		case 'M':
			if (parse_ulong(cmd, "--min-samples", optarg, 1, 1000000000, &ul))
				return EXIT_USAGE;
			o.min_samples = ul;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'h':
			cluster_usage(stdout);
			return EXIT_OK;
		default:
			pr_warn("%s: unknown option or missing value: %s (see --help)\n", cmd,
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_warn("%s: unexpected argument '%s' (see --help)\n", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (!features) {
		pr_warn("%s: needs --features Z.csv\n", cmd);
		return EXIT_USAGE;
	}
	if (load_csv(cmd, features, &t))
		goto out;
	db = dbscan_new(&o);
	labels = malloc((t.n_rows ? t.n_rows : 1) * sizeof(*labels));
	if (!db || !labels) {
		pr_warn("%s: out of memory\n", cmd);
		goto out;
	}
	k = dbscan_fit(db, t.data, t.n_rows, t.n_cols, labels, NULL);
	if (k < 0) {
		pr_warn("%s: clustering failed: %s\n", cmd, strerror(-k));
		goto out;
	}
	if (outp && strcmp(outp, "-")) {
		out = fopen(outp, "w");
		if (!out) {
			pr_warn("%s: cannot create %s: %s\n", cmd, outp, strerror(errno));
			out = stdout;
			goto out;
		}
	}
	fprintf(out, "label\n");
	for (size_t i = 0; i < t.n_rows; i++) {
		fprintf(out, "%d\n", labels[i]);
		n_noise += labels[i] == DBSCAN_NOISE;
	}
	if (fflush(out) || ferror(out)) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		goto out;
	}
	pr_info("%s: %zu rows: %d clusters, %zu noise points (eps %g, min_samples %zu)\n", cmd,
		t.n_rows, k, n_noise, o.eps, o.min_samples);
	ret = EXIT_OK;
out:
	if (out != stdout && fclose(out) && ret == EXIT_OK) {
		pr_warn("%s: write error: %s\n", cmd, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	csv_table_release(&t);
	dbscan_free(db);
	free(labels);
	return ret;
}
