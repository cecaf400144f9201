/*
 * sd_compile.c -- from a model to bytecode.
 *
 *   1. copy every equation tree (the model stays untouched and reusable);
 *   2. resolve names to variables, builtins and lookups, checking arity;
 *      lower stateful builtins (SMOOTH, DELAY3, TREND, ...) to hidden
 *      stocks and INITIAL to hidden initial-only variables, so that every
 *      integration method treats their state like any other stock;
 *   3. fold constant subexpressions; a variable whose equation is a number
 *      becomes a preset slot that runs can override without recompiling;
 *   4. order all initial computations (one topological sort), derive which
 *      variables change over time, and report cycles by name;
 *   5. emit three register-machine programs: ctrl (time settings), init
 *      (initial values) and step (auxiliaries and net rates).
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

/* ------------------------------------------------------------------ */
/* errors                                                              */

static const char *cv_display(const cvar *v) { return v->text; }

int fail_at(cc *c, sd_errcode code, const sd_node *n, const char *fmt, const char *a1,
                   const char *a2) {
  const cvar *v = &c->v[c->cur];
  char msg[SD_ERR_MSG];
  snprintf(msg, sizeof msg, fmt, a1 ? a1 : "", a2 ? a2 : "");
  return sd_fail(c->err, code, v->text, c->in_init && v->init_pos ? v->init_pos : v->pos,
                 n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

/* 1 when pos is a place in a file: errors about a whole variable then
 * point at the start of its equation (line 1, column 1 of it). */
static int at_start(const sd_srcpos *pos) { return pos && pos->line > 0; }

int oom(cc *c) {
  if (c->err->code) return -1;          /* a more precise error is already set */
  return sd_fail(c->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory while compiling");
}

/* Count k more copies or references made by expanding call n over its
 * ranges; more than SD_MAX_VARS in all is a memory error. */
int expanded(cc *c, const sd_node *n, double k) {
  char msg[SD_ERR_MSG];
  c->nexpanded += k;
  if (c->nexpanded <= SD_MAX_VARS) return 0;
  snprintf(msg, sizeof msg, "%s over ranges this large needs %.0f element references in all (each "
           "element of an arrayed equation makes its own); the limit is %d", n->text, c->nexpanded,
           SD_MAX_VARS);
  return fail_at(c, SD_E_MEMORY, n, "%s%s", msg, NULL);
}

/* The error for a model that needs more than SD_MAX_VARS variables. */
int too_many(cc *c, const char *what, double n) {
  char msg[SD_ERR_MSG];
  snprintf(msg, sizeof msg, "%s needs %.0f compiled variables (array elements and the hidden state of "
           "SMOOTH, DELAY and macros); the limit is %d", what, n, SD_MAX_VARS);
  const cvar *v = c->cur > 0 && c->cur < c->nv ? &c->v[c->cur] : NULL;
  return sd_fail(c->err, SD_E_MEMORY, v ? v->text : NULL, v ? v->pos : NULL, v && at_start(v->pos),
                 v && at_start(v->pos), "%s", msg);
}

/* ------------------------------------------------------------------ */
/* variables                                                           */

static int add_cvar(cc *c, const char *name, const char *text, cv_kind kind) {
  cvar *v;
  if (c->nv >= SD_MAX_VARS) { too_many(c, "the model", (double)c->nv + 1); return -1; }
  if (c->nv == c->vcap) {
    int ncap = c->vcap ? c->vcap * 2 : 256;
    cvar *nv = realloc(c->v, (size_t)ncap * sizeof *nv);
    if (!nv) return -1;
    c->v = nv;
    c->vcap = ncap;
  }
  v = &c->v[c->nv];
  memset(v, 0, sizeof *v);
  v->name = name;
  v->text = text;
  v->kind = kind;
  v->visible = -1;
  v->slot = v->rate_slot = v->stock = v->table = -1;
  v->mvar = -1;
  return c->nv++;
}

/* s appended to the text of length len in buf (of cap bytes), cut to
 * fit as snprintf would; returns the length it would have uncut. */
static size_t name_append(char *buf, size_t cap, size_t len, const char *s) {
  size_t n = strlen(s);
  if (len < cap) {
    size_t room = cap - 1 - len, m = n < room ? n : room;
    memcpy(buf + len, s, m);
    buf[len + m] = '\0';
  }
  return len + n;
}

/* A hidden variable made while lowering a builtin in variable `owner`. */
int add_hidden(cc *c, const char *what, cv_kind kind) {
  char buf[SD_ERR_NAME + 64];
  const cvar *owner = &c->v[c->cur];
  const sd_srcpos *pos = c->in_init && owner->init_pos ? owner->init_pos : owner->pos;
  int i;
  snprintf(buf, sizeof buf, "%s in '%s'", what, owner->text);
  {
    char *t = sd_arena_strdup(&c->ast, buf);
    char name[32];
    char *nm;
    snprintf(name, sizeof name, "#hidden %d", ++c->hidden_count);
    nm = sd_arena_strdup(&c->ast, name);
    if (!t || !nm) return -1;
    i = add_cvar(c, nm, t, kind);
  }
  if (i >= 0) c->v[i].pos = pos;
  return i;
}

/* ------------------------------------------------------------------ */
/* tree construction and copying                                       */

sd_node *node_new(cc *c, sd_node_kind kind, const sd_node *at) {
  sd_node *n = sd_arena_alloc(&c->ast, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  if (at) { n->line = at->line; n->col = at->col; }
  return n;
}

sd_node *mk_num(cc *c, double x, const sd_node *at) {
  sd_node *n = node_new(c, SD_N_NUM, at);
  if (n) n->num = x;
  return n;
}

sd_node *mk_var(cc *c, int ref, const sd_node *at) {
  sd_node *n = node_new(c, SD_N_VAR, at);
  if (!n) return NULL;
  n->ref = ref;
  n->name = c->v[ref].name;
  n->text = c->v[ref].text;
  return n;
}

sd_node *mk_bin(cc *c, sd_op op, sd_node *a, sd_node *b, const sd_node *at) {
  sd_node *n;
  if (!a || !b) return NULL;
  n = node_new(c, SD_N_BINARY, at);
  if (!n) return NULL;
  n->op = op;
  n->nargs = 2;
  n->args = sd_arena_alloc(&c->ast, 2 * sizeof(sd_node *));
  if (!n->args) return NULL;
  n->args[0] = a;
  n->args[1] = b;
  return n;
}

sd_node *mk_call(cc *c, sd_fn fn, int nargs, sd_node **args, const sd_node *at) {
  sd_node *n = node_new(c, SD_N_CALL, at);
  int i;
  if (!n) return NULL;
  n->name = sd_builtin_get(fn)->name;
  n->text = n->name;
  n->ref = (int)fn;
  n->nargs = nargs;
  n->args = sd_arena_alloc(&c->ast, (size_t)nargs * sizeof(sd_node *));
  if (!n->args) return NULL;
  for (i = 0; i < nargs; i++) {
    if (!args[i]) return NULL;
    n->args[i] = args[i];
  }
  return n;
}

sd_node *copy_tree(cc *c, const sd_node *s) {
  sd_node *n;
  int i;
  if (!s) return NULL;
  if (++c->ncopied > SD_MAX_NODES) {
    if (!c->err->code)
      sd_fail(c->err, SD_E_MEMORY, c->cur > 0 && c->cur < c->nv ? c->v[c->cur].text : NULL, NULL, 0, 0,
              "the model's equations, with their arrays, macros and builtins expanded, have more than %d "
              "operations", SD_MAX_NODES);
    return NULL;
  }
  n = sd_arena_alloc(&c->ast, sizeof *n);
  if (!n) return NULL;
  *n = *s;
  if (s->nargs > 0) {
    n->args = sd_arena_alloc(&c->ast, (size_t)s->nargs * sizeof(sd_node *));
    if (!n->args) return NULL;
    for (i = 0; i < s->nargs; i++) {
      n->args[i] = copy_tree(c, s->args[i]);
      if (!n->args[i]) return NULL;
    }
  }
  return n;
}

/* ------------------------------------------------------------------ */
/* lookup tables                                                       */

static int add_table_mode(cc *c, int n, const double *x, const double *y, int mode) {
  double *px, *py;
  if (c->ntables == c->tcap) {
    int ncap = c->tcap ? c->tcap * 2 : 16;
    sd_table *nt = realloc(c->tables, (size_t)ncap * sizeof *nt);
    if (!nt) return -1;
    c->tables = nt;
    c->tcap = ncap;
  }
  px = sd_arena_alloc(&c->p->arena, (size_t)(n ? n : 1) * sizeof(double));
  py = sd_arena_alloc(&c->p->arena, (size_t)(n ? n : 1) * sizeof(double));
  if (!px || !py) return -1;
  memcpy(px, x, (size_t)n * sizeof(double));
  memcpy(py, y, (size_t)n * sizeof(double));
  c->tables[c->ntables].n = n;
  c->tables[c->ntables].mode = mode;
  c->tables[c->ntables].x = px;
  c->tables[c->ntables].y = py;
  return c->ntables++;
}

int add_table(cc *c, int n, const double *x, const double *y) {
  return add_table_mode(c, n, x, y, SD_DATA_LINEAR);
}

/* The equation of a data variable: its series read at Time. */
static sd_node *data_eqn(cc *c, int n, const double *x, const double *y, int mode) {
  int t = add_table_mode(c, n, x, y, mode);
  sd_node *call;
  if (t < 0) return NULL;
  call = node_new(c, SD_N_LOOKUPCALL, NULL);
  if (!call) return NULL;
  call->ref = t;
  call->nargs = 1;
  call->args = sd_arena_alloc(&c->ast, sizeof(sd_node *));
  if (!call->args || !(call->args[0] = mk_var(c, 0, NULL))) return NULL;
  return call;
}

/* ------------------------------------------------------------------ */
/* name resolution and lowering                                        */

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
static int lower_state(cc *c, sd_node *n, sd_fn fn) {
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

/* ---- subscripts ---- */

int dim_of(const cc *c, const char *name) { return sd_strmap_get(&c->m->dim_index, name); }

/* Position of element e in range d, or -1 (a hash lookup: ranges may
 * have 100,000 elements, and the compiler asks for every element). */
static int elem_in(const sd_dim *d, const char *e) {
  return sd_strmap_get(&d->elem_index, e);
}

static int is_element(const cc *c, const char *e) {
  int i;
  for (i = 0; i < c->m->ndims; i++) if (elem_in(&c->m->dims[i], e) >= 0) return 1;
  return 0;
}

static int bind_push(cc *c, const char *dim, const char *elem) {
  if (c->nb == c->bcap) {
    int ncap = c->bcap ? c->bcap * 2 : 32;
    const char **nd = realloc((void *)c->bdim, (size_t)ncap * sizeof *nd);
    const char **ne;
    if (!nd) return oom(c);
    c->bdim = nd;
    ne = realloc((void *)c->belem, (size_t)ncap * sizeof *ne);
    if (!ne) return oom(c);
    c->belem = ne;
    c->bcap = ncap;
  }
  c->bdim[c->nb] = dim;
  c->belem[c->nb++] = elem;
  return 0;
}

/* The element a subscript stands for where it is used: a bound dimension
 * (the innermost binding wins), a range holding a bound element (subrange
 * and parent range), or an element named directly.  NULL if none. */
static const char *resolve_sub(const cc *c, const char *sub) {
  int i, d = dim_of(c, sub);
  for (i = c->nb - 1; i >= 0; i--) if (strcmp(c->bdim[i], sub) == 0) return c->belem[i];
  if (d >= 0) {
    /* mappings first: a bound range mapped onto sub, or sub mapped onto
       a bound range */
    for (i = c->nb - 1; i >= 0; i--) {
      int b = dim_of(c, c->bdim[i]), k, j;
      if (b >= 0) {
        const sd_dim *bd = &c->m->dims[b];
        for (k = 0; k < bd->nmaps; k++) {
          int idx;
          if (strcmp(bd->maps[k].to, sub) != 0) continue;
          idx = elem_in(bd, c->belem[i]);
          if (idx < 0) continue;
          if (bd->maps[k].elems) return bd->maps[k].elems[idx];
          if (idx < c->m->dims[d].n) return c->m->dims[d].elems[idx];
        }
      }
      {
        const sd_dim *dd = &c->m->dims[d];
        for (k = 0; k < dd->nmaps; k++) {
          if (strcmp(dd->maps[k].to, c->bdim[i]) != 0) continue;
          for (j = 0; j < dd->n; j++) {
            const char *target = dd->maps[k].elems ? dd->maps[k].elems[j]
                               : (b >= 0 && j < c->m->dims[b].n ? c->m->dims[b].elems[j] : NULL);
            int td = target ? dim_of(c, target) : -1;   /* a listed target may be a subrange */
            if (target && (td >= 0 ? elem_in(&c->m->dims[td], c->belem[i]) >= 0
                                   : strcmp(target, c->belem[i]) == 0))
              return dd->elems[j];
          }
        }
      }
    }
    for (i = c->nb - 1; i >= 0; i--) if (elem_in(&c->m->dims[d], c->belem[i]) >= 0) return c->belem[i];
    return NULL;
  }
  return is_element(c, sub) ? sub : NULL;
}

/* The cvar of variable reference n to model variable idx. */
int element_ref(cc *c, const sd_node *n, int idx) {
  const sd_var *mv = &c->m->vars[idx];
  int j, off = 0;
  if (mv->ndefs == 0) {
    if (n->nsubs > 0)
      return fail_at(c, SD_E_NAME, n, "'%s' has no subscripts, but is used with some%s", n->text, NULL);
    return c->mbase[idx];
  }
  if (n->nsubs != c->mnd[idx]) {
    char msg[SD_ERR_MSG];
    snprintf(msg, sizeof msg, "'%s' has %d subscript%s, but is used with %d", n->text, c->mnd[idx],
             c->mnd[idx] == 1 ? "" : "s", n->nsubs);
    return fail_at(c, SD_E_NAME, n, "%s%s", msg, NULL);
  }
  for (j = 0; j < n->nsubs; j++) {
    const sd_dim *d = &c->m->dims[c->mdims[idx][j]];
    const char *e = resolve_sub(c, n->subs[j]);
    int k;
    if (!e) {
      if (dim_of(c, n->subs[j]) >= 0)
        return fail_at(c, SD_E_NAME, n, "subscript '%s' of '%s' does not match the subscripts of "
                       "the equation it is used in", n->subs[j], n->text);
      return fail_at(c, SD_E_NAME, n, "unknown subscript '%s' in '%s'", n->subs[j], n->text);
    }
    k = elem_in(d, e);
    if (k < 0)
      return fail_at(c, SD_E_NAME, n, "element '%s' is not in the range of this subscript of '%s'", e, n->text);
    off = off * d->n + k;
  }
  return c->mbase[idx] + off;
}

/* Collect the dimensions marked '!' in a tree (distinct, in order). */
static void bang_dims(const sd_node *n, const char **out, int *nout, int cap) {
  int i, j;
  for (i = 0; i < n->nsubs; i++) {
    if (!n->bang[i]) continue;
    for (j = 0; j < *nout; j++) if (strcmp(out[j], n->subs[i]) == 0) break;
    if (j == *nout && *nout < cap) out[(*nout)++] = n->subs[i];
  }
  for (i = 0; i < n->nargs; i++) bang_dims(n->args[i], out, nout, cap);
}

/* SUM, PROD, VMIN, VMAX: one copy of the argument per element of the
 * ranges marked '!', combined. */
static int resolve_reduction(cc *c, sd_node *n, sd_fn fn, int depth) {
  const char *dims[8];
  int nd = 0, total = 1, i, k, sizes[8], didx[8];
  sd_node **parts;
  bang_dims(n->args[0], dims, &nd, 8);
  if (nd == 0)
    return fail_at(c, SD_E_DEFINITION, n, "%s needs a range to work over, marked with '!' as in %s(a[Dim!])",
                   n->text, n->text);
  for (i = 0; i < nd; i++) {
    didx[i] = dim_of(c, dims[i]);
    if (didx[i] < 0) return fail_at(c, SD_E_NAME, n, "'%s!' is not a subscript range%s", dims[i], NULL);
    sizes[i] = c->m->dims[didx[i]].n;
    if ((double)total * sizes[i] > SD_MAX_VARS)   /* one copy of the argument each */
      return too_many(c, n->text, (double)total * sizes[i]);
    total *= sizes[i];
  }
  if (expanded(c, n, total) != 0) return -1;
  parts = sd_arena_alloc(&c->ast, (size_t)total * sizeof(sd_node *));
  if (!parts) return oom(c);
  for (k = 0; k < total; k++) {
    int rem = k, base = c->nb;
    for (i = nd - 1; i >= 0; i--) {
      if (bind_push(c, dims[i], c->m->dims[didx[i]].elems[rem % sizes[i]]) != 0) return -1;
      rem /= sizes[i];
    }
    parts[k] = copy_tree(c, n->args[0]);
    if (!parts[k]) return oom(c);
    if (resolve(c, parts[k], depth + 1) != 0) return -1;
    c->nb = base;
  }
  if (total == 1) {                     /* one element: the element itself */
    *n = *parts[0];
    return 0;
  }
  /* one operation over all the parts (SD_F_LIST): the loop runs inside
     the opcode, not through the dispatcher */
  n->args = parts;
  n->nargs = total;
  n->ref = (int)fn;
  return 0;
}

/* Trees made by substituting macro arguments can be higher than any parsed
 * one (each macro level adds its own chain): at most this many levels, so
 * that every recursive walk of them stays within the C stack. */
#define SD_MAX_TREE (4 * SD_MAX_HEIGHT)

/* 1 if tree n goes more than `left` levels down (the walk stops there). */
static int too_deep(const sd_node *n, int left) {
  int i;
  if (!n) return 0;
  if (left <= 0) return 1;
  for (i = 0; i < n->nargs; i++)
    if (too_deep(n->args[i], left - 1)) return 1;
  return 0;
}

void mark_done(sd_node *n) {
  int i;
  n->done = 1;
  for (i = 0; i < n->nargs; i++) mark_done(n->args[i]);
}

static const sd_macro *find_macro(const cc *c, const char *name) {
  int i;
  for (i = 0; i < c->m->nmacros; i++)
    if (strcmp(c->m->macros[i].name, name) == 0) return &c->m->macros[i];
  return NULL;
}

/* A call of a macro: a fresh copy of the macro's variables, its
 * parameters replaced by the (already resolved) arguments. */
static int instantiate_macro(cc *c, sd_node *n, const sd_macro *mac, int depth) {
  const sd_model *body = mac->body;
  int nin = n->nin ? n->nin : n->nargs, nout = n->nin ? n->nargs - n->nin : 0;
  int j, k, main = -1, save_cur = c->cur, save_init = c->in_init, save_nb = c->nb, inst;
  int first;
  mscope sc;
  const char **saved_dim = NULL, **saved_elem = NULL;
  char label[SD_ERR_NAME + 64];
  if (nin != mac->nparams) {
    char msg[SD_ERR_MSG];
    snprintf(msg, sizeof msg, "macro %s takes %d argument%s, but is given %d", mac->text, mac->nparams,
             mac->nparams == 1 ? "" : "s", nin);
    return fail_at(c, SD_E_ARITY, n, "%s%s", msg, NULL);
  }
  if (nout > mac->nouts)
    return fail_at(c, SD_E_ARITY, n, "macro %s has fewer extra outputs than the names after ':'%s",
                   mac->text, NULL);
  if (c->macro_depth >= 32)
    return fail_at(c, SD_E_DEFINITION, n, "macro %s calls itself (directly or through other macros)%s",
                   mac->text, NULL);
  for (j = 0; j < nin; j++) {
    if (resolve(c, n->args[j], depth + 1) != 0) return -1;
    if (too_deep(n->args[j], SD_MAX_TREE))   /* before it is copied into the body */
      return fail_at(c, SD_E_PARSE, n->args[j], "an argument of macro %s is nested too deeply once the macros "
                     "it passes through are expanded (more than 4096 levels)%s", mac->text, NULL);
    mark_done(n->args[j]);
  }
  inst = ++c->ninst;
  sc.mac = mac;
  sc.args = n->args;
  sc.up = c->scope;
  sc.map = sd_arena_alloc(&c->ast, (size_t)(body->nvars ? body->nvars : 1) * sizeof(int));
  if (!sc.map) return oom(c);
  first = c->nv;
  for (j = SD_NUM_CONTROL; j < body->nvars; j++) {
    const sd_var *bv = &body->vars[j];
    int ci;
    cv_kind kind = bv->kind == SD_STOCK ? CV_STOCK : bv->kind == SD_LOOKUP ? CV_LOOKUP : CV_AUX;
    char nm[64];
    if (bv->ndefs > 0)
      return fail_at(c, SD_E_DEFINITION, n, "macro %s: subscripted variables inside macros are not "
                     "supported yet%s", mac->text, NULL);
    snprintf(label, sizeof label, "%s in macro %s (call %d)", bv->text, mac->text, inst);
    snprintf(nm, sizeof nm, "#macro %d %d", inst, j);
    ci = add_cvar(c, sd_arena_strdup(&c->ast, nm), sd_arena_strdup(&c->ast, label), kind);
    if (ci < 0 || !c->v[ci].name || !c->v[ci].text) return oom(c);
    c->v[ci].pos = c->v[save_cur].pos;
    c->v[ci].vkind = bv->kind;
    if (bv->eqn && !(c->v[ci].eqn = copy_tree(c, bv->eqn))) return oom(c);
    if (bv->init && !(c->v[ci].init = copy_tree(c, bv->init))) return oom(c);
    if (kind == CV_LOOKUP && (c->v[ci].table = add_table(c, bv->ntab, bv->tx, bv->ty)) < 0) return oom(c);
    sc.map[j] = ci;
    if (strcmp(bv->name, mac->name) == 0) main = ci;
  }
  if (main < 0)
    return fail_at(c, SD_E_DEFINITION, n, "macro %s does not define a variable named %s (its output)",
                   mac->text, mac->text);
  /* resolve the body in the macro's scope, without the caller's bindings */
  if (save_nb) {
    saved_dim = malloc((size_t)save_nb * sizeof *saved_dim);
    saved_elem = malloc((size_t)save_nb * sizeof *saved_elem);
    if (!saved_dim || !saved_elem) { free((void *)saved_dim); free((void *)saved_elem); return oom(c); }
    memcpy(saved_dim, c->bdim, (size_t)save_nb * sizeof *saved_dim);
    memcpy(saved_elem, c->belem, (size_t)save_nb * sizeof *saved_elem);
  }
  c->scope = &sc;
  c->macro_depth++;
  c->nb = 0;
  for (k = first; k < first + (body->nvars - SD_NUM_CONTROL); k++) {
    c->cur = k;
    c->in_init = 0;
    if (c->v[k].eqn && resolve(c, c->v[k].eqn, 0) != 0) break;
    c->in_init = 1;
    if (c->v[k].init && resolve(c, c->v[k].init, 0) != 0) break;
  }
  c->macro_depth--;
  c->scope = sc.up;
  c->cur = save_cur;
  c->in_init = save_init;
  if (save_nb) {
    memcpy(c->bdim, saved_dim, (size_t)save_nb * sizeof *saved_dim);
    memcpy(c->belem, saved_elem, (size_t)save_nb * sizeof *saved_elem);
  }
  c->nb = save_nb;
  free((void *)saved_dim);
  free((void *)saved_elem);
  if (c->err->code) return -1;
  /* extra outputs: the caller's names after ':' */
  for (j = 0; j < nout; j++) {
    const sd_node *o = n->args[nin + j];
    int bi = sd_strmap_get(&body->index, mac->outs[j]), target;
    if (o->kind != SD_N_VAR) return fail_at(c, SD_E_PARSE, o, "expected a name after ':' in a macro call%s%s", NULL, NULL);
    target = sd_strmap_get(&c->outmap, o->name);
    if (bi < 0) return fail_at(c, SD_E_DEFINITION, n, "macro %s does not define its output '%s'", mac->text, mac->outs[j]);
    if (target < 0 || c->v[target].eqn)
      return fail_at(c, SD_E_NAME, o, "'%s' is already defined; the names after ':' in a macro call are "
                     "made by the call%s", o->text, NULL);
    c->v[target].eqn = mk_var(c, sc.map[bi], o);
    if (!c->v[target].eqn) return oom(c);
    c->v[target].eqn->done = 1;
  }
  become_var(c, n, main);
  n->done = 1;
  return 0;
}

/* VECTOR SELECT(sel[r!], expr[r!], missing, action, error): combine the
 * expr elements whose sel is not 0 (action 0 sum, 1 product, 2 min,
 * 3 max); `missing` when none is selected.  Built as a tree, like SUM. */
static int resolve_vector_select(cc *c, sd_node *n, int depth) {
  const char *dims[8], *dsel[8], *dval[8];
  int nd = 0, total = 1, i, k, sizes[8], didx[8], nsel = 0, nval = 0, j;
  sd_node **args;
  bang_dims(n->args[0], dims, &nd, 8);
  bang_dims(n->args[1], dims, &nd, 8);
  /* each argument is bound only on the ranges it marks with '!'; a range
     it names without '!' keeps the element of the equation's own */
  bang_dims(n->args[0], dsel, &nsel, 8);
  bang_dims(n->args[1], dval, &nval, 8);
  if (nd == 0)
    return fail_at(c, SD_E_DEFINITION, n, "VECTOR SELECT needs ranges marked with '!'%s%s", NULL, NULL);
  if (resolve(c, n->args[3], depth + 1) != 0 || resolve(c, n->args[2], depth + 1) != 0 ||
      resolve(c, n->args[4], depth + 1) != 0) return -1;
  for (i = 0; i < nd; i++) {
    didx[i] = dim_of(c, dims[i]);
    if (didx[i] < 0) return fail_at(c, SD_E_NAME, n, "'%s!' is not a subscript range%s", dims[i], NULL);
    sizes[i] = c->m->dims[didx[i]].n;
    if ((double)total * sizes[i] > SD_MAX_VARS) return too_many(c, n->text, (double)total * sizes[i]);
    total *= sizes[i];
  }
  /* every combination of the '!' ranges (a selection over one range and
     values over another pair up every element with every other):
     selections, then values, then the missing value, the action and the
     error action */
  if (expanded(c, n, 2.0 * total) != 0) return -1;
  args = sd_arena_alloc(&c->ast, (size_t)(2 * total + 3) * sizeof(sd_node *));
  if (!args) return oom(c);
  for (k = 0; k < total; k++) {
    int base = c->nb;
    sd_node *sel, *val;
    sel = copy_tree(c, n->args[0]);
    val = copy_tree(c, n->args[1]);
    if (!sel || !val) return oom(c);
    for (j = 0; j < 2; j++) {
      /* this combination's element of each range the argument marks */
      const char **mine = j == 0 ? dsel : dval;
      int nmine = j == 0 ? nsel : nval, rem = k;
      for (i = nd - 1; i >= 0; i--) {
        int r, marked = 0;
        for (r = 0; r < nmine; r++) if (strcmp(mine[r], dims[i]) == 0) marked = 1;
        if (marked && bind_push(c, dims[i], c->m->dims[didx[i]].elems[rem % sizes[i]]) != 0) return -1;
        rem /= sizes[i];
      }
      if (resolve(c, j == 0 ? sel : val, depth + 1) != 0) return -1;
      c->nb = base;
    }
    args[k] = sel;
    args[total + k] = val;
  }
  args[2 * total] = n->args[2];
  args[2 * total + 1] = n->args[3];
  args[2 * total + 2] = n->args[4];
  n->args = args;
  n->nargs = 2 * total + 3;
  return 0;
}

/* VECTOR ELM MAP(vec[..., e], offset) and VECTOR SORT ORDER(vec[...],
 * direction) read a run of elements of one array at run time.  The call
 * becomes: args[0] the offset/direction, args[1..] a reference to every
 * element read (for ordering), num the position of the named element. */
static int resolve_vector_index(cc *c, sd_node *n, sd_fn fn, int depth) {
  sd_node *vec = n->args[0], **args;
  int idx, ref, nd, last, off, first, count, k;
  if (vec->kind != SD_N_VAR || vec->nsubs == 0)
    return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must be a subscripted variable%s", n->text, NULL);
  idx = sd_strmap_get(&c->m->index, vec->name);
  if (idx < 0 || c->m->vars[idx].ndefs == 0)
    return fail_at(c, SD_E_NAME, vec, "'%s' is not a subscripted variable%s", vec->text, NULL);
  if (resolve(c, vec, depth + 1) != 0 || resolve(c, n->args[1], depth + 1) != 0) return -1;
  ref = vec->ref;
  c->contig[idx] = 1;                      /* indexed by slot at run time */
  nd = c->mnd[idx];
  last = c->m->dims[c->mdims[idx][nd - 1]].n;
  off = ref - c->mbase[idx];
  if (fn == SD_FN_VECTOR_ELM_MAP) {        /* anywhere in the whole array */
    first = c->mbase[idx];
    count = 1;
    for (k = 0; k < nd; k++) count *= c->m->dims[c->mdims[idx][k]].n;
  } else {                                 /* along the last subscript */
    first = ref - off % last;
    count = last;
    /* VECTOR REORDER(vec, order) is vec[order] within the row: an element
       map from the row's start */
    off = fn == SD_FN_VECTOR_REORDER ? 0 : off % last;
  }
  if (fn == SD_FN_VECTOR_SORT_ORDER && count > SD_SORT_MAX)
    return fail_at(c, SD_E_DEFINITION, n, "VECTOR SORT ORDER sorts at most 2048 elements%s%s", NULL, NULL);
  if (expanded(c, n, count) != 0) return -1;   /* a 20,000-element VECTOR RANK: 4e8 */
  args = sd_arena_alloc(&c->ast, (size_t)(count + 1) * sizeof(sd_node *));
  if (!args) return oom(c);
  args[0] = n->args[1];
  for (k = 0; k < count; k++) {
    args[k + 1] = mk_var(c, first + k, n);
    if (!args[k + 1]) return oom(c);
    args[k + 1]->done = 1;
  }
  n->args = args;
  n->nargs = count + 1;
  n->num = off;
  return 0;
}

/* INVERT MATRIX(m[..., r, c], n): the element of the inverse of the
 * n x n matrix over the last two subscripts of m that this element of
 * the result stands for.  The n*n elements become arguments (so they
 * are dependencies); n->num holds the element's row-major position. */
static int resolve_invert(cc *c, sd_node *n, int depth) {
  sd_node *mat = n->args[0], **args;
  int idx, nd, size, off, first, k;
  double want;
  if (mat->kind != SD_N_VAR || mat->nsubs < 2)
    return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must be a matrix (two or more subscripts)%s",
                   n->text, NULL);
  idx = sd_strmap_get(&c->m->index, mat->name);
  if (idx < 0 || c->m->vars[idx].ndefs == 0)
    return fail_at(c, SD_E_NAME, mat, "'%s' is not a subscripted variable%s", mat->text, NULL);
  if (resolve(c, mat, depth + 1) != 0) return -1;
  fold(n->args[1]);
  nd = c->mnd[idx];
  size = c->m->dims[c->mdims[idx][nd - 1]].n;
  want = n->args[1]->kind == SD_N_NUM ? n->args[1]->num : -1;
  if (nd < 2 || c->m->dims[c->mdims[idx][nd - 2]].n != size || want != size)
    return fail_at(c, SD_E_DEFINITION, n, "%s needs a square matrix over its last two subscripts, "
                   "and their size as its second argument%s", n->text, NULL);
  if (size > SD_MAX_INVERT)
    return fail_at(c, SD_E_DEFINITION, n, "%s inverts matrices of at most 32 x 32%s", n->text, NULL);
  c->contig[idx] = 1;                      /* read by slot at run time */
  off = (mat->ref - c->mbase[idx]) % (size * size);
  first = mat->ref - off;
  args = sd_arena_alloc(&c->ast, (size_t)(size * size) * sizeof(sd_node *));
  if (!args) return oom(c);
  for (k = 0; k < size * size; k++) {
    if (!(args[k] = mk_var(c, first + k, n))) return oom(c);
    args[k]->done = 1;
  }
  n->args = args;
  n->nargs = size * size;
  n->num = off;
  return 0;
}

/* ALLOCATE BY PRIORITY(request[.., R], priority[.., R], size, width,
 * supply) and ALLOCATE AVAILABLE(request[.., R], pp[.., R, ptype],
 * supply): the allocation runs over R, the last subscript of the request;
 * this element of the result is the share of R's element bound here.
 * The arguments become one list the opcode reads from consecutive slots:
 * the n requests, then the n priorities (or 4 profile values per target,
 * from the element named in pp onwards), then width and supply (or the
 * supply); n->num holds the target's position in R. */
static int resolve_allocate(cc *c, sd_node *n, sd_fn fn, int depth) {
  sd_node *req = n->args[0], *pri = n->args[1], **args;
  const char *rname;
  const sd_dim *R;
  const char *here;
  int per = fn == SD_FN_ALLOCATE_BY_PRIORITY ? 1 : 4, nr, j, a = 0, k, base;
  if (req->kind != SD_N_VAR || req->nsubs < 1 || dim_of(c, req->subs[req->nsubs - 1]) < 0)
    return fail_at(c, SD_E_DEFINITION, n, "the request of %s must be subscripted by the range it allocates over, "
                   "in its last position%s", n->text, NULL);
  if (pri->kind != SD_N_VAR || pri->nsubs < 1)
    return fail_at(c, SD_E_DEFINITION, n, "the priorities of %s must be a subscripted variable%s", n->text, NULL);
  rname = req->subs[req->nsubs - 1];
  R = &c->m->dims[dim_of(c, rname)];
  here = resolve_sub(c, rname);
  if (!here || elem_in(R, here) < 0)
    return fail_at(c, SD_E_DEFINITION, n, "%s must be used in an equation subscripted by '%s', the range "
                   "it allocates over", n->text, rname);
  nr = R->n;
  if (nr > SD_MAX_ALLOC)
    return fail_at(c, SD_E_DEFINITION, n, "%s allocates over at most 256 elements%s", n->text, NULL);
  if (expanded(c, n, (double)nr * (1 + per)) != 0) return -1;
  args = sd_arena_alloc(&c->ast, (size_t)(nr * (1 + per) + 2) * sizeof(sd_node *));
  if (!args) return oom(c);
  for (k = 0; k < 2; k++) {              /* requests, then priorities/profiles */
    for (j = 0; j < nr; j++) {
      int mark = c->nb;
      sd_node *x;
      if (bind_push(c, R->name, R->elems[j]) != 0) return -1;
      x = copy_tree(c, k == 0 ? req : pri);
      if (!x) return oom(c);
      if (resolve(c, x, depth + 1) != 0) return -1;
      c->nb = mark;
      if (k == 1 && per == 4) {
        /* ptype, ppriority, pwidth, pextra: the profile's elements in order */
        int first = x->kind == SD_N_VAR ? x->ref : -1, idx = sd_strmap_get(&c->m->index, pri->name), m, tot = 1;
        if (first < 0 || idx < 0 || c->m->vars[idx].ndefs == 0)
          return fail_at(c, SD_E_DEFINITION, pri, "the priority profiles of %s must be an array variable%s",
                         n->text, NULL);
        for (m = 0; m < c->mnd[idx]; m++) tot *= c->m->dims[c->mdims[idx][m]].n;
        if (c->m->dims[c->mdims[idx][c->mnd[idx] - 1]].n < 4 || first + 3 >= c->mbase[idx] + tot)
          return fail_at(c, SD_E_DEFINITION, pri, "the priority profiles of %s need 4 values (ptype, ppriority, "
                         "pwidth, pextra) along their last subscript%s", n->text, NULL);
        for (m = 0; m < 4; m++) {
          if (!(args[a++] = mk_var(c, first + m, pri))) return oom(c);
          args[a - 1]->done = 1;
        }
      } else {
        args[a++] = x;
      }
    }
  }
  base = fn == SD_FN_ALLOCATE_BY_PRIORITY ? 3 : 2;   /* width, supply (or the supply) */
  for (j = base; j < n->nargs; j++) {
    if (resolve(c, n->args[j], depth + 1) != 0) return -1;
    args[a++] = n->args[j];
  }
  n->args = args;
  n->nargs = a;
  n->num = elem_in(R, here);
  return 0;
}

/* References to variable `from` in tree n (resolved) made references to
 * `to`. */
static void retarget(sd_node *n, int from, int to) {
  int i;
  if (n->kind == SD_N_VAR && n->ref == from && from > 0) { n->ref = to; return; }
  for (i = 0; i < n->nargs; i++) retarget(n->args[i], from, to);
}

static int resolve_call(cc *c, sd_node *n, int depth) {
  const sd_builtin *b = sd_builtin_find(n->name);
  const sd_macro *mac = find_macro(c, n->name);
  int i;
  if (mac) return instantiate_macro(c, n, mac, depth);
  if (b && n->nargs == 1) {
    /* a lookup the model defines shadows a builtin of the same name
       (older models have lookups named like later builtins) */
    int idx = sd_strmap_get(&c->m->index, n->name);
    if ((idx >= SD_NUM_CONTROL && c->v[c->mbase[idx]].kind == CV_LOOKUP) ||
        (c->scope && (idx = sd_strmap_get(&c->scope->mac->body->index, n->name)) >= SD_NUM_CONTROL &&
         c->scope->mac->body->vars[idx].kind == SD_LOOKUP))
      b = NULL;
  }
  if (c->scope && !b) {                 /* a lookup of the macro body */
    const sd_model *body = c->scope->mac->body;
    int k = sd_strmap_get(&body->index, n->name);
    if (k >= SD_NUM_CONTROL && body->vars[k].kind == SD_LOOKUP && n->nargs == 1) {
      if (resolve(c, n->args[0], depth + 1) != 0) return -1;
      n->kind = SD_N_LOOKUPCALL;
      n->ref = c->v[c->scope->map[k]].table;
      return 0;
    }
  }
  if (!b) {
    int idx = sd_strmap_get(&c->m->index, n->name);
    if (idx >= 0 && c->v[c->mbase[idx]].kind == CV_LOOKUP) {
      int ci;
      if (n->nargs != 1)
        return fail_at(c, SD_E_ARITY, n, "lookup '%s' takes one argument (the input to look up)",
                       n->text, NULL);
      ci = element_ref(c, n, idx);       /* lookups may be subscripted */
      if (ci < 0) return -1;
      if (resolve(c, n->args[0], depth + 1) != 0) return -1;
      n->kind = SD_N_LOOKUPCALL;
      n->ref = c->v[ci].table;
      return 0;
    }
    if (idx >= 0)
      return fail_at(c, SD_E_NAME, n,
                     "'%s' is called like a function, but it is a variable, not a lookup or builtin%s",
                     n->text, NULL);
    if (sd_refused_reason(n->name))
      return fail_at(c, SD_E_UNSUPPORTED, n, "%s cannot be run: %s (docs/language.md lists the "
                     "Vensim and XMILE language with what sdvm supports)", n->text, sd_refused_reason(n->name));
    return fail_at(c, SD_E_NAME, n, "unknown function '%s'%s", n->text, NULL);
  }
  if (n->nargs < b->min_args || n->nargs > b->max_args) {
    char want[64];
    if (b->min_args == b->max_args)
      snprintf(want, sizeof want, "%d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
    else
      snprintf(want, sizeof want, "%d to %d arguments", b->min_args, b->max_args);
    {
      char msg[SD_ERR_MSG];
      snprintf(msg, sizeof msg, "%s takes %s, but is given %d", n->text, want, n->nargs);
      return fail_at(c, SD_E_ARITY, n, "%s%s", msg, NULL);
    }
  }
  n->ref = (int)b->fn;
  {
    int done = resolve_more(c, n, b->fn, depth);       /* sd_lower.c */
    if (done) return done < 0 ? -1 : 0;
  }
  if (b->fn == SD_FN_SUM || b->fn == SD_FN_PROD || b->fn == SD_FN_VMIN || b->fn == SD_FN_VMAX)
    return resolve_reduction(c, n, b->fn, depth);
  if (b->fn == SD_FN_VECTOR_SELECT) return resolve_vector_select(c, n, depth);
  if (b->fn == SD_FN_VECTOR_ELM_MAP || b->fn == SD_FN_VECTOR_SORT_ORDER ||
      b->fn == SD_FN_VECTOR_RANK || b->fn == SD_FN_VECTOR_REORDER)
    return resolve_vector_index(c, n, b->fn, depth);
  if (b->fn == SD_FN_INVERT_MATRIX)
    return resolve_invert(c, n, depth);
  if (b->fn == SD_FN_ALLOCATE_BY_PRIORITY || b->fn == SD_FN_ALLOCATE_AVAILABLE)
    return resolve_allocate(c, n, b->fn, depth);
  if (b->fn >= SD_FN_LOOKUP_BACKWARD && b->fn <= SD_FN_LOOKUP_INVERT) {
    /* LOOKUP xxx(table, x): the table's index becomes the first argument */
    sd_node *tn = n->args[0];
    int idx = tn->kind == SD_N_VAR ? sd_strmap_get(&c->m->index, tn->name) : -1, ci;
    if (idx < 0 || c->v[c->mbase[idx]].kind != CV_LOOKUP)
      return fail_at(c, SD_E_DEFINITION, n, "the first argument of %s must be the name of a lookup%s",
                     n->text, NULL);
    ci = element_ref(c, tn, idx);
    if (ci < 0) return -1;
    if (resolve(c, n->args[1], depth + 1) != 0) return -1;
    if (!(n->args[0] = mk_num(c, c->v[ci].table, n))) return oom(c);
    return 0;
  }
  if (b->fn == SD_FN_GET_TIME_VALUE) {
    /* GET TIME VALUE(relativeto, offset, measure) in the model's time
       unit (measure 0): from the current time (relativeto 0) or from
       INITIAL TIME (1).  Calendar measures and the computer's clock
       (relativeto 2) have no meaning in a reproducible run. */
    sd_node *rel = n->args[0], *off = n->args[1], *meas = n->args[2], *base;
    int ref;
    for (i = 0; i < 3; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    fold(rel);
    fold(meas);
    if (meas->kind != SD_N_NUM || meas->num != 0 || rel->kind != SD_N_NUM || (rel->num != 0 && rel->num != 1))
      return fail_at(c, SD_E_DEFINITION, n, "GET TIME VALUE is supported relative to the current time (0) or "
                     "INITIAL TIME (1), in the model's time unit (measure 0)%s%s", NULL, NULL);
    /* cvar 0 is Time; INITIAL TIME is the model's control variable */
    ref = rel->num == 0 ? 0 : c->mbase[sd_strmap_get(&c->m->index, "initial time")];
    base = mk_var(c, ref, n);
    if (!base) return oom(c);
    {
      sd_node *sum = mk_bin(c, SD_OP_ADD, base, off, n);
      if (!sum) return oom(c);
      *n = *sum;
    }
    return 0;
  }
  if (b->fn == SD_FN_RANDOM_UNIFORM || b->fn == SD_FN_RANDOM_NORMAL) {
    /* each call site draws its own sequence; it changes every step, so
       its caller is dynamic (collect() treats the call as a clock read) */
    for (i = 0; i < n->nargs; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    n->num = c->nrandom++;
    return 0;
  }
  if (b->fn == SD_FN_ELMCOUNT) {        /* the number of elements of a range */
    int d = n->args[0]->kind == SD_N_VAR ? dim_of(c, n->args[0]->name) : -1;
    if (d < 0) return fail_at(c, SD_E_NAME, n, "ELMCOUNT needs the name of a subscript range%s%s", NULL, NULL);
    n->kind = SD_N_NUM;
    n->num = c->m->dims[d].n;
    n->nargs = 0;
    return 0;
  }
  if (b->fn == SD_FN_WITH_LOOKUP) {
    sd_node *t = n->args[1];
    int k;
    if (t->kind != SD_N_TABLE)
      return fail_at(c, SD_E_DEFINITION, t, "the second argument of WITH LOOKUP must be a table of points%s%s",
                     NULL, NULL);
    if (resolve(c, n->args[0], depth + 1) != 0) return -1;
    if (t->npts < 1)
      return fail_at(c, SD_E_DEFINITION, t, "WITH LOOKUP table has no points%s%s", NULL, NULL);
    for (k = 1; k < t->npts; k++)
      if (t->xs[k] < t->xs[k - 1])
        return fail_at(c, SD_E_DEFINITION, t, "WITH LOOKUP table: x values must increase%s%s", NULL, NULL);
    k = add_table(c, t->npts, t->xs, t->ys);
    if (k < 0) return oom(c);
    n->kind = SD_N_LOOKUPCALL;
    n->ref = k;
    n->nargs = 1;
    return 0;
  }
  for (i = 0; i < n->nargs; i++) {
    if (n->args[i]->kind == SD_N_TABLE)
      return fail_at(c, SD_E_DEFINITION, n->args[i], "a table of points is only allowed in WITH LOOKUP%s%s",
                     NULL, NULL);
    if (resolve(c, n->args[i], depth + 1) != 0) return -1;
  }
  if (b->kind == SD_B_STATE) return lower_state(c, n, b->fn);
  if (b->fn == SD_FN_SIMULTANEOUS) {
    /* x = SIMULTANEOUS(expr, guess): x is expr, solved with the
       equations that read x by running them until x settles (the run
       iterates; see sd_run.c); the loop through x is not a cycle */
    int g;
    if (n != c->v[c->cur].eqn || c->in_init || c->v[c->cur].kind != CV_AUX)
      return fail_at(c, SD_E_DEFINITION, n, "SIMULTANEOUS must be the whole equation of an auxiliary%s%s",
                     NULL, NULL);
    g = add_hidden(c, "SIMULTANEOUS guess", CV_AUX);
    if (g < 0) return oom(c);
    c->v[g].eqn = n->args[1];
    c->v[c->cur].simul = 1;
    c->v[c->cur].simul_guess = g;
    *n = *n->args[0];
    return 0;
  }
  if (b->fn == SD_FN_FIND_ZERO) {
    /* x[..., e] = FIND ZERO(xs, z, zs, xi, n, skip, tol, max iter,
       method): the run moves the elements of x (Newton's method, all of
       them at once) until z is zero; each argument is kept in a variable
       the run reads.  x's own equation leaves it as the run set it. */
    static const char *const what[] = { "FIND ZERO scale of x", NULL, "FIND ZERO scale of z", "FIND ZERO guess",
                                         NULL, "FIND ZERO skip", "FIND ZERO tolerance", "FIND ZERO iterations" };
    int cur = c->cur, h[8], k, pos = 0;
    const cvar *me = &c->v[cur];
    if (n != me->eqn || c->in_init || me->kind != CV_AUX || me->mvar < 0)
      return fail_at(c, SD_E_DEFINITION, n, "FIND ZERO must be the whole equation of a subscripted auxiliary%s%s",
                     NULL, NULL);
    if (n->args[1]->kind != SD_N_VAR)
      return fail_at(c, SD_E_DEFINITION, n->args[1], "the second argument of FIND ZERO must be the variable to "
                     "bring to zero, with the equation's subscripts%s%s", NULL, NULL);
    for (k = 0; k < 8; k++) {
      h[k] = -1;
      if (!what[k]) continue;
      if ((h[k] = add_hidden(c, what[k], CV_AUX)) < 0) return oom(c);
      c->v[h[k]].eqn = n->args[k];
    }
    {
      /* the element's place along the last subscript (for skip) */
      int idx = c->v[cur].mvar, nd = c->mnd[idx];
      pos = (cur - c->mbase[idx]) % c->m->dims[c->mdims[idx][nd - 1]].n;
    }
    c->v[cur].simul = 2;
    c->v[cur].simul_guess = h[3];
    c->v[cur].zero_z = n->args[1]->ref;
    c->v[cur].zero_xs = h[0];
    c->v[cur].zero_zs = h[2];
    c->v[cur].zero_skip = h[5];
    c->v[cur].zero_tol = h[6];
    c->v[cur].zero_iter = h[7];
    c->v[cur].zero_pos = pos;
    {
      sd_node *self = mk_var(c, cur, n);
      if (!self) return oom(c);
      *n = *self;
    }
    return 0;
  }
  {
    int done = lower_more(c, n, b->fn);                /* sd_lower.c */
    if (done) return done < 0 ? -1 : 0;
  }
  if (b->fn == SD_FN_GAME) {            /* GAME passes its input through */
    *n = *n->args[0];
    return 0;
  }
  if (b->fn == SD_FN_ACTIVE_INITIAL) {
    /* an auxiliary whose initial value has its own equation */
    int h = add_hidden(c, "ACTIVE INITIAL", CV_AUX);
    if (h < 0) return oom(c);
    c->v[h].eqn = n->args[0];
    c->v[h].init = n->args[1];
    become_var(c, n, h);
    return 0;
  }
  if (b->fn == SD_FN_FORECAST) {
    /* FORECAST(x, T, h) = x * (1 + TREND(x, T, 0) * h), x held in a hidden
       auxiliary: used twice inline, nested FORECASTs doubled the tree at
       each level (30 levels: 2^30 nodes to compile) */
    sd_node *x, *targs[3], *trend, *res;   /* arguments already resolved */
    int hx = add_hidden(c, "FORECAST input", CV_AUX);
    if (hx < 0) return oom(c);
    mark_done(n->args[0]);
    mark_done(n->args[1]);
    c->v[hx].eqn = n->args[0];
    if (!(x = mk_var(c, hx, n)) || !(targs[0] = mk_var(c, hx, n))) return oom(c);
    x->done = targs[0]->done = 1;
    targs[1] = n->args[1];
    targs[2] = mk_num(c, 0, n);
    trend = mk_call(c, SD_FN_TREND, 3, targs, n);
    if (!trend) return oom(c);
    if (lower_state(c, trend, SD_FN_TREND) != 0) return -1;
    res = mk_bin(c, SD_OP_MUL, x, mk_bin(c, SD_OP_ADD, mk_num(c, 1, n),
                 mk_bin(c, SD_OP_MUL, trend, n->args[2], n), n), n);
    if (!res) return oom(c);
    *n = *res;
    return 0;
  }
  if (b->fn == SD_FN_DELAY_FIXED && n->nargs == 3) {
    /* a pipeline: the input is kept in a hidden variable and pushed at the
       end of every step; the delay is fixed at the initial time; the
       output starts at the initial value */
    int in = add_hidden(c, "DELAY FIXED input", CV_AUX);
    int dl = add_hidden(c, "DELAY FIXED delay", CV_INITIAL);
    int out = add_hidden(c, "DELAY FIXED", CV_AUX);
    sd_node *rd;
    if (in < 0 || dl < 0 || out < 0) return oom(c);
    if (c->ndfx == c->dfxcap) {
      int ncap = c->dfxcap ? c->dfxcap * 2 : 8;
      int *a = realloc(c->dfx_in, (size_t)ncap * sizeof(int)), *b2, *c2;
      if (!a) return oom(c);
      c->dfx_in = a;
      b2 = realloc(c->dfx_delay, (size_t)ncap * sizeof(int));
      if (!b2) return oom(c);
      c->dfx_delay = b2;
      c2 = realloc(c->dfx_out, (size_t)ncap * sizeof(int));
      if (!c2) return oom(c);
      c->dfx_out = c2;
      c->dfxcap = ncap;
    }
    c->v[in].eqn = n->args[0];
    c->v[in].dynamic = 1;
    c->v[dl].eqn = n->args[1];
    rd = node_new(c, SD_N_CALL, n);
    if (!rd) return oom(c);
    rd->ref = SD_FN_DELAY_FIXED;
    rd->name = n->name;
    rd->text = n->text;
    rd->num = c->ndfx;
    c->v[out].eqn = rd;
    c->v[out].init = n->args[2];
    c->dfx_in[c->ndfx] = in;
    c->dfx_delay[c->ndfx] = dl;
    c->dfx_out[c->ndfx++] = out;
    become_var(c, n, out);
    return 0;
  }
  if (b->fn == SD_FN_SAMPLE_IF_TRUE) {
    /* the held value lives in a hidden variable set to the initial value
       once; the call updates it whenever the condition holds.  Like a
       stock, the variable it defines means its held value in its own
       arguments (PEAK = SAMPLE IF TRUE(x > PEAK, x, x)) */
    int h = add_hidden(c, "SAMPLE IF TRUE", CV_INITIAL);
    if (h < 0) return oom(c);
    c->v[h].eqn = n->args[2];
    retarget(n->args[0], c->cur, h);
    retarget(n->args[1], c->cur, h);
    n->args[2] = mk_var(c, h, n);
    if (!n->args[2]) return oom(c);
    return 0;
  }
  if (b->fn == SD_FN_INITIAL || b->fn == SD_FN_REINITIAL) {
    /* REINITIAL is INITIAL recomputed when Vensim reinitializes a model
       during a game; in a run it is set once */
    int h = add_hidden(c, "INITIAL", CV_INITIAL);
    if (h < 0) return oom(c);
    c->v[h].eqn = n->args[0];
    become_var(c, n, h);
  }
  return 0;
}

int resolve(cc *c, sd_node *n, int depth) {
  int i;
  if (n->done) return 0;
  if (depth > SD_MAX_HEIGHT)              /* trees the compiler built itself */
    return fail_at(c, SD_E_PARSE, n, "expression nested too deeply%s%s", NULL, NULL);
  switch (n->kind) {
  case SD_N_NUM:
    return 0;
  case SD_N_VAR: {
    int idx;
    size_t len = strlen(n->name);
    if (len > 1 && n->name[len - 1] == '$' && sd_strmap_get(&c->m->index, n->name) < 0) {
      /* "Time$", "TIME STEP$": in macros, the model's own variable */
      char *bare = sd_arena_strndup(&c->ast, n->name, len - 1);
      if (!bare) return oom(c);
      while (len > 2 && bare[len - 2] == ' ') bare[--len - 1] = '\0';
      n->name = bare;
    }
    if (strcmp(n->name, "time") == 0 && n->nsubs == 0) { n->ref = 0; return 0; }
    if (c->scope) {                      /* inside a macro body */
      const mscope *sc = c->scope;
      const sd_model *body = sc->mac->body;
      int k = sd_strmap_get(&body->index, n->name);
      for (i = 0; i < sc->mac->nparams; i++)
        if (strcmp(n->name, sc->mac->params[i]) == 0) {
          sd_node *arg = copy_tree(c, sc->args[i]);
          if (!arg) return oom(c);
          *n = *arg;
          return 0;
        }
      if (k >= SD_NUM_CONTROL) {
        if (body->vars[k].kind == SD_LOOKUP)
          return fail_at(c, SD_E_NAME, n, "lookup '%s' must be called with an input%s", n->text, NULL);
        n->ref = sc->map[k];
        return 0;
      }
    }
    idx = sd_strmap_get(&c->m->index, n->name);
    if (idx < 0 && n->nsubs == 0 && sd_strmap_get(&c->outmap, n->name) >= 0) {
      n->ref = sd_strmap_get(&c->outmap, n->name);   /* bound by a macro call */
      return 0;
    }
    if (idx < 0 && n->nsubs == 0 && dim_of(c, n->name) >= 0) {
      /* a subscript range used as a number: the position of the element
         it stands for here, counting from 1 */
      const sd_dim *d = &c->m->dims[dim_of(c, n->name)];
      const char *e = resolve_sub(c, n->name);
      int di;
      if (!e) return fail_at(c, SD_E_NAME, n, "subscript range '%s' is used as a value outside an equation "
                             "subscripted by it%s", n->text, NULL);
      /* its position in the largest range holding it, so that the same
         element compares equal whichever subrange names it */
      d = NULL;   /* the largest range holding it; the first such on ties */
      for (di = 0; di < c->m->ndims; di++)
        if (elem_in(&c->m->dims[di], e) >= 0 && (!d || c->m->dims[di].n > d->n)) d = &c->m->dims[di];
      n->kind = SD_N_NUM;
      n->num = elem_in(d, e) + 1;
      return 0;
    }
    if (idx < 0 && n->nsubs == 0 && is_element(c, n->name)) {
      /* an element used as a number (IF THEN ELSE(dimA = B, ...)): its
         position in the largest range holding it, as for ranges above */
      const sd_dim *d = NULL;
      int di;
      for (di = 0; di < c->m->ndims; di++)
        if (elem_in(&c->m->dims[di], n->name) >= 0 && (!d || c->m->dims[di].n > d->n)) d = &c->m->dims[di];
      n->kind = SD_N_NUM;
      n->num = elem_in(d, n->name) + 1;
      return 0;
    }
    if (idx < 0) {
      const sd_builtin *b = sd_builtin_find(n->name);
      if (b) return fail_at(c, SD_E_ARITY, n, "%s is a function: it needs arguments in parentheses%s",
                            n->text, NULL);
      return fail_at(c, SD_E_NAME, n, "unknown variable '%s'%s", n->text, NULL);
    }
    if (c->v[c->mbase[idx]].kind == CV_LOOKUP)
      return fail_at(c, SD_E_NAME, n, "lookup '%s' must be called with an input, as in %s(x)",
                     n->text, n->text);
    n->ref = element_ref(c, n, idx);
    return n->ref < 0 ? -1 : 0;
  }
  case SD_N_UNARY:
  case SD_N_BINARY:
    for (i = 0; i < n->nargs; i++)
      if (resolve(c, n->args[i], depth + 1) != 0) return -1;
    return 0;
  case SD_N_CALL:
    return resolve_call(c, n, depth);
  case SD_N_TABLE:
    return fail_at(c, SD_E_DEFINITION, n, "a table of points is only allowed in WITH LOOKUP%s%s", NULL, NULL);
  case SD_N_LOOKUPCALL:
    return 0;
  }
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

/* ------------------------------------------------------------------ */
/* dependencies                                                        */

typedef struct deplist { int *d; int n, cap; } deplist;

static int dep_add(deplist *l, int x) {
  int i;
  for (i = 0; i < l->n; i++) if (l->d[i] == x) return 0;
  if (l->n == l->cap) {
    int ncap = l->cap ? l->cap * 2 : 8;
    int *nd = realloc(l->d, (size_t)ncap * sizeof *nd);
    if (!nd) return -1;
    l->d = nd;
    l->cap = ncap;
  }
  l->d[l->n++] = x;
  return 0;
}

/* Variables referenced by a tree; *timefn set if it reads the clock. */
static int collect(const sd_node *n, deplist *l, int *timefn) {
  int i;
  if (n->kind == SD_N_VAR) return dep_add(l, n->ref);
  if (n->kind == SD_N_CALL && (sd_builtin_get((sd_fn)n->ref)->kind == SD_B_TIMEFN ||
                               n->ref == SD_FN_SAMPLE_IF_TRUE || n->ref == SD_FN_RANDOM_UNIFORM ||
                               n->ref == SD_FN_RANDOM_NORMAL ||
                               (n->ref >= SD_FN_RANDOM_0_1 && n->ref <= SD_FN_RANDOM_WEIBULL) ||
                               n->ref == SD_FN_DELAY_INFORMATION || n->ref == SD_FN_DELAY_MATERIAL ||
                               n->ref == SD_FN_DEPRECIATE_STRAIGHTLINE || n->ref == SD_FN_DELAY_CONVEYOR ||
                               n->ref == SD_FN_DELAY_BATCH || n->ref == SD_FN_DELAY_PROFILE ||
                               n->ref == SD_FN_QUEUE_FIFO || n->ref == SD_FN_QUEUE_AGE_AVERAGE ||
                               n->ref == SD_FN_QUEUE_AGE_IN_RANGE || n->ref == SD_FN_QUEUE_AGE_OLDEST ||
                               n->ref == SD_FN_QUEUE_FIFO_ATTRIB || n->ref == SD_FN_QUEUE_ATTRIB_AVERAGE ||
                               n->ref == SD_FN_QUEUE_ATTRIB_QUANTITY || n->ref == SD_FN_SHIFT_IF_TRUE ||
                               n->ref == SD_FN_NET_PRESENT_VALUE || n->ref == SD_FN_DEPRECIATE_BY_SCHEDULE ||
                               n->ref == SD_FN_XMILE_CONVEYOR)) *timefn = 1;
  for (i = 0; i < n->nargs; i++)
    if (collect(n->args[i], l, timefn) != 0) return -1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* code generation                                                     */

static int emit(cc *c, int op, int d, int a, int b) {
  sd_ins *in;
  if (c->ncode == c->ccap) {
    int ncap = c->ccap ? c->ccap * 2 : 1024;
    sd_ins *nc = realloc(c->code, (size_t)ncap * sizeof *nc);
    if (!nc) return -1;
    c->code = nc;
    c->ccap = ncap;
  }
  in = &c->code[c->ncode];
  in->op = (uint16_t)op;
  in->spare = 0;
  in->d = d;
  in->a = a;
  in->b = b;
  return c->ncode++;
}

/* Constants are addressed as -(k+1) while code is generated and patched to
 * real slots (after the temporaries) at the end. */
static int const_slot(cc *c, double x) {
  uint64_t bits;
  size_t h;
  int i;
  memcpy(&bits, &x, sizeof bits);
  if ((c->nk + 1) * 2 > c->khcap) {
    int ncap = c->khcap ? c->khcap * 2 : 256, j;
    int *nh = malloc((size_t)ncap * sizeof *nh);
    if (!nh) return 0;
    for (j = 0; j < ncap; j++) nh[j] = -1;
    for (j = 0; j < c->nk; j++) {
      uint64_t bb;
      size_t hh;
      memcpy(&bb, &c->kval[j], sizeof bb);
      hh = (size_t)((bb * 0x9E3779B97F4A7C15ULL) >> 32) & (size_t)(ncap - 1);
      while (nh[hh] >= 0) hh = (hh + 1) & (size_t)(ncap - 1);
      nh[hh] = j;
    }
    free(c->khash);
    c->khash = nh;
    c->khcap = ncap;
  }
  h = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 32) & (size_t)(c->khcap - 1);
  while ((i = c->khash[h]) >= 0) {
    uint64_t bb;
    memcpy(&bb, &c->kval[i], sizeof bb);
    if (bb == bits) return -(i + 1);
    h = (h + 1) & (size_t)(c->khcap - 1);
  }
  if (c->nk == c->kcap) {
    int ncap = c->kcap ? c->kcap * 2 : 256;
    double *nk = realloc(c->kval, (size_t)ncap * sizeof *nk);
    if (!nk) return 0;
    c->kval = nk;
    c->kcap = ncap;
  }
  c->kval[c->nk] = x;
  c->khash[h] = c->nk;
  return -(++c->nk);
}

static int tmp_alloc(cc *c) {
  int t = c->tmp_base + c->tmp_top++;
  if (c->tmp_top > c->tmp_max) c->tmp_max = c->tmp_top;
  return t;
}

static int gen(cc *c, const sd_node *n, int dst);

/* ---- common subexpressions ----
 * Within one program every variable's slot is written once, before any
 * reader, so an operation on variable, constant or earlier-result slots
 * has one value per execution.  The first unconditional occurrence leaves
 * its result in a slot of its own (or its statement's variable); later
 * ones read it.  Result slots are numbered from SD_CSE_TAG downwards
 * (like constants, -(k+1)) and placed after the constant pool. */
#define SD_CSE_TAG (1 << 28)

static int stable_slot(const cc *c, int s) {
  return s < c->tmp_base || s < 0;      /* not a temporary */
}

static size_t cse_hashof(int op, int a, int b, int cap) {
  uint64_t h = (uint64_t)(uint32_t)op * 0x9E3779B97F4A7C15ULL;
  h = (h ^ (uint64_t)(uint32_t)a) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (uint64_t)(uint32_t)b) * 0x94D049BB133111EBULL;
  return (size_t)(h >> 32) & (size_t)(cap - 1);
}

static int cse_find(const cc *c, int op, int a, int b) {
  size_t h;
  int i;
  if (!c->cse_hcap) return GEN_FAIL;
  for (h = cse_hashof(op, a, b, c->cse_hcap); (i = c->cse_hash[h]) >= 0; h = (h + 1) & (size_t)(c->cse_hcap - 1)) {
    const int *k = &c->cse_key[3 * i];
    if (k[0] == op && k[1] == a && k[2] == b) return c->cse_slot[i];
  }
  return GEN_FAIL;
}

/* (Re)build the hash over the entries, at twice their capacity. */
static int cse_rehash(cc *c) {
  int cap = 2 * c->ncse_cap, i;
  int *nh = malloc((size_t)cap * sizeof(int));
  if (!nh) return -1;
  for (i = 0; i < cap; i++) nh[i] = -1;
  free(c->cse_hash);
  c->cse_hash = nh;
  c->cse_hcap = cap;
  for (i = 0; i < c->ncse_used; i++) {
    const int *k = &c->cse_key[3 * i];
    size_t h = cse_hashof(k[0], k[1], k[2], cap);
    while (nh[h] >= 0) h = (h + 1) & (size_t)(cap - 1);
    nh[h] = i;
  }
  return 0;
}

static int cse_add(cc *c, int op, int a, int b, int slot) {
  if (c->ncse_used == c->ncse_cap) {
    int ncap = c->ncse_cap ? c->ncse_cap * 2 : 256;
    int *nk = realloc(c->cse_key, (size_t)ncap * 3 * sizeof(int)), *ns;
    if (!nk) return -1;
    c->cse_key = nk;
    ns = realloc(c->cse_slot, (size_t)ncap * sizeof(int));
    if (!ns) return -1;
    c->cse_slot = ns;
    c->ncse_cap = ncap;
    if (cse_rehash(c) != 0) return -1;
  }
  c->cse_key[3 * c->ncse_used] = op;
  c->cse_key[3 * c->ncse_used + 1] = a;
  c->cse_key[3 * c->ncse_used + 2] = b;
  c->cse_slot[c->ncse_used] = slot;
  {
    size_t h = cse_hashof(op, a, b, c->cse_hcap);
    while (c->cse_hash[h] >= 0) h = (h + 1) & (size_t)(c->cse_hcap - 1);
    c->cse_hash[h] = c->ncse_used++;
  }
  return 0;
}

/* Emit d = op(a, b) (one word) for a pure operation, sharing it with an
 * earlier identical one when both operands are stable slots.  `mark` is
 * the temporaries mark of the caller (its operands' temporaries are free). */
static int emit_pure(cc *c, int op, int a, int b, int dst, int mark, int commutes) {
  int t, found;
  if (commutes && a > b) { int x = a; a = b; b = x; }
  c->tmp_top = mark;
  if (stable_slot(c, a) && stable_slot(c, b)) {
    found = cse_find(c, op, a, b);
    if (found != GEN_FAIL) {
      if (dst < 0) return found;
      return emit(c, SDI_MOV, dst, found, 0) < 0 ? GEN_FAIL : dst;
    }
    if (c->cond_depth == 0 && (dst < 0 || stable_slot(c, dst))) {
      /* a statement's own variable holds it; otherwise a result slot */
      t = dst >= 0 && stable_slot(c, dst) ? dst : -(SD_CSE_TAG + c->ncse_slots++);
      if (emit(c, op, t, a, b) < 0 || cse_add(c, op, a, b, t) != 0) return GEN_FAIL;
      if (dst >= 0 && t != dst && emit(c, SDI_MOV, dst, t, 0) < 0) return GEN_FAIL;
      return dst >= 0 ? dst : t;
    }
  }
  t = dst >= 0 ? dst : tmp_alloc(c);
  return emit(c, op, t, a, b) < 0 ? GEN_FAIL : t;
}

/* Generate n so that its value ends up in slot dst. */
static int gen_into(cc *c, const sd_node *n, int dst) {
  int s = gen(c, n, dst);
  if (s == GEN_FAIL) return -1;
  if (s != dst && emit(c, SDI_MOV, dst, s, 0) < 0) return -1;
  return 0;
}


static int binop_code(sd_op op) {
  switch (op) {
  case SD_OP_ADD: return SDI_ADD;
  case SD_OP_SUB: return SDI_SUB;
  case SD_OP_MUL: return SDI_MUL;
  case SD_OP_DIV: return SDI_DIV;
  case SD_OP_POW: return SDI_POW;
  case SD_OP_EQ: return SDI_EQ;
  case SD_OP_NE: return SDI_NE;
  case SD_OP_LT: return SDI_LT;
  case SD_OP_GT: return SDI_GT;
  case SD_OP_LE: return SDI_LE;
  case SD_OP_GE: return SDI_GE;
  case SD_OP_AND: return SDI_AND;
  case SD_OP_OR: return SDI_OR;
  default: return -1;
  }
}

/* A three-source superinstruction: d = f(a, b, c) with an EXT word. */
/* An instruction of three to five sources: x, y in its word, z, w and u
 * (w and u optional) in its EXT word's d, a, b. */
static int gen5(cc *c, int op, const sd_node *x, const sd_node *y, const sd_node *z,
                const sd_node *w, const sd_node *u, int dst) {
  int mark = c->tmp_top, a, b, k, e = 0, f = 0, t;
  a = gen(c, x, -1); if (a == GEN_FAIL) return GEN_FAIL;
  b = gen(c, y, -1); if (b == GEN_FAIL) return GEN_FAIL;
  k = gen(c, z, -1); if (k == GEN_FAIL) return GEN_FAIL;
  if (w) { e = gen(c, w, -1); if (e == GEN_FAIL) return GEN_FAIL; }
  if (u) { f = gen(c, u, -1); if (f == GEN_FAIL) return GEN_FAIL; }
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (emit(c, op, t, a, b) < 0 || emit(c, SDI_EXT, k, e, f) < 0) return GEN_FAIL;
  return t;
}

static int gen3(cc *c, int op, const sd_node *x, const sd_node *y, const sd_node *z,
                const sd_node *w, int dst) {
  return gen5(c, op, x, y, z, w, NULL, dst);
}

static int is_binop(const sd_node *n, sd_op op) { return n->kind == SD_N_BINARY && n->op == op; }

static int gen_binary(cc *c, const sd_node *n, int dst) {
  const sd_node *l = n->args[0], *r = n->args[1];
  int mark = c->tmp_top, a, b, t;
  /* superinstructions for the common shapes */
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_SUB)
    return gen3(c, SDI_SUBDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_ADD && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULADD, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULMUL, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && l->op == SD_OP_DIV)
    return gen3(c, SDI_DIVMUL, l->args[0], l->args[1], r, NULL, dst);
  /* more shapes from C-LEARN's opcode-pair counts (MUL DIV, SUB MUL,
     DIV DIV): each saves a dispatch and gives the same rounding, one
     operation at a time; a product is commutative, so c * (a - b) too */
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_DIV)
    return gen3(c, SDI_DIVDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && (l->op == SD_OP_SUB || l->op == SD_OP_ADD))
    return gen3(c, l->op == SD_OP_SUB ? SDI_SUBMUL : SDI_ADDMUL, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && r->kind == SD_N_BINARY && (r->op == SD_OP_SUB || r->op == SD_OP_ADD))
    return gen3(c, r->op == SD_OP_SUB ? SDI_SUBMUL : SDI_ADDMUL, r->args[0], r->args[1], l, NULL, dst);
  a = gen(c, l, -1); if (a == GEN_FAIL) return GEN_FAIL;
  b = gen(c, r, -1); if (b == GEN_FAIL) return GEN_FAIL;
  (void)t;
  return emit_pure(c, binop_code(n->op), a, b, dst, mark,
                   n->op == SD_OP_ADD || n->op == SD_OP_MUL || n->op == SD_OP_EQ || n->op == SD_OP_NE ||
                   n->op == SD_OP_AND || n->op == SD_OP_OR);
}

static int is_leaf(const sd_node *n) { return n->kind == SD_N_NUM || n->kind == SD_N_VAR; }

/* The compare-move-and-jump opcode for a condition node, moving when the
 * comparison holds (or, negated, when it fails); -1 if the node is no
 * comparison.  A failed EQ is NE and the other way round, even on NaN;
 * the orderings have negations of their own. */
static int cmovj_op(const sd_node *n, int negated) {
  if (n->kind != SD_N_BINARY) return -1;
  switch (n->op) {
  case SD_OP_EQ: return negated ? SDI_CMOVJ_NE : SDI_CMOVJ_EQ;
  case SD_OP_NE: return negated ? SDI_CMOVJ_EQ : SDI_CMOVJ_NE;
  case SD_OP_LT: return negated ? SDI_CMOVJ_NLT : SDI_CMOVJ_LT;
  case SD_OP_GT: return negated ? SDI_CMOVJ_NGT : SDI_CMOVJ_GT;
  case SD_OP_LE: return negated ? SDI_CMOVJ_NLE : SDI_CMOVJ_LE;
  case SD_OP_GE: return negated ? SDI_CMOVJ_NGE : SDI_CMOVJ_GE;
  default: return -1;
  }
}

static int gen_if(cc *c, const sd_node *n, int dst) {
  int mark = c->tmp_top, cond, t, jz, jmp;
  if (is_leaf(n->args[1]) && is_leaf(n->args[2])) {   /* cheap: no branches */
    const sd_node *cond = n->args[0];
    if (is_binop(cond, SD_OP_AND)) {
      /* the condition's AND (and an equality under it) in the same
         instruction; both sides are computed either way, as by AND */
      const sd_node *p = cond->args[0], *q = cond->args[1];
      if (is_binop(p, SD_OP_EQ))
        return gen5(c, SDI_EQANDSEL, p->args[0], p->args[1], q, n->args[1], n->args[2], dst);
      if (is_binop(q, SD_OP_EQ))
        return gen5(c, SDI_EQANDSEL, q->args[0], q->args[1], p, n->args[1], n->args[2], dst);
      return gen3(c, SDI_ANDSEL, p, q, n->args[1], n->args[2], dst);
    }
    return gen3(c, SDI_SELECT, cond, n->args[1], n->args[2], NULL, dst);
  }
  if ((is_leaf(n->args[1]) || is_leaf(n->args[2])) && cmovj_op(n->args[0], 0) >= 0) {
    /* IF THEN ELSE(x cmp y, value, expr): the comparison, the move and the
       jump in one instruction (CMOVJ_<cmp>, negated when the value is the
       ELSE arm) */
    int then_leaf = is_leaf(n->args[1]), x, y, leaf, at;
    x = gen(c, n->args[0]->args[0], -1);
    if (x == GEN_FAIL) return GEN_FAIL;
    y = gen(c, n->args[0]->args[1], -1);
    if (y == GEN_FAIL) return GEN_FAIL;
    leaf = gen(c, n->args[then_leaf ? 1 : 2], -1);
    if (leaf == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if ((at = emit(c, cmovj_op(n->args[0], !then_leaf), t, leaf, x)) < 0 ||
        emit(c, SDI_EXT, 0, y, 0) < 0)
      return GEN_FAIL;
    c->cond_depth++;
    if (gen_into(c, n->args[then_leaf ? 2 : 1], t) != 0) return GEN_FAIL;
    c->cond_depth--;
    c->code[at + 1].d = c->ncode - at;
    c->tmp_top = mark + (dst >= 0 ? 0 : 1);
    return t;
  }
  cond = gen(c, n->args[0], -1);
  if (cond == GEN_FAIL) return GEN_FAIL;
  c->tmp_top = mark;
  /* the result slot stays reserved while both branches are generated */
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (is_leaf(n->args[1]) || is_leaf(n->args[2])) {
    /* one arm is a value: one instruction moves it and jumps past the
       other arm (CMOVJ when the condition holds, CMOVJZ when it fails) */
    int then_leaf = is_leaf(n->args[1]), leaf, at;
    leaf = gen(c, n->args[then_leaf ? 1 : 2], -1);
    if (leaf == GEN_FAIL) return GEN_FAIL;
    if ((at = emit(c, then_leaf ? SDI_CMOVJ : SDI_CMOVJZ, t, leaf, cond)) < 0 ||
        emit(c, SDI_EXT, 0, 0, 0) < 0)
      return GEN_FAIL;
    c->cond_depth++;
    if (gen_into(c, n->args[then_leaf ? 2 : 1], t) != 0) return GEN_FAIL;
    c->cond_depth--;
    c->code[at + 1].d = c->ncode - at;
    c->tmp_top = mark + (dst >= 0 ? 0 : 1);
    return t;
  }
  if ((jz = emit(c, SDI_JZ, cond, 0, 0)) < 0) return GEN_FAIL;
  c->cond_depth++;                      /* code that may not run */
  if (gen_into(c, n->args[1], t) != 0) return GEN_FAIL;
  if ((jmp = emit(c, SDI_JMP, 0, 0, 0)) < 0) return GEN_FAIL;
  c->code[jz].a = c->ncode - jz;
  if (gen_into(c, n->args[2], t) != 0) return GEN_FAIL;
  c->cond_depth--;
  c->code[jmp].a = c->ncode - jmp;
  c->tmp_top = mark + (dst >= 0 ? 0 : 1);
  return t;
}

/* An operation on all of n's arguments, listed by slot after it three per
 * EXT word (SD_F_LIST): d = op(operands), b = imm.  Operands that are
 * variables are read where they are, with no copies. */
static int gen_list(cc *c, int op, const sd_node *n, int imm, int dst) {
  int mark = c->tmp_top, i, t, *slots;
  slots = malloc((size_t)(n->nargs + 3) * sizeof(int));
  if (!slots) { oom(c); return GEN_FAIL; }
  for (i = 0; i < n->nargs; i++) {
    slots[i] = gen(c, n->args[i], -1);   /* temporaries stay live until op */
    if (slots[i] == GEN_FAIL) { free(slots); return GEN_FAIL; }
  }
  slots[n->nargs] = slots[n->nargs + 1] = slots[n->nargs + 2] = 0;
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (emit(c, op, t, n->nargs, imm) < 0) { free(slots); return GEN_FAIL; }
  for (i = 0; i < n->nargs; i += 3)
    if (emit(c, SDI_EXT, slots[i], slots[i + 1], slots[i + 2]) < 0) { free(slots); return GEN_FAIL; }
  free(slots);
  return t;
}

static int gen_call(cc *c, const sd_node *n, int dst) {
  const sd_builtin *b = sd_builtin_get((sd_fn)n->ref);
  int mark = c->tmp_top, s[4] = {0, 0, 0, 0}, t, i;
  if (b->fn == SD_FN_IF_THEN_ELSE) return gen_if(c, n, dst);
  if (b->fn == SD_FN_XIDZ)
    return gen3(c, SDI_XIDZ, n->args[0], n->args[1], n->args[2], NULL, dst);
  if (b->fn == SD_FN_DELAY_FIXED) {       /* the value leaving a pipeline */
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_DELAYFX, t, (int)n->num, 0) < 0) return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_SAMPLE_IF_TRUE)     /* the third operand is the state slot */
    return gen3(c, SDI_SAMPLE, n->args[0], n->args[1], n->args[2], NULL, dst);
  if (b->fn == SD_FN_VECTOR_ELM_MAP || b->fn == SD_FN_VECTOR_SORT_ORDER ||
      b->fn == SD_FN_VECTOR_RANK || b->fn == SD_FN_VECTOR_REORDER) {
    int a = gen(c, n->args[0], -1), op;
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    op = b->fn == SD_FN_VECTOR_SORT_ORDER ? SDI_SORTORD : b->fn == SD_FN_VECTOR_RANK ? SDI_RANK : SDI_ELMMAP;
    if (emit(c, op, t, a,
             c->v[n->args[1]->ref].slot) < 0 ||
        emit(c, SDI_EXT, (int)n->num, n->nargs - 1, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_INVERT_MATRIX) {
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_INVMAT, t, 0, c->v[n->args[0]->ref].slot) < 0 ||
        emit(c, SDI_EXT, (int)n->num, (int)sqrt((double)n->nargs) , 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn >= SD_FN_LOOKUP_BACKWARD && b->fn <= SD_FN_LOOKUP_INVERT) {
    static const int how[] = { SD_DATA_HOLD, SD_DATA_FORWARD, 3, 4 };
    int a = gen(c, n->args[1], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_LOOKUPM, t, a, (int)n->args[0]->num) < 0 ||
        emit(c, SDI_EXT, how[b->fn - SD_FN_LOOKUP_BACKWARD], 0, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_RANDOM_UNIFORM || b->fn == SD_FN_RANDOM_NORMAL)
    return gen_list(c, SDI_RANDOM, n, (int)n->num, dst);
  if (b->fn >= SD_FN_RANDOM_0_1 && b->fn <= SD_FN_RANDOM_WEIBULL)
    return gen_list(c, SDI_RANDX, n, (int)n->num, dst);
  if (b->fn == SD_FN_FIND_MARKET_PRICE) return gen_list(c, SDI_MKTPRC, n, (int)n->num, dst);
  if (b->fn == SD_FN_QUEUE_AGE_AVERAGE || b->fn == SD_FN_QUEUE_AGE_IN_RANGE || b->fn == SD_FN_QUEUE_AGE_OLDEST ||
      b->fn == SD_FN_QUEUE_ATTRIB_AVERAGE || b->fn == SD_FN_QUEUE_ATTRIB_QUANTITY) {
    /* read the queue's record; not a QUEUE FIFO: :NA:, as Vensim gives */
    int q = c->v[(int)n->num].queue_dsc - 1;
    if (q < 0) {
      sd_node na;
      memset(&na, 0, sizeof na);
      na.kind = SD_N_NUM;
      na.num = -6.4903710731685345e+32;
      return gen(c, &na, dst);
    }
    return gen_list(c, SDI_DSCOUT, n, q, dst);
  }
  if (b->fn == SD_FN_DEMAND_AT_PRICE || b->fn == SD_FN_SUPPLY_AT_PRICE)
    return gen_list(c, SDI_ATPRICE, n, b->fn == SD_FN_SUPPLY_AT_PRICE, dst);
  if (b->fn == SD_FN_DELAY_INFORMATION || b->fn == SD_FN_DELAY_MATERIAL ||
      b->fn == SD_FN_DEPRECIATE_STRAIGHTLINE || b->fn == SD_FN_DELAY_CONVEYOR || b->fn == SD_FN_DELAY_BATCH ||
      b->fn == SD_FN_DELAY_PROFILE || b->fn == SD_FN_QUEUE_FIFO || b->fn == SD_FN_QUEUE_FIFO_ATTRIB ||
      b->fn == SD_FN_NET_PRESENT_VALUE || b->fn == SD_FN_DEPRECIATE_BY_SCHEDULE ||
      b->fn == SD_FN_XMILE_CONVEYOR)
    return gen_list(c, SDI_DSCOUT, n, (int)n->num, dst);
  if (b->fn == SD_FN_SHIFT_IF_TRUE) return gen_list(c, SDI_SHIFTIF, n, (int)n->num, dst);
  if (b->fn == SD_FN_VECTOR_LOOKUP) {
    /* x, xmin, xmax, mode and the first value (the rest follow it) */
    sd_node head = *n;
    head.nargs = 5;
    return gen_list(c, SDI_VECLKP, &head, (int)n->num, dst);
  }
  if (b->fn == SD_FN_LOOKUP_AREA || b->fn == SD_FN_LOOKUP_SLOPE ||
      (b->fn >= SD_FN_GET_DATA_AT_TIME && b->fn <= SD_FN_GET_DATA_TOTAL)) {
    /* a function of a whole table (sd_tabfn): num is the table */
    static const int how[] = { SD_TF_AT_TIME, SD_TF_BETWEEN, SD_TF_FIRST, SD_TF_LAST, SD_TF_MAX,
                               SD_TF_MIN, SD_TF_MEAN, SD_TF_TOTAL };
    int x1 = SD_SLOT_TIME, x2 = SD_SLOT_TIME, fn = b->fn == SD_FN_LOOKUP_AREA ? SD_TF_AREA
           : b->fn == SD_FN_LOOKUP_SLOPE ? SD_TF_SLOPE : how[b->fn - SD_FN_GET_DATA_AT_TIME];
    if (n->nargs > 0 && (x1 = gen(c, n->args[0], -1)) == GEN_FAIL) return GEN_FAIL;
    if (n->nargs > 1 && (x2 = gen(c, n->args[1], -1)) == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_TABFN, t, x1, (int)n->num) < 0 || emit(c, SDI_EXT, fn, x2, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_ALLOCATE_BY_PRIORITY)
    return gen_list(c, SDI_ALLOCP, n, (int)n->num, dst);
  if (b->fn == SD_FN_ALLOCATE_AVAILABLE)
    return gen_list(c, SDI_ALLOCA, n, (int)n->num, dst);
  if (b->fn == SD_FN_VECTOR_SELECT)
    return gen_list(c, SDI_VSELECT, n, 0, dst);
  if (b->fn == SD_FN_SUM || b->fn == SD_FN_PROD || b->fn == SD_FN_VMIN || b->fn == SD_FN_VMAX)
    return gen_list(c, SDI_REDUCE, n, b->fn == SD_FN_SUM ? 0 : b->fn == SD_FN_PROD ? 1 : b->fn == SD_FN_VMIN ? 2 : 3,
                    dst);
  if (b->fn == SD_FN_PULSE_TRAIN)
    return gen3(c, SDI_PULSETR, n->args[0], n->args[1], n->args[2], n->args[3], dst);
  if (b->fn == SD_FN_RAMP) {
    sd_node inf;
    memset(&inf, 0, sizeof inf);
    inf.kind = SD_N_NUM;
    inf.num = HUGE_VAL;              /* RAMP without an end keeps rising */
    return gen3(c, SDI_RAMP, n->args[0], n->args[1], n->nargs > 2 ? n->args[2] : &inf, NULL, dst);
  }
  for (i = 0; i < n->nargs; i++) {
    s[i] = gen(c, n->args[i], -1);
    if (s[i] == GEN_FAIL) return GEN_FAIL;
  }
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (b->fn == SD_FN_LOG && n->nargs == 1) {
    if (emit(c, SDI_LOG10, t, s[0], 0) < 0) return GEN_FAIL;
  } else if (emit(c, b->opcode, t, s[0], s[1]) < 0) {
    return GEN_FAIL;
  }
  return t;
}

/* Emit code for n; returns the slot holding its value (dst when dst >= 0
 * and an instruction had to be emitted anyway; leaves return their own
 * slot).  GEN_FAIL on error. */
static int gen(cc *c, const sd_node *n, int dst) {
  switch (n->kind) {
  case SD_N_NUM: {
    int k = const_slot(c, n->num);
    if (k == 0) { oom(c); return GEN_FAIL; }
    return k;
  }
  case SD_N_VAR:
    return n->ref == 0 ? SD_SLOT_TIME : c->v[n->ref].slot;
  case SD_N_UNARY: {
    int mark = c->tmp_top, a, t;
    if (n->op == SD_OP_POS) return gen(c, n->args[0], dst);
    a = gen(c, n->args[0], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, n->op == SD_OP_NEG ? SDI_NEG : SDI_NOT, t, a, 0) < 0) return GEN_FAIL;
    return t;
  }
  case SD_N_BINARY:
    return gen_binary(c, n, dst);
  case SD_N_CALL:
    return gen_call(c, n, dst);
  case SD_N_LOOKUPCALL: {
    /* b is the table, not a slot: it is never a temporary, and equal
       tables give equal results */
    int mark = c->tmp_top, a;
    a = gen(c, n->args[0], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    return emit_pure(c, SDI_LOOKUP, a, n->ref, dst, mark, 0);
  }
  case SD_N_TABLE:
    break;
  }
  sd_fail(c->err, SD_E_DEFINITION, NULL, NULL, 0, 0, "internal error: cannot compile node");
  return GEN_FAIL;
}

/* Compile `n` into slot dst as one statement. */
static int gen_stmt(cc *c, int var, const sd_node *n, int dst) {
  int s;
  c->cur = var;
  if (c->v[var].alias) return 0;         /* shares the slot it copies */
  if (!n)
    return sd_fail(c->err, SD_E_DEFINITION, c->v[var].text, c->v[var].pos, 0, 0,
                   "'%s' is named as an output of a macro call that is never made", c->v[var].text);
  c->tmp_top = 0;
  s = gen(c, n, dst);
  if (s == GEN_FAIL) {
    if (!c->err->code) oom(c);
    return -1;
  }
  if (s != dst && emit(c, SDI_MOV, dst, s, 0) < 0) return oom(c);
  return 0;
}

/* Finish the code under construction into *out (arena copy, HALT added). */
static int take_code(cc *c, sd_code *out) {
  if (emit(c, SDI_HALT, 0, 0, 0) < 0) return oom(c);
  out->ins = sd_arena_alloc(&c->p->arena, (size_t)c->ncode * sizeof(sd_ins));
  if (!out->ins) return oom(c);
  memcpy(out->ins, c->code, (size_t)c->ncode * sizeof(sd_ins));
  out->n = c->ncode;
  c->ncode = 0;
  c->ncse_used = 0;                      /* each program shares its own */
  if (c->cse_hash) { int i; for (i = 0; i < c->cse_hcap; i++) c->cse_hash[i] = -1; }
  return 0;
}

static int patch_slot(int x, int kbase, int cbase) {
  if (x >= 0) return x;
  if (-x >= SD_CSE_TAG) return cbase + (-x - SD_CSE_TAG);
  return kbase + (-x - 1);
}

static void patch_consts(sd_code *code, int kbase, int cbase) {
  int i;
  for (i = 0; i < code->n; i++) {
    sd_ins *in = &code->ins[i];
    if (in->op == SDI_JMP) continue;
    if (sd_opcode_formats[in->op] == SD_F_LIST) {   /* a: count, b: immediate */
      in->d = patch_slot(in->d, kbase, cbase);
      continue;
    }
    in->d = patch_slot(in->d, kbase, cbase);
    in->a = patch_slot(in->a, kbase, cbase);
    in->b = patch_slot(in->b, kbase, cbase);
  }
}

/* ------------------------------------------------------------------ */
/* ordering                                                            */

/* Dependencies that constrain the order of initial computation: a stock's
 * initial value, an ACTIVE INITIAL's initial expression, else the equation. */
static int init_deps(cc *c, int i, deplist *l, int *timefn) {
  const cvar *v = &c->v[i];
  const sd_node *n = v->init ? v->init : v->eqn;
  l->n = 0;
  *timefn = 0;
  if (!n) return 0;
  return collect(n, l, timefn);
}

static int orderable(const cvar *v) {
  return v->kind != CV_TIME && v->kind != CV_LOOKUP && !v->is_const;
}

/* Report one cycle among the included variables not yet ordered. */
static int report_cycle(cc *c, const deplist *deps, const char *incl, const char *when) {
  int start = -1, i, steps;
  int *seen;
  char msg[SD_ERR_MSG];
  size_t len = 0;
  for (i = 0; i < c->nv; i++) if (incl[i] && !c->v[i].done) { start = i; break; }
  seen = calloc((size_t)c->nv, sizeof *seen);
  if (!seen) return oom(c);
  /* walk unfinished dependencies until a variable repeats */
  i = start;
  for (steps = 1; !seen[i]; steps++) {
    int j, next = -1;
    seen[i] = steps;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (incl[d] && !c->v[d].done) { next = d; break; }
    }
    if (next < 0) break;
    i = next;
  }
  /* i is on the cycle: print it in dependency order */
  msg[0] = '\0';
  (void)when;
  {
    int k = i, first = 1, guard = 0, via_init = 0;
    len += (size_t)snprintf(msg + len, sizeof msg - len, "circular definition: ");
    do {
      int j, next = -1;
      if (c->v[k].kind == CV_STOCK || c->v[k].init) via_init = 1;
      if (len < sizeof msg)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s'%s'", first ? "" : " -> ", cv_display(&c->v[k]));
      first = 0;
      for (j = 0; j < deps[k].n; j++) {
        int d = deps[k].d[j];
        if (incl[d] && !c->v[d].done && seen[d]) { next = d; break; }
      }
      k = next;
    } while (k >= 0 && k != i && ++guard < c->nv);
    if (len < sizeof msg)
      snprintf(msg + len, sizeof msg - len, " -> '%s' (%s)", cv_display(&c->v[i]),
               via_init ? "the initial values depend on each other; give one of them an initial value "
                          "that does not, for example with ACTIVE INITIAL"
                        : "each needs the next to be computed first; break the loop with a stock or a delay");
  }
  free(seen);
  c->cur = i;
  return sd_fail(c->err, SD_E_CYCLE, c->v[i].text, c->v[i].pos, at_start(c->v[i].pos), at_start(c->v[i].pos),
                 "%s", msg);
}

/* Kahn's algorithm over the included variables and their dependencies
 * (definition order breaks ties).  Fills order[]; returns its length, or
 * -1 after reporting a cycle. */
static int topo_sort(cc *c, const char *incl, const deplist *deps, int *order, const char *when) {
  int *indeg = calloc((size_t)c->nv, sizeof(int));
  int *rstart = calloc((size_t)c->nv + 1, sizeof(int));
  int *radj = NULL, *fill = NULL, *queue = NULL;
  int i, j, n = 0, qh = 0, qt = 0, total = 0, nedges = 0, rc = -1;
  if (!indeg || !rstart) goto out;
  for (i = 0; i < c->nv; i++) {
    c->v[i].done = 0;
    if (!incl[i]) continue;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (!incl[d] || c->v[d].simul) continue;      /* SIMULTANEOUS: read its last iterate */
      indeg[i]++;
      rstart[d + 1]++;
      nedges++;
    }
    total++;
  }
  for (i = 0; i < c->nv; i++) rstart[i + 1] += rstart[i];
  radj = malloc((size_t)(nedges ? nedges : 1) * sizeof(int));
  fill = calloc((size_t)c->nv, sizeof(int));
  queue = malloc((size_t)(c->nv ? c->nv : 1) * sizeof(int));
  if (!radj || !fill || !queue) goto out;
  for (i = 0; i < c->nv; i++) {
    if (!incl[i]) continue;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (incl[d] && !c->v[d].simul) radj[rstart[d] + fill[d]++] = i;
    }
  }
  for (i = 0; i < c->nv; i++)
    if (incl[i] && indeg[i] == 0) queue[qt++] = i;
  while (qh < qt) {
    int x = queue[qh++];
    order[n++] = x;
    c->v[x].done = 1;
    for (j = rstart[x]; j < rstart[x + 1]; j++)
      if (--indeg[radj[j]] == 0) queue[qt++] = radj[j];
  }
  if (n < total) { report_cycle(c, deps, incl, when); goto out; }
  rc = n;
out:
  if (rc < 0 && !c->err->code) oom(c);
  free(indeg); free(rstart); free(radj); free(fill); free(queue);
  return rc;
}

/* The initial-value order of every orderable variable. */
static int order_all(cc *c, int *order, deplist *deps, int *has_timefn) {
  char *incl = calloc((size_t)c->nv, 1);
  int i, n;
  if (!incl) return oom(c);
  for (i = 0; i < c->nv; i++) {
    if (!orderable(&c->v[i])) continue;
    incl[i] = 1;
    if (init_deps(c, i, &deps[i], &has_timefn[i]) != 0) { free(incl); return oom(c); }
  }
  n = topo_sort(c, incl, deps, order, " at the initial time");
  free(incl);
  return n;
}

/* The per-step order of the auxiliaries that change over time, from
 * their equations (which differ from the initial ones for ACTIVE INITIAL). */
static int order_step(cc *c, int *order) {
  char *incl = calloc((size_t)c->nv, 1);
  deplist *deps = calloc((size_t)c->nv, sizeof(deplist));
  int i, n = -1, dummy;
  if (!incl || !deps) { oom(c); goto out; }
  for (i = 0; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if ((v->kind != CV_AUX && v->kind != CV_CONTROL) || !v->dynamic || v->is_const) continue;
    incl[i] = 1;
    if (collect(v->eqn, &deps[i], &dummy) != 0) { oom(c); goto out; }
  }
  n = topo_sort(c, incl, deps, order, "");
out:
  if (deps) for (i = 0; i < c->nv; i++) free(deps[i].d);
  free(deps);
  free(incl);
  return n;
}

/* ------------------------------------------------------------------ */
/* driver                                                              */

/* The range of each subscript position of an arrayed variable: the
 * largest range holding every element its definitions use there. */
static int var_dims(cc *c, int vi, int *out) {
  const sd_model *m = c->m;
  const sd_var *mv = &m->vars[vi];
  int nd = mv->defs[0].nsubs, j, k, e, di;
  for (k = 1; k < mv->ndefs; k++)
    if (mv->defs[k].nsubs != nd) {
      c->cur = 0;
      return sd_fail(c->err, SD_E_DEFINITION, mv->text, &mv->defs[k].pos, 1, 1,
                     "'%s' is defined with %d subscripts here and %d elsewhere", mv->text,
                     mv->defs[k].nsubs, nd);
    }
  for (j = 0; j < nd; j++) {
    int best = -1, pass;
    /* prefer a range the definitions name at this position (a[d1, d2]
       with d2 a copy of d1 must keep d2), then any range */
    for (pass = 0; pass < 2 && best < 0; pass++)
    for (di = 0; di < m->ndims; di++) {
      const sd_dim *cand = &m->dims[di];
      int ok = 1;
      if (pass == 0) {
        int named = 0;
        for (k = 0; k < mv->ndefs && !named; k++) named = strcmp(mv->defs[k].subs[j], cand->name) == 0;
        if (!named) continue;
      }
      for (k = 0; k < mv->ndefs && ok; k++) {
        const char *sub = mv->defs[k].subs[j];
        int sd = dim_of(c, sub);
        if (sd >= 0) {
          for (e = 0; e < m->dims[sd].n && ok; e++) ok = elem_in(cand, m->dims[sd].elems[e]) >= 0;
        } else {
          ok = elem_in(cand, sub) >= 0;
        }
      }
      if (ok && (best < 0 || cand->n > m->dims[best].n)) best = di;
    }
    if (best < 0)
      return sd_fail(c->err, SD_E_NAME, mv->text, &mv->defs[0].pos, 1, 1,
                     "subscript %d of '%s' (%s) is not a known subscript range or element", j + 1,
                     mv->text, mv->defs[0].subs[j]);
    out[j] = best;
  }
  return nd;
}

/* Does definition d cover the element tuple el (canonical names)? */
static int subs_match(const cc *c, const char *const *subs, int n, const char **el) {
  int j;
  for (j = 0; j < n; j++) {
    int sd = dim_of(c, subs[j]);
    if (sd >= 0 ? elem_in(&c->m->dims[sd], el[j]) < 0 : strcmp(subs[j], el[j]) != 0) return 0;
  }
  return 1;
}

static int def_covers(const cc *c, const sd_def *d, const char **el) {
  int x;
  if (!subs_match(c, d->subs, d->nsubs, el)) return 0;
  for (x = 0; x < d->nexc; x++)
    if (subs_match(c, d->exc[x], d->nsubs, el)) return 0;
  return 1;
}

/* The value of element el in a list of numbers given for definition d. */
static int def_value(const cc *c, const sd_def *d, const char **el, double *out) {
  int j, off = 0;
  for (j = 0; j < d->nsubs; j++) {
    int sd = dim_of(c, d->subs[j]);
    if (sd < 0) continue;
    off = off * c->m->dims[sd].n + elem_in(&c->m->dims[sd], el[j]);
  }
  if (off >= d->nvals) return -1;
  *out = d->vals[off];
  return 0;
}

/* One cvar per element of an arrayed model variable, row-major. */
static int expand_arrayed(cc *c, int vi) {
  const sd_model *m = c->m;
  const sd_var *mv = &m->vars[vi];
  int nd, total = 1, k, j, dims[SD_MAX_SUBS];
  const char *el[SD_MAX_SUBS];
  nd = var_dims(c, vi, dims);
  if (nd < 0) return -1;
  c->mnd[vi] = nd;
  c->mdims[vi] = sd_arena_alloc(&c->ast, (size_t)nd * sizeof(int));
  if (!c->mdims[vi]) return oom(c);
  for (j = 0; j < nd; j++) {
    c->mdims[vi][j] = dims[j];
    if ((double)total * m->dims[dims[j]].n + c->nv > SD_MAX_VARS) {
      double all = 1;
      for (k = 0; k < nd; k++) all *= m->dims[dims[k]].n;
      return sd_fail(c->err, SD_E_MEMORY, mv->text, &mv->defs[0].pos, 1, 1,
                     "'%s' has %.0f elements; a model may have at most %d compiled variables in all "
                     "(array elements and hidden state)", mv->text, all, SD_MAX_VARS);
    }
    total *= m->dims[dims[j]].n;
  }
  c->mbase[vi] = c->nv;
  for (k = 0; k < total; k++) {
    char name[1024], text[1024];
    size_t ln, lt;
    int rem = k, di, ci;
    const sd_def *d = NULL;
    cvar *v;
    for (j = nd - 1; j >= 0; j--) {
      const sd_dim *dd = &m->dims[dims[j]];
      el[j] = dd->elems[rem % dd->n];
      rem /= dd->n;
    }
    /* "name[e1,e2]": canonical, and as written (appended by hand: with
       snprintf this loop was a sixth of C-LEARN's compile time) */
    ln = name_append(name, sizeof name, name_append(name, sizeof name, 0, mv->name), "[");
    lt = name_append(text, sizeof text, name_append(text, sizeof text, 0, mv->text), "[");
    for (j = 0; j < nd; j++) {
      const sd_dim *dd = &m->dims[dims[j]];
      int stride = 1, jj, idx;
      for (jj = j + 1; jj < nd; jj++) stride *= m->dims[dims[jj]].n;
      idx = (k / stride) % dd->n;
      ln = name_append(name, sizeof name, name_append(name, sizeof name, ln, j ? "," : ""), dd->elems[idx]);
      lt = name_append(text, sizeof text, name_append(text, sizeof text, lt, j ? "," : ""), dd->elem_text[idx]);
    }
    ln = name_append(name, sizeof name, ln, "]");
    lt = name_append(text, sizeof text, lt, "]");
    for (di = 0; di < mv->ndefs; di++)
      if (def_covers(c, &mv->defs[di], el)) { d = &mv->defs[di]; break; }
    ci = add_cvar(c, sd_arena_strdup(&c->ast, name), sd_arena_strdup(&c->ast, text),
                  mv->kind == SD_LOOKUP ? CV_LOOKUP : d && d->init ? CV_STOCK : CV_AUX);
    if (ci < 0 || !c->v[ci].name || !c->v[ci].text) return oom(c);
    v = &c->v[ci];
    v->mvar = vi;
    v->visible = c->nvis++;
    v->vkind = d && d->init ? SD_STOCK : (d && d->nvals ? SD_CONST : mv->kind == SD_STOCK ? SD_AUX : mv->kind);
    v->pos = d ? &d->pos : &mv->pos;
    v->init_pos = d ? &d->init_pos : &mv->pos;
    if (mv->kind == SD_LOOKUP) {         /* a lookup per element */
      static const double zero = 0;
      v->vkind = SD_LOOKUP;
      v->table = d ? add_table(c, d->ntab, d->tx, d->ty) : add_table(c, 1, &zero, &zero);
      if (v->table < 0) return oom(c);
      v->nbind = 0;
      continue;
    }
    if (!d) {                            /* an element no definition covers */
      v->eqn = mk_num(c, 0, NULL);
    } else if (d->is_data) {
      v->eqn = data_eqn(c, d->ntab, d->tx, d->ty, d->data_mode);
    } else if (d->nvals) {
      double x;
      if (def_value(c, d, el, &x) != 0)
        return sd_fail(c->err, SD_E_DEFINITION, mv->text, &d->pos, 1, 1,
                       "'%s': the list has %d values, fewer than its subscripts need", mv->text, d->nvals);
      v->eqn = mk_num(c, x, NULL);
    } else {
      v->eqn = copy_tree(c, d->eqn);
      if (d->init) v->init = copy_tree(c, d->init);
    }
    if (!v->eqn || (d && d->init && !v->init)) return oom(c);
    /* bindings: the variable's ranges, and the ranges its definition names */
    v->bind_dim = sd_arena_alloc(&c->ast, (size_t)(2 * nd) * sizeof(char *));
    v->bind_elem = sd_arena_alloc(&c->ast, (size_t)(2 * nd) * sizeof(char *));
    if (!v->bind_dim || !v->bind_elem) return oom(c);
    for (j = 0; j < nd; j++) {
      v->bind_dim[v->nbind] = m->dims[dims[j]].name;
      v->bind_elem[v->nbind++] = el[j];
      if (d && dim_of(c, d->subs[j]) >= 0 && strcmp(d->subs[j], m->dims[dims[j]].name) != 0) {
        v->bind_dim[v->nbind] = d->subs[j];
        v->bind_elem[v->nbind++] = el[j];
      }
    }
  }
  return 0;
}

/* The names after ':' in macro calls become variables of the model. */
static int register_outputs(cc *c, const sd_node *n) {
  int i;
  if (n->kind == SD_N_CALL && n->nin > 0) {
    for (i = n->nin; i < n->nargs; i++) {
      const sd_node *o = n->args[i];
      int ci;
      if (o->kind != SD_N_VAR || sd_strmap_get(&c->outmap, o->name) >= 0) continue;
      if (sd_strmap_get(&c->m->index, o->name) >= 0) continue;   /* reported when bound */
      ci = add_cvar(c, o->name, o->text, CV_AUX);
      if (ci < 0) return oom(c);
      c->v[ci].visible = c->nvis++;
      c->v[ci].vkind = SD_AUX;
      c->v[ci].pos = NULL;
      if (sd_strmap_put(&c->outmap, o->name, ci) != 0) return oom(c);
    }
  }
  for (i = 0; i < n->nargs; i++)
    if (register_outputs(c, n->args[i]) != 0) return -1;
  return 0;
}

static int build_vars(cc *c) {
  const sd_model *m = c->m;
  int i;
  if (add_cvar(c, "time", "Time", CV_TIME) != 0) return oom(c);
  c->v[0].slot = SD_SLOT_TIME;
  c->v[0].dynamic = 1;
  c->v[0].done = 1;
  c->mbase = calloc((size_t)(m->nvars ? m->nvars : 1), sizeof(int));
  c->mnd = calloc((size_t)(m->nvars ? m->nvars : 1), sizeof(int));
  c->mdims = calloc((size_t)(m->nvars ? m->nvars : 1), sizeof(int *));
  c->contig = calloc((size_t)(m->nvars ? m->nvars : 1), 1);
  if (!c->mbase || !c->mnd || !c->mdims || !c->contig) return oom(c);
  for (i = 0; i < m->nvars; i++) {
    const sd_var *mv = &m->vars[i];
    cv_kind k;
    int j;
    if (mv->ndefs > 0) {
      if (expand_arrayed(c, i) != 0) return -1;
      continue;
    }
    k = mv->is_control ? CV_CONTROL : mv->kind == SD_STOCK ? CV_STOCK
      : mv->kind == SD_LOOKUP ? CV_LOOKUP : CV_AUX;
    j = add_cvar(c, mv->name, mv->text, k);
    if (j < 0) return oom(c);
    c->mbase[i] = j;
    c->v[j].mvar = i;
    c->v[j].visible = c->nvis++;
    c->v[j].vkind = mv->kind;
    c->v[j].pos = &mv->pos;
    c->v[j].init_pos = &mv->init_pos;
    if (mv->eqn && !(c->v[j].eqn = copy_tree(c, mv->eqn))) return oom(c);
    if (mv->init && !(c->v[j].init = copy_tree(c, mv->init))) return oom(c);
    if (mv->is_data && !(c->v[j].eqn = data_eqn(c, mv->ntab, mv->tx, mv->ty, mv->data_mode)))
      return oom(c);
    if (k == CV_LOOKUP) {
      c->v[j].table = add_table(c, mv->ntab, mv->tx, mv->ty);
      if (c->v[j].table < 0) return oom(c);
    }
  }
  for (i = 0; i < m->nvars; i++) {
    const sd_var *mv = &m->vars[i];
    int d;
    if (mv->eqn && register_outputs(c, mv->eqn) != 0) return -1;
    if (mv->init && register_outputs(c, mv->init) != 0) return -1;
    for (d = 0; d < mv->ndefs; d++) {
      if (mv->defs[d].eqn && register_outputs(c, mv->defs[d].eqn) != 0) return -1;
      if (mv->defs[d].init && register_outputs(c, mv->defs[d].init) != 0) return -1;
    }
  }
  return 0;
}

/* Resolve and lower every equation; hidden variables appended on the way
 * are resolved as they are made (their trees reuse resolved parts). */
static int resolve_all(cc *c) {
  int i, j, nmodel = c->nv;
  for (i = 1; i < nmodel; i++) {
    c->cur = i;
    c->nb = 0;
    for (j = 0; j < c->v[i].nbind; j++)
      if (bind_push(c, c->v[i].bind_dim[j], c->v[i].bind_elem[j]) != 0) return -1;
    c->in_init = 0;
    if (c->v[i].eqn && resolve(c, c->v[i].eqn, 0) != 0) return -1;
    c->in_init = 1;
    if (c->v[i].init && resolve(c, c->v[i].init, 0) != 0) return -1;
    c->in_init = 0;
  }
  c->nb = 0;
  return 0;
}

static int assign_slots(cc *c) {
  int i, next = SD_NUM_FIXED_SLOTS, nst = 0;
  /* value slots first, in variable order, so the elements of an array are
     contiguous (VECTOR ELM MAP and VECTOR SORT ORDER index into them) */
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (v->kind == CV_CONTROL) v->slot = SD_SLOT_T0 + v->visible;
    else v->slot = next++;
  }
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (v->kind == CV_STOCK) {
      v->rate_slot = next++;
      v->stock = nst++;
    }
  }
  c->tmp_base = next;
  c->p->nstocks = nst;
  return 0;
}

static int fill_program(cc *c, const int *order, int norder, const int *has_timefn,
                        deplist *deps) {
  sd_program *p = c->p;
  int i, j, k, npre = 0, kbase;
  int *need = calloc((size_t)c->nv, sizeof(int));
  if (!need) return oom(c);

  /* dynamic: in initial order every dependency is decided first, except
     a SIMULTANEOUS variable read before it is computed: then again until
     nothing changes (a flag only ever turns on) */
  {
    int changed = 1, any_sim = 0;
    for (k = 0; k < norder; k++) { c->v[order[k]].dynamic = 0; any_sim |= c->v[order[k]].simul; }
    while (changed) {
      changed = 0;
      for (k = 0; k < norder; k++) {
        cvar *v = &c->v[order[k]];
        int dyn = has_timefn[order[k]];
        if (v->kind == CV_STOCK || v->simul == 2) dyn = 1;    /* FIND ZERO: set by the run */
        else if (v->kind == CV_INITIAL) dyn = 0;
        else if (v->kind == CV_AUX && v->init) dyn = 1;
        else for (j = 0; j < deps[order[k]].n && !dyn; j++) dyn = c->v[deps[order[k]].d[j]].dynamic;
        if (dyn != v->dynamic) { v->dynamic = dyn; changed = any_sim; }
      }
    }
  }

  /* "a = b": a shares b's slot and has no code (in initial order, so b
     is settled first).  Not for arrays an opcode indexes by slot, whose
     elements must keep consecutive slots. */
  for (k = 0; k < norder; k++) {
    cvar *v = &c->v[order[k]];
    const cvar *b;
    if (v->kind != CV_AUX || v->init || v->is_const || v->simul || !v->eqn || v->eqn->kind != SD_N_VAR) continue;
    if (v->mvar >= 0 && c->contig[v->mvar]) continue;
    b = &c->v[v->eqn->ref];
    if (v->eqn->ref == order[k] || b->kind == CV_LOOKUP || b->slot < 0) continue;
    v->slot = b->slot;
    v->alias = 1;
    if (v->visible >= 0) p->vis_slot[v->visible] = v->slot;
  }

  /* ctrl: the non-literal control variables and what they need */
  for (i = 1; i <= SD_NUM_CONTROL; i++) need[i] = !c->v[i].is_const;
  for (k = norder - 1; k >= 0; k--) {
    int x = order[k];
    if (!need[x]) continue;
    for (j = 0; j < deps[x].n; j++) need[deps[x].d[j]] = 1;
  }
  for (k = 0; k < norder; k++) {
    int x = order[k];
    cvar *v = &c->v[x];
    if (!need[x]) continue;
    if (v->kind == CV_STOCK || (v->kind == CV_AUX && v->init)) {
      free(need);
      c->cur = x;
      return sd_fail(c->err, SD_E_DEFINITION, v->text, v->pos, at_start(v->pos), at_start(v->pos),
                     "the time settings (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) must not "
                     "depend on stocks, but they depend on '%s'", v->text);
    }
    /* settings that follow Time (FINAL TIME = IF THEN ELSE(Time < 5, ...))
       are computed again at every step */
    if (v->dynamic) p->dynamic_time = 1;
    if (gen_stmt(c, x, v->eqn, v->slot) != 0) { free(need); return -1; }
    if (v->kind == CV_CONTROL && emit(c, SDI_OVR, v->slot, v->visible, 0) < 0) { free(need); return oom(c); }
  }
  free(need);
  if (take_code(c, &p->ctrl) != 0) return -1;

  /* init: everything, in order; control variables were done by ctrl */
  for (k = 0; k < norder; k++) {
    int x = order[k];
    cvar *v = &c->v[x];
    if (v->kind == CV_CONTROL) continue;
    if (v->kind == CV_STOCK) {
      if (gen_stmt(c, x, v->init, v->slot) != 0) return -1;
      if (emit(c, SDI_OVR, v->slot, v->stock, 0) < 0) return oom(c);
    } else if (gen_stmt(c, x, v->init ? v->init : v->eqn, v->slot) != 0) {
      return -1;
    }
  }
  if (take_code(c, &p->init) != 0) return -1;

  /* step: what changes over time, in its own order, then every net rate */
  {
    int *sorder = malloc((size_t)(c->nv ? c->nv : 1) * sizeof(int));
    int ns;
    if (!sorder) return oom(c);
    ns = order_step(c, sorder);
    for (k = 0; k < ns; k++)
      if (gen_stmt(c, sorder[k], c->v[sorder[k]].eqn, c->v[sorder[k]].slot) != 0) { ns = -1; break; }
    free(sorder);
    if (ns < 0) return -1;
  }
  p->stock_slot = sd_arena_alloc(&p->arena, (size_t)(p->nstocks ? p->nstocks : 1) * sizeof(int));
  p->stock_rate = sd_arena_alloc(&p->arena, (size_t)(p->nstocks ? p->nstocks : 1) * sizeof(int));
  if (!p->stock_slot || !p->stock_rate) return oom(c);
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (v->kind != CV_STOCK) continue;
    p->stock_slot[v->stock] = v->slot;
    p->stock_rate[v->stock] = v->rate_slot;
    if (gen_stmt(c, i, v->eqn, v->rate_slot) != 0) return -1;
  }
  if (take_code(c, &p->step) != 0) return -1;

  /* lay out temporaries and the constant pool, then patch */
  kbase = c->tmp_base + c->tmp_max;
  p->nslots = kbase + c->nk + c->ncse_slots;
  patch_consts(&p->ctrl, kbase, kbase + c->nk);
  patch_consts(&p->init, kbase, kbase + c->nk);
  patch_consts(&p->step, kbase, kbase + c->nk);
  if (c->m->rewrite >= 2 && sd_block_vectorize(&p->step, c->tmp_base, kbase, &p->nslots, &p->arena) != 0)
    return oom(c);
  if (c->m->rewrite >= 1 && (sd_vectorize(&p->init) != 0 || sd_vectorize(&p->step) != 0)) return oom(c);

  /* presets: constant pool, literal variables, NaN for lookups */
  for (i = 1; i < c->nv; i++) if (c->v[i].is_const || c->v[i].kind == CV_LOOKUP) npre++;
  npre += c->nk;
  p->preset_slot = sd_arena_alloc(&p->arena, (size_t)(npre ? npre : 1) * sizeof(int));
  p->preset_val = sd_arena_alloc(&p->arena, (size_t)(npre ? npre : 1) * sizeof(double));
  if (!p->preset_slot || !p->preset_val) return oom(c);
  p->npreset = 0;
  for (i = 0; i < c->nk; i++) {
    p->preset_slot[p->npreset] = kbase + i;
    p->preset_val[p->npreset++] = c->kval[i];
  }
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (!(v->is_const || v->kind == CV_LOOKUP)) continue;
    if (v->visible >= 0) p->vis_const[v->visible] = v->is_const ? p->npreset : -1;
    p->preset_slot[p->npreset] = v->slot;
    p->preset_val[p->npreset++] = v->kind == CV_LOOKUP ? NAN : v->cval;
  }
  return 0;
}

static int make_visible(cc *c) {
  sd_program *p = c->p;
  int i;
  p->nvis = c->nvis;
  p->vis_text = sd_arena_alloc(&p->arena, (size_t)(p->nvis ? p->nvis : 1) * sizeof(char *));
  p->vis_kind = sd_arena_alloc(&p->arena, (size_t)(p->nvis ? p->nvis : 1) * sizeof(sd_kind));
  p->vis_slot = sd_arena_alloc(&p->arena, (size_t)(p->nvis ? p->nvis : 1) * sizeof(int));
  p->vis_const = sd_arena_alloc(&p->arena, (size_t)(p->nvis ? p->nvis : 1) * sizeof(int));
  p->vis_stock = sd_arena_alloc(&p->arena, (size_t)(p->nvis ? p->nvis : 1) * sizeof(int));
  if (!p->vis_text || !p->vis_kind || !p->vis_slot || !p->vis_const || !p->vis_stock) return oom(c);
  for (i = 1; i < c->nv; i++) {
    const cvar *v = &c->v[i];
    int k = v->visible;
    const char *canon;
    if (k < 0) continue;
    canon = sd_arena_strdup(&p->arena, v->name);
    p->vis_text[k] = sd_arena_strdup(&p->arena, v->text);
    if (!canon || !p->vis_text[k]) return oom(c);
    p->vis_kind[k] = v->vkind;
    p->vis_slot[k] = v->slot;
    p->vis_const[k] = -1;
    p->vis_stock[k] = v->stock;
    if (sd_strmap_put(&p->vis_index, canon, k) != 0) return oom(c);
  }
  return 0;
}

sd_program *sd_compile(const sd_model *m, sd_error *err) {
  cc c;
  sd_program *p;
  int *order = NULL, *has_timefn = NULL, norder, i, ok = 0;
  deplist *deps = NULL;
  sd_error local;
  if (!err) err = &local;
  sd_error_clear(err);
  memset(&c, 0, sizeof c);
  p = calloc(1, sizeof *p);
  if (!p) { oom(&c); return NULL; }
  sd_arena_init(&p->arena);
  sd_strmap_init(&p->vis_index);
  p->method = m->method;
  c.m = m;
  c.p = p;
  c.err = err;
  sd_arena_init(&c.ast);
  sd_strmap_init(&c.outmap);

  if (build_vars(&c) != 0 || resolve_all(&c) != 0) goto done;
  for (i = 1; i < c.nv; i++)                /* lowering and macros made these */
    if (too_deep(c.v[i].eqn, 2 * SD_MAX_TREE) || too_deep(c.v[i].init, 2 * SD_MAX_TREE)) {
      c.cur = i;
      sd_fail(err, SD_E_PARSE, c.v[i].text, c.v[i].pos, at_start(c.v[i].pos), at_start(c.v[i].pos),
              "'%s' is nested too deeply once macros and builtins are expanded (more than %d levels)",
              c.v[i].text, 2 * SD_MAX_TREE);
      goto done;
    }

  /* fold, and find the variables that are plain numbers */
  for (i = 1; i < c.nv; i++) {
    cvar *v = &c.v[i];
    if (v->eqn) fold(v->eqn);
    if (v->init) fold(v->init);
    if ((v->kind == CV_AUX || v->kind == CV_CONTROL || v->kind == CV_INITIAL) &&
        v->eqn && v->eqn->kind == SD_N_NUM && !v->init) {
      v->is_const = 1;
      v->cval = v->eqn->num;
    }
  }
  if (c.ast.failed) { oom(&c); goto done; }
  if (assign_slots(&c) != 0 || make_visible(&c) != 0) goto done;

  order = malloc((size_t)c.nv * sizeof(int));
  has_timefn = calloc((size_t)c.nv, sizeof(int));
  deps = calloc((size_t)c.nv, sizeof(deplist));
  if (!order || !has_timefn || !deps) { oom(&c); goto done; }
  norder = order_all(&c, order, deps, has_timefn);
  if (norder < 0) goto done;
  if (fill_program(&c, order, norder, has_timefn, deps) != 0) goto done;

  p->ndfx = c.ndfx;
  p->dfx_in = sd_arena_alloc(&p->arena, (size_t)(c.ndfx ? c.ndfx : 1) * sizeof(int));
  p->dfx_delay = sd_arena_alloc(&p->arena, (size_t)(c.ndfx ? c.ndfx : 1) * sizeof(int));
  p->dfx_out = sd_arena_alloc(&p->arena, (size_t)(c.ndfx ? c.ndfx : 1) * sizeof(int));
  if (!p->dfx_in || !p->dfx_delay || !p->dfx_out) { oom(&c); goto done; }
  for (i = 0; i < c.ndfx; i++) {
    p->dfx_in[i] = c.v[c.dfx_in[i]].slot;
    p->dfx_delay[i] = c.v[c.dfx_delay[i]].slot;
    p->dfx_out[i] = c.v[c.dfx_out[i]].slot;
  }
  /* SIMULTANEOUS variables and their first guesses */
  p->nsim = 0;
  for (i = 0; i < c.nv; i++) if (c.v[i].simul == 1) p->nsim++;
  p->sim_slot = sd_arena_alloc(&p->arena, (size_t)(p->nsim ? p->nsim : 1) * sizeof(int));
  p->sim_guess = sd_arena_alloc(&p->arena, (size_t)(p->nsim ? p->nsim : 1) * sizeof(int));
  p->sim_text = sd_arena_alloc(&p->arena, (size_t)(p->nsim ? p->nsim : 1) * sizeof(char *));
  if (!p->sim_slot || !p->sim_guess || !p->sim_text) { oom(&c); goto done; }
  {
    int m = 0;
    for (i = 0; i < c.nv; i++) {
      if (c.v[i].simul != 1) continue;
      p->sim_slot[m] = c.v[i].slot;
      p->sim_guess[m] = c.v[i].simul_guess >= 0 ? c.v[c.v[i].simul_guess].slot : -1;
      p->sim_text[m] = sd_arena_strdup(&p->arena, c.v[i].text ? c.v[i].text : "?");
      if (!p->sim_text[m]) { oom(&c); goto done; }
      m++;
    }
  }
  /* FIND ZERO: the elements the run solves for, and the slots of what it
     reads for each */
  p->nzero = 0;
  for (i = 0; i < c.nv; i++) if (c.v[i].simul == 2) p->nzero++;
  p->zero = sd_arena_alloc(&p->arena, (size_t)(p->nzero ? p->nzero : 1) * sizeof(sd_zero));
  if (!p->zero) { oom(&c); goto done; }
  {
    int m = 0;
    for (i = 0; i < c.nv; i++) {
      const cvar *x = &c.v[i];
      sd_zero *zr;
      if (x->simul != 2) continue;
      zr = &p->zero[m++];
      zr->x = x->slot;
      zr->z = c.v[x->zero_z].slot;
      zr->xs = c.v[x->zero_xs].slot;
      zr->zs = c.v[x->zero_zs].slot;
      zr->guess = c.v[x->simul_guess].slot;
      zr->tol = c.v[x->zero_tol].slot;
      zr->iter = c.v[x->zero_iter].slot;
      zr->skip = c.v[x->zero_skip].slot;
      zr->pos = x->zero_pos;
      zr->text = sd_arena_strdup(&p->arena, x->text ? x->text : "?");
      if (!zr->text) { oom(&c); goto done; }
    }
  }
  p->ndsc = c.ndsc;
  p->dsc = sd_arena_alloc(&p->arena, (size_t)(c.ndsc ? c.ndsc : 1) * sizeof(sd_dsc));
  if (!p->dsc) { oom(&c); goto done; }
  for (i = 0; i < c.ndsc; i++) {
    int a;
    p->dsc[i].kind = c.dscv[i].kind;
    for (a = 0; a < SD_DSC_MAXARG; a++) p->dsc[i].arg[a] = c.v[c.dscv[i].arg[a]].slot;
    p->dsc[i].table = c.dscv[i].table;
    p->dsc[i].table2 = c.dscv[i].table2;
    for (a = 0; a < 2; a++) {
      p->dsc[i].vec[a] = c.dscv[i].nvec[a] ? c.v[c.dscv[i].vec[a]].slot : 0;
      p->dsc[i].nvec[a] = c.dscv[i].nvec[a];
    }
  }
  p->ntables = c.ntables;
  p->tables = sd_arena_alloc(&p->arena, (size_t)(c.ntables ? c.ntables : 1) * sizeof(sd_table));
  if (!p->tables) { oom(&c); goto done; }
  if (c.ntables) memcpy(p->tables, c.tables, (size_t)c.ntables * sizeof(sd_table));
  if (p->arena.failed) { oom(&c); goto done; }
  ok = 1;

done:
  if (deps) for (i = 0; i < c.nv; i++) free(deps[i].d);
  free(deps); free(order); free(has_timefn);
  free(c.v); free(c.tables); free(c.code); free(c.kval); free(c.khash);
  free(c.mbase); free(c.mnd); free(c.mdims); free(c.contig);
  free(c.cse_key); free(c.cse_slot); free(c.cse_hash); free((void *)c.bdim); free((void *)c.belem);
  sd_strmap_free(&c.outmap);
  free(c.dfx_in); free(c.dfx_delay); free(c.dfx_out); free(c.dscv);
  sd_arena_free(&c.ast);
  if (!ok) { sd_program_free(p); return NULL; }
  return p;
}

void sd_program_free(sd_program *p) {
  if (!p) return;
  sd_strmap_free(&p->vis_index);
  sd_arena_free(&p->arena);
  free(p);
}
