#!/bin/sh
# Runs the meson test suite in build dir $1 and prints one closing line
# "N passed, N failed, N skipped" from meson's JSON log.
set -u
build=${1:-build}
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" ${MESON_TEST_ARGS:-}
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"): p += 1
        elif r == "SKIP": s += 1
        else: f += 1
except FileNotFoundError:
    pass
print(f"tests: {p} passed, {f} failed, {s} skipped")
PY
exit $rc
