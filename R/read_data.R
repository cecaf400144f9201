# Vensim's GET XLS / GET DIRECT functions: constants, data series, lookups
# and subscript elements read from spreadsheets (.xlsx, .xls: readxl) or
# text tables (.csv, .tab, .txt) named relative to the model file.  The
# .mdl reader keeps these equations as text; here they become ordinary
# definitions (lists of numbers, lookup tables, data series), so the
# compiled model never touches a file.

get_pattern <- "^[[:space:]]*GET[[:space:]]+(XLS|DIRECT|123|VDF)[[:space:]]+(DATA|CONSTANTS|LOOKUPS|SUBSCRIPT)[[:space:]]*\\((.*)\\)[[:space:]]*$"

is_get_call <- function(eqn) !is.na(eqn) & grepl(get_pattern, eqn, ignore.case = TRUE)

# list(what = "DATA" | ..., args = character(), from = "XLS" | ...) from
# "GET XLS DATA('f', 's', '4', 'C5')".
parse_get_call <- function(eqn) {
  from <- toupper(sub(get_pattern, "\\1", eqn, ignore.case = TRUE))
  what <- toupper(sub(get_pattern, "\\2", eqn, ignore.case = TRUE))
  inner <- sub(get_pattern, "\\3", eqn, ignore.case = TRUE)
  args <- character()
  cur <- ""; q <- ""
  for (ch in strsplit(inner, "")[[1]]) {
    if (nzchar(q)) { if (ch == q) q <- "" else cur <- paste0(cur, ch); next }
    if (ch %in% c("'", "\"")) { q <- ch; next }
    if (ch == ",") { args <- c(args, cur); cur <- ""; next }
    if (!grepl("[[:space:]]", ch)) cur <- paste0(cur, ch)   # blanks outside quotes
  }
  list(what = what, args = c(args, cur), from = from)
}

# A reader with a cache of sheets, for one model file.  `files` maps
# Vensim's indirect file names ("?data") to paths: those the user gave
# (read_vensim(files =)) before those saved in the model's settings.
data_reader <- function(model_path, files = character()) {
  cache <- new.env(parent = emptyenv())
  dir <- dirname(model_path)
  locate <- function(file, where) resolve_data_file(file, dir, files, where)
  grid <- function(file, sheet, where) {
    key <- paste(file, sheet, sep = "\r")
    if (!is.null(cache[[key]])) return(cache[[key]])
    g <- read_grid(locate(file, where), sheet, where)
    cache[[key]] <- g
    g
  }
  names_of <- function(file, where) {
    key <- paste0("names\r", file)
    if (is.null(cache[[key]])) cache[[key]] <- defined_names(locate(file, where))
    cache[[key]]
  }
  list(grid = grid, names = names_of, locate = locate)
}

# The path of a data file a model names: relative to the model's folder;
# "?tag" through `files` (names with or without the "?"), else the file
# beside the model named like the tag without its "?", with or without a
# spreadsheet or text extension (Vensim's external references).
resolve_data_file <- function(file, dir, files, where) {
  if (startsWith(file, "?")) {
    tag <- substring(file, 2)
    keys <- sub("^\\?", "", names(files))
    k <- match(tolower(tag), tolower(keys))
    cands <- if (!is.na(k)) unname(files[k]) else
      c(tag, paste0(tag, c(".xlsx", ".xls", ".csv", ".tab", ".txt")))
    for (f in cands) {
      p <- if (is_absolute_path(f)) f else file.path(dir, f)
      if (file.exists(p)) return(p)
    }
    where$fail(sprintf(paste0("the indirect file name '%s' names no file: looked for %s; give it with ",
                              "read_vensim(path, files = c(\"%s\" = \"file.xlsx\"))"),
                       file, paste(file.path(dir, cands), collapse = ", "), file))
  }
  path <- if (is_absolute_path(file)) file else file.path(dir, file)
  if (!file.exists(path))
    where$fail(sprintf("the data file '%s' does not exist (looked for %s)", file, path))
  path
}

is_absolute_path <- function(p) grepl("^(/|[A-Za-z]:[/\\\\]|\\\\\\\\)", p)

