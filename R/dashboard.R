# A Shiny dashboard for a model: sliders for its constants, a plot of the
# chosen outputs, re-run on every change.  The model is compiled once when
# the app is made; every re-run reuses the compiled program with new
# overrides, so even large models stay interactive.

#' Explore a model in a Shiny dashboard
#'
#' Builds a Shiny app with one slider per constant (by default the model's
#' first 12 constants), a choice of outputs, and a plot that is redrawn
#' whenever a slider moves.  Each change re-runs the model with the new
#' values (a run reuses the compiled model).  Printing the app (or calling
#' `run_dashboard()` at the console) opens it; [shiny::runApp()] works too.
#'
#' The app exports test values (see [shiny::exportTestValues()]): `params`
#' (the slider values, named as the model's constants) and `final` (the
#' value of each plotted output at the final time).
#'
#' @param model A model.
#' @param params Names of the constants to give sliders.
#' @param vars Outputs offered for plotting; the first (up to three) are
#'   shown at start.  Default: all variables, stocks first.
#' @param ranges Named list of slider ranges `c(min, max)`; by default
#'   from 0 to twice the model's value (or around it when negative or 0).
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
  if (is.null(params)) params <- utils::head(info$name[info$kind == "const" & visible], 12)
  if (is.null(vars)) vars <- info$name[visible][order(info$kind[visible] != "stock")]
  params <- info$name[unlist(match_var_patterns(params, info))]
  vars <- info$name[unlist(match_var_patterns(vars, info))]
  if (anyNA(params) || anyNA(vars))
    sdvm_abort("`params` and `vars` must name variables of the model.", "sdvm_name_error")
  base <- if (length(params)) unlist(base_values(model, params)) else double()
  ids <- sprintf("p%d", seq_along(params))

  sliders <- lapply(seq_along(params), function(i) {
    r <- slider_range(base[[i]], ranges[[params[i]]])
    shiny::sliderInput(ids[i], params[i], min = r[1], max = r[2], value = base[[i]],
                       step = signif((r[2] - r[1]) / 200, 2))
  })
  ui <- shiny::fluidPage(
    shiny::titlePanel(if (is.null(model$name)) "sdvm model" else model$name),
    shiny::sidebarLayout(
      shiny::sidebarPanel(
        sliders,
        shiny::selectInput("vars", "Outputs", choices = vars, selected = utils::head(vars, 3),
                           multiple = TRUE)
      ),
      shiny::mainPanel(shiny::plotOutput("plot", height = "480px"), shiny::textOutput("timing"))
    )
  )
  server <- function(input, output, session) {
    result <- shiny::reactive({
      shiny::req(length(input$vars) > 0)
      p <- stats::setNames(lapply(ids, function(id) input[[id]]), params)
      t0 <- proc.time()[["elapsed"]]
      out <- simulate(model, params = p, vars = input$vars)
      attr(out, "elapsed") <- proc.time()[["elapsed"]] - t0
      out
    })
    output$plot <- shiny::renderPlot(plot(result(), vars = input$vars))
    output$timing <- shiny::renderText(sprintf("run in %.1f ms", 1000 * attr(result(), "elapsed")))
    shiny::exportTestValues(
      params = stats::setNames(lapply(ids, function(id) input[[id]]), params),
      final = { r <- result(); lapply(unclass(r)[input$vars], function(x) x[length(x)]) }
    )
  }
  list(ui = ui, server = server)
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
