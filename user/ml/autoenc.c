// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "common/rng.h"
#include "ml/autoenc.h"

#define ADAM_B1 0.9f
#define ADAM_B2 0.999f
#define ADAM_EPS 1e-7f
/* Rows per chunk when scoring: the widest activation block stays in L2. */
#define SCORE_CHUNK 256

struct autoenc {
	size_t d;
	struct autoenc_opts opts;
	unsigned n_layers; /* n_hidden + 1 */
	unsigned w[AUTOENC_MAX_HIDDEN + 2]; /* widths: w[0] = d, w[n_layers] = d */
	/* Training parameters (NULL in a network read from a file). */
	size_t n_params;
	float *params; /* per layer: W (w[l] x w[l+1]); gamma, beta (hidden) or bias (output) */
	size_t off_w[AUTOENC_MAX_HIDDEN + 1], off_g[AUTOENC_MAX_HIDDEN + 1];
	float *run_mean, *run_var; /* per hidden layer, at off_rs[l] */
	size_t off_rs[AUTOENC_MAX_HIDDEN + 1], n_rs;
	/* Inference network: per layer Wf (w[l] x w[l+1]) then bf (w[l+1]). */
	float *inf;
	size_t off_inf[AUTOENC_MAX_HIDDEN + 1], n_inf;
	unsigned max_w;
	/* The same, for the scoring kernel: widths rounded up to 16 (zero padding), W as
	 * in x pad(out), then bias as pad(out); 64-byte aligned. Built by pack(). */
	float *pk;
	size_t off_pk[AUTOENC_MAX_HIDDEN + 1], n_pk;
	unsigned pw[AUTOENC_MAX_HIDDEN + 2]; /* padded widths */
	unsigned max_pw;
};

struct autoenc_scratch {
	size_t rows, width;
	float *a, *b; /* rows x width, 64-byte aligned */
};

void autoenc_opts_default(struct autoenc_opts *o)
{
	static const unsigned def[] = { 128, 64, 32, 16, 32, 64, 128 };

	memset(o, 0, sizeof(*o));
	o->n_hidden = sizeof(def) / sizeof(def[0]);
	memcpy(o->hidden, def, sizeof(def));
	o->epochs = 50;
	o->batch = 32;
	o->lr = 1e-3f;
	o->l2 = 1e-5f;
	o->dropout = 0.1f;
	o->bn_momentum = 0.99f;
	o->bn_eps = 1e-3f;
	o->val_frac = 0.1f;
	o->patience = 5;
	o->seed = 42;
}

static int check_opts(size_t d, const struct autoenc_opts *o)
{
	if (d == 0 || d > AUTOENC_MAX_WIDTH || !o || o->n_hidden == 0 ||
	    o->n_hidden > AUTOENC_MAX_HIDDEN || o->batch < 2 || o->batch > 65536 || !(o->lr > 0) ||
	    !isfinite(o->lr) || !(o->l2 >= 0) || !isfinite(o->l2) ||
	    !(o->dropout >= 0 && o->dropout < 1) || !(o->bn_momentum >= 0 && o->bn_momentum < 1) ||
	    !(o->bn_eps > 0) || !isfinite(o->bn_eps) || !(o->val_frac >= 0 && o->val_frac < 1))
		return -EINVAL;
	for (unsigned i = 0; i < o->n_hidden; i++)
		if (o->hidden[i] == 0 || o->hidden[i] > AUTOENC_MAX_WIDTH)
			return -EINVAL;
	return 0;
}

/* Shapes and offsets from d and the widths; allocates nothing. */
static void layout(struct autoenc *ae)
{
	size_t p = 0, rs = 0, q = 0;

	ae->max_w = (unsigned)ae->d;
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1];

		ae->off_w[l] = p;
		p += in * out;
		ae->off_g[l] = p;
		p += l + 1 < ae->n_layers ? 2 * out : out;
		ae->off_rs[l] = rs;
		if (l + 1 < ae->n_layers)
			rs += out;
		ae->off_inf[l] = q;
		q += in * out + out;
		if (out > ae->max_w)
			ae->max_w = (unsigned)out;
	}
	ae->n_params = p;
	ae->n_rs = rs;
	ae->n_inf = q;
	q = 0;
	ae->max_pw = 0;
	for (unsigned l = 0; l <= ae->n_layers; l++) {
		ae->pw[l] = (ae->w[l] + 15) & ~15u;
		if (ae->pw[l] > ae->max_pw)
			ae->max_pw = ae->pw[l];
	}
	for (unsigned l = 0; l < ae->n_layers; l++) {
		ae->off_pk[l] = q;
		q += (size_t)ae->w[l] * ae->pw[l + 1] + ae->pw[l + 1];
	}
	ae->n_pk = q;
}

/* Widths, shapes and offsets of a network for d inputs and checked options. */
static void shape(struct autoenc *ae, size_t d, const struct autoenc_opts *o)
{
	ae->d = d;
	ae->opts = *o;
	ae->n_layers = o->n_hidden + 1;
	ae->w[0] = (unsigned)d;
	for (unsigned i = 0; i < o->n_hidden; i++)
		ae->w[i + 1] = o->hidden[i];
	ae->w[ae->n_layers] = (unsigned)d;
	layout(ae);
}

static struct autoenc *alloc_net(size_t d, const struct autoenc_opts *o, int trainable)
{
	struct autoenc *ae = calloc(1, sizeof(*ae));

