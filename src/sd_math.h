/*
 * sd_math.h -- the semantics of every numeric operation, written once.
 *
 * The interpreter handlers and the compiler's constant folder both call
 * these, so a folded constant is bit-for-bit what the VM would compute.
 * Vensim's definitions are followed where they differ from C's.
 */
#ifndef SD_MATH_H
#define SD_MATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "sd_program.h"

/* The helpers below that read values by slot (listed operands, vectors
 * of array elements) read slot j of v as SD_VEC(v, j).  The interpreter
 * that runs several runs in lockstep (sd_vm_lanes_*.c) keeps each slot's
 * lanes side by side and defines SD_VSTRIDE as its lane count before
 * including this file; it passes v + lane.  Everywhere else the stride
 * is 1 and folds away. */
#ifndef SD_VSTRIDE
#define SD_VSTRIDE 1
#endif
#define SD_VEC(v, j) ((v)[(size_t)(j) * SD_VSTRIDE])

static inline double sd_bool(int c) { return c ? 1.0 : 0.0; }

/* Vensim's INTEGER truncates toward zero. */
static inline double sd_int(double x) { return x < 0 ? ceil(x) : floor(x); }

/* MODULO(a, b): Vensim's is C's fmod, with the sign of the dividend
 * (MODULO(-7, 3) = -1; checked against Vensim in test-models/rounding). */
static inline double sd_mod(double a, double b) {
  return fmod(a, b);
}

/* QUANTUM(x, q): x truncated to a multiple of q; x itself when q is not
 * positive (checked against Vensim in test-models/subscripted_round). */
static inline double sd_quantum(double x, double q) {
  return q <= 0 ? x : q * sd_int(x / q);
}

/* a ^ b.  Squares (C-LEARN's SSHAPE squares at every step through a
 * variable exponent) are one multiplication, the correctly rounded square,
 * instead of a call into libm. */
static inline double sd_pow(double a, double b) { return b == 2 ? a * a : pow(a, b); }
static inline double sd_zidz(double a, double b) { return b == 0 ? 0.0 : a / b; }
static inline double sd_xidz(double a, double b, double x) { return b == 0 ? x : a / b; }
static inline double sd_min(double a, double b) { return a < b ? a : b; }
static inline double sd_max(double a, double b) { return a > b ? a : b; }
static inline double sd_logb(double x, double base) { return log(x) / log(base); }

/* Time comparisons in the input functions allow for the rounding of
 * TIME = INITIAL TIME + n * TIME STEP: an event at t fires at the step
 * whose time is within a millionth of a step of t. */
static inline double sd_time_tol(double dt) { return fabs(dt) * 1e-6; }

/* STEP(height, stime): height from stime on. */
static inline double sd_step(double t, double dt, double height, double stime) {
  return t + sd_time_tol(dt) >= stime ? height : 0.0;
}

/* PULSE(start, width): 1 for start <= t < start + width.  A width of 0
 * means one TIME STEP (Vensim). */
static inline double sd_pulse(double t, double dt, double start, double width) {
  double tol = sd_time_tol(dt);
  if (width == 0) width = dt;
  return (t + tol >= start && t + tol < start + width) ? 1.0 : 0.0;
}

/* PULSE TRAIN(start, width, repeat, end): PULSE(start, width) repeated
 * every `repeat` while t <= end. */
static inline double sd_pulse_train(double t, double dt, double start,
                                    double width, double repeat, double end) {
  double tol = sd_time_tol(dt), k;
  if (t + tol < start || t - tol > end) return 0.0;
  if (width == 0) width = dt;
  if (repeat <= 0) return sd_pulse(t, dt, start, width);
  k = floor((t + tol - start) / repeat);
  return (t + tol - (start + k * repeat) < width) ? 1.0 : 0.0;
}

/* RAMP(slope, start, end): 0 before start, rising at slope until end,
 * level afterwards. */
static inline double sd_ramp(double t, double slope, double start, double end) {
  if (t < start) return 0.0;
  if (t < end) return slope * (t - start);
  return slope * (end - start);
}

/* VECTOR ELM MAP: the element `offset` places after element k0 of a
 * vector of n values (NaN outside it). */
static inline double sd_elm_map(const double *vec, int k0, int n, double offset) {
  double k = (double)k0 + floor(offset + 0.5);
  return (k >= 0 && k < n) ? SD_VEC(vec, (int)k) : NAN;
}

/* VECTOR SORT ORDER: the (0-based) index of the element that comes k-th
 * when the n values are sorted, ascending for dir > 0, descending
 * otherwise; ties keep their order. */
