/*
 * sd_model.c -- building a model: front ends add variable definitions,
 * equations are parsed as they arrive so syntax errors point at their
 * source at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sd_model_impl.h"

const char *const sd_control_names[SD_NUM_CONTROL] = {
  "INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"
};
static const char *const control_defaults[SD_NUM_CONTROL] = {
  "0", "100", "1", "TIME STEP"
};

static int grow(sd_model *m) {
  if (m->nvars == m->cap) {
    int ncap = m->cap ? m->cap * 2 : 64;
    sd_var *nv = realloc(m->vars, (size_t)ncap * sizeof *nv);
    if (!nv) return -1;
    m->vars = nv;
    m->cap = ncap;
  }
  return 0;
}

static sd_node *parse(sd_model *m, const char *var, const char *text,
                      const sd_srcpos *pos, sd_error *err) {
  sd_node *n = sd_parse_expr(&m->arena, text, pos, err);
  if (!n && err && err->var[0] == '\0' && var) {
    size_t k = strlen(var);
    if (k >= sizeof err->var) k = sizeof err->var - 1;
    memcpy(err->var, var, k);
    err->var[k] = '\0';
  }
  return n;
}

/* Find or make the entry for `name`; control variables are redefined in
 * place, any other name may be defined only once. */
static sd_var *new_var(sd_model *m, const char *name, const sd_srcpos *pos,
                       sd_error *err) {
  char *canon = sd_canon_name(&m->arena, name, strlen(name));
  int idx;
  sd_var *v;
  if (!canon) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
  if (canon[0] == '\0') {
    sd_fail(err, SD_E_NAME, name, pos, 0, 0, "a variable needs a non-empty name");
    return NULL;
  }
  if (strcmp(canon, "time") == 0) {
    sd_fail(err, SD_E_NAME, name, pos, 0, 0, "'%s' is reserved for the simulation clock", name);
    return NULL;
  }
  idx = sd_strmap_get(&m->index, canon);
  if (idx >= 0) {
    if (m->vars[idx].is_control && m->vars[idx].eqn && idx < SD_NUM_CONTROL &&
        m->vars[idx].pos.line == -1) {
      v = &m->vars[idx];          /* first redefinition of a default */
      v->pos.line = 0;
      if (pos) {
        v->pos = *pos;
        if (pos->file) v->pos.file = sd_arena_strdup(&m->arena, pos->file);
      }
      return v;
    }
    sd_fail(err, SD_E_NAME, name, pos, pos ? 1 : 0, pos ? 1 : 0, "'%s' is defined more than once", name);
    return NULL;
  }
  if (grow(m) != 0 || sd_strmap_put(&m->index, canon, m->nvars) != 0) {
    sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory");
    return NULL;
  }
  v = &m->vars[m->nvars++];
  memset(v, 0, sizeof *v);
  v->name = canon;
  v->text = sd_arena_strdup(&m->arena, name);
  if (pos) {
    v->pos = *pos;
    if (pos->file) v->pos.file = sd_arena_strdup(&m->arena, pos->file);
  }
  if (!v->text) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
  return v;
}

sd_model *sd_model_new(void) {
  sd_model *m = calloc(1, sizeof *m);
  int i;
  if (!m) return NULL;
  sd_arena_init(&m->arena);
  sd_strmap_init(&m->index);
  sd_strmap_init(&m->dim_index);
  m->method = SD_EULER;
  m->rewrite = 2;
  for (i = 0; i < SD_NUM_CONTROL; i++) {
    sd_error err;
    sd_var *v = new_var(m, sd_control_names[i], NULL, &err);
    if (!v) { sd_model_free(m); return NULL; }
    v->kind = SD_CONST;
    v->is_control = 1;
    v->pos.line = -1;            /* marks "still the default" */
    v->eqn = parse(m, v->text, control_defaults[i], NULL, &err);
    if (!v->eqn) { sd_model_free(m); return NULL; }
  }
  return m;
}

void sd_model_free(sd_model *m) {
  if (!m) return;
  {
    int i;
    for (i = 0; i < m->nmacros; i++) sd_model_free(m->macros[i].body);
  }
  {
    int i;
    for (i = 0; i < m->ndims; i++) sd_strmap_free(&m->dims[i].elem_index);
  }
  sd_arena_free(&m->arena);
  sd_strmap_free(&m->index);
  sd_strmap_free(&m->dim_index);
  free(m->vars);
  free(m->dims);
  free(m->macros);
  free(m);
}

