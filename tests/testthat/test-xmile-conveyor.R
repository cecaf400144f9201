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

test_that("arrested and discrete conveyors are refused with their option named", {
  for (opt in c("<arrest>1</arrest>", "<discrete/>")) {
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
