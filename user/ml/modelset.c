// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "common/ser.h"
#include "features/baseline.h"
#include "features/features.h"
#include "ml/fused.h"
#include "ml/modelset.h"
#include "ml/scaler.h"

#define MAGIC "NADXDPM\n"
#define HEADER_BYTES 40
/* No sane model is near this; a header claiming more is corrupt. */
#define MAX_PAYLOAD ((uint64_t)1 << 30)
/* Deflate expands at most 1032:1 (zlib's FAQ): a header claiming more is corrupt. */
#define MAX_DEFLATE_RATIO 1032
/* Rows per chunk when scoring. */
#define CHUNK 256

struct modelset {
	size_t d;
	char **names;
	struct scaler *scaler;
	struct autoenc *ae;
	struct iforest *forest;
	float ae_threshold, ae_extreme;
	struct dbscan_opts dbscan;
	struct modelset_info info;
	struct baseline *baseline; /* NULL: none in the file */
};

struct modelset_scratch {
	size_t d;
	float *xs; /* CHUNK scaled rows */
	struct autoenc_scratch *ae;
	struct fused_buf fbuf;
};

void modelset_opts_default(struct modelset_opts *o)
{
	memset(o, 0, sizeof(*o));
	autoenc_opts_default(&o->ae);
	iforest_opts_default(&o->forest);
	dbscan_opts_default(&o->dbscan);
	o->ae_quantile = 0.95f;
	o->ae_extreme_quantile = 0.999f;
}

void modelset_opts_seed(struct modelset_opts *o, uint64_t seed)
{
	o->ae.seed = seed;
	o->forest.seed = seed;
}

void modelset_opts_names(struct modelset_opts *o, const char *const *names, size_t d,
			 float *log_unit)
{
	features_log_units(names, d, log_unit);
	o->log_unit = log_unit;
	o->forest.group_feature = features_sample_group(names, d);
}

static struct modelset *alloc_set(size_t d)
{
	struct modelset *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->d = d;
	m->names = calloc(d, sizeof(char *));
	if (!m->names) {
		free(m);
		return NULL;
	}
	return m;
}

void modelset_free(struct modelset *m)
{
	if (!m)
		return;
	if (m->names)
		for (size_t j = 0; j < m->d; j++)
			free(m->names[j]);
	free(m->names);
	scaler_free(m->scaler);
	autoenc_free(m->ae);
	iforest_free(m->forest);
	baseline_free(m->baseline);
	free(m);
}

struct progress_ctx {
	modelset_progress_fn fn;
	void *ctx;
};

static int ae_progress(void *ctx, const struct autoenc_epoch *e)
{
	struct progress_ctx *pc = ctx;
	struct modelset_progress p = {
		.stage = MODELSET_STAGE_AUTOENC,
		.epoch = e->epoch,
		.n_epochs = e->n_epochs,
		.train_loss = e->train_loss,
		.val_loss = e->val_loss,
	};

	return pc->fn ? pc->fn(pc->ctx, &p) : 0;
}

static int stage(modelset_progress_fn fn, void *ctx, enum modelset_stage st)
{
	struct modelset_progress p = { .stage = st, .val_loss = NAN };

	return fn ? fn(ctx, &p) : 0;
}

