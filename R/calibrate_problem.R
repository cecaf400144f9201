# The calibration problem: which parameters move (and within which
# bounds, on which scale), which observations the runs are compared with,
# and a function that turns points in parameter space into the runs'
# values at the observations.  sd_calibrate() and sd_loglik() build one
# and hand it to the objectives (calibrate_objective.R).
#
# Parameters are searched in "z" space: z = log(value) for parameters
# given a log transform, z = value for the others; bounds likewise.

# Parse `params` (named list; each element c(lower, upper) or
# list(lower =, upper =, start =, log =)), `start` and `log` against the
# model's variables.
calib_params <- function(model, params, start = NULL, log = NULL) {
  if (!is.list(params) && !is.numeric(params) || !length(params) || is.null(names(params)) ||
      any(!nzchar(names(params))))
    sdvm_abort("`params` must be a named list of bounds, e.g. list(beta = c(0.1, 5)).",
               "sdvm_param_error")
  info <- compiled(model)$vars
  nm <- names(params)
  keys <- canon_name(nm)
  if (anyDuplicated(keys))
    sdvm_abort(sprintf("'%s' is given twice in `params`.", nm[anyDuplicated(keys)]),
               "sdvm_param_error", variable = nm[anyDuplicated(keys)])
  pos <- match(keys, info$key)
  if (anyNA(pos)) {
    bad <- nm[is.na(pos)][1]
    hint <- near_names(bad, info$name)
    sdvm_abort(sprintf("'%s' in `params` is not a variable of this model.%s", bad,
                       if (length(hint)) sprintf(" Did you mean %s?", paste0("'", hint, "'", collapse = " or ")) else ""),
               "sdvm_param_error", variable = bad)
  }
  kind <- info$kind[pos]
  movable <- c("const", "stock", "lookup")
  if (any(!kind %in% movable))
    sdvm_abort(sprintf(paste0("'%s' is a %s: calibration moves constants, the initial values of stocks ",
                              "and scale factors of lookups (a variable with an equation cannot be a parameter)."),
                       nm[!kind %in% movable][1], kind[!kind %in% movable][1]),
               "sdvm_param_error", variable = nm[!kind %in% movable][1])
  # a lookup's parameter multiplies its output values (1: as the model has it)
  for (i in which(kind == "lookup")) {
    v <- model$vars[[match(info$key[pos[i]], canon_name(vapply(model$vars, `[[`, "", "name")))]]
    if (is.null(v) || !is.numeric(v$y) || is.list(v$y))
      sdvm_abort(sprintf("'%s' is a lookup sdvm cannot scale (an arrayed or computed lookup).", nm[i]),
                 "sdvm_param_error", variable = nm[i])
  }
  part <- function(x, field, i) if (is.list(x)) x[[field]] else if (field == "lower") x[1] else if (field == "upper") x[2] else NULL
  lower <- upper <- st <- numeric(length(nm))
  lg <- logical(length(nm))
  for (i in seq_along(nm)) {
    x <- params[[i]]
    if (!is.list(x) && !(is.numeric(x) && length(x) == 2))
      sdvm_abort(sprintf("The bounds of '%s' must be c(lower, upper) or list(lower =, upper =, start =, log =).", nm[i]),
                 "sdvm_param_error", variable = nm[i])
    lo <- part(x, "lower"); up <- part(x, "upper")
    if (!is.numeric(lo) || !is.numeric(up) || length(lo) != 1 || length(up) != 1 || !is.finite(lo) || !is.finite(up))
      sdvm_abort(sprintf("The bounds of '%s' must be two finite numbers.", nm[i]), "sdvm_param_error", variable = nm[i])
    if (!(lo < up))
      sdvm_abort(sprintf("The bounds of '%s' are reversed or equal: lower %g, upper %g.", nm[i], lo, up),
                 "sdvm_param_error", variable = nm[i])
    lower[i] <- lo; upper[i] <- up
    lg[i] <- isTRUE(if (is.list(x)) x$log) || (isTRUE(log) && lo > 0) ||
      (is.character(log) && keys[i] %in% canon_name(log))
    if (lg[i] && lo <= 0)
      sdvm_abort(sprintf("'%s' has a log transform but its lower bound %g is not positive.", nm[i], lo),
                 "sdvm_param_error", variable = nm[i])
    s <- if (is.list(x)) x$start
    if (!is.null(start)) {
      k <- match(keys[i], canon_name(names(start)))
      if (!is.na(k)) s <- start[[k]]
    }
    st[i] <- if (is.null(s)) NA_real_ else s
  }
  if (is.character(log)) {
    bad <- setdiff(canon_name(log), keys)
    if (length(bad)) sdvm_abort(sprintf("'%s' in `log` is not one of `params`.", log[canon_name(log) %in% bad][1]),
                                "sdvm_param_error")
  }
  if (!is.null(start)) {
    bad <- setdiff(canon_name(names(start)), keys)
    if (length(bad) || is.null(names(start)))
      sdvm_abort("`start` must be named like `params`.", "sdvm_param_error")
  }
  # no start given: the model's own value when it lies within the bounds,
  # else the middle of the range (on the parameter's scale)
  if (anyNA(st)) {
    need <- is.na(st) & kind != "lookup"
    if (any(need)) st[need] <- unlist(base_values(model, info$name[pos[need]]))
    st[is.na(st)] <- 1
  }
  for (i in seq_along(nm)) {
    if (!is.numeric(st[i]) || !is.finite(st[i]))
      sdvm_abort(sprintf("The start of '%s' must be a finite number.", nm[i]), "sdvm_param_error", variable = nm[i])
    if (st[i] < lower[i] || st[i] > upper[i]) {
      if (!is.null(start) && canon_name(nm[i]) %in% canon_name(names(start)) ||
          is.list(params[[i]]) && !is.null(params[[i]]$start))
        sdvm_abort(sprintf("The start %g of '%s' is outside its bounds [%g, %g].", st[i], nm[i], lower[i], upper[i]),
                   "sdvm_param_error", variable = nm[i])
      st[i] <- if (lg[i]) sqrt(lower[i] * upper[i]) else (lower[i] + upper[i]) / 2
    }
  }
  list(name = info$name[pos], lower = lower, upper = upper, start = st, log = lg,
       scale = kind == "lookup")
}

