# Feedback loops: the links of a model as the engine reads them
# (C_sdvm_links, src/sd_links.c) and its elementary cycles
# (C_sdvm_cycles, src/sd_loops.c).

# Every reference of every equation, as a data frame: from, to (variable
# names; "Time" for the clock), where it is written (line and column in
# the equation, and in the file), whether it only sets an initial value,
# the stateful function it passes through, and its sign (+1, -1, 0
# unknown).  Cached on the model.
model_links <- function(m, assume_positive = TRUE) {
  cache <- m$.cache
  key <- paste0("links_", assume_positive)
  if (is.environment(cache) && !is.null(cache[[key]])) return(cache[[key]])
  spec <- model_spec(m)
  res <- .Call(C_sdvm_links, spec, isTRUE(assume_positive))
  if (identical(names(res)[1], "code")) engine_abort(res)
  v <- res$vars
  l <- res$links
  vars <- data.frame(name = v$name, kind = kind_names[v$kind + 1L], arrayed = v$arrayed,
                     control = canon_name(v$name) %in% canon_name(control_names),
                     stringsAsFactors = FALSE)
  links <- data.frame(from = ifelse(l$from == 0L, "Time", v$name[pmax(l$from, 1L)]),
                      to = v$name[l$to], from_index = l$from, to_index = l$to, def = l$def,
                      field = c("equation", "initial")[l$field + 1L], init = l$init == 1L,
                      sign = l$sign, line = l$line, column = l$col,
                      file_line = ifelse(l$file_line > 0L, l$file_line, NA_integer_),
                      file_column = ifelse(l$file_col > 0L, l$file_col, NA_integer_),
                      len = l$len, via = l$via, stringsAsFactors = FALSE)
  out <- list(vars = vars, links = links, spec = spec, nodes = res$nodes, roots = res$roots)
  if (is.environment(cache)) cache[[key]] <- out
  out
}

# One row per pair of variables with a dynamic link (not only an initial
# value, not from Time): its sign (all references agreeing, else 0) and
# the stateful functions it passes through.
causal_edges <- function(ml) {
  l <- ml$links
  l <- l[!l$init & l$from_index > 0L, , drop = FALSE]
  if (!nrow(l)) return(data.frame(from = integer(), to = integer(), sign = integer(), via = character()))
  key <- paste(l$from_index, l$to_index)
  first <- !duplicated(key)
  sgn <- tapply(l$sign, key, function(s) if (all(s == s[1])) s[1] else 0L)
  via <- tapply(l$via, key, function(x) {
    x <- unique(x[!is.na(x)])
    if (length(x)) paste(toupper(x), collapse = ", ") else NA_character_
  })
  k <- key[first]
  data.frame(from = l$from_index[first], to = l$to_index[first], sign = as.integer(sgn[k]),
             via = as.character(via[k]), stringsAsFactors = FALSE)
}

