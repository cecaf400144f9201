# sd_calibrate(), sd_loglik() and read_vensim_optimization().

sir_model <- function(beta = 1.2, gamma = 0.3) {
  sd_model(start = 0, stop = 14, dt = 0.125, method = "rk4") |>
    sd_stock("S", init = 762, outflows = "infection") |>
    sd_stock("I", init = 1, inflows = "infection", outflows = "recovery") |>
    sd_stock("R", init = 0, inflows = "recovery") |>
    sd_flow("infection", "beta * S * I / N") |>
    sd_flow("recovery", "gamma * I") |>
    sd_aux("N", "S + I + R") |>
    sd_const("beta", beta) |>
    sd_const("gamma", gamma)
}

logistic_model <- function() {
  sd_model(stop = 20, dt = 0.25) |>
    sd_stock("Population", init = 10, inflows = "births") |>
    sd_flow("births", "growth rate * Population * (1 - Population / capacity)") |>
    sd_const("growth rate", 0.3) |>
    sd_const("capacity", 100)
}

test_that("the SIR model fitted to the 1978 boarding-school influenza outbreak gives the published rates", {
  skip_if_not_installed("outbreaks")
  d <- outbreaks::influenza_england_1978_school
  # day 0 is 21 January 1978, one boy ill (I0 = 1) of 763 (S0 = 762)
  obs <- data.frame(time = as.numeric(d$date - as.Date("1978-01-21")), I = d$in_bed)
  m <- sir_model()
  bounds <- list(beta = c(0.5, 5), gamma = c(0.05, 2))
  # least squares on the number in bed: J. D. Murray, Mathematical Biology I
  # (3rd ed., 2002), section 10.2, fits this outbreak with r = 2.18e-3 per
  # day (beta = r N = 2.18e-3 * 763 = 1.66) and a = 0.44 per day
  fit <- sd_calibrate(m, obs, bounds, objective = "ss")
  expect_true(fit$converged)
  expect_equal(unname(coef(fit)["beta"]), 2.18e-3 * 763, tolerance = 0.02)
  expect_equal(unname(coef(fit)["gamma"]), 0.44, tolerance = 0.02)
  # negative binomial counts: Grinsztajn, Semenova, Margossian and Riou,
  # "Bayesian workflow for disease transmission modeling in Stan",
  # Statistics in Medicine 40 (2021), report posterior medians beta 1.73
  # and gamma 0.54 (recovery time 1.85 days)
  nb <- sd_calibrate(m, obs, bounds, objective = "negbin", log = TRUE)
  expect_equal(unname(coef(nb)["beta"]), 1.73, tolerance = 0.03)
  expect_equal(unname(coef(nb)["gamma"]), 0.54, tolerance = 0.04)
  expect_true(nb$extra$size > 1 && nb$extra$size < 100)
  ci <- confint(nb)
  expect_true(all(ci[, 1] < coef(nb) & coef(nb) < ci[, 2]))
  # the fit's accessors agree with each other
  expect_equal(nobs(fit), 14L)
  expect_equal(as.numeric(logLik(nb)), -nb$value)
  expect_equal(attr(logLik(nb), "df"), 3)   # beta, gamma and the size
  expect_equal(AIC(nb), 2 * 3 + 2 * nb$value)
  expect_equal(fitted(fit)$fitted + residuals(fit), obs$I)
})

test_that("the true parameters lie inside the 95% intervals at about the nominal rate", {
  m <- logistic_model()
  truth <- c("growth rate" = 0.45, capacity = 80)
  clean <- simulate(m, params = as.list(truth), saveper = 1, vars = "Population")
  bounds <- list("growth rate" = c(0.05, 2), capacity = c(20, 300))
  set.seed(20261205)
  hits <- matrix(NA, 40, 2)
  for (k in 1:40) {
    obs <- clean
    obs$Population <- obs$Population + stats::rnorm(nrow(obs), sd = 3)
    fit <- sd_calibrate(m, obs, bounds, objective = "gaussian")
    ci <- confint(fit)   # profile likelihood
    hits[k, ] <- ci[, 1] <= truth & truth <= ci[, 2]
  }
  # 80 intervals at 95%: 76 expected (sd 1.9); fewer than 68, 4 sd below,
  # would mean intervals too narrow.  (Wald intervals cover about 85% here:
  # capacity is seen only late in the run, and the model is far from
  # linear in it, which is why profile intervals are the default.)
  expect_gte(sum(hits), 68)
})

