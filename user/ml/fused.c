// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <string.h>

#include "ml/fused.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_KERNEL 1
#endif

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));

bool fused_usable(const struct autoenc_packed *ae, const struct iforest_packed *f)
{
#ifdef HAVE_KERNEL
	return f->height == 8 && __builtin_cpu_supports("avx512f");
#else
	return false;
#endif
}

size_t fused_act_floats(const struct autoenc_packed *ae)
{
	size_t w = 16;

	for (unsigned l = 1; l <= ae->n_layers; l++)
		w = ae->pw[l] > w ? ae->pw[l] : w;
	return 8 * w;
}

#ifdef HAVE_KERNEL
/*
 * The autoencoder goes through the block in tiles of 8 rows x 32 (or 16) columns, as in
 * autoenc.c's dense_layer(): row tile by row tile, each through every layer. Its state
 * (which tile, which k) lives in struct ae_walk, a local of fused_block() that the inlined
 * steps below reduce to registers: the 16 accumulators in vector registers, while the
 * forest's walk uses the integer registers. One k-step of the current tile runs in the
 * middle of every level of the forest walk (measured best: 1.14M rows/s against 1.04M
 * with two steps per level, 1.11M with one after the level, 1.02M with one every other
 * level); whatever is left afterwards runs alone.
 */
#define STEP_FN static inline __attribute__((always_inline, target("arch=x86-64-v4")))

struct ae_walk {
	const struct autoenc_packed *ae;
	const float *xs; /* the block's rows */
	float *mae;
	const struct fused_buf *buf; /* its act and y: the layers' outputs */
	size_t d;
	unsigned L;
	/* Row tile, layer, column, step; K inputs and pn padded outputs of layer l. */
	unsigned rt, l, c, k, K, pn;
	const float *A, *W; /* the layer's input rows (lda apart) and weights from column c */
	size_t lda;
	float *out;
	bool busy, wide; /* tiles left; this tile is 32 columns wide (else 16) */
	v16f acc[8][2];
};

/* The tile's accumulators start at the bias (the row after the K weight rows). */
STEP_FN void bias_init(struct ae_walk *w)
{
	const float *b = w->W + (size_t)w->K * w->pn;

#pragma GCC unroll 8
	for (int r = 0; r < 8; r++) {
		w->acc[r][0] = *(const v16f_u *)b;
		w->acc[r][1] = w->wide ? (v16f) * (const v16f_u *)(b + 16) : w->acc[r][0];
	}
}

/* The finished tile to out, through ReLU on hidden layers. */
STEP_FN void store_tile(struct ae_walk *w)
{
	int relu = w->l + 1 < w->L;

#pragma GCC unroll 8
	for (int r = 0; r < 8; r++) {
		v16f y0 = w->acc[r][0], y1 = w->acc[r][1];

		if (relu) {
			y0 = (v16f)((v16i)y0 & (y0 > 0));
			y1 = (v16f)((v16i)y1 & (y1 > 0));
		}
		*(v16f_u *)(w->out + r * w->pn + w->c) = y0;
		if (w->wide)
			*(v16f_u *)(w->out + r * w->pn + w->c + 16) = y1;
	}
}

/* The row tile's reconstruction is complete: its rows' mean absolute errors. */
STEP_FN void tile_mae(const struct ae_walk *w)
{
	for (int r = 0; r < 8; r++) {
		size_t i = (size_t)w->rt * 8 + r;
		float s = 0;

		for (size_t j = 0; j < w->d; j++)
			s += fabsf(w->buf->y[r * w->pn + j] - w->xs[i * w->d + j]);
		w->mae[i] = s / (float)w->d;
	}
}

/* After a layer's last column tile: the next layer, or after the output layer the next
 * row tile (busy false after the last). Returns whether there is one. */
STEP_FN bool next_layer(struct ae_walk *w)
{
	w->c = 0;
	if (w->l + 1 == w->L) {
		tile_mae(w);
		w->l = 0;
		if (++w->rt == FUSED_ROWS / 8) {
			w->busy = false;
			return false;
		}
		w->A = w->xs + (size_t)w->rt * 8 * w->d;
		w->lda = w->d;
	} else {
		w->A = w->out;
		w->lda = w->pn;
		w->l++;
	}
	w->K = w->ae->w[w->l];
	w->pn = w->ae->pw[w->l + 1];
	w->out = w->l + 1 == w->L ? w->buf->y : w->buf->act[(w->l + 1) & 1];
	return true;
}

