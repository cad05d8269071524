#!/usr/bin/env bash
# Compiler launcher for KoBIE's CUDA build (CMAKE_CXX_COMPILER_LAUNCHER):
# runs one compile or link command and keeps its diagnostics (nvcc's warnings
# and the -Xptxas=-v resource report) in LOG_DIR/<object>.log, one file per
# object, so parallel builds never interleave reports.
#
# Usage: cuda-compile-log.sh LOG_DIR compiler args...
set -uo pipefail
log_dir=$1; shift
out=""
prev=""
for a in "$@"; do
  [[ $prev == -o ]] && out=$a
  prev=$a
done
name=$(echo "${out:-unnamed}" | sed 's#^\./##; s#[/ ]#_#g')
mkdir -p "$log_dir"
log="$log_dir/$name.log"
"$@" 2>"$log"
rc=$?
# Show everything except the resource report, which scripts/ptxas-report.py
# turns into a table.
grep -v -E '^ptxas info|^ *[0-9]+ bytes stack frame' "$log" >&2
exit $rc
