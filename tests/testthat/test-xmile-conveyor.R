# XMILE conveyors (XMILE 1.0, 4.2.1): material leaves one transit time
# after it enters, less what its leaks take on the way; checked against
# the definition (the exit is the entry a transit time before, scaled by
# what survives the leaks) and against conservation of the material.

conveyor_model <- function(conveyor, flows, stop = 6, dt = 0.5) {
  path <- tempfile(fileext = ".xmile")
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>',
               '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
               '<header><vendor>test</vendor><product>test</product></header>',
               sprintf('<sim_specs method="Euler"><start>0</start><stop>%s</stop><dt>%s</dt></sim_specs>', stop, dt),
               '<model><variables>', conveyor, flows, '</variables></model></xmile>'), path)
  read_xmile(path)
}

test_that("a conveyor delivers each batch one transit time later, less its leaks", {
  m <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>arriving</inflow><outflow>departing</outflow>',
      '<outflow>seepage</outflow><outflow>spillage</outflow><conveyor><len>2</len></conveyor></stock>'),
    c('<flow name="arriving"><eqn>100 + 10 * TIME</eqn></flow>', '<flow name="departing"/>',
      '<flow name="seepage" leak_start="0" leak_end="1"><eqn>0.05</eqn><leak/></flow>',
      '<flow name="spillage" leak_start="0.5" leak_end="1"><eqn>0.1</eqn><leak/></flow>',
      '<stock name="drained"><eqn>0</eqn><inflow>departing</inflow></stock>',
      '<stock name="seeped"><eqn>0</eqn><inflow>seepage</inflow></stock>',
      '<stock name="spilled"><eqn>0</eqn><inflow>spillage</inflow></stock>'))
  out <- simulate(m)
  entered <- 0.5 * cumsum(c(0, head(out$arriving, -1)))
  # nothing is lost or made
  expect_equal(out$belt + out$drained + out$seeped + out$spilled, entered)
  # the exit is the inflow of two time units before, with 85% surviving
  k <- out$time >= 2
  expect_equal(out$departing[k], 0.85 * (100 + 10 * (out$time[k] - 2)))
  expect_equal(out$departing[!k], rep(0, sum(!k)))
  # each leak takes its fraction of every batch: by the time a batch has
  # left, seepage has taken 5% of it and spillage 10%
  done <- out$time == 6
  left <- 0.5 * sum((100 + 10 * out$time)[out$time < 4])        # batches that entered before 4
  expect_equal(out$drained[done], 0.85 * left)
})

test_that("a conveyor's initial contents leave evenly over the first transit time", {
  m <- conveyor_model(c('<stock name="belt"><eqn>80</eqn><outflow>out</outflow><conveyor><len>4</len></conveyor></stock>'),
                      '<flow name="out"/>', stop = 8, dt = 1)
  out <- simulate(m)
  expect_equal(out$out, c(rep(20, 4), rep(0, 5)))
  expect_equal(out$belt, c(80, 60, 40, 20, 0, 0, 0, 0, 0))
})

test_that("capacity and inflow limit hold back what a conveyor takes in", {
  m <- conveyor_model(c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow>',
                        '<conveyor><len>4</len><capacity>100</capacity><in_limit>30</in_limit></conveyor></stock>'),
                      c('<flow name="in"><eqn>50</eqn></flow>', '<flow name="out"/>'), stop = 12, dt = 1)
  out <- simulate(m)
  expect_true(all(out[["in"]] <= 30))
  expect_true(all(out$belt <= 100 + 1e-9))
  expect_equal(max(out$belt), 100)
})

