/*
 * sd_run.c -- running a compiled program: time settings, initial values,
 * and the integration loop (Euler, RK2, RK4) with Vensim's timing:
 * at each time t the auxiliaries are computed from the stocks at t, the
 * row for t is saved if t is a save time, and only then do the stocks move
 * to t + dt.  Nothing here allocates.
 */
#include <math.h>
#include <string.h>
#include "sd_math.h"
#include "sd_model_impl.h"
#include "sd_program.h"

typedef void (*sd_exec_fn)(const sd_ins *, double *, const sd_vmctx *);

/* work layout after the value array, in doubles */
typedef struct layout {
  double *v, *y0, *acc, *ovr_on, *ovr_val, *ctl_on, *ctl_val, *hints, *sim_prev, *zero_work;
} layout;

static layout lay(const sd_program *p, double *work) {
  layout L;
  size_t ns = (size_t)p->nstocks;
  L.v = work;
  L.y0 = L.v + p->nslots;
  L.acc = L.y0 + ns;
  L.ovr_on = L.acc + ns;
  L.ovr_val = L.ovr_on + ns;
  L.ctl_on = L.ovr_val + ns;
  L.ctl_val = L.ctl_on + SD_NUM_CONTROL;
  L.hints = L.ctl_val + SD_NUM_CONTROL;
  L.sim_prev = L.hints + p->ntables;
  L.zero_work = L.sim_prev + p->nsim;
  return L;
}

/* Steps of a DELAY FIXED pipeline (at least one), or -1. */
static long pipe_length(double delay, double dt) {
  double n = floor(delay / dt + 0.5);
  if (!(n >= 0) || n > 1e9) return -1;
  return n < 1 ? 1 : (long)n;
}

size_t sd_run_work_size(const sd_program *p) {
  return (size_t)p->nslots + 4 * (size_t)p->nstocks + 2 * SD_NUM_CONTROL + (size_t)p->ntables +
         (size_t)p->nsim + (size_t)p->nzero * ((size_t)p->nzero + 3);
}

static int exec_solved(const sd_program *p, sd_exec_fn exec, const sd_ins *code, double *v,
                       const sd_vmctx *ctx, double *prev, sd_error *err);

/* A block of code with SIMULTANEOUS variables solved (from where they are). */
static int exec_sim(const sd_program *p, sd_exec_fn exec, const sd_ins *code, double *v, const sd_vmctx *ctx,
                    double *prev, sd_error *err) {
  int s;
  for (s = 0; s < p->nsim; s++) prev[s] = v[p->sim_slot[s]];
  return exec_solved(p, exec, code, v, ctx, prev, err);
}

/* FIND ZERO: Newton's method on all its elements at once, from where they
 * are: the block runs at x, then once with each x moved a little for the
 * Jacobian of z * zs; x moves by the solution of J dx = -r.  Done when
 * every |z * zs| is at most the tolerance (the first element's tolerance
 * and iteration limit stand for all); the last run of the block is at
 * the solution.  Elements placed before `skip` keep their guess. */
