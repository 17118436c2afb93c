#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP self-test of `pvf wasm spectest` on the scripts of tests/spec/selftest:
# passing and failing assertions are counted right, PVF rejections need a
# justification, stale listed differences fail, the temp dir is removed.
#
# usage: test-runner.sh PVF SELFTEST_DIR
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 PVF SELFTEST_DIR" >&2
	exit 2
fi
pvf=$1 dir=$2
if ! command -v wast2json >/dev/null 2>&1; then
	echo "1..0 # SKIP wast2json (wabt) is not installed"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-runner-test-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/t"
n=0
failed=0

# check NAME WANT_EXIT PATTERN -- CMD...: exit status and a matching output line.
check() {
	name=$1 want=$2 pattern=$3
	shift 4
	n=$((n + 1))
	TMPDIR=$tmp/t "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && grep -Eq -- "$pattern" "$tmp/out"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $got, wanted $want, pattern '$pattern')"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

check "every command of pass.wast passes" 0 '^spectest: 19 passed, 0 failed, 1 skipped$' -- \
	"$pvf" wasm spectest "$dir/pass.wast"
check "every wrong assertion of fail.wast fails" 1 \
	'^spectest: 1 passed, 8 failed, 0 skipped$' -- "$pvf" wasm spectest "$dir/fail.wast"
check "failures name the line and the values" 1 'fail.wast:15: FAIL assert_return: got i32:3, expected i32:4' -- \
	"$pvf" wasm spectest "$dir/fail.wast"
check "--verbose prints both messages of assert_invalid" 0 \
	'pass.wast:54: pass assert_invalid: expected "type mismatch", got invalid: type mismatch' -- \
	"$pvf" wasm spectest --verbose "$dir/pass.wast"
check "PVF: post-MVP modules and their dependants are rejected-by-profile" 0 \
	'^spectest: 3 passed, 0 failed, 1 skipped, 16 rejected-by-profile$' -- \
	"$pvf" wasm spectest --profile pvf "$dir/pass.wast"
check "PVF: an unexplained rejection fails" 1 \
	'pvf.wast:4: FAIL module: PVF profile rejects the module' -- \
	"$pvf" wasm spectest --profile pvf "$dir/pvf.wast"
echo 'pvf.wast:4 stack limiter underflow on unreachable code' >"$tmp/diffs.txt"
check "PVF: a listed difference justifies the rejection" 0 \
	'^spectest: 2 passed, 0 failed, 0 skipped, 4 rejected-by-profile$' -- \
	"$pvf" wasm spectest --profile pvf --differences "$tmp/diffs.txt" "$dir/pvf.wast"
echo 'pvf.wast:16 this command behaves the same in both profiles' >>"$tmp/diffs.txt"
check "PVF: a listed difference that does not happen fails" 1 \
	'pvf.wast:16: FAIL listed PVF difference no longer happens' -- \
	"$pvf" wasm spectest --profile pvf --differences "$tmp/diffs.txt" "$dir/pvf.wast"
echo 'not a difference line' >"$tmp/bad.txt"
check "a malformed differences file is an error" 3 'expected `FILE.wast:LINE REASON`' -- \
	"$pvf" wasm spectest --profile pvf --differences "$tmp/bad.txt" "$dir/pvf.wast"
check "without a converter fix a different message fails" 1 \
	'fix.wast:3: FAIL assert_invalid: expected "invalid result arity"' -- \
	"$pvf" wasm spectest "$dir/fix.wast"
echo 'fix.wast:3 "type mismatch" the binary really has a type mismatch' >"$tmp/fix.txt"
check "a converter fix whose message matches passes" 0 '^spectest: 1 passed, 0 failed, 0 skipped$' -- \
	"$pvf" wasm spectest --converter-fixes "$tmp/fix.txt" "$dir/fix.wast"
echo 'fix.wast:3 "unknown global" another message' >"$tmp/fix.txt"
check "a converter fix with another message does not apply" 1 \
	'fix.wast:3: FAIL listed converter fix no longer applies' -- \
	"$pvf" wasm spectest --converter-fixes "$tmp/fix.txt" "$dir/fix.wast"
echo 'pass.wast:15 "no such message" this assertion needs no fix' >"$tmp/fix.txt"
check "a converter fix that does not apply fails" 1 \
	'pass.wast:15: FAIL listed converter fix no longer applies' -- \
	"$pvf" wasm spectest --converter-fixes "$tmp/fix.txt" "$dir/pass.wast"
n=$((n + 1))
"$pvf" wasm spectest --json "$dir/pass.wast" "$dir/fail.wast" >"$tmp/json" 2>"$tmp/text"
rc=$?
if [ $rc -eq 1 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
files = j["files"]
assert len(files) == 2 and files[0]["file"].endswith("pass.wast"), files
assert files[0]["failed"] == 0 and files[1]["failed"] > 0, files
assert j["passed"] == sum(f["passed"] for f in files) and j["failed"] == files[1]["failed"], j
assert j["profile"] == "full" and j["engine"] == "interp", j
' "$tmp/json" && grep -q 'FAIL' "$tmp/text"; then
	echo "ok $n - --json: per-file counts and totals on stdout, the text on stderr"
else
	echo "not ok $n - --json (exit $rc)"
	sed 's/^/# /' "$tmp/json" "$tmp/text"
	failed=$((failed + 1))
fi
check "a missing script fails" 1 '^spectest: 0 passed, 1 failed, 0 skipped$' -- \
	"$pvf" wasm spectest "$dir/does-not-exist.wast"
n=$((n + 1))
if [ -z "$(ls -A "$tmp/t")" ]; then
	echo "ok $n - the private temporary directories are removed"
else
	echo "not ok $n - left behind in TMPDIR: $(ls -A "$tmp/t")"
	failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" -eq 0 ]
