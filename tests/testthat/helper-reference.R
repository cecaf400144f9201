# Reference outputs (SDXorg test-models, C-LEARN, WORLD3) and how runs are
# compared with them, under the rule in ../shared/models/README.md.  The
# corpus is never shipped: tests find it through SDVM_CORPUS and skip when it
# is absent (as on CRAN).

# (a) Locating the corpus --------------------------------------------------

# The folder SDVM_CORPUS points at ("" when unset or missing).
sd_corpus <- function() {
  p <- Sys.getenv("SDVM_CORPUS")
  if (nzchar(p) && dir.exists(p)) normalizePath(p) else ""
}

skip_if_no_corpus <- function() {
  testthat::skip_if(!nzchar(sd_corpus()), "SDVM_CORPUS is not set (reference models are not shipped)")
}

corpus_path <- function(...) file.path(sd_corpus(), ...)

# (c) Canonical names: case-insensitive, quotes stripped, runs of spaces and
# underscores folded to one space, trimmed; and (for array elements written
# Name[A, B]) no spaces around brackets and commas.
ref_canon <- function(x) {
  x <- gsub('"', "", x)
  x <- gsub("[[:space:]_]+", " ", x)
  x <- gsub(" *([][,]) *", "\\1", x)
  tolower(trimws(x))
}

# (b) Reading a reference --------------------------------------------------

# A reference file (.tab: tab-separated, .csv: comma-separated; \n, \r\n or
# old Mac \r line endings; names possibly in double quotes) as a data.frame
# whose first column is `time`.  Transposed files (one variable per row: the
# first row is Time and the times, the first column the variable names) are
# detected and turned around.  Values are kept as written (Vensim's :NA: is
# -2^109); empty cells are NA.
read_reference <- function(path) {
  raw <- readChar(path, file.size(path), useBytes = TRUE)
  raw <- sub("^\xef\xbb\xbf", "", raw, useBytes = TRUE)   # UTF-8 byte order mark
  raw <- gsub("\r\n?", "\n", raw, useBytes = TRUE)
  lines <- strsplit(raw, "\n", fixed = TRUE)[[1]]
  lines <- lines[nzchar(trimws(lines))]
  if (length(lines) < 2) stop(sprintf("%s: fewer than two lines", path))
  sep <- if (grepl("\t", lines[1], fixed = TRUE)) "\t" else ","
  # the files are UTF-8: read them as bytes marked UTF-8, so that names
  # survive in any locale (a text connection would escape them in C)
  con <- textConnection(lines, encoding = "bytes")
  on.exit(close(con))
  cells <- as.matrix(utils::read.table(
    con, sep = sep, quote = "\"", header = FALSE, colClasses = "character", encoding = "UTF-8",
    comment.char = "", fill = TRUE, strip.white = TRUE, na.strings = character(),
    blank.lines.skip = TRUE, col.names = paste0("V", seq_len(max(count_fields(lines, sep))))))
  num <- function(x) suppressWarnings(as.numeric(x))
  # normal files have numbers down the first column (the time, whatever its
  # header says: "Time", "Month", ...); transposed ones have names there
  transposed <- is.na(num(cells[2, 1])) && !is.na(num(cells[1, 2]))
  if (transposed) cells <- t(cells)
  header <- cells[1, ]
  keep <- nzchar(header)
  body <- cells[-1, keep, drop = FALSE]
  vals <- lapply(seq_len(ncol(body)), function(j) num(body[, j]))
  names(vals) <- header[keep]
  # (not as.data.frame(), which would translate the names to the locale's)
  df <- structure(vals, class = "data.frame", row.names = c(NA_integer_, -nrow(body)))
  names(df)[1] <- "time"
  keep_rows <- !is.na(df$time)
  if (!any(keep_rows)) stop(sprintf("%s is not an output table: no times in its first column", path))
  df <- df[keep_rows, , drop = FALSE]
  attr(df, "time_tol") <- printed_time_tol(body[keep_rows, 1])
  df
}

# How far each printed time may be from the time it was printed from.
# Times are exact (to 1e-9, relative) unless the file shows that it rounded
# them: Vensim writes 6 significant digits (10.03125 becomes 10.0312),
# Stella a fixed number of decimals (0.03125 becomes 0.031), which makes the
# printed steps uneven.  Then a printed time stands for any time that rounds
# to it: half a unit of its last digit.
printed_time_tol <- function(txt) {
  txt <- trimws(txt)
  t <- suppressWarnings(as.numeric(txt))
  exact <- 1e-9 * pmax(1, abs(t))
  steps <- diff(t)
  if (length(steps) < 2 || all(abs(steps - stats::median(steps)) <= 1e-9 * max(1, abs(t)))) return(exact)
  mant <- sub("[eE].*$", "", txt)
  expo <- ifelse(grepl("[eE]", txt), suppressWarnings(as.numeric(sub("^[^eE]*[eE]", "", txt))), 0)
  decimals <- ifelse(grepl(".", mant, fixed = TRUE), nchar(sub("^[^.]*\\.", "", mant)), 0)
  half_unit <- 0.5 * 10^(expo - decimals) * (1 + 1e-9)
  ifelse(is.na(half_unit), exact, pmax(exact, half_unit))
}

