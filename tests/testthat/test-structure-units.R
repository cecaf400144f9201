# sd_check_units(): Vensim's units check, from the engine's trees.

# A .mdl with units problems at known lines, and Units Equiv settings.
units_mdl <- function(equiv = TRUE, extra = character()) {
  f <- tempfile(fileext = ".mdl")
  writeLines(c(
    "{UTF-8}",                                                     # 1
    "Population = INTEG(Births - Deaths, 100) ~ Person ~ |",       # 2
    "Births = Population * Birth Rate ~ People/Year ~ |",          # 3
    "Deaths = Population / Lifetime ~ Person/Year ~ |",            # 4
    "Birth Rate = 0.03 ~ 1/Year [0, 0.1, 0.01] ~ |",               # 5
    "Lifetime = 70 ~ Years ~ |",                                   # 6
    "Crowding = Population + Lifetime ~ Person ~ |",               # 7
    "Smoothed = SMOOTH(Births, Birth Rate) ~ Person/Year ~ |",     # 8
    "Effect = Effect Table(Population) ~ Dmnl ~ |",                # 9
    "Effect Table((0,1),(1000,0.5)) ~ Dmnl ~ |",                   # 10
    "Growth = EXP(Lifetime) ~ dimensionless ~ |",                  # 11
    "Share = Births / Deaths * 1 ~ 1 ~ |",                         # 12
    "Area = Lifetime ^ 2 ~ Year^2 ~ |",                            # 13
    "Root = SQRT(Area) ~ Year ~ |",                                # 14
    "Pick = IF THEN ELSE(Time > 5, Births, Deaths) ~ Person/Year ~ |", # 15
    extra,
    "INITIAL TIME = 0 ~ Year ~ |", "FINAL TIME = 10 ~ Year ~ |",
    "TIME STEP = 1 ~ Year ~ |", "SAVEPER = TIME STEP ~ Year ~ |",
    "\\\\\\---/// Sketch information - do not modify anything except names",
    "V300  Do not put anything below this section - it will be ignored",
    "///---\\\\\\", ":L<%^E!@",
    if (equiv) c("22:Person,People,Persons", "22:Year,Years")), f)
  f
}

test_that("deliberate units errors are found, each at its line", {
  f <- units_mdl()
  on.exit(unlink(f))
  u <- sd_check_units(read_vensim(f))
  expect_s3_class(u, "sdvm_units_check")
  expect_equal(attr(u, "checked"), 18L)          # 13 equations, the stock's rate and initial value, 4 settings
  errs <- u[u$severity == "error", ]
  # Crowding adds people and years; SMOOTH's time is 1/Year; EXP of years
  expect_setequal(errs$variable, c("Crowding", "Smoothed", "Growth"))
  expect_equal(errs$line[errs$variable == "Crowding"], 7L)
  expect_equal(errs$line[errs$variable == "Smoothed"], 8L)
  expect_equal(errs$line[errs$variable == "Growth"], 11L)
  expect_match(errs$problem[errs$variable == "Crowding"], "adding: Person and Year differ")
  expect_match(errs$problem[errs$variable == "Smoothed"], "argument 2 of SMOOTH .* should have units Year, has 1/Year")
  expect_true(all(errs$file == f))
  # the lookup's input has units: a warning, as in Vensim
  w <- u[u$severity == "warning", ]
  expect_equal(w$variable, "Effect")
  expect_equal(w$line, 9L)
  expect_output(print(u), "3 errors, 1 warning")
})

test_that("without the Units Equiv settings, People and Person differ", {
  f <- units_mdl(equiv = FALSE)
  on.exit(unlink(f))
  u <- sd_check_units(read_vensim(f))
  # Births is People/Year by name, Population * Birth Rate is Person/Year;
  # Deaths divides by Years, not Year; and Lifetime^2 is Years^2
  expect_true(all(c("Births", "Deaths", "Area") %in% u$variable))
  # given as an argument, the equivalences put it right again
  u2 <- sd_check_units(read_vensim(f), equivalences = list(c("Person", "People"), c("Year", "Years")))
  expect_setequal(u2$variable[u2$severity == "error"], c("Crowding", "Smoothed", "Growth"))
})

