/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz.h - what every libFuzzer target shares (tests/fuzz/README.md).
 *
 * A target is one tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput(). Sanitizer
 * reports, leaks and timeouts are findings by themselves; FUZZ_CHECK() turns a broken
 * contract (a property the headers promise) into one too.
 */
#ifndef NAD_FUZZ_H
#define NAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                               \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: contract broken: %s: ", __FILE__, __LINE__, \
				#cond);                                                     \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
			abort();                                                            \
		}                                                                           \
	} while (0)

#endif /* NAD_FUZZ_H */
