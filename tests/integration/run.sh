#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every tests/integration/test_*.sh (or those given), each test_*
# function in its own subshell and scratch dir; print one summary line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:?set BUILD to the build directory}"
export BUILD
pass=0 failn=0 skipn=0 failed=()
files=("$@")
[ ${#files[@]} -eq 0 ] && files=("$here"/test_*.sh)
for f in "${files[@]}"; do
	for t in $(bash -c "source '$here/lib.sh'; source '$f'; declare -F" | awk '{print $3}' | grep '^test_'); do
		tmp=$(mktemp -d /tmp/erebus-it.XXXXXX)
		start=$(date +%s%N)
		(
			T=$tmp
			export T
			source "$here/lib.sh"
			source "$f"
			trap _run_deferred EXIT
			trap 'exit 130' INT TERM
			cd "$(dirname "$here")/.." || exit 1
			set -e
			"$t"
		) >"$tmp/log" 2>&1
		rc=$?
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		name="$(basename "$f" .sh):$t"
		case $rc in
		0) pass=$((pass + 1)); printf 'ok   %-60s %6d ms\n' "$name" "$ms"
		   grep '^NOTE: ' "$tmp/log" | sed 's/^NOTE: /       /' ;;
		77) skipn=$((skipn + 1)); printf 'skip %-60s %s\n' "$name" "$(grep -m1 'SKIP:' "$tmp/log" | sed 's/.*SKIP: //')" ;;
		*) failn=$((failn + 1)); failed+=("$name"); printf 'FAIL %-60s %6d ms\n' "$name" "$ms"; sed 's/^/    | /' "$tmp/log" | tail -n 40 ;;
		esac
		rm -rf "$tmp"
	done
done
echo "integration: $pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
