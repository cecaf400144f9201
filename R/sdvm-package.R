#' sdvm: fast system dynamics simulation
#'
#' Build stock-and-flow models in R (or, later, read them from Vensim and
#' XMILE files), then run them with [simulate()]: equations are compiled to
#' bytecode for a C virtual machine.  See `vignette("getting-started",
#' package = "sdvm")`.
#'
#' @keywords internal
#' @useDynLib sdvm, .registration = TRUE
"_PACKAGE"

#' @importFrom stats simulate
#' @export
stats::simulate
