# sd_loop_scores(): Loops that Matter, against a hand calculation and the
# published worked example (Schoenberg, Davidsen and Eberlein 2020).

logistic <- function(dt = 0.25) {
  sd_model(stop = 80, dt = dt) |>
    sd_stock("Population", 10, inflows = "Births", outflows = "Deaths") |>
    sd_flow("Births", "Population * Birth Rate") |>
    sd_flow("Deaths", "Population * Population / Capacity * Birth Rate") |>
    sd_const("Birth Rate", 0.1) |>
    sd_const("Capacity", 1000)
}

test_that("logistic growth: the scores are the hand calculation, to rounding", {
  # Births = b P, Deaths = b P^2 / K.  Over one step the births change by
  # b dP and the deaths by b dP (P_t + P_t-dt) / K, so the reinforcing
  # loop's share is 1 / (1 + (P_t + P_t-dt) / K), the balancing loop's the
  # rest, with a minus sign.
  m <- logistic()
  ls <- sd_loop_scores(m)
  expect_s3_class(ls, "sdvm_loop_scores")
  d <- as.data.frame(ls)
  expect_named(d, c("time", "R1", "B1"))
  P <- as.data.frame(simulate(m, format = "wide", saveper = 0.25))$Population
  n <- length(P)
  hand <- 1 / (1 + (P[-1] + P[-n]) / 1000)
  expect_true(is.na(d$R1[1]) && is.na(d$B1[1]))
  expect_equal(d$R1[-1], hand, tolerance = 1e-12)
  expect_equal(d$B1[-1], -(1 - hand), tolerance = 1e-12)
  # link scores: P -> Births is 1 (its only input); Births -> Population
  # is the births' change over the net flow's change
  L <- as.data.frame(ls, type = "links")
  expect_equal(L[["Population -> Births"]][-1], rep(1, n - 1))
  expect_true(all(L[["Deaths -> Population"]][-1] < 0))
  # dominance passes to the balancing loop when P_t + P_t-dt reaches K
  s <- summary(ls)
  switch_at <- d$time[which(d$R1 < 0.5)[1]]
  expect_equal(s$dominant_from[s$id == "B1"], switch_at)
  k <- which(d$time == switch_at)
  expect_true(P[k] + P[k - 1] > 1000 && P[k - 1] + P[k - 2] <= 1000)
})

test_that("the Bass diffusion example of the 2020 paper (Table 3) is reproduced", {
  # Market of 1e6 with one adopter, contact rate 100, adoption fraction
  # 0.015, dt 1/16.  The paper labels each score with the start of the
  # step it measures; sdvm labels it with the end (the time of the values
  # it compares with the step before), so the paper's row T is ours at
  # T + dt.  Published to three decimals (relative) and to units (raw).
  m <- sd_model(stop = 15, dt = 0.0625) |>
    sd_stock("Potential Adopters", 1e6 - 1, outflows = "Adoption Rate") |>
    sd_stock("Adopters", 1, inflows = "Adoption Rate") |>
    sd_flow("Adoption Rate", "Contact Rate * Adoption Fraction * Potential Adopters * Adopters / Market Size") |>
    sd_const("Contact Rate", 100) |>
    sd_const("Adoption Fraction", 0.015) |>
    sd_const("Market Size", 1e6)
  ls <- sd_loop_scores(m)
  d <- as.data.frame(ls)
  raw <- as.data.frame(ls, type = "score")
  at <- function(t) which(abs(d$time - (t + 0.0625)) < 1e-9)
  published <- data.frame(T = c(1, 9.5, 9.5625, 9.625), R1 = c(1.000, 0.535, 0.512, 0.488),
                          B1 = c(0.000, -0.465, -0.488, -0.512))
  for (i in seq_len(nrow(published))) {
    expect_lte(abs(d$R1[at(published$T[i])] - published$R1[i]), 5e-4)
    expect_lte(abs(d$B1[at(published$T[i])] - published$B1[i]), 5e-4)
  }
  expect_lte(abs(raw$R1[at(9.5625)] - 9806), 0.5)
  expect_lte(abs(raw$B1[at(9.5625)] - (-9358)), 0.5)
  expect_lte(abs(d$B1[nrow(d)] - (-1)), 5e-4)
})

test_that("a bathtub has one balancing loop, and nothing matters at equilibrium", {
  tub <- function(start) sd_model(stop = 20, dt = 0.5) |>
    sd_stock("Water", start, inflows = "Inflow", outflows = "Drain") |>
    sd_flow("Inflow", "5") |>
    sd_flow("Drain", "Water / Drain Time") |>
    sd_const("Drain Time", 4)
  d <- as.data.frame(sd_loop_scores(tub(0)))
  expect_equal(names(d), c("time", "B1"))
  expect_true(all(d$B1[-1] == -1))
  # full at the start: 5 in, 20 / 4 out; no change, no score
  d0 <- as.data.frame(sd_loop_scores(tub(20)))
  expect_true(all(d0$B1[-1] == 0))
})

test_that("SIR: relative scores of a partition have absolute values summing to 1", {
  m <- read_vensim(system.file("models", "sir.mdl", package = "sdvm"))
  ls <- sd_loop_scores(m)
  r <- ls$relative[-1, , drop = FALSE]
  tot <- rowSums(abs(r))
  expect_true(all(abs(tot[tot > 0] - 1) < 1e-12))
  expect_equal(length(unique(ls$partition)), 1)
  # early the infection loop dominates; at the end the balancing loops
  s <- summary(ls)
  expect_equal(s$id[which.min(s$dominant_from)], ls$loops$id[ls$loops$polarity == "reinforcing"])
  expect_true(ls$loops$polarity[which.max(abs(ls$relative[nrow(ls$relative), ]))] == "balancing")
  # the plot draws
  f <- tempfile(fileext = ".png")
  grDevices::png(f)
  expect_invisible(plot(ls))
  grDevices::dev.off()
  expect_gt(file.size(f), 1000)
  unlink(f)
  expect_output(print(ls), "3 loops")
})

test_that("loops through state of their own, or arrays, are refused by name", {
  m <- sd_model(stop = 10) |>
    sd_stock("S", 1, inflows = "F") |>
    sd_flow("F", "SMOOTH(S, 2) * 0.1")
  expect_error(sd_loop_scores(m), "passes through SMOOTH", class = "sdvm_unsupported_error")
  expect_error(sd_loop_scores(arrayed_model()), "arrayed", class = "sdvm_unsupported_error")
  none <- sd_model(stop = 2) |> sd_stock("S", 1, inflows = "F") |> sd_flow("F", "1")
  expect_error(sd_loop_scores(none), "no feedback loops", class = "sdvm_definition_error")
  expect_error(sd_loop_scores(logistic(), saveper = 1), class = "sdvm_param_error")
})

test_that("a subset of loops and run settings can be given", {
  m <- logistic()
  l <- sd_loops(m)
  one <- sd_loop_scores(m, loops = l[l$id == "R1", ], stop = 10)
  d <- as.data.frame(one)
  expect_named(d, c("time", "R1"))
  expect_equal(max(d$time), 10)
  # one loop alone in its partition is all of it
  expect_true(all(d$R1[-1] == 1))
  # parameters change the run the scores come from
  p <- as.data.frame(sd_loop_scores(m, params = c("Capacity" = 100)))
  expect_lt(min(p$R1[-1]), min(as.data.frame(sd_loop_scores(m))$R1[-1]))
})
