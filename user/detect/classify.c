// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/classify.c - evidence rules for the twelve classes (contract in classify.h).
 *
 * One table, rules[], in the order classify.h documents: each rule is a class, whether
 * its episode is keyed on the destination, a match function that decides and an explain
 * function that writes the evidence and response sentences. The first rule that matches
 * wins; explain runs only when the text is asked for (classify_decide), since formatting
 * costs more than deciding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "common/addr.h"
#include "common/names.h"
#include "detect/classify.h"
#include "features/baseline.h"
#include "features/ports.h"
#include "nad_parse.h"

/* The addresses as text and the buffers an explain function writes. */
struct text {
	const char *src, *dst;
	char *evidence, *response; /* CLASSIFY_TEXT bytes each */
};

struct class_rule {
	enum classify_class cls;
	bool by_destination; /* the episode is keyed on the destination */
	bool (*match)(const struct classify_evidence *ev, const struct profile *p);
	void (*explain)(const struct classify_evidence *ev, const struct profile *p,
			const struct text *t);
	double hold_s; /* classify_result.hold_s: 0 the episode's default idle */
};

__attribute__((format(printf, 2, 3))) static void say(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, CLASSIFY_TEXT, fmt, ap);
	va_end(ap);
}

static bool tcp(const struct nad_rec *r)
{
	return r->ip_proto == IPPROTO_TCP;
}

/* "threshold 1000 pkt/s (the profile's floor)" or "(3 x its learned level of 420)". */
static const char *limit_text(const struct classify_limit *l, double mult, double scale,
			      const char *unit, char *buf, size_t len)
{
	if (l->learned)
		snprintf(buf, len, "threshold %.*f%s (%.0f x the learned level of %.*f)",
			 scale < 1 ? 1 : 0, l->value * scale, unit, mult, scale < 1 ? 1 : 0,
			 l->base * scale);
	else
		snprintf(buf, len, "threshold %.*f%s (the profile's floor; no learned level%s)",
			 scale < 1 ? 1 : 0, l->value * scale, unit, l->base > 0 ? " above it" : "");
	return buf;
}

/* max(floor, mult x base), remembering which; base < 0: no baseline. */
static struct classify_limit limit(double floor, double mult, double base)
{
	struct classify_limit l = { .value = floor, .base = base > 0 ? base : 0 };

	if (base > 0 && mult * base > floor) {
		l.value = mult * base;
		l.learned = true;
	}
	return l;
}

void classify_limits(struct classify_limits *l, const struct profile *p, const struct baseline *b,
		     const struct nad_rec *r, const struct context_figures *f)
{
	double src[BL_N_METRICS], dst[BL_N_METRICS];
	bool have_src = b && f->src_home && baseline_host_levels(b, r->saddr, src);
	bool have_dst = b && f->dst_home && baseline_host_levels(b, r->daddr, dst);
	double unans = have_src ? src[BL_UNANSWERED_OUT] : -1;

	if (have_dst && dst[BL_UNANSWERED_IN] > unans)
		unans = dst[BL_UNANSWERED_IN];
	l->dos = limit(p->dos_pps, p->k_rate, unans);
	l->dos_dist = limit(p->dos_dist_pps, p->k_rate, have_dst ? dst[BL_UNANSWERED_IN] : -1);
	/* failed probes across ports (hosts) against the ports (hosts) it reaches in a window */
	l->fail_ports = limit(p->scan_ports, p->k_fail, have_src ? src[BL_FANOUT_PORTS] : -1);
	l->fail_hosts = limit(p->scan_hosts, p->k_fail, have_src ? src[BL_FANOUT_HOSTS] : -1);
	l->excess_pps = limit(p->excess_pps, p->k_rate, have_src ? src[BL_PKTS_OUT] : -1);
	l->excess_bps = limit(p->excess_bps, p->k_rate, have_src ? src[BL_BYTES_OUT] : -1);
	l->excess_far = have_src ? 10 * p->k_rate * src[BL_PKTS_OUT] : 0;
	if (l->excess_far && l->excess_far < l->excess_pps.value)
		l->excess_far = l->excess_pps.value;
	l->exfil = limit(p->exfil_bytes, p->k_exfil, have_src ? src[BL_UPLOAD] * 60 : -1);
	l->upload = limit(p->upload_bytes, p->k_exfil, have_src ? src[BL_UPLOAD] * 60 : -1);
}

