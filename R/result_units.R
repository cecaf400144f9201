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
  um <- model_units(m)
  u <- um$units[match(canon_name(sub("\\[.*$", "", cols)), um$keys)]
  names(u) <- cols
  u <- u[!is.na(u)]
  if (length(u)) attr(out, "units") <- u
  if (!is.na(um$time)) attr(out, "time_units") <- um$time
  out
}

# Every variable's units (canonical names, cleaned), worked out once per
# model and kept with its compiled program: a run of C-LEARN must not pay
# for 1,200 regular expressions.
model_units <- function(m) {
  cache <- m$.cache
  if (!is.null(cache) && !is.null(cache$units)) return(cache$units)
  raw <- vapply(m$vars, function(v) if (is.null(v$units) || !length(v$units)) NA_character_ else as.character(v$units[1]), "")
  cleaned <- trimws(sub("\\[[^]]*\\]\\s*$", "", raw))
  cleaned[!is.na(cleaned) & !nzchar(cleaned)] <- NA_character_
  um <- list(keys = canon_name(vapply(m$vars, `[[`, "", "name")), units = cleaned, time = model_time_units(m))
  if (is.environment(cache)) cache$units <- um
  um
}

# The units of result columns (NA where unknown).
result_units <- function(x, cols) {
  u <- attr(x, "units")
  if (is.null(u)) return(stats::setNames(rep(NA_character_, length(cols)), cols))
  stats::setNames(unname(u[cols]), cols)
}