test_that("the least-squares standard errors are those of stats::nls on the same problem", {
  m <- logistic_model()
  clean <- simulate(m, params = list("growth rate" = 0.45, capacity = 80), saveper = 1, vars = "Population")
  set.seed(1)
  obs <- clean
  obs$Population <- obs$Population + stats::rnorm(nrow(obs), sd = 3)
  fit <- sd_calibrate(m, obs, list("growth rate" = c(0.05, 2), capacity = c(20, 300)), objective = "ss")
  pred <- function(r, K) simulate(m, params = list("growth rate" = r, capacity = K), saveper = 1,
                                  vars = "Population")$Population
  y <- obs$Population
  ref <- summary(stats::nls(y ~ pred(r, K), start = list(r = 0.4, K = 85)))$coefficients
  expect_equal(unname(coef(fit)), unname(ref[, 1]), tolerance = 1e-6)
  expect_equal(unname(sqrt(diag(vcov(fit)))), unname(ref[, 2]), tolerance = 1e-4)
})

test_that("observations off the save grid, irregular and missing are compared at their own times", {
  m <- sd_model(stop = 10, dt = 0.5) |>
    sd_stock("Level", init = 0, inflows = "fill") |>
    sd_flow("fill", "rate") |>
    sd_const("rate", 1)
  # Level = rate * t exactly (Euler on a constant flow); data at odd times
  obs <- data.frame(time = c(0.3, 1.7, 2.2, 4.9, 7.25, 9.9), Level = 2.5 * c(0.3, 1.7, 2.2, 4.9, 7.25, 9.9))
  obs$Level[3] <- NA
  fit <- sd_calibrate(m, obs, list(rate = c(0, 10)))
  expect_equal(unname(coef(fit)), 2.5, tolerance = 1e-6)
  expect_equal(nrow(fitted(fit)), 5L)
  expect_equal(fitted(fit)$fitted, 2.5 * obs$time[-3], tolerance = 1e-6)
})

test_that("a stock's initial value and several series with weights are estimated", {
  m <- sd_model(stop = 10, dt = 0.25) |>
    sd_stock("Tank", init = 50, outflows = "drain") |>
    sd_flow("drain", "Tank / residence time") |>
    sd_aux("Outflow seen", "drain") |>
    sd_const("residence time", 4)
  truth <- list(Tank = 80, "residence time" = 2.5)
  obs <- simulate(m, params = truth, saveper = 1, vars = c("Tank", "Outflow seen"))
  fit <- sd_calibrate(m, obs, list(Tank = c(10, 200), "residence time" = c(0.5, 10)),
                      weights = c(Tank = 1, "Outflow seen" = 10))
  expect_equal(unname(coef(fit)), c(80, 2.5), tolerance = 1e-5)
  expect_equal(sort(unique(fitted(fit)$variable)), c("Outflow seen", "Tank"))
})

test_that("a lookup's scale factor is estimated with a constant", {
  # the truth: the lookup's values times 1.5, and an offset of 0.5
  truth_model <- sd_model(stop = 10, dt = 0.25) |>
    sd_stock("Level", init = 0, inflows = "inflow") |>
    sd_flow("inflow", "effect(Time) * gain + offset") |>
    sd_lookup("effect", x = c(0, 5, 10), y = 1.5 * c(1, 2, 1.5)) |>
    sd_const("gain", 2) |> sd_const("offset", 0.5)
  m2 <- sd_model(stop = 10, dt = 0.25) |>
    sd_stock("Level", init = 0, inflows = "inflow") |>
    sd_flow("inflow", "effect(Time) * gain + offset") |>
    sd_lookup("effect", x = c(0, 5, 10), y = c(1, 2, 1.5)) |>
    sd_const("gain", 2) |> sd_const("offset", 0)
  obs <- simulate(truth_model, saveper = 1, vars = "Level")
  fit <- sd_calibrate(m2, obs, list(effect = c(0.2, 5), offset = c(-2, 2)))
  expect_equal(unname(coef(fit)), c(1.5, 0.5), tolerance = 1e-5)
  expect_equal(simulate(fit, vars = "Level")$Level, simulate(truth_model, vars = "Level")$Level,
               tolerance = 1e-6)
  expect_equal(length(unique(simulate(fit, nsim = 3, seed = 1, vars = "Level")$run)), 3L)
})

