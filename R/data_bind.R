# Data for a run, as Vensim takes it: series from data files fill the
# model's data variables (those with no equation, "Name ~ units ~ |", or
# with only a qualifier such as ":HOLD BACKWARD:").  A variable the model
# defines otherwise keeps its definition even when a data file names it:
# Vensim's own run of SDXorg test-models' data_from_other_model, whose
# constant 'conflict var' is also in its data file, reports the
# constant's value.  With no `data`, the data sources Vensim saved with
# the model (its settings block) are loaded from beside the model when
# present.

# The model `m` with its data bound; `data` is NULL, a character vector of
# paths, a data frame (a `time` column and one column per variable) or a
# list of those.  The result is cached on m (the files' paths, sizes and
# modification times are the key), so repeated runs do not read again.
with_data <- function(m, data = NULL) {
  if (is.null(data)) {
    # the saved data sources matter only to data variables still without
    # values (a file does not override what the model defines)
    if (!length(m$data_sources) || !any(vapply(m$vars, function(v) identical(v$kind, "data") && !length(v$x), NA))) {
      return(m)
    }
    paths <- default_data_files(m)
    if (!length(paths)) {
      return(m)
    }
    data <- paths
    default <- TRUE
  } else default <- FALSE
  if (is.data.frame(data) || is.character(data)) data <- list(data)
  if (!is.list(data))
    sdvm_abort("`data` must be paths of data files, a data frame with a `time` column, or a list of those.",
               "sdvm_param_error")
  key <- paste(vapply(data, data_key, ""), collapse = "\n")
  cache <- m$.cache
  if (!is.null(cache) && !is.null(cache$bound) && identical(cache$bound_key, key)) return(cache$bound)
  series <- list()
  for (d in data) {
    s <- if (is.data.frame(d)) frame_series(d) else
      unlist(lapply(d, function(p) data_series(data_path(p, m))), recursive = FALSE)
    series <- c(series, s)
  }
  bound <- bind_series(m, series)
  if (default)
    message(sprintf("Data for the run from %s (the data sources saved with the model).",
                    paste0("'", basename(unlist(data)), "'", collapse = ", ")))
  if (!is.null(cache)) {
    cache$bound <- bound
    cache$bound_key <- key
  }
  bound
}

# A data file named by the user: as given, else relative to the model.
data_path <- function(p, m) {
  if (!is.character(p) || length(p) != 1 || is.na(p))
    sdvm_abort("Each data file must be given as one path.", "sdvm_param_error")
  if (file.exists(p) || is.null(m$file) || is_absolute_path(p)) return(p)
  beside <- file.path(dirname(m$file), p)
  if (file.exists(beside)) beside else p
}

data_key <- function(d) {
  if (is.data.frame(d)) return(paste("frame", nrow(d), ncol(d), digest_frame(d)))
  info <- file.info(d)
  paste(d, info$size, as.numeric(info$mtime), collapse = "|")
}

digest_frame <- function(d) {
  x <- unlist(d, use.names = FALSE)
  paste(names(d), collapse = ",") |> paste(sum(as.numeric(x), na.rm = TRUE), length(x))
}

# The data sources saved with the model that exist beside it: each as
# named, or with a data file extension Vensim uses.
default_data_files <- function(m) {
  if (is.null(m$file)) return(character())
  dir <- dirname(m$file)
  exts <- c("", ".vdf", ".vdfx", ".dat", ".tab", ".csv", ".xlsx")
  found <- character()
  for (src in m$data_sources) {
    # as named, then with another extension (a run saved as data.vdf and
    # exported as data.tab)
    cands <- file.path(dir, unique(c(paste0(src, exts), paste0(tools::file_path_sans_ext(src), exts[-1]))))
    cands <- cands[file.exists(cands) & !dir.exists(cands) &
                   tolower(tools::file_ext(cands)) %in% c("vdf", "vdfx", "dat", "tab", "csv", "txt", "xlsx", "xls")]
    if (length(cands)) found <- c(found, cands[1])
  }
  unique(found)
}

