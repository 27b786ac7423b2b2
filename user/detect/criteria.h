/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * detect/criteria.h - the weighted criteria and the adaptive threshold their score must
 * reach.
 *
 * Each record fires a set of criteria; the weights of the fired ones add up to its score:
 *   isolation_forest_extreme 2.0  if_score < if_thr * 1.2 (thresholds are negative)
 *   autoencoder_extreme      2.0  ae_mae > the model's extreme level (modelset_ae_extreme: the
 *                                 0.999 quantile of the training rows' errors)
 *   dos_pattern              2.0  this packet's interval (per source, or per
 *                                 destination) < 1 ms and more than dos_threshold of
 *                                 the last 100 intervals of that source/destination < 1 ms
 *   isolation_forest         1.5  if_score < if_thr
 *   autoencoder              1.5  ae_mae > ae_thr
 *   scanning_pattern         1.5  SYN-only (the flag byte is SYN alone) and > scan_threshold
 *                                 distinct destination ports among the source's last 100 packets
 *   interval_spike           1.0  |z| > 3 of log10(interval) against the source's
 *                                 exponentially weighted mean/std (log: intervals are
 *                                 heavy-tailed; a raw z-score fires on every pause); off for
 *                                 an IoT source past 20 packets while its pattern holds
 *   rare_protocol            1.0  protocol absent from the last 1000 packets, after > 30
 * The model criteria need a model and finite scores. The thresholds are the profile's
 * (detect/profile.h) and the model's.
 *
 * Adaptive threshold: the weighted score must reach
 *     clamp(q99.9 + 0.25, base, 1.5 * base)
 * where base is the profile's sensitivity and q99.9 the 99.9th percentile of the scores
 * of packets from sources with no open critical/warning episode, in a histogram that
 * forgets with a half-life of about 70,000 packets. An ongoing attack cannot hide itself:
 * its sources are excluded from the quantile once their first alert fires, the
 * adaptation is slow, and it can never raise the threshold above 1.5 * base. Rule-based
 * classes (critical, warning) do not depend on this threshold at all. IoT sources
 * (features/context.h) get a threshold of their own, over IoT traffic only.
 */
#ifndef NAD_CRITERIA_H
#define NAD_CRITERIA_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "detect/profile.h"
#include "features/context.h"
#include "nad_abi.h"

/* Criteria of the weighted table (bit i of a mask = criterion i). */
enum criterion {
	CRIT_IF_EXTREME = 0,
	CRIT_AE_EXTREME,
	CRIT_DOS_PATTERN,
	CRIT_IF,
	CRIT_AE,
	CRIT_SCANNING_PATTERN,
	CRIT_INTERVAL_SPIKE,
	CRIT_RARE_PROTOCOL,
	CRIT_N,
};

extern const char *const criteria_names[CRIT_N];
extern const double criteria_weights[CRIT_N];

/* The models' verdict on one record (have: a model scored it). */
struct criteria_models {
	bool have;
	float ae_mae, if_score;
	float ae_threshold, ae_extreme, if_threshold;
};

/* The fired criteria of one record. */
struct criteria_result {
	unsigned mask; /* bit c: criterion c fired */
	double score; /* sum of the fired criteria's weights */
	double value[CRIT_N], threshold[CRIT_N]; /* what each fired one measured and needed */
};

#define CRITERIA_PROTO_RING 1000

/* rare_protocol's memory: the protocols of the last 1000 records (zeroed: none yet). */
struct criteria_protocols {
	uint16_t ring[CRITERIA_PROTO_RING];
	uint32_t count[258]; /* IP protocols, then non-IP: 802.3 length (256), EtherType (257) */
	uint32_t i, n;
};

/*
 * The criteria rec fires, with its context figures ctx, the models' verdict m and the
 * profile p, into *out; then counts rec's protocol into *protos.
 */
void criteria_fire(struct criteria_protocols *protos, const struct nad_rec *rec,
		   const struct context_figures *ctx, const struct criteria_models *m,
		   const struct profile *p, struct criteria_result *out);

#define CRITERIA_HIST_BINS 60 /* 0.25 wide: scores 0 .. 15 */

/* An adaptive threshold (see above); threshold is the one in force. */
struct criteria_threshold {
	double bin[CRITERIA_HIST_BINS];
	double total;
	uint32_t since_decay;
	double threshold;
};

/* Starts empty, at base. */
void criteria_threshold_init(struct criteria_threshold *t, double base);
/* Counts a score (of a source with no open critical/warning episode) with weight w. */
void criteria_threshold_add(struct criteria_threshold *t, double score, double w);
/* Moves the threshold to the histogram's quantile, clamped to [base, 1.5 * base]. */
void criteria_threshold_update(struct criteria_threshold *t, double base);

#endif /* NAD_CRITERIA_H */
