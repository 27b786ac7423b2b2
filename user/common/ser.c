// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/ser.h"

void ser_writer_init(struct ser_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void ser_writer_release(struct ser_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* Returns where n more bytes go, or NULL with w->err latched. */
static uint8_t *reserve(struct ser_writer *w, size_t n)
{
	if (w->err)
		return NULL;
	if (n > SIZE_MAX - w->len) {
		w->err = -ENOMEM;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *nb;

		while (cap < w->len + n) {
			if (cap > SIZE_MAX / 2) {
				w->err = -ENOMEM;
				return NULL;
			}
			cap *= 2;
		}
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	w->len += n;
	return w->buf + w->len - n;
}

static void put_le(struct ser_writer *w, uint64_t v, int n)
{
	uint8_t *p = reserve(w, n);

	if (!p)
		return;
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void ser_put_u8(struct ser_writer *w, uint8_t v)
{
	put_le(w, v, 1);
}

void ser_put_u16(struct ser_writer *w, uint16_t v)
{
	put_le(w, v, 2);
}

void ser_put_u32(struct ser_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}

void ser_put_u64(struct ser_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

void ser_put_f32(struct ser_writer *w, float v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	put_le(w, u, 4);
}

void ser_put_f64(struct ser_writer *w, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	put_le(w, u, 8);
}

void ser_put_f32s(struct ser_writer *w, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ser_put_f32(w, v[i]);
}

void ser_put_bytes(struct ser_writer *w, const void *buf, size_t n)
{
	uint8_t *p = reserve(w, n);

	if (p && n)
		memcpy(p, buf, n);
}

void ser_put_str(struct ser_writer *w, const char *s)
{
	size_t n = strlen(s);
	uint8_t *p;

	if (n > UINT16_MAX) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	ser_put_u16(w, (uint16_t)n);
	p = reserve(w, n);
	if (p)
		memcpy(p, s, n);
}

void ser_reader_init(struct ser_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->err = 0;
}

static const uint8_t *take(struct ser_reader *r, size_t n)
{
	if (r->err)
		return NULL;
	if (n > r->len - r->pos) {
		r->err = -EBADMSG;
		return NULL;
	}
	r->pos += n;
	return r->buf + r->pos - n;
}

static uint64_t get_le(struct ser_reader *r, int n)
{
	const uint8_t *p = take(r, n);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t ser_get_u8(struct ser_reader *r)
{
	return (uint8_t)get_le(r, 1);
}

uint16_t ser_get_u16(struct ser_reader *r)
{
	return (uint16_t)get_le(r, 2);
}

uint32_t ser_get_u32(struct ser_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t ser_get_u64(struct ser_reader *r)
{
	return get_le(r, 8);
}

float ser_get_f32(struct ser_reader *r)
{
	uint32_t u = (uint32_t)get_le(r, 4);
	float v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

double ser_get_f64(struct ser_reader *r)
{
	uint64_t u = get_le(r, 8);
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

void ser_get_f32s(struct ser_reader *r, float *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = ser_get_f32(r);
		if (!isfinite(out[i]) && !r->err)
			r->err = -EBADMSG;
	}
}

char *ser_get_str(struct ser_reader *r)
{
	size_t n = ser_get_u16(r);
	const uint8_t *p = take(r, n);
	char *s;

	if (!p)
		return NULL;
	if (memchr(p, 0, n)) {
		r->err = -EBADMSG;
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		r->err = -ENOMEM;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}
