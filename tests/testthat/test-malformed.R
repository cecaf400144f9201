# The malformed-input catalogue (issue 7, docs/hardening.md): every case
# is an input and what it must give -- a classed condition (a subclass of
# sdvm_error), a message saying what is wrong, and where: the file, line
# and column, or the variable or setting at fault.  None may crash, hang or
# leak (the whole file runs under valgrind and, through tests/fuzz, its
# engine paths under the sanitizers).  test-mdl-errors.R and
# test-api-errors.R hold the first such tests; the cases here are new.

# A case: name, input (.mdl lines, raw bytes, a quoted expression or a
# function making them), condition class, message pattern, and where:
# line/column (numbers, or "any" for some position), variable, or
# where = "file" (a file-level error naming the file) or "message" (the
# message says all there is: how many rows and bytes).
mal <- function(name, input, class, pattern, line = NA, column = NA, variable = NA, where = NA,
                heavy = FALSE) {
  list(name = name, input = input, class = class, pattern = pattern, line = line, column = column,
       variable = variable, where = where, heavy = heavy)
}

# Cases marked heavy take a second or several hundred MB each: run where
# NOT_CRAN is set (CI, valgrind), left out of CRAN's checks.
on_cran <- function() !isTRUE(as.logical(Sys.getenv("NOT_CRAN", "false")))

teacup_lines <- function() readLines(system.file("models", "teacup.mdl", package = "sdvm"))

