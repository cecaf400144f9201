#' Run a model
#'
#' Simulates the model and returns its trajectories.  The model is compiled
#' on first use and the compiled program is kept with the model, so repeated
#' runs (new parameters, new time settings) start at once.
#'
#' **Batches.** Give `params` as a data frame (one row per run), or ask for
#' `nsim` runs with parameters sampled by functions, and all runs go to C
#' at once: they share one compiled program and run on `threads` threads
#' (OpenMP), each run giving exactly the numbers it gives alone.  On each
#' thread, eight runs step together in lanes: every instruction is
#' dispatched once for the eight, each doing its own arithmetic (about half
#' the cost per run of C-LEARN or WORLD3 run one at a time).  Runs whose
#' IF THEN ELSE conditions differ still step together, each keeping its
#' own branch; models with per-run state outside the values (DELAY FIXED,
#' discrete delays and queues, SIMULTANEOUS, FIND ZERO, SHIFT IF TRUE,
#' time settings that change during the run) run one at a time.  Option
#' `sdvm.lanes = FALSE` turns lanes off.  A progress bar appears for
#' batches longer than a second; Ctrl-C stops the batch.
#' With `future = TRUE`, the runs are split among the workers of the
#' current [future::plan()] instead (other processes or machines); each
#' worker receives the model's definition and compiles it there.
#'
#' **Memory and interrupts.** Before a run (or batch) allocates its
#' results, their size is checked against the option
#' `sdvm.max_result_bytes` (default 4 GiB): a run that would save more is
#' an `sdvm_memory_error` saying how many rows and columns, so save fewer
#' variables (`vars`) or rows (a larger `saveper`), or raise the option.
#' Ctrl-C (or an interrupt sent to a Shiny or callr process) stops a run
#' within a fraction of a second and frees everything it used.
#'
#' @param object A model from [sd_model()] or [read_vensim()].
#' @param nsim Number of runs.  With `nsim > 1`, each element of `params`
#'   is a single number (the same in every run), `nsim` numbers (one per
#'   run), or a function of `n` returning `n` numbers (e.g.
#'   `function(n) runif(n, 5, 15)`), called under `seed`.
#' @param seed Seed for the sampling functions in `params`, as in
#'   [set.seed()]; the caller's random stream is left as it was.
#' @param params New values for constants and for stocks' initial values:
#'   a named list or numeric vector for one run (e.g.
#'   `list("Room Temperature" = 20)`), or a data frame with one column per
#'   parameter and one row per run (a batch).  Names match like Vensim
#'   names (case, spaces and underscores do not matter).  These runs reuse
#'   the compiled model.  Naming an auxiliary or a flow replaces its
#'   equation by the constant for that run, which recompiles the model.
#' @param start,stop,dt,saveper Override the model's time settings.
#' @param method Override the integration method: `"euler"`, `"rk2"` or
#'   `"rk4"`.
#' @param vars Variables to return (default: all, except lookups and the
#'   time settings): Vensim-style names (`"Teacup Temperature"`,
#'   `"teacup_temperature"`), an arrayed variable's name for all its
#'   elements (`"Stock A"`) or one element (`"Stock A[Entry 1,Column 2]"`),
#'   or wildcard patterns with `*` and `?` (`"Heat*"`).
#' @param format Shape of the result: `"long"` (default; a `time` column
#'   then one column per variable, and for batches a leading `run`
#'   column), `"wide"` (batches: one row per time, one column per variable
#'   and run, named `variable.run`) or `"tidy"` (columns `run` for batches,
#'   `time`, `variable`, one column per subscript position of arrayed
#'   variables, and `value`).
#' @param threads Threads for a batch (default: option `sdvm.threads`, else
#'   all processors).
#' @param future Distribute a batch over the current `future` plan.
#' @param progress Show a progress bar for batches longer than a second.
#' @param precision Override the model's precision of the stocks:
#'   `"double"` (the default of [sd_model()] and [read_vensim()]) or
#'   `"single"`, which holds every stock in single precision between steps
#'   as Vensim's standard (single-precision) build does, so that an
#'   increment smaller than half a stock's float spacing is lost there as
#'   well.  Use it to reproduce a Vensim run to its last digits (C-LEARN's
#'   deep-ocean carbon layers differ visibly otherwise); everything else is
#'   computed in double precision either way.
#' @param data Data for the run, as Vensim takes it: paths of data files
#'   (`.vdf`, `.dat`, `.tab`, `.csv`, `.xlsx`; see [read_vensim_data()]),
#'   relative to the working directory or to the model's folder, a data
#'   frame with a `time` column and one column per variable, or a list of
#'   those.  Their series fill the model's data variables (variables with
#'   no equation); a constant or lookup that the data also name takes the
#'   data's values.  By default, the data sources Vensim saved with the
#'   model are loaded from beside it when present (with a message).
#' @param ... Unused.
#' @return A data frame of class `sdvm_result` (see `format`); one row per
#'   saved time (and run).  If a value becomes infinite or NaN, a warning
#'   of class `sdvm_nonfinite_warning` names the first variable and time.
#' @seealso [sd_lhs()], [sd_sweep()] and [sd_bands()] for sensitivity runs;
#'   [plot.sdvm_result()].
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.125) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' out <- simulate(m, saveper = 5)
#' out
#' simulate(m, params = list(room_temperature = 20), saveper = 10, method = "rk4")
#'
#' # a batch: one run per row, on two threads
#' runs <- simulate(m, params = data.frame(`Room Temperature` = c(10, 20, 30),
#'                                         check.names = FALSE),
#'                  saveper = 10, threads = 2)
#' head(runs)
#' # 50 runs with a sampled parameter
#' batch <- simulate(m, nsim = 50, seed = 1,
#'                   params = list(`Room Temperature` = function(n) runif(n, 0, 40)))
#' nrow(batch)
#' simulate(m, saveper = 10, format = "tidy")[1:3, ]
simulate.sdvm_model <- function(object, nsim = 1, seed = NULL, params = NULL,
                                start = NULL, stop = NULL, dt = NULL, saveper = NULL,
                                method = NULL, vars = NULL,
                                format = c("long", "wide", "tidy"), threads = NULL,
                                future = FALSE, progress = TRUE, precision = NULL, data = NULL, ...) {
  format <- match.arg(format)
  check_model(object)
  object <- with_data(object, data)
  if (is_batch(nsim, params)) {
    check_model(object)
    out <- sd_batch(object, batch_params(params, nsim, seed), start = start, stop = stop,
                    dt = dt, saveper = saveper, method = method, vars = vars,
                    threads = threads, future = future, progress = progress,
                    precision = precision)
  } else {
    out <- sd_run(object, params = params, start = start, stop = stop, dt = dt,
                  saveper = saveper, method = method, vars = vars, precision = precision)
  }
  out <- shape_result(out, format, object)
  if (format == "long") out <- with_units(out, object)
  out
}

