# From XMILE <model>s to the model object's variables: modules flattened
# into declarations (xmile_flatten()), a table of every name, then each
# declaration translated into engine records (xmile_translate_model()).

xmile_var_tags <- c("aux", "flow", "stock", "gf")
# children of a variable that carry nothing the simulation needs
xmile_benign <- c("doc", "units", "range", "scale", "format", "display", "summing", "event_poster",
                  "alias", "label")

# The declarations of a model's variables, modules flattened: the
# variables of module `m` get the prefix "m."; `links` maps the canonical
# name of a module input to the canonical name of its source.
xmile_flatten <- function(rd, model, prefix, links, depth, in_macro = FALSE) {
  if (depth > 20) xmile_fail(rd, "modules nest more than 20 deep (a module contains itself?)", tag = "module")
  vars <- xmile_child(rd, model, "variables")
  # files before XMILE 1.0 (Stella 10) list the variables in <model> itself
  if (is.null(vars)) {
    if (in_macro) return(list())
    vars <- model
  }
  mname <- xml2::xml_attr(model, "name")
  from <- if (is.na(mname)) 1L else {
    l <- which(grepl(sprintf('<%s[^>]*name="%s"', xml2::xml_name(model), mname), rd$lines))
    if (length(l)) l[1] else 1L
  }
  kids <- xml2::xml_children(vars)
  tags <- vapply(kids, function(k) xmile_tag(rd, k), "")
  # every connection of this model's modules, before any module is read
  for (k in which(tags == "module")) {
    mod <- xml2::xml_attr(kids[[k]], "name")
    for (cn in c(xmile_children(rd, kids[[k]], "connect"), xmile_children(rd, kids[[k]], "connect2"))) {
      to <- xml2::xml_attr(cn, "to")
      src <- xml2::xml_attr(cn, "from")
      if (is.na(to) || is.na(src))
        xmile_fail(rd, "a <connect> needs both `to` and `from`", tag = "module", var = mod)
      if (!grepl(".", sub("^\\.", "", to), fixed = TRUE)) to <- paste0(mod, ".", to)
      key <- xmile_canon(paste0(prefix, sub("^\\.", "", to)))
      if (is.null(links[[key]])) links[[key]] <- xmile_canon(paste0(prefix, sub("^\\.", "", src)))
    }
  }
  out <- list()
  for (k in seq_along(kids)) {
    node <- kids[[k]]
    tag <- tags[k]
    if (grepl(":", tag, fixed = TRUE) || tag == "group") next   # vendor extensions; view groups
    if (identical(vars, model) && tag %in% c("display", "views", "interface", "style", "behavior")) next
    raw <- xml2::xml_attr(node, "name")
    if (tag == "module") {
      sub_name <- xml2::xml_attr(node, "model", default = raw)
      sub_model <- rd$models[[xmile_canon(sub_name)]]
      if (is.na(raw) || is.null(sub_model))
        xmile_fail(rd, sprintf("no <model name=\"%s\"> for this module", sub_name), tag = "module", var = raw,
                   line = xmile_line(rd, raw, from))
      out <- c(out, xmile_flatten(rd, sub_model, paste0(prefix, xmile_display(raw), "."), links, depth + 1))
      next
    }
    if (!tag %in% xmile_var_tags)
      xmile_fail(rd, sprintf("unknown element <%s> in <variables>", tag), tag = tag, var = if (!is.na(raw)) raw,
                 line = xmile_line(rd, raw, from), class = "sdvm_parse_error")
    if (is.na(raw)) xmile_fail(rd, sprintf("a <%s> has no name", tag), tag = tag, class = "sdvm_parse_error")
    name <- paste0(prefix, xmile_display(raw))
    key <- xmile_canon(name)
    if (!in_macro && prefix == "" && key %in% canon_name(control_names)) next   # given by <sim_specs>
    dims <- xmile_var_dims(rd, node, tag, raw)
    out[[length(out) + 1L]] <- list(tag = tag, name = name, raw = raw, key = key, node = node,
                                    prefix = prefix, dims = dims, link = links[[key]],
                                    line = xmile_line(rd, raw, from))
  }
  out
}

# The dimensions a variable is arrayed over, as named in <dimensions>.
xmile_var_dims <- function(rd, node, tag, raw) {
  dn <- xmile_child(rd, node, "dimensions")
  if (is.null(dn)) return(character())
  vapply(xmile_children(rd, dn, "dim"), function(d) {
    nm <- xml2::xml_attr(d, "name")
    k <- match(xmile_canon(nm), xmile_canon(names(rd$dims)))
    if (is.na(k)) xmile_fail(rd, sprintf("dimension '%s' is not defined in <dimensions>", nm), tag = tag, var = raw)
    names(rd$dims)[k]
  }, "")
}

