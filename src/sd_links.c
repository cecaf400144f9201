/*
 * sd_links.c -- the causal links of a model, read from its parsed
 * equations: for every reference to a variable in another's equation,
 * which variable, where it is written, whether it only sets an initial
 * value, whether it passes through a function that holds state (SMOOTH,
 * DELAY3, ...), and the sign of the partial derivative when the equation
 * determines it.  Feedback loops (sd_loops.c, and R's sd_loops()) and the
 * Loops that Matter link scores are built on these, so that structure
 * analysis reads the same trees the compiler compiles.
 *
 * Signs.  A link x -> z is positive when z rises with x, all else fixed.
 * The walk carries the sign of d(root)/d(node) down the tree: a - b flips
 * b, a * b multiplies a's by the sign of b's value, a / b flips b's and
 * multiplies by a's value, a lookup by its table's monotonicity.  Value
 * signs come from numbers, constants, EXP, ABS, SQRT, and (with
 * assume_positive) stocks, which models almost always keep non-negative;
 * a variable's value sign otherwise follows its own equation.  Anything
 * else (a comparison, a condition, a product with an unknown) is 0:
 * unknown, never guessed.
 */
#include <stdlib.h>
#include <string.h>
#include "sd_builtins.h"
#include "sd_model_impl.h"

typedef struct lk {
  const sd_model *m;
  int assume_positive;
  sd_link *out;
  int n, cap;
  int to, def, field;
  const sd_srcpos *pos;
  signed char *vsign_memo;   /* per variable: 2 unknown yet, 3 in progress, else -1/0/1 */
  sd_error *err;
} lk;

static int var_index(const lk *c, const char *canon) {
  return canon ? sd_strmap_get(&c->m->index, canon) : -1;
}

/* The builtins whose output lags their input through state of their own:
 * a loop through them is a loop with a delay, and its score cannot be
 * had by evaluating the equation again. */
static int stateful(const char *canon) {
  static const char *const names[] = {
    "smooth", "smoothi", "smooth3", "smooth3i", "smooth n", "delay1", "delay1i", "delay3",
    "delay3i", "delay n", "delay fixed", "trend", "forecast", "sample if true",
    "delay information", "delay material", "depreciate straightline", "delay conveyor",
    "delay batch", "delay profile", "queue fifo", "queue fifo attrib", "shift if true", "npv",
    "npve", "net present value", "depreciate by schedule", "xmile conveyor", "sinteg step",
    "integ", "reinitial", "active initial"
  };
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(names[i], canon) == 0) return 1;
  return 0;
}

/* Monotonicity of a table's y over x: +1 never decreasing, -1 never
 * increasing, 0 both ways (or flat). */
static int table_sign(int n, const double *y) {
  int up = 0, down = 0, i;
  for (i = 1; i < n; i++) {
    if (y[i] > y[i - 1]) up = 1;
    if (y[i] < y[i - 1]) down = 1;
  }
  return up && !down ? 1 : down && !up ? -1 : 0;
}

/* The table of lookup variable v (its first definition, when arrayed). */
static int lookup_sign(const sd_var *v) {
  if (v->kind != SD_LOOKUP) return 0;
  if (v->ntab > 0) return table_sign(v->ntab, v->ty);
  if (v->ndefs > 0) {
    int d, s = table_sign(v->defs[0].ntab, v->defs[0].ty);
    for (d = 1; d < v->ndefs; d++)     /* every element's table the same way */
      if (table_sign(v->defs[d].ntab, v->defs[d].ty) != s) return 0;
    return s;
  }
  return 0;
}

static int num_sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

static int value_sign(lk *c, const sd_node *n, int depth);

/* Value sign of variable i: a stock's is assumed positive (when asked), a
 * constant's is its number's, any other's follows its equation. */