/* modelset_train, scaling into a copy of X, or into X itself when in_place is X. */
static struct modelset *train(const float *X, float *in_place, size_t n, size_t d,
			      const char *const *names, const struct modelset_opts *opts,
			      modelset_progress_fn progress, void *ctx)
{
	struct progress_ctx pc = { progress, ctx };
	struct modelset_opts def;
	struct autoenc_report rep;
	struct autoenc_scratch *as = NULL;
	struct modelset *m = NULL;
	float *xs = NULL, *mae = NULL;
	int err = EINVAL;

	if (!opts) {
		modelset_opts_default(&def);
		opts = &def;
	}
	if (!X || n < MODELSET_MIN_ROWS || d == 0 || d > IFOREST_MAX_FEATURES ||
	    n > SIZE_MAX / sizeof(float) / d ||
	    !(opts->ae_quantile >= 0 && opts->ae_quantile <= 1) ||
	    !(opts->ae_extreme_quantile >= 0 && opts->ae_extreme_quantile <= 1) ||
	    !(opts->dbscan.eps > 0) || opts->dbscan.min_samples < 1)
		goto fail;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(X[i]))
			goto fail;
	err = ENOMEM;
	m = alloc_set(d);
	if (!m)
		goto fail;
	for (size_t j = 0; j < d; j++) {
		char buf[32];

		if (names && names[j] && strlen(names[j]) > UINT16_MAX) {
			err = EINVAL;
			goto fail;
		}
		snprintf(buf, sizeof(buf), "f%zu", j);
		m->names[j] = strdup(names && names[j] ? names[j] : buf);
		if (!m->names[j])
			goto fail;
	}
	m->dbscan = opts->dbscan;
	stage(progress, ctx, MODELSET_STAGE_SCALER);
	m->scaler = scaler_new(d);
	xs = in_place ? in_place : malloc(n * d * sizeof(float));
	mae = malloc(n * sizeof(float));
	if (!m->scaler || !xs || !mae)
		goto fail;
	err = -scaler_set_log(m->scaler, opts->log_unit);
	if (err)
		goto fail;
	err = -scaler_fit(m->scaler, X, n);
	if (err)
		goto fail;
	scaler_transform(m->scaler, X, n, xs);
	/* Values so far out that scaling overflows (x near FLT_MAX, the IQR small). */
	err = ERANGE;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(xs[i]))
			goto fail;

	m->ae = autoenc_new(d, &opts->ae);
	if (!m->ae) {
		err = errno;
		goto fail;
	}
	err = -autoenc_train(m->ae, xs, n, ae_progress, &pc, &rep);
	if (err)
		goto fail;
	err = ENOMEM;
	as = autoenc_scratch_new(m->ae);
	if (!as)
		goto fail;
	autoenc_score(m->ae, xs, n, as, mae);
	m->ae_threshold = scaler_quantile_inplace(mae, n, opts->ae_quantile);
	m->ae_extreme = scaler_quantile_inplace(
		mae, n, fmaxf(opts->ae_extreme_quantile, opts->ae_quantile));
	/* The loader refuses non-finite thresholds: never write what cannot be read. */
	err = ERANGE;
	if (!isfinite(m->ae_threshold) || !isfinite(m->ae_extreme))
		goto fail;

	stage(progress, ctx, MODELSET_STAGE_FOREST);
	m->forest = iforest_new(d, &opts->forest);
	if (!m->forest) {
		err = errno;
		goto fail;
	}
	err = -iforest_fit(m->forest, xs, n);
	if (err)
		goto fail;

	m->info = (struct modelset_info){
		.n_rows = n,
		.trained_unix_s = opts->trained_unix_s ? opts->trained_unix_s :
							 (uint64_t)time(NULL),
		.seed_ae = opts->ae.seed,
		.seed_forest = opts->forest.seed,
		.epochs_run = rep.epochs_run,
		.best_epoch = rep.best_epoch,
		.train_loss = rep.train_loss,
		.val_loss = rep.val_loss,
		.ae_quantile = opts->ae_quantile,
		.contamination = opts->forest.contamination,
	};
	stage(progress, ctx, MODELSET_STAGE_DONE);
	autoenc_scratch_free(as);
	if (!in_place)
		free(xs);
	free(mae);
	return m;
fail:
	autoenc_scratch_free(as);
	if (!in_place)
		free(xs);
	free(mae);
	modelset_free(m);
	errno = err;
	return NULL;
}

struct modelset *modelset_train(const float *X, size_t n, size_t d, const char *const *names,
				const struct modelset_opts *opts, modelset_progress_fn progress,
				void *ctx)
{
	return train(X, NULL, n, d, names, opts, progress, ctx);
}

struct modelset *modelset_train_in_place(float *X, size_t n, size_t d, const char *const *names,
					 const struct modelset_opts *opts,
					 modelset_progress_fn progress, void *ctx)
{
	return train(X, X, n, d, names, opts, progress, ctx);
}

