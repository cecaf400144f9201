#' Fit a model to data
#'
#' Estimates constants and stocks' initial values so that the model's runs
#' match observed data: Vensim's calibration (Optimize with a payoff of
#' squared errors), or maximum likelihood with normal, Poisson or negative
#' binomial errors.  The search uses R's own optimizers ([stats::nlminb()]
#' by default, or L-BFGS-B of [stats::optim()]) on the parameters within
#' their bounds, with gradients by central finite differences computed as
#' one batch of perturbed runs (one compiled program, all threads); several
#' starts from a Latin hypercube (`starts`), or a global search first
#' (`global = "DEoptim"` or `"nloptr"`, from those packages), guard
#' against local optima.
#'
#' **Data.** A data frame with a `time` column and one column per observed
#' variable, named as in the model (Vensim-style matching; an array
#' element as `"Stock[A]"`), or the paths of data files that
#' [read_vensim_data()] reads (`.dat`, `.tab`/`.csv`, `.xlsx`, `.vdf`; their
#' series that name model variables are used).  Observations may be
#' missing (`NA`), irregular in time and off the save grid: the runs are
#' kept at every TIME STEP and interpolated linearly to the observations'
#' times.
#'
#' **Uncertainty.** `vcov()` is the inverse of the expected (Fisher)
#' information at the estimate, from the runs' Jacobian (for `"ss"`, with
#' the residual variance; for a function objective, the inverse Hessian
#' by finite differences).  `confint()` gives profile-likelihood intervals
#' (default) or Wald intervals (on the log scale for log-transformed
#' parameters).
#'
#' Runs that fail or give non-finite values during the search count as
#' very bad fits (a penalty), with a warning naming parameter values where
#' that happened.  Ctrl-C stops a fit and returns nothing.
#'
#' @param model A model ([sd_model()], [read_vensim()], [read_xmile()]).
#' @param data Observations: a data frame or data file paths (see Data).
#' @param params The parameters to estimate: a named list whose elements
#'   are `c(lower, upper)`, or `list(lower =, upper =, start =, log =)`.
#'   Names are constants, stocks (a stock's name means its initial value)
#'   or lookups (a lookup's name means a factor on its output values, 1
#'   being the model's own table; each value of such a factor is a rebuilt
#'   program, so these fits run one model at a time).
#' @param start Optional named starting values (default: the model's own
#'   values where they lie within the bounds, else the middle of the range).
#' @param log Parameters to search on the log scale: names, or `TRUE` for
#'   all whose lower bound is positive.
#' @param objective `"ss"` (weighted sum of squares, Vensim's payoff),
#'   `"gaussian"`, `"poisson"`, `"negbin"`, or a function of
#'   `(simulated, observed)`, two data frames with columns `time`,
#'   `variable` and `value`, returning a number to minimize (treated as a
#'   negative log-likelihood for `logLik()` and `confint()`).
#' @param weights For `"ss"`: one weight, or one per observed variable
#'   (named); each error is multiplied by its weight before squaring.
#' @param sigma For `"gaussian"`: the errors' standard deviation (one, or
#'   one per observed variable); `NULL` estimates one per variable.
#' @param size For `"negbin"`: the dispersion (size) parameter; `NULL`
#'   estimates it.
#' @param optimizer `"nlminb"` or `"L-BFGS-B"`.
#' @param starts Number of local searches: the first from `start`, the
#'   others from a Latin hypercube over the bounds ([sd_lhs()]).
#' @param global `"none"`, or a global search over the bounds before the
#'   local one: `"DEoptim"` (package DEoptim) or `"nloptr"` (package
#'   nloptr, CRS2 with local mutation).
#' @param seed Seed for the multi-start and global searches.
#' @param threads Threads for the batches of runs.
#' @param method Integration method for the runs (default: the model's).
#' @param control A list passed to the optimizer's `control`.
#' @param spec A calibration read by [read_vensim_optimization()]: its
#'   parameters, bounds, weights and data names fill the arguments not
#'   given.
#' @return An object of class `sdvm_fit`, with methods `coef()`, `vcov()`,
#'   `confint()`, `logLik()` (hence `AIC()`, `BIC()`), `nobs()`,
#'   `fitted()`, `residuals()`, `summary()`, `print()`, `plot()` and
#'   `simulate()` (the fitted model; with `nsim > 1`, parameters drawn
#'   from their estimated distribution).  `fit$runs` and `fit$seconds`
#'   report the work done.
#' @seealso [sd_loglik()] for Bayesian fits with any sampler.
#' @export
#' @examples
#' m <- sd_model(stop = 20, dt = 0.25) |>
#'   sd_stock("Population", init = 10, inflows = "births") |>
#'   sd_flow("births", "growth rate * Population * (1 - Population / capacity)") |>
#'   sd_const("growth rate", 0.3) |>
#'   sd_const("capacity", 100)
#' set.seed(1)
#' obs <- simulate(m, params = list("growth rate" = 0.45, capacity = 80), saveper = 2,
#'                 vars = "Population")
#' obs$Population <- obs$Population + rnorm(nrow(obs), sd = 2)
#' fit <- sd_calibrate(m, obs, list("growth rate" = c(0.05, 2), capacity = c(20, 200)))
#' fit
#' confint(fit, method = "wald")
sd_calibrate <- function(model, data, params, start = NULL, log = NULL,
                         objective = c("ss", "gaussian", "poisson", "negbin"),
                         weights = NULL, sigma = NULL, size = NULL,
                         optimizer = c("nlminb", "L-BFGS-B"), starts = 1L,
                         global = c("none", "DEoptim", "nloptr"), seed = NULL,
                         threads = NULL, method = NULL, control = list(), spec = NULL) {
  t0 <- proc.time()[["elapsed"]]
  if (!is.null(spec)) {
    if (!inherits(spec, "sdvm_optimization"))
      sdvm_abort("`spec` must come from read_vensim_optimization().", "sdvm_param_error")
    if (missing(params)) params <- spec_bounds(model, spec$params)
    if (is.null(start)) start <- spec$start
    if (is.null(weights) && length(spec$weights)) weights <- spec$weights
    its <- suppressWarnings(as.integer(spec$options$MAX_ITERATIONS))
    if (length(its) && !is.na(its) && is.null(control$iter.max)) control$iter.max <- its
    data <- spec_data(spec, data)
  }
  if (!is.function(objective)) objective <- match.arg(objective)
  optimizer <- match.arg(optimizer)
  global <- match.arg(global)
  if (!is.numeric(starts) || length(starts) != 1 || !is.finite(starts) || starts < 1)
    sdvm_abort("`starts` must be a positive whole number.", "sdvm_param_error")
  prob <- calib_problem(model, data, params, start = start, log = log, threads = threads,
                        method = method)
  obj <- calib_objective(prob, objective, weights, sigma, size)
  ev <- calib_evaluator(prob, obj)
  par <- prob$par
  lower <- c(to_z(par, par$lower), obj$extra_lower)
  upper <- c(to_z(par, par$upper), obj$extra_upper)
  x0 <- c(to_z(par, par$start), obj$extra_start)
  ev$set_penalty(x0)

  local <- function(x) calib_local(ev, x, lower, upper, optimizer, control)
  searches <- list()
  if (global != "none") {
    gx <- with_seed(seed, calib_global(ev, global, lower, upper, control))
    searches[[length(searches) + 1L]] <- c(list(from = "global"), local(gx))
  }
  from <- list(x0)
  if (starts > 1) {
    ranges <- lapply(seq_along(lower), function(j) c(lower[j], upper[j]))
    names(ranges) <- paste0("p", seq_along(lower))
    design <- sd_lhs(as.integer(starts) - 1L, ranges, seed = seed)
    from <- c(from, lapply(seq_len(nrow(design)), function(i) unlist(design[i, ])))
  }
  for (x in from) searches[[length(searches) + 1L]] <- c(list(from = "start"), local(x))
  best <- searches[[which.min(vapply(searches, `[[`, 0, "value"))]]
  fit <- calib_result(prob, obj, ev, best, searches)
  fit$call <- match.call()
  fit$seconds <- proc.time()[["elapsed"]] - t0
  ev$warn_failures()
  fit
}

