// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ml/modelset.h"
#include "helpers/modelimg.h"

#define HDR 40

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

void modelimg_fix_crc(void *img, size_t len)
{
	uint8_t *p = img;
	uLong c = crc32(0, p, 36);

	le32(p + 36, (uint32_t)crc32(c, p + HDR, (uInt)(len - HDR)));
}

int modelimg_wrap(const void *payload, size_t plen, uint64_t plen_claim, int level, void **img,
		  size_t *len)
{
	uLongf clen = compressBound(plen);
	uint8_t *p = malloc(HDR + clen);

	if (!p)
		return -ENOMEM;
	if (compress2(p + HDR, &clen, payload, plen, level) != Z_OK) {
		free(p);
		return -ENOMEM;
	}
	memcpy(p, "NADXDPM\n", 8);
	le32(p + 8, MODELSET_FORMAT_VERSION);
	le32(p + 12, 0);
	le64(p + 16, plen_claim);
	le64(p + 24, clen);
	le32(p + 32, (uint32_t)crc32(0, payload, (uInt)plen));
	modelimg_fix_crc(p, HDR + clen);
	*img = p;
	*len = HDR + clen;
	return 0;
}
