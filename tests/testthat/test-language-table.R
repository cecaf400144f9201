# docs/language.md, the table of what the readers cover, kept honest:
# its counts are those of its rows, every supported row names the test
# that checks it, and every test file it names exists.  (Run from the
# source tree; an installed package has no docs/.)

language_table <- function() {
  path <- file.path(testthat::test_path(), "..", "..", "docs", "language.md")
  if (!file.exists(path)) testthat::skip("docs/language.md is not beside the tests (installed package)")
  lines <- readLines(path, encoding = "UTF-8")
  section <- ""
  rows <- list()
  for (ln in lines) {
    if (startsWith(ln, "## ")) section <- sub("^## ", "", ln)
    if (!startsWith(ln, "| ") || grepl("^\\|[- |]+\\|$", ln)) next
    cells <- trimws(strsplit(gsub("\\\\\\|", "", ln), "|", fixed = TRUE)[[1]])[-1]
    if (length(cells) < 4 || cells[2] == "Status") next
    rows[[length(rows) + 1]] <- data.frame(section = section, name = cells[1], status = cells[2],
                                           test = cells[4])
  }
  list(lines = lines, rows = do.call(rbind, rows))
}

test_that("docs/language.md: counts match the rows, supported rows name existing tests", {
  tab <- language_table()
  rows <- tab$rows
  expect_true(all(rows$status %in% c("supported", "refused", "read")))
  # the counts line
  start <- grep("^Counts", tab$lines)
  end <- start
  while (end < length(tab$lines) && nzchar(tab$lines[end + 1])) end <- end + 1
  counts <- paste(tab$lines[start:end], collapse = " ")
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
