# Vensim functions beyond the classic set, each checked against a value
# worked out from its definition in Vensim's reference (Reference Guide >
# Functions), where the reference writes the function out as equations
# (NPV, NPVE) by running those equations side by side.

mdl_run <- function(lines, final = 10, dt = 1, ...) {
  path <- tempfile(fileext = ".mdl")
  writeLines(c(lines, "INITIAL TIME = 0 ~~|", sprintf("FINAL TIME = %s ~~|", final),
               sprintf("TIME STEP = %s ~~|", dt), "SAVEPER = TIME STEP ~~|"), path)
  simulate(read_vensim(path), ...)
}

test_that("NPV and NPVE equal the equations Vensim's reference gives for them", {
  # the reference (fn_npv, fn_npve): df = INTEG(-df * r / (1 + r * TIME STEP), 1
  # or, for NPVE, 1 / (1 + r * TIME STEP)); acc = INTEG(stream * df, init);
  # value = (acc + stream * TIME STEP * df) * factor
  out <- mdl_run(c(
    "stream = -100 / TIME STEP * PULSE(3, TIME STEP) + STEP(7, 3) ~~|",
    "r = 0.05 ~~|",
    "v = NPV(stream, r, 2, 1.5) ~~|",
    "ve = NPVE(stream, r, 2, 1.5) ~~|",
    "df = INTEG(-df * r / (1 + r * TIME STEP), 1) ~~|",
    "dfe = INTEG(-dfe * r / (1 + r * TIME STEP), 1 / (1 + r * TIME STEP)) ~~|",
    "acc = INTEG(stream * df, 2) ~~|",
    "acce = INTEG(stream * dfe, 2) ~~|",
    "by hand = (acc + stream * TIME STEP * df) * 1.5 ~~|",
    "by hand e = (acce + stream * TIME STEP * dfe) * 1.5 ~~|"), final = 40, dt = 0.5)
  expect_equal(out$v, out[["by hand"]])
  expect_equal(out$ve, out[["by hand e"]])
  # SDEverywhere's npv test model run in Vensim gives -87.8056 at t = 12
  # and 81.0743 at t = 100 (models/npv/npv.dat): the same setup here
  out2 <- mdl_run(c("stream = -100 / TIME STEP * PULSE(12, TIME STEP) + STEP(3, 12) ~~|",
                    "v = NPV(stream, 10 / 12 / 100, 0, 1) ~~|"), final = 100)
  expect_equal(out2$v[out2$time %in% c(12, 50, 100)], c(-87.8056, 0.334138, 81.0743), tolerance = 1e-5)
})

test_that("SINTEG keeps a stock within its limits, on multiples of its quantum, snapped to its special value", {
  out <- mdl_run(c("s = SINTEG(1, 0, 0, 100.5, 1, 50, 2) ~~|",
                   "up = SINTEG(3, 0, :NA:, 10, :NA:, :NA:, :NA:) ~~|",
                   "down = SINTEG(-3, 5, 0, :NA:, :NA:, :NA:, :NA:) ~~|",
                   "q = SINTEG(0.3, 0, :NA:, :NA:, 0.5, :NA:, :NA:) ~~|",
                   "plain = SINTEG(0.3, 0, :NA:, :NA:, :NA:, :NA:, :NA:) ~~|"), final = 60)
  # 1 a step up to 48; then 49 is within 2 of 50, which holds (51 is too)
  expect_equal(out$s[out$time <= 48], 0:48)
  expect_true(all(out$s[out$time >= 49] == 50))
  expect_equal(max(out$up), 10)
  expect_equal(out$up[1:5], c(0, 3, 6, 9, 10))
  expect_equal(min(out$down), 0)
  expect_equal(out$q[1:5], c(0, 0.5, 1, 1.5, 2))   # 0.3 -> 0.5, 0.8 -> 1, 1.3 -> 1.5, 1.8 -> 2
  expect_equal(out$plain, 0.3 * out$time)          # all :NA: is INTEG
})

test_that("TIME BASE, GAMMA LN, REINITIAL", {
  out <- mdl_run(c("tb = TIME BASE(1970, 0.5) ~~|", "g = GAMMA LN(x) ~~|", "x = 1 + Time ~~|",
                   "ri = REINITIAL(x) ~~|"), final = 4)
  expect_equal(out$tb, 1970 + 0.5 * out$time)
  expect_equal(out$g, lgamma(1 + out$time))
  expect_equal(out$ri, rep(1, 5))
})

test_that("VECTOR LOOKUP reads an array as a lookup in each of its ten modes", {
  lines <- c("d: (e1-e3) ~~|", "v[d] = 0, 10, 5 ~~|",
             sprintf("m%d = VECTOR LOOKUP(v[e1], x, 0, 10, %d) ~~|", 0:9, 0:9), "x = Time - 2 ~~|")
  out <- mdl_run(lines, final = 14)
  tb <- function(x) approx(c(0, 5, 10), c(0, 10, 5), x, rule = 2)$y
  x <- out$time - 2
  expect_equal(out$m0, tb(x))
  # area from xmin: triangles and trapezoids of the points (0,0), (5,10), (10,5)
  area <- ifelse(x <= 0, 0, ifelse(x <= 5, x^2, ifelse(x <= 10, 25 + 10 * (x - 5) - (x - 5)^2 / 2,
                                                         62.5 + 5 * (x - 10))))
  expect_equal(out$m1, area)
  expect_equal(out$m2, ifelse(x < 5, 0, ifelse(x < 10, 10, 5)))
  expect_equal(out$m3[x == -2], -4)                          # extrapolated along the first segment
  expect_equal(out$m3[x == 12], 3)                           # and the last
  expect_equal(out$m4[x == 2], 10)                           # the next point's y
  expect_equal(out$m5[x == 4], 2)                            # invert: y 4 at x 2
  expect_equal(out$m6[x == 2], 2)                            # slope of the first segment
  expect_equal(out$m6[x == 12], 0)
  expect_equal(out$m7[x == -2], 4)   # the area under the first segment continued to -2 (y -4), counted back
  expect_equal(out$m9[x == 12], -1)
})