# A sheet as a character matrix aligned on cell A1 (blank cells NA).
read_grid <- function(path, sheet, where) {
  ext <- tolower(tools::file_ext(path))
  if (ext %in% c("xlsx", "xls", "xlsm")) {
    if (!requireNamespace("readxl", quietly = TRUE))
      where$fail("reading spreadsheets needs the readxl package: install.packages(\"readxl\")")
    sheets <- readxl::excel_sheets(path)
    if (!sheet %in% sheets)
      where$fail(sprintf("'%s' has no sheet '%s' (sheets: %s)", basename(path), sheet,
                         paste(sheets, collapse = ", ")))
    # an explicit range from A1 keeps leading blank rows and columns, so
    # cell names map onto the matrix directly
    tb <- suppressMessages(readxl::read_excel(path, sheet, col_names = FALSE, col_types = "list",
                                              range = cellranger::cell_limits(c(1, 1), c(NA, NA))))
    cell <- function(x) {
      if (is.null(x) || length(x) == 0 || (length(x) == 1 && is.na(x))) return(NA_character_)
      if (is.numeric(x)) sprintf("%.17g", x) else as.character(x)
    }
    g <- vapply(tb, function(col) vapply(col, cell, ""), character(nrow(tb)))
    if (!is.matrix(g)) g <- matrix(g, nrow = nrow(tb))
    return(g)
  }
  sep <- if (ext == "csv") "," else "\t"
  tb <- utils::read.table(path, sep = sep, header = FALSE, colClasses = "character",
                          na.strings = "", fill = TRUE, quote = "\"", comment.char = "")
  as.matrix(tb)
}

# Named ranges of an .xlsx workbook: data.frame(name, sheet, r1, c1, r2, c2).
defined_names <- function(path) {
  none <- data.frame(name = character(), sheet = character(), r1 = integer(), c1 = integer(),
                     r2 = integer(), c2 = integer())
  if (tolower(tools::file_ext(path)) != "xlsx" || !requireNamespace("xml2", quietly = TRUE)) return(none)
  tmp <- tempfile()
  on.exit(unlink(tmp, recursive = TRUE))
  f <- tryCatch(utils::unzip(path, "xl/workbook.xml", exdir = tmp), error = function(e) character())
  if (!length(f) || !file.exists(f)) return(none)
  doc <- xml2::read_xml(f)
  nodes <- xml2::xml_find_all(doc, "//*[local-name()='definedName']")
  if (!length(nodes)) return(none)
  ref <- xml2::xml_text(nodes)
  m <- regmatches(ref, regexec("^'?([^'!]+)'?!\\$?([A-Z]+)\\$?([0-9]+)(:\\$?([A-Z]+)\\$?([0-9]+))?$", ref))
  ok <- lengths(m) > 0
  m <- m[ok]
  out <- data.frame(
    name = xml2::xml_attr(nodes, "name")[ok],
    sheet = vapply(m, `[`, "", 2),
    r1 = as.integer(vapply(m, `[`, "", 4)), c1 = col_number(vapply(m, `[`, "", 3)),
    r2 = as.integer(vapply(m, function(x) if (nzchar(x[7])) x[7] else x[4], "")),
    c2 = col_number(vapply(m, function(x) if (nzchar(x[6])) x[6] else x[3], "")))
  out
}

col_number <- function(letters) {
  vapply(toupper(letters), function(s) {
    v <- 0L
    for (ch in strsplit(s, "")[[1]]) v <- v * 26L + match(ch, LETTERS)
    v
  }, 0L, USE.NAMES = FALSE)
}

# A cell reference ("C5", or a named range) as list(r, c, r2, c2).
cell_ref <- function(ref, reader, file, where) {
  dn <- reader$names(file, where)
  k <- match(tolower(ref), tolower(dn$name))          # names first: "Time1" is also a cell
  if (!is.na(k)) return(list(r = dn$r1[k], c = dn$c1[k], r2 = dn$r2[k], c2 = dn$c2[k]))
  m <- regmatches(ref, regexec("^\\$?([A-Za-z]+)\\$?([0-9]+)$", ref))[[1]]
  if (length(m)) {
    r <- as.integer(m[3]); c <- col_number(m[2])
    return(list(r = r, c = c, r2 = NA_integer_, c2 = NA_integer_))
  }
  where$fail(sprintf("'%s' is neither a cell (like B5) nor a named range of '%s'", ref, file))
}

