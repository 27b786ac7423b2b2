/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views/dashdemo.h - synthetic traffic, alerts, rules and kernel counters fed into a
 * dashstate on the real clock: `nadxdp top --demo`, for trying the views and
 * for the tmux and browser tests without root or a test bed. A flood
 * (~20k pkt/s inbound, DoS alerts, an automatic drop rule) is toggled by
 * dashdemo_set_flood() (SIGUSR1 in `top --demo`).
 */
#ifndef NAD_DASHDEMO_H
#define NAD_DASHDEMO_H

#include <stdbool.h>

struct dashstate;
struct dashdemo;

/* Starts the feeder thread. NULL and errno on failure. */
struct dashdemo *dashdemo_start(struct dashstate *ds, bool flood);
void dashdemo_set_flood(struct dashdemo *d, bool flood);
bool dashdemo_flood(const struct dashdemo *d);
/* Stops and joins the thread. Accepts NULL. */
void dashdemo_free(struct dashdemo *d);

#endif
