# Small models written for the tests.
teacup_model <- function(method = "euler") {
  sd_model(start = 0, stop = 30, dt = 0.125, method = method, name = "teacup") |>
    sd_stock("Teacup Temperature", init = 180, outflows = "Heat Loss to Room") |>
    sd_flow("Heat Loss to Room", "(Teacup Temperature - Room Temperature) / Characteristic Time") |>
    sd_const("Room Temperature", 70) |>
    sd_const("Characteristic Time", 10)
}

decay_model <- function(method = "euler", dt = 0.25) {
  sd_model(start = 0, stop = 4, dt = dt, method = method) |>
    sd_stock("x", init = 1, outflows = "decay") |>
    sd_flow("decay", "k * x") |>
    sd_const("k", 0.5)
}

# A two-region arrayed model, as Vensim text (read with read_vensim()).
arrayed_model <- function() {
  f <- tempfile(fileext = ".mdl")
  writeLines(c(
    "{UTF-8}",
    "Region: north, south ~~|",
    "Growth[Region] = 0.1, 0.2 ~ 1/Year ~|",
    "Pop[Region] = INTEG(Pop[Region] * Growth[Region], 100) ~ people ~|",
    "INITIAL TIME = 0 ~~|", "FINAL TIME = 2 ~~|", "TIME STEP = 1 ~~|",
    "SAVEPER = TIME STEP ~~|"), f)
  on.exit(unlink(f))
  read_vensim(f)
}
