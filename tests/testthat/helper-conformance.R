# The SDXorg test-models conformance harness: every case with a model file
# and a reference output, read, simulated and compared under the rule in
# ../shared/models/README.md (see helper-reference.R).

conformance_cases <- function(ext = "mdl") {
  root <- corpus_path("test-models")
  dirs <- c(list.dirs(file.path(root, "tests"), recursive = FALSE),
            list.dirs(file.path(root, "samples"), recursive = FALSE))
  cases <- lapply(dirs, function(d) {
    models <- list.files(d, pattern = paste0("\\.", ext, "$"), full.names = TRUE, ignore.case = TRUE)
    if (!length(models)) return(NULL)
    refs <- list.files(d, pattern = "^output\\.(tab|csv)$", full.names = TRUE)
    if (!length(refs)) refs <- list.files(d, pattern = "\\.tab$", full.names = TRUE)
    if (!length(refs)) return(NULL)
    # prefer output.tab (Vensim) over output.csv
    refs <- refs[order(!grepl("\\.tab$", refs))]
    data.frame(case = paste0(basename(dirname(d)), "/", basename(d)), model = models[1], ref = refs[1])
  })
  do.call(rbind, cases)
}

# Run one case; returns list(status = "pass" | "fail" | "error", detail).
run_conformance_case <- function(model, ref) {
  out <- tryCatch({
    m <- read_model(model)
    simulate(m)
  }, error = function(e) e)
  if (inherits(out, "error")) {
    cls <- setdiff(class(out), c("sdvm_error", "error", "condition"))[1]
    return(list(status = "error", detail = sprintf("%s: %s", cls, conditionMessage(out))))
  }
  res <- tryCatch(compare_reference(out, read_reference(ref)), error = function(e) e)
  if (inherits(res, "error")) return(list(status = "fail", detail = conditionMessage(res)))
  if (res$ok) return(list(status = "pass", detail = sprintf("%d columns", res$n_columns)))
  f <- res$failures[1, ]
  list(status = "fail", detail = sprintf("%s at time %g: expected %g, got %g (%d columns fail)",
                                         f$column, f$time, f$expected, f$got, nrow(res$failures)))
}

run_conformance <- function(ext = "mdl") {
  cases <- conformance_cases(ext)
  res <- lapply(seq_len(nrow(cases)), function(i) run_conformance_case(cases$model[i], cases$ref[i]))
  cases$status <- vapply(res, `[[`, "", "status")
  cases$detail <- vapply(res, `[[`, "", "detail")
  cases
}
