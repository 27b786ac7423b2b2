#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# testbed.sh - the network-namespace test bed of nadxdp.
#
#   ${P}-cli (benign client)   cli0 198.18.0.2 ----+
#                                                 |   ${P}-br: bridge br0
#   ${P}-atk (attacker)        atk0 198.18.0.3 ----+
#                                                 |
#   ${P}-mon (monitored host)  ${P}0 198.18.0.1 ---+   <- nadxdp attaches here
#
# P is $NADX_PREFIX (default "nadx"): namespaces nadx-mon, nadx-br, nadx-cli,
# nadx-atk and the monitored interface nadx0 inside nadx-mon. Another prefix
# gives a second, independent test bed. Addresses are 198.18.0.0/24 (RFC 2544
# benchmarking range) and, with NADX_IPV6=1, 2001:2:0:1::/64 (RFC 5180).
# Every interface lives in a namespace from the moment it is created: the
# host's own network is never touched, and no route leads out of the bed.
#
# Outside the home net: the attacker namespace also holds 198.19.0.1/16, an
# "external" range (the other half of RFC 2544's 198.18.0.0/15); the monitored
# host reaches it through an on-link route and a static neighbour entry for
# 198.19.0.1, so a home host can open connections to an outside address.
#
# With NADX_NAT=1, `up` also builds a home router doing NAT: ${P}-nat is on the
# bridge as 198.18.0.5 and masquerades (nftables) for the clients in ${P}-lan,
# 198.18.1.10-17 on a private link (198.18.1.1 is the router's inside). The
# monitored host sees all of them as one address, 198.18.0.5.
#
# The bed is quiet: neighbour entries are static (no ARP), so are the
# bridge's forwarding entries (no flooding of unicast to a third host), IPv6 is disabled
# unless NADX_IPV6=1 (no ND, MLD or router solicitations), STP and multicast
# snooping are off on the bridge. A packet counted on ${P}0 is a packet a test
# sent.
#
# Usage: testbed.sh up | down | status | env | exec NS CMD...
#   up      build the bed (removes a previous one of the same prefix first)
#   down    remove everything the bed might have made, even half-made; idempotent
#   status  show namespaces, interfaces and addresses
#   env     print shell assignments (TB_MON_NS=... TB_MON_IF=... TB_MON_MAC=...)
#   exec NS CMD...  run CMD in namespace NS (mon, br, cli, atk, nat, lan or a full name)
#           with nsenter --net only: the mount namespace is kept, so pinned BPF
#           maps under /sys/fs/bpf stay visible (ip netns exec remounts /sys).
set -euo pipefail

P=${NADX_PREFIX:-nadx}
if ! [[ $P =~ ^[a-z][a-z0-9]{0,7}$ ]]; then
	echo "testbed: NADX_PREFIX must be 1-8 lowercase letters/digits, starting with a letter" >&2
	exit 2
fi
IPV6=${NADX_IPV6:-0}

NAT=${NADX_NAT:-0}

NS_MON=$P-mon NS_BR=$P-br NS_CLI=$P-cli NS_ATK=$P-atk NS_NAT=$P-nat NS_LAN=$P-lan
ALL_NS=("$NS_MON" "$NS_BR" "$NS_CLI" "$NS_ATK" "$NS_NAT" "$NS_LAN")
IF_MON=${P}0 IF_CLI=cli0 IF_ATK=atk0 IF_NAT=nat0 IF_NATIN=natin0 IF_LAN=lan0
IP_MON=198.18.0.1 IP_CLI=198.18.0.2 IP_ATK=198.18.0.3 IP_NAT=198.18.0.5
IP_EXT=198.19.0.1 NET_EXT=198.19.0.0/16
IP_NATIN=198.18.1.1 LAN_IPS=(198.18.1.{10..17})
IP6_MON=2001:2:0:1::1 IP6_CLI=2001:2:0:1::2 IP6_ATK=2001:2:0:1::3
# Fixed, locally administered MACs: tests and tcprewrite can rely on them.
MAC_MON=02:4e:41:44:00:01 MAC_CLI=02:4e:41:44:00:02 MAC_ATK=02:4e:41:44:00:03
MAC_NAT=02:4e:41:44:00:05 MAC_NATIN=02:4e:41:44:01:01 MAC_LAN=02:4e:41:44:01:10

die() {
	echo "testbed: $*" >&2
	exit 1
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "needs root (creates network namespaces)"
	command -v ip >/dev/null || die "ip (iproute2) not found"
	command -v nsenter >/dev/null || die "nsenter (util-linux) not found"
	command -v ping >/dev/null || die "ping (iputils-ping) not found"
}

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

ns_exists() {
	[ -e "/run/netns/$1" ]
}

cmd_down() {
	local ns pid
	for ns in "${ALL_NS[@]}"; do
		ns_exists "$ns" || continue
		# Processes left in the namespace (servers, a daemon) would keep it,
		# and their interfaces, alive after the name is gone.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null || true
		done
	done
	for ns in "${ALL_NS[@]}"; do
		ns_exists "$ns" || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.2
		done
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns delete "$ns" 2>/dev/null || true
	done
	# An interrupted `ip netns add` can leave a bare mount point behind.
	for ns in "${ALL_NS[@]}"; do
		if [ -e "/run/netns/$ns" ]; then
			umount "/run/netns/$ns" 2>/dev/null || true
			rm -f "/run/netns/$ns"
		fi
	done
}