test_that("LOOKUP AREA and LOOKUP SLOPE", {
  out <- mdl_run(c("t((0,0),(2,4),(4,4)) ~~|", "a = LOOKUP AREA(t, 1, x) ~~|", "s = LOOKUP SLOPE(t, x) ~~|",
                   "x = Time ~~|"), final = 6)
  expect_equal(out$a, c(-1, 0, 3, 7, 11, 15, 19))       # 0..1: 1; 1..2: 3; then 4 a unit
  expect_equal(out$s, c(2, 2, 0, 0, 0, 0, 0))
})

test_that("the RANDOM distributions have the moments their definitions give", {
  n <- 20000
  out <- mdl_run(c(
    "ex = RANDOM EXPONENTIAL(0, 1e9, 1, 2, 0) ~~|",        # 1 + 2 * Exp(1)
    "be = RANDOM BETA(0, 1, 2, 3, 0, 1, 0) ~~|",
    "bi = RANDOM BINOMIAL(0, 100, 0.3, 10, 0, 1, 0) ~~|",
    "ga = RANDOM GAMMA(0, 1e9, 3, 0, 1, 0) ~~|",
    "po = RANDOM POISSON(0, 1e9, 4, 0, 1, 0) ~~|",
    "tr = RANDOM TRIANGULAR(0, 10, 1, 2, 5, 0) ~~|",
    "we = RANDOM WEIBULL(0, 1e9, 2, 0, 1, 0) ~~|",
    "nb = RANDOM NEGATIVE BINOMIAL(0, 1e9, 0.5, 3, 0, 1, 0) ~~|",
    "pdf((0,0),(1,1)) ~~|",
    "lk = RANDOM LOOKUP(pdf, 0, 1, 0, 1, 0) ~~|",
    "u = RANDOM 0 1() ~~|",
    "tn = RANDOM EXPONENTIAL(0, 1, 0, 1, 0) ~~|"), final = n - 1)
  m <- colMeans(out); v <- apply(out, 2, var)
  se <- function(var) 5 * sqrt(var / n)          # five standard errors of a mean
  # and of a variance, for a distribution of kurtosis k
  se_var <- function(var, k) 5 * var * sqrt((k - 1) / n)
  expect_lt(abs(m[["ex"]] - 3), se(4));      expect_lt(abs(v[["ex"]] - 4), se_var(4, 9))
  expect_lt(abs(m[["be"]] - 0.4), se(0.04)); expect_lt(abs(v[["be"]] - 0.04), se_var(0.04, 3 + 6 * ((2 - 3)^2 * 6 - 2 * 3 * 7) / (2 * 3 * 7 * 8)))
  expect_lt(abs(m[["bi"]] - 3), se(2.1));    expect_true(all(out$bi == round(out$bi)))
  expect_lt(abs(m[["ga"]] - 3), se(3));      expect_lt(abs(v[["ga"]] - 3), se_var(3, 3 + 6 / 3))
  expect_lt(abs(m[["po"]] - 4), se(4));      expect_lt(abs(v[["po"]] - 4), se_var(4, 3 + 1 / 4))
  expect_lt(abs(m[["tr"]] - 8 / 3), se(13 / 18))
  expect_lt(abs(m[["we"]] - gamma(1.5)), se(1 - gamma(1.5)^2))
  expect_lt(abs(m[["nb"]] - 6), se(6));      expect_true(all(out$nb >= 3))
  expect_lt(abs(m[["lk"]] - 2 / 3), se(1 / 18))
  expect_lt(abs(m[["u"]] - 0.5), se(1 / 12))
  expect_true(all(out$tn <= 1))                   # truncated to [0, 1]
  # reproducible, and different call sites draw differently
  again <- mdl_run(c("ex = RANDOM EXPONENTIAL(0, 1e9, 1, 2, 0) ~~|"), final = 50)
  expect_identical(again$ex, out$ex[1:51])
})

test_that("DELAY MATERIAL and DELAY INFORMATION follow a variable delay as the reference describes", {
  # fn_delay_material: DELAY FIXED with a variable delay; inputs whose exits
  # coincide (the delay shortened) add up, and a step with no arrival after
  # the first delay gives the missing value.  DELAY INFORMATION: the input
  # as it was one delay ago, held between steps.
  out <- mdl_run(c("x = Time ~~|", "T = IF THEN ELSE(Time < 5, 3, 1) ~~|",
                   "fixed = DELAY FIXED(x, 3, -1) ~~|",
                   "mat const = DELAY MATERIAL(x, 3, -1, -2) ~~|",
                   "mat var = DELAY MATERIAL(x, T, -1, -2) ~~|",
                   "grow = DELAY MATERIAL(x, 1 + Time, -1, -2) ~~|",
                   "info var = DELAY INFORMATION(x, T, -1) ~~|",
                   "info const = DELAY INFORMATION(x, 2.5, -1) ~~|"), final = 12)
  expect_equal(out[["mat const"]], out$fixed)                    # a constant delay is DELAY FIXED
  # x(t) leaves at t + 3 for t < 5, at t + 1 after: 2 at 5; 3 + 5 at 6; 4 + 6 at 7
  expect_equal(out[["mat var"]], c(-1, -1, -1, 0, 1, 2, 8, 10, 7, 8, 9, 10, 11))
  # delays 1, 2, 3, ...: x(t) leaves at 2t + 1, so only odd times get one
  expect_equal(out$grow, c(-1, 0, -2, 1, -2, 2, -2, 3, -2, 4, -2, 5, -2))
  expect_equal(out[["info var"]], c(-1, -1, -1, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11))
  expect_equal(out[["info const"]], c(-1, -1, -1, 0:9))          # t - 2.5, held at the step before
})

