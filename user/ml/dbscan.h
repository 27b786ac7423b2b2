/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/dbscan.h - DBSCAN (Ester et al. 1996) with Euclidean distance.
 *
 * Labels by the textbook definition, identical to scikit-learn's DBSCAN:
 * a point is core when at least min_samples points (itself included) lie
 * within eps (distance <= eps); core points within eps of each other share a
 * cluster; a non-core point within eps of a core point is a border point
 * and joins the first cluster that reaches it; everything else is noise,
 * label -1. Points are scanned in index order and clusters numbered 0, 1, ...
 * in order of discovery (so by their lowest-indexed core point).
 *
 * Neighbourhoods come from a hashed uniform grid of cell side eps over the
 * (up to) three highest-variance dimensions; candidates from the 3^k
 * adjacent cells are checked with the full distance.
 */
#ifndef NAD_DBSCAN_H
#define NAD_DBSCAN_H

#include <stddef.h>
#include <stdint.h>

#define DBSCAN_NOISE (-1)

struct dbscan_opts {
	double eps; /* > 0 (default 0.5) */
	size_t min_samples; /* >= 1, counting the point itself (default 10) */
};

void dbscan_opts_default(struct dbscan_opts *o);

struct dbscan;

/* A clusterer; it keeps its buffers between runs. NULL + errno (EINVAL for bad options). */
struct dbscan *dbscan_new(const struct dbscan_opts *o);
void dbscan_free(struct dbscan *db);

/*
 * Clusters n rows of d floats (row-major, finite) into labels[n] (cluster index or
 * DBSCAN_NOISE); is_core[n] may be NULL. Returns the number of clusters (>= 0), or
 * -EINVAL (non-finite value, d == 0) or -ENOMEM.
 */
int dbscan_fit(struct dbscan *db, const float *X, size_t n, size_t d, int32_t *labels,
	       uint8_t *is_core);

#endif /* NAD_DBSCAN_H */