/* Of the source's client packets [1 s], the share not answered (yet). */
static double unanswered_share(const struct context_figures *c)
{
	return c->src_client_pps > 0.5 ? c->src_unans_pps / c->src_client_pps : 0;
}

/* Payload to a sensitive service from a scanner: its follow-up, not more scanning. */
static bool follow_up(const struct classify_evidence *ev, const struct profile *p)
{
	const struct nad_rec *r = ev->rec;

	return tcp(r) && ports_is_sensitive(r->dport) && r->payload_bytes > 0 &&
	       (ev->src_scanned || ev->ctx.src_rsts >= 3);
}

static void follow_up_text(const struct classify_evidence *ev, const struct profile *p,
			   const struct text *t)
{
	say(t->evidence, "%s sends payload to the sensitive service %s:%u after %s", t->src, t->dst,
	    ev->rec->dport, ev->src_scanned ? "scanning" : "refused attempts (RSTs)");
	say(t->response,
	    "block %s and audit %s for exploitation (patch the service, restrict it "
	    "to management hosts)",
	    t->src, t->dst);
}

/* Scans come before floods: a fast SYN scan is not a SYN flood, its ports tell them apart. */
/*
 * Zeek's way: probes that failed (refused with an RST or an ICMP error, or unanswered
 * after the flow table's timeout) across ports or hosts, not distinct ports alone: a
 * client whose connections to many ports succeed is not scanning.
 */
static bool vertical_scan(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.src_fail_ports >= ev->lim.fail_ports.value &&
	       ev->ctx.src_probe_share >= 0.5 && ev->ctx.src_recent_ports >= 10;
}

static void vertical_scan_text(const struct classify_evidence *ev, const struct profile *p,
			       const struct text *t)
{
	char lim[96];

	say(t->evidence,
	    "%s probed %u distinct ports in the last 10 s and %u of them refused it or never "
	    "answered (vertical scan, %.0f%% probes, %.0f pkt/s), %s",
	    t->src, ev->ctx.src_dst_ports, ev->ctx.src_fail_ports, 100 * ev->ctx.src_probe_share,
	    ev->ctx.src_pps,
	    limit_text(&ev->lim.fail_ports, p->k_fail, 1, " failed ports", lim, sizeof(lim)));
	say(t->response,
	    "block or rate-limit %s at the edge (nadxdp can drop it in the kernel, see "
	    "mitigation); check which of the probed services answered",
	    t->src);
}

static bool horizontal_scan(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.src_fail_hosts >= ev->lim.fail_hosts.value &&
	       ev->ctx.src_probe_share >= 0.5 && ev->ctx.src_pkts10 <= 20.0 * ev->ctx.src_dst_hosts;
}

static void horizontal_scan_text(const struct classify_evidence *ev, const struct profile *p,
				 const struct text *t)
{
	char lim[96];

	say(t->evidence,
	    "%s probed %u distinct hosts in the last 10 s and %u of them refused it or never "
	    "answered (horizontal scan%s, %.0f%% probes), %s",
	    t->src, ev->ctx.src_dst_hosts, ev->ctx.src_fail_hosts,
	    ev->rec->flags & NAD_F_ARP ? " by ARP who-has" : "", 100 * ev->ctx.src_probe_share,
	    limit_text(&ev->lim.fail_hosts, p->k_fail, 1, " failed hosts", lim, sizeof(lim)));
	say(t->response,
	    "block %s at the edge (nadxdp can drop it in the kernel); look for follow-up "
	    "connections to the hosts that answered",
	    t->src);
}

static bool stealth_scan(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.src_stealth_probes >= 5;
}

