/*
 * fuzz_mdl.c -- libFuzzer harness for the .mdl path: arbitrary bytes are
 * read by sd_mdl_read(), the records loaded into a model as the R layer
 * would (fz_common.h), compiled, and run for a few steps in both
 * interpreter loops, whose results must agree bit for bit.
 *
 * Bounds, so that what the fuzzer reports is a bug and not a big model:
 * at most 64 steps, 4 million doubles of run memory; the engine itself is
 * built with a smaller variable limit (SD_MAX_VARS in the Makefile).
 * Errors are expected and ignored; crashes, sanitizer reports, leaks and
 * a dispatch mismatch (abort) are findings.
 */
#include <stdint.h>
#include "fz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fz_limits lim = { 64, 4u << 20 };
  char *text = malloc(size + 1);
  sd_error err;
  sd_mdl *md;
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';                      /* the reader takes C text */
  md = sd_mdl_read(text, "fuzz.mdl", &err);
  if (md) {
    sd_model *m = fz_mdl_model(md, "fuzz.mdl", 20000, &err);
    sd_program *p = m ? sd_compile(m, &err) : NULL;
    if (p) {
      fz_result a = fz_run(p, SD_DISPATCH_GOTO, &lim), b = fz_run(p, SD_DISPATCH_SWITCH, &lim);
      if (!fz_same_result(&a, &b)) {
        fprintf(stderr, "fuzz_mdl: the goto and switch loops disagree\n");
        abort();
      }
      if (!fz_same_without_rewrites(m, &a, &lim)) {
        fprintf(stderr, "fuzz_mdl: the bytecode rewrites change the result\n");
        abort();
      }
      fz_result_free(&a);
      fz_result_free(&b);
    }
    sd_program_free(p);
    sd_model_free(m);
    sd_mdl_free(md);
  }
  free(text);
  return 0;
}
