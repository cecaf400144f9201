# Extracted from test-structure-loops.R:230

# setup ------------------------------------------------------------------------
library(testthat)
test_env <- simulate_test_env(package = "sdvm", path = "..")
attach(test_env, warn.conflicts = FALSE)

# prequel ----------------------------------------------------------------------
expect_valid_loops <- function(l) {
  e <- attr(l, "links")
  key <- paste(canon_name_t(e$from_name), canon_name_t(e$to_name))
  for (v in l$variables) {
    cv <- canon_name_t(v)
    expect_true(all(paste(cv, c(cv[-1], cv[1])) %in% key))
    expect_false(anyDuplicated(cv) > 0)
  }
  rot <- vapply(l$variables, function(v) {
    cv <- canon_name_t(v); k <- which.min(rank(cv, ties.method = "first"))
    paste(c(cv[k:length(cv)], cv[seq_len(k - 1)]), collapse = "|")
  }, "")
  expect_false(anyDuplicated(rot) > 0)
}
canon_name_t <- function(x) tolower(gsub("[[:space:]_]+", " ", trimws(x)))

# test -------------------------------------------------------------------------
l <- sd_loops(arrayed_model())
expect_equal(nrow(l), 1)
expect_true(l$arrayed)
expect_equal(l$elements, 2L)
expect_true(attr(l, "elements_complete"))
f <- tempfile(fileext = ".mdl")
on.exit(unlink(f))
writeLines(c(
    "{UTF-8}",
    "R: r1, r2, r3 ~~|",
    # x and y in step for each region: three loops
    "x[R] = INTEG(y[R], 1) ~ ~|",
    "y[R] = x[R] * 0.1 ~ ~|",
    # u feeds v of the next region round: one loop through all six
    "u[R] = INTEG(v[R], 1) ~ ~|",
    "v[r1] = u[r3] ~ ~|", "v[r2] = u[r1] ~ ~|", "v[r3] = u[r2] ~ ~|",
    # each element of w reads the one before: a chain, no loop
    "w[r1] = 1 ~ ~|", "w[r2] = w[r1] + 1 ~ ~|", "w[r3] = w[r2] + 1 ~ ~|",
    # SMOOTH's hidden stock in z counts as z
    "s[R] = INTEG(z[R] - s[R] / 4, 1) ~ ~|",
    "z[R] = SMOOTH(s[R], 2) ~ ~|",
    "INITIAL TIME = 0 ~~|", "FINAL TIME = 2 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = TIME STEP ~~|"), f)
l <- sd_loops(read_vensim(f))
el <- function(vars) l$elements[vapply(l$variables, function(v) setequal(v, vars), NA)]
expect_equal(el(c("x", "y")), 3L)
expect_equal(el(c("u", "v")), 1L)