test_that("Poisson counts and a user objective", {
  m <- sir_model()
  clean <- simulate(m, params = list(beta = 1.7, gamma = 0.45), saveper = 1, vars = "I")
  set.seed(7)
  obs <- data.frame(time = clean$time[-1], I = stats::rpois(14, clean$I[-1]))
  pois <- sd_calibrate(m, obs, list(beta = c(0.5, 5), gamma = c(0.05, 2)), objective = "poisson")
  expect_equal(unname(coef(pois)), c(1.7, 0.45), tolerance = 0.05)
  # a user objective: the same Poisson negative log-likelihood, by hand
  nll <- function(sim, observed) -sum(stats::dpois(observed$value, sim$value, log = TRUE))
  user <- sd_calibrate(m, obs, list(beta = c(0.5, 5), gamma = c(0.05, 2)), objective = nll)
  expect_equal(coef(user), coef(pois), tolerance = 1e-4)
  expect_equal(user$value, pois$value, tolerance = 1e-6)
  # its vcov comes from a finite-difference Hessian; the expected
  # information of the Poisson objective should be close
  expect_equal(sqrt(diag(vcov(user))), sqrt(diag(vcov(pois))), tolerance = 0.25)
})

test_that("multi-start and a global search find the global minimum", {
  m <- logistic_model()
  obs <- simulate(m, params = list("growth rate" = 0.45, capacity = 80), saveper = 1, vars = "Population")
  bounds <- list("growth rate" = c(0.01, 3), capacity = c(20, 300))
  fit <- sd_calibrate(m, obs, bounds, starts = 5, seed = 1)
  expect_equal(nrow(fit$searches), 5L)
  expect_equal(unname(coef(fit)), c(0.45, 80), tolerance = 1e-4)
  skip_if_not_installed("DEoptim")
  g <- sd_calibrate(m, obs, bounds, global = "DEoptim", seed = 1)
  expect_equal(unname(coef(g)), c(0.45, 80), tolerance = 1e-4)
  expect_equal(g$searches$from[1], "global")
  skip_if_not_installed("nloptr")
  n <- sd_calibrate(m, obs, bounds, global = "nloptr", seed = 1)
  expect_equal(unname(coef(n)), c(0.45, 80), tolerance = 1e-4)
})

test_that("a fit simulates, draws parameters for bands, prints and plots", {
  m <- logistic_model()
  set.seed(2)
  obs <- simulate(m, params = list("growth rate" = 0.45, capacity = 80), saveper = 1, vars = "Population")
  obs$Population <- obs$Population + stats::rnorm(nrow(obs), sd = 2)
  fit <- sd_calibrate(m, obs, list("growth rate" = c(0.05, 2), capacity = c(20, 300)), log = TRUE)
  one <- simulate(fit, vars = "Population")
  direct <- simulate(m, params = as.list(coef(fit)), vars = "Population")
  expect_equal(one$Population, direct$Population)
  many <- simulate(fit, nsim = 30, seed = 1, vars = "Population")
  expect_equal(length(unique(many$run)), 30L)
  b <- sd_bands(many, "Population")
  expect_true(all(b[["5%"]] <= b[["95%"]]))
  expect_output(print(fit), "gaussian|ss fit")
  expect_output(print(summary(fit)), "std.error")
  f <- tempfile(fileext = ".png")
  grDevices::png(f)
  expect_invisible(plot(fit))
  grDevices::dev.off()
  expect_gt(file.size(f), 1000)
})

