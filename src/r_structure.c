/*
 * r_structure.c -- the feedback loops of a graph of links, for R's
 * sd_loops(): the engine's cycle search (sd_loops.c) with the cycles
 * gathered in memory an external pointer owns, so that nothing leaks if
 * R longjmps while the result is built.
 */
#include <stdlib.h>
#include <string.h>
#include "r_sdvm.h"

typedef struct cycles_buf {
  int *nodes;            /* every cycle's nodes, one after another */
  long nnodes, cap;
  int *len;              /* each cycle's length */
  long ncycles, lcap;
  int oom;
} cycles_buf;

static void cycles_finalize(SEXP ptr) {
  cycles_buf *b = R_ExternalPtrAddr(ptr);
  if (!b) return;
  free(b->nodes);
  free(b->len);
  free(b);
  R_ClearExternalPtr(ptr);
}

static int keep_cycle(const int *nodes, int len, void *ud) {
  cycles_buf *b = ud;
  if (b->nnodes + len > b->cap) {
    long nc = b->cap ? b->cap * 2 : 1024;
    int *nn;
    while (nc < b->nnodes + len) nc *= 2;
    nn = realloc(b->nodes, (size_t)nc * sizeof *nn);
    if (!nn) { b->oom = 1; return 1; }
    b->nodes = nn;
    b->cap = nc;
  }
  if (b->ncycles == b->lcap) {
    long nc = b->lcap ? b->lcap * 2 : 256;
    int *nl = realloc(b->len, (size_t)nc * sizeof *nl);
    if (!nl) { b->oom = 1; return 1; }
    b->len = nl;
    b->lcap = nc;
  }
  memcpy(b->nodes + b->nnodes, nodes, (size_t)len * sizeof *nodes);
  b->nnodes += len;
  b->len[b->ncycles++] = len;
  return 0;
}

/* The elementary cycles of the graph of n nodes with edges from -> to
 * (1-based), at most max_cycles of them: list(cycles = list of node
 * vectors, complete = FALSE when the search stopped at the bound,
 * complete_length: then the shortest loops are listed, every one up to
 * this length). */
SEXP C_sdvm_cycles(SEXP n, SEXP from, SEXP to, SEXP max_cycles) {
  const char *names[] = { "cycles", "complete", "complete_length", "" };
  SEXP ptr, out, cyc;
  cycles_buf *b;
  int nn = Rf_asInteger(n), ne = (int)Rf_xlength(from), k;
  int *f, *t;
  long rc, i, at = 0;
  int complete_len = 0;
  if (Rf_xlength(to) != ne) Rf_error("internal error: from and to differ in length");
  ptr = PROTECT(R_MakeExternalPtr(NULL, Rf_install("sdvm_cycles"), R_NilValue));
  R_RegisterCFinalizerEx(ptr, cycles_finalize, TRUE);
  b = calloc(1, sizeof *b);
  if (!b) Rf_error("out of memory");
  R_SetExternalPtrAddr(ptr, b);
  /* 0-based copies in R-owned memory */
  f = (int *)R_alloc((size_t)(ne ? ne : 1), sizeof(int));
  t = (int *)R_alloc((size_t)(ne ? ne : 1), sizeof(int));
  for (k = 0; k < ne; k++) { f[k] = INTEGER(from)[k] - 1; t[k] = INTEGER(to)[k] - 1; }
  rc = sd_cycles(nn, ne, f, t, (long)Rf_asReal(max_cycles), keep_cycle, b);
  if (rc == -2 && !b->oom) {
    /* more loops than asked for: list the shortest ones instead */
    b->nnodes = 0;
    b->ncycles = 0;
    rc = sd_cycles_by_length(nn, ne, f, t, (long)Rf_asReal(max_cycles), 2e9, keep_cycle, b,
                             &complete_len);
  } else complete_len = nn;
  if (rc == -1 || b->oom) Rf_error("out of memory while listing feedback loops");
  out = PROTECT(Rf_mkNamed(VECSXP, names));
  cyc = Rf_allocVector(VECSXP, (R_xlen_t)b->ncycles);
  SET_VECTOR_ELT(out, 0, cyc);
  for (i = 0; i < b->ncycles; i++) {
    SEXP v = Rf_allocVector(INTSXP, b->len[i]);
    SET_VECTOR_ELT(cyc, (R_xlen_t)i, v);
    for (k = 0; k < b->len[i]; k++) INTEGER(v)[k] = b->nodes[at + k] + 1;
    at += b->len[i];
  }
  SET_VECTOR_ELT(out, 1, Rf_ScalarLogical(rc >= 0));
  SET_VECTOR_ELT(out, 2, Rf_ScalarInteger(complete_len));
  UNPROTECT(2);
  return out;
}
