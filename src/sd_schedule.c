/*
 * sd_schedule.c -- stage 4 of the compiler (sd_compile.c): the dependencies of every
 * equation, one topological order for the initial values and one for the
 * step, and cycles reported by name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_builtins.h"
#include "sd_math.h"
#include "sd_model_impl.h"
#include "sd_program.h"
#include "sd_compile_impl.h"

/* ------------------------------------------------------------------ */
/* dependencies                                                        */

static int dep_add(deplist *l, int x) {
  int i;
  for (i = 0; i < l->n; i++) if (l->d[i] == x) return 0;
  if (l->n == l->cap) {
    int ncap = l->cap ? l->cap * 2 : 8;
    int *nd = realloc(l->d, (size_t)ncap * sizeof *nd);
    if (!nd) return -1;
    l->d = nd;
    l->cap = ncap;
  }
  l->d[l->n++] = x;
  return 0;
}

/* Variables referenced by a tree; *timefn set if it reads the clock. */
static int collect(const sd_node *n, deplist *l, int *timefn) {
  int i;
  if (n->kind == SD_N_VAR) return dep_add(l, n->ref);
  if (n->kind == SD_N_CALL && (sd_builtin_get((sd_fn)n->ref)->kind == SD_B_TIMEFN ||
                               n->ref == SD_FN_SAMPLE_IF_TRUE || n->ref == SD_FN_RANDOM_UNIFORM ||
                               n->ref == SD_FN_RANDOM_NORMAL ||
                               (n->ref >= SD_FN_RANDOM_0_1 && n->ref <= SD_FN_RANDOM_WEIBULL) ||
                               n->ref == SD_FN_DELAY_INFORMATION || n->ref == SD_FN_DELAY_MATERIAL ||
                               n->ref == SD_FN_DEPRECIATE_STRAIGHTLINE || n->ref == SD_FN_DELAY_CONVEYOR ||
                               n->ref == SD_FN_DELAY_BATCH || n->ref == SD_FN_DELAY_PROFILE ||
                               n->ref == SD_FN_QUEUE_FIFO || n->ref == SD_FN_QUEUE_AGE_AVERAGE ||
                               n->ref == SD_FN_QUEUE_AGE_IN_RANGE || n->ref == SD_FN_QUEUE_AGE_OLDEST ||
                               n->ref == SD_FN_QUEUE_FIFO_ATTRIB || n->ref == SD_FN_QUEUE_ATTRIB_AVERAGE ||
                               n->ref == SD_FN_QUEUE_ATTRIB_QUANTITY || n->ref == SD_FN_SHIFT_IF_TRUE ||
                               n->ref == SD_FN_NET_PRESENT_VALUE || n->ref == SD_FN_DEPRECIATE_BY_SCHEDULE ||
                               n->ref == SD_FN_XMILE_CONVEYOR)) *timefn = 1;
  for (i = 0; i < n->nargs; i++)
    if (collect(n->args[i], l, timefn) != 0) return -1;
  return 0;
}
int eqn_deps(cc *c, int i, deplist *l) {
  int timefn = 0;
  l->n = 0;
  return c->v[i].eqn ? collect(c->v[i].eqn, l, &timefn) : 0;
}

/* ------------------------------------------------------------------ */
/* ordering                                                            */

/* Dependencies that constrain the order of initial computation: a stock's
 * initial value, an ACTIVE INITIAL's initial expression, else the equation. */
static int init_deps(cc *c, int i, deplist *l, int *timefn) {
  const cvar *v = &c->v[i];
  const sd_node *n = v->init ? v->init : v->eqn;
  l->n = 0;
  *timefn = 0;
  if (!n) return 0;
  return collect(n, l, timefn);
}

static int orderable(const cvar *v) {
  return v->kind != CV_TIME && v->kind != CV_LOOKUP && !v->is_const;
}

