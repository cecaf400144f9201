# Sensitivity helpers built on batch runs: designs (Latin hypercube,
# one-at-a-time sweeps) and quantile bands of an output across runs.

#' Latin hypercube sample of parameters
#'
#' Draws `n` parameter sets, each parameter uniform on its range, such
#' that each parameter's range, cut into `n` equal slices, has exactly one
#' value in each slice.  Pass the result to `simulate(params = )`.
#'
#' @param n Number of parameter sets (runs).
#' @param ranges Named list of ranges, each `c(min, max)`.
#' @param seed Optional seed, as in [set.seed()]; the caller's random
#'   stream is left as it was.
#' @return A data frame with `n` rows and one column per parameter.
#' @seealso [simulate.sdvm_model()], [sd_bands()]
#' @export
#' @examples
#' design <- sd_lhs(20, list("Room Temperature" = c(0, 40),
#'                           "Characteristic Time" = c(5, 15)), seed = 1)
#' head(design)
#' # one value in each twentieth of each range
#' table(cut(design$`Room Temperature`, seq(0, 40, length.out = 21)))
sd_lhs <- function(n, ranges, seed = NULL) {
  check_count(n, "n")
  if (!is.list(ranges) || !length(ranges) || is.null(names(ranges)) || any(!nzchar(names(ranges))))
    sdvm_abort("`ranges` must be a named list of c(min, max).", "sdvm_param_error")
  for (nm in names(ranges)) {
    r <- ranges[[nm]]
    if (!is.numeric(r) || length(r) != 2 || any(!is.finite(r)) || r[1] > r[2])
      sdvm_abort(sprintf("The range of '%s' must be c(min, max) with finite min <= max.", nm),
                 "sdvm_param_error", variable = nm)
  }
  cols <- with_seed(seed, lapply(ranges, function(r) {
    u <- (sample.int(n) - stats::runif(n)) / n   # one point per slice, slices shuffled
    r[1] + u * (r[2] - r[1])
  }))
  as.data.frame(cols, check.names = FALSE, optional = TRUE)
}

check_count <- function(n, what) {
  if (!is.numeric(n) || length(n) != 1 || is.na(n) || n < 1 || n != round(n))
    sdvm_abort(sprintf("`%s` must be a positive whole number.", what), "sdvm_param_error")
}

#' One-at-a-time parameter sweeps
#'
#' Runs the model once per value of each parameter, the other parameters
#' keeping the model's values: the classic one-at-a-time sensitivity
#' analysis.  All runs form one batch (see [simulate.sdvm_model()]).
#'
#' @param model A model.
#' @param values Named list: for each parameter (a constant or a stock's
#'   initial value), the values to try.
#' @param ... Passed to [simulate()] (e.g. `vars`, `saveper`, `threads`).
#' @return The batch result (format `"long"`) with two more columns after
#'   `run`: `parameter` (the name of the parameter varied) and `setting`
#'   (its value in that run).
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
#'   sd_const("Room Temperature", 70) |>
#'   sd_const("Characteristic Time", 10)
#' sw <- sd_sweep(m, list("Room Temperature" = c(20, 70), "Characteristic Time" = c(5, 20)),
#'                vars = "Teacup Temperature", saveper = 30)
#' sw[sw$time == 30, ]
sd_sweep <- function(model, values, ...) {
  check_model(model)
  if (!is.list(values) || !length(values) || is.null(names(values)) || any(!nzchar(names(values))))
    sdvm_abort("`values` must be a named list of numeric vectors.", "sdvm_param_error")
  for (nm in names(values))
    if (!is.numeric(values[[nm]]) || !length(values[[nm]]) || anyNA(values[[nm]]))
      sdvm_abort(sprintf("The values of '%s' must be numbers.", nm), "sdvm_param_error", variable = nm)
  base <- base_values(model, names(values))
  design <- do.call(rbind, lapply(names(values), function(nm) {
    d <- base[rep(1L, length(values[[nm]])), , drop = FALSE]
    d[[nm]] <- values[[nm]]
    d
  }))
  rownames(design) <- NULL
  out <- simulate(model, params = design, format = "long", ...)
  which_param <- rep(names(values), lengths(values))
  setting <- unlist(values, use.names = FALSE)
  res <- c(list(run = out$run, parameter = which_param[out$run], setting = setting[out$run]),
           unclass(out)[-1])
  structure(res, class = c("sdvm_result", "data.frame"), row.names = c(NA_integer_, -length(out$run)),
            units = attr(out, "units"), time_units = attr(out, "time_units"))
}

# The model's own values of constants or stocks (their initial values),
# one row named as given: the first row of a plain run.
base_values <- function(model, names) {
  first <- sd_run(model, vars = names)
  stats::setNames(as.data.frame(unclass(first)[-1], check.names = FALSE)[1, , drop = FALSE], names)
}

#' Quantile bands of an output across runs
#'
#' Summarizes a batch: at each saved time, quantiles of one variable over
#' the runs.  `plot()` draws them as nested bands around the median.
#'
#' @param result A batch result from [simulate()] (format `"long"`).
#' @param var The variable (name as in the result's columns; Vensim-style
#'   matching).
#' @param probs Probabilities of the quantiles.
#' @return A data frame of class `sdvm_bands`: `time`, then one column per
#'   probability (named like `"5%"`).
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' runs <- simulate(m, params = sd_lhs(100, list("Room Temperature" = c(0, 40)), seed = 2))
#' b <- sd_bands(runs, "Teacup Temperature")
#' head(b)
#' plot(b)
sd_bands <- function(result, var, probs = c(0.05, 0.25, 0.5, 0.75, 0.95)) {
  if (!is.data.frame(result) || is.null(result$run) || is.null(result$time))
    sdvm_abort("`result` must be a batch result of simulate() (with `run` and `time` columns).",
               "sdvm_run_error")
  if (!is.numeric(probs) || !length(probs) || any(is.na(probs) | probs < 0 | probs > 1))
    sdvm_abort("`probs` must be probabilities.", "sdvm_param_error")
  value_cols <- setdiff(names(result), c("run", "time", "parameter", "setting"))
  k <- match(canon_name(var), canon_name(value_cols))
  if (length(var) != 1 || is.na(k))
    sdvm_abort(sprintf("'%s' is not a column of this result.", var[1]), "sdvm_name_error",
               variable = var[1])
  x <- result[[value_cols[k]]]
  times <- sort(unique(result$time))
  by_time <- split(x, match(result$time, times))
  q <- matrix(vapply(by_time, stats::quantile, probs, probs = probs, na.rm = TRUE, names = FALSE),
              ncol = length(probs), byrow = TRUE)
  out <- data.frame(time = times, q, check.names = FALSE)
  names(out)[-1] <- paste0(format(100 * probs, trim = TRUE), "%")
  rownames(out) <- NULL
  structure(out, class = c("sdvm_bands", "data.frame"), variable = value_cols[k])
}