static int solve_zero(const sd_program *p, sd_exec_fn exec, const sd_ins *code, double *v,
                      const sd_vmctx *ctx, double *prev, double *w, sd_error *err) {
  int m = p->nzero, it, maxit, i, j, k;
  double *J = w, *r = w + (size_t)m * m, *x0 = r + m, *dx = x0 + m, tol;
  const sd_zero *z = p->zero;
#define ZACTIVE(q) (!((double)z[q].pos < v[z[q].skip]))
  if (exec_sim(p, exec, code, v, ctx, prev, err) != 0) return -1;
  tol = v[z[0].tol];
  maxit = v[z[0].iter] >= 1 && v[z[0].iter] <= 10000 ? (int)v[z[0].iter] : 100;
  if (!(tol >= 0)) tol = 1e-9;
  for (it = 0;; it++) {
    double worst = 0;
    for (i = 0; i < m; i++) {
      r[i] = ZACTIVE(i) ? v[z[i].z] * v[z[i].zs] : 0;
      if (!(fabs(r[i]) <= worst)) worst = fabs(r[i]);    /* NaN makes it fail */
    }
    if (worst <= tol) return 0;
    if (it >= maxit || worst != worst) break;
    for (j = 0; j < m; j++) {
      double h;
      x0[j] = v[z[j].x];
      if (!ZACTIVE(j)) { for (i = 0; i < m; i++) J[i * m + j] = i == j; continue; }
      h = 1e-7 * fmax(fabs(x0[j]), fabs(v[z[j].xs]) > 0 ? 1 / fabs(v[z[j].xs]) : 1);
      v[z[j].x] = x0[j] + h;
      if (exec_sim(p, exec, code, v, ctx, prev, err) != 0) return -1;
      for (i = 0; i < m; i++) J[i * m + j] = ZACTIVE(i) ? (v[z[i].z] * v[z[i].zs] - r[i]) / h : i == j;
      v[z[j].x] = x0[j];
    }
    /* J dx = -r by elimination with partial pivoting */
    for (i = 0; i < m; i++) dx[i] = -r[i];
    for (k = 0; k < m; k++) {
      int piv = k;
      for (i = k + 1; i < m; i++) if (fabs(J[i * m + k]) > fabs(J[piv * m + k])) piv = i;
      if (!(fabs(J[piv * m + k]) > 0)) break;
      if (piv != k) {
        double t;
        for (j = 0; j < m; j++) { t = J[k * m + j]; J[k * m + j] = J[piv * m + j]; J[piv * m + j] = t; }
        t = dx[k]; dx[k] = dx[piv]; dx[piv] = t;
      }
      for (i = k + 1; i < m; i++) {
        double f = J[i * m + k] / J[k * m + k];
        for (j = k; j < m; j++) J[i * m + j] -= f * J[k * m + j];
        dx[i] -= f * dx[k];
      }
    }
    if (k < m) break;                                         /* singular */
    for (k = m - 1; k >= 0; k--) {
      for (j = k + 1; j < m; j++) dx[k] -= J[k * m + j] * dx[j];
      dx[k] /= J[k * m + k];
    }
    for (j = 0; j < m; j++) v[z[j].x] = x0[j] + dx[j];
    if (exec_sim(p, exec, code, v, ctx, prev, err) != 0) return -1;
  }
#undef ZACTIVE
  return sd_fail(err, SD_E_RUN, z[0].text, NULL, 0, 0,
                 "FIND ZERO for '%s' did not bring its z to zero (within %g in %d iterations) at time %g",
                 z[0].text, tol, maxit, v[SD_SLOT_TIME]);
}

/* A block of code, solved for SIMULTANEOUS and FIND ZERO variables. */
static int exec_all(const sd_program *p, sd_exec_fn exec, const sd_ins *code, double *v, const sd_vmctx *ctx,
                    layout *L, sd_error *err) {
  if (p->nzero) return solve_zero(p, exec, code, v, ctx, L->sim_prev, L->zero_work, err);
  if (p->nsim) return exec_sim(p, exec, code, v, ctx, L->sim_prev, err);
  exec(code, v, ctx);
  return 0;
}

/* Run a block of code; with SIMULTANEOUS variables, run it again until
 * each of them settles (the equations that read one see its last
 * iterate: Vensim's "running around the loop until nothing in it
 * changes").  0, or -1 with an error when one does not settle. */
