#!/bin/sh
# SPDX-License-Identifier: MIT
# Seed a fuzzing corpus from the tree (run from the top of the tree).
# Usage: tests/fuzz/seed.sh TARGET DIR
#   experiment: experiments/*.ini, tests/fixtures/experiments/*.ini and the
#               ```ini blocks of docs/*.md, docs/faults/*.md, docs/probes/*.md
#   report:     tests/fixtures/reports/*.json
#   gate:       each report alone, and each with every other as its baseline
#   ledger:     tests/fuzz/corpus/ledger/* and the ledger shown in docs/safety.md
set -eu
target=$1 dir=$2
mkdir -p "$dir"

# Every ```LANG block of the files given, one file each, named after its source.
blocks() {
	lang=$1; shift
	for md in "$@"; do
		awk -v lang="$lang" -v out="$dir/$(echo "$md" | tr / _)" '
			$0 == "```" lang { n++; inside = 1; f = out "." n; printf "" > f; next }
			inside && /^```/ { inside = 0; close(f); next }
			inside { print > f }' "$md"
	done
}

case $target in
experiment)
	cp experiments/*.ini tests/fixtures/experiments/*.ini "$dir/"
	blocks ini docs/*.md docs/faults/*.md docs/probes/*.md
	;;
report)
	cp tests/fixtures/reports/*.json "$dir/"
	;;
gate)
	for r in tests/fixtures/reports/*.json; do
		cp "$r" "$dir/"
		for b in tests/fixtures/reports/*.json; do
			[ "$r" = "$b" ] && continue
			{ cat "$r"; printf '\n---\n'; cat "$b"; } >"$dir/$(basename "$r" .json)+$(basename "$b")"
		done
	done
	;;
ledger)
	cp tests/fuzz/corpus/ledger/* "$dir/"
	blocks "" docs/safety.md
	for f in "$dir"/docs_safety.md.*; do
		grep -q '^erebus-ledger ' "$f" || rm -f "$f"
	done
	;;
*)
	echo "seed.sh: unknown target $target" >&2
	exit 2
	;;
esac
