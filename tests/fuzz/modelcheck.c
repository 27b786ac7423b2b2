// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include <zlib.h>

#include "fuzz.h"
#include "fuzz/modelcheck.h"
#include "ml/modelset.h"

#define ROWS 20

static void check_scores(const struct modelset *m)
{
	float X[ROWS * 255], mae[ROWS], ifs[ROWS];
	struct modelset_scratch *s;
	size_t d = modelset_dim(m);

	/* Rows around the scaler's centre and far out. */
	for (size_t i = 0; i < ROWS * d; i++)
		X[i] = (float)((int)(i % 7) - 3) * (i % 5 == 0 ? 1e6f : 1.0f);
	s = modelset_scratch_new(m);
	if (!s)
		return;
	modelset_score(m, X, ROWS, s, mae, ifs);
	for (int i = 0; i < ROWS; i++)
		FUZZ_CHECK(ifs[i] >= -1 && ifs[i] <= 0, "forest score %g", ifs[i]);
	modelset_scratch_free(s);
}

/* The payload of a saved image equals payload[plen]. */
static void check_payload(const uint8_t *img, size_t len, const void *payload, size_t plen)
{
	uLongf got = plen;
	uint8_t *p = malloc(plen ? plen : 1);

	FUZZ_CHECK(p, "out of memory");
	FUZZ_CHECK(uncompress(p, &got, img + 40, len - 40) == Z_OK && got == plen,
		   "the saved payload is not the %zu bytes loaded", plen);
	FUZZ_CHECK(!memcmp(p, payload, plen), "the saved payload differs from the one loaded");
	free(p);
}

void modelcheck_load(const void *img, size_t len, const void *payload, size_t plen)
{
	struct modelset *m, *again;
	size_t d, len2, len3;
	void *img2, *img3;
	char err[256];

	m = modelset_load_mem(img, len, 0, err, sizeof(err));
	if (!m) {
		FUZZ_CHECK(errno == EBADMSG || errno == EPROTONOSUPPORT || errno == ENOMEM,
			   "errno %d", errno);
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "reason '%s'", err);
		return;
	}
	d = modelset_dim(m);
	FUZZ_CHECK(d >= 1 && d <= 255, "%zu features", d);
	check_scores(m);
	FUZZ_CHECK(modelset_save_mem(m, &img2, &len2) == 0, "save failed");
	if (payload)
		check_payload(img2, len2, payload, plen);
	again = modelset_load_mem(img2, len2, d, err, sizeof(err));
	FUZZ_CHECK(again, "the saved image does not load: %s", err);
	FUZZ_CHECK(modelset_save_mem(again, &img3, &len3) == 0, "save failed");
	FUZZ_CHECK(len3 == len2 && !memcmp(img2, img3, len2), "save -> load -> save differs");
	free(img3);
	modelset_free(again);
	free(img2);
	modelset_free(m);
}
