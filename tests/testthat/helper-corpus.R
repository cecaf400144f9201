# Every .mdl model of the corpus ($SDVM_CORPUS: the SDXorg test-models,
# WORLD3-03, C-LEARN), run with its own settings in one interpreter loop:
# a named list of results, or of the error each gives (class and message),
# so that two builds or two loops can be compared on all of it.
corpus_models <- function() {
  files <- list.files(sd_corpus(), pattern = "\\.mdl$", recursive = TRUE, full.names = TRUE,
                      ignore.case = TRUE)
  sort(files, method = "radix")
}

corpus_runs <- function(dispatch = "default", files = corpus_models()) {
  runs <- lapply(files, function(f) {
    tryCatch(sdvm:::sd_run(read_vensim(f), dispatch = dispatch),
             error = function(e) list(error = class(e)[1], message = conditionMessage(e)),
             warning = function(w) list(warning = class(w)[1], message = conditionMessage(w)))
  })
  names(runs) <- substring(files, nchar(sd_corpus()) + 2L)
  runs
}
