// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/vector.c - the model vector (contract in vector.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "features/vector.h"

static const char *const names[] = {
	"packet_size",
	"protocol",
	"src_port",
	"dst_port",
	"interval",
	"tcp_flags",
	"udp_length",
	"payload_size",
	"header_ratio",
	"transport_layer_hash",
	"src_dst_ports",
	"src_dst_hosts",
	"src_home",
	"dst_home",
	"from_client",
	"established",
	"unsolicited",
	"src_pair_conns",
	"src_pair_auth_fails",
};
_Static_assert(sizeof(names) / sizeof(names[0]) == VECTOR_DIM, "one name per vector index");
const char *const *const vector_names = names;

void vector_fill(struct features *f, const struct nad_rec *rec, const struct context_figures *ctx,
		 float out[VECTOR_DIM])
{
	const struct flow_obs *fo = &ctx->flow;
	bool flow = fo->kind != FLOW_K_NONE;
	float base[FEAT_N_BASE];

	features_extract(f, rec, base);
	/* the twelve from packet_size on: the address hashes are left out (vector.h) */
	_Static_assert(FEAT_PACKET_SIZE == 2 && FEAT_TRANSPORT_LAYER_HASH == FEAT_N_BASE - 1 &&
			       VEC_TRANSPORT_LAYER_HASH == FEAT_N_BASE - 3,
		       "the vector starts with the features from packet_size on");
	memcpy(&out[VEC_PACKET_SIZE], &base[FEAT_PACKET_SIZE],
	       (FEAT_N_BASE - FEAT_PACKET_SIZE) * sizeof(float));
	out[VEC_SRC_DST_PORTS] = (float)log1p(ctx->src_dst_ports);
	out[VEC_SRC_DST_HOSTS] = (float)log1p(ctx->src_dst_hosts);
	out[VEC_SRC_HOME] = ctx->src_home;
	out[VEC_DST_HOME] = ctx->dst_home;
	out[VEC_FROM_CLIENT] = flow && fo->from_client;
	out[VEC_ESTABLISHED] = flow && fo->state == FLOW_EST;
	out[VEC_UNSOLICITED] = fo->unsolicited;
	out[VEC_SRC_PAIR_CONNS] = (float)log1p(ctx->src_pair_conns);
	out[VEC_SRC_PAIR_AUTH_FAILS] = (float)log1p(ctx->src_pair_auth_fails);
}

struct vectorizer {
	struct features *feat;
	struct context *ctx;
	bool own_ctx, started;
	uint64_t now_ns;
};

struct vectorizer *vectorizer_new(struct context *ctx)
{
	struct vectorizer *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->feat = features_new();
	v->ctx = ctx;
	if (!ctx) {
		v->ctx = context_new(NULL);
		v->own_ctx = true;
	}
	if (!v->feat || !v->ctx) {
		vectorizer_free(v);
		errno = ENOMEM;
		return NULL;
	}
	return v;
}

void vectorizer_free(struct vectorizer *v)
{
	if (!v)
		return;
	features_free(v->feat);
	if (v->own_ctx)
		context_free(v->ctx);
	free(v);
}

void vectorizer_next(struct vectorizer *v, const struct nad_rec *rec, float out[VECTOR_DIM],
		     struct context_figures *fig)
{
	struct context_figures local;
	struct nad_rec late;

	if (!fig)
		fig = &local;
	if (v->started && rec->ts_ns < v->now_ns) {
		late = *rec;
		late.ts_ns = v->now_ns;
		rec = &late;
	}
	v->started = true;
	v->now_ns = rec->ts_ns;
	context_track(v->ctx, rec, fig);
	vector_fill(v->feat, rec, fig, out);
}
