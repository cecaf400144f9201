# Run the testthat suite against the sdvm installed in a given library,
# checking first that it is the build we think it is.
# Usage: Rscript tools/run-tests.R <library> <goto|switch>
args <- commandArgs(TRUE)
lib <- normalizePath(args[1])
mode <- args[2]
.libPaths(c(lib, .libPaths()))
library(sdvm, lib.loc = lib)
info <- engine_info()
want <- if (mode == "switch") "switch" else "computed-goto"
cat(sprintf("sdvm %s from %s, dispatch = %s\n", info$version, lib, info$dispatch))
if (info$dispatch != want) {
  cat(sprintf("0 passed, 1 failed\n(expected the %s build)\n", want))
  quit(status = 1)
}
res <- as.data.frame(testthat::test_dir("tests/testthat", package = "sdvm", load_package = "installed",
                                        reporter = testthat::ProgressReporter$new(show_praise = FALSE),
                                        stop_on_failure = FALSE))
passed <- sum(res$passed)
failed <- sum(res$failed) + sum(res$error)
skipped <- sum(res$skipped)
cat(sprintf("%d passed, %d failed, %d skipped\n", passed, failed, skipped))
quit(status = if (failed > 0) 1 else 0)
