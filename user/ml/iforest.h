/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/iforest.h - Isolation Forest (Liu, Ting, Zhou 2008) with scikit-learn's
 * conventions, so its numbers can be checked against that library.
 *
 * Each tree is grown on max_samples rows drawn without replacement, to
 * height ceil(log2(max_samples)); a node splits on a randomly chosen
 * non-constant feature at a threshold uniform in [min, max) of that feature
 * in the node, x <= t going left. A row's path length in a tree is the depth
 * of its leaf plus c(rows in that leaf).
 *
 * Two departures from scikit-learn, both in how the split feature is chosen
 * (iforest_opts.uniform_splits turns them off, giving scikit-learn's forest):
 *   - feature j is drawn with weight log2(max(2, k_j))^-1.5, k_j its number of
 *     distinct values in the training rows: a binary feature (a role, a direction)
 *     is resolved by one split, a feature of 4,000 values needs about twelve; the
 *     exponent 1 would give each feature the same share of the isolating, 1.5 leans
 *     further to the few-valued ones (a size, a port or an interval differs from
 *     site to site more than a role does). Drawn uniformly, 19 features of which a
 *     handful matter leave most of a row's 8 levels to the others, and a row that
 *     is out of place in a role or a count is rarely cut off before the height limit.
 *   - a feature constant over all training rows (a count that never left 0) may
 *     be drawn too, once per path, with the weight of a binary one: it splits at
 *     its value with one side, chosen at random, empty. No training row takes
 *     the empty side; a row that differs there is isolated at that depth. Drawn
 *     uniformly, such a feature is never split, and no value of it can make a
 *     row anomalous.
 * Thresholds, leaves, the score and the file form are the same either way.
 *
 * One more, in which rows a tree grows on (iforest_opts.group_feature, off by default):
 * each row is drawn with weight 1 / sqrt(rows sharing its value of that feature), so a
 * group's share of a tree's sample grows as the square root of its rows (square-root
 * sampling), still without replacement. The engine groups by `protocol`: how much of a
 * site's traffic is ARP or UDP is a property of the site, not of a packet. Drawn
 * uniformly from the bundled captures (92 % TCP), 3.5 % UDP and 3.4 % ARP rows gave a
 * tree 9 of each, were isolated in a few splits, and 84 % and 42 % of them fell under the
 * forest's own 5 % threshold; an IoT hub whose week is 27 % ARP was flagged packet after
 * packet. Square roots, not equal shares: a protocol of six training rows still gives a
 * tree at most six.
 *
 *   score_samples(x)     = -2^(-E[h(x)] / c(max_samples))  in [-1, 0); lower = more anomalous
 *   offset               = the contamination quantile of score_samples over the training rows
 *   decision_function(x) = score_samples(x) - offset       below 0 = outlier
 *
 * Inference layout: every tree is padded to a complete binary tree of the
 * height limit (pass-through nodes send everything left), so a row goes
 * down exactly `height` levels with idx = 2 idx + 1 + (x[f] > t), and a leaf
 * table holds the precomputed path lengths. float32 throughout.
 */
#ifndef NAD_IFOREST_H
#define NAD_IFOREST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ser.h"

#define IFOREST_MAX_FEATURES 255
#define IFOREST_MAX_HEIGHT 12

struct iforest_opts {
	unsigned n_trees; /* default 150 */
	unsigned max_samples; /* rows per tree, capped at n (default 256) */
	float contamination; /* share of training rows flagged, 0 < c <= 0.5 (default 0.05) */
	uint64_t seed; /* default 42 */
	/* true: scikit-learn's split choice (uniform over the features not constant in
	 * the node); false (default): the weighted choice described above. Not stored. */
	bool uniform_splits;
	/* -1 (default): a tree's rows drawn uniformly, as scikit-learn; else the feature
	 * whose values group the rows for square-root sampling (above). Not stored. */
	int group_feature;
};

void iforest_opts_default(struct iforest_opts *o);

struct iforest;

/* An unfitted forest for d features (1 <= d <= IFOREST_MAX_FEATURES). NULL + errno on failure. */
struct iforest *iforest_new(size_t d, const struct iforest_opts *o);
void iforest_free(struct iforest *f);

/* Grows the trees on n >= 2 rows of d finite floats and sets the offset.
 * Returns 0, -EINVAL or -ENOMEM. */
int iforest_fit(struct iforest *f, const float *X, size_t n);

/* scikit-learn's score_samples of n rows into out[n]. Read-only on f (threads may share
 * it), no allocation; uses 256 d + 64 n_trees bytes of stack (at most 80 KiB). */
void iforest_score_samples(const struct iforest *f, const float *X, size_t n, float *out);
/* scikit-learn's decision_function: score_samples - offset. */
void iforest_decision_function(const struct iforest *f, const float *X, size_t n, float *out);

/* The threshold in score_samples units: a row is an outlier when its score is below it. */
float iforest_offset(const struct iforest *f);
size_t iforest_dim(const struct iforest *f);
unsigned iforest_n_trees(const struct iforest *f);

/* c(n): the average path length of an unsuccessful search in a binary search tree of n
 * nodes, as scikit-learn: 0 for n <= 1, 1 for n = 2, 2 H(n-1) - 2 (n-1)/n otherwise,
 * with H(i) = ln(i) + 0.5772156649. */
double iforest_c(double n);

/* Rows per block in the scoring walk. */
#define IFOREST_BLOCK 64

/*
 * The forest in the form its scoring walk uses, for a fused scorer (modelset.c). Rows go
 * in blocks of IFOREST_BLOCK, transposed to feature-major order and mapped through
 * iforest_key(). Tree t's node i (breadth-first, i < n_nodes) sends a row right when
 * key[t n_nodes + i] < xt[off[t n_nodes + i] + row]; after `height` steps from node 0 the
 * row is at node p >= n_nodes and its path length is leaf[t n_leaves + p - n_nodes]. The
 * score is -2^(-inv_norm * sum over trees of the path lengths), summed in tree order.
 * Valid while f lives.
 */
struct iforest_packed {
	unsigned n_trees, height, n_nodes, n_leaves;
	const uint16_t *off;
	const uint32_t *key;
	const float *leaf;
	float inv_norm;
};
void iforest_packed(const struct iforest *f, struct iforest_packed *p);
/* Order-preserving integer key of a non-NaN float (-0 and +0 map to the same key). */
uint32_t iforest_key(float v);

void iforest_write(const struct iforest *f, struct ser_writer *w);
/* NULL + errno (EBADMSG for malformed input) on failure. */
struct iforest *iforest_read(struct ser_reader *r);

#endif /* NAD_IFOREST_H */