# One local search from x (z space plus nuisance parameters).
calib_local <- function(ev, x, lower, upper, optimizer, control) {
  x <- pmin(pmax(x, lower), upper)
  if (optimizer == "nlminb") {
    ctl <- utils::modifyList(list(eval.max = 400, iter.max = 300), control)
    r <- stats::nlminb(x, ev$value, ev$gradient, lower = lower, upper = upper, control = ctl)
    # PORT's "false convergence" usually means its quadratic model broke
    # down on a kink (lookups, IF THEN ELSE); a fresh start from there
    # often finishes the job
    settled <- FALSE
    for (k in 1:3) {
      if (r$convergence == 0 || !grepl("false convergence", r$message)) break
      r2 <- stats::nlminb(r$par, ev$value, ev$gradient, lower = lower, upper = upper, control = ctl)
      improved <- r2$objective < r$objective - 1e-10 * abs(r$objective)
      if (!improved) {
        # restarted at the point, the search found nothing better: a minimum
        settled <- TRUE
        r$message <- paste(r$message, "(a restart from there found no better point)")
        break
      }
      r <- r2
    }
    list(x = r$par, value = r$objective, converged = r$convergence == 0 || settled, message = r$message,
         iterations = r$iterations)
  } else {
    r <- stats::optim(x, ev$value, ev$gradient, method = "L-BFGS-B", lower = lower, upper = upper,
                      control = control)
    list(x = r$par, value = r$value, converged = r$convergence == 0,
         message = if (is.null(r$message)) "converged" else r$message, iterations = r$counts[[1]])
  }
}

