/*
 * sd_lower.c -- builtins of Vensim's reference beyond the classic set,
 * lowered onto what the compiler already has:
 *
 *   NPV, NPVE        two hidden stocks each, as Vensim's reference writes
 *                    them out (Functions > Financial)
 *   SINTEG           the rate that takes a stock to its limited value in
 *                    one TIME STEP (sd_mdl.c reads SINTEG as a stock
 *                    whose rate is SINTEG STEP(stock, rate, limits...))
 *   TIME BASE        start + Time * slope
 *   VECTOR LOOKUP, LOOKUP AREA, LOOKUP SLOPE, RANDOM BETA ... WEIBULL:
 *                    resolved here to the operands of their instructions
 *
 * resolve_more() runs before the call's arguments are resolved (some
 * arguments are names of lookups or arrays, not values); lower_more()
 * after.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_compile_impl.h"
#include "sd_math.h"

static int element_run(cc *c, sd_node *n, sd_node *x, int depth, const char *what, int *count, int *stride,
                       int *total);

/* Vensim writes :NA: as -2^109 */
#define SD_NA (-6.4903710731685345e+32)

static sd_node *time_step_ref(cc *c, const sd_node *at) {
  int idx = sd_strmap_get(&c->m->index, "time step");
  return idx < 0 ? NULL : mk_var(c, c->mbase[idx], at);
}

/* NPV(stream, rate, init, factor) and NPVE: the discount factor df and
 * the accumulation are stocks,
 *   df   = INTEG(-df * rate / (1 + rate * TIME STEP), 1)   (NPVE: starts
 *          at 1 / (1 + rate * TIME STEP), valuing at the end of a period)
 *   acc  = INTEG(stream * df, init)
 *   NPV  = (acc + stream * TIME STEP * df) * factor */
static int lower_npv(cc *c, sd_node *n, int end_of_period) {
  sd_node **a = n->args, *dt = time_step_ref(c, n), *one_plus, *out;
  int df = add_hidden(c, end_of_period ? "NPVE discount factor" : "NPV discount factor", CV_STOCK);
  int acc = add_hidden(c, end_of_period ? "NPVE accumulation" : "NPV accumulation", CV_STOCK);
  if (df < 0 || acc < 0 || !dt) return oom(c);
  one_plus = mk_bin(c, SD_OP_ADD, mk_num(c, 1, n), mk_bin(c, SD_OP_MUL, a[1], dt, n), n);
  c->v[df].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_MUL, mk_bin(c, SD_OP_SUB, mk_num(c, 0, n),
                                                                  mk_var(c, df, n), n), a[1], n),
                        one_plus, n);
  c->v[df].init = end_of_period ? mk_bin(c, SD_OP_DIV, mk_num(c, 1, n), one_plus, n) : mk_num(c, 1, n);
  c->v[acc].eqn = mk_bin(c, SD_OP_MUL, a[0], mk_var(c, df, n), n);
  c->v[acc].init = a[2];
  out = mk_bin(c, SD_OP_MUL,
               mk_bin(c, SD_OP_ADD, mk_var(c, acc, n),
                      mk_bin(c, SD_OP_MUL, mk_bin(c, SD_OP_MUL, a[0], time_step_ref(c, n), n),
                             mk_var(c, df, n), n), n),
               a[3], n);
  if (!c->v[df].eqn || !c->v[df].init || !c->v[acc].eqn || !out) return oom(c);
  *n = *out;
  return 0;
}

/* A limit of SINTEG: a number, or :NA: (no limit). */
static int sinteg_limit(cc *c, sd_node *arg, double *out) {
  fold(arg);
  if (arg->kind != SD_N_NUM)
    return fail_at(c, SD_E_DEFINITION, arg, "the limits of SINTEG (minimum, maximum, quantum, special value, "
                   "threshold) must be numbers or :NA:%s%s", NULL, NULL);
  *out = arg->num;
  return 0;
}

/* SINTEG STEP(stock, rate, min, max, quant, spec, thresh): the rate that
 * moves the stock to limit(stock + rate * TIME STEP) in one step, where
 * limit keeps a value within [min, max], rounds it to a multiple of
 * quant and makes it spec within thresh of spec (Vensim's SINTEG). */
