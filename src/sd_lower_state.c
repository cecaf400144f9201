/*
 * sd_lower_state.c -- stage 2b of the compiler (sd_compile.c): stateful builtins
 * (SMOOTH, DELAY3, TREND, ...) lowered to hidden stocks as Vensim defines
 * them, so that every integration method treats their state like any
 * other stock.  (sd_lower.c lowers the builtins beyond the classic set.)
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

/* Replace the call node n by a reference to variable `ref` (in place, so
 * the parent's pointer stays valid). */
void become_var(cc *c, sd_node *n, int ref) {
  n->kind = SD_N_VAR;
  n->ref = ref;
  n->name = c->v[ref].name;
  n->text = c->v[ref].text;
  n->nargs = 0;
  n->args = NULL;
}

static int new_hidden_stock(cc *c, const char *what, sd_node *rate_of_self_placeholder) {
  int i = add_hidden(c, what, CV_STOCK);
  (void)rate_of_self_placeholder;
  return i;
}

/* Lower a stateful builtin call n (arguments already resolved) to hidden
 * stocks, as Vensim defines them; n becomes the output expression. */
int lower_state(cc *c, sd_node *n, sd_fn fn) {
  sd_node **a = n->args;
  sd_node *in = a[0], *T = a[1];
  const char *what = sd_builtin_get(fn)->name;
  char label[32];
  int k;
  for (k = 0; what[k] && k < 31; k++) label[k] = (char)(what[k] >= 'a' && what[k] <= 'z' ? what[k] - 32 : what[k]);
  label[k] = '\0';

  switch (fn) {
  case SD_FN_SMOOTH: case SD_FN_SMOOTHI: {
    /* S' = (in - S) / T, S(0) = in (or init) */
    int s = new_hidden_stock(c, label, NULL);
    if (s < 0) return oom(c);
    c->v[s].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, in, mk_var(c, s, n), n), T, n);
    c->v[s].init = fn == SD_FN_SMOOTHI ? a[2] : in;
    if (!c->v[s].eqn) return oom(c);
    become_var(c, n, s);
    return 0;
  }
  case SD_FN_SMOOTH3: case SD_FN_SMOOTH3I: {
    /* three first-order stages, each with a third of the time */
    sd_node *D = mk_bin(c, SD_OP_DIV, T, mk_num(c, 3, n), n);
    sd_node *init = fn == SD_FN_SMOOTH3I ? a[2] : in;
    sd_node *prev = in;
    int s = -1, j;
    for (j = 0; j < 3; j++) {
      s = new_hidden_stock(c, label, NULL);
      if (s < 0) return oom(c);
      c->v[s].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, prev, mk_var(c, s, n), n), D, n);
      c->v[s].init = init;
      if (!c->v[s].eqn) return oom(c);
      prev = mk_var(c, s, n);
    }
    become_var(c, n, s);
    return 0;
  }
  case SD_FN_DELAY1: case SD_FN_DELAY1I: {
    /* L' = in - L/T, L(0) = in*T (or init*T), out = L/T */
    int s = new_hidden_stock(c, label, NULL);
    sd_node *out, *init = fn == SD_FN_DELAY1I ? a[2] : in;
    if (s < 0) return oom(c);
    out = mk_bin(c, SD_OP_DIV, mk_var(c, s, n), T, n);
    c->v[s].eqn = mk_bin(c, SD_OP_SUB, in, out, n);
    c->v[s].init = mk_bin(c, SD_OP_MUL, init, T, n);
    if (!c->v[s].eqn || !c->v[s].init) return oom(c);
    *n = *out;
    return 0;
  }
  case SD_FN_DELAY3: case SD_FN_DELAY3I: {
    /* three material stages of delay D = T/3; out = L3/D */
    sd_node *D = mk_bin(c, SD_OP_DIV, T, mk_num(c, 3, n), n);
    sd_node *init = fn == SD_FN_DELAY3I ? a[2] : in;
    sd_node *flow_in = in, *out = NULL;
    int j;
    for (j = 0; j < 3; j++) {
      int s = new_hidden_stock(c, label, NULL);
      if (s < 0) return oom(c);
      out = mk_bin(c, SD_OP_DIV, mk_var(c, s, n), D, n);
      c->v[s].eqn = mk_bin(c, SD_OP_SUB, flow_in, out, n);
      c->v[s].init = mk_bin(c, SD_OP_MUL, init, D, n);
      if (!c->v[s].eqn || !c->v[s].init) return oom(c);
      flow_in = out;
    }
    *n = *out;
    return 0;
  }
  case SD_FN_SMOOTH_N: {
    /* n first-order stages, each with T/n, all starting at init */
    int order, j, s = -1;
    sd_node *D, *prev = in;
    if (const_order(c, a[3], "SMOOTH N", &order) != 0) return -1;
    D = mk_bin(c, SD_OP_DIV, T, mk_num(c, order, n), n);
    for (j = 0; j < order; j++) {
      s = new_hidden_stock(c, label, NULL);
      if (s < 0) return oom(c);
      c->v[s].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, prev, mk_var(c, s, n), n), D, n);
      c->v[s].init = a[2];
      if (!c->v[s].eqn) return oom(c);
      prev = mk_var(c, s, n);
    }
    become_var(c, n, s);
    return 0;
  }
  case SD_FN_DELAY_N: {
    /* n material stages of T/n, each starting at init * T/n; out = Ln/(T/n) */
    int order, j;
    sd_node *D, *flow_in = in, *out = NULL;
    int shorter = 0;
    if (const_order(c, a[3], "DELAY N", &order) != 0) return -1;
    {
      /* Vensim keeps each stage at least one TIME STEP long: an order above
         delay / TIME STEP (both known at the initial time) is reduced to
         it (SDXorg delay_pipeline: DELAY N(x, 2.5 * dt, i, 3) runs as order 2);
         a delay shorter than one TIME STEP is one stage of a TIME STEP,
         the input one step later, as DELAY MATERIAL would give it */
      double tv, dt;
      if (init_eval(c, T, &tv, 0) == 0 && init_eval_var(c, "time step", &dt, 0) == 0 && dt > 0) {
        double cap = floor(tv / dt + 1e-9);
        if (cap >= 1 && cap < order) order = (int)cap;
        if (cap < 1 && tv == tv) { order = 1; shorter = 1; }
      }
    }
    if (shorter) {
      sd_node *ma[2];
      ma[0] = T;
      ma[1] = mk_var(c, c->mbase[sd_strmap_get(&c->m->index, "time step")], n);
      D = mk_call(c, SD_FN_MAX, 2, ma, n);
    } else {
      D = mk_bin(c, SD_OP_DIV, T, mk_num(c, order, n), n);
    }
    for (j = 0; j < order; j++) {
      int s = new_hidden_stock(c, label, NULL);
      if (s < 0) return oom(c);
      out = mk_bin(c, SD_OP_DIV, mk_var(c, s, n), D, n);
      c->v[s].eqn = mk_bin(c, SD_OP_SUB, flow_in, out, n);
      c->v[s].init = mk_bin(c, SD_OP_MUL, a[2], D, n);
      if (!c->v[s].eqn || !c->v[s].init) return oom(c);
      flow_in = out;
    }
    *n = *out;
    return 0;
  }
  case SD_FN_TREND: {
    /* average S' = (in - S)/T, S(0) = in / (1 + trend0 * T);
       TREND = ZIDZ(in - S, T * ABS(S)) */
    int s = new_hidden_stock(c, label, NULL);
    sd_node *args2[2], *absS, *out;
    sd_node *absargs[1];
    if (s < 0) return oom(c);
    c->v[s].eqn = mk_bin(c, SD_OP_DIV, mk_bin(c, SD_OP_SUB, in, mk_var(c, s, n), n), T, n);
    c->v[s].init = mk_bin(c, SD_OP_DIV, in,
                          mk_bin(c, SD_OP_ADD, mk_num(c, 1, n), mk_bin(c, SD_OP_MUL, a[2], T, n), n), n);
    absargs[0] = mk_var(c, s, n);
    absS = mk_call(c, SD_FN_ABS, 1, absargs, n);
    args2[0] = mk_bin(c, SD_OP_SUB, in, mk_var(c, s, n), n);
    args2[1] = mk_bin(c, SD_OP_MUL, T, absS, n);
    out = mk_call(c, SD_FN_ZIDZ, 2, args2, n);
    if (!c->v[s].eqn || !c->v[s].init || !out) return oom(c);
    *n = *out;
    return 0;
  }
  default:
    return fail_at(c, SD_E_NAME, n, "internal error: no lowering for %s%s", what, NULL);
  }
}
