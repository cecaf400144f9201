# Disassemble the compiled programs of every model in the corpus into one
# text file per model, so that a change meant to keep the bytecode (a
# refactoring of the compiler) can be checked with `diff -r`:
#
#   Rscript tools/bytecode.R /tmp/before     # on the old build
#   Rscript tools/bytecode.R /tmp/after      # on the new one
#   diff -r /tmp/before /tmp/after
suppressMessages(library(sdvm))
out <- commandArgs(TRUE)[1]
if (is.na(out)) stop("usage: Rscript tools/bytecode.R <output directory>")
corpus <- Sys.getenv("SDVM_CORPUS", "../shared/models")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
files <- list.files(corpus, pattern = "\\.(mdl|xmile|stmx)$", recursive = TRUE,
                    full.names = TRUE, ignore.case = TRUE)
n <- 0
for (f in files) {
  m <- tryCatch(suppressWarnings(suppressMessages(
    if (grepl("mdl$", f, ignore.case = TRUE)) read_vensim(f) else read_xmile(f))),
    error = function(e) NULL)
  if (is.null(m)) next
  txt <- tryCatch(capture.output(sdvm:::sd_disasm(m)),
                  error = function(e) paste("ERROR", conditionMessage(e)))
  rel <- substring(normalizePath(f), nchar(normalizePath(corpus)) + 2)
  writeLines(txt, file.path(out, paste0(gsub("[/ ]", "_", rel), ".txt")))
  n <- n + 1
}
cat(n, "models disassembled into", out, "\n")
