/*
 * sd_funcs.c -- builtins too large to inline into the interpreter loop:
 * Vensim's VECTOR LOOKUP (a lookup over an array's values) and the RANDOM
 * distributions (sd_random.h).
 */
#include "sd_math.h"
#include "sd_random.h"

/* Vensim's VECTOR LOOKUP: the n values at vec as a lookup over n - 1
 * equal intervals from xmin to xmax, read in mode 0-9 (lookup, area,
 * backward, extrapolate, forward, invert, slope; area, invert and slope
 * extrapolated).  At most SD_VECLKP_MAX points. */
double sd_vector_lookup(const double *vec, int n, double x, double xmin, double xmax,
                                      double mode) {
  double xs[SD_VECLKP_MAX];
  sd_table t;
  int i, m;
  if (n < 1 || n > SD_VECLKP_MAX || !(mode >= 0 && mode <= 9)) return NAN;
  m = (int)mode;
  for (i = 0; i < n; i++) xs[i] = n == 1 ? xmin : xmin + (xmax - xmin) * i / (n - 1);
  t.n = n;
  t.mode = SD_DATA_LINEAR;
  t.x = xs;
  t.y = vec;
  switch (m) {
  case 0: return sd_lookup(&t, x);
  case 1: return sd_lookup_area0(&t, x, 0);
  case 2: return sd_lookup_how(&t, x, SD_DATA_HOLD);
  case 3: return sd_lookup_how(&t, x, 3);
  case 4: return sd_lookup_how(&t, x, SD_DATA_FORWARD);
  case 5: return sd_lookup_how(&t, x, 4);
  case 6: return sd_lookup_slope(&t, x, 0);
  case 7: return sd_lookup_area0(&t, x, 1);
  case 8: return sd_lookup_invert_x(&t, x);
  default: return sd_lookup_slope(&t, x, 1);
  }
}

double sd_random_dist(int dist, const double *a, int site, long step, const sd_table *tb) {
  return sd_rx_draw(dist, a, site, step, tb);
}

/* A :RAW: data series: its value where it has a point (within a
 * millionth of the spacing), Vensim's :NA: (-2^109) elsewhere. */
double sd_raw_data(const sd_table *tb, double x) {
  int lo = 0, hi = tb->n - 1;
  const double *xs = tb->x;
  double tol;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (xs[mid] <= x) lo = mid; else hi = mid;
  }
  tol = 1e-9 * (fabs(x) > 1 ? fabs(x) : 1);
  if (fabs(xs[lo] - x) <= tol) return tb->y[lo];
  if (fabs(xs[hi] - x) <= tol) return tb->y[hi];
  return -6.4903710731685345e+32;
}

/* Functions of a whole table, for LOOKUP AREA(t, x1, x2), LOOKUP SLOPE(t,
 * x1) and Vensim's GET DATA functions on a data variable's series: its
 * value at time x1 the way the series reads (AT TIME) or in mode x2 (0
 * interpolated, 1 the later point, -1 the earlier: BETWEEN TIMES), :NA:
 * outside its times; its first and last time; the largest, smallest,
 * mean and total of its points from time x1 to x2 (:NA: without any). */
double sd_tabfn(const sd_table *tb, int how, double x1, double x2) {
  const double NA = -6.4903710731685345e+32;
  int i, n = tb->n, cnt = 0;
  double acc = 0;
  switch (how) {
  case SD_TF_AREA: return sd_lookup_area(tb, x1, x2);
  case SD_TF_SLOPE: return sd_lookup_slope(tb, x1, 0);
  case SD_TF_FIRST: return n ? tb->x[0] : NA;
  case SD_TF_LAST: return n ? tb->x[n - 1] : NA;
  case SD_TF_AT_TIME: case SD_TF_BETWEEN: {
    sd_table t = *tb;
    if (n == 0 || !(x1 >= tb->x[0] && x1 <= tb->x[n - 1])) return NA;
    if (how == SD_TF_BETWEEN)
      t.mode = x2 > 0 ? SD_DATA_FORWARD : x2 < 0 ? SD_DATA_HOLD : SD_DATA_LINEAR;
    return sd_lookup(&t, x1);
  }
  default:
    for (i = 0; i < n; i++) {
      double y = tb->y[i];
      if (tb->x[i] < x1 || tb->x[i] > x2 || y == NA) continue;
      if (cnt == 0) acc = y;
      else if (how == SD_TF_MAX) acc = y > acc ? y : acc;
      else if (how == SD_TF_MIN) acc = y < acc ? y : acc;
      else acc += y;
      cnt++;
    }
    if (cnt == 0) return NA;
    return how == SD_TF_MEAN ? acc / cnt : acc;
  }
}

/* A first guess from Abramowitz and Stegun 26.2.23 (error below 4.5e-4),
 * then Halley steps on the distribution function written with erfc,
 * which carry it to the last bits in two or three steps. */
double sd_norminv(double p) {
  double q, t, x;
  int i;
  if (!(p >= 0 && p <= 1)) return NAN;
  if (p == 0) return -HUGE_VAL;
  if (p == 1) return HUGE_VAL;
  q = p < 0.5 ? p : 1 - p;      /* the lower tail, x <= 0, then the sign */
  t = sqrt(-2 * log(q));
  x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (i = 0; i < 4; i++) {
    /* e = Phi(x) - q; Halley: x -= u / (1 + x u / 2), u = e / phi(x) */
    double e = 0.5 * erfc(-x * 0.7071067811865476) - q;
    double u = e * 2.5066282746310002 * exp(0.5 * x * x);
    double dx = u / (1 + 0.5 * x * u);
    x -= dx;
    if (fabs(dx) <= 1e-15 * fabs(x)) break;
  }
  if (p > 0.5) x = -x;
  return x;
}

double sd_lookup_search(const sd_table *tb, double x, double *hint) {
  int lo, hi, n = tb->n;
  const double *xs = tb->x, *ys = tb->y;
  if (n == 0) return NAN;
  if (x != x) return x;
  if (tb->mode == SD_DATA_RAW) return sd_raw_data(tb, x);
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  lo = hint ? (int)*hint : 0;
  if (lo >= 0 && lo < n - 1 && xs[lo] <= x && x < xs[lo + 1]) {
    hi = lo + 1;
  } else if (lo >= 0 && lo < n - 2 && xs[lo + 1] <= x && x < xs[lo + 2]) {
    lo++;
    hi = lo + 1;
  } else {
    lo = 0; hi = n - 1;            /* xs[lo] < x < xs[hi] */
    while (hi - lo > 1) {
      int mid = (lo + hi) / 2;
      if (xs[mid] <= x) lo = mid; else hi = mid;
    }
  }
  if (hint) *hint = lo;
  /* data series held between points: xs[lo] <= x < xs[hi] */
  if (tb->mode == SD_DATA_HOLD) return ys[lo];
  if (tb->mode == SD_DATA_FORWARD) return xs[lo] == x ? ys[lo] : ys[hi];
  if (xs[hi] == xs[lo]) return ys[hi];
  return ys[lo] + (x - xs[lo]) * (ys[hi] - ys[lo]) / (xs[hi] - xs[lo]);
}