mdl_cases <- list(
  # -- truncated files
  mal("cut inside an equation", c("a = 1 ~~|", "b = (a * "), "sdvm_parse_error", "missing '\\)'|end of equation", line = 2),
  mal("cut inside a lookup", c("tbl(", "(0,0),(1,"), "sdvm_parse_error", "lookup definition has no closing", line = 1, column = 4),
  mal("cut inside a macro", c(":MACRO: M(x)", "M = x ~~|"), "sdvm_parse_error", "without :END OF MACRO:", line = 1),
  mal("teacup cut in half", function() head(teacup_lines(), 12), "sdvm_name_error", "unknown variable 'Room Temperature'", line = 10, column = 24, variable = "Heat Loss to Room"),
  mal("teacup cut after a name", function() c(head(teacup_lines(), 8), "Heat Loss to Room"), "sdvm_definition_error", "has no equation", line = 9),
  # -- binary garbage
  mal("random bytes with NULs", quote({ set.seed(7); as.raw(sample(0:255, 4000, TRUE)) }), "sdvm_parse_error", "NUL byte", line = "any", column = "any"),
  mal("random bytes without NULs", quote({ set.seed(8); as.raw(sample(1:255, 4000, TRUE)) }), "sdvm_parse_error", "not valid UTF-8", line = "any", column = "any"),
  mal("a PNG header", as.raw(c(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d)), "sdvm_parse_error", "NUL byte", line = 3, column = 1),
  mal("printable garbage", c("@@@ ### !!! ~~|"), "sdvm_definition_error", "no equation \\(expected '=' after its name\\)", line = 1, column = 1),
  mal("an equation of symbols", c("a = +*/ ~~|"), "sdvm_parse_error", "unexpected '\\*'", line = 1, column = 6),
  # -- unbalanced parentheses, brackets and quotes
  mal("a ( never closed", c("a = (1 + 2 ~~|"), "sdvm_parse_error", "missing '\\)'", line = 1, variable = "a"),
  mal("a ) never opened", c("a = 1 + 2) ~~|"), "sdvm_parse_error", "unexpected '\\)' after the end", line = 1, column = 10),
  mal("a call never closed", c("a = MAX(1, 2 ~~|"), "sdvm_parse_error", "missing '\\)' to close the '\\(' of this call", line = 1),
  mal("a quote in an equation", c("a = \"b + 1 ~~|"), "sdvm_parse_error", "unterminated quoted name", line = 1, column = 5),
  mal("a [ never closed on the left", c("d: d1, d2 ~~|", "a[d = 1 ~~|"), "sdvm_parse_error", "missing '\\]'", line = 2),
  mal("a [ never closed in an equation", c("d: d1, d2 ~~|", "x[d] = 1 ~~|", "a = x[d1 ~~|"), "sdvm_parse_error", "missing '\\]'", line = 3),
  mal("a lookup point never closed", c("tbl((0,0),(1,1 ~~|"), "sdvm_parse_error", "", line = 1),
  # -- unknown functions, wrong arity
  mal("an unknown function in a stock", c("s = INTEG(NO SUCH FN(1), 0) ~~|"), "sdvm_name_error", "unknown function 'NO SUCH FN'", line = 1, column = 11),
  mal("a variable called as a function", c("b = 2 ~~|", "a = b(1) ~~|"), "sdvm_name_error", "called like a function", line = 2, variable = "a"),
  mal("ABS with two arguments", c("a = ABS(1, 2) ~~|"), "sdvm_arity_error", "ABS takes 1 argument, but is given 2", line = 1, column = 5),
  mal("IF THEN ELSE with two", c("a = IF THEN ELSE(1, 2) ~~|"), "sdvm_arity_error", "takes 3 arguments", line = 1),
  mal("SMOOTH with one", c("a = SMOOTH(1) ~~|"), "sdvm_arity_error", "SMOOTH takes", line = 1),
  mal("a lookup with two inputs", c("tbl((0,0),(1,1)) ~~|", "a = tbl(1, 2) ~~|"), "sdvm_arity_error", "takes one argument", line = 2),
  mal("a function without parentheses", c("a = EXP + 1 ~~|"), "sdvm_arity_error", "is a function", line = 1, column = 5),
  mal("a macro given too many arguments", c(":MACRO: TWICE(x)", "TWICE = 2 * x ~~|", ":END OF MACRO:", "a = TWICE(1, 2) ~~|"), "sdvm_arity_error", "takes 1 argument, but is given 2", line = 4),
  # -- undefined names
  mal("an undefined variable", c("a = b + 1 ~~|"), "sdvm_name_error", "unknown variable 'b'", line = 1, column = 5),
  mal("an undefined name in an initial value", c("s = INTEG(1, missing init) ~~|"), "sdvm_name_error", "unknown variable 'missing init'", line = 1, column = 14),
  mal("an unknown subscript", c("d: d1, d2 ~~|", "x[d] = 1 ~~|", "a = x[d9] ~~|"), "sdvm_name_error", "unknown subscript 'd9'", line = 3),
  mal("Time defined", c("Time = 5 ~~|"), "sdvm_name_error", "reserved for the simulation clock", variable = "Time"),
  mal("a name defined twice", c("a = 1 ~~|", "a = 2 ~~|"), "sdvm_name_error", "defined more than once", line = 2, variable = "a"),
  # -- true cycles
  mal("two auxiliaries in a loop", c("a = b ~~|", "b = a ~~|"), "sdvm_cycle_error", "circular definition: 'a' -> 'b' -> 'a'", line = 1, variable = "a"),
  mal("a variable defined by itself", c("a = a + 1 ~~|"), "sdvm_cycle_error", "circular definition: 'a'", variable = "a"),
  mal("initial values in a loop", c("s = INTEG(1, t) ~~|", "t = INTEG(1, s) ~~|"), "sdvm_cycle_error", "initial values depend on each other", variable = "s"),
  mal("a macro that calls itself", c(":MACRO: M(x)", "M = M(x) ~~|", ":END OF MACRO:", "a = M(1) ~~|"), "sdvm_definition_error", "calls itself", line = 4),
  mal("a range defined through itself", c("A: B, a1 ~~|", "B: A, b1 ~~|", "x[A] = 1 ~~|"), "sdvm_definition_error", "defined through itself: 'A' -> 'B' -> 'A'", line = 1, variable = "A"),
  # -- dimension mismatches
  mal("too many subscripts in a reference", c("d: d1, d2 ~~|", "x[d] = 1 ~~|", "a = x[d1, d2] ~~|"), "sdvm_name_error", "has 1 subscript, but is used with 2", line = 3),
  mal("subscripts on a scalar", c("d: d1, d2 ~~|", "a = 1 ~~|", "b = a[d1] ~~|"), "sdvm_name_error", "has no subscripts, but is used with some", line = 3),
  mal("an element of another range", c("d: d1, d2 ~~|", "e: e1 ~~|", "x[d] = 1 ~~|", "a = x[e1] ~~|"), "sdvm_name_error", "element 'e1' is not in the range", line = 4),
  mal("definitions of different ranks", c("d: d1, d2 ~~|", "e: e1 ~~|", "x[d] = 1 ~~|", "x[d1, e1] = 2 ~~|"), "sdvm_definition_error", "defined with 2 subscripts here and 1 elsewhere", line = 4),
  mal("a list shorter than its range", c("d: d1, d2, d3 ~~|", "x[d] = 1, 2 ~~|"), "sdvm_definition_error", "the list has 2 values, fewer", line = 2),
  mal("SUM without a range", c("d: d1, d2 ~~|", "x[d] = 1 ~~|", "a = SUM(x[d1]) ~~|"), "sdvm_definition_error", "needs a range to work over", line = 3),
  mal("an equation over a range it is not defined on", c("d: d1, d2 ~~|", "e: e1, e2 ~~|", "x[d] = 1 ~~|", "y[e] = x[d] ~~|"), "sdvm_name_error", "does not match the subscripts", line = 4),
  mal("an :EXCEPT: list of the wrong length", c("d: d1, d2 ~~|", "x[d] :EXCEPT: [d1, d2] = 1 ~~|"), "sdvm_definition_error", ":EXCEPT: lists need as many subscripts", line = 2),
  mal("65 subscripts", c("d: d1 ~~|", sprintf("x[%s] = 1 ~~|", paste(rep("d", 65), collapse = ","))), "sdvm_definition_error", "65 subscripts; at most 64", line = 2, variable = "x"),
  # -- lookups and ranges
  mal("a lookup with no points", c("tbl() ~~|"), "sdvm_parse_error", "empty lookup table", line = 1),
  mal("WITH LOOKUP without a table", c("a = WITH LOOKUP(Time, 3) ~~|"), "sdvm_parse_error", "", line = 1),
  mal("a decreasing numeric range", c("d: (d5-d1) ~~|"), "sdvm_definition_error", "bad numeric range", line = 1),
  mal("a range with no elements", c("d: ~~|"), "sdvm_definition_error", "subscript range has no elements", line = 1),
  mal("a parenthesised range item without a dash", c("d: (a1-a3), (b) ~~|"), "sdvm_parse_error", "a numeric range is written", line = 1, column = 13),
  mal("a numeric range without a first number", c("d: (a-5) ~~|"), "sdvm_parse_error", "a numeric range is written", line = 1, column = 4),
  mal("a numeric range without a last number", c("d: (a1-a) ~~|"), "sdvm_parse_error", "a numeric range is written", line = 1, column = 4),
  mal("a numeric range beyond the long integers", c("d: (a1-a99999999999999999999) ~~|"), "sdvm_definition_error", "bad numeric range", line = 1, column = 4),
  mal("numeric ranges of 6 million elements", function() sprintf("r%d: (x1-x99999) ~~|", 1:60), "sdvm_memory_error", "more than 4000000 elements in all", line = 41, heavy = TRUE),
  # -- empty models
  mal("an empty file", raw(0), "sdvm_parse_error", "holds no model equations", where = "file"),
  mal("blank lines only", c("", "   ", ""), "sdvm_parse_error", "holds no model equations", where = "file"),
  mal("a sketch only", c("\\\\\\---/// Sketch information - do not modify anything except names", "V300  Do not put anything below this section"), "sdvm_parse_error", "holds no model equations", where = "file"),
  mal("only the UTF-8 marker", c("{UTF-8}"), "sdvm_parse_error", "holds no model equations", where = "file"),
  # -- time settings
  mal("TIME STEP 0", c("a = 1 ~~|", "TIME STEP = 0 ~~|"), "sdvm_run_error", "TIME STEP must be a positive number, not 0", variable = "TIME STEP"),
  mal("TIME STEP negative", c("a = 1 ~~|", "TIME STEP = -0.5 ~~|"), "sdvm_run_error", "not -0.5", variable = "TIME STEP"),
  mal("SAVEPER not a multiple of TIME STEP", c("a = 1 ~~|", "TIME STEP = 0.25 ~~|", "SAVEPER = 0.3 ~~|"), "sdvm_run_error", "SAVEPER \\(0.3\\) must be a whole multiple of TIME STEP \\(0.25\\)", variable = "SAVEPER"),
  mal("SAVEPER 0", c("a = 1 ~~|", "SAVEPER = 0 ~~|"), "sdvm_run_error", "SAVEPER must be a positive number", variable = "SAVEPER"),
  mal("FINAL TIME before INITIAL TIME", c("a = 1 ~~|", "INITIAL TIME = 10 ~~|", "FINAL TIME = 5 ~~|"), "sdvm_run_error", "FINAL TIME \\(5\\) is before INITIAL TIME \\(10\\)", variable = "FINAL TIME"),
  mal("a run of 1e300 steps", c("a = 1 ~~|", "FINAL TIME = 1e300 ~~|"), "sdvm_run_error", "needs 1e\\+300 steps", variable = "FINAL TIME"),
  mal("a time setting from a stock", c("s = INTEG(1, 1) ~~|", "FINAL TIME = s ~~|"), "sdvm_definition_error", "must not depend on stocks", variable = "s"),
  # -- sizes
  mal("an array of 1e10 elements", c("a: (a1-a100000) ~~|", "b: (b1-b100000) ~~|", "x[a, b] = 1 ~~|"), "sdvm_memory_error", "'x' has 10000000000 elements", line = 3, variable = "x", heavy = TRUE),
  mal("a SUM over 1e10 combinations", c("a: (a1-a100000) ~~|", "b: (b1-b100000) ~~|", "u[a] = 1 ~~|", "v[b] = 1 ~~|", "s = SUM(u[a!] * v[b!]) ~~|"), "sdvm_memory_error", "needs 10000000000 compiled variables", variable = "s", heavy = TRUE),
  mal("ranges listed inside one another 150 deep", function() c(sprintf("A%d: A%d ~~|", 150:1, 149:0), "A0: a ~~|"), "sdvm_definition_error", "more than 100 deep", line = 101, variable = "A50"),
  mal("ranges doubling to 2^30 elements", c("A1: a, b ~~|", sprintf("A%d: A%d, A%d ~~|", 2:30, 1:29, 1:29), "x[A30] = 1 ~~|"), "sdvm_memory_error", "more than 4000000 elements", line = 22, variable = "A22", heavy = TRUE),
  mal("results of 1e12 values", c("d: (d1-d1000) ~~|", "x[d] = Time ~~|", "FINAL TIME = 1e9 ~~|"), "sdvm_memory_error", "would save 1000000001 rows of 1001 columns", where = "message"),
  mal("VECTOR SORT ORDER over 3000 elements", c("d: (e1-e3000) ~~|", "x[d] = d ~~|", "y[d] = VECTOR SORT ORDER(x[d], 1) ~~|"), "sdvm_definition_error", "sorts at most 2048 elements", line = 3, variable = "y[e1]", heavy = TRUE),
  mal("VECTOR RANK over 20000 elements", c("d: (e1-e20000) ~~|", "x[d] = d ~~|", "y[d] = VECTOR RANK(x[d], 1) ~~|"), "sdvm_memory_error", "element references in all", line = 3, column = 8, heavy = TRUE),
  mal("a DELAY FIXED of 9e8 steps", c("a = DELAY FIXED(Time, 9e8, 0) ~~|", "FINAL TIME = 2 ~~|"), "sdvm_memory_error", "work memory \\(DELAY FIXED pipelines\\)", where = "message"),
  mal("300 nested parentheses", c(paste0("a = ", strrep("(", 300), "1", strrep(")", 300), " ~~|")), "sdvm_parse_error", "nested too deeply", line = 1, column = 261),
  mal("macros passing a chain on 32 deep", function() c(unlist(lapply(1:31, function(i) c(sprintf(":MACRO: M%d(x)", i), sprintf("M%d = M%d(x%s) ~~|", i, i + 1, strrep(" + 1", 1000)), ":END OF MACRO:"))), ":MACRO: M32(x)", paste0("M32 = (x", strrep(" + 1", 1000), ") ~~|"), ":END OF MACRO:", "a = M1(Time) ~~|"), "sdvm_parse_error", "nested too deeply once the macros", line = 97, variable = NA, heavy = TRUE),
  mal("a sum of 5000 terms", c(paste0("a = ", paste(rep("1", 5000), collapse = " + "), " ~~|")), "sdvm_parse_error", "split it into several variables", line = 1),
  # -- long names, numbers
  mal("a 1 MB variable name", function() paste0(strrep("n", 1e6), " = 1 ~~|"), "sdvm_parse_error", "variable name too long \\(1000000 bytes", line = 1, column = 1, heavy = TRUE),
  mal("a 1 MB name in an equation", function() paste0("a = 1 + ", strrep("n", 1e6), " ~~|"), "sdvm_parse_error", "name too long \\(1000000 bytes", line = 1, column = 9, heavy = TRUE),
  mal("a number beyond the doubles", c("a = 2 * 1e999 ~~|"), "sdvm_parse_error", "'1e999' is too large", line = 1, column = 9),
  mal("NaN written as a name", c("a = NaN ~~|"), "sdvm_name_error", "unknown variable 'NaN'", line = 1, column = 5),
  mal("INITIAL TIME infinite", c("a = 1 ~~|", "INITIAL TIME = 1e999 ~~|"), "sdvm_parse_error", "too large", variable = "INITIAL TIME"),
  # -- bad UTF-8
  mal("an invalid byte in a name", c(charToRaw("a = 1 ~~|\nb"), as.raw(0xff), charToRaw(" = 2 ~~|\n")), "sdvm_parse_error", "byte 0xff is not valid UTF-8", line = 2, column = 2),
  mal("a multibyte character cut at the end", c(charToRaw("a = 1 ~~|\nb = 2 ~ \xe2\x82"), as.raw(c(0xe2, 0x82))), "sdvm_parse_error", "not valid UTF-8", line = 2),
  mal("Latin-1 text", c(charToRaw("caf"), as.raw(0xe9), charToRaw(" = 1 ~~|\n")), "sdvm_parse_error", "byte 0xe9", line = 1, column = 4),
  # -- record structure
  mal("INTEG with one argument", c("s = INTEG(1) ~~|"), "sdvm_parse_error", "INTEG needs two arguments", line = 1),
  mal("text after INTEG", c("s = INTEG(1, 0) + 1 ~~|"), "sdvm_definition_error", "must be the whole equation of a stock", line = 1),
  mal("an unexpected character", c("a = 1 # 2 ~~|"), "sdvm_parse_error", "unexpected character '#'", line = 1, column = 7),
  mal("a data qualifier without :=", c("x :INTERPOLATE: 5 ~~|"), "sdvm_parse_error", "expected ':=' after the data qualifier", line = 1),
  mal(":END OF MACRO: alone", c(":END OF MACRO:", "a = 1 ~~|"), "sdvm_parse_error", ":END OF MACRO: without :MACRO:", line = 1),
  mal("a macro inside a macro", c(":MACRO: A(x)", ":MACRO: B(y)", "B = y ~~|", ":END OF MACRO:", ":END OF MACRO:"), "sdvm_parse_error", "cannot be defined inside another", line = 2),
  mal("DELAY N of order 0", c("a = DELAY N(Time, 1, 0, 0) ~~|"), "sdvm_definition_error", "whole number from 1 to 1000", line = 1),
  mal("GET XLS DATA over 1e10 elements", c("a: (a1-a100000) ~~|", "b: (b1-b100000) ~~|", "x[a, b] := GET XLS DATA('data.xlsx', 'S', 'A', 'B2') ~~|"), "sdvm_memory_error", "has 10000000000 elements", line = 3, column = 12, variable = "x", heavy = TRUE),
  mal("a data file that does not exist", c("x = GET XLS CONSTANTS('nowhere.xlsx', 'Sheet1', 'B2') ~~|"), "sdvm_io_error", "does not exist", line = 1, variable = "x")
)


