# Vensim's sketch: the views after the equations of a .mdl file
# ("\\\---/// Sketch information"), one "*Name" header per view, then one
# object per line (Vensim's documented V300 sketch format):
#   10,id,name,x,y,w,h,shape,bits,...   a variable (shape 3: a stock box;
#                                        bits without 1: a shadow, <name>)
#   11,id,0,x,y,w,h,...                 a flow's valve
#   12,id,48,x,y,w,h,...                a cloud; 12,id,0,... a comment
#                                        whose text is the next line
#   1,id,from,to,shape,hid,pol,thick,...,n|(x,y)...|
#                                        an arrow; thick 22 a flow pipe
#                                        (shape 4: its head at `to`);
#                                        (x,y) the curve's control point
# Positions are the centres of the objects, y growing downwards; w and h
# half the width and height.

# The views of the sketch of the .mdl at `path`: a list by view name of
# list(elements = data.frame(id, type, name, x, y, w, h, shadow),
# arrows = data.frame(id, from, to, pipe, head, cx, cy, polarity)).
read_sketch <- function(path) {
  if (is.null(path) || !file.exists(path)) return(list())
  lines <- readLines(path, warn = FALSE, encoding = "UTF-8")
  lines <- sub("\r$", "", lines)
  marks <- which(startsWith(lines, "\\\\\\---///"))
  if (!length(marks)) return(list())
  body <- lines[marks[1]:length(lines)]
  stop_at <- which(startsWith(body, "///---\\\\\\"))
  if (length(stop_at)) body <- body[seq_len(stop_at[1] - 1L)]
  # one pass over all lines, vectorised: the view each line is in, the
  # objects' fields, and the comments' texts (the line after a comment)
  is_obj <- grepl("^[0-9]+,", body)
  fields <- strsplit(sub("\\|.*$", "", body), ",", fixed = TRUE)
  # a line after a comment object with text (12,id,0,... with bits 4) is
  # that text, even when it starts with "*"
  text_comment <- is_obj & startsWith(body, "12,") &
    vapply(fields, function(x) length(x) >= 9 && !is.na(suppressWarnings(as.integer(x[9]))) &&
             bitwAnd(as.integer(x[9]), 4L) != 0L && x[3] != "48", NA)
  is_head <- startsWith(body, "*") & !c(FALSE, utils::head(text_comment, -1))
  view <- cumsum(is_head)
  heads <- substring(body[is_head], 2)
  if (!length(heads)) return(list())
  # field k of every line, by indexing all fields at once (a closure per
  # line and field took two seconds on C-LEARN's sketch)
  nf <- lengths(fields)
  flat <- unlist(fields, use.names = FALSE)
  start <- cumsum(c(0L, nf[-length(nf)]))
  f <- function(k) {
    out <- rep(NA_character_, length(fields))
    has <- nf >= k
    out[has] <- flat[start[has] + k]
    out
  }
  type <- suppressWarnings(as.integer(f(1)))
  num <- function(k) suppressWarnings(as.numeric(f(k)))
  x <- num(4); y <- num(5); w <- num(6); h <- num(7); shape <- num(8); bits <- suppressWarnings(as.integer(f(9)))
  obj <- is_obj & type %in% c(10L, 11L, 12L) & lengths(fields) >= 9 & view > 0
  third <- f(3)
  kind <- ifelse(type == 10L, ifelse(!is.na(shape) & shape == 3, "stock", "variable"),
                 ifelse(type == 11L, "valve", ifelse(third == "48", "cloud", "comment")))
  name <- ifelse(type == 10L, sketch_name(third), "")
  has_text <- obj & kind == "comment" & !is.na(bits) & bitwAnd(bits, 4L) != 0L
  idx <- which(has_text)
  name[idx] <- ifelse(idx < length(body), body[pmin(idx + 1L, length(body))], "")
  shadow <- type == 10L & !is.na(bits) & bitwAnd(bits, 1L) == 0L
  arr <- is_obj & type == 1L & lengths(fields) >= 8 & view > 0
  pt <- regmatches(body, regexpr("\\(-?[0-9.]+,-?[0-9.]+\\)", body))
  ptx <- pty <- rep(NA_real_, length(body))
  has_pt <- regexpr("\\(-?[0-9.]+,-?[0-9.]+\\)", body) > 0
  if (any(has_pt)) {
    xy <- do.call(rbind, lapply(strsplit(gsub("[()]", "", pt), ","), as.numeric))
    ptx[has_pt] <- xy[, 1]; pty[has_pt] <- xy[, 2]
  }
  zero <- !is.na(ptx) & ptx == 0 & pty == 0
  ptx[zero] <- NA; pty[zero] <- NA
  thick <- num(8); head5 <- num(5); pol <- num(7)
  out <- lapply(seq_along(heads), function(v) {
    o <- which(obj & view == v & is.finite(x) & is.finite(y))
    a <- which(arr & view == v)
    list(elements = data.frame(id = as.integer(f(2)[o]), type = kind[o], name = name[o], x = x[o], y = y[o],
                               w = w[o], h = h[o], shadow = shadow[o], stringsAsFactors = FALSE),
         arrows = data.frame(id = as.integer(f(2)[a]), from = as.integer(third[a]), to = as.integer(f(4)[a]),
                             pipe = !is.na(thick[a]) & thick[a] == 22, head = is.na(head5[a]) | head5[a] != 100,
                             cx = ptx[a], cy = pty[a],
                             polarity = ifelse(!is.na(pol[a]) & pol[a] == 43, "+", ifelse(!is.na(pol[a]) & pol[a] == 45, "-", "")),
                             stringsAsFactors = FALSE))
  })
  # views with the same name get a number
  nm <- heads
  dup <- duplicated(nm)
  nm[dup] <- paste0(nm[dup], " (", seq_len(sum(dup)) + 1L, ")")
  stats::setNames(out, nm)
}

