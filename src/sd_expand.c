/*
 * sd_expand.c -- stage 1b of the compiler (sd_compile.c): arrayed variables expanded to
 * one variable per element, each with the definition that covers it.
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
int expand_arrayed(cc *c, int vi) {
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
int register_outputs(cc *c, const sd_node *n) {
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

