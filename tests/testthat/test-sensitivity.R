# Sensitivity helpers: Latin hypercube designs, one-at-a-time sweeps,
# quantile bands.

test_that("a Latin hypercube puts one point in each slice of each range", {
  d <- sd_lhs(50, list(a = c(0, 1), b = c(-10, 30)), seed = 3)
  expect_identical(names(d), c("a", "b"))
  expect_identical(nrow(d), 50L)
  expect_identical(sort(floor(d$a * 50)), as.double(0:49))
  expect_identical(sort(floor((d$b + 10) / 40 * 50)), as.double(0:49))
  expect_identical(sd_lhs(50, list(a = c(0, 1), b = c(-10, 30)), seed = 3), d)
  expect_false(identical(sd_lhs(50, list(a = c(0, 1), b = c(-10, 30)), seed = 4), d))
  # the two columns are not in the same order (independent shuffles)
  expect_false(identical(order(d$a), order(d$b)))
  expect_error(sd_lhs(0, list(a = c(0, 1))), class = "sdvm_param_error")
  expect_error(sd_lhs(5, list(a = c(1, 0))), class = "sdvm_param_error")
  expect_error(sd_lhs(5, list(c(0, 1))), class = "sdvm_param_error")
})

test_that("a sweep varies one parameter at a time from the model's values", {
  m <- teacup_model()
  sw <- sd_sweep(m, list(`Room Temperature` = c(20, 30), `Characteristic Time` = c(5, 8, 20)),
                 saveper = 30)
  expect_identical(names(sw)[1:4], c("run", "parameter", "setting", "time"))
  expect_identical(sw$run, rep(1:5, each = 2))
  end <- sw[sw$time == 30, ]
  expect_identical(end$parameter, c(rep("Room Temperature", 2), rep("Characteristic Time", 3)))
  expect_identical(end$setting, c(20, 30, 5, 8, 20))
  expect_identical(end$`Room Temperature`, c(20, 30, 70, 70, 70))
  expect_identical(end$`Characteristic Time`, c(10, 10, 5, 8, 20))
  alone <- simulate(m, params = list(`Characteristic Time` = 8), saveper = 30)
  expect_identical(end$`Teacup Temperature`[4], alone$`Teacup Temperature`[2])
  expect_error(sd_sweep(m, list(`Room Temperature` = "a")), class = "sdvm_param_error")
})

test_that("bands are the quantiles of a variable over the runs at each time", {
  m <- teacup_model()
  runs <- simulate(m, nsim = 40, seed = 5, saveper = 10,
                   params = list(`Room Temperature` = function(n) stats::runif(n, 0, 100)))
  b <- sd_bands(runs, "teacup temperature", probs = c(0.1, 0.5, 0.9))
  expect_s3_class(b, "sdvm_bands")
  expect_identical(names(b), c("time", "10%", "50%", "90%"))
  expect_identical(b$time, c(0, 10, 20, 30))
  at20 <- runs$`Teacup Temperature`[runs$time == 20]
  expect_identical(unname(unlist(b[3, -1])), unname(stats::quantile(at20, c(0.1, 0.5, 0.9))))
  expect_true(all(b$`10%`[-1] < b$`90%`[-1]))
  expect_error(sd_bands(simulate(m), "Teacup Temperature"), class = "sdvm_run_error")
  expect_error(sd_bands(runs, "nope"), class = "sdvm_name_error")
})