#define SD_SIM_MAX_ITER 10000
static int exec_solved(const sd_program *p, sd_exec_fn exec, const sd_ins *code, double *v,
                       const sd_vmctx *ctx, double *prev, sd_error *err) {
  int it, s;
  exec(code, v, ctx);
  if (p->nsim == 0) return 0;
  for (it = 0; it < SD_SIM_MAX_ITER; it++) {
    int settled = 1;
    for (s = 0; s < p->nsim; s++) {
      double a = prev[s], b = v[p->sim_slot[s]];
      if (b != b) continue;                 /* NaN: left for the run's check to report */
      if (!(fabs(b - a) <= 1e-12 * fmax(fabs(a), fabs(b)))) settled = 0;
    }
    if (settled) return 0;
    for (s = 0; s < p->nsim; s++) prev[s] = v[p->sim_slot[s]];
    exec(code, v, ctx);
  }
  for (s = 0; s < p->nsim; s++)
    if (!(fabs(v[p->sim_slot[s]] - prev[s]) <= 1e-12 * fmax(fabs(prev[s]), fabs(v[p->sim_slot[s]]))))
      break;
  return sd_fail(err, SD_E_RUN, s < p->nsim ? p->sim_text[s] : NULL, NULL, 0, 0,
                 "SIMULTANEOUS for '%s' did not settle in %d rounds at time %g (the loop through it "
                 "does not converge from its guess)", s < p->nsim ? p->sim_text[s] : "?", SD_SIM_MAX_ITER,
                 v[SD_SLOT_TIME]);
}

void sd_run_opts_init(sd_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->start = o->stop = o->dt = o->saveper = NAN;
  o->method = -1;
  o->dispatch = SD_DISPATCH_DEFAULT;
}

sd_dispatch sd_default_dispatch(void) {
#if SD_HAVE_COMPUTED_GOTO
  return SD_DISPATCH_GOTO;
#else
  return SD_DISPATCH_SWITCH;
#endif
}

int sd_have_computed_goto(void) { return SD_HAVE_COMPUTED_GOTO ? 1 : 0; }

const char *sd_dispatch_name(sd_dispatch d) {
  if (d == SD_DISPATCH_DEFAULT) d = sd_default_dispatch();
  return d == SD_DISPATCH_GOTO ? "computed-goto" : d == SD_DISPATCH_COUNT ? "counting switch" : "switch";
}

int sd_n_opcodes(void) { return SDI__COUNT; }

static sd_exec_fn pick(sd_dispatch d) {
  if (d == SD_DISPATCH_COUNT) return sd_vm_exec_count;
#if SD_HAVE_COMPUTED_GOTO
  if (d == SD_DISPATCH_DEFAULT || d == SD_DISPATCH_GOTO) return sd_vm_exec_goto;
#endif
  return sd_vm_exec_switch;
}

const char *sd_opcode_name(int k) { return k >= 0 && k < SDI__COUNT ? sd_opcode_names[k] : "?"; }

sd_run_parts sd_run_parts_of(const sd_program *p, double *work) {
  layout L = lay(p, work);
  sd_run_parts r;
  r.v = L.v;
  r.hints = L.hints;
  r.ovr_on = L.ovr_on;
  r.ovr_val = L.ovr_val;
  return r;
}

/* Steps between saved rows: SAVEPER / TIME STEP rounded, at most one more
 * than the run's steps (any larger stride saves the first row alone; a
 * SAVEPER of 1e300 overflowed the conversion to long). */
long sd_save_stride(double saveper, double dt, long n_steps) {
  double r = floor(saveper / dt + 0.5);
  if (r > (double)n_steps + 1) r = (double)n_steps + 1;
  return r < 1 ? 1 : (long)r;
}

