#' Create a system dynamics model
#'
#' `sd_model()` starts an empty model with its time settings; add variables
#' with [sd_stock()], [sd_flow()], [sd_aux()], [sd_const()] and
#' [sd_lookup()], then run it with [simulate()].  Models are values: every
#' builder returns a new model and leaves its input unchanged.
#'
#' Equations are written in the Vensim equation language: names may contain
#' spaces, and are matched ignoring case and treating runs of spaces and
#' underscores alike (`Room Temperature`, `room_temperature`).  Operators are
#' `+ - * / ^`, comparisons `= <> < > <= >=`, logic `:AND: :OR: :NOT:`;
#' builtins include `IF THEN ELSE`, `MIN`, `MAX`, `ABS`, `EXP`, `LN`, `LOG`,
#' `SQRT`, trigonometry, `INTEGER`, `MODULO`, `POWER`, `QUANTUM`, `XIDZ`,
#' `ZIDZ`, `STEP`, `PULSE`, `PULSE TRAIN`, `RAMP`, `INITIAL`, `WITH LOOKUP`,
#' `SMOOTH`, `SMOOTHI`, `SMOOTH3`, `SMOOTH3I`, `DELAY1`, `DELAY1I`,
#' `DELAY3`, `DELAY3I` and `TREND`, and the variables `Time`, `TIME STEP`,
#' `INITIAL TIME`, `FINAL TIME` and `SAVEPER`.
#'
#' @param start,stop Initial and final time (Vensim's INITIAL TIME and
#'   FINAL TIME).
#' @param dt Integration time step (TIME STEP).
#' @param saveper Interval at which results are saved (SAVEPER); a whole
#'   multiple of `dt`.
#' @param method Integration method: `"euler"`, `"rk2"` (midpoint) or
#'   `"rk4"`.
#' @param precision Precision of the stocks: `"double"`, or `"single"` to
#'   hold them in single precision between steps as Vensim's standard
#'   build does (see [simulate.sdvm_model()]).
#' @param name Optional model name, used when printing.
#' @param time_units Optional unit of time, kept for documentation.
#' @return An object of class `sdvm_model`.
#' @seealso [simulate.sdvm_model()]
#' @export
#' @examples
#' teacup <- sd_model(start = 0, stop = 30, dt = 0.125, name = "teacup") |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss to Room") |>
#'   sd_flow("Heat Loss to Room",
#'           "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
#'   sd_const("Room Temperature", 70) |>
#'   sd_const("Characteristic Time", 10)
#' teacup
#' head(simulate(teacup))
sd_model <- function(start = 0, stop = 100, dt = 1, saveper = dt,
                     method = c("euler", "rk2", "rk4"), name = NULL,
                     time_units = NULL, precision = c("double", "single")) {
  method <- match.arg(method)
  precision <- match.arg(precision)
  check_number(start, "start")
  check_number(stop, "stop")
  check_number(dt, "dt")
  check_number(saveper, "saveper")
  if (dt <= 0) sdvm_abort("`dt` must be positive.", "sdvm_run_error")
  if (stop < start) sdvm_abort("`stop` must not be before `start`.", "sdvm_run_error")
  new_model(list(
    name = name,
    time_units = time_units,
    settings = list(start = start, stop = stop, dt = dt, saveper = saveper,
                    method = method, precision = precision),
    vars = list()
  ))
}

new_model <- function(fields) {
  fields$.cache <- new.env(parent = emptyenv())
  structure(fields, class = "sdvm_model")
}

check_model <- function(m) {
  if (!inherits(m, "sdvm_model"))
    sdvm_abort("Expected an sdvm model (made by sd_model()).", "sdvm_definition_error")
}

check_number <- function(x, what) {
  if (!is.numeric(x) || length(x) != 1 || !is.finite(x))
    sdvm_abort(sprintf("`%s` must be a single finite number.", what), "sdvm_definition_error")
}

check_name <- function(name) {
  if (!is.character(name) || length(name) != 1 || is.na(name) || !nzchar(trimws(name)))
    sdvm_abort("A variable name must be a single non-empty string.", "sdvm_definition_error")
}

# An equation given as a number or a string, as the engine text.
as_equation <- function(x, what, name) {
  if (is.numeric(x) && length(x) == 1) {
    if (!is.finite(x))
      sdvm_abort(sprintf("The %s of '%s' must be a finite number, not %s.", what, name, format(x)),
                 "sdvm_definition_error", variable = name)
    return(sprintf("%.17g", x))
  }
  if (is.character(x) && length(x) == 1 && !is.na(x) && nzchar(trimws(x))) return(x)
  sdvm_abort(sprintf("The %s of '%s' must be a number or an equation string.", what, name),
             "sdvm_definition_error", variable = name)
}

add_var <- function(m, var) {
  check_model(m)
  key <- canon_name(var$name)
  if (key == "time" || key %in% canon_name(control_names))
    sdvm_abort(sprintf("'%s' is reserved: set the time settings with sd_model().", var$name),
               "sdvm_name_error", variable = var$name)
  existing <- vapply(m$vars, function(v) canon_name(v$name), "")
  if (key %in% existing)
    sdvm_abort(sprintf("'%s' is already defined in this model.", var$name),
               "sdvm_name_error", variable = var$name)
  m$vars[[length(m$vars) + 1L]] <- var
  new_model(unclass(m)[setdiff(names(m), ".cache")])
}