	if (!ae)
		goto nomem;
	shape(ae, d, o);
	ae->inf = calloc(ae->n_inf, sizeof(float));
	ae->pk = aligned_alloc(64, (ae->n_pk * sizeof(float) + 63) & ~(size_t)63);
	if (!ae->inf || !ae->pk)
		goto nomem;
	memset(ae->pk, 0, ae->n_pk * sizeof(float));
	if (trainable) {
		ae->params = calloc(ae->n_params, sizeof(float));
		ae->run_mean = calloc(ae->n_rs + 1, sizeof(float));
		ae->run_var = calloc(ae->n_rs + 1, sizeof(float));
		if (!ae->params || !ae->run_mean || !ae->run_var)
			goto nomem;
	} else {
		ae->n_params = 0;
	}
	return ae;
nomem:
	autoenc_free(ae);
	errno = ENOMEM;
	return NULL;
}

struct autoenc *autoenc_new(size_t d, const struct autoenc_opts *o)
{
	struct autoenc *ae;
	struct rng r;

	if (check_opts(d, o)) {
		errno = EINVAL;
		return NULL;
	}
	ae = alloc_net(d, o, 1);
	if (!ae)
		return NULL;
	rng_seed(&r, o->seed);
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1];
		float lim = sqrtf(6.0f / (float)(in + out)), *g = ae->params + ae->off_g[l];

		/* Glorot uniform, the Keras default for Dense. */
		for (size_t i = 0; i < in * out; i++)
			ae->params[ae->off_w[l] + i] = (2.0f * rng_float(&r) - 1.0f) * lim;
		if (l + 1 < ae->n_layers) {
			for (size_t j = 0; j < out; j++) {
				g[j] = 1.0f; /* gamma */
				g[out + j] = 0.0f; /* beta */
				ae->run_var[ae->off_rs[l] + j] = 1.0f;
			}
		}
	}
	autoenc_fold(ae);
	return ae;
}

void autoenc_free(struct autoenc *ae)
{
	if (!ae)
		return;
	free(ae->params);
	free(ae->run_mean);
	free(ae->run_var);
	free(ae->inf);
	free(ae->pk);
	free(ae);
}

size_t autoenc_dim(const struct autoenc *ae)
{
	return ae->d;
}

/* The scoring kernel's copy of the inference weights (zero-padded to 16 columns). */
static void pack(struct autoenc *ae)
{
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1], po = ae->pw[l + 1];
		const float *Wf = ae->inf + ae->off_inf[l], *bf = Wf + in * out;
		float *P = ae->pk + ae->off_pk[l];

		for (size_t i = 0; i < in; i++)
			for (size_t j = 0; j < po; j++)
				P[i * po + j] = j < out ? Wf[i * out + j] : 0.0f;
		for (size_t j = 0; j < po; j++)
			P[in * po + j] = j < out ? bf[j] : 0.0f;
	}
}

void autoenc_fold(struct autoenc *ae)
{
	if (!ae->params)
		return;
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1];
		const float *W = ae->params + ae->off_w[l], *g = ae->params + ae->off_g[l];
		float *Wf = ae->inf + ae->off_inf[l], *bf = Wf + in * out;

		if (l + 1 == ae->n_layers) {
			memcpy(Wf, W, in * out * sizeof(float));
			memcpy(bf, g, out * sizeof(float));
			continue;
		}
		for (size_t j = 0; j < out; j++) {
			float mu = ae->run_mean[ae->off_rs[l] + j];
			float s = g[j] / sqrtf(ae->run_var[ae->off_rs[l] + j] + ae->opts.bn_eps);

			for (size_t i = 0; i < in; i++)
				Wf[i * out + j] = W[i * out + j] * s;
			bf[j] = g[out + j] - mu * s;
		}
	}
	pack(ae);
}

/* ---- Inference ------------------------------------------------------------------------ */

/*
 * The scoring kernel: C[m x pn] = act(A[m x k] W[k x pn] + b) with pn a multiple of 16, in
 * register tiles of 8 rows x 32 columns (16-column vectors, GCC vector extensions). It is
 * compiled for AVX-512, AVX2+FMA and baseline x86-64, picked at load time; each row's
 * result depends only on that row, so scores do not depend on the batch.
 */
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL_CLONES
#endif

static inline __attribute__((always_inline)) void tile(const float *A, size_t lda, const float *W,
						       size_t pn, const float *b, size_t k,
						       float *C, size_t ldc, int R, int V, int relu)
{
	v16f acc[8][2];

#pragma GCC unroll 8
	for (int r = 0; r < R; r++)
#pragma GCC unroll 2
		for (int v = 0; v < V; v++)
			acc[r][v] = *(const v16f_u *)(b + 16 * v);
	for (size_t kk = 0; kk < k; kk++) {
		const float *w = W + kk * pn;
		v16f w0 = *(const v16f_u *)w;
		v16f w1 = V > 1 ? (v16f) * (const v16f_u *)(w + 16) : w0;

#pragma GCC unroll 8
		for (int r = 0; r < R; r++) {
			float a = A[r * lda + kk];

			acc[r][0] += a * w0;
			if (V > 1)
				acc[r][1] += a * w1;
		}
	}
#pragma GCC unroll 8
	for (int r = 0; r < R; r++)
#pragma GCC unroll 2
		for (int v = 0; v < V; v++) {
			v16f y = acc[r][v];

			if (relu)
				y = (v16f)((v16i)y & (y > 0));
			*(v16f_u *)(C + r * ldc + 16 * v) = y;
		}
}

