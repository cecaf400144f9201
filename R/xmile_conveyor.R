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
# conveyor is one belt per element.
#
# <arrest>, an expression: while it is true the belt stands.  XMILE 1.0
# (Conveyor options): all inflows and outflows are forced to zero and the
# conveyor stops moving, time suspended for all material on it (Stella's
# Oven Computation says the same of arrested ovens).  So the inflows, the
# outflow and the leaks are 0, and the delays count only the steps the
# belt moved: the engine's XMILE CONVEYOR, DELAY MATERIAL in belt steps,
# takes the place of DELAY MATERIAL and DELAY FIXED above.
# <sample>, an expression: the transit time is updated only while it is
# true (by default every DT).  A leak's fraction is its <leak> element's
# text, else its equation; with no outflow tagged <leak>, the outflows
# after the first are the leaks (XMILE's convention).
# Discrete and batch conveyors (discrete, batch_integrity) and integer
# leaks are refused.

# The conveyors among decls: list by the stock's key of list(stock decl,
# the flows' overriding equations by flow key, extra records).
xmile_conveyors <- function(rd, decls, tab) {
  out <- list()
  for (d in decls) {
    if (d$tag != "stock") next
    if (!is.null(xmile_child(rd, d$node, "oven")))
      xmile_fail(rd, "it is a Stella oven: sdvm does not run ovens (docs/language.md)",
                 tag = "stock", var = d$raw, line = d$line, class = "sdvm_unsupported_error")
    conv <- xmile_child(rd, d$node, "conveyor")
    if (is.null(conv)) next
    # an option set as an element (<discrete/>, <discrete>true</...>) or
    # as an attribute (discrete="true")
    option_on <- function(opt) {
      el <- xmile_child(rd, conv, opt)
      (!is.null(el) && !identical(tolower(trimws(xmile_text(el))), "false")) ||
        identical(tolower(xml2::xml_attr(conv, opt)), "true")
    }
    for (opt in c("discrete", "batch_integrity"))
      if (option_on(opt))
        xmile_fail(rd, sprintf(paste0("its conveyor is <%s>: sdvm does not run discrete or ",
                                      "batch conveyors (docs/language.md)"), opt),
                   tag = "stock", var = d$raw, line = d$line, class = "sdvm_unsupported_error")
    ctx <- xmile_ctx(rd, tab, d, NULL, rd$macro_names)
    arrest_text <- xmile_text(xmile_child(rd, conv, "arrest"))
    arrest <- if (xmile_blank(arrest_text) || tolower(trimws(arrest_text)) == "false") NULL
              else sprintf("(%s)", xmile_tr(ctx, arrest_text))
    # a delay of the inflow by `frac` transit times, the initial contents
    # flowing out evenly meanwhile
    belt <- function(frac) {
      delay <- if (frac == 1) T else sprintf("%s * %s", frac, T)
      if (is.null(arrest)) sprintf("DELAY FIXED(%s, %s, %s / %s)", I, delay, init, T)
      else sprintf("XMILE CONVEYOR(%s, %s, %s / %s, %s)", I, delay, init, T, arrest)
    }
    moving <- if (is.null(arrest)) "" else sprintf(" * (%s = 0)", arrest)
    len <- xmile_text(xmile_child(rd, conv, "len"))
    if (xmile_blank(len)) ctx$fail("the conveyor has no transit time (<len>)", NULL)
    T <- sprintf("(%s)", xmile_tr(ctx, len))
    sample <- xmile_text(xmile_child(rd, conv, "sample"))
    if (!xmile_blank(sample) && !tolower(trimws(sample)) %in% c("1", "true"))
      T <- sprintf("SAMPLE IF TRUE(%s, %s, %s)", xmile_tr(ctx, sample), T, T)
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
    if (!any(is_leak) && length(outs) > 1) is_leak <- seq_along(outs) > 1
    main <- outs[!is_leak][1]
    leaks <- outs[is_leak]
    expo <- !is.null(xmile_child(rd, conv, "exponential_leak")) ||
      identical(tolower(xml2::xml_attr(conv, "exponential_leak")), "true")
    I <- if (length(ins)) paste0("(", paste(vapply(ins, ref, ""), collapse = " + "), ")") else "0"
    eqns <- list(); extra <- list()
    fractions <- character()
    # steps the belt has moved: with an arrest, a hidden counter
    if (is.null(arrest)) {
      steps <- "((Time - INITIAL TIME) / TIME STEP)"
    } else {
      sname <- sprintf("%s belt steps", tab[[d$key]]$name)
      srec <- list(name = sname, kind = "stock", init = "0",
                   rate = sprintf("IF THEN ELSE(%s, 0, 1 / TIME STEP)", arrest),
                   doc = sprintf("The steps conveyor '%s' has moved (it stands while arrested)", tab[[d$key]]$name))
      if (length(d$dims)) srec$subs <- d$dims
      extra[[length(extra) + 1L]] <- srec
      steps <- on_dims(sname, d$dims)
    }
    # the part of the belt the initial contents leaving now have travelled
    # (counting this step, so that what leaves and what leaks add up to
    # the initial contents), and what of them the leaks took on the way
    past <- sprintf("((%s + 1) * TIME STEP / %s)", steps, T)
    init_leaks <- character()
    for (k in leaks) {
      ld <- decl_of(k)
      lctx <- xmile_ctx(rd, tab, ld, NULL, rd$macro_names)
      if (!is.null(xmile_child(rd, ld$node, "leak_integers")))
        xmile_fail(rd, "its leak is <leak_integers/>: sdvm does not round leaks to whole units (docs/language.md)",
                   tag = "flow", var = ld$raw, line = ld$line, class = "sdvm_unsupported_error")
      ftext <- xmile_text(xmile_child(rd, ld$node, "leak"))
      if (xmile_blank(ftext)) ftext <- xmile_text(xmile_child(rd, ld$node, "eqn"))
      if (xmile_blank(ftext))
        xmile_fail(rd, "a conveyor's leak needs its fraction (in <leak> or <eqn>)",
                   tag = "flow", var = ld$raw, line = ld$line)
      f <- sprintf("(%s)", xmile_tr(lctx, ftext))
      zs <- suppressWarnings(as.numeric(xml2::xml_attr(ld$node, "leak_start")))
      ze <- suppressWarnings(as.numeric(xml2::xml_attr(ld$node, "leak_end")))
      if (is.na(zs)) zs <- 0
      if (is.na(ze)) ze <- 1
      if (!(zs >= 0 && ze <= 1 && ze > zs))
        xmile_fail(rd, sprintf("leak zone %g to %g is not within the belt (0 to 1)", zs, ze),
                   tag = "flow", var = ld$raw, line = ld$line)
      w <- ze - zs
      zname <- sprintf("%s leak zone %s", tab[[d$key]]$name, tab[[k]]$name)
      enter <- if (zs == 0) I else belt(zs)
      leave <- belt(ze)
      zrec <- list(name = zname, kind = "stock", init = sprintf("%s * %s", init, w),
                   rate = sprintf("%s - %s", enter, leave),
                   doc = sprintf("What is on conveyor '%s' in the zone of its leak '%s'",
                                 tab[[d$key]]$name, tab[[k]]$name))
      if (length(d$dims)) zrec$subs <- d$dims
      extra[[length(extra) + 1L]] <- zrec
      eqns[[k]] <- if (expo) sprintf("%s * %s%s", f, on_dims(zname, d$dims), moving)
                   else sprintf("%s * %s / (%s * %s)%s", f, on_dims(zname, d$dims), w, T, moving)
      fractions <- c(fractions, if (expo) sprintf("EXP(-%s * %s * %s)", f, w, T) else f)
      overlap <- sprintf("MAX(0, %s - MAX(%s, 1 - %s))", ze, zs, past)
      init_leaks <- c(init_leaks, if (expo) sprintf("%s * %s * %s", f, overlap, T)
                                  else sprintf("%s * %s / %s", f, overlap, w))
    }
    survive <- if (!length(fractions)) "1" else if (expo) paste(fractions, collapse = " * ")
               else sprintf("(1 - %s)", paste(fractions, collapse = " - "))
    # the initial contents leave evenly over the first transit time, less
    # what the leaks took of each part on its way from where it was
    init_survive <- if (!length(init_leaks)) "1" else if (expo) sprintf("EXP(-(%s))", paste(init_leaks, collapse = " + "))
                    else sprintf("(1 - %s)", paste(init_leaks, collapse = " - "))
    init_out <- sprintf("IF THEN ELSE(%s <= 1 + 1e-9, %s / %s * %s, 0)%s", past, init, T, init_survive, moving)
    if (!is.na(main))
      eqns[[main]] <- if (is.null(arrest)) sprintf("%s * DELAY MATERIAL(%s, %s, 0, 0) + %s", survive, I, T, init_out)
                      else sprintf("%s * XMILE CONVEYOR(%s, %s, 0, %s) + %s", survive, I, T, arrest, init_out)
    # inflow limits: capacity (what the belt may hold) and in_limit (a rate)
    cap <- xmile_text(xmile_child(rd, conv, "capacity"))
    lim <- xmile_text(xmile_child(rd, conv, "in_limit"))
    limits <- list()
    # nothing comes on while the belt stands
    if (!is.null(arrest)) for (k in ins) limits[[k]] <- list(arrest = arrest)
    if (!xmile_blank(cap) || !xmile_blank(lim)) {
      if (length(ins) != 1)
        xmile_fail(rd, "a conveyor with a capacity or an inflow limit needs exactly one inflow",
                   tag = "stock", var = d$raw, line = d$line, class = "sdvm_unsupported_error")
      limits[[ins]] <- c(limits[[ins]], list(
        cap = if (!xmile_blank(cap)) sprintf("MAX(0, ((%s) - %s) / TIME STEP + %s)", xmile_tr(ctx, cap),
                                            ref(d$key), paste(c(if (!is.na(main)) ref(main), vapply(leaks, ref, "")),
                                                                collapse = " + ")),
        lim = if (!xmile_blank(lim)) sprintf("(%s)", xmile_tr(ctx, lim))))
    }
    out[[d$key]] <- list(eqns = eqns, extra = extra, limits = limits)
  }
  out
}
