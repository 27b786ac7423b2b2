// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "ml/iforest.h"
#include "ml/scaler.h"

/*
 * One tree of height h, padded to a complete binary tree: nodes 0..2^h-2 in
 * breadth-first order (children of i at 2i+1 and 2i+2), leaves in leaf[2^h].
 * A node that is really a leaf becomes a pass-through (feature 0, threshold
 * +inf: everything goes left) and every leaf below it holds its value, so
 * all rows take exactly h steps with no branch on the node kind.
 */
/* Rows per scoring block (see pack_nodes()). */
#define BLOCK IFOREST_BLOCK

struct iforest {
	size_t d;
	struct iforest_opts opts;
	unsigned height; /* 0 until fitted */
	unsigned n_nodes, n_leaves; /* per tree: 2^h - 1 and 2^h */
	unsigned max_samples; /* rows per tree actually used: min(opts.max_samples, n) */
	float offset;
	float inv_norm; /* 1 / (n_trees * c(max_samples)) */
	int32_t *feat; /* n_trees * n_nodes */
	float *thr; /* n_trees * n_nodes */
	float *leaf; /* n_trees * n_leaves: depth + c(rows in leaf) */
	/* The scoring form of feat and thr, see pack_nodes(). */
	uint16_t *off; /* n_trees * n_nodes: the feature's column in a block, in 4-byte units */
	uint32_t *key; /* n_trees * n_nodes: order-preserving integer key of the threshold */
};

static void pack_nodes(struct iforest *f);

void iforest_opts_default(struct iforest_opts *o)
{
	o->n_trees = 150;
	o->max_samples = 256;
	o->contamination = 0.05f;
	o->seed = 42;
	o->uniform_splits = false;
	o->group_feature = -1;
}

double iforest_c(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return 1;
	return 2.0 * (log(n - 1.0) + 0.5772156649015329) - 2.0 * (n - 1.0) / n;
}

struct iforest *iforest_new(size_t d, const struct iforest_opts *o)
{
	struct iforest *f;

	if (d == 0 || d > IFOREST_MAX_FEATURES || !o || o->n_trees == 0 || o->n_trees > 100000 ||
	    o->max_samples < 2 || o->max_samples > (1u << IFOREST_MAX_HEIGHT) ||
	    !(o->contamination > 0 && o->contamination <= 0.5f) || o->group_feature < -1 ||
	    o->group_feature >= (int)d) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->d = d;
	f->opts = *o;
	return f;
}

void iforest_free(struct iforest *f)
{
	if (!f)
		return;
	free(f->feat);
	free(f->thr);
	free(f->leaf);
	free(f->off);
	free(f->key);
	free(f);
}

static int alloc_trees(struct iforest *f, unsigned height)
{
	size_t nt = f->opts.n_trees;

	f->height = height;
	f->n_nodes = (1u << height) - 1;
	f->n_leaves = 1u << height;
	free(f->feat);
	free(f->thr);
	free(f->leaf);
	/* One spare node so that a tree of height 0 still has valid pointers. */
	f->feat = calloc(nt * f->n_nodes + 1, sizeof(int32_t));
	f->thr = calloc(nt * f->n_nodes + 1, sizeof(float));
	f->leaf = calloc(nt * f->n_leaves, sizeof(float));
	free(f->off);
	free(f->key);
	f->off = calloc(nt * f->n_nodes + 1, sizeof(uint16_t));
	f->key = calloc(nt * f->n_nodes + 1, sizeof(uint32_t));
	if (!f->feat || !f->thr || !f->leaf || !f->off || !f->key)
		return -ENOMEM;
	return 0;
}

/* Marks node p of a tree and its whole subtree as pass-through to leaf value v. */
static void make_leaf(struct iforest *f, int32_t *feat, float *thr, float *leaf, unsigned p,
		      unsigned depth, float v)
{
	unsigned first = p, count = 1;

	for (unsigned dd = depth; dd < f->height; dd++) {
		for (unsigned k = 0; k < count; k++) {
			feat[first + k] = 0;
			thr[first + k] = INFINITY;
		}
		first = 2 * first + 1;
		count *= 2;
	}
	/* first is now the breadth-first index of the subtree's first leaf. */
	for (unsigned k = 0; k < count; k++)
		leaf[first - f->n_nodes + k] = v;
}

