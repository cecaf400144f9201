# Time settings that change during a run (Vensim computes them at every
# step): the run ends at the first time past the current FINAL TIME, each
# step is as long as the TIME STEP computed at its start, and rows are
# saved where Time is a multiple of the current SAVEPER.

time_model <- function(settings, extra = character()) {
  path <- tempfile(fileext = ".mdl")
  writeLines(c("level = INTEG(1, 0) ~~|", extra, settings), path)
  read_vensim(path)
}

test_that("a FINAL TIME that follows Time ends the run when its condition holds", {
  m <- time_model(c("FINAL TIME = IF THEN ELSE(Time * 2 - 5 > 50, Time, 100) ~~|",
                    "INITIAL TIME = 0 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = TIME STEP ~~|"))
  out <- simulate(m)
  expect_equal(out$time, 0:28)                 # 28 * 2 - 5 = 51 > 50
  expect_equal(out$level, 0:28)
  # the time settings are returned when asked for
  expect_equal(simulate(m, vars = "FINAL TIME")$`FINAL TIME`, c(rep(100, 28), 28))
  # a FINAL TIME given to simulate() wins over the equation
  expect_equal(simulate(m, stop = 10)$time, 0:10)
})

test_that("TIME STEP and SAVEPER that change during the run", {
  m <- time_model(c("FINAL TIME = IF THEN ELSE(Time < 5, 10, 20) ~~|",
                    "INITIAL TIME = 0 ~~|",
                    "TIME STEP = IF THEN ELSE(Time < 4, 1, 0.5) ~~|",
                    "SAVEPER = IF THEN ELSE(Time < 10, TIME STEP, 5) ~~|"))
  out <- simulate(m)
  expect_equal(out$time, c(0:4, seq(4.5, 9.5, by = 0.5), 10, 15, 20))
  # level integrates 1 with those steps: it equals the time
  expect_equal(out$level, out$time)
  expect_equal(simulate(m, vars = "TIME STEP")$`TIME STEP`, ifelse(out$time < 4, 1, 0.5))
  expect_error(simulate(m, method = "rk4"), class = "sdvm_run_error")
})

test_that("time settings still cannot depend on stocks", {
  m <- time_model(c("FINAL TIME = level + 10 ~~|", "INITIAL TIME = 0 ~~|",
                    "TIME STEP = 1 ~~|", "SAVEPER = TIME STEP ~~|"))
  expect_error(simulate(m), class = "sdvm_definition_error")
})

test_that("batches of a model whose time settings follow Time give each run's rows", {
  m <- time_model(c("FINAL TIME = IF THEN ELSE(Time >= stop at, Time, 100) ~~|",
                    "stop at = 5 ~~|",
                    "INITIAL TIME = 0 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = TIME STEP ~~|"))
  runs <- simulate(m, params = data.frame(`stop at` = c(3, 7), check.names = FALSE))
  expect_equal(runs$time[runs$run == 1], 0:3)
  expect_equal(runs$time[runs$run == 2], 0:7)
  expect_equal(runs$level[runs$run == 2], simulate(m, params = list(`stop at` = 7))$level)
})