void sd_model_set_method(sd_model *m, sd_method method) { m->method = method; }

void sd_model_set_rewrite(sd_model *m, int level) { m->rewrite = level; }

int sd_model_add(sd_model *m, const char *name, sd_kind kind, const char *eqn,
                 const sd_srcpos *pos, sd_error *err) {
  sd_var *v;
  sd_node *n;
  sd_error_clear(err);
  if (kind == SD_STOCK || kind == SD_LOOKUP)
    return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0,
                   "'%s': stocks and lookups have their own constructors", name);
  n = parse(m, name, eqn, pos, err);
  if (!n) return -1;
  v = new_var(m, name, pos, err);
  if (!v) return -1;
  if (!v->is_control) v->kind = kind;
  v->eqn = n;
  return 0;
}

int sd_model_add_stock(sd_model *m, const char *name, const char *rate,
                       const char *init, const sd_srcpos *pos, sd_error *err) {
  return sd_model_add_stock_at(m, name, rate, pos, init, pos, err);
}

int sd_model_add_stock_at(sd_model *m, const char *name, const char *rate,
                          const sd_srcpos *rate_pos, const char *init,
                          const sd_srcpos *init_pos, sd_error *err) {
  sd_var *v;
  sd_node *r, *i;
  const sd_srcpos *pos = rate_pos;
  sd_error_clear(err);
  r = parse(m, name, rate, rate_pos, err);
  if (!r) return -1;
  i = parse(m, name, init, init_pos, err);
  if (!i) return -1;
  v = new_var(m, name, pos, err);
  if (!v) return -1;
  if (v->is_control)
    return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "'%s' cannot be a stock", name);
  v->kind = SD_STOCK;
  v->eqn = r;
  v->init = i;
  v->init_pos = v->pos;
  if (init_pos) {
    v->init_pos = *init_pos;
    if (init_pos->file) v->init_pos.file = sd_arena_strdup(&m->arena, init_pos->file);
  }
  return 0;
}

int sd_model_add_lookup(sd_model *m, const char *name, const double *x,
                        const double *y, int n, sd_error *err) {
  sd_var *v;
  int k;
  sd_error_clear(err);
  if (n < 1)
    return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, "lookup '%s' has no points", name);
  for (k = 0; k < n; k++) {
    if (!isfinite(x[k]) || y[k] != y[k])
      return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0,
                     "lookup '%s': point %d is not a finite number", name, k + 1);
    if (k > 0 && x[k] < x[k - 1])
      return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0,
                     "lookup '%s': x values must increase (point %d: %g after %g)",
                     name, k + 1, x[k], x[k - 1]);
  }
  v = new_var(m, name, NULL, err);
  if (!v) return -1;
  if (v->is_control)
    return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, "'%s' cannot be a lookup", name);
  v->kind = SD_LOOKUP;
  v->ntab = n;
  v->tx = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  v->ty = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  if (!v->tx || !v->ty) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  memcpy(v->tx, x, (size_t)n * sizeof(double));
  memcpy(v->ty, y, (size_t)n * sizeof(double));
  return 0;
}

/* ---- arrays ---- */

int sd_model_add_dim(sd_model *m, const char *name, const char *const *elems, int n,
                     sd_error *err) {
  char *canon;
  sd_dim *d;
  int i;
  sd_error_clear(err);
  canon = sd_canon_name(&m->arena, name, strlen(name));
  if (!canon) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  if (n < 1) return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, "subscript range '%s' has no elements", name);
  if (sd_strmap_get(&m->dim_index, canon) >= 0)
    return sd_fail(err, SD_E_NAME, name, NULL, 0, 0, "subscript range '%s' is defined more than once", name);
  if (m->ndims == m->dimcap) {
    int ncap = m->dimcap ? m->dimcap * 2 : 16;
    sd_dim *nd = realloc(m->dims, (size_t)ncap * sizeof *nd);
    if (!nd) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
    m->dims = nd;
    m->dimcap = ncap;
  }
  d = &m->dims[m->ndims];
  memset(d, 0, sizeof *d);
  sd_strmap_init(&d->elem_index);
  m->ndims++;                  /* counted now, so sd_model_free frees its map */
  d->name = canon;
  d->text = sd_arena_strdup(&m->arena, name);
  d->n = n;
  d->elems = sd_arena_alloc(&m->arena, (size_t)n * sizeof(char *));
  d->elem_text = sd_arena_alloc(&m->arena, (size_t)n * sizeof(char *));
  if (!d->text || !d->elems || !d->elem_text) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  for (i = 0; i < n; i++) {
    d->elems[i] = sd_canon_name(&m->arena, elems[i], strlen(elems[i]));
    d->elem_text[i] = sd_arena_strdup(&m->arena, elems[i]);
    if (!d->elems[i] || !d->elem_text[i]) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
    /* the first of repeated elements keeps its position */
    if (sd_strmap_get(&d->elem_index, d->elems[i]) < 0 && sd_strmap_put(&d->elem_index, d->elems[i], i) != 0)
      return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  }
  if (sd_strmap_put(&m->dim_index, canon, m->ndims - 1) != 0)
    return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  return 0;
}

