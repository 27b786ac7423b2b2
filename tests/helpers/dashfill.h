/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dashfill.h - a known dashboard state for the tests of the web server and
 * its metrics: 30 s of inbound traffic (5,000 packets in the kernel's
 * counters), a few outbound packets, one DoS alert, one automatic rule and two EVE
 * outputs (a file, a Redis server that dropped 2 events).
 */
#ifndef NAD_TEST_DASHFILL_H
#define NAD_TEST_DASHFILL_H

#include "views/dashstate.h"

void dashfill_small(struct dashstate *d);

#endif
