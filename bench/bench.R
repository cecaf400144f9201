# Wall time of simulate() through the installed R package, per call and per
# step, for the models bench_engine.c times (teacup, SIR, the synthetic
# chain of N stocks and N flows for N = 1000 and 10000), medians of many
# runs; and, when deSolve is installed, teacup and SIR as R functions under
# deSolve's Euler for comparison (deSolve is not required).  Numbers only.
# Run with the package installed:  Rscript bench/bench.R
library(sdvm)

# median (and range) of `reps` timings of `inner` calls of f, per call
med_time <- function(f, reps, inner = 1) {
  f()                                   # warm up (and compile)
  t <- vapply(seq_len(reps), function(i) system.time(for (k in seq_len(inner)) f())[["elapsed"]], 0) / inner
  c(median = stats::median(t), min = min(t), max = max(t))
}

row <- function(label, steps, t) {
  cat(sprintf("%-40s %8d steps  median %9.3f ms  (%9.3f - %9.3f)  %10.1f ns/step\n",
              label, steps, t[["median"]] * 1e3, t[["min"]] * 1e3, t[["max"]] * 1e3,
              t[["median"]] / steps * 1e9))
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

# The chain of bench_engine.c: n goal-seeking stocks, each chasing the
# previous one through a flow with a lookup, a SMOOTH every tenth.  Written
# as an .mdl and read with read_vensim(): adding 20,000 variables one
# builder call at a time is much slower (see the builder timing below).
chain_rates <- function(n) {
  i <- seq_len(n) - 1
  ifelse(i == 0, "(50 + 10 * SIN(Time / 5) - s0) / adjust",
         ifelse(i %% 10 == 0, sprintf("(SMOOTH(s%d, 3) - s%d) / adjust * effect(s%d)", i - 1, i, i),
                sprintf("(s%d - s%d) / adjust * effect(s%d)", i - 1, i, i)))
}
chain_model <- function(n, steps) {
  i <- seq_len(n) - 1
  rec <- function(x) paste0(x, "\n\t~\t~\t|")
  txt <- c("{UTF-8}", rec(sprintf("s%d = INTEG(g%d, 10)", i, i)), rec(sprintf("g%d = %s", i, chain_rates(n))),
           rec("adjust = 4"), rec("effect([(0,0)-(100,2)],(0,1),(50,1.5),(100,0.5))"),
           rec("INITIAL TIME = 0"), rec(sprintf("FINAL TIME = %d", steps)), rec("TIME STEP = 1"),
           rec("SAVEPER = TIME STEP"))
  f <- tempfile(fileext = ".mdl")
  on.exit(unlink(f))
  writeLines(txt, f)
  read_vensim(f)
}
chain_builders <- function(n, steps) {
  m <- sd_model(stop = steps, dt = 1) |> sd_const("adjust", 4) |>
    sd_lookup("effect", x = c(0, 50, 100), y = c(1, 1.5, 0.5))
  rates <- chain_rates(n)
  for (i in seq_len(n)) {
    m <- sd_stock(m, paste0("s", i - 1), 10, inflows = paste0("g", i - 1))
    m <- sd_flow(m, paste0("g", i - 1), rates[i])
  }
  m
}

info <- engine_info()
cat(sprintf("sdvm %s, dispatch %s; R %s\n", info$version, info$dispatch, getRversion()))
cat("simulate() wall time, whole call (run, saving every step, building the data.frame)\n")
row("teacup simulate()", 240, med_time(function() simulate(teacup), 15, 200))
row("teacup simulate(params =)", 240,
    med_time(function() simulate(teacup, params = list(`Room Temperature` = 20)), 15, 200))
row("teacup simulate(method = 'rk4')", 240, med_time(function() simulate(teacup, method = "rk4"), 15, 200))
row("SIR simulate()", 3200, med_time(function() simulate(sir), 15, 20))
row("teacup build + compile + run", 240, med_time(function() simulate(sd_const(teacup, "x", 1)), 9, 20))
c1k <- chain_model(1000, 1000)
row("chain-1k simulate()", 1000, med_time(function() simulate(c1k), 9))
c10k <- chain_model(10000, 100)
row("chain-10k simulate()", 100, med_time(function() simulate(c10k), 9))
row("chain-10k simulate(vars = 's9999')", 100, med_time(function() simulate(c10k, vars = "s9999"), 9))
cat(sprintf("chain-10k read_vensim() of its .mdl:        %8.3f s\n",
            system.time(chain_model(10000, 100))[["elapsed"]]))
cat(sprintf("chain-250 built with 500 builder calls:     %8.3f s\n",
            system.time(chain_builders(250, 100))[["elapsed"]]))

if (requireNamespace("deSolve", quietly = TRUE)) {
  cat("deSolve::ode(method = 'euler') with the same models as R functions (same steps, every step saved)\n")
  teacup_fn <- function(t, y, p) {
    loss <- (y[["Teacup Temperature"]] - 70) / 10
    list(c(`Teacup Temperature` = -loss), `Heat Loss to Room` = loss)
  }
  row("teacup deSolve", 240, med_time(function()
    deSolve::ode(c(`Teacup Temperature` = 180), seq(0, 30, by = 0.125), teacup_fn, NULL, method = "euler"), 15, 20))
  sir_fn <- function(t, y, p) {
    rec <- y[["Infectious"]] / 5
    suc <- y[["Susceptible"]] * y[["Infectious"]] / 1000 * 0.3
    list(c(Susceptible = -suc, Infectious = suc - rec, Recovered = rec), Recovering = rec, Succumbing = suc)
  }
  y0 <- c(Susceptible = 1000, Infectious = 5, Recovered = 0)
  row("SIR deSolve", 3200, med_time(function()
    deSolve::ode(y0, seq(0, 100, by = 0.03125), sir_fn, NULL, method = "euler"), 9))
  # the same numbers?
  d <- deSolve::ode(y0, seq(0, 100, by = 0.03125), sir_fn, NULL, method = "euler")
  s <- simulate(sir)
  cat(sprintf("SIR: largest difference sdvm - deSolve in Infectious: %.3g\n",
              max(abs(s$Infectious - d[, "Infectious"]))))
} else {
  cat("deSolve not installed: install.packages('deSolve') to compare with it\n")
}
