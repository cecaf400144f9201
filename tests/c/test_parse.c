/* test_parse.c -- the equation parser: numbers, names, precedence, calls,
 * lookup tables, and errors with their positions. */
#include <stdlib.h>
#include "sd_ast.h"
#include "sd_test.h"

static sd_arena A;

/* S-expression of a tree, for checking shapes. */
static void show(const sd_node *n, char *buf, size_t cap) {
  static const char *ops[] = { "+", "-", "*", "/", "^", "=", "<>", "<", ">", "<=", ">=",
                               "and", "or", "neg", "pos", "not" };
  size_t len = strlen(buf);
  int i;
  switch (n->kind) {
  case SD_N_NUM: snprintf(buf + len, cap - len, "%g", n->num); return;
  case SD_N_VAR: snprintf(buf + len, cap - len, "[%s]", n->name); return;
  case SD_N_TABLE: snprintf(buf + len, cap - len, "table%d", n->npts); return;
  case SD_N_CALL: snprintf(buf + len, cap - len, "(%s", n->name); break;
  default: snprintf(buf + len, cap - len, "(%s", ops[n->op]); break;
  }
  for (i = 0; i < n->nargs; i++) {
    strncat(buf, " ", cap - strlen(buf) - 1);
    show(n->args[i], buf, cap);
  }
  strncat(buf, ")", cap - strlen(buf) - 1);
}

static const char *tree(const char *text) {
  static char buf[4096];
  sd_error err;
  sd_node *n = sd_parse_expr(&A, text, NULL, &err);
  buf[0] = '\0';
  if (!n) snprintf(buf, sizeof buf, "ERROR %d:%d %s", err.line, err.col, err.msg);
  else show(n, buf, sizeof buf);
  return buf;
}

static void test_numbers(void) {
  CHECK_STR(tree("12"), "12");
  CHECK_STR(tree("1.5"), "1.5");
  CHECK_STR(tree(".5"), "0.5");
  CHECK_STR(tree("5."), "5");
  CHECK_STR(tree("1e-3"), "0.001");
  CHECK_STR(tree("1E+03"), "1000");
  CHECK_STR(tree("2.5e3"), "2500");
  CHECK_STR(tree("-3"), "(neg 3)");
  CHECK_STR(tree(":NA:"), "-6.49037e+32");
}

static void test_names(void) {
  CHECK_STR(tree("Teacup Temperature - Room Temperature"), "(- [teacup temperature] [room temperature])");
  CHECK_STR(tree("teacup__TEMPERATURE"), "[teacup temperature]");
  CHECK_STR(tree("\"a + b (c)\" * 2"), "(* [a + b (c)] 2)");
  CHECK_STR(tree("Emissions$ per cap'ita"), "[emissions$ per cap'ita]");
  CHECK_STR(tree("caf\xc3\xa9 au lait + 1"), "(+ [caf\xc3\xa9 au lait] 1)");
  CHECK_STR(tree("long \\\n  name"), "[long name]");
  CHECK_STR(tree("x1 + y2"), "(+ [x1] [y2])");
}

static void test_precedence(void) {
  CHECK_STR(tree("-2^2"), "(neg (^ 2 2))");
  CHECK_STR(tree("2^3^2"), "(^ 2 (^ 3 2))");
  CHECK_STR(tree("2^-1"), "(^ 2 (neg 1))");
  CHECK_STR(tree("-a*b"), "(* (neg [a]) [b])");
  CHECK_STR(tree("a - -b"), "(- [a] (neg [b]))");
  CHECK_STR(tree("a*-b"), "(* [a] (neg [b]))");
  CHECK_STR(tree("1 - 2 - 3"), "(- (- 1 2) 3)");
  CHECK_STR(tree("8/4/2"), "(/ (/ 8 4) 2)");
  CHECK_STR(tree("a + b * c ^ d"), "(+ [a] (* [b] (^ [c] [d])))");
  CHECK_STR(tree("a + b > c * d"), "(> (+ [a] [b]) (* [c] [d]))");
  CHECK_STR(tree(":NOT: a > b"), "(not (> [a] [b]))");
  CHECK_STR(tree(":NOT: 0 :AND: 0"), "(and (not 0) 0)");
  CHECK_STR(tree("a = b :OR: c"), "(or (= [a] [b]) [c])");
  CHECK_STR(tree("a :or: b :and: c"), "(or [a] (and [b] [c]))");
  CHECK_STR(tree("a <> b"), "(<> [a] [b])");
  CHECK_STR(tree("a <= b"), "(<= [a] [b])");
  CHECK_STR(tree("a >= b"), "(>= [a] [b])");
  CHECK_STR(tree("(a + b) * c"), "(* (+ [a] [b]) [c])");
  CHECK_STR(tree("+a"), "[a]");
}

