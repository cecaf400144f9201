# Loop dominance by the Loops that Matter method (Schoenberg, Davidsen and
# Eberlein 2020, System Dynamics Review 36(2); the flow-to-stock score as
# revised by Schoenberg, Hayward and Eberlein 2023, SDR 39(2)).
#
# The link score of x -> z at time t compares how much z changed over the
# step (dz = z(t) - z(t-dt)) with how much it would have changed had only
# x moved (dxz = z(x(t), others(t-dt)) - z(t-dt)):
#     LS(x -> z) = |dxz / dz| * sign(dxz / dx),  0 when dz or dx is 0.
# For a flow into a stock the "z" is the stock's net rate, so the score
# is |d(flow) / d(net rate)|, signed + for an inflow and - for an outflow:
# the revised definition (change in the flow over change in the net
# flow).  A loop's score is the product of its links' scores; its
# relative score divides that by the sum of the absolute scores of the
# loops it shares variables with (its partition), so the relative scores
# of a partition's loops have absolute values summing to 1.
#
# The ceteris-paribus values z(x(t), others(t-dt)) are computed by the
# engine itself: the model is run once, then again with, for every scored
# link, an auxiliary whose equation is z's with every other input
# replaced by its value one step earlier (a data series from the first
# run, read exactly at each step's time).  The references to replace are
# the engine's own (model_links(): positions in the equation's text), so
# no second parser is involved.

