/* test_optimize.c -- the compiler's optimizations keep every value: common
 * subexpressions met first inside a branch that does not run, variables
 * that only copy another, IF THEN ELSE with a value arm (CMOVJ/CMOVJZ),
 * lookups that remember their segment when the input moves back and
 * forth, reductions in one opcode; and the counting loop counts what the
 * other loops run. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "test_helpers.h"

static sd_program *build(const tdef *d, int n) {
  sd_error err;
  sd_program *p = t_build(d, n, SD_EULER, &err);
  if (!p) fprintf(stderr, "compile error: %s\n", err.msg);
  return p;
}
#define BUILD(d) build(d, (int)(sizeof d / sizeof d[0]))

/* m compiled with every rewrite level (none, array runs, element loops)
 * gives bit-identical runs, in both loops. */
static void check_levels(sd_model *m) {
  sd_program *p[3];
  trun r[3], rs;
  sd_error err;
  int lv;
  for (lv = 0; lv < 3; lv++) {
    sd_model_set_rewrite(m, lv);
    p[lv] = sd_compile(m, &err);
    CHECK(p[lv] != NULL);
    if (!p[lv]) { fprintf(stderr, "compile error: %s\n", err.msg); return; }
    r[lv] = t_run(p[lv], SD_DISPATCH_DEFAULT);
    CHECK(r[lv].ok);
    rs = t_run(p[lv], SD_DISPATCH_SWITCH);
    CHECK(t_identical(&r[lv], &rs));
    t_free(&rs);
  }
  CHECK(t_identical(&r[0], &r[1]));
  CHECK(t_identical(&r[0], &r[2]));
  for (lv = 0; lv < 3; lv++) { t_free(&r[lv]); sd_program_free(p[lv]); }
  sd_model_set_rewrite(m, 2);
}

/* check_levels(m), then m compiled at the default level and run in the
 * default loop: the program (NULL, and a failed check, if it does not
 * compile), its run in *r. */
static sd_program *levels_then_run(sd_model *m, trun *r) {
  sd_error err;
  sd_program *p;
  check_levels(m);
  p = sd_compile(m, &err);
  CHECK(p != NULL);
  if (!p) return NULL;
  *r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r->ok);
  return p;
}

/* Dispatches of the opcodes whose names start with `name` (all of them
 * for a full name) in a counting run of p, which must give ref. */
static double count_op(const sd_program *p, const trun *ref, const char *name) {
  sd_run_opts o;
  double counts[512], total = 0;
  trun rc;
  int j;
  memset(counts, 0, sizeof counts);
  sd_run_opts_init(&o);
  o.dispatch = SD_DISPATCH_COUNT;
  o.op_counts = counts;
  rc = t_run_opts(p, &o);
  CHECK(t_identical(ref, &rc));
  for (j = 0; j < sd_n_opcodes(); j++)
    if (strncmp(sd_opcode_name(j), name, strlen(name)) == 0 &&
        (name[strlen(name) - 1] == '_' || strlen(sd_opcode_name(j)) == strlen(name)))
      total += counts[j];
  t_free(&rc);
  return total;
}

/* A model from definitions (as t_build) at a rewrite level. */
static sd_model *model_of(const tdef *d, int n) {
  sd_model *m = sd_model_new();
  sd_error err;
  int i;
  for (i = 0; i < n; i++) CHECK(sd_model_add(m, d[i].name, SD_AUX, d[i].eqn, NULL, &err) == 0);
  return m;
}