KERNEL_CLONES static void dense_layer(const float *A, size_t lda, const float *W, size_t k,
				      size_t pn, float *C, size_t ldc, size_t m, int relu)
{
	const float *b = W + k * pn;
	size_t i = 0, j;

	for (; i + 8 <= m; i += 8) {
		for (j = 0; j + 32 <= pn; j += 32)
			tile(A + i * lda, lda, W + j, pn, b + j, k, C + i * ldc + j, ldc, 8, 2,
			     relu);
		if (j < pn)
			tile(A + i * lda, lda, W + j, pn, b + j, k, C + i * ldc + j, ldc, 8, 1,
			     relu);
	}
	for (; i < m; i++) {
		for (j = 0; j + 32 <= pn; j += 32)
			tile(A + i * lda, lda, W + j, pn, b + j, k, C + i * ldc + j, ldc, 1, 2,
			     relu);
		if (j < pn)
			tile(A + i * lda, lda, W + j, pn, b + j, k, C + i * ldc + j, ldc, 1, 1,
			     relu);
	}
}

struct autoenc_scratch *autoenc_scratch_new(const struct autoenc *ae)
{
	struct autoenc_scratch *s = calloc(1, sizeof(*s));
	size_t bytes;

	if (!s)
		goto nomem;
	s->rows = SCORE_CHUNK;
	s->width = ae->max_pw;
	bytes = s->rows * s->width * sizeof(float);
	s->a = aligned_alloc(64, bytes);
	s->b = aligned_alloc(64, bytes);
	if (!s->a || !s->b)
		goto nomem;
	memset(s->a, 0, bytes);
	memset(s->b, 0, bytes);
	return s;
nomem:
	autoenc_scratch_free(s);
	errno = ENOMEM;
	return NULL;
}

void autoenc_scratch_free(struct autoenc_scratch *s)
{
	if (!s)
		return;
	free(s->a);
	free(s->b);
	free(s);
}

/* Runs m <= s->rows rows through the folded network; returns the output, m rows of stride
 * pw[n_layers] (the padding columns are 0). */
static float *forward_chunk(const struct autoenc *ae, const float *X, size_t m,
			    struct autoenc_scratch *s)
{
	const float *in = X;
	size_t lda = ae->d;
	float *out = s->a;

	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t pn = ae->pw[l + 1];

		dense_layer(in, lda, ae->pk + ae->off_pk[l], ae->w[l], pn, out, pn, m,
			    l + 1 < ae->n_layers);
		in = out;
		lda = pn;
		out = out == s->a ? s->b : s->a;
	}
	return (float *)in;
}

void autoenc_score(const struct autoenc *ae, const float *X, size_t n, struct autoenc_scratch *s,
		   float *mae)
{
	size_t d = ae->d;

	for (size_t b = 0; b < n; b += s->rows) {
		size_t m = n - b < s->rows ? n - b : s->rows;
		const float *x = X + b * d;
		const float *y = forward_chunk(ae, x, m, s);
		size_t py = ae->pw[ae->n_layers];

		for (size_t i = 0; i < m; i++) {
			float acc = 0;

			for (size_t j = 0; j < d; j++)
				acc += fabsf(y[i * py + j] - x[i * d + j]);
			mae[b + i] = acc / (float)d;
		}
	}
}

void autoenc_reconstruct(const struct autoenc *ae, const float *X, size_t n,
			 struct autoenc_scratch *s, float *Y)
{
	size_t d = ae->d;

	for (size_t b = 0; b < n; b += s->rows) {
		size_t m = n - b < s->rows ? n - b : s->rows;

		const float *y = forward_chunk(ae, X + b * d, m, s);

		for (size_t i = 0; i < m; i++)
			memcpy(Y + (b + i) * d, y + i * ae->pw[ae->n_layers], d * sizeof(float));
	}
}

int autoenc_reconstruct_unfolded(const struct autoenc *ae, const float *X, size_t n, float *Y)
{
	size_t maxw = ae->max_w;
	float *a = NULL, *b = NULL;
	int ret = -ENOMEM;

	if (!ae->params)
		return -EINVAL;
	a = malloc(n * maxw * sizeof(float));
	b = malloc(n * maxw * sizeof(float));
	if (!a || !b)
		goto out;
	memcpy(a, X, n * ae->d * sizeof(float));
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1];
		const float *W = ae->params + ae->off_w[l], *g = ae->params + ae->off_g[l];
		int last = l + 1 == ae->n_layers;

		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < out; j++) {
				float z = 0;

				for (size_t k = 0; k < in; k++)
					z += a[i * in + k] * W[k * out + j];
				if (last) {
					z += g[j];
				} else {
					float mu = ae->run_mean[ae->off_rs[l] + j];
					float var = ae->run_var[ae->off_rs[l] + j];

					z = (z - mu) / sqrtf(var + ae->opts.bn_eps);
					z = g[j] * z + g[out + j];
					z = z > 0 ? z : 0;
				}
				b[i * out + j] = z;
			}
		}
		float *t = a;
		a = b;
		b = t;
	}
	memcpy(Y, a, n * ae->d * sizeof(float));
	ret = 0;
out:
	free(a);
	free(b);
	return ret;
}

void autoenc_packed(const struct autoenc *ae, struct autoenc_packed *p)
{
	p->n_layers = ae->n_layers;
	p->w = ae->w;
	p->pw = ae->pw;
	for (unsigned l = 0; l < ae->n_layers; l++)
		p->layer[l] = ae->pk + ae->off_pk[l];
}

