# Vensim builtins checked against R's own computation.

mdl_file <- function(text) {
  path <- tempfile(fileext = ".mdl")
  writeLines(c(text, "FINAL TIME = 2 ~~|", "INITIAL TIME = 0 ~~|", "TIME STEP = 1 ~~|",
               "SAVEPER = TIME STEP ~~|"), path)
  path
}

test_that("INVERT MATRIX matches solve(), per matrix of a stacked array", {
  a <- matrix(c(4, -2, 1, 3, 6, -4, 2, 1, 8), 3, byrow = TRUE)
  # s2: an equation per element, diag((1 + Time) * 1:3)
  path <- mdl_file(c(
    "S: s1, s2 ~~|", "R: r1, r2, r3 ~~|", "C: c1, c2, c3 ~~|",
    "m[s1, R, C] = 4, -2, 1; 3, 6, -4; 2, 1, 8; ~~|",
    "m[s2, R, C] = IF THEN ELSE(R = C, (1 + Time) * R, 0) ~~|",
    "inv[S, R, C] = INVERT MATRIX(m[S, R, C], 3) ~~|"))
  out <- simulate(read_vensim(path))
  got <- matrix(unlist(out[1, sprintf("inv[s1,r%d,c%d]", rep(1:3, each = 3), rep(1:3, 3))]), 3, byrow = TRUE)
  expect_equal(got, solve(a), tolerance = 1e-12)
  # the second matrix changes over time: diag((1 + t) * 1:3)
  expect_equal(out$`inv[s2,r2,c2]`, 1 / ((1 + out$time) * 2))
  expect_equal(out$`inv[s2,r1,c2]`, c(0, 0, 0))
  bad <- mdl_file(c("R: r1, r2 ~~|", "C: c1, c2, c3 ~~|", "m[R, C] = 1 ~~|",
                    "inv[R, C] = INVERT MATRIX(m[R, C], 2) ~~|"))
  expect_error(simulate(read_vensim(bad)), class = "sdvm_definition_error")
})

test_that("an element used as a number is its position in its range", {
  path <- mdl_file(c("D: a, b, c ~~|", "Sub: b, c ~~|",
                     "is b[D] = IF THEN ELSE(D = b, 1, 0) ~~|",
                     "pos[Sub] = Sub * 10 + c ~~|"))
  out <- simulate(read_vensim(path))[1, ]
  expect_equal(unlist(out[c("is b[a]", "is b[b]", "is b[c]")], use.names = FALSE), c(0, 1, 0))
  # positions count in the largest range holding the element (b is 2nd of D)
  expect_equal(unlist(out[c("pos[b]", "pos[c]")], use.names = FALSE), c(23, 33))
})

test_that("DELAY N keeps stages at least one TIME STEP long, as Vensim does", {
  run <- function(order, delay) {
    path <- tempfile(fileext = ".mdl")
    writeLines(c("input = -1 + STEP(5, 2) ~~|",
                 sprintf("out = DELAY N(input, %s, 6, %s) ~~|", delay, order),
                 "FINAL TIME = 10 ~~|", "INITIAL TIME = 0 ~~|", "TIME STEP = 0.5 ~~|",
                 "SAVEPER = TIME STEP ~~|"), path)
    simulate(read_vensim(path))$out
  }
  # delay 1.25 = 2.5 steps: order 3 would make stages of 0.42 < 0.5
  expect_equal(run(3, 1.25), run(2, 1.25))
  # a delay long enough keeps its order
  expect_false(isTRUE(all.equal(run(3, 3), run(2, 3))))
})

test_that("ALLOCATE BY PRIORITY serves higher priorities first, shares ties by request", {
  path <- mdl_file(c("T: a, b, c ~~|",
                     "req[T] = 10, 6, 3 ~~|", "pri[T] = 2, 4, 3 ~~|",
                     "seq[T] = ALLOCATE BY PRIORITY(req[T], pri[T], ELMCOUNT(T), 0.5, 7) ~~|",
                     "all[T] = ALLOCATE BY PRIORITY(req[T], pri[T], ELMCOUNT(T), 0.5, 25) ~~|",
                     "same[T] = 5 ~~|",
                     "tied[T] = ALLOCATE BY PRIORITY(req[T], same[T], ELMCOUNT(T), 2, 9.5) ~~|",
                     "near[T] = ALLOCATE BY PRIORITY(req[T], pri[T], ELMCOUNT(T), 2, 8) ~~|"))
  out <- simulate(read_vensim(path))[1, ]
  get <- function(v) unlist(out[sprintf("%s[%s]", v, c("a", "b", "c"))], use.names = FALSE)
  # gaps of a whole width: b (priority 4) takes its 6, c (3) the last 1
  expect_equal(get("seq"), c(0, 6, 1))
  expect_equal(get("all"), c(10, 6, 3))          # enough for every request
  expect_equal(get("tied"), c(5, 3, 1.5))        # equal priorities: in proportion
  # overlapping profiles (width 2 > gaps of 1): at level x, b gets
  # 6 * (5 - x) / 2, c 3 * (4 - x) / 2, a 10 * (3 - x) / 2, each within
  # [0, request]; they add up to 8 at x = 19 / 6.5 (b full)
  x <- 19 / 6.5
  expect_equal(get("near"), c(5 * (3 - x), 6, 1.5 * (4 - x)), tolerance = 1e-12)
})

