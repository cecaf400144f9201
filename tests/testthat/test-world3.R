# WORLD3-03, read unmodified from its .mdl, against Vensim's standard run.
test_that("WORLD3-03 matches Vensim on every series", {
  skip_if_no_corpus()
  path <- corpus_path("world3", "wrld3-03.mdl")
  m <- read_vensim(path)
  out <- simulate(m)
  ref <- read_reference(corpus_path("world3", "reference.tsv"))
  res <- compare_reference(out, ref)
  expect(res$ok, paste(capture.output(print(res$failures)), collapse = "\n"))
  # every reference series that names a model variable was compared
  # (the rest are Vensim internals such as #SMOOTH3(...)# and the time
  # settings, which simulate() leaves out by default)
  missing <- setdiff(ref_canon(names(ref)), ref_canon(names(out)))
  expect_equal(missing[!grepl("^#", missing)], c("final time", "initial time", "saveper", "time step"))
  expect_gte(res$n_columns, 250)
  # and with its stocks in single precision, as Vensim holds them
  res1 <- compare_reference(simulate(m, precision = "single"), ref)
  expect(res1$ok, paste(capture.output(print(res1$failures)), collapse = "\n"))
})