test_that("DEPRECIATE STRAIGHTLINE spreads each fiscal period's investment over the depreciation time", {
  # fn_depreciate_straightline: an investment made in a fiscal period returns
  # dtime/fisc-ths of itself in that period and in each that follows; the
  # initial value acts as a stream held for the previous dtime.  SDEverywhere's
  # depreciate model (1e9 in 2022, 2.5e9 in 2026, dtime 20) gives 5e7 a year
  # from 2022, 1.75e8 from 2026.
  lines <- c("str = IF THEN ELSE(Time = 2022, 1e9, IF THEN ELSE(Time = 2026, 2.5e9, 0)) ~~|",
             "d = DEPRECIATE STRAIGHTLINE(str, 20, 1, 0) ~~|",
             "d2 = DEPRECIATE STRAIGHTLINE(str, 4, 2, 100) ~~|",
             "held = DEPRECIATE STRAIGHTLINE(100, 4, 2, 100) ~~|",
             "total = INTEG(d2, 0) ~~|")
  path <- tempfile(fileext = ".mdl")
  writeLines(c(lines, "INITIAL TIME = 2020 ~~|", "FINAL TIME = 2050 ~~|", "TIME STEP = 1 ~~|",
               "SAVEPER = TIME STEP ~~|"), path)
  out <- simulate(read_vensim(path))
  expect_equal(out$d[out$time %in% c(2021, 2022, 2025, 2026, 2041, 2042, 2046)],
               c(0, 5e7, 5e7, 1.75e8, 1.75e8, 1.25e8, 0))
  expect_equal(out$held, rep(100, nrow(out)))      # a stream at its initial value stays there
  # every investment is depreciated in full: 3.5e9, plus what was left of
  # the initial stream's last period (200 invested in 2018-19, half of it
  # depreciated then): 100
  expect_equal(tail(out$total, 1), 3.5e9 + 100)
})

test_that("the GET DATA functions read a data variable's whole series", {
  # fn_get_data_between_times: mode 0 interpolates, 1 takes the later point,
  # -1 the earlier, :NA: outside the series' times; fn_get_data_min and its
  # siblings: over the points from start to end, :NA: when there are none
  na <- -2^109
  out <- mdl_run(c("d ~~|", "at = GET DATA AT TIME(d, Time) ~~|",
                   "later = GET DATA BETWEEN TIMES(d, Time + 0.5, 1) ~~|",
                   "earlier = GET DATA BETWEEN TIMES(d, Time + 0.5, -1) ~~|",
                   "ft = GET DATA FIRST TIME(d) ~~|", "lt = GET DATA LAST TIME(d) ~~|",
                   "mx = GET DATA MAX(d, 0, 10) ~~|", "mn = GET DATA MIN(d, 2, 10) ~~|",
                   "me = GET DATA MEAN(d, 0, 10) ~~|", "tt = GET DATA TOTAL(d, 0, 3) ~~|",
                   "none = GET DATA MAX(d, 5, 10) ~~|", "k = 3 ~~|"), final = 5,
                 data = data.frame(time = c(1, 2, 4), d = c(10, 30, 20)))
  expect_equal(out$at, c(na, 10, 30, 25, 20, na))
  expect_equal(out$later, c(na, 30, 20, 20, na, na))
  expect_equal(out$earlier, c(na, 10, 30, 30, na, na))
  expect_equal(unique(out$ft), 1); expect_equal(unique(out$lt), 4)
  expect_equal(unique(out$mx), 30); expect_equal(unique(out$mn), 20)
  expect_equal(unique(out$me), 20); expect_equal(unique(out$tt), 40)
  expect_equal(unique(out$none), na)
  path <- tempfile(fileext = ".mdl")
  writeLines(c("k = 3 ~~|", "x = GET DATA MAX(k, 0, 1) ~~|"), path)
  expect_error(simulate(read_vensim(path)), "must be a data variable", class = "sdvm_definition_error")
})

test_that("SAMPLE IF TRUE sees its own held value in its arguments, as a level would", {
  # Sterman's beer game (metasd library) keeps running extremes this way:
  # Peak = SAMPLE IF TRUE(x > Peak, x, x), inside and outside macros
  out <- mdl_run(c(":MACRO: PEAK(x)", "PEAK = SAMPLE IF TRUE(x > PEAK, x, x) ~ x ~ |", ":END OF MACRO:",
                   "x = SIN(Time) ~~|", "peak = SAMPLE IF TRUE(x > peak, x, x) ~~|",
                   "low = SAMPLE IF TRUE(x < low, x, x) ~~|", "by macro = PEAK(x) ~~|"), final = 10)
  expect_equal(out$peak, cummax(sin(0:10)))
  expect_equal(out$low, cummin(sin(0:10)))
  expect_equal(out[["by macro"]], out$peak)
})

