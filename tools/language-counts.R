# Rewrite the "Counts" paragraph of docs/language.md from its tables'
# rows (tests/testthat/test-language-table.R checks that they agree).
# Run from the package root: Rscript tools/language-counts.R
source(file.path("tools", "language-table.R"))
path <- file.path("docs", "language.md")
lines <- readLines(path, encoding = "UTF-8")
rows <- language_rows(lines)
parts <- vapply(unique(rows$section), function(sec) {
  sts <- c("supported", "refused", "read")
  n <- vapply(sts, function(st) sum(rows$section == sec & rows$status == st), 0)
  sprintf("%s %s", sec, paste(sprintf("%d %s", n[n > 0], sts[n > 0]), collapse = ", "))
}, "")
text <- strwrap(paste0("Counts (rows of the tables below): ", paste(parts, collapse = "; "), "."), 72)
span <- language_counts_span(lines)
lines <- c(lines[seq_len(span[1] - 1)], text, lines[-seq_len(max(span))])
writeLines(lines, path)
cat(text, sep = "\n")
