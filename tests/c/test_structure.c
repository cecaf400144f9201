/* test_structure.c -- the structure functions: the cycle search (Johnson's
 * order and shortest first) against a brute-force count on random graphs,
 * its bounds, and the links and signs the engine reads from equations. */
#include <stdlib.h>
#include "sd_test.h"
#include "sd_engine.h"

/* Simple cycles by brute force: every path from its smallest node s
 * through larger nodes back to s, counted by length. */
static long brute(int n, const unsigned char *adj, int s, int v, unsigned char *on, int len, long *by_len) {
  long c = 0;
  int w;
  for (w = 0; w < n; w++) {
    if (!adj[v * n + w]) continue;
    if (w == s) { c++; by_len[len]++; }
    else if (w > s && !on[w]) {
      on[w] = 1;
      c += brute(n, adj, s, w, on, len + 1, by_len);
      on[w] = 0;
    }
  }
  return c;
}

typedef struct seen { long count; int last_len, sorted, starts_low; long by_len[16]; } seen;

static int note(const int *nodes, int len, void *ud) {
  seen *s = ud;
  int k;
  s->count++;
  if (len < s->last_len) s->sorted = 0;
  s->last_len = len;
  for (k = 1; k < len; k++) if (nodes[k] <= nodes[0]) s->starts_low = 0;
  if (len < 16) s->by_len[len]++;
  return 0;
}

static void test_cycles_random(void) {
  int g;
  srand(12345);
  for (g = 0; g < 200; g++) {
    int n = 2 + rand() % 8, i, j, ne = 0, cl;
    int from[100], to[100];
    unsigned char adj[100], on[10];
    long want = 0, by_len[16];
    seen a, b;
    memset(adj, 0, sizeof adj);
    memset(by_len, 0, sizeof by_len);
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++)
        if (rand() % 100 < 35) { adj[i * n + j] = 1; from[ne] = i; to[ne] = j; ne++; }
    for (i = 0; i < n; i++) {
      memset(on, 0, sizeof on);
      on[i] = 1;
      want += brute(n, adj, i, i, on, 1, by_len);
    }
    memset(&a, 0, sizeof a); a.starts_low = 1;
    memset(&b, 0, sizeof b); b.sorted = 1; b.starts_low = 1;
    CHECK(sd_cycles(n, ne, from, to, 0, note, &a) == want);
    CHECK(a.count == want && a.starts_low);
    CHECK(sd_cycles_by_length(n, ne, from, to, 0, 0, note, &b, &cl) == want);
    CHECK(b.count == want && b.sorted && b.starts_low);
    for (i = 1; i < 16; i++) CHECK(b.by_len[i] == by_len[i]);
  }
}

/* The complete digraph on 5 nodes with self-loops: sum over k of
 * C(5,k) (k-1)! = 5 + 10 + 20 + 30 + 24 = 89 cycles. */
static void test_cycles_bounded(void) {
  int from[25], to[25], i, j, ne = 0, cl = -1;
  seen a, b;
  for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) { from[ne] = i; to[ne] = j; ne++; }
  memset(&a, 0, sizeof a);
  CHECK(sd_cycles(5, ne, from, to, 0, note, &a) == 89);
  memset(&a, 0, sizeof a);
  CHECK(sd_cycles(5, ne, from, to, 20, note, &a) == -2);
  CHECK(a.count == 20);
  memset(&b, 0, sizeof b); b.sorted = 1;
  CHECK(sd_cycles_by_length(5, ne, from, to, 20, 0, note, &b, &cl) == -2);
  /* all 5 self-loops and 10 two-cycles, then 5 of the 20 three-cycles */
  CHECK(b.count == 20 && b.sorted && b.by_len[1] == 5 && b.by_len[2] == 10 && b.by_len[3] == 5);
  CHECK(cl == 2);
  /* a long chain has no cycles, and costs nothing to search */
  {
    enum { N = 200000 };
    int *f = malloc(N * sizeof(int)), *t = malloc(N * sizeof(int));
    for (i = 0; i < N - 1; i++) { f[i] = i; t[i] = i + 1; }
    CHECK(sd_cycles(N, N - 1, f, t, 0, note, &a) == 0);
    /* closing it makes one cycle of N nodes */
    f[N - 1] = N - 1; t[N - 1] = 0;
    memset(&a, 0, sizeof a);
    CHECK(sd_cycles(N, N, f, t, 0, note, &a) == 1 && a.last_len == N);
    free(f); free(t);
  }
}

/* The links of a small model and their signs. */
static void test_links_signs(void) {
  sd_model *m = sd_model_new();
  sd_error err;
  sd_link *l = NULL;
  int n = 0, k, found = 0;
  double tx[3] = { 0, 1, 2 }, ty[3] = { 1, 0.5, 0.2 };
  CHECK(sd_model_add_stock(m, "S", "inflow - outflow", "10", NULL, &err) == 0);
  CHECK(sd_model_add(m, "inflow", SD_FLOW, "S * rate", NULL, &err) == 0);
  CHECK(sd_model_add(m, "outflow", SD_FLOW, "S / tau * effect(S / cap)", NULL, &err) == 0);
  CHECK(sd_model_add(m, "rate", SD_CONST, "0.1", NULL, &err) == 0);
  CHECK(sd_model_add(m, "tau", SD_CONST, "4", NULL, &err) == 0);
  CHECK(sd_model_add(m, "cap", SD_CONST, "100", NULL, &err) == 0);
  CHECK(sd_model_add(m, "gap", SD_AUX, "cap - S + INITIAL(S) + SMOOTH(S, tau)", NULL, &err) == 0);
  CHECK(sd_model_add_lookup(m, "effect", tx, ty, 3, &err) == 0);
  CHECK(sd_model_links(m, 1, &l, &n, &err) == 0);
  for (k = 0; k < n; k++) {
    const char *from = l[k].from >= 0 ? sd_model_var_text(m, l[k].from) : "Time";
    const char *to = sd_model_var_text(m, l[k].to);
    if (!strcmp(from, "inflow") && !strcmp(to, "S")) { CHECK(l[k].sign == 1); found++; }
    if (!strcmp(from, "outflow") && !strcmp(to, "S")) { CHECK(l[k].sign == -1); found++; }
    if (!strcmp(from, "S") && !strcmp(to, "inflow")) { CHECK(l[k].sign == 1); found++; }
    /* S / tau rises with S; effect(S / cap) falls: two references, two signs */
    if (!strcmp(from, "S") && !strcmp(to, "outflow")) {
      CHECK((l[k].col == 1 && l[k].sign == 1) || (l[k].col > 1 && l[k].sign == -1));
      found++;
    }
    if (!strcmp(from, "S") && !strcmp(to, "gap")) {
      if (l[k].col == 7) CHECK(l[k].sign == -1 && !l[k].init && !l[k].via);
      else if (l[k].init) CHECK(l[k].col == 19);
      else CHECK(l[k].via && !strcmp(l[k].via, "smooth") && l[k].sign == 1);
      found++;
    }
    if (!strcmp(from, "tau") && !strcmp(to, "outflow")) { CHECK(l[k].sign == -1); found++; }
  }
  CHECK(found == 9);
  free(l);
  sd_model_free(m);
}

int main(void) {
  RUN(test_cycles_random);
  RUN(test_cycles_bounded);
  RUN(test_links_signs);
  return SD_TEST_SUMMARY();
}