# What the reading and running of one .mdl case gives, with its file and
# the time it took.
run_mdl_case <- function(cs) {
  path <- tempfile(fileext = ".mdl")
  on.exit(unlink(path))
  input <- cs$input
  if (is.language(input)) input <- eval(input)
  if (is.function(input)) input <- input()
  if (is.raw(input)) writeBin(input, path) else writeLines(input, path, useBytes = TRUE)
  # a hang in a run (which polls R) or in R code stops here; anything
  # slower than the bound fails below
  bound <- if (nzchar(Sys.getenv("SDVM_SLOW_TESTS"))) 3600 else 60
  setTimeLimit(elapsed = bound, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf), add = TRUE)
  t0 <- proc.time()[["elapsed"]]
  cnd <- tryCatch({ simulate(read_vensim(path)); NULL }, error = function(e) e)
  list(cnd = cnd, path = path, seconds = proc.time()[["elapsed"]] - t0, bound = bound)
}

expect_located <- function(cs, cnd, path) {
  info <- cs$name
  msg <- conditionMessage(cnd)
  if (identical(cs$line, "any")) {
    expect_true(is.numeric(cnd$line) && !is.na(cnd$line) && cnd$line >= 1, info = info)
  } else if (!is.na(cs$line)) {
    expect_identical(cnd$line, as.integer(cs$line), info = info)
    expect_match(msg, sprintf("line %d", cs$line), fixed = TRUE, info = info)
  }
  if (identical(cs$column, "any")) {
    expect_true(is.numeric(cnd$column) && !is.na(cnd$column) && cnd$column >= 1, info = info)
  } else if (!is.na(cs$column)) {
    expect_identical(cnd$column, as.integer(cs$column), info = info)
  }
  if (!is.na(cs$line) || identical(cs$where, "file")) {
    expect_identical(cnd$file, path, info = info)
    expect_match(msg, path, fixed = TRUE, info = info)
  }
  if (!is.na(cs$variable)) {
    expect_identical(cnd$variable, cs$variable, info = info)
    expect_match(msg, cs$variable, fixed = TRUE, info = info)
  }
}

