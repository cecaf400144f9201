/*
 * sd_loops.c -- the elementary cycles (feedback loops) of a directed
 * graph, by Johnson's algorithm (SIAM J. Comput. 4(1), 1975): for each
 * start node s in turn, the cycles through s among the nodes after it in
 * s's strongly connected component, with "blocked" marks so that every
 * cycle is found once and the work between two cycles is bounded by the
 * size of the graph.
 *
 * Everything is iterative (explicit stacks): a model can have a million
 * variables, and a recursive walk of a long chain would overflow the C
 * stack.  Nodes in no cycle are never searched from, so graphs with few
 * loops cost time in proportion to their size.
 */
#include <stdlib.h>
#include <string.h>
#include "sd_engine.h"

typedef struct ivec { int *d; int n, cap; } ivec;

static int ivec_push(ivec *v, int x) {
  if (v->n == v->cap) {
    int nc = v->cap ? v->cap * 2 : 4;
    int *nd = realloc(v->d, (size_t)nc * sizeof *nd);
    if (!nd) return -1;
    v->d = nd;
    v->cap = nc;
  }
  v->d[v->n++] = x;
  return 0;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return x < y ? -1 : x > y;
}

/* The graph's edges src[k] -> dst[k] (those within 0..n-1) as adjacency
 * lists in CSR form: node v's successors are (*adj)[(*off)[v] ..
 * (*off)[v+1] - 1], sorted, each once.  Returns 0 or -1 (out of memory). */
static int csr(int n, int nedges, const int *src, const int *dst, int **off_out, int **adj_out) {
  int *off = calloc((size_t)n + 1, sizeof(int)), *adj = malloc((size_t)(nedges ? nedges : 1) * sizeof(int));
  int *fill = malloc((size_t)n * sizeof(int));
  int k, m = 0;
  if (!off || !adj || !fill) { free(off); free(adj); free(fill); return -1; }
  for (k = 0; k < nedges; k++)
    if (src[k] >= 0 && src[k] < n && dst[k] >= 0 && dst[k] < n) off[src[k] + 1]++;
  for (k = 0; k < n; k++) off[k + 1] += off[k];
  memcpy(fill, off, (size_t)n * sizeof(int));
  for (k = 0; k < nedges; k++)
    if (src[k] >= 0 && src[k] < n && dst[k] >= 0 && dst[k] < n) adj[fill[src[k]]++] = dst[k];
  /* sort each list and drop repeats, compacting in place (fill[k]: node
     k's new end meanwhile) */
  for (k = 0; k < n; k++) {
    int a = off[k], e = off[k + 1], j;
    qsort(adj + a, (size_t)(e - a), sizeof(int), cmp_int);
    for (j = a; j < e; j++) if (j == a || adj[j] != adj[j - 1]) adj[m++] = adj[j];
    fill[k] = m;
  }
  for (k = n; k > 0; k--) off[k] = fill[k - 1];
  off[0] = 0;
  free(fill);
  *off_out = off;
  *adj_out = adj;
  return 0;
}

/* Strongly connected components (Tarjan, iterative), of the subgraph on
 * a set of nodes, reusable on smaller and smaller sets: Johnson's search
 * removes its start node from its component and splits what is left. */
typedef struct sccs {
  int *index, *low, *stack, *cs, *ce;
  unsigned char *in;      /* 1: in the set being split; 2: also on Tarjan's stack */
  int *comp;              /* node -> its component */
  int *memb;              /* members, one component after another */
  ivec start, size;       /* per component: where its members begin, how many */
} sccs;

static int sccs_init(sccs *t, int n) {
  memset(t, 0, sizeof *t);
  t->index = malloc((size_t)n * sizeof(int));
  t->low = malloc((size_t)n * sizeof(int));
  t->stack = malloc((size_t)n * sizeof(int));
  t->cs = malloc((size_t)n * sizeof(int));
  t->ce = malloc((size_t)n * sizeof(int));
  t->in = calloc((size_t)n, 1);
  t->comp = malloc((size_t)n * sizeof(int));
  t->memb = malloc((size_t)n * sizeof(int));
  return t->index && t->low && t->stack && t->cs && t->ce && t->in && t->comp && t->memb ? 0 : -1;
}

static void sccs_free(sccs *t) {
  free(t->index); free(t->low); free(t->stack); free(t->cs); free(t->ce);
  free(t->in); free(t->comp); free(t->memb); free(t->start.d); free(t->size.d);
}

/* Split the nodes[0..nn-1] (which may live in memb) into components,
 * writing their members to memb from position at on.  Returns 0 or -1. */
