/* test_engine.c -- the engine through its public API: integration methods
 * against closed forms, ordering, errors, every builtin, overrides, and
 * bit-identical results from both interpreter loops. */
#include "test_helpers.h"

static const sd_dispatch modes[2] = { SD_DISPATCH_SWITCH, SD_DISPATCH_GOTO };

/* Build, run in both dispatch modes, check they agree bit for bit. */
static sd_program *P;
static trun R;
static void setup(const tdef *d, int n, int method) {
  sd_error err;
  trun other;
  if (P) { sd_program_free(P); t_free(&R); }
  P = t_build(d, n, method, &err);
  if (!P) { fprintf(stderr, "compile failed: %s (%s)\n", err.msg, err.var); CHECK(0); return; }
  R = t_run(P, modes[0]);
  if (!R.ok) fprintf(stderr, "run failed: %s\n", R.err.msg);
  CHECK(R.ok);
  if (sd_have_computed_goto()) {
    other = t_run(P, modes[1]);
    CHECK(t_identical(&R, &other));
    t_free(&other);
  }
}
#define SETUP(defs, method) setup(defs, (int)(sizeof defs / sizeof defs[0]), method)
#define AT(name, t) t_at(P, &R, name, t)

static void test_euler_decay(void) {
  static const tdef d[] = { {"$x", "-k * x ; 1"}, {"k", "0.5"}, {"FINAL TIME", "4"}, {"TIME STEP", "0.25"} };
  SETUP(d, SD_EULER);
  CHECK_NEAR(AT("x", 4), pow(1 - 0.125, 16), 1e-14);
  CHECK_NEAR(AT("x", 1), pow(1 - 0.125, 4), 1e-14);
  CHECK(R.info.n_rows == 17);
}

static void test_rk_methods(void) {
  static const tdef d[] = { {"$x", "-k * x ; 1"}, {"k", "0.5"}, {"FINAL TIME", "4"}, {"TIME STEP", "0.25"} };
  double h = 0.125, e_euler, e_rk2, e_rk4;
  SETUP(d, SD_RK2);
  /* midpoint method on a linear ODE: factor 1 - h + h^2/2 per step */
  CHECK_NEAR(AT("x", 4), pow(1 - h + h * h / 2, 16), 1e-14);
  e_rk2 = fabs(AT("x", 4) - exp(-2));
  SETUP(d, SD_RK4);
  CHECK_NEAR(AT("x", 4), pow(1 - h + h * h / 2 - h * h * h / 6 + h * h * h * h / 24, 16), 1e-14);
  e_rk4 = fabs(AT("x", 4) - exp(-2));
  CHECK(e_rk4 < 1e-6);
  SETUP(d, SD_EULER);
  e_euler = fabs(AT("x", 4) - exp(-2));
  CHECK(e_rk4 < e_rk2 && e_rk2 < e_euler);
}

static void test_saveper(void) {
  static const tdef fine[] = { {"$x", "g ; 1"}, {"g", "0.1 * x + SIN(Time)"}, {"FINAL TIME", "4"}, {"TIME STEP", "0.25"} };
  static const tdef coarse[] = { {"$x", "g ; 1"}, {"g", "0.1 * x + SIN(Time)"}, {"FINAL TIME", "4"}, {"TIME STEP", "0.25"},
                                 {"SAVEPER", "TIME STEP * 4"} };
  double xs[5], gs[5];
  int k, method;
  for (method = SD_EULER; method <= SD_RK4; method++) {
    SETUP(fine, method);
    CHECK(R.info.n_rows == 17);
    for (k = 0; k <= 4; k++) { xs[k] = AT("x", k); gs[k] = AT("g", k); }
    SETUP(coarse, method);
    /* rows at the integer times only, each equal to the dt = 0.25 run there */
    CHECK(R.info.n_rows == 5);
    for (k = 0; k < 5 && k < R.info.n_rows; k++) {
      CHECK(R.time[k] == k);
      CHECK(AT("x", k) == xs[k]);
      CHECK(AT("g", k) == gs[k]);
    }
  }
}

