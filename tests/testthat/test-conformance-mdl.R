# Conformance on the SDXorg test-models (.mdl): every case with a reference
# output is read with read_vensim() and compared.  The cases listed in
# conformance-mdl-pass.txt passed when the list was last updated; this test
# fails if any of them stops passing.  Regenerate the list with
# Rscript tools/conformance.R --update  (only ever with cases that pass).
test_that("SDXorg .mdl cases that passed before still pass", {
  skip_if_no_corpus()
  res <- run_conformance("mdl")
  expected <- expect_listed_cases_pass(res, "conformance-mdl-pass.txt", ".mdl")
  expect_gte(length(expected), 1)
})
