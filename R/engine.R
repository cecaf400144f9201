#' About the installed engine
#'
#' Reports how the C engine was built: which interpreter dispatch runs by
#' default (`"computed-goto"`, threaded code using the compiler's labels as
#' values, or the portable `"switch"`), whether the computed-goto loop was
#' built at all, the number of opcodes and the engine version.  Set the
#' environment variable `SDVM_DISPATCH=switch` when installing to build the
#' fallback.
#'
#' @return A list with `dispatch`, `have_computed_goto`, `opcodes` and
#'   `version`.
#' @export
#' @examples
#' engine_info()
engine_info <- function() {
  .Call(C_sdvm_engine_info)
}
