# Vensim names are case-insensitive and treat runs of spaces and
# underscores as one space; canon_name() is sd_canon_name() of
# src/sd_util.c (UTF-8 letters folded too), used to match names given by
# users exactly as the engine matches them.
canon_name <- function(x) {
  if (!length(x)) return(character())
  .Call(C_sdvm_canon_names, as.character(x))
}

# The control variables, as the engine names them.
control_names <- c("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")

# Closest names, for "did you mean" hints.
near_names <- function(x, choices, n = 3) {
  if (!length(choices)) return(character())
  d <- utils::adist(canon_name(x), canon_name(choices))[1, ]
  choices[order(d)][seq_len(min(n, length(choices)))][sort(d)[seq_len(min(n, length(choices)))] <= max(2, nchar(x) / 3)]
}
