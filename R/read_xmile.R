#' Read an XMILE or Stella model
#'
#' `read_xmile()` reads an XMILE 1.0 file (`.xmile`, and Stella's `.stmx`
#' and `.itmx`) into the same kind of model object [read_vensim()] and the
#' builders make, so it can be printed, changed and run with [simulate()].
#' The XML is parsed with the xml2 package; every equation is translated
#' from XMILE's expression language to the engine's.
#'
#' It reads the time settings (`<sim_specs>`: start, stop, `dt` or its
#' reciprocal, the method), dimensions and arrayed variables (one equation
#' for all elements, or one per `<element>`), stocks with their inflows and
#' outflows, flows, auxiliaries, graphical functions (continuous,
#' extrapolate and discrete; `<xpts>` or `<xscale>`), modules (flattened:
#' the variables of module `m` are named `m.x`, and each `<connect>` gives
#' an input its source), macros, conveyors (transit time, capacity, inflow
#' limit, leaks, arrest, sampling) and queues, the files the header
#' includes, data imports (`<data><import>` of CSV and Excel tables), and
#' ignores vendor extensions (`isee:` elements); `docs/language.md` lists
#' every construct and builtin with what sdvm does with it.  Stella's semantics are kept where they differ from
#' Vensim's: `PULSE(amount, first, interval)` adds `amount` over one time
#' step; a non-negative flow (`<non_negative/>`, a uniflow) is never below
#' zero; the outflows of a non-negative stock take at most what the stock
#' holds plus its inflows over the step, in the order they are listed, and
#' the stock itself never goes below zero.
#'
#' Problems give classed errors (`sdvm_parse_error` for XML that is not
#' well formed, is not XMILE or has equations that do not parse,
#' `sdvm_definition_error` for unknown elements, functions and names)
#' naming the element, the variable and its line.
#'
#' @param path Path to the model file.
#' @return An `sdvm_model`.
#' @export
#' @examples
#' path <- system.file("models", "predator_prey.xmile", package = "sdvm")
#' m <- read_xmile(path)
#' m
#' tail(simulate(m), 3)
read_xmile <- function(path) {
  if (!is.character(path) || length(path) != 1 || !file.exists(path))
    sdvm_abort(sprintf("Cannot read '%s': no such file.", path), "sdvm_io_error", file = path)
  doc <- xmile_read_doc(path)
  rd <- new.env(parent = emptyenv())
  rd$file <- path
  rd$lines <- readLines(path, warn = FALSE, encoding = "UTF-8")
  rd$ns <- xml2::xml_ns(doc)
  root <- doc
  hdr <- xmile_child(rd, root, "header")
  # written by Vensim: INT and MOD mean Vensim's INTEGER and MODULO
  rd$vensim <- !is.null(hdr) && any(grepl("vensim|ventana", vapply(
    c(xmile_children(rd, hdr, "vendor"), xmile_children(rd, hdr, "product")), xml2::xml_text, ""),
    ignore.case = TRUE))
  # included files (XMILE 1.0, Includes): their dimensions, models and
  # macros join this file's, and their sim_specs serve when it has none
  included <- xmile_includes(rd, hdr, path)
  specs <- xmile_child(rd, root, "sim_specs")
  for (r in included) if (is.null(specs)) specs <- xmile_child(rd, r, "sim_specs")
  rd$settings <- xmile_sim_specs(rd, specs)
  rd$dims <- xmile_dimensions(rd, xmile_child(rd, root, "dimensions"))
  for (r in included) rd$dims <- xmile_merge_dims(rd, rd$dims, xmile_dimensions(rd, xmile_child(rd, r, "dimensions")))
  rd$behavior <- xmile_behavior(rd, xmile_child(rd, root, "behavior"))
  imports <- list()
  for (ch in xml2::xml_children(root)) {
    tag <- xmile_tag(rd, ch)
    if (!tag %in% c("header", "sim_specs", "dimensions", "behavior", "model", "macro", "model_units",
                    "units", "prefs", "style", "data", "default_format", "format", "globals",
                    "equation_prefs") && !grepl(":", tag))
      xmile_fail(rd, sprintf("unknown element <%s> in <xmile>", tag), tag = tag, node = ch, class = "sdvm_parse_error")
    # imports replace variables' values with a file's (xmile_data.R)
    if (tag == "data") imports <- c(imports, xmile_import_specs(rd, ch))
  }
  tops <- c(list(xml2::xml_children(root)), lapply(included, xml2::xml_children))
  of_tag <- function(tag) unlist(lapply(tops, function(ch) Filter(function(n) xmile_tag(rd, n) == tag, ch)),
                                 recursive = FALSE)
  models <- of_tag("model")
  if (!length(models)) xmile_fail(rd, "the file has no <model>", class = "sdvm_definition_error")
  mnames <- vapply(models, function(n) { a <- xml2::xml_attr(n, "name"); if (is.na(a)) "" else a }, "")
  main <- which(mnames == "")
  if (!length(main)) main <- if (length(models) == 1) 1L else
    xmile_fail(rd, "no unnamed (main) <model> among several", class = "sdvm_definition_error")
  rd$models <- stats::setNames(models, xmile_canon(mnames))
  rd$macros <- xmile_macro_decls(rd, of_tag("macro"))
  decls <- xmile_flatten(rd, models[[main[1]]], prefix = "", links = list(), depth = 0)
  vars <- xmile_translate_model(rd, decls)
  macros <- lapply(rd$macros, function(mc) xmile_translate_macro(rd, mc))
  names(macros) <- vapply(rd$macros, `[[`, "", "name")
  name <- if (!is.null(hdr) && !is.null(xmile_child(rd, hdr, "name"))) xml2::xml_text(xmile_child(rd, hdr, "name")) else ""
  m <- new_model(list(name = if (nzchar(trimws(name))) trimws(name) else tools::file_path_sans_ext(basename(path)),
                      file = path, time_units = rd$settings$time_units,
                      settings = rd$settings[c("start", "stop", "dt", "saveper", "method")],
                      dims = rd$dims, dim_maps = list(), macros = macros, vars = vars))
  if (length(imports)) m <- xmile_apply_imports(rd, m, imports, path)
  eq <- xmile_unit_equivalences(rd, of_tag("model_units"))
  if (length(eq)) m$unit_equivalences <- eq
  m
}

