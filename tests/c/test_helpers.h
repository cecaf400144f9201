/* test_helpers.h -- build, compile and run small models in C tests. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H
#include <stdlib.h>
#include <string.h>
#include "sd_engine.h"
#include "sd_test.h"

#ifdef __GNUC__
#define SD_MAYBE_UNUSED __attribute__((unused))
#else
#define SD_MAYBE_UNUSED
#endif

/* A definition: "name", "equation"; a name starting with '$' is a stock
 * whose equation is "rate ; init"; a name starting with '@' is a lookup
 * with "x1 y1 x2 y2 ...". */
typedef struct tdef { const char *name, *eqn; } tdef;

SD_MAYBE_UNUSED static sd_program *t_build(const tdef *d, int n, int method, sd_error *err) {
  sd_model *m = sd_model_new();
  sd_program *p;
  int i, rc = 0;
  sd_model_set_method(m, (sd_method)method);
  for (i = 0; i < n && rc == 0; i++) {
    if (d[i].name[0] == '$') {
      char buf[1024];
      const char *semi = strchr(d[i].eqn, ';');
      size_t k = (size_t)(semi - d[i].eqn);
      memcpy(buf, d[i].eqn, k);
      buf[k] = '\0';
      rc = sd_model_add_stock(m, d[i].name + 1, buf, semi + 1, NULL, err);
    } else if (d[i].name[0] == '@') {
      double v[256];
      int k = 0;
      char *s = (char *)d[i].eqn, *e;
      for (;;) { double x = strtod(s, &e); if (e == s) break; v[k++] = x; s = e; }
      {
        double xs[128], ys[128];
        int j;
        for (j = 0; j < k / 2; j++) { xs[j] = v[2 * j]; ys[j] = v[2 * j + 1]; }
        rc = sd_model_add_lookup(m, d[i].name + 1, xs, ys, k / 2, err);
      }
    } else {
      rc = sd_model_add(m, d[i].name, SD_AUX, d[i].eqn, NULL, err);
    }
  }
  p = rc == 0 ? sd_compile(m, err) : NULL;
  sd_model_free(m);
  return p;
}

/* A run's output: times and all visible variables. */
typedef struct trun {
  sd_run_info info;
  double *time;
  double **cols;
  int ncols;
  int ok;
  sd_error err;
} trun;

SD_MAYBE_UNUSED static trun t_run_opts(const sd_program *p, sd_run_opts *o) {
  trun r;
  double *work = malloc(sd_run_work_size(p) * sizeof(double));
  int i;
  memset(&r, 0, sizeof r);
  r.ncols = sd_program_nvars(p);
  if (sd_run_init(p, o, work, &r.info, &r.err) == 0) {
    if (r.info.n_extra) work = realloc(work, (sd_run_work_size(p) + r.info.n_extra) * sizeof(double));
    r.time = malloc((size_t)r.info.n_rows * sizeof(double));
    r.cols = malloc((size_t)r.ncols * sizeof(double *));
    for (i = 0; i < r.ncols; i++) r.cols[i] = malloc((size_t)r.info.n_rows * sizeof(double));
    r.ok = sd_run_steps(p, o, work, &r.info, r.time, r.cols, &r.err) == 0;
  }
  free(work);
  return r;
}

SD_MAYBE_UNUSED static trun t_run(const sd_program *p, sd_dispatch d) {
  sd_run_opts o;
  sd_run_opts_init(&o);
  o.dispatch = d;
  return t_run_opts(p, &o);
}

SD_MAYBE_UNUSED static void t_free(trun *r) {
  int i;
  if (r->cols) for (i = 0; i < r->ncols; i++) free(r->cols[i]);
  free(r->cols);
  free(r->time);
  memset(r, 0, sizeof *r);
}

/* Value of variable `name` at time t (NaN if absent). */
SD_MAYBE_UNUSED static double t_at(const sd_program *p, const trun *r, const char *name, double t) {
  int v = sd_program_find(p, name);
  long k;
  if (v < 0 || !r->ok) return NAN;
  for (k = 0; k < r->info.n_rows; k++)
    if (fabs(r->time[k] - t) < 1e-9) return r->cols[v][k];
  return NAN;
}

/* Bit-for-bit equality of two runs. */
SD_MAYBE_UNUSED static int t_identical(const trun *a, const trun *b) {
  int i;
  if (!a->ok || !b->ok || a->info.n_rows != b->info.n_rows || a->ncols != b->ncols) return 0;
  if (memcmp(a->time, b->time, (size_t)a->info.n_rows * sizeof(double)) != 0) return 0;
  for (i = 0; i < a->ncols; i++)
    if (memcmp(a->cols[i], b->cols[i], (size_t)a->info.n_rows * sizeof(double)) != 0) return 0;
  return 1;
}
#endif