/* The arrayed variable `name`, made on first use; a scalar definition of
 * the same name is an error. */
static sd_def *new_def(sd_model *m, const char *name, const char *const *subs, int nsubs,
                       const sd_srcpos *pos, sd_error *err) {
  char *canon = sd_canon_name(&m->arena, name, strlen(name));
  int idx, i;
  sd_var *v;
  sd_def *d;
  if (!canon) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
  if (nsubs < 1) { sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "'%s': no subscripts", name); return NULL; }
  if (nsubs > SD_MAX_SUBS) {
    sd_fail(err, SD_E_DEFINITION, name, pos, pos ? 1 : 0, pos ? 1 : 0,
            "'%s' has %d subscripts; at most %d are supported", name, nsubs, SD_MAX_SUBS);
    return NULL;
  }
  idx = sd_strmap_get(&m->index, canon);
  if (idx < 0) {
    v = new_var(m, name, pos, err);
    if (!v) return NULL;
    v->kind = SD_AUX;
  } else {
    v = &m->vars[idx];
    if (v->ndefs == 0) {
      sd_fail(err, SD_E_NAME, name, pos, pos ? 1 : 0, pos ? 1 : 0,
              "'%s' is defined both with and without subscripts", name);
      return NULL;
    }
  }
  if (v->ndefs == v->defcap) {
    int ncap = v->defcap ? v->defcap * 2 : 4;
    sd_def *nd = sd_arena_alloc(&m->arena, (size_t)ncap * sizeof *nd);
    if (!nd) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
    if (v->ndefs) memcpy(nd, v->defs, (size_t)v->ndefs * sizeof *nd);
    v->defs = nd;
    v->defcap = ncap;
  }
  d = &v->defs[v->ndefs++];
  memset(d, 0, sizeof *d);
  d->nsubs = nsubs;
  d->subs = sd_arena_alloc(&m->arena, (size_t)nsubs * sizeof(char *));
  if (!d->subs) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
  for (i = 0; i < nsubs; i++) {
    d->subs[i] = sd_canon_name(&m->arena, subs[i], strlen(subs[i]));
    if (!d->subs[i]) { sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory"); return NULL; }
  }
  if (pos) {
    d->pos = *pos;
    if (pos->file) d->pos.file = sd_arena_strdup(&m->arena, pos->file);
  }
  return d;
}

int sd_model_add_arrayed(sd_model *m, const char *name, sd_kind kind,
                         const char *const *subs, int nsubs, const char *eqn,
                         const sd_srcpos *pos, sd_error *err) {
  sd_node *n;
  sd_def *d;
  sd_error_clear(err);
  (void)kind;
  n = parse(m, name, eqn, pos, err);
  if (!n) return -1;
  d = new_def(m, name, subs, nsubs, pos, err);
  if (!d) return -1;
  d->eqn = n;
  return 0;
}

int sd_model_add_arrayed_stock(sd_model *m, const char *name, const char *const *subs,
                               int nsubs, const char *rate, const sd_srcpos *rate_pos,
                               const char *init, const sd_srcpos *init_pos, sd_error *err) {
  sd_node *r, *i;
  sd_def *d;
  sd_error_clear(err);
  r = parse(m, name, rate, rate_pos, err);
  if (!r) return -1;
  i = parse(m, name, init, init_pos, err);
  if (!i) return -1;
  d = new_def(m, name, subs, nsubs, rate_pos, err);
  if (!d) return -1;
  d->eqn = r;
  d->init = i;
  d->init_pos = d->pos;
  if (init_pos) {
    d->init_pos = *init_pos;
    if (init_pos->file) d->init_pos.file = sd_arena_strdup(&m->arena, init_pos->file);
  }
  m->vars[sd_strmap_get(&m->index, sd_canon_name(&m->arena, name, strlen(name)))].kind = SD_STOCK;
  return 0;
}