cell_value <- function(g, r, c) {
  if (r > nrow(g) || c > ncol(g) || r < 1 || c < 1) return(NA_real_)
  suppressWarnings(as.numeric(g[r, c]))
}

# Numbers of elements of each subscript in a definition's subs (a range,
# subrange or element: 1).
sub_sizes <- function(subs, dims) {
  keys <- canon_name(names(dims))
  vapply(subs, function(s) {
    s <- sub("!$", "", s)
    k <- match(canon_name(s), keys)
    if (is.na(k)) 1L else length(dims[[k]])
  }, 0L, USE.NAMES = FALSE)
}

# GET ... CONSTANTS: the values of a definition, in row-major order over
# its subscripts.  One subscript reads along a row (down a column when the
# cell ends in '*'); two read a block, rows for the first (columns when
# transposed).
get_constants <- function(args, sizes, reader, where) {
  if (length(args) < 3) where$fail("GET CONSTANTS needs (file, sheet, first cell)")
  file <- args[1]; sheet <- args[2]; cellarg <- args[3]
  transpose <- endsWith(cellarg, "*")
  cellarg <- sub("\\*$", "", cellarg)
  g <- reader$grid(file, sheet, where)
  at <- cell_ref(cellarg, reader, file, where)
  real <- sizes[sizes > 1]
  nr <- 1L; nc <- 1L
  if (length(real) == 1) { if (transpose) nr <- real else nc <- real }
  else if (length(real) == 2) { nr <- real[1]; nc <- real[2]; if (transpose) { nr <- real[2]; nc <- real[1] } }
  else if (length(real) > 2) {
    # the last two subscripts in a block, the others one block after another
    nr <- prod(real[-length(real)]); nc <- real[length(real)]
  }
  vals <- matrix(NA_real_, nr, nc)
  for (i in seq_len(nr)) for (j in seq_len(nc)) vals[i, j] <- cell_value(g, at$r + i - 1L, at$c + j - 1L)
  if (transpose && length(real) == 2) vals <- t(vals)
  if (anyNA(vals))
    where$fail(sprintf("GET CONSTANTS('%s', '%s', '%s'): %d of the %d cells are empty or not numbers",
                       file, sheet, args[3], sum(is.na(vals)), length(vals)))
  as.vector(t(vals))                   # row-major
}

# GET ... DATA / LOOKUPS: one series per element: list of list(x, y).
# The third argument names the row (a number) or column (letters) that
# holds the times, or a named range of them; the fourth the first value.
get_series <- function(args, n_series, reader, where) {
  if (length(args) < 4) where$fail("GET DATA and GET LOOKUPS need (file, sheet, time row or column, first cell)")
  file <- args[1]; sheet <- args[2]; targ <- args[3]
  g <- reader$grid(file, sheet, where)
  at <- cell_ref(args[4], reader, file, where)
  if (grepl("^[0-9]+$", targ)) {              # times along a row
    horiz <- TRUE; trow <- as.integer(targ); tcols <- seq(at$c, ncol(g))
  } else if (grepl("^[A-Za-z]+$", targ) && nchar(targ) <= 3 && is.na(match(tolower(targ), tolower(reader$names(file, where)$name)))) {
    horiz <- FALSE; tcol <- col_number(targ); trows <- seq(at$r, nrow(g))
  } else {                                    # a named range of times
    tr <- cell_ref(targ, reader, file, where)
    horiz <- tr$r == tr$r2
    if (horiz) { trow <- tr$r; tcols <- seq(tr$c, tr$c2) } else { tcol <- tr$c; trows <- seq(tr$r, tr$r2) }
  }
  if (horiz) {
    times <- vapply(tcols, function(cc) cell_value(g, trow, cc), 0)
  } else {
    times <- vapply(trows, function(rr) cell_value(g, rr, tcol), 0)
  }
  # blank or non-numeric times drop their points, as in Vensim
  if (!any(!is.na(times))) where$fail(sprintf("no times found in '%s' of %s, sheet '%s'", targ, file, sheet))
  last <- max(which(!is.na(times)))
  times <- times[seq_len(last)]
  lapply(seq_len(n_series) - 1L, function(k) {
    y <- if (horiz) vapply(seq_len(last) - 1L, function(j) cell_value(g, at$r + k, at$c + j), 0)
         else vapply(seq_len(last) - 1L, function(j) cell_value(g, at$r + j, at$c + k), 0)
    keep <- !is.na(y) & !is.na(times)         # blank cells: interpolated over
    if (!any(keep))
      where$fail(sprintf("the series at %s (element %d) has no values", args[4], k + 1L))
    list(x = times[keep], y = y[keep])
  })
}

