// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detect/classify.c - evidence rules for the twelve classes (contract in classify.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/addr.h"
#include "common/names.h"
#include "detect/classify.h"
#include "features/ports.h"
#include "nad_parse.h"

static enum classify_class set(struct classify_result *out, enum classify_class c, bool by_dst)
{
	out->cls = c;
	out->by_destination = by_dst;
	return c;
}

/* The sentences cost more than the decision: written only when text is asked for. */
#define EV(...)                                                                      \
	do {                                                                         \
		if (text)                                                            \
			snprintf(out->evidence, sizeof(out->evidence), __VA_ARGS__); \
	} while (0)
#define RESP(...)                                                                    \
	do {                                                                         \
		if (text)                                                            \
			snprintf(out->response, sizeof(out->response), __VA_ARGS__); \
	} while (0)

static enum classify_class decide(const struct classify_evidence *ev, const struct profile *p,
				  struct classify_result *out, bool text)
{
	const struct nad_rec *r = ev->rec;
	char src[48] = "", dst[48] = "";
	bool pass = ev->score >= ev->threshold;

	if (text) {
		addr_str(r->saddr, src, sizeof(src));
		addr_str(r->daddr, dst, sizeof(dst));
	}
	out->cls = CLASS_NONE;
	out->evidence[0] = out->response[0] = 0;

	/* Payload to a sensitive service from a scanner: its follow-up, not more scanning. */
	if (r->ip_proto == IPPROTO_TCP && ports_is_sensitive(r->dport) && r->payload_bytes > 0 &&
	    (ev->src_scanned || ev->ctx.src_rsts >= 3)) {
		EV("%s sends payload to the sensitive service %s:%u after %s",
		   src, dst, r->dport, ev->src_scanned ? "scanning" : "refused attempts (RSTs)");
		RESP("block %s and audit %s for exploitation (patch the service, restrict it "
		     "to management hosts)",
		     src, dst);
		return set(out, CLASS_INTRUSION_ATTEMPT, false);
	}
	/* Scans first: a fast SYN scan is not a SYN flood, its ports tell them apart. */
	if (ev->ctx.src_dst_ports >= p->scan_ports && ev->ctx.src_probe_share >= 0.5 &&
	    ev->ctx.src_recent_ports >= 10) {
		EV("%s probed %u distinct ports (vertical scan, %.0f%% probes, %.0f pkt/s) "
		   "in the last 10 s, threshold %u",
		   src, ev->ctx.src_dst_ports, 100 * ev->ctx.src_probe_share, ev->ctx.src_pps,
		   p->scan_ports);
		RESP("block or rate-limit %s at the edge (nadxdp can drop it in the kernel, see "
		     "mitigation); check which of the probed services answered",
		     src);
		return set(out, CLASS_SCANNING, false);
	}
	if (ev->ctx.src_dst_hosts >= p->scan_hosts && ev->ctx.src_probe_share >= 0.5 &&
	    ev->ctx.src_pkts10 <= 20.0 * ev->ctx.src_dst_hosts) {
		EV("%s probed %u distinct hosts (horizontal scan%s, %.0f%% probes) in the last "
		   "10 s, threshold %u",
		   src, ev->ctx.src_dst_hosts, r->flags & NAD_F_ARP ? " by ARP who-has" : "",
		   100 * ev->ctx.src_probe_share, p->scan_hosts);
		RESP("block %s at the edge (nadxdp can drop it in the kernel); look for follow-up "
		     "connections to the hosts that answered",
		     src);
		return set(out, CLASS_SCANNING, false);
	}
	if (ev->ctx.src_stealth_probes >= 5) {
		EV("%s sent %.0f NULL/FIN/XMAS stealth probes in the last 10 s (tcp flags 0x%02x "
		   "to port %u)",
		   src, ev->ctx.src_stealth_probes, r->tcp_flags, r->dport);
		RESP("block %s at the edge; stealth scans evade stateless filters",
		     src);
		return set(out, CLASS_SCANNING, false);
	}

