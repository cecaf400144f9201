/*
 * fz_common.h -- what the fuzz harnesses, the corpus driver and the C
 * regression tests share: a C twin of the R layer's .mdl loader (the
 * records of sd_mdl_read() turned into an sd_model, as R/read.R's
 * mdl_model() and src/r_compile.c's add_spec() do), and a bounded run.
 *
 * The loader exists so that the engine can be driven from a .mdl file
 * without R (under libFuzzer and the sanitizers).  It follows the R code
 * closely but skips what needs R: GET XLS/GET DIRECT data is not read
 * (those records are left out, so such models fail to compile with an
 * unknown name, which is a clean error).
 *
 * Header-only (static functions), like tests/c/test_helpers.h, so each
 * program that uses it is one translation unit plus the engine.
 */
#ifndef FZ_COMMON_H
#define FZ_COMMON_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_engine.h"
#include "sd_mdl.h"

#ifdef __GNUC__
#define FZ_UNUSED __attribute__((unused))
#else
#define FZ_UNUSED
#endif

/* ---- names ---------------------------------------------------------- */

/* Canonical names are made in the loader's arena (one block serves many:
 * comparing names must not cost an allocation each). */
static FZ_UNUSED const char *fz_canon(sd_arena *a, const char *s) {
  const char *c = s ? sd_canon_name(a, s, strlen(s)) : NULL;
  return c ? c : "";
}

static FZ_UNUSED int fz_is_control(sd_arena *a, const char *name) {
  static const char *const ctl[] = { "initial time", "final time", "time step", "saveper" };
  const char *c = fz_canon(a, name);
  int k;
  for (k = 0; k < 4; k++) if (strcmp(c, ctl[k]) == 0) return k;
  return -1;
}

static FZ_UNUSED int fz_starts_get(const char *eqn) {
  while (eqn && (*eqn == ' ' || *eqn == '\t')) eqn++;
  return eqn && (strncmp(eqn, "GET ", 4) == 0 || strncmp(eqn, "get ", 4) == 0);
}

/* ---- subscript ranges ---------------------------------------------- */

/* A growing list of element names (pointers into the records' arena). */
typedef struct fz_list { const char **v; int n, cap; } fz_list;

static FZ_UNUSED int fz_push(fz_list *l, const char *s) {
  if (l->n == l->cap) {
    int ncap = l->cap ? 2 * l->cap : 16;
    const char **nv = realloc((void *)l->v, (size_t)ncap * sizeof *nv);
    if (!nv) return -1;
    l->v = nv;
    l->cap = ncap;
  }
  l->v[l->n++] = s;
  return 0;
}

/* What the range expansion needs: the records, a map from canonical
 * range name to its record, and each range's expansion once made
 * (state 0 not yet, 1 being made, 2 done). */
typedef struct fz_dims {
  const sd_mdl *m;
  sd_arena *a;
  sd_strmap index;
  fz_list *memo;
  char *state;
} fz_dims;

/* The elements of range record r, ranges listed among them replaced by
 * their elements (R: mdl_dims(), memoized like it): a range met again
 * while it is being made is a cycle (-2); more than `limit` elements is
 * -3.  The result is D->memo[r]. */
static FZ_UNUSED int fz_expand(fz_dims *D, int r, int depth, int limit) {
  const sd_mdl_rec *rec = &D->m->recs[r];
  fz_list *out = &D->memo[r];
  int k, j;
  if (D->state[r] == 2) return 0;
  if (D->state[r] == 1) return -2;
  if (depth >= 100) return -4;           /* as R: nested more than 100 deep */
  D->state[r] = 1;
  for (k = 0; k < rec->nsubs; k++) {
    int d = sd_strmap_get(&D->index, fz_canon(D->a, rec->subs[k]));
    if (d >= 0) {
      int rc = fz_expand(D, d, depth + 1, limit);
      if (rc != 0) return rc;
      for (j = 0; j < D->memo[d].n; j++)
        if (fz_push(out, D->memo[d].v[j]) != 0) return -1;
    } else if (fz_push(out, rec->subs[k]) != 0) {
      return -1;
    }
    if (out->n > limit) return -3;
  }
  D->state[r] = 2;
  return 0;
}

/* ---- the loader ------------------------------------------------------ */

static FZ_UNUSED const sd_srcpos *fz_pos(sd_srcpos *pos, const char *file, int line, int col) {
  if (line <= 0) return NULL;
  pos->file = file;
  pos->line = line;
  pos->col = col;
  return pos;
}

