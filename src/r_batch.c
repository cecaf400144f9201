/*
 * r_batch.c -- many runs of one compiled program, on several threads.
 *
 * Each run differs only in its overrides (constants, stock initial values,
 * time settings).  The compiled program is immutable and shared by all
 * threads; each thread owns one work buffer.  A run's results depend only
 * on the program and its overrides, never on which thread ran it or when,
 * so a batch gives the same numbers whatever the thread count.
 *
 * Memory: everything (work buffers, output vectors, bookkeeping) is
 * allocated by R, in the main thread, before any thread starts; threads
 * only write into it.  Threads never call R.  Interrupts are polled by the
 * main thread (OpenMP's thread 0) through R_ToplevelExec, which cannot
 * longjmp out of the parallel region; a raised flag makes every thread
 * stop at its next poll, and the batch returns an interrupt error.
 *
 * Two passes: a serial pre-pass initializes each run once (cheap: no
 * steps) to learn how many rows it saves and how much pipeline memory it
 * needs, and to report bad settings with the run's number before anything
 * runs; then the parallel pass runs them, each writing its rows at its own
 * offset of the shared output columns.
 *
 * Lanes (`lanes` TRUE and a program that can run in them): consecutive
 * runs with the same time settings step together, SD_LANES at a time
 * (sd_lanes.c), one group per task, each giving the numbers it gives
 * alone and writing only its own rows.  A group whose runs cannot go on
 * together (sd_run_lanes returns 1) runs again one run at a time.
 */
#include <string.h>
#include "r_sdvm.h"
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct batch_state {
  int stop;              /* set (by thread 0) when the user interrupted */
  double instr_since;    /* thread 0: instructions since its last poll */
} batch_state;

static void check_interrupt_fn(void *unused) {
  (void)unused;
  R_CheckUserInterrupt();
}

static int thread_num(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

static int get_stop(batch_state *st) {
  int s;
#ifdef _OPENMP
#pragma omp atomic read
#endif
  s = st->stop;
  return s;
}

/* Poll callback for every thread: thread 0 asks R, the others read the
 * flag it sets. */
static int batch_poll(void *ud) {
  batch_state *st = (batch_state *)ud;
  if (thread_num() == 0 && !R_ToplevelExec(check_interrupt_fn, NULL)) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
    st->stop = 1;
  }
  return get_stop(st);
}

/* An engine error list with the (1-based) run it happened in. */
static SEXP run_error(const sd_error *err, int run) {
  SEXP e = PROTECT(sdvm_error_list(err));
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, Rf_xlength(e) + 1));
  SEXP out = PROTECT(Rf_allocVector(VECSXP, Rf_xlength(e) + 1));
  R_xlen_t i;
  for (i = 0; i < Rf_xlength(e); i++) {
    SET_VECTOR_ELT(out, i, VECTOR_ELT(e, i));
    SET_STRING_ELT(nm, i, STRING_ELT(Rf_getAttrib(e, R_NamesSymbol), i));
  }
  SET_VECTOR_ELT(out, i, Rf_ScalarInteger(run));
  SET_STRING_ELT(nm, i, Rf_mkChar("run"));
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(3);
  return out;
}

/* ovr_vals: npar x nrun matrix (column r = the overrides of run r+1).
 * Returns list(time, col1, ..., coln, rows) where rows[r] is the number of
 * rows run r+1 saved (its rows follow those of the runs before it), or an
 * error list with a `run` field. */