static void stealth_scan_text(const struct classify_evidence *ev, const struct profile *p,
			      const struct text *t)
{
	say(t->evidence,
	    "%s sent %.0f NULL/FIN/XMAS stealth probes in the last 10 s (tcp flags 0x%02x "
	    "to port %u)",
	    t->src, ev->ctx.src_stealth_probes, ev->rec->tcp_flags, ev->rec->dport);
	say(t->response, "block %s at the edge; stealth scans evade stateless filters", t->src);
}

/*
 * A flood from one source to one destination: requests nobody answers (SYNs whose
 * handshake never completes, UDP or ICMP requests without a response), most of what it
 * sends as a client, mostly to one destination. A client whose requests are answered is
 * not flooding, however fast.
 */
static bool flood(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.src_unans_pps >= ev->lim.dos.value && ev->ctx.src_top_dst_share >= 0.8 &&
	       unanswered_share(&ev->ctx) >= 0.8;
}

bool classify_source_flood(const struct classify_evidence *ev, const struct profile *p,
			   struct classify_limits *lim)
{
	struct classify_evidence e = *ev;

	/* The threshold is never under the floor: most records need no baseline lookup. */
	if (ev->ctx.src_unans_pps < p->dos_pps) {
		memset(lim, 0, sizeof(*lim));
		return false;
	}
	classify_limits(&e.lim, p, e.baseline, e.rec, &e.ctx);
	*lim = e.lim;
	return flood(&e, p);
}

/* What the flood is made of, by the source's shares of SYNs, UDP and ICMP [1 s]. */
static const char *flood_kind(const struct context_figures *c)
{
	if (c->src_syn_share >= c->src_udp_share && c->src_syn_share >= c->src_icmp_share)
		return c->src_syn_share > 0.5 ? "SYN flood" : "flood";
	if (c->src_udp_share >= c->src_icmp_share)
		return c->src_udp_share > 0.5 ? "UDP flood" : "flood";
	return c->src_icmp_share > 0.5 ? "ICMP flood" : "flood";
}

static void flood_text(const struct classify_evidence *ev, const struct profile *p,
		       const struct text *t)
{
	char lim[128];

	say(t->evidence,
	    "%s: %s sends %.0f unanswered pkt/s to %s (%.0f%% of what it sends as a client is "
	    "not answered), %s",
	    flood_kind(&ev->ctx), t->src, ev->ctx.src_unans_pps, t->dst,
	    100 * unanswered_share(&ev->ctx),
	    limit_text(&ev->lim.dos, p->k_rate, 1, " pkt/s", lim, sizeof(lim)));
	say(t->response,
	    "rate-limit or block %s at the edge; nadxdp can drop it in the kernel "
	    "(see mitigation)",
	    t->src);
}

/* Many sources, one victim: spoofed or reflected. */
/* Unanswered requests and responses nobody asked for, to one destination. */
static double victim_pps(const struct context_figures *c)
{
	return c->dst_unans_pps + c->dst_unsol_pps;
}

static bool distributed_flood(const struct classify_evidence *ev, const struct profile *p)
{
	return victim_pps(&ev->ctx) >= ev->lim.dos_dist.value && ev->ctx.dst_srcs >= 20 &&
	       victim_pps(&ev->ctx) >= 0.8 * ev->ctx.dst_pps;
}

static void distributed_flood_text(const struct classify_evidence *ev, const struct profile *p,
				   const struct text *t)
{
	const char *proto = names_proto(ev->rec->ip_proto);

	char lim[128];

	say(t->evidence,
	    "distributed flood: %s receives %.0f pkt/s of requests it does not answer and "
	    "%.0f pkt/s of responses it never asked for (%s) from %u distinct sources in the "
	    "last 10 s, %s",
	    t->dst, ev->ctx.dst_unans_pps, ev->ctx.dst_unsol_pps, proto, ev->ctx.dst_srcs,
	    limit_text(&ev->lim.dos_dist, p->k_rate, 1, " pkt/s", lim, sizeof(lim)));
	say(t->response,
	    "sources are likely spoofed or reflectors: rate-limit %s traffic to %s "
	    "upstream (SYN cookies, an aggregate SYN rate rule in nadxdp)",
	    proto, t->dst);
}

