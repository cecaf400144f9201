/*
 * sd_lanes.c -- running up to SD_LANES runs of one program in lockstep.
 *
 * A batch's runs differ only in their overrides, so they execute the same
 * instructions in the same order.  Here each value slot holds the SD_LANES
 * runs' values side by side (slot x of lane l at v[x * SD_LANES + l]) and
 * the lane interpreter (sd_vm_body.h with SD_VM_K lanes) dispatches every
 * instruction once for all of them: the dispatch, the operand decoding and
 * the loop overhead, which dominate an interpreter, are shared, and each
 * handler's lane loop is plain arithmetic over one cache line.
 *
 * Each run's initial values are computed on its own (sd_run_init, the
 * scalar interpreter, in its own work buffer) and then interleaved; only
 * the steps run in lanes.  A lane does exactly the operations its run
 * does alone, in the same order, so the numbers are the same bit for bit:
 * the step loop below mirrors run_steps() in sd_run.c expression for
 * expression.
 *
 * IF THEN ELSE: a jump that every lane takes, or none, is taken or not,
 * as by one run.  When the lanes go different ways (sd_lanes_split), both
 * arms run for every lane in a bounded interpreter, and each lane keeps
 * what its own arm wrote: an arm writes only the IF's result and
 * temporaries (read only after the arm writes them), so keeping the
 * result slot (and the temporaries, harmless) is enough.  A lane running
 * an arm its run would skip computes numbers nobody reads.  An arm with
 * state (SAMPLE IF TRUE, SHIFT IF TRUE) cannot run for a lane that skips
 * it: the lanes are abandoned, and the caller runs those runs one by one.
 *
 * Programs whose state lives outside the value slots (DELAY FIXED
 * pipelines, discrete delays' records, SHIFT IF TRUE's once-a-step shift),
 * that iterate per run (SIMULTANEOUS, FIND ZERO) or whose time settings
 * move are refused (sd_lanes_refusal) and run one at a time.
 */
#include <math.h>
#include <string.h>
#include "sd_program.h"

typedef void (*sd_exec_fn)(const sd_ins *, double *, const sd_vmctx *);

int sd_lanes_width(void) { return SD_LANES; }

/* Why p cannot run in lanes (NULL: it can). */
static const char *refusal_of(const sd_program *p) {
  int i;
  if (p->nsim) return "SIMULTANEOUS iterates per run";
  if (p->nzero) return "FIND ZERO iterates per run";
  if (p->ndfx) return "DELAY FIXED keeps a pipeline per run";
  if (p->ndsc) return "discrete delays keep a record per run";
  if (p->dynamic_time) return "the time settings change during the run";
  for (i = 0; i < p->step.n; i += sd_ins_words(&p->step.ins[i])) {
    int op = p->step.ins[i].op;
    if (op == SDI_SHIFTIF) return "SHIFT IF TRUE shifts once a step per run";
    if (op == SDI_VECLKP || op == SDI_DSCOUT || op == SDI_DELAYFX) return "an instruction reads per-run memory";
  }
  return NULL;
}

const char *sd_lanes_refusal(const sd_program *p) { return p->lane_refusal; }

/* The slots instruction `in` writes: n of them from d, stride apart (n 0:
 * none).  Returns the words the interpreter moves on by (sd_vm_body.h). */
static int writes_of(const sd_ins *in, int32_t *d, int *n, int *stride) {
  int op = in->op;
  *d = in->d;
  *n = 1;
  *stride = 1;
  switch (op) {
  case SDI_HALT: case SDI_EXT: case SDI_JMP: case SDI_JZ:
    *n = 0;
    return 1;
  case SDI_VADD: case SDI_VSUB: case SDI_VMUL: case SDI_VDIV: case SDI_VZIDZ: case SDI_VLOOKUP:
    *n = in[1].d;
    return in[1].d;
  case SDI_VMULDIV: case SDI_VSUBDIV: case SDI_VDIVMUL:
    *n = in[1].d;
    return 2 * in[1].d;
  default:
    break;
  }
  switch (sd_opcode_formats[op]) {
  case SD_F_W3: case SD_F_W4: case SD_F_W5:
    *n = in[1].d;
    *stride = in[1].a;
    break;
  default:
    break;
  }
  return sd_ins_words(in);
}

