// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ml/dbscan.h"

#define GRID_DIMS 3
#define UNDEF (-2)
/* Cell coordinates are clamped (monotonically, so neighbours stay neighbours). */
#define COORD_MAX ((int64_t)1 << 50)
/* Candidates are tested 16 at a time; the column arrays have this much slack. */
#define LANES 16
/* The float test is exact outside this relative band around eps^2 (its error is below
 * 1e-6 relative); inside it, the double computation decides. */
#define BAND 1e-5

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
	float *xt; /* the rows in sorted order, column-major: xt[j * stride + pos] */
	size_t stride;
	int32_t *label; /* by sorted position (+ LANES slack) */
	int8_t *core; /* by sorted position: -1 unknown, 0, 1 */
	uint32_t *queue;
	struct cell *cells;
	uint32_t *table; /* open addressing: cell index + 1, 0 = empty */
	size_t table_mask;
	uint32_t *cell_of; /* by sorted position */
	uint32_t *adj_start; /* n_cells + 1: the non-empty neighbour cells of cell c are */
	uint32_t *adj; /* adj[adj_start[c] .. adj_start[c + 1]) (c itself included) */
	size_t cap_adj;
	/* Per fit. */
	size_t n, d, k, n_adj;
	double eps2;
	float eps2_lo, eps2_hi;
	bool vec;
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
	free(db->xt);
	free(db->label);
	free(db->core);
	free(db->queue);
	free(db->cells);
	free(db->table);
	free(db->cell_of);
	free(db->adj_start);
	free(db->adj);
	db->adj = NULL;
	db->cap_adj = 0;
	db->cell_of = db->adj_start = NULL;
	db->order = db->pos_of = db->queue = db->table = NULL;
	db->coord = NULL;
	db->xt = NULL;
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
	if (n > UINT32_MAX / 4 || d > SIZE_MAX / sizeof(float) / (n + LANES))
		return -ENOMEM;
	while (tsize < 2 * n)
		tsize *= 2;
	db->order = malloc(n * sizeof(uint32_t));
	db->pos_of = malloc(n * sizeof(uint32_t));
	db->coord = malloc(n * GRID_DIMS * sizeof(int64_t));
	db->xt = calloc((n + LANES) * d, sizeof(float));
	db->label = malloc((n + LANES) * sizeof(int32_t));
	db->core = malloc(n);
	db->queue = malloc(n * sizeof(uint32_t));
	db->cells = malloc(n * sizeof(struct cell));
	db->table = malloc(tsize * sizeof(uint32_t));
	db->cell_of = malloc(n * sizeof(uint32_t));
	db->adj_start = malloc((n + 1) * sizeof(uint32_t));
	if (!db->order || !db->pos_of || !db->coord || !db->xt || !db->label || !db->core ||
	    !db->queue || !db->cells || !db->table || !db->cell_of || !db->adj_start) {
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
	const int64_t *ca = sort_db->sort_coord + (size_t) * (const uint32_t *)a * GRID_DIMS;
	const int64_t *cb = sort_db->sort_coord + (size_t) * (const uint32_t *)b * GRID_DIMS;

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
		for (size_t j = 0; j < d; j++)
			db->xt[j * db->stride + p] = X[(size_t)i * d + j];
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
		db->cell_of[p] = (uint32_t)(n_cells - 1);
	}
	return n_cells;
}

/* Fills the adjacency lists: for each cell, the non-empty cells among its 3^k neighbours. */
static int build_adjacency(struct dbscan *db, size_t n_cells)
{
	size_t total = 0;

	for (int pass = 0; pass < 2; pass++) {
		total = 0;
		for (size_t ci = 0; ci < n_cells; ci++) {
			db->adj_start[ci] = (uint32_t)total;
			for (size_t a = 0; a < db->n_adj; a++) {
				int64_t c[GRID_DIMS];
				size_t rem = a;
				long nb;

				for (size_t s = 0; s < db->k; s++) {
					c[s] = db->cells[ci].c[s] + (int64_t)(rem % 3) - 1;
					rem /= 3;
				}
				nb = find_cell(db, c);
				if (nb < 0)
					continue;
				if (pass)
					db->adj[total] = (uint32_t)nb;
				total++;
			}
		}
		db->adj_start[n_cells] = (uint32_t)total;
		if (!pass && total > db->cap_adj) {
			uint32_t *na = realloc(db->adj, total * sizeof(uint32_t));

			if (!na)
				return -ENOMEM;
			db->adj = na;
			db->cap_adj = total;
		}
	}
	return 0;
}

