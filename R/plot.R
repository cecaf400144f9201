# Plots of results with base graphics only: lines over time for one run,
# quantile bands for batches.

#' Plot simulation results
#'
#' One run: the chosen variables over time, one line each.  A batch: for
#' each chosen variable, bands of quantiles across runs around the median
#' (see [sd_bands()]).
#'
#' @param x A result of [simulate()] (format `"long"`, the default).
#' @param vars Variables to plot (Vensim-style names, matched ignoring case
#'   and underscores).  Default: for one run all of them (at most 8), for a
#'   batch the first.
#' @param probs For batches, the quantiles drawn as bands.
#' @param ... Passed to [graphics::matplot()] (one run) or to the plot of
#'   the bands.
#' @return `x`, invisibly.
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' plot(simulate(m), vars = c("Teacup Temperature", "Room Temperature"))
#' runs <- simulate(m, params = data.frame("Room Temperature" = seq(0, 40, by = 5),
#'                                         check.names = FALSE))
#' plot(runs, vars = "Teacup Temperature")
plot.sdvm_result <- function(x, vars = NULL, probs = c(0.05, 0.25, 0.5, 0.75, 0.95), ...) {
  if (all(c("variable", "value") %in% names(x)))
    sdvm_abort("Plot the default (\"long\") format of simulate()'s result.", "sdvm_run_error")
  value_cols <- setdiff(names(x), c("run", "time", "parameter", "setting"))
  batch <- !is.null(x$run)
  if (is.null(vars)) {
    vars <- if (batch) value_cols[1] else utils::head(value_cols, 8)
  } else {
    k <- match(canon_name(vars), canon_name(value_cols))
    if (anyNA(k))
      sdvm_abort(sprintf("'%s' is not a column of this result.", vars[is.na(k)][1]),
                 "sdvm_name_error", variable = vars[is.na(k)][1])
    vars <- value_cols[k]
  }
  if (batch) {
    if (length(vars) > 1) {
      op <- graphics::par(mfrow = grDevices::n2mfrow(length(vars)))
      on.exit(graphics::par(op))
    }
    for (v in vars) plot(sd_bands(x, v, probs), ...)
    return(invisible(x))
  }
  y <- do.call(cbind, unclass(x)[vars])
  cols <- grDevices::palette.colors(max(2, length(vars)), "Okabe-Ito")[seq_along(vars)]
  graphics::matplot(x$time, y, type = "l", lty = 1, lwd = 2, col = cols, xlab = "Time",
                    ylab = if (length(vars) == 1) vars else "", ...)
  if (length(vars) > 1)
    graphics::legend("topright", legend = vars, col = cols, lty = 1, lwd = 2, bty = "n")
  invisible(x)
}

#' @rdname sd_bands
#' @param x Bands from `sd_bands()`.
#' @param col Colour of the bands and the median line.
#' @param main,xlab,ylab Titles, as in [graphics::plot()].
#' @param ... For `plot()`, passed to [graphics::plot()].
#' @export
plot.sdvm_bands <- function(x, col = "#0072B2", main = attr(x, "variable"), xlab = "Time",
                            ylab = "", ...) {
  q <- do.call(cbind, unclass(x)[-1])
  n <- ncol(q)
  graphics::plot(range(x$time), range(q, finite = TRUE), type = "n", main = main,
                 xlab = xlab, ylab = ylab, ...)
  # nested bands, outermost first, each a little darker
  for (i in seq_len(n %/% 2)) {
    graphics::polygon(c(x$time, rev(x$time)), c(q[, i], rev(q[, n + 1 - i])),
                      col = grDevices::adjustcolor(col, alpha.f = 0.15 + 0.15 * i), border = NA)
  }
  if (n %% 2 == 1) graphics::lines(x$time, q[, (n + 1) / 2], col = col, lwd = 2)
  invisible(x)
}
