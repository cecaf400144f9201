# Units checking, by Vensim's rules: every variable's declared units are
# parsed into products of named units with exponents, the units of every
# equation are inferred from the engine's own trees (model_links()'s
# nodes: src/sd_links.c, sd_model_flatten) and compared with them.
#
# No units library fits: models name their units freely ("Person",
# "Widgets", "tons CO2", "$"), and Vensim compares them literally, up to
# the equivalences a model declares (Month = Months), never converting
# (Month and Year are different units, not 1/12 of each other).  A unit
# here is a named vector of exponents; dimensionless is the empty vector.

# Parse one units string ("Person/Year", "$/(Widget*Month)", "1/Month",
# "m^2", "Dmnl") into a sorted named vector of exponents; NULL when there
# are no units or they cannot be read.  `alias`: unit name -> the name it
# stands for (equivalences).
parse_units <- function(s, alias = character()) {
  if (is.null(s) || !length(s) || is.na(s[1])) return(NULL)
  s <- trimws(sub("\\[[^]]*\\]\\s*$", "", s[1]))       # a range: [min, max, step]
  if (!nzchar(s)) return(NULL)
  toks <- regmatches(s, gregexpr("\\(|\\)|\\*|/|\\^\\s*-?[0-9.]+|[^()*/^]+", s))[[1]]
  toks <- trimws(toks)
  toks <- toks[nzchar(toks)]
  pos <- 1L
  fail <- FALSE
  expr <- function() {
    u <- term()
    while (pos <= length(toks) && toks[pos] %in% c("*", "/")) {
      op <- toks[pos]; pos <<- pos + 1L
      v <- term()
      u <- units_mul(u, if (op == "*") v else -v)
    }
    u
  }
  term <- function() {
    if (pos > length(toks)) { fail <<- TRUE; return(numeric()) }
    t <- toks[pos]; pos <<- pos + 1L
    u <- if (t == "(") {
      v <- expr()
      if (pos <= length(toks) && toks[pos] == ")") pos <<- pos + 1L else fail <<- TRUE
      v
    } else if (t %in% c(")", "*", "/") || startsWith(t, "^")) {
      fail <<- TRUE; numeric()
    } else unit_atom(t, alias)
    if (pos <= length(toks) && startsWith(toks[pos], "^")) {
      k <- suppressWarnings(as.numeric(sub("^\\^\\s*", "", toks[pos])))
      pos <<- pos + 1L
      if (is.na(k)) fail <<- TRUE else u <- u * k
    }
    u
  }
  u <- expr()
  if (fail || pos <= length(toks)) return(NULL)
  units_norm(u)
}

# One named unit: dimensionless forms are empty; a number is
# dimensionless; a name maps through the equivalences.
unit_atom <- function(t, alias) {
  t <- gsub("\\s+", " ", t)
  if (tolower(t) %in% c("dmnl", "dimensionless", "unitless", "1", "nondimensional", "fraction of 1") ||
      grepl("^[0-9.]+$", t)) return(numeric())
  a <- alias[tolower(t)]
  stats::setNames(1, if (is.na(a)) tolower(t) else a)
}

units_mul <- function(a, b) {
  n <- union(names(a), names(b))
  out <- stats::setNames(numeric(length(n)), n)
  out[names(a)] <- out[names(a)] + a
  out[names(b)] <- out[names(b)] + b
  units_norm(out)
}

units_norm <- function(u) {
  u <- u[abs(u) > 1e-12]
  if (!length(u)) return(stats::setNames(numeric(), character()))
  u[order(names(u))]
}

# "Person/Year", "1/Month", "Dmnl": units for messages, in the model's
# own spelling where known.
format_units <- function(u, spell = character()) {
  if (is.null(u)) return(NA_character_)
  if (!length(u)) return("Dmnl")
  nm <- ifelse(is.na(spell[names(u)]), names(u), spell[names(u)])
  f <- function(k) ifelse(abs(k - 1) < 1e-12, "", paste0("^", format(k)))
  pos <- u > 0
  num <- if (any(pos)) paste0(nm[pos], f(u[pos]), collapse = "*") else "1"
  if (!any(!pos)) return(num)
  den <- paste0(nm[!pos], f(-u[!pos]), collapse = "*")
  if (sum(!pos) > 1) den <- paste0("(", den, ")")
  paste0(num, "/", den)
}