static int lower_sinteg(cc *c, sd_node *n) {
  sd_node **a = n->args, *next;
  double mn = SD_NA, mx = SD_NA, q = SD_NA, sp = SD_NA, th = SD_NA;
  if (sinteg_limit(c, a[2], &mn) || sinteg_limit(c, a[3], &mx) || sinteg_limit(c, a[4], &q) ||
      sinteg_limit(c, a[5], &sp) || sinteg_limit(c, a[6], &th))
    return -1;
  next = mk_bin(c, SD_OP_ADD, a[0], mk_bin(c, SD_OP_MUL, a[1], time_step_ref(c, n), n), n);
  if (mn != SD_NA) {
    sd_node *args[2];
    args[0] = next;
    args[1] = mk_num(c, mn, n);
    next = mk_call(c, SD_FN_MAX, 2, args, n);
  }
  if (mx != SD_NA) {
    sd_node *args[2];
    args[0] = next;
    args[1] = mk_num(c, mx, n);
    next = mk_call(c, SD_FN_MIN, 2, args, n);
  }
  if (q != SD_NA && q > 0) {
    /* the nearest multiple of q: q * INTEGER(v / q + 0.5 * sign(v)) */
    int h = add_hidden(c, "SINTEG value", CV_AUX);
    sd_node *v, *half, *ia[1], *ie[3];
    if (h < 0 || !next) return oom(c);
    c->v[h].eqn = next;
    v = mk_var(c, h, n);
    ie[0] = mk_bin(c, SD_OP_GE, mk_var(c, h, n), mk_num(c, 0, n), n);
    ie[1] = mk_num(c, 0.5, n);
    ie[2] = mk_num(c, -0.5, n);
    half = mk_call(c, SD_FN_IF_THEN_ELSE, 3, ie, n);
    ia[0] = mk_bin(c, SD_OP_ADD, mk_bin(c, SD_OP_DIV, v, mk_num(c, q, n), n), half, n);
    next = mk_bin(c, SD_OP_MUL, mk_num(c, q, n), mk_call(c, SD_FN_INTEGER, 1, ia, n), n);
  }
  if (sp != SD_NA && th != SD_NA) {
    int h = add_hidden(c, "SINTEG value", CV_AUX);
    sd_node *ie[3], *absa[1];
    if (h < 0 || !next) return oom(c);
    c->v[h].eqn = next;
    absa[0] = mk_bin(c, SD_OP_SUB, mk_var(c, h, n), mk_num(c, sp, n), n);
    ie[0] = mk_bin(c, SD_OP_LT, mk_call(c, SD_FN_ABS, 1, absa, n), mk_num(c, th, n), n);
    ie[1] = mk_num(c, sp, n);
    ie[2] = mk_var(c, h, n);
    next = mk_call(c, SD_FN_IF_THEN_ELSE, 3, ie, n);
  }
  next = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, next, copy_tree(c, a[0]), n), time_step_ref(c, n), n);
  if (!next) return oom(c);
  *n = *next;
  return 0;
}

/* The discrete delays (sd_discrete.c): DELAY INFORMATION(x, T, init),
 * DELAY MATERIAL(x, T, init, missing), DEPRECIATE STRAIGHTLINE(str,
 * dtime, fisc, init) and DELAY CONVEYOR(input, ctime, leak, profile,
 * inittot, initctime).  Their inputs are kept in hidden variables whose
 * values the run records at the end of every step; the output, a hidden
 * variable, reads the record (its initial value computed from the
 * arguments).  `table` is the conveyor's profile. */
