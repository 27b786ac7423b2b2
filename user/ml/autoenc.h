/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/autoenc.h - a dense autoencoder: in -> 128 -> 64 -> 32 -> 16 -> 32 -> 64
 * -> 128 -> in (the hidden sizes are options), trained on robust-scaled rows.
 *
 * Each hidden layer is  z = x W;  batch norm (gamma, beta);  ReLU;  dropout.
 * The hidden layers have no bias of their own: batch norm's beta is one.
 * The output layer is linear: y = x W + b. Its inputs are robust-scaled,
 * hence centred near 0 and unbounded (a port or a size can sit 100 IQRs
 * out), so a sigmoid or tanh output could not reconstruct them and would
 * saturate exactly on the outliers whose error we want to measure; a linear
 * output keeps the reconstruction error proportional to the distance.
 *
 * Training: loss = mean squared error + l2 * sum(W^2) over all weight
 * matrices (not biases, not batch-norm parameters), Adam, shuffled
 * mini-batches, a random validation split (rows chosen with the seed),
 * early stopping on the validation loss with the best weights restored.
 * Dropout is inverted (scaled at training time). Batch norm uses the batch
 * statistics while training and running averages afterwards; after training
 * it is folded into the weights: W'[:,j] = W[:,j] g_j/s_j,
 * b'_j = beta_j - g_j mu_j/s_j with s_j = sqrt(var_j + eps).
 *
 * Score: the mean absolute reconstruction error of a row (over its d values).
 * Everything is float32. On a given machine, results depend only on the seed
 * and the data (one thread; the kernels are picked by CPU features, AVX-512,
 * AVX2+FMA or baseline, whose roundings differ in the last bits). A row's
 * score does not depend on the other rows of its batch.
 */
#ifndef NAD_AUTOENC_H
#define NAD_AUTOENC_H

#include <stddef.h>
#include <stdint.h>

#include "common/ser.h"

#define AUTOENC_MAX_HIDDEN 16
#define AUTOENC_MAX_WIDTH 1024

struct autoenc_opts {
	unsigned n_hidden; /* hidden layers, <= AUTOENC_MAX_HIDDEN (default 7) */
	unsigned hidden[AUTOENC_MAX_HIDDEN]; /* their widths (default 128 64 32 16 32 64 128) */
	unsigned epochs; /* at most (default 50) */
	unsigned batch; /* rows per mini-batch (default 32) */
	float lr; /* Adam step (default 1e-3); beta1 0.9, beta2 0.999, eps 1e-7 */
	float l2; /* weight of sum(W^2) in the loss (default 1e-5) */
	float dropout; /* rate on every hidden layer, 0 <= p < 1 (default 0.1) */
	float bn_momentum; /* running = m*running + (1-m)*batch (default 0.99) */
	float bn_eps; /* (default 1e-3) */
	float val_frac; /* validation share, 0 disables early stopping (default 0.1) */
	unsigned patience; /* epochs without improvement before stopping, 0 = never stop (default 5) */
	uint64_t seed; /* weights, shuffling, split and dropout (default 42) */
};

/* Per-epoch progress; train_loss is the mean MSE over the epoch's batches (with dropout),
 * val_loss the MSE of the validation rows in inference mode (NAN without validation). */
struct autoenc_epoch {
	unsigned epoch, n_epochs;
	float train_loss, val_loss;
};
/* Return nonzero to stop training after this epoch. */
typedef int (*autoenc_progress_fn)(void *ctx, const struct autoenc_epoch *e);

/* What training did. */
struct autoenc_report {
	unsigned epochs_run; /* epochs actually trained */
	unsigned best_epoch; /* 1-based epoch whose weights were kept */
	float train_loss; /* of the last epoch */
	float val_loss; /* best validation loss (NAN without validation) */
};

void autoenc_opts_default(struct autoenc_opts *o);

struct autoenc;

/* A freshly initialised network for d inputs (Glorot-uniform weights from o->seed).
 * NULL + errno (EINVAL for bad options, ENOMEM) on failure. */
