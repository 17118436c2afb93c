#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of `pvf precheck`, `pvf validate` (through the host) and `pvf host`.
#
# usage: test-pvf-host-cli.sh PVF DATA_DIR SHARED_DIR
#   DATA_DIR holds pvf_halt.wasm, pvf_trap.wasm and pvf_signext.wasm; the adder
#   checks run only when SHARED_DIR/runtime-blobs exists.
set -u
if [ $# -ne 3 ]; then
	echo "usage: $0 PVF DATA_DIR SHARED_DIR" >&2
	exit 2
fi
pvf=$1 data=$2 blobs=$3/runtime-blobs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-host-cli-XXXXXX") || exit 1
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

# ValidationParams: parent head (4 bytes), block data (5 bytes), relay number, root
printf '10%s14%s%s%s' 68656164 626c6f636b 01000000 \
	0000000000000000000000000000000000000000000000000000000000000000 >"$tmp/p.hex"

check "precheck --help" 0 '^usage: pvf precheck' -- "$pvf" precheck --help
check "precheck: no code" 2 '^usage' -- "$pvf" precheck
check "precheck: missing file" 3 '' -- "$pvf" precheck "$tmp/none"
check "precheck of the halting PVF: accepted" 0 '^accepted$' -- \
	"$pvf" precheck "$data/pvf_halt.wasm"
check "precheck prints CPU time, wall time and peak memory" 0 \
	'^cpu time: [0-9.]+ ms, wall time: [0-9.]+ ms, peak memory: [1-9][0-9]* KiB$' -- \
	"$pvf" precheck "$data/pvf_halt.wasm"
check "precheck of a sign-ext module: rejected" 1 '^rejected: prepare: prevalidation error' -- \
	"$pvf" precheck "$data/pvf_signext.wasm"
check "precheck --json" 1 '"deterministic": true' -- \
	"$pvf" precheck --json "$data/pvf_signext.wasm"
check "precheck --in-process: rejected the same" 1 '^rejected: prevalidation' -- \
	"$pvf" precheck --in-process "$data/pvf_signext.wasm"
check "precheck --worker-dir without workers" 3 'worker programs not found' -- \
	"$pvf" precheck --worker-dir "$tmp" "$data/pvf_halt.wasm"
check "precheck --cache DIR" 0 '^accepted$' -- \
	"$pvf" precheck --cache "$tmp/cache" "$data/pvf_halt.wasm"
check "validate: the halting PVF times out (invalid)" 1 '^invalid: hard timeout$' -- \
	"$pvf" validate --exec-timeout 0.3 "$data/pvf_halt.wasm" --params "$tmp/p.hex"
check "validate: a trap is invalid with the worker's words" 1 '^invalid: trap: unreachable' -- \
	"$pvf" validate "$data/pvf_trap.wasm" --params "$tmp/p.hex"
check "validate --in-process: the same words" 1 '^invalid: trap: unreachable' -- \
	"$pvf" validate --in-process "$data/pvf_trap.wasm" --params "$tmp/p.hex"
check "validate --json through the host" 1 '"kind": "invalid"' -- \
	"$pvf" validate --json "$data/pvf_trap.wasm" --params "$tmp/p.hex"
check "validate: code that fails preparation is an error" 3 'prevalidation' -- \
	"$pvf" validate "$data/pvf_signext.wasm" --params "$tmp/p.hex"
check "validate: bad --exec-timeout" 2 'exec-timeout' -- \
	"$pvf" validate --exec-timeout 0 "$data/pvf_trap.wasm" --params "$tmp/p.hex"

printf '{"id":1,"op":"precheck","code":"%s"}\n{"id":2,"op":"validate","code":"%s","params":"%s","exec_timeout":0.2}\n{"id":3,"op":"bogus"}\n' \
	"$data/pvf_halt.wasm" "$data/pvf_halt.wasm" "$(cat "$tmp/p.hex")" >"$tmp/req"
check "pvf host: precheck answered" 0 '"id":1,"accepted":true' -- \
	sh -c "\"$pvf\" host <\"$tmp/req\""
check "pvf host: validate answered" 0 '"id":2,"valid":false,"outcome":"invalid: hard timeout"' -- \
	sh -c "\"$pvf\" host <\"$tmp/req\""
check "pvf host: a bad request gets an error" 0 '"id":3,"error":"bad request' -- \
	sh -c "\"$pvf\" host <\"$tmp/req\""

if [ -f "$blobs/adder-kagome.compressed.bin" ]; then
	# runtime-abi.md §4.2 vector A
	echo "2101 0100000000000000
0102030405060708090001020304050607080900010203040506070809000102
30f692b256e24009bcb34d0ee84da73c298afacc0924e01105e2eb0f01a87fe2
40 0100000000000000 0100000000000000 01000000
50c969706800c0e9c3c4565dc2babb25e4a73d1db0dee1bcf7745535a32e7ca1" | tr -d ' \n' >"$tmp/a.hex"
	check "precheck adder (kagome, compressed)" 0 '^accepted$' -- \
		"$pvf" precheck "$blobs/adder-kagome.compressed.bin"
	check "validate adder through the host: valid" 0 '^hrmp_watermark: 1$' -- \
		"$pvf" validate "$blobs/adder-kagome.compressed.bin" --params "$tmp/a.hex"
	check "validate adder --json: stats" 0 '"peak_memory_kib": [1-9]' -- \
		"$pvf" validate --json "$blobs/adder-gossamer.wasm" --params "$tmp/a.hex"
	# The progress line (shown at once here: PVF_PROGRESS_DELAY_MS=0), with
	# the CPU time of the workers and jobs below the CLI: the last line
	# carries the totals, and moonbase takes well over 0.1 s of CPU.
	check "precheck --progress: the progress line with CPU time" 0 \
		'^pvf precheck: pre-checking .*moonbase-4300.compressed.bin, done: [0-9.]+ s elapsed, ([1-9]|0\.[1-9])[0-9.]* s CPU$' -- \
		env PVF_PROGRESS_DELAY_MS=0 "$pvf" precheck --progress "$blobs/moonbase-4300.compressed.bin"
	check "precheck --in-process --progress: the same in-process" 0 \
		'^pvf precheck: pre-checking .*, done: [0-9.]+ s elapsed, ([1-9]|0\.[1-9])[0-9.]* s CPU$' -- \
		env PVF_PROGRESS_DELAY_MS=0 "$pvf" precheck --in-process --progress \
		"$blobs/moonbase-4300.compressed.bin"
	n=$((n + 1))
	env PVF_PROGRESS_DELAY_MS=0 "$pvf" precheck "$blobs/adder-kagome.compressed.bin" \
		>"$tmp/out" 2>&1
	env PVF_PROGRESS_DELAY_MS=0 "$pvf" precheck --progress --no-progress \
		"$blobs/adder-kagome.compressed.bin" >>"$tmp/out" 2>&1
	if grep -q 'elapsed' "$tmp/out"; then
		echo "not ok $n - no progress line when stderr is not a terminal or with --no-progress"
		failed=$((failed + 1))
	else
		echo "ok $n - no progress line when stderr is not a terminal or with --no-progress"
	fi
else
	echo "# $blobs not found: adder checks skipped"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
