# Batch runs: simulate() with a data frame of parameters, or nsim sampled
# runs, all in C on several threads.

plain <- function(x) as.data.frame(x)   # values only (units and class dropped)

# The runs of a batch, each compared with the same run made alone.
expect_rows_match_single_runs <- function(m, p, batch, ...) {
  for (i in seq_len(nrow(p))) {
    one <- plain(simulate(m, params = as.list(p[i, , drop = FALSE]), ...))
    got <- plain(batch[batch$run == i, -1])
    rownames(got) <- NULL
    expect_identical(got, one)
  }
}

test_that("each row of a batch gives what it gives alone, whatever the thread count", {
  m <- teacup_model()
  p <- data.frame(`Room Temperature` = c(10, 20, 30, 40, 50),
                  `Characteristic Time` = c(5, 10, 15, 7, 3),
                  `Teacup Temperature` = c(180, 90, 120, 60, 200), check.names = FALSE)
  b1 <- simulate(m, params = p, threads = 1)
  b2 <- simulate(m, params = p, threads = 2)
  b4 <- simulate(m, params = p, threads = 4)
  expect_s3_class(b1, "sdvm_result")
  expect_identical(b2, b1)
  expect_identical(b4, b1)
  expect_identical(names(b1)[1:2], c("run", "time"))
  expect_identical(b1$run, rep(1:5, each = 241))
  expect_rows_match_single_runs(m, p, b1)
  # the runs really differ, as the parameters say
  final <- b1$`Teacup Temperature`[b1$time == 30]
  expect_equal(final, p$`Room Temperature` + (p$`Teacup Temperature` - p$`Room Temperature`) *
                 (1 - 0.125 / p$`Characteristic Time`)^240, tolerance = 1e-12)
})

test_that("many runs of a real model agree with single runs on 1 and 2 threads", {
  skip_if_no_corpus()
  m <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  p <- data.frame(`industrial capital output ratio 1` = c(3, 2.5, 3.5, 3),
                  `initial population 0 to 14` = c(6.5e8, 6e8, 7e8, 5e8), check.names = FALSE)
  v <- c("population", "industrial output", "persistent pollution")
  b1 <- simulate(m, params = p, vars = v, threads = 1)
  b2 <- simulate(m, params = p, vars = v, threads = 2)
  expect_identical(b2, b1)
  expect_rows_match_single_runs(m, p, b1, vars = v)
  expect_false(isTRUE(all.equal(b1$population[b1$run == 1], b1$population[b1$run == 2])))
})

test_that("time settings, method and vars apply to every run of a batch", {
  m <- teacup_model()
  p <- data.frame(`Room Temperature` = c(0, 50), check.names = FALSE)
  b <- simulate(m, params = p, stop = 10, saveper = 5, method = "rk4", vars = "Teacup*")
  expect_identical(names(b), c("run", "time", "Teacup Temperature"))
  expect_identical(b$time, c(0, 5, 10, 0, 5, 10))
  expect_rows_match_single_runs(m, p, b, stop = 10, saveper = 5, method = "rk4",
                                vars = "Teacup Temperature")
})

test_that("time settings can vary by run (as constants of the model)", {
  m <- teacup_model()
  p <- data.frame(`FINAL TIME` = c(10, 20), check.names = FALSE)
  b <- simulate(m, params = p, saveper = 5)
  expect_identical(b$time, c(0, 5, 10, 0, 5, 10, 15, 20))
  expect_rows_match_single_runs(m, p, b, saveper = 5)
  expect_error(simulate(m, params = p, saveper = 5, format = "wide"), class = "sdvm_run_error")
})

test_that("nsim runs sample parameters under a seed, leaving the caller's stream alone", {
  m <- teacup_model()
  sampler <- list(`Room Temperature` = function(n) stats::runif(n, 0, 40),
                  `Characteristic Time` = 10)
  set.seed(99)
  before <- .Random.seed
  a <- simulate(m, nsim = 20, seed = 7, params = sampler, saveper = 30)
  expect_identical(.Random.seed, before)
  b <- simulate(m, nsim = 20, seed = 7, params = sampler, saveper = 30, threads = 2)
  expect_identical(a, b)
  set.seed(7)
  drawn <- stats::runif(20, 0, 40)
  expect_identical(a$`Room Temperature`[a$time == 0], drawn)
  expect_identical(a$`Characteristic Time`, rep(10, 40))
  c <- simulate(m, nsim = 20, seed = 8, params = sampler, saveper = 30)
  expect_false(identical(a, c))
  # one value per run given directly
  d <- simulate(m, nsim = 3, params = list(`Room Temperature` = c(1, 2, 3)), saveper = 30)
  expect_identical(d$`Room Temperature`, c(1, 1, 2, 2, 3, 3))
})

