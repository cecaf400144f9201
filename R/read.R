#' Read a model file
#'
#' `read_vensim()` reads a Vensim `.mdl` file into the same kind of model
#' object the builders make ([sd_model()], [sd_stock()], ...), so it can be
#' printed, changed in R and run with [simulate()].  `read_model()` picks
#' the reader from the file extension: `.mdl` files go to `read_vensim()`,
#' `.xmile`, `.stmx` and `.itmx` files to [read_xmile()].
#'
#' It reads equations, stocks (`INTEG`), lookups, units and comments, the
#' time settings (which may be equations such as `SAVEPER = TIME STEP`),
#' subscript ranges (numeric ranges, subranges, `<->` copies, mappings),
#' arrayed and element-by-element definitions with `:EXCEPT:`, number
#' lists and `TABBED ARRAY`, macros, and data variables.  `GET XLS` and
#' `GET DIRECT` functions (`DATA`, `CONSTANTS`, `LOOKUPS`, `SUBSCRIPT`) are
#' resolved now, from spreadsheets (`.xlsx`/`.xls`, which needs the readxl
#' package) or `.csv`/tab-separated files named relative to `path`.
#' Problems give classed errors (`sdvm_parse_error`,
#' `sdvm_definition_error`, `sdvm_memory_error` for models too large to
#' compile, `sdvm_io_error` for data files) naming the file, line and
#' column; a file that is not UTF-8 text (a NUL byte, an invalid byte) is
#' reported at its first bad byte.
#'
#' Vensim's indirect file names (`GET XLS DATA('?inputs', ...)`) are
#' resolved through `files`, then through the `?name=file` lines Vensim
#' saves in the settings block at the end of the file, then to a file
#' beside the model named without the `?`.  A variable with no equation
#' (`Name ~ units ~ |`) is a data variable: its values come from data
#' files when the model runs ([simulate()]'s `data`, by default the data
#' sources saved in the settings block).  A model that is only a causal
#' loop diagram (`A FUNCTION OF`) reads, but refuses to run.
#'
#' @param path Path to the model file.
#' @param files Named character vector mapping indirect file names
#'   (`"?inputs"`, with or without the `?`) to paths, relative to the
#'   model's folder or absolute.
#' @param check_units Check the model's units as it is read
#'   ([sd_check_units()]), and warn (an `sdvm_units_warning` holding the
#'   problems in its `problems` field) if they disagree.  The Units Equiv
#'   settings a `.mdl` file saves are kept on the model either way.
#' @return An `sdvm_model`.
#' @export
#' @examples
#' path <- system.file("models", "teacup.mdl", package = "sdvm")
#' m <- read_vensim(path)
#' m
#' head(simulate(m))
read_vensim <- function(path, files = NULL, check_units = FALSE) {
  if (!is.character(path) || length(path) != 1 || is.na(path) || !file.exists(path) || dir.exists(path))
    sdvm_abort(sprintf("Cannot read '%s': no such file.", paste(format(path), collapse = " ")),
               "sdvm_io_error", file = if (is.character(path) && length(path) == 1) path else NA_character_)
  if (!is.null(files) && (!is.character(files) || is.null(names(files)) || anyNA(files) ||
                          !all(nzchar(names(files)))))
    sdvm_abort("`files` must be a named character vector, e.g. c(\"?inputs\" = \"inputs.xlsx\").",
               "sdvm_param_error")
  text <- with_library_macros(read_text(path))
  recs <- .Call(C_sdvm_read_mdl, text, path)
  if (identical(names(recs)[1], "code")) engine_abort(recs)
  if (!length(recs$name))
    sdvm_abort(sprintf("'%s' holds no model equations (an empty or truncated file?).", path),
               "sdvm_parse_error", file = path)
  settings <- mdl_run_settings(text)
  m <- mdl_model(recs, path, files = c(files, settings$files), data_sources = settings$data)
  if (!is.na(settings$method)) m$settings$method <- settings$method
  if (length(settings$units)) m$unit_equivalences <- settings$units
  if (isTRUE(check_units)) warn_units(m)
  m
}

# read_vensim(check_units = TRUE): the units check's problems as one
# warning (classed, with the problems attached).
warn_units <- function(m) {
  p <- sd_check_units(m)
  if (!nrow(p)) return(invisible(p))
  shown <- utils::head(p, 10)
  lines <- sprintf("[%s] '%s'%s: %s", shown$severity, shown$variable,
                   ifelse(is.na(shown$line), "", sprintf(" (line %d)", shown$line)), shown$problem)
  msg <- sprintf("%s: %d units problem%s (sd_check_units() lists them all):\n%s%s", basename(m$file), nrow(p),
                 if (nrow(p) == 1) "" else "s", paste(lines, collapse = "\n"),
                 if (nrow(p) > 10) sprintf("\n... and %d more", nrow(p) - 10) else "")
  warning(structure(class = c("sdvm_units_warning", "warning", "condition"),
                    list(message = msg, call = NULL, problems = p)))
  invisible(p)
}

