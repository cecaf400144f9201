# The Shiny dashboard: its server logic (shiny::testServer), then the whole
# app in a real browser (headless Chromium driven by shinytest2).

dashboard_model <- function() teacup_model()

test_that("the dashboard has a slider per constant and re-runs on change", {
  skip_if_not_installed("shiny")
  m <- dashboard_model()
  app <- run_dashboard(m, ranges = list(`Room Temperature` = c(0, 100)))
  expect_s3_class(app, "shiny.appobj")
  html <- as.character(sdvm:::dashboard_parts(m, ranges = list(`Room Temperature` = c(0, 100)))$ui)
  expect_match(html, "Room Temperature")
  expect_match(html, "Characteristic Time")
  shiny::testServer(app, {
    session$setInputs(shown = c("Room Temperature", "Characteristic Time"), p1 = 70, p2 = 10,
                      vars = "Teacup Temperature")
    expect_match(as.character(output$sliders$html), 'data-max="100"')
    r1 <- result()
    session$setInputs(p1 = 20)
    r2 <- result()
    expect_identical(r2$`Teacup Temperature`,
                     simulate(m, params = list(`Room Temperature` = 20, `Characteristic Time` = 10),
                              vars = "Teacup Temperature")$`Teacup Temperature`)
    expect_lt(r2$`Teacup Temperature`[241], r1$`Teacup Temperature`[241])
  })
  expect_error(run_dashboard(m, params = "nope"), class = "sdvm_name_error")
  expect_error(run_dashboard(m, ranges = list(`Room Temperature` = c(5, 1))), class = "sdvm_param_error")
})

test_that("the sliders shown are the constants that matter: annotated ranges, else sensitivity", {
  skip_if_not_installed("shiny")
  m <- teacup_model() |> sd_const("unused constant", 3)
  picked <- sdvm:::constants_that_matter(m, c("Room Temperature", "Characteristic Time", "unused constant"),
                                         "Teacup Temperature")
  expect_setequal(picked, c("Room Temperature", "Characteristic Time"))   # the unused one moves nothing
  f <- tempfile(fileext = ".mdl")
  writeLines(c("Level = INTEG(inflow, 0) ~ Widgets ~ |", "inflow = rate * a * b * c ~ Widgets/Month ~ |",
               "rate = 5 ~ Widgets/Month [0,20,0.5] ~ |", "a = 1 ~ Dmnl [0,2] ~ |", "b = 1 ~ Dmnl [0.5,1.5,0.1] ~ |",
               "c = 1 ~ Dmnl ~ |",
               "INITIAL TIME = 0 ~ Month ~ |", "FINAL TIME = 10 ~ Month ~ |", "TIME STEP = 1 ~ Month ~ |",
               "SAVEPER = 1 ~ Month ~ |"), f)
  mv <- read_vensim(f)
  expect_equal(sdvm:::range_annotations(mv)[["rate"]], c(0, 20, 0.5))
  expect_setequal(sdvm:::constants_that_matter(mv, c("rate", "a", "b", "c"), "Level"), c("rate", "a", "b"))
  app <- run_dashboard(mv)
  shiny::testServer(app, {
    session$setInputs(shown = c("rate", "a", "b"), vars = "Level")
    html <- as.character(output$sliders$html)
    expect_match(html, "rate \\(Widgets/Month\\)")                 # the units in the label
    expect_match(html, 'data-min="0" data-max="20" data-from="5" data-step="0.5"')
    expect_match(html, 'data-min="0.5" data-max="1.5" data-from="1" data-step="0.1"')
  })
})

test_that("sliders are grouped by the view that shows their constant", {
  skip_if_no_corpus()
  skip_if_not_installed("shiny")
  m <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  app <- run_dashboard(m, params = c("reproductive lifetime", "desired completed family size normal"))
  shiny::testServer(app, {
    session$setInputs(shown = c("reproductive lifetime", "desired completed family size normal"),
                      vars = "population")
    html <- as.character(output$sliders$html)
    # both in WORLD3's views: Demographics shows the first, Fertility the second
    expect_match(html, '<h5 class="view-group">Demographics</h5>')
    expect_match(html, '<h5 class="view-group">Fertility</h5>')
    expect_lt(regexpr("Demographics", html), regexpr("reproductive lifetime", html))
  })
})

