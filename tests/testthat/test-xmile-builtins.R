# Stella's builtins beyond XMILE 1.0's core, translated onto the engine's
# functions; expected values from their definitions in Stella's help
# (Builtins: statistical, mathematical, test input, data).

xmile_run <- function(vars, stop = 10, dt = 1, method = "euler", start = 0) {
  path <- tempfile(fileext = ".xmile")
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>',
               '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
               '<header><vendor>isee systems</vendor><product>Stella</product></header>',
               sprintf('<sim_specs method="%s"><start>%s</start><stop>%s</stop><dt>%s</dt></sim_specs>',
                       method, start, stop, dt),
               '<model><variables>', vars, '</variables></model></xmile>'), path)
  simulate(read_xmile(path))
}
aux <- function(name, eqn) sprintf('<aux name="%s"><eqn>%s</eqn></aux>', name, eqn)

test_that("Stella's statistical builtins draw with the means their definitions give", {
  n <- 20000
  out <- xmile_run(c(aux("e", "EXPRND(2, 1)"), aux("p", "POISSON(3)"), aux("ln", "LOGNORMAL(2, 1)"),
                     aux("b", "BETA(2, 3)"), aux("bi", "BINOMIAL(10, 0.3)"), aux("g", "GAMMA(3, 2)"),
                     aux("ge", "GEOMETRIC(0.5)"), aux("tri", "TRIANGULAR(1, 2, 5)"),
                     aux("w", "WEIBULL(2, 3)"), aux("mc", "MONTECARLO(50)")), stop = n - 1)
  m <- colMeans(out)
  se <- function(var) 5 * sqrt(var / n)
  expect_lt(abs(m[["e"]] - 2), se(4))
  expect_lt(abs(m[["p"]] - 3), se(3))
  expect_lt(abs(m[["ln"]] - 2), se(1))            # the lognormal's own mean and sd
  expect_lt(abs(m[["b"]] - 0.4), se(0.04))
  expect_lt(abs(m[["bi"]] - 3), se(2.1))
  expect_lt(abs(m[["g"]] - 6), se(12))            # shape 3, scale 2
  expect_lt(abs(m[["ge"]] - 2), se(2))            # trials to the first success
  expect_lt(abs(m[["tri"]] - 8 / 3), se(13 / 18))
  expect_lt(abs(m[["w"]] - 3 * gamma(1.5)), se(9 * (1 - gamma(1.5)^2)))
  expect_lt(abs(m[["mc"]] - 0.5), se(0.25))       # 50 percent per time unit, DT 1
  expect_true(all(out$mc %in% c(0, 1)))
})

test_that("Stella's mathematical and test-input builtins", {
  warned <- NULL
  out <- withCallingHandlers(xmile_run(c(aux("gl", "GAMMALN(5)"), aux("f", "FACT(5)"), aux("c", "COMBINATIONS(5, 2)"),
                     aux("pe", "PERMUTATIONS(5, 2)"), aux("r1", "ROUND(-2.5)"), aux("r2", "ROUND(2.4)"),
                     aux("sw", "SINWAVE(2, 8)"), aux("cw", "COSWAVE(2, 8)"), aux("i", "INF"),
                     aux("h", "HISTORY(TIME * 10, TIME - 3)"), aux("later", "HISTORY(TIME, TIME + 1)"),
                     aux("la", "LOOKUPAREA(tbl, 0, 2)"), aux("n", "NPV(10, 0.1)"),
                     '<aux name="tbl"><eqn>TIME</eqn><gf><xscale min="0" max="2"/><ypts>0,2</ypts></gf></aux>'),
                   stop = 8), sdvm_nonfinite_warning = function(w) {
                     warned <<- conditionMessage(w)
                     invokeRestart("muffleWarning")
                   })
  expect_match(warned, "'i' is Inf", fixed = TRUE)
  expect_equal(unique(out$gl), log(24))
  expect_equal(unique(out$f), 120)
  expect_equal(unique(out$c), 10)
  expect_equal(unique(out$pe), 20)
  expect_equal(unique(out$r1), -3)
  expect_equal(unique(out$r2), 2)
  expect_equal(out$sw, 2 * sin(2 * pi * out$time / 8))
  expect_equal(out$cw, 2 * cos(2 * pi * out$time / 8))
  expect_true(all(is.infinite(out$i)))
  # the value three time units earlier; 0 before the start and after now
  expect_equal(out$h, c(0, 0, 0, 10 * (0:5)))
  expect_equal(unique(out$later), 0)
  expect_equal(unique(out$la), 2)                 # the triangle under (0,0)-(2,2)
  expect_equal(out$n[1], 10)                      # NPV's first value is the stream times DT
})

