#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs the Debian packages nadxdp needs to build, test, benchmark and run
# its namespace test bed. Idempotent; needs root.
set -euo pipefail

build=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev
	libjson-c-dev libopenblas-dev libcriterion-dev libncurses-dev libmicrohttpd-dev)
testbed=(iproute2 iputils-ping tcpreplay hping3 nmap tshark curl nginx-light iperf3 procps
	hydra openssh-server slowhttptest dnsmasq-base netcat-openbsd bind9-dnsutils nftables
	apache2-utils)
# the dashboard tests: the terminal view driven in tmux, the page in headless Chromium;
# promtool (Debian ships it with prometheus) checks /metrics and the alerting rules
test=(tmux chromium prometheus)

missing=()
for p in "${build[@]}" "${testbed[@]}" "${test[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
