#' Read Vensim's optimization control and payoff files
#'
#' Reads the two text files with which Vensim sets up a calibration, as
#' its Reference Guide describes them, so that [sd_calibrate()] (`spec =`)
#' runs the same calibration:
#'
#' * the optimization control file (`.voc`): options `:KEYWORD=value`
#'   (`:OPTIMIZER`, `:MULTIPLE_START`, `:MAX_ITERATIONS`, ...; kept in
#'   `$options`) and one search parameter per line,
#'   `minval <= name = initial <= maxval`, optionally followed by
#'   `| toltype=tolerance` (the initial value may be left out; a bound may
#'   name a model constant, whose value the model gives);
#' * the payoff definition (`.vpd`): type lines (`*C` or `*Calibration`
#'   for calibration elements) and elements `model variable/weight` or
#'   `model variable|data variable/weight`, which compare the variable
#'   with the data series named after the bar (default: the same name),
#'   the error multiplied by the weight and squared (Vensim's least-squares
#'   payoff, `objective = "ss"`).
#'
#' Comments in braces `{...}` and `:COMMENT` lines are ignored.  Policy
#' payoffs (`*P...`) and calibration elements with a distribution
#' modifier (such as `*CR`, `*CK`) are refused with an
#' `sdvm_unsupported_error` naming the line: they define other objectives.
#'
#' @param voc Path to the `.voc` file.
#' @param vpd Path to the `.vpd` file (optional when only the parameters
#'   are wanted).
#' @return An object of class `sdvm_optimization`: `params` (bounds as
#'   [sd_calibrate()] takes them), `start`, `weights` (by model variable),
#'   `compare` (model variable to data series names) and `options`.
#' @export
#' @examples
#' voc <- tempfile(fileext = ".voc")
#' writeLines(c(":OPTIMIZER=Powell", ":MAX_ITERATIONS=1000",
#'              "0.1 <= growth rate = 0.3 <= 2", "20 <= capacity <= 200"), voc)
#' vpd <- tempfile(fileext = ".vpd")
#' writeLines(c("*C", "Population|Population data/0.5"), vpd)
#' read_vensim_optimization(voc, vpd)
read_vensim_optimization <- function(voc, vpd = NULL) {
  lines <- opt_lines(voc)
  options <- list()
  params <- list()
  start <- list()
  for (i in seq_along(lines$text)) {
    ln <- lines$text[i]
    if (startsWith(ln, ":")) {
      kv <- regmatches(ln, regexec("^:([^=]+)(=(.*))?$", ln))[[1]]
      key <- toupper(gsub("[[:space:]]", "", kv[2]))
      if (!startsWith(key, "COM")) options[[key]] <- trimws(kv[4])
      next
    }
    parts <- strsplit(sub("\\|.*$", "", ln), "<=", fixed = TRUE)[[1]]
    if (length(parts) != 3)
      sdvm_abort(sprintf("%s, line %d: expected 'minval <= name = initial <= maxval', found '%s'.",
                         basename(voc), lines$line[i], ln), "sdvm_parse_error",
                 file = voc, line = lines$line[i])
    mid <- strsplit(parts[2], "=", fixed = TRUE)[[1]]
    name <- trimws(mid[1])
    bound <- function(x) { v <- suppressWarnings(as.numeric(trimws(x))); if (is.na(v)) trimws(x) else v }
    params[[name]] <- list(lower = bound(parts[1]), upper = bound(parts[3]))
    if (length(mid) > 1) {
      s <- suppressWarnings(as.numeric(trimws(mid[2])))
      if (is.na(s))
        sdvm_abort(sprintf("%s, line %d: the initial value of '%s' is not a number.", basename(voc), lines$line[i], name),
                   "sdvm_parse_error", file = voc, line = lines$line[i])
      start[[name]] <- s
    }
  }
  if (!length(params))
    sdvm_abort(sprintf("%s names no search parameters.", basename(voc)), "sdvm_parse_error", file = voc)
  weights <- numeric(); compare <- character()
  if (!is.null(vpd)) {
    pl <- opt_lines(vpd)
    type <- NA_character_
    for (i in seq_along(pl$text)) {
      ln <- pl$text[i]
      if (startsWith(ln, "*")) {
        t <- toupper(gsub("[[:space:]]", "", substring(ln, 2)))
        type <- if (grepl("^C(ALIBRATION)?$", t)) "C" else t
        next
      }
      where <- sprintf("%s, line %d", basename(vpd), pl$line[i])
      if (is.na(type) || type != "C")
        sdvm_abort(sprintf("%s: payoff element '%s' is of type *%s; sdvm calibrates with plain calibration elements (*C), the least-squares payoff.",
                           where, ln, if (is.na(type)) "(none)" else type),
                   "sdvm_unsupported_error", file = vpd, line = pl$line[i])
      m <- regmatches(ln, regexec("^(.*?)(\\|(.*?))?/([^/]*)$", ln))[[1]]
      if (!length(m))
        sdvm_abort(sprintf("%s: expected 'variable/weight' or 'variable|data/weight', found '%s'.", where, ln),
                   "sdvm_parse_error", file = vpd, line = pl$line[i])
      var <- trimws(m[2])
      w <- suppressWarnings(as.numeric(trimws(m[5])))
      if (is.na(w) || w <= 0)
        sdvm_abort(sprintf("%s: the weight of '%s' must be a positive number.", where, var),
                   "sdvm_parse_error", file = vpd, line = pl$line[i])
      weights[[var]] <- w
      compare[[var]] <- if (nzchar(trimws(m[4]))) trimws(m[4]) else var
    }
  }
  structure(list(params = params, start = if (length(start)) start, weights = weights,
                 compare = compare, options = options, files = c(voc = voc, vpd = if (is.null(vpd)) NA else vpd)),
            class = "sdvm_optimization")
}

