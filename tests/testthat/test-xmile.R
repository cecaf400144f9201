# read_xmile(): XMILE expressions, Stella semantics, arrays, modules,
# macros and malformed input, on small models written here.

xmile_doc <- function(vars, stop = 4, dt = "<dt>1</dt>", method = "Euler", start = 0,
                      top = "", extra = "", header = "<header><vendor>test</vendor></header>") {
  sprintf(paste0('<?xml version="1.0" encoding="utf-8"?>\n',
                 '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0" ',
                 'xmlns:isee="http://iseesystems.com/XMILE">\n%s\n',
                 '<sim_specs method="%s" time_units="Months"><start>%s</start><stop>%s</stop>%s</sim_specs>\n',
                 '%s\n<model><variables>\n%s\n</variables></model>\n%s\n</xmile>\n'),
          header, method, start, stop, dt, top, vars, extra)
}

xmile_file <- function(...) {
  f <- tempfile(fileext = ".xmile")
  writeLines(xmile_doc(...), f)
  f
}

run_xmile <- function(...) simulate(read_xmile(xmile_file(...)))

aux <- function(name, eqn, extra = "") sprintf('<aux name="%s"><eqn>%s</eqn>%s</aux>', name, eqn, extra)

test_that("operator precedence and associativity follow XMILE", {
  out <- run_xmile(paste(
    aux("neg pow", "-2^2"),
    aux("mixed", "2 + 3 * 4 ^ 2 / 8"),
    aux("left sub", "10 - 4 - 3"),
    aux("left pow", "2 ^ 3 ^ 2"),
    aux("neg exp", "2 ^ -1"),
    aux("div chain", "12 / 3 / 2"),
    aux("cmp arith", "1 + 2 &lt; 4"),
    aux("logic", "NOT 0 AND 1 OR 0"),
    aux("logic2", "0 OR 1 AND 0"),
    aux("eq ne", "(3 = 3) + (3 &lt;&gt; 3) * 10"),
    aux("mod prec", "1 + 7 MOD 4 * 2")), stop = 0)
  expect_equal(out$`neg pow`, -4)
  expect_equal(out$mixed, 8)
  expect_equal(out$`left sub`, 3)
  expect_equal(out$`left pow`, 64)
  expect_equal(out$`neg exp`, 0.5)
  expect_equal(out$`div chain`, 2)
  expect_equal(out$`cmp arith`, 1)
  expect_equal(out$logic, 1)
  expect_equal(out$logic2, 0)
  expect_equal(out$`eq ne`, 1)
  expect_equal(out$`mod prec`, 1 + (7 %% 4) * 2)
})

test_that("the translator parenthesizes every operation", {
  tree <- sdvm:::xmile_parse("a + b * c ^ 2 - d")
  ctx <- new.env()
  ctx$resolve <- function(x) list(name = x, dims = character())
  ctx$macros <- character()
  ctx$fail <- function(msg, pos, class = NULL) stop(msg)
  expect_equal(sdvm:::xmile_emit(tree, ctx), "((a + (b * (c ^ 2))) - d)")
  expect_equal(sdvm:::xmile_emit(sdvm:::xmile_parse("IF a > 1 AND NOT b THEN 1 ELSE 2"), ctx),
               "IF THEN ELSE(((a > 1) :AND: (:NOT: b)), 1, 2)")
  expect_s3_class(sdvm:::xmile_parse("1 +"), "xmile_syntax")
  expect_s3_class(sdvm:::xmile_parse("IF 1 THEN 2"), "xmile_syntax")
})

