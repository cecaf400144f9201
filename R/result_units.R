# Units travel with results so that plots can label their axes: simulate()
# attaches the model's units of each returned column (attribute "units",
# named by column; array elements take their variable's) and its unit of
# time ("time_units").  Row subsets and as.data.frame() drop them.

# A variable's units without Vensim's range annotation ("Person [0,?]").
clean_units <- function(u) {
  if (is.null(u) || !length(u) || is.na(u[1])) return(NA_character_)
  u <- trimws(sub("\\[[^]]*\\]\\s*$", "", u[1]))
  if (nzchar(u)) u else NA_character_
}

# The model's unit of time: its own, else the units of TIME STEP or
# FINAL TIME (Vensim writes "Month" there).
model_time_units <- function(m) {
  if (!is.null(m$time_units) && !is.na(m$time_units) && nzchar(m$time_units)) return(m$time_units)
  for (v in m$vars)
    if (canon_name(v$name) %in% c("time step", "final time", "initial time")) {
      u <- clean_units(v$units)
      if (!is.na(u)) return(u)
    }
  NA_character_
}

with_units <- function(out, m) {
  cols <- setdiff(names(out), c("run", "time", "parameter", "setting"))
  if (!length(cols)) return(out)
  keys <- vapply(m$vars, function(v) canon_name(v$name), "")
  units <- vapply(m$vars, function(v) clean_units(v$units), "")
  u <- units[match(canon_name(sub("\\[.*$", "", cols)), keys)]
  names(u) <- cols
  u <- u[!is.na(u)]
  if (length(u)) attr(out, "units") <- u
  tu <- model_time_units(m)
  if (!is.na(tu)) attr(out, "time_units") <- tu
  out
}

# The units of result columns (NA where unknown).
result_units <- function(x, cols) {
  u <- attr(x, "units")
  if (is.null(u)) return(stats::setNames(rep(NA_character_, length(cols)), cols))
  stats::setNames(unname(u[cols]), cols)
}