# What Vensim saves of a run's settings in the block after the sketch
# ("///---\\\\\\" then ":L<%^E!@" and numbered lines): the data sources
# of the run (line 13, comma separated, as the user named them), the
# indirect file names ("30:?name=file", several comma separated) and the
# integration method (line 15).
mdl_run_settings <- function(text) {
  none <- list(data = character(), files = character(), method = NA_character_, units = list())
  # by lines, not by a byte offset: substring() counts characters, and a
  # file with non-ASCII text before the block would be cut in the wrong place
  all_lines <- strsplit(text, "\n", fixed = TRUE)[[1]]
  at <- which(startsWith(all_lines, "///---\\\\\\"))
  if (!length(at)) return(none)
  # the numbered lines follow (after a ":L<%^E!@" line in newer files)
  lines <- all_lines[-seq_len(at[1])]
  val <- function(code) {
    l <- lines[startsWith(lines, paste0(code, ":"))]
    trimws(substring(l, nchar(code) + 2L))
  }
  data <- unlist(strsplit(val("13"), ",", fixed = TRUE))
  data <- trimws(data[nzchar(trimws(data))])
  refs <- unlist(strsplit(val("30"), ",(?=\\?)", perl = TRUE))
  refs <- refs[grepl("^\\?[^=]+=.+", refs)]
  files <- stats::setNames(sub("^[^=]+=", "", refs), sub("=.*$", "", refs))
  # line 15: the fourth number is the integration method Vensim runs the
  # model with (0 Euler, 1 RK4, 2 RK2, 3 and 4 their variable-step forms,
  # run here with a fixed step, 5 difference equations, which Euler is)
  m15 <- suppressWarnings(as.integer(strsplit(val("15")[1], ",", fixed = TRUE)[[1]]))
  method <- if (length(m15) >= 4 && !is.na(m15[4]))
    c("euler", "rk4", "rk2", "rk4", "rk2", "euler")[m15[4] + 1L] else NA_character_
  # line 22: groups of unit names that mean the same (Units Equiv)
  units <- lapply(strsplit(val("22"), ",", fixed = TRUE), trimws)
  list(data = data, files = files, method = method, units = units[lengths(units) > 1])
}

# A model file's text: bytes checked (no NUL, valid UTF-8, which the
# reader needs), line ends made "\n".  A bad byte is reported by line and
# column, as the reader reports everything else.
read_text <- function(path) {
  size <- file.size(path)
  if (size > 256e6)                      # C-LEARN, among the largest models, is 1.4 MB
    sdvm_abort(sprintf("'%s' is %.0f MB; a model file may be at most 256 MB.", path, size / 1e6),
               "sdvm_io_error", file = path)
  text <- if (size > 0) suppressWarnings(readChar(path, size, useBytes = TRUE)) else ""
  if (length(text) == 0) text <- ""
  # readChar() stops at a NUL byte (with a warning, replaced here by the
  # error): a short text means one, and only then are the bytes searched
  if (nchar(text, type = "bytes") < size) {
    bytes <- readBin(path, "raw", size)
    byte_abort(path, bytes, grepRaw(as.raw(0L), bytes, fixed = TRUE)[1],
               "a NUL byte: is it a binary file, not a .mdl text file?")
  }
  Encoding(text) <- "UTF-8"
  if (!validUTF8(text)) {
    bytes <- readBin(path, "raw", size)
    # iconv marks invalid bytes (with sub); the first byte that differs
    # from the file's is the first invalid one
    fixed <- charToRaw(iconv(text, "UTF-8", "UTF-8", sub = "\x01\x02\x03"))
    n <- min(length(fixed), length(bytes))
    at <- which(fixed[seq_len(n)] != bytes[seq_len(n)])[1]
    if (is.na(at)) at <- n
    byte_abort(path, bytes, at, sprintf("byte 0x%s is not valid UTF-8 (save the file as UTF-8)", as.character(bytes[at])))
  }
  # useBytes: a fixed search over bytes (without it R scans the 1.4 MB C-LEARN text 10x slower)
  if (grepl("\r", text, fixed = TRUE, useBytes = TRUE)) text <- gsub("\r\n?", "\n", text, useBytes = TRUE)
  text
}

