/*
 * sd_compile.c -- from a model to bytecode: the compiler's driver, and the
 * variables, trees and tables every stage shares.  The stages, in the
 * order sd_compile() runs them, each in its own file:
 *
 *   1. copy every equation tree (the model stays untouched and reusable)
 *      and expand arrayed variables to one variable per element
 *      (sd_expand.c);
 *   2. resolve names to variables, builtins and lookups, checking arity;
 *      bind subscripts, instantiate macros (sd_resolve.c); lower stateful
 *      builtins (SMOOTH, DELAY3, TREND, ...) to hidden stocks and INITIAL
 *      to hidden initial-only variables, so that every integration method
 *      treats their state like any other stock (sd_lower_state.c, and
 *      sd_lower.c for the builtins beyond the classic set);
 *   3. fold constant subexpressions; a variable whose equation is a number
 *      becomes a preset slot that runs can override without recompiling
 *      (sd_fold.c);
 *   4. order all initial computations (one topological sort), derive which
 *      variables change over time, and report cycles by name
 *      (sd_schedule.c);
 *   5. emit three register-machine programs: ctrl (time settings), init
 *      (initial values) and step (auxiliaries and net rates)
 *      (sd_codegen.c), then rewrite them (sd_peephole.c, sd_blockvec.c).
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

const char *cv_display(const cvar *v) { return v->text; }

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
int at_start(const sd_srcpos *pos) { return pos && pos->line > 0; }

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

int add_cvar(cc *c, const char *name, const char *text, cv_kind kind) {
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
  v->owner = -1;
  return c->nv++;
}

/* s appended to the text of length len in buf (of cap bytes), cut to
 * fit as snprintf would; returns the length it would have uncut. */
