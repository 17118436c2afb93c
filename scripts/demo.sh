#!/bin/sh
# make demo: the end-to-end job of the current stage.
set -eu
build=${1:-build}
"$build/tools/pvf" --help
