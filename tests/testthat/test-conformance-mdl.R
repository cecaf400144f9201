# Conformance on the SDXorg test-models (.mdl): every case with a reference
# output is read with read_vensim() and compared.  The cases listed in
# conformance-mdl-pass.txt passed when the list was last updated; this test
# fails if any of them stops passing.  Regenerate the list with
# Rscript tools/conformance.R --update  (only ever with cases that pass).
test_that("SDXorg .mdl cases that passed before still pass", {
  skip_if_no_corpus()
  res <- run_conformance("mdl")
  width <- max(nchar(res$case))
  lines <- sprintf("%-*s  %-5s  %s", width, res$case, res$status, substr(res$detail, 1, 110))
  message(paste(c(sprintf(".mdl conformance: %d of %d cases pass", sum(res$status == "pass"), nrow(res)),
                  lines), collapse = "\n"))
  expected <- readLines(test_path("conformance-mdl-pass.txt"))
  expected <- expected[nzchar(expected) & !startsWith(expected, "#")]
  expect_true(all(expected %in% res$case), info = "a listed case is missing from the corpus")
  now_failing <- res[res$case %in% expected & res$status != "pass", ]
  expect(nrow(now_failing) == 0,
         paste(c("cases that passed before now fail:", sprintf("%s: %s", now_failing$case, now_failing$detail)),
               collapse = "\n"))
  expect_gte(length(expected), 1)
})