test_that("the catalogue holds at least 50 malformed files, each saying where", {
  expect_gte(length(mdl_cases), 50)
  expect_false(anyDuplicated(vapply(mdl_cases, `[[`, "", "name")) > 0)
  for (cs in mdl_cases)
    expect_true(!is.na(cs$line) || !is.na(cs$variable) || !is.na(cs$where), info = cs$name)
})

test_that("malformed .mdl files give classed errors with a clear message and location", {
  slowest <- 0
  for (cs in mdl_cases) {
    if (cs$heavy && on_cran()) next
    res <- run_mdl_case(cs)
    cnd <- res$cnd
    expect_false(is.null(cnd), info = paste(cs$name, ": no error"))
    if (is.null(cnd)) next
    expect_s3_class(cnd, cs$class)
    expect_s3_class(cnd, "sdvm_error")
    if (!inherits(cnd, cs$class)) { message(cs$name, ": ", class(cnd)[1], ": ", conditionMessage(cnd)); next }
    expect_match(conditionMessage(cnd), cs$pattern, info = cs$name)
    expect_located(cs, cnd, res$path)
    expect_lt(res$seconds, res$bound, label = sprintf("%s: %.1f s", cs$name, res$seconds))
    slowest <- max(slowest, res$seconds)
  }
  message(sprintf("malformed .mdl catalogue: %d cases, slowest %.2f s", length(mdl_cases), slowest))
})

