# Classed conditions.  Every error sdvm raises inherits from `sdvm_error`;
# the subclass says what went wrong, and the fields `variable`, `file`,
# `line` and `column` say where, so callers can catch and report precisely.

# Engine error codes (sd_errcode in src/sd_engine.h) to condition classes.
engine_error_classes <- c(
  "sdvm_parse_error", "sdvm_name_error", "sdvm_cycle_error",
  "sdvm_arity_error", "sdvm_definition_error", "sdvm_run_error",
  "sdvm_memory_error", "sdvm_interrupt", "sdvm_unsupported_error"
)
# (R-side classes also used: sdvm_param_error, sdvm_io_error, sdvm_data_error)

sdvm_abort <- function(message, class = NULL, variable = NA_character_,
                       file = NA_character_, line = NA_integer_,
                       column = NA_integer_, call = NULL) {
  cnd <- structure(
    class = c(class, "sdvm_error", "error", "condition"),
    list(message = message, call = call, variable = variable, file = file,
         line = line, column = column)
  )
  stop(cnd)
}

# Raise the error described by the list an engine entry point returned.
engine_abort <- function(e, file = NULL) {
  class <- engine_error_classes[e$code]
  if (is.na(class)) class <- "sdvm_engine_error"
  var <- if (nzchar(e$variable)) e$variable else NA_character_
  src <- if (!is.null(file)) file else if (nzchar(e$file)) e$file else NA_character_
  where <- character()
  if (!is.na(src)) where <- c(where, src)
  if (e$line > 0) where <- c(where, sprintf("line %d, column %d", e$line, e$column))
  # run errors name the setting or variable in `variable` and say it in
  # their message; they are not about an equation
  head <- if (!is.na(var) && class != "sdvm_run_error") sprintf("in the equation of '%s'", var) else NULL
  if (length(where)) head <- paste(c(head, sprintf("(%s)", paste(where, collapse = ", "))), collapse = " ")
  msg <- if (length(head)) paste0(head, ": ", e$message) else e$message
  sdvm_abort(msg, class = class, variable = var, file = src,
             line = if (e$line > 0) e$line else NA_integer_,
             column = if (e$column > 0) e$column else NA_integer_)
}
