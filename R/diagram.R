#' Draw a model's stock-and-flow diagram
#'
#' Draws a view of the diagram saved with a model: a Vensim model's sketch
#' or an XMILE file's `<views>`:
#' stocks as boxes, flows as pipes with their valves and clouds, the other
#' variables by name (shadow variables in grey, as `<name>`), information
#' arrows with their curvature, and comments.  `plot(model)` draws it.
#' Variables can be coloured by values, for example each variable's
#' final value relative to its start.  A model with no saved diagram (one
#' built in R) is laid out automatically: igraph's layered (Sugiyama)
#' layout, material flowing left to right.
#'
#' @param model A model read by [read_vensim()] or [read_xmile()] (its
#'   file holds the diagram).
#' @param view The view: its number or name (`sd_views()` lists them).
#' @param values Optional named numbers (by variable name) that colour the
#'   variables, with a legend titled `values_label`.
#' @param values_label The legend's title for `values`.
#' @return A `ggplot` object whose data attribute `elements` holds the
#'   objects drawn (id, type, name, x, y, w, h as in the sketch).
#' @export
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   m <- read_vensim(system.file("models", "teacup.mdl", package = "sdvm"))
#'   sd_views(m)
#'   sd_diagram(m)
#' }
sd_diagram <- function(model, view = 1, values = NULL, values_label = "value") {
  need_ggplot()
  check_model(model)
  views <- model_views(model)
  # no saved diagram: a layered layout of the variables
  if (!length(views)) views <- list("Automatic layout" = auto_view(model))
  v <- if (is.numeric(view)) {
    if (view < 1 || view > length(views))
      sdvm_abort(sprintf("The model has %d view%s; there is no view %s.", length(views),
                         if (length(views) == 1) "" else "s", format(view)), "sdvm_param_error")
    views[[view]]
  } else {
    k <- match(tolower(view), tolower(names(views)))
    if (is.na(k)) sdvm_abort(sprintf("There is no view '%s'; the views are: %s.", view,
                                     paste(names(views), collapse = ", ")), "sdvm_param_error")
    views[[k]]
  }
  title <- if (is.numeric(view)) names(views)[view] else view
  diagram_plot(v$elements, v$arrows, title, values, values_label, paths = v$paths)
}

#' @rdname sd_diagram
#' @return `sd_views()`: the names of the views.
#' @export
sd_views <- function(model) {
  check_model(model)
  names(model_views(model))
}

#' @rdname sd_diagram
#' @param x A model.
#' @param ... Passed to `sd_diagram()`.
#' @export
plot.sdvm_model <- function(x, view = 1, ...) {
  print(sd_diagram(x, view = view, ...))
  invisible(x)
}

