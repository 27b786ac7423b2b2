/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/ports.h - the service ports the trackers and the class rules single out.
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

bool ports_is_auth(uint16_t port);
bool ports_is_login(uint16_t port);
bool ports_is_sensitive(uint16_t port);
bool ports_is_suspicious(uint16_t port);
bool ports_is_web(uint16_t port);
bool ports_is_iot(uint16_t port);

#endif /* NAD_PORTS_H */
