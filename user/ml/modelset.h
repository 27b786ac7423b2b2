/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/modelset.h - the bundle the detection engine uses: the robust scaler, the
 * autoencoder, the Isolation Forest, their thresholds, the DBSCAN settings,
 * the feature names and the training summary, saved as one file; and, optionally, the
 * site's per-host baselines (features/baseline.h) the engine compares with.
 *
 * Scoring takes raw (unscaled) feature rows; the scaler is applied inside.
 *   ae_mae    mean absolute reconstruction error; anomalous when > modelset_ae_threshold(),
 *             extreme when > modelset_ae_extreme()
 *   if_score  Isolation Forest score in scikit-learn's score_samples convention
 *             (in [-1, 0), lower = more anomalous); anomalous when < modelset_if_threshold()
 *             (decision_function = if_score - modelset_if_threshold(), below 0 = outlier)
 *
 * The file (models/README.md describes it byte by byte) is a 40-byte header
 * (magic "NADXDPM\n", format version, lengths, CRC32 of the payload, CRC32 of
 * the file) and a zlib stream of little-endian fixed-width fields. Save -> load gives
 * bit-identical scores.
 */
#ifndef NAD_MODELSET_H
#define NAD_MODELSET_H

#include <stddef.h>
#include <stdint.h>

#include "ml/autoenc.h"
#include "ml/dbscan.h"
#include "ml/iforest.h"

struct baseline;
struct baseline_bytes;

#define MODELSET_FORMAT_VERSION 3
/* The file name inside a --models DIR (live, by default, the state directory, cli/run.h). */
#define MODELSET_FILE_NAME "nadxdp.model"
/* Fewer training rows than this are refused (-EINVAL). */
#define MODELSET_MIN_ROWS 20

struct modelset_opts {
	struct autoenc_opts ae;
	struct iforest_opts forest;
	struct dbscan_opts dbscan; /* stored for the engine; not used in training */
	float ae_quantile; /* AE threshold = this quantile of the training rows' MAE (default 0.95) */
	/* AE extreme level = this quantile (at least ae_quantile) of the training MAE (0.999) */
	float ae_extreme_quantile;
	/* d log units for the scaler (scaler.h; not owned), NULL (default): every feature linear */
	const float *log_unit;
	uint64_t trained_unix_s; /* time stamp stored in the info; 0 (default): now */
};

/* Defaults everywhere; one seed (42) drives the autoencoder and the forest. */
void modelset_opts_default(struct modelset_opts *o);
/* Sets both models' seeds from one value. */
void modelset_opts_seed(struct modelset_opts *o, uint64_t seed);
/*
 * What the columns' names ask of training (features/features.h): the scaler's log units, into
 * log_unit[d] (o keeps a pointer to it), and the forest's sample groups (`protocol`). Columns
 * not named as the engine's features stay linear and group nothing.
 */
void modelset_opts_names(struct modelset_opts *o, const char *const *names, size_t d,
			 float *log_unit);

enum modelset_stage {
	MODELSET_STAGE_SCALER,
	MODELSET_STAGE_AUTOENC, /* once per epoch */
	MODELSET_STAGE_FOREST,
	MODELSET_STAGE_DONE,
};

struct modelset_progress {
	enum modelset_stage stage;
	unsigned epoch, n_epochs; /* MODELSET_STAGE_AUTOENC */
	float train_loss, val_loss; /* MODELSET_STAGE_AUTOENC; val_loss NAN without validation */
};

/* Called from the training thread; return nonzero to stop the autoencoder early. */
typedef int (*modelset_progress_fn)(void *ctx, const struct modelset_progress *p);

/* What training did; saved in the file. */
struct modelset_info {
	uint64_t n_rows; /* training rows */
	uint64_t trained_unix_s; /* wall clock at the end of training */
	uint64_t seed_ae, seed_forest;
	uint32_t epochs_run, best_epoch;
	float train_loss, val_loss; /* autoencoder MSE on scaled rows; val_loss NAN if none */
	float ae_quantile;
	float contamination;
};

struct modelset;

/*
 * Fits the scaler on n rows of d raw features (row-major, finite; d <= 255), then the
 * autoencoder and the forest on the scaled rows, then the thresholds. names[d] are the
 * feature names (copied; NULL gives f0, f1, ...). opts NULL means defaults; progress and
 * ctx may be NULL. NULL + errno on failure: EINVAL (n < MODELSET_MIN_ROWS, d out of range,
 * a non-finite value, bad options), ERANGE (values so large that the scaled rows, the
 * autoencoder's loss or its thresholds are not finite), ENOMEM.
 */