/* Slot writes of a stretch of code: how much a split may have to keep. */
static size_t count_writes(const sd_ins *from, const sd_ins *to) {
  size_t w = 0;
  while (from < to) {
    int32_t d;
    int n, s, k = writes_of(from, &d, &n, &s);
    w += (size_t)n;
    from += k;
  }
  return w;
}

/* 1 if the code in [from, to) holds state a skipped arm must not touch. */
static int holds_state(const sd_ins *from, const sd_ins *to) {
  while (from < to) {
    int32_t d;
    int n, s, op = from->op;
    if (op == SDI_SAMPLE || op == SDI_WSAMPLE || op == SDI_SHIFTIF) return 1;
    from += writes_of(from, &d, &n, &s);
  }
  return 0;
}

struct sd_lanesplit {
  double *buf;           /* saved slot lines, SD_LANES doubles each */
  size_t cap, top;       /* lines */
  int abandoned;         /* an arm held state */
};

#define K SD_LANES
#define LV(x, l) v[(size_t)(x) * K + (size_t)(l)]

static void run_arm(const sd_ins *from, const sd_ins *to, double *v, const sd_vmctx *ctx,
                    void (*run_to)(const sd_ins *, double *, const sd_vmctx *)) {
  sd_vmctx sub = *ctx;
  sub.end = to;
  run_to(from, v, &sub);
}

const sd_ins *sd_lanes_split(const sd_ins *pc, double *v, const sd_vmctx *ctx, unsigned mask,
                             void (*run_to)(const sd_ins *, double *, const sd_vmctx *)) {
  struct sd_lanesplit *sp = ctx->split;
  int l;
  if (pc->op == SDI_JZ) {
    /* JZ c -> ELSE; THEN arm; JMP -> END; ELSE arm; END.  mask: the lanes
       whose c is 0 (they take the ELSE arm) */
    const sd_ins *els = pc + pc->a, *jmp = els - 1, *end, *in;
    size_t top0 = sp->top, line;
    /* (the compiler writes every JZ so; anything else is not split) */
    if (pc->a < 2 || jmp->op != SDI_JMP) { sp->abandoned = 1; return NULL; }
    end = jmp + jmp->a;
    if (holds_state(pc + 1, jmp) || holds_state(els, end)) { sp->abandoned = 1; return NULL; }
    run_arm(pc + 1, jmp, v, ctx, run_to);
    if (sp->abandoned) return NULL;
    /* the THEN arm's writes, every lane, before the ELSE arm runs */
    for (in = pc + 1; in < jmp;) {
      int32_t d;
      int n, s, k = writes_of(in, &d, &n, &s), j;
      for (j = 0; j < n; j++) {
        if (sp->top >= sp->cap) { sp->abandoned = 1; return NULL; }   /* cannot happen: sized by count_writes */
        memcpy(sp->buf + sp->top * K, &LV(d + j * s, 0), K * sizeof(double));
        sp->top++;
      }
      in += k;
    }
    run_arm(els, end, v, ctx, run_to);
    if (sp->abandoned) return NULL;
    /* the THEN lanes get their arm's values back, in the order written */
    line = top0;
    for (in = pc + 1; in < jmp;) {
      int32_t d;
      int n, s, k = writes_of(in, &d, &n, &s), j;
      for (j = 0; j < n; j++, line++)
        for (l = 0; l < K; l++)
          if (!(mask >> l & 1u)) LV(d + j * s, l) = sp->buf[line * K + (size_t)l];
      in += k;
    }
    sp->top = top0;
    return end;
  } else {
    /* CMOVJ*: the lanes in mask move the value and skip the arm; the
       others run it (it writes their result) */
    const sd_ins *end = pc + pc[1].d;
    double val[K];
    for (l = 0; l < K; l++) val[l] = LV(pc->a, l);
    if (holds_state(pc + 2, end)) { sp->abandoned = 1; return NULL; }
    run_arm(pc + 2, end, v, ctx, run_to);
    if (sp->abandoned) return NULL;
    for (l = 0; l < K; l++)
      if (mask >> l & 1u) LV(pc->d, l) = val[l];
    return end;
  }
}

void sd_lanes_prepare(sd_program *p) {
  p->lane_refusal = refusal_of(p);
  p->lane_writes = count_writes(p->step.ins, p->step.ins + p->step.n);
}

/* lane memory: values, lookup hints, overrides, Runge-Kutta's y0 and acc,
   and the lines a split may keep */
