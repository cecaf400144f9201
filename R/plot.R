# plot() of results: the ggplot2 picture (autoplot.R) when ggplot2 is
# installed, else the same panels drawn with base graphics.

#' Plot simulation results
#'
#' Draws a result of [simulate()], [sd_sweep()] or [sd_compare()] as
#' described in [autoplot.sdvm_result()]: one panel per variable with its
#' own scale and its units, batches as bands or one line per run, sweeps
#' and comparisons as one line per setting or scenario.  With ggplot2
#' installed the plot is a ggplot (printed); without it, base graphics draw
#' the same panels.  `plot(a, b)` compares two runs.
#'
#' @param x A result of [simulate()] (format `"long"`, the default), of
#'   [sd_sweep()] or of [sd_compare()].
#' @param y Optional: a second run to compare with `x`.
#' @inheritParams autoplot.sdvm_result
#' @param ... Passed on to [graphics::plot()] in the base-graphics version.
#' @return `x`, invisibly.
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10") |>
#'   sd_const("Room Temperature", 70)
#' plot(simulate(m))
#' runs <- simulate(m, params = data.frame("Room Temperature" = seq(0, 40, by = 5),
#'                                         check.names = FALSE))
#' plot(runs, vars = "Teacup Temperature")
plot.sdvm_result <- function(x, y = NULL, vars = NULL, facet = TRUE, style = NULL, highlight = NULL,
                             probs = c(0.05, 0.25, 0.5, 0.75, 0.95), ...) {
  if (all(c("variable", "value") %in% names(x)))
    sdvm_abort("Plot the default (\"long\") format of simulate()'s result.", "sdvm_run_error")
  shown <- x
  if (!is.null(y)) {
    if (!inherits(y, "sdvm_result")) sdvm_abort("`y` must be a second run to compare.", "sdvm_param_error")
    runs <- list(x, y)
    names(runs) <- c(deparse1(substitute(x)), deparse1(substitute(y)))
    if (identical(names(runs)[1], names(runs)[2])) names(runs) <- c("first", "second")
    shown <- sd_compare(runs)
  }
  if (requireNamespace("ggplot2", quietly = TRUE) && !isTRUE(getOption("sdvm.base_graphics"))) {
    print(autoplot.sdvm_result(shown, vars = vars, facet = facet, style = style, highlight = highlight,
                               probs = probs))
  } else {
    base_plot_result(shown, vars, facet, style, highlight, probs, ...)
  }
  invisible(x)
}

# The same picture with base graphics: a grid of panels (or one).
base_plot_result <- function(x, vars, facet, style, highlight, probs, ...) {
  kind <- result_kind(x)
  cols <- plot_columns(x, vars, if (kind == "run") 12 else 4)
  df <- plot_frame(x, cols)
  labels <- attr(df, "panels")
  panels <- if (facet) levels(df$panel) else list(levels(df$panel))
  if (length(panels) > 1) {
    op <- graphics::par(mfrow = grDevices::n2mfrow(length(panels)), mar = c(4, 4, 3, 1))
    on.exit(graphics::par(op))
  }
  nruns <- length(unique(df$run))
  if (is.null(style)) style <- if (kind == "batch" && nruns > 20) "bands" else "spaghetti"
  for (pn in panels) {
    d <- df[df$panel %in% pn, , drop = FALSE]
    main <- if (length(pn) == 1) labels[[pn]] else ""
    lines_of <- interaction(d$group, d$series, d$panel, drop = TRUE, lex.order = TRUE)
    bands <- kind == "batch" && style == "bands"
    q <- if (bands) band_frame(d, probs)
    # the bands' span, or the lines' (and a highlighted run's)
    yr <- if (bands) range(unlist(q[grep("^q", names(q))]), if (!is.null(highlight)) d$value[d$run == highlight],
                           finite = TRUE)
          else range(d$value, finite = TRUE)
    graphics::plot(range(d$time), yr, type = "n", main = main,
                   xlab = attr(df, "time_label"), ylab = "", cex.main = 0.9, ...)
    if (bands) {
      np <- length(probs)
      for (s in unique(q$series)) {
        qs <- q[q$series == s, ]
        for (i in seq_len(np %/% 2))
          graphics::polygon(c(qs$time, rev(qs$time)), c(qs[[paste0("q", i)]], rev(qs[[paste0("q", np + 1 - i)]])),
                            col = grDevices::adjustcolor("#0072B2", alpha.f = 0.15 + 0.15 * i), border = NA)
        if (np %% 2 == 1) graphics::lines(qs$time, qs[[paste0("q", (np + 1) / 2)]], col = "#0072B2", lwd = 2)
      }
    } else {
      keys <- if (kind == "run") interaction(d$series, d$panel, drop = TRUE) else factor(d$group, levels = unique(d$group))
      cols_k <- if (kind == "batch") rep(grDevices::adjustcolor("#0072B2", 0.5), nlevels(keys)) else plot_colours(nlevels(keys))
      for (ln in levels(lines_of)) {
        i <- which(lines_of == ln)
        graphics::lines(d$time[i], d$value[i], col = cols_k[as.integer(keys[i[1]])], lwd = 2)
      }
      if (kind != "batch" && nlevels(keys) > 1)
        graphics::legend("topright", legend = levels(keys), col = cols_k, lwd = 2, bty = "n", cex = 0.8)
    }
    if (!is.null(highlight) && kind == "batch") {
      h <- d[d$run == highlight, ]
      for (s in unique(h$series)) graphics::lines(h$time[h$series == s], h$value[h$series == s], lwd = 2)
    }
  }
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