static int lower_discrete(cc *c, sd_node *n, int kind, int table) {
  static const char *const what[] = { "DELAY INFORMATION", "DELAY MATERIAL", "DEPRECIATE STRAIGHTLINE",
                                       "DELAY CONVEYOR", "DELAY BATCH", "DELAY PROFILE", "QUEUE FIFO",
                                       "NET PRESENT VALUE", "DEPRECIATE BY SCHEDULE", "XMILE CONVEYOR" };
  static const sd_fn fns[] = { SD_FN_DELAY_INFORMATION, SD_FN_DELAY_MATERIAL, SD_FN_DEPRECIATE_STRAIGHTLINE,
                               SD_FN_DELAY_CONVEYOR, SD_FN_DELAY_BATCH, SD_FN_DELAY_PROFILE, SD_FN_QUEUE_FIFO,
                               SD_FN_NET_PRESENT_VALUE, SD_FN_DEPRECIATE_BY_SCHEDULE, SD_FN_XMILE_CONVEYOR };
  static const int schedule_args[] = { 0, 3, 4 };          /* the schedule and init are read by slot */
  static const int queue_args[] = { 0, 1, 3, 4 };         /* the profile is `table` */
  static const int attrib_args[] = { 0, 1, 6, 8, 2, 3, 7 }; /* QUEUE FIFO ATTRIB (its profiles are tables) */
  int attrib = kind == SD_DSC_QUEUE && n->nargs == 9;
  static const int conveyor_args[] = { 0, 1, 2, 4, 5 };   /* the profile is `table` */
  static const int belt_args[] = { 0, 1, 3 };             /* input, transit time, arrested */
  char label[64];
  int in[SD_DSC_MAXARG], out, k;
  int nin = kind == SD_DSC_BATCH ? 6 : kind == SD_DSC_CONVEYOR ? 5 : kind == SD_DSC_DEPRECIATE ? 4 :
            kind == SD_DSC_PROFILE || kind == SD_DSC_QUEUE ? (attrib ? 7 : 4) : kind == SD_DSC_NPV ? 5 : kind == SD_DSC_SCHEDULE ? 3 :
            kind == SD_DSC_BELT ? 3 : 2;
  sd_node *rd;
  for (k = 0; k < nin; k++) {
    int a = kind == SD_DSC_CONVEYOR ? conveyor_args[k] : kind == SD_DSC_PROFILE ? k + 1 :
            kind == SD_DSC_BELT ? belt_args[k] :
            kind == SD_DSC_QUEUE ? (attrib ? attrib_args[k] : queue_args[k]) :
            kind == SD_DSC_SCHEDULE ? schedule_args[k] : k;
    snprintf(label, sizeof label, "%s argument %d", what[kind], a + 1);
    if ((in[k] = add_hidden(c, label, CV_AUX)) < 0) return oom(c);
    c->v[in[k]].eqn = n->args[a];
    c->v[in[k]].dynamic = 1;
  }
  for (; k < SD_DSC_MAXARG; k++) in[k] = in[0];
  out = add_hidden(c, what[kind], CV_AUX);
  if (out < 0) return oom(c);
  if (c->ndsc == c->dsccap) {
    int ncap = c->dsccap ? 2 * c->dsccap : 8;
    sd_dsc *nd = realloc(c->dscv, (size_t)ncap * sizeof *nd);
    if (!nd) return oom(c);
    c->dscv = nd;
    c->dsccap = ncap;
  }
  rd = node_new(c, SD_N_CALL, n);
  if (!rd) return oom(c);
  rd->ref = fns[kind];
  rd->name = n->name;
  rd->text = n->text;
  rd->num = c->ndsc;
  rd->done = 1;
  rd->nargs = kind == SD_DSC_INFORMATION ? 3 : kind == SD_DSC_MATERIAL || kind == SD_DSC_BELT ? 2 : kind == SD_DSC_DEPRECIATE ? 1 : 0;
  rd->args = sd_arena_alloc(&c->ast, 3 * sizeof(sd_node *));
  if (!rd->args) return oom(c);
  if (kind == SD_DSC_INFORMATION) {
    /* the output reads the current input and delay too */
    if (!(rd->args[0] = mk_var(c, in[0], n)) || !(rd->args[1] = mk_var(c, in[1], n))) return oom(c);
    rd->args[2] = n->args[2];
    c->v[out].init = n->args[2];
  } else if (kind == SD_DSC_MATERIAL) {
    rd->args[0] = n->args[2];
    rd->args[1] = n->args[3];
    c->v[out].init = n->args[2];
  } else if (kind == SD_DSC_BELT) {
    /* the output reads the initial rate and whether the belt stands now */
    rd->args[0] = n->args[2];
    if (!(rd->args[1] = mk_var(c, in[2], n))) return oom(c);
    c->v[out].init = mk_bin(c, SD_OP_MUL, n->args[2],
                            mk_bin(c, SD_OP_EQ, mk_var(c, in[2], n), mk_num(c, 0, n), n), n);
    if (!c->v[out].init) return oom(c);
  } else if (kind == SD_DSC_SCHEDULE) {
    /* the output reads the stream now; at the start nothing of it is
       depreciated yet beyond the initial depreciation (the record's) */
    rd->nargs = 1;
    if (!(rd->args[0] = mk_var(c, in[0], n))) return oom(c);
    c->v[out].init = mk_num(c, 0, n);
    if (!c->v[out].init) return oom(c);
  } else if (kind == SD_DSC_NPV) {
    rd->nargs = 1;                           /* the output reads the rate now */
    if (!(rd->args[0] = mk_var(c, in[1], n))) return oom(c);
    c->v[out].init = mk_num(c, 0, n);        /* nothing accumulated at the start */
    if (!c->v[out].init) return oom(c);
  } else if (kind == SD_DSC_QUEUE) {
    /* a level: the initial contents at the start; the QUEUE AGE functions
       find its record through the variable */
    rd->nargs = 0;
    c->v[out].init = mk_var(c, in[2], n);
    if (!c->v[out].init) return oom(c);
    c->v[c->cur].queue_dsc = c->ndsc + 1;
    c->v[out].queue_dsc = c->ndsc + 1;
  } else if (kind == SD_DSC_PROFILE) {
    /* the reference's initialization: as if the input had been init
       (growing at init grow) for ever; with no growth, init */
    c->v[out].init = mk_var(c, in[2], n);
    if (!c->v[out].init) return oom(c);
  } else if (kind == SD_DSC_BATCH) {
    /* at the start: the initial batch if its time is not later */
    sd_node *ia[3];
    int t0 = sd_strmap_get(&c->m->index, "initial time");
    if (t0 < 0) return oom(c);
    ia[0] = mk_bin(c, SD_OP_LE, mk_var(c, in[4], n), mk_var(c, c->mbase[t0], n), n);
    ia[1] = mk_var(c, in[3], n);
    ia[2] = mk_num(c, 0, n);
    c->v[out].init = mk_call(c, SD_FN_IF_THEN_ELSE, 3, ia, n);
    if (!c->v[out].init) return oom(c);
  } else if (kind == SD_DSC_CONVEYOR) {
    /* the reference: the initial output is inittot / initctime */
    c->v[out].init = mk_bin(c, SD_OP_DIV, mk_var(c, in[3], n), mk_var(c, in[4], n), n);
    if (!c->v[out].init) return oom(c);
  } else {
    /* at the start: init + (str - init) / N, N = periods in dtime */
    sd_node *ia[1], *ma[2], *N;
    if (!(rd->args[0] = mk_var(c, in[0], n))) return oom(c);
    ia[0] = mk_bin(c, SD_OP_ADD, mk_bin(c, SD_OP_DIV, mk_var(c, in[1], n), mk_var(c, in[2], n), n),
                   mk_num(c, 0.5, n), n);
    ma[0] = mk_num(c, 1, n);
    ma[1] = mk_call(c, SD_FN_INTEGER, 1, ia, n);
    N = mk_call(c, SD_FN_MAX, 2, ma, n);
    c->v[out].init = mk_bin(c, SD_OP_ADD, mk_var(c, in[3], n),
                            mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, mk_var(c, in[0], n), mk_var(c, in[3], n), n),
                                   N, n), n);
    if (!c->v[out].init) return oom(c);
  }
  c->v[out].eqn = rd;
  c->dscv[c->ndsc].kind = kind;
  c->dscv[c->ndsc].table = table;
  c->dscv[c->ndsc].table2 = -1;
  c->dscv[c->ndsc].nvec[0] = c->dscv[c->ndsc].nvec[1] = 0;
  for (k = 0; k < SD_DSC_MAXARG; k++) c->dscv[c->ndsc].arg[k] = in[k];
  c->ndsc++;
  become_var(c, n, out);
  return 0;
}