/* ---- Training ------------------------------------------------------------------------- */

/* Buffers for one mini-batch of up to m rows. */
struct workspace {
	size_t m;
	float *act[AUTOENC_MAX_HIDDEN + 2]; /* act[l]: input of layer l; act[0] is the batch */
	float *xhat[AUTOENC_MAX_HIDDEN + 1]; /* normalised pre-activations of hidden layers */
	float *mult[AUTOENC_MAX_HIDDEN + 1]; /* dY = dA * mult: ReLU gate times dropout scale */
	float *invstd[AUTOENC_MAX_HIDDEN + 1];
	float *da, *dz; /* gradient w.r.t. a layer's output, then its pre-activation */
	float *drop; /* dropout multipliers of one layer */
};

static void ws_free(struct workspace *ws)
{
	for (unsigned l = 0; l < AUTOENC_MAX_HIDDEN + 2; l++)
		free(ws->act[l]);
	for (unsigned l = 0; l < AUTOENC_MAX_HIDDEN + 1; l++) {
		free(ws->xhat[l]);
		free(ws->mult[l]);
		free(ws->invstd[l]);
	}
	free(ws->da);
	free(ws->dz);
	free(ws->drop);
	memset(ws, 0, sizeof(*ws));
}

static int ws_alloc(struct workspace *ws, const struct autoenc *ae, size_t m)
{
	memset(ws, 0, sizeof(*ws));
	ws->m = m;
	for (unsigned l = 0; l <= ae->n_layers; l++) {
		ws->act[l] = malloc(m * ae->w[l] * sizeof(float));
		if (!ws->act[l])
			goto nomem;
	}
	for (unsigned l = 0; l + 1 < ae->n_layers; l++) {
		size_t out = ae->w[l + 1];

		ws->xhat[l] = malloc(m * out * sizeof(float));
		ws->mult[l] = malloc(m * out * sizeof(float));
		ws->invstd[l] = malloc(out * sizeof(float));
		if (!ws->xhat[l] || !ws->mult[l] || !ws->invstd[l])
			goto nomem;
	}
	ws->da = malloc(m * ae->max_w * sizeof(float));
	ws->dz = malloc(m * ae->max_w * sizeof(float));
	ws->drop = malloc(m * ae->max_w * sizeof(float));
	if (!ws->da || !ws->dz || !ws->drop)
		goto nomem;
	return 0;
nomem:
	ws_free(ws);
	return -ENOMEM;
}

/* dst = c src, 16 at a time. */
static inline __attribute__((always_inline)) void scale_copy(float *dst, const float *src, size_t n,
							     float c)
{
	size_t i = 0;

	for (; i + 16 <= n; i += 16)
		*(v16f_u *)(dst + i) = c * *(const v16f_u *)(src + i);
	for (; i < n; i++)
		dst[i] = c * src[i];
}

/* Column sums over m rows of width out: sum[j] = sum_i Z[i][j], in row order. */
static inline __attribute__((always_inline)) void col_sum(const float *Z, size_t m, size_t out,
							  float *sum)
{
	size_t j = 0;

	for (; j + 16 <= out; j += 16) {
		v16f acc = { 0 };

		for (size_t i = 0; i < m; i++)
			acc += *(const v16f_u *)(Z + i * out + j);
		*(v16f_u *)(sum + j) = acc;
	}
	for (; j < out; j++) {
		float acc = 0;

		for (size_t i = 0; i < m; i++)
			acc += Z[i * out + j];
		sum[j] = acc;
	}
}

/* ssd[j] = sum_i (Z[i][j] - mean[j])^2, in row order. */
static inline __attribute__((always_inline)) void col_ssd(const float *Z, size_t m, size_t out,
							  const float *mean, float *ssd)
{
	size_t j = 0;

	for (; j + 16 <= out; j += 16) {
		v16f acc = { 0 }, mu = *(const v16f_u *)(mean + j);

		for (size_t i = 0; i < m; i++) {
			v16f t = *(const v16f_u *)(Z + i * out + j) - mu;

			acc += t * t;
		}
		*(v16f_u *)(ssd + j) = acc;
	}
	for (; j < out; j++) {
		float acc = 0;

		for (size_t i = 0; i < m; i++) {
			float t = Z[i * out + j] - mean[j];

			acc += t * t;
		}
		ssd[j] = acc;
	}
}

/* Backward through dropout and ReLU (da *= mult, in place), with the batch-norm parameter
 * gradients dgam[j] = sum_i dy xhat, dbet[j] = sum_i dy. */
static inline __attribute__((always_inline)) void bn_bwd_params(float *da, const float *mult,
								const float *xh, size_t m,
								size_t out, float *dgam,
								float *dbet)
{
	size_t j = 0;

	for (; j + 16 <= out; j += 16) {
		v16f sg = { 0 }, sb = { 0 };

		for (size_t i = 0; i < m; i++) {
			size_t k = i * out + j;
			v16f dy = *(v16f_u *)(da + k) * *(const v16f_u *)(mult + k);

			*(v16f_u *)(da + k) = dy;
			sg += dy * *(const v16f_u *)(xh + k);
			sb += dy;
		}
		*(v16f_u *)(dgam + j) = sg;
		*(v16f_u *)(dbet + j) = sb;
	}
	for (; j < out; j++) {
		float sg = 0, sb = 0;

		for (size_t i = 0; i < m; i++) {
			size_t k = i * out + j;
			float dy = da[k] * mult[k];

			da[k] = dy;
			sg += dy * xh[k];
			sb += dy;
		}
		dgam[j] = sg;
		dbet[j] = sb;
	}
}

