# A Shiny dashboard for a model: sliders for the constants that matter,
# plots of the chosen outputs redrawn on every change, the model's
# diagram (click a variable to plot it), kept runs to compare, a
# sensitivity tab (a Latin hypercube batch drawn as bands) and the runs as
# CSV.  The model is compiled once when the app is made; every re-run
# reuses the compiled program with new overrides, so even large models
# stay interactive.

#' Explore a model in a Shiny dashboard
#'
#' Builds a Shiny app with sliders for the model's constants, a choice of
#' outputs, and a plot redrawn whenever a slider moves (each change
#' re-runs the compiled model).  The sliders shown at start are the
#' constants that matter: those with a Vensim range annotation in their
#' units (`[min,max,step]`, which also sets the slider), else the
#' constants the outputs are most sensitive to (one batch of runs with
#' each constant moved by 10%; constants that change nothing, such as unit
#' conversions, are left out).  Any constant can be added by searching for
#' it; the sliders are grouped by the view of the diagram that shows
#' their constant, and labelled with its units.  Other tabs: the model's diagram (click a variable to plot it), the
#' kept runs compared with the current one, a sensitivity analysis (a
#' Latin hypercube over the sliders' ranges, drawn as bands), and a
#' download of the runs as CSV.
#'
#' The app exports test values (see [shiny::exportTestValues()]): `params`
#' (the slider values, named as the model's constants), `final` (the value
#' of each plotted output at the final time) and `kept` (the names of the
#' kept runs).
#'
#' @param model A model.
#' @param params Names of the constants to give sliders at start (default:
#'   the constants that matter, as above, at most 12).
#' @param vars Outputs offered for plotting; the first (up to three) are
#'   shown at start.  Default: all variables, stocks first.
#' @param ranges Named list of slider ranges `c(min, max)`; by default the
#'   range annotation, else from 0 to twice the model's value (or around it
#'   when negative or 0).
#' @return A Shiny app object (class `shiny.appobj`).
#' @export
#' @examples
#' m <- sd_model(stop = 30, dt = 0.25) |>
#'   sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss") |>
#'   sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
#'   sd_const("Room Temperature", 70) |>
#'   sd_const("Characteristic Time", 10)
#' app <- run_dashboard(m, ranges = list("Room Temperature" = c(0, 100)))
#' if (interactive()) app
run_dashboard <- function(model, params = NULL, vars = NULL, ranges = NULL) {
  parts <- dashboard_parts(model, params, vars, ranges)
  shiny::shinyApp(parts$ui, parts$server)
}

