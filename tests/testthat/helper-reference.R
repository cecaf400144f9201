# Reading SDXorg / Vensim reference outputs and comparing runs with them
# under the rule in ../shared/models/README.md.

sd_corpus <- function() {
  p <- Sys.getenv("SDVM_CORPUS")
  if (nzchar(p) && dir.exists(p)) normalizePath(p) else ""
}

skip_if_no_corpus <- function() {
  testthat::skip_if(!nzchar(sd_corpus()), "SDVM_CORPUS is not set (reference models are not shipped)")
}

corpus_path <- function(...) file.path(sd_corpus(), ...)

ref_canon <- function(x) {
  x <- gsub('"', "", x)
  x <- gsub("[[:space:]_]+", " ", x)
  x <- gsub(" *([][,]) *", "\\1", x)
  tolower(trimws(x))
}

# A reference file as a data.frame with a `time` column; handles tab or
# comma separation, old Mac line endings, and transposed files (one
# variable per row).
read_reference <- function(path) {
  raw <- readChar(path, file.size(path), useBytes = TRUE)
  raw <- gsub("\r\n?", "\n", raw)
  lines <- strsplit(raw, "\n", fixed = TRUE)[[1]]
  lines <- lines[nzchar(trimws(lines))]
  sep <- if (grepl("\t", lines[1])) "\t" else ","
  cells <- lapply(lines, function(l) strsplit(l, sep, fixed = TRUE)[[1]])
  first <- vapply(cells, `[`, "", 1)
  # normal files have numbers down the first column (the time, whatever its
  # header says: "Time", "Month", ...); transposed ones have names there
  if (suppressWarnings(!is.na(as.numeric(cells[[2]][1])))) {
    header <- cells[[1]]
    body <- cells[-1]
    vals <- lapply(seq_along(header), function(j) suppressWarnings(as.numeric(vapply(body, function(r) if (j <= length(r)) r[j] else NA_character_, ""))))
    names(vals) <- header
  } else {
    # transposed: each row is a variable, first row Time
    vals <- lapply(cells, function(r) suppressWarnings(as.numeric(r[-1])))
    names(vals) <- first
  }
  df <- as.data.frame(vals, check.names = FALSE, optional = TRUE)
  names(df)[1] <- "time"
  df
}

# Compare a simulate() result with a reference.  Only reference columns that
# name model outputs are compared, at the reference's times.
compare_reference <- function(out, ref) {
  out_key <- ref_canon(names(out))
  ref_key <- ref_canon(names(ref))
  cols <- setdiff(intersect(ref_key, out_key), "time")
  if (!length(cols)) stop("no reference column matches a model variable")
  # reference times are printed with about 6 significant digits
  rows <- vapply(ref$time, function(t) {
    d <- abs(out$time - t)
    k <- which.min(d)
    if (length(k) && d[k] <= 1e-5 * max(1, abs(t))) k else NA_integer_
  }, 1L)
  if (anyNA(rows)) stop(sprintf("time %g of the reference is missing from the output", ref$time[is.na(rows)][1]))
  fails <- list()
  for (k in cols) {
    e <- ref[[match(k, ref_key)]]
    a <- out[[match(k, out_key)]][rows]
    ok <- is.na(e)
    peak <- max(abs(e), na.rm = TRUE)
    tol <- 1e-4 * peak + 0.01 * pmax(abs(e), abs(a))
    bad <- which(!ok & !(abs(e - a) <= tol))
    if (length(bad)) fails[[length(fails) + 1]] <- data.frame(
      column = k, time = ref$time[bad[1]], expected = e[bad[1]], got = a[bad[1]], n_bad = length(bad))
  }
  list(ok = !length(fails), n_columns = length(cols),
       failures = if (length(fails)) do.call(rbind, fails) else NULL)
}

expect_matches_reference <- function(out, ref_path) {
  res <- compare_reference(out, read_reference(ref_path))
  msg <- if (res$ok) "" else paste(utils::capture.output(print(res$failures)), collapse = "\n")
  testthat::expect(res$ok, sprintf("%s differs from the reference:\n%s", basename(ref_path), msg))
  invisible(res)
}
