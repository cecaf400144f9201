# ggplot2 pictures of results (ggplot2 is in Suggests; plot() falls back
# to base graphics without it).  autoplot() methods are registered with
# ggplot2 when it is loaded (see .onLoad in sdvm-package.R).

#' ggplot2 plots of simulation results
#'
#' `autoplot()` builds a ggplot2 plot of a result; `plot()` draws it (and
#' draws with base graphics when ggplot2 is not installed).  One run: one
#' panel per variable, each with its own scale (`facet = FALSE` puts them
#' in one panel), an array's elements as lines in their variable's panel.
#' A batch: quantile bands across runs around the median (`style =
#' "bands"`), or one line per run (`"spaghetti"`, the default up to 20
#' runs), with a run picked out by `highlight`.  A sweep ([sd_sweep()]):
#' one line per setting, the legend naming the parameter.  A comparison
#' ([sd_compare()]): one line per scenario.  Panel titles carry the
#' variables' units and the time axis the model's unit of time; long names
#' are wrapped; colours are colour-blind safe (Okabe-Ito).
#'
#' @param object A result of [simulate()] (format `"long"`), of
#'   [sd_sweep()] or of [sd_compare()].
#' @param vars Variables to plot (Vensim-style names; an array's name
#'   takes all its elements).  Default: the first 12 (one run) or 4.
#' @param facet One panel per variable (`TRUE`) or all in one.
#' @param style For batches: `"bands"` or `"spaghetti"`.
#' @param highlight For batches: a run to draw on top, in black.
#' @param probs Quantiles of the bands (an odd number: the middle one is
#'   the median line).
#' @param ... Unused.
#' @return A `ggplot` object.
#' @name autoplot.sdvm_result
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   m <- sd_model(stop = 30, dt = 0.25, time_units = "Minute") |>
#'     sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss", units = "Degrees") |>
#'     sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / 10",
#'             units = "Degrees/Minute") |>
#'     sd_const("Room Temperature", 70, units = "Degrees")
#'   ggplot2::autoplot(simulate(m))
#'   sweep <- sd_sweep(m, list("Room Temperature" = c(20, 50, 80)))
#'   ggplot2::autoplot(sweep, vars = "Teacup Temperature")
#' }
NULL

