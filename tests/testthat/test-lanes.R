# Lanes (src/sd_lanes.c): a batch steps SD_LANES runs together, and every
# run must give exactly the numbers it gives alone -- identical(), not
# all.equal() -- in both dispatch loops and at every level of bytecode
# rewriting, also when the runs' IF THEN ELSE conditions go different ways.

# The batch of `params`, with and without lanes.
both_ways <- function(m, params, ...) {
  on <- withr::with_options(list(sdvm.lanes = TRUE),
                            sdvm:::sd_batch(m, params, progress = FALSE, threads = 1, ...))
  off <- withr::with_options(list(sdvm.lanes = FALSE),
                             sdvm:::sd_batch(m, params, progress = FALSE, threads = 1, ...))
  list(on = on, off = off)
}

# A model whose IF THEN ELSE arms go different ways across the runs of a
# batch: `threshold` differs per run, so at some steps some lanes take the
# THEN arm (a chain of operations, not a value) and others the ELSE arm,
# through JZ groups, compare-move-jumps and arrayed IFs.
split_model <- function() {
  sd_model(stop = 20, dt = 0.25) |>
    sd_const("threshold", 5) |>
    sd_const("gain", 0.3) |>
    sd_stock("x", 1, inflows = "growth") |>
    sd_flow("growth", "IF THEN ELSE(x > threshold, gain * x * (1 - x / 50) + SIN(x), gain * x / (1 + x * x) - 0.01 * x)") |>
    sd_aux("capped", "IF THEN ELSE(Time >= threshold, MIN(x, 2 * threshold) * 1.5, x)") |>
    sd_aux("noted", "IF THEN ELSE(x < threshold, 0, LN(x) * EXP(-x / 100))")
}

test_that("every lane gives the numbers its run gives alone, branches split or not", {
  m <- split_model()
  set.seed(7)
  params <- data.frame(threshold = runif(19, 1, 30), gain = runif(19, 0.1, 0.5))
  for (dispatch in c("goto", "switch")) {
    r <- both_ways(m, params, dispatch = dispatch)
    expect_identical(r$on, r$off)
    # and each run alone, through simulate()
    for (i in c(1, 8, 9, 19)) {
      one <- sdvm:::sd_run(m, params = as.list(params[i, ]), dispatch = dispatch)
      got <- r$on[r$on$run == i, names(one)]
      rownames(got) <- NULL
      expect_identical(got, one)
    }
  }
  # the conditions did go different ways within the groups of eight: at
  # time 10, `Time >= threshold` holds for some runs of each and not others
  expect_true(any(params$threshold[1:8] < 10) && any(params$threshold[1:8] > 10))
  expect_true(any(params$threshold[9:16] < 10) && any(params$threshold[9:16] > 10))
})

test_that("lanes agree at every level of bytecode rewriting", {
  set.seed(3)
  params <- data.frame(threshold = runif(10, 1, 30), gain = runif(10, 0.1, 0.5))
  ref <- NULL
  for (rw in 0:2) {
    m <- withr::with_options(list(sdvm.rewrite = rw), { m <- split_model(); sd_compile(m); m })
    r <- both_ways(m, params)
    expect_identical(r$on, r$off)
    if (is.null(ref)) ref <- r$on else expect_identical(r$on, ref)
  }
})

test_that("an arm holding state makes the runs go one by one, with the same numbers", {
  m <- sd_model(stop = 10) |>
    sd_const("threshold", 5) |>
    sd_aux("held", "IF THEN ELSE(Time > threshold, SAMPLE IF TRUE(Time > threshold + 2, Time * 2, 0) + 1, -1)") |>
    sd_stock("s", 0, inflows = "f") |> sd_flow("f", "held")
  params <- data.frame(threshold = c(1, 3, 5, 7, 2, 4, 6, 8, 0))
  r <- both_ways(m, params)
  expect_identical(r$on, r$off)
  one <- sdvm:::sd_run(m, params = list(threshold = 3))
  got <- r$on[r$on$run == 2, names(one)]
  rownames(got) <- NULL
  expect_identical(got, one)
})

