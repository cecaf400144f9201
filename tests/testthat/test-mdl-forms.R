# Forms of the Vensim language that real models use and the corpus does
# not: comments inside equations, every character of unquoted names,
# variables with no equation (data), causal-loop-only models, indirect
# file names and the run settings Vensim saves after the sketch.  The
# expected values are worked out by hand from the equations.

write_mdl <- function(lines, dir = tempfile("mdl")) {
  dir.create(dir, showWarnings = FALSE)
  path <- file.path(dir, "m.mdl")
  writeLines(c(lines, "INITIAL TIME = 0 ~~|", "FINAL TIME = 4 ~~|", "TIME STEP = 1 ~~|",
               "SAVEPER = TIME STEP ~~|"), path, useBytes = TRUE)
  path
}

test_that("{ comments } may stand anywhere in an equation, a number list or a lookup", {
  path <- write_mdl(c(
    "x = 5 {first | holds a bar ~ and a tilde} + 2 {second} ~ units {kept} ~ doc |",
    "y = x * {a comment",
    "  over two lines} 3 ~~|",
    "v[d] = 1, {between numbers} 2, 3 ~~|",
    "d: a, b, c ~~|",
    "tbl( (0, 0), {inside a lookup} (10, 100) ) ~~|",
    "w = tbl(5) {after the call} ~~|"))
  m <- read_vensim(path)
  out <- simulate(m)
  expect_equal(out$x[1], 7)                       # 5 + 2
  expect_equal(out$y[1], 21)
  expect_equal(unname(unlist(out[1, c("v[a]", "v[b]", "v[c]")])), c(1, 2, 3))
  expect_equal(out$w[1], 50)                      # halfway along the lookup
  # the units field keeps its braces (they are not equation comments)
  expect_match(m$vars[[1]]$units, "{kept}", fixed = TRUE)
  # an unclosed comment is a parse error at its '{'
  bad <- write_mdl(c("a = 1 ~~|", "b = 2 { never closed ~~|"))
  err <- tryCatch(read_vensim(bad), error = identity)
  expect_s3_class(err, "sdvm_parse_error")
  expect_identical(err$line, 2L)
  expect_identical(err$column, 7L)
})

test_that("unquoted names take $ % & ' digits first and non-ASCII letters; quoted names anything", {
  path <- write_mdl(c(
    "Debt G$ = 50% rate * 2 ~~|",
    "50% rate = 0.25 ~~|",
    "2nd order thing = Debt G$ + 1 ~~|",
    "R&D spending = 3 ~~|",
    "Sterman's rule = R&D spending * 2 ~~|",
    "Ärztedichte = 4 ~~|",
    "uses folded case = ärztedichte + ÄRZTEDICHTE ~~|",
    "\"U.S. GDP (2010 $)\" = 10 ~~|",
    "q = \"u.s.  gdp (2010 $)\" / 2 ~~|",
    "e = 2e1 + 1.5E-1 ~~|"))
  out <- simulate(read_vensim(path))
  expect_equal(out[["Debt G$"]][1], 0.5)
  expect_equal(out[["2nd order thing"]][1], 1.5)
  expect_equal(out[["Sterman's rule"]][1], 6)
  expect_equal(out[["uses folded case"]][1], 8)
  expect_equal(out$q[1], 5)
  expect_equal(out$e[1], 20.15)
  # a number followed by an operator sign is still a number and an error
  bad <- write_mdl(c("a = 1 ~~|", "x = 3 $ 4 ~~|"))
  expect_error(simulate(read_vensim(bad)), class = "sdvm_parse_error")
})

test_that("a variable with no equation is a data variable filled from data files", {
  dir <- tempfile("mdl")
  path <- write_mdl(c("hist ~ people ~ observed |", "z = hist * 2 ~~|",
                      "arr[d] ~~|", "d: a, b ~~|", "s = arr[a] + arr[b] ~~|"), dir)
  m <- read_vensim(path)
  # without data they are :NA:, as in Vensim, with a warning naming them
  w <- NULL
  out0 <- withCallingHandlers(simulate(m), sdvm_data_warning = function(cnd) {
    w <<- conditionMessage(cnd); invokeRestart("muffleWarning") })
  expect_match(w, "'hist'.*line 1.*data variable.*:NA:")
  expect_equal(unique(out0$hist), -2^109)
  # Vensim's .dat format: a name, then time-value lines
  writeLines(c("hist", "0\t10", "4\t30", "arr[a]", "0\t1", "arr[b]", "0\t5", "4\t9"),
             file.path(dir, "obs.dat"))
  out <- simulate(m, data = "obs.dat")           # found beside the model
  expect_equal(out$hist, c(10, 15, 20, 25, 30))  # interpolated between the points
  expect_equal(out$z, 2 * out$hist)
  expect_equal(out$s, 1 + c(5, 6, 7, 8, 9))      # a single point holds
  # a data frame works too, and the same numbers come out
  df <- data.frame(time = c(0, 4), hist = c(10, 30), `arr[a]` = 1, `arr[b]` = c(5, 9), check.names = FALSE)
  expect_equal(simulate(m, data = df)$s, out$s)
  # an element the data do not name is :NA: and reported (SDEverywhere's
  # sumif model leaves one out of its data to test exactly this)
  writeLines(c("hist", "0\t10", "arr[a]", "0\t1"), file.path(dir, "part.dat"))
  expect_warning(part <- simulate(m, data = file.path(dir, "part.dat")), "arr[b]", fixed = TRUE,
                 class = "sdvm_data_warning")
  expect_equal(unique(part[["arr[b]"]]), -2^109)
  expect_equal(part[["arr[a]"]], rep(1, 5))
})

