#!/usr/bin/env bash
# Fetch Kokkos 3.4.1's source tree from Debian 12's `trilinos` source package.
#
# Usage: fetch-kokkos-source.sh DEST_DIR
#
# Debian 12 has no standalone Kokkos package, but the `trilinos` source package
# (13.2.0-4) carries Kokkos 3.4.1 under packages/kokkos. We give apt a private
# deb-src list derived from this machine's own configured Debian sources (suite
# bookworm), so nothing in the system's apt configuration changes and no host
# name is written anywhere in the repository. Only packages/kokkos is
# extracted. The extracted tree is kept as a small tarball in a cache folder
# outside the clone (KOBIE_CACHE_DIR, default ~/.cache/kobie) so that later
# clean clones do not download the 166 MB archive again.
set -euo pipefail

dest=${1:?usage: fetch-kokkos-source.sh DEST_DIR}
trilinos_version=13.2.0-4
cache_dir=${KOBIE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kobie}
cached_tree="$cache_dir/kokkos-3.4.1-from-trilinos-$trilinos_version.tar.gz"

die() { echo "kobie bootstrap: error: $*" >&2; exit 1; }
log() { echo "kobie bootstrap: $*" >&2; }

mkdir -p "$cache_dir"

if [[ ! -s "$cached_tree" ]]; then
  command -v apt-get >/dev/null || die "apt-get is not available; Kokkos cannot be fetched from Debian's sources. Install Kokkos >= 3.4 yourself and pass -DKokkos_ROOT=<prefix>."
  work=$(mktemp -d "$cache_dir/fetch.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/download"

  # Derive a deb-src entry for suite bookworm from the machine's own sources
  # (deb822 form first, then the legacy one-line form).
  src_list="$work/sources.list"
  uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri=$(awk '
      BEGIN { RS=""; FS="\n" }
      {
        types=""; uris=""; suites=""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/)  { types=$i }
          if ($i ~ /^URIs:/)   { uris=$i }
          if ($i ~ /^Suites:/) { suites=$i }
        }
        if (types ~ /deb/ && suites ~ /[ \t]bookworm([ \t]|$)/) {
          sub(/^URIs:[ \t]*/, "", uris); split(uris, u, /[ \t]+/); print u[1]; exit
        }
      }' "$f")
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$f" ]] || continue
      uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } else break } }' "$f")
      [[ -n "$uri" ]] && break
    done
  fi
  [[ -n "$uri" ]] || die "found no Debian 'bookworm' entry in /etc/apt/sources.list{,.d/} to derive a deb-src source from."
  echo "deb-src $uri bookworm main" > "$src_list"

  apt_opts=(-o "Dir::Etc::SourceList=$src_list" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::State::Lists=$work/lists" -o "Debug::NoLocking=1")
  ok=0
  for attempt in 1 2 3 4; do
    if apt-get "${apt_opts[@]}" -qq update >"$work/update.log" 2>&1; then ok=1; break; fi
    log "apt-get update for Debian's source index failed (attempt $attempt), retrying"; sleep $((attempt * 5))
  done
  [[ $ok == 1 ]] || die "could not read Debian's source index (log: $(cat "$work/update.log" | tail -n 3))"

  ok=0
  for attempt in 1 2 3 4; do
    if (cd "$work/download" && apt-get "${apt_opts[@]}" -qq source --download-only "trilinos=$trilinos_version") >"$work/source.log" 2>&1; then ok=1; break; fi
    log "downloading trilinos=$trilinos_version source failed (attempt $attempt), retrying"; sleep $((attempt * 5))
  done
  [[ $ok == 1 ]] || die "could not download Debian's trilinos=$trilinos_version source package: $(tail -n 3 "$work/source.log")"

  orig=$(ls "$work"/download/trilinos_*.orig.tar.* 2>/dev/null | head -n1)
  [[ -n "$orig" ]] || die "the trilinos source download holds no orig tarball"
  log "extracting packages/kokkos from $(basename "$orig")"
  mkdir -p "$work/x"
  tar xf "$orig" -C "$work/x" --wildcards '*/packages/kokkos/*'
  kdir=$(ls -d "$work"/x/*/packages/kokkos | head -n1)
  [[ -f "$kdir/CMakeLists.txt" ]] || die "the trilinos archive holds no packages/kokkos/CMakeLists.txt"
  tar czf "$work/kokkos.tar.gz" -C "$(dirname "$kdir")" kokkos
  mv "$work/kokkos.tar.gz" "$cached_tree"   # atomic: a partial file is never mistaken for complete
fi

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
tar xzf "$cached_tree" -C "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp/kokkos" "$dest"
rmdir "$dest.tmp"
log "Kokkos 3.4.1 source in $dest"
