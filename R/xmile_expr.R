# XMILE expressions: a tokenizer and a recursive-descent parser that turn
# an XMILE equation into a small syntax tree (xmile_parse()), and an
# emitter that writes the tree as an equation in the engine's (Vensim)
# language (xmile_emit()).  The emitter parenthesizes every operation, so
# XMILE's precedence (decided here) is kept whatever the engine's is.
#
# Precedence, loosest first (XMILE 1.0, 3.3.1):  OR;  AND;  = <> ;
# < <= > >= ;  + - ;  * / MOD ;  unary + - NOT ;  ^ ;  calls, subscripts.
# So -2^2 is -(2^2) = -4 (SDXorg test-models/exponentiation), and ^ groups
# to the left.

# --- tokens ---------------------------------------------------------------

# Tokens as a list of list(k = kind, v = text, pos = 1-based offset).
# Kinds: num, name (v: the name, q: quoted?), op, lp, rp, lb, rb, comma,
# colon, eof.  Keywords (IF, AND, MOD, ...) are names here; the parser
# decides by position, so a variable may be called "mod".
xmile_tokens <- function(text) {
  chars <- strsplit(text, "")[[1]]
  n <- length(chars)
  toks <- vector("list", 0)
  i <- 1L
  add <- function(k, v, pos, q = FALSE) toks[[length(toks) + 1L]] <<- list(k = k, v = v, pos = pos, q = q)
  is_digit <- function(c) grepl("^[0-9]$", c)
  is_start <- function(c) grepl("^[[:alpha:]_]$", c, perl = TRUE) || utf8ToInt(c)[1] >= 128L
  is_cont <- function(c) grepl("^[[:alnum:]_$]$", c, perl = TRUE) || utf8ToInt(c)[1] >= 128L
  while (i <= n) {
    c <- chars[i]
    if (grepl("^[[:space:]]$", c)) { i <- i + 1L; next }
    if (c == "{") {                       # {comment}
      close <- which(chars[i:n] == "}")
      if (!length(close)) return(xmile_syntax_error("a '{' comment is not closed", i))
      i <- i + close[1]
      next
    }
    start <- i
    if (is_digit(c) || (c == "." && i < n && is_digit(chars[i + 1L]))) {
      m <- regmatches(substr(text, i, nchar(text)),
                      regexpr("^([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?", substr(text, i, nchar(text))))
      add("num", m, start)
      i <- i + nchar(m)
      next
    }
    if (c == '"') {                       # "quoted name", \" and \\ escaped
      j <- i + 1L
      buf <- character()
      while (j <= n && chars[j] != '"') {
        if (chars[j] == "\\" && j < n) { j <- j + 1L; buf <- c(buf, if (chars[j] == "n") " " else chars[j]) }
        else buf <- c(buf, chars[j])
        j <- j + 1L
      }
      if (j > n) return(xmile_syntax_error("a quoted name is not closed", start))
      add("name", paste(buf, collapse = ""), start, q = TRUE)
      i <- j + 1L
      next
    }
    if (is_start(c)) {
      j <- i
      # a dot joins module-qualified names (lynxes.hare_density)
      while (j < n && (is_cont(chars[j + 1L]) ||
                       (chars[j + 1L] == "." && j + 1L < n && is_start(chars[j + 2L])))) j <- j + 1L
      add("name", paste(chars[i:j], collapse = ""), start)
      i <- j + 1L
      next
    }
    two <- if (i < n) paste0(c, chars[i + 1L]) else ""
    if (two %in% c("<=", ">=", "<>", "!=", "==")) {
      add("op", c("<=" = "<=", ">=" = ">=", "<>" = "<>", "!=" = "<>", "==" = "=")[[two]], start)
      i <- i + 2L
      next
    }
    # a' is a transposed (XMILE 1.0 3.7.1): after a name or a ']'
    if (c == "'" && length(toks) && toks[[length(toks)]]$k %in% c("name", "rb")) {
      add("tr", c, start)
      i <- i + 1L
      next
    }
    k <- switch(c, "(" = "lp", ")" = "rp", "[" = "lb", "]" = "rb", "," = "comma", ":" = "colon",
                "+" = , "-" = , "*" = , "/" = , "^" = , "<" = , ">" = , "=" = "op", NA)
    if (is.na(k)) return(xmile_syntax_error(sprintf("unexpected character '%s'", c), start))
    add(k, c, start)
    i <- i + 1L
  }
  add("eof", "", n + 1L)
  toks
}

# A syntax problem, as a value the caller turns into a classed error with
# the variable and file around it.
xmile_syntax_error <- function(msg, pos) structure(list(message = msg, pos = pos), class = "xmile_syntax")

# --- parser ---------------------------------------------------------------

