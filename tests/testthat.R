library(testthat)
library(sdvm)

test_check("sdvm")