to_z <- function(par, x) ifelse(par$log, log(x), x)
from_z <- function(par, z) ifelse(par$log, exp(z), z)

# Observations in long form: one row per observed value, with the model
# variable (engine name) it belongs to.  `data` is a data frame (a time
# column and one column per observed variable) or paths of data files.
calib_data <- function(model, data) {
  info <- compiled(model)$vars
  if (is.character(data)) {
    frames <- lapply(data, read_vensim_data)
    from_file <- TRUE
  } else if (is.data.frame(data)) {
    frames <- list(data)
    from_file <- FALSE
  } else {
    sdvm_abort("`data` must be a data frame (a `time` column and one column per observed variable) or data file paths.",
               "sdvm_data_error")
  }
  rows <- list()
  for (df in frames) {
    tcol <- which(canon_name(names(df)) == "time")
    if (length(tcol) != 1)
      sdvm_abort("`data` needs exactly one `time` column.", "sdvm_data_error")
    tm <- df[[tcol]]
    if (!is.numeric(tm)) sdvm_abort("The `time` column of `data` must be numeric.", "sdvm_data_error")
    for (col in names(df)[-tcol]) {
      k <- match(canon_name(col), info$key)
      if (is.na(k)) {
        if (from_file) next  # a file may hold other series too
        hint <- near_names(col, info$name)
        sdvm_abort(sprintf("Column '%s' of `data` is not a variable of this model.%s", col,
                           if (length(hint)) sprintf(" Did you mean %s?", paste0("'", hint, "'", collapse = " or ")) else ""),
                   "sdvm_name_error", variable = col)
      }
      y <- df[[col]]
      if (!is.numeric(y))
        sdvm_abort(sprintf("Column '%s' of `data` must be numeric.", col), "sdvm_data_error", variable = col)
      ok <- is.finite(y) & is.finite(tm)
      if (!any(ok))
        sdvm_abort(sprintf("Column '%s' of `data` has no observations (all missing).", col),
                   "sdvm_data_error", variable = col)
      rows[[length(rows) + 1L]] <- data.frame(variable = info$name[k], time = tm[ok], observed = y[ok],
                                              stringsAsFactors = FALSE)
    }
  }
  if (!length(rows))
    sdvm_abort("None of the series in `data` names a variable of this model.", "sdvm_data_error")
  obs <- do.call(rbind, rows)
  dup <- duplicated(obs[c("variable", "time")])
  if (any(dup))
    sdvm_abort(sprintf("'%s' is observed twice at time %g.", obs$variable[dup][1], obs$time[dup][1]),
               "sdvm_data_error", variable = obs$variable[dup][1])
  obs
}