int sd_model_add_arrayed_values(sd_model *m, const char *name, const char *const *subs,
                                int nsubs, const double *vals, int nvals,
                                const sd_srcpos *pos, sd_error *err) {
  sd_def *d;
  sd_error_clear(err);
  if (nvals < 1) return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "'%s': empty list of values", name);
  d = new_def(m, name, subs, nsubs, pos, err);
  if (!d) return -1;
  d->nvals = nvals;
  d->vals = sd_arena_alloc(&m->arena, (size_t)nvals * sizeof(double));
  if (!d->vals) return sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory");
  memcpy(d->vals, vals, (size_t)nvals * sizeof(double));
  return 0;
}

int sd_model_add_except(sd_model *m, const char *name, const char *const *subs, int nsubs,
                        sd_error *err) {
  char *canon = sd_canon_name(&m->arena, name, strlen(name));
  int idx = canon ? sd_strmap_get(&m->index, canon) : -1, i;
  sd_def *d;
  const char ***nx;
  sd_error_clear(err);
  if (idx < 0 || m->vars[idx].ndefs == 0)
    return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, ":EXCEPT: for '%s', which has no subscripted definition", name);
  d = &m->vars[idx].defs[m->vars[idx].ndefs - 1];
  if (nsubs != d->nsubs)
    return sd_fail(err, SD_E_DEFINITION, name, &d->pos, 1, 1, ":EXCEPT: list of '%s' needs %d subscripts", name, d->nsubs);
  nx = sd_arena_alloc(&m->arena, (size_t)(d->nexc + 1) * sizeof *nx);
  if (!nx) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  if (d->nexc) memcpy(nx, d->exc, (size_t)d->nexc * sizeof *nx);
  nx[d->nexc] = sd_arena_alloc(&m->arena, (size_t)nsubs * sizeof(char *));
  if (!nx[d->nexc]) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  for (i = 0; i < nsubs; i++) {
    nx[d->nexc][i] = sd_canon_name(&m->arena, subs[i], strlen(subs[i]));
    if (!nx[d->nexc][i]) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  }
  d->exc = nx;
  d->nexc++;
  return 0;
}

/* ---- macros ---- */

