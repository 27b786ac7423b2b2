// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report/outputs.c - EVE outputs (contract in outputs.h).
 *
 * The socket outputs keep detection from waiting on a peer: the caller's only cost is a
 * copy into a bounded queue, and a thread per output connects, sends and reconnects. The
 * syslog output needs no thread: a datagram to a local socket is sent without waiting or
 * dropped. <syslog.h> is not included: its LOG_* names collide with common/log.h's, and
 * the numbers are RFC 5424's anyway.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <hiredis/hiredis.h>

#include "common/log.h"
#include "report/outputs.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define WRITER_BATCH 256 /* lines a writer takes from its queue at once */
#define SEND_TIMEOUT_MS 200 /* unix: a blocked send wakes this often to see a stop */
#define REDIS_TIMEOUT_MS 2000 /* redis: connect and command timeout */
#define SYSLOG_RETRY_NS 1000000000ull /* syslog: at most one connect attempt a second */

struct line {
	char *s; /* the line and a newline (unix sends it; redis does not) */
	size_t len; /* without the newline */
};

/* A threaded output's queue: a ring of lines, under mu. */
struct queue {
	pthread_mutex_t mu;
	pthread_cond_t wake; /* a line came, or stop */
	pthread_cond_t idle; /* nothing queued and nothing in hand */
	struct line *ring;
	unsigned cap, head, n; /* n + in_hand <= cap */
	unsigned in_hand; /* lines the writer took and has not settled yet */
	atomic_bool stop; /* give up on what is left and end */
};

struct output {
	enum output_kind kind;
	char target[OUTPUT_TARGET_LEN];
	char *path, *host, *key, *ident;
	unsigned port, pri;
	enum output_redis_mode redis_mode;
	FILE *f;
	int fd; /* syslog, unix */
	redisContext *rc;
	uint64_t next_try_ns; /* syslog: no connect attempt before */
	bool ever_up, warned; /* connected once; the loss or failure was logged */
	int write_err; /* file, stream: while writes fail, the errno of the last failure */
	uint64_t n_lost; /* file, stream: lines lost since writes began to fail */
	bool has_thread;
	pthread_t thr;
	struct queue q;
	atomic_uint_fast64_t n_written, n_dropped, n_reconnects;
	atomic_bool up;
};

struct outputs {
	struct output **v;
	size_t n;
};

