# XMILE conveyors (XMILE 1.0 section 4.2.1, Stella's conveyors): a stock
# whose contents ride a belt for the transit time <len>.  Each batch that
# enters leaves by the conveyor's outflow (its first outflow that is not a
# leak) one transit time later, less what leaked on the way; each leak
# flow (<leak/>, its equation the fraction lost) takes that fraction of
# every batch evenly over the part of the belt between leak_start and
# leak_end (fractions of the belt from its entry, 0 and 1 by default).
# The material on the belt at the start is spread evenly along it.
#
# In the engine's terms, with I the inflow, T the transit time (taken by
# each batch as it enters), V the initial contents and f the leak
# fractions:
#   outflow  = (1 - sum f) * DELAY MATERIAL(I, T, V / T, 0)
#   leak k   = f_k * Z_k / ((end_k - start_k) * T), where the hidden stock
#              Z_k holds what entered between start_k and end_k transit
#              times ago: Z_k = INTEG(I(t - start_k T) - I(t - end_k T))
# With <exponential_leak/> a leak takes f_k of the zone's contents per
# unit time instead, and the outflow is what survives that over the
# zone.  <capacity> and <in_limit> limit the inflows.  An arrayed
# conveyor is one belt per element.  Arrested, discrete and batch
# conveyors are refused.

# The conveyors among decls: list by the stock's key of list(stock decl,
# the flows' overriding equations by flow key, extra records).
xmile_conveyors <- function(rd, decls, tab) {
  out <- list()
  for (d in decls) {
    if (d$tag != "stock") next
    conv <- xmile_child(rd, d$node, "conveyor")
    if (is.null(conv)) next
    for (opt in c("arrest", "discrete", "batch_integrity", "one_at_a_time"))
      if (!is.null(xmile_child(rd, conv, opt)) &&
          !identical(tolower(trimws(xmile_text(xmile_child(rd, conv, opt)))), "false"))
        xmile_fail(rd, sprintf(paste0("its conveyor is <%s>: sdvm does not run arrested, discrete or ",
                                      "batch conveyors yet (docs/language.md)"), opt),
                   tag = "stock", var = d$raw, line = d$line, class = "sdvm_unsupported_error")
    ctx <- xmile_ctx(rd, tab, d, NULL, rd$macro_names)
    len <- xmile_text(xmile_child(rd, conv, "len"))
    if (xmile_blank(len)) ctx$fail("the conveyor has no transit time (<len>)", NULL)
    T <- sprintf("(%s)", xmile_tr(ctx, len))
    init <- sprintf("(%s)", xmile_tr(ctx, xmile_text(xmile_child(rd, d$node, "eqn"))))
    # an arrayed conveyor: each element its own belt, the names with the
    # stock's dimensions
    on_dims <- function(name, dims) if (length(dims)) sprintf("%s[%s]", vensim_name(name),
                                                               paste(vapply(dims, vensim_name, ""), collapse = ","))
                                    else vensim_name(name)
    ref <- function(key) on_dims(tab[[key]]$name, tab[[key]]$dims)
    ins <- xmile_flow_keys(rd, d, "inflow")
    outs <- xmile_flow_keys(rd, d, "outflow")
    decl_of <- function(key) Filter(function(x) identical(x$key, key), decls)[[1]]
    is_leak <- vapply(outs, function(k) !is.null(xmile_child(rd, decl_of(k)$node, "leak")), NA)
    main <- outs[!is_leak][1]
    leaks <- outs[is_leak]
    expo <- !is.null(xmile_child(rd, conv, "exponential_leak")) ||
      identical(tolower(xml2::xml_attr(conv, "exponential_leak")), "true")
    I <- if (length(ins)) paste0("(", paste(vapply(ins, ref, ""), collapse = " + "), ")") else "0"
    eqns <- list(); extra <- list()
    fractions <- character()
    for (k in leaks) {
      ld <- decl_of(k)
      lctx <- xmile_ctx(rd, tab, ld, NULL, rd$macro_names)
      f <- sprintf("(%s)", xmile_tr(lctx, xmile_text(xmile_child(rd, ld$node, "eqn"))))
      zs <- suppressWarnings(as.numeric(xml2::xml_attr(ld$node, "leak_start")))
      ze <- suppressWarnings(as.numeric(xml2::xml_attr(ld$node, "leak_end")))
      if (is.na(zs)) zs <- 0
      if (is.na(ze)) ze <- 1
      if (!(zs >= 0 && ze <= 1 && ze > zs))
        xmile_fail(rd, sprintf("leak zone %g to %g is not within the belt (0 to 1)", zs, ze),
                   tag = "flow", var = ld$raw, line = ld$line)
      w <- ze - zs
      zname <- sprintf("%s leak zone %s", tab[[d$key]]$name, tab[[k]]$name)
      enter <- if (zs == 0) I else sprintf("DELAY FIXED(%s, %s * %s, %s / %s)", I, zs, T, init, T)
      leave <- sprintf("DELAY FIXED(%s, %s * %s, %s / %s)", I, ze, T, init, T)
      zrec <- list(name = zname, kind = "stock", init = sprintf("%s * %s", init, w),
                   rate = sprintf("%s - %s", enter, leave),
                   doc = sprintf("What is on conveyor '%s' in the zone of its leak '%s'",
                                 tab[[d$key]]$name, tab[[k]]$name))
      if (length(d$dims)) zrec$subs <- d$dims
      extra[[length(extra) + 1L]] <- zrec
      eqns[[k]] <- if (expo) sprintf("%s * %s", f, on_dims(zname, d$dims))
                   else sprintf("%s * %s / (%s * %s)", f, on_dims(zname, d$dims), w, T)
      fractions <- c(fractions, if (expo) sprintf("EXP(-%s * %s * %s)", f, w, T) else f)
    }
    survive <- if (!length(fractions)) "1" else if (expo) paste(fractions, collapse = " * ")
               else sprintf("(1 - %s)", paste(fractions, collapse = " - "))
    if (!is.na(main))
      eqns[[main]] <- sprintf("%s * DELAY MATERIAL(%s, %s, %s / %s, 0)", survive, I, T, init, T)
    # inflow limits: capacity (what the belt may hold) and in_limit (a rate)
    cap <- xmile_text(xmile_child(rd, conv, "capacity"))
    lim <- xmile_text(xmile_child(rd, conv, "in_limit"))
    limits <- list()
    if (!xmile_blank(cap) || !xmile_blank(lim)) {
      if (length(ins) != 1)
        xmile_fail(rd, "a conveyor with a capacity or an inflow limit needs exactly one inflow",
                   tag = "stock", var = d$raw, line = d$line, class = "sdvm_unsupported_error")
      limits[[ins]] <- list(
        cap = if (!xmile_blank(cap)) sprintf("MAX(0, ((%s) - %s) / TIME STEP + %s)", xmile_tr(ctx, cap),
                                            ref(d$key), paste(c(if (!is.na(main)) ref(main), vapply(leaks, ref, "")),
                                                                collapse = " + ")),
        lim = if (!xmile_blank(lim)) sprintf("(%s)", xmile_tr(ctx, lim)))
    }
    out[[d$key]] <- list(eqns = eqns, extra = extra, limits = limits)
  }
  out
}