struct modelset_scratch *modelset_scratch_new(const struct modelset *m)
{
	struct modelset_scratch *s = calloc(1, sizeof(*s));
	struct autoenc_packed ap;
	size_t act;

	if (!s)
		goto nomem;
	autoenc_packed(m->ae, &ap);
	act = fused_act_floats(&ap);
	s->d = m->d;
	s->xs = malloc(CHUNK * m->d * sizeof(float));
	s->ae = autoenc_scratch_new(m->ae);
	s->fbuf.act[0] = malloc(act * sizeof(float));
	s->fbuf.act[1] = malloc(act * sizeof(float));
	s->fbuf.y = malloc(act * sizeof(float));
	s->fbuf.xt = malloc(FUSED_ROWS * m->d * sizeof(uint32_t));
	if (!s->xs || !s->ae || !s->fbuf.act[0] || !s->fbuf.act[1] || !s->fbuf.y || !s->fbuf.xt)
		goto nomem;
	return s;
nomem:
	modelset_scratch_free(s);
	errno = ENOMEM;
	return NULL;
}

void modelset_scratch_free(struct modelset_scratch *s)
{
	if (!s)
		return;
	free(s->xs);
	autoenc_scratch_free(s->ae);
	free(s->fbuf.act[0]);
	free(s->fbuf.act[1]);
	free(s->fbuf.y);
	free(s->fbuf.xt);
	free(s);
}

void modelset_score(const struct modelset *m, const float *X, size_t n, struct modelset_scratch *s,
		    float *ae_mae, float *if_score)
{
	struct autoenc_packed ap;
	struct iforest_packed fp;
	size_t d = m->d;
	bool fused;

	autoenc_packed(m->ae, &ap);
	iforest_packed(m->forest, &fp);
	fused = ae_mae && if_score && fused_usable(&ap, &fp);
	for (size_t b = 0; b < n; b += CHUNK) {
		size_t k = n - b < CHUNK ? n - b : CHUNK, done = 0;

		scaler_transform(m->scaler, X + b * d, k, s->xs);
		/* Full blocks through the fused kernel, the rest model by model. */
		for (; fused && done + FUSED_ROWS <= k; done += FUSED_ROWS)
			fused_block(&ap, &fp, d, s->xs + done * d, ae_mae + b + done,
				    if_score + b + done, &s->fbuf);
		if (done == k)
			continue;
		if (ae_mae)
			autoenc_score(m->ae, s->xs + done * d, k - done, s->ae, ae_mae + b + done);
		if (if_score)
			iforest_score_samples(m->forest, s->xs + done * d, k - done,
					      if_score + b + done);
	}
}

/* ---- Accessors ------------------------------------------------------------------------ */

size_t modelset_dim(const struct modelset *m)
{
	return m->d;
}

const char *modelset_feature_name(const struct modelset *m, size_t i)
{
	return i < m->d ? m->names[i] : NULL;
}

const char *modelset_train_strerror(int err)
{
	return err == ERANGE ? "values too large to learn from (the scaled features or the "
			       "autoencoder's loss are not finite)" :
			       strerror(err);
}

float modelset_ae_threshold(const struct modelset *m)
{
	return m->ae_threshold;
}

float modelset_ae_extreme(const struct modelset *m)
{
	return m->ae_extreme;
}

float modelset_if_threshold(const struct modelset *m)
{
	return iforest_offset(m->forest);
}

const struct dbscan_opts *modelset_dbscan_opts(const struct modelset *m)
{
	return &m->dbscan;
}

const struct modelset_info *modelset_info(const struct modelset *m)
{
	return &m->info;
}

const struct scaler *modelset_scaler(const struct modelset *m)
{
	return m->scaler;
}

const struct autoenc *modelset_autoenc(const struct modelset *m)
{
	return m->ae;
}

const struct iforest *modelset_iforest(const struct modelset *m)
{
	return m->forest;
}

