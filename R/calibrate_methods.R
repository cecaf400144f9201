# Methods for fits from sd_calibrate(): the usual R model accessors.

#' @export
coef.sdvm_fit <- function(object, ...) object$coefficients

#' @export
vcov.sdvm_fit <- function(object, ...) object$vcov

#' @export
nobs.sdvm_fit <- function(object, ...) object$nobs

#' @export
logLik.sdvm_fit <- function(object, ...) {
  structure(object$loglik, df = object$df, nobs = object$nobs, class = "logLik")
}

#' @export
fitted.sdvm_fit <- function(object, ...) object$fitted[c("variable", "time", "fitted")]

#' Residuals of a calibration
#'
#' @param object A fit from [sd_calibrate()].
#' @param type `"response"` (observed minus fitted) or `"pearson"`
#'   (divided by the error's standard deviation under the objective:
#'   sigma for `"gaussian"`, `sqrt(fitted)` for `"poisson"`,
#'   `sqrt(fitted + fitted^2 / size)` for `"negbin"`, 1 / weight for `"ss"`).
#' @param ... Unused.
#' @return A numeric vector in the order of `fitted(object)`.
#' @export
residuals.sdvm_fit <- function(object, type = c("response", "pearson"), ...) {
  type <- match.arg(type)
  f <- object$fitted
  r <- f$residual
  if (type == "response") return(r)
  sd <- switch(object$objective,
    ss = 1 / object$objective_spec$weights,
    gaussian = object$extra$sigma[f$variable],
    poisson = sqrt(f$fitted),
    negbin = sqrt(f$fitted + f$fitted^2 / object$extra$size),
    rep(NA_real_, length(r)))
  unname(r / sd)
}

#' Confidence intervals for calibrated parameters
#'
#' Profile-likelihood intervals (the default): for each parameter, the
#' values at which the objective, minimized over the other parameters,
#' rises by `qchisq(level, 1) / 2` on the negative log-likelihood scale
#' (for `"ss"`, the Gaussian likelihood with the variance profiled out,
#' `n / 2 * log(SS)`).  Wald intervals use `vcov()`, on the log scale for
#' parameters searched on it.  A limit beyond a parameter's bound is
#' reported as the bound, with a warning.
#'
#' @param object A fit from [sd_calibrate()].
#' @param parm Parameters (names or positions; default all).
#' @param level Confidence level.
#' @param method `"profile"` or `"wald"`.
#' @param ... Unused.
#' @return A matrix with one row per parameter and columns for the lower
#'   and upper limits.
#' @export
confint.sdvm_fit <- function(object, parm, level = 0.95, method = c("profile", "wald"), ...) {
  method <- match.arg(method)
  cf <- coef(object)
  if (missing(parm)) parm <- seq_along(cf)
  if (is.character(parm)) parm <- match(canon_name(parm), canon_name(names(cf)))
  if (anyNA(parm)) sdvm_abort("`parm` names a parameter that was not estimated.", "sdvm_param_error")
  a <- (1 - level) / 2
  out <- matrix(NA_real_, length(parm), 2,
                dimnames = list(names(cf)[parm], paste(format(100 * c(a, 1 - a), trim = TRUE), "%")))
  par <- object$problem$par
  if (method == "wald") {
    se <- sqrt(diag(object$vcov))
    q <- stats::qnorm(1 - a)
    for (k in seq_along(parm)) {
      j <- parm[k]
      out[k, ] <- if (par$log[j]) exp(log(cf[j]) + c(-1, 1) * q * se[j] / cf[j]) else cf[j] + c(-1, 1) * q * se[j]
    }
    return(out)
  }
  for (k in seq_along(parm)) out[k, ] <- profile_limits(object, parm[k], level)
  out
}

