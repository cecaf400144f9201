/*
 * r_run.c -- one simulation run from R.
 *
 * All memory the run touches is R's: the work buffer comes from R_alloc
 * and the results are R vectors the engine writes into directly.  So the
 * interrupt poll may simply call R_CheckUserInterrupt(): if the user
 * presses Ctrl-C, R longjmps out and reclaims everything.
 */
#include <string.h>
#include "r_sdvm.h"

static int poll_interrupt(void *ud) {
  (void)ud;
  R_CheckUserInterrupt();
  return 0;
}

SEXP C_sdvm_run(SEXP ptr, SEXP ovr_idx, SEXP ovr_val, SEXP settings, SEXP method,
                SEXP out_idx, SEXP dispatch) {
  const sd_program *p = sdvm_program(ptr);
  sd_run_opts o;
  sd_run_info info;
  sd_error err;
  double *work, **cols;
  SEXP out;
  int k, nout;

  if (!p) Rf_error("the compiled model is no longer valid");
  sd_run_opts_init(&o);
  o.n_override = (int)Rf_xlength(ovr_idx);
  o.override_var = INTEGER(ovr_idx);
  o.override_val = REAL(ovr_val);
  o.start = REAL(settings)[0];
  o.stop = REAL(settings)[1];
  o.dt = REAL(settings)[2];
  o.saveper = REAL(settings)[3];
  /* method: c(integration method, 1 for single-precision stocks) */
  o.method = INTEGER(method)[0];
  o.single_stocks = Rf_xlength(method) > 1 && INTEGER(method)[1] == 1;
  o.n_out = nout = (int)Rf_xlength(out_idx);
  o.out_var = INTEGER(out_idx);
  o.dispatch = (sd_dispatch)Rf_asInteger(dispatch);
  o.poll = poll_interrupt;

  work = (double *)R_alloc(sd_run_work_size(p), sizeof(double));
  if (sd_run_init(p, &o, work, &info, &err) != 0) return sdvm_error_list(&err);
  if (info.n_extra > 0) {             /* DELAY FIXED pipelines */
    double *more = (double *)R_alloc(sd_run_work_size(p) + info.n_extra, sizeof(double));
    memcpy(more, work, sd_run_work_size(p) * sizeof(double));
    work = more;
  }
  if (info.dynamic_time) {
    /* time settings that change during the run: a first run counts the
       rows, a second one (from the same initial state) saves them */
    size_t n = sd_run_work_size(p) + info.n_extra;
    double *start = (double *)R_alloc(n, sizeof(double));
    long rows;
    memcpy(start, work, n * sizeof(double));
    rows = sd_run_count_rows(p, &o, work, &info, &err);
    if (rows < 0) return sdvm_error_list(&err);
    memcpy(work, start, n * sizeof(double));
    info.n_rows = rows;
  }

  /* time first, then one column per requested variable */
  out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)nout + 1));
  cols = (double **)R_alloc((size_t)nout + 1, sizeof(double *));
  for (k = 0; k <= nout; k++) {
    SEXP col = Rf_allocVector(REALSXP, (R_xlen_t)info.n_rows);
    SET_VECTOR_ELT(out, k, col);
    cols[k] = REAL(col);
  }
  if (sd_run_steps(p, &o, work, &info, cols[0], cols + 1, &err) != 0) {
    UNPROTECT(1);
    return sdvm_error_list(&err);
  }
  UNPROTECT(1);
  return out;
}