static int sccs_split(sccs *t, const int *off, const int *adj, int *nodes, int nn, int at) {
  int next = 0, sp = 0, k, r, out = at;
  for (k = 0; k < nn; k++) { t->in[nodes[k]] = 1; t->index[nodes[k]] = -1; }
  for (k = 0; k < nn; k++) {
    int top = 0;
    r = nodes[k];
    if (t->index[r] >= 0) continue;
    t->cs[0] = r; t->ce[0] = off[r];
    t->index[r] = t->low[r] = next++;
    t->stack[sp++] = r; t->in[r] = 2;
    while (top >= 0) {
      int v = t->cs[top];
      if (t->ce[top] < off[v + 1]) {
        int w = adj[t->ce[top]++];
        if (!t->in[w]) continue;
        if (t->index[w] < 0) {
          t->index[w] = t->low[w] = next++;
          t->stack[sp++] = w; t->in[w] = 2;
          top++;
          t->cs[top] = w; t->ce[top] = off[w];
        } else if (t->in[w] == 2 && t->index[w] < t->low[v]) t->low[v] = t->index[w];
      } else {
        if (t->low[v] == t->index[v]) {
          int w, id = t->start.n, first = out;
          do { w = t->stack[--sp]; t->in[w] = 3; t->comp[w] = id; t->memb[out++] = w; } while (w != v);
          if (ivec_push(&t->start, first) != 0 || ivec_push(&t->size, out - first) != 0) return -1;
        }
        top--;
        if (top >= 0 && t->low[v] < t->low[t->cs[top]]) t->low[t->cs[top]] = t->low[v];
      }
    }
  }
  for (k = at; k < out; k++) t->in[t->memb[k]] = 0;
  return 0;
}

long sd_cycles(int n, int nedges, const int *from, const int *to, long max_cycles,
               int (*emit)(const int *nodes, int len, void *ud), void *ud) {
  int *off = NULL, *adj = NULL, *blocked = NULL, *comp;
  int *path = NULL, *eit = NULL, *found = NULL, *rest = NULL;
  ivec ustack = { NULL, 0, 0 };
  ivec *B = NULL;
  sccs t;
  long count = 0, rc = 0;
  int k, s;
  if (n <= 0) return 0;
  blocked = calloc((size_t)n, sizeof(int));
  path = malloc((size_t)n * sizeof(int));
  eit = malloc((size_t)n * sizeof(int));
  found = malloc((size_t)n * sizeof(int));
  rest = malloc((size_t)n * sizeof(int));
  B = calloc((size_t)n, sizeof(ivec));
  if (sccs_init(&t, n) != 0 || !blocked || !path || !eit || !found || !rest || !B ||
      csr(n, nedges, from, to, &off, &adj) != 0) { rc = -1; goto out; }
  for (k = 0; k < n; k++) rest[k] = k;
  if (sccs_split(&t, off, adj, rest, n, 0) != 0) { rc = -1; goto out; }
  comp = t.comp;

  /* Johnson: each start s in turn, in its component; then s leaves the
     component and the rest is split again, so that later starts only see
     nodes after them and the work stays in proportion to the cycles */
  for (s = 0; s < n && rc == 0; s++) {
    int top, selfloop = 0, j, c = comp[s], cstart = t.start.d[c], csize = t.size.d[c];
    for (j = off[s]; j < off[s + 1]; j++) if (adj[j] == s) selfloop = 1;
    if (csize < 2 && !selfloop) continue;
    /* reset the marks of the component (all its members are after s) */
    for (k = 0; k < csize; k++) { int v = t.memb[cstart + k]; blocked[v] = 0; B[v].n = 0; }
    /* the walk: path[0..top], eit = next edge to try, found = a cycle
       was closed below this node */
    top = 0;
    path[0] = s; eit[0] = off[s]; found[0] = 0; blocked[s] = 1;
    while (top >= 0) {
      int v = path[top];
      if (eit[top] < off[v + 1]) {
        int w = adj[eit[top]++];
        if (w < s || comp[w] != comp[s]) continue;
        if (w == s) {
          found[top] = 1;
          count++;
          if (emit && emit(path, top + 1, ud) != 0) { rc = -2; break; }
          if (max_cycles > 0 && count >= max_cycles) { rc = -2; break; }
        } else if (!blocked[w]) {
          top++;
          path[top] = w; eit[top] = off[w]; found[top] = 0; blocked[w] = 1;
        }
      } else {
        if (found[top]) {
          /* unblock v and, through B, whatever waited on it */
          ustack.n = 0;
          if (ivec_push(&ustack, v) != 0) { rc = -1; break; }
          while (ustack.n > 0) {
            int u = ustack.d[--ustack.n];
            if (!blocked[u]) continue;
            blocked[u] = 0;
            while (B[u].n > 0) {
              int w = B[u].d[--B[u].n];
              if (blocked[w] && ivec_push(&ustack, w) != 0) { rc = -1; break; }
            }
          }
        } else {
          for (j = off[v]; j < off[v + 1]; j++) {
            int w = adj[j], q, dup = 0;
            if (w < s || comp[w] != comp[s]) continue;
            for (q = 0; q < B[w].n; q++) if (B[w].d[q] == v) { dup = 1; break; }
            if (!dup && ivec_push(&B[w], v) != 0) { rc = -1; break; }
          }
        }
        if (rc != 0) break;
        if (top > 0 && found[top]) found[top - 1] = 1;
        top--;
      }
    }
    if (rc != 0) break;
    /* s leaves its component; the rest splits in the same place */
    {
      int m = 0;
      for (k = 0; k < csize; k++) if (t.memb[cstart + k] != s) rest[m++] = t.memb[cstart + k];
      t.size.d[c] = 0;
      if (sccs_split(&t, off, adj, rest, m, cstart) != 0) { rc = -1; break; }
    }
  }
out:
  if (B) for (k = 0; k < n; k++) free(B[k].d);
  free(B); free(off); free(adj); free(blocked); free(rest);
  free(path); free(eit); free(found); free(ustack.d);
  sccs_free(&t);
  return rc < 0 ? rc : count;
}