# The two profile-likelihood limits of parameter j.
profile_limits <- function(fit, j, level) {
  prob <- fit$problem
  par <- prob$par
  ev <- fit$evaluator
  np <- length(par$name)
  x_hat <- fit$x
  scale <- fit$deviance_scale
  d_hat <- scale(fit$value)
  target <- stats::qchisq(level, 1) / 2
  lower <- c(to_z(par, par$lower), fit$objective_spec$extra_lower)
  upper <- c(to_z(par, par$upper), fit$objective_spec$extra_upper)
  others <- setdiff(seq_along(x_hat), j)
  warm <- x_hat[others]
  # the profile: minimize over the other parameters with parameter j fixed
  prof <- function(zj) {
    if (!length(others)) return(scale(ev$value(replace(x_hat, j, zj))) - d_hat - target)
    r <- stats::nlminb(warm, function(o) ev$value(replace(replace(x_hat, others, o), j, zj)),
                       function(o) ev$gradient(replace(replace(x_hat, others, o), j, zj))[others],
                       lower = lower[others], upper = upper[others],
                       control = list(eval.max = 200, iter.max = 150))
    warm <<- r$par
    scale(r$objective) - d_hat - target
  }
  se_z <- sqrt(fit$vcov[j, j]) / (if (par$log[j]) fit$coefficients[j] else 1)
  step0 <- if (is.finite(se_z) && se_z > 0) se_z else 0.1 * (upper[j] - lower[j])
  limit <- function(dir) {
    warm <<- x_hat[others]
    z_in <- x_hat[j]
    step <- step0
    for (i in 1:40) {
      bound <- if (dir < 0) lower[j] else upper[j]
      z_out <- if (dir < 0) max(z_in - step, bound) else min(z_in + step, bound)
      g <- prof(z_out)
      if (is.finite(g) && g >= 0) {
        r <- stats::uniroot(prof, sort(c(z_in, z_out)), tol = 1e-6 * max(1, abs(z_out)))
        return(r$root)
      }
      if (z_out == bound) {
        warning(sprintf("The %s profile limit of '%s' lies beyond its bound; reported as the bound.",
                        if (dir < 0) "lower" else "upper", par$name[j]), call. = FALSE)
        return(bound)
      }
      z_in <- z_out
      step <- step * 1.6
    }
    NA_real_
  }
  z <- c(limit(-1), limit(1))
  if (par$log[j]) exp(z) else z
}

#' @export
print.sdvm_fit <- function(x, ...) {
  cat(sprintf("<sdvm_fit> %s fit of %d parameter%s to %d observation%s of %d variable%s\n",
              x$objective, length(x$coefficients), if (length(x$coefficients) == 1) "" else "s",
              x$nobs, if (x$nobs == 1) "" else "s", length(unique(x$fitted$variable)),
              if (length(unique(x$fitted$variable)) == 1) "" else "s"))
  se <- sqrt(diag(x$vcov))
  tab <- data.frame(estimate = x$coefficients, std.error = se, check.names = FALSE)
  print(signif(as.matrix(tab), 5))
  cat(sprintf("objective %.6g, log-likelihood %.6g; %s; %d runs in %.2f s\n", x$value, x$loglik,
              if (x$converged) "converged" else paste("NOT converged:", x$message), x$runs, x$seconds))
  invisible(x)
}

#' @export
summary.sdvm_fit <- function(object, level = 0.95, ...) {
  se <- sqrt(diag(object$vcov))
  ci <- confint(object, level = level, method = "wald")
  tab <- cbind(estimate = object$coefficients, std.error = se, ci)
  structure(list(coefficients = tab, objective = object$objective, value = object$value,
                 loglik = object$loglik, aic = stats::AIC(object), nobs = object$nobs,
                 extra = object$extra, converged = object$converged, message = object$message,
                 runs = object$runs, seconds = object$seconds, searches = object$searches),
            class = "summary.sdvm_fit")
}

#' @export
print.summary.sdvm_fit <- function(x, ...) {
  cat(sprintf("Calibration (%s objective), %d observations\n\n", x$objective, x$nobs))
  print(signif(x$coefficients, 5))
  if (length(x$extra$sigma)) {
    cat("\nsigma (error standard deviation):\n")
    print(signif(x$extra$sigma, 5))
  }
  if (length(x$extra$size)) cat(sprintf("\nnegative binomial size: %.5g\n", x$extra$size))
  cat(sprintf("\nobjective %.6g, log-likelihood %.6g, AIC %.6g\n", x$value, x$loglik, x$aic))
  cat(sprintf("%s; %d local search%s; %d runs in %.2f s\n",
              if (x$converged) "converged" else paste("NOT converged:", x$message),
              nrow(x$searches), if (nrow(x$searches) == 1) "" else "es", x$runs, x$seconds))
  invisible(x)
}