struct build_item {
	unsigned p, depth;
	size_t lo, hi;
};

/* How a fit chooses split features (iforest.h), from all its training rows. */
struct split_plan {
	double *w; /* d weights, NULL: uniform (scikit-learn) */
	bool *fixed; /* d: constant over every training row (only with weights) */
	double w_total;
};

static inline uint32_t fkey(float v);

/*
 * How much more a feature of few values is drawn than one of many: weight log2(k)^-1.5 (see
 * iforest.h; 1 would give every feature the same share of the splits).
 */
#define WEIGHT_EXPONENT 1.5

/* Weights log2(max(2, distinct values))^-WEIGHT_EXPONENT and the features constant over X's n
 * rows. The distinct values are counted in a hash set of their keys (0 is no key: a NaN). */
static int plan_splits(struct split_plan *sp, const float *X, size_t n, size_t d)
{
	size_t cap = 2;
	uint32_t *set;

	while (cap < 2 * n)
		cap *= 2;
	set = malloc(cap * sizeof(*set));
	sp->w = malloc(d * sizeof(*sp->w));
	sp->fixed = malloc(d * sizeof(*sp->fixed));
	if (!set || !sp->w || !sp->fixed) {
		free(set);
		return -ENOMEM;
	}
	sp->w_total = 0;
	for (size_t j = 0; j < d; j++) {
		size_t k = 0;

		memset(set, 0, cap * sizeof(*set));
		for (size_t i = 0; i < n; i++) {
			uint32_t key = fkey(X[i * d + j]);
			size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);

			while (set[h] && set[h] != key)
				h = (h + 1) & (cap - 1);
			k += !set[h];
			set[h] = key;
		}
		sp->w[j] = pow(log2(k < 2 ? 2.0 : (double)k), -WEIGHT_EXPONENT);
		sp->fixed[j] = k == 1;
		sp->w_total += sp->w[j];
	}
	free(set);
	return 0;
}

/* Whether an ancestor of node p already split on feature j. */
static bool on_path(const int32_t *feat, unsigned p, unsigned j)
{
	while (p) {
		p = (p - 1) / 2;
		if ((unsigned)feat[p] == j)
			return true;
	}
	return false;
}

/* Draws one of cand[0..n_cand): uniformly, or by the plan's weights (their sum is *w_left). */
static size_t draw(const struct split_plan *sp, const unsigned *cand, size_t n_cand, double *w_left,
		   struct rng *r)
{
	double u;
	size_t c;

	if (!sp->w)
		return rng_below(r, n_cand);
	u = rng_double(r) * *w_left;
	for (c = 0; c + 1 < n_cand; c++) {
		u -= sp->w[cand[c]];
		if (u < 0)
			break;
	}
	return c;
}

/*
 * Picks node p's split feature among the rows idx[lo, hi) as iforest.h says, with their
 * range in that feature in *mn, *mx (equal for a feature constant over the training rows).
 * Returns -1 when no feature can split: the node is a leaf.
 */
static int pick_feature(const struct iforest *f, const struct split_plan *sp, const float *X,
			const size_t *idx, size_t lo, size_t hi, unsigned p, const int32_t *feat,
			unsigned *cand, struct rng *r, float *mn, float *mx)
{
	size_t d = f->d, n_cand = d;
	double w_left = sp->w_total;

	for (size_t k = 0; k < d; k++)
		cand[k] = (unsigned)k;
	/* As scikit-learn's random splitter: draw features until one is not constant. */
	while (n_cand) {
		size_t c = draw(sp, cand, n_cand, &w_left, r);
		unsigned fj = cand[c];

		*mn = *mx = X[idx[lo] * d + fj];
		if (sp->fixed && sp->fixed[fj]) {
			if (!on_path(feat, p, fj))
				return (int)fj;
		} else {
			for (size_t i = lo + 1; i < hi; i++) {
				float v = X[idx[i] * d + fj];

				*mn = v < *mn ? v : *mn;
				*mx = v > *mx ? v : *mx;
			}
			if (*mx > *mn)
				return (int)fj;
		}
		if (sp->w)
			w_left -= sp->w[fj];
		cand[c] = cand[--n_cand];
	}
	return -1;
}