test_that("lanes keep integration methods, single precision and run groups apart", {
  m <- split_model()
  params <- data.frame(threshold = c(2, 9, 15, 4, 6, 25, 3, 12, 7, 20, 1))
  for (method in c("rk2", "rk4")) {
    r <- both_ways(m, params, method = method)
    expect_identical(r$on, r$off)
  }
  r <- both_ways(m, params, precision = "single")
  expect_identical(r$on, r$off)
  # runs with other time settings fall into their own groups
  p2 <- data.frame(threshold = c(2, 9, 15, 4), `FINAL TIME` = c(20, 10, 20, 5), check.names = FALSE)
  r <- both_ways(m, p2)
  expect_identical(r$on, r$off)
  expect_equal(as.vector(table(r$on$run)), c(81, 41, 81, 21))
})

test_that("a bad run in a lane group is reported as without lanes", {
  m <- split_model()
  params <- data.frame(threshold = c(2, 9), `TIME STEP` = c(0.25, -1), check.names = FALSE)
  e_on <- tryCatch(withr::with_options(list(sdvm.lanes = TRUE),
                                       sdvm:::sd_batch(m, params, progress = FALSE, threads = 1)),
                   error = function(e) e)
  e_off <- tryCatch(withr::with_options(list(sdvm.lanes = FALSE),
                                        sdvm:::sd_batch(m, params, progress = FALSE, threads = 1)),
                    error = function(e) e)
  expect_s3_class(e_on, "sdvm_run_error")
  expect_identical(conditionMessage(e_on), conditionMessage(e_off))
})

test_that("batches of every corpus model are the same with lanes and without", {
  skip_if_no_corpus()
  files <- list.files(sd_corpus(), pattern = "\\.(mdl|xmile|stmx)$", recursive = TRUE,
                      full.names = TRUE, ignore.case = TRUE)
  files <- files[!grepl("clearn", files, ignore.case = TRUE)]   # below, on its own
  compared <- 0
  for (f in files) {
    m <- tryCatch(suppressWarnings(suppressMessages(
      if (grepl("mdl$", f, ignore.case = TRUE)) read_vensim(f) else read_xmile(f))), error = function(e) NULL)
    if (is.null(m)) next
    info <- tryCatch(sdvm:::compiled(m)$vars, error = function(e) NULL)
    if (is.null(info)) next
    consts <- info$name[info$kind == "const" & !info$name %in% sdvm:::control_names]
    consts <- head(consts, 6)
    set.seed(1)
    # 10 runs: a group of 8 and one of 2; constants scaled per run
    params <- if (length(consts)) {
      as.data.frame(setNames(lapply(consts, function(k) runif(10, 0.5, 1.5)), consts), check.names = FALSE)
    } else data.frame(row.names = 1:10)
    base <- tryCatch(suppressWarnings(sdvm:::sd_run(m)), error = function(e) NULL)
    if (is.null(base)) next
    for (k in consts) if (k %in% names(base)) params[[k]] <- params[[k]] * base[[k]][1]
    r <- lapply(c(TRUE, FALSE), function(on) tryCatch(suppressWarnings(
      withr::with_options(list(sdvm.lanes = on), sdvm:::sd_batch(m, params, progress = FALSE, threads = 1))),
      error = function(e) conditionMessage(e)))
    expect_identical(r[[1]], r[[2]], label = basename(f))
    compared <- compared + 1
  }
  expect_gt(compared, 150)
})

test_that("C-LEARN: 16 runs with mixed parameters, every variable, lanes and not", {
  skip_if_no_corpus()
  f <- file.path(sd_corpus(), "clearn", "C-LEARN v77 for Vensim.mdl")
  skip_if_not(file.exists(f))
  m <- read_vensim(f)
  set.seed(11)
  params <- data.frame(
    `Climate Sensitivity to 2x CO2[Deterministic]` = runif(16, 1.5, 6),
    `Sensitivity of C Uptake to Temperature` = runif(16, 0, 2),
    `Temperature Threshold for Methane Emissions from Permafrost and Clathrate` = runif(16, 0.5, 4),
    check.names = FALSE)
  for (dispatch in c("goto", "switch")) {
    r <- both_ways(m, params, saveper = 20, dispatch = dispatch)
    expect_identical(r$on, r$off)
  }
  expect_gt(ncol(r$on), 3000)
  # the runs differ (the parameters act)
  temp <- r$on[["Temperature change from preindustrial[Deterministic]"]][r$on$time == max(r$on$time)]
  expect_gt(diff(range(temp)), 1)
})