test_that("INVNORM, NORMALCDF, COUNTER and DERIVN", {
  out <- xmile_run(c(aux("q", "INVNORM(0.975)"), aux("q2", "INVNORM(0.1, 10, 2)"), aux("qt", "INVNORM(1e-300)"),
                     aux("p", "NORMALCDF(-1.96, 1.96)"), aux("p2", "NORMALCDF(8, 12, 10, 2)"),
                     aux("cnt", "COUNTER(2, 5)"), aux("x", "TIME^3"),
                     aux("d1", "DERIVN(x, 1)"), aux("d2", "DERIVN(x, 2)")), stop = 8, dt = 0.5)
  # the normal quantiles and probabilities R's stats functions give
  expect_equal(out$q[1], qnorm(0.975), tolerance = 1e-14)
  expect_equal(out$q2[1], qnorm(0.1, 10, 2), tolerance = 1e-14)
  expect_equal(out$qt[1], qnorm(1e-300), tolerance = 1e-12)
  expect_equal(out$p[1], pnorm(1.96) - pnorm(-1.96), tolerance = 1e-14)
  expect_equal(out$p2[1], pnorm(1) - pnorm(-1), tolerance = 1e-14)
  # counting by DT from 2, back to 2 on reaching 5
  expect_equal(out$cnt, 2 + (out$time %% 3))
  # differences over one DT: of t^3, (t^3 - (t - h)^3) / h, 0 at the start
  h <- 0.5; t <- out$time
  expect_equal(out$d1, ifelse(t == 0, 0, (t^3 - (t - h)^3) / h))
  d1 <- out$d1
  expect_equal(out$d2, c(0, diff(d1) / h))
})

test_that("LOGISTIC and PARETO draw with their distributions' means", {
  n <- 20000
  out <- xmile_run(c(aux("l", "LOGISTIC(3, 2, 7)"), aux("pa", "PARETO(4, 1.5, 9)")), stop = n - 1)
  # logistic: mean 3, variance (pi * 2)^2 / 3; Pareto shape 4, scale 1.5:
  # mean 4 * 1.5 / 3 = 2, variance 1.5^2 * 4 / (3^2 * 2) = 0.5
  expect_lt(abs(mean(out$l) - 3), 5 * sqrt((2 * pi)^2 / 3 / n))
  expect_lt(abs(mean(out$pa) - 2), 5 * sqrt(0.5 / n))
  expect_true(all(out$pa >= 1.5))
})

test_that("Stella builtins sdvm does not run are refused with their name", {
  for (f in c("ENDVAL(x, 0)")) {
    err <- tryCatch(xmile_run(aux("x", f)), error = identity)
    expect_s3_class(err, "sdvm_unsupported_error")
    expect_match(conditionMessage(err), toupper(sub("\\(.*", "", f)), fixed = TRUE)
    expect_match(conditionMessage(err), "docs/language.md", fixed = TRUE)
  }
})

test_that("XMILE's variable-step methods run as fixed-step RK4", {
  stock <- '<stock name="s"><eqn>1</eqn><inflow>g</inflow></stock><flow name="g"><eqn>s * 0.1</eqn></flow>'
  expect_equal(xmile_run(stock, method = "rk45")$s, xmile_run(stock, method = "rk4")$s)
  expect_equal(xmile_run(stock, method = "gear")$s, xmile_run(stock, method = "rk4")$s)
})

test_that("SELF is the variable being defined: PREVIOUS(SELF, 0) holds a value", {
  # Stella's help: SELF refers to the variable whose equation it is in;
  # PREVIOUS(x, init) is x one DT before (init at the start).  Simlin's
  # test of these, run in Stella: after 1950 prev3 keeps its 1950 value,
  # 30 pi (RAMP(PI, 1920) there)
  out <- xmile_run(c(aux("based on time", "TIME"), aux("increasing", "RAMP(PI, 1920)"),
                     aux("prev1", "PREVIOUS(based_on_time, 66.6)"),
                     aux("prev2", "PREVIOUS(increasing, increasing)"),
                     aux("prev3", "IF TIME &gt; 1950 THEN PREVIOUS(SELF, 0) ELSE increasing")),
                   start = 1900, stop = 1960, dt = 0.25)
  expect_equal(out$prev1, c(66.6, head(out$time, -1)))
  expect_equal(out$prev2, c(0, head(out$increasing, -1)))
  expect_equal(unique(out$prev3[out$time > 1950]), 30 * pi)
  expect_equal(out$prev3[out$time <= 1950], out$increasing[out$time <= 1950])
})

test_that("RANK gives the number of the element with a rank, rank 1 the smallest", {
  # Stella's help: RANK(array, rank) returns the index of the element of
  # that rank (1 the lowest); here v = 30, 10, 40, then 20 rising past 40
  v <- '<aux name="v"><dimensions><dim name="D"/></dimensions><element subscript="1"><eqn>30</eqn></element><element subscript="2"><eqn>10</eqn></element><element subscript="3"><eqn>40</eqn></element><element subscript="4"><eqn>20 + TIME * 100</eqn></element></aux>'
  path <- tempfile(fileext = ".xmile")
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>',
               '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
               '<header><vendor>isee systems</vendor><product>Stella</product></header>',
               '<sim_specs method="Euler"><start>0</start><stop>1</stop><dt>1</dt></sim_specs>',
               '<dimensions><dim name="D" size="4"/></dimensions><model><variables>', v,
               aux("lowest", "RANK(v, 1)"), aux("second", "RANK(v, 2)"), aux("highest", "RANK(v, 4)"),
               '</variables></model></xmile>'), path)
  out <- simulate(read_xmile(path))
  expect_equal(out$lowest, c(2, 2))
  expect_equal(out$second, c(4, 1))
  expect_equal(out$highest, c(3, 4))
  err <- tryCatch(xmile_run(c(aux("x", "RANK(x, 1, x)"))), error = identity)
  expect_s3_class(err, "sdvm_unsupported_error")
})