test_that("ALLOCATE AVAILABLE: a fixed-quantity profile (ptype 0) wants its whole request at every priority", {
  # Vensim's reference (Allocation > Specifying the Curves): ptype 0 is
  # constant for all priorities.  Fixed requests alone share a short
  # supply in proportion (SDEverywhere's allocate model run in Vensim:
  # requests 3, 2, 4 and supply 10 t / 12 give 0.0347222 to the first at
  # t = 0.125); beside other profiles they are served first.
  out <- mdl_run(c("r: a, b, c ~~|", "pprofile: ptype, ppriority, pwidth, pextra ~~|",
                   "req[r] = 3, 2, 4 ~~|", "pp[r, pprofile] = 0, 1, 1, 0; 0, 2, 1, 0; 0, 3, 1, 0 ~~|",
                   "mixed[r, pprofile] = 0, 1, 1, 0; 1, 2, 1, 0; 1, 3, 1, 0 ~~|",
                   "supply = 10 * Time / 12 ~~|",
                   "fixed[r] = ALLOCATE AVAILABLE(req[r], pp[r, ptype], supply) ~~|",
                   "mix[r] = ALLOCATE AVAILABLE(req[r], mixed[r, ptype], supply) ~~|"), final = 12, dt = 0.125)
  expect_equal(out[["fixed[a]"]][2], 0.0347222, tolerance = 1e-5)
  expect_equal(out[["fixed[a]"]][-1] / out[["fixed[c]"]][-1], rep(3 / 4, nrow(out) - 1))
  # mixed: a (fixed, 3) takes all of a supply below 3; above it b and c
  # share the rest by their rectangular profiles (c's priority is higher,
  # and a whole width above b's: c is served before b gets any)
  s <- 10 * out$time / 12
  expect_equal(out[["mix[a]"]], pmin(s, 3))
  expect_equal(out[["mix[a]"]] + out[["mix[b]"]] + out[["mix[c]"]], pmin(s, 9))
  expect_true(all(out[["mix[b]"]][s < 3 + 4 - 1e-9] < 1e-12))
  expect_equal(out[["mix[c]"]], pmin(pmax(s - 3, 0), 4))
})

test_that("RANDOM PINK NOISE has the mean, standard deviation and correlation its definition gives", {
  # Vensim's reference (Random Functions > RANDOM PINK NOISE): white noise
  # smoothed by a first-order stock with the correlation time, scaled so
  # the output's standard deviation is the one asked for; under Euler the
  # lag-one correlation of values 1 apart is (1 - TIME STEP / tau)^(1 / TIME STEP)
  out <- mdl_run(c("pn = RANDOM PINK NOISE(5, 2, 4, 1) ~~|", "other = RANDOM PINK NOISE(5, 2, 4, 1) ~~|"),
                 final = 20000, dt = 0.25)
  x <- out$pn[out$time == floor(out$time)]
  rho <- (1 - 0.25 / 4)^4
  # standard errors of an AR(1) series' mean and sd, times 5
  m <- length(x)
  expect_lt(abs(mean(x) - 5), 5 * 2 * sqrt((1 + rho) / (1 - rho) / m))
  expect_lt(abs(sd(x) - 2), 5 * 2 * sqrt((1 + rho^2) / (1 - rho^2) / (2 * m)))
  expect_lt(abs(cor(x[-1], x[-m]) - rho), 0.02)
  # each call draws its own noise
  expect_lt(abs(cor(out$pn, out$other)), 0.05)
})

test_that("DELAY CONVEYOR carries its input for the conveyance time, leaking as the reference accounts", {
  # Vensim's reference (Dynamic Functions > DELAY CONVEYOR): the output is
  # the input ctime later; the initial total leaves over initctime in the
  # shape of the profile, starting at inittot / initctime; with a leak,
  #   convey total = INTEG(input - convey out - total leakage, init)
  #   total leakage = (convey total + TIME STEP * (input - convey out)) * leak
  # holds what is on the conveyor, and it never goes below zero
  out <- mdl_run(c("flat((0,1),(1,1)) ~~|", "rising((0,0),(1,1)) ~~|",
                   "input = STEP(10, 3) + 5 * PULSE(6, 1) ~~|",
                   "conv = DELAY CONVEYOR(input, 4, 0, flat, 20, 4) ~~|",
                   "fixed = DELAY FIXED(input, 4, 5) ~~|",
                   "shaped = DELAY CONVEYOR(0, 4, 0, rising, 12, 4) ~~|",
                   "leaky = DELAY CONVEYOR(input, 4, 0.1, flat, 20, 4) ~~|",
                   "ahead = total + TIME STEP * (input - leaky) ~~|",
                   "total = INTEG(input - leaky - ahead * 0.1, 20) ~~|"), final = 14, dt = 0.5)
  t <- out$time
  expect_equal(out$conv[t >= 4], out$fixed[t >= 4])          # a pipeline of 4 once the initial stuff is out
  expect_equal(out$conv[t < 4], rep(20 / 4, sum(t < 4)))
  # the rising profile: the batch leaving i steps in weighs i / 8, summing to 12
  w <- (0:7) / 8
  expect_equal(out$shaped[t < 4], 12 * w / sum(w) / 0.5)
  expect_equal(sum(out$shaped) * 0.5, 12)
  # without a leak nothing is lost: out by the end is the initial total
  # and every input that had the conveyance time to get through
  expect_equal(sum(out$conv) * 0.5, 20 + sum(out$input[t <= 14 - 4]) * 0.5)
  # with one, the reference's stock of what is on the conveyor settles
  # where in = out + leakage
  n <- nrow(out)
  expect_equal(out$input[n], out$leaky[n] + (out$total[n] + 0.5 * (out$input[n] - out$leaky[n])) * 0.1,
               tolerance = 1e-6)
  # in steady state the output is the input times what survives 8 steps
  expect_equal(tail(out$leaky, 1), 10 * 0.95^8)
})

