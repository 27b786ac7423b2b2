// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/criteria.c - criteria, weights and the adaptive threshold (contract in criteria.h).
 */
#include <math.h>
#include <string.h>
#include <netinet/in.h>

#include "detect/criteria.h"
#include "nad_parse.h"

const char *const criteria_names[CRIT_N] = {
	"isolation_forest_extreme", "autoencoder_extreme", "dos_pattern",
	"isolation_forest",	    "autoencoder",	   "scanning_pattern",
	"interval_spike",	    "rare_protocol",
};

const double criteria_weights[CRIT_N] = { 2.0, 2.0, 2.0, 1.5, 1.5, 1.5, 1.0, 1.0 };

static void fire(struct criteria_result *out, enum criterion c, double value, double threshold)
{
	out->mask |= 1u << c;
	out->value[c] = value;
	out->threshold[c] = threshold;
	out->score += criteria_weights[c];
}

/* The extreme levels first: a record past the forest's extreme is past its threshold too. */
static void fire_models(struct criteria_result *out, const struct criteria_models *m)
{
	if (!m->have || !isfinite(m->ae_mae) || !isfinite(m->if_score))
		return;
	if (m->if_score < m->if_threshold * 1.2f)
		fire(out, CRIT_IF_EXTREME, m->if_score, m->if_threshold * 1.2);
	if (m->ae_mae > m->ae_extreme)
		fire(out, CRIT_AE_EXTREME, m->ae_mae, m->ae_extreme);
	if (m->if_score < m->if_threshold)
		fire(out, CRIT_IF, m->if_score, m->if_threshold);
	if (m->ae_mae > m->ae_threshold)
		fire(out, CRIT_AE, m->ae_mae, m->ae_threshold);
}

/* The source's intervals first; the destination's when the source's do not fire. */
static void fire_dos(struct criteria_result *out, const struct context_figures *f,
		     const struct profile *p)
{
	double val = 0;
	bool pat = false;

	if (f->src_fast_share >= 0) {
		val = f->src_fast_share;
		pat = val > p->dos_threshold;
	}
	if (!pat && f->dst_fast_share >= 0) {
		val = f->dst_fast_share > val ? f->dst_fast_share : val;
		pat = f->dst_fast_share > p->dos_threshold;
	}
	if (pat)
		fire(out, CRIT_DOS_PATTERN, val, p->dos_threshold);
}

static void fire_rare(struct criteria_result *out, struct criteria_protocols *pr,
		      const struct nad_rec *r)
{
	unsigned key = (r->flags & (NAD_F_IPV4 | NAD_F_IPV6)) ? r->ip_proto :
								256 + (r->eth_proto >= 0x600);

	if (pr->n > 30 && !pr->count[key])
		fire(out, CRIT_RARE_PROTOCOL, key, 0);
	if (pr->n == CRITERIA_PROTO_RING)
		pr->count[pr->ring[pr->i]]--;
	else
		pr->n++;
	pr->ring[pr->i] = key;
	pr->count[key]++;
	pr->i = (pr->i + 1) % CRITERIA_PROTO_RING;
}

void criteria_fire(struct criteria_protocols *protos, const struct nad_rec *r,
		   const struct context_figures *f, const struct criteria_models *m,
		   const struct profile *p, struct criteria_result *out)
{
	double iv_z = f->interval_z;

	memset(out, 0, sizeof(*out));
	fire_models(out, m);
	fire_dos(out, f, p);
	if (r->ip_proto == IPPROTO_TCP && r->tcp_flags == NAD_TCP_SYN &&
	    f->src_recent_ports > p->scan_threshold)
		fire(out, CRIT_SCANNING_PATTERN, f->src_recent_ports, p->scan_threshold);
	if ((iv_z > 3 || iv_z < -3) && !(f->src_iot && f->src_n > 20))
		fire(out, CRIT_INTERVAL_SPIKE, iv_z, 3);
	fire_rare(out, protos, r);
}

void criteria_threshold_init(struct criteria_threshold *t, double base)
{
	memset(t, 0, sizeof(*t));
	t->threshold = base;
}

void criteria_threshold_add(struct criteria_threshold *t, double score, double w)
{
	int b = (int)(score * 4);

	if (b >= CRITERIA_HIST_BINS)
		b = CRITERIA_HIST_BINS - 1;
	t->bin[b] += w;
	t->total += w;
	if (++t->since_decay >= 1024) {
		for (int i = 0; i < CRITERIA_HIST_BINS; i++)
			t->bin[i] *= 0.99;
		t->total *= 0.99;
		t->since_decay = 0;
	}
}

void criteria_threshold_update(struct criteria_threshold *t, double base)
{
	double acc = 0, q = 0;

	if (t->total < 1000) {
		t->threshold = base;
		return;
	}
	for (int i = 0; i < CRITERIA_HIST_BINS; i++) {
		acc += t->bin[i];
		if (acc >= 0.999 * t->total) {
			q = (i + 1) * 0.25; /* upper edge of the bin */
			break;
		}
	}
	q += 0.25;
	t->threshold = q < base ? base : q > 1.5 * base ? 1.5 * base : q;
}
