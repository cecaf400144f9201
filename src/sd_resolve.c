/*
 * sd_resolve.c -- stage 2 of the compiler (sd_compile.c): names resolved to variables,
 * builtins and lookups (arity checked), subscripts bound to elements, macros
 * instantiated, reductions and vector builtins expanded to their operands.
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

/* ---- subscripts ---- */

int dim_of(const cc *c, const char *name) { return sd_strmap_get(&c->m->dim_index, name); }

/* Position of element e in range d, or -1 (a hash lookup: ranges may
 * have 100,000 elements, and the compiler asks for every element). */
int elem_in(const sd_dim *d, const char *e) {
  return sd_strmap_get(&d->elem_index, e);
}

static int is_element(const cc *c, const char *e) {
  int i;
  for (i = 0; i < c->m->ndims; i++) if (elem_in(&c->m->dims[i], e) >= 0) return 1;
  return 0;
}

int bind_push(cc *c, const char *dim, const char *elem) {
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

/* 1 if tree n goes more than `left` levels down (the walk stops there). */
int too_deep(const sd_node *n, int left) {
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
    c->v[ci].owner = save_cur;
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
