# docs/language.md, the table of what the readers cover, kept honest:
# its counts are those of its rows, every supported row names the test
# that checks it, and every test file it names exists.  (Run from the
# source tree; an installed package has no docs/ or tools/.)

test_that("docs/language.md: counts match the rows, supported rows name existing tests", {
  root <- file.path(testthat::test_path(), "..", "..")
  path <- file.path(root, "docs", "language.md")
  if (!file.exists(path) || !file.exists(file.path(root, "tools", "language-table.R")))
    skip("docs/language.md is not beside the tests (installed package)")
  source(file.path(root, "tools", "language-table.R"), local = TRUE)
  lines <- readLines(path, encoding = "UTF-8")
  rows <- language_rows(lines)
  expect_true(all(rows$status %in% c("supported", "refused", "read")))
  counts <- paste(lines[language_counts_span(lines)], collapse = " ")
  for (sec in unique(rows$section)) for (st in c("supported", "refused", "read")) {
    n <- sum(rows$section == sec & rows$status == st)
    if (!n) next
    expect_match(counts, sprintf("%s[^;]*\\b%d %s", sec, n, st), info = paste(sec, st))
  }
  # every supported row says what checks it, and the named files exist
  expect_equal(rows$name[rows$status == "supported" & rows$test == ""], character())
  files <- unique(unlist(regmatches(rows$test, gregexpr("test-[a-z0-9-]+\\.R", rows$test))))
  expect_equal(files[!file.exists(file.path(testthat::test_path(), files))], character())
})
