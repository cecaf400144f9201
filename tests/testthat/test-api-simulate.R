test_that("simulate returns a data.frame with time first and one column per variable", {
  m <- teacup_model()
  out <- sdvm::simulate(m)
  expect_s3_class(out, "data.frame")
  expect_equal(names(out), c("time", "Teacup Temperature", "Heat Loss to Room",
                             "Room Temperature", "Characteristic Time"))
  expect_equal(nrow(out), 241)
  expect_equal(out$time[241], 30)
  expect_equal(out[["Teacup Temperature"]][1], 180)
  # Euler: T[n+1] = T[n] - dt * (T[n] - 70) / 10
  expect_equal(out[["Teacup Temperature"]][241], 70 + 110 * (1 - 0.125 / 10)^240, tolerance = 1e-12)
  expect_equal(nrow(simulate(m, saveper = 1)), 31)
  expect_equal(simulate(m, saveper = 1)$time, 0:30)
})

test_that("vars selects columns, by Vensim-style names", {
  out <- simulate(teacup_model(), vars = c("teacup_temperature", "FINAL TIME"))
  expect_equal(names(out), c("time", "Teacup Temperature", "FINAL TIME"))
  expect_error(simulate(teacup_model(), vars = "Teacup Temp"), class = "sdvm_name_error")
})

test_that("params override constants and stock initial values without recompiling", {
  m <- teacup_model()
  base <- simulate(m)
  n0 <- sdvm:::compile_count(m)
  out <- simulate(m, params = list(`Room Temperature` = 20, teacup_temperature = 100))
  expect_equal(sdvm:::compile_count(m), n0)
  rebuilt <- sd_model(start = 0, stop = 30, dt = 0.125) |>
    sd_stock("Teacup Temperature", init = 100, outflows = "Heat Loss to Room") |>
    sd_flow("Heat Loss to Room", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
    sd_const("Room Temperature", 20) |>
    sd_const("Characteristic Time", 10)
  expect_identical(out, simulate(rebuilt))
  # the override does not stick
  expect_identical(simulate(m), base)
  # numeric vector form
  expect_identical(simulate(m, params = c(`Room Temperature` = 20, `Teacup Temperature` = 100)), out)
})

test_that("params naming a flow replaces its equation for that run", {
  m <- teacup_model()
  out <- simulate(m, params = list(`Heat Loss to Room` = 1))
  expect_equal(out[["Teacup Temperature"]][241], 180 - 30)
  expect_equal(simulate(m)[["Teacup Temperature"]][1], 180)
})

test_that("bad params are classed errors naming the variable", {
  m <- teacup_model()
  e <- expect_error(simulate(m, params = list(`Room Temprature` = 1)), class = "sdvm_param_error")
  expect_match(conditionMessage(e), "Room Temprature")
  expect_match(conditionMessage(e), "Did you mean 'Room Temperature'")
  expect_error(simulate(m, params = list(`Room Temperature` = "x")), class = "sdvm_param_error")
  expect_error(simulate(m, params = list(1)), class = "sdvm_param_error")
})

test_that("time settings and methods can be changed per run", {
  m <- teacup_model()
  out <- simulate(m, start = 10, stop = 20, dt = 0.5, saveper = 2)
  expect_equal(out$time, seq(10, 20, by = 2))
  expect_error(simulate(m, dt = 0.3, saveper = 0.5), class = "sdvm_run_error")
  expect_error(simulate(m, dt = -1), class = "sdvm_run_error")
  expect_error(simulate(m, method = "rk5"), class = "sdvm_run_error")
  expect_error(simulate(m, nsim = 0), class = "sdvm_param_error")
})

test_that("integration methods converge at their orders on exponential decay", {
  err <- function(method, dt) {
    out <- simulate(decay_model(method, dt))
    abs(out$x[nrow(out)] - exp(-0.5 * 4))
  }
  # closed forms of the recurrences
  h <- 0.125
  expect_equal(simulate(decay_model("euler"))$x[17], (1 - h)^16, tolerance = 1e-14)
  expect_equal(simulate(decay_model("rk2"))$x[17], (1 - h + h^2 / 2)^16, tolerance = 1e-14)
  expect_equal(simulate(decay_model("rk4"))$x[17], (1 - h + h^2 / 2 - h^3 / 6 + h^4 / 24)^16, tolerance = 1e-14)
  expect_lt(err("rk4", 0.25), 1e-6)
  expect_lt(err("rk4", 0.25), err("rk2", 0.25))
  expect_lt(err("rk2", 0.25), err("euler", 0.25))
  # halving dt: error ratio about 2, 4 and 16
  expect_equal(err("euler", 0.25) / err("euler", 0.125), 2, tolerance = 0.1)
  expect_equal(err("rk2", 0.25) / err("rk2", 0.125), 4, tolerance = 0.1)
  expect_equal(err("rk4", 0.25) / err("rk4", 0.125), 16, tolerance = 0.1)
})

test_that("stateful builtins and lookups run from R", {
  m <- sd_model(stop = 10, dt = 0.5) |>
    sd_aux("input", "10 + STEP(5, 2)") |>
    sd_aux("smoothed", "SMOOTHI(input, 2, 0)") |>
    sd_aux("delayed", "DELAY3(input, 3)") |>
    sd_lookup("shape", x = c(0, 5, 10), y = c(0, 1, 0)) |>
    sd_aux("looked", "shape(Time)")
  out <- simulate(m)
  expect_equal(out$smoothed[3], 10 * (1 - (1 - 0.25)^2) + 0, tolerance = 1e-12)
  expect_equal(out$delayed[1], 10)
  expect_equal(out$looked, approx(c(0, 5, 10), c(0, 1, 0), xout = out$time)$y, tolerance = 1e-12)
  expect_false("shape" %in% names(out))
})

test_that("precision = 'single' holds stocks in single precision", {
  # 2^27 is spaced 16 apart in float: increments of 1 round away
  m <- sd_model(stop = 10) |>
    sd_stock("big", init = 2^27, inflows = "one") |> sd_flow("one", "1") |>
    sd_stock("x", init = 0.1, outflows = "decay") |> sd_flow("decay", "0.3 * x")
  d <- simulate(m)
  s <- simulate(m, precision = "single")
  expect_equal(d$big[11], 2^27 + 10)
  expect_equal(s$big, rep(2^27, 11))
  expect_identical(s$x, as.double(s$x |> as.single() |> as.double()))  # every value a float
  expect_equal(s$x, d$x, tolerance = 1e-6)
  expect_false(identical(s$x, d$x))
  # a model can ask for it; simulate() can override it both ways
  m1 <- sd_model(stop = 10, precision = "single") |>
    sd_stock("big", init = 2^27, inflows = "one") |> sd_flow("one", "1")
  expect_equal(simulate(m1)$big[11], 2^27)
  expect_equal(simulate(m1, precision = "double")$big[11], 2^27 + 10)
  for (meth in c("rk2", "rk4")) expect_equal(simulate(m, method = meth, precision = "single")$big[11], 2^27)
  # batches run each row as alone
  b <- simulate(m, params = data.frame(x = c(0.1, 0.2)), precision = "single", threads = 2)
  expect_identical(b$x[b$run == 2], simulate(m, params = list(x = 0.2), precision = "single")$x)
  expect_error(simulate(m, precision = "half"), class = "sdvm_run_error")
  expect_error(sd_model(precision = "quad"))
})
