// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/campaign.c - DBSCAN over the sampled vectors of episodes (contract in campaign.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detect/campaign.h"

#define RING 1024
#define SAMPLE_NS 200000000ull

struct sample {
	float v[VECTOR_DIM];
	uint64_t ep, ts;
};

struct campaign {
	struct campaign_ops ops;
	struct dbscan *db;
	struct sample *ring;
	uint32_t ring_i, ring_n;
	uint64_t n_overwritten; /* samples the ring dropped, oldest first, to take new ones */
	uint64_t last_ep, last_ns; /* the last sample's episode and time */
	float *X; /* RING x VECTOR_DIM */
	int32_t *labels;
	uint32_t *idx; /* the ring slot of each row of X */
	int64_t next_id;
	int n_groups;
	struct campaign_group groups[CAMPAIGN_MAX];
};

struct campaign *campaign_new(const struct dbscan_opts *o, const struct campaign_ops *ops)
{
	struct campaign *c = calloc(1, sizeof(*c));
	struct dbscan_opts dbo;

	if (!c)
		return NULL;
	c->ops = *ops;
	c->db = o ? dbscan_new(o) : NULL;
	if (!c->db) {
		dbscan_opts_default(&dbo);
		c->db = dbscan_new(&dbo);
	}
	c->ring = calloc(RING, sizeof(*c->ring));
	c->X = calloc((size_t)RING * VECTOR_DIM, sizeof(float));
	c->labels = calloc(RING, sizeof(*c->labels));
	c->idx = calloc(RING, sizeof(*c->idx));
	if (!c->db || !c->ring || !c->X || !c->labels || !c->idx) {
		campaign_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void campaign_free(struct campaign *c)
{
	if (!c)
		return;
	dbscan_free(c->db);
	free(c->ring);
	free(c->X);
	free(c->labels);
	free(c->idx);
	free(c);
}

void campaign_sample(struct campaign *c, uint64_t ep, uint64_t ts, const float v[VECTOR_DIM])
{
	struct sample *s;

	if (!ep || (ep == c->last_ep && ts < c->last_ns + SAMPLE_NS))
		return;
	if (c->ring_n == RING)
		c->n_overwritten++;
	s = &c->ring[c->ring_i];
	memcpy(s->v, v, sizeof(s->v));
	s->ep = ep;
	s->ts = ts;
	c->ring_i = (c->ring_i + 1) % RING;
	if (c->ring_n < RING)
		c->ring_n++;
	c->last_ep = ep;
	c->last_ns = ts;
}

/* The distinct episodes (at most CAMPAIGN_MEMBERS) of the n rows labelled label. */
static int cluster_episodes(const struct campaign *c, size_t n, int label, uint64_t *eps)
{
	int ne = 0;

	for (size_t j = 0; j < n; j++) {
		uint64_t ep = c->ring[c->idx[j]].ep;
		bool dup = false;

		if (c->labels[j] != label)
			continue;
		for (int k = 0; k < ne; k++)
			dup |= eps[k] == ep;
		if (dup || ne == CAMPAIGN_MEMBERS)
			continue;
		eps[ne++] = ep;
	}
	return ne;
}

/* A cluster of ne episodes becomes a campaign: an id (kept, or new) on all of them. */
static void add_group(struct campaign *c, const uint64_t *eps, int ne)
{
	struct campaign_group *g = &c->groups[c->n_groups++];
	int64_t id = -1;

	for (int k = 0; k < ne; k++) {
		int64_t cid = c->ops.campaign_of(c->ops.ctx, eps[k]);

		if (cid >= 0 && (id < 0 || cid < id))
			id = cid;
	}
	if (id < 0)
		id = ++c->next_id;
	for (int k = 0; k < ne; k++)
		c->ops.set_campaign(c->ops.ctx, eps[k], id);
	g->id = id;
	g->n = ne;
	memcpy(g->members, eps, sizeof(uint64_t) * ne);
}

void campaign_recompute(struct campaign *c, uint64_t now_ns, double window_s)
{
	uint64_t win = (uint64_t)(window_s * 1e9);
	size_t n = 0;
	int nc;

	c->n_groups = 0;
	for (uint32_t i = 0; i < c->ring_n; i++) {
		if (c->ring[i].ts + win < now_ns)
			continue;
		memcpy(&c->X[n * VECTOR_DIM], c->ring[i].v, sizeof(c->ring[i].v));
		c->idx[n++] = i;
	}
	if (n < 2)
		return;
	if (c->ops.scale)
		c->ops.scale(c->ops.ctx, c->X, n);
	nc = dbscan_fit(c->db, c->X, n, VECTOR_DIM, c->labels, NULL);
	for (int k = 0; k < nc && c->n_groups < CAMPAIGN_MAX; k++) {
		uint64_t eps[CAMPAIGN_MEMBERS];
		int ne = cluster_episodes(c, n, k, eps);

		/* A campaign groups at least two episodes. */
		if (ne >= 2)
			add_group(c, eps, ne);
	}
}

int campaign_groups(const struct campaign *c, const struct campaign_group **groups)
{
	*groups = c->groups;
	return c->n_groups;
}

void campaign_get_stats(const struct campaign *c, struct limit_table *out)
{
	*out = (struct limit_table){
		.name = "campaign_samples",
		.cap = RING,
		.used = c->ring_n,
		.evicted = c->n_overwritten,
		.bytes = RING * (sizeof(struct sample) + VECTOR_DIM * sizeof(float) +
				 sizeof(*c->labels) + sizeof(*c->idx)),
	};
}
