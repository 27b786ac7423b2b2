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
#ifndef NAD_SCOREKERN_H
#define NAD_SCOREKERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml/autoenc.h"
#include "ml/iforest.h"

/* Rows per call. */
#define SCOREKERN_ROWS IFOREST_BLOCK

/* Buffers of one caller (thread). */
struct scorekern_buf {
	float *act[2]; /* 8 x max padded width each */
	float *y; /* 8 x padded output width */
	uint32_t *xt; /* d x SCOREKERN_ROWS */
};

/* Whether the fused pass applies: this CPU has AVX-512, the forest has height 8. */
bool scorekern_usable(const struct autoenc_packed *ae, const struct iforest_packed *f);

/* Floats each of buf's act buffers needs. */
size_t scorekern_act_floats(const struct autoenc_packed *ae);

/* Scores SCOREKERN_ROWS scaled rows of d floats: mae[] as autoenc_score(), ifs[] as
 * iforest_score_samples(). Only when scorekern_usable(). */
void scorekern_block(const struct autoenc_packed *ae, const struct iforest_packed *f, size_t d,
		     const float *xs, float *mae, float *ifs, struct scorekern_buf *buf);

#endif /* NAD_SCOREKERN_H */