test_that("MARKETP and ALLOC P give what ALLOCATE BY PRIORITY gives", {
  # Vensim's reference (MARKETP): the two equations replace one ALLOCATE
  # BY PRIORITY; MARKETP is the priority that clears the market, ALLOC P
  # each request's share at it
  out <- mdl_run(c("country: US, EU, JP ~~|", "demand[country] = 10, 20, 15 ~~|",
                   "priority[country] = 3, 2, 2.5 ~~|", "supply = Time * 3 ~~|",
                   "abp[country] = ALLOCATE BY PRIORITY(demand[country], priority[country], ELMCOUNT(country), 1.5, supply) ~~|",
                   "mp = MARKETP(demand[US], priority[US], ELMCOUNT(country), 1.5, supply) ~~|",
                   "ap[country] = ALLOC P(demand[country], priority[country], 1.5, mp) ~~|"), final = 20)
  for (k in c("US", "EU", "JP")) expect_equal(out[[sprintf("ap[%s]", k)]], out[[sprintf("abp[%s]", k)]])
  expect_equal(rowSums(out[, c("ap[US]", "ap[EU]", "ap[JP]")]), pmin(out$supply, 45))
  # the share on the rectangular profile, by hand at t = 5: US at
  # priority 3, width 1.5: min(1, (3 + 0.75 - mp) / 1.5) of 10
  mp5 <- out$mp[out$time == 5]
  expect_equal(out[["ap[US]"]][out$time == 5], 10 * min(1, max(0, (3.75 - mp5) / 1.5)))
  err <- tryCatch(mdl_run(c("c: a, b ~~|", "d[c] = 1 ~~|", "p[c] = 1 ~~|",
                            "mp = MARKETP(d[b], p[b], 2, 1, 1) ~~|")), error = identity)
  expect_s3_class(err, "sdvm_definition_error")
  expect_match(conditionMessage(err), "size of MARKETP")
})

test_that("FIND MARKET PRICE clears the market that DEMAND AT PRICE and SUPPLY AT PRICE describe", {
  # Vensim's reference (Allocation Functions): demand curves fall with the
  # price along each demander's priority profile, supply curves rise; the
  # market price is where total demand equals total supply
  out <- mdl_run(c("supplier: s1, s2 ~~|", "demander: d1, d2 ~~|", "pprofile: ptype, ppriority, pwidth, pextra ~~|",
                   "dq[demander] = 500, 300 ~~|", "sq[s1] = 200 + 10 * Time ~~|", "sq[s2] = 300 ~~|",
                   "dp[d1, pprofile] = 1, 5, 2, 0 ~~|", "dp[d2, pprofile] = 3, 7, 4, 0 ~~|",
                   "sp[s1, pprofile] = 1, 1, 2, 0 ~~|", "sp[s2, pprofile] = 3, 3, 4, 0 ~~|",
                   "price = FIND MARKET PRICE(dq[d1], dp[d1, ptype], sq[s1], sp[s1, ptype]) ~~|",
                   "dem[demander] = DEMAND AT PRICE(dq[demander], dp[demander, ptype], price) ~~|",
                   "sup[supplier] = SUPPLY AT PRICE(sq[supplier], sp[supplier, ptype], price) ~~|"))
  expect_equal(out[["dem[d1]"]] + out[["dem[d2]"]], out[["sup[s1]"]] + out[["sup[s2]"]], tolerance = 1e-12)
  # the curves by hand: d1 rectangular (priority 5, width 2), d2 normal
  # (7, 4), s1 rectangular rising (1, 2: all of it above price 2), s2
  # normal rising (3, 4)
  p <- out$price
  expect_equal(out[["dem[d1]"]], 500 * pmin(1, pmax(0, (5 + 1 - p) / 2)))
  expect_equal(out[["dem[d2]"]], 300 * pnorm(7, p, 4))
  expect_equal(out[["sup[s1]"]], (200 + 10 * out$time) * pmin(1, pmax(0, (p - 1 + 1) / 2)))
  expect_equal(out[["sup[s2]"]], 300 * pnorm(p, 3, 4))
  # at t = 5 the rectangles meet at 5: d1 takes 250 = s1's 250
  expect_equal(p[out$time == 5], 5)
})

test_that("DELAY BATCH releases batches of bsize, one in process at a time, each btime long", {
  # Vensim's reference (Dynamic Functions > DELAY BATCH): the input
  # accumulates; a batch starts when the backlog reaches bsize and none is
  # in process, and comes out btime later as a pulse (0 otherwise); the
  # initial batch comes out at its initial time, the initial backlog waits
  out <- mdl_run(c("input = 10 ~~|", "b = DELAY BATCH(input, 25, 3, 7, 0, 5) ~~|",
                   "late = DELAY BATCH(input, 25, 3, 7, 2, 0) ~~|"), final = 12, dt = 0.5)
  t <- out$time
  # 5 + 5 a step reaches 25 at t = 1.5: out at 4.5, then every 3 (a batch
  # is always waiting: 25 per 3 is less than the input)
  expect_equal(t[out$b != 0], c(0, 4.5, 7.5, 10.5))
  expect_equal(out$b[out$b != 0], c(7, 50, 50, 50))        # 25 over one step of 0.5
  expect_equal(t[out$late != 0], c(2, 5, 8, 11))
  # material is conserved: what came out plus what waits is what went in
  expect_equal(sum(out$b[t <= 10.5]) * 0.5, 7 * 0.5 + 3 * 25)
})