test_that("auxiliaries and flows in a batch are replaced per group of equal values", {
  m <- teacup_model()
  p <- data.frame(`Heat Loss to Room` = c(1, 2, 1), `Room Temperature` = c(5, 6, 7),
                  check.names = FALSE)
  b <- simulate(m, params = p, saveper = 10)
  expect_identical(b$run, rep(1:3, each = 4))
  expect_equal(b$`Teacup Temperature`[b$time == 30], c(150, 120, 150))
  expect_identical(b$`Room Temperature`[b$time == 30], c(5, 6, 7))
  expect_rows_match_single_runs(m, p, b, saveper = 10)
})

test_that("wide and tidy batch results hold the same numbers as the long one", {
  m <- teacup_model()
  p <- data.frame(`Room Temperature` = c(10, 20, 30), check.names = FALSE)
  long <- simulate(m, params = p, saveper = 10, vars = c("Teacup Temperature", "Heat Loss to Room"))
  wide <- simulate(m, params = p, saveper = 10, vars = c("Teacup Temperature", "Heat Loss to Room"),
                   format = "wide")
  expect_identical(names(wide), c("time", paste0("Teacup Temperature.", 1:3),
                                  paste0("Heat Loss to Room.", 1:3)))
  expect_identical(wide$time, c(0, 10, 20, 30))
  expect_identical(wide$`Teacup Temperature.2`, long$`Teacup Temperature`[long$run == 2])
  tidy <- simulate(m, params = p, saveper = 10, vars = c("Teacup Temperature", "Heat Loss to Room"),
                   format = "tidy")
  expect_identical(names(tidy), c("run", "time", "variable", "value"))
  expect_identical(nrow(tidy), 24L)
  sel <- tidy$variable == "Heat Loss to Room" & tidy$run == 3
  expect_identical(tidy$value[sel], long$`Heat Loss to Room`[long$run == 3])
  expect_identical(as.data.frame(long, format = "tidy"), plain(tidy))
})

test_that("bad batches fail with classed errors naming the column or the run", {
  m <- teacup_model()
  expect_error(simulate(m, params = data.frame(`Room Temprature` = 1:2, check.names = FALSE)),
               class = "sdvm_param_error")
  e <- tryCatch(simulate(m, params = data.frame(`Room Temperature` = c(1, NA), check.names = FALSE)),
                error = identity)
  expect_s3_class(e, "sdvm_param_error")
  expect_match(conditionMessage(e), "row 2")
  expect_error(simulate(m, params = data.frame(x = 1)[0, , drop = FALSE]), class = "sdvm_param_error")
  expect_error(simulate(m, nsim = 3, params = list(`Room Temperature` = 1:2)), class = "sdvm_param_error")
  expect_error(simulate(m, nsim = 3, params = data.frame(`Room Temperature` = 1:2, check.names = FALSE)),
               class = "sdvm_param_error")
  expect_error(simulate(m, nsim = 2, threads = 0), class = "sdvm_run_error")
  # the third run has an impossible time step
  e <- tryCatch(simulate(m, params = data.frame(`TIME STEP` = c(0.125, 0.0625, -1), check.names = FALSE),
                         saveper = 1),
                error = identity)
  expect_s3_class(e, "sdvm_run_error")
  expect_match(conditionMessage(e), "^run 3: ")
  # numbered in the whole batch when rows are grouped by rebuilt equations
  e <- tryCatch(simulate(m, params = data.frame(`Heat Loss to Room` = c(1, 2, 1, 2),
                                                `TIME STEP` = c(0.125, 0.125, 0.125, -1),
                                                check.names = FALSE), saveper = 1),
                error = identity)
  expect_match(conditionMessage(e), "^run 4: ")
})

test_that("a long batch can be interrupted, and the session goes on", {
  skip_on_cran()
  skip_if_not_installed("callr")
  rs <- callr::r_session$new()
  on.exit(rs$close())
  expect_interrupted(rs, function() {
    m <- sdvm::sd_model(stop = 1e5, dt = 0.01) |>
      sdvm::sd_stock("x", 1, inflows = "g") |> sdvm::sd_flow("g", "-x * k") |> sdvm::sd_const("k", 0.1)
    sdvm::simulate(m, nsim = 64, params = list(k = function(n) seq(0.01, 1, length.out = n)),
                   vars = "x", saveper = 1000, threads = 2, progress = FALSE)
  }, after = 1)
  expect_identical(rs$run(function() 1 + 1), 2)
})