units_equal <- function(a, b) {
  length(a) == length(b) && all(names(a) == names(b)) && all(abs(a - b) < 1e-9)
}

#' Check a model's units
#'
#' `sd_check_units()` does what Vensim's Units Check does: it reads every
#' variable's units, infers the units of every equation from its
#' operators, functions and the units of the variables it uses, and
#' reports where they disagree.
#'
#' Units are products and quotients of named units with powers
#' (`Person/Year`, `$/(Widget*Month)`, `m^2`); `Dmnl`, `dimensionless` and
#' `1` are dimensionless, and a trailing range annotation (`[0, 100, 1]`)
#' is ignored.  Names are compared literally (ignoring case), except for
#' the equivalences the model declares: Vensim's Units Equiv settings in
#' a `.mdl` file (`Month, Months`), XMILE's `<model_units>` aliases, and
#' `equivalences`.  Units are never converted: Month and Year are
#' different units.
#'
#' The rules are Vensim's:
#' * `+`, `-`, comparisons, `MIN`, `MAX` and the arms of `IF THEN ELSE`
#'   need the same units; `*` and `/` multiply and divide them; `x^n`
#'   raises them to a number.
#' * A number takes the units its place needs (`Population + 1`), and is
#'   dimensionless in a product.
#' * A stock's net flow has the stock's units per unit of time; its
#'   initial value, the stock's units.
#' * `Time`, `TIME STEP`, `INITIAL TIME`, `FINAL TIME` and `SAVEPER` have
#'   the model's unit of time; so must the delay or averaging times of
#'   `SMOOTH`, `DELAY1`, `DELAY3`, `TREND` and friends, whose output has the
#'   input's units (`TREND` gives 1/time).
#' * `EXP`, `LN`, `LOG` and the trigonometric functions need dimensionless
#'   arguments; `SQRT` halves powers.
#' * A lookup gives its declared units; its input should be dimensionless
#'   (a warning, as in Vensim).
#' * Variables without units, and functions whose units the checker does
#'   not know (macros, random draws), are not checked: what uses them is
#'   checked where it can be.
#'
#' @param model A model.
#' @param equivalences A list of character vectors, each naming units
#'   that mean the same (`list(c("Person", "People"))`), added to the
#'   model's own.
#' @return A data frame of class `sdvm_units_check`, one row per problem:
#'   `variable`, `equation` (its text), `expected` and `found` (units),
#'   `problem` (what disagrees), `severity` (`"error"` or `"warning"`),
#'   `file` and `line` of the equation.  It has no rows when the units
#'   agree.  Attribute `checked` counts the equations checked.
#' @export
#' @examples
#' m <- sd_model(stop = 10) |>
#'   sd_stock("Population", 100, inflows = "Births", units = "Person") |>
#'   sd_flow("Births", "Population * Birth Rate", units = "Person/Year") |>
#'   sd_const("Birth Rate", 0.03, units = "1/Year") |>
#'   sd_aux("Crowding", "Population + Birth Rate", units = "Person")
#' sd_check_units(m)
sd_check_units <- function(model, equivalences = list()) {
  check_model(model)
  if (!is.list(equivalences) || !all(vapply(equivalences, is.character, NA)))
    sdvm_abort("`equivalences` must be a list of character vectors.", "sdvm_param_error")
  ml <- model_links(model)
  vars <- ml$vars
  groups <- c(model$unit_equivalences, equivalences)
  alias <- character()
  spell <- character()
  for (g in groups) {
    g <- gsub("\\s+", " ", trimws(g))
    g <- g[nzchar(g)]
    if (length(g) < 2) next
    alias[tolower(g)] <- tolower(g[1])
    spell[tolower(g[1])] <- g[1]
  }
  # declared units of every engine variable (the R model's, by name)
  rkey <- canon_name(vapply(model$vars, function(v) v$name, ""))
  declared_text <- vapply(model$vars, function(v) if (is.null(v$units)) NA_character_ else as.character(v$units)[1], "")
  vt <- declared_text[match(canon_name(vars$name), rkey)]
  time_text <- model_time_units(model)
  time_u <- if (is.null(time_text) || is.na(time_text)) NULL else parse_units(time_text, alias)
  declared <- lapply(vt, parse_units, alias = alias)
  # spellings for messages: the first seen of each name
  for (t in c(vt[!is.na(vt)], time_text)) {
    t <- sub("\\[[^]]*\\]\\s*$", "", t)
    for (a in strsplit(t, "[()*/^]")[[1]]) {
      a <- gsub("\\s+", " ", trimws(a))
      k <- tolower(a)
      k <- if (!is.na(alias[k])) alias[k] else k
      if (nzchar(a) && is.na(spell[k])) spell[k] <- a
    }
  }
  ctrl <- which(vars$control)
  for (i in ctrl) if (is.null(declared[[i]])) declared[i] <- list(time_u)

  nodes <- ml$nodes
  roots <- ml$roots
  spec <- ml$spec
  spec_rows <- split(seq_along(spec$name), canon_name(spec$name))
  problems <- list()
  fmt <- function(u) format_units(u, spell)
  checked <- 0L
  for (r in seq_along(roots$var)) {
    vi <- roots$var[r]
    if (vars$control[vi] && is.null(declared[[vi]])) next
    rows <- spec_rows[[canon_name(vars$name[vi])]]
    row <- if (length(rows) >= roots$def[r]) rows[roots$def[r]] else rows[1]
    text <- if (roots$field[r] == 1L) spec$init[row] else spec$eqn[row]
    line <- roots$file_line[r]
    st <- new.env(parent = emptyenv())
    st$problems <- list()
    note <- function(problem, expected = NA_character_, found = NA_character_, severity = "error")
      st$problems[[length(st$problems) + 1L]] <- list(problem = problem, expected = expected,
                                                      found = found, severity = severity)
    at <- roots$first[r]
    walk <- function() {
      k <- at
      at <<- at + 1L
      kind <- nodes$kind[k]
      nargs <- nodes$nargs[k]
      args <- if (nargs > 0) lapply(seq_len(nargs), function(j) walk()) else list()
      units_of_node(kind, nodes$op[k], nodes$name[k], nodes$num[k], args, vars, declared, time_u, note, fmt)
    }
    found <- walk()
    checked <- checked + 1L
    want <- declared[[vi]]
    is_stock <- vars$kind[vi] == "stock"
    if (is_stock && roots$field[r] == 0L) {
      want <- if (is.null(want) || is.null(time_u)) NULL else units_mul(want, -time_u)
      what <- "net flow"
    } else what <- if (roots$field[r] == 1L) "initial value" else "equation"
    if (!is.null(want) && identical(found$t, "k") && !units_equal(found$u, want))
      note(sprintf("the %s has units %s, not the %s%s declared", what, fmt(found$u), fmt(want),
                   if (is_stock && what == "net flow") " per unit of time the stock's units make" else ""),
           fmt(want), fmt(found$u))
    for (p in st$problems)
      problems[[length(problems) + 1L]] <- data.frame(
        variable = vars$name[vi], equation = text, expected = p$expected, found = p$found,
        problem = p$problem, severity = p$severity, file = if (is.null(model$file)) NA_character_ else model$file,
        line = if (line > 0) line else NA_integer_, stringsAsFactors = FALSE)
  }
  out <- if (length(problems)) do.call(rbind, problems) else
    data.frame(variable = character(), equation = character(), expected = character(), found = character(),
               problem = character(), severity = character(), file = character(), line = integer(),
               stringsAsFactors = FALSE)
  rownames(out) <- NULL
  structure(out, class = c("sdvm_units_check", "data.frame"), checked = checked,
            model = model_label(model))
}

