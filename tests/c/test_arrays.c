/* test_arrays.c -- subscript ranges, arrayed variables expanded per
 * element, lists of numbers, piecewise definitions, subranges, and SUM,
 * PROD, VMIN, VMAX over ranges marked '!'. */
#include "test_helpers.h"

static sd_program *build(sd_model *m) {
  sd_error err;
  sd_program *p = sd_compile(m, &err);
  if (!p) fprintf(stderr, "compile: %s (%s, line %d col %d)\n", err.msg, err.var, err.line, err.col);
  sd_model_free(m);
  return p;
}

static void test_one_dimension(void) {
  static const char *const dim[] = { "Entry 1", "Entry 2", "Entry 3" };
  static const char *const sub[] = { "One Dimensional Subscript" };
  static const char *const e2[] = { "Entry 2" };
  static const double rates[] = { 0.01, 0.02, 0.03 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r;
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "10", NULL, &err) == 0);
  CHECK(sd_model_add_dim(m, "One Dimensional Subscript", dim, 3, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "Rate A", sub, 1, rates, 3, NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "Inflow A", SD_AUX, sub, 1, "Rate A[One Dimensional Subscript] * 100", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed_stock(m, "Stock A", sub, 1, "Inflow A[One Dimensional Subscript]", NULL, "0", NULL, &err) == 0);
  CHECK(sd_model_add(m, "total", SD_AUX, "SUM(Stock A[One Dimensional Subscript!])", NULL, &err) == 0);
  CHECK(sd_model_add(m, "second", SD_AUX, "Stock A[Entry 2]", NULL, &err) == 0);
  CHECK(sd_model_add(m, "biggest", SD_AUX, "VMAX(Inflow A[One Dimensional Subscript!])", NULL, &err) == 0);
  CHECK(sd_model_add(m, "smallest", SD_AUX, "VMIN(Inflow A[One Dimensional Subscript!])", NULL, &err) == 0);
  CHECK(sd_model_add(m, "product", SD_AUX, "PROD(Inflow A[One Dimensional Subscript!])", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "piece", SD_AUX, e2, 1, "7", NULL, &err) == 0);
  p = build(m);
  CHECK(p != NULL);
  if (!p) return;
  CHECK(sd_program_find(p, "Stock A[Entry 3]") >= 0);
  CHECK(sd_program_find(p, "stock_a[entry 3]") >= 0);
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  CHECK_NEAR(t_at(p, &r, "Stock A[Entry 3]", 10), 30, 1e-12);
  CHECK_NEAR(t_at(p, &r, "total", 10), 60, 1e-12);
  CHECK_NEAR(t_at(p, &r, "second", 5), 10, 1e-12);
  CHECK(t_at(p, &r, "biggest", 0) == 3 && t_at(p, &r, "smallest", 0) == 1);
  CHECK_NEAR(t_at(p, &r, "product", 0), 6, 1e-12);
  CHECK(t_at(p, &r, "piece[Entry 2]", 0) == 7 && t_at(p, &r, "piece[Entry 1]", 0) == 0);
  t_free(&r);
  sd_program_free(p);
}

static void test_two_dimensions_and_subranges(void) {
  static const char *const rows[] = { "r1", "r2", "r3" };
  static const char *const sub_rows[] = { "r2", "r3" };
  static const char *const cols[] = { "c1", "c2" };
  static const char *const rc[] = { "Rows", "Cols" };
  static const char *const sc[] = { "Sub", "Cols" };
  static const char *const r1c[] = { "r1", "Cols" };
  static const char *const r_only[] = { "Rows" };
  static const double table[] = { 1, 2, 3, 4, 5, 6 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r;
  CHECK(sd_model_add_dim(m, "Rows", rows, 3, &err) == 0);
  CHECK(sd_model_add_dim(m, "Sub", sub_rows, 2, &err) == 0);
  CHECK(sd_model_add_dim(m, "Cols", cols, 2, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "t", rc, 2, table, 6, NULL, &err) == 0);
  /* piecewise: a subrange with one equation, an element row with another */
  CHECK(sd_model_add_arrayed(m, "u", SD_AUX, sc, 2, "t[Sub, Cols] * 10", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "u", SD_AUX, r1c, 2, "-t[r1, Cols]", NULL, &err) == 0);
  /* transposed use and a sum over one of two dimensions */
  CHECK(sd_model_add_arrayed(m, "rowsum", SD_AUX, r_only, 1, "SUM(t[Rows, Cols!])", NULL, &err) == 0);
  CHECK(sd_model_add(m, "all", SD_AUX, "SUM(t[Rows!, Cols!])", NULL, &err) == 0);
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "1", NULL, &err) == 0);
  p = build(m);
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  CHECK(t_at(p, &r, "t[r2,c1]", 0) == 3 && t_at(p, &r, "t[r3,c2]", 0) == 6);
  CHECK(t_at(p, &r, "u[r1,c2]", 0) == -2 && t_at(p, &r, "u[r3,c1]", 0) == 50);
  CHECK(t_at(p, &r, "rowsum[r2]", 0) == 7);
  CHECK(t_at(p, &r, "all", 0) == 21);
  t_free(&r);
  sd_program_free(p);
}