static void test_cse_in_branches(void) {
  /* a*b first appears inside the branch of x that runs only after t = 5;
     y, computed after x, must not read a stale a*b before then */
  static const tdef d[] = {
    {"a", "Time + 1"}, {"b", "2"},
    {"x", "IF THEN ELSE(Time > 5, a * b, -1)"},
    {"y", "a * b + x"},
    {"z", "a * b"},                  /* shares y's a*b: a plain copy */
    {"FINAL TIME", "8"}
  };
  sd_program *p = BUILD(d);
  trun r;
  int t;
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  for (t = 0; t <= 8; t++) {
    double ab = (t + 1) * 2.0, x = t > 5 ? ab : -1;
    CHECK_NEAR(t_at(p, &r, "x", t), x, 0);
    CHECK_NEAR(t_at(p, &r, "y", t), ab + x, 0);
    CHECK_NEAR(t_at(p, &r, "z", t), ab, 0);
  }
  t_free(&r);
  sd_program_free(p);
}

static void test_copies_and_value_arms(void) {
  static const tdef d[] = {
    {"$s", "1 ; 0"},                  /* s = t */
    {"copy", "s"}, {"copy2", "copy"},
    {"then value", "IF THEN ELSE(s >= 3, 7, s * 10)"},
    {"else value", "IF THEN ELSE(s < 3, s * 10, 7)"},
    {"both", "IF THEN ELSE(s < 3, 1, 2)"},
    {"FINAL TIME", "6"}
  };
  sd_program *p = BUILD(d);
  trun r;
  int t;
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  for (t = 0; t <= 6; t++) {
    double v = t >= 3 ? 7 : t * 10.0;
    CHECK_NEAR(t_at(p, &r, "copy", t), t, 0);
    CHECK_NEAR(t_at(p, &r, "copy2", t), t, 0);
    CHECK_NEAR(t_at(p, &r, "then value", t), v, 0);
    CHECK_NEAR(t_at(p, &r, "else value", t), v, 0);
    CHECK_NEAR(t_at(p, &r, "both", t), t < 3 ? 1 : 2, 0);
  }
  t_free(&r);
  sd_program_free(p);
}

static void test_lookup_segments(void) {
  /* the input sweeps up, jumps back, and runs off both ends; every value
     must equal plain interpolation */
  static const tdef d[] = {
    {"@tbl", "0 0  1 10  2 0  4 40  8 0"},
    {"x", "MODULO(Time * 1.7, 11) - 1.5"},
    {"y", "tbl(x)"},
    {"FINAL TIME", "40"}, {"TIME STEP", "0.25"}
  };
  static const double xs[] = { 0, 1, 2, 4, 8 }, ys[] = { 0, 10, 0, 40, 0 };
  sd_program *p = BUILD(d);
  trun r;
  double t;
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  for (t = 0; t <= 40; t += 0.25) {
    double x = fmod(t * 1.7, 11) - 1.5, want;
    int k;
    if (x <= 0) want = 0;
    else if (x >= 8) want = 0;
    else {
      for (k = 0; xs[k + 1] <= x; k++) {}
      want = ys[k] + (x - xs[k]) * (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k]);
    }
    CHECK_NEAR(t_at(p, &r, "y", t), want, 1e-12);
  }
  t_free(&r);
  sd_program_free(p);
}

static void test_counting_loop(void) {
  /* the counting loop gives the same numbers as the others, and counts
     HALT once per program run: ctrl and init once, step once per step */
  static const tdef d[] = {
    {"$s", "g ; 1"}, {"g", "s * rate"}, {"rate", "0.1"},
    {"w", "IF THEN ELSE(Time > 2, g, 0)"}, {"FINAL TIME", "10"}
  };
  sd_program *p = BUILD(d);
  sd_run_opts o;
  trun a, c;
  double counts[512];
  int k, n = sd_n_opcodes(), halt = -1;
  double total = 0;
  CHECK(p != NULL && n < 512);
  if (!p) return;
  memset(counts, 0, sizeof counts);
  sd_run_opts_init(&o);
  o.dispatch = SD_DISPATCH_COUNT;
  o.op_counts = counts;
  c = t_run_opts(p, &o);
  a = t_run(p, SD_DISPATCH_SWITCH);
  CHECK(t_identical(&a, &c));
  for (k = 0; k < n; k++) {
    total += counts[k];
    if (strcmp(sd_opcode_name(k), "HALT") == 0) halt = k;
  }
  CHECK(halt >= 0);
  if (halt >= 0) CHECK_NEAR(counts[halt], 2 + 11, 0);   /* ctrl, init, 11 step passes */
  CHECK(total > counts[halt]);
  /* without counters the counting loop refuses to run */
  o.op_counts = NULL;
  t_free(&c);
  c = t_run_opts(p, &o);
  CHECK(!c.ok);
  t_free(&a);
  t_free(&c);
  sd_program_free(p);
}