# The graphical function of a variable: list(x, y, type) or NULL.
xmile_gf <- function(rd, gf, tag, raw) {
  if (is.null(gf)) return(NULL)
  bad <- function(msg) xmile_fail(rd, paste("graphical function:", msg), tag = tag, var = raw)
  pts <- function(ch) {
    if (is.null(ch)) return(NULL)
    sep <- xml2::xml_attr(ch, "sep", default = ",")
    v <- suppressWarnings(as.numeric(trimws(strsplit(xml2::xml_text(ch), sep, fixed = TRUE)[[1]])))
    if (!length(v) || anyNA(v)) bad(sprintf("<%s> must be numbers separated by '%s'", xml2::xml_name(ch), sep))
    v
  }
  y <- pts(xmile_child(rd, gf, "ypts"))
  if (is.null(y)) bad("no <ypts>")
  x <- pts(xmile_child(rd, gf, "xpts"))
  if (is.null(x)) {
    xs <- xmile_child(rd, gf, "xscale")
    if (is.null(xs)) bad("neither <xpts> nor <xscale>")
    lo <- suppressWarnings(as.numeric(xml2::xml_attr(xs, "min")))
    hi <- suppressWarnings(as.numeric(xml2::xml_attr(xs, "max")))
    if (is.na(lo) || is.na(hi)) bad("<xscale> needs numeric min and max")
    x <- if (length(y) == 1) lo else seq(lo, hi, length.out = length(y))
  }
  if (length(x) != length(y)) bad(sprintf("%d x points but %d y points", length(x), length(y)))
  if (is.unsorted(x)) bad("the x points must not decrease")
  type <- tolower(xml2::xml_attr(gf, "type", default = "continuous"))
  if (!type %in% c("continuous", "extrapolate", "discrete"))
    bad(sprintf("type '%s' is not continuous, extrapolate or discrete", type))
  list(x = x, y = y, type = type)
}

# The name table: canonical name -> list(name, dims, gf, standalone).
xmile_table <- function(rd, decls) {
  tab <- new.env(parent = emptyenv())
  for (d in decls) {
    if (!is.null(tab[[d$key]]))
      xmile_fail(rd, sprintf("'%s' is defined twice", d$name), tag = d$tag, var = d$raw, line = d$line)
    gf <- xmile_gf(rd, if (d$tag == "gf") d$node else xmile_child(rd, d$node, "gf"), d$tag, d$raw)
    info <- list(name = d$name, dims = d$dims, tag = d$tag)
    conv <- if (d$tag == "stock") xmile_child(rd, d$node, "conveyor")
    if (!is.null(conv)) {
      # what TRANSTIME, PROCTIME and CAPACITY need (xmile_expr.R)
      info$conveyor <- list(len = xmile_text(xmile_child(rd, conv, "len")),
                            capacity = xmile_text(xmile_child(rd, conv, "capacity")),
                            sample = xmile_text(xmile_child(rd, conv, "sample")),
                            inflows = vapply(xml2::xml_find_all(d$node, "./*[local-name()='inflow']"),
                                             function(x) trimws(xml2::xml_text(x)), ""))
    }
    if (!is.null(gf)) {
      # "name (gf)" for every table: the engine reads a table named like a
      # builtin ("step") called with one argument as that builtin
      info$gf <- list(table = paste(d$name, "(gf)"), type = gf$type,
                      x = gf$x, y = gf$y)
      info$standalone <- d$tag == "gf"
    }
    assign(d$key, info, envir = tab)
  }
  tab
}

# The context xmile_emit() needs for one equation of declaration `d`.
xmile_ctx <- function(rd, tab, d, elems = NULL, macros = rd$macro_names) {
  ctx <- new.env(parent = emptyenv())
  ctx$dims <- rd$dims
  # a range of elements written in an equation (a[2:4]) becomes a
  # subrange of the model
  ctx$add_dim <- function(name, elems) {
    rd$dims[[name]] <- elems
    ctx$dims[[name]] <- elems
  }
  ctx$add_var <- function(rec) rd$extra[[xmile_canon(rec$name)]] <- rec
  ctx$lhs_dims <- d$dims
  ctx$lhs_elems <- elems
  ctx$self <- d$raw
  ctx$macros <- macros
  ctx$vensim <- rd$vensim
  ctx$bang <- character()
  ctx$eqn <- ""
  ctx$resolve <- function(x) {
    k <- xmile_canon(paste0(d$prefix, x))
    if (exists(k, envir = tab, inherits = FALSE)) get(k, envir = tab) else NULL
  }
  ctx$fail <- function(msg, pos, class = "sdvm_definition_error") {
    col <- if (!is.null(pos)) sprintf(" (column %d of \"%s\")", pos, trimws(ctx$eqn)) else ""
    xmile_fail(rd, paste0(msg, col), tag = d$tag, var = d$raw, line = d$line, class = class)
  }
  ctx
}