static void test_errors(void) {
  static const char *const dim[] = { "a", "b" };
  static const char *const d[] = { "D" };
  sd_model *m;
  sd_error err;
  m = sd_model_new();
  sd_model_add_dim(m, "D", dim, 2, &err);
  sd_model_add_arrayed(m, "x", SD_AUX, d, 1, "1", NULL, &err);
  sd_model_add(m, "y", SD_AUX, "x + 1", NULL, &err);
  CHECK(sd_compile(m, &err) == NULL && err.code == SD_E_NAME && strstr(err.msg, "subscript"));
  sd_model_free(m);
  m = sd_model_new();
  sd_model_add_dim(m, "D", dim, 2, &err);
  sd_model_add_arrayed(m, "x", SD_AUX, d, 1, "1", NULL, &err);
  sd_model_add(m, "y", SD_AUX, "x[nowhere]", NULL, &err);
  CHECK(sd_compile(m, &err) == NULL && err.code == SD_E_NAME && strstr(err.msg, "nowhere"));
  sd_model_free(m);
  m = sd_model_new();
  sd_model_add_dim(m, "D", dim, 2, &err);
  sd_model_add_arrayed(m, "x", SD_AUX, d, 1, "1", NULL, &err);
  sd_model_add(m, "y", SD_AUX, "SUM(x[D])", NULL, &err);
  CHECK(sd_compile(m, &err) == NULL && strstr(err.msg, "!"));
  sd_model_free(m);
}

/* Macros: every call gets its own copy of the body (stocks included);
 * extra outputs after ':' become model variables. */
static void test_macros(void) {
  static const char *const params[] = { "input", "rate" };
  static const char *const outs[] = { "doubled" };
  sd_model *m = sd_model_new(), *body;
  sd_error err;
  sd_program *p;
  trun r;
  body = sd_model_add_macro(m, "ACCUM", params, 2, outs, 1, &err);
  CHECK(body != NULL);
  if (!body) return;
  CHECK(sd_model_add_stock(body, "ACCUM", "input * rate", "0", NULL, &err) == 0);
  CHECK(sd_model_add(body, "doubled", SD_AUX, "ACCUM * 2", NULL, &err) == 0);
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "4", NULL, &err) == 0);
  CHECK(sd_model_add(m, "a", SD_AUX, "ACCUM(1, 2)", NULL, &err) == 0);
  CHECK(sd_model_add(m, "b", SD_AUX, "ACCUM(Time, 1 : twice b)", NULL, &err) == 0);
  CHECK(sd_model_add(m, "c", SD_AUX, "twice b + a", NULL, &err) == 0);
  p = build(m);
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  CHECK(t_at(p, &r, "a", 4) == 8);                 /* 2 per step, 4 steps */
  CHECK(t_at(p, &r, "b", 4) == 0 + 1 + 2 + 3);     /* Euler sum of Time */
  CHECK(t_at(p, &r, "twice b", 4) == 12);
  CHECK(t_at(p, &r, "c", 4) == 20);
  t_free(&r);
  sd_program_free(p);
  /* wrong number of arguments */
  m = sd_model_new();
  body = sd_model_add_macro(m, "ACCUM", params, 2, outs, 0, &err);
  sd_model_add_stock(body, "ACCUM", "input * rate", "0", NULL, &err);
  sd_model_add(m, "a", SD_AUX, "ACCUM(1)", NULL, &err);
  CHECK(sd_compile(m, &err) == NULL && err.code == SD_E_ARITY);
  sd_model_free(m);
}

int main(void) {
  RUN(test_macros);
  RUN(test_one_dimension);
  RUN(test_two_dimensions_and_subranges);
  RUN(test_errors);
  return SD_TEST_SUMMARY();
}
