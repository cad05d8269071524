#!/usr/bin/env bash
# run_if_cpu_has.sh "FLAG..." COMMAND [ARG...]: runs COMMAND where this CPU
# has every instruction-set FLAG (as /proc/cpuinfo spells them); otherwise
# says which are missing and exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE). For test binaries built for another instruction set
# than the host's, which would die of an illegal instruction here.
set -euo pipefail
(( $# >= 2 )) || { echo "usage: run_if_cpu_has.sh \"FLAG...\" COMMAND [ARG...]" >&2; exit 2; }
wanted=$1
shift
have=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
missing=()
for flag in $wanted; do
  [[ " ${have#*:} " == *" $flag "* ]] || missing+=("$flag")
done
if (( ${#missing[@]} )); then
  echo "SKIPPED: this CPU lacks ${missing[*]}, so $(basename "$1") (built for them) did not run"
  exit 77
fi
exec "$@"
