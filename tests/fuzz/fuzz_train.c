// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_train.c - training from a CSV file, as `nadxdp train --features` does, on a
 * network small enough to train thousands of times a minute.
 *
 * Input: the text of a CSV file. Tables the reader accepts with at least
 * MODELSET_MIN_ROWS rows and at most 16 columns are trained on (2 hidden layers of 4,
 * 3 epochs, 4 trees). Training either fails with EINVAL or ERANGE, or gives a model that
 * saves and loads again with the same thresholds and scores: never a file the loader
 * refuses, and never one that depends on memory nobody wrote (issue 15): training twice
 * gives the same file.
 */
#include <errno.h>
#include <string.h>

#include <cblas.h>

#include "common/csv.h"
#include "fuzz.h"
#include "ml/modelset.h"

#define MAX_COLS 16
#define MAX_ROWS 2000

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	openblas_set_num_threads(1); /* small matrices: OpenBLAS's threads would only spin */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modelset_scratch *s1 = NULL, *s2 = NULL;
	struct modelset *m = NULL, *back = NULL, *again;
	float mae1[MAX_ROWS], mae2[MAX_ROWS], if1[MAX_ROWS], if2[MAX_ROWS];
	struct modelset_opts o;
	struct csv_table t;
	char err[256];
	size_t len, len2, n;
	void *img, *img2;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	if (csv_read(f, &t, err, sizeof(err))) {
		fclose(f);
		return 0;
	}
	fclose(f);
	n = t.n_rows < MAX_ROWS ? t.n_rows : MAX_ROWS;
	if (n < MODELSET_MIN_ROWS || t.n_cols > MAX_COLS)
		goto out;
	modelset_opts_default(&o);
	o.ae.n_hidden = 2;
	o.ae.hidden[0] = o.ae.hidden[1] = 4;
	o.ae.epochs = 3;
	o.forest.n_trees = 4;
	o.trained_unix_s = 1700000000;
	m = modelset_train(t.data, n, t.n_cols, (const char *const *)t.names, &o, NULL, NULL);
	if (!m) {
		FUZZ_CHECK(errno == EINVAL || errno == ERANGE, "training failed with errno %d",
			   errno);
		goto out;
	}
	FUZZ_CHECK(modelset_save_mem(m, &img, &len) == 0, "save failed");
	/* The same rows and seed give the same file. */
	again = modelset_train(t.data, n, t.n_cols, (const char *const *)t.names, &o, NULL, NULL);
	FUZZ_CHECK(again, "the second training failed: errno %d", errno);
	FUZZ_CHECK(modelset_save_mem(again, &img2, &len2) == 0, "save failed");
	FUZZ_CHECK(len2 == len && !memcmp(img, img2, len), "two trainings gave two files");
	free(img2);
	modelset_free(again);
	back = modelset_load_mem(img, len, t.n_cols, err, sizeof(err));
	free(img);
	FUZZ_CHECK(back, "a trained model is refused by the loader: %s", err);
	FUZZ_CHECK(modelset_ae_threshold(back) == modelset_ae_threshold(m) &&
			   modelset_ae_extreme(back) == modelset_ae_extreme(m) &&
			   modelset_if_threshold(back) == modelset_if_threshold(m),
		   "thresholds changed in save -> load");
	s1 = modelset_scratch_new(m);
	s2 = modelset_scratch_new(back);
	FUZZ_CHECK(s1 && s2, "out of memory");
	modelset_score(m, t.data, n, s1, mae1, if1);
	modelset_score(back, t.data, n, s2, mae2, if2);
	FUZZ_CHECK(!memcmp(mae1, mae2, n * sizeof(float)) && !memcmp(if1, if2, n * sizeof(float)),
		   "scores changed in save -> load");
out:
	modelset_scratch_free(s1);
	modelset_scratch_free(s2);
	modelset_free(back);
	modelset_free(m);
	csv_table_release(&t);
	return 0;
}
