/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/scaler.h - robust per-feature scaling: (x - median) / IQR, after an optional
 * log of heavy-tailed counts.
 *
 * Fitted on the training rows and stored with the models, as scikit-learn's
 * RobustScaler with its defaults: quartiles by linear interpolation
 * (numpy's default), and a feature whose IQR is 0, or under 10 float epsilons
 * (1.2e-6), keeps scale 1 so constant features do not blow up.
 *
 * A feature given a log unit u > 0 (scaler_set_log) is first mapped to
 * log1p(max(x, 0) * u): u = 1 for a count of bytes or a port number, 1e6 for an
 * interval in seconds (a count of microseconds). The median and IQR are then
 * those of the logged column. Without it a heavy tail (a 60 s pause where the
 * IQR is 15 ms) sits thousands of IQRs out, and those few coordinates are the
 * whole of the autoencoder's error and of the forest's splits.
 */
#ifndef NAD_SCALER_H
#define NAD_SCALER_H

#include <stddef.h>

#include "common/ser.h"

struct scaler;

/* A scaler for d features (1 <= d <= 65535) that maps x to x until fitted. NULL + errno on failure. */
struct scaler *scaler_new(size_t d);
void scaler_free(struct scaler *s);

/*
 * Sets the d log units (each finite and >= 0; 0 keeps the feature linear; NULL: all 0)
 * before scaler_fit. Returns 0 or -EINVAL.
 */
int scaler_set_log(struct scaler *s, const float *log_unit);

/* Fits on n rows of d floats, row-major (n >= 1, all finite). Returns 0 or -EINVAL / -ENOMEM. */
int scaler_fit(struct scaler *s, const float *X, size_t n);

/* Writes the scaled n rows of X to out; out may equal X. Never fails. */
void scaler_transform(const struct scaler *s, const float *X, size_t n, float *out);

size_t scaler_dim(const struct scaler *s);
/* The d medians and the d scales (IQR, or 1), of the logged column where it is logged. */
const float *scaler_center(const struct scaler *s);
const float *scaler_scale(const struct scaler *s);
/* The d log units (0 = linear). */
const float *scaler_log_unit(const struct scaler *s);

/* Serialisation: u32 d, d f32 centers, d f32 scales, d f32 log units. */
void scaler_write(const struct scaler *s, struct ser_writer *w);
/* NULL + errno (EBADMSG for malformed input) on failure. */
struct scaler *scaler_read(struct ser_reader *r);

/* The q-quantile (0 <= q <= 1) of v[0..n) by linear interpolation, as numpy.quantile. Sorts v. */
float scaler_quantile_inplace(float *v, size_t n, double q);

#endif /* NAD_SCALER_H */
