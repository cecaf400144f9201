# Rewrite the "Counts" paragraph of docs/language.md from its tables'
# rows (tests/testthat/test-language-table.R checks that they agree).
# Run from the package root: Rscript tools/language-counts.R
path <- file.path("docs", "language.md")
lines <- readLines(path, encoding = "UTF-8")
section <- ""
tally <- list()
for (ln in lines) {
  if (startsWith(ln, "## ")) section <- sub("^## ", "", ln)
  if (!startsWith(ln, "| ") || grepl("^\\|[- |]+\\|$", ln)) next
  cells <- trimws(strsplit(gsub("\\\\\\|", "", ln), "|", fixed = TRUE)[[1]])[-1]
  if (length(cells) < 4 || cells[2] == "Status") next
  key <- paste(section, cells[2], sep = "\r")
  tally[[key]] <- (if (is.null(tally[[key]])) 0 else tally[[key]]) + 1
}
parts <- character()
for (sec in unique(sub("\r.*", "", names(tally)))) {
  sts <- c("supported", "refused", "read")
  n <- vapply(sts, function(st) { x <- tally[[paste(sec, st, sep = "\r")]]; if (is.null(x)) 0 else x }, 0)
  parts <- c(parts, sprintf("%s %s", sec, paste(sprintf("%d %s", n[n > 0], sts[n > 0]), collapse = ", ")))
}
text <- strwrap(paste0("Counts (rows of the tables below): ", paste(parts, collapse = "; "), "."), 72)
start <- grep("^Counts", lines)
end <- start
while (end < length(lines) && nzchar(lines[end + 1])) end <- end + 1
lines <- c(lines[seq_len(start - 1)], text, lines[-seq_len(end)])
writeLines(lines, path)
cat(text, sep = "\n")