/* n_steps and the save stride from the settings in v[]; -1 on bad ones. */
static int settle_time(const sd_program *p, const double *v, const sd_run_opts *o,
                       sd_run_info *info, sd_error *err) {
  double t0 = v[SD_SLOT_T0], t1 = v[SD_SLOT_T1], dt = v[SD_SLOT_DT], sp = v[SD_SLOT_SAVEPER];
  double span, nd, ratio;
  /* each error names the setting at fault, as `variable` */
  if (!isfinite(t0) || !isfinite(t1))
    return sd_fail(err, SD_E_RUN, isfinite(t0) ? "FINAL TIME" : "INITIAL TIME", NULL, 0, 0,
                   "INITIAL TIME (%g) and FINAL TIME (%g) must be finite numbers", t0, t1);
  if (!(dt > 0) || !isfinite(dt))
    return sd_fail(err, SD_E_RUN, "TIME STEP", NULL, 0, 0, "TIME STEP must be a positive number, not %g", dt);
  if (t1 < t0)
    return sd_fail(err, SD_E_RUN, "FINAL TIME", NULL, 0, 0, "FINAL TIME (%g) is before INITIAL TIME (%g)", t1, t0);
  if (!(sp > 0) || !isfinite(sp))
    return sd_fail(err, SD_E_RUN, "SAVEPER", NULL, 0, 0, "SAVEPER must be a positive number, not %g", sp);
  span = t1 - t0;
  nd = floor(span / dt + 1e-6);
  if (nd > 2e9)
    return sd_fail(err, SD_E_RUN, "FINAL TIME", NULL, 0, 0,
                   "the run needs %.4g steps ((FINAL TIME - INITIAL TIME) / TIME STEP); the limit is 2e9", nd);
  ratio = sp / dt;
  if (ratio < 1 - 1e-9 || fabs(ratio - floor(ratio + 0.5)) > 1e-6 * ratio)
    return sd_fail(err, SD_E_RUN, "SAVEPER", NULL, 0, 0,
                   "SAVEPER (%g) must be a whole multiple of TIME STEP (%g)", sp, dt);
  info->start = t0;
  info->stop = t1;
  info->dt = dt;
  info->saveper = sp;
  info->method = (o->method >= 0) ? o->method : (int)p->method;
  info->n_steps = (long)nd;
  info->n_rows = info->n_steps / sd_save_stride(sp, dt, info->n_steps) + 1;
  if (info->method < SD_EULER || info->method > SD_RK4)
    return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "unknown integration method %d", info->method);
  return 0;
}