SEXP C_sdvm_batch(SEXP ptr, SEXP ovr_idx, SEXP ovr_vals, SEXP settings, SEXP method,
                  SEXP out_idx, SEXP dispatch, SEXP nthreads_, SEXP lanes) {
  const sd_program *p = sdvm_program(ptr);
  const sd_program *lp = Rf_asLogical(lanes) == 1 ? p : NULL;
  const int K = sd_lanes_width();
  int ngroup = 0, *gstart = NULL;
  size_t lsize = 0, rsize, tsize;   /* doubles: lane memory, one run's work, one thread's */
  sd_run_info *infos = NULL;
  sd_run_opts base;
  sd_run_info info;
  sd_error err;
  sd_program_stats pst;
  batch_state st;
  const int npar = (int)Rf_xlength(ovr_idx);
  const int nout = (int)Rf_xlength(out_idx);
  int nrun, nthreads = Rf_asInteger(nthreads_), r, k, failed_run = -1;
  size_t wsize, max_extra = 0, w2cap = 0;
  double *w2 = NULL;
  R_xlen_t total = 0, *offset;
  double *scratch, *work, **colbase, **tcols;
  int *nrows;
  sd_error ferr;   /* the error of the first failed run */
  SEXP out, rows;

  if (!p) Rf_error("the compiled model is no longer valid");
  if (lp && sd_lanes_refusal(lp) != NULL) lp = NULL;
  if (npar > 0 && Rf_nrows(ovr_vals) != npar) Rf_error("internal error: override matrix shape");
  nrun = Rf_ncols(ovr_vals);
  if (nthreads < 1 || nthreads == NA_INTEGER) nthreads = 1;
  if (nthreads > nrun) nthreads = nrun > 0 ? nrun : 1;

  sd_run_opts_init(&base);
  base.n_override = npar;
  base.override_var = INTEGER(ovr_idx);
  base.start = REAL(settings)[0];
  base.stop = REAL(settings)[1];
  base.dt = REAL(settings)[2];
  base.saveper = REAL(settings)[3];
  /* method: c(integration method, 1 for single-precision stocks) */
  base.method = INTEGER(method)[0];
  base.single_stocks = Rf_xlength(method) > 1 && INTEGER(method)[1] == 1;
  base.n_out = nout;
  base.out_var = INTEGER(out_idx);
  base.dispatch = (sd_dispatch)Rf_asInteger(dispatch);
  base.poll = batch_poll;
  base.poll_ud = &st;
  st.stop = 0;
  st.instr_since = 0;
  sd_program_get_stats(p, &pst);

  /* pre-pass: rows and pipeline memory of every run */
  wsize = sd_run_work_size(p);
  scratch = (double *)R_alloc(wsize, sizeof(double));
  offset = (R_xlen_t *)R_alloc((size_t)nrun + 1, sizeof(R_xlen_t));
  rows = PROTECT(Rf_allocVector(INTSXP, nrun));
  infos = (sd_run_info *)R_alloc((size_t)nrun + 1, sizeof(sd_run_info));
  for (r = 0; r < nrun; r++) {
    sd_run_opts o = base;
    o.override_val = npar ? REAL(ovr_vals) + (size_t)r * npar : NULL;
    if (sd_run_init(p, &o, scratch, &info, &err) != 0) {
      UNPROTECT(1);
      return run_error(&err, r + 1);
    }
    if (info.n_extra > max_extra) max_extra = info.n_extra;
    if (sdvm_check_memory(((double)wsize + (double)max_extra) * nthreads, -1, 0, &err) != 0) {
      UNPROTECT(1);
      return run_error(&err, r + 1);
    }
    if (info.dynamic_time) {
      /* time settings that follow Time: the rows are known by running
         (in one buffer for all runs, grown as needed: R_alloc memory
         lasts until the call returns) */
      long nr;
      if (wsize + info.n_extra > w2cap) {
        w2cap = wsize + info.n_extra;
        w2 = (double *)R_alloc(w2cap, sizeof(double));
      }
      if (sd_run_init(p, &o, w2, &info, &err) != 0 || (nr = sd_run_count_rows(p, &o, w2, &info, &err)) < 0) {
        UNPROTECT(1);
        return run_error(&err, r + 1);
      }
      info.n_rows = nr;
    }
    offset[r] = total;
    infos[r] = info;
    INTEGER(rows)[r] = (int)info.n_rows;
    total += (R_xlen_t)info.n_rows;
    if (r % 64 == 63) R_CheckUserInterrupt();   /* serial: a longjmp is fine */
  }
  offset[nrun] = total;
  /* groups of up to K consecutive runs with the same time settings (one
     run per group without lanes) */
  gstart = (int *)R_alloc((size_t)nrun + 1, sizeof(int));
  for (r = 0; r < nrun; r++) {
    if (lp && ngroup > 0 && r - gstart[ngroup - 1] < K && sd_lanes_together(&infos[gstart[ngroup - 1]], &infos[r]))
      continue;
    gstart[ngroup++] = r;
  }
  gstart[ngroup] = nrun;
  /* each thread: one run's work buffer, or with lanes K of them and the
     lanes' memory */
  rsize = wsize + max_extra;
  if (lp) lsize = sd_lanes_work_size(p);
  tsize = lp ? (size_t)K * rsize + lsize : rsize;
  /* the batch's memory, checked before it is asked for */
  if (sdvm_check_memory((double)total * (nout + 1) + (double)tsize * nthreads,
                        (double)total, nout + 1, &err) != 0) {
    UNPROTECT(1);
    return run_error(&err, 0);
  }

  out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)nout + 2));
  colbase = (double **)R_alloc((size_t)nout + 1, sizeof(double *));
  for (k = 0; k <= nout; k++) {
    SEXP col = Rf_allocVector(REALSXP, total);
    SET_VECTOR_ELT(out, k, col);
    colbase[k] = REAL(col);
  }
  SET_VECTOR_ELT(out, nout + 1, rows);

  work = (double *)R_alloc(tsize * (size_t)nthreads, sizeof(double));
  nrows = INTEGER(rows);               /* read by the threads: no R calls there */
  tcols = (double **)R_alloc(((size_t)nout + 1) * (size_t)nthreads * (size_t)K, sizeof(double *));
  memset(&ferr, 0, sizeof ferr);

