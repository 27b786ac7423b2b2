/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/campaign.h - campaigns: episodes whose anomalous packets look alike.
 *
 * The anomalous records of episodes are sampled with their model vectors (at most one
 * per episode per 200 ms; the last 1024 samples). campaign_recompute() takes the samples
 * of the last window, scales them as the model does and clusters them with DBSCAN (the
 * model's eps and min_samples, else DBSCAN's defaults); a cluster that spans at least two
 * episodes is a campaign (at most 8, of at most 16 episodes each). A campaign keeps its
 * id: a cluster takes the smallest id its episodes already carry, else the next new one,
 * and every episode of the cluster is marked with it.
 */
#ifndef NAD_CAMPAIGN_H
#define NAD_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"
#include "features/vector.h"
#include "ml/dbscan.h"

#define CAMPAIGN_MAX 8
#define CAMPAIGN_MEMBERS 16

/* One campaign: its id and its episodes. */
struct campaign_group {
	int64_t id;
	int n;
	uint64_t members[CAMPAIGN_MEMBERS];
};

/* What campaigns need from the rest of the engine; ctx is passed back. */
struct campaign_ops {
	/* Scales n rows of VECTOR_DIM floats in place as the model does (NULL: unscaled). */
	void (*scale)(void *ctx, float *X, size_t n);
	/* The campaign of an open episode, or -1. */
	int64_t (*campaign_of)(void *ctx, uint64_t episode);
	/* Marks an episode (if still open) as a member of a campaign. */
	void (*set_campaign)(void *ctx, uint64_t episode, int64_t campaign);
	void *ctx;
};

struct campaign;

/* o: DBSCAN's options (NULL, or unusable: the defaults). NULL + errno. */
struct campaign *campaign_new(const struct dbscan_opts *o, const struct campaign_ops *ops);
void campaign_free(struct campaign *c);

/* An anomalous record of episode (0: none, ignored) at ts_ns with model vector v. */
void campaign_sample(struct campaign *c, uint64_t episode, uint64_t ts_ns,
		     const float v[VECTOR_DIM]);

/* Clusters the samples of the window_s seconds up to now_ns; the campaigns replace the last. */
void campaign_recompute(struct campaign *c, uint64_t now_ns, double window_s);

/* The campaigns found by the last campaign_recompute(): their number, *groups the array. */
int campaign_groups(const struct campaign *c, const struct campaign_group **groups);

/* The sample ring: its cap, samples held, samples overwritten (the oldest, when full), and
 * its memory with the clustering's row buffers (DBSCAN's own grow to at most as many rows). */
void campaign_get_stats(const struct campaign *c, struct limit_table *out);

#endif /* NAD_CAMPAIGN_H */