#' Feedback loops of a model
#'
#' `sd_loops()` lists the feedback loops of a model: every closed path of
#' causal links from a variable back to itself that passes through no
#' variable twice.  The links are those the engine reads from the
#' equations (a reference to `x` in the equation of `y` is a link
#' `x -> y`; a flow in a stock's rate is a link to the stock), leaving out
#' references that only set initial values (`INITIAL()`, a stock's
#' initial value).  Arrayed variables are taken whole: a loop through them
#' stands for the loops between their elements along the same variables,
#' which are counted from the compiler's element graph (`elements`).  Models that only describe structure (causal loop diagrams whose
#' variables are `A FUNCTION OF` others) have loops too, though they
#' cannot be simulated.
#'
#' **Polarity.**  A link is positive (`+`) when the equation makes its
#' target rise with its source all else fixed, negative (`-`) when it
#' makes it fall: `a - b` gives `b` a negative link, `a / b` too, a
#' lookup its table's direction when the table only rises or only falls.
#' Products and quotients are signed by the other factor's sign, known
#' for numbers and constants and, with `assume_positive`, for stocks
#' (models keep most stocks non-negative).  Where the equation leaves the
#' sign open (a comparison, a product with an unknown sign, a table that
#' rises and falls), the polarity an arrow carries in the model's diagram
#' is used, else it is unknown.  A loop with an even number of negative
#' links is reinforcing (ids `R1`, `R2`, ...), with an odd number
#' balancing (`B1`, ...); one with a link of unknown polarity is
#' undetermined (`U1`, ...).
#'
#' Large models have very many loops (their number can grow exponentially
#' with the model).  When there are more than `max_loops`, the shortest
#' are listed (every loop of length 1, then 2, ...) until `max_loops` are
#' found, and the result says so: `attr(, "complete")` is `FALSE`,
#' `attr(, "complete_length")` the length up to which every loop is
#' listed, and printing says both.
#'
#' @param model A model ([read_vensim()], [read_xmile()], [sd_model()]).
#' @param max_loops Stop after this many loops.
#' @param assume_positive Take stocks as non-negative when signing links.
#' @param max_elements Stop counting a loop's element loops at this many
#'   (its `elements` is then a lower bound).
#' @return A data frame of class `sdvm_loops`, one row per loop, shortest
#'   first: `id`, `polarity` (`"reinforcing"`, `"balancing"` or
#'   `"undetermined"`), `length` (links), `loop` (the variables in order,
#'   as text), `variables` (a list column of the same), `stocks` (how many
#'   of them are stocks), `through` (stateful functions such as SMOOTH
#'   along the loop, which delay it), `arrayed`, `elements` (how many
#'   loops between array elements the row stands for, from the compiled
#'   element graph: 0 when its variables only link through different
#'   elements, so that no element loop closes; `NA` for a model that
#'   cannot be expanded, such as a causal loop diagram), and `views` (the
#'   diagram views its variables are drawn in).  Attributes `complete`,
#'   `elements_complete` (every element loop counted: none reached
#'   `max_elements`) and `links` (every link with its polarity, and where the
#'   polarity came from).
#' @seealso [sd_loop_scores()] for which loops drive the behaviour.
#' @export
#' @examples
#' m <- sd_model(stop = 50) |>
#'   sd_stock("Population", 10, inflows = "Births", outflows = "Deaths") |>
#'   sd_flow("Births", "Population * Birth Rate") |>
#'   sd_flow("Deaths", "Population * Population / Capacity * Birth Rate") |>
#'   sd_const("Birth Rate", 0.1) |>
#'   sd_const("Capacity", 1000)
#' sd_loops(m)
sd_loops <- function(model, max_loops = 10000, assume_positive = TRUE, max_elements = 1000) {
  check_model(model)
  if (!is.numeric(max_loops) || length(max_loops) != 1 || is.na(max_loops) || max_loops < 1)
    sdvm_abort("`max_loops` must be a positive number.", "sdvm_param_error")
  if (!is.numeric(max_elements) || length(max_elements) != 1 || is.na(max_elements) || max_elements < 1)
    sdvm_abort("`max_elements` must be a positive number.", "sdvm_param_error")
  ml <- model_links(model, assume_positive)
  vars <- ml$vars
  e <- causal_edges(ml)
  e$polarity_from <- ifelse(e$sign != 0L, "equation", NA_character_)
  # the diagram's arrow polarities fill in what the equations leave open
  e <- diagram_polarity(model, vars, e)
  cyc <- .Call(C_sdvm_cycles, nrow(vars), e$from, e$to, as.double(max_loops))
  loops <- cyc$cycles
  edge_key <- paste(e$from, e$to)
  n <- length(loops)
  pol <- character(n)
  through <- character(n)
  views <- loop_views(model, vars$name, loops)
  for (k in seq_len(n)) {
    v <- loops[[k]]
    idx <- match(paste(v, c(v[-1], v[1])), edge_key)
    s <- e$sign[idx]
    pol[k] <- if (any(s == 0L)) "undetermined" else if (sum(s < 0L) %% 2L == 0L) "reinforcing" else "balancing"
    w <- unique(unlist(strsplit(e$via[idx][!is.na(e$via[idx])], ", ", fixed = TRUE)))
    through[k] <- if (length(w)) paste(w, collapse = ", ") else ""
  }
  len <- lengths(loops)
  ord <- order(len, seq_len(n))
  loops <- loops[ord]; pol <- pol[ord]; through <- through[ord]; views <- views[ord]; len <- len[ord]
  prefix <- c(reinforcing = "R", balancing = "B", undetermined = "U")[pol]
  id <- character(n)
  for (p in unique(prefix)) id[prefix == p] <- paste0(p, seq_len(sum(prefix == p)))
  names_of <- lapply(loops, function(v) vars$name[v])
  out <- data.frame(id = id, polarity = pol, length = len,
                    loop = vapply(names_of, function(x) paste(c(x, x[1]), collapse = " -> "), ""),
                    stringsAsFactors = FALSE)
  out$variables <- names_of
  out$stocks <- vapply(loops, function(v) sum(vars$kind[v] == "stock"), 0L)
  out$through <- through
  out$arrayed <- vapply(loops, function(v) any(vars$arrayed[v]), NA)
  # how many element loops each stands for (arrays; hidden stocks)
  el <- if (any(out$arrayed)) element_loop_counts(ml$spec, loops, max_elements) else
    list(count = rep(1L, n), complete = TRUE)
  out$elements <- el$count
  out$views <- views
  e$from_name <- vars$name[e$from]
  e$to_name <- vars$name[e$to]
  structure(out, class = c("sdvm_loops", "data.frame"), complete = isTRUE(cyc$complete),
            elements_complete = isTRUE(el$complete),
            complete_length = if (isTRUE(cyc$complete)) NA_integer_ else cyc$complete_length,
            max_loops = max_loops, links = e, model_vars = vars$name)
}