static const char *const kind_names[] = {
	[OUTPUT_FILE] = "file", [OUTPUT_STREAM] = "stream", [OUTPUT_SYSLOG] = "syslog",
	[OUTPUT_UNIX] = "unix", [OUTPUT_REDIS] = "redis",
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void drop(struct output *out, uint64_t n)
{
	atomic_fetch_add(&out->n_dropped, n);
}

/* The connection came up: counted, and said when it had been lost or refused. */
static void went_up(struct output *out)
{
	if (out->ever_up)
		atomic_fetch_add(&out->n_reconnects, 1);
	if (out->warned)
		pr_info("EVE output %s %s: connected\n", kind_names[out->kind], out->target);
	out->ever_up = true;
	out->warned = false;
	atomic_store(&out->up, true);
}

/* A connect failed or a connection broke: said once until it is up again. */
static void went_down(struct output *out, const char *why)
{
	atomic_store(&out->up, false);
	if (out->warned)
		return;
	out->warned = true;
	pr_warn("EVE output %s %s: %s %s; %s\n", kind_names[out->kind], out->target,
		out->ever_up ? "connection lost:" : "cannot connect:", why,
		out->kind == OUTPUT_SYSLOG ? "its lines are dropped until it is back" :
					     "lines queue while it is retried");
}

static int unix_connect(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* ---- file and stream ---------------------------------------------------------------------- */

/*
 * One line, flushed. A line that cannot be written (a full disk, a closed pipe) costs that
 * line, never the run: the part of it that reached a regular file is cut off again, so the
 * log stays whole lines, and the failure is said once; the next line tries again, and the
 * first one written says how many were lost. A file a reopen could not open drops its
 * lines (the reopen said so).
 */
static void stream_write(struct output *out, const char *line, size_t len)
{
	const char *name = out->path ? out->path : out->target; /* target may be cut short */
	struct stat st;
	off_t start;
	int err;

	if (!out->f) {
		drop(out, 1);
		return;
	}
	start = !fstat(fileno(out->f), &st) && S_ISREG(st.st_mode) ? st.st_size : -1;
	errno = 0;
	if (fwrite(line, 1, len, out->f) == len && fputc('\n', out->f) != EOF && !fflush(out->f) &&
	    !ferror(out->f)) {
		if (out->write_err)
			pr_warn("Writing %s again (%llu events lost)\n", name,
				(unsigned long long)out->n_lost);
		out->write_err = 0;
		out->n_lost = 0;
		atomic_fetch_add(&out->n_written, 1);
		return;
	}
	err = errno ? errno : EIO;
	clearerr(out->f);
	if (start >= 0 && ftruncate(fileno(out->f), start))
		pr_debug("Failed to cut a partial line off %s: %s\n", name, strerror(errno));
	if (!out->write_err)
		pr_warn("Failed to write %s: %s; detection goes on, events are lost until it "
			"can be written again\n",
			name, strerror(err));
	out->write_err = err;
	out->n_lost++;
	drop(out, 1);
}

/* ---- syslog ----------------------------------------------------------------------------------- */

static int syslog_connect(struct output *out)
{
	uint64_t now = mono_ns();
	int fd;

	if (now < out->next_try_ns)
		return -EAGAIN;
	out->next_try_ns = now + SYSLOG_RETRY_NS;
	fd = unix_connect(out->path, SOCK_DGRAM);
	if (fd < 0) {
		went_down(out, strerror(-fd));
		return fd;
	}
	out->fd = fd;
	went_up(out);
	return 0;
}

static void syslog_write(struct output *out, const char *line, size_t len)
{
	char head[128];
	time_t t = time(NULL);
	struct tm tm;
	size_t n;

	localtime_r(&t, &tm);
	n = (size_t)snprintf(head, sizeof(head), "<%u>", out->pri);
	n += strftime(head + n, sizeof(head) - n, "%b %e %H:%M:%S ", &tm);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "%s[%d]: ", out->ident, (int)getpid());
	if (n >= sizeof(head))
		n = sizeof(head) - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct iovec iov[2] = { { head, n }, { (void *)line, len } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if (out->fd < 0 && syslog_connect(out))
			break;
		if (sendmsg(out->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			atomic_fetch_add(&out->n_written, 1);
			return;
		}
		if (errno != ECONNREFUSED && errno != ENOTCONN && errno != ENOENT &&
		    errno != ECONNRESET && errno != EPIPE)
			break; /* a full socket (EAGAIN), a line too long: this line is lost */
		/* The syslog daemon restarted: its socket is a new one; try it once now. */
		went_down(out, strerror(errno));
		close(out->fd);
		out->fd = -1;
		out->next_try_ns = 0;
	}
	drop(out, 1);
}

/* ---- the writer thread of unix and redis ------------------------------------------------- */

static bool stopping(struct output *out)
{
	return atomic_load(&out->q.stop);
}

static void disconnect(struct output *out)
{
	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	redisFree(out->rc);
	out->rc = NULL;
}

static int sock_connect(struct output *out)
{
	struct timeval tv = { .tv_usec = SEND_TIMEOUT_MS * 1000 };
	int fd = unix_connect(out->path, SOCK_STREAM);

	if (fd < 0) {
		went_down(out, strerror(-fd));
		return fd;
	}
	/* A peer that stops reading must not hold the writer past a stop. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	out->fd = fd;
	went_up(out);
	return 0;
}

static int redis_connect(struct output *out)
{
	struct timeval tv = { .tv_sec = REDIS_TIMEOUT_MS / 1000,
			      .tv_usec = REDIS_TIMEOUT_MS % 1000 * 1000 };
	redisContext *rc = out->path ? redisConnectUnixWithTimeout(out->path, tv) :
				       redisConnectWithTimeout(out->host, (int)out->port, tv);

	if (!rc || rc->err) {
		went_down(out, rc ? rc->errstr : "out of memory");
		redisFree(rc);
		return -ECONNREFUSED;
	}
	redisSetTimeout(rc, tv);
	out->rc = rc;
	went_up(out);
	return 0;
}

/*
 * Sends b[0..nb) (each with its newline) on the unix socket. Returns how many went out
 * whole; *err is 0 when all did, else why the rest did not (the connection is closed).
 */
static unsigned unix_send(struct output *out, const struct line *b, unsigned nb, int *err)
{
	struct iovec iov[WRITER_BATCH];
	unsigned first = 0;
	size_t off = 0; /* bytes of b[first] already sent */

	*err = 0;
	while (first < nb) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = nb - first };
		size_t left;
		ssize_t r;

		for (unsigned i = first; i < nb; i++) {
			iov[i - first].iov_base = b[i].s + (i == first ? off : 0);
			iov[i - first].iov_len = b[i].len + 1 - (i == first ? off : 0);
		}
		r = sendmsg(out->fd, &mh, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) &&
		    !stopping(out))
			continue;
		if (r < 0) {
			*err = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			break;
		}
		for (left = (size_t)r; left && first < nb;) {
			size_t rem = b[first].len + 1 - off;

			if (left < rem) {
				off += left;
				break;
			}
			left -= rem;
			first++;
			off = 0;
		}
	}
	atomic_fetch_add(&out->n_written, first);
	if (*err) {
		went_down(out, strerror(-*err));
		disconnect(out);
	}
	return first;
}

