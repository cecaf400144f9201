# Extracted from test-structure-loops.R:197

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
skip_if_no_corpus()
cl <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
l <- sd_loops(cl)
expect_true(attr(l, "complete"))
expect_gt(nrow(l), 50)
expect_true(any(l$arrayed))
carbon <- l[vapply(l$variables, function(v) setequal(v, c("C in Atmosphere", "Flux Atm to Biomass")), NA), ]
expect_equal(nrow(carbon), 1)
expect_gte(carbon$elements, 1L)
expect_true(attr(l, "elements_complete"))