test_that("stocks, time settings, delays, powers and lookups follow Vensim's rules", {
  f <- units_mdl(extra = c(
    "Wrong Stock = INTEG(Population, 0) ~ Person ~ |",                  # rate must be Person/Year
    "Bad Init = INTEG(Births, Birth Rate) ~ Person ~ |",                # initial value: Person
    "Per Step = Births * TIME STEP ~ Person ~ |",                       # fine: TIME STEP is a Year
    "Trend = TREND(Births, Lifetime, 0) ~ 1/Year ~ |",                  # fine
    "Delayed = DELAY3(Births, Lifetime) ~ Person/Year ~ |",             # fine
    "Looked Up = Effect Table(Population / Scale) ~ Dmnl ~ |",          # fine
    "Scale = 1000 ~ Person ~ |",
    "Step Up = STEP(Births, 5) ~ Person/Year ~ |"))                      # fine
  on.exit(unlink(f))
  u <- sd_check_units(read_vensim(f))
  expect_setequal(u$variable[u$severity == "error"], c("Crowding", "Smoothed", "Growth", "Wrong Stock", "Bad Init"))
  expect_match(u$problem[u$variable == "Wrong Stock"], "net flow has units Person, not the Person/Year")
  expect_match(u$problem[u$variable == "Bad Init"], "initial value has units 1/Year, not the Person")
})

test_that("models built in R are checked, and Dmnl, dimensionless and 1 agree", {
  m <- sd_model(stop = 10, time_units = "Day") |>
    sd_stock("Stock", 1, inflows = "Flow", units = "Widget") |>
    sd_flow("Flow", "Stock * Fraction / Delay", units = "Widget/Day") |>
    sd_const("Fraction", 0.5, units = "Dmnl") |>
    sd_const("Delay", 2, units = "Day") |>
    sd_aux("Ratio", "Fraction * Other", units = "1") |>
    sd_const("Other", 1, units = "dimensionless")
  u <- sd_check_units(m)
  expect_equal(nrow(u), 0)
  expect_output(print(u), "0 errors, 0 warnings")
  bad <- sd_aux(m, "Mixed", "Stock + Delay", units = "Widget")
  u <- sd_check_units(bad)
  expect_equal(u$variable, "Mixed")
  expect_true(is.na(u$line))
  expect_error(sd_check_units(m, equivalences = "Day"), class = "sdvm_param_error")
})

test_that("read_vensim(check_units = TRUE) warns with the problems attached", {
  f <- units_mdl()
  on.exit(unlink(f))
  w <- tryCatch(read_vensim(f, check_units = TRUE), sdvm_units_warning = function(w) w)
  expect_s3_class(w, "sdvm_units_warning")
  expect_equal(nrow(w$problems), 4)
  expect_match(conditionMessage(w), "4 units problems")
  expect_silent(read_vensim(system.file("models", "sir.mdl", package = "sdvm"), check_units = TRUE))
})

test_that("XMILE <model_units> aliases are equivalences", {
  f <- tempfile(fileext = ".xmile")
  on.exit(unlink(f))
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>',
    '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
    '<header><name>u</name></header>',
    '<sim_specs time_units="Months"><start>0</start><stop>4</stop><dt>1</dt></sim_specs>',
    '<model_units><unit name="Person"><alias>People</alias></unit>',
    '<unit name="Month"><alias>Months</alias></unit></model_units>',
    '<model><variables>',
    '<stock name="Pop"><eqn>10</eqn><inflow>births</inflow><units>People</units></stock>',
    '<flow name="births"><eqn>Pop * rate</eqn><units>Person/Month</units></flow>',
    '<aux name="rate"><eqn>0.1</eqn><units>1/Months</units></aux>',
    '<aux name="wrong"><eqn>Pop + rate</eqn><units>Person</units></aux>',
    '</variables></model></xmile>'), f)
  m <- read_xmile(f)
  u <- sd_check_units(m)
  expect_equal(u$variable, "wrong")
  expect_match(u$problem, "adding")
})

test_that("WORLD3's units agree; a broken equation is found at its line", {
  skip_if_no_corpus()
  w3 <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  u <- sd_check_units(w3)
  expect_equal(nrow(u), 0)
  expect_gt(attr(u, "checked"), 250)
  k <- which(vapply(w3$vars, function(v) v$name, "") == "land erosion rate")
  w3$vars[[k]]$eqn <- "Arable Land"
  w3 <- sdvm:::new_model(unclass(w3)[setdiff(names(w3), ".cache")])
  u <- sd_check_units(w3)
  expect_equal(u$variable, "land erosion rate")
  expect_equal(u$line, w3$vars[[k]]$source[1])
  expect_match(u$problem, "units hectare, not the hectare/year")
})

test_that("C-LEARN's units problems are its uses of 'fraction' as a unit", {
  skip_if_no_corpus()
  cl <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
  expect_true(any(vapply(cl$unit_equivalences, function(g) "Years" %in% g, NA)))
  u <- sd_check_units(cl)
  expect_gt(attr(u, "checked"), 1000)
  expect_gt(nrow(u), 0)
  expect_true(all(grepl("fraction", paste(u$expected, u$found))))
})