# The syntax tree of an XMILE equation; nodes are lists with `t`:
#   num (v), name (v, subs: list of subscript nodes or NULL), star (dim),
#   call (f, args), bin (op, a, b), un (op, a), if (c, a, b).
# On a syntax error returns an xmile_syntax object (message, pos).
# `fnames`: canonical names of functions (macros) whose names have spaces;
# Stella writes calls to them unquoted ("EXPRESSION MACRO(x, y)").
xmile_parse <- function(text, fnames = character()) {
  toks <- xmile_tokens(text)
  if (inherits(toks, "xmile_syntax")) return(toks)
  i <- 1L
  peek <- function(off = 0L) toks[[min(i + off, length(toks))]]
  kw <- function(t, word) t$k == "name" && !t$q && toupper(t$v) == word
  fail <- function(msg, t = peek()) stop(structure(class = c("xmile_syntax", "error", "condition"),
                                                  list(message = msg, pos = t$pos, call = NULL)))
  what <- function(t) if (t$k == "eof") "the end of the equation" else sprintf("'%s'", t$v)
  expect <- function(k, label) {
    t <- peek()
    if (t$k != k) fail(sprintf("expected %s but found %s", label, what(t)))
    i <<- i + 1L
    t
  }
  binary <- function(next_level, ops, words = character()) {
    function() {
      lhs <- next_level()
      repeat {
        t <- peek()
        op <- if (t$k == "op" && t$v %in% ops) t$v
              else if (length(words) && t$k == "name" && !t$q && toupper(t$v) %in% words) toupper(t$v)
              else break
        i <<- i + 1L
        lhs <- list(t = "bin", op = op, a = lhs, b = next_level(), pos = t$pos)
      }
      lhs
    }
  }
  primary <- function() {
    t <- peek()
    if (t$k == "num") { i <<- i + 1L; return(list(t = "num", v = t$v, pos = t$pos)) }
    if (t$k == "lp") {
      i <<- i + 1L
      e <- expr()
      expect("rp", "')'")
      return(e)
    }
    if (kw(t, "IF")) {
      i <<- i + 1L
      cond <- expr()
      if (!kw(peek(), "THEN")) fail(sprintf("expected THEN but found %s", what(peek())))
      i <<- i + 1L
      a <- expr()
      if (!kw(peek(), "ELSE")) fail(sprintf("expected ELSE but found %s", what(peek())))
      i <<- i + 1L
      return(list(t = "if", c = cond, a = a, b = expr(), pos = t$pos))
    }
    if (t$k == "name") {
      if (!t$q && length(fnames)) {
        j <- 0L
        while (peek(j + 1L)$k == "name" && !peek(j + 1L)$q) j <- j + 1L
        words <- vapply(0:j, function(o) peek(o)$v, "")
        if (j > 0 && peek(j + 1L)$k == "lp" && canon_name(paste(words, collapse = " ")) %in% fnames) {
          t$v <- paste(words, collapse = " ")
          i <<- i + j
        }
      }
      i <<- i + 1L
      if (peek()$k == "lp" && !t$q) {
        i <<- i + 1L
        args <- list()
        if (peek()$k != "rp") repeat {
          args[[length(args) + 1L]] <- expr()
          if (peek()$k == "comma") { i <<- i + 1L; next }
          break
        }
        expect("rp", "')' or ','")
        return(list(t = "call", f = t$v, args = args, pos = t$pos))
      }
      node <- list(t = "name", v = t$v, subs = NULL, pos = t$pos)
      if (peek()$k == "lb") {
        i <<- i + 1L
        subs <- list()
        repeat {
          s <- peek()
          if (s$k == "op" && s$v == "*") {         # * or *:Dim
            i <<- i + 1L
            dim <- NULL
            if (peek()$k == "colon") { i <<- i + 1L; dim <- expect("name", "a dimension name")$v }
            subs[[length(subs) + 1L]] <- list(t = "star", dim = dim, pos = s$pos)
          } else {
            e1 <- expr()
            if (peek()$k == "colon") {             # a range of elements: a[2:4]
              i <<- i + 1L
              e1 <- list(t = "range", from = e1, to = expr(), pos = s$pos)
            }
            subs[[length(subs) + 1L]] <- e1
          }
          if (peek()$k == "comma") { i <<- i + 1L; next }
          break
        }
        expect("rb", "']' or ','")
        node$subs <- subs
      }
      if (peek()$k == "tr") { i <<- i + 1L; node$transpose <- TRUE }
      return(node)
    }
    fail(sprintf("expected a number, a name or '(' but found %s", what(t)))
  }
  power <- function() {
    lhs <- primary()
    while (peek()$k == "op" && peek()$v == "^") {
      t <- peek()
      i <<- i + 1L
      # the exponent may carry a sign: 2^-1
      rhs <- if (peek()$k == "op" && peek()$v %in% c("-", "+")) {
        s <- peek(); i <<- i + 1L; list(t = "un", op = s$v, a = primary(), pos = s$pos)
      } else primary()
      lhs <- list(t = "bin", op = "^", a = lhs, b = rhs, pos = t$pos)
    }
    lhs
  }
  unary <- function() {
    t <- peek()
    if (t$k == "op" && t$v %in% c("-", "+")) { i <<- i + 1L; return(list(t = "un", op = t$v, a = unary(), pos = t$pos)) }
    if (kw(t, "NOT")) { i <<- i + 1L; return(list(t = "un", op = "NOT", a = unary(), pos = t$pos)) }
    power()
  }
  mult <- binary(unary, c("*", "/"), "MOD")
  add <- binary(mult, c("+", "-"))
  rel <- binary(add, c("<", "<=", ">", ">="))
  eq <- binary(rel, c("=", "<>"))
  and <- binary(eq, character(), "AND")
  expr <- binary(and, character(), "OR")
  res <- tryCatch({
    e <- expr()
    if (peek()$k != "eof") fail(sprintf("unexpected %s after a complete expression", what(peek())))
    e
  }, xmile_syntax = function(e) xmile_syntax_error(conditionMessage(e), e$pos))
  res
}

