# Stock-and-flow diagrams drawn from Vensim sketches: positions read back
# from the plot objects and compared with the sketch lines of the files.

layer_of <- function(b, p, geom) {
  k <- which(vapply(p$layers, function(l) inherits(l$geom, geom), NA))
  b$data[k]
}

test_that("WORLD3's Demographics view is drawn where its sketch puts it", {
  skip_if_no_corpus()
  skip_if_not_installed("ggplot2")
  m <- read_vensim(corpus_path("world3", "wrld3-03.mdl"))
  v <- sd_views(m)
  expect_equal(length(v), 14L)
  expect_equal(v[1:2], c("Title Page", "Demographics"))
  p <- sd_diagram(m, view = "Demographics")
  el <- attr(p, "elements")
  # from the file: 10,1,Population 0 To 14,356,480,61,29,3,3,...
  s <- el[el$name == "Population 0 To 14", ]
  expect_equal(c(s$x, s$y, s$w, s$h), c(356, 480, 61, 29))
  expect_equal(s$type, "stock")
  # the counts of the view's lines in the file, counted here apart from
  # the reader: stocks (10,...,3 in the shape field), valves (11,),
  # clouds (12,id,48,) and pipes (1, with 22 in the thickness field)
  lines <- readLines(corpus_path("world3", "wrld3-03.mdl"))
  from <- which(lines == "*Demographics")
  to <- from + which(startsWith(lines[(from + 1):length(lines)], "\\\\\\---///"))[1]
  sec <- lines[from:to]
  fields <- strsplit(sec[grepl("^[0-9]+,", sec)], ",")
  kind <- vapply(fields, `[`, "", 1)
  expect_equal(sum(el$type == "stock"), sum(kind == "10" & vapply(fields, `[`, "", 8) == "3"))
  expect_equal(sum(el$type == "valve"), sum(kind == "11"))
  expect_equal(sum(el$type == "cloud"), sum(kind == "12" & vapply(fields, `[`, "", 3) == "48"))
  expect_equal(sum(el$type == "stock"), 4L)
  # 10,17,Time,119,599,75,30,0,2,...: bits 2, a shadow
  expect_true(el$shadow[el$name == "Time"])
  expect_false(el$shadow[el$name == "births"])
  b <- ggplot2::ggplot_build(p)
  rects <- layer_of(b, p, "GeomRect")[[1]]
  # the stocks' boxes: centre +- half width and height (y drawn reversed)
  r <- rects[abs(rects$xmin - (356 - 61)) < 1e-9, ]
  expect_equal(nrow(r), 1L)
  expect_equal(r$xmax, 356 + 61)
  expect_equal(sort(-c(r$ymin, r$ymax)), c(480 - 29, 480 + 29))
  # the valves where the sketch puts them (11,3,0,618,578,...)
  pts <- do.call(rbind, layer_of(b, p, "GeomPoint"))
  expect_true(any(abs(pts$x - 618) < 1e-9 & abs(-pts$y - 578) < 1e-9))
  # the pipes run from valves to stocks: 1,50,27,1,4,0,0,22,... (valve 27 at 236,485 to stock 1)
  ar <- attr(p, "arrows")
  expect_equal(sum(ar$pipe), sum(kind == "1" & vapply(fields, `[`, "", 8) == "22"))
  expect_true(ar$head[ar$id == 50])
  expect_false(ar$head[ar$id == 51])
})

test_that("two SDXorg sample models are drawn from their sketches", {
  skip_if_no_corpus()
  skip_if_not_installed("ggplot2")
  sir <- read_vensim(corpus_path("test-models", "samples", "SIR", "SIR.mdl"))
  el <- attr(sd_diagram(sir), "elements")
  st <- el[el$type == "stock", ]
  expect_equal(st$name, c("Susceptible", "Infectious", "Recovered"))
  expect_equal(st$x, c(248, 413, 579))
  expect_equal(unique(st$y), 267)
  expect_equal(el$x[el$name == "Contact Infectivity"], 263)
  expect_equal(el[el$type == "valve", "x"], c(331, 495))
  tea <- read_vensim(corpus_path("test-models", "samples", "teacup", "teacup.mdl"))
  el2 <- attr(sd_diagram(tea), "elements")
  expect_equal(unlist(el2[el2$name == "Teacup Temperature", c("x", "y", "w", "h")], use.names = FALSE),
               c(307, 235, 40, 20))
  # coloured by values: the stocks' fill follows them
  out <- simulate(sir)
  change <- unlist(out[nrow(out), -1]) - unlist(out[1, -1])
  p <- sd_diagram(sir, values = change, values_label = "change")
  b <- ggplot2::ggplot_build(p)
  fills <- layer_of(b, p, "GeomRect")[[1]]$fill
  expect_equal(length(unique(fills)), 3L)
})