# The drawing of one view.
diagram_plot <- function(el, ar, title, values = NULL, values_label = "value", paths = NULL) {
  gg <- asNamespace("ggplot2")
  pos <- el[c("id", "x", "y", "w", "h", "type")]
  at <- function(id) pos[match(id, pos$id), , drop = FALSE]
  # where an arrow leaves or meets an object: on the edge of a stock's
  # box, else a little off the centre of a name
  edge <- function(obj, toward_x, toward_y) {
    dx <- toward_x - obj$x; dy <- toward_y - obj$y
    len <- pmax(sqrt(dx^2 + dy^2), 1e-9)
    rx <- ifelse(obj$type == "stock", obj$w, pmin(obj$w, 25)); ry <- ifelse(obj$type == "stock", obj$h, pmin(obj$h, 10))
    rx[obj$type %in% c("valve", "cloud")] <- 0
    ry[obj$type %in% c("valve", "cloud")] <- 0
    s <- pmin(ifelse(abs(dx) > 0, rx / abs(dx), Inf), ifelse(abs(dy) > 0, ry / abs(dy), Inf))
    s[!is.finite(s)] <- 0
    s <- pmin(s, 0.45)
    list(x = obj$x + dx * s, y = obj$y + dy * s)
  }
  p <- gg$ggplot() + gg$scale_y_reverse() + gg$coord_fixed() + gg$theme_void() +
    gg$labs(title = title) + gg$theme(plot.title = gg$element_text(face = "bold"))
  # pipes: from a valve to its stock or cloud, drawn under everything
  pipes <- ar[ar$pipe, , drop = FALSE]
  if (nrow(pipes)) {
    a <- at(pipes$from); b <- at(pipes$to)
    e <- edge(b, a$x, a$y)
    seg <- data.frame(x = a$x, y = a$y, xend = e$x, yend = e$y, head = pipes$head)
    p <- p + gg$geom_segment(data = seg, gg$aes(x = .data$x, y = .data$y, xend = .data$xend, yend = .data$yend),
                             colour = "grey35", linewidth = 2.2, lineend = "butt") +
      gg$geom_segment(data = seg, gg$aes(x = .data$x, y = .data$y, xend = .data$xend, yend = .data$yend),
                      colour = "white", linewidth = 0.9, lineend = "butt")
    heads <- seg[seg$head, , drop = FALSE]
    if (nrow(heads))
      p <- p + gg$geom_segment(data = heads, gg$aes(x = .data$x, y = .data$y, xend = .data$xend, yend = .data$yend),
                               colour = "grey35", linewidth = 0.4,
                               arrow = grid::arrow(length = grid::unit(2.2, "mm"), type = "closed"))
  }
  # pipes given as paths (XMILE): source to destination, the head at the end
  if (!is.null(paths) && nrow(paths)) {
    p <- p + gg$geom_path(data = paths, gg$aes(x = .data$x, y = .data$y, group = .data$flow),
                          colour = "grey35", linewidth = 2.2) +
      gg$geom_path(data = paths, gg$aes(x = .data$x, y = .data$y, group = .data$flow), colour = "white",
                   linewidth = 0.9) +
      gg$geom_path(data = paths, gg$aes(x = .data$x, y = .data$y, group = .data$flow), colour = "grey35",
                   linewidth = 0.4, arrow = grid::arrow(length = grid::unit(2.2, "mm"), type = "closed"))
  }
  # information arrows, curved through their control point
  info <- ar[!ar$pipe & ar$from %in% pos$id & ar$to %in% pos$id, , drop = FALSE]
  if (nrow(info)) {
    curves <- do.call(rbind, lapply(seq_len(nrow(info)), function(i) {
      a <- at(info$from[i]); b <- at(info$to[i])
      cx <- info$cx[i]; cy <- info$cy[i]
      if (is.na(cx)) { cx <- (a$x + b$x) / 2; cy <- (a$y + b$y) / 2 }
      # a quadratic curve through the control point at its middle
      px <- 2 * cx - (a$x + b$x) / 2; py <- 2 * cy - (a$y + b$y) / 2
      s <- edge(a, px, py); t <- edge(b, px, py)
      u <- seq(0, 1, length.out = 20)
      data.frame(arrow = i, x = (1 - u)^2 * s$x + 2 * (1 - u) * u * px + u^2 * t$x,
                 y = (1 - u)^2 * s$y + 2 * (1 - u) * u * py + u^2 * t$y)
    }))
    p <- p + gg$geom_path(data = curves, gg$aes(x = .data$x, y = .data$y, group = .data$arrow),
                          colour = "#0072B2", linewidth = 0.35, alpha = 0.8,
                          arrow = grid::arrow(length = grid::unit(1.6, "mm"), type = "closed"))
  }
  fill_of <- function(names) if (is.null(values)) rep(NA_real_, length(names)) else
    unname(values[match(canon_name(names), canon_name(names(values)))])
  stocks <- el[el$type == "stock", , drop = FALSE]
  if (nrow(stocks)) {
    stocks$value <- fill_of(stocks$name)
    p <- p + gg$geom_rect(data = stocks, gg$aes(xmin = .data$x - .data$w, xmax = .data$x + .data$w,
                                                ymin = .data$y - .data$h, ymax = .data$y + .data$h,
                                                fill = .data$value),
                          colour = "grey20", linewidth = 0.5) +
      gg$geom_text(data = stocks, gg$aes(x = .data$x, y = .data$y, label = wrap_names(.data$name, 14)),
                   size = 2.6, lineheight = 0.85)
  }
  valves <- el[el$type == "valve", , drop = FALSE]
  if (nrow(valves))
    p <- p + gg$geom_point(data = valves, gg$aes(x = .data$x, y = .data$y), shape = 23, size = 2.2,
                           fill = "white", colour = "grey20")
  clouds <- el[el$type == "cloud", , drop = FALSE]
  if (nrow(clouds))
    p <- p + gg$geom_point(data = clouds, gg$aes(x = .data$x, y = .data$y), shape = 21, size = 4.5,
                           fill = "grey92", colour = "grey55")
  vars <- el[el$type == "variable", , drop = FALSE]
  if (nrow(vars)) {
    vars$label <- ifelse(vars$shadow, paste0("<", vars$name, ">"), vars$name)
    vars$value <- fill_of(vars$name)
    vars$ink <- ifelse(vars$shadow, "grey50", "grey10")
    if (!is.null(values) && any(!is.na(vars$value)))
      p <- p + gg$geom_label(data = vars[!is.na(vars$value), ], gg$aes(x = .data$x, y = .data$y,
                                                                        label = wrap_names(.data$label, 16),
                                                                        fill = .data$value),
                             size = 2.4, lineheight = 0.85, label.size = 0, alpha = 0.9)
    plain <- if (is.null(values)) vars else vars[is.na(vars$value), ]
    if (nrow(plain))
      p <- p + gg$geom_text(data = plain, gg$aes(x = .data$x, y = .data$y, label = wrap_names(.data$label, 16)),
                            size = 2.4, lineheight = 0.85, colour = plain$ink)
  }
  comments <- el[el$type == "comment" & nzchar(el$name), , drop = FALSE]
  if (nrow(comments))
    p <- p + gg$geom_text(data = comments, gg$aes(x = .data$x, y = .data$y, label = wrap_names(.data$name, 40)),
                          size = 2.4, colour = "grey40", fontface = "italic", lineheight = 0.85)
  p <- p + if (is.null(values)) gg$scale_fill_gradient(low = "white", high = "white", na.value = "white", guide = "none")
           else gg$scale_fill_gradient2(low = "#0072B2", mid = "white", high = "#D55E00",
                                        midpoint = stats::median(values, na.rm = TRUE),
                                        na.value = "white", name = values_label)
  attr(p, "elements") <- el
  attr(p, "arrows") <- ar
  p
}

wrap_names <- function(x, width) vapply(x, function(s) paste(strwrap(s, width = width), collapse = "\n"), "")