test_that("DELAY PROFILE spreads each input over the profile scaled to a mean of the delay time", {
  # Vensim's reference (Dynamic Functions > DELAY PROFILE): the profile is
  # the response to a pulse, scaled to a probability distribution whose
  # mean is the delay time; init (with init grow) sets the history
  out <- mdl_run(c("flat((0,1),(1,1)) ~~|", "tri((0,0),(1,1),(2,0)) ~~|",
                   "input = 5 + 100 * PULSE(2, 0.25) ~~|",
                   "f = DELAY PROFILE(flat, input, 2, 5, 0) ~~|",
                   "t = DELAY PROFILE(tri, input, 3, 5, 0) ~~|",
                   "grow = 5 * EXP(0.05 * Time) ~~|",
                   "g = DELAY PROFILE(flat, grow, 2, 5, 0.05) ~~|"), final = 12, dt = 0.25)
  tm <- out$time
  # the steady input comes out unchanged
  expect_equal(out$f[tm <= 2], rep(5, sum(tm <= 2)))
  # the pulse (25) spread evenly over delays 0 to 4 (a flat profile with
  # mean 2): 25 / 4 a time unit on top of the 5
  expect_equal(out$f[tm >= 2.5 & tm <= 5.5], rep(5 + 25 / 4, 13))
  x <- out$f - 5; y <- out$t - 5
  expect_equal(sum(x) * 0.25, 25)                                # conserved
  expect_equal(sum(y) * 0.25, 25)
  expect_equal(sum(y * (tm - 2)) / sum(y), 3, tolerance = 1e-3)   # mean delay 3
  # with a history growing at 5 percent the output grows smoothly from the start
  r <- out$g[-1] / out$g[-nrow(out)]
  expect_equal(r[tm[-1] <= 2], rep(exp(0.05 * 0.25), sum(tm[-1] <= 2)), tolerance = 1e-9)
})

test_that("DELAY N and SMOOTH N take their order from constants' equations, and a delay under a TIME STEP", {
  # Vensim's reference (DELAY N): the order must keep each stage at least a
  # TIME STEP long, Vensim reducing it otherwise, which makes DELAY N act
  # like DELAY MATERIAL; under one TIME STEP that is the input one step later
  out <- mdl_run(c("n = 3 ~~|", "m = n + 1 ~~|", "input = STEP(10, 1) ~~|",
                   "d = DELAY N(input, 2, 0, m) ~~|", "d4 = DELAY N(input, 2, 0, 4) ~~|",
                   "s = SMOOTH N(input, 2, 0, n) ~~|", "s3 = SMOOTH3I(input, 2, 0) ~~|",
                   "short = DELAY N(input, 0.1, 0, 3) ~~|", "mat = DELAY MATERIAL(input, 0.1, 0, 0) ~~|"),
                 final = 6, dt = 0.25)
  expect_equal(out$d, out$d4)
  expect_equal(out$s, out$s3)
  expect_equal(out$short, out$mat)
  expect_equal(out$short, c(0, head(out$input, -1)))
})

test_that("VECTOR SELECT's error actions flag no selection or several as an error (NaN, reported)", {
  # Vensim's reference (VECTOR SELECT): error action 1 is an error when
  # nothing is selected, 2 when more than one is, 3 either; 0 never
  run <- function(sel, err) {
    w <- NULL
    out <- withCallingHandlers(
      mdl_run(c("d: a, b, c ~~|", sprintf("s[d] = %s ~~|", sel), "x[d] = 1, 2, 3 ~~|",
                sprintf("v = VECTOR SELECT(s[d!], x[d!], -1, 0, %d) ~~|", err)), final = 1),
      warning = function(cnd) { w <<- conditionMessage(cnd); invokeRestart("muffleWarning") })
    list(v = out$v[1], warned = !is.null(w))
  }
  expect_equal(run("0, 0, 0", 0)$v, -1)
  expect_true(is.nan(run("0, 0, 0", 1)$v) && run("0, 0, 0", 1)$warned)
  expect_equal(run("0, 0, 0", 2)$v, -1)
  expect_true(is.nan(run("0, 0, 0", 3)$v))
  expect_equal(run("1, 1, 0", 1)$v, 3)
  expect_true(is.nan(run("1, 1, 0", 2)$v))
  expect_true(is.nan(run("1, 1, 0", 3)$v))
  expect_equal(run("0, 1, 0", 3)$v, 2)
})

test_that("SIMULTANEOUS solves an algebraic loop by running around it until it settles", {
  # Vensim's reference (Simultaneous Functions): the phone-call example;
  # the loop calls -> utilization -> quality -> calls is solved each step,
  # starting from the guess; x = cos(x) settles at the Dottie number
  out <- mdl_run(c("Customers = INTEG(10, 100) ~~|", "Capacity = 300 ~~|",
                   "quality f((0,1),(0.5,1),(1,0.6),(2,0.2)) ~~|", "effect f((0,0.5),(1,1)) ~~|",
                   "phone calls = Customers * 2 * effect f(quality) ~~|",
                   "quality = quality f(capacity utilization) ~~|",
                   "capacity utilization = SIMULTANEOUS(phone calls / Capacity, 0.8) ~~|",
                   "x = SIMULTANEOUS(COS(x), 1) ~~|"), final = 10, method = "rk4")
  # every equation of the loop holds at every saved time
  expect_equal(out[["capacity utilization"]], out[["phone calls"]] / 300, tolerance = 1e-10)
  expect_equal(out$quality, approx(c(0, 0.5, 1, 2), c(1, 1, 0.6, 0.2), out[["capacity utilization"]])$y,
               tolerance = 1e-10)
  expect_equal(out[["phone calls"]], out$Customers * 2 * (0.5 + 0.5 * out$quality), tolerance = 1e-10)
  expect_equal(unique(round(out$x, 12)), round(uniroot(function(x) cos(x) - x, c(0, 1), tol = 1e-14)$root, 12))
  # a loop that runs away is an error naming the variable and the time
  err <- tryCatch(mdl_run(c("y = SIMULTANEOUS(2 * y + 1, 0) ~~|")), error = identity)
  expect_s3_class(err, "sdvm_error")
  expect_match(conditionMessage(err), "SIMULTANEOUS for 'y' did not settle")
  # only as a whole equation
  err <- tryCatch(mdl_run(c("z = 1 + SIMULTANEOUS(z / 2, 0) ~~|")), error = identity)
  expect_match(conditionMessage(err), "whole equation")
})