static int var_value_sign(lk *c, int i, int depth) {
  const sd_var *v;
  int s;
  if (i < 0) return 0;
  if (c->vsign_memo[i] != 2) return c->vsign_memo[i] == 3 ? 0 : c->vsign_memo[i];
  v = &c->m->vars[i];
  if (v->is_control) return c->vsign_memo[i] = 1;   /* times and steps are positive */
  if (v->kind == SD_STOCK) return c->vsign_memo[i] = (signed char)(c->assume_positive ? 1 : 0);
  if (depth > 64) return 0;
  c->vsign_memo[i] = 3;
  if (v->ndefs > 0) {
    /* arrayed: every definition's equation (or number list) the same sign */
    int d, k;
    s = 2;
    for (d = 0; d < v->ndefs && s != 0; d++) {
      const sd_def *df = &v->defs[d];
      int ds = 0;
      if (df->nvals > 0) {
        ds = num_sign(df->vals[0]);
        for (k = 1; k < df->nvals; k++) if (num_sign(df->vals[k]) != ds) ds = 0;
      } else if (df->eqn && !df->is_data) ds = value_sign(c, df->eqn, depth + 1);
      s = s == 2 ? ds : s == ds ? s : 0;
    }
    if (s == 2) s = 0;
  } else s = v->eqn ? value_sign(c, v->eqn, depth + 1) : 0;
  c->vsign_memo[i] = (signed char)s;
  return s;
}

/* The value of n when it is made of numbers and constants only (1), so
 * that 1 - loss fraction has a known sign; else 0. */
static int const_value(lk *c, const sd_node *n, double *x, int depth) {
  double a, b;
  if (!n || depth > 64) return 0;
  switch (n->kind) {
  case SD_N_NUM: *x = n->num; return 1;
  case SD_N_VAR: {
    int i = var_index(c, n->name);
    const sd_var *v;
    if (i < 0) return 0;
    v = &c->m->vars[i];
    if (v->is_control || v->kind == SD_STOCK || v->ndefs > 0 || v->is_data || !v->eqn) return 0;
    return const_value(c, v->eqn, x, depth + 1);
  }
  case SD_N_UNARY:
    if (n->op == SD_OP_NOT || !const_value(c, n->args[0], &a, depth + 1)) return 0;
    *x = n->op == SD_OP_NEG ? -a : a;
    return 1;
  case SD_N_BINARY:
    if (!const_value(c, n->args[0], &a, depth + 1) || !const_value(c, n->args[1], &b, depth + 1)) return 0;
    switch (n->op) {
    case SD_OP_ADD: *x = a + b; return 1;
    case SD_OP_SUB: *x = a - b; return 1;
    case SD_OP_MUL: *x = a * b; return 1;
    case SD_OP_DIV: if (b == 0) return 0; *x = a / b; return 1;
    default: return 0;
    }
  default: return 0;
  }
}

static int value_sign(lk *c, const sd_node *n, int depth) {
  int a, b;
  double k;
  if (!n || depth > 256) return 0;
  if (n->kind != SD_N_NUM && const_value(c, n, &k, 0)) return num_sign(k);
  switch (n->kind) {
  case SD_N_NUM: return num_sign(n->num);
  case SD_N_VAR:
    if (n->name && strcmp(n->name, "time") == 0) return 0;
    return var_value_sign(c, var_index(c, n->name), depth + 1);
  case SD_N_UNARY:
    return n->op == SD_OP_NEG ? -value_sign(c, n->args[0], depth + 1)
         : n->op == SD_OP_POS ? value_sign(c, n->args[0], depth + 1) : 0;
  case SD_N_BINARY:
    a = value_sign(c, n->args[0], depth + 1);
    b = value_sign(c, n->args[1], depth + 1);
    switch (n->op) {
    case SD_OP_ADD: return a == b ? a : 0;
    case SD_OP_SUB: return a == -b ? a : 0;
    case SD_OP_MUL: case SD_OP_DIV: return a * b;
    case SD_OP_POW: return a > 0 ? 1 : 0;
    default: return 0;
    }
  case SD_N_CALL: {
    int i = var_index(c, n->name);
    if (i >= 0) {                       /* a lookup: the sign of its values */
      const sd_var *v = &c->m->vars[i];
      int k, pos = 1, neg = 1;
      if (v->kind != SD_LOOKUP || v->ntab == 0) return 0;
      /* never negative counts as positive, as for stocks: the slope of
         x * f(x) keeps its sign where f is 0 */
      for (k = 0; k < v->ntab; k++) { if (v->ty[k] < 0) pos = 0; if (v->ty[k] > 0) neg = 0; }
      return pos && !neg ? 1 : neg && !pos ? -1 : 0;
    }
    if (!n->name) return 0;
    if (!strcmp(n->name, "exp") || !strcmp(n->name, "abs") || !strcmp(n->name, "sqrt")) return 1;
    if (!strcmp(n->name, "min") || !strcmp(n->name, "max") || !strcmp(n->name, "if then else") ||
        !strcmp(n->name, "smooth") || !strcmp(n->name, "smooth3") || !strcmp(n->name, "delay1") ||
        !strcmp(n->name, "delay3") || !strcmp(n->name, "initial")) {
      /* the arguments that become the value agree */
      int k, first = !strcmp(n->name, "if then else") ? 1 : 0;
      int last = (!strcmp(n->name, "min") || !strcmp(n->name, "max") ||
                  !strcmp(n->name, "if then else")) ? n->nargs - 1 : first;
      int s;
      if (n->nargs <= first) return 0;
      s = value_sign(c, n->args[first], depth + 1);
      for (k = first + 1; k <= last; k++) if (value_sign(c, n->args[k], depth + 1) != s) return 0;
      return s;
    }
    return 0;
  }
  default: return 0;
  }
}

