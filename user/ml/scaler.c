// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "ml/scaler.h"

struct scaler {
	size_t d;
	float *center; /* d medians */
	float *scale; /* d IQRs (1 where the IQR is under IQR_NONE) */
	float *log_unit; /* d units: x -> log1p(max(x, 0) * unit) first; 0 = linear */
};

struct scaler *scaler_new(size_t d)
{
	struct scaler *s;

	if (d == 0 || d > 65535) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto err;
	s->d = d;
	s->center = calloc(d, sizeof(float));
	s->scale = malloc(d * sizeof(float));
	s->log_unit = calloc(d, sizeof(float));
	if (!s->center || !s->scale || !s->log_unit)
		goto err;
	for (size_t j = 0; j < d; j++)
		s->scale[j] = 1.0f;
	return s;
err:
	scaler_free(s);
	errno = ENOMEM;
	return NULL;
}

void scaler_free(struct scaler *s)
{
	if (!s)
		return;
	free(s->center);
	free(s->scale);
	free(s->log_unit);
	free(s);
}

/*
 * An IQR under this is none (scikit-learn's rule, 10 float epsilons): a column that is 0 but
 * for decayed residues of 1e-27 would otherwise scale a count of 1 to 1e27.
 */
#define IQR_NONE (10 * FLT_EPSILON)

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

float scaler_quantile_inplace(float *v, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(float), cmp_float);
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	/* numpy's "linear" method: position q (n - 1), interpolated between neighbours. */
	pos = q * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return (float)((double)v[lo] + frac * ((double)v[lo + 1] - (double)v[lo]));
}

int scaler_set_log(struct scaler *s, const float *log_unit)
{
	for (size_t j = 0; log_unit && j < s->d; j++)
		if (!(log_unit[j] >= 0) || !isfinite(log_unit[j]))
			return -EINVAL;
	for (size_t j = 0; j < s->d; j++)
		s->log_unit[j] = log_unit ? log_unit[j] : 0.0f;
	return 0;
}

static inline float pre(const struct scaler *s, size_t j, float x)
{
	float u = s->log_unit[j];

	return u > 0 ? log1pf((x > 0 ? x : 0) * u) : x;
}

int scaler_fit(struct scaler *s, const float *X, size_t n)
{
	float *col;
	size_t d = s->d;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(X[i]))
			return -EINVAL;
	col = malloc(n * sizeof(float));
	if (!col)
		return -ENOMEM;
	for (size_t j = 0; j < d; j++) {
		float q1, q3, med, iqr;

		for (size_t i = 0; i < n; i++)
			col[i] = pre(s, j, X[i * d + j]);
		/* Sorted by the first call; the others only interpolate. */
		med = scaler_quantile_inplace(col, n, 0.5);
		q1 = scaler_quantile_inplace(col, n, 0.25);
		q3 = scaler_quantile_inplace(col, n, 0.75);
		iqr = q3 - q1;
		s->center[j] = med;
		s->scale[j] = (iqr >= IQR_NONE && isfinite(iqr)) ? iqr : 1.0f;
	}
	free(col);
	return 0;
}

/* Divides, as RobustScaler does, rather than multiplying by a rounded inverse. */
void scaler_transform(const struct scaler *s, const float *X, size_t n, float *out)
{
	size_t d = s->d;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			out[i * d + j] = (pre(s, j, X[i * d + j]) - s->center[j]) / s->scale[j];
}

size_t scaler_dim(const struct scaler *s)
{
	return s->d;
}

const float *scaler_center(const struct scaler *s)
{
	return s->center;
}

const float *scaler_scale(const struct scaler *s)
{
	return s->scale;
}

const float *scaler_log_unit(const struct scaler *s)
{
	return s->log_unit;
}

void scaler_write(const struct scaler *s, struct ser_writer *w)
{
	ser_put_u32(w, (uint32_t)s->d);
	ser_put_f32s(w, s->center, s->d);
	ser_put_f32s(w, s->scale, s->d);
	ser_put_f32s(w, s->log_unit, s->d);
}

struct scaler *scaler_read(struct ser_reader *r)
{
	uint32_t d = ser_get_u32(r);
	struct scaler *s;

	if (r->err || d == 0 || d > 65535 || (size_t)d * 12 > r->len - r->pos) {
		errno = EBADMSG;
		return NULL;
	}
	s = scaler_new(d);
	if (!s)
		return NULL;
	ser_get_f32s(r, s->center, d);
	ser_get_f32s(r, s->scale, d);
	ser_get_f32s(r, s->log_unit, d);
	for (size_t j = 0; j < d && !r->err; j++) {
		if (!(s->scale[j] > 0) || !isfinite(s->scale[j]) || !isfinite(s->center[j]) ||
		    !(s->log_unit[j] >= 0) || !isfinite(s->log_unit[j]))
			r->err = -EBADMSG;
	}
	if (r->err) {
		scaler_free(s);
		errno = EBADMSG;
		return NULL;
	}
	return s;
}