test_that("IF THEN ELSE, MOD, INT and names (quoted, _ for spaces, \\n, case, 'mod')", {
  out <- run_xmile(paste(
    aux("Room Temperature", "70"),
    aux("size of one\\ntime harvest", "5"),
    aux("mod", "4"),
    aux("uses mod", "mod * 2"),
    aux("quoted", '"room temperature" + ROOM_TEMPERATURE + size_of_one_time_harvest'),
    aux("nested if", "IF TIME &lt; 1 THEN 1 ELSE IF TIME &lt; 3 THEN 2 ELSE 3"),
    aux("mods", "(-7) MOD 3 + 10 * MOD(7.5, 2)"),
    aux("ints", "INT(-2.5) * 10 + INT(2.5)")), stop = 4)
  expect_equal(out$`uses mod`, rep(8, 5))
  expect_equal(out$quoted, rep(145, 5))
  expect_equal(out$`size of one time harvest`, rep(5, 5))
  expect_equal(out$`nested if`, c(1, 2, 2, 3, 3))
  # floored: -7 MOD 3 = 2 (the sign of the divisor)
  expect_equal(out$mods, rep(2 + 10 * 1.5, 5))
  # Stella's INT is the floor
  expect_equal(out$ints, rep(-30 + 2, 5))
})

test_that("files written by Vensim keep Vensim's INT and MOD", {
  hdr <- "<header><product version=\"1.0\">Vensim</product><vendor>Ventana Systems, Inc.</vendor></header>"
  out <- run_xmile(paste(aux("i", "INT(-2.5)"), aux("m", "-7 MOD 3")), stop = 0, header = hdr)
  expect_equal(out$i, -2)
  expect_equal(out$m, -1)
})

test_that("time names and builtins in XMILE spelling", {
  out <- run_xmile(paste(
    aux("t", "TIME + DT * 100 + STARTTIME * 1000 + STOPTIME * 10000"),
    aux("x", "TIME * 2"),
    aux("prev", "PREVIOUS(x, 99)"),
    aux("first", "INIT(x + 7)"),
    aux("sd", "SAFEDIV(1, 0, 42) + SAFEDIV(4, 0) + SAFEDIV(6, 3)"),
    aux("mx", "MAX(1, TIME, 3) + MIN(5, TIME) * 10"),
    aux("mn", "MEAN(1, 2, TIME)"),
    aux("st", "STEP(5, 2) + RAMP(2, 1, 3)"),
    aux("pi", "PI()"),
    aux("lg", "LOG10(1000) + LN(EXP(2))"),
    aux("dl", "DELAY(x, 2, -1)")), start = 1, stop = 5, dt = "<dt>0.5</dt>")
  expect_equal(out$t, out$time + 50 + 1000 + 50000)
  expect_equal(out$prev, c(99, head(out$x, -1)))
  expect_equal(out$first, rep(9, nrow(out)))
  expect_equal(out$sd, rep(44, nrow(out)))
  expect_equal(out$mx, pmax(3, out$time) + pmin(5, out$time) * 10)
  expect_equal(out$mn, (3 + out$time) / 3)
  expect_equal(out$st, ifelse(out$time >= 2, 5, 0) + 2 * (pmin(out$time, 3) - 1))
  expect_equal(out$pi, rep(pi, nrow(out)))
  expect_equal(out$lg, rep(5, nrow(out)))
  expect_equal(out$dl, ifelse(out$time < 3, -1, (out$time - 2) * 2))
})

test_that("SMTH1, SMTH3, DELAY1, DELAYN and TREND map to the engine's", {
  out <- run_xmile(paste(
    aux("x", "STEP(10, 1)"),
    aux("s1", "SMTH1(x, 2)"), aux("s1i", "SMTH1(x, 2, 4)"),
    aux("d1", "DELAY1(x, 2)"), aux("d3", "DELAY3(x, 3)"), aux("dn", "DELAYN(x, 3, 3)"),
    aux("tr", "TREND(x, 2)")), stop = 3)
  # first order, dt 1: s(t+1) = s + (x - s) / 2
  expect_equal(out$s1, c(0, 0, 5, 7.5))
  expect_equal(out$s1i, c(4, 2, 6, 8))
  expect_equal(out$d1, out$s1)
  expect_equal(out$dn, out$d3)
  expect_equal(out$tr[1], 0)
})