/* The same saving through run options: saveper 1 on a dt 0.25 model. */
static void test_saveper_option(void) {
  static const tdef d[] = { {"$x", "g ; 1"}, {"g", "0.1 * x + COS(Time)"}, {"FINAL TIME", "3"}, {"TIME STEP", "0.25"} };
  sd_error err;
  sd_program *p = t_build(d, 4, SD_RK2, &err);
  sd_run_opts o;
  trun all, coarse;
  int k, m;
  CHECK(p != NULL);
  if (!p) return;
  for (m = 0; m < 2; m++) {
    if (modes[m] == SD_DISPATCH_GOTO && !sd_have_computed_goto()) continue;
    sd_run_opts_init(&o); o.dispatch = modes[m];
    all = t_run_opts(p, &o);
    o.saveper = 1;
    coarse = t_run_opts(p, &o);
    CHECK(all.ok && coarse.ok && coarse.info.n_rows == 4 && all.info.n_rows == 13);
    for (k = 0; coarse.ok && all.ok && k < coarse.info.n_rows; k++) {
      CHECK(coarse.time[k] == k);
      CHECK(t_at(p, &coarse, "x", k) == t_at(p, &all, "x", k));
    }
    t_free(&all); t_free(&coarse);
  }
  sd_program_free(p);
}

/* Single-precision stocks: a stock of 2^27 spaced 16 apart in float keeps
 * its value under increments of 1 (they round away every step), while in
 * double it counts them; a decay keeps to the float rounding of each step,
 * checked against the same recurrence computed here in float. */
static void test_single_stocks(void) {
  static const tdef d[] = { {"$big", "1 ; 134217728"}, {"$x", "-k * x ; 0.1"}, {"k", "0.3"},
                            {"FINAL TIME", "10"}, {"TIME STEP", "0.5"} };
  sd_error err;
  sd_program *p;
  sd_run_opts o;
  trun dbl, sgl;
  int method, m, k;
  for (method = SD_EULER; method <= SD_RK4; method++) {
    p = t_build(d, 5, method, &err);
    CHECK(p != NULL);
    if (!p) return;
    for (m = 0; m < 2; m++) {
      if (modes[m] == SD_DISPATCH_GOTO && !sd_have_computed_goto()) continue;
      sd_run_opts_init(&o); o.dispatch = modes[m];
      dbl = t_run_opts(p, &o);
      o.single_stocks = 1;
      sgl = t_run_opts(p, &o);
      CHECK(dbl.ok && sgl.ok);
      CHECK(t_at(p, &dbl, "big", 10) == 134217728.0 + 10);
      CHECK(t_at(p, &sgl, "big", 10) == 134217728.0);
      /* every saved stock value is a float */
      for (k = 0; sgl.ok && k <= 10; k++) CHECK(t_at(p, &sgl, "x", k) == (double)(float)t_at(p, &sgl, "x", k));
      if (method == SD_EULER) {
        float x = 0.1f;
        for (k = 0; k < 20; k++) x = x + (float)0.5 * (float)(-0.3 * (double)x);
        CHECK(t_at(p, &sgl, "x", 10) == (double)x);
        CHECK(t_at(p, &dbl, "x", 10) != (double)x);
      }
      CHECK_NEAR(t_at(p, &sgl, "x", 10), t_at(p, &dbl, "x", 10), 1e-6);
      t_free(&dbl); t_free(&sgl);
    }
    sd_program_free(p);
  }
}

static void test_ordering(void) {
  /* defined in reverse order of dependency */
  static const tdef d[] = { {"d", "c * 2"}, {"c", "b + 1"}, {"b", "a * 3"}, {"a", "Time + 1"}, {"FINAL TIME", "2"} };
  SETUP(d, SD_EULER);
  CHECK_NEAR(AT("d", 2), ((2 + 1) * 3 + 1) * 2, 0);
}