/*
 * Sends b[0..nb) as pipelined commands. Returns how many were answered (an error answer,
 * such as WRONGTYPE, drops its line); *err as for unix_send.
 */
static unsigned redis_send(struct output *out, const struct line *b, unsigned nb, int *err)
{
	static const char *const cmds[] = { [OUTPUT_REDIS_LPUSH] = "LPUSH",
					    [OUTPUT_REDIS_RPUSH] = "RPUSH",
					    [OUTPUT_REDIS_PUBLISH] = "PUBLISH" };
	const char *argv[3] = { cmds[out->redis_mode], out->key };
	size_t lens[3] = { strlen(argv[0]), strlen(out->key) };
	unsigned i;

	*err = 0;
	for (i = 0; i < nb; i++) {
		argv[2] = b[i].s;
		lens[2] = b[i].len;
		if (redisAppendCommandArgv(out->rc, 3, argv, lens) != REDIS_OK) {
			*err = -ENOMEM;
			went_down(out, out->rc->errstr);
			disconnect(out);
			return 0;
		}
	}
	for (i = 0; i < nb; i++) {
		redisReply *r;

		if (redisGetReply(out->rc, (void **)&r) != REDIS_OK) {
			*err = -EIO;
			went_down(out, out->rc->errstr);
			disconnect(out);
			break;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			pr_debug("EVE output redis %s: %s\n", out->target, r->str);
			drop(out, 1);
		} else {
			atomic_fetch_add(&out->n_written, 1);
		}
		freeReplyObject(r);
	}
	return i;
}

/* Waits ms, or less if the output is stopped. */
static void backoff_wait(struct output *out, unsigned ms)
{
	uint64_t until = mono_ns() + (uint64_t)ms * 1000000ull;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
			       .tv_nsec = (long)(until % 1000000000ull) };

	pthread_mutex_lock(&out->q.mu);
	while (!stopping(out) && mono_ns() < until)
		pthread_cond_timedwait(&out->q.wake, &out->q.mu, &ts);
	pthread_mutex_unlock(&out->q.mu);
}

/*
 * The lines to send next: b[0..nb) again when some are still in hand (a failed connect or
 * send), else up to WRITER_BATCH from the queue, waiting while there are none. Returns
 * their count, or 0 when stopped (what was left is then counted as dropped).
 */