/* Equations that are a single number (R: is_number_text()). */
static FZ_UNUSED int fz_is_number(const char *s) {
  char *end;
  if (!s) return 0;
  while (*s == ' ' || *s == '\t') s++;
  if (!(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9'))) return 0;
  (void)strtod(s, &end);
  if (end == s) return 0;
  while (*end == ' ' || *end == '\t') end++;
  return *end == '\0';
}

/* Add record i to model m, as R's mdl_var() + add_spec() do. */
static FZ_UNUSED int fz_add_var(sd_model *m, const sd_mdl *md, int i, const char *file, sd_error *err) {
  const sd_mdl_rec *r = &md->recs[i];
  sd_srcpos p1, p2;
  const sd_srcpos *pp = fz_pos(&p1, file, r->eqn_line, r->eqn_col);
  const sd_srcpos *ip = fz_pos(&p2, file, r->init_line, r->init_col);
  const char *eqn = r->eqn ? r->eqn : "NA", *init = r->init ? r->init : "NA";
  int rc, x;
  if (r->nvals > 0 && r->nsubs > 0) {
    rc = sd_model_add_arrayed_values(m, r->name, r->subs, r->nsubs, r->vals, r->nvals, pp, err);
  } else if (r->kind == SD_LOOKUP) {
    if (r->nsubs > 0) rc = sd_model_add_arrayed_lookup(m, r->name, r->subs, r->nsubs, r->x, r->y, r->npts, err);
    else rc = sd_model_add_lookup(m, r->name, r->x, r->y, r->npts, err);
  } else if (r->kind == SD_STOCK) {
    if (r->nsubs > 0) rc = sd_model_add_arrayed_stock(m, r->name, r->subs, r->nsubs, eqn, pp, init, ip, err);
    else rc = sd_model_add_stock_at(m, r->name, eqn, pp, init, ip, err);
  } else {
    sd_kind k = fz_is_number(r->eqn) ? SD_CONST : SD_AUX;
    if (r->nsubs > 0) rc = sd_model_add_arrayed(m, r->name, k, r->subs, r->nsubs, eqn, pp, err);
    else rc = sd_model_add(m, r->name, k, eqn, pp, err);
  }
  for (x = 0; rc == 0 && r->nsubs > 0 && x < r->nexc; x++)
    rc = sd_model_add_except(m, r->name, r->exc[x], r->nsubs, err);
  return rc;
}

/* The model the R layer would build from these records (without GET
 * data), or NULL with err filled.  `elem_limit` caps the elements of one
 * subscript range after expansion. */
static FZ_UNUSED sd_model *fz_mdl_model(const sd_mdl *md, const char *file, int elem_limit,
                                        sd_error *err) {
  sd_model *m = sd_model_new();
  int i, ctl[4] = { -1, -1, -1, -1 }, k, rc = 0;
  sd_arena a;
  fz_dims D;
  sd_arena_init(&a);
  D.m = md;
  D.a = &a;
  sd_strmap_init(&D.index);
  D.memo = calloc((size_t)(md->n ? md->n : 1), sizeof(fz_list));
  D.state = calloc((size_t)(md->n ? md->n : 1), 1);
  if (!m || !D.memo || !D.state) { free(D.memo); free(D.state); sd_model_free(m); return NULL; }
  for (i = 0; i < md->n; i++) {
    const char *c = fz_canon(&a, md->recs[i].name);
    if (md->recs[i].is_dim && sd_strmap_get(&D.index, c) < 0) sd_strmap_put(&D.index, c, i);
  }
  sd_error_clear(err);
  /* the time settings: top-level records named like them */
  for (i = 0; i < md->n; i++) {
    const sd_mdl_rec *r = &md->recs[i];
    if (r->macro >= 0 || r->is_macro || r->is_dim) continue;
    k = fz_is_control(&a, r->name);
    if (k >= 0 && ctl[k] < 0) ctl[k] = i;
  }
  for (k = 0; k < 4 && rc == 0; k++) {
    static const char *const names[] = { "INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER" };
    static const char *const dflt[] = { "0", "100", "1", "TIME STEP" };
    const char *e = ctl[k] >= 0 ? (md->recs[ctl[k]].eqn ? md->recs[ctl[k]].eqn : "NA") : dflt[k];
    rc = sd_model_add(m, names[k], SD_CONST, e, NULL, err);
  }
  /* ranges (not those read from a file), then their mappings */
  for (i = 0; i < md->n && rc == 0; i++) {
    const sd_mdl_rec *r = &md->recs[i];
    if (!r->is_dim || (r->eqn && fz_starts_get(r->eqn))) continue;
    rc = fz_expand(&D, i, 0, elem_limit);
    if (rc == -2) rc = sd_fail(err, SD_E_DEFINITION, r->name, NULL, 0, 0, "range defined through itself");
    else if (rc == -3) rc = sd_fail(err, SD_E_MEMORY, r->name, NULL, 0, 0, "range too large");
    else if (rc == -4) rc = sd_fail(err, SD_E_DEFINITION, r->name, NULL, 0, 0, "ranges nested too deeply");
    else if (rc != 0) rc = sd_fail(err, SD_E_MEMORY, r->name, NULL, 0, 0, "out of memory");
    else rc = sd_model_add_dim(m, r->name, D.memo[i].v, D.memo[i].n, err);
  }
  for (i = 0; i < md->n && rc == 0; i++) {
    const sd_mdl_rec *r = &md->recs[i];
    int x;
    if (!r->is_dim || (r->eqn && fz_starts_get(r->eqn))) continue;
    for (x = 0; x < r->nmaps && rc == 0; x++)
      rc = sd_model_add_dim_map(m, r->name, r->map_to[x], r->map_n[x] ? r->map_elems[x] : NULL,
                                r->map_n[x], err);
  }
  /* macros: a body model per header, filled with the records it holds */
  for (i = 0; i < md->n && rc == 0; i++) {
    const sd_mdl_rec *h = &md->recs[i];
    sd_model *body;
    int j;
    if (!h->is_macro) continue;
    body = sd_model_add_macro(m, h->name, h->subs, h->nsubs, h->outs, h->nouts, err);
    if (!body) { rc = -1; break; }
    for (j = 0; j < md->n && rc == 0; j++)
      if (md->recs[j].macro == i && !md->recs[j].is_dim && !fz_starts_get(md->recs[j].eqn))
        rc = fz_add_var(body, md, j, file, err);
  }
  /* the model's own variables */
  for (i = 0; i < md->n && rc == 0; i++) {
    const sd_mdl_rec *r = &md->recs[i];
    if (r->macro >= 0 || r->is_macro || r->is_dim) continue;
    if (i == ctl[0] || i == ctl[1] || i == ctl[2] || i == ctl[3]) continue;
    if (fz_starts_get(r->eqn)) continue;          /* needs a data file */
    rc = fz_add_var(m, md, i, file, err);
  }
  for (i = 0; i < md->n; i++) free((void *)D.memo[i].v);
  free(D.memo);
  free(D.state);
  sd_strmap_free(&D.index);
  sd_arena_free(&a);
  if (rc != 0) { sd_model_free(m); return NULL; }
  return m;
}

/* ---- bounded runs ---------------------------------------------------- */

typedef struct fz_limits {
  long max_steps;          /* integration steps (0: the model's own) */
  size_t max_doubles;      /* work memory + saved values, in doubles */
} fz_limits;

typedef struct fz_result {
  int ok;                  /* the run finished */
  long rows;
  int ncols;
  double *time, **cols;
  sd_error err;
} fz_result;

static FZ_UNUSED void fz_result_free(fz_result *r) {
  int k;
  if (r->cols) for (k = 0; k < r->ncols; k++) free(r->cols[k]);
  free(r->cols);
  free(r->time);
  memset(r, 0, sizeof *r);
}

/* The poll callback of bounded runs: stop after `left` polls (one per
 * step), so runs whose TIME STEP shrinks while running still end. */
static FZ_UNUSED int fz_poll(void *ud) {
  long *left = (long *)ud;
  return --*left < 0;
}

/* One run of p in dispatch d within the limits. */
static FZ_UNUSED fz_result fz_run(const sd_program *p, sd_dispatch d, const fz_limits *lim) {
  fz_result r;
  sd_run_opts o;
  sd_run_info info;
  size_t ws = sd_run_work_size(p);
  double *work = NULL;
  long left = 0;
  int k;
  memset(&r, 0, sizeof r);
  sd_run_opts_init(&o);
  o.dispatch = d;
  if (lim->max_steps > 0) {
    o.poll = fz_poll;
    o.poll_ud = &left;
    o.poll_every = 1;
  }
  if (ws > lim->max_doubles) { snprintf(r.err.msg, sizeof r.err.msg, "work too large"); return r; }
  work = malloc(ws * sizeof(double));
  if (!work) return r;
  if (sd_run_init(p, &o, work, &info, &r.err) != 0) goto done;
  if (lim->max_steps > 0 && info.n_steps > lim->max_steps) {
    /* a shorter run: FINAL TIME moved in, the rest as the model says */
    o.stop = info.start + (double)lim->max_steps * info.dt;
    if (sd_run_init(p, &o, work, &info, &r.err) != 0) goto done;
  }
  if (info.n_extra > lim->max_doubles - ws) { snprintf(r.err.msg, sizeof r.err.msg, "pipelines too large"); goto done; }
  {
    double *w2 = realloc(work, (ws + info.n_extra) * sizeof(double));
    if (!w2) goto done;
    work = w2;
  }
  if (info.dynamic_time) {
    long rows;
    left = 4 * lim->max_steps;
    rows = sd_run_count_rows(p, &o, work, &info, &r.err);
    if (rows < 0 || sd_run_init(p, &o, work, &info, &r.err) != 0) goto done;
    info.n_rows = rows;
  }
  r.ncols = sd_program_nvars(p);
  if ((double)info.n_rows * (r.ncols + 1) > (double)(lim->max_doubles - ws - info.n_extra)) {
    snprintf(r.err.msg, sizeof r.err.msg, "results too large");
    r.ncols = 0;
    goto done;
  }
  r.rows = info.n_rows;
  r.time = malloc((size_t)(r.rows ? r.rows : 1) * sizeof(double));
  r.cols = calloc((size_t)(r.ncols ? r.ncols : 1), sizeof(double *));
  if (!r.time || !r.cols) goto done;
  for (k = 0; k < r.ncols; k++)
    if (!(r.cols[k] = malloc((size_t)(r.rows ? r.rows : 1) * sizeof(double)))) goto done;
  left = 4 * lim->max_steps;
  r.ok = sd_run_steps(p, &o, work, &info, r.time, r.cols, &r.err) == 0;
done:
  free(work);
  return r;
}

/* Two values are the same result: equal bits, or both NaN (NaN payloads
 * may differ with the order in which a compiler evaluates operands). */
static FZ_UNUSED int fz_same_value(double a, double b) {
  return (a != a && b != b) || memcmp(&a, &b, sizeof a) == 0;
}

/* 1 if two runs gave the same results (both failed alike, or both
 * finished with the same values). */
static FZ_UNUSED int fz_same_result(const fz_result *a, const fz_result *b) {
  long i;
  int k;
  if (a->ok != b->ok) return 0;
  if (!a->ok) return a->err.code == b->err.code;
  if (a->rows != b->rows || a->ncols != b->ncols) return 0;
  for (i = 0; i < a->rows; i++) {
    if (!fz_same_value(a->time[i], b->time[i])) return 0;
    for (k = 0; k < a->ncols; k++)
      if (!fz_same_value(a->cols[k][i], b->cols[k][i])) return 0;
  }
  return 1;
}

/* The rewrites of finished bytecode (array runs, element loops) change no
 * value: m compiled without them gives the result `ref` of the default
 * compile, in the computed-goto loop.  1 if so (or if m no longer
 * compiles: it compiled once, so that would be a bug too: 0). */
static FZ_UNUSED int fz_same_without_rewrites(sd_model *m, const fz_result *ref, const fz_limits *lim) {
  sd_error err;
  sd_program *p0;
  fz_result r0;
  int same;
  sd_model_set_rewrite(m, 0);
  p0 = sd_compile(m, &err);
  sd_model_set_rewrite(m, 2);
  if (!p0) return 0;
  r0 = fz_run(p0, SD_DISPATCH_GOTO, lim);
  same = fz_same_result(&r0, ref);
  fz_result_free(&r0);
  sd_program_free(p0);
  return same;
}

/* ---- files ----------------------------------------------------------- */

/* A whole file as NUL-terminated text (NULL if it cannot be read), its
 * length in *n when n is given.  With unix_newlines, line ends become
 * what read_vensim() makes of them: \r\n and \r turn into \n. */
static FZ_UNUSED char *fz_slurp(const char *path, size_t *n, int unix_newlines) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long len;
  size_t i, j;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)len + 1);
  if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) { free(buf); buf = NULL; }
  fclose(f);
  if (!buf) return NULL;
  j = (size_t)len;
  if (unix_newlines) {
    for (i = j = 0; i < (size_t)len; i++) {
      if (buf[i] == '\r') { buf[j++] = '\n'; if (i + 1 < (size_t)len && buf[i + 1] == '\n') i++; }
      else buf[j++] = buf[i];
    }
  }
  buf[j] = '\0';
  if (n) *n = j;
  return buf;
}

#endif
