// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ml/default_model.c - models/default.model embedded in the binary, so nadxdp
 * detects with no installed model. Rebuilt when the file changes (Makefile).
 * scripts/make-default-model.sh makes the file.
 */
__asm__(".section .rodata\n"
	".global nad_default_model\n"
	".global nad_default_model_end\n"
	".balign 16\n"
	"nad_default_model:\n"
	".incbin \"models/default.model\"\n"
	"nad_default_model_end:\n"
	".byte 0\n"
	".previous\n");
