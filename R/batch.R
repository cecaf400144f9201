# Batch runs: many variants of one model in one call.
#
# simulate() hands over here when `params` is a data frame (one row per
# run) or nsim > 1.  The runs of one compiled program go to C in chunks
# (src/r_batch.c runs a chunk on several threads); between chunks R updates
# the progress bar and can be interrupted.  With `future = TRUE` the rows
# are split among the workers of the current future plan instead; each
# worker gets the model's definition (never a pointer) and compiles it.

# Does this simulate() call ask for a batch?
is_batch <- function(nsim, params) {
  if (!is.numeric(nsim) || length(nsim) != 1 || is.na(nsim) || nsim < 1 || nsim != round(nsim))
    sdvm_abort("`nsim` must be a positive whole number.", "sdvm_param_error")
  nsim > 1 || is.data.frame(params)
}

# The parameters of each run, as a data frame with one row per run.
#
# A data frame is taken as is.  Otherwise each element of the list is a
# single number (the same in every run), nsim numbers (one per run) or a
# function of n returning n numbers (sampled, under `seed`).
batch_params <- function(params, nsim, seed) {
  if (is.data.frame(params)) {
    if (nsim > 1 && nsim != nrow(params))
      sdvm_abort(sprintf("`params` has %d rows but nsim = %d; give one or the other.",
                         nrow(params), nsim), "sdvm_param_error")
    if (nrow(params) == 0) sdvm_abort("`params` has no rows.", "sdvm_param_error")
    return(params)
  }
  if (is.null(params)) params <- list()
  if (is.numeric(params)) params <- as.list(params)
  if (!is.list(params) || (length(params) && (is.null(names(params)) || any(!nzchar(names(params))))))
    sdvm_abort("`params` must be a named list, or a data frame with one row per run.",
               "sdvm_param_error")
  with_seed(seed, {
    cols <- lapply(names(params), function(nm) {
      x <- params[[nm]]
      if (is.function(x)) x <- x(nsim)
      if (!is.numeric(x) || !(length(x) %in% c(1, nsim)))
        sdvm_abort(sprintf("'%s' must be a number, %d numbers, or a function of n returning n numbers.",
                           nm, nsim), "sdvm_param_error", variable = nm)
      rep_len(as.double(x), nsim)
    })
  })
  df <- as.data.frame(stats::setNames(cols, names(params)), check.names = FALSE,
                      optional = TRUE)
  if (!length(cols)) df <- data.frame(row.names = seq_len(nsim))
  df
}

# Evaluate expr with the random number generator seeded, then put the
# caller's stream back (as stats::simulate() methods do).
with_seed <- function(seed, expr) {
  if (is.null(seed)) return(expr)
  had <- exists(".Random.seed", envir = globalenv(), inherits = FALSE)
  old <- if (had) get(".Random.seed", envir = globalenv(), inherits = FALSE)
  on.exit(if (had) assign(".Random.seed", old, envir = globalenv())
          else rm(".Random.seed", envir = globalenv()))
  set.seed(seed)
  expr
}

# How many threads batches use unless told: the option sdvm.threads, else
# the processors OpenMP sees (at most 2 under R CMD check).
default_threads <- function() {
  n <- getOption("sdvm.threads")
  if (is.null(n)) {
    n <- .Call(C_sdvm_max_threads)
    if (nzchar(Sys.getenv("_R_CHECK_LIMIT_CORES_"))) n <- min(n, 2L)
  }
  check_threads(n)
}

check_threads <- function(n) {
  if (!is.numeric(n) || length(n) != 1 || is.na(n) || n < 1)
    sdvm_abort("`threads` must be a positive whole number.", "sdvm_run_error")
  as.integer(n)
}

# The batch behind simulate(): returns the long data frame (run, time,
# variables), before any reshaping.
sd_batch <- function(m, params, start = NULL, stop = NULL, dt = NULL, saveper = NULL,
                     method = NULL, vars = NULL, threads = NULL, future = FALSE,
                     progress = TRUE, dispatch = "default", precision = NULL) {
  check_model(m)
  threads <- if (is.null(threads)) default_threads() else check_threads(threads)
  args <- list(start = start, stop = stop, dt = dt, saveper = saveper, method = method,
               vars = vars, dispatch = dispatch, precision = precision)
  # validate everything here, before any work is sent away
  run_settings(start, stop, dt, saveper)
  run_method(method, precision, m$settings$precision)
  run_dispatch(dispatch)
  check_batch_params(params, compiled(m)$vars)
  if (isTRUE(future)) batch_future(m, params, args, progress)
  else batch_local(m, params, args, threads, progress)
}

