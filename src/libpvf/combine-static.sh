#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the installable libpvf.a from the module archives: links them into
# one relocatable object (ld -r), turns every hidden symbol into a local one
# (so only the PVF_API functions stay global and a program linking libpvf.a
# cannot clash with internal names such as base_* or sbx_*), and archives it.
#
# usage: combine-static.sh OUT.a OBJCOPY AR CC... -- ARCHIVE...
set -eu
out=$1 objcopy=$2 ar=$3
shift 3
cc=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	cc="$cc $1"
	shift
done
[ $# -gt 1 ] || { echo "usage: $0 OUT.a OBJCOPY AR CC... -- ARCHIVE..." >&2; exit 2; }
shift
obj=${out%.a}.o
rm -f "$out" "$obj"
# shellcheck disable=SC2086
$cc -r -nostdlib -o "$obj" -Wl,--whole-archive "$@" -Wl,--no-whole-archive
"$objcopy" --localize-hidden "$obj"
"$ar" rcs "$out" "$obj"
rm -f "$obj"