static unsigned take(struct output *out, struct line *b, unsigned nb)
{
	struct queue *q = &out->q;

	pthread_mutex_lock(&q->mu);
	q->in_hand = nb;
	if (!nb && !q->n)
		pthread_cond_broadcast(&q->idle);
	while (!nb && !q->n && !stopping(out))
		pthread_cond_wait(&q->wake, &q->mu);
	if (stopping(out)) {
		drop(out, nb + q->n);
		for (unsigned i = 0; i < nb; i++)
			free(b[i].s);
		for (; q->n; q->n--, q->head = (q->head + 1) % q->cap)
			free(q->ring[q->head].s);
		q->in_hand = 0;
		pthread_cond_broadcast(&q->idle);
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	if (!nb) {
		for (; nb < WRITER_BATCH && q->n; q->n--, q->head = (q->head + 1) % q->cap)
			b[nb++] = q->ring[q->head];
	}
	q->in_hand = nb;
	pthread_mutex_unlock(&q->mu);
	return nb;
}

static void *writer(void *arg)
{
	struct output *out = arg;
	struct line b[WRITER_BATCH];
	unsigned nb = 0, backoff = BACKOFF_MIN_MS, sent;
	int err;

	while ((nb = take(out, b, nb))) {
		bool connected = out->kind == OUTPUT_REDIS ? out->rc != NULL : out->fd >= 0;

		if (!connected &&
		    (out->kind == OUTPUT_REDIS ? redis_connect(out) : sock_connect(out))) {
			backoff_wait(out, backoff);
			backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 : BACKOFF_MAX_MS;
			continue;
		}
		backoff = BACKOFF_MIN_MS;
		sent = out->kind == OUTPUT_REDIS ? redis_send(out, b, nb, &err) :
						   unix_send(out, b, nb, &err);
		for (unsigned i = 0; i < sent; i++)
			free(b[i].s);
		memmove(b, b + sent, (nb - sent) * sizeof(*b));
		nb -= sent;
	}
	disconnect(out);
	atomic_store(&out->up, false);
	return NULL;
}

static void enqueue(struct output *out, const char *line, size_t len)
{
	struct queue *q = &out->q;
	char *s = malloc(len + 1);

	if (!s) {
		drop(out, 1);
		return;
	}
	memcpy(s, line, len);
	s[len] = '\n';
	pthread_mutex_lock(&q->mu);
	if (q->n + q->in_hand >= q->cap) { /* the lines in hand count: at most cap wait */
		pthread_mutex_unlock(&q->mu);
		free(s);
		drop(out, 1);
		return;
	}
	q->ring[(q->head + q->n) % q->cap] = (struct line){ s, len };
	q->n++;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
}

/* The queue and the writer thread, with every signal blocked (the caller's thread takes
 * them; hiredis's writes may raise SIGPIPE, which then stays pending here). */
static int start_thread(struct output *out, unsigned queue_len)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	out->q.cap = queue_len ? queue_len : OUTPUT_QUEUE_DEFAULT;
	out->q.ring = calloc(out->q.cap, sizeof(*out->q.ring));
	if (!out->q.ring)
		return -ENOMEM;
	pthread_mutex_init(&out->q.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&out->q.wake, &ca);
	pthread_cond_init(&out->q.idle, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&out->thr, NULL, writer, out);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	out->has_thread = true;
	return 0;
}

/* ---- the list ------------------------------------------------------------------------------ */

static void output_free(struct output *out)
{
	if (!out)
		return;
	if (out->has_thread) {
		pthread_mutex_lock(&out->q.mu);
		atomic_store(&out->q.stop, true);
		pthread_cond_broadcast(&out->q.wake);
		pthread_mutex_unlock(&out->q.mu);
		pthread_join(out->thr, NULL);
	}
	if (out->q.ring) {
		pthread_mutex_destroy(&out->q.mu);
		pthread_cond_destroy(&out->q.wake);
		pthread_cond_destroy(&out->q.idle);
		free(out->q.ring);
	}
	disconnect(out);
	if (out->f && out->kind == OUTPUT_FILE)
		fclose(out->f);
	free(out->path);
	free(out->host);
	free(out->key);
	free(out->ident);
	free(out);
}

struct outputs *outputs_new(void)
{
	return calloc(1, sizeof(struct outputs));
}

static char *dup_or(const char *s, const char *fallback)
{
	return strdup(s ? s : fallback);
}

/* The copies of what the spec names, and the target shown in stats. */
static int output_init(struct output *out, const struct output_spec *s)
{
	out->kind = s->kind;
	out->fd = -1;
	switch (s->kind) {
	case OUTPUT_FILE:
	case OUTPUT_UNIX:
		if (!s->path)
			return -EINVAL;
		out->path = strdup(s->path);
		break;
	case OUTPUT_STREAM:
		if (!s->stream)
			return -EINVAL;
		out->f = s->stream;
		snprintf(out->target, sizeof(out->target), "%s",
			 s->stream == stdout ? "stdout" : "stream");
		return 0;
	case OUTPUT_SYSLOG:
		if (s->facility > 23 || s->severity > 7)
			return -EINVAL;
		out->pri = s->facility * 8 + s->severity;
		out->path = dup_or(s->path, "/dev/log");
		out->ident = dup_or(s->ident, "nadxdp");
		if (!out->ident)
			return -ENOMEM;
		break;
	case OUTPUT_REDIS:
		if (s->redis_mode > OUTPUT_REDIS_PUBLISH)
			return -EINVAL;
		out->redis_mode = s->redis_mode;
		out->key = dup_or(s->key, "nadxdp");
		out->port = s->port ? s->port : 6379;
		if (s->path)
			out->path = strdup(s->path);
		else
			out->host = dup_or(s->host, "127.0.0.1");
		if (!out->key || !(out->path || out->host))
			return -ENOMEM;
		if (out->host)
			snprintf(out->target, sizeof(out->target),
				 strchr(out->host, ':') ? "[%s]:%u" : "%s:%u", out->host,
				 out->port);
		break;
	default:
		return -EINVAL;
	}
	if (!out->target[0]) {
		if (!out->path)
			return -ENOMEM;
		snprintf(out->target, sizeof(out->target), "%s", out->path);
	}
	return 0;
}