	/* DoS from one source to one destination. */
	if (ev->ctx.src_pps >= p->dos_pps && ev->ctx.src_top_dst_share >= 0.8) {
		const char *kind = NULL;
		double share = 0;

		if (ev->ctx.src_syn_share >= 0.8)
			kind = "SYN flood", share = ev->ctx.src_syn_share;
		else if (ev->ctx.src_udp_share >= 0.8)
			kind = "UDP flood", share = ev->ctx.src_udp_share;
		else if (ev->ctx.src_icmp_share >= 0.8)
			kind = "ICMP flood", share = ev->ctx.src_icmp_share;
		if (kind) {
			EV("%s: %s sends %.0f pkt/s to %s (%.0f%% of its packets match), "
			   "threshold %.0f pkt/s",
			   kind, src, ev->ctx.src_pps, dst, 100 * share, p->dos_pps);
			RESP("rate-limit or block %s at the edge; nadxdp can drop it in the kernel "
			     "(see mitigation)",
			     src);
			return set(out, CLASS_DOS_ATTACK, false);
		}
	}
	/* Many sources, one victim: spoofed or reflected. */
	if (ev->ctx.dst_pps >= p->dos_dist_pps && ev->ctx.dst_srcs >= 20 &&
	    ev->ctx.dst_flood_share >= 0.8) {
		EV("distributed flood: %s receives %.0f pkt/s from %u distinct sources in the "
		   "last 10 s, %.0f%% SYN/SYN-ACK/RST/UDP/ICMP (%s), threshold %.0f pkt/s",
		   dst, ev->ctx.dst_pps, ev->ctx.dst_srcs, 100 * ev->ctx.dst_flood_share,
		   names_proto(r->ip_proto), p->dos_dist_pps);
		RESP("sources are likely spoofed or reflectors: rate-limit %s traffic to %s "
		     "upstream (SYN cookies, an aggregate SYN rate rule in nadxdp)",
		     names_proto(r->ip_proto), dst);
		return set(out, CLASS_DOS_ATTACK, true);
	}
	/*
	 * Slow DoS holds many completed connections open with little data; a client making many
	 * short requests closes them (FINs) and moves more bytes per connection, so a benign
	 * client fetching a page 20 times a second is not slow DoS.
	 */
	if (r->ip_proto == IPPROTO_TCP && ports_is_web(r->dport) &&
	    ev->ctx.src_pair_conns >= p->slow_conns && ev->ctx.src_pair_acked >= p->slow_conns &&
	    ev->ctx.src_pair_fins <= 0.25 * ev->ctx.src_pair_conns &&
	    ev->ctx.src_pair_bytes_per_conn < 1024) {
		EV("slow DoS: %s opened %.0f connections to %s:%u in the last 60 s and holds "
		   "them (%.0f closed) with %.0f B per connection, threshold %u connections",
		   src,
		   ev->ctx.src_pair_conns < ev->ctx.src_pair_acked ? ev->ctx.src_pair_conns :
								     ev->ctx.src_pair_acked,
		   dst, r->dport, ev->ctx.src_pair_fins, ev->ctx.src_pair_bytes_per_conn,
		   p->slow_conns);
		RESP("limit concurrent connections per client on %s:%u (reverse proxy "
		     "timeouts) and block %s",
		     dst, r->dport, src);
		return set(out, CLASS_DOS_ATTACK, false);
	}
	/*
	 * On SSH every refused attempt shows (a client's first request, "none", is refused
	 * first, so even one password per connection repeats that refusal): there, many
	 * connections need at least one refusal among them, and a script that logs in
	 * successfully every few seconds is automation, not guessing. FTP, POP3 and the
	 * like refuse a one-attempt connection only once, which repeats nothing.
	 */
	if (r->ip_proto == IPPROTO_TCP && ports_is_auth(r->dport) &&
	    ((ev->ctx.src_pair_conns >= p->cred_conns &&
	      (r->dport != 22 || ev->ctx.src_pair_auth_fails >= 1)) ||
	     ev->ctx.src_pair_auth_fails >= p->cred_fails)) {
		if (ev->ctx.src_pair_auth_fails >= 0.5)
			EV("%s had %.0f login attempts refused by the authentication service %s:%u "
			   "over %.0f connections in the last 60 s, thresholds %u refusals or %u "
			   "connections",
			   src, ev->ctx.src_pair_auth_fails, dst, r->dport, ev->ctx.src_pair_conns,
			   p->cred_fails, p->cred_conns);
		else
			EV("%s opened %.0f connections to the authentication service %s:%u in the "
			   "last 60 s, threshold %u",
			   src, ev->ctx.src_pair_conns, dst, r->dport, p->cred_conns);
		RESP("block %s (fail2ban or a nadxdp drop rule), check the service's log for "
		     "successful logins from it, enforce keys or MFA",
		     src);
		return set(out, CLASS_CREDENTIAL_STUFFING, false);
	}
	if (ev->ctx.callback) {
		EV("callback after service access: %s and %s opened a new connection (port %u) "
		   "within 60 s of payload to a sensitive or web service",
		   src, dst, r->dport);
		RESP("isolate the target host and inspect it for a shell or dropped payload; "
		     "block the peer");
		return set(out, CLASS_INTRUSION_ATTEMPT, false);
	}
	if (ev->ctx.outbound && ev->ctx.src_pair_bytes_out >= p->exfil_bytes) {
		EV("%s sent %.1f MB outbound to %s in the last 60 s%s, threshold %.1f MB", src,
		   ev->ctx.src_pair_bytes_out / 1e6, dst,
		   ev->ctx.dstport_in_baseline ? "" : " (destination not in the baseline)",
		   p->exfil_bytes / 1e6);
		RESP("verify the transfer with the owner of %s; block %s if it is not "
		     "expected",
		     src, dst);
		return set(out, CLASS_DATA_EXFILTRATION, false);
	}
	if (!ev->ctx.public_to_local &&
	    (r->ip_proto == IPPROTO_TCP || r->ip_proto == IPPROTO_UDP) && !ports_is_web(r->dport) &&
	    ev->ctx.src_pair_sent >= p->upload_bytes &&
	    ev->ctx.src_pair_sent >= 8 * ev->ctx.src_pair_recv) {
		EV("one-way upload: %s sent %.1f MB to %s:%u in the last 60 s and received %.2f MB "
		   "back, threshold %.1f MB",
		   src, ev->ctx.src_pair_sent / 1e6, dst, r->dport, ev->ctx.src_pair_recv / 1e6,
		   p->upload_bytes / 1e6);
		RESP("verify the transfer with the owner of %s; block %s:%u if it is not expected",
		     src, dst, r->dport);
		return set(out, CLASS_DATA_EXFILTRATION, false);
	}
	if (r->dport == 53 && ev->ctx.src_pair_dns_queries >= p->dns_tunnel_queries &&
	    ev->ctx.src_pair_dns_mean >= 64) {
		EV("DNS tunnel: %s sent %.0f queries to %s in the last 60 s averaging %.0f B of "
		   "payload (ordinary lookups: 30-45 B), threshold %u queries",
		   src, ev->ctx.src_pair_dns_queries, dst, ev->ctx.src_pair_dns_mean,
		   p->dns_tunnel_queries);
		RESP("inspect the names %s queries; block the tunnel domain at the resolver and "
		     "force clients through it",
		     src);
		return set(out, CLASS_DATA_EXFILTRATION, false);
	}
	if ((r->ip_proto == IPPROTO_ICMP || r->ip_proto == IPPROTO_ICMPV6) &&
	    ev->ctx.src_pair_echo >= 10 && ev->ctx.src_pair_echo_mean >= 64 &&
	    ev->ctx.src_pair_echo_sd >= 8) {
		EV("ICMP tunnel: %s sent %.0f echo requests to %s in the last 60 s with %.0f B of "
		   "payload on average, varying by %.0f B (ping pads to a fixed size)",
		   src, ev->ctx.src_pair_echo, dst, ev->ctx.src_pair_echo_mean,
		   ev->ctx.src_pair_echo_sd);
		RESP("block ICMP echo with payload between %s and %s; inspect %s for a tunnel "
		     "client (ptunnel, icmpsh)",
		     src, dst, src);
		return set(out, CLASS_DATA_EXFILTRATION, false);
	}
	if (ev->ctx.src_dns_query_bytes >= 65536 && r->dport == 53) {
		EV("%s sent %.0f KB of DNS query payload in the last 60 s (DNS tunnel)", src,
		   ev->ctx.src_dns_query_bytes / 1024);
		RESP("inspect the queried domains of %s; block the tunnel domain at the resolver",
		     src);
		return set(out, CLASS_DATA_EXFILTRATION, false);
	}
	if (ev->ctx.dst_new_payload_srcs >= p->mass_reg_srcs && r->payload_bytes > 0) {
		EV("%.0f sources first seen in the last 10 s sent payload to %s:%u, threshold %u",
		   ev->ctx.dst_new_payload_srcs, dst, r->dport, p->mass_reg_srcs);
		RESP("rate-limit new clients of %s:%u (CAPTCHA, registration throttling)", dst,
		     r->dport);
		return set(out, CLASS_MASS_REGISTRATION, true);
	}
	if ((r->malformed || ev->ctx.violation) && ev->ctx.src_malformed >= 2) {
		if (r->malformed)
			EV("%s sent %.0f malformed packets in the last 60 s (parser reason %u)",
			   src, ev->ctx.src_malformed, r->malformed);
		else
			EV("%s sent %.0f malformed or non-conforming packets in the last 60 s (this "
			   "one: %s)",
			   src, ev->ctx.src_malformed, ev->ctx.violation);
		RESP("drop malformed traffic from %s at the edge; check for fuzzing or evasion",
		     src);
		return set(out, CLASS_PROTOCOL_VIOLATION, false);
	}
	if ((ev->ctx.src_pps >= p->excess_pps || ev->ctx.src_bps >= p->excess_bps) &&
	    ev->ctx.src_answer_share < 0.5) {
		EV("%s sends %.0f pkt/s, %.1f MB/s without a flood signature, thresholds "
		   "%.0f pkt/s, %.1f MB/s",
		   src, ev->ctx.src_pps, ev->ctx.src_bps / 1e6, p->excess_pps, p->excess_bps / 1e6);
		RESP("rate-limit %s (traffic shaping) and check what it transfers", src);
		return set(out, CLASS_EXCESSIVE_TRAFFIC, false);
	}
	/*
	 * The client side only: a server answering from a service port (a web server's
	 * SYN-ACK to a client whose ephemeral port happens to be 4444) contacts nothing.
	 */
	if (ports_is_suspicious(r->dport) && r->sport >= 1024 &&
	    !(r->ip_proto == IPPROTO_TCP && (r->tcp_flags & (NAD_TCP_RST | NAD_TCP_ACK))) &&
	    (r->ip_proto == IPPROTO_TCP || r->ip_proto == IPPROTO_UDP)) {
		EV("%s contacts %s:%u, a port used by Tor/IRC/backdoors", src,
		   dst, r->dport);
		RESP("check the process on %s that talks to %s:%u; block the destination if "
		     "unexpected",
		     src, dst, r->dport);
		return set(out, CLASS_UNUSUAL_DESTINATION, false);
	}
	/*
	 * The info classes are what the models flag: both detectors must agree (each
	 * fired at its normal or extreme level), and one of them must be at its extreme.
	 * One model's marginal excursion topped up by a rule-like criterion (a burst's
	 * dos_pattern, a pause's interval_spike) is not a model finding; on the benign
	 * captures it was most of the info alerts. Nor is both models' marginal excursion
	 * topped up the same way: with logged features (scaler.h) the models tell attack
	 * packets from benign ones far better, and the packets both flag just over their
	 * thresholds are then benign oddities (multicast, a first DNS query, a rare
	 * protocol), not anomalies. scripts/eval-models.sh and make eval measure both.
	 */
	if (!pass || !(ev->criteria & (1u << CRIT_AE | 1u << CRIT_AE_EXTREME)) ||
	    !(ev->criteria & (1u << CRIT_IF | 1u << CRIT_IF_EXTREME)) ||
	    !(ev->criteria & (1u << CRIT_AE_EXTREME | 1u << CRIT_IF_EXTREME)))
		return CLASS_NONE;
	if (ev->criteria & (1u << CRIT_INTERVAL_SPIKE) || ev->ctx.interval_z > 3 ||
	    ev->ctx.interval_z < -3) {
		EV("models flag %s -> %s (score %.1f >= %.1f) and its packet interval is %.1f "
		   "standard deviations from its mean",
		   src, dst, ev->score, ev->threshold, ev->ctx.interval_z);
		RESP("review the timing of %s's traffic (beaconing, bursts)", src);
		return set(out, CLASS_TIMING_ANOMALY, false);
	}
	if (ev->ctx.size_z > 3 || ev->ctx.size_z < -3) {
		EV("models flag %s -> %s (score %.1f >= %.1f) and its packet size %u B is %.1f "
		   "standard deviations from its mean",
		   src, dst, ev->score, ev->threshold, r->wire_bytes, ev->ctx.size_z);
		RESP("review the packet sizes of %s's traffic", src);
		return set(out, CLASS_SIZE_ANOMALY, false);
	}
	EV("models flag %s -> %s:%u %s (score %.1f >= %.1f); no rule explains it", src, dst,
	   r->dport, names_proto(r->ip_proto), ev->score, ev->threshold);
	RESP("review the flow; if it is expected, it will join the baseline at the next "
	     "retraining");
	return set(out, CLASS_BEHAVIORAL, false);
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