# A global search over the bounds; returns its best point.
calib_global <- function(ev, global, lower, upper, control) {
  if (global == "DEoptim") {
    if (!requireNamespace("DEoptim", quietly = TRUE))
      sdvm_abort("global = \"DEoptim\" needs the DEoptim package: install.packages(\"DEoptim\").",
                 "sdvm_unsupported_error")
    ctl <- DEoptim::DEoptim.control(trace = FALSE, itermax = 100L,
                                    NP = max(20L, 10L * length(lower)))
    r <- DEoptim::DEoptim(ev$value, lower, upper, control = ctl)
    unname(r$optim$bestmem)
  } else {
    if (!requireNamespace("nloptr", quietly = TRUE))
      sdvm_abort("global = \"nloptr\" needs the nloptr package: install.packages(\"nloptr\").",
                 "sdvm_unsupported_error")
    x0 <- (lower + upper) / 2
    r <- nloptr::nloptr(x0, ev$value, lb = lower, ub = upper,
                        opts = list(algorithm = "NLOPT_GN_CRS2_LM", maxeval = 2000L * length(lower)))
    r$solution
  }
}

# The objective and its gradient at points x = c(z, nuisance), counting
# runs, remembering the last values (optimizers ask for the value and the
# gradient at the same point) and turning failed runs into a penalty.
calib_evaluator <- function(prob, obj) {
  np <- length(prob$par$name)
  state <- new.env(parent = emptyenv())
  state$penalty <- 1e12
  state$failed <- 0L
  state$examples <- list()
  split_x <- function(x) list(z = x[seq_len(np)], extra = x[np + seq_len(obj$extra)])
  f_of <- function(mu, extra) {
    if (anyNA(mu) || any(!is.finite(mu))) return(NA_real_)
    f <- obj$value(mu, extra)
    if (!is.finite(f)) NA_real_ else f
  }
  record_failure <- function(z) {
    state$failed <- state$failed + 1L
    if (length(state$examples) < 3L) state$examples[[length(state$examples) + 1L]] <- from_z(prob$par, z)
  }
  value <- function(x) {
    if (identical(x, state$last_x)) return(state$last_f)
    p <- split_x(x)
    mu <- calib_predict(prob, p$z)[, 1]
    f <- f_of(mu, p$extra)
    if (is.na(f)) {
      record_failure(p$z)
      f <- state$penalty
    }
    state$last_x <- x
    state$last_f <- f
    f
  }
  # central differences in z (one-sided at a bound), one batch of 2 np runs
  steps <- function(z) 1e-5 * pmax(abs(z), 1e-3 * (to_z(prob$par, prob$par$upper) - to_z(prob$par, prob$par$lower)))
  jacobian <- function(z) {
    h <- steps(z)
    lo <- to_z(prob$par, prob$par$lower); up <- to_z(prob$par, prob$par$upper)
    zp <- pmin(z + h, up); zm <- pmax(z - h, lo)
    Z <- rbind(z, t(vapply(seq_len(np), function(j) { v <- z; v[j] <- zp[j]; v }, z)),
               t(vapply(seq_len(np), function(j) { v <- z; v[j] <- zm[j]; v }, z)))
    M <- calib_predict(prob, Z)
    list(mu = M[, 1], J = (M[, 1 + seq_len(np), drop = FALSE] - M[, 1 + np + seq_len(np), drop = FALSE]) /
           rep(zp - zm, each = nrow(M)), M = M, dz = zp - zm)
  }
  gradient <- function(x) {
    p <- split_x(x)
    jac <- jacobian(p$z)
    if (anyNA(jac$M) || any(!is.finite(jac$M))) {
      record_failure(p$z)
      return(rep(0, length(x)))
    }
    g <- if (is.null(obj$grad_mu)) {
      fp <- vapply(seq_len(np), function(j) f_of(jac$M[, 1 + j], p$extra), 0)
      fm <- vapply(seq_len(np), function(j) f_of(jac$M[, 1 + np + j], p$extra), 0)
      (fp - fm) / jac$dz
    } else {
      drop(crossprod(jac$J, obj$grad_mu(jac$mu, p$extra)))
    }
    if (obj$extra) g <- c(g, obj$grad_extra(jac$mu, p$extra))
    g[!is.finite(g)] <- 0
    g
  }
  set_penalty <- function(x0) {
    f0 <- value(x0)
    if (!is.null(state$last_f) && state$failed == 0L)
      state$penalty <- max(1e12, 1e6 * abs(f0))
  }
  warn_failures <- function() {
    if (state$failed > 0L) {
      ex <- vapply(state$examples, function(v) paste(sprintf("%s = %.6g", prob$par$name, v), collapse = ", "), "")
      warning(sprintf(paste0("%d evaluation(s) during the search had runs that failed or gave non-finite values ",
                             "(for example at %s); they counted as a very bad fit."),
                      state$failed, paste(ex, collapse = "; ")), call. = FALSE)
    }
  }
  list(value = value, gradient = gradient, jacobian = jacobian, set_penalty = set_penalty,
       warn_failures = warn_failures, state = state, split_x = split_x)
}

