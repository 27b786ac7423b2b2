/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/ring.h - the live record stream: nad_events ring buffer to a callback,
 * and the kernel's per-CPU counters summed (nad_stats, nad_src): the one place that
 * adds up per-CPU values.
 *
 * The kernel batches wake-ups (it submits with BPF_RB_NO_WAKEUP but for one
 * record per 1 << nad_wakeup_shift bytes, 64 KiB), so capture_poll() always
 * drains what is there after waiting: the poll timeout bounds the latency of
 * a quiet link.
 */
#ifndef NAD_CAPTURE_H
#define NAD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

/* Called once per record; rec is valid only during the call. */
typedef void (*capture_record_fn)(const struct nad_rec *rec, void *ctx);

struct capture;

/* What the stream delivered so far. */
struct capture_totals {
	uint64_t n_records;
	uint64_t n_weight; /* sum of the records' weights: packets they stand for */
};

/*
 * events_fd: the nad_events ring buffer; stats_fd: the nad_stats per-CPU
 * array (-1 if capture_read_stats() is not wanted). Returns NULL and sets
 * errno on failure.
 */
struct capture *capture_new(int events_fd, int stats_fd, capture_record_fn on_record, void *ctx);
void capture_free(struct capture *cap);

/*
 * Waits up to timeout_ms for a wake-up, then delivers every record in the
 * ring. Returns the number delivered, or a negative errno; -EINTR (a
 * signal) is a normal stop.
 */
int capture_poll(struct capture *cap, int timeout_ms);

/* Delivers what is in the ring without waiting. Same returns as capture_poll(). */
int capture_drain(struct capture *cap);

void capture_get_totals(const struct capture *cap, struct capture_totals *out);

/* Sums the per-CPU nad_stats of cap into *out. Returns 0 or a negative errno. */
int capture_read_stats(const struct capture *cap, struct nad_stats *out);

/* The same for any nad_stats map fd (a pinned one, for `nadxdp status`). */
int capture_read_stats_fd(int stats_fd, struct nad_stats *out);

/* One source of the kernel's nad_src map, its per-CPU counters summed. */
struct capture_source {
	struct nad_src_key key;
	struct nad_src_stats st;
};

/*
 * Reads every entry of the nad_src map src_fd into a malloc'd array (*out, the caller
 * frees it) sorted by packets, most first. The LRU may change under the walk; it is
 * bounded so it always ends. Returns 0 or a negative errno.
 */
int capture_read_sources(int src_fd, struct capture_source **out, size_t *n_out);

#endif /* NAD_CAPTURE_H */