void modelset_set_baseline(struct modelset *m, struct baseline *b)
{
	baseline_free(m->baseline);
	m->baseline = b;
}

const struct baseline *modelset_baseline(const struct modelset *m)
{
	return m->baseline;
}

struct baseline *modelset_take_baseline(struct modelset *m)
{
	struct baseline *b = m->baseline;

	m->baseline = NULL;
	return b;
}

/* ---- File image ----------------------------------------------------------------------- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/*
 * CRC-32 of the whole file but its own field (bytes 36..39): catches what the payload CRC
 * cannot, such as a flipped bit in the deflate stream's final padding, which decompresses
 * to the same payload.
 */
static uint32_t file_crc(const uint8_t *img, size_t len)
{
	uLong c = crc32(0, img, 36);

	return (uint32_t)crc32(c, img + HEADER_BYTES, (uInt)(len - HEADER_BYTES));
}

static void write_payload(const struct modelset *m, const struct baseline_bytes *b,
			  struct ser_writer *w)
{
	const struct modelset_info *in = &m->info;

	ser_put_u32(w, (uint32_t)m->d);
	for (size_t j = 0; j < m->d; j++)
		ser_put_str(w, m->names[j]);
	ser_put_u64(w, in->n_rows);
	ser_put_u64(w, in->trained_unix_s);
	ser_put_u64(w, in->seed_ae);
	ser_put_u64(w, in->seed_forest);
	ser_put_u32(w, in->epochs_run);
	ser_put_u32(w, in->best_epoch);
	ser_put_f32(w, in->train_loss);
	ser_put_f32(w, in->val_loss);
	ser_put_f32(w, in->ae_quantile);
	ser_put_f32(w, in->contamination);
	ser_put_f32(w, m->ae_threshold);
	ser_put_f32(w, m->ae_extreme);
	ser_put_f64(w, m->dbscan.eps);
	ser_put_u32(w, (uint32_t)m->dbscan.min_samples);
	scaler_write(m->scaler, w);
	autoenc_write(m->ae, w);
	iforest_write(m->forest, w);
	/* Version 3: the baselines section, after a presence flag. */
	ser_put_u8(w, b != NULL);
	if (b)
		ser_put_bytes(w, b->buf, b->len);
}

static int save_mem(const struct modelset *m, const struct baseline_bytes *b, void **buf,
		    size_t *len)
{
	struct ser_writer w;
	uLongf clen;
	uint8_t *img = NULL;
	int ret = -ENOMEM;

	ser_writer_init(&w);
	write_payload(m, b, &w);
	if (w.err) {
		ret = w.err;
		goto out;
	}
	clen = compressBound(w.len);
	img = malloc(HEADER_BYTES + clen);
	if (!img)
		goto out;
	if (compress2(img + HEADER_BYTES, &clen, w.buf, w.len, 9) != Z_OK)
		goto out;
	memcpy(img, MAGIC, 8);
	put_le32(img + 8, MODELSET_FORMAT_VERSION);
	put_le32(img + 12, 0);
	put_le64(img + 16, w.len);
	put_le64(img + 24, clen);
	put_le32(img + 32, (uint32_t)crc32(0, w.buf, (uInt)w.len));
	put_le32(img + 36, file_crc(img, HEADER_BYTES + clen));
	*buf = img;
	*len = HEADER_BYTES + clen;
	img = NULL;
	ret = 0;
out:
	free(img);
	ser_writer_release(&w);
	return ret;
}

/* m's own baselines as bytes into *bb: 0 (bb->buf NULL when m has none) or -ENOMEM. */
static int own_baseline(const struct modelset *m, struct baseline_bytes *bb)
{
	*bb = (struct baseline_bytes){ 0 };
	return m->baseline ? baseline_bytes_of(m->baseline, bb) : 0;
}

int modelset_save_mem(const struct modelset *m, void **buf, size_t *len)
{
	struct baseline_bytes bb;
	int ret = own_baseline(m, &bb);

	if (!ret)
		ret = save_mem(m, bb.buf ? &bb : NULL, buf, len);
	baseline_bytes_free(&bb);
	return ret;
}