# Equation text with its {comments} and blanks removed is empty.
xmile_blank <- function(x) is.null(x) || !nzchar(trimws(gsub("\\{[^}]*\\}", "", x)))

# Translate `text` in `ctx`, remembering it for error messages.
xmile_tr <- function(ctx, text) {
  ctx$eqn <- text
  xmile_translate(text, ctx)
}

# Whether a stock or flow is non-negative: its own <non_negative>, else
# the model's <behavior>.
xmile_nonneg <- function(rd, d) {
  # a queue never goes below zero: it gives what it holds
  if (d$tag == "stock" && !is.null(xmile_child(rd, d$node, "queue"))) return(TRUE)
  ch <- xmile_child(rd, d$node, "non_negative")
  if (!is.null(ch)) return(xmile_flag(ch))
  isTRUE(rd$behavior[[d$tag]])
}

# Every declaration as engine variable records.
xmile_translate_model <- function(rd, decls, tab = NULL, macros = rd$macro_names) {
  if (is.null(tab)) tab <- xmile_table(rd, decls)
  # module inputs whose connection names no variable
  for (d in decls) if (!is.null(d$link) && is.null(tab[[d$link]]))
    xmile_fail(rd, sprintf("its module connection comes from '%s', which is not defined", d$link),
               tag = d$tag, var = d$raw, line = d$line)
  # the outflows of non-negative stocks, and where they stand among the
  # stock's outflows (each taken only from what the ones before it left)
  clip <- list()
  flow_count <- table(unlist(lapply(decls, function(d) if (d$tag == "stock" && is.null(d$link))
    xmile_flow_keys(rd, d, "outflow"))))
  for (d in decls) if (d$tag == "stock" && is.null(d$link) && xmile_nonneg(rd, d)) {
    outs <- xmile_flow_keys(rd, d, "outflow")
    for (j in seq_along(outs))
      if (flow_count[[outs[j]]] == 1 && !is.null(tab[[outs[j]]]) && identical(tab[[outs[j]]]$dims, d$dims)) clip[[outs[j]]] <- list(stock = d, before = outs[seq_len(j - 1)])
  }
  conv <- xmile_conveyors(rd, decls, tab)
  flow_eqns <- unlist(lapply(conv, `[[`, "eqns"), recursive = FALSE, use.names = FALSE)
  names(flow_eqns) <- unlist(lapply(conv, function(cv) names(cv$eqns)))
  limits <- unlist(lapply(conv, `[[`, "limits"), recursive = FALSE, use.names = FALSE)
  names(limits) <- unlist(lapply(conv, function(cv) names(cv$limits)))
  attr(clip, "conveyor") <- list(eqns = flow_eqns, limits = limits)
  # queues (Stella's help, Queue computation): a queue takes whatever
  # flows in and wants to send everything on; an outflow without an
  # equation asks for all it holds, limited by a capacity or inflow limit
  # of the conveyor downstream, later outflows taking what is left
  qout <- list()
  for (d in decls) if (d$tag == "stock" && !is.null(xmile_child(rd, d$node, "queue")))
    for (k in xmile_flow_keys(rd, d, "outflow")) qout[[k]] <- d$raw
  attr(clip, "queue") <- qout
  rd$extra <- list()
  recs <- c(unlist(lapply(decls, function(d) xmile_records(rd, tab, d, clip, macros)), recursive = FALSE),
            unlist(lapply(conv, `[[`, "extra"), recursive = FALSE, use.names = FALSE))
  # variables the translation of builtins made (RANK's sort order)
  c(recs, unname(rd$extra))
}

# Canonical names of a stock's inflows or outflows, in their order.
xmile_flow_keys <- function(rd, d, which) {
  vapply(xmile_children(rd, d$node, which), function(n) xmile_canon(paste0(d$prefix, xml2::xml_text(n))), "")
}