# <model_units>: each <unit name="Dollar"> with its <alias>es and an
# <eqn> that is a single other name ("$") is a group of names meaning the
# same, for sd_check_units().
xmile_unit_equivalences <- function(rd, nodes) {
  out <- list()
  for (mu in nodes) for (u in xmile_children(rd, mu, "unit")) {
    nm <- xml2::xml_attr(u, "name")
    if (is.na(nm) || !nzchar(trimws(nm))) next
    al <- vapply(xmile_children(rd, u, "alias"), xml2::xml_text, "")
    eq <- xmile_child(rd, u, "eqn")
    eqt <- if (is.null(eq)) "" else trimws(xml2::xml_text(eq))
    # a definition by one other unit is an equivalence too
    g <- c(if (nzchar(eqt) && !grepl("[*/^()]", eqt)) eqt, trimws(nm), trimws(al))
    g <- unique(g[nzchar(g)])
    if (length(g) > 1) out[[length(out) + 1L]] <- g
  }
  out
}

# The roots of the files the header includes, and of those they include
# (each file once): relative paths from the including file's folder (with
# * wildcards), absolute ones (falling back to the file name beside the
# model, as the specification says).  URLs are refused: sdvm does not
# download.
xmile_includes <- function(rd, hdr, path, seen = normalizePath(path), depth = 0) {
  inc <- if (!is.null(hdr)) xmile_child(rd, hdr, "includes")
  if (is.null(inc)) return(list())
  if (depth > 20) xmile_fail(rd, "includes nest more than 20 deep", tag = "includes", class = "sdvm_definition_error")
  out <- list()
  for (node in xmile_children(rd, inc, "include")) {
    res <- trimws(xml2::xml_attr(node, "resource", default = ""))
    if (!nzchar(res)) xmile_fail(rd, "an <include> has no resource", tag = "include", class = "sdvm_definition_error")
    if (grepl("^[a-z]+://", res, ignore.case = TRUE) && !grepl("^file://", res, ignore.case = TRUE))
      xmile_fail(rd, sprintf(paste0("it includes '%s' from the web: sdvm does not download; save the file ",
                                    "beside the model and include it by its path"), res),
                 tag = "include", class = "sdvm_unsupported_error")
    p <- sub("^file://", "", res, ignore.case = TRUE)
    files <- if (is_absolute_path(p)) p else file.path(dirname(path), p)
    files <- if (grepl("[*?]", files)) Sys.glob(files) else files
    if (length(files) == 1 && !file.exists(files) && is_absolute_path(p))
      files <- file.path(dirname(path), basename(p))
    if (!length(files) || !all(file.exists(files)))
      sdvm_abort(sprintf("'%s' includes '%s', which does not exist.", basename(path), res), "sdvm_io_error",
                 file = path)
    for (f in files) {
      key <- normalizePath(f)
      if (key %in% seen) next
      seen <- c(seen, key)
      r <- xmile_read_doc(f)
      out <- c(out, list(r), xmile_includes(rd, xmile_child(rd, r, "header"), f, seen, depth + 1))
    }
  }
  out
}

