/*
 * sd_random.h -- Vensim's RANDOM distributions (internal; the VM's RANDX
 * instruction).
 *
 * Every draw is a pure function of (stream seed, call site, step number),
 * built on sd_unit() of sd_math.h: uniform j of a draw is sd_unit(seed,
 * site, step, j) for j = 0, 1, 2, ..., so a run is reproducible, the same
 * in both dispatch loops and at every Runge-Kutta stage of a step, with no
 * state.  Vensim's own generator is not reproduced.  The distributions
 * are numbered SD_RX_* (sd_math.h).
 *
 * The arguments follow Vensim's reference (Functions > Random): m and x
 * are the minimum and maximum, h the shift and r the stretch, s the
 * stream; the distribution's draw is stretched by r, shifted by h, then
 * truncated to [m, x] by drawing again (up to SD_RANDOM_TRIES times; then
 * the nearer bound).
 */
#ifndef SD_RANDOM_H
#define SD_RANDOM_H

#include <math.h>
#include "sd_math.h"


#define SD_RANDOM_TRIES 100

/* a draw in progress: where its uniforms come from */
typedef struct sd_rx {
  double seed;
  int site;
  long step;
  int j;
} sd_rx;

static inline double sd_rx_unit(sd_rx *r) { return sd_unit(r->seed, r->site, r->step, r->j++); }