static inline double sd_sort_order_ranked(const double *vec, int n, int k, double dir) {
  int i, j;
  for (i = 0; i < n; i++) {
    int rank = 0;
    for (j = 0; j < n; j++) {
      double xj = SD_VEC(vec, j), xi = SD_VEC(vec, i);
      int before = dir > 0 ? (xj < xi) : (xj > xi);
      if (before || (xj == xi && j < i)) rank++;
    }
    if (rank == k) return i;
  }
  return NAN;
}

/* The same by a stable sort of the indices (sd_sort.c): n log n instead
 * of n^2 per element; identical results (with a NaN among the values it
 * ranks as above).  At most SD_SORT_MAX elements (the compiler checks). */
#define SD_SORT_MAX 2048
double sd_sort_order_sorted(const double *vec, int n, int k, double dir);

static inline double sd_sort_order(const double *vec, int n, int k, double dir) {
#if SD_VSTRIDE > 1
  if (n > 32) {
    /* one lane's values, gathered for the out-of-line sort */
    double g[SD_SORT_MAX];
    int i;
    for (i = 0; i < n; i++) g[i] = SD_VEC(vec, i);
    return sd_sort_order_sorted(g, n, k, dir);
  }
#endif
  return n <= 32 ? sd_sort_order_ranked(vec, n, k, dir) : sd_sort_order_sorted(vec, n, k, dir);
}

/* VECTOR RANK: the rank (1 = first) of value k among the n values when
 * sorted ascending for dir > 0, descending otherwise; ties keep their
 * order (as VECTOR SORT ORDER). */
static inline double sd_rank(const double *vec, int n, int k, double dir) {
  int j, rank = 1;
  for (j = 0; j < n; j++) {
    double xj = SD_VEC(vec, j), xk = SD_VEC(vec, k);
    int before = dir > 0 ? (xj < xk) : (xj > xk);
    if (before || (xj == xk && j < k)) rank++;
  }
  return rank;
}

/* Operand k of an instruction whose operand slots are listed after it,
 * three per EXT word (SD_F_LIST), in its d, a, b fields.  Counted as
 * int32 fields from the first word's d, each word's op field skipped,
 * operand k is field k + k / 3: one multiply-shift and one load, no
 * branch on which field. */
typedef char sd_ins_fields_are_packed[(offsetof(sd_ins, a) == offsetof(sd_ins, d) + 4 &&
                                       offsetof(sd_ins, b) == offsetof(sd_ins, d) + 8 &&
                                       sizeof(sd_ins) == offsetof(sd_ins, d) + 12) ? 1 : -1];
static inline double sd_opnd(const double *v, const sd_ins *ext, int k) {
  int32_t slot;
  memcpy(&slot, (const unsigned char *)ext + offsetof(sd_ins, d) + sizeof(int32_t) * (size_t)(k + k / 3),
         sizeof slot);
  return SD_VEC(v, slot);
}

/* The slot of listed operand k (as sd_opnd reads its value). */
static inline int32_t sd_opnd_slot(const sd_ins *ext, int k) {
  int32_t slot;
  memcpy(&slot, (const unsigned char *)ext + offsetof(sd_ins, d) + sizeof(int32_t) * (size_t)(k + k / 3),
         sizeof slot);
  return slot;
}

/* SUM (how 0), PROD (1), VMIN (2), VMAX (3) of n listed operands, in
 * order; for SD_VSTRIDE lanes at once (operand k of lane l at
 * v[slot_k * SD_VSTRIDE + l]), each in the same order as alone, into
 * out[l].  The operand list is decoded once for all lanes. */
static inline void sd_reduce(const double *v, const sd_ins *ext, int n, int how, double *out) {
  double acc[SD_VSTRIDE];
  const double *y = v + (size_t)sd_opnd_slot(ext, 0) * SD_VSTRIDE;
  int i, l;
  for (l = 0; l < SD_VSTRIDE; l++) acc[l] = y[l];
  for (i = 1; i < n; i++) {
    y = v + (size_t)sd_opnd_slot(ext, i) * SD_VSTRIDE;
    switch (how) {
    case 0: for (l = 0; l < SD_VSTRIDE; l++) acc[l] = acc[l] + y[l]; break;
    case 1: for (l = 0; l < SD_VSTRIDE; l++) acc[l] = acc[l] * y[l]; break;
    case 2: for (l = 0; l < SD_VSTRIDE; l++) acc[l] = sd_min(acc[l], y[l]); break;
    default: for (l = 0; l < SD_VSTRIDE; l++) acc[l] = sd_max(acc[l], y[l]); break;
    }
  }
  for (l = 0; l < SD_VSTRIDE; l++) out[l] = acc[l];
}

