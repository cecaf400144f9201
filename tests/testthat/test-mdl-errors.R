# Errors in .mdl files name the file, line and column and quote the text.

mdl_at <- function(lines) {
  path <- tempfile(fileext = ".mdl")
  writeLines(lines, path)
  path
}

expect_mdl_error <- function(lines, class, line, column, quote) {
  path <- mdl_at(lines)
  err <- expect_error(simulate(read_vensim(path)), class = class)
  expect_equal(err$file, path)
  expect_equal(err$line, line)
  expect_equal(err$column, column)
  expect_match(conditionMessage(err), basename(path), fixed = TRUE)
  expect_match(conditionMessage(err), sprintf("line %d, column %d", line, column), fixed = TRUE)
  expect_match(conditionMessage(err), quote, fixed = TRUE)
  invisible(err)
}

test_that("syntax errors point into the file and quote the offending text", {
  expect_mdl_error(c("a = 1 ~~|", "b = a ** 2 ~~|"), "sdvm_parse_error", 2, 8, "'*'")
  expect_mdl_error(c("a = 1 ~~|", "x = 3 $ 4 ~~|"), "sdvm_parse_error", 2, 7, "'$ 4'")
  expect_mdl_error(c("a = 1 ~~|", "b = a * (2 + ~~|"), "sdvm_parse_error", 2, 13, "end of equation")
  expect_mdl_error("\"unterminated = 1 ~~|", "sdvm_parse_error", 1, 1, "unterminated quoted name")
  expect_mdl_error(c("", "s = INTEG(1, 0 ~~|"), "sdvm_parse_error", 2, 10, "INTEG has no closing ')'")
})

test_that("unknown names in a .mdl are located too", {
  err <- expect_mdl_error(c("a = 1 ~~|", "", "b = FOO(a) ~~|"), "sdvm_name_error", 3, 5, "'FOO'")
  expect_equal(err$variable, "b")
})

test_that("a missing model file is an I/O error", {
  expect_error(read_vensim(file.path(tempdir(), "no-such-model.mdl")), class = "sdvm_io_error")
})

test_that("numeric ranges need a number on each side of the dash; blanks around it are allowed", {
  m <- read_vensim(mdl_at(c("d: (a1 - a3), (b9-b10) ~~|", "x[d] = 1 ~~|", "INITIAL TIME = 0 ~~|",
                            "FINAL TIME = 1 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|")))
  expect_equal(names(simulate(m))[-1], sprintf("x[%s]", c("a1", "a2", "a3", "b9", "b10")))
  # the dash was read as a minus sign: (a-2) made a-2, a-1, a0, a1, a2
  expect_mdl_error(c("d: (a-2) ~~|", "x[d] = 1 ~~|"), "sdvm_parse_error", 1, 4, "numeric range is written")
})
