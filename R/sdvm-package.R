#' sdvm: fast system dynamics simulation
#'
#' Build stock-and-flow models in R, or read them from Vensim `.mdl` files
#' ([read_vensim()]), then run them with [simulate()]: equations are
#' compiled to bytecode for a C virtual machine.  Batches of runs (a data
#' frame of parameters, or sampled ones) run on several threads or over a
#' `future` plan; [sd_lhs()], [sd_sweep()] and [sd_bands()] help with
#' sensitivity analysis, and [run_dashboard()] explores a model in Shiny.
#' [sd_calibrate()] fits a model to data and [sd_loglik()] gives its
#' likelihood to any sampler.
#' See `vignette("getting-started", package = "sdvm")`,
#' `vignette("coming-from-vensim", package = "sdvm")`,
#' `vignette("batch-runs-and-dashboards", package = "sdvm")` and
#' `vignette("fitting-models-to-data", package = "sdvm")`.
#'
#' @keywords internal
#' @useDynLib sdvm, .registration = TRUE
"_PACKAGE"

#' @importFrom stats coef confint fitted logLik nobs residuals vcov
#' @importFrom stats simulate
#' @export
stats::simulate

# the .data pronoun of ggplot2's aesthetics (autoplot.R)
utils::globalVariables(".data")
