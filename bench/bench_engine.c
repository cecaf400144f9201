/* bench_engine.c -- per-step cost of the engine on a few models (teacup,
 * SIR, a synthetic chain of N stocks and N flows for N = 100 ... 100,000),
 * in both interpreter loops of the same binary, timed interleaved (goto,
 * switch, goto, ...) and summarised by medians of at least 7 runs each,
 * with the bytecode sizes from sd_program_get_stats().  Not a test: numbers
 * only, nothing is asserted. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sd_engine.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const sd_error *e) {
  fprintf(stderr, "error: %s (%s)\n", e->msg, e->var);
  exit(1);
}

static sd_model *teacup(void) {
  sd_error e;
  sd_model *m = sd_model_new();
  if (sd_model_add(m, "FINAL TIME", SD_CONST, "30", NULL, &e) ||
      sd_model_add(m, "TIME STEP", SD_CONST, "0.125", NULL, &e) ||
      sd_model_add_stock(m, "Teacup Temperature", "-\"Heat Loss to Room\"", "180", NULL, &e) ||
      sd_model_add(m, "Heat Loss to Room", SD_FLOW, "(Teacup Temperature - Room Temperature) / Characteristic Time", NULL, &e) ||
      sd_model_add(m, "Room Temperature", SD_CONST, "70", NULL, &e) ||
      sd_model_add(m, "Characteristic Time", SD_CONST, "10", NULL, &e)) die(&e);
  return m;
}

static sd_model *sir(void) {
  sd_error e;
  sd_model *m = sd_model_new();
  if (sd_model_add(m, "FINAL TIME", SD_CONST, "100", NULL, &e) ||
      sd_model_add(m, "TIME STEP", SD_CONST, "0.03125", NULL, &e) ||
      sd_model_add(m, "Contact Infectivity", SD_CONST, "0.3", NULL, &e) ||
      sd_model_add(m, "Duration", SD_CONST, "5", NULL, &e) ||
      sd_model_add_stock(m, "Infectious", "Succumbing - Recovering", "5", NULL, &e) ||
      sd_model_add_stock(m, "Recovered", "Recovering", "0", NULL, &e) ||
      sd_model_add(m, "Recovering", SD_FLOW, "Infectious/Duration", NULL, &e) ||
      sd_model_add(m, "Succumbing", SD_FLOW, "Susceptible*Infectious/Total Population * Contact Infectivity", NULL, &e) ||
      sd_model_add_stock(m, "Susceptible", "-Succumbing", "Total Population", NULL, &e) ||
      sd_model_add(m, "Total Population", SD_CONST, "1000", NULL, &e)) die(&e);
  return m;
}

/* n goal-seeking stocks, each chasing the previous one through an
 * auxiliary with a lookup and a SMOOTH every tenth: a synthetic model that
 * grows with n. */
static sd_model *chain(int n, int steps) {
  sd_error e;
  sd_model *m = sd_model_new();
  char name[64], eqn[256], buf[64];
  double lx[3] = {0, 50, 100}, ly[3] = {1, 1.5, 0.5};
  int i;
  snprintf(buf, sizeof buf, "%d", steps);
  if (sd_model_add(m, "FINAL TIME", SD_CONST, buf, NULL, &e) ||
      sd_model_add(m, "adjust", SD_CONST, "4", NULL, &e) ||
      sd_model_add_lookup(m, "effect", lx, ly, 3, &e)) die(&e);
  for (i = 0; i < n; i++) {
    snprintf(name, sizeof name, "s%d", i);
    snprintf(eqn, sizeof eqn, "g%d", i);
    if (sd_model_add_stock(m, name, eqn, "10", NULL, &e)) die(&e);
    snprintf(name, sizeof name, "g%d", i);
    if (i == 0) snprintf(eqn, sizeof eqn, "(50 + 10 * SIN(Time / 5) - s0) / adjust");
    else if (i % 10 == 0) snprintf(eqn, sizeof eqn, "(SMOOTH(s%d, 3) - s%d) / adjust * effect(s%d)", i - 1, i, i);
    else snprintf(eqn, sizeof eqn, "(s%d - s%d) / adjust * effect(s%d)", i - 1, i, i);
    if (sd_model_add(m, name, SD_FLOW, eqn, NULL, &e)) die(&e);
  }
  return m;
}

