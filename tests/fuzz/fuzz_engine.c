// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_engine.c - the detection engine's stateful code (trackers, criteria, classification,
 * episodes, campaigns, summaries) on record streams decoded from the input (fuzzrec.h),
 * writing EVE lines and console lines to /dev/null.
 *
 * The model: the default model's shape costs more to load than a whole run of the engine,
 * so a small one (autoencoder 16-8-16, 25 trees of 64 rows) is trained once, at start,
 * on the vectors of a fixed pseudo-random stream, and loaded for every input.
 *
 * Input: one byte of options (bits 0 and 3 both set: summaries every 30 s of record time,
 * which visit all 16,384 source slots and so cost more than the rest of a run; bits 1-2:
 * the profile, 0 inferred, else home, small office, enterprise), then the stream.
 *
 * The stream runs through two engines: one record at a time (engine_process) and in
 * batches (engine_process_batch, flushed before every tick). engine.h promises the same
 * classes, vectors and alerts either way; any difference is a finding.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "common/log.h"
#include "common/rng.h"
#include "detect/alert.h"
#include "detect/engine.h"
#include "features/features.h"
#include "features/vector.h"
#include "fuzz.h"
#include "fuzz/fuzzrec.h"
#include "ml/modelset.h"
#include "ml/modelswap.h"
#include "report/eve.h"
#include "report/outputs.h"

/* Records per input at most (the input's length bounds it too). */
#define MAX_RECS 4096

/* Vectors the start-up model is trained on. */
#define TRAIN_ROWS 3000

static FILE *devnull;
static struct outputs *out; /* the EVE lines' one output: /dev/null */
static struct eve *eve; /* EVE and console lines of both engines, to /dev/null */
static void *model_img;
static size_t model_len;

/* Trains the small model on the vectors of a pseudo-random record stream. */
static void make_model(void)
{
	static uint8_t stream[TRAIN_ROWS * FUZZREC_PKT_BYTES];
	static float X[TRAIN_ROWS * VECTOR_DIM];
	float log_unit[VECTOR_DIM];
	struct modelset_opts o;
	struct fuzzrec_reader rd;
	struct fuzzrec_op op;
	struct modelset *m;
	struct vectorizer *v;
	struct rng r;
	size_t n = 0;

	rng_seed(&r, 15);
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)rng_next(&r);
	for (size_t i = 0; i < TRAIN_ROWS; i++) {
		uint8_t *q = stream + i * FUZZREC_PKT_BYTES;

		q[0] = (uint8_t)(q[0] % 0xa0); /* steps up to 16 ms */
		q[2] &= 0x80; /* 128 hosts a side, private and public IPv4 */
		q[4] &= 0x80;
		q[5] &= 0x3b; /* TCP, UDP, ICMP, another protocol; small payloads */
		q[12] = 0;
	}
	v = vectorizer_new(NULL);
	FUZZ_CHECK(v, "vectorizer_new");
	fuzzrec_init(&rd, stream, sizeof(stream));
	while (n < TRAIN_ROWS && fuzzrec_next(&rd, &op))
		if (op.kind == FUZZREC_RECORD)
			vectorizer_next(v, &op.rec, X + n++ * VECTOR_DIM, NULL);
	vectorizer_free(v);
	modelset_opts_default(&o);
	o.ae.n_hidden = 3;
	o.ae.hidden[0] = o.ae.hidden[2] = 16;
	o.ae.hidden[1] = 8;
	o.ae.epochs = 10;
	o.forest.n_trees = 25;
	o.forest.max_samples = 64;
	o.trained_unix_s = 1700000000;
	features_log_units(vector_names, VECTOR_DIM, log_unit);
	o.log_unit = log_unit;
	m = modelset_train(X, n, VECTOR_DIM, vector_names, &o, NULL, NULL);
	FUZZ_CHECK(m, "training the engine's model: %s", strerror(errno));
	FUZZ_CHECK(modelset_save_mem(m, &model_img, &model_len) == 0, "save");
	modelset_free(m);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	openblas_set_num_threads(1);
	log_set_level(LOG_WARN); /* not the inferred profile of every input */
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	out = outputs_new();
	FUZZ_CHECK(out, "outputs_new");
	FUZZ_CHECK(!outputs_add(out,
				&(struct output_spec){ .kind = OUTPUT_STREAM, .stream = devnull }),
		   "outputs_add");
	eve = eve_new(&(struct eve_opts){ .console = devnull, .color = true, .out = out });
	FUZZ_CHECK(eve, "eve_new");
	make_model();
	return 0;
}

