# Wall time of simulate() through R, per call and per step, for models built
# with the R builders; and, when deSolve is installed, the same models as R
# functions under deSolve's Euler for comparison.  Medians of repeated runs.
# Run with the package installed:  Rscript bench/bench.R
library(sdvm)

med_time <- function(f, reps) {
  f()                                   # warm up (and compile)
  t <- vapply(seq_len(reps), function(i) system.time(f())[["elapsed"]], 0)
  c(median = median(t), min = min(t), max = max(t))
}

teacup <- sd_model(stop = 30, dt = 0.125) |>
  sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss to Room") |>
  sd_flow("Heat Loss to Room", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
  sd_const("Room Temperature", 70) |> sd_const("Characteristic Time", 10)
sir <- sd_model(stop = 100, dt = 0.03125) |>
  sd_const("Contact Infectivity", 0.3) |> sd_const("Duration", 5) |>
  sd_stock("Infectious", 5, inflows = "Succumbing", outflows = "Recovering") |>
  sd_stock("Recovered", 0, inflows = "Recovering") |>
  sd_flow("Recovering", "Infectious/Duration") |>
  sd_flow("Succumbing", "Susceptible*Infectious/Total Population * Contact Infectivity") |>
  sd_stock("Susceptible", "Total Population", outflows = "Succumbing") |>
  sd_const("Total Population", 1000)

row <- function(label, steps, t) {
  cat(sprintf("%-34s %8d steps  median %8.3f ms  (%7.3f-%7.3f)  %8.1f ns/step\n",
              label, steps, t[["median"]] * 1e3, t[["min"]] * 1e3, t[["max"]] * 1e3,
              t[["median"]] / steps * 1e9))
}

cat(sprintf("sdvm %s, dispatch %s\n", engine_info()$version, engine_info()$dispatch))
# many calls per timing so that system.time's resolution does not matter
reps_inner <- 200
t <- med_time(function() for (i in 1:reps_inner) simulate(teacup), 9) / reps_inner
row("teacup simulate()", 240, t)
t <- med_time(function() for (i in 1:reps_inner) simulate(teacup, params = list(`Room Temperature` = i)), 9) / reps_inner
row("teacup simulate(params=)", 240, t)
t <- med_time(function() for (i in 1:20) simulate(sir), 9) / 20
row("SIR simulate()", 3200, t)
t <- med_time(function() for (i in 1:20) simulate(sd_const(teacup, "x", i)), 5) / 20
row("teacup build + compile + run", 240, t)

if (requireNamespace("deSolve", quietly = TRUE)) {
  sir_fn <- function(t, y, p) {
    rec <- y[["Infectious"]] / 5
    suc <- y[["Susceptible"]] * y[["Infectious"]] / 1000 * 0.3
    list(c(Susceptible = -suc, Infectious = suc - rec, Recovered = rec), Recovering = rec, Succumbing = suc)
  }
  times <- seq(0, 100, by = 0.03125)
  y0 <- c(Susceptible = 1000, Infectious = 5, Recovered = 0)
  t <- med_time(function() deSolve::ode(y0, times, sir_fn, NULL, method = "euler"), 5)
  row("SIR deSolve::ode(euler), R function", 3200, t)
} else {
  cat("deSolve not installed: install.packages('deSolve') to compare\n")
}
