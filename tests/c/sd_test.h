/* sd_test.h -- a minimal test harness for the engine's C tests.
 * Each tests/c/test_*.c is its own program: it calls CHECK* in functions
 * listed in main() via RUN(), and ends with SD_TEST_SUMMARY(), which prints
 * "N passed, M failed" and returns nonzero on failure. */
#ifndef SD_TEST_H
#define SD_TEST_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int sd_test_pass = 0, sd_test_fail = 0;

#define CHECK(cond) do { \
    if (cond) sd_test_pass++; \
    else { sd_test_fail++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
  } while (0)

#define CHECK_NEAR(a, b, tol) do { \
    double sd_a_ = (a), sd_b_ = (b); \
    if (fabs(sd_a_ - sd_b_) <= (tol)) sd_test_pass++; \
    else { sd_test_fail++; fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g (tol %g)\n", \
             __FILE__, __LINE__, #a, sd_a_, sd_b_, (double)(tol)); } \
  } while (0)

#define CHECK_STR(a, b) do { \
    const char *sd_a_ = (a), *sd_b_ = (b); \
    if (sd_a_ && sd_b_ && strcmp(sd_a_, sd_b_) == 0) sd_test_pass++; \
    else { sd_test_fail++; fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n", \
             __FILE__, __LINE__, #a, sd_a_ ? sd_a_ : "(null)", sd_b_ ? sd_b_ : "(null)"); } \
  } while (0)

#define RUN(fn) do { fn(); } while (0)

#define SD_TEST_SUMMARY() \
  (printf("%d passed, %d failed\n", sd_test_pass, sd_test_fail), sd_test_fail ? 1 : 0)

#endif
