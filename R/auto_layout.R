# A diagram for a model that has none (one built in R): the variables
# laid out in layers by igraph's Sugiyama layout (flows of material left
# to right, information from causes to effects), in the form the sketch
# readers give, so that diagram_plot() draws it like a saved view.

# Which variables each variable's equation names, matched as Vensim
# matches names (case, spaces and underscores folded), longest names
# first so that "k" is not found inside "k rate".
equation_refs <- function(model) {
  vars <- model$vars
  names <- vapply(vars, `[[`, "", "name")
  canon <- canon_name(names)
  ord <- order(-nchar(canon))
  fold <- function(s) gsub("[[:space:]_]+", " ", tolower(s))
  esc <- function(s) gsub("([][{}()+*^$|\\\\?.])", "\\\\\\1", s)
  lapply(vars, function(v) {
    text <- paste(c(v$eqn, if (identical(v$kind, "stock")) c(v$init, v$rate)), collapse = " ")
    if (!nzchar(text)) return(character())
    text <- fold(text)
    found <- character()
    for (i in ord) {
      pat <- sprintf("(?<![[:alnum:]_$'])%s(?![[:alnum:]_$'])", esc(canon[i]))
      if (grepl(pat, text, perl = TRUE)) {
        found <- c(found, names[i])
        text <- gsub(pat, " ", text, perl = TRUE)
      }
    }
    setdiff(found, v$name)
  })
}