# The work behind simulate(); `dispatch` picks the interpreter loop
# ("default", "goto" or "switch") so tests can compare them in one build.
sd_run <- function(m, nsim = 1, params = NULL, start = NULL, stop = NULL, dt = NULL,
                   saveper = NULL, method = NULL, vars = NULL, dispatch = "default",
                   precision = NULL) {
  check_model(m)
  if (!identical(as.numeric(nsim), 1))
    sdvm_abort("sd_run() makes one run; simulate() makes batches.", "sdvm_run_error")
  m <- with_data(m)
  cache <- compiled(m)
  info <- cache$vars

  # parameters: constants and stock initial values go to the engine as
  # overrides; auxiliaries and flows need a rebuilt model
  ov <- match_params(params, info)
  if (length(ov$rebuild)) {
    m2 <- m
    for (nm in names(ov$rebuild)) m2 <- replace_with_const(m2, nm, ov$rebuild[[nm]])
    rest <- params[!canon_name(names(params)) %in% canon_name(names(ov$rebuild))]
    return(sd_run(m2, params = rest, start = start, stop = stop, dt = dt, saveper = saveper,
                  method = method, vars = vars, dispatch = dispatch, precision = precision))
  }

  settings <- run_settings(start, stop, dt, saveper)
  meth <- run_method(method, precision, m$settings$precision)
  out_idx <- select_vars(vars, info)
  disp <- run_dispatch(dispatch)

  res <- .Call(C_sdvm_run, cache$ptr, ov$idx, ov$val, settings, meth, out_idx, disp)
  if (!is.null(names(res)) && identical(names(res)[1], "code")) engine_abort(res)
  names(res) <- c("time", info$name[out_idx + 1L])
  structure(res, class = "data.frame", row.names = c(NA_integer_, -length(res[[1]])))
}

