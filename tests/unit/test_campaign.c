// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_campaign.c - episodes whose sampled vectors cluster together form a campaign.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "detect/campaign.h"

#define SEC 1000000000ull

/* The episodes' campaigns, as the alert module would keep them (episodes 1..9). */
struct marks {
	int64_t campaign[10];
	unsigned n_set;
};

static int64_t campaign_of(void *ctx, uint64_t ep)
{
	return ((struct marks *)ctx)->campaign[ep];
}

static void set_campaign(void *ctx, uint64_t ep, int64_t id)
{
	struct marks *m = ctx;

	m->campaign[ep] = id;
	m->n_set++;
}

static struct campaign *new_campaign(struct marks *m)
{
	struct dbscan_opts o = { .eps = 0.5, .min_samples = 3 };
	struct campaign_ops ops = { .campaign_of = campaign_of,
				    .set_campaign = set_campaign,
				    .ctx = m };

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 10; i++)
		m->campaign[i] = -1;
	return campaign_new(&o, &ops);
}

/* n samples of episode ep around value x, 200 ms apart from t. */
static void samples(struct campaign *c, uint64_t ep, float x, int n, uint64_t t)
{
	float v[VECTOR_DIM];

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < VECTOR_DIM; j++)
			v[j] = x + 0.01f * (float)(i % 3);
		campaign_sample(c, ep, t + (uint64_t)i * SEC / 5, v);
	}
}

Test(campaign, alike_episodes_form_one_campaign_that_keeps_its_id)
{
	struct marks m;
	struct campaign *c = new_campaign(&m);
	const struct campaign_group *g;

	cr_assert_not_null(c);
	samples(c, 1, 0, 5, 0);
	samples(c, 2, 0, 5, 2 * SEC);
	samples(c, 3, 100, 5, 4 * SEC); /* far from the others, alone */
	campaign_recompute(c, 5 * SEC, 60);
	cr_assert_eq(campaign_groups(c, &g), 1);
	cr_expect_eq(g[0].n, 2);
	cr_expect_eq(g[0].id, 1);
	cr_expect_eq(m.campaign[1], 1);
	cr_expect_eq(m.campaign[2], 1);
	cr_expect_eq(m.campaign[3], -1);
	/* a third alike episode joins the campaign under the same id */
	samples(c, 4, 0, 5, 6 * SEC);
	campaign_recompute(c, 7 * SEC, 60);
	cr_assert_eq(campaign_groups(c, &g), 1);
	cr_expect_eq(g[0].n, 3);
	cr_expect_eq(g[0].id, 1);
	cr_expect_eq(m.campaign[4], 1);
	/* out of the window, no campaign */
	campaign_recompute(c, 100 * SEC, 60);
	cr_expect_eq(campaign_groups(c, &g), 0);
	campaign_free(c);
}

Test(campaign, an_episode_is_sampled_at_most_every_200_ms)
{
	struct marks m;
	struct campaign *c = new_campaign(&m);
	const struct campaign_group *g;
	float v[VECTOR_DIM] = { 0 };

	cr_assert_not_null(c);
	/* 20 records of each episode within 100 ms: one sample each, below min_samples */
	for (int i = 0; i < 20; i++) {
		campaign_sample(c, 1, (uint64_t)i * 5000000, v);
		campaign_sample(c, 0, (uint64_t)i * 5000000, v); /* no episode: ignored */
	}
	for (int i = 0; i < 20; i++)
		campaign_sample(c, 2, SEC + (uint64_t)i * 5000000, v);
	campaign_recompute(c, 2 * SEC, 60);
	cr_expect_eq(campaign_groups(c, &g), 0);
	cr_expect_eq(m.n_set, 0);
	campaign_free(c);
}
