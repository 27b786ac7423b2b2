/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report/outputs.h - where EVE lines go: a list of outputs, written all at once.
 *
 * Kinds (Suricata's EVE filetypes: regular, syslog, unix_stream, redis):
 *   file    appended to a path, flushed per line. outputs_reopen() closes it and opens the
 *           path again: logrotate renames the file and sends SIGHUP, the lines written
 *           before the reopen are in the renamed file, the rest in the new one, none lost.
 *   stream  an open FILE * (stdout), flushed per line, never closed.
 *           A file or stream line that cannot be written (a full disk, a closed pipe) loses
 *           that line only: the first failure is said once (pr_warn, naming the path), a
 *           partial line is cut off a regular file again, later lines keep trying, and the
 *           first one written again says how many were lost.
 *   syslog  one datagram per line to a local syslog socket (/dev/log), in the form glibc's
 *           syslog(3) sends it: "<PRI>Mmm dd hh:mm:ss ident[pid]: line". Sent without
 *           waiting: a full socket or an absent syslog daemon drops the line (counted);
 *           the socket is connected again (at most once a second) when the daemon behind
 *           it restarted.
 *   unix    newline-separated lines to a unix stream socket someone listens on (e.g.
 *           Suricata's unix_stream reader, Vector's or Logstash's socket input).
 *   redis   one command per line through hiredis, as Suricata's EVE Redis output: LPUSH
 *           or RPUSH onto a list, or PUBLISH on a channel, named key; over TCP or a unix
 *           socket.
 * unix and redis are written by a thread of their own from a bounded queue: the caller
 * only copies the line into it; a full queue drops the line (counted). While the peer is
 * away lines queue up and the thread connects again with backoff (0.1 s, doubling up to
 * 5 s); a line in hand when the connection broke is sent again on the next one.
 *
 * Threads: outputs_write, outputs_reopen and outputs_free from one thread (the one that
 * writes the events); outputs_stats from any.
 */
#ifndef NAD_REPORT_OUTPUTS_H
#define NAD_REPORT_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum output_kind {
	OUTPUT_FILE,
	OUTPUT_STREAM,
	OUTPUT_SYSLOG,
	OUTPUT_UNIX,
	OUTPUT_REDIS,
};

enum output_redis_mode {
	OUTPUT_REDIS_LPUSH, /* Suricata's "list" (its default) */
	OUTPUT_REDIS_RPUSH,
	OUTPUT_REDIS_PUBLISH, /* Suricata's "channel" */
};

#define OUTPUT_QUEUE_DEFAULT 4096
#define OUTPUT_QUEUE_MAX 1000000
#define OUTPUT_DRAIN_MS 2000 /* how long a run's end waits for queued lines */
#define OUTPUT_TARGET_LEN 128

struct output_spec {
	enum output_kind kind;
	const char *path; /* file; syslog socket (NULL: /dev/log); unix socket; redis over a
			     unix socket (NULL: host and port) */
	FILE *stream; /* stream: not closed */
	const char *host; /* redis over TCP (NULL: 127.0.0.1) */
	unsigned port; /* redis over TCP (0: 6379) */
	const char *key; /* redis list or channel (NULL: "nadxdp") */
	enum output_redis_mode redis_mode;
	unsigned facility; /* syslog facility number, 0-23 (RFC 5424: 1 user, 16-23 local0-7) */
	unsigned severity; /* syslog severity, 0-7 (6 info) */
	const char *ident; /* syslog tag (NULL: "nadxdp") */
	unsigned queue_len; /* unix, redis: lines waiting at most (0: OUTPUT_QUEUE_DEFAULT) */
};

/* One output's figures since it was added. */
struct output_stats {
	const char *kind; /* "file", "stream", "syslog", "unix", "redis" */
	char target[OUTPUT_TARGET_LEN]; /* the path, "host:port", "stdout" */
	uint64_t n_written; /* lines delivered (written, sent, acknowledged) */
	uint64_t n_dropped; /* lines lost: queue full, socket full, write or command error */
	uint64_t n_reconnects; /* connections made after the first */
	uint64_t n_queued; /* lines waiting now */
	bool up; /* open or connected now */
};

struct outputs;

/* An empty list; NULL + errno. */
struct outputs *outputs_new(void);

/*
 * Adds an output. A file is opened now (0 or -errno, nothing added on failure); a socket
 * output connects in the background, so a peer that is not there yet is not an error.
 * -EINVAL for a spec without what its kind needs, -ENOMEM, or pthread_create's error.
 */
int outputs_add(struct outputs *o, const struct output_spec *s);

/* How many outputs there are. */
size_t outputs_count(const struct outputs *o);

/* Hands one line (len bytes, no newline) to every output; never waits for a socket. */
void outputs_write(struct outputs *o, const char *line, size_t len);

/*
 * Closes and reopens every file output by its path. 0, or the first -errno (that output
 * then drops its lines until a later reopen succeeds).
 */
int outputs_reopen(struct outputs *o);

/* The figures of the first n outputs, in the order added, into st. Returns how many. */
size_t outputs_stats(struct outputs *o, struct output_stats *st, size_t n);

/*
 * Waits up to timeout_ms for the queued lines of the unix and redis outputs to be
 * delivered. True if nothing is left waiting.
 */
bool outputs_drain(struct outputs *o, unsigned timeout_ms);

/*
 * Stops the threads at once (lines still queued are dropped: call outputs_drain first),
 * closes what it opened. NULL-safe.
 */
void outputs_free(struct outputs *o);

#endif /* NAD_REPORT_OUTPUTS_H */
