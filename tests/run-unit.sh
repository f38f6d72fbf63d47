#!/bin/sh
# SPDX-License-Identifier: MIT
# Run cmocka unit test binaries; print one summary line.
# Usage: tests/run-unit.sh BIN...
pass=0 fail=0 bad=""
for bin in "$@"; do
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[ +(FAILED|ERROR) +\]|^\[  PASSED  \]|FAIL|Error' >&2 || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ "$rc" != 0 ] && [ -z "$f" ]; then fail=$((fail + 1)); bad="$bad $bin"; fi
	[ "$rc" != 0 ] && printf '%s\n' "$out" >&2
done
echo "unit: $pass passed, $fail failed"
[ -n "$bad" ] && echo "unit: crashed:$bad" >&2
[ "$fail" = 0 ]