# GET DIRECT SUBSCRIPT(file, sheet, first cell, last cell, prefix).
get_subscript <- function(args, reader, where) {
  if (length(args) < 4) where$fail("GET SUBSCRIPT needs (file, sheet, first cell, last cell[, prefix])")
  g <- reader$grid(args[1], args[2], where)
  a <- cell_ref(args[3], reader, args[1], where)
  b <- if (nzchar(args[4])) cell_ref(args[4], reader, args[1], where) else a
  prefix <- if (length(args) >= 5) args[5] else ""
  rows <- seq(a$r, b$r); cols <- seq(a$c, b$c)
  el <- g[rows[rows <= nrow(g)], cols[cols <= ncol(g)], drop = TRUE]
  el <- el[!is.na(el)]
  if (!length(el)) where$fail(sprintf("no subscript elements in %s:%s", args[3], args[4]))
  num <- suppressWarnings(as.numeric(el))
  el[!is.na(num)] <- format(num[!is.na(num)], trim = TRUE)
  paste0(prefix, el)
}

# Where a GET equation is, for errors: list(fail = function(msg)).
get_where <- function(recs, i, path) {
  structure(list(fail = function(msg) sdvm_abort(
    sprintf("in the equation of '%s' (%s, line %d, column %d): %s", recs$name[i], path,
            recs$eqn_line[i], recs$eqn_col[i], msg),
    "sdvm_io_error", variable = recs$name[i], file = path,
    line = recs$eqn_line[i], column = recs$eqn_col[i])), path = path)
}

# The element tuples a definition's subscripts cover, row-major, as a
# character matrix (one row per tuple).
def_elements <- function(subs, dims) {
  keys <- canon_name(names(dims))
  lists <- lapply(subs, function(s) {
    k <- match(canon_name(sub("!$", "", s)), keys)
    if (is.na(k)) s else dims[[k]]
  })
  g <- do.call(expand.grid, c(rev(lists), list(stringsAsFactors = FALSE)))
  as.matrix(g[, rev(seq_along(lists)), drop = FALSE])
}

data_modes <- c("interpolate", "raw", "hold backward", "look forward")