struct autoenc *autoenc_new(size_t d, const struct autoenc_opts *o);
void autoenc_free(struct autoenc *ae);

/* Trains on n >= 2 scaled rows of d floats (all finite) and folds batch norm.
 * progress may be NULL. rep may be NULL. Returns 0, -EINVAL, -ENOMEM, or -ERANGE when an
 * epoch's training or validation loss is not finite (rows too large to learn from): the
 * weights are then those of that epoch, and the network is fit only for autoenc_free(). */
int autoenc_train(struct autoenc *ae, const float *X, size_t n, autoenc_progress_fn progress,
		  void *ctx, struct autoenc_report *rep);

size_t autoenc_dim(const struct autoenc *ae);

/* Scratch for scoring: caller-owned, one per thread. NULL + errno on failure. */
struct autoenc_scratch;
struct autoenc_scratch *autoenc_scratch_new(const struct autoenc *ae);
void autoenc_scratch_free(struct autoenc_scratch *s);

/* Mean absolute reconstruction error of each of n rows (inference mode, folded batch norm)
 * into mae[n]. ae is only read, so threads with separate scratch may share it. */
void autoenc_score(const struct autoenc *ae, const float *X, size_t n, struct autoenc_scratch *s,
		   float *mae);

/* Reconstructions of n rows into Y[n*d] (inference mode). */
void autoenc_reconstruct(const struct autoenc *ae, const float *X, size_t n,
			 struct autoenc_scratch *s, float *Y);

/*
 * The scoring network in the packed form its kernel uses, for a fused scorer (modelset.c):
 * layer l takes w[l] inputs and gives pw[l + 1] outputs (w[l + 1] rounded up to 16, the
 * padding 0); layer[l] holds its weights (w[l] x pw[l + 1], row-major), then pw[l + 1]
 * biases. ReLU after every layer but the last. Valid while ae lives.
 */
struct autoenc_packed {
	unsigned n_layers;
	const unsigned *w, *pw;
	const float *layer[AUTOENC_MAX_HIDDEN + 1];
};
void autoenc_packed(const struct autoenc *ae, struct autoenc_packed *p);

/* Serialisation of the inference network (folded weights). */
void autoenc_write(const struct autoenc *ae, struct ser_writer *w);
/* NULL + errno (EBADMSG for malformed input) on failure. The result scores, but cannot train. */
struct autoenc *autoenc_read(struct ser_reader *r);

/*
 * For tests and gradient checks. The trainable parameters as one flat vector, per layer l
 * in order: W_l (in x out, row-major), then for hidden layers gamma_l and beta_l, for the
 * output layer its bias. autoenc_param_layout() gives offset and size of each block
 * (kind: 0 W, 1 gamma, 2 beta, 3 bias); returns the number of blocks.
 */
size_t autoenc_n_params(const struct autoenc *ae);
float *autoenc_params(struct autoenc *ae);
struct autoenc_block {
	unsigned layer, kind;
	size_t offset, size;
};
size_t autoenc_param_layout(const struct autoenc *ae, struct autoenc_block *blocks, size_t max);

/* Training-mode loss (MSE + L2) on n rows with batch statistics, the dropout masks drawn
 * from mask_seed, and its gradient w.r.t. autoenc_params() into grad (may be NULL).
 * Double-precision accumulation of the loss. Changes no state. Returns 0 or -ENOMEM. */
int autoenc_loss_grad(struct autoenc *ae, const float *X, size_t n, uint64_t mask_seed,
		      double *loss, float *grad);

/* Inference with the unfolded parameters (batch norm from the running averages, computed
 * step by step); for checking the folding. Needs a trainable network (autoenc_new(), not
 * autoenc_read()): -EINVAL otherwise. Returns 0, -EINVAL or -ENOMEM. */
int autoenc_reconstruct_unfolded(const struct autoenc *ae, const float *X, size_t n, float *Y);

/* Folds batch norm (running statistics) into the inference weights. autoenc_train() does
 * this itself; tests call it on an untrained network. */
void autoenc_fold(struct autoenc *ae);

#endif /* NAD_AUTOENC_H */