static void test_calls(void) {
  CHECK_STR(tree("IF THEN ELSE(a > 1, b, c)"), "(if then else (> [a] 1) [b] [c])");
  CHECK_STR(tree("MAX(1, MIN(2, 3))"), "(max 1 (min 2 3))");
  CHECK_STR(tree("effect table ( x )"), "(effect table [x])");
  CHECK_STR(tree("f()"), "(f)");
  CHECK_STR(tree("PULSE TRAIN(1,2,3,4)"), "(pulse train 1 2 3 4)");
  CHECK_STR(tree("WITH LOOKUP(x, ([(0,0)-(10,10)], (0,0), (1,2), (5,3)))"), "(with lookup [x] table3)");
  CHECK_STR(tree("WITH LOOKUP(x, ((0,0),(1,1)))"), "(with lookup [x] table2)");
  CHECK_STR(tree("WITH LOOKUP(x, ([(0,0)-(10,10),(1,1),(2,2)],(0,0),(1,1)))"), "(with lookup [x] table2)");
}

static void test_tables(void) {
  sd_error err;
  sd_node *t = sd_parse_table(&A, "[(0,0)-(2,2)],(0,0),(1,0.5),(2,2)", NULL, &err);
  CHECK(t && t->kind == SD_N_TABLE && t->npts == 3 && t->xs[1] == 1 && t->ys[1] == 0.5);
  t = sd_parse_table(&A, "((-1,-0.5),(1e1,2E-1))", NULL, &err);
  CHECK(t && t->npts == 2 && t->xs[0] == -1 && t->ys[0] == -0.5 && t->xs[1] == 10 && t->ys[1] == 0.2);
  t = sd_parse_table(&A, "0, 1, 2, 10, 20, 30", NULL, &err);
  CHECK(t && t->npts == 3 && t->xs[2] == 2 && t->ys[2] == 30);
  /* points out of order are sorted by x, as Vensim reads them */
  t = sd_parse_table(&A, "(0,0),(2,1),(1,2)", NULL, &err);
  CHECK(t && t->npts == 3 && t->xs[1] == 1 && t->ys[1] == 2 && t->xs[2] == 2 && t->ys[2] == 1);
  t = sd_parse_table(&A, "0, 1, 2", NULL, &err);
  CHECK(t == NULL);
}

static void test_errors(void) {
  sd_error err;
  sd_srcpos pos = { "model.mdl", 10, 5 };
  char *deep;
  int i;
  CHECK(sd_parse_expr(&A, "a + (b", NULL, &err) == NULL);
  CHECK(err.code == SD_E_PARSE && err.line == 1 && err.col == 7 && strstr(err.msg, "missing ')'"));
  CHECK(sd_parse_expr(&A, "a + )", NULL, &err) == NULL);
  CHECK(err.col == 5 && strstr(err.msg, "')'"));
  CHECK(sd_parse_expr(&A, "a # b", NULL, &err) == NULL);
  CHECK(err.col == 3 && strstr(err.msg, "'#'"));
  CHECK(sd_parse_expr(&A, "\"unterminated", NULL, &err) == NULL);
  CHECK(err.col == 1 && strstr(err.msg, "unterminated"));
  CHECK(sd_parse_expr(&A, "a b + 1 2", NULL, &err) == NULL);
  CHECK(err.col == 9 && strstr(err.msg, "'2'"));
  CHECK(sd_parse_expr(&A, "", NULL, &err) == NULL);
  CHECK(strstr(err.msg, "empty") != NULL);
  CHECK(sd_parse_expr(&A, "MAX(1,", NULL, &err) == NULL);
  CHECK(err.code == SD_E_PARSE);
  CHECK(sd_parse_expr(&A, "a *", NULL, &err) == NULL);
  CHECK(strstr(err.msg, "end of equation") != NULL);
  /* positions on later lines, and mapped into a file */
  CHECK(sd_parse_expr(&A, "a +\n  b *\n   ) ", NULL, &err) == NULL);
  CHECK(err.line == 3 && err.col == 4);
  CHECK(sd_parse_expr(&A, "a + )", &pos, &err) == NULL);
  CHECK(err.line == 10 && err.col == 9);
  CHECK_STR(err.file, "model.mdl");
  CHECK(sd_parse_expr(&A, "a\n+ )", &pos, &err) == NULL);
  CHECK(err.line == 11 && err.col == 3);
  /* deep nesting is an error, not a stack overflow */
  deep = malloc(100001);
  for (i = 0; i < 100000; i++) deep[i] = '(';
  deep[100000] = '\0';
  CHECK(sd_parse_expr(&A, deep, NULL, &err) == NULL);
  CHECK(strstr(err.msg, "nested too deeply") != NULL);
  for (i = 0; i < 100000; i++) deep[i] = '-';
  CHECK(sd_parse_expr(&A, deep, NULL, &err) == NULL);
  CHECK(strstr(err.msg, "nested too deeply") != NULL);
  free(deep);
}

int main(void) {
  sd_arena_init(&A);
  RUN(test_numbers);
  RUN(test_names);
  RUN(test_precedence);
  RUN(test_calls);
  RUN(test_tables);
  RUN(test_errors);
  sd_arena_free(&A);
  return SD_TEST_SUMMARY();
}
