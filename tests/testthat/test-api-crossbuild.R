# tools/check.sh and .ci/run install the package twice (computed goto,
# then switch) and point SDVM_CROSSBUILD_DIR at one folder: the goto build
# writes its results there and the switch build must reproduce them bit
# for bit -- a few built models and, with $SDVM_CORPUS, every .mdl model
# of the corpus (SDXorg test-models, WORLD3-03, C-LEARN).
test_that("the goto and switch builds give identical results", {
  dir <- Sys.getenv("SDVM_CROSSBUILD_DIR")
  skip_if(!nzchar(dir), "SDVM_CROSSBUILD_DIR not set (set by tools/check.sh)")
  models <- list(
    teacup = teacup_model(),
    teacup_rk4 = teacup_model("rk4"),
    decay_rk2 = decay_model("rk2"),
    mixed = sd_model(stop = 20, dt = 0.25, method = "rk4") |>
      sd_aux("input", "1 + STEP(2, 3) + PULSE(5, 1) + RAMP(0.5, 8, 12) + PULSE TRAIN(2, 0.5, 3, 15)") |>
      sd_aux("a", "SMOOTH3(input, 2) + DELAY3(input, 4) + TREND(input, 3, 0) + DELAY1(input, 1)") |>
      sd_aux("b", "IF THEN ELSE(a > 3, LN(a) * EXP(-Time / 10), MODULO(Time, 3) + QUANTUM(a, 0.5))") |>
      sd_aux("c", "XIDZ(a, b - b, 7) + ZIDZ(a, Time) + MIN(a, b) ^ 2 - MAX(SIN(Time), COS(Time))")
  )
  outs <- lapply(models, simulate)
  # and every model of the corpus (results, or the error each gives)
  if (nzchar(sd_corpus())) {
    corpus <- corpus_runs()
    expect_gte(length(corpus), 120)
    outs <- c(outs, corpus = list(corpus))
  }
  file <- file.path(dir, "goto-results.rds")
  if (engine_info()$dispatch == "computed-goto") {
    saveRDS(outs, file)
    expect_true(file.exists(file))
  } else {
    skip_if(!file.exists(file), "no results from the goto build to compare with")
    ref <- readRDS(file)
    expect_identical(names(outs), names(ref))
    # model by model, so that a difference names its model
    for (nm in setdiff(names(outs), "corpus")) expect_identical(outs[[nm]], ref[[nm]], info = nm)
    if (!is.null(outs$corpus)) {
      expect_identical(names(outs$corpus), names(ref$corpus))
      for (nm in names(outs$corpus)) expect_identical(outs$corpus[[nm]], ref$corpus[[nm]], info = nm)
    }
  }
})