struct modelset *modelset_train(const float *X, size_t n, size_t d, const char *const *names,
				const struct modelset_opts *opts, modelset_progress_fn progress,
				void *ctx);
/*
 * The same, scaling X in place (X holds the scaled rows afterwards, also on failure):
 * no second copy of the rows, for a caller that trains on a copy of its own (a live
 * retrain: 1.4 MB less at its peak for 20,000 rows of 19 features).
 */
struct modelset *modelset_train_in_place(float *X, size_t n, size_t d, const char *const *names,
					 const struct modelset_opts *opts,
					 modelset_progress_fn progress, void *ctx);
/* Why a training failed with errno err, for a user: ERANGE's cause in words, else strerror. */
const char *modelset_train_strerror(int err);
void modelset_free(struct modelset *m);

/* Per-thread scoring scratch for m (or any modelset of the same shape). NULL + errno. */
struct modelset_scratch;
struct modelset_scratch *modelset_scratch_new(const struct modelset *m);
void modelset_scratch_free(struct modelset_scratch *s);

/*
 * Scores n raw rows of modelset_dim(m) floats: ae_mae[n] and if_score[n] (either output may
 * be NULL to skip that model). m is only read: threads may share it, each with its own
 * scratch. No allocation. Non-finite inputs give unspecified scores; check them upstream.
 */
void modelset_score(const struct modelset *m, const float *X, size_t n, struct modelset_scratch *s,
		    float *ae_mae, float *if_score);

/* Writes m to path atomically (a temporary file in the same directory, then rename).
 * Returns 0 or -errno. */
int modelset_save(const struct modelset *m, const char *path);
/* The same with the baselines b (NULL: none; baseline_bytes_of) instead of m's own. */
int modelset_save_with_baseline(const struct modelset *m, const struct baseline_bytes *b,
				const char *path);

/*
 * Reads a model file. expect_d: the number of features the caller will score (0 accepts
 * any). On failure returns NULL, sets errno (ENOENT and other open errors, EBADMSG for a
 * truncated or corrupt file, EPROTONOSUPPORT for another format version, ERANGE for a
 * feature-count mismatch, ENOMEM) and, if err is not NULL, writes a one-line reason
 * without a trailing newline into err[errlen] (e.g. "checksum mismatch: file is corrupt").
 */
struct modelset *modelset_load(const char *path, size_t expect_d, char *err, size_t errlen);
/* The same from a file image in memory. */
struct modelset *modelset_load_mem(const void *buf, size_t len, size_t expect_d, char *err,
				   size_t errlen);
/* Serialises m into a malloc'd file image (*buf, *len). Returns 0 or -ENOMEM. */
int modelset_save_mem(const struct modelset *m, void **buf, size_t *len);

size_t modelset_dim(const struct modelset *m);
const char *modelset_feature_name(const struct modelset *m, size_t i);
float modelset_ae_threshold(const struct modelset *m);
/* The autoencoder's extreme level (>= its threshold): ae_mae above it is far out. */
float modelset_ae_extreme(const struct modelset *m);
/* The forest's offset: if_score below it is an outlier. */
float modelset_if_threshold(const struct modelset *m);
const struct dbscan_opts *modelset_dbscan_opts(const struct modelset *m);
const struct modelset_info *modelset_info(const struct modelset *m);

/* The parts, for tools and tests. */
const struct scaler *modelset_scaler(const struct modelset *m);
const struct autoenc *modelset_autoenc(const struct modelset *m);
const struct iforest *modelset_iforest(const struct modelset *m);

/*
 * The baselines saved with the model (version 3's baselines section, after the models):
 * set (ownership taken; NULL removes them, freeing the old ones), read, or taken out
 * (the caller owns them; the model keeps none). A model trained by modelset_train has none.
 */
void modelset_set_baseline(struct modelset *m, struct baseline *b);
const struct baseline *modelset_baseline(const struct modelset *m);
struct baseline *modelset_take_baseline(struct modelset *m);

/* The default model embedded in the binary (ml/default_model.c, models/default.model). */
extern const unsigned char nad_default_model[];
extern const unsigned char nad_default_model_end[];

#endif /* NAD_MODELSET_H */
