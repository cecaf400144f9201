/*
 * corpus_run.c -- every model of a corpus through the whole engine, for
 * the sanitizer builds (make asan-corpus): read, load as the R layer would
 * (fz_common.h), compile, run in full in both interpreter loops, and
 * compare the two runs bit for bit.
 *
 *   corpus_run file.mdl...
 *
 * Reading or compile errors are expected for some files (data read from
 * spreadsheets, which only the R layer loads) and are listed, not
 * counted as failures; a sanitizer report aborts the program.  A
 * dispatch mismatch is a failure.  Ends with "N passed, M failed" (one
 * check per file that compiled and ran).
 */
#include "fz_common.h"

int main(int argc, char **argv) {
  static const fz_limits lim = { 0, (size_t)1 << 27 };
  int i, pass = 0, fail = 0, nerr = 0;
  for (i = 1; i < argc; i++) {
    char *text = fz_slurp(argv[i], NULL, 1);
    sd_error err;
    sd_mdl *md;
    sd_model *m = NULL;
    sd_program *p = NULL;
    const char *stage = "read";
    memset(&err, 0, sizeof err);
    if (!text) { printf("cannot read %s\n", argv[i]); nerr++; continue; }
    md = sd_mdl_read(text, argv[i], &err);
    if (md) { stage = "load"; m = fz_mdl_model(md, argv[i], 1 << 20, &err); }
    if (m) { stage = "compile"; p = sd_compile(m, &err); }
    if (p) {
      fz_result a = fz_run(p, SD_DISPATCH_GOTO, &lim), b = fz_run(p, SD_DISPATCH_SWITCH, &lim);
      if (!a.ok) {
        printf("run error   %s: %s\n", argv[i], a.err.msg);
        nerr++;
      } else if (!fz_same_result(&a, &b)) {
        printf("MISMATCH    %s: the goto and switch loops disagree\n", argv[i]);
        fail++;
      } else if (!fz_same_without_rewrites(m, &a, &lim)) {
        printf("MISMATCH    %s: the bytecode rewrites change the result\n", argv[i]);
        fail++;
      } else {
        pass++;
      }
      fz_result_free(&a);
      fz_result_free(&b);
    } else {
      printf("%-7s err %s: %s (line %d)\n", stage, argv[i], err.msg, err.line);
      nerr++;
    }
    sd_program_free(p);
    sd_model_free(m);
    sd_mdl_free(md);
    free(text);
  }
  printf("corpus_run: %d models ran in both loops and without bytecode rewrites, %d stopped with an error before running\n", pass + fail, nerr);
  printf("%d passed, %d failed\n", pass, fail);
  return fail ? 1 : 0;
}
