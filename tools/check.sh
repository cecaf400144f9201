#!/usr/bin/env bash
# The whole test suite: engine C tests in both dispatch builds, then the R
# package built twice (computed goto, and the switch fallback forced with
# SDVM_DISPATCH=switch) with the testthat suite run against each build.
# Ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SDVM_CORPUS:-}" ] && [ -d ../shared/models ]; then
  export SDVM_CORPUS="$(cd ../shared/models && pwd)"
fi
echo "SDVM_CORPUS=${SDVM_CORPUS:-<unset: reference-model tests will be skipped>}"

total_pass=0; total_fail=0; status=0
add_counts() {   # add "N passed, M failed" from the last matching line of $1
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then status=1; total_fail=$((total_fail + 1)); return; fi
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

log=$(mktemp -d)
export SDVM_CROSSBUILD_DIR="$log"
echo "== engine C tests (goto and switch builds)"
make -s test 2>&1 | tee "$log/c.txt" || status=1
add_counts "$log/c.txt"

for mode in goto switch; do
  lib="cbuild/R-$mode"
  rm -rf "$lib"; mkdir -p "$lib"
  echo "== R package, $mode build"
  if [ "$mode" = switch ]; then disp=switch; else disp=; fi
  if ! SDVM_DISPATCH="$disp" R CMD INSTALL --preclean --clean --no-test-load --library="$lib" . > "$log/install-$mode.txt" 2>&1; then
    cat "$log/install-$mode.txt"; status=1; total_fail=$((total_fail + 1)); continue
  fi
  Rscript tools/run-tests.R "$lib" "$mode" 2>&1 | tee "$log/r-$mode.txt" || status=1
  add_counts "$log/r-$mode.txt"
done

rm -rf "$log"
echo "$total_pass passed, $total_fail failed"
[ "$status" -eq 0 ] && [ "$total_fail" -eq 0 ]
