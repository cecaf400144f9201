/*
 * fuzz_eqn.c -- libFuzzer harness for equations: parsing, compilation and
 * a short run.  The input is a small model made of a fixed skeleton (a
 * stock, a flow, a constant, a lookup, ranges d, e and a subrange, arrays,
 * a matrix, priority profiles, a macro DOUBLE) and up to four equations
 * taken from the input's lines, defining x1..x4.
 *
 * The first byte picks how: bits 0-1 what x1 is (0 an auxiliary, 1 the net
 * rate of a stock whose initial value is line 2 when bit 5 is set, 2 an
 * array x1[d], 3 a lookup whose body is line 1, read back as x1(Time)),
 * bits 2-3 the integration method, bit 4 whether names the skeleton does
 * not define become constants (and unknown functions lookups), so that
 * equations taken from real models compile.
 *
 * Bounds: 4 KB of text (libFuzzer's -max_len), 40 steps, 1 million doubles
 * of run memory.  Both interpreter loops run and must agree bit for bit.
 */
#include <stdint.h>
#include "fz_common.h"
#include "sd_ast.h"
#include "sd_builtins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dim_d[] = { "d1", "d2", "d3" };
static const char *const dim_e[] = { "e1", "e2" };
static const char *const dim_sub[] = { "d1", "d2" };
static const char *const dim_p[] = { "ptype", "ppriority", "pwidth", "pextra" };
static const char *const sub_d[] = { "d" };
static const char *const sub_dd[] = { "d", "d" };
static const char *const sub_dp[] = { "d", "p" };
static const char *const known[] = {
  "time", "initial time", "final time", "time step", "saveper", "k", "s", "f", "tbl",
  "arr", "mat", "stk", "prio", "double", "x1", "x2", "x3", "x4", "d", "e", "sub", "p",
  "d1", "d2", "d3", "e1", "e2", "ptype", "ppriority", "pwidth", "pextra"
};

static int skeleton(sd_model *m, sd_error *err) {
  static const double tx[] = { 0, 1, 2 }, ty[] = { 0, 1, 4 };
  static const double arr[] = { 1, 2, 3 };
  static const double mat[] = { 1, 0, 0, 0, 2, 0, 0, 0, 4 };
  static const double prio[] = { 1, 3, 1, 0, 1, 2, 1, 0, 1, 1, 1, 0 };
  static const char *const params[] = { "input" };
  sd_model *body;
  if (sd_model_add(m, "INITIAL TIME", SD_CONST, "0", NULL, err) || sd_model_add(m, "FINAL TIME", SD_CONST, "8", NULL, err) ||
      sd_model_add(m, "TIME STEP", SD_CONST, "0.5", NULL, err) || sd_model_add(m, "SAVEPER", SD_CONST, "1", NULL, err) ||
      sd_model_add_dim(m, "d", dim_d, 3, err) || sd_model_add_dim(m, "e", dim_e, 2, err) ||
      sd_model_add_dim(m, "sub", dim_sub, 2, err) || sd_model_add_dim(m, "p", dim_p, 4, err) ||
      sd_model_add(m, "k", SD_CONST, "2", NULL, err) ||
      sd_model_add_stock(m, "s", "f", "10", NULL, err) ||
      sd_model_add(m, "f", SD_FLOW, "s * 0.1 - k", NULL, err) ||
      sd_model_add_lookup(m, "tbl", tx, ty, 3, err) ||
      sd_model_add_arrayed_values(m, "arr", sub_d, 1, arr, 3, NULL, err) ||
      sd_model_add_arrayed_values(m, "mat", sub_dd, 2, mat, 9, NULL, err) ||
      sd_model_add_arrayed_values(m, "prio", sub_dp, 2, prio, 12, NULL, err) ||
      sd_model_add_arrayed_stock(m, "stk", sub_d, 1, "arr[d] * 0.1", NULL, "1", NULL, err))
    return -1;
  body = sd_model_add_macro(m, "DOUBLE", params, 1, NULL, 0, err);
  return body ? sd_model_add(body, "DOUBLE", SD_AUX, "input * 2", NULL, err) : -1;
}

/* Names defined for unknown ones so far (canonical, in the arena). */
typedef struct defined { const char *v[64]; int n; } defined;