/* dz = coef (m dy - dbet - xhat dgam), coef[j] = gamma is / m: batch norm's input gradient. */
static inline __attribute__((always_inline)) void bn_bwd_input(const float *dy, const float *xh,
							       const float *coef, const float *dgam,
							       const float *dbet, size_t m,
							       size_t out, float *dz)
{
	float fm = (float)m;

	for (size_t i = 0; i < m; i++) {
		size_t j = 0;

		for (; j + 16 <= out; j += 16) {
			size_t k = i * out + j;

			*(v16f_u *)(dz + k) =
				*(const v16f_u *)(coef + j) *
				(fm * *(const v16f_u *)(dy + k) - *(const v16f_u *)(dbet + j) -
				 *(const v16f_u *)(xh + k) * *(const v16f_u *)(dgam + j));
		}
		for (; j < out; j++) {
			size_t k = i * out + j;

			dz[k] = coef[j] * (fm * dy[k] - dbet[j] - xh[k] * dgam[j]);
		}
	}
}

/* One row of a hidden layer in training: xhat = (z - mean) is, y = gamma xhat + beta,
 * mult = (y > 0) keep, a = y mult; z is overwritten by xhat. 16 columns at a time. */
static inline __attribute__((always_inline)) void bn_relu_drop(float *z, float *mult, float *a,
							       const float *keep, const float *mean,
							       const float *is, const float *gamma,
							       const float *beta, size_t out)
{
	size_t j = 0;

	for (; j + 16 <= out; j += 16) {
		v16f xh = (*(v16f_u *)(z + j) - *(const v16f_u *)(mean + j)) *
			  *(const v16f_u *)(is + j);
		v16f y = *(const v16f_u *)(gamma + j) * xh + *(const v16f_u *)(beta + j);
		v16f mk = (v16f)((v16i) * (const v16f_u *)(keep + j) & (y > 0));

		*(v16f_u *)(z + j) = xh;
		*(v16f_u *)(mult + j) = mk;
		*(v16f_u *)(a + j) = y * mk;
	}
	for (; j < out; j++) {
		float xh = (z[j] - mean[j]) * is[j];
		float y = gamma[j] * xh + beta[j];
		float mk = y > 0 ? keep[j] : 0.0f;

		z[j] = xh;
		mult[j] = mk;
		a[j] = y * mk;
	}
}

#define PASS_STEP static inline __attribute__((always_inline))

/* Layer l's batch statistics over Z (m x out): mean and var into ws->dz, 1/std into
 * ws->invstd[l]; the running statistics follow them if update_running. */
PASS_STEP void bn_batch_stats(struct autoenc *ae, struct workspace *ws, unsigned l, const float *Z,
			      size_t m, size_t out, int update_running)
{
	const struct autoenc_opts *o = &ae->opts;
	float inv_m = 1.0f / (float)m;
	float *mean = ws->dz, *var = ws->dz + out, *is = ws->invstd[l];

	col_sum(Z, m, out, mean);
	for (size_t j = 0; j < out; j++)
		mean[j] *= inv_m;
	col_ssd(Z, m, out, mean, var);
	for (size_t j = 0; j < out; j++) {
		var[j] *= inv_m;
		is[j] = 1.0f / sqrtf(var[j] + o->bn_eps);
		if (update_running) {
			float *rm = ae->run_mean + ae->off_rs[l] + j;
			float *rv = ae->run_var + ae->off_rs[l] + j;
			/* The running variance is unbiased, as PyTorch keeps it. */
			float uv = m > 1 ? var[j] * (float)m / (float)(m - 1) : var[j];

			*rm = o->bn_momentum * *rm + (1 - o->bn_momentum) * mean[j];
			*rv = o->bn_momentum * *rv + (1 - o->bn_momentum) * uv;
		}
	}
}

/* Dropout multipliers of n activations into keep: 0 or 1 / (1 - dropout), decided from
 * 16-bit slices of the random stream (sequential, hence before the vectorised pass). */
PASS_STEP void dropout_keep(const struct autoenc_opts *o, struct rng *r, size_t n, float *keep)
{
	float keep_scale = 1.0f / (1.0f - o->dropout);
	uint32_t drop16 = (uint32_t)(o->dropout * 65536.0f);

	if (drop16) {
		for (size_t i = 0; i < n; i += 4) {
			uint64_t bits = rng_next(r);

			for (size_t t = 0; t < 4 && i + t < n; t++)
				keep[i + t] = (uint32_t)(bits >> (16 * t) & 0xffff) < drop16 ?
						      0.0f :
						      keep_scale;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			keep[i] = 1.0f;
	}
}

/* Forward through every layer in training mode: the output in ws->act[L]. */
PASS_STEP void train_forward(struct autoenc *ae, struct workspace *ws, size_t m, struct rng *r,
			     int update_running)
{
	unsigned L = ae->n_layers;

	for (unsigned l = 0; l < L; l++) {
		size_t in = ae->w[l], out = ae->w[l + 1];
		const float *W = ae->params + ae->off_w[l], *g = ae->params + ae->off_g[l];
		float *Z = l + 1 < L ? ws->xhat[l] : ws->act[L];

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)out, (int)in,
			    1.0f, ws->act[l], (int)in, W, (int)out, 0.0f, Z, (int)out);
		if (l + 1 == L) {
			for (size_t i = 0; i < m; i++)
				for (size_t j = 0; j < out; j++)
					Z[i * out + j] += g[j];
			break;
		}
		float *A = ws->act[l + 1], *M = ws->mult[l], *keep = ws->drop;

		bn_batch_stats(ae, ws, l, Z, m, out, update_running);
		dropout_keep(&ae->opts, r, m * out, keep);
		/* One vectorisable pass: normalise, scale and shift, ReLU, drop. */
		for (size_t i = 0; i < m; i++)
			bn_relu_drop(Z + i * out, M + i * out, A + i * out, keep + i * out, ws->dz,
				     ws->invstd[l], g, g + out, out);
	}
}

