# Small models written for the tests.
teacup_model <- function(method = "euler") {
  sd_model(start = 0, stop = 30, dt = 0.125, method = method, name = "teacup") |>
    sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss to Room") |>
    sd_flow("Heat Loss to Room", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
    sd_const("Room Temperature", 70) |>
    sd_const("Characteristic Time", 10)
}

decay_model <- function(method = "euler", dt = 0.25) {
  sd_model(start = 0, stop = 4, dt = dt, method = method) |>
    sd_stock("x", init = 1, outflows = "decay") |>
    sd_flow("decay", "k * x") |>
    sd_const("k", 0.5)
}

# A two-region arrayed model, as Vensim text (read with read_vensim()).
arrayed_model <- function() {
  f <- tempfile(fileext = ".mdl")
  writeLines(c(
    "{UTF-8}",
    "Region: north, south ~~|",
    "Growth[Region] = 0.1, 0.2 ~ 1/Year ~|",
    "Pop[Region] = INTEG(Pop[Region] * Growth[Region], 100) ~ people ~|",
    "INITIAL TIME = 0 ~~|", "FINAL TIME = 2 ~~|", "TIME STEP = 1 ~~|",
    "SAVEPER = TIME STEP ~~|"), f)
  on.exit(unlink(f))
  read_vensim(f)
}

# Start `work` in a callr session, interrupt it after `after` seconds, and
# expect that it stopped with an error or interrupt and returned nothing.
# Returns the session (still usable) for further checks.
expect_interrupted <- function(rs, work, after) {
  rs$call(work)
  Sys.sleep(after)
  rs$interrupt()
  res <- NULL
  for (i in 1:600) {             # wait for the session to answer (not a timing check)
    if (rs$poll_process(100) == "ready") { res <- rs$read(); if (!is.null(res)) break }
  }
  testthat::expect_false(is.null(res))
  testthat::expect_true(inherits(res$error, "error") || inherits(res$error, "interrupt") ||
                          inherits(res$condition, "interrupt"))
  testthat::expect_null(res$result)
  invisible(rs)
}