#' @rdname autoplot.sdvm_result
#' @exportS3Method ggplot2::autoplot
autoplot.sdvm_result <- function(object, vars = NULL, facet = TRUE, style = NULL, highlight = NULL,
                                 probs = c(0.05, 0.25, 0.5, 0.75, 0.95), ...) {
  need_ggplot()
  if (all(c("variable", "value") %in% names(object)))
    sdvm_abort("Plot the default (\"long\") format of simulate()'s result.", "sdvm_run_error")
  kind <- result_kind(object)
  cols <- plot_columns(object, vars, if (kind == "run") 12 else 4)
  df <- plot_frame(object, cols)
  labels <- attr(df, "panels")
  gg <- asNamespace("ggplot2")
  lab_fn <- gg$as_labeller(labels)
  nruns <- length(unique(df$run))
  if (is.null(style)) style <- if (kind == "batch" && nruns > 20) "bands" else "spaghetti"
  style <- match.arg(style, c("bands", "spaghetti"))
  p <- gg$ggplot(df, gg$aes(x = .data$time, y = .data$value))
  if (kind == "run") {
    # several lines in a panel (an array's elements) need a legend
    multi <- any(tapply(df$series, df$panel, function(s) length(unique(s)) > 1), na.rm = TRUE)
    colour_by <- if (facet) "series" else "line"
    df$line <- if (facet) df$series else ifelse(df$series == as.character(df$panel), as.character(df$panel),
                                                 paste0(df$panel, "[", df$series, "]"))
    p <- gg$ggplot(df, gg$aes(x = .data$time, y = .data$value, colour = .data[[colour_by]])) +
      gg$geom_line(linewidth = 0.8)
    n_col <- length(unique(df[[colour_by]]))
    p <- p + gg$scale_colour_manual(values = plot_colours(n_col), name = NULL,
                                    guide = if ((facet && !multi) || n_col == 1) "none" else "legend")
  } else if (kind == "batch" && style == "bands") {
    q <- band_frame(df, probs)
    p <- gg$ggplot(q, gg$aes(x = .data$time))
    np <- length(probs)
    for (i in seq_len(np %/% 2))
      p <- p + gg$geom_ribbon(gg$aes(ymin = .data[[paste0("q", i)]], ymax = .data[[paste0("q", np + 1 - i)]],
                                     group = .data$series),
                              fill = "#0072B2", alpha = 0.15 + 0.15 * i)
    if (np %% 2 == 1)
      p <- p + gg$geom_line(gg$aes(y = .data[[paste0("q", (np + 1) / 2)]], group = .data$series),
                            colour = "#0072B2", linewidth = 0.9)
  } else if (kind == "batch") {
    p <- p + gg$geom_line(gg$aes(group = interaction(.data$run, .data$series)), colour = "#0072B2",
                          alpha = if (nruns > 5) 0.35 else 0.8, linewidth = 0.5)
  } else {
    title <- if (kind == "sweep") "setting" else "scenario"
    groups <- unique(df$group)
    df$group <- factor(df$group, levels = groups)
    p <- gg$ggplot(df, gg$aes(x = .data$time, y = .data$value, colour = .data$group,
                              group = interaction(.data$group, .data$series))) +
      gg$geom_line(linewidth = 0.8) +
      gg$scale_colour_manual(values = plot_colours(length(groups)), name = title)
  }
  if (!is.null(highlight) && kind == "batch") {
    if (!highlight %in% df$run) sdvm_abort(sprintf("Run %s is not in this batch.", format(highlight)), "sdvm_param_error")
    p <- p + gg$geom_line(data = df[df$run == highlight, ], gg$aes(x = .data$time, y = .data$value, group = .data$series),
                          colour = "black", linewidth = 0.9, inherit.aes = FALSE)
  }
  if (facet) p <- p + gg$facet_wrap(gg$vars(.data$panel), scales = "free_y", labeller = lab_fn)
  # 6e+09 reads better as 6B
  if (utils::packageVersion("scales") >= "1.2.0")
    p <- p + gg$scale_y_continuous(labels = scales::label_number(scale_cut = scales::cut_short_scale()))
  ylab <- if (!facet && length(labels) == 1) labels[[1]] else NULL
  p + gg$labs(x = attr(df, "time_label"), y = ylab) + gg$theme_minimal(base_size = 11) +
    gg$theme(legend.position = "bottom", strip.text = gg$element_text(face = "bold", hjust = 0))
}

# Quantiles across runs at each time, per panel and series: q1 .. qn.
band_frame <- function(df, probs) {
  key <- interaction(df$panel, df$series, df$time, drop = TRUE, lex.order = TRUE)
  groups <- split(seq_len(nrow(df)), key)
  rows <- lapply(groups, function(i) {
    qs <- stats::quantile(df$value[i], probs, na.rm = TRUE, names = FALSE)
    data.frame(time = df$time[i[1]], panel = df$panel[i[1]], series = df$series[i[1]],
               t(stats::setNames(qs, paste0("q", seq_along(probs)))), check.names = FALSE)
  })
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  out
}

need_ggplot <- function() {
  if (!requireNamespace("ggplot2", quietly = TRUE))
    sdvm_abort("This plot needs the ggplot2 package: install.packages(\"ggplot2\") (plot() draws with base graphics without it).",
               "sdvm_unsupported_error")
}

#' @rdname autoplot.sdvm_result
#' @exportS3Method ggplot2::autoplot
autoplot.sdvm_bands <- function(object, ...) {
  need_ggplot()
  gg <- asNamespace("ggplot2")
  q <- as.data.frame(unclass(object)[-1], check.names = FALSE)
  n <- ncol(q)
  names(q) <- paste0("q", seq_len(n))
  q$time <- object$time
  p <- gg$ggplot(q, gg$aes(x = .data$time))
  for (i in seq_len(n %/% 2))
    p <- p + gg$geom_ribbon(gg$aes(ymin = .data[[paste0("q", i)]], ymax = .data[[paste0("q", n + 1 - i)]]),
                            fill = "#0072B2", alpha = 0.15 + 0.15 * i)
  if (n %% 2 == 1) p <- p + gg$geom_line(gg$aes(y = .data[[paste0("q", (n + 1) / 2)]]), colour = "#0072B2", linewidth = 0.9)
  p + gg$labs(x = "Time", y = NULL, title = attr(object, "variable")) + gg$theme_minimal(base_size = 11)
}