/* The output's data loss (MSE), and dZ = 2 (y - x) / (m d) into ws->dz. */
PASS_STEP double output_loss(struct workspace *ws, unsigned L, size_t m, size_t d)
{
	const float *Y = ws->act[L], *X = ws->act[0];
	float c = 2.0f / (float)(m * d);
	double loss = 0;

	for (size_t i = 0; i < m * d; i++) {
		float e = Y[i] - X[i];

		loss += (double)e * e;
		ws->dz[i] = c * e;
	}
	return loss / (double)(m * d);
}

/* l2 times the sum of the squared weights. */
PASS_STEP double l2_penalty(const struct autoenc *ae)
{
	double s = 0;

	for (unsigned l = 0; l < ae->n_layers; l++) {
		const float *W = ae->params + ae->off_w[l];

		for (size_t i = 0; i < (size_t)ae->w[l] * ae->w[l + 1]; i++)
			s += (double)W[i] * W[i];
	}
	return ae->opts.l2 * s;
}

/* Backward from ws->dz at the output: the gradient of MSE + L2 into grad. */
PASS_STEP void train_backward(struct autoenc *ae, struct workspace *ws, size_t m, float *grad)
{
	float inv_m = 1.0f / (float)m;

	for (unsigned l = ae->n_layers; l-- > 0;) {
		size_t in = ae->w[l], out = ae->w[l + 1];
		const float *W = ae->params + ae->off_w[l], *g = ae->params + ae->off_g[l];
		float *gW = grad + ae->off_w[l], *gg = grad + ae->off_g[l];
		float twol2 = 2.0f * ae->opts.l2;

		if (l + 1 < ae->n_layers) {
			/* da holds dL/dA for this layer's output: through dropout, ReLU and BN. */
			const float *xh = ws->xhat[l], *M = ws->mult[l], *is = ws->invstd[l];
			float *dgam = gg, *dbet = gg + out;

			float *coef = ws->drop; /* free during the backward pass */

			bn_bwd_params(ws->da, M, xh, m, out, dgam, dbet);
			for (size_t j = 0; j < out; j++)
				coef[j] = g[j] * is[j] * inv_m;
			bn_bwd_input(ws->da, xh, coef, dgam, dbet, m, out, ws->dz);
		} else {
			col_sum(ws->dz, m, out, gg);
		}
		scale_copy(gW, W, in * out, twol2);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)in, (int)out, (int)m,
			    1.0f, ws->act[l], (int)in, ws->dz, (int)out, 1.0f, gW, (int)out);
		if (l > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)in,
				    (int)out, 1.0f, ws->dz, (int)out, W, (int)out, 0.0f, ws->da,
				    (int)in);
	}
}

/*
 * Forward and backward pass over the m rows in ws->act[0] in training mode. Returns the data
 * loss (MSE); adds the L2 term to *loss_l2 if not NULL. Writes the gradient of MSE + L2 into
 * grad if not NULL. Updates the running statistics if update_running.
 */
KERNEL_CLONES static double fwd_bwd(struct autoenc *ae, struct workspace *ws, size_t m,
				    struct rng *r, int update_running, double *loss_l2, float *grad)
{
	double loss;

	train_forward(ae, ws, m, r, update_running);
	loss = output_loss(ws, ae->n_layers, m, ae->d);
	if (loss_l2)
		*loss_l2 += l2_penalty(ae);
	if (grad)
		train_backward(ae, ws, m, grad);
	return loss;
}

int autoenc_loss_grad(struct autoenc *ae, const float *X, size_t n, uint64_t mask_seed,
		      double *loss, float *grad)
{
	struct workspace ws;
	struct rng r;
	double l2 = 0;
	int ret;

	if (!ae->params || n < 2)
		return -EINVAL;
	ret = ws_alloc(&ws, ae, n);
	if (ret)
		return ret;
	memcpy(ws.act[0], X, n * ae->d * sizeof(float));
	rng_seed(&r, mask_seed);
	*loss = fwd_bwd(ae, &ws, n, &r, 0, &l2, grad) + l2;
	ws_free(&ws);
	return 0;
}

/* Mean squared reconstruction error of rows idx[0..n) in inference mode. */
static double eval_mse(const struct autoenc *ae, const float *X, const size_t *idx, size_t n,
		       struct autoenc_scratch *s, float *rows)
{
	size_t d = ae->d;
	double acc = 0;

	for (size_t b = 0; b < n; b += s->rows) {
		size_t m = n - b < s->rows ? n - b : s->rows;
		const float *y;

		for (size_t i = 0; i < m; i++)
			memcpy(rows + i * d, X + idx[b + i] * d, d * sizeof(float));
		y = forward_chunk(ae, rows, m, s);
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < d; j++) {
				float e = y[i * ae->pw[ae->n_layers] + j] - rows[i * d + j];

				acc += (double)e * e;
			}
	}
	return acc / (double)(n * d);
}