/* A RANDOM NORMAL(-6, 6, 0, 1, seed) draw with a call site of its own. */
static sd_node *std_normal_draw(cc *c, sd_node *seed, const sd_node *at) {
  sd_node *a[5], *r;
  a[0] = mk_num(c, -6, at); a[1] = mk_num(c, 6, at); a[2] = mk_num(c, 0, at); a[3] = mk_num(c, 1, at);
  a[4] = seed;
  r = mk_call(c, SD_FN_RANDOM_NORMAL, 5, a, at);
  if (r) r->num = c->nrandom++;
  return r;
}

/* RANDOM PINK NOISE(mean, sd, correlation time, seed): Ed Anderson's
 * pink noise, which Vensim's reference (Random Functions) describes as
 * white noise smoothed by a first-order stock,
 *   pink  = INTEG((white - pink) / tau, mean + sd * N(0, 1))
 *   white = mean + sd * SQRT((2 - TIME STEP / tau) * tau / TIME STEP) * N(0, 1)
 * the white noise scaled so the pink noise has standard deviation sd
 * whatever the time step and correlation time (under Euler). */
static int lower_pink_noise(cc *c, sd_node *n) {
  sd_node **a = n->args, *dt = time_step_ref(c, n), *scale, *white, *init;
  int p = add_hidden(c, "RANDOM PINK NOISE", CV_STOCK);
  if (p < 0 || !dt) return oom(c);
  scale = mk_bin(c, SD_OP_MUL, mk_bin(c, SD_OP_SUB, mk_num(c, 2, n), mk_bin(c, SD_OP_DIV, dt, a[2], n), n),
                 mk_bin(c, SD_OP_DIV, a[2], time_step_ref(c, n), n), n);
  scale = mk_call(c, SD_FN_SQRT, 1, &scale, n);
  white = mk_bin(c, SD_OP_ADD, a[0], mk_bin(c, SD_OP_MUL, mk_bin(c, SD_OP_MUL, a[1], scale, n),
                                             std_normal_draw(c, a[3], n), n), n);
  init = mk_bin(c, SD_OP_ADD, a[0], mk_bin(c, SD_OP_MUL, a[1], std_normal_draw(c, a[3], n), n), n);
  c->v[p].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, white, mk_var(c, p, n), n), a[2], n);
  c->v[p].init = init;
  if (!c->v[p].eqn || !init) return oom(c);
  become_var(c, n, p);
  return 0;
}

int lower_more(cc *c, sd_node *n, sd_fn fn) {
  switch (fn) {
  case SD_FN_ALLOC_P: {
    /* ALLOC P(request, priority, width, market priority): the request's
       share at that level on the rectangular profile ALLOCATE BY
       PRIORITY uses, request * min(1, max(0, (priority + width / 2 -
       level) / width)) */
    sd_node **a = n->args, *u, *ma[2], *out;
    u = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, mk_bin(c, SD_OP_ADD, a[1], mk_bin(c, SD_OP_MUL, mk_num(c, 0.5, n),
                                                                                    a[2], n), n), a[3], n), a[2], n);
    ma[0] = mk_num(c, 0, n); ma[1] = u;
    ma[1] = mk_call(c, SD_FN_MAX, 2, ma, n);
    ma[0] = mk_num(c, 1, n);
    out = mk_bin(c, SD_OP_MUL, a[0], mk_call(c, SD_FN_MIN, 2, ma, n), n);
    if (!out) return oom(c);
    *n = *out;
    return 1;
  }
  case SD_FN_RANDOM_PINK_NOISE: return lower_pink_noise(c, n) == 0 ? 1 : -1;
  case SD_FN_X_IF_MISSING: {
    /* X IF MISSING(expr, number): the data equation's value, number where
       it is missing (:NA:, -2^109, from an input without data there) */
    sd_node *ia[3], *out;
    ia[0] = mk_bin(c, SD_OP_LT, n->args[0], mk_num(c, -1e31, n), n);
    ia[1] = n->args[1];
    ia[2] = n->args[0];
    out = mk_call(c, SD_FN_IF_THEN_ELSE, 3, ia, n);
    if (!out) return oom(c);
    *n = *out;
    return 1;
  }
  case SD_FN_DELAY_INFORMATION: return lower_discrete(c, n, SD_DSC_INFORMATION, -1) == 0 ? 1 : -1;
  case SD_FN_DELAY_MATERIAL: return lower_discrete(c, n, SD_DSC_MATERIAL, -1) == 0 ? 1 : -1;
  case SD_FN_XMILE_CONVEYOR: return lower_discrete(c, n, SD_DSC_BELT, -1) == 0 ? 1 : -1;
  case SD_FN_DEPRECIATE_STRAIGHTLINE: return lower_discrete(c, n, SD_DSC_DEPRECIATE, -1) == 0 ? 1 : -1;
  case SD_FN_DELAY_BATCH: return lower_discrete(c, n, SD_DSC_BATCH, -1) == 0 ? 1 : -1;
  case SD_FN_NET_PRESENT_VALUE: return lower_discrete(c, n, SD_DSC_NPV, -1) == 0 ? 1 : -1;
  case SD_FN_NPV: return lower_npv(c, n, 0) == 0 ? 1 : -1;
  case SD_FN_NPVE: return lower_npv(c, n, 1) == 0 ? 1 : -1;
  case SD_FN_SINTEG_STEP: return lower_sinteg(c, n) == 0 ? 1 : -1;
  case SD_FN_TIME_BASE: {
    /* TIME BASE(start, slope) = start + Time * slope */
    sd_node *out = mk_bin(c, SD_OP_ADD, n->args[0], mk_bin(c, SD_OP_MUL, mk_var(c, 0, n), n->args[1], n), n);
    if (!out) return oom(c);
    *n = *out;
    return 1;
  }
  default: return 0;
  }
}