test_that("ALLOCATE AVAILABLE with rectangular profiles matches ALLOCATE BY PRIORITY", {
  path <- mdl_file(c("T: a, b, c ~~|", "P: ptype, ppriority, pwidth, pextra ~~|",
                     "req[T] = 10, 6, 3 ~~|", "pri[T] = 2, 4, 3 ~~|",
                     "pp[T, P] = 1, 2, 2, 0; 1, 4, 2, 0; 1, 3, 2, 0 ~~|",
                     "avail[T] = ALLOCATE AVAILABLE(req[T], pp[T, ptype], 8) ~~|",
                     "byp[T] = ALLOCATE BY PRIORITY(req[T], pri[T], ELMCOUNT(T), 2, 8) ~~|"))
  out <- simulate(read_vensim(path))[1, ]
  expect_equal(unlist(out[c("avail[a]", "avail[b]", "avail[c]")], use.names = FALSE),
               unlist(out[c("byp[a]", "byp[b]", "byp[c]")], use.names = FALSE), tolerance = 1e-12)
})

test_that("LOOKUP BACKWARD, FORWARD, EXTRAPOLATE and INVERT read a table their way", {
  path <- mdl_file(c("tbl((0, 0), (1, 10), (3, 20)) ~~|",
                     "x = 1.5 ~~|",
                     "back = LOOKUP BACKWARD(tbl, x) ~~|",
                     "fwd = LOOKUP FORWARD(tbl, x) ~~|",
                     "fwd at point = LOOKUP FORWARD(tbl, 1) ~~|",
                     "extra hi = LOOKUP EXTRAPOLATE(tbl, 5) ~~|",
                     "extra lo = LOOKUP EXTRAPOLATE(tbl, -1) ~~|",
                     "inside = LOOKUP EXTRAPOLATE(tbl, x) ~~|",
                     "inv = LOOKUP INVERT(tbl, 15) ~~|",
                     "inv out = LOOKUP INVERT(tbl, 99) ~~|"))
  out <- simulate(read_vensim(path))[1, ]
  expect_equal(out$back, 10)
  expect_equal(out$fwd, 20)
  expect_equal(out$`fwd at point`, 10)
  expect_equal(out$`extra hi`, 20 + 2 * 5)          # last segment's slope, 5 per unit
  expect_equal(out$`extra lo`, -10)
  expect_equal(out$inside, 12.5)
  expect_equal(out$inv, 2)
  expect_equal(out$`inv out`, 3)
  bad <- mdl_file(c("x = 1 ~~|", "y = LOOKUP FORWARD(x, 2) ~~|"))
  expect_error(simulate(read_vensim(bad)), class = "sdvm_definition_error")
})

test_that("VECTOR RANK and VECTOR REORDER work along the last subscript", {
  path <- mdl_file(c("R: r1, r2 ~~|", "C: c1, c2, c3 ~~|",
                     "v[R, C] = 30, 10, 20; 5, 7, 6 ~~|",
                     "up[R, C] = VECTOR RANK(v[R, C], 1) ~~|",
                     "down[R, C] = VECTOR RANK(v[R, C], 0) ~~|",
                     "ord[R, C] = VECTOR SORT ORDER(v[R, C], 1) ~~|",
                     "sorted[R, C] = VECTOR REORDER(v[R, C], ord[R, C]) ~~|"))
  out <- simulate(read_vensim(path))[1, ]
  row <- function(v, r) unlist(out[sprintf("%s[%s,c%d]", v, r, 1:3)], use.names = FALSE)
  vals <- list(r1 = c(30, 10, 20), r2 = c(5, 7, 6))
  for (r in names(vals)) {
    expect_equal(row("up", r), rank(vals[[r]]))
    expect_equal(row("down", r), rank(-vals[[r]]))
    expect_equal(row("ord", r), order(vals[[r]]) - 1)     # 0-based, as Vensim
    expect_equal(row("sorted", r), sort(vals[[r]]))
  }
})