static void adam_scalar(float *restrict p, const float *restrict g, float *restrict mo,
			float *restrict ve, size_t i, size_t n, float lr_t)
{
	for (; i < n; i++) {
		float gi = g[i];

		mo[i] = ADAM_B1 * mo[i] + (1 - ADAM_B1) * gi;
		ve[i] = ADAM_B2 * ve[i] + (1 - ADAM_B2) * gi * gi;
		p[i] -= lr_t * mo[i] / (sqrtf(ve[i]) + ADAM_EPS);
	}
}

#if defined(__x86_64__)
#include <immintrin.h>

/* Adam over all parameters: with the libm sqrtf the compiler will not vectorise. */
__attribute__((target("avx512f"))) static void adam_avx512(float *restrict p,
							   const float *restrict g,
							   float *restrict mo, float *restrict ve,
							   size_t n, float lr_t)
{
	const __m512 b1 = _mm512_set1_ps(ADAM_B1), c1 = _mm512_set1_ps(1 - ADAM_B1);
	const __m512 b2 = _mm512_set1_ps(ADAM_B2), c2 = _mm512_set1_ps(1 - ADAM_B2);
	const __m512 eps = _mm512_set1_ps(ADAM_EPS), lr = _mm512_set1_ps(lr_t);
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m512 gi = _mm512_loadu_ps(g + i);
		__m512 m = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(mo + i)),
					 _mm512_mul_ps(c1, gi));
		__m512 v = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(ve + i)),
					 _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
		__m512 step =
			_mm512_div_ps(_mm512_mul_ps(lr, m), _mm512_add_ps(_mm512_sqrt_ps(v), eps));

		_mm512_storeu_ps(mo + i, m);
		_mm512_storeu_ps(ve + i, v);
		_mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), step));
	}
	adam_scalar(p, g, mo, ve, i, n, lr_t);
}
#endif

static void adam_step(float *p, const float *g, float *mo, float *ve, size_t n, float lr_t)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx512f")) {
		adam_avx512(p, g, mo, ve, n, lr_t);
		return;
	}
#endif
	adam_scalar(p, g, mo, ve, 0, n, lr_t);
}

/* Fisher-Yates over idx[0..n). */
static void shuffle(size_t *idx, size_t n, struct rng *r)
{
	for (size_t i = n; i > 1; i--) {
		size_t k = rng_below(r, i), t = idx[i - 1];

		idx[i - 1] = idx[k];
		idx[k] = t;
	}
}

/* Training state beyond the network: Adam's moments and step count, the batch. */
struct trainer {
	struct workspace ws;
	float *grad, *mo, *ve;
	uint64_t step;
	struct rng r;
};

/* One epoch of mini-batches over the rows idx[0..n_tr) in a fresh order, one Adam step each.
 * Returns the mean batch loss. */
static float train_epoch(struct autoenc *ae, struct trainer *t, const float *X, size_t *idx,
			 size_t n_tr)
{
	const struct autoenc_opts *o = &ae->opts;
	size_t d = ae->d, n_batches = 0;
	double sum = 0;

	shuffle(idx, n_tr, &t->r);
	for (size_t b = 0; b < n_tr; b += t->ws.m) {
		size_t m = n_tr - b < t->ws.m ? n_tr - b : t->ws.m;
		float b1t, b2t, lr_t;

		/* Batch statistics of a single row are meaningless: a last row alone is skipped. */
		if (m < 2)
			continue;
		for (size_t i = 0; i < m; i++)
			memcpy(t->ws.act[0] + i * d, X + idx[b + i] * d, d * sizeof(float));
		sum += fwd_bwd(ae, &t->ws, m, &t->r, 1, NULL, t->grad);
		n_batches++;
		t->step++;
		b1t = 1.0f - powf(ADAM_B1, (float)t->step);
		b2t = 1.0f - powf(ADAM_B2, (float)t->step);
		lr_t = o->lr * sqrtf(b2t) / b1t;
		adam_step(ae->params, t->grad, t->mo, t->ve, ae->n_params, lr_t);
	}
	autoenc_fold(ae);
	return (float)(sum / (double)(n_batches ? n_batches : 1));
}

/* The parameters and running statistics to best (np + 2 n_rs floats), or back from it. */
static void keep_best(struct autoenc *ae, float *best, bool restore)
{
	size_t np = ae->n_params, nrs = ae->n_rs * sizeof(float);

	if (restore) {
		memcpy(ae->params, best, np * sizeof(float));
		memcpy(ae->run_mean, best + np, nrs);
		memcpy(ae->run_var, best + np + ae->n_rs, nrs);
	} else {
		memcpy(best, ae->params, np * sizeof(float));
		memcpy(best + np, ae->run_mean, nrs);
		memcpy(best + np + ae->n_rs, ae->run_var, nrs);
	}
}