test_that("an arrested conveyor stands: nothing comes on, nothing goes out, no time passes on the belt", {
  # Stella's help, Oven Computation ("Arrest if"): when arrested no new
  # material comes on or goes out, and the time remaining is not counted
  # down.  Belt of 3 time units, dt 1, inflow 10 a unit, arrested from
  # time 4 up to (not including) time 6.
  m <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow>',
      '<conveyor><len>3</len><arrest>TIME &gt;= 4 AND TIME &lt; 6</arrest></conveyor></stock>',
      '<stock name="done"><eqn>0</eqn><inflow>out</inflow></stock>'),
    c('<flow name="in"><eqn>10</eqn></flow>', '<flow name="out"/>'), stop = 10, dt = 1)
  out <- simulate(m)
  # batches enter at times 0, 1, 2, 3 (belt steps 0..3), none at 4 and 5,
  # then 6, 7, ... (belt steps 4, 5, ...); a batch leaves 3 belt steps
  # later: belt steps 3, 4, 5 are times 3, 6, 7 -- nothing leaves at 4, 5
  expect_equal(out[["in"]], c(10, 10, 10, 10, 0, 0, 10, 10, 10, 10, 10))
  expect_equal(out$out, c(0, 0, 0, 10, 0, 0, 10, 10, 10, 10, 10))
  expect_equal(out$belt, c(0, 10, 20, 30, 30, 30, 30, 30, 30, 30, 30))
  # without the arrest it is the plain conveyor
  plain <- simulate(conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow>',
      '<conveyor><len>3</len><arrest>0</arrest></conveyor></stock>'),
    c('<flow name="in"><eqn>10</eqn></flow>', '<flow name="out"/>'), stop = 10, dt = 1))
  expect_equal(plain$out, c(0, 0, 0, rep(10, 8)))
})

test_that("an arrested conveyor keeps its initial contents and its leaks stand too", {
  m <- conveyor_model(
    c('<stock name="belt"><eqn>40</eqn><outflow>out</outflow><outflow>leak</outflow>',
      '<conveyor><len>4</len><arrest>TIME &gt;= 1 AND TIME &lt; 3</arrest></conveyor></stock>',
      '<stock name="leaked"><eqn>0</eqn><inflow>leak</inflow></stock>',
      '<stock name="done"><eqn>0</eqn><inflow>out</inflow></stock>'),
    c('<flow name="out"/>', '<flow name="leak" leak_start="0" leak_end="1"><eqn>0.25</eqn><leak/></flow>'),
    stop = 8, dt = 1)
  out <- simulate(m)
  # the initial 40 lie evenly on the 4 slats of the belt, 10 each; the
  # belt moves at times 0, 3, 4, 5 (it stands at 1 and 2).  The leak takes
  # 25% of a parcel over the whole belt, evenly: the parcel leaving at the
  # (k+1)-th move has travelled (k+1)/4 of it from where it lay, so leaves
  # with 10 * (1 - 0.25 * (k + 1) / 4); the leak takes 0.25 / 4 of what is
  # on the belt's zone (40, 30, 20, 10 at the moves) a step
  expect_equal(out$out, c(9.375, 0, 0, 8.75, 8.125, 7.5, 0, 0, 0))
  expect_equal(out$leak, c(2.5, 0, 0, 1.875, 1.25, 0.625, 0, 0, 0))
  # nothing is lost or made, and nothing is left on the belt
  expect_equal(out$belt + out$leaked + out$done, rep(40, 9))
  expect_equal(out$belt[7:9], c(0, 0, 0))
})

test_that("a conveyor with initial contents and a leak in part of the belt empties in one transit time", {
  m <- conveyor_model(
    c('<stock name="belt"><eqn>60</eqn><outflow>out</outflow><outflow>leak</outflow>',
      '<conveyor><len>3</len></conveyor></stock>',
      '<stock name="leaked"><eqn>0</eqn><inflow>leak</inflow></stock>',
      '<stock name="done"><eqn>0</eqn><inflow>out</inflow></stock>'),
    c('<flow name="out"/>', '<flow name="leak" leak_start="0.5" leak_end="1"><eqn>0.3</eqn><leak/></flow>'),
    stop = 6, dt = 0.5)
  out <- simulate(m)
  expect_equal(out$belt + out$leaked + out$done, rep(60, nrow(out)))
  expect_equal(out$belt[out$time >= 3], rep(0, sum(out$time >= 3)))
  # the parcel that lay in the first half leaked 30% (the whole zone),
  # the first to leave almost nothing: out at the first step is
  # 60 / 3 * (1 - 0.3 * (1/6) / 0.5)
  expect_equal(out$out[1], 20 * (1 - 0.3 * (1 / 6) / 0.5))
  expect_equal(tail(out$out[out$time < 3], 1), 20 * (1 - 0.3))
})

