# SPDX-License-Identifier: MIT
# The layering of src/ (src/README.md): every call points down the list of
# folders, no source files call each other in a circle, no file is over
# 900 lines, and every folder says what it holds. The checker reads the
# objects of this build, so what it judges is what was compiled.

LAYERS=scripts/layers.py

test_layers_hold_in_this_build() {
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	/usr/bin/python3 "$LAYERS" "$BUILD" --sizes >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "layering findings above"; }
	grep -q '^layers: [0-9]* files calling others, 0 findings$' "$T/out" || fail "no summary: $(cat "$T/out")"
}

# The checker itself must go red: a tree with an upward call and a circle.
test_layers_checker_sees_upward_calls_and_circles() {
	local top=$PWD
	mkdir -p "$T/tree/src/base" "$T/tree/src/engine" "$T/tree/build/src/base" "$T/tree/build/src/engine"
	cd "$T/tree"
	printf 'int engine_go(void);\nint base_helper(void) { return engine_go(); }\n' >src/base/helper.c
	printf 'int base_helper(void);\nint engine_go(void) { return 1; }\nint engine_main(void) { return base_helper(); }\n' >src/engine/run.c
	cc -c -o build/src/base/helper.o src/base/helper.c
	cc -c -o build/src/engine/run.o src/engine/run.c
	set +e
	/usr/bin/python3 "$top/$LAYERS" build >"$T/out" 2>&1
	local rc=$?
	set -e
	assert_eq "$rc" 1 "exit code with findings"
	grep -q '^upward: src/base/helper.c -> src/engine/run.c: engine_go$' "$T/out" || fail "upward call not named: $(cat "$T/out")"
	grep -q '^circle: src/base/helper.c <-> src/engine/run.c$' "$T/out" || fail "circle not named: $(cat "$T/out")"
}

test_every_source_folder_says_what_it_holds() {
	local d missing=""
	for d in $(find src -mindepth 1 -type d) faults; do
		[ -f "$d/README.md" ] || head -n 12 "$d"/*.c 2>/dev/null | grep -q 'may use\|May use' || missing="$missing $d"
	done
	[ -z "$missing" ] || fail "folders without a README.md saying what they hold and may use:$missing"
}