size_t sd_lanes_work_size(const sd_program *p) {
  return (size_t)SD_LANES * ((size_t)p->nslots + (size_t)p->ntables + 4 * (size_t)p->nstocks + p->lane_writes);
}

static sd_exec_fn pick_lanes(sd_dispatch d) {
#if SD_HAVE_COMPUTED_GOTO
  if (d == SD_DISPATCH_DEFAULT || d == SD_DISPATCH_GOTO) return sd_vm_lanes_goto;
#endif
  (void)d;
  return sd_vm_lanes_switch;
}

/* as in sd_run.c: Vensim's single-precision stocks */
static double euler_f32(double stock, double dt, double rate) {
  float inc = (float)dt * (float)rate;
  return (double)((float)stock + inc);
}

static void round_stocks(const sd_program *p, double *v) {
  int s, l;
  for (s = 0; s < p->nstocks; s++)
    for (l = 0; l < K; l++) LV(p->stock_slot[s], l) = (double)(float)LV(p->stock_slot[s], l);
}

int sd_lanes_together(const sd_run_info *a, const sd_run_info *b) {
  return a->start == b->start && a->dt == b->dt && a->saveper == b->saveper && a->method == b->method &&
         a->n_steps == b->n_steps && a->n_rows == b->n_rows && !a->dynamic_time && !b->dynamic_time;
}

/* Row `row` (time t) of every live lane, straight into its columns. */
static void save_rows(const sd_program *p, const sd_run_opts *o, int n, const double *v, long row, double t,
                      double *const *time_out, double **const *cols) {
  const int *slot = p->vis_slot, *out = o->out_var;
  const int nc = out ? o->n_out : p->nvis;
  int l, k;
  for (l = 0; l < n; l++) {
    if (time_out && time_out[l]) time_out[l][row] = t;
    if (!cols || !cols[l]) continue;
    for (k = 0; k < nc; k++) cols[l][k][row] = LV(slot[out ? out[k] : k], l);
  }
}

int sd_run_lanes(const sd_program *p, const sd_run_opts *o, int n, double *const *w,
                 const sd_run_info *info, double *lanes, double *const *time_out,
                 double **const *cols, sd_error *err) {
  const size_t nsl = (size_t)p->nslots, nt = (size_t)p->ntables, ns = (size_t)p->nstocks;
  double *v = lanes, *hints = v + nsl * K, *ovr_on = hints + nt * K, *ovr_val = ovr_on + ns * K;
  double *y0 = ovr_val + ns * K, *acc = y0 + ns * K, *lines = acc + ns * K;
  const int *ss = p->stock_slot, *rs = p->stock_rate;
  const sd_exec_fn exec = pick_lanes(o->dispatch);
  struct sd_lanesplit split;
  const sd_ins *step = p->step.ins;
  const char *why = sd_lanes_refusal(p);
  double t0, dt;
  long stride, k, row = 0, since_poll = 0, poll_every = o->poll_every;
  sd_vmctx ctx;
  int l, s;
  size_t x;

  sd_error_clear(err);
  if (why) return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "these runs cannot step together: %s", why);
  if (n < 1 || n > K) return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "%d runs for %d lanes", n, K);
  for (l = 1; l < n; l++)
    if (!sd_lanes_together(&info[0], &info[l]))
      return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "runs stepping together need the same time settings");
  if (info[0].dynamic_time)
    return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "these runs cannot step together: their time settings move");
  if (o->out_var)
    for (s = 0; s < o->n_out; s++)
      if (o->out_var[s] < 0 || o->out_var[s] >= p->nvis)
        return sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "output %d names no variable", s + 1);

  /* interleave the runs' states; lanes beyond n repeat the first run (their
     results are computed and dropped) */
  for (l = 0; l < K; l++) {
    sd_run_parts r = sd_run_parts_of(p, w[l < n ? l : 0]);
    for (x = 0; x < nsl; x++) LV(x, l) = r.v[x];
    for (x = 0; x < nt; x++) hints[x * K + (size_t)l] = r.hints[x];
    for (x = 0; x < ns; x++) {
      ovr_on[x * K + (size_t)l] = r.ovr_on[x];
      ovr_val[x * K + (size_t)l] = r.ovr_val[x];
    }
  }
  ctx.tables = p->tables;
  ctx.hints = hints;
  ctx.ovr_on = ovr_on;
  ctx.ovr_val = ovr_val;
  ctx.pipes = NULL;
  ctx.npipes = 0;
  ctx.dsc = NULL;
  ctx.counts = NULL;
  ctx.end = NULL;
  ctx.split = &split;
  split.buf = lines;
  split.cap = p->lane_writes;
  split.top = 0;
  split.abandoned = 0;

  t0 = info[0].start;
  dt = info[0].dt;
  stride = sd_save_stride(info[0].saveper, dt, info[0].n_steps);
  if (poll_every <= 0) {
    poll_every = 1000000L / ((long)p->step.n * K * (info[0].method == SD_RK4 ? 4 : info[0].method == SD_RK2 ? 2 : 1) + 1);
    if (poll_every < 1) poll_every = 1;
  }
  if (o->single_stocks) round_stocks(p, v);

  /* run_steps() of sd_run.c, each update done for every lane */