test_that("Stella PULSE adds its amount over one DT, once or repeating", {
  out <- run_xmile(paste(
    '<stock name="once"><eqn>0</eqn><inflow>p1</inflow></stock>',
    '<flow name="p1"><eqn>PULSE(10, 2)</eqn></flow>',
    '<stock name="every"><eqn>0</eqn><inflow>p2</inflow></stock>',
    '<flow name="p2"><eqn>PULSE(6, 1, 1.5)</eqn></flow>'),
    stop = 5, dt = "<dt>0.5</dt>")
  # height amount/DT for one step at the pulse times
  expect_equal(out$p1, ifelse(abs(out$time - 2) < 1e-9, 20, 0))
  expect_equal(out$once, ifelse(out$time > 2 + 1e-9, 10, 0))
  expect_equal(out$time[out$p2 > 0], c(1, 2.5, 4))
  expect_equal(unique(out$p2[out$p2 > 0]), 12)
  expect_equal(tail(out$every, 1), 18)
})

test_that("a non-negative flow (uniflow) is never below zero", {
  out <- run_xmile(paste(
    '<stock name="s"><eqn>10</eqn><inflow>f</inflow><inflow>g</inflow></stock>',
    '<flow name="f"><eqn>2 - TIME</eqn><non_negative/></flow>',
    '<flow name="g"><eqn>2 - TIME</eqn><non_negative>false</non_negative></flow>'), stop = 4)
  expect_equal(out$f, pmax(0, 2 - out$time))
  expect_equal(out$g, 2 - out$time)
  expect_equal(out$s, 10 + cumsum(c(0, head(pmax(0, 2 - out$time) + 2 - out$time, -1))))
})

test_that("outflows of a non-negative stock take at most what it holds, in priority order", {
  out <- run_xmile(paste(
    '<stock name="s"><eqn>5</eqn><inflow>in</inflow><outflow>first</outflow><outflow>second</outflow><non_negative/></stock>',
    '<flow name="in"><eqn>1</eqn></flow>',
    '<flow name="first"><eqn>3</eqn></flow>',
    '<flow name="second"><eqn>2</eqn></flow>',
    '<stock name="free"><eqn>5</eqn><outflow>drain</outflow></stock>',
    '<flow name="drain"><eqn>3</eqn></flow>'), stop = 4)
  # t0: 5 + 1 - 3 - 2 = 1; t1: first gets min(3, 1 + 1) = 2, second 0 -> 0;
  # then first takes the inflow (1), second nothing
  expect_equal(out$s, c(5, 1, 0, 0, 0))
  expect_equal(out$first, c(3, 2, 1, 1, 1))
  expect_equal(out$second, c(2, 0, 0, 0, 0))
  expect_equal(out$free, c(5, 2, -1, -4, -7))
})

test_that("a non-negative stock with a negative inflow stops at zero; <behavior> sets the default", {
  out <- run_xmile(paste(
    '<stock name="s"><eqn>3</eqn><inflow>f</inflow></stock>',
    '<stock name="t"><eqn>3</eqn><inflow>f</inflow><non_negative>false</non_negative></stock>',
    '<flow name="f"><eqn>IF TIME &lt; 2 THEN -2 ELSE 1</eqn><non_negative>false</non_negative></flow>'),
    stop = 4, top = "<behavior><stock><non_negative/></stock></behavior>")
  expect_equal(out$s, c(3, 1, 0, 1, 2))
  expect_equal(out$t, c(3, 1, -1, 0, 1))
})