test_that("malformed parameters and equations given in R name the variable", {
  m <- sd_model(stop = 4) |> sd_const("k", 1) |> sd_stock("s", 1, inflows = "f") |> sd_flow("f", "k * s")
  cases <- list(
    list(function() simulate(m, params = list(k = Inf)), "sdvm_param_error", "single finite number", "k"),
    list(function() simulate(m, params = list(k = NaN)), "sdvm_param_error", "single finite number", "k"),
    list(function() simulate(m, params = data.frame(k = c(1, Inf, 2))), "sdvm_param_error",
         "finite numbers \\(no NA, NaN or Inf\\); row 2", "k"),
    list(function() simulate(m |> sd_aux("a", "k * 1e999")), "sdvm_parse_error", "'1e999' is too large", "a"),
    list(function() simulate(m |> sd_aux("a", "k + \"s")), "sdvm_parse_error", "unterminated quoted name", "a"),
    list(function() simulate(m |> sd_aux("a", strrep("(", 400))), "sdvm_parse_error", "nested too deeply", "a"),
    list(function() simulate(m, dt = 0.25, saveper = 0.3), "sdvm_run_error", "whole multiple", "SAVEPER"),
    list(function() simulate(m, start = 5, stop = 1), "sdvm_run_error", "is before INITIAL TIME", "FINAL TIME")
  )
  for (cs in cases) {
    e <- expect_error(cs[[1]](), class = cs[[2]])
    expect_s3_class(e, "sdvm_error")
    expect_match(conditionMessage(e), cs[[3]])
    expect_identical(e$variable, cs[[4]])
  }
})