static int is_known(const defined *df, const char *canon) {
  size_t k;
  int i;
  for (k = 0; k < sizeof known / sizeof known[0]; k++) if (strcmp(known[k], canon) == 0) return 1;
  for (i = 0; i < df->n; i++) if (strcmp(df->v[i], canon) == 0) return 1;
  return 0;
}

/* Give the unknown names of tree n a definition: variables 1, functions a
 * lookup (R's builders would refuse them; here they let real equations
 * reach the compiler). */
static void define_unknown(sd_model *m, const sd_node *n, defined *df, int depth) {
  static const double tx[] = { 0, 1, 2 }, ty[] = { 0.5, 1, 0 };
  sd_error err;
  int i;
  if (!n || depth > 200) return;
  if ((n->kind == SD_N_VAR || n->kind == SD_N_CALL) && n->nsubs == 0 && n->name && df->n < 64 &&
      !is_known(df, n->name) && !sd_builtin_find(n->name)) {
    int rc = n->kind == SD_N_VAR ? sd_model_add(m, n->text, SD_CONST, "1", NULL, &err)
                                 : sd_model_add_lookup(m, n->text, tx, ty, 3, &err);
    if (rc == 0) df->v[df->n++] = n->name;
  }
  for (i = 0; i < n->nargs; i++) define_unknown(m, n->args[i], df, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fz_limits lim = { 40, 1u << 20 };
  static const char *const names[] = { "x1", "x2", "x3", "x4" };
  char *text, *line[4] = { NULL, NULL, NULL, NULL };
  unsigned mode;
  int nlines = 0, i, rc, kind;
  sd_model *m;
  sd_arena scratch;
  defined df;
  sd_error err;
  sd_program *p = NULL;
  if (size < 2) return 0;
  mode = data[0];
  text = malloc(size);
  if (!text) return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  for (i = 0; text[i] && nlines < 4;) {   /* lines 1..4 */
    line[nlines++] = text + i;
    while (text[i] && text[i] != '\n') i++;
    if (text[i]) text[i++] = '\0';
  }
  kind = (int)(mode & 3);
  m = sd_model_new();
  sd_arena_init(&scratch);
  df.n = 0;
  if (!m || skeleton(m, &err) != 0) goto done;
  sd_model_set_method(m, (sd_method)((mode >> 2) & 3) == 3 ? SD_EULER : (sd_method)((mode >> 2) & 3));
  if (mode & 16)
    for (i = 0; i < nlines; i++) {
      sd_node *t = sd_parse_expr(&scratch, line[i], NULL, &err);
      define_unknown(m, t, &df, 0);
    }
  for (i = 0, rc = 0; i < nlines && rc == 0; i++) {
    if (i == 0 && kind == 1) {
      const char *init = (mode & 32) && nlines > 1 ? line[1] : "1";
      rc = sd_model_add_stock(m, names[0], line[0], init, NULL, &err);
      if (mode & 32) i++;
    } else if (i == 0 && kind == 2) {
      rc = sd_model_add_arrayed(m, names[0], SD_AUX, sub_d, 1, line[0], NULL, &err);
    } else if (i == 0 && kind == 3) {
      sd_node *t = sd_parse_table(&scratch, line[0], NULL, &err);
      rc = t ? sd_model_add_lookup(m, names[0], t->xs, t->ys, t->npts, &err) : -1;
      if (rc == 0) rc = sd_model_add(m, "x1 out", SD_AUX, "x1(Time)", NULL, &err);
    } else {
      rc = sd_model_add(m, names[i], SD_AUX, line[i], NULL, &err);
    }
  }
  if (rc != 0) goto done;
  p = sd_compile(m, &err);
  if (p) {
    fz_result a = fz_run(p, SD_DISPATCH_GOTO, &lim), b = fz_run(p, SD_DISPATCH_SWITCH, &lim);
    char listing[256];
    if (!fz_same_result(&a, &b)) {
      fprintf(stderr, "fuzz_eqn: the goto and switch loops disagree\n");
      abort();
    }
    if (!fz_same_without_rewrites(m, &a, &lim)) {
      fprintf(stderr, "fuzz_eqn: the bytecode rewrites change the result\n");
      abort();
    }
    (void)sd_program_disasm(p, listing, sizeof listing);
    fz_result_free(&a);
    fz_result_free(&b);
  }
done:
  sd_program_free(p);
  sd_model_free(m);
  sd_arena_free(&scratch);
  free(text);
  return 0;
}