# A number list ("1, 2, 3"): the values of an arrayed constant, else NULL.
xmile_number_list <- function(text) {
  parts <- trimws(strsplit(text, ",", fixed = TRUE)[[1]])
  if (length(parts) < 2) return(NULL)
  ok <- grepl("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$", parts)
  if (!all(ok)) return(NULL)
  as.numeric(parts)
}

# --- emitter --------------------------------------------------------------

# A name as the engine reads it: quoted unless it is plain words.
vensim_name <- function(x) {
  if (grepl("^[A-Za-z][A-Za-z0-9_ ]*$", x) && !grepl(" $", x)) return(x)
  paste0('"', gsub('"', '\\\\"', x), '"')
}

# XMILE names: "\n" in a name is a line break; case, runs of spaces and
# underscores do not matter (canon_name()).
xmile_display <- function(x) trimws(gsub("[[:space:]]+", " ", gsub("\\n", " ", x, fixed = TRUE)))
xmile_canon <- function(x) canon_name(xmile_display(x))

# The names XMILE equations use for the time settings.
xmile_time_names <- c(time = "Time", dt = "TIME STEP", starttime = "INITIAL TIME",
                      stoptime = "FINAL TIME", "time step" = "TIME STEP",
                      "initial time" = "INITIAL TIME", "final time" = "FINAL TIME",
                      saveper = "SAVEPER")

# Write `node` (from xmile_parse()) as engine text.  `ctx` is an
# environment with:
#   resolve(name) -> NULL or list(name, dims, gf = NULL | list(table, type));
#   dims (list: dimension -> elements), lhs_dims, lhs_elems (elements the
#   equation is for, aligned with lhs_dims, or NULL), macros (canonical ->
#   name), fail(message, pos) which raises the classed error;
#   bang: dimensions summed over by the last aggregate (for MEAN, SIZE).
xmile_emit <- function(node, ctx, agg = FALSE) {
  em <- function(n, a = agg) xmile_emit(n, ctx, a)
  switch(node$t,
    num = if (startsWith(node$v, ".")) paste0("0", node$v) else node$v,
    un = if (node$op == "NOT") sprintf("(:NOT: %s)", em(node$a)) else sprintf("(%s%s)", node$op, em(node$a)),
    bin = switch(node$op,
      MOD = xmile_mod(em(node$a), em(node$b), ctx),
      AND = sprintf("(%s :AND: %s)", em(node$a), em(node$b)),
      OR = sprintf("(%s :OR: %s)", em(node$a), em(node$b)),
      sprintf("(%s %s %s)", em(node$a), node$op, em(node$b))),
    "if" = sprintf("IF THEN ELSE(%s, %s, %s)", em(node$c), em(node$a), em(node$b)),
    name = xmile_emit_name(node, ctx, agg),
    star = ctx$fail("'*' is only allowed as a subscript", node$pos),
    call = xmile_emit_call(node, ctx, agg))
}

# Which dimension of `ctx$dims` a name is, or NA.
xmile_dim_of <- function(ctx, x) {
  k <- match(xmile_canon(x), xmile_canon(names(ctx$dims)))
  if (is.na(k)) NA_character_ else names(ctx$dims)[k]
}