# The model variables (definitions) a GET equation in record i stands for.
get_vars <- function(i, recs, dims, reader, where) {
  call <- parse_get_call(recs$eqn[i])
  name <- recs$name[i]
  subs <- recs$subs[[i]]
  src <- c(recs$eqn_line[i], recs$eqn_col[i])
  extra <- function(v) {
    if (length(recs$except[[i]])) v$except <- recs$except[[i]]
    if (nzchar(recs$units[i])) v$units <- recs$units[i]
    if (nzchar(recs$doc[i])) v$doc <- recs$doc[i]
    v
  }
  # one value or series per element: refuse before reading or expanding
  # (expand.grid of 1e10 tuples would exhaust memory)
  n_el <- prod(as.numeric(sub_sizes(subs, dims)))
  if (n_el > 4e6)
    sdvm_abort(sprintf("in the equation of '%s' (%s, line %d, column %d): it has %.0f elements; a model may have at most 4000000",
                       name, attr(where, "path"), recs$eqn_line[i], recs$eqn_col[i], n_el),
               "sdvm_memory_error", variable = name, file = attr(where, "path"),
               line = recs$eqn_line[i], column = recs$eqn_col[i])
  if (call$from == "VDF") return(lapply(get_vdf(call, name, subs, dims, reader, where, recs$data_mode[i]),
                                         function(v) extra(c(v, list(source = src)))))
  if (call$what == "CONSTANTS") {
    vals <- get_constants(call$args, sub_sizes(subs, dims), reader, where)
    v <- if (length(subs)) list(name = name, kind = "const", vals = vals, subs = subs, source = src)
         else list(name = name, kind = "const", eqn = sprintf("%.17g", vals), source = src)
    return(list(extra(v)))
  }
  if (call$what == "SUBSCRIPT") where$fail("GET SUBSCRIPT defines a subscript range: write 'Range: GET DIRECT SUBSCRIPT(...)'")
  tuples <- if (length(subs)) def_elements(subs, dims) else matrix(character(), 1, 0)
  series <- get_series(call$args, nrow(tuples), reader, where)
  is_lookup <- call$what == "LOOKUPS"
  if (!is_lookup && recs$data_mode[i] == 0L && recs$kind[i] != 4L) {
    # "x = GET XLS DATA(...)" without ':=' is still a data variable
    recs$data_mode[i] <- 1L
  }
  mode <- data_modes[max(recs$data_mode[i], 1L)]
  lapply(seq_len(nrow(tuples)), function(k) {
    s <- series[[k]]
    v <- if (is_lookup) list(name = name, kind = "lookup", x = s$x, y = s$y, source = src)
         else list(name = name, kind = "data", x = s$x, y = s$y, mode = mode, source = src)
    if (length(subs)) v$subs <- unname(tuples[k, ])
    extra(v)
  })
}

# GET VDF DATA('file', 'varname', start, slope), GET VDF LOOKUPS (the same
# series as a lookup table of time) and GET VDF CONSTANTS('file',
# 'varname'): series, or final values, from the results of another run
# (read_vdf()); the model's time is start + slope * the run's time.  The
# subscripts of varname are those of the equation's own, element by
# element.
get_vdf <- function(call, name, subs, dims, reader, where, data_mode) {
  a <- call$args
  if (call$what == "SUBSCRIPT")
    where$fail("GET VDF SUBSCRIPT is not supported (a .vdf keeps series, not subscript ranges)")
  if (length(a) < 2) where$fail("GET VDF needs ('file', 'variable name')")
  d <- series_frame(vdf_series(reader$locate(a[1], where), skip = attr(where, "path")))
  start <- if (length(a) >= 3) suppressWarnings(as.numeric(a[3])) else 0
  slope <- if (length(a) >= 4) suppressWarnings(as.numeric(a[4])) else 1
  if (is.na(start) || is.na(slope) || slope <= 0) { start <- 0; slope <- 1 }
  tuples <- if (length(subs)) def_elements(subs, dims) else matrix(character(), 1, 0)
  base <- sub("\\[.*$", "", a[2])
  vsubs <- if (grepl("\\[", a[2])) strsplit(sub("^[^[]*\\[(.*)\\].*$", "\\1", a[2]), ",", fixed = TRUE)[[1]] else character()
  keys <- canon_name(names(d))
  lapply(seq_len(nrow(tuples)), function(k) {
    el <- if (length(vsubs)) {
      # a range among varname's subscripts stands for this element's
      vapply(seq_along(vsubs), function(j) {
        s <- trimws(vsubs[j])
        if (!is.na(match(canon_name(s), canon_name(names(dims)))) && j <= ncol(tuples)) tuples[k, j] else s
      }, "")
    }
    col <- if (length(el)) sprintf("%s[%s]", base, paste(el, collapse = ",")) else base
    j <- match(canon_name(col), keys)
    if (is.na(j)) where$fail(sprintf("'%s' holds no variable '%s'", a[1], col))
    v <- if (call$what == "CONSTANTS") list(name = name, kind = "const", eqn = sprintf("%.17g", utils::tail(d[[j]], 1)))
         else if (call$what == "LOOKUPS") list(name = name, kind = "lookup", x = start + slope * d$time, y = d[[j]])
         else list(name = name, kind = "data", x = start + slope * d$time, y = d[[j]],
                   mode = data_modes[max(data_mode, 1L)])
    if (length(subs)) v$subs <- unname(tuples[k, ])
    v
  })
}