count_fields <- function(lines, sep) {
  utils::count.fields(textConnection(lines), sep = sep, quote = "\"", comment.char = "",
                      blank.lines.skip = TRUE)
}

# (d) Comparing ------------------------------------------------------------

# Vensim's :NA: is -2^109.  Its output files write a :NA: value as -2^109,
# or (C-LEARN's reference, decoded from a .vdf) as -2^110 once a series has
# had a value: there `IF THEN ELSE(Time <= 2006, lookup, :NA:)` (Historical
# GDP) reads -2^110 after 2006 while `IF THEN ELSE(Time >= 1990, x, :NA:)`
# (Temperature change from 1990) is empty before 1990, and no equation of
# either doubles anything; the file holds no -2^109 at all.  Both markers
# are read as :NA:, which then agrees only with :NA:.
vensim_na <- -2^109
is_vensim_na <- function(e) !is.na(e) & (e == vensim_na | e == 2 * vensim_na)

# Compare a simulate() data.frame `out` with a reference data.frame `ref`
# (from read_reference()).  At the reference's times (matched within 1e-9,
# relative, or within the rounding of a time printed rounded:
# printed_time_tol(); a time missing from the output is an error),
# a saved value `a`
# agrees with the reference `e` when
#     |e - a| <= 1e-4 * peak + 0.01 * max(|e|, |a|),   peak = max |e| in the column.
# Only reference columns that name model outputs are compared; it is an
# error if none does.  Returns list(ok, n_columns, columns, failures), with
# one row of `failures` per failing column (named canonically, ref_canon()):
# the first failing time, the values there, and how many times failed.
compare_reference <- function(out, ref) {
  out_key <- ref_canon(names(out))
  ref_key <- ref_canon(names(ref))
  cols <- setdiff(intersect(ref_key, out_key), "time")
  if (!length(cols)) stop("no reference column matches a model variable")
  tol <- attr(ref, "time_tol")
  if (is.null(tol)) tol <- 1e-9 * pmax(1, abs(ref$time))
  rows <- vapply(seq_along(ref$time), function(i) {
    d <- abs(out$time - ref$time[i])
    k <- which.min(d)
    if (length(k) && d[k] <= tol[i]) k else NA_integer_
  }, 1L)
  if (anyNA(rows)) {
    stop(sprintf("time %.15g of the reference is missing from the output (%d of %d times missing)",
                 ref$time[is.na(rows)][1], sum(is.na(rows)), length(rows)))
  }
  fails <- list()
  for (k in cols) {
    e <- ref[[match(k, ref_key)]]
    a <- out[[match(k, out_key)]][rows]
    na_cell <- is_vensim_na(e)
    # the peak of the column's values, not of its :NA: markers (which
    # would make the tolerance of every other cell about 1e28)
    peak <- suppressWarnings(max(abs(e[!na_cell]), na.rm = TRUE))
    if (!is.finite(peak)) peak <- 0
    tol <- 1e-4 * peak + 0.01 * pmax(abs(e), abs(a))
    # a :NA: cell agrees only with :NA: (-2^109) computed by the model
    e[na_cell] <- vensim_na
    tol[na_cell] <- 0
    # an empty cell in the reference is not compared
    bad <- which(!is.na(e) & !(abs(e - a) <= tol))
    if (length(bad)) {
      fails[[length(fails) + 1]] <- data.frame(
        column = k, time = ref$time[bad[1]],
        expected = e[bad[1]], got = a[bad[1]], n_bad = length(bad), stringsAsFactors = FALSE)
    }
  }
  failures <- if (length(fails)) do.call(rbind, fails) else
    data.frame(column = character(), time = numeric(), expected = numeric(),
               got = numeric(), n_bad = integer(), stringsAsFactors = FALSE)
  list(ok = !nrow(failures), n_columns = length(cols), columns = cols, failures = failures)
}

# A testthat expectation: `out` matches the reference file at `ref_path`.
# The failure message names the first failing column and time (and the
# others that fail).  Returns the comparison invisibly.
expect_matches_reference <- function(out, ref_path) {
  res <- compare_reference(out, read_reference(ref_path))
  msg <- ""
  if (!res$ok) {
    f <- res$failures
    msg <- sprintf("%s differs from the reference in %d of %d columns; first: '%s' at time %.10g: expected %.10g, got %.10g\n%s",
                   basename(ref_path), nrow(f), res$n_columns, f$column[1], f$time[1], f$expected[1], f$got[1],
                   paste(utils::capture.output(print(f)), collapse = "\n"))
  }
  testthat::expect(res$ok, msg)
  invisible(res)
}