# A variable reference with its subscripts.  Without subscripts an arrayed
# variable means all of it: its own dimensions (each element's own, in an
# element's equation), summed over inside an aggregate (SUM, MEAN, ...).
xmile_emit_name <- function(node, ctx, agg) {
  info <- ctx$resolve(node$v)
  if (is.null(info)) {
    key <- xmile_canon(node$v)
    if (is.null(node$subs) && key %in% names(xmile_time_names)) return(xmile_time_names[[key]])
    if (is.null(node$subs) && key == "pi") return("3.141592653589793")
    if (is.null(node$subs) && key == "inf") return("(1e308 * 10)")
    # a dimension of the variable being defined, as a value: the number of
    # the element being computed (XMILE 1.0 3.7.1)
    d <- if (is.null(node$subs)) xmile_dim_of(ctx, node$v) else NA
    # Dim.element as a value: the element's number in its dimension
    if (is.na(d) && is.null(node$subs) && grepl(".", node$v, fixed = TRUE)) {
      dd <- xmile_dim_of(ctx, sub("\\..*$", "", node$v))
      if (!is.na(dd)) {
        k <- match(xmile_canon(sub("^[^.]*\\.", "", node$v)), xmile_canon(ctx$dims[[dd]]))
        if (!is.na(k)) return(as.character(k))
      }
    }
    if (!is.na(d)) {
      j <- match(d, ctx$lhs_dims)
      if (is.na(j))
        ctx$fail(sprintf("dimension '%s' is used as a value, but '%s' is not one of this variable's dimensions",
                         d, d), node$pos)
      if (!is.null(ctx$lhs_elems)) return(as.character(match(ctx$lhs_elems[j], ctx$dims[[d]])))
      return(vensim_name(d))
    }
    # SELF: the variable whose equation this is (PREVIOUS(SELF, 0),
    # SIZE(SELF))
    if (key == "self" && !is.null(ctx$self) && !identical(xmile_canon(ctx$self), "self")) {
      node$v <- ctx$self
      return(xmile_emit_name(node, ctx, agg))
    }
    ctx$fail(sprintf("'%s' is not defined", xmile_display(node$v)), node$pos)
  }
  if (isTRUE(info$standalone))
    ctx$fail(sprintf("'%s' is a graphical function: call it as LOOKUP(%s, x)", info$name, node$v), node$pos)
  nd <- length(info$dims)
  subs <- node$subs
  if (isTRUE(node$transpose)) {
    # the engine matches subscripts by dimension name, so a' of an array
    # with distinct dimensions is a, placed by the dimensions of the
    # variable it is assigned to
    if (!is.null(subs) || nd < 2 || anyDuplicated(info$dims))
      ctx$fail(sprintf("transposing '%s' is supported for a whole array whose dimensions differ", info$name),
               node$pos)
  }
  if (is.null(subs)) {
    if (!nd) return(vensim_name(info$name))
    subs <- lapply(info$dims, function(d) if (agg) list(t = "star", dim = NULL) else list(t = "name", v = d, subs = NULL))
  }
  if (length(subs) != nd)
    ctx$fail(sprintf("'%s' has %d dimension%s but is used with %d subscript%s", info$name, nd,
                     if (nd == 1) "" else "s", length(subs), if (length(subs) == 1) "" else "s"), node$pos)
  # a subscript computed from an expression (a[INT(TIME MOD 5) + 1]):
  # that position starts at its first element and VECTOR ELM MAP moves
  # along the stored order (the positions after it vary faster)
  is_var <- function(s, k) {
    # a plain name that is neither a dimension nor an element here, but a variable
    s$t == "name" && is.null(s$subs) && is.na(xmile_dim_of(ctx, s$v)) &&
      is.na(match(xmile_canon(s$v), xmile_canon(ctx$dims[[info$dims[k]]]))) && !is.null(ctx$resolve(s$v))
  }
  computed <- which(vapply(seq_along(subs), function(k) { s <- subs[[k]]
    !(s$t %in% c("name", "num", "star", "range")) || (s$t == "name" && !is.null(s$subs)) || is_var(s, k) }, NA))
  if (length(computed) > 1)
    ctx$fail(sprintf("'%s' has more than one subscript computed from an expression", info$name), node$pos)
  if (length(computed)) {
    j <- computed
    idx <- xmile_emit(subs[[j]], ctx, FALSE)
    subs[[j]] <- list(t = "num", v = "1")
    stride <- prod(vapply(info$dims[-seq_len(j)], function(d) length(ctx$dims[[d]]), 1))
    out <- vapply(seq_len(nd), function(k) xmile_emit_sub(subs[[k]], info$dims[k], ctx, agg, info$name), "")
    return(sprintf("VECTOR ELM MAP(%s[%s], ((%s) - 1) * %s)", vensim_name(info$name), paste(out, collapse = ","),
                   idx, format(stride)))
  }
  out <- vapply(seq_len(nd), function(k) xmile_emit_sub(subs[[k]], info$dims[k], ctx, agg, info$name), "")
  paste0(vensim_name(info$name), "[", paste(out, collapse = ","), "]")
}

# One subscript of a reference to a variable whose k-th dimension is `dim`.
xmile_emit_sub <- function(s, dim, ctx, agg, var) {
  # a dimension: the element being defined, summed over, or the dimension
  as_dim <- function(d) {
    j <- match(d, ctx$lhs_dims)
    if (!is.na(j) && !is.null(ctx$lhs_elems)) return(vensim_name(ctx$lhs_elems[j]))
    if (agg && is.na(j)) { ctx$bang <- union(ctx$bang, d); return(paste0(vensim_name(d), "!")) }
    vensim_name(d)
  }
  if (s$t == "star") {
    d <- if (is.null(s$dim)) dim else xmile_dim_of(ctx, s$dim)
    if (is.na(d)) ctx$fail(sprintf("'%s' is not a dimension", s$dim), s$pos)
    if (agg) { ctx$bang <- union(ctx$bang, d); return(paste0(vensim_name(d), "!")) }
    return(as_dim(d))
  }
  elems <- ctx$dims[[dim]]
  if (s$t == "range") {
    # the elements from .. to, as a range of their own (a subrange of dim)
    at <- function(x) {
      if (x$t == "num") return(suppressWarnings(as.integer(x$v)))
      if (x$t == "name" && is.null(x$subs)) {
        k <- match(xmile_canon(sub("^.*\\.", "", x$v)), xmile_canon(elems))
        if (!is.na(k)) return(k)
      }
      ctx$fail(sprintf("a range of '%s' needs element numbers or names at its ends", var), s$pos)
    }
    k1 <- at(s$from); k2 <- at(s$to)
    if (is.na(k1) || is.na(k2) || k1 < 1 || k2 > length(elems) || k1 > k2)
      ctx$fail(sprintf("range %s:%s is outside dimension '%s' (1 to %d)", k1, k2, dim, length(elems)), s$pos)
    d2 <- sprintf("%s %s to %s", dim, elems[k1], elems[k2])
    if (is.null(ctx$dims[[d2]])) ctx$add_dim(d2, elems[k1:k2])
    if (agg) { ctx$bang <- union(ctx$bang, d2); return(paste0(vensim_name(d2), "!")) }
    return(vensim_name(d2))
  }
  if (s$t == "name" && is.null(s$subs)) {
    d <- xmile_dim_of(ctx, s$v)
    if (!is.na(d)) return(as_dim(d))
    key <- xmile_canon(s$v)
    # an element, possibly written Dim.element
    k <- match(key, xmile_canon(elems))
    if (is.na(k) && grepl(".", s$v, fixed = TRUE)) k <- match(xmile_canon(sub("^[^.]*\\.", "", s$v)), xmile_canon(elems))
    if (!is.na(k)) return(vensim_name(elems[k]))
    ctx$fail(sprintf("'%s' is neither a dimension nor an element of '%s' (subscript of '%s')",
                     xmile_display(s$v), dim, var), s$pos)
  }
  if (s$t == "num") {
    k <- suppressWarnings(as.numeric(s$v))
    if (k == round(k) && k >= 1 && k <= length(elems)) return(vensim_name(elems[k]))
    ctx$fail(sprintf("subscript %s is outside dimension '%s' (1 to %d)", s$v, dim, length(elems)), s$pos)
  }
  ctx$fail(sprintf("subscript of '%s': only dimensions, elements, element numbers and * are supported", var), s$pos)
}