# Names must be the model's constants or stocks (or auxiliaries/flows,
# replaced by constants); values numbers, never NA.
check_batch_params <- function(params, info) {
  if (!ncol(params)) return(invisible())
  match_params(as.list(params[1, , drop = FALSE]), info)  # names and kinds
  for (nm in names(params)) {
    x <- params[[nm]]
    if (!is.numeric(x) || !all(is.finite(x)))
      sdvm_abort(sprintf("Column '%s' of `params` must hold finite numbers (no NA, NaN or Inf); row %d does not.",
                         nm, if (is.numeric(x)) which(!is.finite(x))[1] else 1L),
                 "sdvm_param_error", variable = nm)
  }
  invisible()
}

# All rows on this machine.  Columns naming auxiliaries or flows replace
# their equations, so rows are grouped by those values and each group runs
# on its own rebuilt model.
# `run_ids` are the numbers of these rows in the whole batch (for errors).
batch_local <- function(m, params, args, threads = 1L, progress = FALSE,
                        run_ids = seq_len(nrow(params))) {
  info <- compiled(m)$vars
  ov <- match_params(if (ncol(params)) as.list(params[1, , drop = FALSE]) else NULL, info)
  rebuild <- names(ov$rebuild)
  if (!length(rebuild)) return(batch_threads(m, params, args, threads, progress, run_ids))
  keys <- do.call(paste, c(unname(as.list(params[rebuild])), sep = "\r"))
  groups <- split(seq_len(nrow(params)), factor(keys, levels = unique(keys)))
  parts <- lapply(groups, function(rows) {
    m2 <- m
    for (nm in rebuild) m2 <- replace_with_const(m2, nm, params[[nm]][rows[1]])
    out <- batch_threads(m2, params[rows, setdiff(names(params), rebuild), drop = FALSE],
                         args, threads, progress, run_ids[rows])
    out$run <- rows[out$run]
    out
  })
  out <- do.call(rbind, unname(parts))
  out <- out[order(out$run, seq_len(nrow(out))), , drop = FALSE]
  rownames(out) <- NULL
  out
}

# The runs of one compiled program, in chunks sized to about a quarter
# second each so that the progress bar moves and Ctrl-C is honoured.
batch_threads <- function(m, params, args, threads, progress, run_ids = seq_len(nrow(params))) {
  cache <- compiled(m)
  info <- cache$vars
  n <- nrow(params)
  ov <- match_params(if (ncol(params)) as.list(params[1, , drop = FALSE]) else NULL, info)
  direct <- names(params)[canon_name(names(params)) %in% info$key[ov$idx + 1L]]
  vals <- t(as.matrix(params[direct]))          # one column per run
  storage.mode(vals) <- "double"
  if (!length(direct)) vals <- matrix(0, 0, n)
  idx <- ov$idx
  settings <- run_settings(args$start, args$stop, args$dt, args$saveper)
  meth <- run_method(args$method, args$precision, m$settings$precision)
  out_idx <- select_vars(args$vars, info)
  disp <- run_dispatch(args$dispatch)
  lanes <- use_lanes(cache)
  # runs per call: whole groups of lanes on every thread
  per_call <- threads * (if (lanes) .Call(C_sdvm_lanes_width) else 1L)

  chunks <- list()
  done <- 0L
  saved <- 0
  size <- min(n, 2L * per_call)
  bar <- NULL
  t0 <- proc.time()[["elapsed"]]
  while (done < n) {
    rows <- done + seq_len(min(size, n - done))
    res <- .Call(C_sdvm_batch, cache$ptr, idx, vals[, rows, drop = FALSE], settings,
                 meth, out_idx, disp, threads, lanes)
    if (!is.null(names(res)) && identical(names(res)[1], "code")) batch_abort(res, run_ids[done + res$run])
    chunks[[length(chunks) + 1L]] <- res
    done <- done + length(rows)
    # each call checks its own memory; the batch's results add up here
    # (at the rate so far, before they exceed the limit)
    saved <- saved + length(res[[1]]) * (length(res) - 1)
    check_batch_memory(saved / done * n, saved, n, done)
    elapsed <- proc.time()[["elapsed"]] - t0
    per_run <- max(elapsed, 1e-4) / done
    if (is.null(bar) && progress && done < n && per_run * n > 1) {
      bar <- cli::cli_progress_bar("Running", total = n, clear = TRUE,
                                   .envir = environment())
    }
    if (!is.null(bar)) cli::cli_progress_update(id = bar, set = done, force = TRUE)
    size <- per_call * max(1L, as.integer(0.25 / per_run / per_call))
  }
  if (!is.null(bar)) cli::cli_progress_done(id = bar)

  nout <- length(out_idx)
  rows_per_run <- unlist(lapply(chunks, function(r) r[[nout + 2L]]))
  cols <- lapply(seq_len(nout + 1L), function(k) unlist(lapply(chunks, `[[`, k)))
  names(cols) <- c("time", info$name[out_idx + 1L])
  structure(c(list(run = rep.int(seq_len(n), rows_per_run)), cols),
            class = "data.frame", row.names = c(NA_integer_, -length(cols[[1]])))
}