/* VECTOR SELECT over n (selection, value) pairs: the operands are n
 * selections, n values, the missing value, the action and the error
 * action.  Over the pairs whose selection is not 0, Vensim's actions: 0
 * sum, 1 product, 2 min, 3 max, 4 mean of selection * value; 5 product of
 * value ^ selection; 6 sum, 7 product, 8 min, 9 max, 10 mean of the
 * values.  No selection: the missing value; another action: NaN.
 * For SD_VSTRIDE lanes at once (operand k of lane l at
 * v[slot_k * SD_VSTRIDE + l]), each lane with its own accumulator, in the
 * same order as alone; out[l] gets lane l's result.  The operand list is
 * decoded once for all lanes. */
static inline void sd_vector_select(const double *v, const sd_ins *ext, int n, double *out) {
  double acc[SD_VSTRIDE];
  int cnt[SD_VSTRIDE], act[SD_VSTRIDE], i, l;
  const int32_t ms = sd_opnd_slot(ext, 2 * n), as = sd_opnd_slot(ext, 2 * n + 1), es = sd_opnd_slot(ext, 2 * n + 2);
  for (l = 0; l < SD_VSTRIDE; l++) {
    double a = v[(size_t)as * SD_VSTRIDE + (size_t)l];
    /* range first: converting an out-of-range double to int is undefined */
    act[l] = (a >= 0 && a <= 10 && a == floor(a)) ? (int)a : -1;
    acc[l] = 0;
    cnt[l] = 0;
  }
  i = 0;
#if SD_VSTRIDE > 1
  {
    /* while every lane has the same action and each selection is 0 in all
       lanes or in none (a fixed selection, the usual case), the lanes go
       in step: one test per pair, and loops over the lanes */
    int a0 = act[0], c0 = 0, same = a0 >= 0;
    for (l = 1; l < SD_VSTRIDE; l++) same = same && act[l] == a0;
    for (; same && i < n; i++) {
      const double *s_ = v + (size_t)sd_opnd_slot(ext, i) * SD_VSTRIDE;
      const double *v_ = v + (size_t)sd_opnd_slot(ext, n + i) * SD_VSTRIDE;
      double x[SD_VSTRIDE];
      int m = 0;
      for (l = 0; l < SD_VSTRIDE; l++) m += s_[l] != 0;
      if (m == 0) continue;
      if (m != SD_VSTRIDE) break;             /* the lanes part: one by one from here */
      for (l = 0; l < SD_VSTRIDE; l++) x[l] = a0 < 5 ? s_[l] * v_[l] : a0 == 5 ? pow(v_[l], s_[l]) : v_[l];
      if (c0 == 0) {
        for (l = 0; l < SD_VSTRIDE; l++) acc[l] = x[l];
      } else {
        switch (a0) {
        case 0: case 4: case 6: case 10: for (l = 0; l < SD_VSTRIDE; l++) acc[l] += x[l]; break;
        case 1: case 5: case 7: for (l = 0; l < SD_VSTRIDE; l++) acc[l] *= x[l]; break;
        case 2: case 8: for (l = 0; l < SD_VSTRIDE; l++) if (x[l] < acc[l]) { acc[l] = x[l]; } break;
        default: for (l = 0; l < SD_VSTRIDE; l++) if (x[l] > acc[l]) { acc[l] = x[l]; } break;
        }
      }
      c0++;
    }
    for (l = 0; l < SD_VSTRIDE; l++) cnt[l] = c0;
  }
#endif
  for (; i < n; i++) {
    const int32_t ss = sd_opnd_slot(ext, i), vs = sd_opnd_slot(ext, n + i);
    for (l = 0; l < SD_VSTRIDE; l++) {
      double x, sel = v[(size_t)ss * SD_VSTRIDE + (size_t)l], val;
      int a = act[l];
      if (sel == 0 || a < 0) continue;
      val = v[(size_t)vs * SD_VSTRIDE + (size_t)l];
      x = a < 5 ? sel * val : a == 5 ? pow(val, sel) : val;
      if (cnt[l] == 0) {
        acc[l] = x;
      } else {
        switch (a) {
        case 0: case 4: case 6: case 10: acc[l] += x; break;
        case 1: case 5: case 7: acc[l] *= x; break;
        case 2: case 8: if (x < acc[l]) { acc[l] = x; } break;
        default: if (x > acc[l]) { acc[l] = x; } break;
        }
      }
      cnt[l]++;
    }
  }
  for (l = 0; l < SD_VSTRIDE; l++) {
    /* the error action (Vensim: a floating point error): 1 no element
       selected, 2 more than one, 3 either; the run's NaN check reports it */
    double err = v[(size_t)es * SD_VSTRIDE + (size_t)l], missing = v[(size_t)ms * SD_VSTRIDE + (size_t)l];
    int a = act[l], c = cnt[l];
    if (a < 0) out[l] = NAN;
    else if (c == 0 && (err == 1 || err == 3)) out[l] = NAN;
    else if (c > 1 && (err == 2 || err == 3)) out[l] = NAN;
    else if (c == 0) out[l] = missing;
    else out[l] = (a == 4 || a == 10) ? acc[l] / c : acc[l];
  }
}