# Units of a node from its arguments' units: list(t = "k" known, "n" a
# number (fits any units), "?" unknown; u = exponents).
units_of_node <- function(kind, op, name, num, args, vars, declared, time_u, note, fmt) {
  K <- function(u) list(t = "k", u = units_norm(u))
  N <- list(t = "n", u = numeric())
  U <- list(t = "?", u = NULL)
  D <- K(numeric())
  known <- function(a) identical(a$t, "k")
  # operands that must agree: the first known one's units, else a number
  agree <- function(xs, what) {
    ks <- Filter(known, xs)
    if (!length(ks)) return(if (all(vapply(xs, function(a) identical(a$t, "n"), NA))) N else U)
    for (a in ks[-1]) if (!units_equal(a$u, ks[[1]]$u)) {
      note(sprintf("%s: %s and %s differ", what, fmt(ks[[1]]$u), fmt(a$u)), fmt(ks[[1]]$u), fmt(a$u))
      return(U)
    }
    ks[[1]]
  }
  need <- function(a, u, what, severity = "error") {
    if (known(a) && !is.null(u) && !units_equal(a$u, u))
      note(sprintf("%s should have units %s, has %s", what, fmt(u), fmt(a$u)), fmt(u), fmt(a$u), severity)
  }
  dmnl <- function(a, what, severity = "error") need(a, numeric(), what, severity)
  switch(as.character(kind),
    "0" = list(t = "n", u = numeric(), v = num),
    "1" = {
      if (identical(name, "time")) return(if (is.null(time_u)) U else K(time_u))
      i <- match(name, canon_name(vars$name))
      if (is.na(i) || is.null(declared[[i]])) U else K(declared[[i]])
    },
    "2" = if (op == 15L) D else {                        # :NOT: gives 0 or 1
      a <- args[[1]]
      if (op == 13L && !is.null(a$v)) a$v <- -a$v
      a
    },
    "3" = {
      a <- args[[1]]; b <- args[[2]]
      if (op %in% 0:1) return(agree(list(a, b), if (op == 0L) "adding" else "subtracting"))
      if (op %in% 5:10) { agree(list(a, b), "comparing"); return(D) }
      if (op %in% 11:12) return(D)
      if (op == 4L) {
        # x^k with k a written number raises x's units to k
        if (identical(b$t, "n") && !is.null(b$v)) return(if (known(a)) K(a$u * b$v) else a)
        dmnl(b, "an exponent")
        dmnl(a, "the base of a power that is not a number")
        return(if (known(a)) D else if (identical(a$t, "n")) N else U)
      }
      if (!known(a) && !known(b)) return(if (identical(a$t, "n") && identical(b$t, "n")) N else U)
      if (identical(a$t, "?") || identical(b$t, "?")) return(U)
      ua <- if (known(a)) a$u else numeric()
      ub <- if (known(b)) b$u else numeric()
      K(units_mul(ua, if (op == 2L) ub else -ub))
    },
    "4" = units_of_call(name, args, vars, declared, time_u, note, fmt, agree, need, dmnl, K, N, U, D),
    "5" = U,
    U)
}

