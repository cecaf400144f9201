# Calibration speed (issue 13).  Prints, with the package installed and
# SDVM_CORPUS set for WORLD3:
#   1. a 2-parameter SIR fit to the 14 days of the 1978 influenza outbreak
#      (outbreaks package), least squares: median wall time of 7 fits;
#   2. a 5-parameter fit of WORLD3-03 to its own run with 2% noise
#      (Gaussian, sigma estimated), on `threads` threads: median of 3;
#   3. the same SIR fit written by hand as users do today: optim()
#      (L-BFGS-B, its own finite-difference gradient) over an objective
#      that calls simulate() once per evaluation; runs per second of both
#      searches and the speed-up.
# Usage: Rscript bench/calibrate.R [threads]
library(sdvm)
args <- commandArgs(TRUE)
threads <- if (length(args)) as.integer(args[1]) else 2L
med <- function(f, n) {
  t <- vapply(seq_len(n), function(i) system.time(f())[["elapsed"]], 0)
  c(median = stats::median(t), min = min(t), max = max(t))
}

sir <- sd_model(start = 0, stop = 14, dt = 0.125, method = "rk4") |>
  sd_stock("S", init = 762, outflows = "infection") |>
  sd_stock("I", init = 1, inflows = "infection", outflows = "recovery") |>
  sd_stock("R", init = 0, inflows = "recovery") |>
  sd_flow("infection", "beta * S * I / N") |>
  sd_flow("recovery", "gamma * I") |>
  sd_aux("N", "S + I + R") |>
  sd_const("beta", 1) |>
  sd_const("gamma", 0.3)
if (requireNamespace("outbreaks", quietly = TRUE)) {
  flu <- outbreaks::influenza_england_1978_school
  obs <- data.frame(time = as.numeric(flu$date - as.Date("1978-01-21")), I = flu$in_bed)
} else {
  obs <- simulate(sir, params = list(beta = 1.67, gamma = 0.44), saveper = 1, vars = "I")[-1, ]
}
bounds <- list(beta = c(0.5, 5), gamma = c(0.05, 2))
fit <- sd_calibrate(sir, obs, bounds, threads = 1L)
t1 <- med(function() sd_calibrate(sir, obs, bounds, threads = 1L), 7)
cat(sprintf("1. SIR, 2 parameters, %d points: %.3f s (min %.3f, max %.3f), %d runs, beta %.4f gamma %.4f\n",
            nrow(obs), t1[1], t1[2], t1[3], fit$runs, coef(fit)[1], coef(fit)[2]))

# 3. by hand: optim over simulate()
calls <- 0
hand_obj <- function(p) {
  calls <<- calls + 1
  out <- simulate(sir, params = list(beta = p[1], gamma = p[2]), saveper = 0.125, vars = "I")
  sum((stats::approx(out$time, out$I, obs$time)$y - obs$I)^2)
}
hand <- function() stats::optim(c(1, 0.3), hand_obj, method = "L-BFGS-B", lower = c(0.5, 0.05), upper = c(5, 2))
calls <- 0
h <- hand()
hand_calls <- calls
t3 <- med(hand, 7)
cat(sprintf("3. by hand (optim over simulate()): %.3f s, %d runs, beta %.4f gamma %.4f\n",
            t3[1], hand_calls, h$par[1], h$par[2]))
cat(sprintf("   runs per second: sd_calibrate %.0f, by hand %.0f; the fit is %.1f times faster\n",
            fit$runs / t1[1], hand_calls / t3[1], t3[1] / t1[1]))

path <- file.path(Sys.getenv("SDVM_CORPUS"), "world3", "wrld3-03.mdl")
if (file.exists(path)) {
  w3 <- read_vensim(path)
  vars <- c("population", "industrial output", "food")
  clean <- simulate(w3, vars = vars, saveper = 5)
  set.seed(3)
  wobs <- clean
  for (v in vars) wobs[[v]] <- clean[[v]] + stats::rnorm(nrow(clean), sd = 0.02 * mean(clean[[v]]))
  wb <- list("desired completed family size normal" = c(2, 6), "industrial capital output ratio 1" = c(1.5, 6),
             "average life of industrial capital 1" = c(7, 28), "land yield factor 1" = c(0.5, 2),
             "average life of service capital 1" = c(10, 40))
  ws <- list("desired completed family size normal" = 3, "industrial capital output ratio 1" = 2.5,
             "average life of industrial capital 1" = 12, "land yield factor 1" = 1.3,
             "average life of service capital 1" = 25)
  wf <- sd_calibrate(w3, wobs, wb, start = ws, objective = "gaussian", log = TRUE, threads = threads)
  t2 <- med(function() sd_calibrate(w3, wobs, wb, start = ws, objective = "gaussian", log = TRUE,
                                    threads = threads), 3)
  cat(sprintf("2. WORLD3, 5 parameters, %d points, %d threads: %.2f s (min %.2f, max %.2f), %d runs; estimates %s\n",
              nrow(wobs) * 3, threads, t2[1], t2[2], t2[3], wf$runs,
              paste(sprintf("%.4g", coef(wf)), collapse = " ")))
} else cat("2. WORLD3: SDVM_CORPUS not set, skipped\n")
