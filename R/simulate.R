#' Run a model
#'
#' Simulates the model and returns its trajectories.  The model is compiled
#' on first use and the compiled program is kept with the model, so repeated
#' runs (new parameters, new time settings) start at once.
#'
#' @param object A model from [sd_model()].
#' @param nsim Number of runs; only 1 is supported for now.
#' @param seed Unused for now (no random functions yet); kept for the
#'   [stats::simulate()] signature.
#' @param params Named list or numeric vector of new values for constants
#'   and for stocks' initial values, e.g. `list("Room Temperature" = 20)`.
#'   Names match like Vensim names (case, spaces and underscores do not
#'   matter).  These runs reuse the compiled model.  Naming an auxiliary or
#'   a flow replaces its equation by the constant for this run, which
#'   recompiles the model.
#' @param start,stop,dt,saveper Override the model's time settings.
#' @param method Override the integration method: `"euler"`, `"rk2"` or
#'   `"rk4"`.
#' @param vars Names of the variables to return (default: all, except
#'   lookups and the time settings).
#' @param ... Unused.
#' @return A data frame with a `time` column, then one column per variable,
#'   named as in the model; one row per saved time.
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.125) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' out <- simulate(m, saveper = 5)
#' out
#' simulate(m, params = list(room_temperature = 20), saveper = 10, method = "rk4")
simulate.sdvm_model <- function(object, nsim = 1, seed = NULL, params = NULL,
                                start = NULL, stop = NULL, dt = NULL, saveper = NULL,
                                method = NULL, vars = NULL, ...) {
  sd_run(object, nsim = nsim, params = params, start = start, stop = stop, dt = dt,
         saveper = saveper, method = method, vars = vars)
}

# The work behind simulate(); `dispatch` picks the interpreter loop
# ("default", "goto" or "switch") so tests can compare them in one build.
sd_run <- function(m, nsim = 1, params = NULL, start = NULL, stop = NULL, dt = NULL,
                   saveper = NULL, method = NULL, vars = NULL, dispatch = "default") {
  check_model(m)
  if (!identical(as.numeric(nsim), 1))
    sdvm_abort("Batch runs (nsim > 1) are not supported yet; call simulate() once per run.",
               "sdvm_run_error")
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
                  method = method, vars = vars, dispatch = dispatch))
  }

  settings <- vapply(list(start, stop, dt, saveper), function(x) {
    if (is.null(x)) return(NA_real_)
    if (!is.numeric(x) || length(x) != 1 || !is.finite(x))
      sdvm_abort("Time settings must be single finite numbers.", "sdvm_run_error")
    as.double(x)
  }, 0)
  meth <- if (is.null(method)) -1L else {
    k <- match(method, c("euler", "rk2", "rk4"))
    if (length(method) != 1 || is.na(k))
      sdvm_abort("`method` must be \"euler\", \"rk2\" or \"rk4\".", "sdvm_run_error")
    k - 1L
  }
  out_idx <- select_vars(vars, info)
  disp <- match(dispatch, c("default", "goto", "switch")) - 1L
  if (is.na(disp)) sdvm_abort("Unknown dispatch.", "sdvm_run_error")

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
    if (!is.numeric(x) || length(x) != 1 || is.na(x))
      sdvm_abort(sprintf("The value given for '%s' must be a single number.", names(params)[i]),
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

replace_with_const <- function(m, name, value) {
  i <- which(vapply(m$vars, function(v) canon_name(v$name), "") == canon_name(name))
  v <- m$vars[[i]]
  m$vars[[i]] <- list(name = v$name, kind = "const", eqn = sprintf("%.17g", value),
                      units = v$units, doc = v$doc)
  new_model(unclass(m)[setdiff(names(m), ".cache")])
}

# 0-based engine indices of the variables to return.
select_vars <- function(vars, info) {
  if (is.null(vars)) {
    keep <- !(info$kind == "lookup" | info$key %in% canon_name(control_names))
    return(as.integer(which(keep) - 1L))
  }
  if (!is.character(vars))
    sdvm_abort("`vars` must be a character vector of variable names.", "sdvm_name_error")
  pos <- match(canon_name(vars), info$key)
  if (anyNA(pos)) {
    bad <- vars[is.na(pos)][1]
    hint <- near_names(bad, info$name)
    sdvm_abort(sprintf("'%s' is not a variable of this model.%s", bad,
                       if (length(hint)) sprintf(" Did you mean %s?", paste0("'", hint, "'", collapse = " or ")) else ""),
               "sdvm_name_error", variable = bad)
  }
  as.integer(pos - 1L)
}