#' Loop dominance: which feedback loops drive the behaviour
#'
#' `sd_loop_scores()` runs the model and measures, at every time step,
#' how much each feedback loop contributes to the change in the model's
#' behaviour, by the *Loops that Matter* method (Schoenberg, Davidsen and
#' Eberlein, 2020; with the flow-to-stock link score of Schoenberg,
#' Hayward and Eberlein, 2023, as Stella uses it).
#'
#' For each link `x -> z` on a loop, the link score at time `t` is the
#' share of z's change over the last step that x's change alone would
#' have made, signed by the direction of x's effect:
#' `|Δx z / Δz| * sign(Δx z / Δx)`, where `Δx z` is the change z would
#' have had if only x had moved (z's equation evaluated with x at `t` and
#' every other input at `t - dt`).  For a flow into or out of a stock,
#' `z` is the stock's net flow: the score is the flow's change over the
#' change in the net flow, positive for an inflow, negative for an
#' outflow.  A loop's score is the product of its links' scores, and its
#' relative score that score over the sum of the absolute scores of all
#' loops in its partition (the loops that share variables with it), so
#' the relative scores run from -1 to 1: near 1 a reinforcing loop
#' dominates, near -1 a balancing one.  Scores are 0 where nothing
#' changes (equilibrium) and missing at the first time, which has no step
#' before it.
#'
#' Link scores are computed for every step of `dt` (results are saved at
#' every step).  Loops through functions that hold their own state
#' (SMOOTH, DELAY3, TREND, macros, ...) cannot be scored by re-evaluating
#' an equation, nor can loops through arrayed variables (element loops):
#' both are refused with an error naming the variable; write such delays
#' with explicit stocks to score them.  Functions of time that do not
#' name `Time` (STEP, PULSE, RAMP) are read at `t`, so their change counts
#' as part of `Δx z`.
#'
#' @param model A model.
#' @param loops Loops to score, from [sd_loops()] (a subset of its rows
#'   is fine); by default all the model's loops.
#' @param max_loops Passed to [sd_loops()] when `loops` is not given.
#' @param ... Passed to [simulate()] (`params`, `stop`, `dt`, `method`,
#'   ...); `saveper` is the time step.
#' @return An object of class `sdvm_loop_scores`: a list with `time`,
#'   `relative` and `score` (matrices, one column per loop, named by the
#'   loop's id), `links` (the link scores, one column per link
#'   `"x -> z"`), `loops` (the scored rows of [sd_loops()]) and
#'   `partition` (each loop's partition).  `as.data.frame()` gives a `time`
#'   column and one column per loop (`type = "relative"`, the default;
#'   `"score"`; or `"links"`); `plot()` draws the relative scores over
#'   time; `summary()` tells which loop dominates when.
#' @references Schoenberg, W., Davidsen, P. and Eberlein, R. (2020)
#'   Understanding model behavior using the Loops that Matter method.
#'   *System Dynamics Review* 36(2), 158-190.
#'
#'   Schoenberg, W., Hayward, J. and Eberlein, R. (2023) Improving Loops
#'   that Matter. *System Dynamics Review* 39(2), 140-151.
#' @seealso [sd_loops()]
#' @export
#' @examples
#' # logistic growth: births reinforce, crowding deaths balance; the
#' # balancing loop takes over when the population passes half capacity
#' m <- sd_model(stop = 80, dt = 0.25) |>
#'   sd_stock("Population", 10, inflows = "Births", outflows = "Deaths") |>
#'   sd_flow("Births", "Population * Birth Rate") |>
#'   sd_flow("Deaths", "Population * Population / Capacity * Birth Rate") |>
#'   sd_const("Birth Rate", 0.1) |>
#'   sd_const("Capacity", 1000)
#' ls <- sd_loop_scores(m)
#' summary(ls)
#' head(as.data.frame(ls))
#' plot(ls)
sd_loop_scores <- function(model, loops = NULL, max_loops = 1000, ...) {
  check_model(model)
  if (is.null(loops)) loops <- sd_loops(model, max_loops = max_loops)
  if (!inherits(loops, "sdvm_loops") || is.null(attr(loops, "links")))
    sdvm_abort("`loops` must be rows of sd_loops(model).", "sdvm_param_error")
  if (!nrow(loops))
    sdvm_abort(sprintf("'%s' has no feedback loops to score.", model_label(model)), "sdvm_definition_error")
  if (!isTRUE(attr(loops, "complete")))
    warning(sprintf("Only %d of the model's loops were listed (max_loops); relative scores are shares of the listed loops.",
                    nrow(loops)), call. = FALSE)
  args <- list(...)
  if (!is.null(args$saveper)) sdvm_abort("Loop scores are computed every time step: do not give `saveper`.", "sdvm_param_error")
  ml <- model_links(model)
  vars <- ml$vars
  edges <- attr(loops, "links")
  ekey <- paste(edges$from, edges$to)
  loop_edges <- lapply(loops$variables, function(v) {
    i <- match(canon_name(v), canon_name(vars$name))
    match(paste(i, c(i[-1], i[1])), ekey)
  })
  used <- sort(unique(unlist(loop_edges)))
  check_scorable(edges[used, , drop = FALSE], vars)

  # the first run, every step saved
  settings <- model$settings
  dt <- if (!is.null(args$dt)) args$dt else settings$dt
  base <- do.call(simulate, c(list(model, saveper = dt, format = "wide"), args))
  base <- as.data.frame(base)
  time <- base$time
  nt <- length(time)
  if (nt < 2) sdvm_abort("The run has fewer than two time steps: nothing to score.", "sdvm_run_error")
  aug <- ceteris_paribus_model(model, ml, edges[used, , drop = FALSE], base)
  run2 <- do.call(simulate, c(list(aug$model, saveper = dt, format = "wide", vars = aug$save), args))
  run2 <- as.data.frame(run2)
  if (!identical(run2$time, time))
    sdvm_abort("internal error: the two runs of the loop scores have different times.", "sdvm_run_error")

  lag <- function(x) c(NA, x[-nt])
  link_scores <- matrix(NA_real_, nt, length(used))
  colnames(link_scores) <- paste(edges$from_name[used], "->", edges$to_name[used])
  for (k in seq_along(used)) {
    e <- edges[used[k], ]
    x <- base[[vars$name[e$from]]]
    z <- run2[[aug$value[k]]]          # z itself, or a stock's net rate
    zx <- run2[[aug$alone[k]]]
    dz <- z - lag(z)
    dxz <- zx - lag(z)
    dx <- x - lag(x)
    s <- ifelse(dz == 0 | dx == 0, 0, abs(dxz / dz) * sign(dxz / dx))
    s[1] <- NA
    link_scores[, k] <- s
  }
  score <- vapply(loop_edges, function(ix) {
    p <- rep(1, nt)
    for (j in ix) p <- p * link_scores[, match(j, used)]
    p
  }, numeric(nt))
  score <- matrix(score, nt, nrow(loops))
  colnames(score) <- loops$id
  part <- loop_partitions(loops$variables)
  relative <- score
  for (g in unique(part)) {
    cols <- which(part == g)
    tot <- rowSums(abs(score[, cols, drop = FALSE]))
    share <- score[, cols, drop = FALSE] / tot
    share[tot == 0 & !is.na(tot), ] <- 0      # nothing changes: no loop matters
    relative[, cols] <- share
  }
  relative[1, ] <- NA
  structure(list(time = time, relative = relative, score = score, links = link_scores,
                 loops = loops, partition = part, model = model_label(model)),
            class = "sdvm_loop_scores")
}