static void grow_tree(struct iforest *f, const struct split_plan *plan, const float *X, size_t *idx,
		      size_t m, struct rng *r, int32_t *feat, float *thr, float *leaf,
		      struct build_item *stack, unsigned *cand)
{
	size_t d = f->d, sp = 0;

	stack[sp++] = (struct build_item){ 0, 0, 0, m };
	while (sp) {
		struct build_item it = stack[--sp];
		size_t cnt = it.hi - it.lo, lo, hi;
		float mn = 0, mx = 0, t;
		int j = -1;

		if (it.depth < f->height && cnt > 1)
			j = pick_feature(f, plan, X, idx, it.lo, it.hi, it.p, feat, cand, r, &mn,
					 &mx);
		if (j < 0) {
			make_leaf(f, feat, thr, leaf, it.p, it.depth,
				  (float)(it.depth + iforest_c((double)cnt)));
			continue;
		}
		if (mx == mn) {
			/* A feature constant over the training rows: every row goes to one side,
			 * chosen at random; the other side takes every other value. */
			bool right = rng_next(r) & 1;

			t = right ? nextafterf(mn, -INFINITY) : mn;
			if (t == -INFINITY) {
				t = mn;
				right = false;
			}
			lo = right ? it.lo : it.hi;
		} else {
			t = (float)((double)mn + rng_double(r) * ((double)mx - (double)mn));
			if (!(t < mx))
				t = mn;
			/* Partition: x <= t to the left. */
			lo = it.lo;
			hi = it.hi;
			while (lo < hi) {
				if (X[idx[lo] * d + j] <= t) {
					lo++;
				} else {
					size_t tmp = idx[lo];

					idx[lo] = idx[--hi];
					idx[hi] = tmp;
				}
			}
		}
		feat[it.p] = j;
		thr[it.p] = t;
		stack[sp++] = (struct build_item){ 2 * it.p + 2, it.depth + 1, lo, it.hi };
		stack[sp++] = (struct build_item){ 2 * it.p + 1, it.depth + 1, it.lo, lo };
	}
}

struct group_row {
	float v;
	size_t i;
};

static int group_row_cmp(const void *a, const void *b)
{
	float x = ((const struct group_row *)a)->v, y = ((const struct group_row *)b)->v;

	return (x > y) - (x < y);
}

/* Row i's sampling weight into w[i]: 1 / sqrt(rows sharing its value of feature g). */
static int group_weights(const float *X, size_t n, size_t d, unsigned g, double *w)
{
	struct group_row *s = malloc(n * sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s[i] = (struct group_row){ X[i * d + g], i };
	qsort(s, n, sizeof(*s), group_row_cmp);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && s[b].v == s[a].v; b++)
			;
		for (size_t k = a; k < b; k++)
			w[s[k].i] = 1 / sqrt((double)(b - a));
	}
	free(s);
	return 0;
}

/* Restores the max-heap of key[0..m) (idx alongside) below position p. */
static void sift_down(double *key, size_t *idx, size_t m, size_t p)
{
	for (;;) {
		size_t c = 2 * p + 1, tmp;
		double t;

		if (c >= m)
			return;
		if (c + 1 < m && key[c + 1] > key[c])
			c++;
		if (key[c] <= key[p])
			return;
		t = key[p], key[p] = key[c], key[c] = t;
		tmp = idx[p], idx[p] = idx[c], idx[c] = tmp;
		p = c;
	}
}

/*
 * m of n rows without replacement, row i drawn with weight w[i], into idx[m] (Efraimidis
 * and Spirakis 2006: the m smallest keys -ln(u) / w); key[m] is scratch, a max-heap.
 */
static void sample_weighted(const double *w, size_t n, size_t m, struct rng *r, size_t *idx,
			    double *key)
{
	for (size_t i = 0; i < n; i++) {
		double k = -log(1 - rng_double(r)) / w[i];

		if (i < m) {
			key[i] = k;
			idx[i] = i;
			if (i + 1 == m)
				for (size_t p = m / 2; p-- > 0;)
					sift_down(key, idx, m, p);
		} else if (k < key[0]) {
			key[0] = k;
			idx[0] = i;
			sift_down(key, idx, m, 0);
		}
	}
}

