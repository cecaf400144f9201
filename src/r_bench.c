/*
 * r_bench.c -- the engine alone, driven from R, for bench/: `reps` whole
 * runs of a compiled program (initial values and every step, every visible
 * variable saved) into buffers allocated once, so R can time the engine
 * without the cost of building R results.  Not part of the API.
 */
#include <string.h>
#include "r_sdvm.h"

SEXP C_sdvm_bench_run(SEXP ptr, SEXP reps, SEXP dispatch) {
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
        sd_run_steps(p, &o, work, &info, times, cols, &err) != 0)
      return sdvm_error_list(&err);
  }
  /* the run's size: steps, rows, doubles of work and of saved output */
  {
    const char *nm[] = { "steps", "rows", "work_doubles", "output_doubles", "" };
    SEXP out = PROTECT(Rf_mkNamed(REALSXP, nm));
    REAL(out)[0] = (double)info.n_steps;
    REAL(out)[1] = (double)info.n_rows;
    REAL(out)[2] = (double)nwork;
    REAL(out)[3] = (double)info.n_rows * (nvis + 1);
    UNPROTECT(1);
    return out;
  }
}
