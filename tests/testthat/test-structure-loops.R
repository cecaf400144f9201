# sd_loops(): feedback loops from the engine's links, with polarities.

# Each loop's consecutive variables are linked, and no loop is listed
# twice (as a rotation of another).
expect_valid_loops <- function(l) {
  e <- attr(l, "links")
  key <- paste(canon_name_t(e$from_name), canon_name_t(e$to_name))
  for (v in l$variables) {
    cv <- canon_name_t(v)
    expect_true(all(paste(cv, c(cv[-1], cv[1])) %in% key))
    expect_false(anyDuplicated(cv) > 0)
  }
  rot <- vapply(l$variables, function(v) {
    cv <- canon_name_t(v); k <- which.min(rank(cv, ties.method = "first"))
    paste(c(cv[k:length(cv)], cv[seq_len(k - 1)]), collapse = "|")
  }, "")
  expect_false(anyDuplicated(rot) > 0)
}
canon_name_t <- function(x) tolower(gsub("[[:space:]_]+", " ", trimws(x)))

test_that("the teacup has one balancing loop, read or built", {
  for (m in list(teacup_model(), read_vensim(system.file("models", "teacup.mdl", package = "sdvm")))) {
    l <- sd_loops(m)
    expect_s3_class(l, "sdvm_loops")
    expect_equal(nrow(l), 1)
    expect_equal(l$id, "B1")
    expect_equal(l$polarity, "balancing")
    expect_equal(l$length, 2L)
    expect_equal(l$stocks, 1L)
    expect_true(attr(l, "complete"))
    expect_valid_loops(l)
  }
})

test_that("SIR has three loops: infection reinforcing, depletion and recovery balancing", {
  l <- sd_loops(read_vensim(system.file("models", "sir.mdl", package = "sdvm")))
  expect_equal(nrow(l), 3)
  loop_of <- function(vars) l$polarity[vapply(l$variables, function(v) setequal(v, vars), NA)]
  expect_equal(loop_of(c("Infected", "Infection")), "reinforcing")
  expect_equal(loop_of(c("Susceptible", "Infection")), "balancing")
  expect_equal(loop_of(c("Infected", "Recovery")), "balancing")
  expect_valid_loops(l)
  # a model without a diagram has no views to name
  expect_true(all(l$views == ""))
})

test_that("signs come from the equations: minus, division, lookups, constants", {
  m <- sd_model(stop = 10) |>
    sd_stock("Stock", 10, inflows = "In", outflows = "Out") |>
    sd_flow("In", "Goal Gap / Adjust Time") |>
    sd_aux("Goal Gap", "Goal - Stock") |>
    sd_flow("Out", "Stock * Loss(Stock / Goal)") |>
    sd_lookup("Loss", x = c(0, 1, 2), y = c(0, 0.5, 2)) |>
    sd_const("Goal", 100) |>
    sd_const("Adjust Time", 4)
  l <- sd_loops(m)
  e <- attr(l, "links")
  sign_of <- function(a, b) e$sign[e$from_name == a & e$to_name == b]
  expect_equal(sign_of("Stock", "Goal Gap"), -1L)
  expect_equal(sign_of("Goal Gap", "In"), 1L)      # divided by a positive constant
  expect_equal(sign_of("Out", "Stock"), -1L)
  expect_equal(sign_of("Stock", "Out"), 1L)        # rising table times a positive stock
  expect_equal(sort(l$polarity), c("balancing", "balancing"))
  # a table that falls and rises leaves the sign open: undetermined
  m2 <- sd_lookup(sd_model(stop = 1) |>
                    sd_stock("Stock", 1, outflows = "Out") |>
                    sd_flow("Out", "Bumpy(Stock)"), "Bumpy", x = 0:2, y = c(1, 0, 1))
  l2 <- sd_loops(m2)
  expect_equal(l2$polarity, "undetermined")
  expect_equal(l2$id, "U1")
  # stocks are taken as positive unless asked not to
  m3 <- sd_model(stop = 1) |> sd_stock("S", 1, inflows = "F") |> sd_flow("F", "S * S2") |>
    sd_stock("S2", 1)
  expect_equal(sd_loops(m3)$polarity, "reinforcing")
  expect_equal(sd_loops(m3, assume_positive = FALSE)$polarity, "undetermined")
})

