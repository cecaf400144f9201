#!/usr/bin/env bash
# R CMD check --as-cran on the built tarball; fails on any ERROR or WARNING.
# NOTEs are printed.  The clock check is off: it needs a time server, and
# CI machines have no network ("unable to verify current time").
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
R CMD build --no-manual . > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
tarball=$(ls sdvm_*.tar.gz | tail -n 1)
mv "$tarball" "$dir/"
( cd "$dir" && _R_CHECK_FORCE_SUGGESTS_=false _R_CHECK_SYSTEM_CLOCK_=FALSE R CMD check --as-cran --no-manual "$tarball" > check.log 2>&1 ) || true
grep -E "^\* checking .*(NOTE|WARNING|ERROR)$" -A6 "$dir/sdvm.Rcheck/00check.log" || true
status_line=$(grep -E "^Status:" "$dir/sdvm.Rcheck/00check.log" | tail -n 1)
echo "R CMD check --as-cran: ${status_line:-no status (see log)}"
rm -rf "$dir"
case "$status_line" in
  *ERROR*|*WARNING*|"") exit 1 ;;
esac
