# C-LEARN v77, read unmodified from its .mdl and run with its own settings,
# against Vensim's run (reference.tsv).  ../shared/models/README.md lists
# four series known to differ between Vensim and other faithful engines
# (single-precision noise, and how :NA: is written); every other series
# must agree.
test_that("C-LEARN matches Vensim on every series but the four known ones", {
  skip_if_no_corpus()
  m <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
  expect_equal(length(m$macros), 4)
  expect_equal(length(m$dims), 18)
  out <- simulate(m)
  expect_equal(nrow(out), 251)
  ref <- read_reference(corpus_path("clearn", "reference.tsv"))
  res <- compare_reference(out, ref)
  known <- c("co2eq gap closing percentage", "diffusion flux", "historical gdp", "last set target year")
  fam <- sub("\\[.*$", "", res$failures$column)
  unexpected <- res$failures[!fam %in% known, ]
  expect(nrow(unexpected) == 0, paste(capture.output(print(unexpected)), collapse = "\n"))
  expect_gte(res$n_columns, 2900)
})
