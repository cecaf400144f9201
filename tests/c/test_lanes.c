/* test_lanes.c -- runs stepped together in lanes (sd_run_lanes) against
 * the same runs alone (sd_run_steps): bit for bit, in both interpreter
 * loops, with lanes whose IF THEN ELSE branches go different ways, with a
 * partial group, in every integration method, and the fallback when an
 * arm holds state.  (The R tests check the same on the whole corpus.) */
#include "test_helpers.h"

static const sd_dispatch modes[2] = { SD_DISPATCH_SWITCH, SD_DISPATCH_GOTO };

/* Runs 0..n-1 of p, run r with constant `par` = vals[r]: alone, then in
 * lanes (n <= sd_lanes_width()); 1 if every value of every row is the
 * same bits.  *rc gets sd_run_lanes' return. */
static int same_in_lanes(const sd_program *p, const char *par, const double *vals, int n, sd_dispatch d,
                         int *rc) {
  const int nv = sd_program_nvars(p), K = sd_lanes_width();
  int var = sd_program_find(p, par), l, k, ok = 1;
  size_t ws = sd_run_work_size(p);
  double *w[SD_LANES], *tout[SD_LANES], **cols[SD_LANES], *lanes;
  sd_run_info info[SD_LANES];
  sd_run_opts o;
  sd_error err;
  trun alone[SD_LANES];
  CHECK(var >= 0 && n <= K);
  sd_run_opts_init(&o);
  o.dispatch = d;
  o.n_override = 1;
  o.override_var = &var;
  for (l = 0; l < n; l++) {
    o.override_val = &vals[l];
    alone[l] = t_run_opts(p, &o);
    CHECK(alone[l].ok);
    w[l] = malloc(ws * sizeof(double));
    CHECK(sd_run_init(p, &o, w[l], &info[l], &err) == 0);
    /* (sd_run_lanes needs no pipeline memory: no DELAY FIXED here) */
    tout[l] = malloc((size_t)info[l].n_rows * sizeof(double));
    cols[l] = malloc((size_t)nv * sizeof(double *));
    for (k = 0; k < nv; k++) cols[l][k] = malloc((size_t)info[l].n_rows * sizeof(double));
  }
  lanes = malloc(sd_lanes_work_size(p) * sizeof(double));
  o.override_val = NULL;
  *rc = sd_run_lanes(p, &o, n, w, info, lanes, tout, cols, &err);
  for (l = 0; l < n; l++) {
    if (*rc == 0) {
      ok = ok && memcmp(tout[l], alone[l].time, (size_t)info[l].n_rows * sizeof(double)) == 0;
      for (k = 0; k < nv; k++)
        ok = ok && memcmp(cols[l][k], alone[l].cols[k], (size_t)info[l].n_rows * sizeof(double)) == 0;
    }
    for (k = 0; k < nv; k++) free(cols[l][k]);
    free(cols[l]);
    free(tout[l]);
    free(w[l]);
    t_free(&alone[l]);
  }
  free(lanes);
  return ok;
}

static sd_program *build(const tdef *d, int n, int method) {
  sd_error err;
  sd_program *p = t_build(d, n, method, &err);
  if (!p) fprintf(stderr, "compile failed: %s\n", err.msg);
  CHECK(p != NULL);
  return p;
}
#define BUILD(defs, method) build(defs, (int)(sizeof defs / sizeof defs[0]), method)

/* thresholds that split the lanes at different times: the THEN arms are
   chains of operations (JZ groups), the others compare-move-jumps */
static const tdef split[] = {
  {"$x", "growth ; 1"},
  {"threshold", "5"},
  {"growth", "IF THEN ELSE(x > threshold, 0.3 * x * (1 - x / 50) + SIN(x), 0.3 * x / (1 + x * x) - 0.01 * x)"},
  {"capped", "IF THEN ELSE(Time >= threshold, MIN(x, 2 * threshold) * 1.5, x)"},
  {"noted", "IF THEN ELSE(x < threshold, 0, LN(x) * EXP(-x / 100))"},
  {"@shape", "0 0 5 1 10 4 20 5"},
  {"looked", "shape(x) + shape(Time)"},
  {"FINAL TIME", "20"}, {"TIME STEP", "0.25"}
};

static void test_lanes_split_bitwise(void) {
  static const double th[8] = { 2, 9, 15, 4, 6, 25, 3, 12 };
  int method, m, rc;
  for (method = SD_EULER; method <= SD_RK4; method++) {
    sd_program *p = BUILD(split, method);
    if (!p) return;
    CHECK(sd_lanes_refusal(p) == NULL);
    for (m = 0; m < 2; m++) {
      if (modes[m] == SD_DISPATCH_GOTO && !sd_have_computed_goto()) continue;
      CHECK(same_in_lanes(p, "threshold", th, 8, modes[m], &rc));
      CHECK(rc == 0);
      /* a partial group: 3 runs, the other lanes repeat the first */
      CHECK(same_in_lanes(p, "threshold", th + 2, 3, modes[m], &rc));
      CHECK(rc == 0);
    }
    sd_program_free(p);
  }
}

static void test_lanes_stateful_arm(void) {
  /* SAMPLE IF TRUE inside an arm some lanes skip: the lanes give up (1) */
  static const tdef d[] = {
    {"threshold", "5"},
    {"held", "IF THEN ELSE(Time > threshold, SAMPLE IF TRUE(Time > threshold + 2, Time * 2, 0) + 1, -1)"},
    {"$s", "held ; 0"}, {"FINAL TIME", "10"}
  };
  static const double th[4] = { 1, 3, 5, 7 };
  int rc;
  sd_program *p = BUILD(d, SD_EULER);
  if (!p) return;
  CHECK(sd_lanes_refusal(p) == NULL);
  same_in_lanes(p, "threshold", th, 4, SD_DISPATCH_SWITCH, &rc);
  CHECK(rc == 1);
  /* all lanes the same way: no split, no fallback */
  {
    static const double same[4] = { 3, 3, 3, 3 };
    CHECK(same_in_lanes(p, "threshold", same, 4, SD_DISPATCH_SWITCH, &rc));
    CHECK(rc == 0);
  }
  sd_program_free(p);
}

static void test_lanes_refused(void) {
  static const tdef d[] = { {"$s", "DELAY FIXED(Time, 2, 0) ; 0"}, {"FINAL TIME", "5"} };
  sd_program *p = BUILD(d, SD_EULER);
  if (!p) return;
  CHECK(sd_lanes_refusal(p) != NULL);
  sd_program_free(p);
}

int main(void) {
  RUN(test_lanes_split_bitwise);
  RUN(test_lanes_stateful_arm);
  RUN(test_lanes_refused);
  return SD_TEST_SUMMARY();
}