# The element loops behind each variable loop (`loops`: node vectors of
# the variable graph), from the compiler's element graph (C_sdvm_elements:
# arrays expanded, SMOOTH and DELAY lowered to hidden stocks, which count
# as the variable whose equation made them).  For a loop v1 -> ... -> vk
# the element graph is cut down to the edges from elements of v_i to
# elements of v_i or of the next variable round the loop; a cycle of that
# graph that passes through more than one variable follows the loop,
# round once or several times (u[1] -> v[2] -> u[2] -> v[3] -> u[3] ->
# v[1] -> u[1] goes round three times), and is one of its element loops.
# A loop of one variable: cycles among its elements through one of its
# own (not only hidden) elements.  The cycles are the engine's
# (C_sdvm_cycles), at most `max_elements` per loop.  list(count = per
# loop, NA when the model cannot be expanded (a causal loop diagram);
# complete = FALSE when some loop reached the bound, its count then a
# lower bound).
element_loop_counts <- function(spec, loops, max_elements) {
  n <- length(loops)
  el <- tryCatch(.Call(C_sdvm_elements, spec), error = function(e) NULL)
  if (is.null(el) || identical(names(el)[1], "code")) return(list(count = rep(NA_integer_, n), complete = FALSE))
  vf <- el$var[el$from]
  vt <- el$var[el$to]
  complete <- TRUE
  count <- vapply(loops, function(L) {
    k <- length(L)
    pos <- match(vf, L)
    post <- match(vt, L)
    ok <- !is.na(pos) & !is.na(post) & (post == pos | post == pos %% k + 1L)
    if (k == 1L) ok <- ok & !(el$from == el$to & el$hidden[el$from])
    if (!any(ok)) return(0L)
    nodes <- sort(unique(c(el$from[ok], el$to[ok])))
    cyc <- .Call(C_sdvm_cycles, length(nodes), match(el$from[ok], nodes), match(el$to[ok], nodes),
                 as.double(max_elements))
    if (!isTRUE(cyc$complete)) complete <<- FALSE
    var_of <- el$var[nodes]
    hid <- el$hidden[nodes]
    sum(vapply(cyc$cycles, function(cv) if (k == 1L) any(!hid[cv]) else any(var_of[cv] != var_of[cv[1]]), NA))
  }, 0L)
  list(count = as.integer(count), complete = complete)
}