test_that("DELAYP is DELAY3 with its pipeline named after the colon", {
  # Vensim's reference (DELAYP): the equations of a third-order material
  # delay; pipeline = LV1 + LV2 + LV3, which is what went in and has not
  # come out yet
  out <- mdl_run(c("x = STEP(10, 1) + 5 * PULSE(3, 1) ~~|", "y = DELAYP(x, 6 : in transit) ~~|",
                   "d3 = DELAY3(x, 6) ~~|", "wip = INTEG(x - y, 0) ~~|"), final = 30, dt = 0.25)
  expect_equal(out$y, out$d3)
  expect_equal(out[["in transit"]], out$wip, tolerance = 1e-12)
  # a model's own DELAYP (here a lookup) keeps the name
  own <- mdl_run(c("{UTF-8}", "DELAYP((0,0),(10,10)) ~~|", "y = DELAYP(Time) ~~|"), final = 2)
  expect_equal(own$y, c(0, 1, 2))
})

test_that("QUEUE FIFO keeps its contents' ages, first in first out, for the QUEUE AGE functions", {
  # Vensim's reference (QUEUE Functions): a queue is a level; its initial
  # contents are spread over ages TIME STEP to age range + TIME STEP by
  # the profile; the outflow takes the oldest first; QUEUE AGE IN RANGE,
  # AVERAGE (of the oldest quant, all when quant <= 0) and OLDEST read it
  out <- mdl_run(c("flat((0,1),(1,1)) ~~|",
                   "q = QUEUE FIFO(10, served, flat, 60, 3) ~~|",
                   "served = QUEUE AGE IN RANGE(q, 3, :NA:) / TIME STEP ~~|",
                   "level = INTEG(10 - served, 60) ~~|",
                   "avg = QUEUE AGE AVERAGE(q, 0) ~~|", "avg oldest 10 = QUEUE AGE AVERAGE(q, 10) ~~|",
                   "oldest = QUEUE AGE OLDEST(q) ~~|", "young = QUEUE AGE IN RANGE(q, :NA:, 1) ~~|",
                   "not queue = QUEUE AGE OLDEST(level) ~~|"), final = 12)
  expect_equal(out$q, out$level)                          # a level
  # at the start 60 over ages 1, 2, 3 (20 each): 20 is 3 old and leaves
  expect_equal(out$avg[1], 2)
  expect_equal(out$oldest[1], 3)
  expect_equal(out$served[1], 20)
  # then each step's 10 leaves when 3 steps old: 30 held, ages 1 to 3
  tail_rows <- out$time >= 4
  expect_equal(unique(out$q[tail_rows]), 30)
  expect_equal(unique(out$served[tail_rows]), 10)
  expect_equal(unique(out$avg[tail_rows]), 2)
  expect_equal(unique(out[["avg oldest 10"]][tail_rows]), 3)
  expect_equal(unique(out$young[tail_rows]), 10)
  expect_equal(unique(out[["not queue"]]), -2^109)        # not a queue: :NA:
})

test_that("QUEUE FIFO ATTRIB carries an attribute per batch for QUEUE ATTRIB AVERAGE and QUANTITY", {
  # Vensim's reference: the reference's own example, orders with an order
  # size processed against a capacity in size units per TIME STEP
  # (QUEUE ATTRIB QUANTITY: the oldest orders whose sizes add up to it);
  # attributes change by attchg * TIME STEP a step (7 at 10, rate 2, TIME
  # STEP 0.5: 8 at 10.5, 9 at 11)
  out <- mdl_run(c("flat((0,1),(1,1)) ~~|", "order size = 2 + STEP(2, 5) ~~|",
                   "in process = QUEUE FIFO ATTRIB(10, completions, order size, 0, flat, flat, 100, 1, 10) ~~|",
                   "completions = QUEUE ATTRIB QUANTITY(in process, 30 * TIME STEP) / TIME STEP ~~|",
                   "avg size = QUEUE ATTRIB AVERAGE(in process, -1) ~~|",
                   "aging = QUEUE FIFO ATTRIB(0, 0, 7, 2, flat, flat, 1, 7, 0.5) ~~|",
                   "aging attribute = QUEUE ATTRIB AVERAGE(aging, 0) ~~|",
                   "plain = QUEUE FIFO(1, 0, flat, 1, 1) ~~|", "no attribute = QUEUE ATTRIB AVERAGE(plain, 0) ~~|"),
                 final = 12, dt = 0.5)
  t <- out$time
  expect_equal(out$completions[t < 3], rep(30, sum(t < 3)))       # the first 100 are of size 1
  expect_equal(unique(out$completions[t >= 7]), 7.5)               # size 4: 15 / 4 a step
  expect_equal(out$avg[1], 1)
  expect_equal(unique(out[["avg size"]][t >= 7]), 4)
  expect_equal(out[["aging attribute"]], 7 + 2 * t)
  expect_equal(unique(out[["no attribute"]]), -2^109)
  expect_equal(out[["in process"]], 100 + cumsum(c(0, head(10 - out$completions, -1))) * 0.5)
})