/* Tree rows: m of n without replacement, uniformly (a partial Fisher-Yates shuffle of perm). */
static void sample_uniform(size_t *perm, size_t n, size_t m, struct rng *r, size_t *idx)
{
	for (size_t i = 0; i < m; i++) {
		size_t k = i + rng_below(r, n - i), tmp = perm[i];

		perm[i] = perm[k];
		perm[k] = tmp;
		idx[i] = perm[i];
	}
}

int iforest_fit(struct iforest *f, const float *X, size_t n)
{
	size_t d = f->d, m, *perm = NULL, *idx = NULL;
	struct split_plan plan = { 0 };
	struct build_item *stack = NULL;
	unsigned *cand = NULL, height = 0;
	float *scores = NULL;
	double *w = NULL, *key = NULL; /* group sampling: row weights, heap keys */
	struct rng r;
	int ret;

	if (n < 2)
		return -EINVAL;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(X[i]))
			return -EINVAL;
	m = n < f->opts.max_samples ? n : f->opts.max_samples;
	while ((1ul << height) < m)
		height++;
	ret = alloc_trees(f, height);
	if (ret)
		goto out;
	f->max_samples = (unsigned)m;
	idx = malloc(m * sizeof(*idx));
	stack = malloc((height + 2) * 2 * sizeof(*stack));
	cand = malloc(d * sizeof(*cand));
	scores = malloc(n * sizeof(*scores));
	ret = -ENOMEM;
	if (!idx || !stack || !cand || !scores)
		goto out;
	if (!f->opts.uniform_splits && plan_splits(&plan, X, n, d))
		goto out;
	if (f->opts.group_feature >= 0) {
		w = malloc(n * sizeof(*w));
		key = malloc(m * sizeof(*key));
		if (!w || !key || group_weights(X, n, d, (unsigned)f->opts.group_feature, w))
			goto out;
	} else {
		perm = malloc(n * sizeof(*perm));
		if (!perm)
			goto out;
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
	}
	rng_seed(&r, f->opts.seed);
	for (unsigned t = 0; t < f->opts.n_trees; t++) {
		if (w)
			sample_weighted(w, n, m, &r, idx, key);
		else
			sample_uniform(perm, n, m, &r, idx);
		grow_tree(f, &plan, X, idx, m, &r, f->feat + (size_t)t * f->n_nodes,
			  f->thr + (size_t)t * f->n_nodes, f->leaf + (size_t)t * f->n_leaves, stack,
			  cand);
	}
	f->inv_norm = (float)(1.0 / ((double)f->opts.n_trees * iforest_c((double)m)));
	pack_nodes(f);
	iforest_score_samples(f, X, n, scores);
	f->offset = scaler_quantile_inplace(scores, n, f->opts.contamination);
	ret = 0;
out:
	if (ret)
		f->height = 0;
	free(perm);
	free(idx);
	free(stack);
	free(cand);
	free(scores);
	free(w);
	free(key);
	free(plan.w);
	free(plan.fixed);
	return ret;
}

/*
 * Scoring. Floats compare like their order-preserving integer keys (sign bit flipped for
 * positives, all bits for negatives; -0 is made +0 first, NaN never occurs), so a node
 * is a 32-bit key and a 16-bit column offset into a block of rows transposed to
 * feature-major order. A step down the tree is then one load of the offset, one load of
 * the row's key, a compare with the node's key and an add of the carry: no float unit,
 * no gather, portable C. With AVX-512 the first four levels go 16 rows at a time.
 */