static void test_array_runs(void) {
  /* element-by-element equations make runs of one operation that
     sd_vectorize() turns into one looping instruction: a * k (stride 1
     and 0), a * b[reversed] (negative stride), and a run whose middle is
     the target of a jump (the IF before it must still land there) */
  static const char *const dim[] = { "e1", "e2", "e3", "e4", "e5", "e6" };
  static const char *const sub[] = { "D" };
  static const double av[] = { 1, 2, 3, 4, 5, 6 }, dv[] = { 0, 1, 2, 0, 4, 5 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r, rs;
  int t, k;
  char name[32];
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "4", NULL, &err) == 0);
  CHECK(sd_model_add_dim(m, "D", dim, 6, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "a", sub, 1, av, 6, NULL, &err) == 0);
  CHECK(sd_model_add(m, "k", SD_AUX, "Time + 1", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "scaled", SD_AUX, sub, 1, "a[D] * k", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "sum", SD_AUX, sub, 1, "scaled[D] + a[D]", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "gated", SD_AUX, sub, 1, "IF THEN ELSE(Time > 2, scaled[D] - a[D], 0)", NULL, &err) == 0);
  /* runs of ZIDZ (zero divisors at e1 and e4), of three-source MULDIV, and of
     lookups with a table per element (all reading k only, so that their
     elements come out of the ordering together) */
  CHECK(sd_model_add(m, "kk", SD_AUX, "Time + 2", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "den", sub, 1, dv, 6, NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "safe", SD_AUX, sub, 1, "ZIDZ(k, den[D])", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "ratio", SD_AUX, sub, 1, "k * a[D] / kk", NULL, &err) == 0);
  for (k = 0; k < 6; k++) {
    const char *el[1];
    double tx[2], ty[2];
    el[0] = dim[k];
    tx[0] = 0; tx[1] = 100; ty[0] = k; ty[1] = k + 100;      /* tbl[ek](x) = k + x */
    CHECK(sd_model_add_arrayed_lookup(m, "tbl", el, 1, tx, ty, 2, &err) == 0);
  }
  CHECK(sd_model_add_arrayed(m, "looked", SD_AUX, sub, 1, "tbl[D](k)", NULL, &err) == 0);
  /* the element loops (level 2) would take these runs first */
  sd_model_set_rewrite(m, 1);
  p = sd_compile(m, &err);
  check_levels(m);
  sd_model_free(m);
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  rs = t_run(p, SD_DISPATCH_SWITCH);
  CHECK(r.ok && t_identical(&r, &rs));
  for (t = 0; t <= 4; t++)
    for (k = 0; k < 6; k++) {
      double sc = av[k] * (t + 1);
      snprintf(name, sizeof name, "scaled[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), sc, 0);
      snprintf(name, sizeof name, "sum[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), sc + av[k], 0);
      snprintf(name, sizeof name, "gated[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), t > 2 ? sc - av[k] : 0, 0);
      snprintf(name, sizeof name, "safe[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), dv[k] == 0 ? 0 : (t + 1) / dv[k], 0);
      snprintf(name, sizeof name, "ratio[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), (t + 1) * av[k] / (t + 2), 0);
      snprintf(name, sizeof name, "looked[e%d]", k + 1);
      CHECK_NEAR(t_at(p, &r, name, t), k + t + 1, 1e-12);
    }
  {
    /* the runs were found: the counting loop dispatches fewer than one
       instruction per element operation */
    sd_run_opts o;
    double counts[512];
    trun rc;
    int j;
    double total = 0;
    memset(counts, 0, sizeof counts);
    sd_run_opts_init(&o);
    o.dispatch = SD_DISPATCH_COUNT;
    o.op_counts = counts;
    rc = t_run_opts(p, &o);
    CHECK(t_identical(&r, &rc));
    for (j = 0; j < sd_n_opcodes(); j++)
      if (strcmp(sd_opcode_name(j), "VMUL") == 0) total += counts[j];
    CHECK(total >= 5);              /* scaled: one VMUL per step at least */
    for (j = 0; j < sd_n_opcodes(); j++) {
      const char *nm = sd_opcode_name(j);
      if (strcmp(nm, "VZIDZ") == 0 || strcmp(nm, "VMULDIV") == 0 || strcmp(nm, "VLOOKUP") == 0)
        CHECK(counts[j] >= 5);
    }
    t_free(&rc);
  }
  t_free(&r);
  t_free(&rs);
  sd_program_free(p);
}

static void test_compare_move_jump(void) {
  /* IF THEN ELSE(x cmp y, value, expr) in one instruction: every
     comparison, both arms as the value, and NaN (every comparison false
     but <>) */
  static const char *const ops[] = { "=", "<>", "<", ">", "<=", ">=" };
  char eq[12][96], names[12][8];
  tdef d[16];
  sd_program *p;
  trun r;
  int i, t, n = 0;
  d[n].name = "x"; d[n++].eqn = "IF THEN ELSE(Time = 4, 0 / 0, Time - 2)";
  for (i = 0; i < 6; i++) {
    snprintf(names[2 * i], 8, "t%d", i);
    snprintf(eq[2 * i], 96, "IF THEN ELSE(x %s 0, 7, x * 10)", ops[i]);
    snprintf(names[2 * i + 1], 8, "e%d", i);
    snprintf(eq[2 * i + 1], 96, "IF THEN ELSE(x %s 0, x * 10, 7)", ops[i]);
    d[n].name = names[2 * i]; d[n++].eqn = eq[2 * i];
    d[n].name = names[2 * i + 1]; d[n++].eqn = eq[2 * i + 1];
  }
  d[n].name = "FINAL TIME"; d[n++].eqn = "5";
  p = build(d, n);
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  for (t = 0; t <= 5; t++) {
    double x = t == 4 ? NAN : t - 2.0;
    int c[6];
    c[0] = x == 0; c[1] = x != 0; c[2] = x < 0; c[3] = x > 0; c[4] = x <= 0; c[5] = x >= 0;
    for (i = 0; i < 6; i++) {
      double then_v = c[i] ? 7 : x * 10, else_v = c[i] ? x * 10 : 7;
      double got_t = t_at(p, &r, names[2 * i], t), got_e = t_at(p, &r, names[2 * i + 1], t);
      CHECK(got_t == then_v || (then_v != then_v && got_t != got_t));
      CHECK(got_e == else_v || (else_v != else_v && got_e != got_e));
    }
  }
  t_free(&r);
  sd_program_free(p);
}


static void test_and_select(void) {
  /* IF THEN ELSE(p :AND: q, x, y) with value arms in one instruction
     (ANDSEL), and with an equality in the condition (EQANDSEL, on either
     side of the AND); NaN in the operands: NaN = anything is false,
     NaN :AND: 1 is true (NaN is not 0) */
  static const tdef d[] = {
    {"p", "IF THEN ELSE(Time = 3, 0 / 0, MODULO(Time, 3))"},
    {"q", "MODULO(Time, 2)"},
    {"r", "IF THEN ELSE(Time = 5, 0 / 0, MODULO(Time + 1, 2))"},
    {"s1", "IF THEN ELSE(p = q :AND: r, 7, -7)"},
    {"s2", "IF THEN ELSE(r :AND: p = q, 7, -7)"},
    {"s3", "IF THEN ELSE(p :AND: r, q, 9)"},
    {"s4", "IF THEN ELSE(p > q :AND: r, p, q)"},
    {"FINAL TIME", "8"}
  };
  sd_model *m = model_of(d, (int)(sizeof d / sizeof d[0]));
  sd_program *p;
  sd_error err;
  trun r, rs;
  int t;
  check_levels(m);
  sd_model_set_rewrite(m, 1);     /* s1 and s2 would become one element loop */
  p = sd_compile(m, &err);
  sd_model_free(m);
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  rs = t_run(p, SD_DISPATCH_SWITCH);
  CHECK(r.ok && t_identical(&r, &rs));
  for (t = 0; t <= 8; t++) {
    double pv = t == 3 ? NAN : fmod(t, 3), qv = fmod(t, 2), rv = t == 5 ? NAN : fmod(t + 1, 2);
    int eqr = (pv == qv) && rv != 0, pr = pv != 0 && rv != 0, gr = (pv > qv) && rv != 0;
    double s4 = gr ? pv : qv;
    CHECK(t_at(p, &r, "s1", t) == (eqr ? 7 : -7));
    CHECK(t_at(p, &r, "s2", t) == (eqr ? 7 : -7));
    CHECK(t_at(p, &r, "s3", t) == (pr ? qv : 9));
    CHECK(t_at(p, &r, "s4", t) == s4 || (s4 != s4 && t_at(p, &r, "s4", t) != t_at(p, &r, "s4", t)));
  }
  /* s1 and s2 are one EQANDSEL each, s3 and s4 one ANDSEL each */
  CHECK(count_op(p, &r, "EQANDSEL") == 2 * 10);   /* 9 steps and the initial pass */
  CHECK(count_op(p, &r, "ANDSEL") == 2 * 10);
  CHECK(count_op(p, &r, "AND") == 0);
  t_free(&r);
  t_free(&rs);
  sd_program_free(p);
}

static void test_square(void) {
  /* x ^ 2 is x * x (its correctly rounded square), whether the exponent is
     a number or a variable, folded or run; other exponents are pow() */
  static const tdef d[] = {
    {"x", "IF THEN ELSE(Time = 3, 0 / 0, (Time - 2) * 1.1)"}, {"two", "2"},
    {"s1", "x ^ 2"}, {"s2", "x ^ two"}, {"c", "1.1 ^ 2"}, {"h", "x ^ 0.5"}, {"FINAL TIME", "5"}
  };
  sd_program *p = build(d, (int)(sizeof d / sizeof d[0]));
  trun r;
  int t;
  CHECK(p != NULL);
  if (!p) return;
  r = t_run(p, SD_DISPATCH_DEFAULT);
  CHECK(r.ok);
  for (t = 0; t <= 5; t++) {
    double x = t == 3 ? NAN : (t - 2) * 1.1, h = pow(x, 0.5);
    CHECK(t_at(p, &r, "s1", t) == x * x || (x != x && t_at(p, &r, "s1", t) != t_at(p, &r, "s1", t)));
    CHECK(t_at(p, &r, "s2", t) == x * x || (x != x && t_at(p, &r, "s2", t) != t_at(p, &r, "s2", t)));
    CHECK(t_at(p, &r, "h", t) == h || (h != h && t_at(p, &r, "h", t) != t_at(p, &r, "h", t)));
  }
  CHECK(t_at(p, &r, "c", 0) == 1.1 * 1.1);
  t_free(&r);
  sd_program_free(p);
}

static void test_element_loops(void) {
  /* arrayed equations whose elements are blocks of the same operations:
     one element loop per position, at every rewrite level the same
     values; with a shared scratch temporary (the condition of the IF),
     a SAMPLE IF TRUE state per element, a lookup per element, and an
     element-shifting recurrence (each element reads the one before it,
     at an earlier position of its block: not reordered) */
  static const char *const dim[] = { "e1", "e2", "e3", "e4", "e5" };
  static const char *const sub[] = { "D" };
  static const double av[] = { 1, 2, 0, 4, 5 }, bv[] = { 3, 2, 1, 0, -1 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r;
  double counts[512], wops = 0, all = 0;
  sd_run_opts o;
  int t, k, j;
  char name[32];
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "6", NULL, &err) == 0);
  CHECK(sd_model_add(m, "TIME STEP", SD_CONST, "0.5", NULL, &err) == 0);
  CHECK(sd_model_add_dim(m, "D", dim, 5, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "a", sub, 1, av, 5, NULL, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "b", sub, 1, bv, 5, NULL, &err) == 0);
  CHECK(sd_model_add(m, "g", SD_AUX, "Time / 2", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "mixed", SD_AUX, sub, 1,
                             "IF THEN ELSE(a[D] * g > b[D], MAX(a[D] - g, 0) / (b[D] + 2), ZIDZ(g, a[D]))",
                             NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "held", SD_AUX, sub, 1,
                             "SAMPLE IF TRUE(Time <= TIME STEP + a[D], mixed[D] * 2, -1)", NULL, &err) == 0);
  for (k = 0; k < 5; k++) {
    const char *el[1];
    char eq[96];
    el[0] = dim[k];
    if (k == 0) snprintf(eq, sizeof eq, "a[e1] + g");
    else snprintf(eq, sizeof eq, "chain[%s] * 0.5 + a[%s] + g", dim[k - 1], dim[k]);
    CHECK(sd_model_add_arrayed(m, "chain", SD_AUX, el, 1, eq, NULL, &err) == 0);
  }
  p = levels_then_run(m, &r);
  if (!p) { sd_model_free(m); return; }
  for (t = 0; t <= 12; t++) {
    double time = t * 0.5, g = time / 2;
    for (k = 0; k < 5; k++) {
      double x = av[k] * g > bv[k] ? fmax(av[k] - g, 0) / (bv[k] + 2) : (av[k] == 0 ? 0 : g / av[k]);
      snprintf(name, sizeof name, "mixed[%s]", dim[k]);
      CHECK(t_at(p, &r, name, time) == x);
    }
  }
  for (t = 0; t <= 12; t++) {
    double time = t * 0.5, g = time / 2, c = av[0] + g;
    CHECK(t_at(p, &r, "chain[e1]", time) == c);
    for (k = 1; k < 5; k++) {
      c = c * 0.5 + av[k] + g;
      snprintf(name, sizeof name, "chain[%s]", dim[k]);
      CHECK(t_at(p, &r, name, time) == c);
    }
  }
  /* the held values follow their own elements: element k stops at
     time TIME STEP + a[k] */
  for (k = 0; k < 5; k++) {
    double stop = 0.5 + av[k], tt = floor(stop / 0.5) * 0.5, g = tt / 2;
    double x = av[k] * g > bv[k] ? fmax(av[k] - g, 0) / (bv[k] + 2) : (av[k] == 0 ? 0 : g / av[k]);
    snprintf(name, sizeof name, "held[%s]", dim[k]);
    CHECK(t_at(p, &r, name, 6) == x * 2);
  }
  memset(counts, 0, sizeof counts);
  sd_run_opts_init(&o);
  o.dispatch = SD_DISPATCH_COUNT;
  o.op_counts = counts;
  {
    trun rc = t_run_opts(p, &o);
    CHECK(t_identical(&r, &rc));
    t_free(&rc);
  }
  for (j = 0; j < sd_n_opcodes(); j++) {
    all += counts[j];
    if (sd_opcode_name(j)[0] == 'W') wops += counts[j];
  }
  CHECK(wops > 0);
  /* fewer dispatches than at level 1 */
  {
    sd_program *p1;
    double c1[512], all1 = 0;
    trun rc;
    sd_model_set_rewrite(m, 1);
    p1 = sd_compile(m, &err);
    CHECK(p1 != NULL);
    if (p1) {
      memset(c1, 0, sizeof c1);
      o.op_counts = c1;
      rc = t_run_opts(p1, &o);
      CHECK(t_identical(&r, &rc));
      for (j = 0; j < sd_n_opcodes(); j++) all1 += c1[j];
      CHECK(all < all1);
      t_free(&rc);
      sd_program_free(p1);
    }
  }
  t_free(&r);
  sd_program_free(p);
  sd_model_free(m);
}

static void if_converted_half(int half) {
  /* arrayed IF THEN ELSE with a value arm: the other arm computed for
     every element, then one pick per element (WCS_<test>), for every
     test and both polarities, NaN operands included; an arm holding a
     SAMPLE IF TRUE keeps its jump (its state moves only when the arm
     runs); values and dispatches compared across the rewrite levels */
  static const char *const dim[] = { "e1", "e2", "e3", "e4" };
  static const char *const sub[] = { "D" };
  static const char *const ops[] = { "=", "<>", "<", ">", "<=", ">=" };
  static const double av[] = { 1, 2, 3, 4 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r;
  double cs = 0;
  int i, t, j;
  char nm[32], eq[160];
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "6", NULL, &err) == 0);
  CHECK(sd_model_add_dim(m, "D", dim, 4, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "a", sub, 1, av, 4, NULL, &err) == 0);
  /* x: NaN for one element at one time */
  CHECK(sd_model_add_arrayed(m, "x", SD_AUX, sub, 1,
                             "IF THEN ELSE(Time = 3 :AND: a[D] = 2, 0 / 0, MODULO(Time + a[D], 4))", NULL, &err) == 0);
  for (i = 3 * half; i < 3 * half + 3; i++) {
    snprintf(nm, sizeof nm, "t%d", i);
    snprintf(eq, sizeof eq, "IF THEN ELSE(x[D] %s 2, -1, x[D] * a[D] + Time / 2)", ops[i]);
    CHECK(sd_model_add_arrayed(m, nm, SD_AUX, sub, 1, eq, NULL, &err) == 0);
    snprintf(nm, sizeof nm, "e%d", i);
    snprintf(eq, sizeof eq, "IF THEN ELSE(x[D] %s 2, MAX(x[D], a[D]) - 1, -1)", ops[i]);
    CHECK(sd_model_add_arrayed(m, nm, SD_AUX, sub, 1, eq, NULL, &err) == 0);
  }
  CHECK(sd_model_add_arrayed(m, "flag", SD_AUX, sub, 1, "IF THEN ELSE(x[D], 5, a[D] / 2)", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "held", SD_AUX, sub, 1,
                             "IF THEN ELSE(Time > 3, 0, SAMPLE IF TRUE(Time < a[D], x[D], 9))", NULL, &err) == 0);
  p = levels_then_run(m, &r);
  if (!p) { sd_model_free(m); return; }
  for (t = 0; t <= 6; t++)
    for (j = 0; j < 4; j++) {
      double x = (t == 3 && av[j] == 2) ? NAN : fmod(t + av[j], 4), got;
      int c[6];
      c[0] = x == 2; c[1] = x != 2; c[2] = x < 2; c[3] = x > 2; c[4] = x <= 2; c[5] = x >= 2;
      for (i = 3 * half; i < 3 * half + 3; i++) {
        double want_t = c[i] ? -1 : x * av[j] + t / 2.0, want_e = c[i] ? fmax(x, av[j]) - 1 : -1;
        snprintf(nm, sizeof nm, "t%d[%s]", i, dim[j]);
        got = t_at(p, &r, nm, t);
        CHECK(got == want_t || (want_t != want_t && got != got));
        snprintf(nm, sizeof nm, "e%d[%s]", i, dim[j]);
        got = t_at(p, &r, nm, t);
        CHECK(got == want_e || (want_e != want_e && got != got));
      }
      snprintf(nm, sizeof nm, "flag[%s]", dim[j]);
      CHECK(t_at(p, &r, nm, t) == (x != 0 ? 5 : av[j] / 2));
    }
  cs = count_op(p, &r, "WCS_");
  if (cs < 7 * 7) fprintf(stderr, "WCS dispatches: %g\n", cs);
  CHECK(cs >= 7 * 7);    /* three t, three e and flag: a pick per step */
  t_free(&r);
  sd_program_free(p);
  sd_model_free(m);
}

static void test_if_converted_loops(void) {
  /* (in two models, so that each element's block stays within the 32
     instructions the rewrite looks at) */
  if_converted_half(0);
  if_converted_half(1);
}

static void test_two_arm_if_loops(void) {
  /* arrayed IF THEN ELSE with two computed arms (JZ ... JMP ...): both
     arms computed for every element, then one pick; an IF whose ELSE arm
     holds a SAMPLE IF TRUE stays an opaque group; NaN in the condition
     (NaN is true: it is not 0); compared across the rewrite levels */
  static const char *const dim[] = { "e1", "e2", "e3", "e4", "e5" };
  static const char *const sub[] = { "D" };
  static const double av[] = { 1, 2, 3, 4, 5 };
  sd_model *m = sd_model_new();
  sd_error err;
  sd_program *p;
  trun r;
  double cs = 0;
  int t, j;
  char nm[32];
  CHECK(sd_model_add(m, "FINAL TIME", SD_CONST, "6", NULL, &err) == 0);
  CHECK(sd_model_add_dim(m, "D", dim, 5, &err) == 0);
  CHECK(sd_model_add_arrayed_values(m, "a", sub, 1, av, 5, NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "c", SD_AUX, sub, 1,
                             "IF THEN ELSE(Time = 2 :AND: a[D] = 3, 0 / 0, MODULO(Time + a[D], 3) - 1)", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "y", SD_AUX, sub, 1,
                             "IF THEN ELSE(c[D], c[D] * a[D] + Time, MAX(a[D] - Time, 0.5) / a[D])", NULL, &err) == 0);
  CHECK(sd_model_add_arrayed(m, "z", SD_AUX, sub, 1,
                             "IF THEN ELSE(a[D] > Time, a[D] * 2 - 1, SAMPLE IF TRUE(Time < 4, a[D] * Time, 0))",
                             NULL, &err) == 0);
  p = levels_then_run(m, &r);
  if (!p) { sd_model_free(m); return; }
  for (t = 0; t <= 6; t++)
    for (j = 0; j < 5; j++) {
      double c = (t == 2 && av[j] == 3) ? NAN : fmod(t + av[j], 3) - 1;
      double y = c != 0 ? c * av[j] + t : fmax(av[j] - t, 0.5) / av[j], got;
      snprintf(nm, sizeof nm, "y[%s]", dim[j]);
      got = t_at(p, &r, nm, t);
      CHECK(got == y || (y != y && got != got));
    }
  cs = count_op(p, &r, "WCS_NZ");
  CHECK(cs >= 7);        /* y: a pick per step */
  t_free(&r);
  sd_program_free(p);
  sd_model_free(m);
}

int main(void) {
  RUN(test_compare_move_jump);
  RUN(test_square);
  RUN(test_and_select);
  RUN(test_element_loops);
  RUN(test_if_converted_loops);
  RUN(test_two_arm_if_loops);
  RUN(test_array_runs);
  RUN(test_cse_in_branches);
  RUN(test_copies_and_value_arms);
  RUN(test_lookup_segments);
  RUN(test_counting_loop);
  return SD_TEST_SUMMARY();
}
