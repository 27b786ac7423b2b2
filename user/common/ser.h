/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/ser.h - little-endian, fixed-width serialisation into a growable buffer
 * and out of a bounded one. The model file's payload is written with these,
 * never as raw struct dumps, so it reads the same on any host.
 *
 * Writers latch the first failure (-ENOMEM) in w->err; readers latch -EBADMSG
 * when a read would run past the end or a value is out of range, so callers
 * check once at the end of a section. Floats travel as their IEEE-754 bits.
 */
#ifndef NAD_SER_H
#define NAD_SER_H

#include <stddef.h>
#include <stdint.h>

struct ser_writer {
	uint8_t *buf;
	size_t len, cap;
	int err;
};

struct ser_reader {
	const uint8_t *buf;
	size_t len, pos;
	int err;
};

/* Frees w's buffer; the writer may be reused after ser_writer_init(). */
void ser_writer_init(struct ser_writer *w);
void ser_writer_release(struct ser_writer *w);

void ser_put_u8(struct ser_writer *w, uint8_t v);
void ser_put_u16(struct ser_writer *w, uint16_t v);
void ser_put_u32(struct ser_writer *w, uint32_t v);
void ser_put_u64(struct ser_writer *w, uint64_t v);
void ser_put_f32(struct ser_writer *w, float v);
void ser_put_f64(struct ser_writer *w, double v);
void ser_put_f32s(struct ser_writer *w, const float *v, size_t n);
/* n bytes as they are (a section written by another writer). */
void ser_put_bytes(struct ser_writer *w, const void *buf, size_t n);
/* A u16 length, then the bytes (no terminator). Strings over 65535 bytes set -EINVAL. */
void ser_put_str(struct ser_writer *w, const char *s);

void ser_reader_init(struct ser_reader *r, const void *buf, size_t len);

uint8_t ser_get_u8(struct ser_reader *r);
uint16_t ser_get_u16(struct ser_reader *r);
uint32_t ser_get_u32(struct ser_reader *r);
uint64_t ser_get_u64(struct ser_reader *r);
float ser_get_f32(struct ser_reader *r);
double ser_get_f64(struct ser_reader *r);
/* Reads n floats into out; non-finite values set -EBADMSG. */
void ser_get_f32s(struct ser_reader *r, float *out, size_t n);
/* Returns a malloc'd NUL-terminated copy, or NULL with r->err set. */
char *ser_get_str(struct ser_reader *r);

#endif /* NAD_SER_H */