test_that("bad input gives classed errors that say what is wrong", {
  m <- logistic_model()
  obs <- data.frame(time = 0:20, Population = seq(10, 80, length.out = 21))
  ok <- list("growth rate" = c(0.05, 2))
  expect_error(sd_calibrate(m, obs, list("growth rat" = c(0, 1))), "not a variable of this model",
               class = "sdvm_param_error")
  expect_error(sd_calibrate(m, obs, list("growth rate" = c(2, 0.05))), "reversed",
               class = "sdvm_param_error")
  expect_error(sd_calibrate(m, obs, list(births = c(0, 1))), "calibration moves constants",
               class = "sdvm_param_error")
  expect_error(sd_calibrate(m, obs, list("growth rate" = c(-1, 2)), log = "growth rate"),
               "lower bound -1 is not positive", class = "sdvm_param_error")
  expect_error(sd_calibrate(m, data.frame(time = 0:3, Populaton = 1:4), ok), "not a variable",
               class = "sdvm_name_error")
  expect_error(sd_calibrate(m, data.frame(time = 30:40, Population = 1:11), ok),
               "No observation lies within", class = "sdvm_data_error")
  expect_error(sd_calibrate(m, data.frame(time = 0:3, Population = NA_real_), ok),
               "all missing", class = "sdvm_data_error")
  expect_error(sd_calibrate(m, data.frame(Population = 1:3), ok), "time", class = "sdvm_data_error")
  expect_error(sd_calibrate(m, obs, ok, start = list("growth rate" = 5)), "outside its bounds",
               class = "sdvm_param_error")
  expect_warning(sd_calibrate(m, data.frame(time = c(5, 50), Population = c(40, 90)), ok),
                 "1 of 2 observations lie outside")
})

test_that("runs that go non-finite during the search are penalised with a warning naming the values", {
  # for r above about 0.66 the flow overflows to Inf
  m <- sd_model(stop = 10, dt = 0.5) |>
    sd_stock("X", init = 1, inflows = "grow") |>
    sd_flow("grow", "X * r + EXP(EXP(r * 10))") |>
    sd_const("r", 0.15)
  obs <- simulate(m, params = list(r = 0.1), vars = "X", saveper = 1)
  expect_warning(fit <- sd_calibrate(m, obs, list(r = c(0.01, 50)), starts = 4, seed = 3),
                 "failed or gave non-finite values \\(for example at r = [0-9.]+")
  expect_equal(unname(coef(fit)), 0.1, tolerance = 1e-4)
})

test_that("sd_loglik gives the log-likelihood a sampler needs", {
  m <- sir_model()
  obs <- simulate(m, params = list(beta = 1.7, gamma = 0.45), saveper = 1, vars = "I")
  obs$I <- round(obs$I)
  ll <- sd_loglik(m, obs, list(beta = c(0.5, 5), gamma = c(0.05, 2)), objective = "poisson")
  expect_equal(attr(ll, "parameters"), c("beta", "gamma"))
  run <- simulate(m, params = list(beta = 1.6, gamma = 0.5), saveper = 1, vars = "I")
  expect_equal(ll(c(beta = 1.6, gamma = 0.5)), sum(stats::dpois(obs$I, run$I, log = TRUE)))
  expect_equal(ll(c(gamma = 0.5, beta = 1.6)), ll(c(1.6, 0.5)))
  expect_equal(ll(c(beta = 6, gamma = 0.5)), -Inf)
  expect_gt(ll(c(1.7, 0.45)), ll(c(1.6, 0.5)))
  # Gaussian errors with unknown sigma: the sampler moves sigma too
  lg <- sd_loglik(m, obs, list(beta = c(0.5, 5), gamma = c(0.05, 2)))
  expect_equal(attr(lg, "parameters"), c("beta", "gamma", "sigma I"))
  expect_equal(lg(c(1.6, 0.5, 3)), sum(stats::dnorm(obs$I, run$I, 3, log = TRUE)))
  expect_equal(lg(c(1.6, 0.5, -1)), -Inf)
  expect_error(lg(c(1.6, 0.5)), "3 numbers", class = "sdvm_param_error")
})