test_that("every corpus model with a sketch draws to PNG", {
  skip_if_no_corpus()
  skip_if_not_installed("ggplot2")
  f <- tempfile(fileext = ".png")
  drawn <- 0L
  for (path in corpus_models()) {
    m <- tryCatch(read_vensim(path), error = function(e) NULL)
    if (is.null(m) || !length(sd_views(m))) next
    views <- if (grepl("wrld3", path)) seq_along(sd_views(m)) else 1L
    for (v in views) {
      grDevices::png(f, 1000, 700)
      res <- tryCatch({ print(sd_diagram(m, view = v)); "ok" }, error = function(e) conditionMessage(e))
      grDevices::dev.off()
      expect_identical(res, "ok", info = sprintf("%s, view %d", basename(path), v))
      drawn <- drawn + 1L
    }
  }
  expect_gt(drawn, 100L)
})

test_that("XMILE views are drawn from their positions", {
  skip_if_no_corpus()
  skip_if_not_installed("ggplot2")
  m <- read_xmile(corpus_path("test-models", "samples", "teacup", "teacup.stmx"))
  p <- sd_diagram(m)
  el <- attr(p, "elements")
  # <stock x="132" y="97" name="teacup temperature"/>, default 45 x 35
  st <- el[el$type == "stock", ]
  expect_equal(unlist(st[c("x", "y", "w", "h")], use.names = FALSE), c(132, 97, 22.5, 17.5))
  # <flow x="231.25" y="92" ...>: its valve; <aux x="285" y="43" name="characteristic time"/>
  expect_equal(unlist(el[el$type == "valve", c("x", "y")], use.names = FALSE), c(231.25, 92))
  expect_equal(unlist(el[el$name == "characteristic time" & el$type == "variable", c("x", "y")], use.names = FALSE),
               c(285, 43))
  # the pipe's far end (332, 92) meets no stock: a cloud
  expect_equal(unlist(el[el$type == "cloud", c("x", "y")], use.names = FALSE), c(332, 92))
  # three connectors, all to the flow's valve
  ar <- attr(p, "arrows")
  expect_equal(nrow(ar), 3L)
  expect_true(all(el$type[match(ar$to, el$id)] == "valve"))
  f <- tempfile(fileext = ".png")
  grDevices::png(f, 800, 600); print(p); grDevices::dev.off()
  expect_gt(file.size(f), 3000)
})

test_that("a model built in R is laid out automatically, in layers", {
  skip_if_not_installed("ggplot2")
  skip_if_not_installed("igraph")
  m <- teacup_model()
  p <- sd_diagram(m)
  el <- attr(p, "elements")
  ar <- attr(p, "arrows")
  expect_equal(sort(el$name[el$type == "stock"]), "Teacup Temperature")
  expect_equal(sum(el$type == "valve"), 1L)
  expect_equal(sum(el$type == "cloud"), 1L)          # heat goes out of the model
  # information: both constants and the stock feed the flow's valve
  valve <- el$id[el$type == "valve"]
  info <- ar[!ar$pipe, ]
  expect_setequal(el$name[match(info$from[info$to == valve], el$id)],
                  c("Teacup Temperature", "Room Temperature", "Characteristic Time"))
  # material runs left to right: the stock left of its outflow's valve
  expect_lt(el$x[el$name == "Teacup Temperature" & el$type == "stock"], el$x[el$type == "valve"])
  f <- tempfile(fileext = ".png")
  grDevices::png(f, 800, 600); print(p); grDevices::dev.off()
  expect_gt(file.size(f), 3000)
  expect_equal(sdvm:::equation_refs(list(vars = list(
    list(name = "k", kind = "const", eqn = "1"), list(name = "k rate", kind = "const", eqn = "2"),
    list(name = "y", kind = "aux", eqn = "K_Rate * 2 + k"))))[[3]], c("k rate", "k"))
})

test_that("a Vensim model without a sketch: its stocks' net rates give the flows", {
  skip_if_not_installed("ggplot2")
  skip_if_not_installed("igraph")
  expect_equal(sdvm:::rate_terms("Infection - Recovery")$sign, c(1, -1))
  expect_equal(sdvm:::rate_terms("-(a + b) + c * 2 - d")$name, c("(a + b)", "c * 2", "d"))
  expect_equal(sdvm:::rate_terms("x - 1e-3")$name, c("x", "1e-3"))
  expect_equal(sdvm:::rate_terms("birth rate - death rate")$name, c("birth rate", "death rate"))
  m <- read_vensim(system.file("models", "sir.mdl", package = "sdvm"))
  el <- attr(sd_diagram(m), "elements")
  expect_setequal(el$name[el$type == "valve"], c("Infection", "Recovery"))
  x <- function(nm) el$x[el$name == nm & el$type %in% c("stock", "valve")]
  # the chain runs left to right: Susceptible, Infection, Infected, Recovery, Recovered
  expect_true(all(diff(c(x("Susceptible"), x("Infection"), x("Infected"), x("Recovery"), x("Recovered"))) > 0))
})

test_that("a view that is not there is a clear error", {
  skip_if_not_installed("ggplot2")
  m <- read_vensim(system.file("models", "teacup.mdl", package = "sdvm"))
  expect_error(sd_diagram(m, view = 9), "no view 9", class = "sdvm_param_error")
  expect_error(sd_diagram(m, view = "Nowhere"), "no view 'Nowhere'", class = "sdvm_param_error")
})
