# Batches distributed over a future plan: a local cluster of two worker
# processes, which receive the model's definition and compile it there.

test_that("a batch over a two-worker cluster equals the threaded batch", {
  skip_on_cran()
  skip_if_not_installed("future")
  m <- teacup_model()
  simulate(m)   # compiled here: the pointer must not be what travels
  p <- data.frame(`Room Temperature` = seq(0, 90, by = 10),
                  `Characteristic Time` = rep(c(5, 12), 5), check.names = FALSE)
  local <- simulate(m, params = p, threads = 2)
  # the workers find sdvm where this session does
  libs <- Sys.getenv("R_LIBS", unset = NA)
  Sys.setenv(R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep))
  on.exit(if (is.na(libs)) Sys.unsetenv("R_LIBS") else Sys.setenv(R_LIBS = libs), add = TRUE)
  old <- future::plan(future::cluster, workers = 2)
  on.exit(future::plan(old), add = TRUE)
  expect_equal(future::nbrOfWorkers(), 2)
  there <- simulate(m, params = p, future = TRUE, progress = FALSE)
  expect_identical(there, local)
  # the runs were made in other processes
  pids <- future::value(lapply(1:2, function(i) future::future(Sys.getpid())))
  expect_false(Sys.getpid() %in% unlist(pids))
  # errors come back classed
  p_bad <- data.frame(`TIME STEP` = c(rep(0.125, 7), -1), check.names = FALSE)
  e <- tryCatch(simulate(m, params = p_bad, saveper = 1, future = TRUE, progress = FALSE),
                error = identity)
  expect_s3_class(e, "sdvm_run_error")
  expect_match(conditionMessage(e), "run 8: ")
})
