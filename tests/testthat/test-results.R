# Shapes of results, variable selection, the non-finite warning, plots.

test_that("tidy results have a row per time and variable, subscripts in columns", {
  m <- arrayed_model()
  long <- simulate(m)
  tidy <- simulate(m, format = "tidy", vars = "Pop")
  expect_identical(names(tidy), c("time", "variable", "subscript1", "value"))
  expect_identical(tidy$variable, rep("Pop", 6))
  expect_identical(tidy$subscript1, rep(c("north", "south"), each = 3))
  expect_identical(tidy$value, c(long$`Pop[north]`, long$`Pop[south]`))
  expect_equal(tidy$value, c(100, 110, 121, 100, 120, 144))
  # scalars and arrays together: NA subscripts for scalars
  t2 <- simulate(teacup_model(), format = "tidy", saveper = 10)
  expect_identical(names(t2), c("time", "variable", "value"))
  expect_identical(unique(t2$variable), c("Teacup Temperature", "Heat Loss to Room",
                                          "Room Temperature", "Characteristic Time"))
  expect_s3_class(t2, "sdvm_result")
  expect_identical(class(as.data.frame(t2)), "data.frame")
})

test_that("vars takes Vensim-style names, whole arrays, elements and wildcards", {
  m <- arrayed_model()
  expect_identical(names(simulate(m, vars = "pop")), c("time", "Pop[north]", "Pop[south]"))
  expect_identical(names(simulate(m, vars = "POP[ South ]")), c("time", "Pop[south]"))
  expect_identical(names(simulate(m, vars = "*[north]")), c("time", "Growth[north]", "Pop[north]"))
  expect_identical(names(simulate(m, vars = "Pop[*]")), c("time", "Pop[north]", "Pop[south]"))
  m2 <- teacup_model()
  expect_identical(names(simulate(m2, vars = c("heat_loss*", "?oom temperature"))),
                   c("time", "Heat Loss to Room", "Room Temperature"))
  expect_error(simulate(m2, vars = "nothing*"), class = "sdvm_name_error")
  expect_error(simulate(m, vars = "Pop[east]"), class = "sdvm_name_error")
})

test_that("a value becoming non-finite warns once, naming the first variable and time", {
  m <- sd_model(stop = 10, dt = 1) |>
    sd_stock("x", 1, inflows = "g") |>
    sd_flow("g", "IF THEN ELSE(Time >= 4, 1 / 0, 0)") |>
    sd_aux("y", "IF THEN ELSE(Time >= 6, LN(-1), 0)")
  ws <- list()
  out <- withCallingHandlers(simulate(m),
                             warning = function(w) { ws[[length(ws) + 1]] <<- w; invokeRestart("muffleWarning") })
  expect_length(ws, 1)
  expect_s3_class(ws[[1]], "sdvm_nonfinite_warning")
  expect_identical(ws[[1]]$variable, "g")
  expect_identical(ws[[1]]$time, 4)
  expect_match(conditionMessage(ws[[1]]), "'g' is Inf at time 4")
  expect_true(is.infinite(out$x[6]))
  # a batch warns once too, naming the run
  ws <- list()
  withCallingHandlers(simulate(m, params = data.frame(x = c(1, 2))),
                      warning = function(w) { ws[[length(ws) + 1]] <<- w; invokeRestart("muffleWarning") })
  expect_length(ws, 1)
  expect_match(conditionMessage(ws[[1]]), "in run 1")
  expect_silent(simulate(teacup_model()))
})

test_that("plots draw runs and bands with base graphics", {
  m <- teacup_model()
  f <- tempfile(fileext = ".pdf")
  grDevices::pdf(f)
  on.exit({ grDevices::dev.off(); unlink(f) })
  withr::local_options(list(sdvm.base_graphics = TRUE))   # (ggplot2 draws otherwise: test-plots.R)
  one <- simulate(m)
  expect_identical(plot(one, vars = c("teacup temperature", "Room Temperature")), one)
  expect_equal(graphics::par("usr")[1:2], c(0, 30) + c(-1, 1) * 0.04 * 30)
  runs <- simulate(m, params = data.frame(`Room Temperature` = c(0, 50, 100), check.names = FALSE))
  expect_identical(plot(runs, vars = "Teacup Temperature", style = "bands"), runs)
  # the y axis spans the bands: from the lowest 5% quantile to 180
  b <- sd_bands(runs, "Teacup Temperature")
  expect_equal(graphics::par("usr")[3:4], range(unclass(b)[-1]) + c(-1, 1) * 0.04 * diff(range(unclass(b)[-1])))
  expect_error(plot(one, vars = "nope"), class = "sdvm_name_error")
  expect_error(plot(simulate(m, format = "tidy")), class = "sdvm_run_error")
})