model_label <- function(m) if (is.null(m$name)) "the model" else m$name

# Loops through stateful functions or arrays cannot be scored by
# re-evaluating one equation: say which and why.
check_scorable <- function(e, vars) {
  arr <- unique(c(e$from, e$to)[vars$arrayed[c(e$from, e$to)]])
  if (length(arr))
    sdvm_abort(sprintf("Loop scores are not computed for loops through arrayed variables ('%s'): score their elements' loops in a model without arrays.",
                       vars$name[arr[1]]), "sdvm_unsupported_error", variable = vars$name[arr[1]])
  st <- which(!is.na(e$via))
  if (length(st)) {
    k <- st[1]
    sdvm_abort(sprintf("The link from '%s' to '%s' passes through %s, which holds state of its own: a loop through it cannot be scored by re-evaluating '%s'. Write the delay or smooth with explicit stocks to score it.",
                       e$from_name[k], e$to_name[k], e$via[k], e$to_name[k]),
               "sdvm_unsupported_error", variable = e$to_name[k])
  }
}

# The model with, for every link x -> z to score, an auxiliary holding z
# recomputed with only x at its current value (and, for a stock z, one
# holding its net rate), the inputs' previous values as data series.
ceteris_paribus_model <- function(model, ml, e, base) {
  vars <- ml$vars
  spec <- ml$spec
  links <- ml$links
  time <- base$time
  nt <- length(time)
  taken <- canon_name(vars$name)
  fresh <- function(stem) {
    nm <- stem
    k <- 1L
    while (canon_name(nm) %in% taken) { k <- k + 1L; nm <- paste(stem, k) }
    taken <<- c(taken, canon_name(nm))
    nm
  }
  prev_name <- list()
  add <- list()
  prev_of <- function(i) {
    key <- as.character(i)
    if (is.null(prev_name[[key]])) {
      nm <- fresh(paste("LTM previous", i))
      prev_name[[key]] <<- nm
      y <- base[[vars$name[i]]]
      # read at t_k: the value at t_(k-1); before the first point (the
      # start) the first value, as a data series holds its end values
      add[[length(add) + 1L]] <<- list(name = nm, kind = "data", x = time[-1], y = y[-nt],
                                       mode = "hold backward")
    }
    prev_name[[key]]
  }
  spec_row <- match(canon_name(vars$name), canon_name(spec$name))
  value <- alone <- character(nrow(e))
  rate_name <- list()
  for (k in seq_len(nrow(e))) {
    z <- e$to[k]
    text <- spec$eqn[spec_row[z]]
    refs <- links[links$to_index == z & links$field == "equation", , drop = FALSE]
    if (vars$kind[z] == "stock") {
      key <- as.character(z)
      if (is.null(rate_name[[key]])) {
        nm <- fresh(paste("LTM net rate", z))
        rate_name[[key]] <- nm
        add[[length(add) + 1L]] <- list(name = nm, kind = "aux", eqn = text)
      }
      value[k] <- rate_name[[key]]
    } else value[k] <- vars$name[z]
    swap <- refs[refs$from_index != e$from[k], , drop = FALSE]
    keep <- swap$from_index == 0L |
      !(vars$kind[pmax(swap$from_index, 1L)] %in% c("const", "lookup") | vars$control[pmax(swap$from_index, 1L)])
    swap <- swap[keep, , drop = FALSE]
    with <- vapply(swap$from_index, function(i) {
      if (i == 0L) "(Time - TIME STEP)" else prev_of(i)
    }, "")
    alone[k] <- fresh(paste("LTM alone", e$from[k], z))
    add[[length(add) + 1L]] <- list(name = alone[k], kind = "aux",
                                    eqn = replace_refs(text, swap$line, swap$column, swap$len, with))
  }
  m2 <- model
  m2$vars <- c(model$vars, add)
  m2 <- new_model(unclass(m2)[setdiff(names(m2), ".cache")])
  list(model = m2, value = value, alone = alone, save = unique(c(value, alone)))
}

