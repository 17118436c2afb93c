#!/bin/sh
# make demo: the end-to-end job of the current stage (see scripts/demo.py).
set -eu
exec python3 "$(dirname "$0")/demo.py" "${1:-build}"