# A batch whose results would take more than option sdvm.max_result_bytes
# (default 4 GiB) stops with a classed error: `expected` values at the
# rate of the first `done` of `n` runs, `saved` so far.
check_batch_memory <- function(expected, saved, n, done) {
  limit <- getOption("sdvm.max_result_bytes")
  if (!is.numeric(limit) || length(limit) != 1 || !isTRUE(limit > 0)) limit <- 2^32
  if (8 * max(expected, saved) <= limit) return(invisible())
  sdvm_abort(sprintf(paste("The batch would save about %.4g values (%.1f GB) in its %d runs (%d run so far),",
                           "more than the limit of %.1f GB (option sdvm.max_result_bytes): save fewer variables",
                           "(vars =) or rows (a larger saveper), run fewer at a time, or raise the limit"),
                     expected, 8 * expected / 1e9, n, done, limit / 1e9), "sdvm_memory_error")
}

# Raise a batch error, saying which run failed (NA: none in particular).
batch_abort <- function(res, run) {
  res$run <- NULL
  if (length(run) == 1 && !is.na(run)) res$message <- sprintf("run %d: %s", run, res$message)
  engine_abort(res)
}

# The rows split among the workers of the current future plan.
batch_future <- function(m, params, args, progress) {
  if (!requireNamespace("future", quietly = TRUE))
    sdvm_abort("`future = TRUE` needs the 'future' package.", "sdvm_run_error")
  n <- nrow(params)
  workers <- max(1L, min(n, as.integer(future::nbrOfWorkers())))
  # a few chunks per worker, so that the bar moves and the load evens out
  nchunk <- min(n, 4L * workers)
  chunk_of <- split(seq_len(n), cut(seq_len(n), nchunk, labels = FALSE))
  def <- definition_only(m)
  run_chunk <- batch_local
  futures <- lapply(chunk_of, function(rows) {
    p <- params[rows, , drop = FALSE]
    future::future(run_chunk(def, p, args, 1L, FALSE, rows),
                   globals = list(run_chunk = run_chunk, def = def, p = p, args = args, rows = rows),
                   packages = "sdvm", seed = NULL)
  })
  bar <- if (progress && n > 1) cli::cli_progress_bar("Running", total = n, clear = TRUE,
                                                      .envir = environment())
  parts <- vector("list", length(futures))
  saved <- 0
  for (i in seq_along(futures)) {
    parts[[i]] <- future::value(futures[[i]])
    parts[[i]]$run <- chunk_of[[i]][parts[[i]]$run]
    saved <- saved + prod(dim(parts[[i]]))
    got <- sum(lengths(chunk_of[seq_len(i)]))
    check_batch_memory(saved / got * n, saved, n, got)
    if (!is.null(bar)) cli::cli_progress_update(id = bar, inc = length(chunk_of[[i]]))
  }
  if (!is.null(bar)) cli::cli_progress_done(id = bar)
  out <- do.call(rbind, unname(parts))
  rownames(out) <- NULL
  out
}
