#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of `pvf wasm validate/info/run` on the modules of tests/data/wasm
# (built by meson with wat2wasm).
#
# usage: test-wasm-cli.sh PVF ARITH.wasm TRAP.wasm IMPORTS.wasm SIGNEXT.wasm INVALID.wasm
set -u
if [ $# -ne 6 ]; then
	echo "usage: $0 PVF ARITH TRAP IMPORTS SIGNEXT INVALID" >&2
	exit 2
fi
pvf=$1 arith=$2 trap=$3 imports=$4 signext=$5 invalid=$6
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-wasm-cli-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# check NAME WANT_EXIT PATTERN -- CMD...: runs CMD, wants its exit status and
# a line of its stdout+stderr matching the extended regex PATTERN ('' = any).
check() {
	name=$1 want=$2 pattern=$3
	shift 4
	n=$((n + 1))
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$tmp/out"; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $got, wanted $want, pattern '$pattern')"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

# validate
check "validate accepts a valid module" 0 ': valid \(profile pvf\)$' -- \
	"$pvf" wasm validate "$arith"
check "validate rejects a type error" 1 ': invalid: type mismatch' -- \
	"$pvf" wasm validate --profile full "$invalid"
printf '\000asm\002\000\000\000' >"$tmp/badversion.wasm"
check "validate rejects a bad version" 1 ': malformed: ' -- \
	"$pvf" wasm validate "$tmp/badversion.wasm"
check "sign-ext is valid in the full profile" 0 ': valid \(profile full\)$' -- \
	"$pvf" wasm validate --profile full "$signext"
check "sign-ext is outside the pvf profile" 1 ': outside profile: ' -- \
	"$pvf" wasm validate --profile pvf "$signext"
check "validate: missing file is an I/O error" 3 '' -- \
	"$pvf" wasm validate "$tmp/does-not-exist.wasm"
check "validate: bad profile is a usage error" 2 '' -- \
	"$pvf" wasm validate --profile mvp "$arith"

check "validate --json: valid" 0 '^\{"file":.*"valid":true,"profile":"pvf"\}$' -- \
	"$pvf" wasm validate --json "$arith"
check "validate --json: outside the profile, with status and offset" 1 \
	'^\{.*"valid":false,"profile":"pvf","error":\{"status":"outside profile","offset":[0-9]+,"message":"outside profile: .*sign-extension' -- \
	"$pvf" wasm validate --json "$signext"
# run
check "run --json: the results" 0 '^\{"results":\["i32:5"\]\}$' -- \
	"$pvf" wasm run --json "$arith" add i32:2 i32:3
check "run --json: a trap" 1 '^\{"error":\{"status":"trap","trap":"unreachable","message":"trap: unreachable"\}\}$' -- \
	"$pvf" wasm run --json "$trap" boom
check "run i32 add" 0 '^i32:5$' -- "$pvf" wasm run "$arith" add i32:2 i32:3
check "run i32 wraps" 0 '^i32:0$' -- "$pvf" wasm run "$arith" add i32:-1 i32:1
check "run i64 negate" 0 '^i64:18446744073709551615$' -- "$pvf" wasm run "$arith" neg64 i64:1
check "run f64 add" 0 '^f64:3.75$' -- "$pvf" wasm run "$arith" fadd f64:1.5 f64:2.25
check "run f64 raw bits" 0 '^f64:3$' -- \
	"$pvf" wasm run "$arith" fadd f64:0x3ff0000000000000 f64:0x4000000000000000
check "run f32 hex float" 0 '^f32:3$' -- "$pvf" wasm run "$arith" fmul32 f32:0x1.8p0 f32:2
check "run wrong argument type" 2 'expected i32:VALUE' -- "$pvf" wasm run "$arith" add i64:1 i32:2
check "run wrong argument count" 2 'argument' -- "$pvf" wasm run "$arith" add i32:1
check "run unknown export" 2 'no exported function' -- "$pvf" wasm run "$arith" nope
check "run unreachable traps" 1 'trap: unreachable' -- "$pvf" wasm run "$trap" boom
check "run division by zero traps" 1 'trap: integer divide by zero' -- \
	"$pvf" wasm run "$trap" div i32:1 i32:0
check "run signed division" 0 '^i32:4294967293$' -- "$pvf" wasm run "$trap" div i32:-7 i32:2
check "run missing import traps naming it" 1 'env:missing' -- \
	"$pvf" wasm run "$imports" call_missing
check "run imported memory is stubbed with its limits" 0 '^i32:3$' -- \
	"$pvf" wasm run "$imports" pages
check "run --max-pages below the minimum fails" 1 '' -- \
	"$pvf" wasm run --max-pages 2 "$imports" pages
check "run sign-ext in the full profile" 0 '^i32:4294967168$' -- \
	"$pvf" wasm run --profile full "$signext" ext8 i32:128
check "run sign-ext in the pvf profile is rejected" 1 'outside profile' -- \
	"$pvf" wasm run "$signext" ext8 i32:128
check "run --engine native" 0 '^f64:3.75$' -- \
	"$pvf" wasm run --engine native "$arith" fadd f64:1.5 f64:2.25
check "run --engine native traps" 1 'trap: integer divide by zero' -- \
	"$pvf" wasm run --engine native "$trap" div i32:1 i32:0
check "run --engine native missing import" 1 'env:missing' -- \
	"$pvf" wasm run --engine native "$imports" call_missing
check "run --engine bogus" 2 'interp or native' -- \
	"$pvf" wasm run --engine bogus "$arith" add i32:1 i32:2
if command -v zstd >/dev/null 2>&1; then
	zstd -q -o "$tmp/arith.zst" "$arith"
	check "run a bare zstd frame" 0 '^i32:7$' -- "$pvf" wasm run "$tmp/arith.zst" add i32:3 i32:4
fi

# info
check "info lists exports" 0 '"add": func \(i32, i32\) -> \(i32\)' -- "$pvf" wasm info "$arith"
check "info lists the memory export" 0 '"mem": memory \{min 1, max 2\}' -- \
	"$pvf" wasm info "$arith"
check "info lists sections" 0 '^  code +id 10 ' -- "$pvf" wasm info "$arith"
check "info lists the name section" 0 '"name": [0-9]+ bytes' -- "$pvf" wasm info "$arith"
check "info lists imports" 0 'env\.missing: func \(i32\) -> \(i32\)' -- \
	"$pvf" wasm info "$imports"
check "info names the post-MVP feature" 1 '^features: sign-extension$' -- \
	"$pvf" wasm info "$signext"
check "info on MVP modules" 0 '^features: none \(MVP\)$' -- "$pvf" wasm info "$arith"
"$pvf" wasm info --json --profile full "$signext" >"$tmp/info.json" 2>&1
check "info --json is machine-readable" 0 '^ok$' -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["accepted"] is True and d["profile"] == "full", d
assert d["features"] == ["sign-extension"], d["features"]
assert [e["name"] for e in d["exports"]] == ["ext8"], d["exports"]
assert d["exports"][0]["params"] == ["i32"] and d["exports"][0]["results"] == ["i32"]
assert any(s["name"] == "code" for s in d["sections"]), d["sections"]
print("ok")' "$tmp/info.json"

# help
for sub in validate run info spectest; do
	check "$sub --help" 0 '^usage: pvf wasm '"$sub" -- "$pvf" wasm "$sub" --help
done
check "wasm --help lists the commands" 0 'spectest' -- "$pvf" wasm --help

echo "1..$n"
[ "$failed" -eq 0 ]