# Everything about the best point: estimates, uncertainty, fitted values.
calib_result <- function(prob, obj, ev, best, searches) {
  par <- prob$par
  np <- length(par$name)
  p <- ev$split_x(best$x)
  theta <- stats::setNames(from_z(par, p$z), par$name)
  jac <- ev$jacobian(p$z)
  mu <- jac$mu
  # the Jacobian in the parameters' own scale: d mu / d theta
  J <- jac$J / rep(ifelse(par$log, theta, 1), each = nrow(jac$J))
  V <- matrix(NA_real_, np, np, dimnames = list(par$name, par$name))
  if (!anyNA(J)) {
    info <- if (!is.null(obj$info)) obj$info(J, mu, p$extra, np) else calib_hessian(prob, obj, p$z, p$extra)
    V[] <- if (all(is.infinite(diag(info)))) 0 else tryCatch(solve(info), error = function(e) {
      warning("The information matrix is singular at the estimate: some parameters are not identified by the data; vcov() is NA.",
              call. = FALSE)
      matrix(NA_real_, np, np)
    })
  }
  fval <- best$value
  obs <- prob$obs
  fitted <- data.frame(variable = obs$variable, time = obs$time, observed = obs$observed,
                       fitted = mu, residual = obs$observed - mu, stringsAsFactors = FALSE)
  extra <- list()
  if (!is.null(obj$sigma)) extra$sigma <- obj$sigma(mu)
  if (!is.null(obj$size)) extra$size <- obj$size(p$extra)
  structure(list(
    coefficients = theta, vcov = V, value = fval, objective = obj$name,
    loglik = obj$loglik(fval), df = np + obj$df, nobs = nrow(obs),
    deviance_scale = obj$deviance_scale, fitted = fitted, extra = extra,
    converged = best$converged, message = best$message,
    searches = do.call(rbind, lapply(searches, function(s)
      data.frame(from = s$from, value = s$value, converged = s$converged, stringsAsFactors = FALSE))),
    runs = prob$counter$runs, model = prob$model, problem = prob, objective_spec = obj,
    evaluator = ev, x = best$x),
    class = "sdvm_fit")
}

# Hessian of the objective in theta by central differences: one batch of
# 1 + 2p + 4 p(p-1)/2 runs (for objectives without an information form).
calib_hessian <- function(prob, obj, z, extra) {
  par <- prob$par
  np <- length(z)
  theta <- from_z(par, z)
  h <- 1e-4 * pmax(abs(theta), 1e-3 * (par$upper - par$lower))
  pts <- list(theta)
  for (j in seq_len(np)) for (sgn in c(1, -1)) { v <- theta; v[j] <- v[j] + sgn * h[j]; pts[[length(pts) + 1L]] <- v }
  pairs <- if (np > 1) utils::combn(np, 2, simplify = FALSE) else list()
  for (pr in pairs) for (a in c(1, -1)) for (b in c(1, -1)) {
    v <- theta; v[pr[1]] <- v[pr[1]] + a * h[pr[1]]; v[pr[2]] <- v[pr[2]] + b * h[pr[2]]
    pts[[length(pts) + 1L]] <- v
  }
  X <- do.call(rbind, pts)
  M <- calib_predict(prob, to_z_matrix(par, X))
  f <- apply(M, 2, function(mu) obj$value(mu, extra))
  H <- matrix(0, np, np)
  for (j in seq_len(np)) H[j, j] <- (f[1 + 2 * j - 1] - 2 * f[1] + f[1 + 2 * j]) / h[j]^2
  k <- 1 + 2 * np
  for (pr in pairs) {
    q <- f[k + 1:4]  # (+,+), (+,-), (-,+), (-,-)
    H[pr[1], pr[2]] <- H[pr[2], pr[1]] <- (q[1] - q[2] - q[3] + q[4]) / (4 * h[pr[1]] * h[pr[2]])
    k <- k + 4
  }
  H
}