int outputs_add(struct outputs *o, const struct output_spec *s)
{
	struct output *out = calloc(1, sizeof(*out)), **v;
	int err;

	if (!out)
		return -ENOMEM;
	err = output_init(out, s);
	if (err)
		goto fail;
	if (s->kind == OUTPUT_FILE) {
		out->f = fopen(out->path, "a");
		if (!out->f) {
			err = -errno;
			goto fail;
		}
	}
	if (s->kind == OUTPUT_UNIX || s->kind == OUTPUT_REDIS) {
		if (s->queue_len > OUTPUT_QUEUE_MAX) {
			err = -EINVAL;
			goto fail;
		}
		err = start_thread(out, s->queue_len);
		if (err)
			goto fail;
	}
	atomic_store(&out->up, s->kind == OUTPUT_FILE || s->kind == OUTPUT_STREAM);
	v = realloc(o->v, (o->n + 1) * sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto fail;
	}
	o->v = v;
	o->v[o->n++] = out;
	return 0;
fail:
	output_free(out);
	return err;
}

size_t outputs_count(const struct outputs *o)
{
	return o ? o->n : 0;
}

void outputs_write(struct outputs *o, const char *line, size_t len)
{
	for (size_t i = 0; o && i < o->n; i++) {
		struct output *out = o->v[i];

		switch (out->kind) {
		case OUTPUT_FILE:
		case OUTPUT_STREAM:
			stream_write(out, line, len);
			break;
		case OUTPUT_SYSLOG:
			syslog_write(out, line, len);
			break;
		case OUTPUT_UNIX:
		case OUTPUT_REDIS:
			enqueue(out, line, len);
			break;
		}
	}
}

int outputs_reopen(struct outputs *o)
{
	int ret = 0;

	for (size_t i = 0; o && i < o->n; i++) {
		struct output *out = o->v[i];

		if (out->kind != OUTPUT_FILE)
			continue;
		if (out->f)
			fclose(out->f);
		out->f = fopen(out->path, "a");
		atomic_store(&out->up, out->f != NULL);
		if (!out->f && !ret)
			ret = -errno;
	}
	return ret;
}

size_t outputs_stats(struct outputs *o, struct output_stats *st, size_t n)
{
	size_t i;

	for (i = 0; o && i < o->n && i < n; i++) {
		struct output *out = o->v[i];

		memset(&st[i], 0, sizeof(st[i]));
		st[i].kind = kind_names[out->kind];
		snprintf(st[i].target, sizeof(st[i].target), "%s", out->target);
		st[i].n_written = atomic_load(&out->n_written);
		st[i].n_dropped = atomic_load(&out->n_dropped);
		st[i].n_reconnects = atomic_load(&out->n_reconnects);
		st[i].up = atomic_load(&out->up);
		if (out->has_thread) {
			pthread_mutex_lock(&out->q.mu);
			st[i].n_queued = out->q.n + out->q.in_hand;
			pthread_mutex_unlock(&out->q.mu);
		}
	}
	return i;
}

bool outputs_drain(struct outputs *o, unsigned timeout_ms)
{
	uint64_t until = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
			       .tv_nsec = (long)(until % 1000000000ull) };
	bool empty = true;

	for (size_t i = 0; o && i < o->n; i++) {
		struct queue *q = &o->v[i]->q;

		if (!o->v[i]->has_thread)
			continue;
		pthread_mutex_lock(&q->mu);
		while ((q->n || q->in_hand) && mono_ns() < until)
			pthread_cond_timedwait(&q->idle, &q->mu, &ts);
		empty = empty && !q->n && !q->in_hand;
		pthread_mutex_unlock(&q->mu);
	}
	return empty;
}

void outputs_free(struct outputs *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		output_free(o->v[i]);
	free(o->v);
	free(o);
}