# Dimensions of an included file join the model's; one name with two
# different definitions is an error.
xmile_merge_dims <- function(rd, dims, more) {
  for (nm in names(more)) {
    if (!is.null(dims[[nm]]) && !identical(dims[[nm]], more[[nm]]))
      xmile_fail(rd, sprintf("dimension '%s' is defined differently in an included file", nm), tag = "dim",
                 var = nm, class = "sdvm_definition_error")
    dims[[nm]] <- more[[nm]]
  }
  dims
}

# --- the document ------------------------------------------------------------

# The parsed document, default namespace stripped; classed errors for files
# that are not XML or not XMILE.
xmile_read_doc <- function(path) {
  doc <- tryCatch(
    withCallingHandlers(xml2::read_xml(path),
      # Stella files often use the isee: prefix without declaring it
      warning = function(w) if (grepl("amespace|xmlns", conditionMessage(w))) invokeRestart("muffleWarning")),
    error = function(e) {
      msg <- sub("^.*?: *", "", conditionMessage(e))
      line <- suppressWarnings(as.integer(sub("^.*line ([0-9]+).*$", "\\1", msg)))
      sdvm_abort(sprintf("'%s' is not well-formed XML: %s", basename(path), trimws(msg)),
                 "sdvm_parse_error", file = path, line = if (grepl("line [0-9]+", msg)) line else NA_integer_)
    })
  root <- xml2::xml_root(doc)
  if (xml2::xml_name(root) != "xmile")
    sdvm_abort(sprintf("'%s' is not an XMILE file: its root element is <%s>, not <xmile>.",
                       basename(path), xml2::xml_name(root)), "sdvm_parse_error", file = path, line = 1L)
  xml2::xml_ns_strip(doc)
  xml2::xml_root(doc)
}

# An element's name with its namespace prefix, if any ("isee:prefs").
xmile_tag <- function(rd, node) xml2::xml_name(node, ns = rd$ns)

xmile_children <- function(rd, node, tag) Filter(function(n) xmile_tag(rd, n) == tag, xml2::xml_children(node))
xmile_child <- function(rd, node, tag) {
  ch <- xmile_children(rd, node, tag)
  if (length(ch)) ch[[1]] else NULL
}
xmile_text <- function(node) if (is.null(node)) NULL else xml2::xml_text(node)

# The line of a variable in the file: the first `name="..."` at or after
# line `from` (xml2 1.3 reports no line numbers).
xmile_line <- function(rd, name, from = 1L) {
  if (is.null(name) || is.na(name)) return(NA_integer_)
  esc <- gsub("&", "&amp;", name, fixed = TRUE)
  esc <- gsub("<", "&lt;", esc, fixed = TRUE)
  hits <- which(grepl(sprintf('name="%s"', name), rd$lines, fixed = TRUE) |
                grepl(sprintf('name="%s"', esc), rd$lines, fixed = TRUE))
  hits <- hits[hits >= from]
  if (length(hits)) hits[1] else NA_integer_
}

# Raise a classed error naming the element, the variable and the line.
xmile_fail <- function(rd, msg, tag = NULL, var = NULL, line = NA_integer_, node = NULL,
                       class = "sdvm_definition_error") {
  if (is.na(line) && !is.null(var)) line <- xmile_line(rd, var)
  where <- c(basename(rd$file), if (!is.na(line)) sprintf("line %d", line))
  what <- if (!is.null(tag) && !is.null(var)) sprintf('<%s name="%s">: ', tag, var)
          else if (!is.null(tag)) sprintf("<%s>: ", tag) else ""
  sdvm_abort(sprintf("%s (%s): %s", sub(": $", "", what), paste(where, collapse = ", "), msg) |>
               sub(pattern = "^ \\(", replacement = "("),
             class, variable = if (is.null(var)) NA_character_ else xmile_display(var),
             file = rd$file, line = line)
}