# Builtins that map one to one: XMILE name -> engine name, arity range.
xmile_simple_fns <- list(
  abs = list("ABS", 1, 1), exp = list("EXP", 1, 1), ln = list("LN", 1, 1),
  sqrt = list("SQRT", 1, 1), sin = list("SIN", 1, 1), cos = list("COS", 1, 1),
  tan = list("TAN", 1, 1), arcsin = list("ARCSIN", 1, 1), arccos = list("ARCCOS", 1, 1),
  arctan = list("ARCTAN", 1, 1), sinh = list("SINH", 1, 1), cosh = list("COSH", 1, 1),
  tanh = list("TANH", 1, 1), integer = list("INTEGER", 1, 1),
  modulo = list("MODULO", 2, 2), step = list("STEP", 2, 2),
  ramp = list("RAMP", 2, 3), if_then_else = list("IF THEN ELSE", 3, 3),
  init = list("INITIAL", 1, 1), initial = list("INITIAL", 1, 1), log = list("LOG", 1, 2),
  xidz = list("XIDZ", 3, 3), zidz = list("ZIDZ", 2, 2), quantum = list("QUANTUM", 2, 2))

# A function call: a builtin (XMILE spelling), a macro, or a graphical
# function called by name.
xmile_emit_call <- function(node, ctx, agg) {
  f <- gsub("[[:space:]_]+", "_", tolower(node$f))
  args <- node$args
  na <- length(args)
  em <- function(n, a = agg) xmile_emit(n, ctx, a)
  arity <- function(lo, hi = lo) {
    if (na < lo || na > hi)
      ctx$fail(sprintf("%s takes %s argument%s, not %d", toupper(node$f),
                       if (lo == hi) lo else sprintf("%d to %d", lo, hi), if (hi == 1) "" else "s", na), node$pos)
  }
  call <- function(name, xs) sprintf("%s(%s)", name, paste(xs, collapse = ", "))
  ems <- function(xs) vapply(xs, em, "")
  # an aggregate over arrays: its arguments summed over their dimensions
  agg_arg <- function(n) {
    ctx$bang <- character()
    s <- xmile_emit(n, ctx, TRUE)
    list(text = s, n = prod(vapply(ctx$bang, function(d) length(ctx$dims[[d]]), 1)),
         array = length(ctx$bang) > 0)
  }
  # the model's own names first: a graphical function called by name, a macro
  info <- ctx$resolve(node$f)
  if (!is.null(info) && !is.null(info$gf)) {
    arity(1)
    return(xmile_gf_call(info, em(args[[1]])))
  }
  mkey <- match(xmile_canon(node$f), names(ctx$macros))
  if (!is.na(mkey)) return(call(vensim_name(ctx$macros[[mkey]]), ems(args)))
  if (!is.null(xmile_simple_fns[[f]])) {
    sp <- xmile_simple_fns[[f]]
    arity(sp[[2]], sp[[3]])
    return(call(sp[[1]], ems(args)))
  }
  switch(f,
    int = { arity(1); if (isTRUE(ctx$vensim)) call("INTEGER", em(args[[1]])) else xmile_floor(em(args[[1]])) },
    mod = { arity(2); xmile_mod(em(args[[1]]), em(args[[2]]), ctx) },
    vmin = , vmax = { arity(1); call(toupper(f), agg_arg(args[[1]])$text) },
    log10 = { arity(1); call("LOG", c(em(args[[1]]), "10")) },
    pi = { arity(0); "3.141592653589793" },
    min = , max = {
      if (na == 1) {
        a <- agg_arg(args[[1]])
        if (!a$array) return(em(args[[1]]))
        return(call(if (f == "min") "VMIN" else "VMAX", a$text))
      }
      if (na < 1) arity(1, Inf)
      xs <- ems(args)
      Reduce(function(a, b) call(toupper(f), c(a, b)), xs)
    },
    sum = , prod = { arity(1); call(toupper(f), agg_arg(args[[1]])$text) },
    mean = {
      if (na == 1) {
        a <- agg_arg(args[[1]])
        return(if (a$array) sprintf("(SUM(%s) / %s)", a$text, a$n) else em(args[[1]]))
      }
      if (na < 1) arity(1, Inf)
      sprintf("((%s) / %d)", paste(ems(args), collapse = " + "), na)
    },
    size = { arity(1); a <- agg_arg(args[[1]]); as.character(a$n) },
    stddev = {
      # the population standard deviation of the elements
      arity(1)
      a <- agg_arg(args[[1]])
      if (!a$array) return("0")
      sprintf("SQRT(SUM((%s - (SUM(%s) / %s))^2) / %s)", a$text, a$text, a$n, a$n)
    },
    lookup = {
      arity(2)
      tb <- args[[1]]
      # LOOKUP(COSH, x), LOOKUP(VMIN, a[*]): how converters from Vensim
      # write a function XMILE lacks, for FN(x)
      if (tb$t == "name" && is.null(tb$subs) && is.null(ctx$resolve(tb$v)))
        return(xmile_emit_call(list(t = "call", f = tb$v, args = args[2], pos = tb$pos), ctx, agg))
      gi <- if (tb$t == "name") ctx$resolve(tb$v)
      if (is.null(gi) || is.null(gi$gf))
        ctx$fail("the first argument of LOOKUP must name a graphical function", tb$pos)
      xmile_gf_call(gi, em(args[[2]]))
    },
    safediv = {
      arity(2, 3)
      if (na == 3) call("XIDZ", ems(args)) else call("ZIDZ", ems(args))
    },
    smth1 = , smth3 = {
      arity(2, 3)
      base <- if (f == "smth1") "SMOOTH" else "SMOOTH3"
      if (na == 3) call(paste0(base, "I"), ems(args)) else call(base, ems(args))
    },
    delay1 = , delay3 = {
      arity(2, 3)
      base <- toupper(f)
      if (na == 3) call(paste0(base, "I"), ems(args)) else call(base, ems(args))
    },
    smthn = , delayn = {
      # XMILE (input, time, order[, initial]); the engine (input, time, initial, order)
      arity(3, 4)
      xs <- ems(args)
      init <- if (na == 4) xs[4] else xs[1]
      call(if (f == "smthn") "SMOOTH N" else "DELAY N", c(xs[1], xs[2], init, xs[3]))
    },
    delay = {
      # a pipeline delay: the input of one delay time before
      arity(2, 3)
      xs <- ems(args)
      call("DELAY FIXED", c(xs[1], xs[2], if (na == 3) xs[3] else xs[1]))
    },
    trend = {
      arity(2, 3)
      xs <- ems(args)
      call("TREND", c(xs[1], xs[2], if (na == 3) xs[3] else "0"))
    },
    forcst = {
      arity(3, 4)
      xs <- ems(args)
      call("FORECAST", xs[1:3])
    },
    previous = {
      # the value one time step before (the initial value at the start)
      arity(1, 2)
      xs <- ems(args)
      call("DELAY FIXED", c(xs[1], "TIME STEP", if (na == 2) xs[2] else xs[1]))
    },
    pulse = {
      # Stella: `amount` spread over one DT (height amount/DT) at `first`,
      # then every `interval` (none when it is 0 or missing)
      arity(1, 3)
      xs <- ems(args)
      first <- if (na >= 2) xs[2] else "INITIAL TIME"
      every <- if (na == 3) xs[3] else "0"
      sprintf("((%s) / TIME STEP * PULSE TRAIN(%s, TIME STEP, %s, FINAL TIME))", xs[1], first, every)
    },
    random = {
      arity(2, 3)
      xs <- ems(args)
      call("RANDOM UNIFORM", c(xs[1:2], if (na == 3) xs[3] else "0"))
    },
    normal = {
      arity(2, 3)
      xs <- ems(args)
      call("RANDOM NORMAL", c("-1e300", "1e300", xs[1:2], if (na == 3) xs[3] else "0"))
    },
    # Stella's statistical builtins, onto Vensim's RANDOM distributions
    # (min and max wide open; the optional last argument is the seed)
    exprnd = { arity(1, 2); xs <- ems(args); call("RANDOM EXPONENTIAL", c("0", "1e300", "0", xs[1], xmile_seed(xs, 2))) },
    poisson = { arity(1, 2); xs <- ems(args); call("RANDOM POISSON", c("0", "1e300", xs[1], "0", "1", xmile_seed(xs, 2))) },
    lognormal = {
      # a lognormal with this mean and standard deviation
      arity(2, 3); xs <- ems(args)
      sprintf("EXP(RANDOM NORMAL(-1e300, 1e300, LN((%1$s)^2 / SQRT((%2$s)^2 + (%1$s)^2)), SQRT(LN(1 + (%2$s)^2 / (%1$s)^2)), %3$s))",
              xs[1], xs[2], xmile_seed(xs, 3))
    },
    beta = { arity(2, 3); xs <- ems(args); call("RANDOM BETA", c("0", "1", xs[1], xs[2], "0", "1", xmile_seed(xs, 3))) },
    binomial = { arity(2, 3); xs <- ems(args); call("RANDOM BINOMIAL", c("0", "1e300", xs[2], xs[1], "0", "1", xmile_seed(xs, 3))) },
    gamma = {
      arity(1, 3); xs <- ems(args)
      call("RANDOM GAMMA", c("0", "1e300", xs[1], "0", if (na >= 2) xs[2] else "1", xmile_seed(xs, 3)))
    },
    geometric = { arity(1, 2); xs <- ems(args); call("RANDOM NEGATIVE BINOMIAL", c("0", "1e300", xs[1], "1", "0", "1", xmile_seed(xs, 2))) },
    negbinomial = { arity(2, 3); xs <- ems(args); call("RANDOM NEGATIVE BINOMIAL", c("0", "1e300", xs[2], xs[1], "0", "1", xmile_seed(xs, 3))) },
    triangular = { arity(3, 4); xs <- ems(args); call("RANDOM TRIANGULAR", c(xs[1], xs[3], xs[1], xs[2], xs[3], xmile_seed(xs, 4))) },
    weibull = { arity(2, 3); xs <- ems(args); call("RANDOM WEIBULL", c("0", "1e300", xs[1], "0", xs[2], xmile_seed(xs, 3))) },
    montecarlo = {
      # 1 with probability p percent per time unit in each DT
      arity(1, 2); xs <- ems(args)
      sprintf("IF THEN ELSE(RANDOM UNIFORM(0, 100, %s) < (%s) * TIME STEP, 1, 0)", xmile_seed(xs, 2), xs[1])
    },
    gammaln = { arity(1); call("GAMMA LN", em(args[[1]])) },
    fact = { arity(1); sprintf("INTEGER(EXP(GAMMA LN((%s) + 1)) + 0.5)", em(args[[1]])) },
    combinations = , permutations = {
      arity(2); xs <- ems(args)
      sprintf("INTEGER(EXP(GAMMA LN((%1$s) + 1) - GAMMA LN((%1$s) - (%2$s) + 1)%3$s) + 0.5)", xs[1], xs[2],
              if (f == "combinations") sprintf(" - GAMMA LN((%s) + 1)", xs[2]) else "")
    },
    round = {
      # halves away from zero
      arity(1); x <- em(args[[1]])
      sprintf("IF THEN ELSE(%1$s >= 0, INTEGER(%1$s + 0.5), -INTEGER(0.5 - (%1$s)))", x)
    },
    inf = { arity(0); "(1e308 * 10)" },
    sinwave = , coswave = {
      arity(2); xs <- ems(args)
      sprintf("(%s) * %s(6.283185307179586 * Time / (%s))", xs[1], if (f == "sinwave") "SIN" else "COS", xs[2])
    },
    history = {
      # the value at an earlier time of the run; 0 for a time after now or
      # before the start (Stella's HISTORY)
      arity(2); xs <- ems(args)
      sprintf("IF THEN ELSE((%2$s) > Time :OR: (%2$s) < INITIAL TIME, 0, DELAY INFORMATION(%1$s, Time - (%2$s), 0))",
              xs[1], xs[2])
    },
    npv = { arity(2, 3); xs <- ems(args); call("NPV", c(xs[1], xs[2], if (na == 3) xs[3] else "0", "1")) },
    lookuparea = {
      arity(3)
      gi <- if (args[[1]]$t == "name") ctx$resolve(args[[1]]$v)
      if (is.null(gi) || is.null(gi$gf)) ctx$fail("the first argument of LOOKUPAREA must name a graphical function", node$pos)
      call("LOOKUP AREA", c(vensim_name(gi$gf$table), em(args[[2]]), em(args[[3]])))
    },
    invnorm = {
      # the quantile of a normal (mean 0 and standard deviation 1 unless given)
      arity(1, 3); xs <- ems(args)
      sprintf("((%s) + (%s) * STD NORMAL INVERSE(%s))", if (na >= 2) xs[2] else "0", if (na >= 3) xs[3] else "1", xs[1])
    },
    normalcdf = {
      # the probability of a normal between left and right
      arity(2, 4); xs <- ems(args)
      m <- if (na >= 3) xs[3] else "0"; s <- if (na >= 4) xs[4] else "1"
      sprintf("(STD NORMAL CDF(((%2$s) - (%3$s)) / (%4$s)) - STD NORMAL CDF(((%1$s) - (%3$s)) / (%4$s)))", xs[1], xs[2], m, s)
    },
    logistic = {
      # by its quantile function at a uniform draw: mean + scale ln(u / (1 - u))
      arity(2, 3); xs <- ems(args)
      sprintf("((%s) + (%s) * LN(1 / (1 - RANDOM UNIFORM(0, 1, %s)) - 1))", xs[1], xs[2], xmile_seed(xs, 3))
    },
    pareto = {
      # by its quantile function: scale / (1 - u)^(1 / shape)
      arity(2, 3); xs <- ems(args)
      sprintf("((%2$s) / (1 - RANDOM UNIFORM(0, 1, %3$s)) ^ (1 / (%1$s)))", xs[1], xs[2], xmile_seed(xs, 3))
    },
    counter = {
      # counts up by DT from start, back to start on reaching end
      arity(2); xs <- ems(args)
      sprintf("((%1$s) + MODULO(Time - INITIAL TIME, (%2$s) - (%1$s)))", xs[1], xs[2])
    },
    derivn = {
      # the order-th time derivative by differences over one DT (0 at the
      # start, where there is no earlier value)
      arity(2)
      ord <- suppressWarnings(as.numeric(em(args[[2]])))
      if (is.na(ord) || ord < 1 || ord != round(ord) || ord > 8)
        ctx$fail("DERIVN needs a whole number from 1 to 8 as its order", node$pos)
      x <- em(args[[1]])
      for (k in seq_len(ord)) x <- sprintf("(((%1$s) - DELAY FIXED(%1$s, TIME STEP, %1$s)) / TIME STEP)", x)
      x
    },
    rank = {
      # the number of the element with rank r, rank 1 the smallest (Stella's
      # help), ties in element order: a sort order of the array kept as a
      # variable of its own, then the r-th of it
      arity(2, 3)
      if (na == 3) ctx$fail("RANK's tiebreaker array is not supported", node$pos, class = "sdvm_unsupported_error")
      a <- args[[1]]
      gi <- if (a$t == "name" && is.null(a$subs)) ctx$resolve(a$v)
      if (is.null(gi) || length(gi$dims) != 1)
        ctx$fail("the first argument of RANK must name an array of one dimension", node$pos)
      dim <- gi$dims[1]
      order <- paste(gi$name, "rank order")
      ctx$add_var(list(name = order, kind = "aux", subs = dim,
                       eqn = sprintf("VECTOR SORT ORDER(%s[%s], 1)", vensim_name(gi$name), vensim_name(dim))))
      sprintf("(VECTOR ELM MAP(%s[%s], (%s) - 1) + 1)", vensim_name(order), vensim_name(ctx$dims[[dim]][1]),
              em(args[[2]]))
    },
    # Stella's discrete builtins on a conveyor (Stella's help, Discrete
    # builtins): its transit time now, the transit time of the material
    # entering now (held while nothing enters), its capacity
    transtime = , proctime = , capacity = {
      arity(1)
      gi <- if (args[[1]]$t == "name" && is.null(args[[1]]$subs)) ctx$resolve(args[[1]]$v)
      cv <- gi$conveyor
      if (is.null(cv)) {
        if (f == "capacity" && !is.null(gi) && gi$tag == "stock")
          ctx$fail("CAPACITY of an oven: sdvm does not run ovens (docs/language.md)", node$pos,
                   class = "sdvm_unsupported_error")
        ctx$fail(sprintf("the argument of %s must name a conveyor", toupper(node$f)), node$pos)
      }
      if (length(gi$dims) && f != "capacity")
        ctx$fail(sprintf("%s of an arrayed conveyor is not supported", toupper(node$f)), node$pos,
                 class = "sdvm_unsupported_error")
      if (f == "capacity") return(if (xmile_blank(cv$capacity)) "(1e308 * 10)" else sprintf("(%s)", xmile_translate(cv$capacity, ctx)))
      T <- sprintf("(%s)", xmile_translate(cv$len, ctx))
      if (!xmile_blank(cv$sample) && !tolower(trimws(cv$sample)) %in% c("1", "true"))
        T <- sprintf("SAMPLE IF TRUE(%s, %s, %s)", xmile_translate(cv$sample, ctx), T, T)
      if (f == "transtime") return(T)
      ins <- vapply(cv$inflows, function(x) {
        ii <- ctx$resolve(x)
        if (is.null(ii)) ctx$fail(sprintf("the conveyor's inflow '%s' is not defined", x), node$pos)
        vensim_name(ii$name)
      }, "")
      if (!length(ins)) return(T)
      sprintf("SAMPLE IF TRUE(%s > 0, %s, %s)", paste(ins, collapse = " + "), T, T)
    },
    qlen = , qelem = , ostate = , cooktime = ctx$fail(sprintf(
      "%s cannot be run: sdvm's queues do not keep batches apart and it does not run ovens (docs/language.md)",
      toupper(node$f)), node$pos, class = "sdvm_unsupported_error"),
    endval = , self = ctx$fail(sprintf(
      "%s cannot be run: %s (docs/language.md lists the XMILE and Stella builtins with what sdvm supports)",
      toupper(node$f), if (f %in% c("endval", "self")) "it needs the previous run of an interactive session"
                       else "it is not implemented yet"), node$pos, class = "sdvm_unsupported_error"),
    ctx$fail(sprintf("unknown function '%s'", node$f), node$pos))
}