#' Add variables to a model
#'
#' Each builder adds one variable and returns the new model, so they chain
#' with the pipe.
#'
#' * `sd_stock()`: a stock (level) that integrates its inflows minus its
#'   outflows, or the net `rate` equation when given.
#' * `sd_flow()`, `sd_aux()`: a flow or an auxiliary computed from an
#'   equation; they differ only in how they are reported.
#' * `sd_const()`: a constant; constants (and stock initial values) can be
#'   changed per run with `simulate(params = )` without recompiling.
#' * `sd_lookup()`: a graphical function, called in equations as
#'   `name(input)`: linear interpolation between the points, clamped to the
#'   first and last value outside them.
#'
#' @param m A model from [sd_model()].
#' @param name Variable name (spaces allowed).
#' @param init Initial value of a stock: a number or an equation.
#' @param inflows,outflows Names of the flows into and out of the stock.
#' @param rate Net rate equation, instead of `inflows`/`outflows`.
#' @param eqn Equation (a string in Vensim syntax) or a number.
#' @param value Value of a constant.
#' @param x,y Points of a lookup; `x` must not decrease.
#' @param units,doc Optional units and documentation, kept on the model.
#' @return The model with the variable added.
#' @export
#' @examples
#' m <- sd_model(stop = 10) |>
#'   sd_stock("Population", init = 100, inflows = "Births") |>
#'   sd_flow("Births", "Population * Birth Rate") |>
#'   sd_const("Birth Rate", 0.03) |>
#'   sd_lookup("Crowding", x = c(0, 100, 200), y = c(1, 1, 0.5)) |>
#'   sd_aux("Crowding Effect", "Crowding(Population)")
#' tail(simulate(m), 3)
sd_stock <- function(m, name, init, inflows = character(), outflows = character(),
                     rate = NULL, units = NULL, doc = NULL) {
  check_name(name)
  if (!is.character(inflows) || !is.character(outflows))
    sdvm_abort("`inflows` and `outflows` must be character vectors of flow names.",
               "sdvm_definition_error", variable = name)
  if (!is.null(rate) && (length(inflows) || length(outflows)))
    sdvm_abort(sprintf("Stock '%s': give either `rate` or `inflows`/`outflows`, not both.", name),
               "sdvm_definition_error", variable = name)
  add_var(m, list(name = name, kind = "stock", init = as_equation(init, "initial value", name),
                  inflows = inflows, outflows = outflows,
                  rate = if (is.null(rate)) NULL else as_equation(rate, "rate", name),
                  units = units, doc = doc))
}

#' @rdname sd_stock
#' @export
sd_flow <- function(m, name, eqn, units = NULL, doc = NULL) {
  check_name(name)
  add_var(m, list(name = name, kind = "flow", eqn = as_equation(eqn, "equation", name),
                  units = units, doc = doc))
}

#' @rdname sd_stock
#' @export
sd_aux <- function(m, name, eqn, units = NULL, doc = NULL) {
  check_name(name)
  add_var(m, list(name = name, kind = "aux", eqn = as_equation(eqn, "equation", name),
                  units = units, doc = doc))
}

#' @rdname sd_stock
#' @export
sd_const <- function(m, name, value, units = NULL, doc = NULL) {
  check_name(name)
  if (!is.numeric(value) || length(value) != 1)
    sdvm_abort(sprintf("The value of constant '%s' must be a single number.", name),
               "sdvm_definition_error", variable = name)
  add_var(m, list(name = name, kind = "const", eqn = as_equation(value, "value", name),
                  units = units, doc = doc))
}

#' @rdname sd_stock
#' @export
sd_lookup <- function(m, name, x, y, units = NULL, doc = NULL) {
  check_name(name)
  if (!is.numeric(x) || !is.numeric(y) || length(x) != length(y) || length(x) < 1 ||
      anyNA(x) || anyNA(y) || any(!is.finite(x)))
    sdvm_abort(sprintf("Lookup '%s' needs numeric `x` and `y` of the same length, without NA.", name),
               "sdvm_definition_error", variable = name)
  if (is.unsorted(x))
    sdvm_abort(sprintf("Lookup '%s': `x` must not decrease.", name),
               "sdvm_definition_error", variable = name)
  add_var(m, list(name = name, kind = "lookup", x = as.double(x), y = as.double(y),
                  units = units, doc = doc))
}

# The net rate of a stock, as an equation: inflows minus outflows.
stock_rate <- function(v) {
  if (!is.null(v$rate)) return(v$rate)
  q <- function(x) paste0('"', x, '"')
  terms <- c(if (length(v$inflows)) paste(q(v$inflows), collapse = " + "),
             if (length(v$outflows)) paste0("- ", q(v$outflows), collapse = " "))
  if (!length(terms)) return("0")
  paste(terms, collapse = " ")
}

# How a variable reads as a Vensim equation, for printing.
var_equation <- function(v) {
  if (!is.null(v$vals)) return(paste(format(v$vals), collapse = ", "))
  switch(v$kind,
    stock = sprintf("INTEG(%s, %s)", stock_rate(v), v$init),
    lookup = paste0("(", paste(sprintf("(%s,%s)", format(v$x), format(v$y)), collapse = ", "), ")"),
    data = sprintf("data (%s): %d points, time %s to %s", v$mode, length(v$x), format(min(v$x)), format(max(v$x))),
    v$eqn)
}