/* Work memory and output columns for runs of p (sized by a first init). */
static int buffers(const sd_program *p, double **work, double **tcol, double ***cols) {
  sd_run_opts o;
  sd_run_info info;
  sd_error e;
  int i, n = sd_program_nvars(p);
  *work = malloc(sd_run_work_size(p) * sizeof(double));
  sd_run_opts_init(&o);
  if (sd_run_init(p, &o, *work, &info, &e)) die(&e);
  if (info.n_extra) *work = realloc(*work, (sd_run_work_size(p) + info.n_extra) * sizeof(double));
  *tcol = malloc((size_t)info.n_rows * sizeof(double));
  *cols = malloc((size_t)n * sizeof(double *));
  for (i = 0; i < n; i++) (*cols)[i] = malloc((size_t)info.n_rows * sizeof(double));
  return n;
}

static double run_once(const sd_program *p, sd_dispatch d, double *work, double *tcol,
                       double **cols, long *steps) {
  sd_run_opts o;
  sd_run_info info;
  sd_error e;
  double t0;
  sd_run_opts_init(&o);
  o.dispatch = d;
  t0 = now();
  if (sd_run_init(p, &o, work, &info, &e) || sd_run_steps(p, &o, work, &info, tcol, cols, &e)) die(&e);
  *steps = info.n_steps;
  return now() - t0;
}

static void bench(const char *label, sd_model *m, int reps) {
  sd_error e;
  sd_program *p = sd_compile(m, &e);
  sd_program_stats st;
  double *work, *tcol, **cols, tg[64], ts[64];
  long steps = 0;
  int i, n;
  if (!p) die(&e);
  sd_program_get_stats(p, &st);
  n = buffers(p, &work, &tcol, &cols);
  run_once(p, SD_DISPATCH_GOTO, work, tcol, cols, &steps);     /* warm up */
  for (i = 0; i < reps; i++) {                                 /* interleaved A/B */
    tg[i] = run_once(p, SD_DISPATCH_GOTO, work, tcol, cols, &steps);
    ts[i] = run_once(p, SD_DISPATCH_SWITCH, work, tcol, cols, &steps);
  }
  qsort(tg, (size_t)reps, sizeof(double), cmp);
  qsort(ts, (size_t)reps, sizeof(double), cmp);
  printf("%-12s %6d %6d %8ld %7d %7d %7d | goto %9.1f ns/step (%8.3f ms) | switch %9.1f ns/step (%8.3f ms) | switch/goto %.2f | spread %4.1f%%\n",
         label, n, st.n_stocks, steps, st.n_slots, st.n_init_instr, st.n_step_instr,
         tg[reps / 2] / steps * 1e9, tg[reps / 2] * 1e3, ts[reps / 2] / steps * 1e9, ts[reps / 2] * 1e3,
         ts[reps / 2] / tg[reps / 2], 100 * (tg[reps - 1] - tg[0]) / tg[reps / 2]);
  for (i = 0; i < n; i++) free(cols[i]);
  free(cols); free(tcol); free(work);
  sd_program_free(p);
  sd_model_free(m);
}

/* `bench_engine MODEL goto|switch` runs one model once in one loop, for
 * valgrind (callgrind instruction counts, cachegrind branch simulation). */
static int profile_one(const char *which, const char *mode) {
  sd_model *m = strcmp(which, "teacup") == 0 ? teacup() : strcmp(which, "SIR") == 0 ? sir()
              : strcmp(which, "chain-1k") == 0 ? chain(1000, 1000) : NULL;
  sd_error e;
  sd_program *p;
  double *work, *tcol, **cols;
  long steps;
  if (!m) { fprintf(stderr, "models: teacup, SIR, chain-1k\n"); return 2; }
  p = sd_compile(m, &e);
  if (!p) die(&e);
  buffers(p, &work, &tcol, &cols);
  run_once(p, strcmp(mode, "switch") == 0 ? SD_DISPATCH_SWITCH : SD_DISPATCH_GOTO, work, tcol, cols, &steps);
  printf("%s %s: %ld steps\n", which, mode, steps);
  return 0;
}

int main(int argc, char **argv) {
  if (!sd_have_computed_goto()) { fprintf(stderr, "built without computed goto\n"); return 1; }
  if (argc == 3) return profile_one(argv[1], argv[2]);
  printf("sdvm engine %s, %d opcodes; medians of interleaved runs, whole run incl. init and saving every step\n",
         SD_ENGINE_VERSION, sd_n_opcodes());
  printf("%-12s %6s %6s %8s %7s %7s %7s |\n", "model", "vars", "stocks", "steps", "slots", "init-in", "step-in");
  bench("teacup", teacup(), 21);
  bench("SIR", sir(), 21);
  bench("chain-100", chain(100, 1000), 15);
  bench("chain-1k", chain(1000, 1000), 11);
  bench("chain-10k", chain(10000, 100), 9);
  bench("chain-100k", chain(100000, 10), 7);
  bench("chain-10/1M", chain(10, 1000000), 7);
  return 0;
}