# A parse error at byte k (1-based) of a file.
byte_abort <- function(path, bytes, k, what) {
  nl <- which(bytes[seq_len(k - 1L)] == as.raw(10L))
  line <- length(nl) + 1L
  col <- k - if (length(nl)) nl[length(nl)] else 0L
  sdvm_abort(sprintf("%s (line %d, column %d): %s", path, line, col, what),
             "sdvm_parse_error", file = path, line = line, column = col)
}

#' @rdname read_vensim
#' @export
read_model <- function(path) {
  ext <- tolower(tools::file_ext(path))
  switch(ext,
    mdl = read_vensim(path),
    xmile = , stmx = , itmx = read_xmile(path),
    sdvm_abort(sprintf("Unknown model file type '.%s' ('%s'): expected .mdl, .xmile, .stmx or .itmx.",
                       ext, basename(path)), "sdvm_io_error", file = path))
}

# Build the model object from the records C_sdvm_read_mdl returned.
mdl_model <- function(recs, path, files = character(), data_sources = character()) {
  key <- canon_name(recs$name)
  control <- match(canon_name(control_names), key)
  setting <- function(k, default) {
    i <- control[k]
    if (is.na(i)) return(default)
    e <- recs$eqn[i]
    num <- suppressWarnings(as.numeric(e))
    # a number (not 1e999, which the engine reports where it is)
    if (is.finite(num) && grepl("^[[:space:]]*[-+]?[0-9.]", e)) num else e
  }
  # where each setting's equation is, so that errors in it point there
  setting_source <- lapply(seq_along(control), function(k) {
    i <- control[k]
    if (is.na(i)) NULL else list(file = path, line = recs$eqn_line[i], col = recs$eqn_col[i])
  })
  settings <- list(start = setting(1, 0), stop = setting(2, 100), dt = setting(3, 1),
                   saveper = setting(4, "TIME STEP"), method = "euler")
  top <- recs$macro < 0L & recs$is_macro == 0L
  control[!is.na(control) & !top[control]] <- NA
  is_dim <- recs$is_dim == 1L
  keep <- setdiff(which(!is_dim & top), control)
  reader <- data_reader(path, files)
  # ranges whose elements come from a file (GET DIRECT SUBSCRIPT)
  for (i in which(is_dim & is_get_call(recs$eqn)))
    recs$subs[[i]] <- get_subscript(parse_get_call(recs$eqn[i])$args, reader, get_where(recs, i, path))
  dims <- mdl_dims(recs$name[is_dim], recs$subs[is_dim], function(k) {
    i <- which(is_dim)[k]
    list(file = path, line = recs$line[i], column = 1L)
  })
  dim_maps <- unlist(lapply(which(is_dim), function(i)
    lapply(recs$maps[[i]], function(mp) list(from = recs$name[i], to = mp$to, elems = mp$elems))),
    recursive = FALSE)
  recs$number <- is_number_text(recs$eqn)
  headers <- which(recs$is_macro == 1L)
  macros <- lapply(headers, function(h) {
    body <- which(recs$macro == h - 1L)
    list(name = recs$name[h], params = recs$subs[[h]], outputs = recs$outs[[h]],
         vars = mdl_vars(recs, body))
  })
  names(macros) <- recs$name[headers]
  is_get <- is_get_call(recs$eqn)
  vars <- mdl_vars(recs, keep[!is_get[keep]])
  if (any(is_get[keep])) {
    # GET DIRECT/XLS calls can make several variables each, in place
    parts <- vector("list", length(keep))
    parts[!is_get[keep]] <- lapply(vars, list)
    for (j in which(is_get[keep]))
      parts[[j]] <- get_vars(keep[j], recs, dims, reader, get_where(recs, keep[j], path))
    vars <- unlist(parts, recursive = FALSE)
  }
  # the unit of time: the units of FINAL TIME, else TIME STEP ("Month")
  time_units <- NULL
  for (k in c(2L, 3L, 1L)) {
    i <- control[k]
    u <- if (!is.na(i) && !is.null(recs$units)) clean_units(recs$units[i]) else NA_character_
    if (is.null(time_units) && !is.na(u)) time_units <- u
  }
  new_model(list(name = tools::file_path_sans_ext(basename(path)), file = path, time_units = time_units,
                 settings = settings, setting_source = setting_source, dims = dims, dim_maps = dim_maps,
                 macros = macros, vars = vars, data_sources = data_sources,
                 files = if (length(files)) files else NULL))
}

