/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nad_abi.h - the one header shared by the BPF programs and userspace.
 *
 * Everything here crosses the kernel/user boundary: ring-buffer records, map
 * keys and values, enums. Fixed-width fields only, explicit padding, no
 * pointers, bools or bitfields. Userspace pins every size with _Static_assert
 * (user/abi_check.c) so a layout change breaks the build, not the data.
 *
 * The BPF side includes this after vmlinux.h; userspace includes it after
 * <linux/types.h>. Nothing here may depend on either beyond the __uN types.
 */
#ifndef NAD_ABI_H
#define NAD_ABI_H

#define NAD_PIN_DIR "/sys/fs/bpf/nadxdp"

/* Direction of a packet relative to the monitored interface. */
enum nad_dir {
	NAD_DIR_IN = 0,  /* XDP, ingress */
	NAD_DIR_OUT = 1, /* TC clsact, egress */
	NAD_N_DIRS = 2,
};

/*
 * Why a packet was recorded as malformed. 0 means well formed. The parser
 * stops at the first violation it finds and records what it had parsed up
 * to there; a malformed packet is never silently misparsed.
 */
enum nad_malformed {
	NAD_MAL_NONE = 0,
	NAD_MAL_L2_TRUNC,       /* frame shorter than an Ethernet header */
	NAD_MAL_VLAN_TRUNC,     /* VLAN tag cut off */
	NAD_MAL_VLAN_DEPTH,     /* more than two VLAN tags */
	NAD_MAL_IP4_TRUNC,      /* IPv4 header cut off */
	NAD_MAL_IP4_VERSION,    /* EtherType IPv4 but version != 4 */
	NAD_MAL_IP4_IHL,        /* IHL < 5 */
	NAD_MAL_IP4_TOTLEN,     /* total length < header or beyond the frame */
	NAD_MAL_IP4_FRAG,       /* fragment offset+length beyond 65535, or DF on a fragment */
	NAD_MAL_IP6_TRUNC,      /* IPv6 header cut off */
	NAD_MAL_IP6_VERSION,    /* EtherType IPv6 but version != 6 */
	NAD_MAL_IP6_PAYLEN,     /* payload length beyond the frame */
	NAD_MAL_IP6_EXT_TRUNC,  /* extension header cut off */
	NAD_MAL_IP6_EXT_DEPTH,  /* too many extension headers to follow */
	NAD_MAL_TCP_TRUNC,      /* TCP header cut off */
	NAD_MAL_TCP_DOFF,       /* data offset < 5 or beyond the segment */
	NAD_MAL_TCP_FLAGS,      /* impossible flag combination (SYN+FIN, SYN+RST, none) */
	NAD_MAL_UDP_TRUNC,      /* UDP header cut off */
	NAD_MAL_UDP_LEN,        /* UDP length disagrees with the IP payload length */
	NAD_MAL_ICMP_TRUNC,     /* ICMP/ICMPv6 header cut off */
	NAD_MAL_L4_PORT_ZERO,   /* TCP port 0, UDP destination port 0 */
	NAD_MAL_ARP_TRUNC,      /* ARP (IPv4 over Ethernet) header cut off */
	NAD_MAL_MAX,
};

/* nad_rec.flags */
#define NAD_F_IPV4      0x0001
#define NAD_F_IPV6      0x0002
#define NAD_F_FRAG      0x0004 /* IP fragment (first or later) */
#define NAD_F_FRAG_LATER 0x0008 /* not the first fragment: no L4 header */
#define NAD_F_IP_OPTS   0x0010 /* IPv4 options present */
#define NAD_F_IP6_EXT   0x0020 /* IPv6 extension headers present */
#define NAD_F_L4        0x0040 /* an L4 header was parsed (ports/flags valid) */
#define NAD_F_GSO       0x0080 /* TC saw a GSO super-packet (wire_bytes counts segments) */
#define NAD_F_MALFORMED 0x0100 /* malformed != NAD_MAL_NONE */
#define NAD_F_ARP       0x0200 /* ARP for IPv4 over Ethernet: saddr/daddr are the sender's
				* and target's IPv4 addresses (mapped), sport the opcode */

/*
 * One record per packet (or per sampled packet), 80 bytes.
 * Addresses: IPv6 as is; IPv4 as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d), so both families share one key type. Network order.
 * Ports and lengths are host order.
 */
struct nad_rec {
	__u64 ts_ns;         /* CLOCK_MONOTONIC live (bpf_ktime_get_ns); capture time offline */
	__u32 wire_bytes;    /* bytes on the wire, all GSO segments included */
	__u32 weight;        /* packets this record stands for (>= 1; > 1 when shedding) */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 eth_proto;     /* innermost EtherType after VLAN tags, host order */
	__u16 flags;         /* NAD_F_* */
	__u16 sport;         /* TCP/UDP source port; ICMP: type << 8 | code */
	__u16 dport;         /* TCP/UDP destination port; ICMP echo: identifier */
	__u16 l3_off;        /* offset of the IP header (after VLAN tags) */
	__u16 hdr_bytes;     /* L2 + L3 (+ extension headers) + L4 header bytes */
	__u16 payload_bytes; /* bytes after the headers to the end of the IP datagram, clamped */
	__u16 udp_len;       /* UDP length field, 0 if not UDP */
	__u16 gso_segs;      /* 1, or the number of segments of a GSO packet */
	__u8 dir;            /* enum nad_dir */
	__u8 ip_proto;       /* IPPROTO_*, last next-header for IPv6; 0 if not IP */
	__u8 tcp_flags;      /* FIN..CWR as on the wire; 0 if not TCP */
	__u8 malformed;      /* enum nad_malformed */
	__u8 n_vlans;        /* 0..2 */
	__u8 ttl;            /* IPv4 TTL / IPv6 hop limit */
	__u8 pad[8];
};