int modelset_save(const struct modelset *m, const char *path)
{
	struct baseline_bytes bb;
	int ret = own_baseline(m, &bb);

	if (!ret)
		ret = modelset_save_with_baseline(m, bb.buf ? &bb : NULL, path);
	baseline_bytes_free(&bb);
	return ret;
}

int modelset_save_with_baseline(const struct modelset *m, const struct baseline_bytes *b,
				const char *path)
{
	size_t len, plen = strlen(path);
	char *tmp = NULL;
	void *img = NULL;
	int fd = -1, ret;

	ret = save_mem(m, b, &img, &len);
	if (ret)
		return ret;
	ret = -ENOMEM;
	tmp = malloc(plen + 16);
	if (!tmp)
		goto out;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	for (size_t done = 0; done < len;) {
		ssize_t k = write(fd, (char *)img + done, len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			ret = -errno;
			goto out;
		}
		done += (size_t)k;
	}
	if (fchmod(fd, 0644) || fsync(fd)) {
		ret = -errno;
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret && tmp && tmp[0])
		unlink(tmp);
	free(tmp);
	free(img);
	return ret;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The baselines section: 0, or -1 when it is malformed. */
static int read_baseline(struct ser_reader *r, struct modelset *m)
{
	uint8_t present = ser_get_u8(r);

	if (r->err || present > 1)
		return -1;
	if (!present)
		return 0;
	m->baseline = baseline_read(r);
	return m->baseline && !r->err ? 0 : -1;
}

static struct modelset *read_payload(struct ser_reader *r, size_t expect_d, char *err,
				     size_t errlen, int *eno)
{
	struct modelset_info *in;
	struct modelset *m = NULL;
	uint32_t d = ser_get_u32(r);

	*eno = EBADMSG;
	if (r->err || d == 0 || d > IFOREST_MAX_FEATURES) {
		set_err(err, errlen, "corrupt payload: bad feature count");
		goto fail;
	}
	if (expect_d && d != expect_d) {
		set_err(err, errlen, "model has %u features, expected %zu", d, expect_d);
		*eno = ERANGE;
		goto fail;
	}
	m = alloc_set(d);
	if (!m) {
		*eno = ENOMEM;
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t j = 0; j < d; j++) {
		m->names[j] = ser_get_str(r);
		if (!m->names[j])
			break;
	}
	in = &m->info;
	in->n_rows = ser_get_u64(r);
	in->trained_unix_s = ser_get_u64(r);
	in->seed_ae = ser_get_u64(r);
	in->seed_forest = ser_get_u64(r);
	in->epochs_run = ser_get_u32(r);
	in->best_epoch = ser_get_u32(r);
	in->train_loss = ser_get_f32(r);
	in->val_loss = ser_get_f32(r); /* NAN without validation */
	in->ae_quantile = ser_get_f32(r);
	in->contamination = ser_get_f32(r);
	m->ae_threshold = ser_get_f32(r);
	m->ae_extreme = ser_get_f32(r);
	m->dbscan.eps = ser_get_f64(r);
	m->dbscan.min_samples = ser_get_u32(r);
	if (r->err || !isfinite(m->ae_threshold) || !isfinite(m->ae_extreme) ||
	    !(m->ae_extreme >= m->ae_threshold) || !(m->dbscan.eps > 0) ||
	    !isfinite(m->dbscan.eps) || m->dbscan.min_samples < 1) {
		set_err(err, errlen, "corrupt payload: bad header fields");
		goto fail;
	}
	m->scaler = scaler_read(r);
	if (!m->scaler || scaler_dim(m->scaler) != d) {
		set_err(err, errlen, "corrupt payload: bad scaler");
		goto fail;
	}
	m->ae = autoenc_read(r);
	if (!m->ae || autoenc_dim(m->ae) != d) {
		set_err(err, errlen, "corrupt payload: bad autoencoder");
		goto fail;
	}
	m->forest = iforest_read(r);
	if (!m->forest || iforest_dim(m->forest) != d) {
		set_err(err, errlen, "corrupt payload: bad isolation forest");
		goto fail;
	}
	if (read_baseline(r, m)) {
		set_err(err, errlen, "corrupt payload: bad baselines section");
		goto fail;
	}
	if (r->pos != r->len) {
		set_err(err, errlen, "corrupt payload: %zu trailing bytes", r->len - r->pos);
		goto fail;
	}
	return m;
fail:
	if (errno == ENOMEM && *eno == EBADMSG && !r->err) {
		*eno = ENOMEM;
		set_err(err, errlen, "out of memory");
	}
	modelset_free(m);
	return NULL;
}

struct modelset *modelset_load_mem(const void *buf, size_t len, size_t expect_d, char *err,
				   size_t errlen)
{
	const uint8_t *img = buf;
	struct modelset *m = NULL;
	struct ser_reader r;
	uint64_t plen, clen;
	uint32_t ver;
	uLongf got;
	uint8_t *payload = NULL;
	int eno = EBADMSG;

	if (err && errlen)
		err[0] = 0;
	if (len < HEADER_BYTES) {
		set_err(err, errlen, "truncated: %zu bytes, a model file has at least %d", len,
			HEADER_BYTES);
		goto out;
	}
	if (memcmp(img, MAGIC, 8)) {
		set_err(err, errlen, "not a nadxdp model file (bad magic)");
		goto out;
	}
	ver = get_le32(img + 8);
	if (ver != MODELSET_FORMAT_VERSION) {
		set_err(err, errlen, "model format version %u, this build reads version %d", ver,
			MODELSET_FORMAT_VERSION);
		eno = EPROTONOSUPPORT;
		goto out;
	}
	plen = get_le64(img + 16);
	clen = get_le64(img + 24);
	if (get_le32(img + 36) != file_crc(img, len)) {
		if (clen != len - HEADER_BYTES)
			set_err(err, errlen, "%s: %zu payload bytes, header says %llu",
				clen > len - HEADER_BYTES ? "truncated" : "corrupt",
				len - HEADER_BYTES, (unsigned long long)clen);
		else
			set_err(err, errlen, "checksum mismatch: file is corrupt");
		goto out;
	}
	/* The payload length is checked against the bytes that must expand to it before
	 * anything is allocated for it. */
	if (get_le32(img + 12) != 0 || plen > MAX_PAYLOAD || clen != len - HEADER_BYTES ||
	    plen / MAX_DEFLATE_RATIO > clen) {
		set_err(err, errlen, "corrupt header: unknown flags or bad lengths");
		goto out;
	}
	payload = malloc(plen ? plen : 1);
	if (!payload) {
		eno = ENOMEM;
		set_err(err, errlen, "out of memory");
		goto out;
	}
	got = plen;
	if (uncompress(payload, &got, img + HEADER_BYTES, clen) != Z_OK || got != plen) {
		set_err(err, errlen, "corrupt compressed payload");
		goto out;
	}
	if (get_le32(img + 32) != (uint32_t)crc32(0, payload, (uInt)plen)) {
		set_err(err, errlen, "payload checksum mismatch: file is corrupt");
		goto out;
	}
	ser_reader_init(&r, payload, plen);
	m = read_payload(&r, expect_d, err, errlen, &eno);
out:
	free(payload);
	if (!m)
		errno = eno;
	return m;
}

struct modelset *modelset_load(const char *path, size_t expect_d, char *err, size_t errlen)
{
	struct modelset *m = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, eno = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		eno = errno;
		set_err(err, errlen, "cannot open: %s", strerror(eno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_PAYLOAD + HEADER_BYTES) {
		eno = EBADMSG;
		set_err(err, errlen, "not a regular file of plausible size");
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		eno = ENOMEM;
		set_err(err, errlen, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			eno = errno;
			set_err(err, errlen, "read error: %s", strerror(eno));
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	m = modelset_load_mem(buf, len, expect_d, err, errlen);
	if (!m)
		eno = errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (!m)
		errno = eno;
	return m;
}