# The variable definitions of records idx, built in C in one pass
# (C_sdvm_mdl_vars, src/r_mdl.c): a data variable (no equation: values from
# data files at run time), a constant list, a stock (its rate the
# equation's INTEG rate, its flows found later), a lookup, or an auxiliary
# (a constant when the equation is a single number); with its subscripts,
# a data equation's mode (x := expr, for derive_data()), EXCEPT lists,
# units and documentation when present.
mdl_vars <- function(recs, idx) .Call(C_sdvm_mdl_vars, recs, as.integer(idx) - 1L, data_modes)

# Subscript ranges as list(name = elements); a range listed among the
# elements of another (DimAB: DimA, DimB) contributes its elements.
# A range listed in itself (directly or through others) is an error, and
# so is one that expands to more elements than a model may have.
# `where(k)` gives the file and line of range k, for the message.
mdl_dims <- function(names, elems, where = function(k) list(file = NA_character_, line = NA_integer_)) {
  key <- canon_name(names)
  limit <- 4e6   # the compiler's limit on variables (SD_MAX_VARS)
  done <- vector("list", length(names))
  fail <- function(k, msg, class) {
    w <- where(k)
    at <- if (!is.na(w$line)) sprintf(" (%s, line %d)", w$file, w$line) else ""
    sdvm_abort(sprintf("in the definition of range '%s'%s: %s", names[k], at, msg), class,
               variable = names[k], file = w$file, line = w$line, column = if (is.na(w$line)) NA_integer_ else 1L)
  }
  expand <- function(i, path) {
    if (i %in% path) {
      cyc <- paste0("'", names[c(path[match(i, path):length(path)], i)], "'", collapse = " -> ")
      fail(i, sprintf("it is defined through itself: %s", cyc), "sdvm_definition_error")
    }
    if (!is.null(done[[i]])) return(done[[i]])
    if (length(path) >= 100)              # R's own recursion limit is not far off
      fail(i, "ranges are listed inside one another more than 100 deep", "sdvm_definition_error")
    e <- elems[[i]]
    k <- match(canon_name(e), key)
    out <- unlist(lapply(seq_along(e), function(j) if (is.na(k[j])) e[j] else expand(k[j], c(path, i))))
    if (length(out) > limit)
      fail(i, sprintf("it has more than %.0f elements", limit), "sdvm_memory_error")
    done[[i]] <<- if (is.null(out)) character() else out
    done[[i]]
  }
  stats::setNames(lapply(seq_along(names), expand, path = integer()), names)
}

# Equations that are a single number (constants).
is_number_text <- function(eqn)
  grepl("^[[:space:]]*-?[[:space:]]*([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$", eqn)

# Vensim functions its reference defines as equations with an extra
# output, written here as the macros they are and added to a model that
# calls them without defining them: DELAYP(input, delay time : pipeline),
# a third-order material delay whose pipeline (what is in transit) is
# the variable named after the colon (Reference Guide > DELAYP).  They go
# before the sketch, so the model's own line numbers do not move.
library_macros <- list(
  delayp = c(
    ":MACRO: DELAYP(input, delay time : pipeline)",
    "DELAYP = LV3 / DL ~~|",
    "pipeline = LV1 + LV2 + LV3 ~~|",
    "LV3 = INTEG(RT2 - DELAYP, DL * input) ~~|",
    "RT2 = LV2 / DL ~~|",
    "LV2 = INTEG(RT1 - RT2, LV3) ~~|",
    "RT1 = LV1 / DL ~~|",
    "LV1 = INTEG(input - RT1, LV3) ~~|",
    "DL = delay time / 3 ~~|",
    ":END OF MACRO:"))

with_library_macros <- function(text) {
  add <- character()
  for (nm in names(library_macros)) {
    # (the name first, as plain text: the patterns below are slow on a
    # large model's text)
    if (!grepl(nm, text, ignore.case = TRUE, perl = TRUE)) next
    call <- sprintf("(^|[^[:alnum:]_ ])[[:space:]]*%s[[:space:]]*\\(", nm)
    defined <- sprintf(":MACRO:[[:space:]]*%s[[:space:]]*\\(", nm)
    # a variable or lookup of the model with that name keeps it
    own <- sprintf("(^|[|\n])[[:space:]]*%s[[:space:]]*(=|\\[|:|~|\\([[:space:]]*[\\(\\[])", nm)
    if (grepl(call, text, ignore.case = TRUE) && !grepl(defined, text, ignore.case = TRUE) &&
        !grepl(own, text, ignore.case = TRUE))
      add <- c(add, library_macros[[nm]])
  }
  if (!length(add)) return(text)
  at <- regexpr("\\\\\\---///", text)
  block <- paste0("\n", paste(add, collapse = "\n"), "\n")
  if (at < 0) paste0(text, block) else paste0(substr(text, 1, at - 1), block, substring(text, at))
}
