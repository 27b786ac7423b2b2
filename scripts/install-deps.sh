#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs the Debian packages nadxdp needs, by group. Idempotent; needs root
# only when something is missing.
#
#   scripts/install-deps.sh [GROUP...]     (no group: build testbed dashboard fuzz)
#
#   build      compile nadxdp and run the unit tests (make, make test-unit)
#   testbed    the namespace test bed: root tests, make eval, make demo, make bench
#   dashboard  the dashboard tests: tmux, headless Chromium, promtool
#   fuzz       libFuzzer and clang 14's sanitizer runtimes: make fuzz, make fuzz-quick
#   dev        the maintainers' scripts: clang-format (make format), universal-ctags
#              (scripts/longest-functions.sh)
set -euo pipefail

# libxdp-dev: libxdp's multi-program dispatcher, so nadxdp shares an interface with other
# XDP programs; libinih-dev: the configuration file's parser (key = value lines, each error
# with its line number); libhiredis-dev: the EVE Redis output
build=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev
	libjson-c-dev libopenblas-dev libcriterion-dev libncurses-dev libmicrohttpd-dev libxdp-dev
	libinih-dev libhiredis-dev)
# xdp-tools: xdp-filter and xdp-loader beside nadxdp in the coexistence tests; systemd
# (systemd-analyze verify of the unit), man-db and groff-base (the man pages), util-linux
# (setpriv: the daemon with the unit's capabilities only) in the service tests;
# redis-server: the EVE Redis output's tests start their own on a private socket;
# logrotate: the EVE log's rotation test runs dist/logrotate/nadxdp; python3: the live
# eval's and the soak's services (the IoT collector, the benign users) and reports
testbed=(iproute2 iputils-ping tcpreplay hping3 nmap tshark curl nginx-light iperf3 procps
	hydra openssh-server slowhttptest dnsmasq-base netcat-openbsd bind9-dnsutils nftables
	apache2-utils xdp-tools systemd man-db groff-base util-linux redis-server logrotate python3)
# the terminal view driven in tmux, the page in headless Chromium; promtool (Debian
# ships it with prometheus) checks /metrics
dashboard=(tmux chromium prometheus)
dev=(clang-format universal-ctags)
fuzz=(libclang-rt-14-dev libfuzzer-14-dev)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build testbed dashboard fuzz)

want=()
for g in "${groups[@]}"; do
	case "$g" in
	build) want+=("${build[@]}") ;;
	testbed) want+=("${testbed[@]}") ;;
	dashboard) want+=("${dashboard[@]}") ;;
	dev) want+=("${dev[@]}") ;;
	fuzz) want+=("${build[@]}" "${fuzz[@]}") ;;
	*)
		echo "install-deps: unknown group '$g' (build, testbed, dashboard, dev, fuzz)" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${want[@]}"; do
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
