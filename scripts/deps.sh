#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what Erebus needs to build and test, on Debian 12 (idempotent:
# only missing packages are installed). Elsewhere, print what to install.
set -eu

PKGS="build-essential pkg-config clang libnl-3-dev libnl-route-3-dev libseccomp-dev
libclang-rt-14-dev libcurl4-openssl-dev libinih-dev libcmocka-dev libnftnl-dev libmnl-dev iproute2 nftables procps jq curl
python3 cpulimit valgrind prometheus-blackbox-exporter
libxml2-utils prometheus prometheus-alertmanager chromium fonts-dejavu-core haproxy
qemu-system-x86 busybox-static xz-utils iputils-ping"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PKGS; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
	done
else
	echo "deps: not a Debian system; install the equivalents of:" >&2
	echo "  $PKGS" | tr '\n' ' ' >&2; echo >&2
	echo "  (Fedora: libnl3-devel libseccomp-devel libcurl-devel inih-devel libcmocka-devel libnftnl-devel libmnl-devel nftables jq)" >&2
	exit 0
fi

[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