auto_view <- function(model) {
  if (!requireNamespace("igraph", quietly = TRUE))
    sdvm_abort(paste0("This model has no saved diagram; laying one out needs the igraph package: ",
                      "install.packages(\"igraph\")."), "sdvm_unsupported_error")
  vars <- Filter(function(v) !v$name %in% control_names, model$vars)
  names <- vapply(vars, `[[`, "", "name")
  kind <- vapply(vars, `[[`, "", "kind")
  # a stock given by its net rate (Vensim's INTEG(in - out)): the terms
  # that are single variables are its flows, inflows with +, outflows with -
  for (i in which(kind == "stock")) {
    v <- vars[[i]]
    if (length(v$inflows) || length(v$outflows) || is.null(v$rate)) next
    terms <- rate_terms(v$rate)
    k <- match(canon_name(terms$name), canon_name(names))
    ok <- !is.na(k) & kind[k] %in% c("aux", "flow")
    vars[[i]]$inflows <- names[k[ok & terms$sign > 0]]
    vars[[i]]$outflows <- names[k[ok & terms$sign < 0]]
    kind[k[ok]] <- "flow"
  }
  refs <- equation_refs(list(vars = vars))
  n <- length(names)
  from <- to <- character()
  for (i in seq_len(n)) {
    r <- intersect(refs[[i]], names)
    from <- c(from, r); to <- c(to, rep(names[i], length(r)))
  }
  # material: inflow -> stock -> outflow
  for (v in vars[kind == "stock"]) {
    for (f in intersect(v$inflows, names)) { from <- c(from, f); to <- c(to, v$name) }
    for (f in intersect(v$outflows, names)) { from <- c(from, v$name); to <- c(to, f) }
  }
  g <- igraph::graph_from_data_frame(data.frame(from = from, to = to), directed = TRUE,
                                     vertices = data.frame(name = names))
  # layers: stocks and flows along the material chains (even layers, by
  # longest path over the material edges, loops cut), each other variable
  # one layer before the first of what it feeds
  outflows_of <- function(nm) { k <- match(nm, names); if (kind[k] == "stock") vars[[k]]$outflows else character() }
  inflows_of <- function(nm) { k <- match(nm, names); if (kind[k] == "stock") vars[[k]]$inflows else character() }
  material <- vapply(seq_along(from), function(j)
    to[j] %in% outflows_of(from[j]) || from[j] %in% inflows_of(to[j]), NA)
  layer <- rep(NA_real_, n)
  chain <- which(kind %in% c("stock", "flow"))
  layer[chain] <- 0
  for (pass in seq_len(length(chain))) {
    changed <- FALSE
    for (j in which(material)) {
      a <- match(from[j], names); b <- match(to[j], names)
      if (layer[a] + 2 > layer[b] && layer[a] + 2 <= 2 * length(chain)) { layer[b] <- layer[a] + 2; changed <- TRUE }
    }
    if (!changed) break
  }
  for (i in which(is.na(layer))) {
    feeds <- layer[match(to[from == names[i]], names)]
    layer[i] <- if (any(!is.na(feeds))) max(0, min(feeds, na.rm = TRUE) - 1) else 0
  }
  # igraph orders the variables within each layer (fewest crossings);
  # the layers run across the page
  lay <- igraph::layout_with_sugiyama(g, layers = as.integer(layer) + 1L)$layout
  x <- 90 * layer + 80
  y <- 90 * lay[, 1] + 60
  el <- data.frame(id = seq_len(n), type = ifelse(kind == "stock", "stock", "variable"), name = names,
                   x = x, y = y, w = ifelse(kind == "stock", 40, 20), h = ifelse(kind == "stock", 20, 8),
                   shadow = FALSE, stringsAsFactors = FALSE)
  ar <- list()
  add_arrow <- function(a, b, pipe = FALSE, head = TRUE)
    ar[[length(ar) + 1L]] <<- data.frame(id = length(ar) + 1L, from = a, to = b, pipe = pipe, head = head,
                                         cx = NA_real_, cy = NA_real_, polarity = "", stringsAsFactors = FALSE)
  # each flow's valve at its place, its name under it, pipes to its stocks
  # or to clouds
  for (i in which(kind == "flow")) {
    vid <- nrow(el) + 1L
    el <- rbind(el, data.frame(id = vid, type = "valve", name = names[i], x = x[i], y = y[i], w = 6, h = 8,
                               shadow = FALSE))
    el$y[i] <- y[i] + 16
    src <- Filter(function(v) names[i] %in% v$outflows, vars[kind == "stock"])
    dst <- Filter(function(v) names[i] %in% v$inflows, vars[kind == "stock"])
    ends <- list(list(stock = if (length(src)) src[[1]]$name, dx = -60, head = FALSE),
                 list(stock = if (length(dst)) dst[[1]]$name, dx = 60, head = TRUE))
    for (e in ends) {
      target <- if (!is.null(e$stock)) match(e$stock, names) else {
        cid <- nrow(el) + 1L
        el <- rbind(el, data.frame(id = cid, type = "cloud", name = "", x = x[i] + e$dx, y = y[i], w = 8, h = 8,
                                   shadow = FALSE))
        cid
      }
      add_arrow(vid, target, pipe = TRUE, head = e$head)
    }
  }
  keyed <- function(nm) {
    k <- match(nm, names)
    if (kind[k] == "flow") el$id[el$type == "valve" & el$name == nm][1] else k
  }
  for (j in seq_along(from)) {
    # material is drawn as pipes; a flow that also reads its stock gets
    # an information arrow as well
    if (material[j] && !from[j] %in% refs[[match(to[j], names)]]) next
    if (kind[match(to[j], names)] == "stock") next
    add_arrow(match(from[j], names), keyed(to[j]))
  }
  list(elements = el, arrows = if (length(ar)) do.call(rbind, ar) else
    data.frame(id = integer(), from = integer(), to = integer(), pipe = logical(), head = logical(),
               cx = numeric(), cy = numeric(), polarity = character()))
}

# The top-level terms of a net rate and their signs ("a - b + c").
rate_terms <- function(rate) {
  chars <- strsplit(rate, "")[[1]]
  depth <- 0L; cur <- ""; sign <- 1; out <- list()
  flush <- function() {
    t <- trimws(cur)
    if (nzchar(t)) out[[length(out) + 1L]] <<- list(name = gsub('^"|"$', "", t), sign = sign)
  }
  for (ch in chars) {
    if (ch == "(") depth <- depth + 1L
    if (ch == ")") depth <- depth - 1L
    if (depth == 0L && ch %in% c("+", "-") && !grepl("(^|[^[:alpha:]_])[0-9.]+[eE]$", trimws(cur))) {
      flush(); cur <- ""; sign <- if (ch == "-") -1 else 1
      next
    }
    cur <- paste0(cur, ch)
  }
  flush()
  data.frame(name = vapply(out, `[[`, "", "name"), sign = vapply(out, `[[`, 0, "sign"),
             stringsAsFactors = FALSE)
}
