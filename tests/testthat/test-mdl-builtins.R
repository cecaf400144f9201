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