#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
#endif
  for (k = 0; k < ngroup; k++) {
    const int t = thread_num(), r0 = gstart[k], n = gstart[k + 1] - gstart[k];
    double *w = work + tsize * (size_t)t;
    double **cols = tcols + ((size_t)nout + 1) * (size_t)K * (size_t)t;
    sd_run_opts o = base;
    sd_run_info inf[SD_LANES];
    double *wl[SD_LANES], *tout[SD_LANES], **cl[SD_LANES];
    sd_error e;
    int j, l, bad = -1;
    if (get_stop(&st)) continue;
    memset(&e, 0, sizeof e);
    for (l = 0; l < n && bad < 0; l++) {
      const int r = r0 + l;
      wl[l] = w + rsize * (size_t)l;
      o.override_val = npar ? REAL(ovr_vals) + (size_t)r * npar : NULL;
      cl[l] = cols + ((size_t)nout + 1) * (size_t)l;
      for (j = 0; j <= nout; j++) cl[l][j] = colbase[j] + offset[r];
      tout[l] = cl[l][0];
      cl[l]++;
      if (sd_run_init(p, &o, wl[l], &inf[l], &e) != 0) { bad = r; break; }
      if (inf[l].dynamic_time) inf[l].n_rows = nrows[r];
      if (n == 1 && sd_run_steps(p, &o, wl[l], &inf[l], tout[l], cl[l], &e) != 0) bad = r;
    }
    if (bad < 0 && n > 1) {
      int rc;
      o.override_val = NULL;
      rc = sd_run_lanes(p, &o, n, wl, inf, w + (size_t)K * rsize, tout, cl, &e);
      if (rc < 0) bad = r0;
      /* the runs could not go on together: one by one, from the start */
      for (l = 0; rc > 0 && l < n && bad < 0; l++) {
        o.override_val = npar ? REAL(ovr_vals) + (size_t)(r0 + l) * npar : NULL;
        if (sd_run_init(p, &o, wl[0], &inf[0], &e) != 0 ||
            sd_run_steps(p, &o, wl[0], &inf[0], tout[l], cl[l], &e) != 0)
          bad = r0 + l;
      }
    }
    if (bad >= 0) {
      if (e.code != SD_E_INTERRUPT) {
#ifdef _OPENMP
#pragma omp critical(sdvm_batch_fail)
#endif
        {
          if (failed_run < 0 || bad < failed_run) {
            failed_run = bad;
            ferr = e;
          }
        }
      }
      continue;
    }
    /* runs too short to reach the engine's own poll still get polled,
       about every million instructions */
    if (t == 0) {
      st.instr_since += (double)inf[0].n_steps * (pst.n_step_instr + 1) * (inf[0].method + 1) * n / (lp ? 4 : 1);
      if (st.instr_since > 1e6) {
        st.instr_since = 0;
        batch_poll(&st);
      }
    }
  }

  if (st.stop) {
    sd_error e;
    memset(&e, 0, sizeof e);
    e.code = SD_E_INTERRUPT;
    strcpy(e.msg, "the batch was interrupted");
    UNPROTECT(2);
    return run_error(&e, 0);
  }
  if (failed_run >= 0) {
    UNPROTECT(2);
    return run_error(&ferr, failed_run + 1);
  }
  UNPROTECT(2);
  return out;
}

/* How many threads a batch can use in this build (1 without OpenMP). */
SEXP C_sdvm_max_threads(void) {
#ifdef _OPENMP
  return Rf_ScalarInteger(omp_get_num_procs());
#else
  return Rf_ScalarInteger(1);
#endif
}