int autoenc_train(struct autoenc *ae, const float *X, size_t n, autoenc_progress_fn progress,
		  void *ctx, struct autoenc_report *rep)
{
	const struct autoenc_opts *o = &ae->opts;
	size_t d = ae->d, n_val, n_tr, *idx = NULL, np = ae->n_params;
	float *best = NULL, *rows = NULL;
	struct autoenc_scratch *s = NULL;
	struct autoenc_report rp = { 0 };
	struct trainer t = { 0 };
	double best_val = INFINITY;
	unsigned since_best = 0;
	bool saved = false;
	int ret = -EINVAL;

	if (!ae->params || n < 2)
		return -EINVAL;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(X[i]))
			return -EINVAL;
	n_val = (size_t)((double)n * o->val_frac);
	if (n - n_val < 2)
		n_val = 0;
	n_tr = n - n_val;
	ret = -ENOMEM;
	idx = malloc(n * sizeof(*idx));
	t.grad = malloc(np * sizeof(float));
	t.mo = calloc(np, sizeof(float));
	t.ve = calloc(np, sizeof(float));
	best = malloc((np + 2 * ae->n_rs) * sizeof(float));
	rows = malloc(SCORE_CHUNK * d * sizeof(float));
	s = autoenc_scratch_new(ae);
	if (!idx || !t.grad || !t.mo || !t.ve || !best || !rows || !s)
		goto out;
	ret = ws_alloc(&t.ws, ae, o->batch < n_tr ? o->batch : n_tr);
	if (ret)
		goto out;
	/* A different stream from the weights' initialisation. */
	rng_seed(&t.r, o->seed ^ 0x5eed5eed5eed5eedULL);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	/* Validation rows: a random subset, kept at the end of idx. */
	shuffle(idx, n, &t.r);
	rp.val_loss = NAN;
	for (unsigned ep = 1; ep <= o->epochs; ep++) {
		struct autoenc_epoch e;

		e.epoch = ep;
		e.n_epochs = o->epochs;
		e.train_loss = train_epoch(ae, &t, X, idx, n_tr);
		e.val_loss = n_val ? (float)eval_mse(ae, X, idx + n_tr, n_val, s, rows) : NAN;
		rp.epochs_run = ep;
		rp.train_loss = e.train_loss;
		/* Rows so large that the loss overflows teach nothing: refuse them rather
		 * than keep weights no epoch could be judged by. */
		if (!isfinite(e.train_loss) || (n_val && !isfinite(e.val_loss))) {
			ret = -ERANGE;
			goto out;
		}
		if (!n_val || e.val_loss < best_val) {
			best_val = n_val ? e.val_loss : 0;
			since_best = 0;
			rp.best_epoch = ep;
			rp.val_loss = e.val_loss;
			keep_best(ae, best, false);
			saved = true;
		} else {
			since_best++;
		}
		if (progress && progress(ctx, &e))
			break;
		if (n_val && o->patience && since_best >= o->patience)
			break;
	}
	if (saved)
		keep_best(ae, best, true);
	autoenc_fold(ae);
	if (rep)
		*rep = rp;
	ret = 0;
out:
	ws_free(&t.ws);
	autoenc_scratch_free(s);
	free(idx);
	free(t.grad);
	free(t.mo);
	free(t.ve);
	free(best);
	free(rows);
	return ret;
}

/* ---- Parameters for tests ------------------------------------------------------------- */

size_t autoenc_n_params(const struct autoenc *ae)
{
	return ae->n_params;
}

float *autoenc_params(struct autoenc *ae)
{
	return ae->params;
}

size_t autoenc_param_layout(const struct autoenc *ae, struct autoenc_block *blocks, size_t max)
{
	size_t nb = 0;

	if (!ae->params)
		return 0;
	for (unsigned l = 0; l < ae->n_layers; l++) {
		size_t out = ae->w[l + 1];
		struct autoenc_block b[3] = {
			{ l, 0, ae->off_w[l], (size_t)ae->w[l] * out },
			{ l, 1, ae->off_g[l], out },
			{ l, 2, ae->off_g[l] + out, out },
		};
		size_t k = 3;

		if (l + 1 == ae->n_layers) {
			b[1].kind = 3;
			k = 2;
		}
		for (size_t i = 0; i < k; i++) {
			if (nb < max)
				blocks[nb] = b[i];
			nb++;
		}
	}
	return nb;
}

/* ---- Serialisation -------------------------------------------------------------------- */

void autoenc_write(const struct autoenc *ae, struct ser_writer *w)
{
	ser_put_u32(w, (uint32_t)ae->d);
	ser_put_u32(w, ae->opts.n_hidden);
	for (unsigned i = 0; i < ae->opts.n_hidden; i++)
		ser_put_u32(w, ae->opts.hidden[i]);
	ser_put_f32s(w, ae->inf, ae->n_inf);
}

struct autoenc *autoenc_read(struct ser_reader *r)
{
	struct autoenc_opts o;
	struct autoenc *ae = NULL, probe = { 0 };
	uint32_t d;

	autoenc_opts_default(&o);
	d = ser_get_u32(r);
	o.n_hidden = ser_get_u32(r);
	if (r->err || o.n_hidden == 0 || o.n_hidden > AUTOENC_MAX_HIDDEN)
		goto bad;
	for (unsigned i = 0; i < o.n_hidden; i++)
		o.hidden[i] = ser_get_u32(r);
	if (r->err || check_opts(d, &o))
		goto bad;
	/* Widths the remaining bytes cannot hold are corrupt: refuse them before
	 * allocating for them (up to 16 layers of 1024 x 1024). */
	shape(&probe, d, &o);
	if (probe.n_inf > (r->len - r->pos) / 4)
		goto bad;
	ae = alloc_net(d, &o, 0);
	if (!ae)
		return NULL;
	ser_get_f32s(r, ae->inf, ae->n_inf);
	if (r->err)
		goto bad;
	pack(ae);
	return ae;
bad:
	autoenc_free(ae);
	if (!r->err)
		r->err = -EBADMSG;
	errno = EBADMSG;
	return NULL;
}
