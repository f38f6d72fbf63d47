#!/bin/sh
# SPDX-License-Identifier: MIT
# Run cmocka unit test binaries; print one summary line,
# "unit: N passed, N failed, N skipped", and name every skipped test
# ("unit: skipped: test_x (test_target)") so that no skip goes unseen.
# Usage: tests/run-unit.sh BIN...
pass=0 fail=0 skip=0 bad="" skipped=""
for bin in "$@"; do
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[ +(FAILED|ERROR) +\]|^\[  PASSED  \]|FAIL|Error' >&2 || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	names=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([a-z_0-9]*\)$/\1/p' | sort -u)
	for n in $names; do skipped="$skipped $n ($(basename "$bin"))"; done
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
	if [ "$rc" != 0 ] && [ -z "$f" ]; then fail=$((fail + 1)); bad="$bad $bin"; fi
	[ "$rc" != 0 ] && printf '%s\n' "$out" >&2
done
[ -n "$skipped" ] && echo "unit: skipped:$skipped"
echo "unit: $pass passed, $fail failed, $skip skipped"
[ -n "$bad" ] && echo "unit: crashed:$bad" >&2
[ "$fail" = 0 ]