int sd_run_init(const sd_program *p, const sd_run_opts *o, double *work,
                sd_run_info *info, sd_error *err) {
  layout L = lay(p, work);
  sd_exec_fn exec = pick(o->dispatch);
  sd_vmctx ctx;
  double settings[SD_NUM_CONTROL];
  int i;
  sd_error_clear(err);
  if (o->dispatch == SD_DISPATCH_COUNT && !o->op_counts)
    return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "the counting loop needs op_counts");
  memset(work, 0, sd_run_work_size(p) * sizeof(double));
  for (i = 0; i < p->npreset; i++) L.v[p->preset_slot[i]] = p->preset_val[i];

  /* overrides of constants (written now) and stock initial values (applied
     by OVR as each stock is initialized) */
  for (i = 0; i < o->n_override; i++) {
    int k = o->override_var[i];
    double x = o->override_val[i];
    if (k < 0 || k >= p->nvis)
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "override %d names no variable", i + 1);
    if (k < SD_NUM_CONTROL) {
      L.ctl_on[k] = 1;
      L.ctl_val[k] = x;
      L.v[p->vis_slot[k]] = x;
    } else if (p->vis_stock[k] >= 0) {
      L.ovr_on[p->vis_stock[k]] = 1;
      L.ovr_val[p->vis_stock[k]] = x;
    } else if (p->vis_const[k] >= 0) {
      L.v[p->vis_slot[k]] = x;
    } else {
      return sd_fail(err, SD_E_RUN, p->vis_text[k], NULL, 0, 0,
                     "'%s' is computed from other variables; only constants and the initial "
                     "values of stocks can be changed for a run", p->vis_text[k]);
    }
  }
  settings[0] = o->start; settings[1] = o->stop; settings[2] = o->dt; settings[3] = o->saveper;
  for (i = 0; i < SD_NUM_CONTROL; i++) {
    if (settings[i] != settings[i]) continue;      /* NaN: keep the model's */
    L.ctl_on[i] = 1;
    L.ctl_val[i] = settings[i];
    L.v[SD_SLOT_T0 + i] = settings[i];
  }

  ctx.tables = p->tables;
  ctx.hints = L.hints;
  ctx.counts = o->op_counts;
  ctx.ovr_on = L.ctl_on;
  ctx.ovr_val = L.ctl_val;
  L.v[SD_SLOT_TIME] = L.v[SD_SLOT_XTIME] = NAN;   /* the clock is not set yet */
  if (p->dynamic_time) {
    /* settings that read Time: first at time 0, then at INITIAL TIME */
    L.v[SD_SLOT_TIME] = L.v[SD_SLOT_XTIME] = 0;
    exec(p->ctrl.ins, L.v, &ctx);
    L.v[SD_SLOT_TIME] = L.v[SD_SLOT_XTIME] = L.v[SD_SLOT_T0];
  }
  exec(p->ctrl.ins, L.v, &ctx);
  if (settle_time(p, L.v, o, info, err) != 0) return -1;
  info->dynamic_time = p->dynamic_time;
  if (p->dynamic_time && info->method != SD_EULER)
    return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0,
                   "time settings that change during the run (they depend on Time) need Euler integration");

  L.v[SD_SLOT_TIME] = L.v[SD_SLOT_XTIME] = info->start;
  ctx.ovr_on = L.ovr_on;
  ctx.ovr_val = L.ovr_val;
  ctx.pipes = NULL;
  ctx.npipes = 0;
  ctx.dsc = NULL;
  exec(p->init.ins, L.v, &ctx);
  if (p->nsim) {
    /* SIMULTANEOUS: from the guesses (the first pass computed them) */
    for (i = 0; i < p->nsim; i++) {
      if (p->sim_guess[i] >= 0) L.v[p->sim_slot[i]] = L.v[p->sim_guess[i]];
      L.sim_prev[i] = L.v[p->sim_slot[i]];
    }
    if (!p->nzero && exec_solved(p, exec, p->init.ins, L.v, &ctx, L.sim_prev, err) != 0) return -1;
  }
  if (p->nzero) {
    /* FIND ZERO: from the guesses */
    for (i = 0; i < p->nzero; i++) L.v[p->zero[i].x] = L.v[p->zero[i].guess];
    if (exec_all(p, exec, p->init.ins, L.v, &ctx, &L, err) != 0) return -1;
  }

  /* DELAY FIXED pipelines: one slot per TIME STEP of delay */
  info->n_extra = 0;
  for (i = 0; i < p->ndfx; i++) {
    long len = pipe_length(L.v[p->dfx_delay[i]], info->dt);
    if (len < 0)
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0,
                     "a DELAY FIXED delay time must be a finite number of at most a billion steps, not %g",
                     L.v[p->dfx_delay[i]]);
    info->n_extra += (size_t)len;
  }
  if (p->ndfx) info->n_extra += 3 * (size_t)p->ndfx;
  if (p->ndsc) {
    /* discrete delays record every step */
    if (info->dynamic_time)
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0,
                     "DELAY INFORMATION and DELAY MATERIAL need time settings that do not change during the run");
    info->n_extra += sd_dsc_size(p, L.v, info->n_steps, info->dt);
  }
  /* the staging rows of the saved output (after the pipelines) */
  info->n_extra += SD_STAGE_ROWS * (size_t)(o->out_var ? o->n_out : p->nvis);
  return 0;
}

/* Saving rows.  A row is gathered into a staging block of SD_STAGE_ROWS
 * rows in work memory (sequential writes); a full block is written to
 * the caller's columns column by column, SD_STAGE_ROWS consecutive values
 * at a time, so each column's cache line is touched once per block rather
 * than once per row (thousands of columns, as in C-LEARN). */
typedef struct saver {
  const sd_program *p;
  const sd_run_opts *o;
  double *time_out, **cols, *stage;
  int n;                 /* columns */
  long first;            /* the row the block starts at */
  int held;              /* rows in the block */
} saver;

static void save_flush(saver *s) {
  int k, j;
  const size_t n = (size_t)s->n;
  if (!s->cols || s->held == 0) return;
  if (s->held == 8 && SD_STAGE_ROWS == 8) {
    /* a full block (all but the last), written out: the row offsets are
       constants */
    const double *st = s->stage;
    for (k = 0; k < s->n; k++, st++) {
      double *col = s->cols[k] + s->first;
      col[0] = st[0];     col[1] = st[n];     col[2] = st[2 * n]; col[3] = st[3 * n];
      col[4] = st[4 * n]; col[5] = st[5 * n]; col[6] = st[6 * n]; col[7] = st[7 * n];
    }
  } else {
    for (k = 0; k < s->n; k++) {
      double *col = s->cols[k] + s->first;
      for (j = 0; j < s->held; j++) col[j] = s->stage[(size_t)j * n + (size_t)k];
    }
  }
  s->first += s->held;
  s->held = 0;
}