test_that("graphical functions: continuous, extrapolate, discrete, xscale, LOOKUP, named gf", {
  gf <- function(type) sprintf('<gf type="%s"><xpts>0,1,2</xpts><ypts>10,20,40</ypts></gf>', type)
  out <- run_xmile(paste(
    aux("x", "TIME * 0.75"),
    aux("cont", "x", gf("continuous")),
    aux("extr", "x", gf("extrapolate")),
    aux("disc", "x", gf("discrete")),
    aux("scaled", "x", '<gf><xscale min="0" max="4"/><ypts>0,1,4</ypts></gf>'),
    aux("via lookup", "LOOKUP(cont, 3 - x)"),
    '<gf name="named"><xpts>0,10</xpts><ypts>0,100</ypts></gf>',
    aux("use named", "LOOKUP(named, x) + named(1)"),
    '<gf name="step"><xpts>0,1</xpts><ypts>5,6</ypts></gf>',
    aux("table not builtin", "LOOKUP(step, 0.5) + step(1)")), stop = 4)
  x <- out$time * 0.75
  expect_equal(out$cont, approx(c(0, 1, 2), c(10, 20, 40), x, rule = 2)$y)
  expect_equal(out$extr, ifelse(x > 2, 40 + (x - 2) * 20, approx(c(0, 1, 2), c(10, 20, 40), x)$y))
  # held at the last point at or before x (x = 0, 0.75, 1.5, 2.25, 3)
  expect_equal(out$disc, c(10, 10, 20, 40, 40))
  expect_equal(out$scaled, approx(c(0, 2, 4), c(0, 1, 4), x)$y)
  expect_equal(out$`via lookup`, approx(c(0, 1, 2), c(10, 20, 40), 3 - x, rule = 2)$y)
  expect_equal(out$`use named`, x * 10 + 10)
  expect_equal(out$`table not builtin`, rep(5.5 + 6, 5))
})

test_that("each element may have its own graphical function", {
  dims <- '<dimensions><dim name="D"><elem name="a"/><elem name="b"/></dim></dimensions>'
  out <- run_xmile(sprintf(paste0('<aux name="g"><dimensions><dim name="D"/></dimensions>',
    '<element subscript="a"><eqn>TIME</eqn><gf><xpts>0,4</xpts><ypts>0,8</ypts></gf></element>',
    '<element subscript="b"><eqn>TIME</eqn><gf type="discrete"><xpts>0,2</xpts><ypts>1,5</ypts></gf></element></aux>')),
    stop = 3, top = dims)
  expect_equal(out$`g[a]`, out$time * 2)
  expect_equal(out$`g[b]`, ifelse(out$time >= 2, 5, 1))
})

test_that("arrays: dimensions, apply-to-all, elements, aggregates, wildcards", {
  dims <- '<dimensions><dim name="City"><elem name="Boston"/><elem name="New York"/><elem name="Chicago"/></dim><dim name="N" size="2"/></dimensions>'
  d1 <- '<dimensions><dim name="City"/></dimensions>'
  d2 <- '<dimensions><dim name="City"/><dim name="N"/></dimensions>'
  out <- run_xmile(paste(
    sprintf('<aux name="pop">%s<element subscript="Boston"><eqn>10</eqn></element><element subscript="New York"><eqn>30</eqn></element><element subscript="Chicago"><eqn>20</eqn></element></aux>', d1),
    sprintf('<aux name="double">%s<eqn>pop * 2 + TIME</eqn></aux>', d1),
    sprintf('<aux name="grid">%s<eqn>pop[City] * 2</eqn></aux>', d2),
    sprintf('<aux name="vals">%s<eqn>1, 2, 3</eqn></aux>', d1),
    sprintf('<stock name="acc">%s<eqn>pop</eqn><inflow>growth</inflow></stock>', d1),
    sprintf('<flow name="growth">%s<eqn>acc * 0.5</eqn></flow>', d1),
    aux("total", "SUM(pop[*])"),
    aux("avg", "MEAN(pop)"),
    aux("hi", "MAX(pop[*])"), aux("lo", "MIN(pop)"),
    aux("count", "SIZE(grid)"),
    aux("sd", "STDDEV(pop[*])"),
    aux("col", "SUM(grid[*, 2])"),
    aux("one", "pop[New_York] + grid[Chicago, 1] + pop[2]")), stop = 2, top = dims)
  expect_equal(out$`double[New York]`, 60 + out$time)
  expect_equal(out$`grid[Chicago,2]`, rep(40, 3))
  expect_equal(out$`vals[Chicago]`, rep(3, 3))
  expect_equal(out$`acc[Boston]`, c(10, 15, 22.5))
  expect_equal(out$total, rep(60, 3))
  expect_equal(out$avg, rep(20, 3))
  expect_equal(out$hi, rep(30, 3))
  expect_equal(out$lo, rep(10, 3))
  expect_equal(out$count, rep(6, 3))
  expect_equal(out$sd, rep(sqrt(mean((c(10, 30, 20) - 20)^2)), 3))
  expect_equal(out$col, rep(120, 3))
  expect_equal(out$one, rep(30 + 40 + 30, 3))
})