/*
 * A slow DoS writes to its connections only as often as the server's header timeout forces
 * it (Slowloris every 15 s; nginx's client_header_timeout is 60 s): its episode stays open
 * this long without anomalous packets, so that one attack is one alert, not one per burst.
 */
#define SLOW_DOS_HOLD_S 60.0

/*
 * Slow DoS holds many connections open with a partial request the server never answers
 * (flow table: established, client payload, nothing back after 1 s); a client whose
 * requests are answered holds nothing, however many it makes.
 */
static bool slow_dos(const struct classify_evidence *ev, const struct profile *p)
{
	return tcp(ev->rec) && ports_is_web(ev->rec->dport) &&
	       ev->ctx.src_pair_held >= p->slow_conns;
}

static void slow_dos_text(const struct classify_evidence *ev, const struct profile *p,
			  const struct text *t)
{
	const struct context_figures *c = &ev->ctx;

	say(t->evidence,
	    "slow DoS: %s holds %.0f connections to %s:%u open with a partial request the "
	    "server has not answered for 1 s (%.0f opened in the last 60 s), threshold %u "
	    "connections",
	    t->src, c->src_pair_held, t->dst, ev->rec->dport, c->src_pair_conns, p->slow_conns);
	say(t->response,
	    "limit concurrent connections per client on %s:%u (reverse proxy "
	    "timeouts) and block %s",
	    t->dst, ev->rec->dport, t->src);
}

/*
 * On SSH every refused attempt shows (a client's first request, "none", is refused
 * first, so even one password per connection repeats that refusal): there, many
 * connections need at least one refusal among them, and a script that logs in
 * successfully every few seconds is automation, not guessing. FTP, POP3 and the
 * like refuse a one-attempt connection only once, which repeats nothing.
 */
static bool credential_stuffing(const struct classify_evidence *ev, const struct profile *p)
{
	const struct nad_rec *r = ev->rec;
	double conns = ev->ctx.src_pair_conns, fails = ev->ctx.src_pair_auth_fails;

	return tcp(r) && ports_is_auth(r->dport) &&
	       ((conns >= p->cred_conns && (r->dport != 22 || fails >= 1)) ||
		fails >= p->cred_fails);
}

static void credential_stuffing_text(const struct classify_evidence *ev, const struct profile *p,
				     const struct text *t)
{
	if (ev->ctx.src_pair_auth_fails >= 0.5)
		say(t->evidence,
		    "%s had %.0f login attempts refused by the authentication service %s:%u "
		    "over %.0f connections in the last 60 s, thresholds %u refusals or %u "
		    "connections",
		    t->src, ev->ctx.src_pair_auth_fails, t->dst, ev->rec->dport,
		    ev->ctx.src_pair_conns, p->cred_fails, p->cred_conns);
	else
		say(t->evidence,
		    "%s opened %.0f connections to the authentication service %s:%u in the "
		    "last 60 s, threshold %u",
		    t->src, ev->ctx.src_pair_conns, t->dst, ev->rec->dport, p->cred_conns);
	say(t->response,
	    "block %s (fail2ban or a nadxdp drop rule), check the service's log for "
	    "successful logins from it, enforce keys or MFA",
	    t->src);
}

static bool callback(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.callback;
}

static void callback_text(const struct classify_evidence *ev, const struct profile *p,
			  const struct text *t)
{
	say(t->evidence,
	    "callback after service access: %s and %s opened a new connection (port %u) "
	    "within 60 s of payload to a sensitive or web service",
	    t->src, t->dst, ev->rec->dport);
	say(t->response, "isolate the target host and inspect it for a shell or dropped payload; "
			 "block the peer");
}

/*
 * Bytes a home host sends on connections it opened (or, ftp-data, asked for) to a
 * destination outside the home net. Responses to requests the peer opened never count: a
 * server serving downloads is not exfiltrating, nor is a backup to a home server.
 */
