// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/tui.c - one frame is drawn into a cell grid from the JSON state, then put
 * on the screen by ncurses (colour, Unicode blocks) or printed as plain text
 * (dumb terminals, pipes, tests). Drawing from the JSON document rather than
 * a snapshot struct lets `nadxdp top` read a running daemon's state file
 * with the very same code.
 */
#include <errno.h>
#include <stdarg.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>
#include <json-c/json.h>

#include "views/dashstate.h"
#include "views/tui.h"

enum col {
	C_NONE = 0,
	C_IN,
	C_CRIT,
	C_WARN,
	C_INFO,
	C_TITLE,
	C_OUT,
	C_DIM,
	C_N,
};

struct cell {
	uint32_t ch;
	uint8_t col;
};

struct grid {
	int rows, cols;
	bool utf8;
	struct cell *c;
};

static void put(struct grid *g, int r, int c, uint32_t ch, enum col col)
{
	if (r < 0 || c < 0 || r >= g->rows || c >= g->cols)
		return;
	g->c[r * g->cols + c] = (struct cell){ ch, (uint8_t)col };
}

/* Text at (r, c), at most maxw columns; bytes outside printable ASCII become '?'. */
static int text(struct grid *g, int r, int c, int maxw, enum col col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int text(struct grid *g, int r, int c, int maxw, enum col col, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; buf[i] && i < maxw; i++) {
		unsigned char ch = (unsigned char)buf[i];

		put(g, r, c + i, ch >= 0x20 && ch < 0x7f ? ch : '?', col);
	}
	return i;
}

/* --- JSON access ----------------------------------------------------------- */

static int64_t jint(struct json_object *o, const char *path)
{
	return json_object_get_int64(dashstate_json_get(o, path));
}

static double jdbl(struct json_object *o, const char *path)
{
	return json_object_get_double(dashstate_json_get(o, path));
}

static const char *jstr(struct json_object *o, const char *path)
{
	const char *s = json_object_get_string(dashstate_json_get(o, path));

	return s ? s : "";
}

static double series_at(struct json_object *a, size_t i)
{
	return (double)json_object_get_int64(json_object_array_get_idx(a, i));
}

