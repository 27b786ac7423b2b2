// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dbscan.h"

#define GRID_DIMS 3
#define UNDEF (-2)
/* Cell coordinates are clamped (monotonically, so neighbours stay neighbours). */
#define COORD_MAX ((int64_t)1 << 50)

struct cell {
	int64_t c[GRID_DIMS];
	uint32_t start, count; /* positions in the cell-sorted order */
};

struct dbscan {
	struct dbscan_opts opts;
	size_t cap_n, cap_nd; /* capacities of the per-point buffers */
	uint32_t *order; /* sorted position -> original index */
	uint32_t *pos_of; /* original index -> sorted position */
	int64_t *coord; /* n * GRID_DIMS cell coordinates, by original index */
	float *xs; /* the rows in sorted order */
	int32_t *label; /* by sorted position */
	uint8_t *core; /* by sorted position */
	uint32_t *nb; /* neighbour positions of one query */
	uint32_t *queue;
	struct cell *cells;
	uint32_t *table; /* open addressing: cell index + 1, 0 = empty */
	size_t table_mask;
	/* Per fit. */
	size_t n, d, k;
	const int64_t *sort_coord;
};

void dbscan_opts_default(struct dbscan_opts *o)
{
	o->eps = 0.5;
	o->min_samples = 10;
}

struct dbscan *dbscan_new(const struct dbscan_opts *o)
{
	struct dbscan *db;

	if (!o || !(o->eps > 0) || !isfinite(o->eps) || o->min_samples < 1) {
		errno = EINVAL;
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		errno = ENOMEM;
		return NULL;
	}
	db->opts = *o;
	return db;
}

static void free_buffers(struct dbscan *db)
{
	free(db->order);
	free(db->pos_of);
	free(db->coord);
	free(db->xs);
	free(db->label);
	free(db->core);
	free(db->nb);
	free(db->queue);
	free(db->cells);
	free(db->table);
	db->order = db->pos_of = db->nb = db->queue = db->table = NULL;
	db->coord = NULL;
	db->xs = NULL;
	db->label = NULL;
	db->core = NULL;
	db->cells = NULL;
	db->cap_n = db->cap_nd = 0;
}

void dbscan_free(struct dbscan *db)
{
	if (!db)
		return;
	free_buffers(db);
	free(db);
}

static int reserve(struct dbscan *db, size_t n, size_t d)
{
	size_t tsize = 16;

	if (n <= db->cap_n && n * d <= db->cap_nd)
		return 0;
	free_buffers(db);
	if (n > UINT32_MAX / 4 || d > SIZE_MAX / sizeof(float) / n)
		return -ENOMEM;
	while (tsize < 2 * n)
		tsize *= 2;
	db->order = malloc(n * sizeof(uint32_t));
	db->pos_of = malloc(n * sizeof(uint32_t));
	db->coord = malloc(n * GRID_DIMS * sizeof(int64_t));
	db->xs = malloc(n * d * sizeof(float));
	db->label = malloc(n * sizeof(int32_t));
	db->core = malloc(n);
	db->nb = malloc(n * sizeof(uint32_t));
	db->queue = malloc(n * sizeof(uint32_t));
	db->cells = malloc(n * sizeof(struct cell));
	db->table = malloc(tsize * sizeof(uint32_t));
	if (!db->order || !db->pos_of || !db->coord || !db->xs || !db->label || !db->core ||
	    !db->nb || !db->queue || !db->cells || !db->table) {
		free_buffers(db);
		return -ENOMEM;
	}
	db->table_mask = tsize - 1;
	db->cap_n = n;
	db->cap_nd = n * d;
	return 0;
}

/* The k highest-variance dimensions, into dims[k] (ties to the lower index). */
static void pick_dims(const float *X, size_t n, size_t d, size_t k, size_t *dims)
{
	double best[GRID_DIMS];

	for (size_t s = 0; s < k; s++)
		best[s] = -1;
	for (size_t j = 0; j < d; j++) {
		double mean = 0, m2 = 0;

		for (size_t i = 0; i < n; i++)
			mean += X[i * d + j];
		mean /= (double)n;
		for (size_t i = 0; i < n; i++) {
			double t = X[i * d + j] - mean;

			m2 += t * t;
		}
		for (size_t s = 0; s < k; s++) {
			if (m2 > best[s]) {
				for (size_t u = k - 1; u > s; u--) {
					best[u] = best[u - 1];
					dims[u] = dims[u - 1];
				}
				best[s] = m2;
				dims[s] = j;
				break;
			}
		}
	}
}

static uint64_t hash_cell(const int64_t *c, size_t k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t s = 0; s < k; s++) {
		h ^= (uint64_t)c[s] + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
		h *= 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 33);
}

/* qsort has no context pointer; the comparison reads the coordinates through this. */
static __thread const struct dbscan *sort_db;