test_that("an XMILE file whose root is not <xmile> is a classed error naming the file", {
  path <- tempfile(fileext = ".xmile")
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>', "<html><body>not a model</body></html>"), path)
  e <- expect_error(read_model(path), class = "sdvm_parse_error")
  expect_match(conditionMessage(e), "root element is <html>, not <xmile>")
  expect_true(identical(e$file, path) || grepl(basename(path), conditionMessage(e), fixed = TRUE))
})

test_that("result memory is checked before it is allocated", {
  skip_on_cran()                     # the batch allocates a first chunk of 100 MB
  m <- sd_model(stop = 1e9) |> sd_stock("s", 1, inflows = "f") |> sd_flow("f", "0")
  # one run: 1e9 rows x 3 columns is 24 GB, over the default 4 GiB
  e <- expect_error(simulate(m), class = "sdvm_memory_error")
  expect_match(conditionMessage(e), "would save 1000000001 rows of 3 columns and needs 24.0 GB")
  expect_match(conditionMessage(e), "sdvm.max_result_bytes")
  # the limit is the option's; a small one refuses a small run, and the
  # same run fits once the option is unset again
  local({
    old <- options(sdvm.max_result_bytes = 1000)
    on.exit(options(old))
    e <- expect_error(simulate(m, stop = 100), class = "sdvm_memory_error")
    expect_match(conditionMessage(e), "rows of 3 columns")
  })
  expect_equal(nrow(simulate(m, stop = 100)), 101)
  # a batch: 1000 runs of 1e6 rows is 24 GB in all
  e <- expect_error(simulate(m, stop = 1e6, params = data.frame(s = seq_len(1000)), progress = FALSE),
                    class = "sdvm_memory_error")
  expect_match(conditionMessage(e), "more than the limit")
})