/* Report one cycle among the included variables not yet ordered. */
static int report_cycle(cc *c, const deplist *deps, const char *incl, const char *when) {
  int start = -1, i, steps;
  int *seen;
  char msg[SD_ERR_MSG];
  size_t len = 0;
  for (i = 0; i < c->nv; i++) if (incl[i] && !c->v[i].done) { start = i; break; }
  seen = calloc((size_t)c->nv, sizeof *seen);
  if (!seen) return oom(c);
  /* walk unfinished dependencies until a variable repeats */
  i = start;
  for (steps = 1; !seen[i]; steps++) {
    int j, next = -1;
    seen[i] = steps;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (incl[d] && !c->v[d].done) { next = d; break; }
    }
    if (next < 0) break;
    i = next;
  }
  /* i is on the cycle: print it in dependency order */
  msg[0] = '\0';
  (void)when;
  {
    int k = i, first = 1, guard = 0, via_init = 0;
    len += (size_t)snprintf(msg + len, sizeof msg - len, "circular definition: ");
    do {
      int j, next = -1;
      if (c->v[k].kind == CV_STOCK || c->v[k].init) via_init = 1;
      if (len < sizeof msg)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s'%s'", first ? "" : " -> ", cv_display(&c->v[k]));
      first = 0;
      for (j = 0; j < deps[k].n; j++) {
        int d = deps[k].d[j];
        if (incl[d] && !c->v[d].done && seen[d]) { next = d; break; }
      }
      k = next;
    } while (k >= 0 && k != i && ++guard < c->nv);
    if (len < sizeof msg)
      snprintf(msg + len, sizeof msg - len, " -> '%s' (%s)", cv_display(&c->v[i]),
               via_init ? "the initial values depend on each other; give one of them an initial value "
                          "that does not, for example with ACTIVE INITIAL"
                        : "each needs the next to be computed first; break the loop with a stock or a delay");
  }
  free(seen);
  c->cur = i;
  return sd_fail(c->err, SD_E_CYCLE, c->v[i].text, c->v[i].pos, at_start(c->v[i].pos), at_start(c->v[i].pos),
                 "%s", msg);
}

/* Kahn's algorithm over the included variables and their dependencies
 * (definition order breaks ties).  Fills order[]; returns its length, or
 * -1 after reporting a cycle. */
static int topo_sort(cc *c, const char *incl, const deplist *deps, int *order, const char *when) {
  int *indeg = calloc((size_t)c->nv, sizeof(int));
  int *rstart = calloc((size_t)c->nv + 1, sizeof(int));
  int *radj = NULL, *fill = NULL, *queue = NULL;
  int i, j, n = 0, qh = 0, qt = 0, total = 0, nedges = 0, rc = -1;
  if (!indeg || !rstart) goto out;
  for (i = 0; i < c->nv; i++) {
    c->v[i].done = 0;
    if (!incl[i]) continue;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (!incl[d] || c->v[d].simul) continue;      /* SIMULTANEOUS: read its last iterate */
      indeg[i]++;
      rstart[d + 1]++;
      nedges++;
    }
    total++;
  }
  for (i = 0; i < c->nv; i++) rstart[i + 1] += rstart[i];
  radj = malloc((size_t)(nedges ? nedges : 1) * sizeof(int));
  fill = calloc((size_t)c->nv, sizeof(int));
  queue = malloc((size_t)(c->nv ? c->nv : 1) * sizeof(int));
  if (!radj || !fill || !queue) goto out;
  for (i = 0; i < c->nv; i++) {
    if (!incl[i]) continue;
    for (j = 0; j < deps[i].n; j++) {
      int d = deps[i].d[j];
      if (incl[d] && !c->v[d].simul) radj[rstart[d] + fill[d]++] = i;
    }
  }
  for (i = 0; i < c->nv; i++)
    if (incl[i] && indeg[i] == 0) queue[qt++] = i;
  while (qh < qt) {
    int x = queue[qh++];
    order[n++] = x;
    c->v[x].done = 1;
    for (j = rstart[x]; j < rstart[x + 1]; j++)
      if (--indeg[radj[j]] == 0) queue[qt++] = radj[j];
  }
  if (n < total) { report_cycle(c, deps, incl, when); goto out; }
  rc = n;
out:
  if (rc < 0 && !c->err->code) oom(c);
  free(indeg); free(rstart); free(radj); free(fill); free(queue);
  return rc;
}

/* The initial-value order of every orderable variable. */
int order_all(cc *c, int *order, deplist *deps, int *has_timefn) {
  char *incl = calloc((size_t)c->nv, 1);
  int i, n;
  if (!incl) return oom(c);
  for (i = 0; i < c->nv; i++) {
    if (!orderable(&c->v[i])) continue;
    incl[i] = 1;
    if (init_deps(c, i, &deps[i], &has_timefn[i]) != 0) { free(incl); return oom(c); }
  }
  n = topo_sort(c, incl, deps, order, " at the initial time");
  free(incl);
  return n;
}

/* The per-step order of the auxiliaries that change over time, from
 * their equations (which differ from the initial ones for ACTIVE INITIAL). */
int order_step(cc *c, int *order) {
  char *incl = calloc((size_t)c->nv, 1);
  deplist *deps = calloc((size_t)c->nv, sizeof(deplist));
  int i, n = -1, dummy;
  if (!incl || !deps) { oom(c); goto out; }
  for (i = 0; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if ((v->kind != CV_AUX && v->kind != CV_CONTROL) || !v->dynamic || v->is_const) continue;
    incl[i] = 1;
    if (collect(v->eqn, &deps[i], &dummy) != 0) { oom(c); goto out; }
  }
  n = topo_sort(c, incl, deps, order, "");
out:
  if (deps) for (i = 0; i < c->nv; i++) free(deps[i].d);
  free(deps);
  free(incl);
  return n;
}
