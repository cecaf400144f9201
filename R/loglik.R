#' The log-likelihood of a model's parameters, for any sampler
#'
#' Returns a plain R function of a parameter vector giving the
#' log-likelihood of the data under the model, for use with an existing
#' MCMC sampler (for example `mcmc::metrop()` or `MCMCpack::MCMCmetrop1R()`):
#' add the log-prior and sample.  Each call is one run of the compiled
#' model.  Values outside the bounds in `params` give `-Inf`, as does a
#' run that fails or gives non-finite values.
#'
#' With `objective = "gaussian"` and no `sigma`, the function also takes
#' the errors' standard deviation of each observed variable (named
#' `"sigma <variable>"`, after the model's parameters); with `"negbin"`
#' and no `size`, the dispersion `"size"`.  These must be positive.
#'
#' @inheritParams sd_calibrate
#' @param objective `"gaussian"`, `"poisson"` or `"negbin"`.
#' @return A function of one numeric vector (named, or in the order of
#'   `attr(f, "parameters")`) returning the log-likelihood.  Its
#'   attributes `parameters`, `lower` and `upper` list what it takes.
#' @export
#' @examples
#' m <- sd_model(stop = 10, dt = 0.25) |>
#'   sd_stock("Stock", init = 100, outflows = "loss") |>
#'   sd_flow("loss", "Stock / lifetime") |>
#'   sd_const("lifetime", 4)
#' obs <- data.frame(time = 0:10, Stock = 100 * exp(-(0:10) / 5))
#' ll <- sd_loglik(m, obs, list(lifetime = c(1, 20)), sigma = 1)
#' ll(c(lifetime = 5)) > ll(c(lifetime = 3))
sd_loglik <- function(model, data, params, objective = c("gaussian", "poisson", "negbin"),
                      sigma = NULL, size = NULL, method = NULL) {
  objective <- match.arg(objective)
  prob <- calib_problem(model, data, params, threads = 1L, method = method)
  par <- prob$par
  nser <- length(prob$vars)
  extra_names <- character()
  if (objective == "gaussian" && is.null(sigma)) extra_names <- paste("sigma", prob$vars)
  if (objective == "negbin" && is.null(size)) extra_names <- "size"
  names_all <- c(par$name, extra_names)
  lower <- c(par$lower, rep(0, length(extra_names)))
  upper <- c(par$upper, rep(Inf, length(extra_names)))
  # the objectives of sd_calibrate() are the negative log-likelihoods:
  # with sigma or size given, one; with them estimated, the negative
  # binomial's takes log(size) as its extra parameter, the Gaussian is
  # made for each draw of the sigmas
  obj <- if (objective != "gaussian" || !is.null(sigma)) calib_objective(prob, objective, sigma = sigma, size = size)
  f <- function(theta) {
    if (!is.numeric(theta) || length(theta) != length(names_all))
      sdvm_abort(sprintf("The parameter vector must hold %d numbers: %s.", length(names_all),
                         paste(names_all, collapse = ", ")), "sdvm_param_error")
    if (!is.null(names(theta))) {
      k <- match(canon_name(names_all), canon_name(names(theta)))
      if (anyNA(k))
        sdvm_abort(sprintf("The parameter vector lacks '%s'.", names_all[is.na(k)][1]), "sdvm_param_error")
      theta <- theta[k]
    }
    theta <- unname(theta)
    if (anyNA(theta) || any(theta < lower | theta > upper) ||
        (length(extra_names) && any(theta[-seq_along(par$name)] <= 0))) return(-Inf)
    mu <- calib_predict(prob, to_z(par, theta[seq_along(par$name)]))[, 1]
    if (anyNA(mu) || any(!is.finite(mu))) return(-Inf)
    extra <- theta[-seq_along(par$name)]
    ll <- if (is.null(obj)) -calib_objective(prob, "gaussian", sigma = stats::setNames(extra, prob$vars))$value(mu, numeric())
          else -obj$value(mu, log(extra))
    if (is.finite(ll)) ll else -Inf
  }
  attr(f, "parameters") <- names_all
  attr(f, "lower") <- stats::setNames(lower, names_all)
  attr(f, "upper") <- stats::setNames(upper, names_all)
  f
}
