#!/bin/sh
# SPDX-License-Identifier: MIT
# tmpdir.sh PROGRAM ARG...: run PROGRAM with each @TMP@ in its arguments
# replaced by a fresh temporary directory, and remove that directory when
# PROGRAM has ended. For experiments/monitoring.ini: Prometheus and
# Alertmanager start every run with empty storage (no alert state left
# from the run before), and leave none behind. SIGTERM, SIGINT and SIGHUP
# are passed on to PROGRAM, which is waited for.
set -eu
dir=$(mktemp -d "${TMPDIR:-/tmp}/erebus-monitoring.XXXXXX")
trap 'rm -rf "$dir"' EXIT
prog=$1
shift
n=$#
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	case $a in
	*@TMP@*) a="${a%%@TMP@*}$dir${a#*@TMP@}" ;;
	esac
	set -- "$@" "$a"
	n=$((n - 1))
done
"$prog" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
status=0
wait "$pid" || status=$?
# a signal ended the first wait: wait for PROGRAM itself
while kill -0 "$pid" 2>/dev/null; do
	wait "$pid" || status=$?
done
exit "$status"