static int emit(lk *c, const sd_node *n, int from, int sign, int init, const char *via) {
  sd_link *l;
  if (c->n == c->cap) {
    int ncap = c->cap ? c->cap * 2 : 64;
    sd_link *nl = realloc(c->out, (size_t)ncap * sizeof *nl);
    if (!nl) return sd_fail(c->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory listing links");
    c->out = nl;
    c->cap = ncap;
  }
  l = &c->out[c->n++];
  l->from = from;
  l->to = c->to;
  l->def = c->def;
  l->field = c->field;
  l->init = init;
  l->sign = sign;
  l->line = n->line;
  l->col = n->col;
  l->len = n->text ? (int)strlen(n->text) : 0;
  l->file_line = c->pos && c->pos->line > 0 ? c->pos->line + n->line - 1 : 0;
  l->file_col = c->pos && c->pos->line > 0 ? (n->line == 1 ? c->pos->col + n->col - 1 : n->col) : 0;
  l->via = via;
  return 0;
}

/* Walk n; s: the sign of d(root)/d(n) (0 unknown); init: n only sets an
 * initial value; via: the stateful function n is inside, or NULL. */
static int walk(lk *c, const sd_node *n, int s, int init, const char *via) {
  int i;
  if (!n) return 0;
  switch (n->kind) {
  case SD_N_NUM: case SD_N_TABLE: return 0;
  case SD_N_VAR: {
    int from = var_index(c, n->name);
    if (from < 0 && n->name && strcmp(n->name, "time") == 0) from = -1;
    else if (from < 0) return 0;            /* a macro parameter, an element name */
    return emit(c, n, from, s, init, via);
  }
  case SD_N_UNARY:
    return walk(c, n->args[0], n->op == SD_OP_NEG ? -s : n->op == SD_OP_POS ? s : 0, init, via);
  case SD_N_BINARY: {
    int a = 0, b = 0;
    switch (n->op) {
    case SD_OP_ADD: a = s; b = s; break;
    case SD_OP_SUB: a = s; b = -s; break;
    case SD_OP_MUL:
      a = s * value_sign(c, n->args[1], 0);
      b = s * value_sign(c, n->args[0], 0);
      break;
    case SD_OP_DIV:
      a = s * value_sign(c, n->args[1], 0);
      b = -s * value_sign(c, n->args[0], 0);
      break;
    case SD_OP_POW: {
      /* x^k, k a number, x positive: the sign of k; k^x: rising if k > 1 */
      const sd_node *e = n->args[1];
      int xs = value_sign(c, n->args[0], 0);
      if (e->kind == SD_N_NUM && xs > 0) a = s * num_sign(e->num);
      if (n->args[0]->kind == SD_N_NUM) b = n->args[0]->num > 1 ? s : n->args[0]->num > 0 && n->args[0]->num < 1 ? -s : 0;
      break;
    }
    default: break;                         /* comparisons, :AND:, :OR: */
    }
    if (walk(c, n->args[0], a, init, via) != 0) return -1;
    return walk(c, n->args[1], b, init, via);
  }
  case SD_N_CALL: {
    int v = var_index(c, n->name);
    const char *name = n->name ? n->name : "";
    if (v >= 0) {                           /* a lookup called on its input */
      int ls = lookup_sign(&c->m->vars[v]);
      for (i = 0; i < n->nargs; i++)
        if (walk(c, n->args[i], s * ls, init, via) != 0) return -1;
      return 0;
    }
    for (i = 0; i < c->m->nmacros; i++)
      if (c->m->macros[i].name && !strcmp(c->m->macros[i].name, name)) {
        /* a macro: its body may hold state; the signs are not looked into */
        int k;
        for (k = 0; k < n->nargs; k++)
          if (walk(c, n->args[k], 0, init, via ? via : name) != 0) return -1;
        return 0;
      }
    if (!strcmp(name, "initial")) {
      for (i = 0; i < n->nargs; i++) if (walk(c, n->args[i], s, 1, via) != 0) return -1;
      return 0;
    }
    if (!strcmp(name, "with lookup")) {
      int ls = n->nargs > 1 && n->args[1]->kind == SD_N_TABLE ? table_sign(n->args[1]->npts, n->args[1]->ys) : 0;
      return n->nargs ? walk(c, n->args[0], s * ls, init, via) : 0;
    }
    if (stateful(name)) {
      /* the first argument is what is delayed or smoothed (its sign kept);
         SMOOTHI-style initial values only set the start */
      /* the third argument of these is an initial value */
      int ninit = (!strcmp(name, "smoothi") || !strcmp(name, "smooth3i") || !strcmp(name, "delay1i") ||
                   !strcmp(name, "delay3i") || !strcmp(name, "delay fixed") || !strcmp(name, "trend") ||
                   !strcmp(name, "smooth n") || !strcmp(name, "delay n")) ? 2 : -1;
      const char *w = via ? via : name;
      if (!strcmp(name, "active initial")) {
        if (n->nargs > 0 && walk(c, n->args[0], s, init, via) != 0) return -1;
        return n->nargs > 1 ? walk(c, n->args[1], s, 1, via) : 0;
      }
      for (i = 0; i < n->nargs; i++) {
        int as = i == 0 && strcmp(name, "trend") != 0 ? s : 0;
        if (walk(c, n->args[i], as, init || i == ninit, w) != 0) return -1;
      }
      return 0;
    }
    {
      /* pure builtins: each argument's sign */
      int rising = !strcmp(name, "min") || !strcmp(name, "max") || !strcmp(name, "exp") ||
                   !strcmp(name, "ln") || !strcmp(name, "sqrt") || !strcmp(name, "integer") ||
                   !strcmp(name, "sum") || !strcmp(name, "vmin") || !strcmp(name, "vmax") ||
                   !strcmp(name, "arctan") || !strcmp(name, "sinh") || !strcmp(name, "tanh") ||
                   !strcmp(name, "quantum");
      for (i = 0; i < n->nargs; i++) {
        int as = 0;
        if (rising) as = (!strcmp(name, "quantum") && i > 0) ? 0 : s;
        else if (!strcmp(name, "if then else")) as = i == 0 ? 0 : s;
        else if (!strcmp(name, "log")) as = i == 0 ? s : 0;
        else if (!strcmp(name, "zidz") || !strcmp(name, "xidz")) {
          if (i == 0) as = s * value_sign(c, n->args[1], 0);
          else if (i == 1) as = -s * value_sign(c, n->args[0], 0);
          else as = 0;                        /* XIDZ's fallback: a value, not a slope */
        } else if (!strcmp(name, "power")) {
          if (i == 0 && n->nargs > 1 && n->args[1]->kind == SD_N_NUM && value_sign(c, n->args[0], 0) > 0)
            as = s * num_sign(n->args[1]->num);
        }
        if (walk(c, n->args[i], as, init, via) != 0) return -1;
      }
      return 0;
    }
  }
  default: return 0;
  }
}

static int walk_root(lk *c, const sd_node *n, int field, const sd_srcpos *pos) {
  c->field = field;
  c->pos = pos;
  return walk(c, n, 1, field == 1, NULL);
}

int sd_model_links(const sd_model *m, int assume_positive, sd_link **out, int *nout, sd_error *err) {
  lk c;
  int i, d;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.assume_positive = assume_positive;
  c.err = err;
  *out = NULL;
  *nout = 0;
  c.vsign_memo = malloc((size_t)(m->nvars ? m->nvars : 1));
  if (!c.vsign_memo) return sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory listing links");
  memset(c.vsign_memo, 2, (size_t)(m->nvars ? m->nvars : 1));
  for (i = 0; i < m->nvars; i++) {
    const sd_var *v = &m->vars[i];
    c.to = i;
    c.def = 0;
    if (walk_root(&c, v->eqn, 0, &v->pos) != 0 || walk_root(&c, v->init, 1, &v->init_pos) != 0) goto fail;
    for (d = 0; d < v->ndefs; d++) {
      c.def = d;
      if (walk_root(&c, v->defs[d].eqn, 0, &v->defs[d].pos) != 0 ||
          walk_root(&c, v->defs[d].init, 1, &v->defs[d].init_pos) != 0) goto fail;
    }
  }
  free(c.vsign_memo);
  *out = c.out;
  *nout = c.n;
  return 0;
fail:
  free(c.vsign_memo);
  free(c.out);
  return -1;
}

int sd_model_nvars(const sd_model *m) { return m->nvars; }
const char *sd_model_var_text(const sd_model *m, int i) { return m->vars[i].text; }
sd_kind sd_model_var_kind(const sd_model *m, int i) { return m->vars[i].kind; }
int sd_model_var_arrayed(const sd_model *m, int i) { return m->vars[i].ndefs > 0; }

/* ---- equation trees in prefix order (for units checking) ---------------- */

typedef struct fl {
  sd_flat_node *nodes;
  int n, cap;
  sd_error *err;
} fl;

static int flat_push(fl *f, const sd_node *n) {
  sd_flat_node *x;
  int i;
  if (f->n == f->cap) {
    int nc = f->cap ? f->cap * 2 : 256;
    sd_flat_node *nn = realloc(f->nodes, (size_t)nc * sizeof *nn);
    if (!nn) return sd_fail(f->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory listing equations");
    f->nodes = nn;
    f->cap = nc;
  }
  x = &f->nodes[f->n++];
  x->kind = (int)n->kind;
  x->op = (int)n->op;
  x->nargs = n->kind == SD_N_TABLE ? 0 : n->nargs;
  x->num = n->kind == SD_N_NUM ? n->num : 0;
  x->name = n->name;
  x->line = n->line;
  x->col = n->col;
  if (n->kind == SD_N_TABLE) return 0;
  for (i = 0; i < n->nargs; i++)
    if (flat_push(f, n->args[i]) != 0) return -1;
  return 0;
}

int sd_model_flatten(const sd_model *m, sd_flat_node **nodes, int *nnodes, sd_flat_root **roots,
                     int *nroots, sd_error *err) {
  fl f;
  sd_flat_root *r = NULL;
  int nr = 0, rcap = 0, i, d, k;
  memset(&f, 0, sizeof f);
  f.err = err;
  *nodes = NULL; *roots = NULL; *nnodes = *nroots = 0;
  for (i = 0; i < m->nvars; i++) {
    const sd_var *v = &m->vars[i];
    for (d = -1; d < v->ndefs; d++) {
      const sd_node *t[2];
      const sd_srcpos *p[2];
      if (d < 0) { t[0] = v->eqn; t[1] = v->init; p[0] = &v->pos; p[1] = &v->init_pos; }
      else {
        t[0] = v->defs[d].eqn; t[1] = v->defs[d].init;
        p[0] = &v->defs[d].pos; p[1] = &v->defs[d].init_pos;
      }
      for (k = 0; k < 2; k++) {
        if (!t[k]) continue;
        if (nr == rcap) {
          int nc = rcap ? rcap * 2 : 64;
          sd_flat_root *nn = realloc(r, (size_t)nc * sizeof *nn);
          if (!nn) { sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory listing equations"); goto fail; }
          r = nn;
          rcap = nc;
        }
        r[nr].var = i;
        r[nr].def = d < 0 ? 0 : d;
        r[nr].field = k;
        r[nr].first = f.n;
        r[nr].file_line = p[k] && p[k]->line > 0 ? p[k]->line : 0;
        if (flat_push(&f, t[k]) != 0) goto fail;
        nr++;
      }
    }
  }
  *nodes = f.nodes; *nnodes = f.n; *roots = r; *nroots = nr;
  return 0;
fail:
  free(f.nodes);
  free(r);
  return -1;
}
