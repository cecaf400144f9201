/*
 * sd_fold.c -- stage 3 of the compiler (sd_compile.c): constant folding, and the values
 * of expressions at the initial time when constants alone decide them (the
 * orders of DELAY N / SMOOTH N, sizes, structural settings).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_builtins.h"
#include "sd_math.h"
#include "sd_model_impl.h"
#include "sd_program.h"
#include "sd_compile_impl.h"

static int eval_builtin(sd_fn fn, int nargs, sd_node **a, double *out);
static double eval_binary(sd_op op, double a, double b);

/* ---- values at the initial time, known when the model is built ---- */


/* Value of scalar model variable `canon` at the initial time; marks it
 * structural (a new value needs a new compilation). */
int init_eval_var(cc *c, const char *canon, double *out, int depth) {
  int idx = sd_strmap_get(&c->m->index, canon);
  const sd_var *mv;
  if (idx < 0) return -1;
  mv = &c->m->vars[idx];
  if (mv->ndefs || mv->kind == SD_LOOKUP || mv->is_data) return -1;
  if (c->mbase && c->v[c->mbase[idx]].vkind == SD_CONST) c->v[c->mbase[idx]].vkind = SD_AUX;
  return init_eval(c, mv->kind == SD_STOCK ? mv->init : mv->eqn, out, depth + 1);
}

/* Evaluate n at INITIAL TIME from the model's own equations (by name, so
 * it works before or after resolution): numbers, operators, scalar
 * variables, pure builtins and the input functions of time.  0 on
 * success, -1 if n depends on anything else. */
int init_eval(cc *c, const sd_node *n, double *out, int depth) {
  double v[6];
  int i;
  if (!n || depth > 64) return -1;
  switch (n->kind) {
  case SD_N_NUM:
    *out = n->num;
    return 0;
  case SD_N_VAR:
    if (n->nsubs) return -1;
    if (strcmp(n->name, "time") == 0) return init_eval_var(c, "initial time", out, depth);
    return init_eval_var(c, n->name, out, depth);
  case SD_N_UNARY:
    if (init_eval(c, n->args[0], &v[0], depth + 1) != 0) return -1;
    *out = n->op == SD_OP_NEG ? -v[0] : n->op == SD_OP_NOT ? sd_bool(v[0] == 0) : v[0];
    return 0;
  case SD_N_BINARY:
    if (init_eval(c, n->args[0], &v[0], depth + 1) != 0 ||
        init_eval(c, n->args[1], &v[1], depth + 1) != 0) return -1;
    *out = eval_binary(n->op, v[0], v[1]);
    return 0;
  case SD_N_CALL: {
    const sd_builtin *b = n->name ? sd_builtin_find(n->name) : NULL;
    double t, dt;
    if (!b || n->nargs > 4) return -1;
    if (b->fn == SD_FN_IF_THEN_ELSE) {
      if (init_eval(c, n->args[0], &v[0], depth + 1) != 0) return -1;
      return init_eval(c, n->args[v[0] != 0 ? 1 : 2], out, depth + 1);
    }
    for (i = 0; i < n->nargs; i++)
      if (init_eval(c, n->args[i], &v[i], depth + 1) != 0) return -1;
    if (b->kind == SD_B_OP) {
      sd_node nums[4], *pa[4];
      for (i = 0; i < n->nargs; i++) {
        memset(&nums[i], 0, sizeof nums[i]);
        nums[i].kind = SD_N_NUM;
        nums[i].num = v[i];
        pa[i] = &nums[i];
      }
      return eval_builtin(b->fn, n->nargs, pa, out) ? 0 : -1;
    }
    if (b->kind != SD_B_TIMEFN || init_eval_var(c, "initial time", &t, depth) != 0 ||
        init_eval_var(c, "time step", &dt, depth) != 0) return -1;
    switch (b->fn) {
    case SD_FN_STEP: *out = sd_step(t, dt, v[0], v[1]); return 0;
    case SD_FN_PULSE: *out = sd_pulse(t, dt, v[0], v[1]); return 0;
    case SD_FN_RAMP: *out = sd_ramp(t, v[0], v[1], v[2]); return 0;
    case SD_FN_PULSE_TRAIN: *out = sd_pulse_train(t, dt, v[0], v[1], v[2], v[3]); return 0;
    default: return -1;
    }
  }
  default:
    return -1;
  }
}

/* The order n of DELAY N / SMOOTH N: fixed when the model is built, as
 * Vensim fixes it at the initial time (an order that changes later keeps
 * its initial value). */
int const_order(cc *c, sd_node *arg, const char *what, int *out) {
  double x;
  fold(arg);
  if (arg->kind == SD_N_NUM) x = arg->num;
  else if (init_eval(c, arg, &x, 0) != 0) x = NAN;
  if (!(x >= 1) || x > 1000 || x != floor(x))
    return fail_at(c, SD_E_DEFINITION, arg,
                   "the order of %s must be a whole number from 1 to 1000 known at the initial time "
                   "from constants%s", what, NULL);
  *out = (int)x;
  return 0;
}

/* ------------------------------------------------------------------ */
/* constant folding                                                    */

static int is_num(const sd_node *n) { return n->kind == SD_N_NUM; }