test_that("a variable the model defines keeps its definition when a data file names it too", {
  # Vensim's own run of SDXorg test-models' data_from_other_model (output.tab,
  # Vensim DSS 7.3.4) reports its constant 'conflict var' as defined, though
  # the data file loaded for the run holds a series of that name
  dir <- tempfile("mdl")
  path <- write_mdl(c("k = 1 ~~|", "g = 2 ~~|", "tbl((0,0),(10,10)) ~~|", "y = k + g + tbl(Time) ~~|"), dir)
  m <- read_vensim(path)
  d <- data.frame(time = c(0, 4), k = c(0, 4), tbl = c(100, 100))
  expect_equal(simulate(m, data = d)$y, simulate(m)$y)
})

test_that(":RAW: data have values at their points only, and :NA: between them", {
  dir <- tempfile("mdl")
  path <- write_mdl(c("r :RAW: ~~|", "h :HOLD BACKWARD: ~~|", "f :LOOK FORWARD: ~~|", "i :INTERPOLATE: ~~|"), dir)
  d <- data.frame(time = c(0, 2, 4), r = c(1, 3, 5), h = c(1, 3, 5), f = c(1, 3, 5), i = c(1, 3, 5))
  out <- simulate(read_vensim(path), data = d)
  na <- -2^109                                     # Vensim's :NA:
  expect_equal(out$r, c(1, na, 3, na, 5))
  expect_equal(out$h, c(1, 1, 3, 3, 5))
  expect_equal(out$f, c(1, 3, 3, 5, 5))
  expect_equal(out$i, 1:5)
})

test_that("read_vensim_data() reads .dat files and tables in either orientation", {
  dir <- tempfile("data"); dir.create(dir)
  writeLines(c("a", "0 1", "1 2", "b[x]", "0\t7"), file.path(dir, "d.dat"))
  d <- read_vensim_data(file.path(dir, "d.dat"))
  expect_identical(names(d), c("time", "a", "b[x]"))
  expect_equal(d$a, c(1, 2))
  expect_equal(d[["b[x]"]], c(7, 7))             # a constant repeats
  writeLines(c("Time\t0\t1\t2", "a\t1\t2\t3", "b\t5\t\t7"), file.path(dir, "rows.tab"))
  writeLines(c("Time,a,b", "0,1,5", "1,2,", "2,3,7"), file.path(dir, "cols.csv"))
  r <- read_vensim_data(file.path(dir, "rows.tab"))
  c2 <- read_vensim_data(file.path(dir, "cols.csv"))
  expect_equal(r, c2)
  expect_equal(r$b, c(5, NA, 7))
  expect_error(read_vensim_data(file.path(dir, "none.dat")), class = "sdvm_io_error")
})

test_that("a causal-loop-only model reads but refuses to simulate", {
  path <- write_mdl(c("sales = A FUNCTION OF(price, , advertising) ~~|",
                      "price = A FUNCTION OF(sales) ~~|", "advertising = A FUNCTION OF( ) ~~|"))
  m <- read_vensim(path)
  expect_length(m$vars, 3)
  err <- tryCatch(simulate(m), error = identity)
  expect_s3_class(err, "sdvm_unsupported_error")
  expect_match(conditionMessage(err), "causal-loop-diagram")
  expect_match(conditionMessage(err), "docs/language.md", fixed = TRUE)
  expect_false(is.na(err$line))
})

test_that("indirect file names resolve through files =, the settings block, or the file beside the model", {
  skip_if_not_installed("readxl")
  dir <- tempfile("mdl"); dir.create(dir)
  writeLines(c("Time,0,2,4", "series,1,3,5"), file.path(dir, "inputs.csv"))
  body <- c("x := GET XLS DATA('?inputs', 'sheet', '1', 'B2') ~~|", "y = x * 10 ~~|")
  path <- write_mdl(body, dir)
  # the file beside the model named like the tag without '?'
  expect_equal(simulate(read_vensim(path))$y, 10 * (1:5))
  # through files =
  file.copy(file.path(dir, "inputs.csv"), file.path(dir, "other.csv"))
  writeLines(c("Time,0,4", "series,0,4"), file.path(dir, "other.csv"))
  expect_equal(simulate(read_vensim(path, files = c("?inputs" = "other.csv")))$y, 10 * (0:4))
  # through the settings block's ?name=file line
  lines <- c(readLines(path), "\\\\\\---/// Sketch information", "V300", "///---\\\\\\", ":L<%^E!@",
             "30:?inputs=other.csv", "13:obs")
  writeLines(lines, path)
  m <- read_vensim(path)
  expect_identical(unname(m$files[["?inputs"]]), "other.csv")
  expect_identical(m$data_sources, "obs")
  expect_equal(simulate(m)$y, 10 * (0:4))
  err <- tryCatch(read_vensim(path, files = c("?inputs" = "missing.csv")), error = identity)
  expect_s3_class(err, "sdvm_io_error")
})

