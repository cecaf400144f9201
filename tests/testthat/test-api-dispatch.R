test_that("engine_info reports the build", {
  info <- engine_info()
  expect_true(info$dispatch %in% c("computed-goto", "switch"))
  expect_type(info$have_computed_goto, "logical")
  expect_equal(info$dispatch == "computed-goto", info$have_computed_goto)
  expect_gt(info$opcodes, 40)
})

test_that("both interpreter loops give the same results bit for bit", {
  skip_if_not(engine_info()$have_computed_goto, "this build has only the switch loop")
  models <- list(
    teacup_model(), teacup_model("rk4"), decay_model("rk2"),
    sd_model(stop = 20, dt = 0.25, method = "rk4") |>
      sd_aux("input", "1 + STEP(2, 3) + PULSE(5, 1) + RAMP(0.5, 8, 12) + PULSE TRAIN(2, 0.5, 3, 15)") |>
      sd_aux("a", "SMOOTH3(input, 2) + DELAY3(input, 4) + TREND(input, 3, 0) + DELAY1(input, 1)") |>
      sd_aux("b", "IF THEN ELSE(a > 3, LN(a) * EXP(-Time / 10), MODULO(Time, 3) + QUANTUM(a, 0.5))") |>
      sd_aux("c", "XIDZ(a, b - b, 7) + ZIDZ(a, Time) + MIN(a, b) ^ 2 - MAX(SIN(Time), COS(Time))") |>
      sd_aux("d", "WITH LOOKUP(Time, ([(0,0)-(20,5)], (0,0), (10,5), (20,1))) + INITIAL(a) + INTEGER(Time / 3)")
  )
  for (m in models) {
    expect_identical(sdvm:::sd_run(m, dispatch = "switch"), sdvm:::sd_run(m, dispatch = "goto"))
  }
})

test_that("both interpreter loops give the same results on every corpus model", {
  skip_if_not(engine_info()$have_computed_goto, "this build has only the switch loop")
  skip_if_no_corpus()
  goto <- corpus_runs("goto")
  switch <- corpus_runs("switch")
  expect_gte(length(goto), 120)
  ran <- vapply(goto, is.data.frame, NA)
  expect_gte(sum(ran), 110)                # most run; the rest fail alike
  for (nm in names(goto)) expect_identical(switch[[nm]], goto[[nm]], info = nm)
})
