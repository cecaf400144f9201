# The rows of docs/language.md: one data.frame row per table row, with
# its section, name, status and test.  Used by tools/language-counts.R
# and tests/testthat/test-language-table.R.
language_rows <- function(lines) {
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
  do.call(rbind, rows)
}

# The lines of the "Counts" paragraph (from the line starting "Counts" to
# the next blank line).
language_counts_span <- function(lines) {
  start <- grep("^Counts", lines)
  end <- start
  while (end < length(lines) && nzchar(lines[end + 1])) end <- end + 1
  start:end
}