sd_model *sd_model_add_macro(sd_model *m, const char *name, const char *const *params,
                             int nparams, const char *const *outs, int nouts, sd_error *err) {
  sd_macro *mc;
  int i;
  sd_error_clear(err);
  if (m->nmacros == m->macrocap) {
    int ncap = m->macrocap ? m->macrocap * 2 : 4;
    sd_macro *nm = realloc(m->macros, (size_t)ncap * sizeof *nm);
    if (!nm) { sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory"); return NULL; }
    m->macros = nm;
    m->macrocap = ncap;
  }
  mc = &m->macros[m->nmacros];
  memset(mc, 0, sizeof *mc);
  mc->name = sd_canon_name(&m->arena, name, strlen(name));
  mc->text = sd_arena_strdup(&m->arena, name);
  mc->params = sd_arena_alloc(&m->arena, (size_t)(nparams ? nparams : 1) * sizeof(char *));
  mc->outs = sd_arena_alloc(&m->arena, (size_t)(nouts ? nouts : 1) * sizeof(char *));
  if (!mc->name || !mc->text || !mc->params || !mc->outs) { sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory"); return NULL; }
  for (i = 0; i < nparams; i++)
    if (!(mc->params[i] = sd_canon_name(&m->arena, params[i], strlen(params[i])))) { sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory"); return NULL; }
  for (i = 0; i < nouts; i++)
    if (!(mc->outs[i] = sd_canon_name(&m->arena, outs[i], strlen(outs[i])))) { sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory"); return NULL; }
  mc->nparams = nparams;
  mc->nouts = nouts;
  mc->body = sd_model_new();
  if (!mc->body) { sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory"); return NULL; }
  m->nmacros++;
  return mc->body;
}

int sd_model_add_arrayed_lookup(sd_model *m, const char *name, const char *const *subs,
                                int nsubs, const double *x, const double *y, int n,
                                sd_error *err) {
  sd_def *d;
  int k;
  sd_error_clear(err);
  if (n < 1) return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, "lookup '%s' has no points", name);
  for (k = 1; k < n; k++)
    if (x[k] < x[k - 1])
      return sd_fail(err, SD_E_DEFINITION, name, NULL, 0, 0, "lookup '%s': x values must increase", name);
  d = new_def(m, name, subs, nsubs, NULL, err);
  if (!d) return -1;
  m->vars[sd_strmap_get(&m->index, sd_canon_name(&m->arena, name, strlen(name)))].kind = SD_LOOKUP;
  d->ntab = n;
  d->tx = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  d->ty = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  if (!d->tx || !d->ty) return sd_fail(err, SD_E_MEMORY, name, NULL, 0, 0, "out of memory");
  memcpy(d->tx, x, (size_t)n * sizeof(double));
  memcpy(d->ty, y, (size_t)n * sizeof(double));
  return 0;
}

int sd_model_add_dim_map(sd_model *m, const char *from, const char *to,
                         const char *const *elems, int n, sd_error *err) {
  char *cf = sd_canon_name(&m->arena, from, strlen(from));
  int di = cf ? sd_strmap_get(&m->dim_index, cf) : -1, i;
  sd_dim *d;
  sd_dimmap *nm;
  sd_error_clear(err);
  if (di < 0) return sd_fail(err, SD_E_NAME, from, NULL, 0, 0, "mapping from unknown subscript range '%s'", from);
  d = &m->dims[di];
  if (elems && n != d->n)
    return sd_fail(err, SD_E_DEFINITION, from, NULL, 0, 0,
                   "mapping of '%s' lists %d elements, but the range has %d", from, n, d->n);
  nm = sd_arena_alloc(&m->arena, (size_t)(d->nmaps + 1) * sizeof *nm);
  if (!nm) return sd_fail(err, SD_E_MEMORY, from, NULL, 0, 0, "out of memory");
  if (d->nmaps) memcpy(nm, d->maps, (size_t)d->nmaps * sizeof *nm);
  nm[d->nmaps].to = sd_canon_name(&m->arena, to, strlen(to));
  nm[d->nmaps].elems = NULL;
  if (elems) {
    nm[d->nmaps].elems = sd_arena_alloc(&m->arena, (size_t)n * sizeof(char *));
    if (!nm[d->nmaps].elems) return sd_fail(err, SD_E_MEMORY, from, NULL, 0, 0, "out of memory");
    for (i = 0; i < n; i++) nm[d->nmaps].elems[i] = sd_canon_name(&m->arena, elems[i], strlen(elems[i]));
  }
  d->maps = nm;
  d->nmaps++;
  return 0;
}

/* ---- data variables ---- */

int sd_model_add_data(sd_model *m, const char *name, const char *const *subs, int nsubs,
                      const double *x, const double *y, int n, sd_data_mode mode,
                      const sd_srcpos *pos, sd_error *err) {
  double *tx, *ty;
  int k;
  sd_error_clear(err);
  if (n < 1)
    return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "data variable '%s' has no values", name);
  if (mode != SD_DATA_LINEAR && mode != SD_DATA_HOLD && mode != SD_DATA_FORWARD && mode != SD_DATA_RAW)
    return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "data variable '%s': unknown mode", name);
  for (k = 0; k < n; k++) {
    if (!isfinite(x[k]) || y[k] != y[k])
      return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0,
                     "data variable '%s': point %d is not a finite number", name, k + 1);
    if (k > 0 && x[k] <= x[k - 1])
      return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0,
                     "data variable '%s': times must increase (point %d: %g after %g)",
                     name, k + 1, x[k], x[k - 1]);
  }
  tx = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  ty = sd_arena_alloc(&m->arena, (size_t)n * sizeof(double));
  if (!tx || !ty) return sd_fail(err, SD_E_MEMORY, name, pos, 0, 0, "out of memory");
  memcpy(tx, x, (size_t)n * sizeof(double));
  memcpy(ty, y, (size_t)n * sizeof(double));
  if (nsubs > 0) {
    sd_def *d = new_def(m, name, subs, nsubs, pos, err);
    if (!d) return -1;
    d->is_data = 1;
    d->data_mode = (int)mode;
    d->ntab = n; d->tx = tx; d->ty = ty;
  } else {
    sd_var *v = new_var(m, name, pos, err);
    if (!v) return -1;
    if (v->is_control)
      return sd_fail(err, SD_E_DEFINITION, name, pos, 0, 0, "'%s' cannot be a data variable", name);
    v->kind = SD_AUX;
    v->is_data = 1;
    v->data_mode = (int)mode;
    v->ntab = n; v->tx = tx; v->ty = ty;
  }
  return 0;
}