# The records of one declaration: one for an apply-to-all equation, one
# per <element> otherwise; plus the table of a graphical function.
xmile_records <- function(rd, tab, d, clip, macros) {
  node <- d$node
  info <- tab[[d$key]]
  for (ch in xml2::xml_children(node)) {
    tag <- xmile_tag(rd, ch)
    ok <- c("eqn", "init_eqn", "inflow", "outflow", "non_negative", "dimensions", "element", "gf",
            if (d$tag == "gf") c("xpts", "ypts", "xscale", "yscale"), if (d$tag == "stock") c("conveyor", "queue"),
            if (d$tag == "flow") "leak", xmile_benign)
    if (!grepl(":", tag, fixed = TRUE) && !tag %in% ok)
      xmile_fail(rd, sprintf("unknown element <%s> in this variable", tag), tag = d$tag, var = d$raw,
                 line = d$line, class = if (tag == "conveyor") "sdvm_definition_error" else "sdvm_parse_error")
  }
  common <- function(v) {
    u <- xmile_text(xmile_child(rd, node, "units"))
    doc <- xmile_text(xmile_child(rd, node, "doc"))
    if (!is.null(u) && nzchar(trimws(u))) v$units <- trimws(u)
    if (!is.null(doc) && nzchar(trimws(doc))) v$doc <- trimws(doc)
    v$source <- c(if (is.na(d$line)) 0L else d$line, 1L)
    v
  }
  if (d$tag == "gf") {
    return(list(common(list(name = info$gf$table, kind = "lookup", x = info$gf$x, y = info$gf$y))))
  }
  out <- list()
  if (!is.null(info$gf))
    out[[1]] <- list(name = info$gf$table, kind = "lookup", x = info$gf$x, y = info$gf$y)
  elements <- xmile_children(rd, node, "element")
  if (length(elements) && !length(d$dims))
    xmile_fail(rd, "<element> equations need <dimensions>", tag = d$tag, var = d$raw, line = d$line)
  one <- function(enode, elems) {
    ctx <- xmile_ctx(rd, tab, d, elems, macros)
    einfo <- info
    egf <- if (!is.null(elems)) xmile_gf(rd, xmile_child(rd, enode, "gf"), d$tag, d$raw)
    if (!is.null(egf)) {
      # an element's own graphical function: a table of its own
      einfo$gf <- list(table = paste(d$name, paste(elems, collapse = " "), "(gf)"), type = egf$type)
      out[[length(out) + 1L]] <<- list(name = einfo$gf$table, kind = "lookup", x = egf$x, y = egf$y)
    }
    v <- xmile_record(rd, tab, d, enode, ctx, einfo, clip)
    if (length(d$dims)) v$subs <- if (is.null(elems)) d$dims else elems
    common(v)
  }
  if (length(elements)) {
    for (el in elements) {
      elems <- xmile_element_subs(rd, d, xml2::xml_attr(el, "subscript"))
      out[[length(out) + 1L]] <- one(el, elems)
    }
  } else out[[length(out) + 1L]] <- one(node, NULL)
  out
}

# The elements an <element subscript="a, b"> is for.
xmile_element_subs <- function(rd, d, text) {
  if (is.na(text)) xmile_fail(rd, "an <element> has no subscript", tag = d$tag, var = d$raw, line = d$line)
  parts <- trimws(strsplit(text, ",", fixed = TRUE)[[1]])
  if (length(parts) != length(d$dims))
    xmile_fail(rd, sprintf("<element subscript=\"%s\"> names %d elements for %d dimensions", text,
                           length(parts), length(d$dims)), tag = d$tag, var = d$raw, line = d$line)
  vapply(seq_along(parts), function(k) {
    el <- rd$dims[[d$dims[k]]]
    j <- match(xmile_canon(parts[k]), xmile_canon(el))
    if (is.na(j)) xmile_fail(rd, sprintf("'%s' is not an element of '%s'", parts[k], d$dims[k]),
                             tag = d$tag, var = d$raw, line = d$line)
    el[j]
  }, "")
}

