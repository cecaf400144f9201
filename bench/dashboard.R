# Dashboard responsiveness on C-LEARN (issue 14): the server side of each
# interaction, timed through shiny::testServer (wall time, this machine;
# medians of 5).  Not a test: it prints.
# Usage: SDVM_CORPUS=... Rscript bench/dashboard.R
library(sdvm)
path <- file.path(Sys.getenv("SDVM_CORPUS"), "clearn", "C-LEARN v77 for Vensim.mdl")
m <- read_vensim(path)
t_start <- system.time(parts <- sdvm:::dashboard_parts(m))[["elapsed"]]
app <- shiny::shinyApp(parts$ui, parts$server)
med <- function(f, n = 5) stats::median(vapply(seq_len(n), function(i) system.time(f())[["elapsed"]], 0))
cat(sprintf("C-LEARN dashboard: built (compiled, constants screened) in %.2f s\n", t_start))
info <- sdvm:::compiled(m)$vars
visible <- info$kind != "lookup" & !info$key %in% sdvm:::canon_name(sdvm:::control_names)
consts <- info$name[info$kind == "const" & visible]
vars <- c("Temperature change from preindustrial", "atm conc CO2")
shown <- sdvm:::constants_that_matter(m, consts, vars)
ids <- sprintf("p%d", match(shown, consts))
base <- unlist(sdvm:::base_values(m, shown[1]))
shiny::testServer(app, {
  session$setInputs(vars = vars, shown = shown)
  k <- 0
  set_first <- function() { k <<- k + 1; do.call(session$setInputs, stats::setNames(list(base * (1 + k / 100)), ids[1])) }
  t_slider <- med(function() { set_first(); result() })
  t_plot <- med(function() { set_first(); output$plot })
  session$setInputs(keep = 1)
  t_compare <- med(function() { set_first(); output$compare }, 3)
  t_diagram <- med(function() output$diagram, 3)
  t_sens <- med(function() { k <<- k + 1; session$setInputs(nsens = 100, run_sens = k); sens() }, 3)
  cat(sprintf(paste0("sliders shown at start: %d (%s, ...)\n",
                     "slider change -> new run: %.0f ms; with the plot drawn: %.0f ms\n",
                     "compare tab (one kept run + current): %.0f ms; diagram tab (view 1): %.0f ms\n",
                     "sensitivity tab, 100 runs: %.0f ms\n"),
              length(shown), paste(utils::head(shown, 3), collapse = "; "),
              1000 * t_slider, 1000 * t_plot, 1000 * t_compare, 1000 * t_diagram, 1000 * t_sens))
})
