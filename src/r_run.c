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

/* Bytes as people read them. */
static void fmt_bytes(double b, char *buf, size_t cap) {
  static const char *const unit[] = { "bytes", "KB", "MB", "GB", "TB", "PB", "EB" };
  int k = 0;
  while (b >= 1000 && k < 6) { b /= 1000; k++; }
  snprintf(buf, cap, k ? "%.1f %s" : "%.0f %s", b, unit[k]);
}

double sdvm_memory_limit(void) {
  SEXP o = Rf_GetOption1(Rf_install("sdvm.max_result_bytes"));
  double x = (TYPEOF(o) == REALSXP || TYPEOF(o) == INTSXP) && Rf_length(o) == 1 ? Rf_asReal(o) : NA_REAL;
  return x > 0 ? x : 4294967296.0;              /* ISNA fails x > 0 too */
}

int sdvm_check_memory(double doubles, double rows, int cols, sd_error *err) {
  double need = doubles * sizeof(double), limit = sdvm_memory_limit();
  char a[32], b[32];
  if (need <= limit) return 0;
  fmt_bytes(need, a, sizeof a);
  fmt_bytes(limit, b, sizeof b);
  memset(err, 0, sizeof *err);
  err->code = SD_E_MEMORY;
  if (rows >= 0)
    snprintf(err->msg, sizeof err->msg,
             "the run would save %.0f rows of %d columns and needs %s, more than the limit of %s "
             "(option sdvm.max_result_bytes): save fewer variables (vars =) or fewer rows (a larger "
             "saveper), or raise the limit", rows, cols, a, b);
  else
    snprintf(err->msg, sizeof err->msg,
             "the run needs %s of work memory (DELAY FIXED pipelines), more than the limit of %s "
             "(option sdvm.max_result_bytes)", a, b);
  return -1;
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
  /* memory is checked before it is asked for (a dynamic run keeps a copy
     of its initial state) */
  if (sdvm_check_memory(((double)sd_run_work_size(p) + (double)info.n_extra) * (info.dynamic_time ? 2 : 1),
                        -1, 0, &err) != 0)
    return sdvm_error_list(&err);
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

  if (sdvm_check_memory(((double)sd_run_work_size(p) + (double)info.n_extra) * (info.dynamic_time ? 2 : 1) +
                        (double)info.n_rows * (nout + 1), (double)info.n_rows, nout + 1, &err) != 0)
    return sdvm_error_list(&err);

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