# One record (before subscripts, units and source) of declaration `d`,
# from the equation in `enode` (the variable or one of its <element>s).
xmile_record <- function(rd, tab, d, enode, ctx, info, clip) {
  eqn <- xmile_text(xmile_child(rd, enode, "eqn"))
  if (is.null(eqn) && !identical(enode, d$node)) eqn <- xmile_text(xmile_child(rd, d$node, "eqn"))
  ref <- function(key) {
    # a name node for a variable known by its canonical name
    list(t = "name", v = tab[[key]]$name, subs = NULL, pos = NULL)
  }
  abs_ctx <- function() {        # names already flattened
    c2 <- xmile_ctx(rd, tab, utils::modifyList(d, list(prefix = "")), ctx$lhs_elems, ctx$macros)
    c2
  }
  if (!is.null(d$link)) {
    # a module input: its source's value
    e <- xmile_emit(ref(d$link), abs_ctx())
    return(list(name = d$name, kind = "aux", eqn = e))
  }
  if (d$tag == "stock") {
    if (xmile_blank(eqn)) ctx$fail("the stock has no initial value (<eqn>)", NULL)
    init <- xmile_tr(ctx, eqn)
    term <- function(key) xmile_emit(ref(key), abs_ctx())
    ins <- xmile_flow_keys(rd, d, "inflow")
    outs <- xmile_flow_keys(rd, d, "outflow")
    for (k in c(ins, outs)) if (is.null(tab[[k]]))
      ctx$fail(sprintf("flow '%s' is not defined", k), NULL)
    rate <- paste(c(if (length(ins)) paste(vapply(ins, term, ""), collapse = " + ") else "0",
                    vapply(outs, function(k) paste("-", term(k)), "")), collapse = " ")
    if (xmile_nonneg(rd, d))
      # never below zero within a step (Euler: exactly max(0, S + dt * net))
      rate <- sprintf("MAX(%s, -%s / TIME STEP)", rate, term(d$key))
    return(list(name = d$name, kind = "stock", init = init,
                inflows = vapply(ins, function(k) tab[[k]]$name, ""),
                outflows = vapply(outs, function(k) tab[[k]]$name, ""), rate = rate,
                init_source = c(if (is.na(d$line)) 0L else d$line, 1L)))
  }
  # a flow of a conveyor: its equation comes from the conveyor
  cv <- attr(clip, "conveyor")
  if (d$tag == "flow" && !is.null(cv$eqns[[d$key]])) return(list(name = d$name, kind = "flow", eqn = cv$eqns[[d$key]]))
  # aux or flow
  if (xmile_blank(eqn) && d$tag == "flow" && !is.null(attr(clip, "queue")[[d$key]]))
    eqn <- sprintf('"%s" / DT', gsub('"', '\\\\"', attr(clip, "queue")[[d$key]]))
  if (xmile_blank(eqn)) {
    if (is.null(info$gf)) ctx$fail("it has no equation (<eqn>)", NULL)
    eqn <- "TIME"                      # a graphical function of time
  }
  if (length(d$dims) && is.null(ctx$lhs_elems) && !is.null(vals <- xmile_number_list(eqn))) {
    n <- prod(vapply(d$dims, function(x) length(rd$dims[[x]]), 1))
    if (length(vals) != n)
      ctx$fail(sprintf("%d values for %d elements", length(vals), n), NULL)
    return(list(name = d$name, kind = "const", vals = vals))
  }
  e <- xmile_tr(ctx, eqn)
  if (!is.null(info$gf)) e <- xmile_gf_call(info, e)
  init <- xmile_text(xmile_child(rd, enode, "init_eqn"))
  if (!xmile_blank(init)) e <- sprintf("ACTIVE INITIAL(%s, %s)", e, xmile_tr(ctx, init))
  kind <- d$tag
  if (d$tag == "flow") {
    if (xmile_nonneg(rd, d)) e <- sprintf("MAX(0, %s)", e)            # a uniflow
    lim <- cv$limits[[d$key]]                                          # into a conveyor
    if (!is.null(lim$lim)) e <- sprintf("MIN(%s, %s)", e, lim$lim)
    if (!is.null(lim$cap)) e <- sprintf("MIN(%s, %s)", e, lim$cap)
    if (!is.null(lim$arrest)) e <- sprintf("IF THEN ELSE(%s, 0, %s)", lim$arrest, e)
    cl <- clip[[d$key]]
    if (!is.null(cl)) {
      # the outflow of a non-negative stock takes at most what the stock
      # holds, plus its inflows, less the outflows before it, over the step
      s <- cl$stock
      term <- function(key) xmile_emit(ref(key), abs_ctx())
      avail <- paste(c(sprintf("%s / TIME STEP", term(s$key)),
                       vapply(xmile_flow_keys(rd, s, "inflow"), function(k) paste("+", term(k)), ""),
                       vapply(cl$before, function(k) paste("-", term(k)), "")), collapse = " ")
      e <- sprintf("MIN(%s, MAX(0, %s))", e, avail)
    }
  } else if (is_number_text(e)) kind <- "const"
  list(name = d$name, kind = kind, eqn = e)
}
