/*
 * sd_sort.c -- VECTOR SORT ORDER for longer vectors (see sd_math.h).
 *
 * Each element of a VECTOR SORT ORDER result asks which element comes
 * k-th.  Answering by ranking every element costs n^2 per element, n^3 per
 * array and step: 2 s a step for 1000 elements, and a run cannot be
 * interrupted inside a step.  A stable merge sort of the indices answers
 * the same in n log n.  It runs on the stack (nothing allocates during a
 * run), so it serves up to SD_SORT_MAX elements; the compiler refuses
 * more.
 */
#include <math.h>
#include "sd_math.h"

/* Does element a come before element b (no NaN among them)? */
static int before(const double *vec, int a, int b, int asc) {
  double x = vec[a], y = vec[b];
  if (x != y) return asc ? x < y : x > y;
  return a < b;                            /* ties keep their order */
}

double sd_sort_order_sorted(const double *vec, int n, int k, double dir) {
  int idx[SD_SORT_MAX], tmp[SD_SORT_MAX];
  int i, width, asc = dir > 0;
  if (n > SD_SORT_MAX) return NAN;
  for (i = 0; i < n; i++) {
    if (vec[i] != vec[i]) return sd_sort_order_ranked(vec, n, k, dir);   /* NaN: ranks as before */
    idx[i] = i;
  }
  if (k < 0 || k >= n) return NAN;
  for (width = 1; width < n; width *= 2) {   /* bottom-up merges */
    int lo;
    for (lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      int a = lo, b = mid, o = lo;
      while (a < mid && b < hi) tmp[o++] = before(vec, idx[b], idx[a], asc) ? idx[b++] : idx[a++];
      while (a < mid) tmp[o++] = idx[a++];
      while (b < hi) tmp[o++] = idx[b++];
    }
    for (i = 0; i < n; i++) idx[i] = tmp[i];
  }
  return idx[k];
}