# Series of a data frame: `time` (or the first column) and one column per
# variable.
frame_series <- function(d) {
  tcol <- match("time", tolower(names(d)))
  if (is.na(tcol)) tcol <- 1L
  t <- as.numeric(d[[tcol]])
  out <- lapply(names(d)[-tcol], function(nm) {
    y <- suppressWarnings(as.numeric(d[[nm]]))
    ok <- !is.na(t) & !is.na(y)
    list(x = t[ok], y = y[ok])
  })
  names(out) <- names(d)[-tcol]
  out
}

# Split "Name[a, b]" into its canonical base name and element names.
split_element_name <- function(x) {
  base <- sub("\\[.*$", "", x)
  inside <- ifelse(grepl("\\[", x), sub("^[^[]*\\[(.*)\\][[:space:]]*$", "\\1", x), "")
  list(base = canon_name(base),
       elems = lapply(inside, function(s) if (nzchar(s)) canon_name(strsplit(s, ",", fixed = TRUE)[[1]]) else character()))
}

# Bind named series to the model's variables.
bind_series <- function(m, series) {
  series <- series[lengths(lapply(series, `[[`, "x")) > 0]
  if (!length(series)) return(m)
  sp <- split_element_name(names(series))
  keys <- vapply(m$vars, function(v) canon_name(v$name), "")
  dims <- m$dims
  new_vars <- list()
  for (i in seq_along(m$vars)) {
    v <- m$vars[[i]]
    hit <- which(sp$base == keys[i])
    if (!length(hit) || !identical(v$kind, "data")) {
      new_vars <- c(new_vars, list(v))
      next
    }
    if (!length(v$subs)) {
      s <- series[[hit[which(lengths(sp$elems[hit]) == 0L)[1]]]]
      if (is.null(s)) { new_vars <- c(new_vars, list(v)); next }
      new_vars <- c(new_vars, list(series_var(v, s)))
      next
    }
    # arrayed: one definition per element the data names; the rest keep
    # the definition they had (a data variable without values stays so,
    # and is reported)
    tuples <- def_elements(v$subs, dims)
    got <- rep(FALSE, nrow(tuples))
    made <- list()
    for (k in seq_len(nrow(tuples))) {
      want <- canon_name(tuples[k, ])
      j <- hit[vapply(sp$elems[hit], function(e) length(e) == length(want) && all(e == want), NA)]
      if (!length(j)) next
      got[k] <- TRUE
      e <- series_var(v, series[[j[1]]])
      e$subs <- unname(tuples[k, ])
      e$except <- NULL
      made <- c(made, list(e))
    }
    if (!any(got)) { new_vars <- c(new_vars, list(v)); next }
    if (!all(got)) {
      if (v$kind != "data" && !is.null(v$vals))
        sdvm_abort(sprintf("The data name only some elements of '%s'; an arrayed constant is replaced by data as a whole.",
                           v$name), "sdvm_data_error", variable = v$name)
      rest <- v
      rest$except <- c(rest$except, lapply(which(got), function(k) unname(tuples[k, ])))
      made <- c(list(rest), made)
    }
    new_vars <- c(new_vars, made)
  }
  m2 <- m
  m2$vars <- new_vars
  m2$data_sources <- NULL       # bound: a later run does not load them again
  definition_only(m2)
}

# Variable v (data, constant or lookup) defined by series s instead.
series_var <- function(v, s) {
  keep <- c("name", "subs", "units", "doc", "source")
  out <- v[intersect(names(v), keep)]
  o <- order(s$x)
  x <- s$x[o]; y <- s$y[o]
  if (identical(v$kind, "lookup")) {
    out$kind <- "lookup"; out$x <- x; out$y <- y
  } else if (length(x) == 1L && !identical(v$kind, "data")) {
    out$kind <- "const"; out$eqn <- sprintf("%.17g", y)
  } else {
    out$kind <- "data"; out$x <- x; out$y <- y
    out$mode <- if (is.null(v$mode)) "interpolate" else v$mode
  }
  out
}