test_that("SHIFT IF TRUE moves a level's elements one place on when its condition holds", {
  # Vensim's reference (SHIFT IF TRUE): the aging-chain example; size
  # elements from the one given shift along the last subscript, the first
  # takes inval, the last accumulates (accum) or is replaced, and the
  # function returns what left the last (0 when accumulating)
  out <- mdl_run(c("age: IN VITRO, (AGE 1-AGE 3) ~~|", "ageh: (AGE 1-AGE 3) ~~|",
                   "Population[IN VITRO] = INTEG(10, 0) ~~|", "Population[ageh] = INTEG(0, 0) ~~|",
                   "yearly = MODULO(Time, 1) = 0 :AND: Time > 0 ~~|",
                   "a = SHIFT IF TRUE(Population[IN VITRO], yearly, ELMCOUNT(age), 1, 0) ~~|",
                   "cohort[age] = INTEG(0, 1) ~~|",
                   "gone = SHIFT IF TRUE(cohort[IN VITRO], Time = 2, 3, 0, 7) ~~|"), final = 5, dt = 0.5)
  p <- function(e) out[[sprintf("Population[%s]", e)]]
  t <- out$time
  # each year 10 arrive and move on; the oldest cohort keeps what reaches it
  expect_equal(p("IN VITRO"), ifelse(t %% 1 == 0, 0, 5))
  expect_equal(p("AGE 1")[t >= 1], rep(10, sum(t >= 1)))
  expect_equal(p("AGE 3")[t == 5], 30)
  expect_equal(unique(out$a), 0)
  expect_equal(p("IN VITRO") + p("AGE 1") + p("AGE 2") + p("AGE 3"), 10 * t)   # nothing lost
  # without accumulating: 3 of the 4 shift once at 2, the third is replaced
  expect_equal(out[["cohort[IN VITRO]"]][t >= 2], rep(7, sum(t >= 2)))
  expect_equal(out$gone[t == 2], 1)
  expect_equal(unique(out[["cohort[AGE 3]"]]), 1)                          # beyond the size given
})

test_that("FIND ZERO solves for the variable it defines so that z is zero", {
  # Vensim's reference (Simultaneous Functions > FIND ZERO): x is the
  # left-hand side, z the vector to bring to zero; here x1^2 + x2 = 3 and
  # x2 = x1 + a, so x1 = (-1 + sqrt(1 - 4 (a - 3))) / 2
  out <- mdl_run(c("i: i1, i2 ~~|", "a = 1 + Time / 10 ~~|", "one[i] = 1 ~~|",
                   "x[i] = FIND ZERO(one[i], z[i], one[i], one[i], ELMCOUNT(i), 0, 1e-12, 50, 0) ~~|",
                   "z[i1] = x[i1] * x[i1] + x[i2] - 3 ~~|", "z[i2] = x[i1] - x[i2] + a ~~|",
                   "stock = INTEG(x[i1], 0) ~~|"), final = 5, method = "rk4")
  expect_equal(out[["x[i1]"]], (-1 + sqrt(1 - 4 * (out$a - 3))) / 2, tolerance = 1e-12)
  expect_equal(out[["x[i2]"]], out[["x[i1]"]] + out$a, tolerance = 1e-12)
  expect_true(all(abs(out[["z[i1]"]]) < 1e-12))
  # no solution: an error naming the variable and the time
  err <- tryCatch(mdl_run(c("i: i1 ~~|", "one[i] = 1 ~~|",
                            "x[i] = FIND ZERO(one[i], z[i], one[i], one[i], 1, 0, 1e-9, 20, 0) ~~|",
                            "z[i] = x[i] * x[i] + 1 ~~|")), error = identity)
  expect_s3_class(err, "sdvm_error")
  expect_match(conditionMessage(err), "FIND ZERO for 'x\\[i1\\]' did not bring its z to zero")
})

test_that("NET PRESENT VALUE sums each fiscal period and discounts it from a point in the period", {
  # Vensim's reference (NET PRESENT VALUE): the reference's weekly example,
  # a rate per year and a fiscal period of 52 weeks; foffset 1 discounts a
  # year's sum from its end, 0 from its start, to the reporting time
  out <- mdl_run(c("stream = 100 ~~|", "v = NET PRESENT VALUE(stream, 0.08, 52, Time, 1) ~~|",
                   "v0 = NET PRESENT VALUE(stream, 0.08, 52, Time, 0) ~~|"), final = 156)
  year <- 5200
  at <- function(t) out$time == t
  expect_equal(out$v[at(52)], year / 1.08)
  expect_equal(out$v[at(156)], year * sum(1.08^-(1:3)))
  expect_equal(out$v0[at(156)], year * sum(1.08^-(0:2)))
  expect_equal(out$v[at(26)], 2600 / 1.08)                   # this year's part so far
})

test_that("DEPRECIATE BY SCHEDULE spreads each fiscal period's investment by its schedule", {
  # Vensim's reference (DEPRECIATE BY SCHEDULE): the schedule's fractions
  # (or percents) over depreciation time / their number fiscal periods; a
  # flat schedule is DEPRECIATE STRAIGHTLINE, a front-loaded one takes
  # 40, 30, 20, 10 percent of a period's investment in it and the next three
  out <- mdl_run(c("y: y1, y2, y3, y4 ~~|", "flat[y] = 1, 1, 1, 1 ~~|", "front[y] = 40, 30, 20, 10 ~~|",
                   "none = 0 ~~|", "start[y] = 5, 4, 3, 2 ~~|",
                   "invest = 100 * PULSE(1, 1) + STEP(10, 5) ~~|",
                   "s = DEPRECIATE BY SCHEDULE(invest, flat[y1], none, 4, INITIAL TIME) ~~|",
                   "sl = DEPRECIATE STRAIGHTLINE(invest, 4, 1, 0) ~~|",
                   "f = DEPRECIATE BY SCHEDULE(invest, front[y1], none, 4, INITIAL TIME) ~~|",
                   "g = DEPRECIATE BY SCHEDULE(0, flat[y1], start[y1], 4, INITIAL TIME) ~~|"),
                 final = 10, dt = 0.25)
  at <- out$time %in% 0:10
  expect_equal(out$s, out$sl)
  expect_equal(out$f[at], c(0, 40, 30, 20, 10, 4, 7, 9, 10, 10, 10))
  expect_equal(out$g[at], c(5, 4, 3, 2, 0, 0, 0, 0, 0, 0, 0))      # the initial depreciation, period by period
})