#' Simulate a calibrated model
#'
#' Runs the model with the estimated parameters; with `nsim > 1`, a batch
#' whose parameters are drawn from their estimated (asymptotic normal)
#' distribution, on the log scale for parameters searched on it, for
#' bands of predictive uncertainty with [sd_bands()].
#'
#' @param object A fit from [sd_calibrate()].
#' @param nsim Number of runs.
#' @param seed Seed for the draws.
#' @param ... Passed to [simulate()] for the model (`vars`, `saveper`, ...).
#' @return A result as from [simulate()].
#' @export
simulate.sdvm_fit <- function(object, nsim = 1, seed = NULL, ...) {
  cf <- object$coefficients
  par <- object$problem$par
  # lookup scale factors are part of the model, the rest are parameters
  run_at <- function(theta, ...) {
    m <- if (any(par$scale)) scaled_lookups(object$model, par$name[par$scale], theta[par$scale]) else object$model
    simulate(m, params = as.list(theta[!par$scale]), ...)
  }
  if (nsim == 1) return(run_at(cf, ...))
  V <- object$vcov
  if (anyNA(V)) sdvm_abort("vcov() is NA: parameters cannot be drawn.", "sdvm_param_error")
  zhat <- to_z(par, cf)
  D <- diag(ifelse(par$log, 1 / cf, 1), length(cf))
  Vz <- D %*% V %*% D
  R <- chol(Vz + diag(1e-12 * max(abs(diag(Vz))), length(cf)))
  draws <- with_seed(seed, matrix(stats::rnorm(nsim * length(cf)), nsim) %*% R)
  Z <- sweep(draws, 2, zhat, "+")
  X <- from_z_matrix(par, Z)
  X <- sweep(sweep(X, 2, par$lower, pmax), 2, par$upper, pmin)
  if (!any(par$scale)) return(simulate(object$model, params = as.data.frame(X, check.names = FALSE), ...))
  runs <- lapply(seq_len(nsim), function(i) {
    r <- run_at(stats::setNames(X[i, ], par$name), ...)
    cbind(run = i, as.data.frame(r, check.names = FALSE))
  })
  out <- do.call(rbind, runs)
  rownames(out) <- NULL
  structure(out, class = c("sdvm_result", "data.frame"))
}

#' Plot a calibration
#'
#' One panel per observed variable: the observations as points over the
#' fitted run; with `residuals = TRUE`, a second row of panels with the
#' residuals over time.
#'
#' @param x A fit from [sd_calibrate()].
#' @param residuals Also draw the residuals.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @export
plot.sdvm_fit <- function(x, residuals = TRUE, ...) {
  f <- x$fitted
  vars <- unique(f$variable)
  run <- simulate(x, vars = vars, saveper = x$problem$dt)
  op <- graphics::par(mfrow = c(if (residuals) 2 else 1, length(vars)), mar = c(4, 4, 2.5, 1))
  on.exit(graphics::par(op))
  for (v in vars) {
    o <- f[f$variable == v, ]
    y <- run[[v]]
    graphics::plot(run$time, y, type = "l", lwd = 2, col = "#0072B2",
                   ylim = range(c(y, o$observed), finite = TRUE), xlab = "time", ylab = v,
                   main = sprintf("%s: data and fit", v), ...)
    graphics::points(o$time, o$observed, pch = 19, col = "#D55E00")
    graphics::legend("topleft", c("data", "fit"), pch = c(19, NA), lty = c(NA, 1), lwd = c(NA, 2),
                     col = c("#D55E00", "#0072B2"), bty = "n")
  }
  if (residuals) for (v in vars) {
    o <- f[f$variable == v, ]
    graphics::plot(o$time, o$residual, pch = 19, col = "#D55E00", xlab = "time", ylab = "observed - fitted",
                   main = sprintf("%s: residuals", v))
    graphics::abline(h = 0, lty = 2)
  }
  invisible(x)
}
