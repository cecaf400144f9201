# SDXorg sample models, transcribed into the R builders from their .mdl
# equations, against the Vensim/Stella outputs shipped with them.

test_that("teacup matches Vensim", {
  skip_if_no_corpus()
  out <- simulate(teacup_model())
  expect_matches_reference(out, corpus_path("test-models", "samples", "teacup", "output.csv"))
})

test_that("SIR matches Vensim", {
  skip_if_no_corpus()
  m <- sd_model(start = 0, stop = 100, dt = 0.03125) |>
    sd_const("Contact Infectivity", 0.3) |>
    sd_const("Duration", 5) |>
    sd_stock("Infectious", init = 5, inflows = "Succumbing", outflows = "Recovering") |>
    sd_stock("Recovered", init = 0, inflows = "Recovering") |>
    sd_flow("Recovering", "Infectious/Duration") |>
    sd_flow("Succumbing", "Susceptible*Infectious/Total Population * Contact Infectivity") |>
    sd_stock("Susceptible", init = "Total Population", outflows = "Succumbing") |>
    sd_const("Total Population", 1000)
  res <- expect_matches_reference(simulate(m), corpus_path("test-models", "samples", "SIR", "output.csv"))
  expect_equal(res$n_columns, 8)
})

test_that("Roessler chaos matches Vensim", {
  skip_if_no_corpus()
  m <- sd_model(start = 0, stop = 100, dt = 0.03125) |>
    sd_const("a", 0.2) |> sd_const("b", 0.2) |> sd_const("c", 5.7) |>
    sd_flow("dxdt", "-y - z") |> sd_flow("dydt", "x + a*y") |> sd_flow("dzdt", "b + z*(x-c)") |>
    sd_stock("x", 0.5, inflows = "dxdt") |> sd_stock("y", 0.5, inflows = "dydt") |>
    sd_stock("z", 0.4, inflows = "dzdt")
  # chaotic, yet double-precision Euler stays within the rule for all 100
  # time units of Vensim's single-precision output
  expect_matches_reference(simulate(m), corpus_path("test-models", "samples", "Roessler_Chaos", "output.tab"))
})

test_that("simple harmonic oscillator matches Vensim", {
  skip_if_no_corpus()
  m <- sd_model(start = 0, stop = 50, dt = 0.01, saveper = 0.1) |>
    sd_aux("elastic acceleration", "-elastic constant/mass*position") |>
    sd_const("elastic constant", 0.5) |>
    sd_const("initial position", 50) |>
    sd_const("mass", 10) |>
    sd_stock("position", "initial position", inflows = "speed") |>
    sd_stock("speed", 0, inflows = "elastic acceleration")
  expect_matches_reference(simulate(m), corpus_path("test-models", "samples", "simple_harmonic_oscillator", "output.tab"))
})

test_that("single-feature cases match Vensim", {
  skip_if_no_corpus()
  case <- function(...) corpus_path("test-models", "tests", ...)
  # builtin_max
  m <- sd_model(stop = 10) |> sd_aux("output", "MAX(Time, 5)")
  expect_matches_reference(simulate(m), case("builtin_max", "output.csv"))
  # sqrt
  m <- sd_model(stop = 20) |> sd_flow("FlowA", "StockA") |> sd_stock("StockA", 0.001, inflows = "FlowA") |>
    sd_aux("test sqrt", "SQRT(StockA)")
  expect_matches_reference(simulate(m), case("sqrt", "output.tab"))
  # xidz_zidz
  m <- sd_model(stop = 1) |> sd_const("alternate", 4) |> sd_const("numerator", 11) |>
    sd_aux("test zidz", "ZIDZ(numerator, zero )") |> sd_aux("text xidz", "XIDZ(numerator , zero , alternate )") |>
    sd_const("zero", 0)
  expect_matches_reference(simulate(m), case("xidz_zidz", "output.tab"))
  # initial_function
  m <- sd_model(stop = 10) |> sd_flow("InflowA", "StockA") |> sd_aux("StockA Initial Value", "INITIAL(InflowA)") |>
    sd_stock("StockA", 10, inflows = "InflowA")
  expect_matches_reference(simulate(m), case("initial_function", "output.csv"))
  # trend
  m <- sd_model(stop = 100) |> sd_aux("input", "1+0.5*SIN(2*3.14159*Time/20)") |>
    sd_const("average time", 6) |> sd_const("initial trend", 0) |>
    sd_aux("TREND of input", "TREND(input, average time , initial trend )")
  expect_matches_reference(simulate(m), case("trend", "output.tab"))
  # smooth (SMOOTH N is out of this scope: its column is simply not built)
  m <- sd_model(stop = 20, dt = 0.25) |>
    sd_aux("Smooth3I output", "SMOOTH3I(Input, Adjustment Time, Initial Value )") |>
    sd_const("Initial Value", 5) |>
    sd_aux("SmoothI output", "SMOOTHI(Input, Adjustment Time, Initial Value )") |>
    sd_aux("Smooth3 output", "SMOOTH3(Input,Adjustment Time)") |>
    sd_aux("Smooth output", "SMOOTH(Input, Adjustment Time )") |>
    sd_aux("Adjustment Time", "2 + STEP(2, 10)") |>
    sd_aux("Input", "-1 + STEP(5 , 5)")
  res <- expect_matches_reference(simulate(m), case("smooth", "output.tab"))
  expect_gte(res$n_columns, 6)
})
