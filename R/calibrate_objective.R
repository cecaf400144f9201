# Objectives for calibration, as functions of the runs' values `mu` at
# the observations `y` (calibrate_problem.R).  Each is minimized:
#   "ss"        weighted sum of squares, sum (w * (mu - y))^2, the form of
#               Vensim's calibration payoff (a weight is 1 / the standard
#               deviation of its series' errors);
#   "gaussian"  the negative log-likelihood of normal errors, sigma per
#               series given, or estimated (profiled out: sigma^2 = SS / n);
#   "poisson"   the negative log-likelihood of Poisson counts with mean mu;
#   "negbin"    of negative binomial counts with mean mu and size k (given,
#               or estimated as one more parameter, on the log scale);
#   a function  of (simulated, observed), two data frames with columns
#               time, variable, value; its value is minimized as if it
#               were a negative log-likelihood.
# For the built-in ones the derivative in mu gives the gradient (chain
# rule through the runs' Jacobian) and the expected information gives
# vcov(); a function objective gets both by finite differences.

calib_objective <- function(prob, objective, weights = NULL, sigma = NULL, size = NULL) {
  y <- prob$obs$observed
  s <- prob$series
  nser <- length(prob$vars)
  per_series <- function(x, what, default) {
    if (is.null(x)) return(rep(default, nser))
    if (!is.numeric(x) || !length(x) || any(!is.finite(x)) || any(x <= 0))
      sdvm_abort(sprintf("`%s` must be positive numbers.", what), "sdvm_param_error")
    if (length(x) == 1 && is.null(names(x))) return(rep(x, nser))
    if (is.null(names(x)))
      sdvm_abort(sprintf("`%s` must be one number or named by the observed variables.", what), "sdvm_param_error")
    k <- match(canon_name(names(x)), canon_name(prob$vars))
    if (anyNA(k))
      sdvm_abort(sprintf("'%s' in `%s` is not an observed variable.", names(x)[is.na(k)][1], what),
                 "sdvm_param_error", variable = names(x)[is.na(k)][1])
    out <- rep(default, nser)
    out[k] <- x
    if (is.na(default) && anyNA(out))
      sdvm_abort(sprintf("`%s` gives no value for '%s'.", what, prob$vars[is.na(out)][1]), "sdvm_param_error")
    out
  }
  n_s <- tabulate(s, nser)
  base <- list(extra = 0L, extra_names = character(), extra_lower = numeric(), extra_upper = numeric(),
               extra_start = numeric(), estimated = list())
  if (is.function(objective)) {
    fun <- objective
    frame <- function(v) data.frame(time = prob$obs$time, variable = prob$obs$variable, value = v,
                                    stringsAsFactors = FALSE)
    obs_frame <- frame(y)
    return(c(base, list(
      name = "user", df = 0L,
      value = function(mu, extra) {
        f <- fun(frame(mu), obs_frame)
        if (!is.numeric(f) || length(f) != 1)
          sdvm_abort("The objective function must return a single number.", "sdvm_param_error")
        f
      },
      grad_mu = NULL, info = NULL,
      loglik = function(f) -f, deviance_scale = function(f) f)))
  }
  objective <- match.arg(objective, c("ss", "gaussian", "poisson", "negbin"))
  if (objective %in% c("poisson", "negbin") && any(y < 0))
    sdvm_abort(sprintf("A %s objective needs counts, but '%s' has a negative observation.",
                       objective, prob$obs$variable[y < 0][1]), "sdvm_data_error")
  switch(objective,
    ss = {
      w <- per_series(weights, "weights", 1)[s]
      n <- length(y)
      c(base, list(
        name = "ss", df = 1L, weights = w,
        value = function(mu, extra) sum((w * (mu - y))^2),
        grad_mu = function(mu, extra) 2 * w^2 * (mu - y),
        # Gauss-Newton: residual variance from the fit
        info = function(J, mu, extra, p) {
          s2 <- sum((w * (mu - y))^2) / max(1, n - p)
          # an exact fit: no error left, so no uncertainty either
          if (s2 <= 0) return(diag(Inf, ncol(J)))
          crossprod(J * w) / s2
        },
        loglik = function(f) -n / 2 * (log(2 * pi * f / n) + 1) + sum(log(w)),
        deviance_scale = function(f) n / 2 * log(f)))
    },
    gaussian = {
      sig <- if (is.null(sigma)) NULL else per_series(sigma, "sigma", NA)
      if (is.null(sig)) {
        c(base, list(
          name = "gaussian", df = nser,
          value = function(mu, extra) {
            ss <- vapply(seq_len(nser), function(k) sum((mu[s == k] - y[s == k])^2), 0)
            if (any(ss <= 0)) return(-Inf)  # a perfect fit of a series: unbounded likelihood
            sum(n_s / 2 * (log(2 * pi * ss / n_s) + 1))
          },
          grad_mu = function(mu, extra) {
            ss <- vapply(seq_len(nser), function(k) sum((mu[s == k] - y[s == k])^2), 0)
            (n_s / ss)[s] * (mu - y)
          },
          info = function(J, mu, extra, p) {
            ss <- vapply(seq_len(nser), function(k) sum((mu[s == k] - y[s == k])^2), 0)
            crossprod(J * sqrt((n_s / ss)[s]))
          },
          sigma = function(mu) stats::setNames(sqrt(vapply(seq_len(nser), function(k)
            sum((mu[s == k] - y[s == k])^2), 0) / n_s), prob$vars),
          loglik = function(f) -f, deviance_scale = function(f) f))
      } else {
        sg <- sig[s]
        c(base, list(
          name = "gaussian", df = 0L,
          value = function(mu, extra) sum(log(sg) + 0.5 * log(2 * pi) + (mu - y)^2 / (2 * sg^2)),
          grad_mu = function(mu, extra) (mu - y) / sg^2,
          info = function(J, mu, extra, p) crossprod(J / sg),
          sigma = function(mu) stats::setNames(sig, prob$vars),
          loglik = function(f) -f, deviance_scale = function(f) f))
      }
    },
    poisson = c(base, list(
      name = "poisson", df = 0L,
      value = function(mu, extra) {
        if (any(mu < 0 | (mu == 0 & y > 0))) return(Inf)
        sum(mu - ifelse(y > 0, y * log(mu), 0) + lgamma(y + 1))
      },
      grad_mu = function(mu, extra) 1 - ifelse(y > 0, y / mu, 0),
      info = function(J, mu, extra, p) crossprod(J / sqrt(pmax(mu, 1e-300))),
      loglik = function(f) -f, deviance_scale = function(f) f)),
    negbin = {
      fixed <- !is.null(size)
      if (fixed && (!is.numeric(size) || length(size) != 1 || !is.finite(size) || size <= 0))
        sdvm_abort("`size` must be one positive number.", "sdvm_param_error")
      k_of <- function(extra) if (fixed) size else exp(extra[1])
      nll <- function(mu, k) {
        if (any(mu < 0 | (mu == 0 & y > 0))) return(Inf)
        -sum(lgamma(y + k) - lgamma(k) - lgamma(y + 1) + k * log(k / (k + mu)) +
               ifelse(y > 0, y * log(mu / (k + mu)), 0))
      }
      out <- c(base, list(
        name = "negbin", df = 0L,
        value = function(mu, extra) nll(mu, k_of(extra)),
        grad_mu = function(mu, extra) {
          k <- k_of(extra)
          -(ifelse(y > 0, y / mu, 0) - (y + k) / (k + mu))
        },
        grad_extra = function(mu, extra) {
          if (fixed) return(numeric())
          k <- k_of(extra)
          -k * sum(digamma(y + k) - digamma(k) + log(k / (k + mu)) + 1 - (y + k) / (k + mu))
        },
        info = function(J, mu, extra, p) {
          k <- k_of(extra)
          crossprod(J / sqrt(pmax(mu + mu^2 / k, 1e-300)))
        },
        size = function(extra) k_of(extra),
        loglik = function(f) -f, deviance_scale = function(f) f))
      if (!fixed) {
        out$extra <- 1L
        out$extra_names <- "size"
        out$extra_lower <- log(1e-3)
        out$extra_upper <- log(1e6)
        out$extra_start <- log(10)
        out$df <- 1L
      }
      out
    })
}
