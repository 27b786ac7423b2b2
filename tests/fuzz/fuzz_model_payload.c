// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_model_payload.c - the model-file loader behind its checksums.
 *
 * Input: the uncompressed payload (models/README.md). It is compressed and given a header
 * whose lengths and both CRCs are right (tests/modelimg.c), so every mutation reaches the
 * payload parser: the names, the header fields, the scaler, the autoencoder's shape and
 * weights, the forest's trees.
 */
#include <cblas.h>

#include "fuzz.h"
#include "fuzz/modelcheck.h"
#include "helpers/modelimg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	openblas_set_num_threads(1); /* small matrices: OpenBLAS's threads would only spin */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	void *img;

	if (modelimg_wrap(data, size, size, 1, &img, &len))
		return 0;
	modelcheck_load(img, len, data, size);
	free(img);
	return 0;
}