# The dashboard's page and server function.
dashboard_parts <- function(model, params = NULL, vars = NULL, ranges = NULL) {
  check_model(model)
  if (!requireNamespace("shiny", quietly = TRUE))
    sdvm_abort("run_dashboard() needs the 'shiny' package.", "sdvm_run_error")
  info <- compiled(model)$vars
  visible <- info$kind != "lookup" & !info$key %in% canon_name(control_names)
  consts <- info$name[info$kind == "const" & visible]
  if (is.null(vars)) vars <- info$name[visible][order(info$kind[visible] != "stock")]
  vars <- info$name[unlist(match_var_patterns(vars, info))]
  if (is.null(params)) params <- constants_that_matter(model, consts, utils::head(vars, 3))
  params <- info$name[unlist(match_var_patterns(params, info))]
  if (anyNA(params) || anyNA(vars))
    sdvm_abort("`params` and `vars` must name variables of the model.", "sdvm_name_error")
  base <- if (length(consts)) unlist(base_values(model, consts)) else double()
  names(base) <- consts
  annotated <- range_annotations(model)
  # a slider's range and step: given, else the range annotation, else
  # around the model's value
  bounds <- function(nm) {
    given <- ranges[[nm]]
    ann <- annotated[[canon_name(nm)]]
    r <- slider_range(base[[nm]], if (!is.null(given)) given else if (!is.null(ann)) ann[1:2])
    step <- if (is.null(given) && !is.null(ann) && !is.na(ann[3])) ann[3] else signif((r[2] - r[1]) / 200, 2)
    c(r, step)
  }
  for (nm in names(ranges)) if (nm %in% consts) bounds(nm)      # (bad ranges fail here, not in the app)
  um <- model_units(model)
  slider_of <- function(nm) {
    b <- bounds(nm)
    u <- um$units[match(canon_name(nm), um$keys)]
    label <- if (is.na(u)) nm else sprintf("%s (%s)", nm, u)
    shiny::sliderInput(sprintf("p%d", match(nm, consts)), label, min = b[1], max = b[2], value = base[[nm]], step = b[3])
  }
  all_views <- tryCatch(model_views(model), error = function(e) list())
  views <- names(all_views)
  # the view each constant is drawn in (its first), to group the sliders
  view_of <- stats::setNames(rep(NA_character_, length(consts)), consts)
  for (vn in rev(views)) {
    hit <- canon_name(consts) %in% canon_name(all_views[[vn]]$elements$name)
    view_of[hit] <- vn
  }
  sliders_grouped <- function(shown) {
    if (!length(shown)) return(NULL)
    groups <- view_of[shown]
    groups[is.na(groups)] <- if (length(views)) "Not in a view" else ""
    lapply(unique(groups), function(g) shiny::tagList(if (nzchar(g)) shiny::h5(g, class = "view-group"),
                                                      lapply(shown[groups == g], slider_of)))
  }

  ui <- shiny::fluidPage(
    shiny::titlePanel(if (is.null(model$name)) "sdvm model" else model$name),
    shiny::sidebarLayout(
      shiny::sidebarPanel(
        # (choices sent by the server: C-LEARN has hundreds of constants and
        # thousands of outputs)
        shiny::selectizeInput("shown", "Sliders for (type to search)", choices = params, selected = params,
                              multiple = TRUE),
        shiny::uiOutput("sliders"),
        shiny::selectizeInput("vars", "Outputs", choices = utils::head(vars, 3), selected = utils::head(vars, 3),
                              multiple = TRUE),
        shiny::actionButton("keep", "Keep this run"),
        shiny::actionButton("clear", "Clear kept runs"),
        shiny::downloadButton("download", "Runs as CSV"),
        width = 3),
      shiny::mainPanel(
        shiny::tabsetPanel(id = "tab",
          shiny::tabPanel("Run", shiny::plotOutput("plot", height = "520px"), shiny::textOutput("timing")),
          shiny::tabPanel("Diagram",
            if (length(views)) shiny::selectInput("view", "View", choices = views) else NULL,
            shiny::plotOutput("diagram", height = "600px", click = "diagram_click"),
            shiny::helpText("Click a variable to plot it.")),
          shiny::tabPanel("Compare", shiny::plotOutput("compare", height = "520px")),
          shiny::tabPanel("Sensitivity",
            shiny::numericInput("nsens", "Runs (a Latin hypercube over the sliders' ranges)", 100, 10, 5000, 10),
            shiny::actionButton("run_sens", "Run"),
            shiny::plotOutput("sensitivity", height = "480px"))),
        width = 9)
    )
  )

  server <- function(input, output, session) {
    shiny::updateSelectizeInput(session, "shown", choices = consts, selected = params, server = TRUE)
    shiny::updateSelectizeInput(session, "vars", choices = vars, selected = utils::head(vars, 3), server = TRUE)
    kept <- shiny::reactiveVal(list())
    output$sliders <- shiny::renderUI(sliders_grouped(input$shown))
    current <- shiny::reactive({
      shown <- input$shown
      vals <- lapply(shown, function(nm) input[[sprintf("p%d", match(nm, consts))]])
      ok <- !vapply(vals, is.null, NA)
      stats::setNames(vals[ok], shown[ok])
    })
    result <- shiny::reactive({
      shiny::req(length(input$vars) > 0)
      t0 <- proc.time()[["elapsed"]]
      out <- simulate(model, params = current(), vars = input$vars)
      attr(out, "elapsed") <- proc.time()[["elapsed"]] - t0
      out
    })
    # the live plot in base graphics: a slider must answer at once, and
    # drawing a ggplot takes ten times as long (C-LEARN: about 250 ms
    # against 25 ms, bench/dashboard.R)
    output$plot <- shiny::renderPlot({
      op <- options(sdvm.base_graphics = TRUE)
      on.exit(options(op))
      plot(result(), vars = input$vars)
    })
    output$timing <- shiny::renderText(sprintf("run in %.1f ms", 1000 * attr(result(), "elapsed")))
    shiny::observeEvent(input$keep, {
      runs <- kept()
      runs[[sprintf("run %d", length(runs) + 1L)]] <- list(params = current())
      kept(runs)
    })
    shiny::observeEvent(input$clear, kept(list()))
    output$compare <- shiny::renderPlot({
      runs <- kept()
      shiny::validate(shiny::need(length(runs) > 0, "Keep a run (the button on the left) to compare it with the current one."))
      outs <- lapply(runs, function(r) simulate(model, params = r$params, vars = input$vars))
      outs$current <- result()
      plot(sd_compare(outs), vars = input$vars)
    })
    output$diagram <- shiny::renderPlot({
      shiny::validate(shiny::need(requireNamespace("ggplot2", quietly = TRUE), "The diagram needs ggplot2."))
      print(sd_diagram(model, view = if (length(views)) input$view %||% 1 else 1))
    })
    shiny::observeEvent(input$diagram_click, {
      p <- sd_diagram(model, view = if (length(views)) input$view %||% 1 else 1)
      hit <- nearest_variable(attr(p, "elements"), input$diagram_click$x, input$diagram_click$y, vars)
      if (is.na(hit)) return()
      shiny::updateSelectizeInput(session, "vars", choices = vars, selected = unique(c(hit, input$vars)), server = TRUE)
      shiny::updateTabsetPanel(session, "tab", selected = "Run")
    })
    sens <- shiny::eventReactive(input$run_sens, {
      shown <- input$shown
      shiny::validate(shiny::need(length(shown) > 0, "Choose constants with sliders first."))
      rng <- lapply(shown, function(nm) bounds(nm)[1:2])
      names(rng) <- shown
      simulate(model, params = sd_lhs(input$nsens, rng, seed = 1), vars = input$vars, progress = FALSE)
    })
    output$sensitivity <- shiny::renderPlot(plot(sens(), vars = input$vars, style = "bands"))
    output$download <- shiny::downloadHandler(
      filename = function() paste0(if (is.null(model$name)) "sdvm" else model$name, "-runs.csv"),
      content = function(file) {
        runs <- kept()
        outs <- c(lapply(runs, function(r) simulate(model, params = r$params, vars = input$vars)),
                  list(current = result()))
        utils::write.csv(as.data.frame(sd_compare(outs)), file, row.names = FALSE)
      })
    shiny::exportTestValues(
      params = current(),
      final = { r <- result(); lapply(unclass(r)[input$vars], function(x) x[length(x)]) },
      kept = names(kept())
    )
  }
  list(ui = ui, server = server)
}