/* ---- shortest loops first ---------------------------------------------
 * When a graph has more loops than the caller wants, Johnson's order
 * (by start node) would give an arbitrary sample, mostly long loops.
 * This lists them by length instead: every loop of length 1, then 2, ...,
 * by a depth-limited walk from each start node s over the nodes after it
 * in its component, pruned by the distance back to s (a walk that cannot
 * close within the length is not extended). */

long sd_cycles_by_length(int n, int nedges, const int *from, const int *to, long max_cycles,
                         double max_work, int (*emit)(const int *nodes, int len, void *ud),
                         void *ud, int *complete_len) {
  int *off = NULL, *adj = NULL, *roff = NULL, *radj = NULL, *comp = NULL, *csize = NULL;
  int *dist = NULL, *queue = NULL, *path = NULL, *eit = NULL, *onpath = NULL;
  sccs t;
  long count = 0, rc = 0;
  double work = 0;
  int k, s, L, maxc = 0;
  *complete_len = 0;
  if (n <= 0) return 0;
  dist = malloc((size_t)n * sizeof(int));
  queue = malloc((size_t)n * sizeof(int));
  path = malloc(((size_t)n + 1) * sizeof(int));
  eit = malloc(((size_t)n + 1) * sizeof(int));
  onpath = calloc((size_t)n, sizeof(int));
  if (sccs_init(&t, n) != 0 || !dist || !queue || !path || !eit || !onpath ||
      csr(n, nedges, from, to, &off, &adj) != 0 || csr(n, nedges, to, from, &roff, &radj) != 0) {
    rc = -1;
    goto out;
  }
  for (k = 0; k < n; k++) queue[k] = k;
  if (sccs_split(&t, off, adj, queue, n, 0) != 0) { rc = -1; goto out; }
  comp = t.comp;
  csize = t.size.d;
  for (k = 0; k < n; k++) if (csize[comp[k]] > maxc) maxc = csize[comp[k]];
  for (L = 1; L <= maxc && rc == 0; L++) {
    for (s = 0; s < n && rc == 0; s++) {
      int qh = 0, qt = 0, top, j;
      if (csize[comp[s]] < 2) {
        int self = 0;
        for (j = off[s]; j < off[s + 1]; j++) if (adj[j] == s) self = 1;
        if (!self || L > 1) continue;
      }
      if (L > csize[comp[s]]) continue;
      /* distances back to s over the nodes after it in its component */
      for (k = 0; k < csize[comp[s]]; k++) dist[t.memb[t.start.d[comp[s]] + k]] = -1;
      dist[s] = 0;
      queue[qt++] = s;
      while (qh < qt) {
        int u = queue[qh++];
        if (dist[u] >= L) continue;
        for (j = roff[u]; j < roff[u + 1]; j++) {
          int w = radj[j];
          if (w < s || comp[w] != comp[s] || dist[w] >= 0) continue;
          dist[w] = dist[u] + 1;
          queue[qt++] = w;
        }
      }
      work += qt;
      top = 0;
      path[0] = s; eit[0] = off[s]; onpath[s] = 1;
      while (top >= 0) {
        int v = path[top];
        if (eit[top] < off[v + 1]) {
          int w = adj[eit[top]++];
          work += 1;
          if (w == s) {
            if (top + 1 == L) {
              count++;
              if (emit && emit(path, L, ud) != 0) { rc = -2; break; }
              if (max_cycles > 0 && count >= max_cycles) { rc = -2; break; }
            }
          } else if (w > s && comp[w] == comp[s] && !onpath[w] && dist[w] >= 0 &&
                     top + 1 + dist[w] <= L && top + 1 < L) {
            top++;
            path[top] = w; eit[top] = off[w]; onpath[w] = 1;
          }
          if (max_work > 0 && work > max_work) { rc = -2; break; }
        } else {
          onpath[v] = 0;
          top--;
        }
      }
      for (k = 0; k <= top; k++) onpath[path[k]] = 0;
    }
    if (rc == 0) *complete_len = L;
  }
out:
  free(off); free(roff); free(adj); free(radj);
  sccs_free(&t);
  free(dist); free(queue); free(path); free(eit); free(onpath);
  return rc < 0 ? rc : count;
}