static void save_row(saver *s, const double *v, long row, double t) {
  const int *slot = s->p->vis_slot, *out = s->o->out_var;
  double *dst;
  int k;
  if (s->time_out) s->time_out[row] = t;
  if (!s->cols) return;
  if (s->held == 0) s->first = row;
  dst = s->stage + (size_t)s->held * (size_t)s->n;
  /* four at a time: thousands of columns in the large models */
  if (out) {
    for (k = 0; k + 4 <= s->n; k += 4) {
      dst[k] = v[slot[out[k]]];         dst[k + 1] = v[slot[out[k + 1]]];
      dst[k + 2] = v[slot[out[k + 2]]]; dst[k + 3] = v[slot[out[k + 3]]];
    }
    for (; k < s->n; k++) dst[k] = v[slot[out[k]]];
  } else {
    for (k = 0; k + 4 <= s->n; k += 4) {
      dst[k] = v[slot[k]];         dst[k + 1] = v[slot[k + 1]];
      dst[k + 2] = v[slot[k + 2]]; dst[k + 3] = v[slot[k + 3]];
    }
    for (; k < s->n; k++) dst[k] = v[slot[k]];
  }
  if (++s->held == SD_STAGE_ROWS) save_flush(s);
}

/* Push this step's inputs into the DELAY FIXED pipelines. */
static void push_pipes(const sd_program *p, const double *v, double *pipes) {
  int s, np = p->ndfx;
  for (s = 0; s < np; s++) {
    long off = (long)pipes[s], len = (long)pipes[np + s], pos = (long)pipes[2 * np + s];
    pipes[off + pos] = v[p->dfx_in[s]];
    pipes[2 * np + s] = (double)((pos + 1) % len);
  }
}

/* Single precision stocks (sd_run_opts.single_stocks): one Euler update
 * in float arithmetic, as Vensim's single-precision build makes it. */
static double euler_f32(double stock, double dt, double rate) {
  float inc = (float)dt * (float)rate;
  return (double)((float)stock + inc);
}

static void round_stocks(const sd_program *p, double *v) {
  int s;
  for (s = 0; s < p->nstocks; s++) v[p->stock_slot[s]] = (double)(float)v[p->stock_slot[s]];
}

/* The Euler loop for time settings that change during the run: each
 * step uses the TIME STEP computed at its start; a row is saved where
 * Time - start is a multiple of the current SAVEPER; the run ends at the
 * first time at or past the current FINAL TIME.  Rows beyond info->n_rows
 * are counted, not saved.  Returns the number of rows, or -1. */
static long run_dynamic(const sd_program *p, const sd_run_opts *o, layout L, sd_exec_fn exec,
                        const sd_vmctx *ctx, const sd_run_info *info, double *pipes,
                        saver *sv, long poll_every, sd_error *err) {
  double *v = L.v, t = info->start;
  long rows = 0, k, since_poll = 0;
  int s, i;
  for (k = 0;; k++) {
    double dt, sp, q;
    v[SD_SLOT_TIME] = v[SD_SLOT_XTIME] = t;
    if (exec_all(p, exec, p->step.ins, v, ctx, &L, err) != 0) return -1;
    for (i = 0; i < SD_NUM_CONTROL; i++)        /* settings the caller fixed */
      if (L.ctl_on[i] != 0) v[SD_SLOT_T0 + i] = L.ctl_val[i];
    dt = v[SD_SLOT_DT];
    sp = v[SD_SLOT_SAVEPER];
    if (!(dt > 0) || !isfinite(dt) || !(sp > 0) || !isfinite(sp))
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0,
                     "at time %g TIME STEP (%g) and SAVEPER (%g) must be positive numbers", t, dt, sp);
    q = (t - info->start) / sp;
    if (fabs(q - floor(q + 0.5)) < 1e-6) {
      if (rows < info->n_rows) save_row(sv, v, rows, t);
      rows++;
    }
    if (t >= v[SD_SLOT_T1] - 1e-6 * dt) { save_flush(sv); break; }
    if (k >= 2000000000L)
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "the run did not reach FINAL TIME in 2e9 steps");
    push_pipes(p, v, pipes);
    if (o->single_stocks)
      for (s = 0; s < p->nstocks; s++)
        v[p->stock_slot[s]] = euler_f32(v[p->stock_slot[s]], dt, v[p->stock_rate[s]]);
    else
      for (s = 0; s < p->nstocks; s++) v[p->stock_slot[s]] += dt * v[p->stock_rate[s]];
    t += dt;
    if (o->poll && ++since_poll >= poll_every) {
      since_poll = 0;
      if (o->poll(o->poll_ud) != 0)
        return sd_fail(err, SD_E_INTERRUPT, NULL, NULL, 0, 0, "the run was interrupted at time %g", t);
    }
  }
  return rows;
}

