# The benchmark table: for each model and phase, the median wall time and
# its spread over interleaved repetitions, per step, the instructions the
# interpreter dispatches per step (counted by the counting loop), and the
# memory a run holds.  Numbers only, no assertions.
#
#   make bench-table            (installs the package into cbuild/ first)
#   Rscript bench/table.R       (with sdvm installed; SDVM_CORPUS for the
#                                real models; BENCH_QUICK=1 for fewer reps)
#
# Phases: read (read_vensim), compile (sd_compile of a fresh read), run
# (the engine alone: initial values and every step, every variable saved,
# into buffers allocated once; in each dispatch loop, interleaved, plus a
# goto-vs-goto null comparison), simulate (simulate() of the compiled
# model with a new parameter value, through to the data.frame).
suppressPackageStartupMessages(library(sdvm))
quick <- nzchar(Sys.getenv("BENCH_QUICK"))
reps <- if (quick) 5 else 11

# Wall time of f() in seconds: `reps` samples, each the mean of `inner`
# calls; returns the samples.
samples <- function(f, inner = 1, n = reps) {
  f()
  vapply(seq_len(n), function(i) system.time(for (k in seq_len(inner)) f())[["elapsed"]] / inner, 0)
}
# Interleave several functions sample by sample (A B A B ...), so that a
# busy machine hurts them alike.
interleaved <- function(fs, inner = 1, n = reps) {
  for (f in fs) f()
  out <- matrix(NA_real_, n, length(fs), dimnames = list(NULL, names(fs)))
  for (i in seq_len(n)) for (j in seq_along(fs))
    out[i, j] <- system.time(for (k in seq_len(inner)) fs[[j]]())[["elapsed"]] / inner
  out
}
# How many calls make a sample last about 50 ms.
inner_for <- function(f) {
  t <- system.time(f())[["elapsed"]]
  max(1L, as.integer(ceiling(0.05 / max(t, 1e-5))))
}

rows <- list()
add <- function(model, phase, dispatch, t, steps = NA, ops = NA, mem = NA) {
  rows[[length(rows) + 1]] <<- data.frame(
    model = model, phase = phase, dispatch = dispatch,
    median_ms = stats::median(t) * 1e3, spread_ms = sprintf("%.3g-%.3g", min(t) * 1e3, max(t) * 1e3),
    ns_per_step = if (is.na(steps)) NA else stats::median(t) / steps * 1e9,
    ops_per_step = ops, mem_mb = mem)
}

bench_model <- function(label, m, path, params = NULL, run_reps = reps) {
  add(label, "read", "-", samples(function() read_vensim(path), 1, min(reps, 7)))
  add(label, "compile", "-", vapply(seq_len(min(reps, 7)), function(i) {
    fresh <- read_vensim(path)                 # not compiled yet
    system.time(sd_compile(fresh))[["elapsed"]]
  }, 0))
  ptr <- sdvm:::compiled(m)$ptr
  info <- .Call(sdvm:::C_sdvm_bench_run, ptr, 1L, 3L, TRUE)      # counting loop
  steps <- info$size[["steps"]]
  ops <- sum(info$op_counts) / (steps + 1)                   # includes the initial pass
  mem <- (info$size[["work_doubles"]] + info$size[["output_doubles"]]) * 8 / 2^20
  # `inner` runs inside one call, into buffers allocated once
  inner <- inner_for(function() .Call(sdvm:::C_sdvm_bench_run, ptr, 1L, 1L, TRUE))
  run <- function(d) function() .Call(sdvm:::C_sdvm_bench_run, ptr, as.integer(inner), d, TRUE)
  t <- interleaved(list(goto = run(1L), switch = run(2L), goto2 = run(1L)), 1, run_reps) / inner
  add(label, "run", "goto", t[, "goto"], steps, ops, mem)
  add(label, "run", "switch", t[, "switch"], steps, ops, mem)
  add(label, "run", "goto (A/A null)", t[, "goto2"], steps, ops, mem)
  sim <- if (is.null(params)) function() simulate(m) else function() simulate(m, params = params)
  add(label, "simulate", "default", samples(sim, inner_for(sim), min(reps, 9)), steps)
}

