# Shapes of simulate()'s result: long (the engine's own: time, then one
# column per variable; batches lead with `run`), wide (batches: one column
# per variable and run) and tidy (one row per time, variable and run).

# The result of simulate() in the shape asked for, with the non-finite
# check done once on the engine's output.
shape_result <- function(out, format, model) {
  warn_nonfinite(out)
  out <- switch(format,
    long = out,
    wide = if (is.null(out$run)) out else batch_wide(out),
    tidy = result_tidy(out))
  class(out) <- c("sdvm_result", "data.frame")
  out
}

# One warning naming the variable and time where a value first becomes
# infinite or NaN (earliest time; among equal times, the first column).
warn_nonfinite <- function(out) {
  value_cols <- setdiff(names(out), c("run", "time"))
  # a finite sum proves a column finite without allocating; only columns
  # whose sum is not finite (non-finite values, or an overflowing sum) are
  # scanned
  sums <- vapply(out[value_cols], sum, 0)
  if (all(is.finite(sums))) return(invisible())
  first <- vapply(out[value_cols], function(x) {
    if (all(is.finite(x))) NA_integer_ else which(!is.finite(x))[1]
  }, 1L)
  if (all(is.na(first))) return(invisible())
  # rows of a batch are ordered by run, then time: compare times
  times <- out$time[first]
  k <- which(!is.na(first))[order(times[!is.na(first)], which(!is.na(first)))[1]]
  row <- first[[k]]
  where <- if (is.null(out$run)) "" else sprintf(" in run %d", out$run[row])
  cnd <- structure(
    class = c("sdvm_nonfinite_warning", "warning", "condition"),
    list(message = sprintf("'%s' is %s at time %s%s (first non-finite value).",
                           value_cols[k], format(out[[value_cols[k]]][row]),
                           format(out$time[row]), where),
         call = NULL, variable = value_cols[k], time = out$time[row])
  )
  warning(cnd)
}

# Batches: one row per time, columns `variable.run`.
batch_wide <- function(out) {
  runs <- split(seq_len(nrow(out)), out$run)
  times <- out$time[runs[[1]]]
  if (!all(vapply(runs, function(r) identical(out$time[r], times), NA)))
    sdvm_abort("format = \"wide\" needs the same saved times in every run.", "sdvm_run_error")
  value_cols <- setdiff(names(out), c("run", "time"))
  cols <- list(time = times)
  for (v in value_cols)
    for (r in names(runs)) cols[[paste0(v, ".", r)]] <- out[[v]][runs[[r]]]
  structure(cols, class = "data.frame", row.names = c(NA_integer_, -length(times)))
}

# One row per (run,) time and variable; arrayed variables get their
# subscripts in columns subscript1, subscript2, ... (NA for scalars).
result_tidy <- function(out) {
  value_cols <- setdiff(names(out), c("run", "time"))
  n <- nrow(out)
  parts <- split_subscripts(value_cols)
  res <- list()
  if (!is.null(out$run)) res$run <- rep(out$run, length(value_cols))
  res$time <- rep(out$time, length(value_cols))
  res$variable <- rep(parts$base, each = n)
  for (j in seq_len(ncol(parts$subs)))
    res[[paste0("subscript", j)]] <- rep(parts$subs[, j], each = n)
  res$value <- unlist(out[value_cols], use.names = FALSE)
  if (is.null(res$value)) res$value <- double()
  structure(res, class = "data.frame", row.names = c(NA_integer_, -length(res$time)))
}

# "Stock A[Entry 1,Column 2]" -> base "Stock A", subscripts c("Entry 1",
# "Column 2"); a matrix with one column per subscript position.
split_subscripts <- function(names) {
  arrayed <- grepl("\\[.*\\]$", names)
  base <- ifelse(arrayed, sub("\\[.*$", "", names), names)
  inner <- ifelse(arrayed, sub("^[^[]*\\[(.*)\\]$", "\\1", names), "")
  pieces <- lapply(inner, function(s) if (nzchar(s)) trimws(strsplit(s, ",", fixed = TRUE)[[1]]) else character())
  width <- max(0L, lengths(pieces))
  subs <- matrix(NA_character_, length(names), width)
  for (i in seq_along(pieces)) if (length(pieces[[i]])) subs[i, seq_along(pieces[[i]])] <- pieces[[i]]
  list(base = base, subs = subs)
}

#' Results as a plain data frame
#'
#' [simulate()] returns a data frame of class `sdvm_result`; this drops the
#' class, and can reshape it first.
#'
#' @param x A result of [simulate()].
#' @param row.names,optional Unused (for the generic).
#' @param format `NULL` (keep the shape), `"tidy"` (one row per time and
#'   variable, and run for batches), or `"wide"` (batches: one column per
#'   variable and run).
#' @param ... Unused.
#' @return A data frame.
#' @export
#' @examples
#' m <- sd_model(stop = 10) |> sd_stock("x", 1, inflows = "g") |> sd_flow("g", "x * 0.1")
#' as.data.frame(simulate(m), format = "tidy")[1:3, ]
as.data.frame.sdvm_result <- function(x, row.names = NULL, optional = FALSE, format = NULL, ...) {
  class(x) <- "data.frame"
  attr(x, "units") <- NULL
  attr(x, "time_units") <- NULL
  if (is.null(format)) return(x)
  format <- match.arg(format, c("tidy", "wide"))
  long <- !("variable" %in% names(x) && "value" %in% names(x))
  if (!long) sdvm_abort("This result is already tidy.", "sdvm_run_error")
  if (format == "tidy") result_tidy(x) else if (is.null(x$run)) x else batch_wide(x)
}

# Vensim-style selection of variables: exact names (canonical match), an
# arrayed variable's name for all its elements, or wildcard patterns with
# * and ?.  Returns 1-based positions in info, or NA for names matching
# nothing.
match_var_patterns <- function(vars, info) {
  keys <- canon_name(vars)
  lapply(keys, function(k) {
    hit <- which(info$key == k)
    if (length(hit)) return(hit)
    hit <- which(startsWith(info$key, paste0(k, "[")))
    if (length(hit)) return(hit)
    if (grepl("[*?]", k)) {
      rx <- gsub("([][{}()+.^$|\\\\*?])", "\\\\\\1", k)
      rx <- paste0("^", gsub("\\?", ".", gsub("\\*", ".*", rx, fixed = TRUE), fixed = TRUE), "$")
      hit <- which(grepl(rx, info$key) & info$kind != "lookup" &
                     !info$key %in% canon_name(control_names))
      if (length(hit)) return(hit)
    }
    NA_integer_
  })
}