/* The tile is done: store it and start the next one. */
STEP_FN void tile_end(struct ae_walk *w)
{
	store_tile(w);
	w->c += w->wide ? 32 : 16;
	w->k = 0;
	if (w->c >= w->pn && !next_layer(w))
		return;
	w->W = w->ae->layer[w->l] + w->c;
	w->wide = w->c + 32 <= w->pn;
	bias_init(w);
}

/* One k-step of the current tile: 8 rows' input k times weight row k. */
STEP_FN void ae_step(struct ae_walk *w)
{
	if (!w->busy)
		return;
	const float *wk = w->W + (size_t)w->k * w->pn;
	v16f w0 = *(const v16f_u *)wk;

	if (w->wide) {
		v16f w1 = *(const v16f_u *)(wk + 16);

#pragma GCC unroll 8
		for (int r = 0; r < 8; r++) {
			float a = w->A[r * w->lda + w->k];

			w->acc[r][0] += a * w0;
			w->acc[r][1] += a * w1;
		}
	} else {
#pragma GCC unroll 8
		for (int r = 0; r < 8; r++)
			w->acc[r][0] += w->A[r * w->lda + w->k] * w0;
	}
	if (++w->k == w->K)
		tile_end(w);
}

/* Tree t's walk for all rows, 8 at a time (their keys xb, column-major), one autoencoder
 * step inside each level; adds the leaves' path lengths to facc. */
STEP_FN void walk_tree(const struct iforest_packed *f, unsigned t, const char *xb, float *facc,
		       struct ae_walk *w)
{
	const unsigned nn = f->n_nodes;
	const uint16_t *off = f->off + (size_t)t * nn;
	const uint32_t *key = f->key + (size_t)t * nn;
	const float *leaf = f->leaf + (size_t)t * f->n_leaves - nn;

	for (size_t i0 = 0; i0 < FUSED_ROWS; i0 += 8) {
		const char *x = xb + i0 * sizeof(uint32_t);
		size_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;

#define STEP(q)                                                                    \
	do {                                                                       \
		uint32_t xk;                                                       \
		memcpy(&xk, x + (off[p##q] + (q)) * sizeof(uint32_t), sizeof(xk)); \
		p##q = 2 * p##q + 1 + (key[p##q] < xk);                            \
	} while (0)
		for (unsigned lv = 0; lv < 8; lv++) {
			STEP(0);
			STEP(1);
			STEP(2);
			STEP(3);
			ae_step(w);
			STEP(4);
			STEP(5);
			STEP(6);
			STEP(7);
		}
#undef STEP
		facc[i0 + 0] += leaf[p0];
		facc[i0 + 1] += leaf[p1];
		facc[i0 + 2] += leaf[p2];
		facc[i0 + 3] += leaf[p3];
		facc[i0 + 4] += leaf[p4];
		facc[i0 + 5] += leaf[p5];
		facc[i0 + 6] += leaf[p6];
		facc[i0 + 7] += leaf[p7];
	}
}

__attribute__((target("arch=x86-64-v4"))) void fused_block(const struct autoenc_packed *ae,
							   const struct iforest_packed *f, size_t d,
							   const float *xs, float *mae, float *ifs,
							   struct fused_buf *buf)
{
	float facc[FUSED_ROWS] = { 0 };
	struct ae_walk w = {
		.ae = ae,
		.xs = xs,
		.mae = mae,
		.buf = buf,
		.d = d,
		.L = ae->n_layers,
		.K = ae->w[0],
		.pn = ae->pw[1],
		.A = xs,
		.W = ae->layer[0],
		.lda = d,
		.out = ae->n_layers > 1 ? buf->act[1] : buf->y,
		.busy = true,
		.wide = ae->pw[1] >= 32,
	};

	for (size_t j = 0; j < d; j++)
		for (size_t i = 0; i < FUSED_ROWS; i++)
			buf->xt[j * FUSED_ROWS + i] = iforest_key(xs[i * d + j]);
	bias_init(&w);
	for (unsigned t = 0; t < f->n_trees; t++)
		walk_tree(f, t, (const char *)buf->xt, facc, &w);
	while (w.busy)
		ae_step(&w);
	for (size_t i = 0; i < FUSED_ROWS; i++)
		ifs[i] = -exp2f(-facc[i] * f->inv_norm);
}
#else
void fused_block(const struct autoenc_packed *ae, const struct iforest_packed *f, size_t d,
		 const float *xs, float *mae, float *ifs, struct fused_buf *buf)
{
}
#endif