# The seed argument k of a random builtin, 0 when absent.
xmile_seed <- function(xs, k) if (length(xs) >= k) xs[k] else "0"

# Stella's INT is the floor (SDXorg builtin_int, made with Stella: INT(-19.875)
# = -20); the engine's INTEGER truncates toward zero.
xmile_floor <- function(x) sprintf("(INTEGER(%s) - IF THEN ELSE(%s < INTEGER(%s), 1, 0))", x, x, x)

# a MOD b = a - b * INT(a / b) (XMILE 1.0 3.3.1), with INT the floor: the
# result has the sign of b.  Files Vensim wrote mean its own INTEGER
# (truncation) by INT and MODULO (the sign of a) by MOD, as Vensim reads
# them back (SDXorg rounding: Vensim's INT(-9.9) = -9, -9.9 MOD 3 = -0.9).
xmile_mod <- function(a, b, ctx) {
  if (isTRUE(ctx$vensim)) return(sprintf("MODULO(%s, %s)", a, b))
  sprintf("(%s - %s * %s)", a, b, xmile_floor(sprintf("(%s / %s)", a, b)))
}

# How a graphical function is read: interpolated and clamped
# (continuous), extended along its end segments (extrapolate), or held at
# the last point at or before x (discrete).
xmile_gf_call <- function(info, x) {
  tb <- vensim_name(info$gf$table)
  switch(info$gf$type,
    extrapolate = sprintf("LOOKUP EXTRAPOLATE(%s, %s)", tb, x),
    discrete = sprintf("LOOKUP BACKWARD(%s, %s)", tb, x),
    sprintf("%s(%s)", tb, x))
}

# Translate XMILE equation text to engine text (NULL text: NULL).
xmile_translate <- function(text, ctx) {
  tree <- xmile_parse(text, names(ctx$macros))
  if (inherits(tree, "xmile_syntax")) ctx$fail(tree$message, tree$pos, class = "sdvm_parse_error")
  xmile_emit(tree, ctx)
}