static inline uint32_t fkey(float v)
{
	uint32_t u;

	v += 0.0f; /* -0 -> +0 */
	memcpy(&u, &v, sizeof(u));
	return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static void pack_nodes(struct iforest *f)
{
	size_t nn = (size_t)f->opts.n_trees * f->n_nodes;

	_Static_assert(IFOREST_MAX_FEATURES * BLOCK <= UINT16_MAX,
		       "column offsets must fit 16 bits");
	for (size_t i = 0; i < nn; i++) {
		f->off[i] = (uint16_t)(f->feat[i] * BLOCK);
		f->key[i] = fkey(f->thr[i]);
	}
}

/* Walks rows [0, nb) of a block through tree t from level L0 (row r starting at node
 * p_start[r], or at the root when L0 is 0) down to height H, and adds the leaf values into
 * acc. The callers pass constants for H and L0, so the level loop unrolls. xt: the rows'
 * keys, feature-major, BLOCK per feature. */
static inline __attribute__((always_inline)) void walk_tree(const struct iforest *f, unsigned t,
							    const uint32_t *xt, size_t nb,
							    float *acc, unsigned H, unsigned L0,
							    const uint8_t *p_start)
{
	unsigned nn = f->n_nodes;
	const char *xb = (const char *)xt;
	const uint16_t *off = f->off + (size_t)t * nn;
	const uint32_t *key = f->key + (size_t)t * nn;
	const float *leaf = f->leaf + (size_t)t * f->n_leaves - nn;
	size_t i0;

	/* Eight rows in lockstep, spelled out so that the compiler keeps them in registers:
	 * independent chains of dependent loads overlap. A step is two loads, a compare with
	 * the third and an add of the carry. */
	for (i0 = 0; i0 + 8 <= nb; i0 += 8) {
		const char *x = xb + i0 * sizeof(uint32_t);
		size_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;

		if (L0) {
			p0 = p_start[i0 + 0];
			p1 = p_start[i0 + 1];
			p2 = p_start[i0 + 2];
			p3 = p_start[i0 + 3];
			p4 = p_start[i0 + 4];
			p5 = p_start[i0 + 5];
			p6 = p_start[i0 + 6];
			p7 = p_start[i0 + 7];
		}
#define STEP(k)                                                                    \
	do {                                                                       \
		uint32_t xk;                                                       \
		memcpy(&xk, x + (off[p##k] + (k)) * sizeof(uint32_t), sizeof(xk)); \
		p##k = 2 * p##k + 1 + (key[p##k] < xk);                            \
	} while (0)
#pragma GCC unroll 12
		for (unsigned l = L0; l < H; l++) {
			STEP(0);
			STEP(1);
			STEP(2);
			STEP(3);
			STEP(4);
			STEP(5);
			STEP(6);
			STEP(7);
		}
#undef STEP
		acc[i0 + 0] += leaf[p0];
		acc[i0 + 1] += leaf[p1];
		acc[i0 + 2] += leaf[p2];
		acc[i0 + 3] += leaf[p3];
		acc[i0 + 4] += leaf[p4];
		acc[i0 + 5] += leaf[p5];
		acc[i0 + 6] += leaf[p6];
		acc[i0 + 7] += leaf[p7];
	}
	for (size_t i = i0; i < nb; i++) {
		const char *x = xb + i * sizeof(uint32_t);
		size_t p = L0 ? p_start[i] : 0;

		for (unsigned l = L0; l < H; l++) {
			uint32_t xk;

			memcpy(&xk, x + off[p] * sizeof(uint32_t), sizeof(xk));
			p = 2 * p + 1 + (key[p] < xk);
		}
		acc[i] += leaf[p];
	}
}

static void walk_scalar(const struct iforest *f, const uint32_t *xt, size_t nb, float *acc)
{
	for (unsigned t = 0; t < f->opts.n_trees; t++) {
		if (f->height == 8) /* max_samples 256 */
			walk_tree(f, t, xt, nb, acc, 8, 0, NULL);
		else
			walk_tree(f, t, xt, nb, acc, f->height, 0, NULL);
	}
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TOP 4 /* levels taken in vector form */

/* m ? b : a, lane by lane. */
static inline __mmask16 sel(__mmask16 m, __mmask16 a, __mmask16 b)
{
	return (__mmask16)((a & ~m) | (b & m));
}

/*
 * The first four levels with AVX-512, 16 rows at a time: the 15 nodes' comparisons are
 * made for all rows (each node has one feature, so its column is a plain load), and each
 * row's path picks its own bits out of them. Gathers measured slower here (a 16-lane
 * gather costs ~21 cycles). The rest of the tree is walked as above: same comparisons,
 * same sums, bit-identical scores.
 */
__attribute__((target("avx512f"))) static void
top_avx512(const struct iforest *f, const uint32_t *xt, size_t nb, uint8_t *p_top)
{
	const char *xb = (const char *)xt;
	size_t ng = (nb + 15) / 16;
	unsigned nn = f->n_nodes;

	for (unsigned t = 0; t < f->opts.n_trees; t++) {
		const uint16_t *off = f->off + (size_t)t * nn;
		const uint32_t *key = f->key + (size_t)t * nn;

		for (size_t g = 0; g < ng; g++) {
			const char *xg = xb + 16 * g * sizeof(uint32_t);
			__mmask16 b0, b1, b2, b3, s0, s1, s2, s3;
			__m512i p = _mm512_set1_epi32(15);

#define CMP(j)                                                                      \
	_mm512_cmpgt_epu32_mask(_mm512_loadu_si512(xg + off[j] * sizeof(uint32_t)), \
				_mm512_set1_epi32((int)key[j]))
			/* Each comparison is consumed as soon as its pair is complete. */
			b0 = CMP(0);
			b1 = sel(b0, CMP(1), CMP(2));
			s0 = sel(b1, CMP(3), CMP(4));
			s1 = sel(b1, CMP(5), CMP(6));
			b2 = sel(b0, s0, s1);
			s0 = sel(b2, CMP(7), CMP(8));
			s1 = sel(b2, CMP(9), CMP(10));
			s2 = sel(b2, CMP(11), CMP(12));
			s3 = sel(b2, CMP(13), CMP(14));
			b3 = sel(b0, sel(b1, s0, s1), sel(b1, s2, s3));
#undef CMP
			/* After four levels the node is 15 + the path bits, first bit highest. */
			p = _mm512_mask_add_epi32(p, b0, p, _mm512_set1_epi32(8));
			p = _mm512_mask_add_epi32(p, b1, p, _mm512_set1_epi32(4));
			p = _mm512_mask_add_epi32(p, b2, p, _mm512_set1_epi32(2));
			p = _mm512_mask_add_epi32(p, b3, p, _mm512_set1_epi32(1));
			_mm_storeu_si128((__m128i *)(p_top + (size_t)t * BLOCK + 16 * g),
					 _mm512_cvtepi32_epi8(p));
		}
	}
}

/* The first four levels of every tree with AVX-512 (top_avx512), the rest as above. */
static void walk_avx512(const struct iforest *f, const uint32_t *xt, size_t nb, float *acc,
			uint8_t *p_top)
{
	top_avx512(f, xt, nb, p_top);
	for (unsigned t = 0; t < f->opts.n_trees; t++) {
		if (f->height == 8)
			walk_tree(f, t, xt, nb, acc, 8, TOP, p_top + (size_t)t * BLOCK);
		else
			walk_tree(f, t, xt, nb, acc, f->height, TOP, p_top + (size_t)t * BLOCK);
	}
}

static bool use_avx512(const struct iforest *f)
{
	return f->height >= TOP && __builtin_cpu_supports("avx512f");
}
#else
static bool use_avx512(const struct iforest *f)
{
	return false;
}

static void walk_avx512(const struct iforest *f, const uint32_t *xt, size_t nb, float *acc,
			uint8_t *p_top)
{
}
#endif

static void accumulate_block(const struct iforest *f, const uint32_t *xt, size_t nb, float *acc,
			     uint8_t *p_top)
{
	if (nb >= 8 && p_top && use_avx512(f))
		walk_avx512(f, xt, nb, acc, p_top);
	else
		walk_scalar(f, xt, nb, acc);
}

/* Forests of up to this many trees walk their first levels in vector form (the per-tree
 * start nodes live on the stack). */
#define VEC_MAX_TREES 256

void iforest_score_samples(const struct iforest *f, const float *X, size_t n, float *out)
{
	size_t d = f->d, nt = f->opts.n_trees;
	uint32_t xt[d * BLOCK]; /* d <= IFOREST_MAX_FEATURES: at most 64 KiB */
	uint8_t p_top[(nt <= VEC_MAX_TREES ? nt : 1) * BLOCK] __attribute__((aligned(64)));

	for (size_t b = 0; b < n; b += BLOCK) {
		size_t nb = n - b < BLOCK ? n - b : BLOCK;
		float acc[BLOCK] = { 0 };

		for (size_t j = 0; j < d; j++)
			for (size_t i = 0; i < BLOCK; i++)
				xt[j * BLOCK + i] = i < nb ? fkey(X[(b + i) * d + j]) : 0;
		accumulate_block(f, xt, nb, acc, nt <= VEC_MAX_TREES ? p_top : NULL);
		for (size_t i = 0; i < nb; i++)
			out[b + i] = -exp2f(-acc[i] * f->inv_norm);
	}
}

void iforest_packed(const struct iforest *f, struct iforest_packed *p)
{
	p->n_trees = f->opts.n_trees;
	p->height = f->height;
	p->n_nodes = f->n_nodes;
	p->n_leaves = f->n_leaves;
	p->off = f->off;
	p->key = f->key;
	p->leaf = f->leaf;
	p->inv_norm = f->inv_norm;
}

uint32_t iforest_key(float v)
{
	return fkey(v);
}

void iforest_decision_function(const struct iforest *f, const float *X, size_t n, float *out)
{
	iforest_score_samples(f, X, n, out);
	for (size_t i = 0; i < n; i++)
		out[i] -= f->offset;
}

float iforest_offset(const struct iforest *f)
{
	return f->offset;
}

size_t iforest_dim(const struct iforest *f)
{
	return f->d;
}

unsigned iforest_n_trees(const struct iforest *f)
{
	return f->opts.n_trees;
}

void iforest_write(const struct iforest *f, struct ser_writer *w)
{
	size_t nt = f->opts.n_trees;

	ser_put_u32(w, (uint32_t)f->d);
	ser_put_u32(w, f->opts.n_trees);
	ser_put_u32(w, f->opts.max_samples);
	ser_put_f32(w, f->opts.contamination);
	ser_put_u64(w, f->opts.seed);
	ser_put_u32(w, f->max_samples);
	ser_put_u32(w, f->height);
	ser_put_f32(w, f->offset);
	for (size_t i = 0; i < nt * f->n_nodes; i++) {
		ser_put_u8(w, (uint8_t)f->feat[i]);
		ser_put_f32(w, f->thr[i]);
	}
	ser_put_f32s(w, f->leaf, nt * f->n_leaves);
}

struct iforest *iforest_read(struct ser_reader *r)
{
	struct iforest_opts o;
	struct iforest *f = NULL;
	uint32_t d, ms, height;
	size_t nt;

	iforest_opts_default(&o); /* what the file does not store */
	d = ser_get_u32(r);
	o.n_trees = ser_get_u32(r);
	o.max_samples = ser_get_u32(r);
	o.contamination = ser_get_f32(r);
	o.seed = ser_get_u64(r);
	ms = ser_get_u32(r);
	height = ser_get_u32(r);
	if (r->err || height > IFOREST_MAX_HEIGHT || ms < 2 || ms > o.max_samples ||
	    (1u << height) < ms || (height && (1u << (height - 1)) >= ms))
		goto bad;
	nt = o.n_trees;
	/* Bound the allocation by what the remaining input can hold. */
	if (nt > 100000 || nt * ((1u << height) * 9 - 5) > r->len - r->pos)
		goto bad;
	f = iforest_new(d, &o);
	if (!f)
		goto bad;
	if (alloc_trees(f, height)) {
		iforest_free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->max_samples = ms;
	f->offset = ser_get_f32(r);
	for (size_t i = 0; i < nt * f->n_nodes; i++) {
		f->feat[i] = ser_get_u8(r);
		f->thr[i] = ser_get_f32(r);
		if ((size_t)f->feat[i] >= d || isnan(f->thr[i]) || f->thr[i] == -INFINITY)
			goto bad;
	}
	ser_get_f32s(r, f->leaf, nt * f->n_leaves);
	for (size_t i = 0; i < nt * f->n_leaves; i++)
		if (f->leaf[i] < 0)
			goto bad;
	if (r->err || !isfinite(f->offset))
		goto bad;
	f->inv_norm = (float)(1.0 / ((double)nt * iforest_c((double)ms)));
	pack_nodes(f);
	return f;
bad:
	iforest_free(f);
	if (!r->err)
		r->err = -EBADMSG;
	errno = EBADMSG;
	return NULL;
}
