// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_model.c - the model-file loader on a file image as is: header, lengths, both
 * checksums, decompression, then the payload parser (rarely reached: fuzz_model_payload
 * gets there every time).
 */
#include <cblas.h>

#include "fuzz.h"
#include "fuzz/modelcheck.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	openblas_set_num_threads(1); /* small matrices: OpenBLAS's threads would only spin */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	modelcheck_load(data, size, NULL, 0);
	return 0;
}