test_that("modules are flattened with prefixed names and connections", {
  f <- tempfile(fileext = ".xmile")
  writeLines(sprintf(paste0('<?xml version="1.0"?><xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
    '<sim_specs><start>0</start><stop>3</stop><dt>1</dt></sim_specs>',
    '<model><variables>',
    '<module name="tank"><connect to="tank.inflow_rate" from=".supply"/></module>',
    '<aux name="supply"><eqn>2</eqn></aux>',
    '<aux name="level seen"><eqn>tank.level * 10</eqn></aux>',
    '</variables></model>',
    '<model name="tank"><variables>',
    '<stock name="level"><eqn>1</eqn><inflow>fill</inflow></stock>',
    '<flow name="fill"><eqn>inflow_rate</eqn></flow>',
    '<aux name="inflow rate" access="input"><eqn>0</eqn></aux>',
    '</variables></model></xmile>')), f)
  m <- read_xmile(f)
  out <- simulate(m)
  expect_true(all(c("tank.level", "tank.fill", "tank.inflow rate", "level seen") %in% names(out)))
  expect_equal(out$tank.level, c(1, 3, 5, 7))
  expect_equal(out$`level seen`, out$tank.level * 10)
})

test_that("macros defined in XMILE are called by name", {
  macro <- paste0('<macro name="TWICE PLUS"><eqn>input * 2 + extra</eqn><parm>input</parm><parm>extra</parm></macro>',
                  '<macro name="ACC"><eqn>ACC</eqn><parm>rate</parm><variables>',
                  '<stock name="ACC"><eqn>0</eqn><inflow>rate</inflow></stock><flow name="rate"/></variables></macro>')
  out <- run_xmile(paste(aux("a", "TWICE_PLUS(TIME, 1)"), aux("b", "ACC(3)")), stop = 3, extra = macro)
  expect_equal(out$a, out$time * 2 + 1)
  expect_equal(out$b, c(0, 3, 6, 9))
})

test_that("included files bring their macros, models and dimensions (XMILE 1.0, Includes)", {
  dir <- tempfile(); dir.create(file.path(dir, "lib"), recursive = TRUE)
  hdr <- '<header><vendor>t</vendor><product version="1">t</product>%s</header>'
  xm <- function(h, body) c('<?xml version="1.0" encoding="utf-8"?>',
                             '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
                             sprintf(hdr, h), body, '</xmile>')
  writeLines(xm("", c('<macro name="TWICE"><eqn>x * 2</eqn><parm>x</parm></macro>',
                      '<dimensions><dim name="Region"><elem name="north"/><elem name="south"/></dim></dimensions>')),
             file.path(dir, "lib", "macros.xmile"))
  writeLines(xm("", c('<model name="tank"><variables><stock name="level"><eqn>1</eqn><inflow>fill</inflow></stock>',
                      '<flow name="fill"><eqn>2</eqn></flow></variables></model>')),
             file.path(dir, "lib", "tank.xmile"))
  main <- file.path(dir, "main.xmile")
  writeLines(xm("", '<sim_specs><start>0</start><stop>3</stop><dt>1</dt></sim_specs>'), file.path(dir, "lib", "specs.xmile"))
  writeLines(xm('<includes><include resource="lib/*.xmile"/></includes>',
                c('<model><variables><aux name="a"><eqn>TWICE(TIME)</eqn></aux>',
                  '<aux name="r"><dimensions><dim name="Region"/></dimensions><eqn>10</eqn></aux>',
                  '<module name="tank"/><aux name="seen"><eqn>tank.level</eqn></aux></variables></model>')), main)
  out <- simulate(read_xmile(main))
  expect_equal(out$a, 2 * out$time)
  expect_equal(out$`r[north]`, rep(10, 4))
  expect_equal(out$seen, c(1, 3, 5, 7))
  # a missing file, and a URL, are named
  writeLines(xm('<includes><include resource="nowhere.xmile"/></includes>',
                '<model><variables><aux name="a"><eqn>1</eqn></aux></variables></model>'), main)
  expect_error(read_xmile(main), "nowhere.xmile", class = "sdvm_io_error")
  writeLines(xm('<includes><include resource="http://example.org/std-1.0.xml"/></includes>',
                '<model><variables><aux name="a"><eqn>1</eqn></aux></variables></model>'), main)
  expect_error(read_xmile(main), "does not download", class = "sdvm_unsupported_error")
})