static double eval_binary(sd_op op, double a, double b) {
  switch (op) {
  case SD_OP_ADD: return a + b;
  case SD_OP_SUB: return a - b;
  case SD_OP_MUL: return a * b;
  case SD_OP_DIV: return a / b;
  case SD_OP_POW: return sd_pow(a, b);
  case SD_OP_EQ: return sd_bool(a == b);
  case SD_OP_NE: return sd_bool(a != b);
  case SD_OP_LT: return sd_bool(a < b);
  case SD_OP_GT: return sd_bool(a > b);
  case SD_OP_LE: return sd_bool(a <= b);
  case SD_OP_GE: return sd_bool(a >= b);
  case SD_OP_AND: return sd_bool(a != 0 && b != 0);
  case SD_OP_OR: return sd_bool(a != 0 || b != 0);
  default: return NAN;
  }
}

/* Value of a pure builtin on constant arguments; 0 if not foldable. */
static int eval_builtin(sd_fn fn, int nargs, sd_node **a, double *out) {
  double x = nargs > 0 ? a[0]->num : 0, y = nargs > 1 ? a[1]->num : 0;
  switch (fn) {
  case SD_FN_ABS: *out = fabs(x); return 1;
  case SD_FN_MIN: *out = sd_min(x, y); return 1;
  case SD_FN_MAX: *out = sd_max(x, y); return 1;
  case SD_FN_EXP: *out = exp(x); return 1;
  case SD_FN_LN: *out = log(x); return 1;
  case SD_FN_LOG: *out = nargs == 1 ? log10(x) : sd_logb(x, y); return 1;
  case SD_FN_SQRT: *out = sqrt(x); return 1;
  case SD_FN_SIN: *out = sin(x); return 1;
  case SD_FN_COS: *out = cos(x); return 1;
  case SD_FN_TAN: *out = tan(x); return 1;
  case SD_FN_ARCSIN: *out = asin(x); return 1;
  case SD_FN_ARCCOS: *out = acos(x); return 1;
  case SD_FN_ARCTAN: *out = atan(x); return 1;
  case SD_FN_SINH: *out = sinh(x); return 1;
  case SD_FN_COSH: *out = cosh(x); return 1;
  case SD_FN_TANH: *out = tanh(x); return 1;
  case SD_FN_INTEGER: *out = sd_int(x); return 1;
  case SD_FN_MODULO: *out = sd_mod(x, y); return 1;
  case SD_FN_POWER: *out = pow(x, y); return 1;
  case SD_FN_QUANTUM: *out = sd_quantum(x, y); return 1;
  case SD_FN_ZIDZ: *out = sd_zidz(x, y); return 1;
  case SD_FN_XIDZ: *out = sd_xidz(x, y, a[2]->num); return 1;
  case SD_FN_GAMMA_LN: *out = lgamma(x); return 1;
  case SD_FN_NORMAL_CDF: *out = 0.5 * erfc(-x * 0.7071067811865476); return 1;
  case SD_FN_NORMAL_INV: *out = sd_norminv(x); return 1;
  default: return 0;
  }
}

void fold(sd_node *n) {
  int i, all = 1;
  if (n->kind == SD_N_NUM || n->kind == SD_N_VAR || n->kind == SD_N_TABLE) return;
  for (i = 0; i < n->nargs; i++) {
    fold(n->args[i]);
    if (!is_num(n->args[i])) all = 0;
  }
  if (n->kind == SD_N_UNARY && all) {
    double x = n->args[0]->num;
    n->num = n->op == SD_OP_NEG ? -x : n->op == SD_OP_NOT ? sd_bool(x == 0) : x;
    n->kind = SD_N_NUM;
  } else if (n->kind == SD_N_BINARY && all) {
    n->num = eval_binary(n->op, n->args[0]->num, n->args[1]->num);
    n->kind = SD_N_NUM;
  } else if (n->kind == SD_N_CALL) {
    double x;
    if (all && n->nargs > 1 && (n->ref == SD_FN_SUM || n->ref == SD_FN_PROD ||
                                n->ref == SD_FN_VMIN || n->ref == SD_FN_VMAX)) {
      double acc = n->args[0]->num;
      for (i = 1; i < n->nargs; i++) {
        double y = n->args[i]->num;
        acc = n->ref == SD_FN_SUM ? acc + y : n->ref == SD_FN_PROD ? acc * y
            : n->ref == SD_FN_VMIN ? sd_min(acc, y) : sd_max(acc, y);
      }
      n->kind = SD_N_NUM;
      n->num = acc;
      n->nargs = 0;
      n->args = NULL;
      return;
    }
    if (n->ref == SD_FN_IF_THEN_ELSE && is_num(n->args[0])) {
      *n = *(n->args[0]->num != 0 ? n->args[1] : n->args[2]);
      return;
    }
    if (all && sd_builtin_get((sd_fn)n->ref)->kind == SD_B_OP &&
        eval_builtin((sd_fn)n->ref, n->nargs, n->args, &x)) {
      n->kind = SD_N_NUM;
      n->num = x;
    }
  }
  if (n->kind == SD_N_NUM) { n->nargs = 0; n->args = NULL; }
}
