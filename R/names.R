# Vensim names are case-insensitive and treat runs of spaces and
# underscores as one space; this is the R twin of sd_canon_name() in
# src/sd_util.c, used to match names given by users.
canon_name <- function(x) {
  x <- gsub('^[[:space:]]*"|"[[:space:]]*$', "", x)
  x <- gsub("[[:space:]_]+", " ", x)
  x <- gsub(" *([][,]) *", "\\1", x)   # "a[x, y]" is "a[x,y]"
  tolower(trimws(x))
}

# The control variables, as the engine names them.
control_names <- c("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")

# Closest names, for "did you mean" hints.
near_names <- function(x, choices, n = 3) {
  if (!length(choices)) return(character())
  d <- utils::adist(canon_name(x), canon_name(choices))[1, ]
  choices[order(d)][seq_len(min(n, length(choices)))][sort(d)[seq_len(min(n, length(choices)))] <= max(2, nchar(x) / 3)]
}