# Data variables still without values take :NA: (-2^109), as in Vensim,
# which runs a model whose data are missing; a warning names them.
fill_missing_data <- function(m) {
  f <- var_cols(m$vars, kind = 0L, x = 1L)
  empty <- which(f$kind == "data" & lengths(f$x) == 0L)
  if (!length(empty)) return(m)
  v <- m$vars[[empty[1]]]
  # each element that lacks values, by name
  names <- unlist(lapply(m$vars[empty], function(e) {
    if (!length(e$subs)) return(e$name)
    tuples <- def_elements(e$subs, m$dims)
    keys <- apply(tuples, 1, function(t) paste(canon_name(t), collapse = ","))
    exc <- vapply(e$except, function(x) paste(canon_name(x), collapse = ","), "")
    tuples <- tuples[!keys %in% exc, , drop = FALSE]
    apply(tuples, 1, function(t) sprintf("%s[%s]", e$name, paste(t, collapse = ",")))
  }))
  where <- if (!is.null(m$file) && !is.null(v$source)) sprintf(" (%s, line %d)", m$file, v$source[1]) else ""
  msg <- sprintf(paste0("'%s'%s is a data variable (it has no equation) and no data give its values, so it is ",
                        ":NA: throughout, as in Vensim. Give data with simulate(model, data = \"file.vdf\") ",
                        "(.vdf, .dat, .tab, .csv or .xlsx)%s%s."),
                 names[1], where,
                 if (length(m$data_sources)) sprintf("; the model names %s, not found beside it",
                                                    paste0("'", m$data_sources, "'", collapse = ", ")) else "",
                 if (length(names) > 1) sprintf("; %d more data variables lack values: %s", length(names) - 1,
                                                paste0("'", utils::head(names[-1], 5), "'", collapse = ", ")) else "")
  warning(structure(class = c("sdvm_data_warning", "warning", "condition"),
                    list(message = msg, call = NULL, variable = v$name)))
  for (k in empty) {
    m$vars[[k]]$x <- 0
    m$vars[[k]]$y <- -2^109
  }
  m
}

# Vensim's data functions that make a new series from one data variable
# (Reference Guide > Data Functions), applied to its values once they are
# bound: x := TIME SHIFT(d, s) is d's points moved s earlier (the model
# sees the data s ahead); x := CUMULATE(d) the running sum over d's
# points; x := CUMULATEF(d) that sum at d's last point only.  Each must be
# the whole right-hand side and name one data variable (with the
# equation's own subscripts, or none); the result takes the equation's
# data mode.
data_fn_pattern <- "^[[:space:]]*(TIME[[:space:]]+SHIFT|CUMULATEF?)[[:space:]]*\\((.*)\\)[[:space:]]*$"

