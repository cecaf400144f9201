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
  expect_match(html, 'data-max="100"')
  shiny::testServer(app, {
    session$setInputs(p1 = 70, p2 = 10, vars = "Teacup Temperature")
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

test_that("in a browser, moving a slider changes the plotted run as the model says", {
  skip_on_cran()
  skip_if_not_installed("shiny")
  skip_if_not_installed("shinytest2")
  skip_if_not_installed("chromote")
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
})
