/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * modelimg.h - model file images built around any payload, for tests and fuzz targets:
 * the 40-byte header of models/README.md with the lengths and both CRCs right, so a
 * crafted payload reaches the parser behind the checksums.
 */
#ifndef NAD_MODELIMG_H
#define NAD_MODELIMG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Compresses payload[plen] (zlib, level) into a malloc'd file image *img of *len bytes
 * whose header claims plen_claim payload bytes (plen for an honest one) and carries the
 * CRC of the payload and of the file. Returns 0 or -ENOMEM.
 */
int modelimg_wrap(const void *payload, size_t plen, uint64_t plen_claim, int level, void **img,
		  size_t *len);

/* Recomputes the file CRC (bytes 36..39) of an image of len >= 40 bytes. */
void modelimg_fix_crc(void *img, size_t len);

#endif /* NAD_MODELIMG_H */
