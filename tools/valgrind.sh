#!/usr/bin/env bash
# The R test suite under valgrind (docs/hardening.md):
#
#   bash tools/valgrind.sh [filter]
#
# installs the package into cbuild/R-valgrind, runs the testthat files
# (all but the browser and future-cluster ones, whose work happens in other
# processes; `filter` picks others) in one R under
# valgrind --leak-check=full, and prints valgrind's error summary and leak
# totals.  Slow: about 30x the suite's normal time.  Set SDVM_CORPUS for
# the reference-model tests.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=cbuild/R-valgrind
mkdir -p "$lib"
R CMD INSTALL --no-test-load --library="$lib" . > cbuild/R-valgrind.log 2>&1 || { cat cbuild/R-valgrind.log; exit 1; }
filter=${1:-'^(?!dashboard|batch-future)'}
export NOT_CRAN=true SDVM_SLOW_TESTS=1
R -d "valgrind --leak-check=full --num-callers=30 --error-exitcode=0 --suppressions=tools/valgrind.supp" --vanilla --no-echo -e "
  .libPaths(c('$lib', .libPaths()))
  res <- as.data.frame(testthat::test_dir('tests/testthat', package = 'sdvm', load_package = 'installed',
                                          filter = '$filter', perl = TRUE, stop_on_failure = FALSE,
                                          reporter = testthat::SummaryReporter\$new(show_praise = FALSE)))
  cat(sprintf('%d passed, %d failed, %d skipped\n', sum(res\$passed), sum(res\$failed) + sum(res\$error),
              sum(res\$skipped)))" > cbuild/valgrind.log 2>&1 || true
grep -E "^[0-9]+ passed|ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable" cbuild/valgrind.log | tail -n 8
