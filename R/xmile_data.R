# XMILE data imports (XMILE 1.0, Data Section): <data><import type=
# "CSV"|"Excel"|"XML" enabled= orientation="vertical"|"horizontal"
# resource= worksheet=/>, a table whose variables take the model's values
# when it runs.  The specification defines the connection, not how a
# table meets the variables; sdvm reads it as Vensim reads data for a
# run (data_bind.R): vertical tables hold one variable per column, named
# in the first row (horizontal ones one per row); a first column named
# Time gives the times, else the row below the names holds one value per
# variable.  A constant takes a single value, or becomes the series
# (interpolated, as Stella's graphical functions of time are); a
# graphical function takes the series as its points; a stock takes a
# single value as its initial value.  A variable with an equation cannot
# be imported into (an error names it); names the model lacks are
# reported in a warning.

# The enabled imports of a <data> element.
xmile_import_specs <- function(rd, node) {
  out <- list()
  for (imp in xmile_children(rd, node, "import")) {
    if (identical(tolower(xml2::xml_attr(imp, "enabled", default = "true")), "false")) next
    out[[length(out) + 1L]] <- list(
      type = tolower(xml2::xml_attr(imp, "type", default = "CSV")),
      orientation = tolower(xml2::xml_attr(imp, "orientation", default = "vertical")),
      resource = xml2::xml_attr(imp, "resource", default = NA_character_),
      worksheet = xml2::xml_attr(imp, "worksheet", default = NA_character_))
  }
  out
}

# The table of one import as a character matrix, variables in columns.
xmile_import_cells <- function(rd, spec, path) {
  res <- spec$resource
  fail <- function(msg, class = "sdvm_io_error")
    sdvm_abort(sprintf("%s imports data from '%s': %s", basename(path), res, msg), class, file = path)
  if (is.na(res) || !nzchar(trimws(res))) fail("the import names no resource", "sdvm_definition_error")
  if (grepl("^[a-z]+://", res, ignore.case = TRUE) && !grepl("^file://", res, ignore.case = TRUE))
    fail("sdvm does not download; save the file beside the model and import it by its path",
         "sdvm_unsupported_error")
  p <- sub("^file://", "", res, ignore.case = TRUE)
  f <- if (is_absolute_path(p)) p else file.path(dirname(path), p)
  if (!file.exists(f) && is_absolute_path(p)) f <- file.path(dirname(path), basename(p))
  if (!file.exists(f)) fail("no such file")
  cells <- switch(spec$type,
    csv = text_cells(f, ","),
    excel = {
      if (!requireNamespace("readxl", quietly = TRUE))
        fail("reading it needs the readxl package: install.packages(\"readxl\")")
      sheets <- readxl::excel_sheets(f)
      sheet <- if (is.na(spec$worksheet)) sheets[1] else spec$worksheet
      if (!sheet %in% sheets) fail(sprintf("the workbook has no worksheet '%s'", sheet))
      read_grid(f, sheet, list(fail = function(msg) fail(msg)))
    },
    fail(sprintf("imports of type '%s' are not read (CSV and Excel are)", spec$type), "sdvm_unsupported_error"))
  if (spec$orientation == "horizontal") cells <- t(cells)
  if (nrow(cells) < 2) fail("the table has names but no values", "sdvm_data_error")
  cells
}

# Series by variable name: list(x = times or NULL for one value, y).
xmile_import_series <- function(cells) {
  num <- function(x) suppressWarnings(as.numeric(x))
  names <- trimws(gsub('^"|"$', "", cells[1, ]))
  timed <- canon_name(names[1]) == "time"
  out <- list()
  if (timed) {
    t <- num(cells[-1, 1])
    for (j in seq_along(names)[-1]) {
      y <- num(cells[-1, j])
      ok <- !is.na(t) & !is.na(y)
      if (any(ok)) out[[names[j]]] <- list(x = t[ok], y = y[ok])
    }
  } else {
    for (j in seq_along(names)) {
      y <- num(cells[2, j])
      if (!is.na(y) && nzchar(names[j])) out[[names[j]]] <- list(x = NULL, y = y)
    }
  }
  out
}

# The model with the imports' values in place.
xmile_apply_imports <- function(rd, m, specs, path) {
  keys <- vapply(m$vars, function(v) canon_name(v$name), "")
  unknown <- character()
  for (spec in specs) {
    series <- xmile_import_series(xmile_import_cells(rd, spec, path))
    for (nm in names(series)) {
      s <- series[[nm]]
      k <- canon_name(nm)
      i <- match(k, keys)
      gi <- match(canon_name(paste(nm, "(gf)")), keys)
      bad <- function(msg) sdvm_abort(sprintf("%s imports data into '%s' (from '%s'), %s.", basename(path), nm,
                                               spec$resource, msg), "sdvm_unsupported_error", variable = nm,
                                       file = path)
      if (!is.na(gi) && is.null(m$vars[[gi]]$subs)) {
        if (is.null(s$x)) bad("a graphical function, with one value and no times")
        o <- order(s$x)
        m$vars[[gi]]$x <- s$x[o]
        m$vars[[gi]]$y <- s$y[o]
        next
      }
      if (is.na(i)) { unknown <- c(unknown, nm); next }
      v <- m$vars[[i]]
      if (length(v$subs)) bad("an array (sdvm imports into variables without dimensions)")
      if (identical(v$kind, "stock")) {
        if (!is.null(s$x) && length(unique(s$y)) > 1) bad("a stock, which takes one value (its initial value)")
        m$vars[[i]]$init <- sprintf("%.17g", s$y[1])
      } else if (identical(v$kind, "const")) {
        if (is.null(s$x) || length(s$x) == 1L) {
          m$vars[[i]]$eqn <- sprintf("%.17g", s$y[1])
        } else {
          o <- order(s$x)
          m$vars[[i]] <- list(name = v$name, kind = "data", x = s$x[o], y = s$y[o], mode = "interpolate",
                              units = v$units, doc = v$doc, source = v$source)
        }
      } else {
        bad("which has an equation (imports set constants, graphical functions and stocks' initial values)")
      }
    }
  }
  if (length(unknown))
    warning(sprintf("%s imports data for %s, which %s not in the model.", basename(path),
                    paste0("'", unknown, "'", collapse = ", "), if (length(unknown) == 1) "is" else "are"),
            call. = FALSE)
  definition_only(m)
}