# Split params into engine overrides (0-based index, value) and variables
# whose equations must be replaced.
match_params <- function(params, info) {
  none <- list(idx = integer(), val = double(), rebuild = list())
  if (is.null(params) || length(params) == 0) return(none)
  if (is.numeric(params)) params <- as.list(params)
  if (!is.list(params) || is.null(names(params)) || any(!nzchar(names(params))))
    sdvm_abort("`params` must be a named list of numbers.", "sdvm_param_error")
  keys <- canon_name(names(params))
  pos <- match(keys, info$key)
  if (anyNA(pos)) {
    bad <- names(params)[is.na(pos)][1]
    hint <- near_names(bad, info$name)
    sdvm_abort(sprintf("'%s' is not a variable of this model.%s", bad,
                       if (length(hint)) sprintf(" Did you mean %s?", paste0("'", hint, "'", collapse = " or ")) else ""),
               "sdvm_param_error", variable = bad)
  }
  for (i in seq_along(params)) {
    x <- params[[i]]
    if (!is.numeric(x) || length(x) != 1 || !is.finite(x))
      sdvm_abort(sprintf("The value given for '%s' must be a single finite number.", names(params)[i]),
                 "sdvm_param_error", variable = names(params)[i])
  }
  kind <- info$kind[pos]
  if (any(kind == "lookup"))
    sdvm_abort(sprintf("'%s' is a lookup; it cannot be set to a number.", names(params)[kind == "lookup"][1]),
               "sdvm_param_error", variable = names(params)[kind == "lookup"][1])
  direct <- kind %in% c("const", "stock")
  list(idx = as.integer(pos[direct] - 1L),
       val = as.double(unlist(params[direct])),
       rebuild = params[!direct])
}

# The time settings for the engine (NA: as the model says).
run_settings <- function(start, stop, dt, saveper) {
  vapply(list(start, stop, dt, saveper), function(x) {
    if (is.null(x)) return(NA_real_)
    if (!is.numeric(x) || length(x) != 1 || !is.finite(x))
      sdvm_abort("Time settings must be single finite numbers.", "sdvm_run_error")
    as.double(x)
  }, 0)
}

# The method code for the engine (-1: the model's).
# The engine's integration settings: c(method code (-1: the model's),
# precision of the stocks (0 double, 1 single)).
run_method <- function(method, precision = NULL, model_precision = "double") {
  k <- -1L
  if (!is.null(method)) {
    k <- match(method, c("euler", "rk2", "rk4"))
    if (length(method) != 1 || is.na(k))
      sdvm_abort("`method` must be \"euler\", \"rk2\" or \"rk4\".", "sdvm_run_error")
    k <- k - 1L
  }
  if (is.null(precision)) precision <- if (is.null(model_precision)) "double" else model_precision
  prec <- match(precision, c("double", "single"))
  if (length(precision) != 1 || is.na(prec))
    sdvm_abort("`precision` must be \"double\" or \"single\".", "sdvm_run_error")
  c(k, prec - 1L)
}

run_dispatch <- function(dispatch) {
  disp <- match(dispatch, c("default", "goto", "switch")) - 1L
  if (is.na(disp)) sdvm_abort("Unknown dispatch.", "sdvm_run_error")
  disp
}

replace_with_const <- function(m, name, value) {
  i <- which(vapply(m$vars, function(v) canon_name(v$name), "") == canon_name(name))
  v <- m$vars[[i]]
  m$vars[[i]] <- list(name = v$name, kind = "const", eqn = sprintf("%.17g", value),
                      units = v$units, doc = v$doc)
  definition_only(m)
}

# The model's definition without its compiled program: a fresh model value
# (what is sent to other processes; they compile it there).
definition_only <- function(m) new_model(unclass(m)[setdiff(names(m), ".cache")])

# 0-based engine indices of the variables to return.
select_vars <- function(vars, info) {
  if (is.null(vars)) {
    keep <- !(info$kind == "lookup" | info$key %in% canon_name(control_names))
    return(as.integer(which(keep) - 1L))
  }
  if (!is.character(vars))
    sdvm_abort("`vars` must be a character vector of variable names.", "sdvm_name_error")
  hits <- match_var_patterns(vars, info)
  pos <- unlist(hits)
  if (anyNA(pos)) {
    bad <- vars[vapply(hits, anyNA, NA)][1]
    hint <- near_names(bad, info$name)
    sdvm_abort(sprintf("'%s' is not a variable of this model.%s", bad,
                       if (length(hint)) sprintf(" Did you mean %s?", paste0("'", hint, "'", collapse = " or ")) else ""),
               "sdvm_name_error", variable = bad)
  }
  as.integer(pos - 1L)
}