static bool leaves_home(const struct classify_evidence *ev)
{
	return ev->ctx.src_home && !ev->ctx.dst_home &&
	       (ev->rec->flags & (NAD_F_IPV4 | NAD_F_IPV6));
}

static bool exfiltration(const struct classify_evidence *ev, const struct profile *p)
{
	return leaves_home(ev) && ev->ctx.src_pair_upload >= ev->lim.exfil.value;
}

static void exfiltration_text(const struct classify_evidence *ev, const struct profile *p,
			      const struct text *t)
{
	char lim[128];

	say(t->evidence,
	    "%s sent %.1f MB to %s outside the home net in the last 60 s on connections it "
	    "opened%s, %s",
	    t->src, ev->ctx.src_pair_upload / 1e6, t->dst,
	    ev->ctx.dstport_in_baseline ? "" : " (destination port not seen in the warm-up)",
	    limit_text(&ev->lim.exfil, p->k_exfil, 1e-6, " MB", lim, sizeof(lim)));
	say(t->response, "verify the transfer with the owner of %s; block %s if it is not expected",
	    t->src, t->dst);
}

static bool one_way_upload(const struct classify_evidence *ev, const struct profile *p)
{
	const struct nad_rec *r = ev->rec;

	return leaves_home(ev) && (tcp(r) || r->ip_proto == IPPROTO_UDP) &&
	       !ports_is_web(r->dport) && ev->ctx.src_pair_upload >= ev->lim.upload.value &&
	       ev->ctx.src_pair_upload >= 8 * ev->ctx.src_pair_recv;
}

static void one_way_upload_text(const struct classify_evidence *ev, const struct profile *p,
				const struct text *t)
{
	char lim[128];

	say(t->evidence,
	    "one-way upload: %s sent %.1f MB to %s:%u outside the home net in the last 60 s on "
	    "connections it opened and received %.2f MB back, %s",
	    t->src, ev->ctx.src_pair_upload / 1e6, t->dst, ev->rec->dport,
	    ev->ctx.src_pair_recv / 1e6,
	    limit_text(&ev->lim.upload, p->k_exfil, 1e-6, " MB", lim, sizeof(lim)));
	say(t->response,
	    "verify the transfer with the owner of %s; block %s:%u if it is not expected", t->src,
	    t->dst, ev->rec->dport);
}

static bool dns_tunnel(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->rec->dport == 53 && ev->ctx.src_pair_dns_queries >= p->dns_tunnel_queries &&
	       ev->ctx.src_pair_dns_mean >= 64;
}

static void dns_tunnel_text(const struct classify_evidence *ev, const struct profile *p,
			    const struct text *t)
{
	say(t->evidence,
	    "DNS tunnel: %s sent %.0f queries to %s in the last 60 s averaging %.0f B of "
	    "payload (ordinary lookups: 30-45 B), threshold %u queries",
	    t->src, ev->ctx.src_pair_dns_queries, t->dst, ev->ctx.src_pair_dns_mean,
	    p->dns_tunnel_queries);
	say(t->response,
	    "inspect the names %s queries; block the tunnel domain at the resolver and "
	    "force clients through it",
	    t->src);
}

static bool icmp_tunnel(const struct classify_evidence *ev, const struct profile *p)
{
	const struct nad_rec *r = ev->rec;

	return (r->ip_proto == IPPROTO_ICMP || r->ip_proto == IPPROTO_ICMPV6) &&
	       ev->ctx.src_pair_echo >= 10 && ev->ctx.src_pair_echo_mean >= 64 &&
	       ev->ctx.src_pair_echo_sd >= 8;
}

static void icmp_tunnel_text(const struct classify_evidence *ev, const struct profile *p,
			     const struct text *t)
{
	say(t->evidence,
	    "ICMP tunnel: %s sent %.0f echo requests to %s in the last 60 s with %.0f B of "
	    "payload on average, varying by %.0f B (ping pads to a fixed size)",
	    t->src, ev->ctx.src_pair_echo, t->dst, ev->ctx.src_pair_echo_mean,
	    ev->ctx.src_pair_echo_sd);
	say(t->response,
	    "block ICMP echo with payload between %s and %s; inspect %s for a tunnel "
	    "client (ptunnel, icmpsh)",
	    t->src, t->dst, t->src);
}