/* MARKETP(request[first], priority[first], size, width, supply): the
 * priority at which ALLOCATE BY PRIORITY's shares of the size requests
 * from request[first] on (along its last subscript) add up to the
 * supply.  It becomes that allocation's instruction with the target
 * past the last, which returns the level. */
static int resolve_marketp(cc *c, sd_node *n, int depth) {
  sd_node **args, *vec[2];
  double size;
  int k, j, a = 0, cnt = 0;
  for (k = 0; k < 2; k++) {
    int run, stride, tot;
    vec[k] = n->args[k];
    if (element_run(c, n, vec[k], depth, k ? "the priority" : "the request", &run, &stride, &tot) != 0) return -1;
    if (k == 0 || run < cnt) cnt = run;
  }
  for (k = 2; k < 5; k++)
    if (resolve(c, n->args[k], depth + 1) != 0) return -1;
  fold(n->args[2]);
  if (n->args[2]->kind == SD_N_NUM) size = n->args[2]->num;
  else if (init_eval(c, n->args[2], &size, 0) != 0) size = NAN;
  if (!(size >= 1) || size != floor(size) || size > cnt || size > SD_MAX_ALLOC)
    return fail_at(c, SD_E_DEFINITION, n->args[2], "the size of %s must be a whole number known from constants, "
                   "at most the elements from the first one given to the end of its range%s", n->text, NULL);
  cnt = (int)size;
  if (expanded(c, n, 2.0 * cnt) != 0) return -1;
  args = sd_arena_alloc(&c->ast, (size_t)(2 * cnt + 2) * sizeof(sd_node *));
  if (!args) return oom(c);
  for (k = 0; k < 2; k++)
    for (j = 0; j < cnt; j++) {
      if (!(args[a++] = mk_var(c, vec[k]->ref + j, n))) return oom(c);
      args[a - 1]->done = 1;
    }
  args[a++] = n->args[3];
  args[a++] = n->args[4];
  n->ref = SD_FN_ALLOCATE_BY_PRIORITY;
  n->args = args;
  n->nargs = a;
  n->num = cnt;
  return 0;
}

/* The slot (cvar) of an element argument `x` of `n` and how many
 * elements follow it to the end of its last subscript (*count), with
 * `stride` the size of that last subscript. */
static int element_run(cc *c, sd_node *n, sd_node *x, int depth, const char *what, int *count, int *stride,
                       int *total) {
  int idx, nd, last, off, k, tot = 1;
  if (x->kind != SD_N_VAR || x->nsubs == 0)
    return fail_at(c, SD_E_DEFINITION, n, "%s of %s must be an element of a subscripted variable, as in x[first]",
                   what, n->text);
  idx = sd_strmap_get(&c->m->index, x->name);
  if (idx < 0 || c->m->vars[idx].ndefs == 0)
    return fail_at(c, SD_E_NAME, x, "'%s' is not a subscripted variable%s", x->text, NULL);
  if (resolve(c, x, depth + 1) != 0) return -1;
  nd = c->mnd[idx];
  last = c->m->dims[c->mdims[idx][nd - 1]].n;
  for (k = 0; k < nd; k++) tot *= c->m->dims[c->mdims[idx][k]].n;
  off = x->ref - c->mbase[idx];
  *count = last - off % last;
  *stride = last;
  *total = tot - off;                    /* slots from x to the variable's end */
  return 0;
}

/* FIND MARKET PRICE(dq[first], dp[first, ptype], sq[first], sp[first,
 * ptype]): the demanders from dq's element to the end of its range, each
 * with 4 profile values from dp's (the next demander's a row further),
 * then the same for the suppliers.  DEMAND AT PRICE(q, pp[.., ptype],
 * price) and SUPPLY AT PRICE: q, the 4 values from pp's element, the
 * price. */