test_that("a 10-million-step run stops within a second of an interrupt, leaking nothing", {
  skip_on_cran()
  skip_on_os("windows")
  skip_if_not_installed("callr")
  path <- tempfile(fileext = ".mdl")
  # 300 stocks for 1e7 RK4 steps: minutes of work; output every 1e4 steps
  # (1000 rows of 301 columns, 2.4 MB per run: a leaked run would show)
  writeLines(c("d: (e1-e300) ~~|", "s[d] = INTEG(-s[d] * k[d] + SIN(Time / 100), 1) ~~|", "k[d] = 0.001 ~~|",
               "INITIAL TIME = 0 ~~|", "FINAL TIME = 1e7 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 10000 ~~|"), path)
  lib <- dirname(system.file(package = "sdvm"))
  child <- callr::r_bg(function(lib, path) {
    library(sdvm, lib.loc = lib)
    m <- read_vensim(path)
    t0 <- proc.time()[["elapsed"]]
    invisible(simulate(m, stop = 1e4, method = "rk4"))     # compiled; 1e4 steps timed
    per_step <- (proc.time()[["elapsed"]] - t0) / 1e4
    cells <- function() { gc(); sum(gc()[, 1]) }
    base <- cells()
    res <- character()
    for (k in 1:3) {
      cat(sprintf("running %d\n", k))
      res[k] <- tryCatch({ simulate(m, method = "rk4"); "finished" }, interrupt = function(e) "interrupted")
      cat(sprintf("stopped %d\n", k))
    }
    list(res = res, per_step = per_step, grown = cells() - base)
  }, args = list(lib = lib, path = path), stdout = "|", stderr = "|")
  on.exit(child$kill(), add = TRUE)
  out <- ""
  wait_for <- function(what, seconds) {
    t0 <- Sys.time()
    while (!grepl(what, out, fixed = TRUE) && child$is_alive() &&
           difftime(Sys.time(), t0, units = "secs") < seconds) {
      child$poll_io(100)
      out <<- paste0(out, child$read_output())
    }
    grepl(what, out, fixed = TRUE)
  }
  latency <- numeric()
  for (k in 1:3) {
    expect_true(wait_for(sprintf("running %d", k), 60))
    Sys.sleep(0.5)                                         # well inside the run
    t0 <- Sys.time()
    child$interrupt()
    # generous: only a run that ignores interrupts takes this long
    expect_true(wait_for(sprintf("stopped %d", k), 30))
    latency[k] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  }
  child$wait(30000)
  r <- child$get_result()
  expect_identical(r$res, rep("interrupted", 3))
  # the run would have taken far longer than it was given
  expect_gt(r$per_step * 1e7, 5)
  # three interrupted runs of 2.4 MB of results each leave no R memory
  # behind (R cells: a leaked run would be 300,000 of them)
  expect_lt(abs(r$grown), 50000)
  message(sprintf("interrupt latency %s s (a full run: about %.0f s); R cells after 3 interrupts: %+.0f",
                  paste(sprintf("%.3f", latency), collapse = ", "), r$per_step * 1e7, r$grown))
  expect_lt(max(latency), 30)
})