# Text with the names written at (line, column) -- len bytes, or len + 2
# when quoted -- replaced by `with`, right to left so that earlier
# positions stay valid.
replace_refs <- function(text, line, column, len, with) {
  if (!length(line)) return(text)
  bytes <- charToRaw(enc2utf8(text))
  nl <- which(bytes == as.raw(10L))
  line_start <- c(1L, nl + 1L)
  at <- line_start[line] + column - 1L
  o <- order(at, decreasing = TRUE)
  for (k in o) {
    a <- at[k]
    n <- len[k] + if (bytes[a] == charToRaw("\"")) 2L else 0L
    bytes <- c(bytes[seq_len(a - 1L)], charToRaw(enc2utf8(with[k])),
               if (a + n <= length(bytes)) bytes[(a + n):length(bytes)])
  }
  out <- rawToChar(bytes)
  Encoding(out) <- "UTF-8"
  out
}

# Loops that share a variable are in one partition (transitively).
loop_partitions <- function(variables) {
  n <- length(variables)
  part <- seq_len(n)
  find <- function(i) { while (part[i] != i) i <- part[i]; i }
  key <- lapply(variables, canon_name)
  for (i in seq_len(n)) for (j in seq_len(i - 1L))
    if (any(key[[i]] %in% key[[j]])) {
      a <- find(i); b <- find(j)
      if (a != b) part[a] <- b
    }
  r <- vapply(seq_len(n), find, 1L)
  match(r, unique(r))
}

#' @rdname sd_loop_scores
#' @param x,object An `sdvm_loop_scores` object.
#' @param type `"relative"` (relative loop scores), `"score"` (loop
#'   scores) or `"links"` (link scores).
#' @param row.names,optional Ignored (for the generic).
#' @export
as.data.frame.sdvm_loop_scores <- function(x, row.names = NULL, optional = FALSE,
                                           type = c("relative", "score", "links"), ...) {
  type <- match.arg(type)
  m <- switch(type, relative = x$relative, score = x$score, links = x$links)
  out <- data.frame(time = x$time, m, check.names = FALSE)
  rownames(out) <- NULL
  out
}

#' @export
print.sdvm_loop_scores <- function(x, ...) {
  cat(sprintf("<sdvm_loop_scores> %d loop%s of %s over %d steps (time %s to %s)\n", ncol(x$relative),
              if (ncol(x$relative) == 1) "" else "s", x$model, length(x$time) - 1L,
              format(x$time[1]), format(x$time[length(x$time)])))
  print(summary(x), ...)
  invisible(x)
}

