/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/tui.h - the terminal dashboard (ncurses): `nadxdp IFNAME --dashboard` and
 * `nadxdp top`. Once a second it draws, from the state's JSON document
 * (dashstate_snap_to_json), the traffic rate with anomaly markers, the
 * anomaly-frequency timeline, the severity distribution, the packet-size
 * distribution, the top anomaly types, the active drop rules and the kernel
 * counters. Fits 80x24 (uses more if there is more). Colour when the
 * terminal has it and NO_COLOR is unset; Unicode blocks in a UTF-8 locale,
 * plain ASCII otherwise (or with NADXDP_ASCII=1). TERM=dumb, or output that
 * is not a terminal, gets plain text frames instead of curses.
 * The terminal is restored on return, on SIGINT/SIGTERM and at exit.
 */
#ifndef NAD_TUI_H
#define NAD_TUI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct dashstate;

/*
 * Returns a new reference to the current state document, or NULL with a
 * one-line reason in why (shown in place of the views).
 */
typedef struct json_object *(*tui_fetch_fn)(void *ctx, char *why, size_t why_len);

struct tui_opts {
	tui_fetch_fn fetch;
	void *ctx;
	bool plain;                    /* plain text frames even on a terminal */
	bool once;                     /* draw one frame (plain) and return */
	unsigned interval_ms;          /* 0 = 1000 */
	volatile sig_atomic_t *stop;   /* optional: the caller's stop flag, polled each tick */
};

/*
 * Runs until 'q', SIGINT/SIGTERM or *stop. Installs SIGINT/SIGTERM handlers
 * for its duration (the previous ones are restored, and re-raised for the
 * caller's flag if set). Returns 0 or a negative errno.
 */
int tui_run(const struct tui_opts *o);

/* A tui_fetch_fn over an in-process dashstate (ctx = struct dashstate *). */
struct json_object *tui_fetch_dashstate(void *ctx, char *why, size_t why_len);

/* A tui_fetch_fn over a state file (ctx = const char *path); stale after 5 s. */
struct json_object *tui_fetch_file(void *ctx, char *why, size_t why_len);

/*
 * Renders one frame of state into buf as plain text, rows lines of cols
 * columns (ASCII), for tests and `top --once`. Returns the length, or -ENOSPC.
 */
int tui_render_plain(struct json_object *state, const char *why, int rows, int cols, char *buf,
		     size_t size);

#endif /* NAD_TUI_H */
