# Plots of results (ggplot2 when installed, base graphics otherwise) and
# the printed forms of models and results.

tea <- function() {
  sd_model(stop = 30, dt = 0.25, time_units = "Minute") |>
    sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss", units = "Degrees") |>
    sd_flow("Heat Loss", "(Teacup Temperature - Room Temperature) / Characteristic Time",
            units = "Degrees/Minute") |>
    sd_const("Room Temperature", 70, units = "Degrees [0,200]") |>
    sd_const("Characteristic Time", 10, units = "Minute")
}

test_that("results carry the model's units and unit of time", {
  out <- simulate(tea())
  expect_equal(attr(out, "units")[["Teacup Temperature"]], "Degrees")
  expect_equal(attr(out, "units")[["Room Temperature"]], "Degrees")   # the range annotation dropped
  expect_equal(attr(out, "time_units"), "Minute")
  expect_null(attr(as.data.frame(out), "units"))
  skip_if_no_corpus()
  m <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  w <- simulate(m, vars = c("population", "food"), saveper = 50)
  expect_equal(attr(w, "time_units"), "year")
  expect_equal(unname(attr(w, "units")), c("Person", "Veg equiv kg/year"))
})

test_that("one run: a panel per variable with its units, free scales, the time unit on the axis", {
  skip_if_not_installed("ggplot2")
  out <- simulate(tea())
  p <- ggplot2::autoplot(out)
  b <- ggplot2::ggplot_build(p)
  expect_equal(nrow(b$layout$layout), 4L)                                # four variables, four panels
  expect_false(isTRUE(b$layout$facet_params$free$y == FALSE))            # each its own scale
  expect_equal(p$labels$x, "Time (Minute)")
  df <- sdvm:::plot_frame(out, c("Teacup Temperature", "Heat Loss"))
  expect_equal(unname(attr(df, "panels")), c("Teacup Temperature\n(Degrees)", "Heat Loss\n(Degrees/Minute)"))
  # one panel when asked
  one <- ggplot2::ggplot_build(ggplot2::autoplot(out, facet = FALSE, vars = c("Teacup Temperature", "Room Temperature")))
  expect_equal(nrow(one$layout$layout), 1L)
  expect_equal(length(unique(one$data[[1]]$colour)), 2L)
})

test_that("arrays: one line per element in the variable's panel", {
  skip_if_not_installed("ggplot2")
  out <- simulate(arrayed_model())
  cols <- setdiff(names(out), "time")
  p <- ggplot2::autoplot(out)
  b <- ggplot2::ggplot_build(p)
  base <- unique(sub("\\[.*$", "", cols))
  expect_equal(nrow(b$layout$layout), length(base))
  expect_equal(nrow(b$data[[1]]), nrow(out) * length(cols))
})

test_that("batches: bands of quantiles or a line per run, with a run picked out", {
  skip_if_not_installed("ggplot2")
  runs <- simulate(tea(), params = sd_lhs(30, list("Room Temperature" = c(0, 100)), seed = 1),
                   vars = "Teacup Temperature")
  b <- ggplot2::ggplot_build(ggplot2::autoplot(runs, highlight = 7))
  # 30 runs: bands by default (two ribbons and the median), then the highlighted run
  expect_equal(length(b$data), 4L)
  med <- b$data[[3]]
  bands <- sd_bands(runs, "Teacup Temperature")
  expect_equal(med$y, bands[["50%"]])
  hl <- b$data[[4]]
  expect_equal(hl$y, runs$`Teacup Temperature`[runs$run == 7])
  sp <- ggplot2::ggplot_build(ggplot2::autoplot(runs, style = "spaghetti"))
  expect_equal(length(unique(sp$data[[1]]$group)), 30L)
})

test_that("sweeps and comparisons: one line per setting or scenario, named in the legend", {
  skip_if_not_installed("ggplot2")
  s <- sd_sweep(tea(), list("Room Temperature" = c(20, 50, 80)), vars = "Teacup Temperature")
  p <- ggplot2::autoplot(s)
  b <- ggplot2::ggplot_build(p)
  expect_equal(length(unique(b$data[[1]]$colour)), 3L)
  expect_equal(levels(p$data$group), paste("Room Temperature =", c(20, 50, 80)))
  a <- simulate(tea()); c2 <- simulate(tea(), params = list("Room Temperature" = 20))
  both <- sd_compare(base = a, colder = c2, vars = "Teacup Temperature")
  expect_equal(unique(both$scenario), c("base", "colder"))
  expect_equal(both$`Teacup Temperature`[both$scenario == "colder"], c2$`Teacup Temperature`)
  pc <- ggplot2::autoplot(both)
  expect_equal(levels(pc$data$group), c("base", "colder"))
  expect_error(sd_compare(a), class = "sdvm_param_error")
  expect_error(sd_compare(a, simulate(tea(), nsim = 2, params = list("Room Temperature" = c(1, 2)))),
               "batch", class = "sdvm_param_error")
})

test_that("plot() draws with ggplot2 or, without it, base graphics, and returns the result", {
  out <- simulate(tea())
  f <- tempfile(fileext = ".png")
  grDevices::png(f, 800, 600)
  expect_identical(plot(out), out)
  withr::with_options(list(sdvm.base_graphics = TRUE), {
    expect_identical(plot(out), out)
    runs <- simulate(tea(), params = sd_lhs(25, list("Room Temperature" = c(0, 100)), seed = 1))
    expect_identical(plot(runs, highlight = 2), runs)
    expect_identical(plot(out, simulate(tea(), params = list("Room Temperature" = 20))), out)
  })
  grDevices::dev.off()
  expect_gt(file.size(f), 5000)
})

test_that("the main plot types look as they did (vdiffr snapshots)", {
  skip_if_not_installed("vdiffr")
  skip_if_not_installed("ggplot2")
  out <- simulate(tea())
  vdiffr::expect_doppelganger("one run, a panel per variable", ggplot2::autoplot(out))
  runs <- simulate(tea(), params = sd_lhs(30, list("Room Temperature" = c(0, 100)), seed = 1),
                   vars = "Teacup Temperature")
  vdiffr::expect_doppelganger("batch bands with a run picked out", ggplot2::autoplot(runs, highlight = 7))
  s <- sd_sweep(tea(), list("Room Temperature" = c(20, 50, 80)), vars = c("Teacup Temperature", "Heat Loss"))
  vdiffr::expect_doppelganger("a sweep of room temperature", ggplot2::autoplot(s))
  vdiffr::expect_doppelganger("base graphics, one run", function() {
    withr::with_options(list(sdvm.base_graphics = TRUE), plot(out, vars = c("Teacup Temperature", "Heat Loss")))
  })
})

test_that("printing a large model or result shows a short overview", {
  skip_if_no_corpus()
  m <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  txt <- format(m)
  expect_lt(length(txt), 20)
  expect_match(txt[1], "311 variables \\(15 stock, 163 aux, 78 const, 55 lookup\\)")
  expect_match(txt[2], "1900 to 2100 by 0.5.*\\(year\\)")
  expect_match(txt[length(txt)], "and 301 more")
  expect_equal(length(format(m, n = Inf)), length(txt) + 301 - 1)
  out <- simulate(m)
  printed <- capture.output(print(out))
  expect_lt(length(printed), 16)
  expect_match(printed[1], "<sdvm_result> 401 rows x 257 columns \\(1 run; time 1900 to 2100 \\(year\\)\\)")
  expect_true(all(nchar(printed[2:11]) <= getOption("width")))
  expect_match(printed[length(printed)], "391 more rows; [0-9]+ more columns")
})
