# The SDXorg test-models conformance harness: every case with a model file
# and a reference output, read, simulated and compared under the rule in
# ../shared/models/README.md (see helper-reference.R).
#
# `ext` names the model files a case runs (e.g. "mdl", or
# c("xmile", "stmx", "itmx")).  With `per_file = FALSE` a folder is one
# case (its best-matching model file); with `per_file = TRUE` every model
# file of the folder is its own case, named folder/file, all compared with
# the folder's one reference (XMILE folders hold the same model as
# .xmile, .stmx and variants such as reciprocal dt, and all must agree).

conformance_cases <- function(ext = "mdl", per_file = FALSE) {
  root <- corpus_path("test-models")
  dirs <- c(list.dirs(file.path(root, "tests"), recursive = FALSE),
            list.dirs(file.path(root, "samples"), recursive = FALSE))
  cases <- lapply(dirs, function(d) {
    models <- list.files(d, pattern = paste0("\\.(", paste(ext, collapse = "|"), ")$"),
                         full.names = TRUE, ignore.case = TRUE)
    if (!length(models)) return(NULL)
    refs <- list.files(d, pattern = "^output\\.(tab|csv)$", full.names = TRUE)
    if (!length(refs)) refs <- list.files(d, pattern = "\\.tab$", full.names = TRUE)
    if (!length(refs)) return(NULL)
    # prefer output.tab (Vensim) over output.csv
    refs <- refs[order(!grepl("\\.tab$", refs))]
    if (per_file) {
      models <- sort(models, method = "radix")
      return(data.frame(case = paste0(basename(dirname(d)), "/", basename(d), "/", basename(models)),
                        model = models, ref = refs[1]))
    }
    # one case per folder: of several kinds of file, the first kind of `ext`
    # (.xmile before .stmx)
    kind <- match(tolower(tools::file_ext(models)), ext)
    models <- models[kind == min(kind)]
    data.frame(case = paste0(basename(dirname(d)), "/", basename(d)),
               model = pick_model(sort(models, method = "radix"), refs[1]), ref = refs[1])
  })
  do.call(rbind, cases)
}

# A case folder may hold several model files (get_time_value: a full
# model and the simple one its output comes from): take the one whose
# variables name the most reference columns, then the one with the fewest
# variables the reference lacks, then the first in C-locale order, so the
# choice depends on neither the locale nor the engine.
pick_model <- function(models, ref) {
  if (length(models) == 1) return(models)
  cols <- tryCatch(ref_canon(names(read_reference(ref))), error = function(e) character())
  found <- vapply(models, function(f) {
    lhs <- tryCatch({
      recs <- readLines(f, warn = FALSE)
      if (tolower(tools::file_ext(f)) == "mdl") {
        m <- regmatches(recs, regexpr("^[^~|:=(]+(?=(=|\\(|:))", recs, perl = TRUE))
        ref_canon(sub("\\[.*", "", m))
      } else {
        # XMILE: the names of the variables
        m <- regmatches(recs, regexpr('<(aux|flow|stock)[^>]* name="[^"]*"', recs))
        ref_canon(gsub("\\\\n", " ", sub('^.*name="([^"]*)"$', "\\1", m)))
      }
    }, error = function(e) character())
    lhs <- setdiff(unique(lhs), "")
    base <- unique(sub("\\[.*", "", cols))
    sum(base %in% lhs) - 1e-6 * sum(!lhs %in% base)
  }, 0)
  models[which.max(found)]
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

run_conformance <- function(ext = "mdl", per_file = FALSE) {
  cases <- conformance_cases(ext, per_file)
  res <- lapply(seq_len(nrow(cases)), function(i) run_conformance_case(cases$model[i], cases$ref[i]))
  cases$status <- vapply(res, `[[`, "", "status")
  cases$detail <- vapply(res, `[[`, "", "detail")
  cases
}

# The shared assertions of the conformance tests: print the table of
# `res` (from run_conformance()), then fail if a case listed in
# `pass_file` is missing or no longer passes; returns the listed cases.
expect_listed_cases_pass <- function(res, pass_file, label) {
  width <- max(nchar(res$case))
  lines <- sprintf("%-*s  %-5s  %s", width, res$case, res$status, substr(res$detail, 1, 110))
  message(paste(c(sprintf("%s conformance: %d of %d cases pass", label, sum(res$status == "pass"), nrow(res)),
                  lines), collapse = "\n"))
  expected <- readLines(testthat::test_path(pass_file))
  expected <- expected[nzchar(expected) & !startsWith(expected, "#")]
  testthat::expect_true(all(expected %in% res$case), info = "a listed case is missing from the corpus")
  now_failing <- res[res$case %in% expected & res$status != "pass", ]
  testthat::expect(nrow(now_failing) == 0,
                   paste(c("cases that passed before now fail:",
                           sprintf("%s: %s", now_failing$case, now_failing$detail)), collapse = "\n"))
  expected
}