struct seen {
	unsigned starts[CLASS_N], ends[CLASS_N], summaries;
};

static void observe(void *ctx, const struct alert_event *ev)
{
	struct seen *s = ctx;

	if (!strcmp(ev->event_type, "summary")) {
		s->summaries++;
		return;
	}
	FUZZ_CHECK(ev->cls > CLASS_NONE && ev->cls < CLASS_N, "class %d", ev->cls);
	if (ev->closing)
		s->ends[ev->cls]++;
	else if (!ev->update) /* an open episode's updates are neither */
		s->starts[ev->cls]++;
}

static struct engine *engine(struct modelswap *hold, uint8_t opts, struct seen *s)
{
	static const enum profile_id profiles[4] = { PROFILE_AUTO, PROFILE_HOME,
						     PROFILE_SMALL_OFFICE, PROFILE_ENTERPRISE };
	struct engine_opts o;
	struct engine *e;

	engine_opts_default(&o);
	if ((opts & 9) != 9)
		o.summary_interval_s = -1;
	o.profile = profiles[(opts >> 1) & 3];
	o.alert.sink = eve_on_alert;
	o.alert.sink_ctx = eve;
	e = engine_new(&o, hold, NULL);
	FUZZ_CHECK(e, "engine_new: %s", strerror(errno));
	memset(s, 0, sizeof(*s));
	engine_set_observer(e, observe, s);
	return e;
}

static struct nad_rec recs[MAX_RECS];
static enum classify_class cls_one[MAX_RECS], cls_batch[MAX_RECS];
static float vec_one[MAX_RECS][VECTOR_DIM], vec_batch[MAX_RECS][VECTOR_DIM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *one, *batch;
	struct fuzzrec_reader rd;
	struct fuzzrec_op op;
	struct modelswap *h;
	struct modelset *m;
	struct seen s1, s2;
	size_t n = 0, done = 0;
	char err[256];

	if (!size)
		return 0;
	m = modelset_load_mem(model_img, model_len, VECTOR_DIM, err, sizeof(err));
	FUZZ_CHECK(m, "the engine's model: %s", err);
	h = modelswap_new(m);
	FUZZ_CHECK(h, "modelswap_new");
	one = engine(h, data[0], &s1);
	batch = engine(h, data[0], &s2);
	fuzzrec_init(&rd, data + 1, size - 1);
	while (n < MAX_RECS && fuzzrec_next(&rd, &op)) {
		if (op.kind == FUZZREC_TICK) {
			engine_process_batch(batch, recs + done, n - done, cls_batch + done,
					     vec_batch[done]);
			done = n;
			engine_tick(one, op.now_ns, NULL);
			engine_tick(batch, op.now_ns, NULL);
			continue;
		}
		recs[n] = op.rec;
		cls_one[n] = engine_process(one, &recs[n]);
		memcpy(vec_one[n], engine_last_vector(one), sizeof(vec_one[n]));
		n++;
	}
	engine_process_batch(batch, recs + done, n - done, cls_batch + done, vec_batch[done]);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(cls_one[i] >= CLASS_NONE && cls_one[i] < CLASS_N, "class %d",
			   cls_one[i]);
		FUZZ_CHECK(cls_one[i] == cls_batch[i], "record %zu: class %d alone, %d batched", i,
			   cls_one[i], cls_batch[i]);
		FUZZ_CHECK(!memcmp(vec_one[i], vec_batch[i], sizeof(vec_one[i])),
			   "record %zu: the vectors differ", i);
		for (int j = 0; j < VECTOR_DIM; j++)
			FUZZ_CHECK(isfinite(vec_one[i][j]), "record %zu: feature %d is %g", i, j,
				   vec_one[i][j]);
	}
	engine_finish(one);
	engine_finish(batch);
	FUZZ_CHECK(!memcmp(&s1, &s2, sizeof(s1)), "alone and batched raised different alerts");
	for (int c = 1; c < CLASS_N; c++)
		FUZZ_CHECK(s1.starts[c] == s1.ends[c], "class %d: %u episodes opened, %u closed", c,
			   s1.starts[c], s1.ends[c]);
	engine_free(one);
	engine_free(batch);
	modelswap_free(h);
	return 0;
}
