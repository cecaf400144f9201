# Compiling a model, and the cache behind it.
#
# A model carries an environment `.cache` holding the external pointer to
# its compiled program.  Builders make a fresh environment, so a cache
# never outlives the definition it was compiled from.  After saveRDS() /
# readRDS(), or in another process, the pointer comes back NULL: the
# model is then compiled again, transparently, on its next run.

kind_codes <- c(aux = 0L, flow = 1L, stock = 2L, const = 3L, lookup = 4L, data = 0L)
kind_names <- c("aux", "flow", "stock", "const", "lookup")

# The list C_sdvm_compile() reads (see src/r_compile.c).
model_spec <- function(m) {
  m <- fill_missing_data(derive_data(m))
  spec <- vars_spec(m, control_vars(m$settings, m$setting_source))
  spec$method <- match(m$settings$method, c("euler", "rk2", "rk4")) - 1L
  spec
}

# Definitions of the time settings, as variables.  `src`: where each
# setting's equation is in the model file (read_vensim()), or NULL.
control_vars <- function(s, src = NULL) {
  # a time setting is a number, or (read from a file) an equation
  setting <- function(x) if (is.numeric(x)) sprintf("%.17g", x) else x
  vals <- list(s$start, s$stop, s$dt, s$saveper)
  lapply(1:4, function(k) {
    v <- list(name = control_names[k], kind = "const", eqn = setting(vals[[k]]))
    # an equation still as read points into the file (a number set in R
    # has no place there)
    if (is.character(vals[[k]]) && !is.null(src[[k]])) v$source <- c(src[[k]]$line, src[[k]]$col)
    v
  })
}

# Fields of every variable as columns, in one pass in C: name = type
# pairs, type 0 a string ("" when missing), 1 any value (NULL when
# missing), 2 an integer pair (two columns, 0 when missing), 3, 4, 5 any
# value (numeric(0), character(0), list() when missing).
var_cols <- function(vars, ...) {
  types <- c(...)
  .Call(C_sdvm_pluck, vars, names(types), as.integer(types))
}

# Parallel vectors describing variables, ranges and macros (a model or a
# macro's body).  The fields are gathered in one pass in C (C_sdvm_pluck):
# a closure per variable and field was most of the time to compile a
# model of a million variables.
vars_spec <- function(m, ctrl = list()) {
  vars <- c(ctrl, m$vars)
  f <- var_cols(vars, name = 0L, kind = 0L, eqn = 0L, init = 0L, x = 3L, y = 3L, source = 2L,
                init_source = 2L, subs = 4L, vals = 3L, except = 5L, mode = 0L, rate = 1L)
  kind <- f$kind
  eqn <- f$eqn
  stock <- which(kind == "stock")
  if (length(stock)) {
    # a stock's equation is its net rate (given, or its flows)
    given <- !vapply(f$rate[stock], is.null, NA)
    eqn[stock[given]] <- unlist(f$rate[stock[given]], use.names = FALSE)
    eqn[stock[!given]] <- vapply(vars[stock[!given]], stock_rate, "")
  }
  vals <- f$vals
  int_vals <- which(!vapply(vals, is.double, NA))
  vals[int_vals] <- lapply(vals[int_vals], as.double)
  data <- kind == "data"
  list(
    name = f$name,
    kind = unname(kind_codes[kind]),
    eqn = eqn,
    init = f$init,
    lookup_x = f$x,
    lookup_y = f$y,
    # where equations start in the model file (0: built in R)
    line = f$source[[1]],
    col = f$source[[2]],
    init_line = f$init_source[[1]],
    init_col = f$init_source[[2]],
    file = if (is.null(m$file)) "" else m$file,
    subs = f$subs,
    vals = vals,
    dims = if (is.null(m$dims)) list() else m$dims,
    maps = if (is.null(m$dim_maps)) list() else m$dim_maps,
    except = f$except,
    # data series: how they read between points (sd_data_mode + 1), else 0
    # (:RAW: has values only at its points, :NA: between them)
    data_mode = ifelse(data, unname(c(interpolate = 1L, "hold backward" = 2L, "look forward" = 3L,
                                      raw = 4L)[f$mode]), 0L),
    macros = lapply(m$macros, function(mc)
      list(name = mc$name, params = mc$params, outputs = mc$outputs,
           spec = vars_spec(list(vars = mc$vars, file = m$file))))
  )
}

# The compiled program of m, compiling it if needed.
compiled <- function(m) {
  cache <- m$.cache
  if (is.null(cache)) {
    # a model rebuilt by hand (e.g. unclass()ed and back) lost its cache
    cache <- new.env(parent = emptyenv())
  }
  ptr <- cache$ptr
  if (is.null(ptr) || !.Call(C_sdvm_ptr_valid, ptr)) {
    spec <- model_spec(m)
    # (tests: the bytecode rewrites' level, 0 to 2; the numbers are the same)
    rw <- getOption("sdvm.rewrite")
    if (!is.null(rw)) spec$rewrite <- as.integer(rw)
    res <- .Call(C_sdvm_compile, spec)
    if (!inherits(res, "externalptr")) engine_abort(res)
    vars <- .Call(C_sdvm_program_vars, res)
    vars$kind <- kind_names[vars$kind + 1L]
    vars$key <- canon_name(vars$name)
    cache$vars <- vars
    cache$ptr <- res
    cache$compiles <- (if (is.null(cache$compiles)) 0L else cache$compiles) + 1L
  }
  cache
}

# Whether batches of this compiled model step in lanes (src/sd_lanes.c):
# FALSE when its state lives outside the value slots, or with option
# sdvm.lanes = FALSE.
use_lanes <- function(cache) {
  isTRUE(getOption("sdvm.lanes", TRUE)) && is.null(.Call(C_sdvm_lanes_refusal, cache$ptr))
}

# How many times this model value has been compiled (for tests).
compile_count <- function(m) {
  n <- m$.cache$compiles
  if (is.null(n)) 0L else n
}

#' Compiled form of a model
#'
#' Compiles the model now (normally [simulate()] does it on first use) and
#' reports the size of the bytecode.  Useful to check a model for errors
#' without running it.
#'
#' @param m A model from [sd_model()].
#' @return A list: `variables` (names and kinds), and the counts of value
#'   slots, stocks (including the hidden ones made by SMOOTH, DELAY and
#'   friends) and instructions run at initialization and per step, and
#'   `optimizer_work`: how many blocks of instructions the optimizer
#'   measured while looking for element loops (its work, which grows in
#'   proportion to the code).
#' @export
#' @examples
#' m <- sd_model(stop = 5) |> sd_stock("x", 1, inflows = "g") |> sd_flow("g", "x * 0.1")
#' str(sd_compile(m))
sd_compile <- function(m) {
  check_model(m)
  cache <- compiled(m)
  stats <- .Call(C_sdvm_program_stats, cache$ptr)
  c(list(variables = data.frame(name = cache$vars$name, kind = cache$vars$kind)), stats)
}

# Bytecode listing, for debugging the compiler.
sd_disasm <- function(m) {
  cat(.Call(C_sdvm_disasm, compiled(m)$ptr))
  invisible(m)
}