/* ---- random numbers ----
 * RANDOM UNIFORM(min, max, seed) and RANDOM NORMAL(min, max, mean, sd,
 * seed) draw a new number at every TIME STEP.  The draw is a pure
 * function of (seed, call site, step number): a counter-based generator
 * (the splitmix64 finalizer, applied twice), so a run is reproducible, the
 * same in both dispatch loops and at every stage of RK2/RK4 within a step,
 * and needs no state.  Vensim's own generator is not reproduced. */
static inline uint64_t sd_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in (0, 1) for draw j of a site at step k. */
static inline double sd_unit(double seed, int site, long k, int j) {
  uint64_t s = (seed == seed && fabs(seed) < 9e18) ? (uint64_t)(int64_t)seed : 0;
  uint64_t z = sd_mix64(s * 0x9E3779B97F4A7C15ULL + (uint64_t)site);
  z = sd_mix64(z ^ ((uint64_t)k * 0xD1B54A32D192ED03ULL + (uint64_t)j * 0x8CB92BA72F3D8DD7ULL));
  return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* The number of the step at time t; clamped (a TIME STEP that shrinks
 * while running, or NaN, would overflow the conversion, which is
 * undefined). */
static inline long sd_step_number(double t, double t0, double dt) {
  double kd = (dt > 0) ? floor((t - t0) / dt + 0.5) : 0;
  return kd == kd ? (long)(kd > 2e9 ? 2e9 : kd < -2e9 ? -2e9 : kd) : 0;
}

static inline double sd_random(const double *v, const sd_ins *ext, int normal, int site, double t,
                               double t0, double dt) {
  long k = sd_step_number(t, t0, dt);
  int j;
  double lo = sd_opnd(v, ext, 0), hi = sd_opnd(v, ext, 1);
  if (!normal) return lo + (hi - lo) * sd_unit(sd_opnd(v, ext, 2), site, k, 0);
  {
    /* normal, truncated to [min, max] by drawing again (Box-Muller pairs) */
    double mean = sd_opnd(v, ext, 2), sd = sd_opnd(v, ext, 3), seed = sd_opnd(v, ext, 4);
    for (j = 0; j < 64; j += 2) {
      double u1 = sd_unit(seed, site, k, j), u2 = sd_unit(seed, site, k, j + 1);
      double x = mean + sd * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
      if (x >= lo && x <= hi) return x;
    }
    return mean < lo ? lo : mean > hi ? hi : mean;
  }
}

/* INVERT MATRIX: element k (row-major) of the inverse of the n x n
 * matrix m (n <= SD_MAX_INVERT), by Gauss-Jordan elimination with
 * partial pivoting; NaN when the matrix is singular. */
#define SD_MAX_INVERT 32
static inline double sd_invert_elem(const double *m, int n, int k) {
  double a[SD_MAX_INVERT][2 * SD_MAX_INVERT];
  int i, j, r, col;
  for (i = 0; i < n; i++)
    for (j = 0; j < 2 * n; j++) a[i][j] = j < n ? SD_VEC(m, i * n + j) : (j - n == i);
  for (col = 0; col < n; col++) {
    int piv = col;
    double p;
    for (r = col + 1; r < n; r++) if (fabs(a[r][col]) > fabs(a[piv][col])) piv = r;
    if (a[piv][col] == 0) return NAN;
    if (piv != col)
      for (j = 0; j < 2 * n; j++) { double t = a[col][j]; a[col][j] = a[piv][j]; a[piv][j] = t; }
    p = a[col][col];
    for (j = 0; j < 2 * n; j++) a[col][j] /= p;
    for (r = 0; r < n; r++) {
      double f = a[r][col];
      if (r == col || f == 0) continue;
      for (j = 0; j < 2 * n; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a[k / n][n + k % n];
}

/* ---- allocation (Vensim's ALLOCATE BY PRIORITY, ALLOCATE AVAILABLE) ----
 * Each target i with request q_i takes its share along a priority
 * profile: as a common level x falls, target i receives f_i(x), rising
 * from 0 to q_i around its priority.  The level is the x at which the
 * shares add up to the supply; a supply that covers every request fills
 * them all.  The sum is monotone in x, so bisection finds the level to
 * the last bit. */

/* Share of a target with request q under profile (type, priority p,
 * width w) at level x: 1 rectangular, 2 triangular, 3 normal,
 * 4 exponential. */
static inline double sd_profile_share(double q, double type, double p, double w, double x) {
  double u;
  if (type == 1) {
    u = (p + 0.5 * w - x) / w;
    return q * (u <= 0 ? 0 : u >= 1 ? 1 : u);
  }
  if (type == 2) {
    if (x <= p - 0.5 * w) return q;
    if (x < p) { u = (x - p + 0.5 * w) / w; return q * (1 - 2 * u * u); }
    if (x < p + 0.5 * w) { u = (p + 0.5 * w - x) / w; return 2 * q * u * u; }
    return 0;
  }
  if (type == 3) return q * 0.5 * erfc((x - p) / (sqrt(2.0) * w));
  if (type == 4) return x < p ? q * (1 - 0.5 * exp((x - p) / w)) : q * 0.5 * exp((p - x) / w);
  return NAN;
}

/* The common level of n targets given (request, type, priority, width)
 * each, for a supply below the total request; bisection to the last bit. */
static inline double sd_alloc_level(const double *q, const double *ty, const double *pr,
                                    const double *w, int n, double supply) {
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  int i, it;
  for (i = 0; i < n; i++) {
    double reach = (ty[i] == 3 || ty[i] == 4) ? 40 * w[i] : w[i];  /* where a share is 0 or full */
    if (pr[i] - reach < lo) lo = pr[i] - reach;
    if (pr[i] + reach > hi) hi = pr[i] + reach;
  }
  for (it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi), s = 0;
    if (mid <= lo || mid >= hi) break;
    for (i = 0; i < n; i++) s += sd_profile_share(q[i], ty[i], pr[i], w[i], mid);
    if (s > supply) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Allocations over at most this many targets run on copies of their
 * operands on the stack; beyond it the result is NaN (ALLOCATE over more
 * than 256 elements is refused when the model is built). */
#define SD_MAX_ALLOC 256

/* ALLOCATE BY PRIORITY / ALLOCATE AVAILABLE, target k of n (k = n: the
 * level at which the shares add up to the supply, MARKETP): the operands
 * are n requests, then n priorities, the width and the supply (profiles
 * 0), or 4 profile values per target (type, priority, width, extra) and
 * the supply (profiles 1).  A supply that covers every request fills
 * them all.  ALLOCATE BY PRIORITY is rectangular profiles of the given
 * width centred on each priority: a target starts receiving when the one
 * above it has (its priority gap / width) of its request, and a gap of a
 * whole width serves the higher one first. */
static inline double sd_allocate(const double *v, const sd_ins *ext, int n, int k, int profiles) {
  double q[SD_MAX_ALLOC], ty[SD_MAX_ALLOC], pr[SD_MAX_ALLOC], w[SD_MAX_ALLOC];
  double supply = sd_opnd(v, ext, profiles ? 5 * n : 2 * n + 1), total = 0, fixed = 0, x;
  double qk, tk, pk, wk;
  int i, m;
  if (n > SD_MAX_ALLOC || supply != supply) return NAN;
  for (i = 0; i < n; i++) {
    q[i] = sd_opnd(v, ext, i);
    if (profiles) {
      ty[i] = sd_opnd(v, ext, n + 4 * i);
      pr[i] = sd_opnd(v, ext, n + 4 * i + 1);
      w[i] = sd_opnd(v, ext, n + 4 * i + 2);
    } else {
      ty[i] = 1;
      pr[i] = sd_opnd(v, ext, n + i);
      w[i] = sd_opnd(v, ext, 2 * n);
    }
    if (!(q[i] >= 0) || !(ty[i] >= 0 && ty[i] <= 4) || !(ty[i] == 0 || w[i] > 0)) return NAN;
    total += q[i];
    if (ty[i] == 0) fixed += q[i];
  }
  if (k >= n) {
    /* MARKETP: the level itself (the market-clearing priority); a supply
       that covers every request clears where all are full, none where
       nothing is supplied */
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (i = 0; i < n; i++) {
      if (pr[i] - 0.5 * w[i] < lo) lo = pr[i] - 0.5 * w[i];
      if (pr[i] + 0.5 * w[i] > hi) hi = pr[i] + 0.5 * w[i];
    }
    if (n == 0) return NAN;
    if (supply >= total) return lo;
    if (supply <= 0) return hi;
    return sd_alloc_level(q, ty, pr, w, n, supply);
  }
  if (supply >= total) return q[k];
  if (supply <= 0) return 0;
  /* ptype 0, a fixed quantity, wants its request at every priority: the
   * fixed requests come first, shared in proportion when the supply
   * falls short of them; the other profiles share what is left. */
  if (supply <= fixed) return ty[k] == 0 ? q[k] * (supply / fixed) : 0;
  if (ty[k] == 0) return q[k];
  qk = q[k]; tk = ty[k]; pk = pr[k]; wk = w[k];
  for (i = 0, m = 0; i < n; i++)
    if (ty[i] != 0) { q[m] = q[i]; ty[m] = ty[i]; pr[m] = pr[i]; w[m] = w[i]; m++; }
  x = sd_alloc_level(q, ty, pr, w, m, supply - fixed);
  return sd_profile_share(qk, tk, pk, wk, x);
}

/* Many-to-many allocation (FIND MARKET PRICE, DEMAND AT PRICE, SUPPLY AT
 * PRICE): a demand curve is a priority profile's share, falling as the
 * price rises; a supply curve is the request less that share, rising
 * with the price (the profiles are symmetric about their priority, so
 * this is the same shape turned round); a fixed quantity (ptype 0) is
 * its request at every price. */
static inline double sd_curve(double q, double type, double p, double w, double x, int supply) {
  double d;
  if (type == 0) return q;
  if (!(type >= 1 && type <= 4) || !(w > 0)) return NAN;
  d = sd_profile_share(q, type, p, w, x);
  return supply ? q - d : d;
}

/* DEMAND AT PRICE / SUPPLY AT PRICE: operands q, ptype, ppriority,
 * pwidth, price. */
static inline double sd_at_price(const double *v, const sd_ins *ext, int supply) {
  return sd_curve(sd_opnd(v, ext, 0), sd_opnd(v, ext, 1), sd_opnd(v, ext, 2), sd_opnd(v, ext, 3),
                  sd_opnd(v, ext, 4), supply);
}

/* FIND MARKET PRICE: operands the nd demand quantities, their profiles (4
 * values each), the ns supply quantities and theirs.  The price where
 * total demand equals total supply, by bisection (demand less supply
 * falls as the price rises); where they never meet, the end of the
 * curves' reach nearer to meeting. */
static inline double sd_market_price(const double *v, const sd_ins *ext, int nd, int ns) {
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  int i, it, n = nd + ns;
  for (i = 0; i < n; i++) {
    int base = i < nd ? nd + 4 * i : 5 * nd + ns + 4 * (i - nd);
    double ty = sd_opnd(v, ext, base), p = sd_opnd(v, ext, base + 1), w = sd_opnd(v, ext, base + 2), reach;
    if (ty == 0) continue;
    if (!(ty >= 1 && ty <= 4) || !(w > 0) || p != p) return NAN;
    reach = (ty == 3 || ty == 4) ? 40 * w : w;
    if (p - reach < lo) lo = p - reach;
    if (p + reach > hi) hi = p + reach;
  }
  if (!(lo <= hi)) return NAN;             /* only fixed quantities: no price clears them */
  for (it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi), excess = 0;
    if (mid <= lo || mid >= hi) break;
    for (i = 0; i < n; i++) {
      int qi = i < nd ? i : 5 * nd + (i - nd);
      int base = i < nd ? nd + 4 * i : 5 * nd + ns + 4 * (i - nd);
      double c = sd_curve(sd_opnd(v, ext, qi), sd_opnd(v, ext, base), sd_opnd(v, ext, base + 1),
                          sd_opnd(v, ext, base + 2), mid, i >= nd);
      excess += i < nd ? c : -c;
    }
    if (excess != excess) return NAN;
    if (excess > 0) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* SHIFT IF TRUE (Vensim's reference): when cond is true, the first size
 * of the n values at s (a stock's elements along its last subscript)
 * move one place on; the one before the last of them is added to the
 * last (accum non-zero) or replaces it, and the first becomes inval.
 * Returns what left the last (0 when accumulating or not shifting).
 * `apply` 0: report only, change nothing. */
static inline double sd_shift_if_true(double *s, int n, double cond, double size, double accum, double inval,
                                      int apply) {
  int m, i;
  double removed;
  if (cond == 0 || cond != cond || !(size >= 1)) return 0;
  m = size > n ? n : (int)size;
  removed = accum != 0 ? 0 : s[m - 1];
  if (!apply) return removed;
  if (m == 1) {
    if (accum != 0) s[0] += inval; else s[0] = inval;
    return removed;
  }
  if (accum != 0) s[m - 1] += s[m - 2]; else s[m - 1] = s[m - 2];
  for (i = m - 2; i > 0; i--) s[i] = s[i - 1];
  s[0] = inval;
  return removed;
}

/* Graphical function: linear interpolation between points, clamped to the
 * first and last y outside the x range. */
/* `hint`, when given, remembers the segment of the last call: lookups of
 * time and of slowly moving inputs mostly fall in it or the next one, so
 * the binary search runs only when the input jumps.  The segment found
 * is the same either way (the one with xs[lo] <= x < xs[lo + 1]). */
double sd_raw_data(const sd_table *tb, double x);
/* Functions of a whole table (sd_funcs.c), how: */
enum { SD_TF_AREA = 0, SD_TF_SLOPE, SD_TF_AT_TIME, SD_TF_BETWEEN, SD_TF_FIRST, SD_TF_LAST,
       SD_TF_MAX, SD_TF_MIN, SD_TF_MEAN, SD_TF_TOTAL };
double sd_tabfn(const sd_table *tb, int how, double x1, double x2);
/* The inverse of the standard normal distribution function: NaN outside
 * [0, 1], -Inf and Inf at 0 and 1 (sd_funcs.c). */
double sd_norminv(double p);

/* The whole lookup (sd_funcs.c): ends, NaN, data modes, the segment by
 * the hint or by binary search. */
double sd_lookup_search(const sd_table *tb, double x, double *hint);

static inline double sd_lookup_hint(const sd_table *tb, double x, double *hint) {
  if (hint && tb->mode == SD_DATA_LINEAR) {
    /* the common case, inline: x strictly inside the remembered segment
       (so not NaN, not at or beyond an end, xs[lo] < xs[lo + 1]); the
       same interpolation, to the bit, as sd_lookup_search */
    const double *xs = tb->x, *ys = tb->y;
    const int n = tb->n;
    int lo = (int)*hint;
    if (lo < n - 1 && xs[lo] <= x && x < xs[lo + 1] && x > xs[0])
      return ys[lo] + (x - xs[lo]) * (ys[lo + 1] - ys[lo]) / (xs[lo + 1] - xs[lo]);
    /* at or beyond an end (not NaN, whose comparisons fail): the end's y,
       as sd_lookup_search gives it */
    if (n > 0 && x <= xs[0]) return ys[0];
    if (n > 0 && x >= xs[n - 1]) return ys[n - 1];
  }
  return sd_lookup_search(tb, x, hint);
}

static inline double sd_lookup(const sd_table *tb, double x) { return sd_lookup_hint(tb, x, 0); }

/* The LOOKUP functions that read a table another way (how):
 * 1 BACKWARD: the y of the last point at or before x;
 * 2 FORWARD: the y of the first point at or after x;
 * 3 EXTRAPOLATE: interpolation, continued past the ends along the first
 *   and last segments;
 * 4 INVERT: the x at which the table (monotone in y) reaches x, the end
 *   points' x beyond its range. */
static inline double sd_lookup_how(const sd_table *tb, double x, int how) {
  const double *xs = tb->x, *ys = tb->y;
  int n = tb->n, i;
  if (n == 0 || x != x) return n == 0 ? NAN : x;
  if (how == SD_DATA_HOLD || how == SD_DATA_FORWARD) {
    sd_table t = *tb;
    t.mode = how;
    return sd_lookup(&t, x);
  }
  if (how == 3) {
    if (n >= 2 && x < xs[0] && xs[1] != xs[0])
      return ys[0] + (x - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0]);
    if (n >= 2 && x > xs[n - 1] && xs[n - 1] != xs[n - 2])
      return ys[n - 1] + (x - xs[n - 1]) * (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]);
    {
      sd_table t = *tb;
      t.mode = SD_DATA_LINEAR;
      return sd_lookup(&t, x);
    }
  }
  /* invert: the first segment whose y range holds x */
  for (i = 0; i + 1 < n; i++) {
    double y0 = ys[i], y1 = ys[i + 1];
    if ((x >= y0 && x <= y1) || (x <= y0 && x >= y1))
      return y1 == y0 ? xs[i] : xs[i] + (x - y0) * (xs[i + 1] - xs[i]) / (y1 - y0);
  }
  /* outside: the end whose y is nearer */
  return fabs(x - ys[0]) <= fabs(x - ys[n - 1]) ? xs[0] : xs[n - 1];
}

/* LOOKUP SLOPE: the slope of the segment that holds x; beyond the ends 0
 * (the lookup is flat there), or the end segment's with `extrap`. */
static inline double sd_lookup_slope(const sd_table *tb, double x, int extrap) {
  const double *xs = tb->x, *ys = tb->y;
  int n = tb->n, i;
  if (n < 2 || x != x) return n < 2 ? 0 : x;
  if (x < xs[0]) return extrap && xs[1] != xs[0] ? (ys[1] - ys[0]) / (xs[1] - xs[0]) : 0;
  if (x > xs[n - 1])
    return extrap && xs[n - 1] != xs[n - 2] ? (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2]) : 0;
  for (i = 0; i + 2 < n && x >= xs[i + 1]; i++) {}
  return xs[i + 1] == xs[i] ? 0 : (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]);
}

/* The area under the lookup from its first x to x: flat beyond the ends,
 * or continued along the end segments with `extrap` (then negative to
 * the left of the first point, as Vensim's VECTOR LOOKUP mode 7). */
static inline double sd_lookup_area0(const sd_table *tb, double x, int extrap) {
  const double *xs = tb->x, *ys = tb->y;
  int n = tb->n, i;
  double area = 0;
  if (n == 0 || x != x) return n == 0 ? NAN : x;
  if (x <= xs[0]) {
    double y = extrap ? sd_lookup_how(tb, x, 3) : ys[0];
    return -(xs[0] - x) * 0.5 * (ys[0] + y);
  }
  for (i = 0; i + 1 < n && x > xs[i]; i++) {
    double x1 = x < xs[i + 1] ? x : xs[i + 1];
    double y1 = x < xs[i + 1] ? sd_lookup(tb, x) : ys[i + 1];
    area += (x1 - xs[i]) * 0.5 * (ys[i] + y1);
  }
  if (x > xs[n - 1]) {
    double y = extrap ? sd_lookup_how(tb, x, 3) : ys[n - 1];
    area += (x - xs[n - 1]) * 0.5 * (ys[n - 1] + y);
  }
  return area;
}

/* LOOKUP AREA(table, x1, x2): the area under the lookup from x1 to x2. */
static inline double sd_lookup_area(const sd_table *tb, double x1, double x2) {
  return sd_lookup_area0(tb, x2, 0) - sd_lookup_area0(tb, x1, 0);
}

/* LOOKUP INVERT continued along the end segments beyond the y range. */
static inline double sd_lookup_invert_x(const sd_table *tb, double y) {
  const double *xs = tb->x, *ys = tb->y;
  int n = tb->n, i, inside = 0;
  for (i = 0; i + 1 < n; i++)
    if ((y >= ys[i] && y <= ys[i + 1]) || (y <= ys[i] && y >= ys[i + 1])) inside = 1;
  if (inside || n < 2) return sd_lookup_how(tb, y, 4);
  i = fabs(y - ys[0]) <= fabs(y - ys[n - 1]) ? 0 : n - 2;
  if (ys[i + 1] == ys[i]) return xs[i];
  return xs[i] + (y - ys[i]) * (xs[i + 1] - xs[i]) / (ys[i + 1] - ys[i]);
}

/* Vensim's VECTOR LOOKUP and RANDOM distributions (sd_funcs.c): out of
 * line, so that their scratch space stays out of the interpreter's frame. */
double sd_vector_lookup(const double *vec, int n, double x, double xmin, double xmax, double mode);
#define SD_VECLKP_MAX 4096      /* VECTOR LOOKUP's most values */
double sd_random_dist(int dist, const double *a, int site, long step, const sd_table *tb);
/* the distributions of RANDX, with their operands */
enum {
  SD_RX_BETA = 0,      /* m, x, alpha, beta, h, r, s     */
  SD_RX_BINOMIAL,      /* m, x, p, n, h, r, s            */
  SD_RX_EXPONENTIAL,   /* m, x, h, r, s                  */
  SD_RX_GAMMA,         /* m, x, order, h, r, s           */
  SD_RX_LOOKUP,        /* m, x, h, r, s, table (a number) */
  SD_RX_NEGBINOMIAL,   /* m, x, p, n, h, r, s            */
  SD_RX_POISSON,       /* m, x, mean, h, r, s            */
  SD_RX_TRIANGULAR,    /* m, x, start, peak, end, s      */
  SD_RX_WEIBULL,       /* m, x, shape, h, r, s           */
  SD_RX_UNIT           /* RANDOM 0 1: no operands        */
};



#endif