static int cmp_pos(const void *a, const void *b)
{
	const int64_t *ca = sort_db->sort_coord + (size_t)*(const uint32_t *)a * GRID_DIMS;
	const int64_t *cb = sort_db->sort_coord + (size_t)*(const uint32_t *)b * GRID_DIMS;

	for (size_t s = 0; s < sort_db->k; s++)
		if (ca[s] != cb[s])
			return ca[s] < cb[s] ? -1 : 1;
	/* Stable by index, so the layout does not depend on qsort's algorithm. */
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static long find_cell(const struct dbscan *db, const int64_t *c)
{
	size_t h = hash_cell(c, db->k) & db->table_mask;

	for (;;) {
		uint32_t v = db->table[h];

		if (!v)
			return -1;
		if (!memcmp(db->cells[v - 1].c, c, db->k * sizeof(int64_t)))
			return v - 1;
		h = (h + 1) & db->table_mask;
	}
}

static size_t build_grid(struct dbscan *db, const float *X)
{
	size_t n = db->n, d = db->d, k = db->k, n_cells = 0, dims[GRID_DIMS] = { 0 };
	double inv = 1.0 / db->opts.eps;

	pick_dims(X, n, d, k, dims);
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < k; s++) {
			double c = floor((double)X[i * d + dims[s]] * inv);

			c = c > (double)COORD_MAX ? (double)COORD_MAX : c;
			c = c < -(double)COORD_MAX ? -(double)COORD_MAX : c;
			db->coord[i * GRID_DIMS + s] = (int64_t)c;
		}
		db->order[i] = (uint32_t)i;
	}
	db->sort_coord = db->coord;
	sort_db = db;
	qsort(db->order, n, sizeof(uint32_t), cmp_pos);
	memset(db->table, 0, (db->table_mask + 1) * sizeof(uint32_t));
	for (size_t p = 0; p < n; p++) {
		uint32_t i = db->order[p];
		const int64_t *c = db->coord + (size_t)i * GRID_DIMS;

		db->pos_of[i] = (uint32_t)p;
		memcpy(db->xs + p * d, X + (size_t)i * d, d * sizeof(float));
		if (!n_cells || memcmp(db->cells[n_cells - 1].c, c, k * sizeof(int64_t))) {
			struct cell *cl = &db->cells[n_cells++];
			size_t h = hash_cell(c, k) & db->table_mask;

			memcpy(cl->c, c, k * sizeof(int64_t));
			cl->start = (uint32_t)p;
			cl->count = 0;
			while (db->table[h])
				h = (h + 1) & db->table_mask;
			db->table[h] = (uint32_t)n_cells;
		}
		db->cells[n_cells - 1].count++;
	}
	return n_cells;
}

/* Positions within eps of position p (p included) into db->nb; returns their number. */
static size_t region_query(struct dbscan *db, uint32_t p)
{
	size_t d = db->d, k = db->k, cnt = 0, n_adj = 1;
	const float *x = db->xs + (size_t)p * d;
	const int64_t *c0 = db->coord + (size_t)db->order[p] * GRID_DIMS;
	double eps2 = db->opts.eps * db->opts.eps;

	for (size_t s = 0; s < k; s++)
		n_adj *= 3;
	for (size_t a = 0; a < n_adj; a++) {
		int64_t c[GRID_DIMS];
		size_t rem = a;
		long ci;

		for (size_t s = 0; s < k; s++) {
			c[s] = c0[s] + (int64_t)(rem % 3) - 1;
			rem /= 3;
		}
		ci = find_cell(db, c);
		if (ci < 0)
			continue;
		for (uint32_t q = db->cells[ci].start, e = q + db->cells[ci].count; q < e; q++) {
			const float *y = db->xs + (size_t)q * d;
			double s2 = 0;

			for (size_t j = 0; j < d; j++) {
				double t = (double)x[j] - (double)y[j];

				s2 += t * t;
			}
			if (s2 <= eps2)
				db->nb[cnt++] = q;
		}
	}
	return cnt;
}

int dbscan_fit(struct dbscan *db, const float *X, size_t n, size_t d, int32_t *labels,
	       uint8_t *is_core)
{
	size_t min = db->opts.min_samples;
	int32_t n_clusters = 0;
	int ret;

	if (d == 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(X[i]))
			return -EINVAL;
	ret = reserve(db, n, d);
	if (ret)
		return ret;
	db->n = n;
	db->d = d;
	db->k = d < GRID_DIMS ? d : GRID_DIMS;
	build_grid(db, X);
	for (size_t p = 0; p < n; p++) {
		db->label[p] = UNDEF;
		db->core[p] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t p = db->pos_of[i];
		size_t cnt, qh = 0, qt = 0;

		if (db->label[p] != UNDEF)
			continue;
		cnt = region_query(db, p);
		if (cnt < min) {
			db->label[p] = DBSCAN_NOISE;
			continue;
		}
		db->core[p] = 1;
		db->label[p] = n_clusters;
		/* Expand: every queued point is labelled when queued and queried once. */
		for (;;) {
			for (size_t t = 0; t < cnt; t++) {
				uint32_t q = db->nb[t];

				if (db->label[q] == UNDEF)
					db->queue[qt++] = q;
				if (db->label[q] < 0)
					db->label[q] = n_clusters;
			}
			for (cnt = 0; qh < qt && cnt < min;) {
				uint32_t q = db->queue[qh++];

				cnt = region_query(db, q);
				if (cnt >= min)
					db->core[q] = 1;
			}
			if (cnt < min)
				break;
		}
		n_clusters++;
	}
	for (size_t i = 0; i < n; i++) {
		labels[i] = db->label[db->pos_of[i]];
		if (is_core)
			is_core[i] = db->core[db->pos_of[i]];
	}
	return n_clusters;
}
