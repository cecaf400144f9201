# Vensim's binary results (.vdf), decoded and checked against what is
# known of them: the series of WORLD3-03's and C-LEARN's runs as
# reference.tsv gives them, and for the small models of the simlin
# project's vdf fixtures, runs of their .mdl files.

canon_lookup_names <- function(m)
  sdvm:::canon_name(vapply(Filter(function(v) identical(v$kind, "lookup"), m$vars), `[[`, "", "name"))

test_that("read_vdf() gives every series of WORLD3-03's run as the reference has it", {
  skip_if_no_corpus()
  d <- read_vdf(corpus_path("world3", "SCEN01.VDF"))
  ref <- read_reference(corpus_path("world3", "reference.tsv"))
  expect_equal(d$time, ref$time)
  rk <- ref_canon(names(ref))[-1]
  dk <- ref_canon(names(d))
  expect_setequal(dk[-1], rk)                        # the same 296 series, no more
  for (k in rk) {
    a <- d[[match(k, dk)]]; e <- ref[[match(k, ref_canon(names(ref)))]]
    expect_equal(a, e, tolerance = 1e-6, info = k)  # the same floats (the reference prints 7 digits)
  }
})

test_that("read_vdf() gives C-LEARN's series, arrays by element, as the reference has them", {
  skip_if_no_corpus()
  d <- read_vdf(corpus_path("clearn", "Ref.vdf"))
  ref <- read_reference(corpus_path("clearn", "reference.tsv"))
  dk <- ref_canon(names(d)); rk <- ref_canon(names(ref))
  m <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
  lookups <- canon_lookup_names(m)
  # the reference lists lookup tables too (as zeros): they are not series
  want <- rk[-1][!sub("\\[.*", "", rk[-1]) %in% lookups]
  expect_gt(length(want), 2900)
  expect_true(all(want %in% dk))
  bad <- Filter(function(k) !isTRUE(all.equal(d[[match(k, dk)]], ref[[match(k, rk)]], tolerance = 1e-6)), want)
  expect_identical(bad, character())
})

test_that("read_vdf() of small models equals runs of the models, with the settings Vensim saved", {
  skip_if_no_corpus()
  cases <- list(c("water/water.vdf", "water/water.mdl"), c("pop/pop.vdf", "pop/pop.mdl"),
                c("subscripts/subscripts.vdf", "subscripts/subscripts.mdl"),
                c("consts/b_is_3.vdf", "consts/consts.mdl"), c("econ/mark2.vdf", "econ/mark2.mdl"))
  for (cs in cases) {
    d <- read_vdf(corpus_path("vdf", cs[1]))
    m <- read_vensim(corpus_path("vdf", cs[2]))
    o <- simulate(m)
    common <- intersect(names(d)[-1], names(o)[-1])
    expect_gt(length(common), 0)
    t <- intersect(d$time, o$time)
    for (k in common) {
      # the corpus rule (../shared/models/README.md): Vensim keeps floats
      e <- d[[k]][match(t, d$time)]; a <- o[[k]][match(t, o$time)]
      ok <- abs(e - a) <= 1e-4 * max(abs(e)) + 0.01 * pmax(abs(e), abs(a))
      expect_true(all(ok), info = paste(cs[1], k))
    }
  }
  # pop and mark2 are saved to run with RK4 (the settings block's line 15)
  expect_identical(read_vensim(corpus_path("vdf", "pop", "pop.mdl"))$settings$method, "rk4")
  expect_identical(read_vensim(corpus_path("vdf", "water", "water.mdl"))$settings$method, "euler")
})

test_that("a .vdf is data for a run, and a dataset .vdf is refused with advice", {
  skip_if_no_corpus()
  dir <- tempfile("vdf"); dir.create(dir)
  # water's level, taken from Vensim's run as data
  writeLines(c("water level ~~|", "twice = 2 * water level ~~|", "INITIAL TIME = 0 ~~|",
               "FINAL TIME = 20 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"), file.path(dir, "m.mdl"))
  out <- simulate(read_vensim(file.path(dir, "m.mdl")), data = corpus_path("vdf", "water", "water.vdf"))
  v <- read_vdf(corpus_path("vdf", "water", "water.vdf"))
  expect_equal(out$twice, 2 * v[["water level"]])
  err <- tryCatch(read_vdf(corpus_path("vdf", "econ", "data.vdf")), error = identity)
  expect_s3_class(err, "sdvm_io_error")
  expect_match(conditionMessage(err), "dataset")
  bad <- tempfile(fileext = ".vdf")
  writeBin(as.raw(1:200), bad)
  expect_error(read_vdf(bad), class = "sdvm_io_error")
})

test_that("GET VDF DATA and GET VDF CONSTANTS read another run's results", {
  skip_if_no_corpus()
  dir <- tempfile("vdf"); dir.create(dir)
  file.copy(corpus_path("vdf", "water", "water.vdf"), dir)
  writeLines(c("wl := GET VDF DATA('water.vdf', 'water level', 10, 1) ~~|",
               "at := GET VDF CONSTANTS('water.vdf', 'adjustment time') ~~|",
               "INITIAL TIME = 10 ~~|", "FINAL TIME = 30 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"),
             file.path(dir, "m.mdl"))
  out <- simulate(read_vensim(file.path(dir, "m.mdl")))
  v <- read_vdf(corpus_path("vdf", "water", "water.vdf"))
  expect_equal(out$wl, v[["water level"]])        # shifted by start 10
  expect_equal(unique(out$at), 2)
  # GET VDF LOOKUPS: the series as a lookup table of (shifted) time
  writeLines(c("tab = GET VDF LOOKUPS('water.vdf', 'water level', 0, 2) ~~|", "y = tab(2 * Time + 1) ~~|",
               "INITIAL TIME = 0 ~~|", "FINAL TIME = 5 ~~|", "TIME STEP = 1 ~~|", "SAVEPER = 1 ~~|"),
             file.path(dir, "lk.mdl"))
  lk <- simulate(read_vensim(file.path(dir, "lk.mdl")))
  wl <- v[["water level"]]
  expect_equal(lk$y, (wl[1:6] + wl[2:7]) / 2)     # halfway between points 2 time units apart
  writeLines(c("x := GET VDF DATA('water.vdf', 'no such thing') ~~|", "INITIAL TIME = 0 ~~|",
               "FINAL TIME = 1 ~~|", "TIME STEP = 1 ~~|"), file.path(dir, "bad.mdl"))
  expect_error(read_vensim(file.path(dir, "bad.mdl")), "no variable 'no such thing'", class = "sdvm_io_error")
})
