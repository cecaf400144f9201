test_that("a model is rebuilt transparently after saveRDS/readRDS", {
  m <- teacup_model()
  out <- simulate(m)
  f <- tempfile(fileext = ".rds")
  on.exit(unlink(f))
  saveRDS(m, f)
  m2 <- readRDS(f)
  expect_false(.Call(sdvm:::C_sdvm_ptr_valid, m2$.cache$ptr))
  expect_identical(simulate(m2), out)
  expect_true(.Call(sdvm:::C_sdvm_ptr_valid, m2$.cache$ptr))
  expect_identical(simulate(m2, params = list(`Room Temperature` = 0)),
                   simulate(m, params = list(`Room Temperature` = 0)))
})

test_that("a model sent to another R process runs there identically", {
  skip_if_not_installed("callr")
  m <- teacup_model()
  simulate(m)                      # compiled here; the pointer cannot travel
  there <- callr::r(function(m) sdvm::simulate(m), args = list(m))
  expect_identical(there, simulate(m))
})

test_that("compilation happens once per model value", {
  m <- teacup_model()
  for (i in 1:3) simulate(m, params = list(`Characteristic Time` = i))
  expect_equal(sdvm:::compile_count(m), 1L)
})