# Arrow polarities drawn in the model's diagram ("+" / "-"), for links the
# equations leave unsigned.
diagram_polarity <- function(model, vars, e) {
  views <- tryCatch(model_views(model), error = function(err) list())
  if (!length(views) || !nrow(e)) return(e)
  arrows <- do.call(rbind, lapply(views, function(v) {
    if (is.null(v$arrows) || !nrow(v$arrows) || is.null(v$arrows$polarity)) return(NULL)
    el <- v$elements
    data.frame(from = el$name[match(v$arrows$from, el$id)], to = el$name[match(v$arrows$to, el$id)],
               polarity = v$arrows$polarity, stringsAsFactors = FALSE)
  }))
  if (is.null(arrows)) return(e)
  arrows <- arrows[!is.na(arrows$from) & !is.na(arrows$to) & arrows$polarity %in% c("+", "-"), , drop = FALSE]
  if (!nrow(arrows)) return(e)
  key <- canon_name(vars$name)
  ak <- paste(match(canon_name(arrows$from), key), match(canon_name(arrows$to), key))
  hit <- match(paste(e$from, e$to), ak)
  fill <- e$sign == 0L & !is.na(hit)
  e$sign[fill] <- ifelse(arrows$polarity[hit[fill]] == "+", 1L, -1L)
  e$polarity_from[fill] <- "diagram"
  e
}

# The views each loop's variables are drawn in (not as shadows).
loop_views <- function(model, names, loops) {
  views <- tryCatch(model_views(model), error = function(err) list())
  if (!length(views)) return(rep("", length(loops)))
  key <- canon_name(names)
  member <- lapply(views, function(v) {
    el <- v$elements
    own <- if (is.null(el$shadow)) rep(TRUE, nrow(el)) else !el$shadow
    unique(match(canon_name(el$name[own & nzchar(el$name)]), key))
  })
  vapply(loops, function(v) {
    hit <- names(views)[vapply(member, function(m) any(v %in% m), NA)]
    paste(hit, collapse = ", ")
  }, "")
}

#' @export
print.sdvm_loops <- function(x, n = 20, ...) {
  # a subset of the columns prints as the data frame it is
  if (!all(c("id", "polarity", "length", "stocks", "loop") %in% names(x))) {
    print(as.data.frame(unclass(x), stringsAsFactors = FALSE), ...)
    return(invisible(x))
  }
  k <- nrow(x)
  tab <- table(factor(x$polarity, c("reinforcing", "balancing", "undetermined")))
  cat(sprintf("%d feedback loop%s%s: %d reinforcing, %d balancing, %d undetermined\n", k,
              if (k == 1) "" else "s",
              if (isTRUE(attr(x, "complete"))) "" else
                sprintf(" (stopped at max_loops = %s: there are more; every loop of up to %d links is listed)",
                        format(attr(x, "max_loops")), attr(x, "complete_length")),
              tab[[1]], tab[[2]], tab[[3]]))
  if (k) {
    cols <- c("id", "length", "stocks", if (any(x$arrayed) && "elements" %in% names(x)) "elements", "loop")
    show <- utils::head(as.data.frame(unclass(x)[cols], stringsAsFactors = FALSE), n)
    show$loop <- ifelse(nchar(show$loop) > 100, paste0(substr(show$loop, 1, 97), "..."), show$loop)
    print(show, row.names = FALSE, right = FALSE)
    if (k > n) cat(sprintf("... and %d more\n", k - n))
    if (any(x$arrayed) && "elements" %in% names(x))
      cat(sprintf("(elements: loops between array elements each row stands for%s)\n",
                  if (isTRUE(attr(x, "elements_complete"))) "" else "; some counts stopped at max_elements"))
  }
  invisible(x)
}