#define EXEC_STEP do {                                                                  \
    exec(step, v, &ctx);                                                                \
    if (split.abandoned) {                                                              \
      sd_fail(err, SD_E_RUN, NULL, NULL, 0, 0, "these runs cannot step together: an "     \
              "IF THEN ELSE arm that holds state runs for some of them only");            \
      return 1;                                                                         \
    }                                                                                   \
  } while (0)
#define EACH_STOCK(body) for (s = 0; s < (int)ns; s++) for (l = 0; l < K; l++) { body; }
#define SET_TIME(tt) for (l = 0; l < K; l++) LV(SD_SLOT_TIME, l) = (tt)
  for (k = 0;; k++) {
    const double t = t0 + (double)k * dt;
    for (l = 0; l < K; l++) LV(SD_SLOT_TIME, l) = LV(SD_SLOT_XTIME, l) = t;
    EXEC_STEP;
    if (k % stride == 0 && row < info[0].n_rows) save_rows(p, o, n, v, row++, t, time_out, cols);
    if (k >= info[0].n_steps) break;

    if (info[0].method == SD_EULER) {
      if (o->single_stocks)
        EACH_STOCK(LV(ss[s], l) = euler_f32(LV(ss[s], l), dt, LV(rs[s], l)))
      else
        for (s = 0; s < (int)ns; s++) {
          /* (all loads before the stores: the compiler packs the lanes) */
          double *x = &LV(ss[s], 0), nx[K];
          const double *r = &LV(rs[s], 0);
          for (l = 0; l < K; l++) nx[l] = x[l] + dt * r[l];
          for (l = 0; l < K; l++) x[l] = nx[l];
        }
    } else if (info[0].method == SD_RK2) {
      EACH_STOCK(y0[s * K + l] = LV(ss[s], l); LV(ss[s], l) = y0[s * K + l] + 0.5 * dt * LV(rs[s], l))
      SET_TIME(t + 0.5 * dt);
      EXEC_STEP;
      EACH_STOCK(LV(ss[s], l) = y0[s * K + l] + dt * LV(rs[s], l))
    } else {
      EACH_STOCK(y0[s * K + l] = LV(ss[s], l); acc[s * K + l] = LV(rs[s], l);
                 LV(ss[s], l) = y0[s * K + l] + 0.5 * dt * LV(rs[s], l))
      SET_TIME(t + 0.5 * dt);
      EXEC_STEP;
      EACH_STOCK(acc[s * K + l] += 2 * LV(rs[s], l); LV(ss[s], l) = y0[s * K + l] + 0.5 * dt * LV(rs[s], l))
      EXEC_STEP;
      EACH_STOCK(acc[s * K + l] += 2 * LV(rs[s], l); LV(ss[s], l) = y0[s * K + l] + dt * LV(rs[s], l))
      SET_TIME(t + dt);
      EXEC_STEP;
      EACH_STOCK(LV(ss[s], l) = y0[s * K + l] + dt / 6 * (acc[s * K + l] + LV(rs[s], l)))
    }
    if (o->single_stocks && info[0].method != SD_EULER) round_stocks(p, v);

    if (o->poll && ++since_poll >= poll_every) {
      since_poll = 0;
      if (o->poll(o->poll_ud) != 0)
        return sd_fail(err, SD_E_INTERRUPT, NULL, NULL, 0, 0, "the run was interrupted at time %g", t);
    }
  }
#undef EXEC_STEP
#undef EACH_STOCK
#undef SET_TIME
  return 0;
}
