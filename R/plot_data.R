# What a plot of results shows, shared by the ggplot2 methods
# (autoplot.R) and the base-graphics fallback (plot.R): one row per point,
# with the panel it belongs to (a variable; an array's elements share
# their variable's panel) and the line it is part of.

# The kind of result: one run, a batch (`run`), a sweep (sd_sweep():
# `parameter` and `setting`) or a comparison (sd_compare(): `scenario`).
result_kind <- function(x) {
  if (!is.null(x$scenario)) "compare" else if (!is.null(x$setting)) "sweep" else if (!is.null(x$run)) "batch" else "run"
}

# The value columns to plot: `vars` matched Vensim-style (a variable's
# name selects all its elements), else the first `max_default`.
plot_columns <- function(x, vars, max_default) {
  cols <- setdiff(names(x), c("run", "time", "parameter", "setting", "scenario"))
  if (is.null(vars)) return(utils::head(cols, max_default))
  base <- canon_name(sub("\\[.*$", "", cols))
  out <- character()
  for (v in vars) {
    hit <- cols[canon_name(cols) == canon_name(v) | base == canon_name(v)]
    if (!length(hit))
      sdvm_abort(sprintf("'%s' is not a column of this result.", v), "sdvm_name_error", variable = v)
    out <- c(out, hit)
  }
  unique(out)
}

# Long data for plotting.  Columns: time, run, group (the line: run,
# setting or scenario), panel (variable), series (element or variable),
# value; attribute `panels`: label (name wrapped, with its units) by panel.
plot_frame <- function(x, cols) {
  kind <- result_kind(x)
  n <- length(x$time)
  units <- result_units(x, cols)
  panel <- sub("\\[.*$", "", cols)
  series <- ifelse(grepl("\\[", cols), sub("^[^[]*\\[(.*)\\]$", "\\1", cols), cols)
  group <- switch(kind,
    run = rep("run", n),
    batch = as.character(x$run),
    sweep = paste(x$parameter, "=", format(x$setting, digits = 4, trim = TRUE)),
    compare = as.character(x$scenario))
  df <- data.frame(
    time = rep(x$time, length(cols)),
    run = rep(if (is.null(x$run)) rep(1L, n) else x$run, length(cols)),
    group = rep(group, length(cols)),
    panel = rep(panel, each = n),
    series = rep(series, each = n),
    value = unlist(lapply(cols, function(cl) as.numeric(x[[cl]])), use.names = FALSE),
    stringsAsFactors = FALSE)
  pu <- tapply(units, panel, function(u) if (length(unique(u)) == 1) u[1] else NA_character_)
  labels <- vapply(unique(panel), function(p) {
    lab <- paste(strwrap(p, width = 28), collapse = "\n")
    u <- pu[[p]]
    if (!is.null(u) && !is.na(u)) paste0(lab, "\n(", u, ")") else lab
  }, "")
  df$panel <- factor(df$panel, levels = unique(panel))
  attr(df, "panels") <- labels
  attr(df, "kind") <- kind
  attr(df, "time_label") <- time_label(x)
  df
}

time_label <- function(x) {
  tu <- attr(x, "time_units")
  if (is.null(tu) || is.na(tu)) "Time" else sprintf("Time (%s)", tu)
}

# Colour-blind safe colours (Okabe-Ito) for up to 8 lines, else a
# viridis-like ramp.
plot_colours <- function(n) {
  if (n <= 8) unname(grDevices::palette.colors(9, "Okabe-Ito")[-1][seq_len(n)])
  else grDevices::hcl.colors(n, "viridis")
}