static int resolve_market(cc *c, sd_node *n, sd_fn fn, int depth) {
  sd_node **args;
  int a = 0, k, j, m;
  if (fn != SD_FN_FIND_MARKET_PRICE) {
    int cnt, stride, tot;
    if (resolve(c, n->args[0], depth + 1) != 0 || element_run(c, n, n->args[1], depth, "the profile", &cnt, &stride, &tot) != 0 ||
        resolve(c, n->args[2], depth + 1) != 0) return -1;
    if (cnt < 4)
      return fail_at(c, SD_E_DEFINITION, n->args[1], "the profile of %s needs 4 values (ptype, ppriority, pwidth, "
                     "pextra) from the element given%s", n->text, NULL);
    args = sd_arena_alloc(&c->ast, 5 * sizeof(sd_node *));
    if (!args) return oom(c);
    args[a++] = n->args[0];
    for (m = 0; m < 3; m++) {
      if (!(args[a++] = mk_var(c, n->args[1]->ref + m, n))) return oom(c);
      args[a - 1]->done = 1;
    }
    args[a++] = n->args[2];
    n->args = args;
    n->nargs = a;
    return 0;
  }
  {
    int cnt[2], stride[2], tot[2], pc, ps, pt;
    for (k = 0; k < 2; k++) {
      if (element_run(c, n, n->args[2 * k], depth, k ? "the supply" : "the demand", &cnt[k], &stride[k],
                      &tot[k]) != 0 ||
          element_run(c, n, n->args[2 * k + 1], depth, "a profile", &pc, &ps, &pt) != 0) return -1;
      if (pc < 4 || (long)(cnt[k] - 1) * ps + 4 > pt)
        return fail_at(c, SD_E_DEFINITION, n->args[2 * k + 1], "each profile of %s needs 4 values (ptype, "
                       "ppriority, pwidth, pextra), one row for each quantity%s", n->text, NULL);
      stride[k] = ps;
    }
    if (cnt[0] + cnt[1] > SD_MAX_ALLOC)
      return fail_at(c, SD_E_DEFINITION, n, "%s takes at most 256 demanders and suppliers%s", n->text, NULL);
    if (expanded(c, n, 5.0 * (cnt[0] + cnt[1])) != 0) return -1;
    args = sd_arena_alloc(&c->ast, (size_t)(5 * (cnt[0] + cnt[1])) * sizeof(sd_node *));
    if (!args) return oom(c);
    for (k = 0; k < 2; k++) {
      for (j = 0; j < cnt[k]; j++)
        if (!(args[a++] = mk_var(c, n->args[2 * k]->ref + j, n))) return oom(c);
      for (j = 0; j < cnt[k]; j++)
        for (m = 0; m < 4; m++)
          if (!(args[a++] = mk_var(c, n->args[2 * k + 1]->ref + j * stride[k] + m, n))) return oom(c);
    }
    for (j = 0; j < a; j++) args[j]->done = 1;
    n->args = args;
    n->nargs = a;
    n->num = cnt[0];
  }
  return 0;
}

/* The table of a lookup named by argument tn (possibly subscripted). */
static int table_arg(cc *c, sd_node *n, sd_node *tn) {
  int idx = tn->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, tn->name) : -1, ci;
  if (idx < 0 || c->v[c->mbase[idx]].kind != CV_LOOKUP)
    return fail_at(c, SD_E_DEFINITION, n, "the lookup argument of %s must be the name of a lookup%s", n->text, NULL);
  ci = element_ref(c, tn, idx);
  return ci < 0 ? -1 : c->v[ci].table;
}

/* VECTOR LOOKUP(vec[..., e], x, xmin, xmax, mode): the values of vec
 * along its last subscript from element e, in consecutive slots.  The
 * call becomes x, xmin, xmax, mode, then a reference to every value read
 * (dependencies); num holds their count. */
static int resolve_vector_lookup(cc *c, sd_node *n, int depth) {
  sd_node *vec = n->args[0], **args;
  int count, stride, tot, k;
  if (element_run(c, n, vec, depth, "the first argument", &count, &stride, &tot) != 0) return -1;
  for (k = 1; k < 5; k++)
    if (resolve(c, n->args[k], depth + 1) != 0) return -1;
  c->contig[sd_strmap_get(&c->m->index, vec->name)] = 1;   /* read by slot at run time */
  if (count > SD_VECLKP_MAX)
    return fail_at(c, SD_E_DEFINITION, n, "VECTOR LOOKUP reads at most 4096 values%s%s", NULL, NULL);
  if (expanded(c, n, count) != 0) return -1;
  args = sd_arena_alloc(&c->ast, (size_t)(count + 4) * sizeof(sd_node *));
  if (!args) return oom(c);
  for (k = 0; k < 4; k++) args[k] = n->args[k + 1];
  for (k = 0; k < count; k++) {
    if (!(args[k + 4] = mk_var(c, vec->ref + k, n))) return oom(c);
    args[k + 4]->done = 1;
  }
  n->args = args;
  n->nargs = count + 4;
  n->num = count;
  return 0;
}

static const struct { sd_fn fn; int dist; } randoms[] = {
  { SD_FN_RANDOM_BETA, SD_RX_BETA }, { SD_FN_RANDOM_BINOMIAL, SD_RX_BINOMIAL },
  { SD_FN_RANDOM_EXPONENTIAL, SD_RX_EXPONENTIAL }, { SD_FN_RANDOM_GAMMA, SD_RX_GAMMA },
  { SD_FN_RANDOM_LOOKUP, SD_RX_LOOKUP }, { SD_FN_RANDOM_NEGATIVE_BINOMIAL, SD_RX_NEGBINOMIAL },
  { SD_FN_RANDOM_POISSON, SD_RX_POISSON }, { SD_FN_RANDOM_TRIANGULAR, SD_RX_TRIANGULAR },
  { SD_FN_RANDOM_WEIBULL, SD_RX_WEIBULL }, { SD_FN_RANDOM_0_1, SD_RX_UNIT },
};