# --- settings, dimensions, behavior --------------------------------------------

xmile_number <- function(rd, x, what) {
  v <- suppressWarnings(as.numeric(trimws(x)))
  if (length(v) != 1 || is.na(v)) xmile_fail(rd, sprintf("%s must be a number, not '%s'", what, x), tag = "sim_specs")
  v
}

xmile_sim_specs <- function(rd, node) {
  if (is.null(node)) xmile_fail(rd, "the file has no <sim_specs> (start, stop, dt)", tag = "xmile")
  get <- function(tag, default) {
    ch <- xmile_child(rd, node, tag)
    if (is.null(ch)) default else xmile_number(rd, xml2::xml_text(ch), sprintf("<%s>", tag))
  }
  start <- get("start", 0)
  stop <- get("stop", NA)
  if (is.na(stop)) xmile_fail(rd, "<sim_specs> has no <stop>", tag = "sim_specs")
  dt <- get("dt", 1)
  dtn <- xmile_child(rd, node, "dt")
  if (!is.null(dtn) && tolower(trimws(xml2::xml_attr(dtn, "reciprocal", default = "false"))) == "true") dt <- 1 / dt
  if (!(dt > 0)) xmile_fail(rd, "<dt> must be positive", tag = "sim_specs")
  method <- tolower(xml2::xml_attr(node, "method", default = "euler"))
  # rk45 and gear (variable-step methods of XMILE 1.0) run as fixed-step RK4
  method <- c(euler = "euler", rk2 = "rk2", rk4 = "rk4", rk45 = "rk4", gear = "rk4")[method]
  if (is.na(method))
    xmile_fail(rd, sprintf("integration method '%s' is not supported (euler, rk2, rk4, rk45, gear)",
                           xml2::xml_attr(node, "method")), tag = "sim_specs")
  save <- xml2::xml_attr(node, "isee:save_interval", ns = rd$ns)
  saveper <- if (!is.na(save)) xmile_number(rd, save, "isee:save_interval") else dt
  list(start = start, stop = stop, dt = dt, saveper = saveper, method = unname(method),
       time_units = xml2::xml_attr(node, "time_units", default = NA))
}

xmile_dimensions <- function(rd, node) {
  if (is.null(node)) return(list())
  dims <- lapply(xmile_children(rd, node, "dim"), function(d) {
    nm <- xml2::xml_attr(d, "name")
    if (is.na(nm)) xmile_fail(rd, "a <dim> has no name", tag = "dim")
    el <- xmile_children(rd, d, "elem")
    elems <- if (length(el)) vapply(el, function(e) xmile_display(xml2::xml_attr(e, "name")), "") else {
      size <- suppressWarnings(as.integer(xml2::xml_attr(d, "size")))
      if (is.na(size) || size < 1) xmile_fail(rd, "a <dim> needs <elem> children or a size", tag = "dim", var = nm)
      as.character(seq_len(size))
    }
    elems
  })
  names(dims) <- vapply(xmile_children(rd, node, "dim"), function(d) xmile_display(xml2::xml_attr(d, "name")), "")
  dims
}

# <behavior>: which stocks and flows are non-negative unless they say.
xmile_behavior <- function(rd, node) {
  out <- list(stock = FALSE, flow = FALSE)
  if (is.null(node)) return(out)
  if (!is.null(xmile_child(rd, node, "non_negative"))) out$stock <- out$flow <- TRUE
  for (k in c("stock", "flow")) {
    ch <- xmile_child(rd, node, k)
    if (!is.null(ch) && !is.null(xmile_child(rd, ch, "non_negative")))
      out[[k]] <- xmile_flag(xmile_child(rd, ch, "non_negative"))
  }
  out
}

# <non_negative/> or <non_negative>true</non_negative>: TRUE.
xmile_flag <- function(node) {
  v <- tolower(trimws(xml2::xml_text(node)))
  !(v %in% c("false", "0", "no"))
}