test_that("runs can be kept, compared, analysed for sensitivity and downloaded; the diagram picks outputs", {
  skip_if_not_installed("shiny")
  m <- dashboard_model()
  app <- run_dashboard(m, ranges = list(`Room Temperature` = c(0, 100)))
  shiny::testServer(app, {
    session$setInputs(shown = c("Room Temperature", "Characteristic Time"), p1 = 70, p2 = 10,
                      vars = "Teacup Temperature")
    session$setInputs(keep = 1)
    session$setInputs(p1 = 20)
    expect_equal(names(kept()), "run 1")
    expect_equal(kept()[[1]]$params$`Room Temperature`, 70)
    csv <- output$download
    d <- utils::read.csv(csv, check.names = FALSE)
    expect_equal(unique(d$scenario), c("run 1", "current"))
    expect_equal(d$`Teacup Temperature`[d$scenario == "current"],
                 simulate(m, params = list(`Room Temperature` = 20, `Characteristic Time` = 10),
                          vars = "Teacup Temperature")$`Teacup Temperature`)
    session$setInputs(nsens = 20, run_sens = 1)
    expect_equal(length(unique(sens()$run)), 20L)
    expect_true(all(sens()$`Teacup Temperature`[sens()$time == 0] == 180))
    session$setInputs(clear = 1)
    expect_length(kept(), 0)
  })
  # a click on the diagram: the nearest plottable variable
  el <- data.frame(name = c("Teacup Temperature", "Heat Loss to Room", ""), x = c(300, 400, 500),
                   y = c(200, 200, 200))
  expect_equal(sdvm:::nearest_variable(el, 390, -210, c("Teacup Temperature", "Heat Loss to Room")),
               "Heat Loss to Room")
  expect_true(is.na(sdvm:::nearest_variable(el, 390, -210, "other")))
})

test_that("in a browser, moving a slider changes the plotted run as the model says", {
  skip_on_cran()
  skip_if_not_installed("shiny")
  skip_if_not_installed("shinytest2")
  skip_if_not_installed("chromote")
  skip_if_not_installed("igraph")        # the diagram of a model built in R
  chrome <- Sys.getenv("CHROMOTE_CHROME", "/usr/bin/chromium")
  skip_if_not(file.exists(chrome), "no Chromium (apt-get install chromium)")
  old_env <- Sys.getenv(c("CHROMOTE_CHROME", "R_LIBS"), unset = NA)
  Sys.setenv(CHROMOTE_CHROME = chrome,
             R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep))  # the app's R finds sdvm
  on.exit(for (k in names(old_env))
    if (is.na(old_env[[k]])) Sys.unsetenv(k) else do.call(Sys.setenv, as.list(old_env[k])), add = TRUE)
  old_args <- chromote::set_chrome_args(c("--no-sandbox", "--headless", "--disable-gpu",
                                          "--disable-dev-shm-usage"))
  on.exit(chromote::set_chrome_args(old_args), add = TRUE)

  m <- dashboard_model()
  app <- shinytest2::AppDriver$new(run_dashboard(m, ranges = list(`Room Temperature` = c(0, 100))),
                                   name = "dashboard", load_timeout = 60000, timeout = 30000)
  on.exit(app$stop(), add = TRUE)
  final_of <- function(room) {
    out <- simulate(m, params = list(`Room Temperature` = room, `Characteristic Time` = 10),
                    vars = "Teacup Temperature")
    out$`Teacup Temperature`[nrow(out)]
  }
  before <- app$get_value(export = "final")
  expect_equal(before$`Teacup Temperature`, final_of(70))
  img_before <- app$get_value(output = "plot")$src
  app$set_inputs(p1 = 25)
  after <- app$get_value(export = "final")
  expect_identical(app$get_value(export = "params")$`Room Temperature`, 25L)
  expect_equal(after$`Teacup Temperature`, final_of(25))
  expect_lt(after$`Teacup Temperature`, before$`Teacup Temperature`)
  # the plot was redrawn
  expect_false(identical(app$get_value(output = "plot")$src, img_before))
  # every tab shows its picture; screenshots go to _screenshots/ for review
  # (not committed)
  shots <- file.path(getwd(), "_screenshots")
  dir.create(shots, showWarnings = FALSE)
  unlink(file.path(shots, "dashboard-*.png"))          # (shinytest2 does not overwrite)
  app$get_screenshot(file.path(shots, "dashboard-run.png"))
  app$click("keep")
  app$set_inputs(p1 = 60)
  expect_equal(app$get_value(export = "kept"), "run 1")
  # a click on the diagram near a variable puts it among the outputs
  app$set_inputs(vars = "Teacup Temperature")
  el <- attr(sd_diagram(m), "elements")
  at <- el[el$name == "Heat Loss to Room" & el$type == "variable", ]
  app$set_inputs(diagram_click = list(x = at$x + 3, y = -(at$y - 2)), allow_no_input_binding_ = TRUE)
  app$wait_for_idle(duration = 300, timeout = 30000)
  expect_true("Heat Loss to Room" %in% app$get_value(input = "vars"))
  for (tab in c("Compare", "Diagram", "Sensitivity")) {
    app$set_inputs(tab = tab)
    if (tab == "Sensitivity") app$click("run_sens")
    app$wait_for_idle(duration = 500, timeout = 30000)
    out <- c(Compare = "compare", Diagram = "diagram", Sensitivity = "sensitivity")[[tab]]
    expect_match(app$get_value(output = out)$src, "^data:image/png")
    app$get_screenshot(file.path(shots, sprintf("dashboard-%s.png", tolower(tab))))
  }
})