# A name as the sketch writes it: quoted names keep their content; the
# sketch writes line breaks in names as \n.
sketch_name <- function(x) {
  x <- gsub("\\\\n", " ", x)
  x <- sub('^"(.*)"$', "\\1", x)
  trimws(gsub("[[:space:]]+", " ", x))
}

# The stock-and-flow views of an XMILE file (<views><view>), in the form
# read_sketch() gives, plus `paths`: each flow's pipe as points, source to
# destination.  XMILE positions are centres with y growing downwards;
# stocks default to 45 x 35; a connector leaves its source at `angle`
# degrees counterclockwise from the right.
read_xmile_views <- function(path) {
  doc <- tryCatch(xmile_read_doc(path), error = function(e) NULL)
  if (is.null(doc)) return(list())
  views <- xml2::xml_find_all(doc, "//*[local-name()='views']/*[local-name()='view']")
  out <- list()
  for (k in seq_along(views)) {
    v <- views[[k]]
    type <- xml2::xml_attr(v, "type")
    if (!is.na(type) && type != "stock_flow") next
    kids <- xml2::xml_children(v)
    tag <- xml2::xml_name(kids)
    num <- function(n, a, d = NA_real_) { x <- suppressWarnings(as.numeric(xml2::xml_attr(n, a))); if (is.na(x)) d else x }
    el <- list(); paths <- list(); conns <- list()
    add <- function(type, name, x, y, w, h, shadow = FALSE)
      el[[length(el) + 1L]] <<- list(id = length(el) + 1L, type = type, name = name, x = x, y = y, w = w, h = h,
                                    shadow = shadow)
    for (i in seq_along(kids)) {
      n <- kids[[i]]
      nm <- gsub("_", " ", xmile_display(xml2::xml_attr(n, "name")))
      if (tag[i] == "stock") add("stock", nm, num(n, "x"), num(n, "y"), num(n, "width", 45) / 2, num(n, "height", 35) / 2)
      else if (tag[i] %in% c("aux", "module")) add("variable", nm, num(n, "x"), num(n, "y"), 20, 8)
      else if (tag[i] == "flow") {
        add("valve", nm, num(n, "x"), num(n, "y"), 6, 8)        # connectors to the flow meet its valve
        add("variable", nm, num(n, "x"), num(n, "y") + 16, 20, 8)
        pts <- xml2::xml_find_all(n, ".//*[local-name()='pt']")
        if (length(pts) >= 2)
          paths[[length(paths) + 1L]] <- data.frame(flow = nm, x = vapply(pts, num, 0, a = "x"),
                                                    y = vapply(pts, num, 0, a = "y"))
      } else if (tag[i] == "alias") {
        of <- xml2::xml_find_first(n, "./*[local-name()='of']")
        if (!inherits(of, "xml_missing"))
          add("variable", gsub("_", " ", xmile_display(xml2::xml_text(of))), num(n, "x"), num(n, "y"), 20, 8, TRUE)
      } else if (tag[i] == "connector") {
        from <- xml2::xml_text(xml2::xml_find_first(n, "./*[local-name()='from']"))
        to <- xml2::xml_text(xml2::xml_find_first(n, "./*[local-name()='to']"))
        conns[[length(conns) + 1L]] <- list(from = xmile_display(from), to = xmile_display(to), angle = num(n, "angle"))
      }
    }
    if (!length(el)) next
    el <- do.call(rbind, lapply(el, as.data.frame, stringsAsFactors = FALSE))
    # a pipe's end that meets no stock is a cloud
    for (p in paths) for (j in c(1L, nrow(p))) {
      inside <- el$type == "stock" & abs(el$x - p$x[j]) <= el$w + 2 & abs(el$y - p$y[j]) <= el$h + 2
      if (!any(inside)) el <- rbind(el, data.frame(id = nrow(el) + 1L, type = "cloud", name = "", x = p$x[j],
                                                   y = p$y[j], w = 8, h = 8, shadow = FALSE))
    }
    key <- canon_name(el$name)
    ar <- do.call(rbind, lapply(conns, function(cn) {
      a <- which(key == canon_name(cn$from) & !el$shadow)[1]
      if (is.na(a)) a <- which(key == canon_name(cn$from))[1]
      b <- which(key == canon_name(cn$to) & !el$shadow)[1]
      if (is.na(a) || is.na(b)) return(NULL)
      cx <- cy <- NA_real_
      if (!is.na(cn$angle)) {
        d <- sqrt((el$x[b] - el$x[a])^2 + (el$y[b] - el$y[a])^2) / 2
        px <- el$x[a] + d * cos(cn$angle * pi / 180); py <- el$y[a] - d * sin(cn$angle * pi / 180)
        cx <- (el$x[a] + 2 * px + el$x[b]) / 4; cy <- (el$y[a] + 2 * py + el$y[b]) / 4
      }
      data.frame(id = 0L, from = el$id[a], to = el$id[b], pipe = FALSE, head = TRUE, cx = cx, cy = cy,
                 polarity = "", stringsAsFactors = FALSE)
    }))
    if (is.null(ar)) ar <- data.frame(id = integer(), from = integer(), to = integer(), pipe = logical(),
                                      head = logical(), cx = numeric(), cy = numeric(), polarity = character())
    name <- xml2::xml_attr(v, "name")
    out[[if (is.na(name)) sprintf("View %d", length(out) + 1L) else name]] <-
      list(elements = el, arrows = ar, paths = if (length(paths)) do.call(rbind, paths))
  }
  out
}

# The views of a model's file, Vensim or XMILE.
model_views <- function(model) {
  f <- model$file
  if (is.null(f) || !file.exists(f)) return(list())
  cache <- model$.cache
  if (is.environment(cache) && !is.null(cache$views)) return(cache$views)
  v <- if (tolower(tools::file_ext(f)) %in% c("xmile", "stmx", "itmx")) read_xmile_views(f) else read_sketch(f)
  if (is.environment(cache)) cache$views <- v
  v
}
