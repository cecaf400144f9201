# Batches in lanes (src/sd_lanes.c): milliseconds per run of a batch of
# runs with different parameters, three outputs saved, run in lanes on 1
# and 2 threads and one run at a time (option sdvm.lanes = FALSE) on 1
# thread, interleaved; against the engine time of one run alone.
#   Rscript bench/lanes.R           (SDVM_CORPUS for WORLD3 and C-LEARN;
#                                    BENCH_QUICK=1: 200 runs, 2 samples)
# Sourced by bench/table.R, whose add() it then uses for its rows.
if (!exists("add")) {
  suppressPackageStartupMessages(library(sdvm))
  rows <- list()
  add <- function(model, phase, dispatch, t, ...) {
    rows[[length(rows) + 1]] <<- data.frame(model = model, phase = phase, dispatch = dispatch,
                                            median_ms = stats::median(t) * 1e3,
                                            spread_ms = sprintf("%.3g-%.3g", min(t) * 1e3, max(t) * 1e3))
  }
  standalone <- TRUE
} else standalone <- FALSE

lanes_quick <- nzchar(Sys.getenv("BENCH_QUICK"))
lanes_batch <- function(label, m, ranges, vars, n = if (lanes_quick) 200 else 1000) {
  params <- sd_lhs(n, ranges, seed = 1)
  run <- function(lanes, threads) function()
    withr_opts(list(sdvm.lanes = lanes), simulate(m, params = params, vars = vars, threads = threads,
                                                   progress = FALSE))
  fs <- list(lanes1 = run(TRUE, 1), single1 = run(FALSE, 1), lanes2 = run(TRUE, 2))
  for (f in fs) f()
  k <- if (lanes_quick) 2 else 3
  t <- matrix(NA_real_, k, 3, dimnames = list(NULL, names(fs)))
  for (i in seq_len(k)) for (j in names(fs)) t[i, j] <- system.time(fs[[j]]())[["elapsed"]] / n
  ptr <- sdvm:::compiled(m)$ptr
  # (every variable saved, into buffers allocated once: the run phase of
  # bench/table.R), each sample the mean of enough runs to last 50 ms
  one1 <- system.time(.Call(sdvm:::C_sdvm_bench_run, ptr, 1L, 1L, TRUE))[["elapsed"]]
  inner <- max(1L, as.integer(ceiling(0.05 / max(one1, 1e-4))))
  one <- vapply(1:5, function(i) system.time(.Call(sdvm:::C_sdvm_bench_run, ptr, inner, 1L, TRUE))[["elapsed"]] / inner, 0)
  lab <- sprintf("%s batch of %d, %d outputs", label, n, length(vars))
  add(lab, "per run", "lanes, 1 thread", t[, "lanes1"])
  add(lab, "per run", "one at a time, 1 thread", t[, "single1"])
  add(lab, "per run", "lanes, 2 threads", t[, "lanes2"])
  add(lab, "per run", "engine, one run alone", one)
  cat(sprintf("%s: lanes %.3f ms/run (%.2f of one run alone, %.3f ms), one at a time %.3f ms/run (x%.2f), 2 threads x%.2f of 1\n",
              lab, 1e3 * median(t[, "lanes1"]), median(t[, "lanes1"]) / median(one), 1e3 * median(one),
              1e3 * median(t[, "single1"]), median(t[, "single1"]) / median(t[, "lanes1"]),
              median(t[, "lanes1"]) / median(t[, "lanes2"])))
}
withr_opts <- function(o, expr) { old <- options(o); on.exit(options(old)); expr }

lanes_corpus <- Sys.getenv("SDVM_CORPUS")
if (nzchar(lanes_corpus) && dir.exists(lanes_corpus)) {
  w3 <- read_vensim(file.path(lanes_corpus, "world3", "wrld3-03.mdl"))
  lanes_batch("WORLD3-03", w3, list("industrial capital output ratio 1" = c(2.5, 4),
                                    "average life of agricultural inputs 1" = c(1.5, 2.5),
                                    "desired completed family size normal" = c(3, 5)),
              vars = c("population", "industrial output", "food"))
  cl <- read_vensim(file.path(lanes_corpus, "clearn", "C-LEARN v77 for Vensim.mdl"))
  lanes_batch("C-LEARN", cl, list("Climate Sensitivity to 2x CO2[Deterministic]" = c(1.5, 6),
                                  "Sensitivity of C Uptake to Temperature" = c(0, 2),
                                  "Temperature Threshold for Methane Emissions from Permafrost and Clathrate" = c(0.5, 4)),
              vars = c("Temperature change from preindustrial[Deterministic]", "Atm conc CO2[Deterministic]",
                       "BAU atm conc CO2"))
}
if (standalone) print(do.call(rbind, rows), row.names = FALSE)