test_that("sim_specs: reciprocal dt, method, time units; isee extensions are ignored", {
  f <- xmile_file(paste(aux("x", "1", '<isee:stuff a="1"/>'),
                        '<stock name="s" isee:x="1"><eqn>0</eqn><inflow>x</inflow></stock>'),
                  stop = 1, dt = '<dt reciprocal="true">4</dt>', method = "RK4",
                  top = '<isee:prefs show_module_prefix="true"/>')
  m <- read_xmile(f)
  expect_equal(m$settings$dt, 0.25)
  expect_equal(m$settings$method, "rk4")
  expect_equal(m$time_units, "Months")
  out <- simulate(m)
  expect_equal(out$time, seq(0, 1, by = 0.25))
  expect_equal(out$s, out$time)
  expect_s3_class(read_model(f), "sdvm_model")
  stmx <- sub("\\.xmile$", ".stmx", f)
  file.copy(f, stmx)
  expect_equal(simulate(read_model(stmx))$s, out$s)
})

test_that("malformed files give classed errors naming the element and variable", {
  bad <- tempfile(fileext = ".xmile")
  writeLines("this is not XML", bad)
  expect_error(read_xmile(bad), class = "sdvm_parse_error", regexp = "not well-formed XML")
  writeLines("<xmile><model><variables><aux name='a'></variables></model></xmile>", bad)
  e <- expect_error(read_xmile(bad), class = "sdvm_parse_error")
  expect_match(conditionMessage(e), "line")
  writeLines('<?xml version="1.0"?><model><variables/></model>', bad)
  expect_error(read_xmile(bad), class = "sdvm_parse_error", regexp = "root element is <model>")
  expect_error(read_xmile(tempfile(fileext = ".xmile")), class = "sdvm_io_error")

  e <- expect_error(read_xmile(xmile_file(paste(aux("a", "1"), '<conveyor name="belt"><eqn>1</eqn></conveyor>'))),
                    class = "sdvm_parse_error")
  expect_match(conditionMessage(e), "<conveyor")
  expect_match(conditionMessage(e), "belt")
  expect_equal(e$variable, "belt")
  expect_equal(e$line, 7L)

  e <- expect_error(read_xmile(xmile_file(aux("growth", "FOOBAR(1, 2)"))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "unknown function 'FOOBAR'")
  expect_match(conditionMessage(e), '<aux name="growth">', fixed = TRUE)
  expect_equal(e$variable, "growth")

  e <- expect_error(read_xmile(xmile_file(aux("growth", "rate * 2"))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "'rate' is not defined")
  expect_equal(e$variable, "growth")

  e <- expect_error(read_xmile(xmile_file(aux("growth", "(1 + 2"))), class = "sdvm_parse_error")
  expect_match(conditionMessage(e), "expected ')'")
  expect_match(conditionMessage(e), "growth")

  e <- expect_error(read_xmile(xmile_file(aux("x", "1", '<weird/>'))), class = "sdvm_parse_error")
  expect_match(conditionMessage(e), "<weird>.*x|x.*<weird>")

  e <- expect_error(read_xmile(xmile_file(aux("x", "1", '<dimensions><dim name="Nope"/></dimensions>'))),
                    class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "dimension 'Nope'")

  e <- expect_error(read_xmile(xmile_file(aux("x", "ENDVAL(1, 1)"))), class = "sdvm_unsupported_error")
  expect_match(conditionMessage(e), "ENDVAL cannot be run")
  e <- expect_error(read_xmile(xmile_file(aux("x", "RANK(1, 1)"))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "RANK must name an array")

  e <- expect_error(read_xmile(xmile_file(aux("x", "SMTH1(1)"))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "SMTH1 takes 2 to 3 arguments")

  e <- expect_error(read_xmile(xmile_file(aux("x", "1"), method = "Simpson")), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "sim_specs")

  e <- expect_error(read_xmile(xmile_file(aux("x", "{only a comment}"))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "no equation")

  e <- expect_error(read_xmile(xmile_file(paste(aux("x", "1"), aux("X", "2")))), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "defined twice")
})

test_that("the example model reads and runs", {
  m <- read_xmile(system.file("models", "predator_prey.xmile", package = "sdvm"))
  out <- simulate(m)
  expect_equal(out$Rabbits[1], 400)
  expect_true(all(out$Rabbits >= 0 & out$Foxes >= 0))
  expect_equal(m$settings$dt, 1 / 8)
})

test_that("a dimension name as a value is the element's number, and a' transposes (XMILE 1.0 3.7.1)", {
  dims <- '<dimensions><dim name="N" size="3"/><dim name="K"><elem name="a"/><elem name="b"/></dim></dimensions>'
  arr <- function(name, dims, eqn) sprintf('<aux name="%s"><dimensions>%s</dimensions><eqn>%s</eqn></aux>', name,
                                           paste0('<dim name="', dims, '"/>', collapse = ""), eqn)
  out <- run_xmile(paste(arr("v", "N", "N * 2"), arr("m", c("N", "K"), "v[N] + 10 * K"),
                         arr("tr", c("K", "N"), "m'"), aux("picked", "tr[b, 3]")), top = dims)
  expect_equal(unlist(out[1, c("v[1]", "v[2]", "v[3]")], use.names = FALSE), c(2, 4, 6))
  # m[n, k] = 2 n + 10 k (a is element 1, b element 2); tr[k, n] = m[n, k]
  expect_equal(out[["m[2,b]"]][1], 24)
  expect_equal(out[["tr[a,3]"]][1], out[["m[3,a]"]][1])
  expect_equal(out$picked[1], 26)
  # Dim.element as a value: that element's number (simlin's
  # subscript_index_name_values, run in Stella: Location.Boston is 1)
  out2 <- run_xmile(paste(aux("first", "K.a"), aux("second", "K.b")), top = dims)
  expect_equal(c(out2$first[1], out2$second[1]), c(1, 2))
  e <- expect_error(run_xmile(paste(arr("v", "N", "K")), top = dims), class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "not one of this variable's dimensions")
})

test_that("data imports set constants, graphical functions and stocks; a disabled one is ignored", {
  dir <- tempfile(); dir.create(dir)
  # a time series (vertical), and single values (horizontal, no time)
  writeLines(c("Time,price,demand curve", "0,10,1", "2,14,3", "4,18,5"), file.path(dir, "series.csv"))
  writeLines(c("capacity,7", "stock start,100"), file.path(dir, "values.csv"))
  body <- paste(aux("price", "1"), aux("capacity", "1"),
                '<gf name="demand curve"><xscale min="0" max="1"/><ypts>0,0</ypts></gf>',
                aux("seen", "demand_curve(TIME)"),
                '<stock name="stock start"><eqn>0</eqn></stock>')
  imp <- paste0('<data><import type="CSV" resource="series.csv"/>',
                '<import type="CSV" orientation="horizontal" resource="values.csv"/>',
                '<import type="CSV" enabled="false" resource="absent.csv"/></data>')
  f <- file.path(dir, "m.xmile")
  writeLines(xmile_doc(body, stop = 4, extra = imp), f)
  out <- simulate(read_xmile(f))
  expect_equal(out$price, 10 + 2 * out$time)              # interpolated between 0, 2 and 4
  expect_equal(out$seen, 1 + out$time)                     # the table's points
  expect_equal(unique(out$capacity), 7)
  expect_equal(out$`stock start`[1], 100)
  # into a variable with an equation: refused, naming it; a missing file named
  writeLines(c("Time,seen", "0,1"), file.path(dir, "bad.csv"))
  writeLines(xmile_doc(body, stop = 4, extra = '<data><import resource="bad.csv"/></data>'), f)
  expect_error(read_xmile(f), "'seen'.*has an equation", class = "sdvm_unsupported_error")
  writeLines(xmile_doc(body, stop = 4, extra = '<data><import resource="none.csv"/></data>'), f)
  expect_error(read_xmile(f), "none.csv", class = "sdvm_io_error")
  # names the model lacks are reported
  writeLines(c("Time,price,nothing", "0,1,2"), file.path(dir, "extra.csv"))
  writeLines(xmile_doc(body, stop = 4, extra = '<data><import resource="extra.csv"/></data>'), f)
  expect_warning(read_xmile(f), "'nothing', which is not in the model")
})

test_that("a subscript computed from an expression or a variable picks that element", {
  # simlin's arrays1 (Stella): aux[INT(TIME MOD 5) + 1]
  dims <- '<dimensions><dim name="D" size="5"/><dim name="E" size="2"/></dimensions>'
  arr <- function(name, dims, eqn) sprintf('<aux name="%s"><dimensions>%s</dimensions><eqn>%s</eqn></aux>', name,
                                           paste0('<dim name="', dims, '"/>', collapse = ""), eqn)
  out <- run_xmile(paste(arr("v", "D", "D * 10"), aux("pick", "v[INT(TIME MOD 5) + 1]"),
                         aux("k", "3"), aux("byvar", "v[k]"), arr("m", c("D", "E"), "D * 10 + E"),
                         aux("cell", "m[k - 1, 2]"), aux("cell2", "m[4, k - 1]")), stop = 6, top = dims)
  expect_equal(out$pick, 10 * ((out$time %% 5) + 1))
  expect_equal(unique(out$byvar), 30)
  expect_equal(unique(out$cell), 22)
  expect_equal(unique(out$cell2), 42)
})

test_that("a range of elements a[2:4] in the array builtins", {
  dims <- '<dimensions><dim name="D" size="5"/><dim name="C"><elem name="red"/><elem name="green"/><elem name="blue"/></dim></dimensions>'
  arr <- function(name, dims, eqn) sprintf('<aux name="%s"><dimensions>%s</dimensions><eqn>%s</eqn></aux>', name,
                                           paste0('<dim name="', dims, '"/>', collapse = ""), eqn)
  out <- run_xmile(paste(arr("v", "D", "D * 10"), arr("w", "C", "C"), aux("s", "SUM(v[2:4])"),
                         aux("m", "MEAN(v[1:2])"), aux("mx", "MAX(v[3:5])"), aux("sz", "SIZE(v[2:5])"),
                         aux("sc", "SUM(w[green:blue])")), top = dims)
  expect_equal(unlist(out[1, c("s", "m", "mx", "sz", "sc")], use.names = FALSE), c(90, 15, 50, 4, 5))
  e <- expect_error(run_xmile(paste(arr("v", "D", "D"), aux("bad", "SUM(v[4:9])")), top = dims),
                    class = "sdvm_definition_error")
  expect_match(conditionMessage(e), "outside dimension 'D'")
})