units_of_call <- function(name, args, vars, declared, time_u, note, fmt, agree, need, dmnl, K, N, U, D) {
  known <- function(a) identical(a$t, "k")
  nm <- toupper(name)
  timed <- function(j) if (length(args) >= j) need(args[[j]], time_u, sprintf("argument %d of %s (a time)", j, nm))
  i <- match(name, canon_name(vars$name))
  if (!is.na(i)) {                                   # a lookup called on its input
    if (length(args)) dmnl(args[[1]], sprintf("the input of lookup '%s'", vars$name[i]), "warning")
    return(if (is.null(declared[[i]])) U else K(declared[[i]]))
  }
  a1 <- if (length(args)) args[[1]] else U
  switch(name,
    "abs" = , "integer" = , "sum" = , "vmin" = , "vmax" = , "initial" = a1,
    "sample if true" = agree(args[2:3], "the value and initial value of SAMPLE IF TRUE"),
    "min" = , "max" = , "modulo" = , "quantum" = , "active initial" = agree(args, nm),
    "exp" = , "ln" = , "sin" = , "cos" = , "tan" = , "arcsin" = , "arccos" = , "arctan" = ,
    "sinh" = , "cosh" = , "tanh" = , "gamma ln" = , "std normal cdf" = , "std normal inverse" = {
      dmnl(a1, sprintf("the argument of %s", nm)); D },
    "log" = { dmnl(a1, "the argument of LOG"); if (length(args) > 1) dmnl(args[[2]], "the base of LOG"); D },
    "sqrt" = if (known(a1)) K(a1$u / 2) else a1,
    "power" = {
      b <- if (length(args) > 1) args[[2]] else U
      if (identical(b$t, "n") && !is.null(b$v)) return(if (known(a1)) K(a1$u * b$v) else a1)
      dmnl(b, "the exponent of POWER")
      dmnl(a1, "the base of POWER")
      if (known(a1)) D else a1
    },
    "xidz" = {
      q <- if (known(args[[1]]) || known(args[[2]]))
        K(units_mul(if (known(args[[1]])) args[[1]]$u else numeric(), -(if (known(args[[2]])) args[[2]]$u else numeric())))
        else if (identical(args[[1]]$t, "?") || identical(args[[2]]$t, "?")) U else N
      if (identical(args[[1]]$t, "?") || identical(args[[2]]$t, "?")) q <- U
      agree(list(q, args[[3]]), "XIDZ's quotient and its value for a zero divisor")
    },
    "zidz" = {
      if (identical(args[[1]]$t, "?") || identical(args[[2]]$t, "?")) return(U)
      K(units_mul(if (known(args[[1]])) args[[1]]$u else numeric(), -(if (known(args[[2]])) args[[2]]$u else numeric())))
    },
    "if then else" = agree(args[2:3], "the two arms of IF THEN ELSE"),
    "step" = { timed(2); a1 },
    "pulse" = { timed(1); timed(2); D },
    "pulse train" = { timed(1); timed(2); timed(3); timed(4); D },
    "ramp" = { timed(2); timed(3); if (known(a1) && !is.null(time_u)) K(units_mul(a1$u, time_u)) else U },
    "smooth" = , "smooth3" = , "delay1" = , "delay3" = { timed(2); a1 },
    "smoothi" = , "smooth3i" = , "delay1i" = , "delay3i" = , "delay fixed" = {
      timed(2); agree(list(a1, args[[3]]), sprintf("the input and initial value of %s", nm)) },
    "smooth n" = , "delay n" = {
      timed(2); dmnl(args[[4]], sprintf("the order of %s", nm))
      agree(list(a1, args[[3]]), sprintf("the input and initial value of %s", nm)) },
    "trend" = {
      # TREND gives a fractional change per unit of time, and so does its
      # initial value
      timed(2)
      if (!is.null(time_u)) need(args[[3]], -time_u, "the initial trend of TREND")
      if (is.null(time_u)) U else K(-time_u)
    },
    "forecast" = { timed(2); timed(3); a1 },
    "with lookup" = { dmnl(a1, "the input of WITH LOOKUP", "warning"); U },
    "elmcount" = D,
    U)
}

#' @export
print.sdvm_units_check <- function(x, n = 20, ...) {
  if (!all(c("variable", "problem", "severity", "file", "line") %in% names(x))) {
    print(as.data.frame(unclass(x), stringsAsFactors = FALSE), ...)
    return(invisible(x))
  }
  k <- nrow(x)
  err <- sum(x$severity == "error")
  cat(sprintf("Units check of %s: %d equation%s checked, %d error%s, %d warning%s\n", attr(x, "model"),
              attr(x, "checked"), if (identical(attr(x, "checked"), 1L)) "" else "s",
              err, if (err == 1) "" else "s", k - err, if (k - err == 1) "" else "s"))
  for (i in seq_len(min(n, k))) {
    where <- if (!is.na(x$line[i])) sprintf(" (%s, line %d)", basename(x$file[i]), x$line[i]) else ""
    cat(sprintf("[%s] '%s'%s: %s\n", x$severity[i], x$variable[i], where, x$problem[i]))
  }
  if (k > n) cat(sprintf("... and %d more\n", k - n))
  invisible(x)
}