/* GET DATA xxx(datavar, ...): the data variable's series (its table), in
 * num; the other arguments stay.  Returns 0 or -1. */
static int resolve_get_data(cc *c, sd_node *n, int depth) {
  sd_node *dv = n->args[0];
  int idx = dv->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, dv->name) : -1, ci, i;
  const sd_node *e;
  if (idx < 0)
    return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must be the name of a data variable%s",
                   n->text, NULL);
  ci = element_ref(c, dv, idx);
  if (ci < 0) return -1;
  e = c->v[ci].eqn;
  if (!e || e->kind != SD_N_LOOKUPCALL || e->nargs != 1 || e->args[0]->kind != SD_N_VAR || e->args[0]->ref != 0)
    return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must be a data variable (its values come "
                   "from data, with no equation or with a GET ... DATA equation), and '%s' is not one",
                   n->text, dv->text);
  for (i = 1; i < n->nargs; i++)
    if (resolve(c, n->args[i], depth + 1) != 0) return -1;
  n->num = e->ref;
  n->args++;
  n->nargs--;
  return 0;
}

int resolve_more(cc *c, sd_node *n, sd_fn fn, int depth) {
  size_t r;
  int i, t;
  if (fn >= SD_FN_GET_DATA_AT_TIME && fn <= SD_FN_GET_DATA_TOTAL)
    return resolve_get_data(c, n, depth) == 0 ? 1 : -1;
  if (fn == SD_FN_VECTOR_LOOKUP) return resolve_vector_lookup(c, n, depth) == 0 ? 1 : -1;
  if (fn == SD_FN_MARKETP) return resolve_marketp(c, n, depth) == 0 ? 1 : -1;
  if (fn == SD_FN_DEPRECIATE_BY_SCHEDULE) {
    /* DEPRECIATE BY SCHEDULE(str, sch[first], init, dtime, fs): the
       schedule from its element to the end of its last subscript, and
       init (an element, as many values; or a variable, one), read by slot */
    int cnt[2] = {0, 0}, ref[2] = {0, 0}, k;
    if (n != c->v[c->cur].eqn || c->in_init)
      return fail_at(c, SD_E_DEFINITION, n, "%s must be the whole equation of its variable%s", n->text, NULL);
    for (k = 0; k < 2; k++) {
      sd_node *x = n->args[k + 1];
      int idx = x->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, x->name) : -1;
      if (idx < 0 || (k == 0 && (x->nsubs == 0 || c->m->vars[idx].ndefs == 0)))
        return fail_at(c, SD_E_DEFINITION, n, k == 0 ? "the schedule of %s must be an element of a subscripted "
                       "variable, as in sch[first]%s" : "the initial depreciation of %s must be a variable%s",
                       n->text, NULL);
      if (resolve(c, x, depth + 1) != 0) return -1;
      ref[k] = x->ref;
      if (x->nsubs > 0 && c->m->vars[idx].ndefs > 0) {
        int nd = c->mnd[idx], last = c->m->dims[c->mdims[idx][nd - 1]].n, off = x->ref - c->mbase[idx];
        c->contig[idx] = 1;
        cnt[k] = last - off % last;
      } else {
        cnt[k] = 1;
      }
    }
    if (cnt[0] > 100000)
      return fail_at(c, SD_E_DEFINITION, n, "%s takes at most 100,000 schedule values%s", n->text, NULL);
    for (k = 0; k < n->nargs; k++)
      if ((k == 0 || k >= 3) && resolve(c, n->args[k], depth + 1) != 0) return -1;
    if (lower_discrete(c, n, SD_DSC_SCHEDULE, -1) != 0) return -1;
    for (k = 0; k < 2; k++) {
      c->dscv[c->ndsc - 1].vec[k] = ref[k];
      c->dscv[c->ndsc - 1].nvec[k] = k == 1 && cnt[1] > cnt[0] ? cnt[0] : cnt[k];
    }
    return 1;
  }
  if (fn == SD_FN_SHIFT_IF_TRUE) {
    /* SHIFT IF TRUE(stock[.., first], cond, size, accum, inval): the
       values from that element to the end of its last subscript, read
       and written by slot; operands cond, size, accum, inval, element */
    sd_node *vec = n->args[0], **args;
    int idx = vec->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, vec->name) : -1, count, stride, tot;
    if (idx >= 0 && c->m->vars[idx].ndefs > 0 && c->v[c->mbase[idx]].kind != CV_STOCK)
      return fail_at(c, SD_E_DEFINITION, vec, "'%s' is not a subscripted level (SHIFT IF TRUE moves a level's "
                     "values)%s", vec->text, NULL);
    if (element_run(c, n, vec, depth, "the first argument", &count, &stride, &tot) != 0) return -1;
    for (i = 1; i < 5; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    c->contig[idx] = 1;                      /* written by slot at run time */
    args = sd_arena_alloc(&c->ast, 5 * sizeof(sd_node *));
    if (!args) return oom(c);
    for (i = 0; i < 4; i++) args[i] = n->args[i + 1];
    args[4] = vec;
    vec->done = 1;
    n->args = args;
    n->nargs = 5;
    n->num = count;
    return 1;
  }
  if (fn == SD_FN_FIND_MARKET_PRICE || fn == SD_FN_DEMAND_AT_PRICE || fn == SD_FN_SUPPLY_AT_PRICE)
    return resolve_market(c, n, fn, depth) == 0 ? 1 : -1;
  if (fn == SD_FN_QUEUE_FIFO || fn == SD_FN_QUEUE_FIFO_ATTRIB) {
    /* QUEUE FIFO(in, out, profile, init, range); QUEUE FIFO ATTRIB(in,
       out, inatt, attchg, profile, aprofile, init, initatt, range) */
    int attrib = fn == SD_FN_QUEUE_FIFO_ATTRIB, pa = attrib ? 4 : 2, t2 = -1;
    if (n != c->v[c->cur].eqn || c->in_init)
      return fail_at(c, SD_E_DEFINITION, n, "%s must be the whole equation of its variable%s", n->text, NULL);
    t = table_arg(c, n, n->args[pa]);
    if (t < 0) return -1;
    if (attrib && (t2 = table_arg(c, n, n->args[5])) < 0) return -1;
    for (i = 0; i < n->nargs; i++)
      if (i != pa && !(attrib && i == 5) && resolve(c, n->args[i], depth + 1) != 0) return -1;
    if (lower_discrete(c, n, SD_DSC_QUEUE, t) != 0) return -1;
    c->dscv[c->ndsc - 1].table2 = t2;
    return 1;
  }
  if (fn == SD_FN_QUEUE_AGE_AVERAGE || fn == SD_FN_QUEUE_AGE_IN_RANGE || fn == SD_FN_QUEUE_AGE_OLDEST ||
      fn == SD_FN_QUEUE_ATTRIB_AVERAGE || fn == SD_FN_QUEUE_ATTRIB_QUANTITY) {
    /* QUEUE AGE ...(queue, ...): the queue variable (its record is found
       when the code is made), then what to read: 1 average age of the
       oldest quant, 2 amount with age in [min, max], 3 oldest age, 4
       average attribute of the oldest quant, 5 the oldest amount whose
       attributes add up to quant */
    sd_node *q = n->args[0], **args;
    int idx = q->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, q->name) : -1, ci;
    if (idx < 0)
      return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must name a QUEUE FIFO variable%s",
                     n->text, NULL);
    ci = element_ref(c, q, idx);
    if (ci < 0) return -1;
    args = sd_arena_alloc(&c->ast, 3 * sizeof(sd_node *));
    if (!args) return oom(c);
    args[0] = mk_num(c, fn == SD_FN_QUEUE_AGE_AVERAGE ? 1 : fn == SD_FN_QUEUE_AGE_IN_RANGE ? 2 :
                        fn == SD_FN_QUEUE_AGE_OLDEST ? 3 : fn == SD_FN_QUEUE_ATTRIB_AVERAGE ? 4 : 5, n);
    args[1] = n->nargs > 1 ? n->args[1] : mk_num(c, 0, n);
    args[2] = n->nargs > 2 ? n->args[2] : mk_num(c, 0, n);
    if (!args[0] || !args[1] || !args[2]) return oom(c);
    for (i = 1; i < 3; i++)
      if (i < n->nargs && resolve(c, args[i], depth + 1) != 0) return -1;
    n->args = args;
    n->nargs = 3;
    n->num = ci;
    return 1;
  }
  if (fn == SD_FN_DELAY_PROFILE) {
    /* the first argument names the lookup of the response profile */
    t = table_arg(c, n, n->args[0]);
    if (t < 0) return -1;
    for (i = 1; i < n->nargs; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    return lower_discrete(c, n, SD_DSC_PROFILE, t) == 0 ? 1 : -1;
  }
  if (fn == SD_FN_DELAY_CONVEYOR) {
    /* the fourth argument names the lookup of the initial profile */
    t = table_arg(c, n, n->args[3]);
    if (t < 0) return -1;
    for (i = 0; i < n->nargs; i++)
      if (i != 3 && resolve(c, n->args[i], depth + 1) != 0) return -1;
    return lower_discrete(c, n, SD_DSC_CONVEYOR, t) == 0 ? 1 : -1;
  }
  if (fn == SD_FN_LOOKUP_AREA || fn == SD_FN_LOOKUP_SLOPE) {
    /* LOOKUP AREA(table, x1, x2), LOOKUP SLOPE(table, x): the table's
       index in num, the inputs as arguments */
    t = table_arg(c, n, n->args[0]);
    if (t < 0) return -1;
    for (i = 1; i < n->nargs; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    n->args++;
    n->nargs--;
    n->num = t;
    return 1;
  }
  for (r = 0; r < sizeof randoms / sizeof randoms[0]; r++) {
    if (randoms[r].fn != fn) continue;
    if (fn == SD_FN_RANDOM_LOOKUP) {
      /* RANDOM LOOKUP(look, m, x, h, r, s): operands m, x, h, r, s, then
         the table's number */
      sd_node *tn = n->args[0];
      t = table_arg(c, n, tn);
      if (t < 0) return -1;
      for (i = 0; i < 5; i++) n->args[i] = n->args[i + 1];
      if (!(n->args[5] = mk_num(c, t, n))) return oom(c);
    }
    for (i = 0; i < n->nargs; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    /* each call site draws its own sequence */
    n->num = (double)c->nrandom++ * 16 + randoms[r].dist;
    return 1;
  }
  return 0;
}
