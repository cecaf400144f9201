/*
 * r_bench.c -- the engine alone, driven from R, for bench/: `reps` whole
 * runs of a compiled program (initial values and every step, every visible
 * variable saved, or nothing saved when `save` is FALSE) into buffers
 * allocated once, so R can time the engine without the cost of building
 * R results.  Not part of the API.
 */
#include <string.h>
#include "r_sdvm.h"

SEXP C_sdvm_bench_run(SEXP ptr, SEXP reps, SEXP dispatch, SEXP save) {
  const sd_program *p = sdvm_program(ptr);
  sd_run_opts o;
  sd_run_info info;
  sd_error err;
  double *work, *times, **cols;
  size_t nwork;
  int r, k, nvis, n = Rf_asInteger(reps);
  if (!p) Rf_error("the compiled model is no longer valid");
  sd_run_opts_init(&o);
  o.dispatch = (sd_dispatch)Rf_asInteger(dispatch);
  if (o.dispatch == SD_DISPATCH_COUNT) {
    o.op_counts = (double *)R_alloc((size_t)sd_n_opcodes(), sizeof(double));
    memset(o.op_counts, 0, (size_t)sd_n_opcodes() * sizeof(double));
  }
  nwork = sd_run_work_size(p);
  work = (double *)R_alloc(nwork, sizeof(double));
  if (sd_run_init(p, &o, work, &info, &err) != 0) return sdvm_error_list(&err);
  if (info.dynamic_time) Rf_error("benchmarks need fixed time settings");
  nwork += info.n_extra;
  work = (double *)R_alloc(nwork, sizeof(double));
  nvis = sd_program_nvars(p);
  times = (double *)R_alloc((size_t)info.n_rows, sizeof(double));
  cols = (double **)R_alloc((size_t)(nvis ? nvis : 1), sizeof(double *));
  for (k = 0; k < nvis; k++) cols[k] = (double *)R_alloc((size_t)info.n_rows, sizeof(double));
  for (r = 0; r < n; r++) {
    if (sd_run_init(p, &o, work, &info, &err) != 0 ||
        sd_run_steps(p, &o, work, &info, Rf_asLogical(save) ? times : NULL,
                     Rf_asLogical(save) ? cols : NULL, &err) != 0)
      return sdvm_error_list(&err);
  }
  /* the run's size: steps, rows, doubles of work and of saved output;
     with the counting loop, the dispatches of each opcode over all runs */
  {
    const char *nm[] = { "size", "op_counts", "" };
    const char *sz[] = { "steps", "rows", "work_doubles", "output_doubles", "" };
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, nm)), size = Rf_mkNamed(REALSXP, sz), counts;
    SET_VECTOR_ELT(out, 0, size);
    REAL(size)[0] = (double)info.n_steps;
    REAL(size)[1] = (double)info.n_rows;
    REAL(size)[2] = (double)nwork;
    REAL(size)[3] = (double)info.n_rows * (nvis + 1);
    counts = Rf_allocVector(REALSXP, o.op_counts ? sd_n_opcodes() : 0);
    SET_VECTOR_ELT(out, 1, counts);
    if (o.op_counts) {
      SEXP names = Rf_allocVector(STRSXP, sd_n_opcodes());
      Rf_setAttrib(counts, R_NamesSymbol, names);
      for (k = 0; k < sd_n_opcodes(); k++) {
        REAL(counts)[k] = o.op_counts[k];
        SET_STRING_ELT(names, k, Rf_mkChar(sd_opcode_name(k)));
      }
    }
    UNPROTECT(1);
    return out;
  }
}
