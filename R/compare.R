#' Put runs side by side
#'
#' Combines single runs of [simulate()] (for example a base run and a
#' policy run) into one result with a `scenario` column, which `plot()` and
#' `autoplot()` draw as one line per scenario.  `plot(a, b)` does the same
#' for two runs.
#'
#' @param ... Results of [simulate()], one run each, named by scenario
#'   (`base = a, policy = b`), or one list of them.
#' @param vars Variables to keep (default: those all runs share).
#' @return A result of class `sdvm_result` with columns `scenario`, `time`
#'   and the variables.
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' both <- sd_compare(base = simulate(m), colder = simulate(m, params = list("Room Temperature" = 20)))
#' plot(both, vars = "Teacup Temperature")
sd_compare <- function(..., vars = NULL) {
  runs <- list(...)
  if (length(runs) == 1 && is.list(runs[[1]]) && !is.data.frame(runs[[1]])) runs <- runs[[1]]
  if (length(runs) < 2) sdvm_abort("sd_compare() needs at least two runs.", "sdvm_param_error")
  nm <- names(runs)
  if (is.null(nm)) nm <- rep("", length(runs))
  nm[!nzchar(nm)] <- paste("run", which(!nzchar(nm)))
  for (i in seq_along(runs))
    if (!is.data.frame(runs[[i]]) || is.null(runs[[i]]$time) || !is.null(runs[[i]]$run))
      sdvm_abort(sprintf("'%s' must be one run of simulate() (a batch has a `run` column).", nm[i]),
                 "sdvm_param_error")
  shared <- Reduce(intersect, lapply(runs, function(r) setdiff(names(r), "time")))
  cols <- if (is.null(vars)) shared else plot_columns(runs[[1]][c("time", shared)], vars, Inf)
  if (!length(cols)) sdvm_abort("The runs share no variable.", "sdvm_param_error")
  parts <- lapply(seq_along(runs), function(i) {
    r <- runs[[i]]
    data.frame(scenario = nm[i], time = r$time, as.data.frame(unclass(r)[cols], check.names = FALSE),
               check.names = FALSE, stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, parts)
  rownames(out) <- NULL
  class(out) <- c("sdvm_result", "data.frame")
  u <- attr(runs[[1]], "units")
  if (!is.null(u)) attr(out, "units") <- u[intersect(names(u), cols)]
  attr(out, "time_units") <- attr(runs[[1]], "time_units")
  out
}