# The problem: parameters, observations matched to the run's time grid
# (every TIME STEP, interpolated linearly between steps for observations
# off the grid), and the compiled program's run settings.
calib_problem <- function(model, data, params, start = NULL, log = NULL, threads = NULL,
                          method = NULL) {
  check_model(model)
  model <- with_data(model)
  par <- calib_params(model, params, start, log)
  obs <- calib_data(model, data)
  ctl <- sd_run(model, vars = c("INITIAL TIME", "FINAL TIME", "TIME STEP"), method = method)
  t0 <- ctl[[2]][1]; t1 <- ctl[[3]][1]; dt <- ctl[[4]][1]
  eps <- 1e-9 * max(1, abs(t0), abs(t1))
  inside <- obs$time >= t0 - eps & obs$time <= t1 + eps
  if (!any(inside))
    sdvm_abort(sprintf("No observation lies within the run's times (%g to %g): the data are at %g to %g.",
                       t0, t1, min(obs$time), max(obs$time)), "sdvm_data_error")
  if (!all(inside))
    warning(sprintf("%d of %d observations lie outside the run's times (%g to %g) and are not used.",
                    sum(!inside), nrow(obs), t0, t1), call. = FALSE)
  obs <- obs[inside, , drop = FALSE]
  obs <- obs[order(match(obs$variable, unique(obs$variable)), obs$time), , drop = FALSE]
  rownames(obs) <- NULL
  vars <- unique(obs$variable)
  grid <- sd_run(model, vars = vars[1], saveper = dt, method = method)$time
  nt <- length(grid)
  lo <- findInterval(obs$time, grid, rightmost.closed = TRUE)
  lo <- pmin(pmax(lo, 1L), nt)
  hi <- pmin(lo + 1L, nt)
  frac <- ifelse(hi > lo, (obs$time - grid[lo]) / (grid[hi] - grid[lo]), 0)
  frac[abs(frac) < 1e-12] <- 0
  info <- compiled(model)$vars
  list(model = model, par = par, obs = obs, vars = vars, series = match(obs$variable, vars),
       grid = grid, lo = lo, hi = hi, frac = frac, dt = dt, method = method,
       threads = if (is.null(threads)) default_threads() else check_threads(threads),
       idx = as.integer(match(canon_name(par$name[!par$scale]), info$key) - 1L),
       out_idx = select_vars(vars, info),
       counter = new.env(parent = emptyenv()))
}

# The runs' values at the observations for points Z (one row per point,
# in z space): a matrix with one column per point; a column of NA where
# a run failed.  Counts the runs made.
calib_predict <- function(prob, Z) {
  if (!is.matrix(Z)) Z <- matrix(Z, ncol = length(prob$par$name))
  all_vals <- t(from_z_matrix(prob$par, Z))
  storage.mode(all_vals) <- "double"
  n <- ncol(all_vals)
  if (any(prob$par$scale)) {
    # lookup scale factors change the program: one rebuilt model per point
    out <- matrix(NA_real_, nrow(prob$obs), n)
    for (j in seq_len(n)) {
      sub <- prob
      sub$model <- scaled_lookups(prob$model, prob$par$name[prob$par$scale], all_vals[prob$par$scale, j])
      sub$par <- lapply(prob$par, function(x) x[!prob$par$scale])
      info <- compiled(sub$model)$vars
      sub$out_idx <- select_vars(prob$vars, info)
      out[, j] <- calib_predict(sub, Z[j, !prob$par$scale, drop = FALSE])
    }
    return(out)
  }
  vals <- all_vals
  cache <- compiled(prob$model)
  settings <- run_settings(NULL, NULL, prob$dt, prob$dt)
  meth <- run_method(prob$method, NULL, prob$model$settings$precision)
  lanes <- use_lanes(cache)
  run_batch <- function(cols) .Call(C_sdvm_batch, cache$ptr, prob$idx, vals[, cols, drop = FALSE], settings,
                                    meth, prob$out_idx, 0L, prob$threads, lanes)
  nt <- length(prob$grid)
  out <- matrix(NA_real_, nrow(prob$obs), n)
  fill <- function(res, cols) {
    nv <- length(prob$out_idx)
    per <- res[[nv + 2L]]
    for (j in seq_along(cols)) {
      if (per[j] != nt) next
      base <- (j - 1L) * nt
      x <- numeric(nrow(prob$obs))
      for (s in seq_along(prob$vars)) {
        w <- which(prob$series == s)
        y <- res[[s + 1L]]
        x[w] <- (1 - prob$frac[w]) * y[base + prob$lo[w]] + prob$frac[w] * y[base + prob$hi[w]]
      }
      out[, cols[j]] <<- x
    }
  }
  failed <- function(r) !is.null(names(r)) && identical(names(r)[1], "code")
  # Ctrl-C, or memory running out, stops the whole fit; a run that fails
  # only counts as a bad fit
  fatal <- function(r) if (engine_error_classes[r$code] %in% c("sdvm_interrupt", "sdvm_memory_error")) engine_abort(r)
  res <- run_batch(seq_len(n))
  if (failed(res)) {
    fatal(res)
    # some run failed: run each alone so the others still count
    for (j in seq_len(n)) {
      r <- run_batch(j)
      if (failed(r)) fatal(r) else fill(r, j)
    }
  } else {
    fill(res, seq_len(n))
  }
  prob$counter$runs <- (if (is.null(prob$counter$runs)) 0 else prob$counter$runs) + n
  out
}

to_z_matrix <- function(par, X) {
  Z <- X
  Z[, par$log] <- log(X[, par$log])
  Z
}

from_z_matrix <- function(par, Z) {
  X <- Z
  X[, par$log] <- exp(Z[, par$log])
  colnames(X) <- par$name
  X
}

# The model with the output values of the named lookups multiplied by
# `factors` (a fresh definition, compiled on first use).
scaled_lookups <- function(model, names, factors) {
  keys <- canon_name(vapply(model$vars, `[[`, "", "name"))
  for (k in seq_along(names)) {
    i <- match(canon_name(names[k]), keys)
    model$vars[[i]]$y <- model$vars[[i]]$y * factors[k]
  }
  definition_only(model)
}