test_that("links only setting initial values make no loop", {
  m <- sd_model(stop = 5) |>
    sd_stock("S", "Start", inflows = "F") |>
    sd_flow("F", "INITIAL(S) * 0.1") |>
    sd_const("Start", 1)
  expect_equal(nrow(sd_loops(m)), 0)
  expect_output(print(sd_loops(m)), "0 feedback loops")
})

test_that("a causal loop diagram (A FUNCTION OF) has loops, signed by its arrows", {
  f <- tempfile(fileext = ".mdl")
  on.exit(unlink(f))
  writeLines(c(
    "{UTF-8}",
    "Births = A FUNCTION OF( Population, Fertility) ~ ~ |",
    "Population = A FUNCTION OF( Births, Deaths) ~ ~ |",
    "Deaths = A FUNCTION OF( Population) ~ ~ |",
    "Fertility = A FUNCTION OF( Food per Person) ~ ~ |",
    "Food per Person = A FUNCTION OF( Population) ~ ~ |",
    "FINAL TIME = 100 ~ Month ~ |", "INITIAL TIME = 0 ~ Month ~ |",
    "SAVEPER = TIME STEP ~ Month ~ |", "TIME STEP = 1 ~ Month ~ |",
    "\\\\\\---/// Sketch information - do not modify anything except names",
    "V300  Do not put anything below this section - it will be ignored",
    "*Population",
    "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0",
    "10,1,Population,300,200,40,20,8,3,0,0,0,0,0,0",
    "10,2,Births,150,200,30,20,8,3,0,0,0,0,0,0",
    "10,3,Deaths,450,200,30,20,8,3,0,0,0,0,0,0",
    "10,4,Fertility,150,350,30,20,8,3,0,0,0,0,0,0",
    "10,5,Food per Person,300,350,40,20,8,3,0,0,0,0,0,0",
    "1,6,2,1,0,0,43,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,7,1,2,0,0,43,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,8,1,3,0,0,43,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,9,3,1,0,0,45,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,10,5,4,0,0,43,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,11,1,5,0,0,45,0,0,0,0,-1--1--1,,1|(0,0)|",
    "1,12,4,2,0,0,43,0,0,0,0,-1--1--1,,1|(0,0)|",
    "///---\\\\\\"), f)
  m <- read_vensim(f)
  expect_error(simulate(m), class = "sdvm_unsupported_error")
  l <- sd_loops(m)
  expect_equal(nrow(l), 3)
  expect_equal(sort(l$id), c("B1", "B2", "R1"))
  crowding <- l[vapply(l$variables, length, 0L) == 4, ]
  expect_equal(crowding$polarity, "balancing")
  expect_true(all(l$views == "Population"))
  expect_true(all(attr(l, "links")$polarity_from[attr(l, "links")$to_name != "SAVEPER"] == "diagram"))
  expect_valid_loops(l)
})

test_that("past max_loops the shortest loops are listed, and the result says so", {
  # five stocks, each flow fed by every stock: the cycles of the complete
  # digraph with self-loops, 5 + 10 + 20 + 30 + 24 = 89
  m <- sd_model(stop = 1)
  for (i in 1:5) {
    m <- sd_stock(m, paste0("S", i), 1, inflows = paste0("F", i))
    m <- sd_flow(m, paste0("F", i), paste(paste0("S", 1:5), collapse = " + "))
  }
  all <- sd_loops(m)
  expect_equal(nrow(all), 89)
  expect_true(attr(all, "complete"))
  expect_equal(as.vector(table(all$length)), c(5, 10, 20, 30, 24))
  some <- sd_loops(m, max_loops = 20)
  expect_equal(nrow(some), 20)
  expect_false(attr(some, "complete"))
  expect_equal(attr(some, "complete_length"), 5L)
  expect_equal(as.vector(table(some$length)), c(5, 10, 5))
  expect_output(print(some), "stopped at max_loops = 20")
  expect_valid_loops(some)
  expect_error(sd_loops(m, max_loops = 0), class = "sdvm_param_error")
})

test_that("Lotka-Volterra (test-models): five loops, the predation loop balancing", {
  skip_if_no_corpus()
  l <- sd_loops(read_vensim(corpus_path("test-models", "samples", "Lotka_Volterra", "Lotka_Volterra.mdl")))
  expect_equal(nrow(l), 5)
  expect_equal(sum(l$polarity == "reinforcing"), 2)
  long <- l[l$length > 2, ]
  expect_equal(nrow(long), 1)
  expect_equal(long$polarity, "balancing")
  expect_true(all(c("Prey", "Predators") %in% long$variables[[1]]))
  expect_valid_loops(l)
})