test_that("Vensim's optimization control and payoff files run the same calibration", {
  m <- logistic_model()
  set.seed(5)
  obs <- simulate(m, params = list("growth rate" = 0.45, capacity = 80), saveper = 1, vars = "Population")
  obs$Population <- obs$Population + stats::rnorm(nrow(obs), sd = 2)
  dat <- tempfile(fileext = ".dat")
  writeLines(c("Population data", sprintf("%g\t%.10g", obs$time, obs$Population)), dat)
  voc <- tempfile(fileext = ".voc")
  writeLines(c(":COMMENT written by hand", ":OPTIMIZER=Powell", ":MAX_ITERATIONS=500",
               "{ a comment", "  over two lines }",
               "0.05 <= growth rate = 0.3 <= 2 | ABS=0.001",
               "20 <= capacity <= 300"), voc)
  vpd <- tempfile(fileext = ".vpd")
  writeLines(c("*C", "Population|Population data/0.5"), vpd)
  spec <- read_vensim_optimization(voc, vpd)
  expect_equal(names(spec$params), c("growth rate", "capacity"))
  expect_equal(spec$params$capacity, list(lower = 20, upper = 300))
  expect_equal(spec$start, list("growth rate" = 0.3))
  expect_equal(spec$weights, c(Population = 0.5))
  expect_equal(spec$options$OPTIMIZER, "Powell")
  expect_output(print(spec), "payoff: Population vs data 'Population data', weight 0.5")
  via_spec <- sd_calibrate(m, dat, spec = spec)
  direct <- sd_calibrate(m, obs, list("growth rate" = c(0.05, 2), capacity = c(20, 300)),
                         start = list("growth rate" = 0.3), weights = 0.5)
  expect_equal(coef(via_spec), coef(direct), tolerance = 1e-6)
  expect_equal(via_spec$value, direct$value, tolerance = 1e-6)
  # bad files name the line
  bad <- tempfile(fileext = ".vpd")
  writeLines(c("*P", "profit/1"), bad)
  expect_error(read_vensim_optimization(voc, bad), "line 2", class = "sdvm_unsupported_error")
  badv <- tempfile(fileext = ".voc")
  writeLines(c(":OPTIMIZER=Powell", "growth rate = 0.3"), badv)
  expect_error(read_vensim_optimization(badv), "line 2", class = "sdvm_parse_error")
})

test_that("WORLD3 parameters are recovered from its own run with noise", {
  path <- corpus_path("world3", "wrld3-03.mdl")
  skip_if_not(file.exists(path), "WORLD3 is not in the corpus")
  m <- read_vensim(path)
  vars <- c("population", "industrial output", "food")
  clean <- simulate(m, vars = vars, saveper = 5)
  truth <- c(3.8, 3)  # the model's own values
  set.seed(11)
  hits <- 0
  for (k in 1:8) {
    obs <- clean
    for (v in vars) obs[[v]] <- clean[[v]] + stats::rnorm(nrow(clean), sd = 0.02 * mean(clean[[v]]))
    fit <- sd_calibrate(m, obs, list("desired completed family size normal" = c(2, 6),
                                     "industrial capital output ratio 1" = c(1.5, 6)),
                        start = list("desired completed family size normal" = 3,
                                     "industrial capital output ratio 1" = 2),
                        objective = "gaussian", log = TRUE)
    expect_true(fit$converged)
    expect_equal(unname(coef(fit)), truth, tolerance = 0.01)
    ci <- confint(fit, method = "wald")
    hits <- hits + sum(ci[, 1] < truth & truth < ci[, 2])
  }
  # 16 intervals at 95%: about 15 cover; fewer than 12 would be wrong
  expect_gte(hits, 12)
})

test_that("Ctrl-C stops a fit and leaves nothing half-made", {
  skip_on_cran()
  skip_if_not_installed("callr")
  rs <- callr::r_session$new()
  on.exit(rs$close())
  expect_interrupted(rs, function() {
    m <- sdvm::sd_model(stop = 2e4, dt = 0.01) |>
      sdvm::sd_stock("x", 1, outflows = "g") |> sdvm::sd_flow("g", "x * k") |> sdvm::sd_const("k", 0.1)
    obs <- data.frame(time = c(0, 10, 20), x = exp(-0.2 * c(0, 10, 20)))
    fit <<- sdvm::sd_calibrate(m, obs, list(k = c(0.01, 1)), starts = 500, seed = 1, threads = 1)
  }, after = 1.5)
  expect_false(rs$run(function() exists("fit", envir = globalenv())))
})