#' @export
print.sdvm_optimization <- function(x, ...) {
  cat(sprintf("<sdvm_optimization> %d parameter%s, %d payoff element%s\n", length(x$params),
              if (length(x$params) == 1) "" else "s", length(x$weights), if (length(x$weights) == 1) "" else "s"))
  for (nm in names(x$params))
    cat(sprintf("  %s <= %s%s <= %s\n", format(x$params[[nm]]$lower), nm,
                if (!is.null(x$start[[nm]])) sprintf(" = %g", x$start[[nm]]) else "", format(x$params[[nm]]$upper)))
  for (nm in names(x$weights))
    cat(sprintf("  payoff: %s vs data '%s', weight %g\n", nm, x$compare[[nm]], x$weights[[nm]]))
  invisible(x)
}

# The non-empty lines of an optimization file without comments in braces
# (which may span lines), with their line numbers.
opt_lines <- function(path) {
  if (!is.character(path) || length(path) != 1 || !file.exists(path))
    sdvm_abort(sprintf("Cannot read '%s': no such file.", paste(format(path), collapse = " ")), "sdvm_io_error",
               file = if (is.character(path) && length(path) == 1) path else NA_character_)
  raw <- sub("\r$", "", readLines(path, warn = FALSE, encoding = "UTF-8"))
  txt <- paste(raw, collapse = "\n")
  # blank out comments, keeping their newlines so line numbers hold
  repeat {
    m <- regexpr("\\{[^}]*\\}", txt)
    if (m < 0) break
    com <- regmatches(txt, m)
    txt <- paste0(substr(txt, 1, m - 1), gsub("[^\n]", "", com), substr(txt, m + attr(m, "match.length"), nchar(txt)))
  }
  lines <- strsplit(txt, "\n", fixed = TRUE)[[1]]
  keep <- nzchar(trimws(lines))
  list(text = trimws(lines[keep]), line = which(keep))
}

# The data for a calibration from a spec: the payoff's variables, their
# series taken from the data by the payoff's data names.  Bounds that
# name model constants take the model's values (calib_params() checks).
spec_data <- function(spec, data) {
  if (!length(spec$compare)) return(data)
  if (is.character(data)) {
    frames <- lapply(data, read_vensim_data)
    long <- do.call(rbind, lapply(frames, function(df) {
      do.call(rbind, lapply(names(df)[-1], function(col)
        data.frame(time = df$time, name = col, value = df[[col]], stringsAsFactors = FALSE)))
    }))
  } else if (is.data.frame(data)) {
    tcol <- which(canon_name(names(data)) == "time")
    if (length(tcol) != 1) sdvm_abort("`data` needs exactly one `time` column.", "sdvm_data_error")
    long <- do.call(rbind, lapply(names(data)[-tcol], function(col)
      data.frame(time = data[[tcol]], name = col, value = data[[col]], stringsAsFactors = FALSE)))
  } else {
    sdvm_abort("`data` must be a data frame or data file paths.", "sdvm_data_error")
  }
  times <- sort(unique(long$time))
  out <- data.frame(time = times)
  for (var in names(spec$compare)) {
    src <- spec$compare[[var]]
    rows <- long[canon_name(long$name) == canon_name(src), , drop = FALSE]
    if (!nrow(rows))
      sdvm_abort(sprintf("The payoff compares '%s' with data '%s', which the data do not hold.", var, src),
                 "sdvm_data_error", variable = var)
    out[[var]] <- rows$value[match(times, rows$time)]
  }
  out
}

# Bounds of a spec that name model constants, as the model's values.
spec_bounds <- function(model, params) {
  lapply(stats::setNames(names(params), names(params)), function(nm) {
    b <- params[[nm]]
    for (side in c("lower", "upper")) if (is.character(b[[side]])) {
      v <- tryCatch(unlist(base_values(model, b[[side]])), sdvm_error = function(e)
        sdvm_abort(sprintf("The %s bound of '%s' names '%s', which is not a constant of this model.",
                           side, nm, b[[side]]), "sdvm_param_error", variable = nm))
      b[[side]] <- unname(v[1])
    }
    b
  })
}