test_that("a conveyor samples its transit time only when <sample> is true", {
  # XMILE 1.0: when the sample expression is true the transit time is
  # updated from its equation; batches entering otherwise keep the last one
  m <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow>',
      '<conveyor><len>IF TIME &lt; 3 THEN 2 ELSE 4</len><sample>TIME &gt;= 6</sample></conveyor></stock>'),
    c('<flow name="in"><eqn>IF TIME = 0 OR TIME = 4 OR TIME = 7 THEN 10 ELSE 0</eqn></flow>', '<flow name="out"/>'),
    stop = 14, dt = 1)
  out <- simulate(m)
  # the batch of time 0 takes 2; that of time 4 still 2 (not sampled since
  # the start); that of time 7 the sampled 4
  expect_equal(out$time[out$out > 0], c(2, 6, 11))
})

test_that("a leak's fraction may sit in <leak>, and untagged outflows after the first are leaks", {
  tagged <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow><outflow>loss</outflow>',
      '<conveyor><len>2</len></conveyor></stock>'),
    c('<flow name="in"><eqn>10</eqn></flow>', '<flow name="out"/>', '<flow name="loss"><leak>0.2</leak></flow>'),
    stop = 6, dt = 1)
  untagged <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow><outflow>loss</outflow>',
      '<conveyor><len>2</len></conveyor></stock>'),
    c('<flow name="in"><eqn>10</eqn></flow>', '<flow name="out"/>', '<flow name="loss"><eqn>0.2</eqn></flow>'),
    stop = 6, dt = 1)
  a <- simulate(tagged)
  b <- simulate(untagged)
  expect_equal(a$out[a$time >= 2], rep(8, 5))      # 80% of 10 survives
  expect_equal(b$out, a$out)
  expect_equal(b$loss, a$loss)
})

test_that("TRANSTIME, PROCTIME and CAPACITY report a conveyor's settings; QLEN and oven builtins are refused", {
  m <- conveyor_model(
    c('<stock name="belt"><eqn>0</eqn><inflow>in</inflow><outflow>out</outflow>',
      '<conveyor><len>1 + TIME</len><capacity>500</capacity></conveyor></stock>',
      '<aux name="tt"><eqn>TRANSTIME(belt)</eqn></aux>', '<aux name="pt"><eqn>PROCTIME(belt)</eqn></aux>',
      '<aux name="cap"><eqn>CAPACITY(belt)</eqn></aux>'),
    c('<flow name="in"><eqn>IF TIME &lt;= 2 THEN 5 ELSE 0</eqn></flow>', '<flow name="out"/>'), stop = 5, dt = 1)
  out <- simulate(m)
  expect_equal(out$tt, 1 + out$time)
  # material enters up to time 2: PROCTIME follows the transit time, then holds 3
  expect_equal(out$pt, c(1, 2, 3, 3, 3, 3))
  expect_equal(unique(out$cap), 500)
  err <- tryCatch(conveyor_model(c('<stock name="line"><eqn>0</eqn><queue/></stock>',
                                   '<aux name="n"><eqn>QLEN(line)</eqn></aux>'), character()), error = identity)
  expect_s3_class(err, "sdvm_unsupported_error")
  expect_match(conditionMessage(err), "QLEN")
})

test_that("a Stella oven is refused, not run as a plain stock", {
  err <- tryCatch(conveyor_model('<stock name="kiln"><eqn>0</eqn><oven/></stock>', character()), error = identity)
  expect_s3_class(err, "sdvm_unsupported_error")
  expect_match(conditionMessage(err), "oven")
})

test_that("discrete and batch conveyors are refused with their option named", {
  for (opt in c("<discrete/>", "<batch_integrity/>")) {
    err <- tryCatch(conveyor_model(sprintf('<stock name="belt"><eqn>0</eqn><conveyor><len>2</len>%s</conveyor></stock>', opt),
                                   character()), error = identity)
    expect_s3_class(err, "sdvm_unsupported_error")
    expect_match(conditionMessage(err), sub("[<>/].*", "", sub("^<", "", opt)))
  }
})

