// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_outputs - what an EVE event costs the thread that detects, per output, and how
 * many events a second each output delivers. A 1 KiB anomaly line is written N times
 * to one output at a time: a file (in /tmp), syslog (a datagram socket a thread drains),
 * a unix stream socket (a thread reads it) and Redis (a redis-server this bench starts on
 * a unix socket in /tmp and stops; skipped without one). The socket outputs' queue holds
 * all N lines, so the caller's cost is measured without drops; "delivered" is N over the
 * time until the last line was sent (or acknowledged), from the first write.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "common/log.h"
#include "report/outputs.h"

#define N 100000u

static const char line[] =
	"{\"timestamp\":\"2026-12-03T14:12:57.595341+0000\",\"flow_id\":1791703539848011,"
	"\"in_iface\":\"eth0\",\"event_type\":\"anomaly\",\"src_ip\":\"198.18.0.3\",\"src_port\":"
	"3096,\"dest_ip\":\"198.18.0.1\",\"dest_port\":80,\"proto\":\"TCP\",\"host\":\"sensor-1\","
	"\"anomaly\":{\"class\":\"dos_attack\",\"severity\":\"critical\",\"level\":3,\"score\":"
	"3.5000,\"threshold\":3.5000,\"criteria\":[{\"name\":\"dos_pattern\",\"value\":1.0000,"
	"\"threshold\":0.5000,\"weight\":2.0000},{\"name\":\"autoencoder\",\"value\":0.3037,"
	"\"threshold\":0.2145,\"weight\":1.5000}],\"ae_mae\":0.3037,\"ae_threshold\":0.2145,"
	"\"iforest_score\":-0.5490,\"iforest_threshold\":-0.6174,\"campaign\":null,\"packets\":1,"
	"\"evidence\":\"SYN flood: 198.18.0.3 sends 1001 pkt/s to 198.18.0.1 (100% of its "
	"packets match), threshold 1000 pkt/s\",\"response\":\"rate-limit or block 198.18.0.3 "
	"at the edge; nadxdp can drop it in the kernel (see mitigation)\",\"episode\":{\"id\":1,"
	"\"state\":\"start\",\"key\":\"source\",\"start\":\"2026-12-03T14:12:57.595341+0000\","
	"\"last\":\"2026-12-03T14:12:57.595341+0000\",\"packets\":1,\"bytes\":54,\"peak_score\":"
	"3.5000}}}";

static char dir[64];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *path_in(const char *name)
{
	static char buf[4][128];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* A socket the bench reads from in a thread, so the output never waits for room. */
struct sink {
	int fd;
	atomic_bool stop;
	pthread_t thr;
};

static void *drain(void *arg)
{
	struct sink *s = arg;
	char buf[1 << 16];

	while (!atomic_load(&s->stop)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };

		if (poll(&p, 1, 50) == 1 && read(s->fd, buf, sizeof(buf)) <= 0 &&
		    errno != EAGAIN && errno != EINTR)
			break;
	}
	return NULL;
}

static int bound(int type, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0), big = 4 << 20;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (type == SOCK_STREAM && listen(fd, 1))
		return -1;
	return fd;
}

/* The unix output's reader: accepts, then drains in this thread. */
static void *accept_drain(void *arg)
{
	struct sink *s = arg;
	int lfd = s->fd;

	s->fd = accept(lfd, NULL, NULL);
	close(lfd);
	return s->fd >= 0 ? drain(s) : NULL;
}

static void report(const char *name, struct outputs *o)
{
	struct output_stats st;
	uint64_t t0 = now_ns(), t1, t2;

	for (unsigned i = 0; i < N; i++)
		outputs_write(o, line, sizeof(line) - 1);
	t1 = now_ns();
	outputs_drain(o, 60000);
	t2 = now_ns();
	outputs_stats(o, &st, 1);
	printf("%-8s %8.0f ns/event to the detecting thread, %9.0f events/s delivered, "
	       "%llu of %u delivered, %llu dropped\n",
	       name, (double)(t1 - t0) / N, N * 1e9 / (double)(t2 - t0),
	       (unsigned long long)st.n_written, N, (unsigned long long)st.n_dropped);
}

static void bench_file(void)
{
	struct outputs *o = outputs_new();

	if (outputs_add(o, &(struct output_spec){ .kind = OUTPUT_FILE, .path = path_in("eve.json") })) {
		printf("file: cannot open %s\n", path_in("eve.json"));
		return;
	}
	report("file", o);
	outputs_free(o);
}

static void bench_syslog(void)
{
	struct sink s = { .fd = bound(SOCK_DGRAM, path_in("log")) };
	struct outputs *o = outputs_new();

	pthread_create(&s.thr, NULL, drain, &s);
	outputs_add(o, &(struct output_spec){ .kind = OUTPUT_SYSLOG,
					      .path = path_in("log"),
					      .facility = 21,
					      .severity = 6 });
	report("syslog", o);
	outputs_free(o);
	atomic_store(&s.stop, true);
	pthread_join(s.thr, NULL);
	close(s.fd);
}

static void bench_unix(void)
{
	struct sink s = { .fd = bound(SOCK_STREAM, path_in("eve.sock")) };
	struct outputs *o = outputs_new();

	pthread_create(&s.thr, NULL, accept_drain, &s);
	outputs_add(o, &(struct output_spec){
			       .kind = OUTPUT_UNIX, .path = path_in("eve.sock"), .queue_len = N });
	report("unix", o);
	outputs_free(o);
	atomic_store(&s.stop, true);
	pthread_join(s.thr, NULL);
	close(s.fd);
}

static void bench_redis(void)
{
	char sock[128], cmd[512];
	struct outputs *o;
	pid_t pid;

	if (system("command -v redis-server >/dev/null 2>&1")) {
		printf("redis: skipped: no redis-server (scripts/install-deps.sh testbed)\n");
		return;
	}
	snprintf(sock, sizeof(sock), "%s", path_in("redis.sock"));
	pid = fork();
	if (pid == 0) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock, "--dir",
		       dir, "--save", "", "--appendonly", "no", "--logfile", path_in("redis.log"),
		       NULL);
		_exit(127);
	}
	snprintf(cmd, sizeof(cmd), "for i in $(seq 100); do redis-cli -s '%s' ping 2>/dev/null | "
		 "grep -q PONG && exit 0; sleep 0.05; done; exit 1", sock);
	if (pid < 0 || system(cmd)) {
		printf("redis: skipped: redis-server did not start\n");
	} else {
		o = outputs_new();
		outputs_add(o, &(struct output_spec){ .kind = OUTPUT_REDIS,
						      .path = sock,
						      .redis_mode = OUTPUT_REDIS_RPUSH,
						      .key = "bench",
						      .queue_len = N });
		report("redis", o);
		outputs_free(o);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

int main(void)
{
	char cmd[128];

	log_set_level(LOG_WARN);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/nadxdp-bench-outputs-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	printf("EVE outputs: %u events of %zu bytes each\n", N, sizeof(line) - 1);
	bench_file();
	bench_syslog();
	bench_unix();
	bench_redis();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? 1 : 0;
}