static inline double sd_rx_normal(sd_rx *r) {
  double u1 = sd_rx_unit(r), u2 = sd_rx_unit(r);
  return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Gamma(shape, 1): Marsaglia and Tsang's method; a shape below 1 from
 * shape + 1 and a uniform power. */
static inline double sd_rx_gamma(sd_rx *r, double shape) {
  double d, c, boost = 1;
  int tries;
  if (!(shape > 0)) return NAN;
  if (shape < 1) {
    boost = pow(sd_rx_unit(r), 1 / shape);
    shape += 1;
  }
  d = shape - 1.0 / 3;
  c = 1 / sqrt(9 * d);
  for (tries = 0; tries < 1000; tries++) {
    double x = sd_rx_normal(r), v = 1 + c * x, u;
    if (v <= 0) continue;
    v = v * v * v;
    u = sd_rx_unit(r);
    if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return boost * d * v;
  }
  return boost * d;
}

/* Binomial(n, p) by inversion; a normal approximation where q^n
 * underflows (n in the tens of thousands). */
static inline double sd_rx_binomial(sd_rx *r, double p, double nd) {
  double n = floor(nd + 0.5), q = 1 - p, u, pk, cdf, x = 0;
  if (!(n >= 1) || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (n * log(q) < -700) {
    double z = floor(n * p + sqrt(n * p * q) * sd_rx_normal(r) + 0.5);
    return z < 0 ? 0 : z > n ? n : z;
  }
  u = sd_rx_unit(r);
  pk = pow(q, n);
  cdf = pk;
  while (u > cdf && x < n) {
    pk *= (n - x) / (x + 1) * p / q;
    x += 1;
    cdf += pk;
  }
  return x;
}

/* Poisson(mean): multiplication for small means, sums of parts for
 * larger ones, a normal approximation beyond 1e5. */
static inline double sd_rx_poisson(sd_rx *r, double mean) {
  double total = 0, part, lim, prod;
  long parts, i;
  int k;
  if (!(mean > 0)) return 0;
  if (mean > 1e5) {
    double z = floor(mean + sqrt(mean) * sd_rx_normal(r) + 0.5);
    return z < 0 ? 0 : z;
  }
  parts = (long)ceil(mean / 30);
  part = mean / (double)parts;
  lim = exp(-part);
  for (i = 0; i < parts; i++) {
    k = 0;
    prod = sd_rx_unit(r);
    while (prod > lim) { k++; prod *= sd_rx_unit(r); }
    total += k;
  }
  return total;
}

/* The number of trials up to the n-th success (Vensim's NEGATIVE
 * BINOMIAL counts from n). */
static inline double sd_rx_negbinomial(sd_rx *r, double p, double nd) {
  double n = floor(nd + 0.5), total = 0;
  long i;
  if (!(n >= 1) || !(p > 0)) return NAN;
  if (p >= 1) return n;
  if (n > 1e6) n = 1e6;
  for (i = 0; i < (long)n; i++) total += floor(log(sd_rx_unit(r)) / log(1 - p)) + 1;
  return total;
}

/* A draw from the density given by a table's points (linear between
 * them), by inverting its cumulative area. */
static inline double sd_rx_table(sd_rx *r, const sd_table *tb) {
  double area = 0, target, acc = 0;
  int i;
  if (tb->n < 2) return tb->n == 1 ? tb->x[0] : NAN;
  for (i = 0; i + 1 < tb->n; i++) {
    double y0 = tb->y[i] > 0 ? tb->y[i] : 0, y1 = tb->y[i + 1] > 0 ? tb->y[i + 1] : 0;
    area += 0.5 * (y0 + y1) * (tb->x[i + 1] - tb->x[i]);
  }
  if (!(area > 0)) return NAN;
  target = sd_rx_unit(r) * area;
  for (i = 0; i + 1 < tb->n; i++) {
    double x0 = tb->x[i], w = tb->x[i + 1] - x0;
    double y0 = tb->y[i] > 0 ? tb->y[i] : 0, y1 = tb->y[i + 1] > 0 ? tb->y[i + 1] : 0;
    double seg = 0.5 * (y0 + y1) * w, need, slope;
    if (acc + seg < target && i + 2 < tb->n) { acc += seg; continue; }
    need = target - acc;
    if (w <= 0) return x0;
    slope = (y1 - y0) / w;
    /* solve y0 t + slope t^2 / 2 = need for t in [0, w] */
    if (fabs(slope) < 1e-300) return y0 > 0 ? x0 + need / y0 : x0;
    {
      double disc = y0 * y0 + 2 * slope * need, t;
      t = (-y0 + sqrt(disc > 0 ? disc : 0)) / slope;
      return x0 + (t < 0 ? 0 : t > w ? w : t);
    }
  }
  return tb->x[tb->n - 1];
}

/* One value of distribution `dist` from operand values a[] (see the
 * enum), at step `step` of call site `site`.  tb: the table of RANDOM
 * LOOKUP, else unused. */
static inline double sd_rx_draw(int dist, const double *a, int site, long step, const sd_table *tb) {
  sd_rx r;
  double lo, hi, h = 0, st = 1, x = NAN;
  int tries;
  r.site = site;
  r.step = step;
  r.j = 0;
  if (dist == SD_RX_UNIT) {
    r.seed = 0;
    return sd_rx_unit(&r);
  }
  lo = a[0];
  hi = a[1];
  switch (dist) {
  case SD_RX_BETA: case SD_RX_BINOMIAL: case SD_RX_NEGBINOMIAL:
    h = a[4]; st = a[5]; r.seed = a[6]; break;
  case SD_RX_EXPONENTIAL: h = a[2]; st = a[3]; r.seed = a[4]; break;
  case SD_RX_LOOKUP: h = a[2]; st = a[3]; r.seed = a[4]; break;
  case SD_RX_GAMMA: case SD_RX_POISSON: case SD_RX_WEIBULL: h = a[3]; st = a[4]; r.seed = a[5]; break;
  case SD_RX_TRIANGULAR: r.seed = a[5]; break;
  default: return NAN;
  }
  for (tries = 0; tries < SD_RANDOM_TRIES; tries++) {
    double d;
    switch (dist) {
    case SD_RX_BETA: {
      double g1 = sd_rx_gamma(&r, a[2]), g2 = sd_rx_gamma(&r, a[3]);
      d = g1 / (g1 + g2);
      break;
    }
    case SD_RX_BINOMIAL: d = sd_rx_binomial(&r, a[2], a[3]); break;
    case SD_RX_NEGBINOMIAL: d = sd_rx_negbinomial(&r, a[2], a[3]); break;
    case SD_RX_EXPONENTIAL: d = -log(sd_rx_unit(&r)); break;
    case SD_RX_GAMMA: d = sd_rx_gamma(&r, a[2] < 1 ? 1 : a[2]); break;   /* an order below 1 is 1 */
    case SD_RX_POISSON: d = sd_rx_poisson(&r, a[2]); break;
    case SD_RX_WEIBULL: d = a[2] > 0 ? pow(-log(sd_rx_unit(&r)), 1 / a[2]) : NAN; break;
    case SD_RX_LOOKUP: d = tb ? sd_rx_table(&r, tb) : NAN; break;
    default: {          /* triangular: start a[2], peak a[3], end a[4] */
      double s0 = a[2], pk = a[3], e = a[4], u = sd_rx_unit(&r), w = e - s0;
      if (!(w > 0)) { d = s0; break; }
      d = u < (pk - s0) / w ? s0 + sqrt(u * w * (pk - s0)) : e - sqrt((1 - u) * w * (e - pk));
      break;
    }
    }
    x = dist == SD_RX_TRIANGULAR ? d : h + st * d;
    if (x != x) return x;
    if (!(lo < hi) || (x >= lo && x <= hi)) return x;
  }
  return x < lo ? lo : hi;
}

#endif
