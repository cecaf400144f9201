# The block vectorizer on long chains of one operation on one slot
# (docs/hardening.md, "A slow case in the block vectorizer"): such a chain
# repeats from every instruction in it, and the search used to measure it
# again from each start, quadratic in the chain's length.  The work is
# counted (`optimizer_work`, blocks measured), so the test asserts how it
# grows, not how long it takes.

chain_model <- function(n_eq, factors) {
  m <- sd_model(stop = 3) |> sd_aux("a", "Time + 1")
  for (i in seq_len(n_eq))
    m <- m |> sd_aux(paste0("c", i), paste0("a", strrep(" * 1.5", factors)))
  m
}

test_that("the optimizer's work on chains of one operation grows linearly", {
  w1 <- sd_compile(chain_model(2, 100))$optimizer_work
  w2 <- sd_compile(chain_model(2, 250))$optimizer_work
  expect_gt(w1, 0)
  # 2.5 times the chain: about 2.5 times the work (6.1 before the fix,
  # quadratic), and in any case not more than some ten thousand blocks
  # for a 1,000-factor chain (two million before)
  expect_lt(w2 / w1, 3.5)
  expect_lt(sd_compile(chain_model(2, 1000))$optimizer_work, 1e5)
})

test_that("long chains still compute what they say", {
  m <- chain_model(3, 300)
  r <- simulate(m)
  expect_equal(r$c1, (r$time + 1) * 1.5^300)
  expect_identical(r$c3, r$c1)
  neg <- sd_model(stop = 2) |> sd_aux("a", "Time + 1") |>
    sd_aux("b", paste0(strrep("-", 251), "a"))
  expect_equal(simulate(neg)$b, -(0:2 + 1))
})
