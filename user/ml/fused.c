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
 * (which tile, which k) lives in locals, the 16 accumulators in vector registers; the
 * forest's walk uses the integer registers. One k-step of the current tile runs in the
 * middle of every level of the forest walk (measured best: 1.14M rows/s against 1.04M
 * with two steps per level, 1.11M with one after the level, 1.02M with one every other
 * level); whatever is left afterwards runs alone.
 */
__attribute__((target("arch=x86-64-v4"))) void fused_block(const struct autoenc_packed *ae,
							   const struct iforest_packed *f, size_t d,
							   const float *xs, float *mae, float *ifs,
							   struct fused_buf *buf)
{
	const unsigned L = ae->n_layers, nn = f->n_nodes;
	const char *xb = (const char *)buf->xt;
	float facc[FUSED_ROWS] = { 0 };
	/* Autoencoder state: row tile, layer, column, step. */
	unsigned rt = 0, l = 0, c = 0, k = 0, K = ae->w[0], pn = ae->pw[1];
	const float *A = xs, *W = ae->layer[0];
	size_t lda = d;
	float *out = L > 1 ? buf->act[1] : buf->y;
	bool busy = true, wide = pn >= 32;
	v16f acc[8][2];

	for (size_t j = 0; j < d; j++)
		for (size_t i = 0; i < FUSED_ROWS; i++)
			buf->xt[j * FUSED_ROWS + i] = iforest_key(xs[i * d + j]);

#define BIAS_INIT()                                                                        \
	do {                                                                               \
		const float *b_ = W + (size_t)K * pn;                                      \
		_Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)                        \
		{                                                                          \
			acc[r][0] = *(const v16f_u *)b_;                                   \
			acc[r][1] = wide ? (v16f) * (const v16f_u *)(b_ + 16) : acc[r][0]; \
		}                                                                          \
	} while (0)

#define TILE_END()                                                                                \
	do {                                                                                      \
		int relu_ = l + 1 < L;                                                            \
		_Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)                               \
		{                                                                                 \
			v16f y0 = acc[r][0], y1 = acc[r][1];                                      \
			if (relu_) {                                                              \
				y0 = (v16f)((v16i)y0 & (y0 > 0));                                 \
				y1 = (v16f)((v16i)y1 & (y1 > 0));                                 \
			}                                                                         \
			*(v16f_u *)(out + r * pn + c) = y0;                                       \
			if (wide)                                                                 \
				*(v16f_u *)(out + r * pn + c + 16) = y1;                          \
		}                                                                                 \
		c += wide ? 32 : 16;                                                              \
		k = 0;                                                                            \
		if (c >= pn) {                                                                    \
			c = 0;                                                                    \
			if (l + 1 == L) {                                                         \
				for (int r = 0; r < 8; r++) {                                     \
					size_t i_ = (size_t)rt * 8 + r;                           \
					float s_ = 0;                                             \
					for (size_t j = 0; j < d; j++)                            \
						s_ += fabsf(buf->y[r * pn + j] - xs[i_ * d + j]); \
					mae[i_] = s_ / (float)d;                                  \
				}                                                                 \
				l = 0;                                                            \
				if (++rt == FUSED_ROWS / 8) {                                     \
					busy = false;                                             \
					break;                                                    \
				}                                                                 \
				A = xs + (size_t)rt * 8 * d;                                      \
				lda = d;                                                          \
			} else {                                                                  \
				A = out;                                                          \
				lda = pn;                                                         \
				l++;                                                              \
			}                                                                         \
			K = ae->w[l];                                                             \
			pn = ae->pw[l + 1];                                                       \
			out = l + 1 == L ? buf->y : buf->act[(l + 1) & 1];                        \
		}                                                                                 \
		W = ae->layer[l] + c;                                                             \
		wide = c + 32 <= pn;                                                              \
		BIAS_INIT();                                                                      \
	} while (0)

#define AE_STEP()                                                           \
	do {                                                                \
		if (!busy)                                                  \
			break;                                              \
		const float *wk_ = W + (size_t)k * pn;                      \
		v16f w0_ = *(const v16f_u *)wk_;                            \
		if (wide) {                                                 \
			v16f w1_ = *(const v16f_u *)(wk_ + 16);             \
			_Pragma("GCC unroll 8") for (int r = 0; r < 8; r++) \
			{                                                   \
				float a_ = A[r * lda + k];                  \
				acc[r][0] += a_ * w0_;                      \
				acc[r][1] += a_ * w1_;                      \
			}                                                   \
		} else {                                                    \
			_Pragma("GCC unroll 8") for (int r = 0; r < 8; r++) \
				acc[r][0] += A[r * lda + k] * w0_;          \
		}                                                           \
		if (++k == K)                                               \
			TILE_END();                                         \
	} while (0)

	BIAS_INIT();
	for (unsigned t = 0; t < f->n_trees; t++) {
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
				AE_STEP();
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
	while (busy)
		AE_STEP();
#undef AE_STEP
#undef TILE_END
#undef BIAS_INIT
	for (size_t i = 0; i < FUSED_ROWS; i++)
		ifs[i] = -exp2f(-facc[i] * f->inv_norm);
}
#else
void fused_block(const struct autoenc_packed *ae, const struct iforest_packed *f, size_t d,
		 const float *xs, float *mae, float *ifs, struct fused_buf *buf)
{
}
#endif
