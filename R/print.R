#' Print a model
#'
#' A short overview: the counts of variables by kind, the time settings,
#' the dimensions, and the first `n` equations (all with `n = Inf`);
#' [summary()] gives every variable as a data frame.
#'
#' @param x A model.
#' @param n How many equations to show.
#' @param ... Unused.
#' @return `format()`: the lines; `print()`: `x`, invisibly.
#' @export
format.sdvm_model <- function(x, n = 10, ...) {
  s <- x$settings
  kinds <- vapply(x$vars[!duplicated(vapply(x$vars, `[[`, "", "name"))], `[[`, "", "kind")
  counts <- table(factor(kinds, levels = c("stock", "flow", "aux", "const", "lookup", "data")))
  counts <- counts[counts > 0]
  head <- sprintf("<sdvm model%s> %d variable%s%s", if (is.null(x$name)) "" else paste0(" '", x$name, "'"),
                  length(kinds), if (length(kinds) == 1) "" else "s",
                  if (length(counts)) paste0(" (", paste(counts, names(counts), collapse = ", "), ")") else "")
  time <- sprintf("time %s to %s by %s, saved every %s, %s%s%s",
                  format(s$start), format(s$stop), format(s$dt), format(s$saveper), s$method,
                  if (identical(s$precision, "single")) ", single-precision stocks" else "",
                  if (is.null(x$time_units)) "" else paste0(" (", x$time_units, ")"))
  extra <- c(if (length(x$macros)) sprintf("%d macro%s: %s", length(x$macros), if (length(x$macros) == 1) "" else "s",
                                          paste(utils::head(names(x$macros), 6), collapse = ", ")),
             if (!is.null(x$file)) sprintf("from %s", x$file))
  lhs <- function(v) if (is.null(v$subs)) v$name else sprintf("%s[%s]", v$name, paste(v$subs, collapse = ","))
  nd <- length(x$dims)
  dims <- vapply(utils::head(names(x$dims), 6), function(d) {
    e <- x$dims[[d]]
    sprintf("  %s: %s%s", d, paste(utils::head(e, 8), collapse = ", "), if (length(e) > 8) sprintf(", ... (%d)", length(e)) else "")
  }, "")
  if (nd > 6) dims <- c(dims, sprintf("  ... and %d more dimensions", nd - 6))
  shown <- utils::head(x$vars, n)
  eqs <- vapply(shown, function(v) {
    e <- sprintf("  %s = %s", lhs(v), gsub("[[:space:]]+", " ", var_equation(v)))
    if (is.finite(n) && nchar(e) > 100) paste0(substr(e, 1, 97), "...") else e
  }, "")
  more <- length(x$vars) - length(shown)
  c(head, time, extra, if (nd) c(sprintf("%d dimension%s:", nd, if (nd == 1) "" else "s"), dims),
    if (length(eqs)) c(if (more > 0) sprintf("first %d equations:", length(shown)) else "equations:", eqs),
    if (more > 0) sprintf("  ... and %d more (print(m, n = Inf) or summary(m) for all)", more))
}

#' @rdname format.sdvm_model
#' @export
print.sdvm_model <- function(x, n = 10, ...) {
  cat(format(x, n = n, ...), sep = "\n")
  invisible(x)
}

#' @export
summary.sdvm_model <- function(object, ...) {
  vars <- object$vars
  df <- data.frame(
    name = vapply(vars, `[[`, "", "name"),
    kind = vapply(vars, `[[`, "", "kind"),
    equation = vapply(vars, var_equation, ""),
    units = vapply(vars, function(v) if (is.null(v$units)) NA_character_ else v$units, ""),
    stringsAsFactors = FALSE
  )
  structure(list(settings = object$settings, name = object$name, variables = df),
            class = "summary.sdvm_model")
}

#' @export
print.summary.sdvm_model <- function(x, ...) {
  s <- x$settings
  cat(sprintf("sdvm model%s: %d variables\n", if (is.null(x$name)) "" else paste0(" '", x$name, "'"),
              nrow(x$variables)))
  cat(sprintf("INITIAL TIME %s, FINAL TIME %s, TIME STEP %s, SAVEPER %s, method %s\n",
              format(s$start), format(s$stop), format(s$dt), format(s$saveper), s$method))
  print(x$variables, row.names = FALSE, right = FALSE)
  invisible(x)
}

#' Print simulation results
#'
#' A short head, like a tibble: the size and kind of the result, its first
#' `n` rows and the columns that fit the console, and what was left out.
#' The result is a data frame: `as.data.frame()`, `head()` and indexing
#' give all of it.
#'
#' @param x A result of [simulate()].
#' @param n Rows to show.
#' @param width Console width.
#' @param ... Passed to [print.data.frame()].
#' @return `x`, invisibly.
#' @export
print.sdvm_result <- function(x, n = 10, width = getOption("width"), ...) {
  df <- as.data.frame(x)
  nr <- nrow(df)
  kind <- result_kind(x)
  runs <- if (!is.null(x$run)) length(unique(x$run)) else 1L
  what <- switch(kind, run = "1 run", batch = sprintf("%d runs", runs),
                 sweep = sprintf("a sweep of %d runs", runs),
                 compare = sprintf("%d scenarios", length(unique(x$scenario))))
  tu <- attr(x, "time_units")
  span <- if (nr && !is.null(x$time)) sprintf("; time %s to %s%s", format(min(x$time)), format(max(x$time)),
                                             if (is.null(tu)) "" else paste0(" (", tu, ")")) else ""
  cat(sprintf("<sdvm_result> %d row%s x %d column%s (%s%s)\n", nr, if (nr == 1) "" else "s", ncol(df),
              if (ncol(df) == 1) "" else "s", what, span))
  if (!nr) return(invisible(x))
  rows <- utils::head(df, n)
  # the columns that fit the console, in order
  txt <- lapply(rows, function(col) format(col, digits = 6))
  w <- pmax(nchar(names(rows)), vapply(txt, function(t) max(nchar(t), 0L), 0L)) + 1L
  fit <- which(cumsum(w) + nchar(as.character(nrow(rows))) <= width)
  if (!length(fit)) fit <- 1L
  print(rows[, fit, drop = FALSE], digits = 6, ...)
  hidden <- setdiff(names(df), names(rows)[fit])
  notes <- c(if (nr > nrow(rows)) sprintf("%d more row%s", nr - nrow(rows), if (nr - nrow(rows) == 1) "" else "s"),
             if (length(hidden)) sprintf("%d more column%s: %s", length(hidden), if (length(hidden) == 1) "" else "s",
                                         paste0(paste(utils::head(hidden, 8), collapse = ", "),
                                                if (length(hidden) > 8) ", ..." else "")))
  if (length(notes)) cat("# ... with ", paste(notes, collapse = "; "), "\n", sep = "")
  invisible(x)
}