static int run_steps(const sd_program *p, const sd_run_opts *o, double *work,
                     const sd_run_info *info, double *time_out, double **cols, long *nrows,
                     sd_error *err);

int sd_run_steps(const sd_program *p, const sd_run_opts *o, double *work,
                 const sd_run_info *info, double *time_out, double **cols, sd_error *err) {
  long n;
  return run_steps(p, o, work, info, time_out, cols, &n, err);
}

long sd_run_count_rows(const sd_program *p, const sd_run_opts *o, double *work,
                       const sd_run_info *info, sd_error *err) {
  long n;
  if (run_steps(p, o, work, info, NULL, NULL, &n, err) != 0) return -1;
  return n;
}

static int run_steps(const sd_program *p, const sd_run_opts *o, double *work,
                     const sd_run_info *info, double *time_out, double **cols, long *nrows,
                     sd_error *err) {
  layout L = lay(p, work);
  sd_exec_fn exec = pick(o->dispatch);
  const sd_ins *step = p->step.ins;
  /* a step's equations, solved for SIMULTANEOUS variables from where they
     were (a warm start) */
#define SOLVE(code) do {                                                   \
    if (p->nsim == 0 && p->nzero == 0) { exec(code, v, &ctx); break; }      \
    if (exec_all(p, exec, code, v, &ctx, &L, err) != 0) return -1;          \
  } while (0)
  const int ns = p->nstocks;
  const int *ss = p->stock_slot, *rs = p->stock_rate;
  double *v = L.v;
  const double t0 = info->start, dt = info->dt;
  const long stride = sd_save_stride(info->saveper, info->dt, info->n_steps);
  long poll_every = o->poll_every, k, row = 0, since_poll = 0;
  sd_vmctx ctx;
  saver sv;
  int s;
  double *pipes = work + sd_run_work_size(p), *dsc;
  const int np = p->ndfx;
  sd_error_clear(err);
  ctx.tables = p->tables;
  ctx.hints = L.hints;
  ctx.counts = o->op_counts;
  ctx.ovr_on = L.ovr_on;
  ctx.ovr_val = L.ovr_val;
  ctx.pipes = pipes;
  ctx.npipes = np;
  dsc = pipes;
  if (np) {
    /* header: offset, length and position of each pipeline, then the
       pipelines, filled with the initial value of their output */
    long off = 3 * np;
    for (s = 0; s < np; s++) {
      long len = pipe_length(v[p->dfx_delay[s]], info->dt), j;
      pipes[s] = (double)off;
      pipes[np + s] = (double)len;
      pipes[2 * np + s] = 0;
      for (j = 0; j < len; j++) pipes[off + j] = v[p->dfx_out[s]];
      off += len;
    }
    dsc = pipes + off;                       /* the discrete delays follow */
  }
  if (p->ndsc) sd_dsc_setup(p, v, dsc, info->n_steps, info->dt);
  ctx.dsc = dsc;
  if (o->out_var)
    for (s = 0; s < o->n_out; s++)
      if (o->out_var[s] < 0 || o->out_var[s] >= p->nvis)
        return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "output %d names no variable", s + 1);
  if (poll_every <= 0) {
    /* about every million instructions */
    poll_every = 1000000L / (long)(p->step.n * (info->method == SD_RK4 ? 4 : info->method == SD_RK2 ? 2 : 1) + 1);
    if (poll_every < 1) poll_every = 1;
  }
  sv.p = p;
  sv.o = o;
  sv.time_out = time_out;
  sv.cols = cols;
  sv.n = o->out_var ? o->n_out : p->nvis;
  sv.stage = work + sd_run_work_size(p) + info->n_extra - SD_STAGE_ROWS * (size_t)sv.n;
  sv.first = 0;
  sv.held = 0;
  if (o->single_stocks) round_stocks(p, v);
  if (info->dynamic_time) {
    *nrows = run_dynamic(p, o, L, exec, &ctx, info, pipes, &sv, poll_every, err);
    return *nrows < 0 ? -1 : 0;
  }
  *nrows = info->n_rows;

  for (k = 0;; k++) {
    const double t = t0 + (double)k * dt;   /* no accumulated rounding */
    v[SD_SLOT_TIME] = v[SD_SLOT_XTIME] = t;
    SOLVE(step);
    if (k % stride == 0 && row < info->n_rows) save_row(&sv, v, row++, t);
    if (k >= info->n_steps) { save_flush(&sv); break; }
    push_pipes(p, v, pipes);
    if (p->ndsc) sd_dsc_push(p, v, dsc, k, dt);

    if (info->method == SD_EULER) {
      if (o->single_stocks)
        for (s = 0; s < ns; s++) v[ss[s]] = euler_f32(v[ss[s]], dt, v[rs[s]]);
      else
        for (s = 0; s < ns; s++) v[ss[s]] += dt * v[rs[s]];
    } else if (info->method == SD_RK2) {
      /* midpoint: half a step on the rates at t, then a full step on the
         rates at the midpoint */
      for (s = 0; s < ns; s++) {
        L.y0[s] = v[ss[s]];
        v[ss[s]] = L.y0[s] + 0.5 * dt * v[rs[s]];
      }
      v[SD_SLOT_TIME] = t + 0.5 * dt;
      SOLVE(step);
      for (s = 0; s < ns; s++) v[ss[s]] = L.y0[s] + dt * v[rs[s]];
    } else {
      /* classic fourth-order Runge-Kutta; the input functions keep seeing
         the time at the start of the step */
      for (s = 0; s < ns; s++) {
        L.y0[s] = v[ss[s]];
        L.acc[s] = v[rs[s]];
        v[ss[s]] = L.y0[s] + 0.5 * dt * v[rs[s]];
      }
      v[SD_SLOT_TIME] = t + 0.5 * dt;
      SOLVE(step);
      for (s = 0; s < ns; s++) {
        L.acc[s] += 2 * v[rs[s]];
        v[ss[s]] = L.y0[s] + 0.5 * dt * v[rs[s]];
      }
      SOLVE(step);
      for (s = 0; s < ns; s++) {
        L.acc[s] += 2 * v[rs[s]];
        v[ss[s]] = L.y0[s] + dt * v[rs[s]];
      }
      v[SD_SLOT_TIME] = t + dt;
      SOLVE(step);
      for (s = 0; s < ns; s++) v[ss[s]] = L.y0[s] + dt / 6 * (L.acc[s] + v[rs[s]]);
    }
    /* Runge-Kutta: the stages in double, the state kept in float */
    if (o->single_stocks && info->method != SD_EULER) round_stocks(p, v);

    if (o->poll && ++since_poll >= poll_every) {
      since_poll = 0;
      if (o->poll(o->poll_ud) != 0)
        return sd_fail(err, SD_E_INTERRUPT, NULL, NULL, 0, 0, "the run was interrupted at time %g", t);
    }
  }
  return 0;
}
#undef SOLVE
