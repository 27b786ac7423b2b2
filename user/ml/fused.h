/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/fused.h - the autoencoder and the Isolation Forest scored in one pass.
 *
 * The autoencoder's kernel is bound by the vector FMA units, the forest's walk
 * by dependent integer loads; run one after the other they add up, but
 * interleaved finely (one autoencoder k-step inside each forest level) the core
 * executes much of both at once. Same arithmetic in the same order as autoenc_score()
 * and iforest_score_samples(): bit-identical results. Used by modelset_score().
 */
#ifndef NAD_ML_FUSED_H
#define NAD_ML_FUSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml/autoenc.h"
#include "ml/iforest.h"

/* Rows per call. */
#define FUSED_ROWS IFOREST_BLOCK

/* Buffers of one caller (thread). */
struct fused_buf {
	float *act[2]; /* 8 x max padded width each */
	float *y; /* 8 x padded output width */
	uint32_t *xt; /* d x FUSED_ROWS */
};

/* Whether the fused pass applies: this CPU has AVX-512, the forest has height 8. */
bool fused_usable(const struct autoenc_packed *ae, const struct iforest_packed *f);

/* Floats each of buf's act buffers needs. */
size_t fused_act_floats(const struct autoenc_packed *ae);

/* Scores FUSED_ROWS scaled rows of d floats: mae[] as autoenc_score(), ifs[] as
 * iforest_score_samples(). Only when fused_usable(). */
void fused_block(const struct autoenc_packed *ae, const struct iforest_packed *f, size_t d,
		 const float *xs, float *mae, float *ifs, struct fused_buf *buf);

#endif /* NAD_ML_FUSED_H */
