#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one spec script through `pvf wasm spectest` and enforces the
# known-failure list both ways:
#   - a failing file must be listed (`PROFILE FILE.wast` in KNOWN_FAILURES),
#   - a listed file that now passes fails with "remove it from the list".
# Exits 77 (skip) when the shared testsuite or wast2json is absent.
# ENGINE (optional, default interp) is passed to `--engine`; native-opt is
# the native backend with every function the optimising tier can take
# compiled by it (`--engine native --tiers all`).
#
# usage: run-wast.sh PVF PROFILE TESTSUITE_DIR FILE.wast KNOWN_FAILURES DIFFERENCES FIXES [ENGINE]
set -u
if [ $# -ne 7 ] && [ $# -ne 8 ]; then
	echo "usage: $0 PVF PROFILE TESTSUITE_DIR FILE.wast KNOWN_FAILURES DIFFERENCES FIXES [ENGINE]" >&2
	exit 2
fi
pvf=$1 profile=$2 dir=$3 name=$4 known=$5 diffs=$6 fixes=$7 engine=${8:-interp}
wast=$dir/$name

if [ ! -d "$dir" ]; then
	echo "skip: the shared testsuite directory $dir is absent"
	exit 77
fi
if [ ! -f "$wast" ]; then
	echo "skip: $wast is absent"
	exit 77
fi
if ! command -v wast2json >/dev/null 2>&1; then
	echo "skip: wast2json (wabt) is not installed"
	exit 77
fi

# Lines are `PROFILE FILE.wast [# comment]`; blank lines and # comments ignored.
listed=$(awk -v p="$profile" -v f="$name" '
	/^[ \t]*(#|$)/ { next }
	$1 == p && $2 == f { found = 1 }
	END { print found ? "yes" : "no" }' "$known")

tiers=auto
if [ "$engine" = native-opt ]; then
	engine=native tiers=all
fi
"$pvf" wasm spectest --engine "$engine" --tiers "$tiers" --profile "$profile" --differences "$diffs" --converter-fixes "$fixes" "$wast"
rc=$?

if [ "$listed" = yes ]; then
	if [ $rc -eq 0 ]; then
		echo "FAIL: '$profile $name' passes now: remove it from the list $known"
		exit 1
	fi
	echo "known failure (exit $rc): '$profile $name' is listed in $known"
	exit 0
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: '$profile $name' fails (exit $rc) and is not listed in $known"
	exit 1
fi
exit 0