size_t name_append(char *buf, size_t cap, size_t len, const char *s) {
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
  int i, made_by = c->cur;
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
  if (i >= 0) {
    c->v[i].pos = pos;
    c->v[i].owner = made_by;
  }
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
  if (++c->ncopied > c->node_limit) {
    if (!c->err->code)
      sd_fail(c->err, SD_E_MEMORY, c->cur > 0 && c->cur < c->nv ? c->v[c->cur].text : NULL, NULL, 0, 0,
              "the model's equations, with their arrays, macros and builtins expanded, have more than %.0f "
              "operations", c->node_limit);
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
sd_node *data_eqn(cc *c, int n, const double *x, const double *y, int mode) {
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
/* driver                                                              */
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

/* Nodes of a tree (its height is bounded by the parser's SD_MAX_HEIGHT). */
static double tree_nodes(const sd_node *n) {
  double k = 1;
  int i;
  if (!n) return 0;
  for (i = 0; i < n->nargs; i++) k += tree_nodes(n->args[i]);
  return k;
}

/* Nodes of every equation of a model (its macros' bodies included). */
static double model_nodes(const sd_model *m) {
  double k = 0;
  int i, j;
  for (i = 0; i < m->nvars; i++) {
    const sd_var *v = &m->vars[i];
    k += tree_nodes(v->eqn) + tree_nodes(v->init);
    for (j = 0; j < v->ndefs; j++) k += tree_nodes(v->defs[j].eqn) + tree_nodes(v->defs[j].init);
  }
  for (i = 0; i < m->nmacros; i++) if (m->macros[i].body) k += model_nodes(m->macros[i].body);
  return k;
}

/* A compilation's state and its program, started (NULL when out of
 * memory) and, after the stages, freed. */
static sd_program *cc_begin(cc *c, const sd_model *m, sd_error *err) {
  sd_program *p;
  sd_error_clear(err);
  memset(c, 0, sizeof *c);
  p = calloc(1, sizeof *p);
  if (!p) { c->err = err; oom(c); return NULL; }
  sd_arena_init(&p->arena);
  sd_strmap_init(&p->vis_index);
  p->method = m->method;
  c->m = m;
  c->p = p;
  c->err = err;
  c->node_limit = (double)SD_MAX_NODES + 16 * model_nodes(m);
  sd_arena_init(&c->ast);
  sd_strmap_init(&c->outmap);
  return p;
}

static void cc_end(cc *c) {
  free(c->v); free(c->tables); free(c->code); free(c->kval); free(c->khash);
  free(c->mbase); free(c->mnd); free(c->mdims); free(c->contig);
  free(c->cse_key); free(c->cse_slot); free(c->cse_hash); free((void *)c->bdim); free((void *)c->belem);
  sd_strmap_free(&c->outmap);
  free(c->dfx_in); free(c->dfx_delay); free(c->dfx_out); free(c->dscv);
  sd_arena_free(&c->ast);
}

sd_program *sd_compile(const sd_model *m, sd_error *err) {
  cc c;
  sd_program *p;
  int *order = NULL, *has_timefn = NULL, norder, i, ok = 0;
  deplist *deps = NULL;
  sd_error local;
  if (!err) err = &local;
  p = cc_begin(&c, m, err);
  if (!p) return NULL;

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
  sd_lanes_prepare(p);
  ok = 1;

done:
  if (deps) for (i = 0; i < c.nv; i++) free(deps[i].d);
  free(deps); free(order); free(has_timefn);
  cc_end(&c);
  if (!ok) { sd_program_free(p); return NULL; }
  return p;
}

/* The element graph of a model as the compiler sees it, once arrays are
 * expanded, macros instantiated and stateful builtins lowered: every
 * variable (element, hidden stock, macro variable) with the model
 * variable it belongs to (hidden and macro variables: the one whose
 * equation made them), and an edge from each variable an equation reads
 * to the variable it defines.  Links that only set initial values (a
 * stock's initial value, INITIAL) are left out: they carry no feedback. */
int sd_model_elements(const sd_model *m, sd_elements *out, sd_error *err) {
  cc c;
  sd_program *p;
  deplist l = { NULL, 0, 0 };
  int i, j, ok = 0, ne = 0, cap = 0;
  sd_error local;
  if (!err) err = &local;
  memset(out, 0, sizeof *out);
  p = cc_begin(&c, m, err);
  if (!p) return -1;
  if (build_vars(&c) != 0 || resolve_all(&c) != 0) goto done;
  out->n = c.nv;
  out->var = malloc((size_t)c.nv * sizeof(int));
  out->hidden = malloc((size_t)c.nv * sizeof(int));
  if (!out->var || !out->hidden) { oom(&c); goto done; }
  for (i = 0; i < c.nv; i++) {
    int k = i, steps = 0;
    out->hidden[i] = c.v[i].mvar < 0;
    while (c.v[k].mvar < 0 && c.v[k].owner >= 0 && steps++ < c.nv) k = c.v[k].owner;
    out->var[i] = c.v[k].kind == CV_TIME ? -1 : c.v[k].mvar;
  }
  for (i = 1; i < c.nv; i++) {
    const cvar *v = &c.v[i];
    if (v->kind != CV_AUX && v->kind != CV_STOCK && v->kind != CV_CONTROL) continue;
    if (eqn_deps(&c, i, &l) != 0) { oom(&c); goto done; }
    for (j = 0; j < l.n; j++) {
      cv_kind k = c.v[l.d[j]].kind;
      if (k == CV_INITIAL || k == CV_TIME || k == CV_LOOKUP) continue;
      if (ne == cap) {
        int nc = cap ? cap * 2 : 256;
        int *nf = realloc(out->from, (size_t)nc * sizeof(int)), *nt;
        if (!nf) { oom(&c); goto done; }
        out->from = nf;
        nt = realloc(out->to, (size_t)nc * sizeof(int));
        if (!nt) { oom(&c); goto done; }
        out->to = nt;
        cap = nc;
      }
      out->from[ne] = l.d[j];
      out->to[ne] = i;
      ne++;
    }
  }
  out->nedges = ne;
  ok = 1;
done:
  free(l.d);
  cc_end(&c);
  sd_program_free(p);
  if (!ok) { sd_elements_free(out); return -1; }
  return 0;
}

void sd_elements_free(sd_elements *e) {
  free(e->var); free(e->from); free(e->to); free(e->hidden);
  memset(e, 0, sizeof *e);
}

void sd_program_free(sd_program *p) {
  if (!p) return;
  sd_strmap_free(&p->vis_index);
  sd_arena_free(&p->arena);
  free(p);
}
