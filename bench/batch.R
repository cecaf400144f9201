# Wall time of a batch of runs on 1 and 2 threads (src/r_batch.c), and of
# the same runs made one simulate() call at a time.
#   Rscript bench/batch.R [lib]   (SDVM_CORPUS for WORLD3 and C-LEARN)
args <- commandArgs(TRUE)
if (length(args)) .libPaths(c(args[1], .libPaths()))
library(sdvm)
time_it <- function(f, reps = 3) {
  min(vapply(seq_len(reps), function(i) system.time(f())[["elapsed"]], 0))
}
report <- function(label, m, p, vars, reps = 3) {
  simulate(m, vars = vars)   # compile outside the timings
  t1 <- time_it(function() simulate(m, params = p, vars = vars, threads = 1, progress = FALSE), reps)
  t2 <- time_it(function() simulate(m, params = p, vars = vars, threads = 2, progress = FALSE), reps)
  n_single <- min(nrow(p), 200)
  ts <- time_it(function() for (i in seq_len(n_single))
    simulate(m, params = as.list(p[i, , drop = FALSE]), vars = vars), 1) * nrow(p) / n_single
  cat(sprintf("%-34s %5d runs: 1 thread %7.3f s, 2 threads %7.3f s (x%.2f); one call per run %7.3f s\n",
              label, nrow(p), t1, t2, t1 / t2, ts))
}
teacup <- sd_model(stop = 30, dt = 0.125) |>
  sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
  sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
  sd_const("Room Temperature", 70) |> sd_const("Characteristic Time", 10)
report("teacup (240 steps)", teacup,
       sd_lhs(1000, list("Room Temperature" = c(0, 100), "Characteristic Time" = c(5, 15)), seed = 1),
       vars = "Teacup Temperature")
corpus <- Sys.getenv("SDVM_CORPUS")
if (nzchar(corpus)) {
  w3 <- read_vensim(file.path(corpus, "world3", "wrld3-03.mdl"))
  report("WORLD3-03 (3 outputs)", w3,
         sd_lhs(1000, list("industrial capital output ratio 1" = c(2.5, 3.5)), seed = 1),
         vars = c("population", "industrial output", "persistent pollution"))
  cl <- read_vensim(file.path(corpus, "clearn", "C-LEARN v77 for Vensim.mdl"))
  report("C-LEARN (1 arrayed output)", cl,
         sd_lhs(100, list("Climate Sensitivity to 2x CO2[Deterministic]" = c(1.5, 4.5)), seed = 1),
         vars = "Temperature change from preindustrial[Deterministic]", reps = 1)
}