`%||%` <- function(a, b) if (is.null(a)) b else a

# The plottable variable drawn nearest a click on a diagram (whose y axis
# runs downwards, so a click's y is the negative of the sketch's).
nearest_variable <- function(el, x, y, vars) {
  el <- el[nzchar(el$name) & canon_name(el$name) %in% canon_name(vars), , drop = FALSE]
  if (!nrow(el)) return(NA_character_)
  d <- (el$x - x)^2 + (el$y + y)^2
  vars[match(canon_name(el$name[which.min(d)]), canon_name(vars))]
}

# The constants with a Vensim range annotation in their units
# ("Person [0,100,1]", "[0,?]"): by canonical name, c(min, max, step)
# with NA where the annotation gives none.
range_annotations <- function(model) {
  out <- list()
  for (v in model$vars) {
    u <- v$units
    if (is.null(u) || !length(u) || !grepl("\\[[^]]*\\]", u[1])) next
    inside <- sub("^.*\\[([^]]*)\\].*$", "\\1", u[1])
    parts <- suppressWarnings(as.numeric(trimws(strsplit(inside, ",")[[1]])))
    if (length(parts) >= 2 && !is.na(parts[1]) && !is.na(parts[2]) && parts[1] < parts[2])
      out[[canon_name(v$name)]] <- c(parts[1], parts[2], if (length(parts) >= 3) parts[3] else NA)
  }
  out
}

# The constants worth a slider: those with a range annotation, else
# those whose 10% change moves the outputs' final values most (one batch;
# constants that move nothing are left out).
constants_that_matter <- function(model, consts, outputs, n = 12) {
  if (!length(consts)) return(character())
  ann <- range_annotations(model)
  marked <- consts[canon_name(consts) %in% names(ann)]
  if (length(marked) >= 3) return(utils::head(marked, n))
  base <- unlist(base_values(model, consts))
  screen <- consts[base != 0 & is.finite(base)]
  if (!length(screen) || !length(outputs)) return(utils::head(c(marked, consts), n))
  design <- as.data.frame(matrix(rep(base[screen], each = length(screen) + 1L), ncol = length(screen)))
  names(design) <- screen
  for (j in seq_along(screen)) design[j + 1L, j] <- base[[screen[j]]] * 1.1
  runs <- tryCatch(simulate(model, params = design, vars = outputs, progress = FALSE), error = function(e) NULL)
  if (is.null(runs)) return(utils::head(c(marked, consts), n))
  last <- do.call(rbind, lapply(split(as.data.frame(runs), runs$run), function(r) unlist(r[nrow(r), outputs])))
  ref <- last[1, ]
  effect <- apply(last[-1, , drop = FALSE], 1, function(x) sum(abs(x - ref) / pmax(abs(ref), 1e-12), na.rm = TRUE))
  ranked <- screen[order(-effect)][sort(-effect) < 0]
  utils::head(unique(c(marked, ranked)), n)
}

# Slider range: given, or from 0 to twice the value (around it if <= 0).
slider_range <- function(value, given = NULL) {
  if (!is.null(given)) {
    if (!is.numeric(given) || length(given) != 2 || any(!is.finite(given)) || given[1] >= given[2])
      sdvm_abort("A slider range must be c(min, max) with min < max.", "sdvm_param_error")
    return(range(c(given, value)))
  }
  if (value > 0) c(0, 2 * value) else if (value < 0) c(2 * value, 0) else c(-1, 1)
}