/*
 * A tunnel spread over several resolvers: much query payload, in queries longer than
 * ordinary names (a busy client's thousands of lookups are 30-45 B each).
 */
static bool dns_volume(const struct classify_evidence *ev, const struct profile *p)
{
	const struct context_figures *c = &ev->ctx;

	return c->src_dns_query_bytes >= 65536 && ev->rec->dport == 53 &&
	       c->src_dns_query_bytes >= 64 * c->src_dns_queries;
}

static void dns_volume_text(const struct classify_evidence *ev, const struct profile *p,
			    const struct text *t)
{
	say(t->evidence,
	    "%s sent %.0f KB of DNS query payload in the last 60 s, %.0f B per query (ordinary "
	    "lookups: 30-45 B; DNS tunnel)",
	    t->src, ev->ctx.src_dns_query_bytes / 1024,
	    ev->ctx.src_dns_query_bytes /
		    (ev->ctx.src_dns_queries > 1 ? ev->ctx.src_dns_queries : 1));
	say(t->response,
	    "inspect the queried domains of %s; block the tunnel domain at the resolver", t->src);
}

static bool mass_registration(const struct classify_evidence *ev, const struct profile *p)
{
	return ev->ctx.dst_new_payload_srcs >= p->mass_reg_srcs && ev->rec->payload_bytes > 0;
}

static void mass_registration_text(const struct classify_evidence *ev, const struct profile *p,
				   const struct text *t)
{
	say(t->evidence,
	    "%.0f sources first seen in the last 10 s sent payload to %s:%u, threshold %u",
	    ev->ctx.dst_new_payload_srcs, t->dst, ev->rec->dport, p->mass_reg_srcs);
	say(t->response, "rate-limit new clients of %s:%u (CAPTCHA, registration throttling)",
	    t->dst, ev->rec->dport);
}

static bool protocol_violation(const struct classify_evidence *ev, const struct profile *p)
{
	return (ev->rec->malformed || ev->ctx.violation) && ev->ctx.src_malformed >= 2;
}

static void protocol_violation_text(const struct classify_evidence *ev, const struct profile *p,
				    const struct text *t)
{
	if (ev->rec->malformed)
		say(t->evidence,
		    "%s sent %.0f malformed packets in the last 60 s (parser reason %u)", t->src,
		    ev->ctx.src_malformed, ev->rec->malformed);
	else
		say(t->evidence,
		    "%s sent %.0f malformed or non-conforming packets in the last 60 s (this "
		    "one: %s)",
		    t->src, ev->ctx.src_malformed, ev->ctx.violation);
	say(t->response, "drop malformed traffic from %s at the edge; check for fuzzing or evasion",
	    t->src);
}

/*
 * A source's traffic over its threshold that is mostly not answered (one-way streams,
 * floods without one signature). A client whose requests are answered is being served:
 * only far above its learned level (10 x k_rate), and only when the server starts to
 * fall behind (a fifth of its requests unanswered), is it excessive.
 */
static bool excessive_traffic(const struct classify_evidence *ev, const struct profile *p)
{
	const struct context_figures *c = &ev->ctx;
	double un = unanswered_share(c);

	if (un >= 0.5)
		return c->src_client_pps >= ev->lim.excess_pps.value ||
		       c->src_bps >= ev->lim.excess_bps.value;
	return ev->lim.excess_far > 0 && c->src_client_pps >= ev->lim.excess_far && un >= 0.2;
}

static void excessive_traffic_text(const struct classify_evidence *ev, const struct profile *p,
				   const struct text *t)
{
	char lim[128];

	say(t->evidence,
	    "%s sends %.0f pkt/s, %.1f MB/s as a client, %.0f%% of it unanswered, without a "
	    "flood signature, %s",
	    t->src, ev->ctx.src_client_pps, ev->ctx.src_bps / 1e6, 100 * unanswered_share(&ev->ctx),
	    limit_text(&ev->lim.excess_pps, p->k_rate, 1, " pkt/s", lim, sizeof(lim)));
	say(t->response, "rate-limit %s (traffic shaping) and check what it transfers", t->src);
}