test_that("the data sources saved with a model are loaded from beside it, with a message", {
  dir <- tempfile("mdl")
  path <- write_mdl(c("hist ~~|", "z = hist + 1 ~~|"), dir)
  lines <- c(readLines(path), "\\\\\\---/// Sketch information", "V300", "///---\\\\\\", ":L<%^E!@",
             "1:Current.vdf", "13:history")
  writeLines(lines, path)
  writeLines(c("hist", "0\t2", "4\t6"), file.path(dir, "history.dat"))
  m <- read_vensim(path)
  expect_message(out <- simulate(m), "history.dat")
  expect_equal(out$z, 3:7)
  # data given explicitly replace the saved sources
  writeLines(c("hist", "0\t0"), file.path(dir, "zero.dat"))
  expect_equal(simulate(m, data = "zero.dat")$z, rep(1, 5))
})

test_that("the data functions TIME SHIFT, CUMULATE, CUMULATEF and X IF MISSING", {
  # Vensim's reference (Data Functions): TIME SHIFT(d, s) lets the model
  # see d s ahead; CUMULATE sums d's points as they come, CUMULATEF gives
  # the total at the last point only; X IF MISSING(expr, n) is n where the
  # expression has no data (:NA:)
  dir <- tempfile("dfn"); dir.create(dir)
  writeLines(c("hist ~~|", "other ~~|", "combo := X IF MISSING(hist + other, 0) ~~|",
               "gap := X IF MISSING(IF THEN ELSE(Time = 2, :NA:, hist), -1) ~~|",
               "sh := TIME SHIFT(hist, 1) ~~|", "cu :HOLD BACKWARD::= CUMULATE(other) ~~|",
               "cf := CUMULATEF(other) ~~|", "d: a, b ~~|", "arr[d] ~~|", "carr[d] := CUMULATE(arr[d]) ~~|",
               "INITIAL TIME = 0 ~~|", "FINAL TIME = 4 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"),
             file.path(dir, "m.mdl"))
  writeLines(c("hist", "0\t10", "4\t30", "other", "0\t1", "2\t2", "4\t5",
               "arr[a]", "0\t1", "2\t1", "arr[b]", "1\t5", "3\t6"), file.path(dir, "obs.dat"))
  out <- simulate(read_vensim(file.path(dir, "m.mdl")), data = file.path(dir, "obs.dat"))
  expect_equal(out$sh, c(15, 20, 25, 30, 30))            # hist one time unit ahead, held at its end
  expect_equal(out$cu, c(1, 1, 3, 3, 8))                  # 1, 1 + 2, 1 + 2 + 5, held backward
  expect_equal(unique(out$cf), 8)
  expect_equal(out[["carr[a]"]], c(1, 1.5, 2, 2, 2))
  expect_equal(out[["carr[b]"]], c(5, 5, 8, 11, 11))
  expect_equal(out$combo, out$hist + out$other)
  expect_equal(out$gap, c(10, 15, -1, 25, 30))
  writeLines(c("x ~~|", "y := TIME SHIFT(x, Time) ~~|", "INITIAL TIME = 0 ~~|", "FINAL TIME = 1 ~~|",
               "TIME STEP = 1 ~~|"), file.path(dir, "bad.mdl"))
  writeLines(c("x", "0\t1"), file.path(dir, "x.dat"))
  expect_error(simulate(read_vensim(file.path(dir, "bad.mdl")), data = file.path(dir, "x.dat")),
               "shift of TIME SHIFT must be a number or a constant", class = "sdvm_definition_error")
})

test_that("a :RAW: data equation has values only where its data do", {
  # Vensim's reference (Data Equations, :RAW:): :NA: where there are no
  # data; a data equation is computed where all its data have points
  # (any of them under X IF MISSING)
  dir <- tempfile("raw"); dir.create(dir)
  writeLines(c("hist ~~|", "other ~~|", "r :RAW: := hist / other ~~|", "rx :RAW: := X IF MISSING(hist + other, 0) ~~|",
               "INITIAL TIME = 0 ~~|", "FINAL TIME = 4 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"),
             file.path(dir, "m.mdl"))
  writeLines(c("hist", "0\t10", "4\t30", "other", "0\t1", "2\t2", "4\t5"), file.path(dir, "obs.dat"))
  out <- simulate(read_vensim(file.path(dir, "m.mdl")), data = file.path(dir, "obs.dat"))
  na <- -2^109
  expect_equal(out$r, c(10, na, na, na, 6))
  expect_equal(out$rx[c(2, 4)], c(na, na))
  expect_equal(out$rx[c(1, 5)], c(11, 35))
})
