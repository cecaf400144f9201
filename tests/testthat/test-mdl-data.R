# Data read from files by GET DIRECT functions, and orders fixed at the
# initial time.  The models and data files are written here.

write_case <- function(mdl, files = list()) {
  dir <- tempfile("sdvm-data")
  dir.create(dir)
  for (f in names(files)) writeLines(files[[f]], file.path(dir, f))
  path <- file.path(dir, "model.mdl")
  writeLines(mdl, path)
  path
}

control <- "
FINAL TIME = 8 ~~|
INITIAL TIME = 0 ~~|
TIME STEP = 0.5 ~~|
SAVEPER = TIME STEP ~~|
"

# times 1, 3, 4, 7 across row 1 from B1; two series below them
series_csv <- c("t,1,3,4,7", "a,10,30,,70", "b,-1,-3,-4,-7")

test_that("GET DIRECT DATA reads series and their modes", {
  path <- write_case(paste0("
{UTF-8}
Dim: a, b ~~|
lin[Dim] := GET DIRECT DATA('series.csv', 'ignored', '1', 'B2') ~~|
hold[Dim] :HOLD BACKWARD::= GET DIRECT DATA('series.csv', 'ignored', '1', 'B2') ~~|
fwd :LOOK FORWARD::= GET DIRECT DATA('series.csv', 'ignored', '1', 'B3') ~~|
", control), list(series.csv = series_csv))
  out <- simulate(read_vensim(path))
  t <- out$time
  # a: points (1,10), (3,30), (7,70); the blank at time 4 is skipped
  expect_equal(out$`lin[a]`, approx(c(1, 3, 7), c(10, 30, 70), t, rule = 2)$y)
  expect_equal(out$`lin[b]`, approx(c(1, 3, 4, 7), c(-1, -3, -4, -7), t, rule = 2)$y)
  held <- approx(c(1, 3, 7), c(10, 30, 70), t, method = "constant", rule = 2, f = 0)$y
  expect_equal(out$`hold[a]`, held)
  fwd <- approx(c(1, 3, 4, 7), c(-1, -3, -4, -7), t, method = "constant", rule = 2, f = 1)$y
  expect_equal(out$fwd, fwd)
  expect_equal(out$fwd[t == 3.5], -4)
  expect_equal(out$`hold[b]`[t == 3.5], -3)
})

test_that("GET DIRECT CONSTANTS reads rows, columns ('*') and blocks", {
  grid <- c("x,1,2,3", "y,4,5,6", "z,7,8,9")
  path <- write_case(paste0("
R: r1, r2, r3 ~~|
C: c1, c2 ~~|
row[R] = GET DIRECT CONSTANTS('grid.csv', 's', 'B1') ~~|
col[R] = GET DIRECT CONSTANTS('grid.csv', 's', 'B1*') ~~|
block[R, C] = GET DIRECT CONSTANTS('grid.csv', 's', 'B1') ~~|
one = GET DIRECT CONSTANTS('grid.csv', 's', 'D3') ~~|
", control), list(grid.csv = grid))
  out <- simulate(read_vensim(path))[1, ]
  expect_equal(unlist(out[c("row[r1]", "row[r2]", "row[r3]")], use.names = FALSE), c(1, 2, 3))
  expect_equal(unlist(out[c("col[r1]", "col[r2]", "col[r3]")], use.names = FALSE), c(1, 4, 7))
  expect_equal(unlist(out[c("block[r1,c1]", "block[r1,c2]", "block[r3,c2]")], use.names = FALSE), c(1, 2, 8))
  expect_equal(out$one, 9)
})

test_that("GET DIRECT LOOKUPS makes a lookup; GET DIRECT SUBSCRIPT a range", {
  path <- write_case(paste0("
tbl = GET DIRECT LOOKUPS('series.csv', 's', '1', 'B2') ~~|
y = tbl(Time) ~~|
Names: GET DIRECT SUBSCRIPT('series.csv', 's', 'A2', 'A3', 'row ') ~~|
v[Names] = 1, 2 ~~|
", control), list(series.csv = series_csv))
  m <- read_vensim(path)
  expect_equal(m$dims$Names, c("row a", "row b"))
  out <- simulate(m)
  expect_equal(out$y, approx(c(1, 3, 7), c(10, 30, 70), out$time, rule = 2)$y)
  expect_equal(out$`v[row b]`[1], 2)
})

test_that("a missing data file is an error naming the file and the equation's line", {
  path <- write_case(paste0("
x := GET DIRECT DATA('nowhere.csv', 's', '1', 'B2') ~~|
", control))
  err <- expect_error(read_vensim(path), class = "sdvm_io_error")
  expect_match(conditionMessage(err), "nowhere.csv")
  expect_equal(err$line, 2L)
  expect_equal(err$variable, "x")
})

test_that("SMOOTH N takes its order from constants at the initial time", {
  mdl <- function(order) write_case(paste0("
input = STEP(10, 1) ~~|
order = ", order, " ~~|
s = SMOOTH N(input, 2, 0, order) ~~|
", control))
  lit3 <- simulate(read_vensim(mdl("3")))
  lit2 <- simulate(read_vensim(mdl("2")))
  # an order that changes later keeps its initial value (Vensim)
  var <- simulate(read_vensim(mdl("2 + STEP(1, 4)")))
  expect_equal(var$s, lit2$s)
  expect_false(isTRUE(all.equal(lit2$s, lit3$s)))
  # overriding the order recompiles rather than running the old structure
  m <- read_vensim(mdl("2"))
  expect_equal(simulate(m, params = list(order = 3))$s, lit3$s)
  expect_error(simulate(read_vensim(mdl("input"))), class = "sdvm_definition_error")
})