/*
 * The client side only: a server answering from a service port (a web server's
 * SYN-ACK to a client whose ephemeral port happens to be 4444) contacts nothing.
 */
static bool unusual_destination(const struct classify_evidence *ev, const struct profile *p)
{
	const struct nad_rec *r = ev->rec;
	const struct flow_obs *fo = &ev->ctx.flow;

	/* a conversation with the port (it answered), not a scanner's refused probe of it */
	return ports_is_suspicious(r->dport) && r->sport >= 1024 && fo->from_client &&
	       (fo->state == FLOW_ANSWERED || fo->state == FLOW_EST) &&
	       !(tcp(r) && (r->tcp_flags & NAD_TCP_RST)) && (tcp(r) || r->ip_proto == IPPROTO_UDP);
}

static void unusual_destination_text(const struct classify_evidence *ev, const struct profile *p,
				     const struct text *t)
{
	say(t->evidence, "%s contacts %s:%u, a port used by Tor/IRC/backdoors", t->src, t->dst,
	    ev->rec->dport);
	say(t->response,
	    "check the process on %s that talks to %s:%u; block the destination if "
	    "unexpected",
	    t->src, t->dst, ev->rec->dport);
}

/*
 * The info classes are what the models flag: the score passed the threshold, both
 * detectors agree (each fired at its normal or extreme level), and one of them is at its
 * extreme. One model's marginal excursion topped up by a rule-like criterion (a burst's
 * dos_pattern, a pause's interval_spike) is not a model finding; on the benign captures
 * it was most of the info alerts. Nor is both models' marginal excursion topped up the
 * same way: with logged features (scaler.h) the models tell attack packets from benign
 * ones far better, and the packets both flag just over their thresholds are then benign
 * oddities (multicast, a first DNS query, a rare protocol), not anomalies.
 * scripts/eval-models.sh and make eval measure both.
 */
static bool models_flag(const struct classify_evidence *ev, const struct profile *p)
{
	unsigned c = ev->criteria;

	return ev->score >= ev->threshold && (c & (1u << CRIT_AE | 1u << CRIT_AE_EXTREME)) &&
	       (c & (1u << CRIT_IF | 1u << CRIT_IF_EXTREME)) &&
	       (c & (1u << CRIT_AE_EXTREME | 1u << CRIT_IF_EXTREME));
}

static bool timing_anomaly(const struct classify_evidence *ev, const struct profile *p)
{
	return models_flag(ev, p) && (ev->criteria & (1u << CRIT_INTERVAL_SPIKE) ||
				      ev->ctx.interval_z > 3 || ev->ctx.interval_z < -3);
}

static void timing_anomaly_text(const struct classify_evidence *ev, const struct profile *p,
				const struct text *t)
{
	say(t->evidence,
	    "models flag %s -> %s (score %.1f >= %.1f) and its packet interval is %.1f "
	    "standard deviations from its mean",
	    t->src, t->dst, ev->score, ev->threshold, ev->ctx.interval_z);
	say(t->response, "review the timing of %s's traffic (beaconing, bursts)", t->src);
}

static bool size_anomaly(const struct classify_evidence *ev, const struct profile *p)
{
	return models_flag(ev, p) && (ev->ctx.size_z > 3 || ev->ctx.size_z < -3);
}

static void size_anomaly_text(const struct classify_evidence *ev, const struct profile *p,
			      const struct text *t)
{
	say(t->evidence,
	    "models flag %s -> %s (score %.1f >= %.1f) and its packet size %u B is %.1f "
	    "standard deviations from its mean",
	    t->src, t->dst, ev->score, ev->threshold, ev->rec->wire_bytes, ev->ctx.size_z);
	say(t->response, "review the packet sizes of %s's traffic", t->src);
}

