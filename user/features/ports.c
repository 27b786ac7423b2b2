// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * features/ports.c - service port sets (contract in ports.h).
 */
#include "features/ports.h"

/* One line of cases per set, as ports.h lists them. */
/* clang-format off */

bool ports_is_auth(uint16_t p)
{
	switch (p) {
	case 21: case 22: case 23: case 25: case 110: case 143: case 389: case 445:
	case 465: case 587: case 636: case 993: case 995: case 1433: case 3306:
	case 3389: case 5432: case 5900:
		return true;
	}
	return false;
}

bool ports_is_login(uint16_t p)
{
	switch (p) {
	case 21: case 22: case 23: case 110: case 143: case 465: case 587: case 993: case 995:
		return true;
	}
	return false;
}

bool ports_is_sensitive(uint16_t p)
{
	switch (p) {
	case 23: case 135: case 139: case 445: case 3389: case 5985: case 5986:
		return true;
	}
	return false;
}

bool ports_is_suspicious(uint16_t p)
{
	switch (p) {
	case 9001: case 9030: case 9050: case 9150: case 6667: case 4444: case 31337:
		return true;
	}
	return false;
}

bool ports_is_web(uint16_t p)
{
	return p == 80 || p == 443 || p == 8080 || p == 8443 || p == 8000;
}

bool ports_is_iot(uint16_t p)
{
	return p == 1883 || p == 8883 || p == 5683 || p == 1900 || p == 5353;
}
/* clang-format on */