derive_data <- function(m) {
  m <- raw_points(m)
  f <- var_cols(m$vars, kind = 0L, data_mode = 1L, eqn = 0L)
  hit <- which(f$kind == "aux" & !vapply(f$data_mode, is.null, NA))
  hit <- hit[grepl(data_fn_pattern, f$eqn[hit], ignore.case = TRUE)]
  if (!length(hit)) return(m)
  keys <- vapply(m$vars, function(v) canon_name(v$name), "")
  out <- list()
  for (k in hit) {
    v <- m$vars[[k]]
    fn <- toupper(gsub("[[:space:]]+", " ", sub(data_fn_pattern, "\\1", v$eqn, ignore.case = TRUE)))
    args <- trimws(strsplit(sub(data_fn_pattern, "\\2", v$eqn, ignore.case = TRUE), ",(?![^\\[]*\\])", perl = TRUE)[[1]])
    where <- if (!is.null(m$file) && !is.null(v$source)) sprintf(" (%s, line %d)", m$file, v$source[1]) else ""
    fail <- function(msg) sdvm_abort(sprintf("in the data equation of '%s'%s: %s", v$name, where, msg),
                                      "sdvm_definition_error", variable = v$name,
                                      file = if (is.null(m$file)) NA_character_ else m$file,
                                      line = if (is.null(v$source)) NA_integer_ else as.integer(v$source[1]),
                                      column = if (is.null(v$source)) NA_integer_ else as.integer(v$source[2]))
    shift <- 0
    if (fn == "TIME SHIFT") {
      if (length(args) != 2) fail("TIME SHIFT takes (data variable, shift)")
      shift <- suppressWarnings(as.numeric(args[2]))
      if (is.na(shift)) {
        j <- match(canon_name(args[2]), keys)
        cv <- if (!is.na(j)) m$vars[[j]]
        shift <- if (!is.null(cv) && identical(cv$kind, "const") && !is.null(cv$eqn)) suppressWarnings(as.numeric(cv$eqn))
                 else if (!is.null(cv) && length(cv$vals) == 1) cv$vals else NA
        if (is.na(shift)) fail("the shift of TIME SHIFT must be a number or a constant")
      }
    } else if (length(args) != 1) fail(sprintf("%s takes one data variable", fn))
    src <- sub("\\[.*$", "", args[1])
    idx <- which(keys == canon_name(src))
    if (!length(idx) || !all(vapply(m$vars[idx], function(s) identical(s$kind, "data"), NA)))
      fail(sprintf("%s needs the name of a data variable, not '%s'", fn, args[1]))
    # the element tuples of the left-hand side, each matched to the same
    # element of the source
    tuples <- if (length(v$subs)) def_elements(v$subs, m$dims) else matrix(character(), 1, 0)
    for (r in seq_len(nrow(tuples))) {
      el <- unname(tuples[r, ])
      s <- Filter(function(s) identical(canon_name(if (length(s$subs)) s$subs else character()),
                                        canon_name(el)) ||
                    (!length(s$subs) && !length(el)), m$vars[idx])
      if (!length(s) && length(m$vars[idx]) == 1 && !length(m$vars[[idx[1]]]$subs)) s <- m$vars[idx]
      nv <- list(name = v$name, kind = "data", x = double(), y = double(),
                 mode = v$data_mode, source = v$source)
      if (length(el)) nv$subs <- el
      if (length(s) && length(s[[1]]$x)) {
        x <- s[[1]]$x; y <- s[[1]]$y
        nv$x <- switch(fn, "TIME SHIFT" = x - shift, "CUMULATEF" = x[length(x)], x)
        nv$y <- switch(fn, "TIME SHIFT" = y, "CUMULATE" = cumsum(y), "CUMULATEF" = sum(y))
      }
      out[[length(out) + 1]] <- list(at = k, v = nv)
    }
  }
  # replace each equation by its derived records, in place
  vars <- list()
  for (k in seq_along(m$vars)) {
    mine <- Filter(function(o) o$at == k, out)
    vars <- c(vars, if (length(mine)) lapply(mine, `[[`, "v") else list(m$vars[[k]]))
  }
  m$vars <- vars
  m
}

# A :RAW: data equation with an expression (x :RAW: := a / b) has values
# only where its data do: at the points all its data variables share (any
# of them, under X IF MISSING), :NA: between.  Its expression is computed
# each step; a hidden raw series of ones at those points masks it.  (Its
# data variables are found by their names in the expression; scalar
# equations only.)
raw_points <- function(m) {
  f <- var_cols(m$vars, kind = 0L, x = 1L, subs = 1L, data_mode = 0L)
  is_data <- f$kind == "data" & lengths(f$x) > 0L & lengths(f$subs) == 0L
  if (!any(is_data)) return(m)
  dnames <- vapply(m$vars[is_data], function(v) canon_name(v$name), "")
  add <- list()
  # (only raw data equations without subscripts can read raw points)
  for (k in which(f$data_mode == "raw" & f$kind == "aux" & lengths(f$subs) == 0L)) {
    v <- m$vars[[k]]
    if (!identical(v$data_mode, "raw") || !identical(v$kind, "aux") || length(v$subs) ||
        grepl(data_fn_pattern, v$eqn, ignore.case = TRUE)) next
    text <- paste0(" ", gsub("[^[:alnum:]_$]+", " ", canon_name(v$eqn)), " ")
    used <- which(vapply(dnames, function(nm) grepl(paste0(" ", gsub(" ", " ", nm, fixed = TRUE), " "),
                                                      text, fixed = TRUE), NA))
    if (!length(used)) next
    pts <- lapply(m$vars[is_data][used], `[[`, "x")
    any_of <- grepl("^[[:space:]]*X[[:space:]]+IF[[:space:]]+MISSING", v$eqn, ignore.case = TRUE)
    at <- if (any_of) sort(unique(unlist(pts))) else Reduce(intersect, pts)
    mask <- paste(v$name, "data points")
    add[[length(add) + 1]] <- list(name = mask, kind = "data", x = at, y = rep(1, length(at)), mode = "raw",
                                   source = v$source)
    m$vars[[k]]$eqn <- sprintf("IF THEN ELSE(%s > 0, %s, :NA:)", vensim_name(mask), v$eqn)
  }
  m$vars <- c(m$vars, add)
  m
}