# synthetic: the chain of bench_engine.c, n goal-seeking stocks
chain_model <- function(n, steps) {
  i <- seq_len(n) - 1
  rate <- ifelse(i == 0, "(50 + 10 * SIN(Time / 5) - s0) / adjust",
                 ifelse(i %% 10 == 0, sprintf("(SMOOTH(s%d, 3) - s%d) / adjust * effect(s%d)", i - 1, i, i),
                        sprintf("(s%d - s%d) / adjust * effect(s%d)", i - 1, i, i)))
  rec <- function(x) paste0(x, "\n\t~\t~\t|")
  txt <- c("{UTF-8}", rec(sprintf("s%d = INTEG(g%d, 10)", i, i)), rec(sprintf("g%d = %s", i, rate)),
           rec("adjust = 4"), rec("effect([(0,0)-(100,2)],(0,1),(50,1.5),(100,0.5))"),
           rec("INITIAL TIME = 0"), rec(sprintf("FINAL TIME = %d", steps)), rec("TIME STEP = 1"),
           rec(sprintf("SAVEPER = %d", max(1, steps %/% 1000))))
  f <- tempfile(fileext = ".mdl")
  writeLines(txt, f)
  f
}

info <- engine_info()
cat(sprintf("sdvm %s (dispatch %s, computed goto compiled in: %s); R %s; %s\n", info$version,
            info$dispatch, info$have_computed_goto, getRversion(), Sys.time()))

corpus <- Sys.getenv("SDVM_CORPUS")
if (nzchar(corpus) && dir.exists(corpus)) {
  w3 <- file.path(corpus, "world3", "wrld3-03.mdl")
  cl <- file.path(corpus, "clearn", "C-LEARN v77 for Vensim.mdl")
  if (file.exists(w3)) bench_model("WORLD3-03", read_vensim(w3), w3)
  if (file.exists(cl)) {
    m <- read_vensim(cl)
    bench_model("C-LEARN", m, cl, params = stats::setNames(list(3.5), m$vars[[which(vapply(
      m$vars, function(v) identical(v$kind, "const") && is.null(v$subs), NA))[1]]]$name))
  }
} else {
  cat("SDVM_CORPUS not set: WORLD3 and C-LEARN skipped\n")
}
for (n in c(1000, 10000, if (!quick) 100000)) {
  f <- chain_model(n, 100)
  bench_model(sprintf("chain %dk vars, 100 steps", n / 1000), read_vensim(f), f, run_reps = min(reps, 7))
}
# a million stocks (two million variables): read, compile and 100 steps
# saving two variables, once each (about a minute in all)
if (!quick) {
  f <- chain_model(1000000, 100)
  t_read <- system.time(m <- read_vensim(f))[["elapsed"]]
  t_comp <- system.time(sd_compile(m))[["elapsed"]]
  t_run <- system.time(simulate(m, vars = c("s0", "s999999")))[["elapsed"]]
  add("chain 1000k vars, 100 steps", "read / compile", "-", c(t_read, t_comp))
  add("chain 1000k vars, 100 steps", "simulate (2 vars saved)", "-", t_run, 100)
  rm(m)
  invisible(gc())
}
# batches in lanes against runs one at a time (bench/lanes.R)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "lanes.R"))
for (s in c(1000, 100000, if (!quick) 1000000)) {
  f <- chain_model(10, s)
  bench_model(sprintf("chain 10 vars, %s steps", format(s, big.mark = ",", scientific = FALSE)), read_vensim(f), f,
              run_reps = min(reps, 7))
}

tab <- do.call(rbind, rows)
fmt <- function(x, d) ifelse(is.na(x), "", formatC(x, format = "f", digits = d, big.mark = ","))
out <- data.frame(model = tab$model, phase = tab$phase, dispatch = tab$dispatch,
                  `median ms` = fmt(tab$median_ms, 3), `min-max ms` = tab$spread_ms,
                  `ns/step` = fmt(tab$ns_per_step, 0), `ops/step` = fmt(tab$ops_per_step, 0),
                  `MB` = fmt(tab$mem_mb, 2), check.names = FALSE)
options(width = 250)
print(out, row.names = FALSE, right = FALSE)