static void test_errors(void) {
  sd_error err;
  sd_program *p;
  static const tdef cyc[] = { {"alpha", "beta + 1"}, {"beta", "gamma * 2"}, {"gamma", "alpha"}, {"ok", "1"} };
  static const tdef unk[] = { {"a", "1 + bogus"} };
  static const tdef ar[] = { {"a", "MAX(1)"} };
  static const tdef fn[] = { {"a", "NOSUCH(1)"} };
  static const tdef initcyc[] = { {"$s", "0 ; a"}, {"a", "s * 2"} };
  p = t_build(cyc, 4, SD_EULER, &err);
  CHECK(p == NULL && err.code == SD_E_CYCLE);
  CHECK(strstr(err.msg, "'alpha'") && strstr(err.msg, "'beta'") && strstr(err.msg, "'gamma'"));
  CHECK(strstr(err.msg, "'ok'") == NULL);
  p = t_build(unk, 1, SD_EULER, &err);
  CHECK(p == NULL && err.code == SD_E_NAME);
  CHECK_STR(err.var, "a");
  CHECK(err.col == 5);
  CHECK(strstr(err.msg, "bogus") != NULL);
  p = t_build(ar, 1, SD_EULER, &err);
  CHECK(p == NULL && err.code == SD_E_ARITY);
  p = t_build(fn, 1, SD_EULER, &err);
  CHECK(p == NULL && err.code == SD_E_NAME && strstr(err.msg, "NOSUCH"));
  p = t_build(initcyc, 2, SD_EULER, &err);
  CHECK(p == NULL && err.code == SD_E_CYCLE);
}

static void test_run_errors(void) {
  static const tdef d[] = { {"a", "1"} };
  sd_error err;
  sd_program *p = t_build(d, 1, SD_EULER, &err);
  sd_run_opts o;
  trun r;
  sd_run_opts_init(&o); o.dt = 0;
  r = t_run_opts(p, &o); CHECK(!r.ok && r.err.code == SD_E_RUN); t_free(&r);
  sd_run_opts_init(&o); o.dt = 0.3; o.saveper = 0.5;
  r = t_run_opts(p, &o); CHECK(!r.ok && r.err.code == SD_E_RUN && strstr(r.err.msg, "multiple")); t_free(&r);
  sd_run_opts_init(&o); o.start = 10; o.stop = 5;
  r = t_run_opts(p, &o); CHECK(!r.ok && r.err.code == SD_E_RUN); t_free(&r);
  sd_run_opts_init(&o); o.start = 2; o.stop = 5; o.dt = 0.5;
  r = t_run_opts(p, &o); CHECK(r.ok && r.info.n_rows == 7 && r.time[0] == 2 && r.time[6] == 5); t_free(&r);
  sd_program_free(p);
}

static void test_math_builtins(void) {
  static const tdef d[] = {
    {"FINAL TIME", "1"},
    {"ab", "ABS(-3)"}, {"mn", "MIN(2, Time - 5)"}, {"mx", "MAX(2, Time + 5)"}, {"ex", "EXP(1)"},
    {"ln", "LN(EXP(2))"}, {"lg", "LOG(8, 2)"}, {"lg10", "LOG(1000)"}, {"sq", "SQRT(16)"},
    {"sn", "SIN(Time)"}, {"cs", "COS(Time)"}, {"tn", "TAN(Time)"}, {"asn", "ARCSIN(0.5)"},
    {"acs", "ARCCOS(0.5)"}, {"atn", "ARCTAN(Time)"}, {"int1", "INTEGER(-2.5)"}, {"int2", "INTEGER(2.7)"},
    {"md", "MODULO(-7, 3)"}, {"md2", "MODULO(7, 3)"}, {"pw", "POWER(2, 10)"}, {"q", "QUANTUM(7.5, 2)"},
    {"q0", "QUANTUM(7.5, 0)"}, {"qneg", "QUANTUM(-7.5, 2)"}, {"int3", "INTEGER(-0.5)"}, {"qn", "QUANTUM(-9.5, -1)"}, {"x0", "XIDZ(1, Time - Time, 9)"}, {"x1", "XIDZ(6, 3, 9)"},
    {"z0", "ZIDZ(1, 0 * Time)"}, {"z1", "ZIDZ(6, 4)"}, {"ite", "IF THEN ELSE(Time > 0.5, 1, 2)"},
    {"ite2", "IF THEN ELSE(Time > 0.5, SQRT(Time), -Time)"}, {"neg", "-2^2"}, {"rassoc", "2^3^2"},
    {"andor", "(1 :AND: 0) + 10 * (1 :OR: 0) + 100 * (:NOT: 0)"}, {"cmp", "(1 = 1) + (1 <> 1) + (2 >= 2) + (2 <= 1)"},
    {"ts", "TIME STEP"}, {"it", "INITIAL TIME"}, {"ft", "FINAL TIME"}, {"sp", "SAVEPER"},
  };
  SETUP(d, SD_EULER);
  CHECK(AT("ab", 0) == 3);
  CHECK(AT("mn", 1) == -4);
  CHECK(AT("mx", 1) == 6);
  CHECK(AT("ex", 0) == exp(1));
  CHECK_NEAR(AT("ln", 0), 2, 1e-15);
  CHECK_NEAR(AT("lg", 0), 3, 1e-15);
  CHECK_NEAR(AT("lg10", 0), 3, 1e-15);
  CHECK(AT("sq", 0) == 4);
  CHECK(AT("sn", 1) == sin(1.0) && AT("cs", 1) == cos(1.0) && AT("tn", 1) == tan(1.0));
  CHECK(AT("asn", 0) == asin(0.5) && AT("acs", 0) == acos(0.5) && AT("atn", 1) == atan(1.0));
  CHECK(AT("int1", 0) == -2 && AT("int2", 0) == 2 && AT("int3", 0) == 0);
  CHECK(AT("qneg", 0) == -6);   /* 2 * INTEGER(-3.75) */
  CHECK(AT("md", 0) == -1 && AT("md2", 0) == 1);
  CHECK(AT("pw", 0) == 1024);
  CHECK(AT("q", 0) == 6 && AT("q0", 0) == 7.5 && AT("qn", 0) == -9.5);
  CHECK(AT("x0", 0) == 9 && AT("x1", 0) == 2);
  CHECK(AT("z0", 0) == 0 && AT("z1", 0) == 1.5);
  CHECK(AT("ite", 0) == 2 && AT("ite", 1) == 1);
  CHECK(AT("ite2", 0) == 0 && AT("ite2", 1) == 1);
  CHECK(AT("neg", 0) == -4);
  CHECK(AT("rassoc", 0) == 512);
  CHECK(AT("andor", 0) == 110);
  CHECK(AT("cmp", 0) == 2);
  CHECK(AT("ts", 0) == 1 && AT("it", 0) == 0 && AT("ft", 0) == 1 && AT("sp", 0) == 1);
}