static const char *human(double v, char *buf, size_t size)
{
	static const char p[] = " kMGTP";
	int i = 0;

	while (fabs(v) >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	if (i)
		snprintf(buf, size, "%.1f%c", v, p[i]);
	else
		snprintf(buf, size, "%.0f", v);
	return buf;
}

/* --- views ----------------------------------------------------------------- */

/* Severities as the views list them, the worst first. */
static const enum classify_severity sev_order[] = { SEV_CRITICAL, SEV_WARNING, SEV_INFO };
/* By enum classify_severity; an unknown class's (0) shows as info. */
static const enum col sev_col[DASH_N_SEV] = {
	[0] = C_INFO,
	[SEV_INFO] = C_INFO,
	[SEV_WARNING] = C_WARN,
	[SEV_CRITICAL] = C_CRIT,
};
static const char
	sev_mark[DASH_N_SEV] = { [SEV_INFO] = 'i', [SEV_WARNING] = '+', [SEV_CRITICAL] = '!' };

/* Vertical bar cell: fill in eighths 0..8. */
static uint32_t vbar(const struct grid *g, int fill)
{
	static const uint32_t blocks[9] = { ' ',    0x2581, 0x2582, 0x2583, 0x2584,
					    0x2585, 0x2586, 0x2587, 0x2588 };

	if (fill <= 0)
		return ' ';
	if (fill > 8)
		fill = 8;
	if (g->utf8)
		return blocks[fill];
	return fill == 8 ? '#' : fill >= 4 ? '=' : '_';
}

/* Horizontal bar of width w for fraction f. */
static void hbar(struct grid *g, int r, int c, int w, double f, enum col col)
{
	int n = (int)lround(f * w);

	if (f > 0 && n == 0)
		n = 1;
	for (int i = 0; i < n && i < w; i++)
		put(g, r, c + i, g->utf8 ? 0x2588 : '#', col);
}

static void title(struct grid *g, int r, int c, int w, const char *s)
{
	text(g, r, c, w, C_TITLE, "%s", s);
}

/* The severity of the worst anomaly in slot i (enum classify_severity), or 0 for none. */
static int worst(struct json_object *tl, size_t i, double *sum)
{
	int w = 0;

	*sum = 0;
	for (int v = SEV_INFO; v <= SEV_CRITICAL; v++) {
		char key[32];
		double n;

		snprintf(key, sizeof(key), "anomalies_%s", names_severity(v));
		n = series_at(dashstate_json_get(tl, key), i);
		*sum += n;
		if (n > 0)
			w = v;
	}
	return w;
}

static void draw_header(struct grid *g, struct json_object *s)
{
	char a[16], b[16], c[16], d[16];
	int x = 0;

	x += text(g, 0, x, g->cols, C_TITLE, "nadxdp ");
	if (!s)
		return;
	x += text(g, 0, x, g->cols - x, C_NONE, "%s %s:%s ", jstr(s, "iface"), jstr(s, "mode"),
		  jstr(s, "profile"));
	x += text(g, 0, x, g->cols - x, C_IN, "in %spps %sbps ",
		  human(jdbl(s, "rate.pps_in"), a, sizeof(a)),
		  human(jdbl(s, "rate.bps_in"), b, sizeof(b)));
	x += text(g, 0, x, g->cols - x, C_OUT, "out %spps %sbps ",
		  human(jdbl(s, "rate.pps_out"), c, sizeof(c)),
		  human(jdbl(s, "rate.bps_out"), d, sizeof(d)));
	text(g, 0, x, g->cols - x, C_NONE, "alerts %lld", (long long)jint(s, "totals.alerts"));
}

static void draw_rate(struct grid *g, struct json_object *s, int top, int h)
{
	struct json_object *tl = dashstate_json_get(s, "timeline"), *pin = dashstate_json_get(tl, "packets_in"),
			   *pout = dashstate_json_get(tl, "packets_out");
	size_t n = json_object_array_length(pin);
	double slot_s = jdbl(tl, "slot_s"), max = 0;
	int left = 7, w = g->cols - left;
	char buf[16];

	if (slot_s <= 0)
		slot_s = 1;
	/* the newest slot is still filling: show the complete ones */
	size_t end = n ? n - 1 : 0, start = end > (size_t)w ? end - (size_t)w : 0;

	text(g, top, 0, g->cols, C_TITLE, "Traffic rate (pkt/s, last %.0fs)", (double)(end - start) * slot_s);
	text(g, top, 40, g->cols - 40, C_DIM, "markers: ! critical + warning i info");
	for (size_t i = start; i < end; i++)
		max = fmax(max, series_at(pin, i) + series_at(pout, i));
	text(g, top + 1, 0, left - 1, C_DIM, "%6s", human(max / slot_s, buf, sizeof(buf)));
	text(g, top + h, 0, left - 1, C_DIM, "%6s", "0");
	for (size_t i = start; i < end; i++) {
		int col = left + (int)(i - start);
		double v = series_at(pin, i) + series_at(pout, i), sum;
		int level = max > 0 ? (int)lround(v / max * h * 8) : 0, ws;

		if (v > 0 && level == 0)
			level = 1;
		for (int k = 0; k < h; k++)
			put(g, top + h - k, col, vbar(g, level - k * 8), C_IN);
		ws = worst(tl, i, &sum);
		if (ws)
			put(g, top + h + 1, col, sev_mark[ws], sev_col[ws]);
	}
	text(g, top + h + 1, 0, left - 1, C_DIM, "alerts");
}

static void draw_timeline(struct grid *g, struct json_object *s, int top, int h)
{
	struct json_object *tl = dashstate_json_get(s, "timeline");
	size_t n = json_object_array_length(dashstate_json_get(tl, "anomalies_critical"));
	int left = 7, w = g->cols - left;
	size_t end = n ? n - 1 : 0, start = end > (size_t)w ? end - (size_t)w : 0;
	double max = 0, sum;

	for (size_t i = start; i < end; i++) {
		worst(tl, i, &sum);
		max = fmax(max, sum);
	}
	text(g, top, 0, g->cols, C_TITLE, "Anomaly frequency (alerts/s, max %.0f)", max);
	for (size_t i = start; i < end; i++) {
		int ws = worst(tl, i, &sum);
		int level = max > 0 ? (int)lround(sum / max * h * 8) : 0;

		if (sum > 0 && level == 0)
			level = 1;
		for (int k = 0; k < h && ws; k++)
			put(g, top + h - k, left + (int)(i - start), vbar(g, level - k * 8),
			    sev_col[ws]);
	}
}

static void draw_severity(struct grid *g, struct json_object *s, int top, int c, int w)
{
	double tot = 0;

	title(g, top, c, w, "Severity");
	for (int r = 0; r < 3; r++) {
		char path[32];

		snprintf(path, sizeof(path), "severity.%s", names_severity(sev_order[r]));
		tot += (double)jint(s, path);
	}
	for (int r = 0; r < 3; r++) {
		enum classify_severity v = sev_order[r];
		char path[32];
		int64_t n;

		snprintf(path, sizeof(path), "severity.%s", names_severity(v));
		n = jint(s, path);
		text(g, top + 1 + r, c, 9, sev_col[v], "%s", names_severity(v));
		hbar(g, top + 1 + r, c + 9, w - 17, tot > 0 ? (double)n / tot : 0, sev_col[v]);
		text(g, top + 1 + r, c + w - 8, 7, C_NONE, "%7lld", (long long)n);
	}
}

static void draw_sizes(struct grid *g, struct json_object *s, int top, int c, int w, int maxrows)
{
	struct json_object *h = dashstate_json_get(s, "size_histogram");
	size_t n = json_object_array_length(h);
	double tot = 0;

	title(g, top, c, w, "Packet sizes (bytes)");
	for (size_t i = 0; i < n; i++)
		tot += (double)jint(json_object_array_get_idx(h, i), "packets");
	for (size_t i = 0; i < n && (int)i < maxrows; i++) {
		struct json_object *b = json_object_array_get_idx(h, i);
		double v = (double)jint(b, "packets");
		char buf[16];

		text(g, top + 1 + (int)i, c, 9, C_NONE, "%-9s", jstr(b, "label"));
		hbar(g, top + 1 + (int)i, c + 10, w - 17, tot > 0 ? v / tot : 0, C_IN);
		text(g, top + 1 + (int)i, c + w - 7, 6, C_NONE, "%6s", human(v, buf, sizeof(buf)));
	}
}

static void draw_types(struct grid *g, struct json_object *s, int top, int c, int w, int maxrows)
{
	struct json_object *t = dashstate_json_get(s, "top_types");
	size_t n = json_object_array_length(t);

	title(g, top, c, w, "Top anomaly types");
	if (!n)
		text(g, top + 1, c, w, C_DIM, "none");
	for (size_t i = 0; i < n && (int)i < maxrows; i++) {
		struct json_object *e = json_object_array_get_idx(t, i);
		enum classify_severity sv =
			names_class_severity(names_class_parse(jstr(e, "class")));

		text(g, top + 1 + (int)i, c, w - 7, sev_col[sv], "%s", jstr(e, "class"));
		text(g, top + 1 + (int)i, c + w - 7, 6, C_NONE, "%6lld", (long long)jint(e, "count"));
	}
}

static void draw_rules(struct grid *g, struct json_object *s, int top, int c, int w, int maxrows)
{
	struct json_object *l = dashstate_json_get(s, "rules.list");
	int64_t total = jint(s, "rules.total");
	size_t n = json_object_array_length(l);
	char hdr[48];

	snprintf(hdr, sizeof(hdr), "Drop rules (%lld active)", (long long)total);
	title(g, top, c, w, hdr);
	if (!total)
		text(g, top + 1, c, w, C_DIM, "none");
	for (size_t i = 0; i < n && (int)i < maxrows; i++) {
		struct json_object *r = json_object_array_get_idx(l, i);
		int64_t exp = jint(r, "expires_in_s");
		char hits[16], expires[24];

		if ((int)i == maxrows - 1 && total > maxrows) {
			text(g, top + 1 + (int)i, c, w, C_DIM, "... %lld more",
			     (long long)(total - maxrows + 1));
			break;
		}
		if (exp < 0)
			snprintf(expires, sizeof(expires), "-");
		else
			snprintf(expires, sizeof(expires), "%llds", (long long)exp);
		text(g, top + 1 + (int)i, c, w, C_NONE, "%-18s %-6s %5s %6s",
		     jstr(r, "prefix"), jstr(r, "origin"), expires,
		     human((double)jint(r, "hits"), hits, sizeof(hits)));
	}
}

static void draw_kernel(struct grid *g, struct json_object *s, int top, int c, int w)
{
	static const char *const names[8][2] = {
		{ "pkts in", "kernel.packets.in" },   { "pkts out", "kernel.packets.out" },
		{ "bytes in", "kernel.bytes.in" },    { "bytes out", "kernel.bytes.out" },
		{ "shed", "kernel.records_shed" },    { "malformed", "kernel.malformed" },
		{ "dropped", "kernel.dropped_rule" }, { "pending", "kernel.pending" },
	};
	int half = w / 2;

	title(g, top, c, w, "Kernel counters");
	if (!json_object_get_boolean(dashstate_json_get(s, "kernel.present"))) {
		text(g, top + 1, c, w, C_DIM, "not attached");
		return;
	}
	for (int i = 0; i < 8; i++) {
		int r = top + 1 + i / 2, x = c + (i % 2) * half;
		char buf[16];

		text(g, r, x, half - 1, C_DIM, "%-9s", names[i][0]);
		text(g, r, x + 10, half - 11, C_NONE, "%s",
		     human((double)jint(s, names[i][1]), buf, sizeof(buf)));
	}
}

static void draw(struct grid *g, struct json_object *s, const char *why)
{
	int col3 = g->cols / 3, half = g->cols / 2, bottom = g->rows - 1;
	int lower = 10 + (g->rows - 24 > 0 ? (g->rows - 24) / 2 : 0);

	for (int i = 0; i < g->rows * g->cols; i++)
		g->c[i] = (struct cell){ ' ', C_NONE };
	draw_header(g, s);
	if (!s) {
		text(g, g->rows / 2, 2, g->cols - 2, C_CRIT, "no data: %s", why && *why ? why : "?");
		text(g, bottom, 0, g->cols, C_DIM, "q quit");
		return;
	}
	draw_rate(g, s, 1, 4 + (lower - 10));
	draw_timeline(g, s, 7 + (lower - 10), 2);
	draw_severity(g, s, lower, 0, col3 - 1);
	draw_sizes(g, s, lower, col3, col3 - 1, 7);
	draw_types(g, s, lower, 2 * col3, g->cols - 2 * col3, 7);
	draw_rules(g, s, lower + 8, 0, half - 1, bottom - (lower + 9));
	draw_kernel(g, s, lower + 8, half, g->cols - half);
	{
		struct json_object *a = dashstate_json_get(s, "alerts.0");
		int x = 0;

		if (why && *why)
			x += text(g, bottom, 0, g->cols, C_WARN, "%s  ", why);
		if (a)
			x += text(g, bottom, x, g->cols - x - 7, C_NONE, "last: %s %s -> %s %s",
				  jstr(a, "class"), jstr(a, "src"), jstr(a, "dst"),
				  jstr(a, "evidence"));
		text(g, bottom, g->cols - 6, 6, C_DIM, "q quit");
	}
}

/* --- output ----------------------------------------------------------------- */

static size_t utf8(uint32_t ch, char *out)
{
	if (ch < 0x80) {
		out[0] = (char)ch;
		return 1;
	}
	if (ch < 0x800) {
		out[0] = (char)(0xc0 | ch >> 6);
		out[1] = (char)(0x80 | (ch & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | ch >> 12);
	out[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
	out[2] = (char)(0x80 | (ch & 0x3f));
	return 3;
}

/* The grid as text lines, trailing blanks trimmed. Returns the length or -ENOSPC. */
static int grid_text(const struct grid *g, char *buf, size_t size)
{
	size_t off = 0;

	for (int r = 0; r < g->rows; r++) {
		int last = g->cols - 1;

		while (last >= 0 && g->c[r * g->cols + last].ch == ' ')
			last--;
		for (int c = 0; c <= last; c++) {
			char tmp[4];
			size_t n = utf8(g->c[r * g->cols + c].ch, tmp);

			if (off + n + 2 > size)
				return -ENOSPC;
			memcpy(buf + off, tmp, n);
			off += n;
		}
		if (off + 2 > size)
			return -ENOSPC;
		buf[off++] = '\n';
	}
	buf[off] = '\0';
	return (int)off;
}

int tui_render_plain(struct json_object *state, const char *why, int rows, int cols, char *buf,
		     size_t size)
{
	struct grid g = { rows, cols, false, calloc((size_t)rows * cols, sizeof(struct cell)) };
	int n;

	if (!g.c)
		return -ENOMEM;
	draw(&g, state, why);
	n = grid_text(&g, buf, size);
	free(g.c);
	return n;
}

static volatile sig_atomic_t got_signal;
static bool curses_on;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void restore_terminal(void)
{
	if (curses_on) {
		endwin();
		curses_on = false;
	}
}

static void curses_frame(const struct grid *g, bool colour)
{
	erase();
	for (int r = 0; r < g->rows; r++)
		for (int c = 0; c < g->cols; c++) {
			const struct cell *x = &g->c[r * g->cols + c];
			attr_t a = colour && x->col ? COLOR_PAIR(x->col) : 0;

			if (x->col == C_TITLE)
				a |= A_BOLD;
			if (!colour && (x->col == C_CRIT))
				a |= A_BOLD;
			if (x->ch < 0x80) {
				mvaddch(r, c, (chtype)x->ch | a);
			} else {
				wchar_t w[2] = { (wchar_t)x->ch, 0 };
				cchar_t cc;

				setcchar(&cc, w, a, 0, NULL);
				mvadd_wch(r, c, &cc);
			}
		}
	refresh();
}

struct json_object *tui_fetch_dashstate(void *ctx, char *why, size_t why_len)
{
	struct dashstate *ds = ctx;
	struct dashstate_snap *s = dashstate_snap_new(ds);
	struct json_object *j = NULL;

	if (s && !dashstate_snapshot(ds, s))
		j = dashstate_snap_to_json(s);
	dashstate_snap_free(s);
	if (!j)
		snprintf(why, why_len, "out of memory");
	return j;
}

struct json_object *tui_fetch_file(void *ctx, char *why, size_t why_len)
{
	const char *path = ctx;
	struct json_object *j;
	struct stat st;
	time_t age;

	if (stat(path, &st)) {
		snprintf(why, why_len, "no state file %s (is `nadxdp IFNAME` running?)", path);
		return NULL;
	}
	j = json_object_from_file(path);
	if (!j) {
		snprintf(why, why_len, "cannot read %s", path);
		return NULL;
	}
	age = time(NULL) - st.st_mtime;
	if (age > 5)
		snprintf(why, why_len, "STALE: not updated for %llds", (long long)age);
	return j;
}

int tui_run(const struct tui_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	unsigned interval = o->interval_ms ? o->interval_ms : 1000;
	const char *term = getenv("TERM");
	bool plain = o->plain || o->once || !isatty(STDOUT_FILENO) || !term || !strcmp(term, "dumb");
	bool colour = false, use_utf8;
	struct grid g = { 0 };
	char why[256], *buf = NULL;
	size_t buf_size = 0;
	int err = 0;

	setlocale(LC_ALL, "");
	use_utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8") && !getenv("NADXDP_ASCII");
	got_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	if (!plain) {
		static bool registered;

		if (!registered) {
			atexit(restore_terminal);
			registered = true;
		}
		if (!newterm(NULL, stdout, stdin)) {
			plain = true;
		} else {
			curses_on = true;
			cbreak();
			noecho();
			curs_set(0);
			keypad(stdscr, TRUE);
			timeout((int)interval);
			if (has_colors() && !getenv("NO_COLOR")) {
				static const short fg[C_N] = { 0, COLOR_BLUE, COLOR_RED, COLOR_YELLOW,
							       COLOR_CYAN, COLOR_WHITE, COLOR_MAGENTA,
							       COLOR_WHITE };

				colour = true;
				start_color();
				use_default_colors();
				for (short i = 1; i < C_N; i++)
					init_pair(i, fg[i], -1);
			}
		}
	}

	for (;;) {
		struct json_object *s;
		int rows = 24, cols = 80;

		if (curses_on)
			getmaxyx(stdscr, rows, cols);
		if (rows < 24)
			rows = 24;
		if (cols < 80)
			cols = 80;
		if (rows != g.rows || cols != g.cols) {
			struct cell *c = realloc(g.c, (size_t)rows * cols * sizeof(*c));

			if (!c) {
				err = -ENOMEM;
				break;
			}
			g = (struct grid){ rows, cols, use_utf8, c };
			free(buf);
			buf_size = (size_t)rows * (cols * 3 + 1) + 1;
			buf = malloc(buf_size);
			if (!buf) {
				err = -ENOMEM;
				break;
			}
		}
		why[0] = '\0';
		s = o->fetch(o->ctx, why, sizeof(why));
		draw(&g, s, why);
		json_object_put(s);
		if (curses_on) {
			int ch;

			curses_frame(&g, colour);
			ch = getch(); /* waits up to interval; a signal or resize wakes it */
			if (ch == 'q' || ch == 'Q')
				break;
		} else {
			if (grid_text(&g, buf, buf_size) > 0) {
				fputs(buf, stdout);
				if (!o->once)
					fputc('\n', stdout);
				fflush(stdout);
			}
			if (o->once)
				break;
			usleep(interval * 1000);
		}
		if (got_signal || (o->stop && *o->stop))
			break;
	}
	restore_terminal();
	free(g.c);
	free(buf);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (got_signal && o->stop)
		*o->stop = 1;
	return err;
}