test_that("a queue sends on all it holds, as much as the conveyor downstream takes", {
  # Stella's help (Queue computation): a queue takes whatever flows in and
  # wants to flow everything through its outflows, held back only by an
  # inflow-limited or capacity-constrained conveyor downstream
  m <- conveyor_model(
    c('<stock name="line"><eqn>0</eqn><inflow>arrivals</inflow><outflow>entering</outflow><queue/></stock>',
      '<stock name="belt"><eqn>0</eqn><inflow>entering</inflow><outflow>done</outflow>',
      '<conveyor><len>2</len><in_limit>6</in_limit></conveyor></stock>',
      '<stock name="free line"><eqn>0</eqn><inflow>a2</inflow><outflow>out2</outflow><queue/></stock>'),
    c('<flow name="arrivals"><eqn>10</eqn></flow>', '<flow name="entering"/>', '<flow name="done"/>',
      '<flow name="a2"><eqn>10</eqn></flow>', '<flow name="out2"/>'), stop = 8, dt = 0.5)
  out <- simulate(m)
  expect_equal(unique(out$entering[-1]), 6)               # the conveyor takes 6 a time unit
  # 10 arrive, 6 leave a time unit (the first DT's 5 wait a DT)
  expect_equal(out$line, ifelse(out$time > 0, 5 + 4 * (out$time - 0.5), 0))
  expect_equal(unique(out[["free line"]][-1]), 5)         # one DT's arrivals, sent on the next DT
  expect_equal(unique(out$out2[-1]), 10)
})

test_that("an arrayed conveyor is one belt per element", {
  dimd <- function(x) sprintf('<dimensions><dim name="R"/></dimensions>%s', x)
  path <- tempfile(fileext = ".xmile")
  writeLines(c('<?xml version="1.0" encoding="utf-8"?>',
               '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">',
               '<header><vendor>test</vendor><product>test</product></header>',
               '<sim_specs method="Euler"><start>0</start><stop>6</stop><dt>0.5</dt></sim_specs>',
               '<dimensions><dim name="R"><elem name="north"/><elem name="south"/></dim></dimensions>',
               '<model><variables>',
               sprintf('<stock name="belt">%s<inflow>arriving</inflow><outflow>departing</outflow><outflow>seepage</outflow><conveyor><len>transit[R]</len></conveyor></stock>',
                       dimd('<eqn>10</eqn>')),
               sprintf('<flow name="arriving">%s</flow>', dimd('<eqn>IF R = 1 THEN 100 + 10 * TIME ELSE 50</eqn>')),
               sprintf('<flow name="departing">%s</flow>', dimd('')),
               sprintf('<flow name="seepage">%s<leak/></flow>', dimd('<eqn>0.1</eqn>')),
               sprintf('<aux name="transit">%s</aux>', dimd('<eqn>R + 1</eqn>')),
               # the same belts one by one
               '<stock name="north belt"><eqn>10</eqn><inflow>n in</inflow><outflow>n out</outflow><outflow>n leak</outflow><conveyor><len>2</len></conveyor></stock>',
               '<flow name="n in"><eqn>100 + 10 * TIME</eqn></flow>', '<flow name="n out"/>',
               '<flow name="n leak"><eqn>0.1</eqn><leak/></flow>',
               '<stock name="south belt"><eqn>10</eqn><inflow>s in</inflow><outflow>s out</outflow><outflow>s leak</outflow><conveyor><len>3</len></conveyor></stock>',
               '<flow name="s in"><eqn>50</eqn></flow>', '<flow name="s out"/>',
               '<flow name="s leak"><eqn>0.1</eqn><leak/></flow>',
               '</variables></model></xmile>'), path)
  out <- simulate(read_xmile(path))
  expect_equal(out[["departing[north]"]], out[["n out"]])
  expect_equal(out[["departing[south]"]], out[["s out"]])
  expect_equal(out[["seepage[south]"]], out[["s leak"]])
  expect_equal(out[["belt[north]"]], out[["north belt"]])
})
