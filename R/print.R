#' @export
format.sdvm_model <- function(x, ...) {
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
  lhs <- function(v) if (is.null(v$subs)) v$name else sprintf("%s[%s]", v$name, paste(v$subs, collapse = ","))
  dims <- vapply(names(x$dims), function(d) sprintf("  %s: %s", d, paste(x$dims[[d]], collapse = ", ")), "")
  eqs <- c(dims, vapply(x$vars, function(v) sprintf("  %s = %s", lhs(v), var_equation(v)), ""))
  c(head, time, eqs)
}

#' @export
print.sdvm_model <- function(x, ...) {
  cat(format(x, ...), sep = "\n")
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
