# XMILE <macro>s: a name, parameters (<parm>), an output expression (<eqn>)
# and optionally variables of their own; read as the model object's macros
# (the same shape read_vensim() gives), called in equations by name.

# The macros' declarations; also sets rd$macro_names (canonical -> name).
xmile_macro_decls <- function(rd, nodes) {
  out <- lapply(nodes, function(n) {
    raw <- xml2::xml_attr(n, "name")
    if (is.na(raw)) xmile_fail(rd, "a <macro> has no name", tag = "macro", class = "sdvm_parse_error")
    parms <- vapply(xmile_children(rd, n, "parm"), function(p) xmile_display(xml2::xml_text(p)), "")
    list(name = xmile_display(raw), raw = raw, params = parms, node = n,
         eqn = xmile_text(xmile_child(rd, n, "eqn")))
  })
  rd$macro_names <- stats::setNames(vapply(out, `[[`, "", "name"), vapply(out, function(m) xmile_canon(m$name), ""))
  out
}

# One macro as list(name, params, outputs, vars).
xmile_translate_macro <- function(rd, mc) {
  pkeys <- xmile_canon(mc$params)
  decls <- xmile_flatten(rd, mc$node, prefix = "", links = list(), depth = 0, in_macro = TRUE)
  # a variable standing for a parameter (<flow name="input"/>) is the parameter
  decls <- Filter(function(d) !(d$key %in% pkeys && xmile_blank(xmile_text(xmile_child(rd, d$node, "eqn")))), decls)
  out_key <- xmile_canon(mc$name)
  has_out <- any(vapply(decls, function(d) d$key == out_key, TRUE))
  if (!has_out) {
    # the output is the macro's own <eqn>, as a variable named like the macro
    if (xmile_blank(mc$eqn)) xmile_fail(rd, "the macro has no <eqn> (its output)", tag = "macro", var = mc$raw)
    node <- xml2::xml_new_root("aux", name = mc$name)
    xml2::xml_add_child(node, "eqn", mc$eqn)
    decls[[length(decls) + 1L]] <- list(tag = "aux", name = mc$name, raw = mc$raw, key = out_key,
                                        node = xml2::xml_root(node), prefix = "", dims = character(),
                                        link = NULL, line = xmile_line(rd, mc$raw))
  } else if (!xmile_blank(mc$eqn) && xmile_canon(trimws(mc$eqn)) != out_key) {
    xmile_fail(rd, sprintf("its <eqn> '%s' is not its variable '%s'", trimws(mc$eqn), mc$name),
               tag = "macro", var = mc$raw)
  }
  tab <- xmile_table(rd, decls)
  for (k in seq_along(mc$params))
    if (!exists(pkeys[k], envir = tab, inherits = FALSE))
      assign(pkeys[k], list(name = mc$params[k], dims = character(), tag = "parm"), envir = tab)
  list(name = mc$name, params = mc$params, outputs = character(),
       vars = xmile_translate_model(rd, decls, tab))
}