static void test_input_builtins(void) {
  static const tdef d[] = {
    {"FINAL TIME", "10"},
    {"st", "STEP(5, 4)"}, {"pu", "PULSE(2, 3)"}, {"pu0", "PULSE(3, 0)"}, {"pt", "PULSE TRAIN(1, 1, 3, 8)"},
    {"rp", "RAMP(2, 3, 6)"}, {"tm", "Time"}, {"ini", "INITIAL(Time + 7)"},
    {"@tbl", "0 0  5 10  10 0"}, {"lk", "tbl(Time)"}, {"lklo", "tbl(-5)"}, {"lkhi", "tbl(50)"},
    {"wl", "WITH LOOKUP(Time, ([(0,0)-(10,10)], (0,0), (5,10), (10,0)))"},
  };
  static const double st[] = {0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5};
  static const double pu[] = {0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  static const double pu0[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  static const double pt[] = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0};
  static const double rp[] = {0, 0, 0, 0, 2, 4, 6, 6, 6, 6, 6};
  static const double lk[] = {0, 2, 4, 6, 8, 10, 8, 6, 4, 2, 0};
  int t;
  SETUP(d, SD_EULER);
  for (t = 0; t <= 10; t++) {
    CHECK(AT("st", t) == st[t]);
    CHECK(AT("pu", t) == pu[t]);
    CHECK(AT("pu0", t) == pu0[t]);
    CHECK(AT("pt", t) == pt[t]);
    CHECK(AT("rp", t) == rp[t]);
    CHECK(AT("tm", t) == t);
    CHECK(AT("ini", t) == 7);
    CHECK_NEAR(AT("lk", t), lk[t], 1e-12);
    CHECK_NEAR(AT("wl", t), lk[t], 1e-12);
  }
  CHECK(AT("lklo", 3) == 0 && AT("lkhi", 3) == 0);
}

/* Input functions on a fractional TIME STEP; lookups clamped to the first
 * and last y, interpolated in between. */
static void test_input_builtins_fine(void) {
  static const tdef d[] = {
    {"FINAL TIME", "6"}, {"TIME STEP", "0.25"},
    {"pu0", "PULSE(2, 0)"}, {"pu", "PULSE(1.5, 0.5)"}, {"st", "STEP(3, 2.25)"},
    {"rp", "RAMP(-2, 1, 2.5)"}, {"pt0", "PULSE TRAIN(1, 0, 2, 5)"},
    {"@tb", "1 -3  2 5  4 6"}, {"lk", "tb(Time)"}, {"ts", "TIME STEP"},
  };
  int k;
  SETUP(d, SD_EULER);
  for (k = 0; k <= 24; k++) {
    double t = k * 0.25;
    /* width 0 is one TIME STEP */
    CHECK(AT("pu0", t) == (t == 2 ? 1 : 0));
    CHECK(AT("pu", t) == (t >= 1.5 && t < 2 ? 1 : 0));
    CHECK(AT("st", t) == (t >= 2.25 ? 3 : 0));
    CHECK(AT("rp", t) == (t < 1 ? 0 : t < 2.5 ? -2 * (t - 1) : -3));
    CHECK(AT("pt0", t) == (t == 1 || t == 3 || t == 5 ? 1 : 0));
    CHECK_NEAR(AT("lk", t), t <= 1 ? -3 : t <= 2 ? -3 + 8 * (t - 1) : t <= 4 ? 5 + (t - 2) / 2 : 6, 1e-15);
    CHECK(AT("ts", t) == 0.25);
  }
}

/* Each stateful builtin against the same structure written by hand. */
static void test_stateful_equivalence(void) {
  static const tdef d[] = {
    {"FINAL TIME", "20"}, {"TIME STEP", "0.25"},
    {"input", "10 + STEP(5, 3) + 2 * SIN(Time)"}, {"T", "4"},
    {"sm", "SMOOTH(input, T)"}, {"$hsm", "(input - hsm) / T ; input"},
    {"smi", "SMOOTHI(input, T, 1)"}, {"$hsmi", "(input - hsmi) / T ; 1"},
    {"sm3", "SMOOTH3(input, T)"},
    {"$a1", "(input - a1) / (T / 3) ; input"}, {"$a2", "(a1 - a2) / (T / 3) ; input"}, {"$a3", "(a2 - a3) / (T / 3) ; input"},
    {"sm3i", "SMOOTH3I(input, T, 2)"},
    {"$b1", "(input - b1) / (T / 3) ; 2"}, {"$b2", "(b1 - b2) / (T / 3) ; 2"}, {"$b3", "(b2 - b3) / (T / 3) ; 2"},
    {"d1", "DELAY1(input, T)"}, {"$l", "input - l / T ; input * T"}, {"hd1", "l / T"},
    {"d1i", "DELAY1I(input, T, 3)"}, {"$li", "input - li / T ; 3 * T"}, {"hd1i", "li / T"},
    {"d3", "DELAY3(input, T)"},
    {"$c1", "input - c1 / (T / 3) ; input * T / 3"}, {"$c2", "c1 / (T / 3) - c2 / (T / 3) ; input * T / 3"},
    {"$c3", "c2 / (T / 3) - c3 / (T / 3) ; input * T / 3"}, {"hd3", "c3 / (T / 3)"},
    {"d3i", "DELAY3I(input, T, 0)"},
    {"$e1", "input - e1 / (T / 3) ; 0"}, {"$e2", "e1 / (T / 3) - e2 / (T / 3) ; 0"},
    {"$e3", "e2 / (T / 3) - e3 / (T / 3) ; 0"}, {"hd3i", "e3 / (T / 3)"},
    {"tr", "TREND(input, T, 0.1)"}, {"$avg", "(input - avg) / T ; input / (1 + 0.1 * T)"},
    {"fc", "FORECAST(input, T, 2)"}, {"$avg0", "(input - avg0) / T ; input"},
    {"hfc", "input * (1 + ZIDZ(input - avg0, T * ABS(avg0)) * 2)"},
    {"htr", "ZIDZ(input - avg, T * ABS(avg))"},
  };
  int method;
  for (method = SD_EULER; method <= SD_RK4; method++) {
    double t;
    SETUP(d, method);
    for (t = 0; t <= 20; t += 0.25) {
      CHECK_NEAR(AT("sm", t), AT("hsm", t), 1e-12);
      CHECK_NEAR(AT("smi", t), AT("hsmi", t), 1e-12);
      CHECK_NEAR(AT("sm3", t), AT("a3", t), 1e-12);
      CHECK_NEAR(AT("sm3i", t), AT("b3", t), 1e-12);
      CHECK_NEAR(AT("d1", t), AT("hd1", t), 1e-12);
      CHECK_NEAR(AT("d1i", t), AT("hd1i", t), 1e-12);
      CHECK_NEAR(AT("d3", t), AT("hd3", t), 1e-12);
      CHECK_NEAR(AT("d3i", t), AT("hd3i", t), 1e-12);
      CHECK_NEAR(AT("tr", t), AT("htr", t), 1e-12);
      CHECK_NEAR(AT("fc", t), AT("hfc", t), 1e-12);
    }
  }
}

/* Stateful builtins against closed forms of their Euler recurrences. */
static void test_stateful_closed_forms(void) {
  static const tdef d[] = {
    {"FINAL TIME", "10"}, {"TIME STEP", "0.5"},
    {"sm", "SMOOTHI(10, 2, 0)"}, {"d1", "DELAY1I(5, 2, 0)"}, {"sm0", "SMOOTH(7, 3)"},
    {"d3", "DELAY3(4, 6)"}, {"tr", "TREND(3, 2, 0.25)"},
  };
  int n;
  SETUP(d, SD_EULER);
  for (n = 0; n <= 20; n++) {
    double t = n * 0.5;
    CHECK_NEAR(AT("sm", t), 10 * (1 - pow(1 - 0.5 / 2, n)), 1e-12);
    CHECK_NEAR(AT("d1", t), 5 * (1 - pow(1 - 0.5 / 2, n)), 1e-12);
    CHECK_NEAR(AT("sm0", t), 7, 1e-12);          /* starts at its input */
    CHECK_NEAR(AT("d3", t), 4, 1e-12);           /* in equilibrium from the start */
  }
  /* TREND of a constant: the average starts at 3/(1+0.25*2) = 2 and
   * approaches 3 as 3 - (1 - dt/2)^n, so TREND = (3 - avg) / (2 avg). */
  for (n = 0; n <= 20; n++) {
    double avg = 3 - pow(1 - 0.5 / 2, n);
    CHECK_NEAR(AT("tr", n * 0.5), (3 - avg) / (2 * avg), 1e-12);
  }
  CHECK_NEAR(AT("tr", 0), 0.25, 1e-15);
}

/* P(Binomial(n, p) >= k): the step response of k cascaded Euler stages,
 * each moving the fraction p = dt/tau of its gap per step. */
static double binom_tail(int n, double p, int k) {
  double below = 0, c = 1;
  int j;
  for (j = 0; j < k && j <= n; j++) {
    below += c * pow(p, j) * pow(1 - p, n - j);
    c = c * (n - j) / (j + 1);
  }
  return 1 - below;
}

/* Third-order stateful builtins against the closed form of their Euler
 * recurrences, hand-computed values, and RK4's factor per step. */
static void test_stateful_closed_forms_3(void) {
  static const tdef d[] = {
    {"FINAL TIME", "12"}, {"TIME STEP", "0.5"},
    {"s3", "SMOOTH3I(10, 3, 0)"}, {"d3", "DELAY3I(5, 3, 0)"}, {"s3s", "SMOOTH3(STEP(4, 2), 1.5)"},
    {"d3s", "DELAY3(2 + STEP(6, 2), 6)"}, {"d1", "DELAY1(STEP(3, 1), 2)"},
  };
  static const tdef rk[] = { {"FINAL TIME", "8"}, {"TIME STEP", "0.5"}, {"sm", "SMOOTHI(10, 2, 1)"} };
  int n;
  SETUP(d, SD_EULER);
  for (n = 0; n <= 24; n++) {
    double t = n * 0.5;
    /* each stage has tau = 1, so p = dt/tau = 0.5 */
    CHECK_NEAR(AT("s3", t), 10 * binom_tail(n, 0.5, 3), 1e-12);
    CHECK_NEAR(AT("d3", t), 5 * binom_tail(n, 0.5, 3), 1e-12);
    /* inputs that step at time 2 (n = 4): stages of tau 0.5, p = 1 */
    CHECK_NEAR(AT("s3s", t), n < 4 ? 0 : 4 * binom_tail(n - 4, 1, 3), 1e-12);
    /* stages of tau 2, p = 0.25; DELAY3 starts in equilibrium at 2 */
    CHECK_NEAR(AT("d3s", t), 2 + (n < 4 ? 0 : 6 * binom_tail(n - 4, 0.25, 3)), 1e-12);
    CHECK_NEAR(AT("d1", t), n < 2 ? 0 : 3 * binom_tail(n - 2, 0.25, 1), 1e-12);
  }
  /* by hand: SMOOTH3I(10, 3, 0) at dt 0.5, stage tau 1:
   * n=1: 5, 0, 0;  n=2: 7.5, 2.5, 0;  n=3: 8.75, 5, 1.25 */
  CHECK_NEAR(AT("s3", 1), 0, 1e-15);
  CHECK_NEAR(AT("s3", 1.5), 1.25, 1e-15);
  CHECK_NEAR(AT("d3", 1.5), 0.625, 1e-15);
  /* s3s: stages of tau 0.5 with dt 0.5 each pass their input on in one
   * step, so the output is the step delayed by three steps */
  CHECK(AT("s3s", 3) == 0 && AT("s3s", 3.5) == 4);
  /* RK4 on the linear SMOOTHI: the gap shrinks by the RK4 factor per step */
  SETUP(rk, SD_RK4);
  for (n = 0; n <= 16; n++) {
    double h = 0.5 / 2, f = 1 - h + h * h / 2 - h * h * h / 6 + h * h * h * h / 24;
    CHECK_NEAR(AT("sm", n * 0.5), 10 - 9 * pow(f, n), 1e-12);
    /* and stays within 2e-4 of the exact 10 - 9 exp(-t/2) (h = dt/tau = 0.25) */
    CHECK_NEAR(AT("sm", n * 0.5), 10 - 9 * exp(-n * 0.5 / 2), 2e-4);
  }
}

/* The N-order forms against the fixed-order ones; GAME; ACTIVE INITIAL. */
static void test_more_builtins(void) {
  static const tdef d[] = {
    {"FINAL TIME", "15"}, {"TIME STEP", "0.5"},
    {"input", "3 + STEP(2, 4) - PULSE(8, 2)"},
    {"dn3", "DELAY N(input, 6, 1, 3)"}, {"d3i", "DELAY3I(input, 6, 1)"},
    {"sn3", "SMOOTH N(input, 6, 2, 3)"}, {"s3i", "SMOOTH3I(input, 6, 2)"},
    {"sn1", "SMOOTH N(input, 6, 2, 1)"}, {"s1i", "SMOOTHI(input, 6, 2)"},
    {"dn1", "DELAY N(input, 6, 1, 1)"}, {"d1i", "DELAY1I(input, 6, 1)"},
    {"g", "GAME(input * 2)"},
    {"held", "SAMPLE IF TRUE(Time >= 3 :AND: Time < 5, Time * 10, -1)"},
    {"fixed", "DELAY FIXED(Time * 2, 3, -1)"},
    /* a pipeline breaks a loop: its output does not depend on its input now */
    {"echo", "DELAY FIXED(echo + 1, 1, 0)"},
    {"ai", "ACTIVE INITIAL(Time * 2, 45)"}, {"$st", "0 ; ai"},
    /* ACTIVE INITIAL breaks a loop among initial values */
    {"loop", "ACTIVE INITIAL(sm + 1, 1)"}, {"sm", "SMOOTH(loop, 2)"},
  };
  int method;
  for (method = SD_EULER; method <= SD_RK4; method++) {
    double t;
    SETUP(d, method);
    for (t = 0; t <= 15; t += 0.5) {
      CHECK_NEAR(AT("dn3", t), AT("d3i", t), 1e-12);
      CHECK_NEAR(AT("sn3", t), AT("s3i", t), 1e-12);
      CHECK_NEAR(AT("sn1", t), AT("s1i", t), 1e-12);
      CHECK_NEAR(AT("dn1", t), AT("d1i", t), 1e-12);
      CHECK(AT("g", t) == 2 * AT("input", t));
      if (method == SD_EULER)
        CHECK(AT("held", t) == (t < 3 ? -1 : t < 5 ? t * 10 : 45));
      CHECK(AT("fixed", t) == (t < 3 ? -1 : (t - 3) * 2));
      CHECK(AT("echo", t) == floor(t));
      CHECK(AT("ai", t) == 2 * t);
      CHECK(AT("st", t) == 45);
    }
    CHECK(AT("sm", 0) == 1);            /* smooth starts at loop's initial value */
    CHECK(AT("loop", 0) == 2);          /* then loop follows its equation */
  }
  {
    static const tdef bad[] = { {"x", "DELAY N(1, 2, 0, Time)"} };
    sd_error err;
    CHECK(t_build(bad, 1, SD_EULER, &err) == NULL && err.code == SD_E_DEFINITION);
  }
}

static void test_initial_of_stock(void) {
  static const tdef d[] = { {"$x", "1 ; 5"}, {"x0", "INITIAL(x)"}, {"FINAL TIME", "3"} };
  SETUP(d, SD_EULER);
  CHECK(AT("x", 3) == 8 && AT("x0", 3) == 5 && AT("x0", 0) == 5);
}

static void test_overrides(void) {
  static const tdef d[] = { {"$x", "r ; x0"}, {"r", "k * 2"}, {"k", "3"}, {"x0", "10"}, {"$y", "1 ; 4"},
                            {"FINAL TIME", "2"} };
  sd_error err;
  sd_program *p = t_build(d, 6, SD_EULER, &err);
  sd_run_opts o;
  trun r;
  int vars[2];
  double vals[2];
  vars[0] = sd_program_find(p, "k"); vals[0] = 5;
  vars[1] = sd_program_find(p, "y"); vals[1] = 100;
  sd_run_opts_init(&o);
  o.n_override = 2; o.override_var = vars; o.override_val = vals;
  if (sd_have_computed_goto()) {
    trun a, b;
    o.dispatch = SD_DISPATCH_SWITCH; a = t_run_opts(p, &o);
    o.dispatch = SD_DISPATCH_GOTO; b = t_run_opts(p, &o);
    CHECK(t_identical(&a, &b));
    t_free(&a); t_free(&b);
    o.dispatch = SD_DISPATCH_DEFAULT;
  }
  r = t_run_opts(p, &o);
  CHECK(r.ok);
  CHECK(t_at(p, &r, "x", 2) == 10 + 2 * 10);    /* r = 10 */
  CHECK(t_at(p, &r, "y", 0) == 100 && t_at(p, &r, "y", 2) == 102);
  t_free(&r);
  /* the initial value of x comes from constant x0: overriding x0 moves it */
  vars[0] = sd_program_find(p, "x0"); vals[0] = -1;
  o.n_override = 1;
  r = t_run_opts(p, &o);
  CHECK(t_at(p, &r, "x", 0) == -1);
  t_free(&r);
  /* an auxiliary cannot be overridden */
  vars[0] = sd_program_find(p, "r");
  r = t_run_opts(p, &o);
  CHECK(!r.ok && r.err.code == SD_E_RUN && strstr(r.err.msg, "'r'"));
  t_free(&r);
  /* a run without overrides is unchanged by the earlier ones */
  sd_run_opts_init(&o);
  r = t_run_opts(p, &o);
  CHECK(t_at(p, &r, "x", 2) == 10 + 2 * 6);
  t_free(&r);
  sd_program_free(p);
}

static void test_names(void) {
  static const tdef d[] = { {"Teacup Temperature", "5"}, {"b", "teacup_temperature * 2 + \"Teacup  Temperature\""} };
  SETUP(d, SD_EULER);
  CHECK(AT("b", 0) == 15);
  CHECK(sd_program_find(P, "TEACUP__temperature") >= 0);
  CHECK(sd_program_find(P, "nope") < 0);
}

static void test_dispatch_info(void) {
  CHECK(sd_n_opcodes() > 40);
  CHECK_STR(sd_dispatch_name(SD_DISPATCH_SWITCH), "switch");
  CHECK_STR(sd_dispatch_name(SD_DISPATCH_GOTO), "computed-goto");
  CHECK(sd_default_dispatch() == (SD_HAVE_COMPUTED_GOTO ? SD_DISPATCH_GOTO : SD_DISPATCH_SWITCH));
}

int main(void) {
  RUN(test_euler_decay);
  RUN(test_rk_methods);
  RUN(test_saveper);
  RUN(test_saveper_option);
  RUN(test_single_stocks);
  RUN(test_ordering);
  RUN(test_errors);
  RUN(test_run_errors);
  RUN(test_math_builtins);
  RUN(test_input_builtins);
  RUN(test_input_builtins_fine);
  RUN(test_stateful_equivalence);
  RUN(test_stateful_closed_forms);
  RUN(test_stateful_closed_forms_3);
  RUN(test_more_builtins);
  RUN(test_initial_of_stock);
  RUN(test_overrides);
  RUN(test_names);
  RUN(test_dispatch_info);
  if (P) { sd_program_free(P); t_free(&R); }
  return SD_TEST_SUMMARY();
}