/* Per-CPU counters, one array slot. Summed over CPUs in userspace. */
struct nad_stats {
	__u64 pkts[NAD_N_DIRS];
	__u64 bytes[NAD_N_DIRS];
	__u64 recs_emitted;   /* records committed to the ring buffer */
	__u64 recs_shed;      /* packets not recorded, carried by a later record's weight */
	__u64 malformed;      /* packets with malformed != 0 */
	__u64 dropped_rule;   /* packets dropped by a drop rule */
	__u64 allowed_rule;   /* packets a live drop or rate rule would have taken, passed by the allowlist */
	__u64 dropped_rate; /* packets dropped by a rate rule (nad_rate.bpf.h) */
	__u64 pending;        /* packets seen but not yet in any record (weight carried forward) */
	__u64 staged;         /* packets whose records wait in this CPU's stage (their weights) */
	/* Kernel-internal, not counters (do not sum): unread ring data when this
	 * CPU last asked (packets shed on it), and packets since it asked. */
	__u64 rb_avail_est;
	__u64 rb_query_in;
	__u64 pad[2];
};

/* Per-source counters: exact, kept in an LRU hash keyed by source address. */
struct nad_src_key {
	__u8 addr[16]; /* IPv4-mapped or IPv6, network order */
};

struct nad_src_stats {
	__u64 pkts;
	__u64 bytes;
	__u64 syns;      /* TCP SYN without ACK */
	__u64 first_ns;
	__u64 last_ns;
};

/* LPM trie keys for drop and allow rules. prefixlen as the kernel wants it. */
struct nad_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct nad_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

enum nad_rule_origin {
	NAD_ORIGIN_MANUAL = 0,
	NAD_ORIGIN_AUTO = 1,
};

/* Value of a drop rule. Expired rules match nothing; userspace deletes them. */
struct nad_rule {
	__u64 created_ns;
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0 = never */
	__u64 hits;       /* packets dropped by this rule (atomic add) */
	__u64 hit_bytes;
	__u32 origin;     /* enum nad_rule_origin */
	__u32 reason;     /* anomaly class that caused an automatic rule, 0 if manual */
};

/* Value of an allowlist entry. */
struct nad_allow {
	__u64 hits;
};

/*
 * Rate rule, keyed by the attacked destination and, for a signature rule, one
 * source: packets to daddr:dport of protocol proto (from saddr, or from any
 * source when saddr is all zero: an aggregate rule for spoofed or widely
 * distributed floods) beyond rate_pps (burst packets back to back) are
 * dropped in XDP, per CPU. For TCP only connection attempts (SYN without
 * ACK) are subject to it, so established connections are never touched; for
 * UDP every datagram to the port, for ICMP every echo request to the
 * destination is. A packet is held to its source's rule if there is one,
 * else to the aggregate rule. Written by the mitigation (origin auto) and
 * listed by `nadxdp rules list`.
 */
struct nad_rate_key {
	__u8 daddr[16]; /* IPv4-mapped or IPv6, network order */
	__u8 saddr[16]; /* the one source limited; all zero: any source (aggregate rule) */
	__u16 dport;    /* host order; 0 for ICMP/ICMPv6 */
	__u8 proto;     /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	__u8 pad;
};

struct nad_rate {
	__u64 created_ns;
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0 = never; expired rules limit nothing */
	__u64 hits;       /* packets dropped by the budget (atomic add) */
	__u64 hit_bytes;
	__u64 passed;     /* packets subject to the rule that were within budget */
	__u32 rate_pps;   /* budget per CPU, packets per second (> 0) */
	__u32 burst;      /* packets accepted back to back from an idle bucket (> 0) */
	__u32 origin;     /* enum nad_rule_origin */
	__u32 reason;     /* anomaly class that caused it */
};

/*
 * Per-CPU state of one rate rule (LRU per-CPU hash, same key): the
 * bucket is kept as a theoretical arrival time (GCRA), so it needs no
 * floating point: with interval = 1e9 / rate_pps and tat = max(tat_ns, now),
 * a packet passes while tat - now <= (burst - 1) * interval, and then sets
 * tat_ns = tat + interval.
 */
struct nad_rate_state {
	__u64 tat_ns;
};

/* Load-time limits; also the sizes the maps are created with. */
/* The ring's default size (`--ring-mb` sets another power of two, NAD_RINGBUF_MIN..MAX). */
#define NAD_RINGBUF_BYTES (4u << 20)
#define NAD_RINGBUF_MIN (1u << 20)
#define NAD_RINGBUF_MAX (256u << 20)
/*
 * Records a CPU stages before it commits them to the ring with one copy
 * (bpf_ringbuf_output): a ring sample holds 1 to NAD_STAGE_RECS records.
 */
#define NAD_STAGE_RECS 16
/*
 * A partial stage is committed this long after its first record (10 ms;
 * userspace polls every 20 ms anyway). Under steady traffic the timer fires
 * once per period per CPU; in a VM each firing is an interrupt and a timer
 * reprogramming, both VM exits. On the test bed's replay at top speed, local
 * timer interrupts were ~1,630/s with a 1 ms period and ~770/s with 10 ms
 * (~350/s without nadxdp).
 */
#define NAD_STAGE_FLUSH_NS 10000000ULL
#define NAD_SRC_ENTRIES 65536
#define NAD_RULE_ENTRIES 16384
#define NAD_ALLOW_ENTRIES 1024
/* At most 128 (one atomic element count from 2 CPUs up: bpf/nad_rate.bpf.h). */
#define NAD_RATE_ENTRIES 128

#endif /* NAD_ABI_H */