/* Exact test of candidates q of a block against point p: the reference arithmetic
 * (double differences of the floats, squares summed in dimension order). */
static bool within_exact(const struct dbscan *db, uint32_t p, size_t q)
{
	double s2 = 0;

	for (size_t j = 0; j < db->d; j++) {
		double t = (double)db->xt[j * db->stride + q] - (double)db->xt[j * db->stride + p];

		s2 += t * t;
		if (s2 > db->eps2)
			return false;
	}
	return true;
}

/* Of the LANES candidates from position q0 selected by valid, those within eps of p. */
static uint32_t block_scalar(const struct dbscan *db, uint32_t p, size_t q0, uint32_t valid)
{
	uint32_t m = 0;

	for (unsigned l = 0; l < LANES; l++)
		if ((valid >> l & 1) && within_exact(db, p, q0 + l))
			m |= 1u << l;
	return m;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* The same with AVX-512 in float, giving up on the block when every partial sum is past
 * eps^2 (every fourth dimension), and deferring to the exact test near the boundary. */
__attribute__((target("avx512f"))) static uint32_t block_avx512(const struct dbscan *db, uint32_t p,
								size_t q0, uint32_t valid)
{
	const __m512 hi = _mm512_set1_ps(db->eps2_hi), lo = _mm512_set1_ps(db->eps2_lo);
	const float *col = db->xt + q0;
	__m512 acc = _mm512_setzero_ps();
	__mmask16 in, sure;

	for (size_t j = 0; j < db->d; j++, col += db->stride) {
		__m512 t = _mm512_sub_ps(_mm512_loadu_ps(col),
					 _mm512_set1_ps(db->xt[j * db->stride + p]));

		acc = _mm512_fmadd_ps(t, t, acc);
		if ((j & 3) == 3 && !(_mm512_cmp_ps_mask(acc, hi, _CMP_LE_OQ) & valid))
			return 0;
	}
	in = _mm512_cmp_ps_mask(acc, hi, _CMP_LE_OQ) & valid;
	sure = _mm512_cmp_ps_mask(acc, lo, _CMP_LE_OQ) & in;
	for (unsigned u = in & ~sure; u; u &= u - 1) {
		unsigned l = (unsigned)__builtin_ctz(u);

		if (within_exact(db, p, q0 + l))
			sure |= (__mmask16)(1u << l);
	}
	return sure;
}

/* Candidates whose label is negative (unclustered), as a lane mask. */
__attribute__((target("avx512f"))) static uint32_t unlabelled_avx512(const int32_t *label)
{
	return _mm512_cmplt_epi32_mask(_mm512_loadu_si512(label), _mm512_setzero_si512());
}

static bool have_avx512(void)
{
	return __builtin_cpu_supports("avx512f");
}
#else
static uint32_t block_avx512(const struct dbscan *db, uint32_t p, size_t q0, uint32_t valid)
{
	return block_scalar(db, p, q0, valid);
}

static uint32_t unlabelled_avx512(const int32_t *label)
{
	return 0;
}

static bool have_avx512(void)
{
	return false;
}
#endif

static uint32_t block(const struct dbscan *db, uint32_t p, size_t q0, uint32_t valid)
{
	return db->vec ? block_avx512(db, p, q0, valid) : block_scalar(db, p, q0, valid);
}

static uint32_t unlabelled(const struct dbscan *db, size_t q0, uint32_t valid)
{
	uint32_t m = 0;

	if (db->vec)
		return unlabelled_avx512(db->label + q0) & valid;
	for (unsigned l = 0; l < LANES; l++)
		if ((valid >> l & 1) && db->label[q0 + l] < 0)
			m |= 1u << l;
	return m;
}

/* Bits set in a 16-bit lane mask (no POPCNT in the baseline instruction set). */
static unsigned popcount16(uint32_t m)
{
	m = m - ((m >> 1) & 0x5555);
	m = (m & 0x3333) + ((m >> 2) & 0x3333);
	m = (m + (m >> 4)) & 0x0f0f;
	return (m + (m >> 8)) & 0x1f;
}

/* The lanes of the block at q0 that lie before end. */
static uint32_t lanes(uint32_t q0, uint32_t end)
{
	return end - q0 < LANES ? (1u << (end - q0)) - 1 : (1u << LANES) - 1;
}

/* Whether p has at least min_samples points within eps (itself included); computed once,
 * stopping as soon as the answer is known. */
static bool is_core(struct dbscan *db, uint32_t p)
{
	size_t cnt = 0, min = db->opts.min_samples;

	if (db->core[p] >= 0)
		return db->core[p];
	const uint32_t *a = db->adj + db->adj_start[db->cell_of[p]];
	const uint32_t *a_end = db->adj + db->adj_start[db->cell_of[p] + 1];

	for (; a < a_end && cnt < min; a++) {
		const struct cell *cl = &db->cells[*a];

		for (uint32_t q0 = cl->start, e = q0 + cl->count; q0 < e && cnt < min; q0 += LANES)
			cnt += popcount16(block(db, p, q0, lanes(q0, e)));
	}
	db->core[p] = cnt >= min;
	return db->core[p];
}

/* Labels with cluster c every unclustered point within eps of core point p; queues the
 * new ones that are core themselves. Returns the new queue tail. */
static size_t expand(struct dbscan *db, uint32_t p, int32_t c, size_t qt)
{
	const uint32_t *a = db->adj + db->adj_start[db->cell_of[p]];
	const uint32_t *a_end = db->adj + db->adj_start[db->cell_of[p] + 1];

	for (; a < a_end; a++) {
		const struct cell *cl = &db->cells[*a];

		for (uint32_t q0 = cl->start, e = q0 + cl->count; q0 < e; q0 += LANES) {
			uint32_t m = unlabelled(db, q0, lanes(q0, e));

			if (m)
				m = block(db, p, q0, m);
			for (; m; m &= m - 1) {
				uint32_t q = q0 + (uint32_t)__builtin_ctz(m);
				bool fresh = db->label[q] == UNDEF;

				db->label[q] = c;
				/* Noise points were tested and are not core: they become border. */
				if (fresh && is_core(db, q))
					db->queue[qt++] = q;
			}
		}
	}
	return qt;
}

int dbscan_fit(struct dbscan *db, const float *X, size_t n, size_t d, int32_t *labels,
	       uint8_t *is_core_out)
{
	int32_t n_clusters = 0;
	float max_abs = 0;
	int ret;

	if (d == 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n * d; i++) {
		if (!isfinite(X[i]))
			return -EINVAL;
		max_abs = fmaxf(max_abs, fabsf(X[i]));
	}
	ret = reserve(db, n, d);
	if (ret)
		return ret;
	db->n = n;
	db->d = d;
	db->k = d < GRID_DIMS ? d : GRID_DIMS;
	db->stride = n + LANES;
	db->n_adj = 1;
	for (size_t s = 0; s < db->k; s++)
		db->n_adj *= 3;
	db->eps2 = db->opts.eps * db->opts.eps;
	db->eps2_lo = (float)(db->eps2 * (1 - BAND));
	db->eps2_hi = (float)(db->eps2 * (1 + BAND));
	/* The float test is trusted only where squares neither overflow nor vanish. */
	db->vec = have_avx512() && max_abs <= 1e18f && db->eps2_lo >= 1e-30f &&
		  db->eps2_hi <= 1e30f;
	ret = build_adjacency(db, build_grid(db, X));
	if (ret)
		return ret;
	for (size_t p = 0; p < n + LANES; p++)
		db->label[p] = p < n ? UNDEF : 0; /* the slack reads as clustered */
	for (size_t p = 0; p < n; p++)
		db->core[p] = -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t p = db->pos_of[i];
		size_t qh = 0, qt = 0;

		if (db->label[p] != UNDEF)
			continue;
		if (!is_core(db, p)) {
			db->label[p] = DBSCAN_NOISE;
			continue;
		}
		db->label[p] = n_clusters;
		db->queue[qt++] = p;
		while (qh < qt)
			qt = expand(db, db->queue[qh++], n_clusters, qt);
		n_clusters++;
	}
	for (size_t i = 0; i < n; i++) {
		labels[i] = db->label[db->pos_of[i]];
		if (is_core_out)
			is_core_out[i] = db->core[db->pos_of[i]] == 1;
	}
	return n_clusters;
}