test_that("VECTOR SELECT: every action, and actions that change during the run", {
  sel <- c(1, 0.3, 0, -1, 2); val <- c(-0.5, -1.2, 7, 0.3, 1)
  on <- sel != 0
  expected <- c(sum(sel * val), prod((sel * val)[on]), min((sel * val)[on]), max((sel * val)[on]),
                mean((sel * val)[on]), prod(val[on]^sel[on]), sum(val[on]), prod(val[on]),
                min(val[on]), max(val[on]), mean(val[on]))
  path <- tempfile(fileext = ".mdl")
  writeLines(c("D: (d1-d5) ~~|",
               sprintf("s[D] = %s ~~|", paste(sel, collapse = ", ")),
               sprintf("x[D] = %s ~~|", paste(val, collapse = ", ")),
               "z[D] = 0 ~~|",
               "out = VECTOR SELECT(s[D!], x[D!], -99, Time, 0) ~~|",
               "none = VECTOR SELECT(z[D!], x[D!], -99, 0, 0) ~~|",
               "FINAL TIME = 10 ~~|", "INITIAL TIME = 0 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"),
             path)
  # action 5 raises negative values to powers: NaN, as in R, and the
  # one warning that names where the first non-finite value appears
  expect_warning(out <- simulate(read_vensim(path)), "'out' is NaN at time 5")
  expect_true(is.nan(expected[6]))
  expect_equal(out$out, expected, tolerance = 1e-12)
  expect_equal(out$none, rep(-99, 11))
})

test_that("RANDOM UNIFORM and RANDOM NORMAL are seeded, reproducible and new at each step", {
  path <- tempfile(fileext = ".mdl")
  writeLines(c("u = RANDOM UNIFORM(2, 5, 7) ~~|",
               "u same seed = RANDOM UNIFORM(2, 5, 7) ~~|",
               "u other = RANDOM UNIFORM(2, 5, 8) ~~|",
               "n = RANDOM NORMAL(-1, 3, 1, 0.5, 7) ~~|",
               "FINAL TIME = 2000 ~~|", "INITIAL TIME = 0 ~~|", "TIME STEP = 1 ~~|",
               "SAVEPER = TIME STEP ~~|"), path)
  m <- read_vensim(path)
  a <- simulate(m)
  b <- simulate(read_vensim(path))
  expect_identical(a, b)                                  # same model, same numbers
  expect_true(all(a$u > 2 & a$u < 5))
  expect_gt(length(unique(a$u)), 1990)                    # a new draw every step
  expect_false(isTRUE(all.equal(a$u, a$`u other`)))       # the seed matters
  expect_false(isTRUE(all.equal(a$u, a$`u same seed`)))   # and so does the call site
  # 2001 draws: the mean within 5 standard errors of 3.5, the spread of U(2, 5)
  expect_lt(abs(mean(a$u) - 3.5), 5 * sqrt(0.75 / 2001))
  expect_equal(var(a$u), 0.75, tolerance = 0.1)
  expect_true(all(a$n >= -1 & a$n <= 3))
  expect_lt(abs(mean(a$n) - 1), 5 * 0.5 / sqrt(2001))
  expect_equal(sd(a$n), 0.5, tolerance = 0.1)
  # the draw of a step does not depend on the integration method's stages
  expect_equal(simulate(m, method = "rk4")$u, a$u)
})

test_that("GET TIME VALUE offsets the current or the initial time; calendars are refused", {
  path <- mdl_file(c("now = GET TIME VALUE(0, 1.5, 0) ~~|", "start = GET TIME VALUE(1, -1, 0) ~~|"))
  out <- simulate(read_vensim(path))
  expect_equal(out$now, out$time + 1.5)
  expect_equal(out$start, rep(-1, nrow(out)))
  clock <- mdl_file("c = GET TIME VALUE(2, 0, 0) ~~|")
  expect_error(simulate(read_vensim(clock)), class = "sdvm_definition_error")
  years <- mdl_file("c = GET TIME VALUE(0, 0, 1) ~~|")
  expect_error(simulate(read_vensim(years)), class = "sdvm_definition_error")
})
