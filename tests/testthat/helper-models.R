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
