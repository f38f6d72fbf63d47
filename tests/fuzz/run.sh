#!/bin/sh
# SPDX-License-Identifier: MIT
# Run libFuzzer harnesses one after the other, FUZZ_SECONDS each (default
# 60), on BUILD/fuzz/corpus/TARGET (kept between runs, reseeded from the
# tree each time) and tests/fuzz/regressions/TARGET. Exits 1 if any harness
# found a crash, a hang or a sanitizer report, naming the input.
# Usage: tests/fuzz/run.sh BUILD TARGET...
set -u
build=$1; shift
secs=${FUZZ_SECONDS:-60}
failed=""

for t in "$@"; do
	bin=$build/fuzz/fuzz_$t
	corpus=$build/fuzz/corpus/$t seeds=$build/fuzz/seeds/$t
	crashes=$build/fuzz/crashes/$t log=$build/fuzz/$t.log
	regressions=tests/fuzz/regressions/$t
	dict=tests/fuzz/$t.dict

	rm -rf "$seeds"
	mkdir -p "$corpus" "$crashes" "$regressions"
	tests/fuzz/seed.sh "$t" "$seeds" || exit 2
	opts="-max_total_time=$secs -rss_limit_mb=2048 -timeout=10 -print_final_stats=1"
	[ -f "$dict" ] && opts="$opts -dict=$dict"
	echo "fuzz: $t: ${secs}s (log: $log)"
	# shellcheck disable=SC2086
	if "$bin" $opts -artifact_prefix="$crashes/" "$corpus" "$seeds" "$regressions" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz: $t: no crash in ${runs:-?} runs; corpus $(ls "$corpus" | wc -l) inputs"
	else
		input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:)' "$log" | head -n 5 | sed "s/^/fuzz: $t: /"
		[ -n "$input" ] || tail -n 3 "$log" | sed "s/^/fuzz: $t: /"
		echo "fuzz: $t: FAILED; input: ${input:-none written, see $log}"
		echo "fuzz: $t: reproduce with: $bin ${input:-}"
		failed="$failed $t"
	fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