# veth pair created directly inside the two namespaces.
add_port() {
	local ns=$1 ifname=$2 mac=$3 port=$4
	ip link add "$ifname" netns "$ns" address "$mac" type veth peer name "$port" netns "$NS_BR"
	in_ns "$NS_BR" ip link set "$port" master br0
	# Static forwarding entry: unicast to a known host is never flooded to the others.
	in_ns "$NS_BR" bridge fdb replace "$mac" dev "$port" master static
	in_ns "$NS_BR" ip link set "$port" up
}

setup_host() {
	local ns=$1 ifname=$2 ip4=$3 ip6=$4
	in_ns "$ns" ip link set lo up
	if [ "$IPV6" = 1 ] && [ "$ip6" != - ]; then
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=0
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=0"
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifname.accept_dad=0"
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifname.router_solicitations=0"
		in_ns "$ns" ip -6 addr add "$ip6/64" dev "$ifname" nodad
	else
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=1"
	fi
	in_ns "$ns" ip addr add "$ip4/24" dev "$ifname"
	in_ns "$ns" ip link set "$ifname" up
}

# Static neighbour entries: no ARP/ND on the wire, first packets never wait.
add_neigh() {
	local ns=$1 ifname=$2 self=$3
	local -a peers=("$IP_MON $IP6_MON $MAC_MON" "$IP_CLI $IP6_CLI $MAC_CLI" "$IP_ATK $IP6_ATK $MAC_ATK")
	[ "$NAT" = 1 ] && peers+=("$IP_NAT - $MAC_NAT")
	local p ip4 ip6 mac
	for p in "${peers[@]}"; do
		read -r ip4 ip6 mac <<<"$p"
		[ "$ip4" = "$self" ] && continue
		in_ns "$ns" ip neigh replace "$ip4" lladdr "$mac" dev "$ifname" nud permanent
		if [ "$IPV6" = 1 ] && [ "$ip6" != - ]; then
			in_ns "$ns" ip -6 neigh replace "$ip6" lladdr "$mac" dev "$ifname" nud permanent
		fi
	done
}

# The external range: addresses on the attacker, an on-link route on the monitored host.
setup_external() {
	in_ns "$NS_ATK" ip addr add "$IP_EXT/${NET_EXT#*/}" dev "$IF_ATK"
	in_ns "$NS_MON" ip route add "$NET_EXT" dev "$IF_MON" scope link
	in_ns "$NS_MON" ip neigh replace "$IP_EXT" lladdr "$MAC_ATK" dev "$IF_MON" nud permanent
}

# The NAT router on the bridge and its clients behind it (NADX_NAT=1).
setup_nat() {
	local ip
	add_port "$NS_NAT" "$IF_NAT" "$MAC_NAT" p-nat
	setup_host "$NS_NAT" "$IF_NAT" "$IP_NAT" -
	add_neigh "$NS_NAT" "$IF_NAT" "$IP_NAT"
	ip link add "$IF_LAN" netns "$NS_LAN" address "$MAC_LAN" type veth \
		peer name "$IF_NATIN" netns "$NS_NAT" address "$MAC_NATIN"
	in_ns "$NS_LAN" ip link set lo up
	in_ns "$NS_NAT" ip addr add "$IP_NATIN/24" dev "$IF_NATIN"
	in_ns "$NS_NAT" ip link set "$IF_NATIN" up
	for ip in "${LAN_IPS[@]}"; do
		in_ns "$NS_LAN" ip addr add "$ip/24" dev "$IF_LAN"
		in_ns "$NS_NAT" ip neigh replace "$ip" lladdr "$MAC_LAN" dev "$IF_NATIN" nud permanent
	done
	in_ns "$NS_LAN" ip link set "$IF_LAN" up
	in_ns "$NS_LAN" ip neigh replace "$IP_NATIN" lladdr "$MAC_NATIN" dev "$IF_LAN" nud permanent
	in_ns "$NS_LAN" ip route add default via "$IP_NATIN"
	in_ns "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$NS_NAT" nft -f - <<EOF
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$IF_NAT" masquerade
	}
}
EOF
}