#' @rdname sd_loop_scores
#' @export
summary.sdvm_loop_scores <- function(object, ...) {
  r <- object$relative[-1, , drop = FALSE]
  dom <- apply(abs(r), 1, function(v) if (all(is.na(v)) || max(v, na.rm = TRUE) == 0) NA_integer_ else which.max(v))
  t <- object$time[-1]
  out <- data.frame(id = object$loops$id, polarity = object$loops$polarity,
                    mean_relative = colMeans(r, na.rm = TRUE),
                    dominant_share = vapply(seq_len(ncol(r)), function(j) mean(dom == j, na.rm = TRUE), 0),
                    dominant_from = vapply(seq_len(ncol(r)), function(j) {
                      w <- which(dom == j); if (length(w)) t[w[1]] else NA_real_ }, 0),
                    dominant_to = vapply(seq_len(ncol(r)), function(j) {
                      w <- which(dom == j); if (length(w)) t[w[length(w)]] else NA_real_ }, 0),
                    loop = object$loops$loop, stringsAsFactors = FALSE)
  rownames(out) <- NULL
  class(out) <- c("summary.sdvm_loop_scores", "data.frame")
  out
}

#' @export
print.summary.sdvm_loop_scores <- function(x, ...) {
  y <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  y$mean_relative <- round(y$mean_relative, 3)
  y$dominant_share <- round(y$dominant_share, 3)
  y$loop <- ifelse(nchar(y$loop) > 70, paste0(substr(y$loop, 1, 67), "..."), y$loop)
  print(y, row.names = FALSE, right = FALSE)
  invisible(x)
}

#' @rdname sd_loop_scores
#' @param loops_shown Loop ids to draw (default: all, up to 12, the most
#'   dominant first).
#' @param main Plot title.
#' @export
plot.sdvm_loop_scores <- function(x, loops_shown = NULL, main = NULL, ...) {
  r <- x$relative
  ids <- colnames(r)
  if (is.null(loops_shown)) {
    strength <- colMeans(abs(r[-1, , drop = FALSE]), na.rm = TRUE)
    loops_shown <- ids[order(-strength)][seq_len(min(12, length(ids)))]
  }
  j <- match(loops_shown, ids)
  if (anyNA(j)) sdvm_abort(sprintf("No loop '%s' among the scores.", loops_shown[is.na(j)][1]), "sdvm_param_error")
  pol <- x$loops$polarity[j]
  # reinforcing red, balancing blue, undetermined grey (as Stella shows
  # them), each loop its own line type within its colour
  col <- c(reinforcing = "#C0392B", balancing = "#2471A3", undetermined = "#7F8C8D")[pol]
  lty <- stats::ave(seq_along(j), pol, FUN = seq_along)
  labels <- paste0(ids[j], ": ", ifelse(nchar(x$loops$loop[j]) > 60,
                                       paste0(substr(x$loops$loop[j], 1, 57), "..."), x$loops$loop[j]))
  # the legend below the curves, in a panel of its own, so that it never
  # hides them
  op <- graphics::par(no.readonly = TRUE)
  on.exit(graphics::par(op))
  graphics::layout(matrix(1:2, 2), heights = c(4, 0.4 + 0.25 * length(j)))
  graphics::par(mar = c(4.5, 4.5, 3, 1))
  graphics::matplot(x$time, r[, j, drop = FALSE], type = "l", lwd = 2, col = col, lty = lty,
                    ylim = c(-1, 1), xlab = "Time", ylab = "Relative loop score",
                    main = if (is.null(main)) sprintf("Loop dominance: %s", x$model) else main, ...)
  graphics::abline(h = 0, col = "grey70")
  graphics::abline(h = c(-0.5, 0.5), col = "grey85", lty = 3)
  graphics::par(mar = c(0, 4.5, 0, 1))
  graphics::plot.new()
  graphics::legend("top", legend = labels, col = col, lty = lty, lwd = 2, cex = 0.8, bty = "n")
  invisible(x)
}