test_that("SIR (test-models, .mdl and .xmile) has three loops", {
  skip_if_no_corpus()
  for (f in c("SIR.mdl", "SIR.xmile")) {
    l <- sd_loops(read_model(corpus_path("test-models", "samples", "SIR", f)))
    expect_equal(nrow(l), 3)
    expect_equal(sort(l$polarity), c("balancing", "balancing", "reinforcing"))
  }
})

test_that("WORLD3 has more loops than any bound: the shortest are listed first", {
  skip_if_no_corpus()
  w3 <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  l <- sd_loops(w3, max_loops = 2000)
  expect_equal(nrow(l), 2000)
  expect_false(attr(l, "complete"))
  expect_false(is.unsorted(l$length))
  expect_true(max(l$length[l$length <= attr(l, "complete_length")]) <= attr(l, "complete_length"))
  # the death outflow of the youngest cohort drains it: a balancing loop
  kids <- l[vapply(l$variables, function(v) setequal(v, c("deaths 0 to 14", "Population 0 To 14")), NA), ]
  expect_equal(kids$polarity, "balancing")
  expect_valid_loops(l)
})

test_that("C-LEARN's loops are all found, arrayed ones marked", {
  skip_if_no_corpus()
  cl <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
  l <- sd_loops(cl)
  expect_true(attr(l, "complete"))
  expect_gt(nrow(l), 50)
  expect_true(any(l$arrayed))
  carbon <- l[vapply(l$variables, function(v) setequal(v, c("C in Atmosphere", "Flux Atm to Biomass")), NA), ]
  expect_equal(nrow(carbon), 1)
  expect_gte(carbon$elements, 1L)
  # each target year's emissions read the previous year's: a chain
  # between elements, which is no loop
  chain <- l[vapply(l$variables, function(v) identical(v, "Emissions with cumulative constraints"), NA), ]
  expect_equal(chain$elements, 0L)
  expect_valid_loops(l)
})

test_that("arrayed loops count the element loops they stand for", {
  # Pop[Region] grows from itself: one loop per region
  l <- sd_loops(arrayed_model())
  expect_equal(nrow(l), 1)
  expect_true(l$arrayed)
  expect_equal(l$elements, 2L)
  expect_true(attr(l, "elements_complete"))
  f <- tempfile(fileext = ".mdl")
  on.exit(unlink(f))
  writeLines(c(
    "{UTF-8}",
    "R: r1, r2, r3 ~~|",
    # x and y in step for each region: three loops
    "x[R] = INTEG(y[R], 1) ~ ~|",
    "y[R] = x[R] * 0.1 ~ ~|",
    # u feeds v of the next region round: one loop through all six
    "u[R] = INTEG(v[R], 1) ~ ~|",
    "v[r1] = u[r3] ~ ~|", "v[r2] = u[r1] ~ ~|", "v[r3] = u[r2] ~ ~|",
    # each element of w reads the one before: a chain, no loop
    "w[r1] = 1 ~ ~|", "w[r2] = w[r1] + 1 ~ ~|", "w[r3] = w[r2] + 1 ~ ~|",
    # SMOOTH's hidden stock in z counts as z
    "s[R] = INTEG(z[R] - s[R] / 4, 1) ~ ~|",
    "z[R] = SMOOTH(s[R], 2) ~ ~|",
    "INITIAL TIME = 0 ~~|", "FINAL TIME = 2 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = TIME STEP ~~|"), f)
  l <- sd_loops(read_vensim(f))
  el <- function(vars) l$elements[vapply(l$variables, function(v) setequal(v, vars), NA)]
  expect_equal(el(c("x", "y")), 3L)
  expect_equal(el(c("u", "v")), 1L)
  expect_equal(el("w"), 0L)
  expect_true(attr(l, "elements_complete"))
  expect_output(print(l), "elements")
  # the count stops at max_elements, and says so
  few <- sd_loops(read_vensim(f), max_elements = 2)
  expect_equal(few$elements[vapply(few$variables, function(v) setequal(v, c("x", "y")), NA)], 2L)
  expect_false(attr(few, "elements_complete"))
  expect_equal(el(c("s", "z")), 3L)
  expect_equal(el("s"), 3L)
  expect_equal(l$through[vapply(l$variables, function(v) setequal(v, c("s", "z")), NA)], "SMOOTH")
})