cmd_up() {
	cmd_down
	# From here a failure removes the half-made bed.
	trap 'rc=$?; trap - ERR; echo "testbed: up failed (line $LINENO), removing the partial test bed" >&2; cmd_down; exit $rc' ERR
	local ns
	local -a made=("$NS_MON" "$NS_BR" "$NS_CLI" "$NS_ATK")
	[ "$NAT" = 1 ] && made+=("$NS_NAT" "$NS_LAN")
	for ns in "${made[@]}"; do
		ip netns add "$ns"
		# IPv6 off before any interface exists, unless asked for.
		if [ "$IPV6" != 1 ]; then
			in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
			in_ns "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		fi
	done
	in_ns "$NS_BR" ip link set lo up
	in_ns "$NS_BR" ip link add br0 type bridge stp_state 0 mcast_snooping 0 forward_delay 0
	in_ns "$NS_BR" ip link set br0 up
	add_port "$NS_MON" "$IF_MON" "$MAC_MON" p-mon
	add_port "$NS_CLI" "$IF_CLI" "$MAC_CLI" p-cli
	add_port "$NS_ATK" "$IF_ATK" "$MAC_ATK" p-atk
	setup_host "$NS_MON" "$IF_MON" "$IP_MON" "$IP6_MON"
	setup_host "$NS_CLI" "$IF_CLI" "$IP_CLI" "$IP6_CLI"
	setup_host "$NS_ATK" "$IF_ATK" "$IP_ATK" "$IP6_ATK"
	add_neigh "$NS_MON" "$IF_MON" "$IP_MON"
	add_neigh "$NS_CLI" "$IF_CLI" "$IP_CLI"
	add_neigh "$NS_ATK" "$IF_ATK" "$IP_ATK"
	setup_external
	[ "$NAT" = 1 ] && setup_nat
	# The bridge forwards at once (forward_delay 0); wait for carrier anyway.
	for _ in $(seq 50); do
		if in_ns "$NS_CLI" ping -c1 -W1 -q "$IP_MON" >/dev/null 2>&1; then
			break
		fi
		sleep 0.1
	done
	in_ns "$NS_CLI" ping -c1 -W1 -q "$IP_MON" >/dev/null 2>&1 ||
		{ echo "testbed: no connectivity cli -> mon after setup" >&2; false; }
	if [ "$NAT" = 1 ]; then
		in_ns "$NS_LAN" ping -c1 -W1 -q -I "${LAN_IPS[0]}" "$IP_MON" >/dev/null 2>&1 ||
			{ echo "testbed: no connectivity lan -> mon through the NAT" >&2; false; }
	fi
	trap - ERR
	echo "testbed $P up: $NS_MON/$IF_MON $IP_MON, $NS_CLI $IP_CLI, $NS_ATK $IP_ATK" \
		"and external $NET_EXT (bridge in $NS_BR)"
	[ "$NAT" = 1 ] && echo "testbed $P NAT: $NS_NAT $IP_NAT masquerades for $NS_LAN ${LAN_IPS[*]}"
	return 0
}

cmd_status() {
	local ns found=0
	for ns in "${ALL_NS[@]}"; do
		if ns_exists "$ns"; then
			found=1
			echo "== $ns"
			in_ns "$ns" ip -br addr show | grep -v '^lo ' || true
		elif [ "$ns" != "$NS_NAT" ] && [ "$ns" != "$NS_LAN" ]; then
			echo "== $ns (absent)"
		fi
	done
	[ "$found" = 1 ] || return 1
}

cmd_env() {
	cat <<EOF
TB_PREFIX=$P
TB_MON_NS=$NS_MON
TB_BR_NS=$NS_BR
TB_CLI_NS=$NS_CLI
TB_ATK_NS=$NS_ATK
TB_MON_IF=$IF_MON
TB_CLI_IF=$IF_CLI
TB_ATK_IF=$IF_ATK
TB_MON_IP=$IP_MON
TB_CLI_IP=$IP_CLI
TB_ATK_IP=$IP_ATK
TB_MON_IP6=$IP6_MON
TB_CLI_IP6=$IP6_CLI
TB_ATK_IP6=$IP6_ATK
TB_MON_MAC=$MAC_MON
TB_CLI_MAC=$MAC_CLI
TB_ATK_MAC=$MAC_ATK
TB_EXT_IP=$IP_EXT
TB_EXT_NET=$NET_EXT
TB_NAT_NS=$NS_NAT
TB_LAN_NS=$NS_LAN
TB_NAT_IP=$IP_NAT
TB_NAT_MAC=$MAC_NAT
TB_LAN_IPS="${LAN_IPS[*]}"
EOF
}

resolve_ns() {
	case $1 in
	mon | br | cli | atk | nat | lan) echo "$P-$1" ;;
	"$NS_MON" | "$NS_BR" | "$NS_CLI" | "$NS_ATK" | "$NS_NAT" | "$NS_LAN") echo "$1" ;;
	*) return 1 ;;
	esac
}

cmd_exec() {
	[ $# -ge 2 ] || { echo "testbed: exec NS CMD..." >&2; exit 2; }
	local ns
	ns=$(resolve_ns "$1") || { echo "testbed: unknown namespace '$1' (mon, br, cli, atk, nat, lan)" >&2; exit 2; }
	shift
	ns_exists "$ns" || die "namespace $ns does not exist (run: testbed.sh up)"
	exec nsenter --net="/run/netns/$ns" -- "$@"
}

usage() {
	sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

case ${1:-} in
up)
	need_root
	cmd_up
	;;
down)
	need_root
	cmd_down
	;;
status)
	need_root
	cmd_status
	;;
env) cmd_env ;;
exec)
	shift
	need_root
	cmd_exec "$@"
	;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