test_that("inputs found by fuzzing and review read as they should", {
  skip_on_cran()                     # 100,000 variables, twice
  # each once crashed, leaked or overflowed in C (tests/fuzz/regressions,
  # tests/c/test_hardening.c); here through read_vensim()
  path <- tempfile(fileext = ".mdl")
  writeLines(c("Dim: (a9223372036854775807-a9223372036854775807) ~~|", "x[Dim] = 1 ~~|"), path)
  m <- read_vensim(path)
  expect_identical(m$dims$Dim, "a9223372036854775807")
  expect_equal(simulate(m, stop = 1)[["x[a9223372036854775807]"]], c(1, 1))
  # records without '~': the reader searched to the end of the file for
  # each (1.3 MB took minutes)
  writeLines(sprintf("a%d = %d |", 1:100000, 1:100000), path)
  t0 <- proc.time()[["elapsed"]]
  m <- read_vensim(path)
  expect_length(m$vars, 100000)
  expect_lt(proc.time()[["elapsed"]] - t0, if (nzchar(Sys.getenv("SDVM_SLOW_TESTS"))) 3600 else 60)
  # 100,000 elements: element lookups are hashed (each was a linear search)
  writeLines(c("Dim: (a1-a100000) ~~|", "x[Dim] = Dim ~~|", "total = SUM(x[Dim!]) ~~|"), path)
  t0 <- proc.time()[["elapsed"]]
  out <- simulate(read_vensim(path), stop = 0, vars = "total")
  expect_equal(out$total, 100000 * 100001 / 2)
  bound <- if (nzchar(Sys.getenv("SDVM_SLOW_TESTS"))) 3600 else 60
  expect_lt(proc.time()[["elapsed"]] - t0, bound)
})