test_that("on C-LEARN, in a browser, every part of the dashboard answers (timings reported, not asserted)", {
  skip_on_cran()
  skip_if_no_corpus()
  skip_if_not_installed("shiny")
  skip_if_not_installed("shinytest2")
  skip_if_not_installed("chromote")
  chrome <- Sys.getenv("CHROMOTE_CHROME", "/usr/bin/chromium")
  skip_if_not(file.exists(chrome), "no Chromium (apt-get install chromium)")
  old_env <- Sys.getenv(c("CHROMOTE_CHROME", "R_LIBS"), unset = NA)
  Sys.setenv(CHROMOTE_CHROME = chrome, R_LIBS = paste(.libPaths(), collapse = .Platform$path.sep))
  on.exit(for (k in names(old_env))
    if (is.na(old_env[[k]])) Sys.unsetenv(k) else do.call(Sys.setenv, as.list(old_env[k])), add = TRUE)
  old_args <- chromote::set_chrome_args(c("--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"))
  on.exit(chromote::set_chrome_args(old_args), add = TRUE)
  m <- read_vensim(corpus_path("clearn", "C-LEARN v77 for Vensim.mdl"))
  t0 <- proc.time()[["elapsed"]]
  app <- shinytest2::AppDriver$new(run_dashboard(m), name = "dashboard-clearn", load_timeout = 120000,
                                   timeout = 60000, width = 1400, height = 1000)
  on.exit(app$stop(), add = TRUE)
  # (the sliders' list arrives by a server-side update after the first
  # idle moment; wait for it rather than race it)
  shown <- app$wait_for_value(input = "shown", ignore = list(NULL, "", character(0)), timeout = 60000)
  t_open <- proc.time()[["elapsed"]] - t0
  expect_gte(length(shown), 3L)
  info <- sdvm:::compiled(m)$vars
  consts <- info$name[info$kind == "const" & !info$key %in% sdvm:::canon_name(sdvm:::control_names)]
  id <- sprintf("p%d", match(shown[1], consts))
  before <- app$wait_for_value(export = "final", ignore = list(NULL), timeout = 60000)
  lapse <- function(expr) { t <- proc.time()[["elapsed"]]; force(expr); app$wait_for_idle(duration = 200, timeout = 60000)
                            proc.time()[["elapsed"]] - t }
  new_value <- app$get_value(input = id) * 1.2 + 1
  t_slider <- lapse(app$set_inputs(!!id := new_value))
  expect_false(identical(app$get_value(export = "params")[[shown[1]]], before))
  t_keep <- lapse(app$click("keep"))
  t_tabs <- vapply(c("Compare", "Diagram", "Sensitivity"), function(tab) lapse(app$set_inputs(tab = tab)), 0)
  t_sens <- lapse({ app$set_inputs(nsens = 50); app$click("run_sens") })
  expect_match(app$get_value(output = "sensitivity")$src, "^data:image/png")
  shots <- file.path(getwd(), "_screenshots")
  dir.create(shots, showWarnings = FALSE)
  unlink(file.path(shots, "clearn-*.png"))
  app$get_screenshot(file.path(shots, "clearn-sensitivity.png"))
  message(sprintf(paste0("C-LEARN dashboard in Chromium: open %.1f s; slider %.2f s; keep %.2f s; ",
                         "Compare %.2f s, Diagram %.2f s, Sensitivity tab %.2f s; 50-run sensitivity %.2f s"),
                  t_open, t_slider, t_keep, t_tabs[1], t_tabs[2], t_tabs[3], t_sens))
})
