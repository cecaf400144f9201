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
#' `sdvm_definition_error`, `sdvm_io_error` for data files) naming the
#' file, line and column.
#'
#' @param path Path to the model file.
#' @return An `sdvm_model`.
#' @export
#' @examples
#' path <- system.file("models", "teacup.mdl", package = "sdvm")
#' m <- read_vensim(path)
#' m
#' head(simulate(m))
read_vensim <- function(path) {
  if (!is.character(path) || length(path) != 1 || !file.exists(path))
    sdvm_abort(sprintf("Cannot read '%s': no such file.", path), "sdvm_io_error", file = path)
  size <- file.size(path)
  text <- readChar(path, size, useBytes = TRUE)
  if (length(text) == 0) text <- ""
  # useBytes: a fixed search over bytes (without it R scans the 1.4 MB C-LEARN text 10x slower)
  if (grepl("\r", text, fixed = TRUE, useBytes = TRUE)) text <- gsub("\r\n?", "\n", text, useBytes = TRUE)
  Encoding(text) <- "UTF-8"
  if (!validUTF8(text))
    sdvm_abort(sprintf("'%s' is not valid UTF-8 text.", path), "sdvm_parse_error", file = path)
  recs <- .Call(C_sdvm_read_mdl, text, path)
  if (identical(names(recs)[1], "code")) engine_abort(recs)
  mdl_model(recs, path)
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
mdl_model <- function(recs, path) {
  key <- canon_name(recs$name)
  control <- match(canon_name(control_names), key)
  setting <- function(k, default) {
    i <- control[k]
    if (is.na(i)) return(default)
    e <- recs$eqn[i]
    num <- suppressWarnings(as.numeric(e))
    if (!is.na(num) && grepl("^[[:space:]]*[-+]?[0-9.]", e)) num else e
  }
  settings <- list(start = setting(1, 0), stop = setting(2, 100), dt = setting(3, 1),
                   saveper = setting(4, "TIME STEP"), method = "euler")
  top <- recs$macro < 0L & recs$is_macro == 0L
  control[!is.na(control) & !top[control]] <- NA
  is_dim <- recs$is_dim == 1L
  keep <- setdiff(which(!is_dim & top), control)
  reader <- data_reader(path)
  # ranges whose elements come from a file (GET DIRECT SUBSCRIPT)
  for (i in which(is_dim & is_get_call(recs$eqn)))
    recs$subs[[i]] <- get_subscript(parse_get_call(recs$eqn[i])$args, reader, get_where(recs, i, path))
  dims <- mdl_dims(recs$name[is_dim], recs$subs[is_dim])
  dim_maps <- unlist(lapply(which(is_dim), function(i)
    lapply(recs$maps[[i]], function(mp) list(from = recs$name[i], to = mp$to, elems = mp$elems))),
    recursive = FALSE)
  recs$number <- is_number_text(recs$eqn)
  headers <- which(recs$is_macro == 1L)
  macros <- lapply(headers, function(h) {
    body <- which(recs$macro == h - 1L)
    list(name = recs$name[h], params = recs$subs[[h]], outputs = recs$outs[[h]],
         vars = lapply(body, mdl_var, recs = recs))
  })
  names(macros) <- recs$name[headers]
  is_get <- is_get_call(recs$eqn)
  vars <- unlist(lapply(keep, function(i) {
    if (is_get[i]) get_vars(i, recs, dims, reader, get_where(recs, i, path))
    else list(mdl_var(i, recs))
  }), recursive = FALSE)
  new_model(list(name = tools::file_path_sans_ext(basename(path)), file = path,
                 settings = settings, dims = dims, dim_maps = dim_maps, macros = macros, vars = vars))
}

# One variable definition from record i.
mdl_var <- function(i, recs) {
  {
    kind <- c("aux", "flow", "stock", "const", "lookup")[recs$kind[i] + 1L]
    src <- c(recs$eqn_line[i], recs$eqn_col[i])
    subs <- recs$subs[[i]]
    v <- if (length(recs$vals[[i]])) {
      list(name = recs$name[i], kind = "const", vals = recs$vals[[i]], source = src)
    } else switch(kind,
      stock = list(name = recs$name[i], kind = "stock", init = recs$init[i], inflows = character(),
                   outflows = character(), rate = recs$eqn[i],
                   source = src, init_source = c(recs$init_line[i], recs$init_col[i])),
      lookup = list(name = recs$name[i], kind = "lookup", x = recs$x[[i]], y = recs$y[[i]],
                    source = c(recs$line[i], 1L)),
      list(name = recs$name[i],
           kind = if (isTRUE(recs$number[i])) "const" else "aux",
           eqn = recs$eqn[i], source = src))
    if (length(subs)) v$subs <- subs
    if (length(recs$except[[i]])) v$except <- recs$except[[i]]
    if (nzchar(recs$units[i])) v$units <- recs$units[i]
    if (nzchar(recs$doc[i])) v$doc <- recs$doc[i]
    v
  }
}

# Subscript ranges as list(name = elements); a range listed among the
# elements of another (DimAB: DimA, DimB) contributes its elements.
mdl_dims <- function(names, elems) {
  dims <- stats::setNames(elems, names)
  key <- canon_name(names)
  expand <- function(e, depth = 0) {
    if (depth > 20) return(e)
    unlist(lapply(e, function(x) {
      k <- match(canon_name(x), key)
      if (is.na(k)) x else expand(dims[[k]], depth + 1)
    }))
  }
  lapply(dims, expand)
}

# Equations that are a single number (constants).
is_number_text <- function(eqn)
  grepl("^[[:space:]]*-?[[:space:]]*([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$", eqn)
