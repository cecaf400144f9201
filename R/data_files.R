# Data files as Vensim reads them for a run: its text data format (.dat),
# tables (.tab, .txt, .csv: one variable per row or per column), Excel
# workbooks (.xlsx, .xls: the first sheet, laid out as a table) and its
# binary results (.vdf, read_vdf()).  Each becomes a list of series
# list(x = times, y = values) named as the file names them (display names,
# array elements as "Name[a,b]"), from which simulate(data =) fills a
# model's data variables, or a data frame like simulate()'s.

#' Read a Vensim data or results file
#'
#' `read_vensim_data()` reads any of the files Vensim takes as data for a
#' run or writes as results: its text data format (`.dat`: a variable
#' name on a line, then one `time value` pair per line), tab- or
#' comma-separated tables (`.tab`, `.txt`, `.csv`, with one variable per
#' row, as Vensim exports them, or one per column), Excel workbooks
#' (`.xlsx`, `.xls`: the first sheet, as a table; needs readxl) and
#' Vensim's binary results (`.vdf`, see [read_vdf()]).
#'
#' @param path Path to the file.
#' @return A data frame like [simulate()]'s: a `time` column (the union of
#'   the times of all series) and one column per variable, named as in the
#'   file.  A series given at one time only (a constant) is repeated at
#'   every time; other times a series lacks are `NA`.
#' @seealso [simulate()]'s `data` argument, which fills a model's data
#'   variables from such files.
#' @export
#' @examples
#' f <- tempfile(fileext = ".dat")
#' writeLines(c("Population", "0\t100", "10\t150", "growth rate", "0\t0.04"), f)
#' read_vensim_data(f)
read_vensim_data <- function(path) {
  series_frame(data_series(path))
}

# The series of one data file: a named list of list(x, y).
data_series <- function(path) {
  if (!is.character(path) || length(path) != 1 || is.na(path) || !file.exists(path) || dir.exists(path))
    sdvm_abort(sprintf("Cannot read data file '%s': no such file.", paste(format(path), collapse = " ")),
               "sdvm_io_error", file = if (is.character(path) && length(path) == 1) path else NA_character_)
  ext <- tolower(tools::file_ext(path))
  switch(ext,
    dat = dat_series(path),
    vdf = , vdfx = vdf_series(path),
    tab = , txt = , csv = table_series(text_cells(path, if (ext == "csv") "," else "\t"), path),
    xlsx = , xls = , xlsm = table_series(sheet_cells(path), path),
    sdvm_abort(sprintf("Unknown data file type '.%s' ('%s'): expected .dat, .vdf, .tab, .txt, .csv, .xlsx or .xls.",
                       ext, basename(path)), "sdvm_io_error", file = path))
}

# Vensim's text data format: a line holding a name starts a series; the
# lines after it hold a time and a value (blank or tab separated).
dat_series <- function(path) {
  lines <- readLines(path, warn = FALSE, encoding = "UTF-8")
  lines <- sub("\r$", "", lines)
  lines <- lines[nzchar(trimws(lines))]
  fields <- strsplit(trimws(lines), "[[:space:]]+")
  two <- lengths(fields) == 2L
  num <- matrix(NA_real_, length(lines), 2)
  num[two, ] <- suppressWarnings(matrix(as.numeric(unlist(fields[two])), ncol = 2, byrow = TRUE))
  is_point <- two & !is.na(num[, 1]) & !is.na(num[, 2])
  heads <- which(!is_point)
  if (!length(heads) || heads[1] != 1L) {
    bad <- if (length(heads)) heads[1] else 1L
    sdvm_abort(sprintf("'%s' (line 1): a Vensim .dat file starts with a variable name, then lines of 'time value'.",
                       path), "sdvm_io_error", file = path, line = bad)
  }
  ends <- c(heads[-1] - 1L, length(lines))
  out <- lapply(seq_along(heads), function(k) {
    rows <- seq_len(ends[k] - heads[k]) + heads[k]
    list(x = num[rows, 1], y = num[rows, 2])
  })
  names(out) <- trimws(lines[heads])
  out
}

# A text table as a character matrix (blank cells NA).
text_cells <- function(path, sep) {
  raw <- readChar(path, file.size(path), useBytes = TRUE)
  raw <- sub("^\xef\xbb\xbf", "", raw, useBytes = TRUE)
  raw <- gsub("\r\n?", "\n", raw, useBytes = TRUE)
  lines <- strsplit(raw, "\n", fixed = TRUE)[[1]]
  lines <- lines[nzchar(trimws(lines))]
  if (!length(lines)) sdvm_abort(sprintf("'%s' is empty.", path), "sdvm_io_error", file = path)
  con <- textConnection(lines, encoding = "bytes")
  on.exit(close(con))
  width <- max(utils::count.fields(textConnection(lines), sep = sep, quote = "\"", comment.char = ""),
               na.rm = TRUE)
  cells <- as.matrix(utils::read.table(con, sep = sep, quote = "\"", header = FALSE,
                                       colClasses = "character", encoding = "UTF-8",
                                       comment.char = "", fill = TRUE, strip.white = TRUE,
                                       na.strings = "", blank.lines.skip = TRUE,
                                       col.names = paste0("V", seq_len(width))))
  Encoding(cells) <- "UTF-8"
  cells
}

# The first sheet of a workbook as a character matrix.
sheet_cells <- function(path) {
  if (!requireNamespace("readxl", quietly = TRUE))
    sdvm_abort(sprintf("Reading '%s' needs the readxl package: install.packages(\"readxl\").", basename(path)),
               "sdvm_io_error", file = path)
  g <- read_grid(path, readxl::excel_sheets(path)[1],
                 list(fail = function(msg) sdvm_abort(sprintf("'%s': %s", path, msg), "sdvm_io_error", file = path)))
  g
}

# Series of a table with the times along its first row (one variable per
# row, as Vensim exports) or down its first column (one per column).
table_series <- function(cells, path) {
  num <- function(x) suppressWarnings(as.numeric(x))
  if (nrow(cells) < 2 && ncol(cells) < 2)
    sdvm_abort(sprintf("'%s' holds no table of times and values.", path), "sdvm_io_error", file = path)
  by_row <- ncol(cells) >= 2 && !is.na(num(cells[1, 2])) &&
    (nrow(cells) < 2 || is.na(num(cells[2, 1])))
  if (!by_row) cells <- t(cells)
  times <- num(cells[1, -1])
  keep <- !is.na(times)
  if (!any(keep))
    sdvm_abort(sprintf("'%s': no times found along the first row or down the first column.", path),
               "sdvm_io_error", file = path)
  vars <- cells[-1, , drop = FALSE]
  vars <- vars[!is.na(vars[, 1]) & nzchar(trimws(vars[, 1])), , drop = FALSE]
  out <- lapply(seq_len(nrow(vars)), function(i) {
    y <- num(vars[i, -1])
    ok <- keep & !is.na(y)
    list(x = times[ok], y = y[ok])
  })
  names(out) <- gsub('^"|"$', "", trimws(vars[, 1]))
  out
}

# A data frame from series: time = union of their times.
series_frame <- function(series) {
  series <- series[lengths(lapply(series, `[[`, "x")) > 0]
  times <- sort(unique(unlist(lapply(series, `[[`, "x"))))
  cols <- lapply(series, function(s) {
    if (length(s$x) == 1L) return(rep(s$y, length(times)))
    s$y[match(times, s$x)]
  })
  out <- c(list(time = times), cols)
  names(out) <- c("time", names(series))
  structure(out, class = "data.frame", row.names = c(NA_integer_, -length(times)))
}
