/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/ports.h - the service ports the trackers and the class rules single out
 * (inline: the trackers ask per packet).
 *
 *   auth        authentication services (credential_stuffing):
 *               21 22 23 25 110 143 389 445 465 587 636 993 995 1433 3306 3389 5432 5900
 *   login       login services that let a client try again on the same connection
 *               (the login-dialogue tracker, features/context.h): 21 22 23 110 143 465 587
 *               993 995
 *   sensitive   remote administration and file sharing (intrusion_attempt):
 *               23 135 139 445 3389 5985 5986
 *   suspicious  Tor 9001 9030 9050 9150, IRC 6667, backdoors 4444 31337
 *               (unusual_destination)
 *   web         80 443 8000 8080 8443
 *   iot         MQTT 1883 8883, CoAP 5683, SSDP 1900, mDNS 5353
 */
#ifndef NAD_PORTS_H
#define NAD_PORTS_H

#include <stdbool.h>
#include <stdint.h>

/* One line of cases per set, as listed above. */
/* clang-format off */
static inline bool ports_is_auth(uint16_t p)
{
	switch (p) {
	case 21: case 22: case 23: case 25: case 110: case 143: case 389: case 445:
	case 465: case 587: case 636: case 993: case 995: case 1433: case 3306:
	case 3389: case 5432: case 5900:
		return true;
	}
	return false;
}

static inline bool ports_is_login(uint16_t p)
{
	switch (p) {
	case 21: case 22: case 23: case 110: case 143: case 465: case 587: case 993: case 995:
		return true;
	}
	return false;
}

static inline bool ports_is_sensitive(uint16_t p)
{
	switch (p) {
	case 23: case 135: case 139: case 445: case 3389: case 5985: case 5986:
		return true;
	}
	return false;
}

static inline bool ports_is_suspicious(uint16_t p)
{
	switch (p) {
	case 9001: case 9030: case 9050: case 9150: case 6667: case 4444: case 31337:
		return true;
	}
	return false;
}

static inline bool ports_is_web(uint16_t p)
{
	return p == 80 || p == 443 || p == 8080 || p == 8443 || p == 8000;
}

static inline bool ports_is_iot(uint16_t p)
{
	return p == 1883 || p == 8883 || p == 5683 || p == 1900 || p == 5353;
}
/* clang-format on */

#endif /* NAD_PORTS_H */