static void behavioral_text(const struct classify_evidence *ev, const struct profile *p,
			    const struct text *t)
{
	say(t->evidence, "models flag %s -> %s:%u %s (score %.1f >= %.1f); no rule explains it",
	    t->src, t->dst, ev->rec->dport, names_proto(ev->rec->ip_proto), ev->score,
	    ev->threshold);
	say(t->response, "review the flow; if it is expected, it will join the baseline at the "
			 "next retraining");
}

/* classify.h's order: the first match wins. */
static const struct class_rule rules[] = {
	{ CLASS_INTRUSION_ATTEMPT, false, follow_up, follow_up_text },
	{ CLASS_SCANNING, false, vertical_scan, vertical_scan_text },
	{ CLASS_SCANNING, false, horizontal_scan, horizontal_scan_text },
	{ CLASS_SCANNING, false, stealth_scan, stealth_scan_text },
	{ CLASS_DOS_ATTACK, false, flood, flood_text },
	{ CLASS_DOS_ATTACK, true, distributed_flood, distributed_flood_text },
	{ CLASS_DOS_ATTACK, false, slow_dos, slow_dos_text, SLOW_DOS_HOLD_S },
	{ CLASS_CREDENTIAL_STUFFING, false, credential_stuffing, credential_stuffing_text },
	{ CLASS_INTRUSION_ATTEMPT, false, callback, callback_text },
	{ CLASS_DATA_EXFILTRATION, false, exfiltration, exfiltration_text },
	{ CLASS_DATA_EXFILTRATION, false, one_way_upload, one_way_upload_text },
	{ CLASS_DATA_EXFILTRATION, false, dns_tunnel, dns_tunnel_text },
	{ CLASS_DATA_EXFILTRATION, false, icmp_tunnel, icmp_tunnel_text },
	{ CLASS_DATA_EXFILTRATION, false, dns_volume, dns_volume_text },
	{ CLASS_MASS_REGISTRATION, true, mass_registration, mass_registration_text },
	{ CLASS_PROTOCOL_VIOLATION, false, protocol_violation, protocol_violation_text },
	{ CLASS_EXCESSIVE_TRAFFIC, false, excessive_traffic, excessive_traffic_text },
	{ CLASS_UNUSUAL_DESTINATION, false, unusual_destination, unusual_destination_text },
	{ CLASS_TIMING_ANOMALY, false, timing_anomaly, timing_anomaly_text },
	{ CLASS_SIZE_ANOMALY, false, size_anomaly, size_anomaly_text },
	{ CLASS_BEHAVIORAL, false, models_flag, behavioral_text },
};

static enum classify_class decide(const struct classify_evidence *given, const struct profile *p,
				  struct classify_result *out, bool text)
{
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];
	const struct class_rule *rule = NULL;
	struct classify_evidence e = *given;
	const struct classify_evidence *ev = &e;

	classify_limits(&e.lim, p, e.baseline, e.rec, &e.ctx);
	out->cls = CLASS_NONE;
	out->by_destination = false;
	out->hold_s = 0;
	out->evidence[0] = out->response[0] = 0;
	/* Unrolled, the calls through the constant table become direct (and inlined). */
#pragma GCC unroll 32
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].match(ev, p)) {
			rule = &rules[i];
			break;
		}
	}
	if (!rule)
		return CLASS_NONE;
	out->cls = rule->cls;
	out->by_destination = rule->by_destination;
	out->hold_s = rule->hold_s;
	if (text) {
		addr_str(ev->rec->saddr, src, sizeof(src));
		addr_str(ev->rec->daddr, dst, sizeof(dst));
		rule->explain(ev, p,
			      &(struct text){ .src = src,
					      .dst = dst,
					      .evidence = out->evidence,
					      .response = out->response });
	}
	return out->cls;
}

enum classify_class classify_decide(const struct classify_evidence *ev, const struct profile *p,
				    struct classify_result *out)
{
	return decide(ev, p, out, true);
}

enum classify_class classify_decide_quiet(const struct classify_evidence *ev,
					  const struct profile *p, struct classify_result *out)
{
	return decide(ev, p, out, false);
}
