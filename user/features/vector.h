/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/vector.h - the model vector: its names, its order, and the one vectoriser.
 *
 * VECTOR_DIM floats, in this order, under these names (vector_names; a model file whose
 * names differ is refused):
 *    0..11  the twelve features of features.h (src_ip_hash ... transport_layer_hash)
 *    12 src_pkt_rate   log1p(packets/s of the source), decayed count, tau 1 s
 *    13 src_dst_ports  log1p(distinct destination ports of the source), last 10-20 s
 *    14 src_dst_hosts  log1p(distinct destination hosts of the source), last 10-20 s
 * The context features come from features/context.h (src_pps, src_dst_ports,
 * src_dst_hosts), computed from the record stream and weighted by rec->weight, so live
 * and offline agree.
 *
 * Measured by scripts/eval-context.sh (train on the bundled benign captures, count the
 * packets both models flag per labelled capture): without src_pkt_rate the models flag
 * less of the attacks with both seeds tried; src_syn_share and dst_bytes_out (bytes to
 * the destination, tau 60 s) did not help and raised the flag rate on held-out benign
 * captures, so they are not in the vector (the rules still use both figures).
 *
 * To add a feature: an index before VECTOR_DIM, its name in vector.c (the build checks
 * the count), its value in vector_fill(); a model trained before then is refused.
 */
#ifndef NAD_VECTOR_H
#define NAD_VECTOR_H

#include <linux/types.h>

#include "features/context.h"
#include "features/features.h"
#include "nad_abi.h"

enum vector_index {
	/* 0 .. FEAT_N_BASE - 1: enum feat_index */
	VEC_SRC_PKT_RATE = FEAT_N_BASE,
	VEC_SRC_DST_PORTS,
	VEC_SRC_DST_HOSTS,
	VECTOR_DIM,
};

/* VECTOR_DIM names, in vector order. */
extern const char *const *const vector_names;

/*
 * The model vector of rec into out: the twelve features from f (which it advances, see
 * features_extract) and the context features from ctx, rec's figures.
 */
void vector_fill(struct features *f, const struct nad_rec *rec, const struct context_figures *ctx,
		 float out[VECTOR_DIM]);

/*
 * A record stream to model vectors: a struct features and a context, and a clock that
 * never runs backwards (a record older than the newest one seen counts at that time).
 */
struct vectorizer;

/* ctx: the context to track records in (not owned), or NULL for one of its own. NULL + errno. */
struct vectorizer *vectorizer_new(struct context *ctx);
void vectorizer_free(struct vectorizer *v);

/*
 * Tracks rec in the context and computes its model vector into out; *fig (may be NULL)
 * receives the context's figures for it.
 */
void vectorizer_next(struct vectorizer *v, const struct nad_rec *rec, float out[VECTOR_DIM],
		     struct context_figures *fig);

#endif /* NAD_VECTOR_H */
