/*
 * sd_discrete.c -- Vensim's discrete delays, kept in run memory and
 * updated once per TIME STEP (see sd_dsc in sd_program.h).
 *
 * The record is one offset per delay, then each delay's block, which
 * starts with its kind and the run's number of steps n:
 *   DELAY INFORMATION  [kind, n, steps recorded] [input at step 0 .. n]
 *   DELAY MATERIAL     [kind, n, delay at step 0] [sum arriving at step
 *                      0 .. n+1] [inputs arriving at step 0 .. n+1]
 *   DEPRECIATE STRAIGHTLINE  [kind, n, periods N, steps a period, steps
 *                      into it, its investment so far, ring position, sum
 *                      of the ring] [investment of the last N-1 periods]
 *   DELAY BATCH        [kind, n, backlog, batch in process (0: none), the
 *                      time it comes out, initial time]
 *   DELAY PROFILE      [kind, n] [amount coming out at step 0 .. n+1]
 *   DEPRECIATE BY SCHEDULE  [kind, n, periods N, fiscal period, fiscal
 *                      start, first period, period now, its investment so
 *                      far] [investment of the last N-1 periods, latest
 *                      first] [schedule fractions] [initial depreciation]
 *   NET PRESENT VALUE  [kind, n, fiscal period, reporting time, offset,
 *                      start, period now, value of the periods done,
 *                      this period's sum so far]
 *   QUEUE FIFO         [kind, n, capacity m, oldest batch, batches, total,
 *                      with attributes] [step each batch entered] [its
 *                      amount] [its attribute]
 *   DELAY CONVEYOR     [kind, n, capacity m, batches so far, first batch
 *                      still on the belt, amount leaving, the step it
 *                      leaves at] [position of batch 0 .. m-1] [amount
 *                      of batch 0 .. m-1]
 *   XMILE CONVEYOR     [kind, n, delay at step 0, steps the belt moved]
 *                      [sum arriving at belt step 0 .. n+1] [inputs
 *                      arriving at belt step 0 .. n+1]
 * The compiler makes each delay's inputs hidden variables; the run reads
 * their slots here, and the VM's DSCOUT instruction reads the record.
 */
#include <math.h>
#include <string.h>
#include "sd_math.h"
#include "sd_program.h"

/* fiscal periods of a depreciation, in whole TIME STEPs, at least one */
static long depr_steps(double fisc, double dt) {
  double m = floor(fisc / dt + 0.5);
  return m >= 1 && m < 1e9 ? (long)m : 1;
}

/* periods over which an investment is depreciated (Vensim makes the
   depreciation time a whole number of fiscal periods) */
static long depr_periods(double dtime, double fisc) {
  double m = floor(dtime / fisc + 0.5);
  return m >= 1 && m <= 1e6 ? (long)m : 1;
}

/* QUEUE FIFO (Vensim's reference, QUEUE Functions): a level whose
 * contents are kept as batches with the step they entered.  Each step's
 * outflow takes the oldest first; its inflow enters as a new batch, one
 * TIME STEP old at the next step (a negative inflow counts as outflow and
 * the other way round).  The initial contents are spread over ages TIME
 * STEP to age range + TIME STEP by the profile; a queue taken below zero
 * holds that as one batch from the last step. */
static long queue_initial(double range, double dt) {
  double m = floor(range / dt + 0.5);
  return m >= 1 && m < 1e7 ? (long)m : 1;
}

/* the profile's weight for the batch i of K from the oldest (age (K - i)
   TIME STEPs), its x axis read as 0 .. age range */
static double queue_profile(const sd_table *tb, long i, long K) {
  double x;
  if (!tb || tb->n == 0) return 1;
  x = tb->x[0] + (tb->x[tb->n - 1] - tb->x[0]) * ((double)(K - 1 - i) + 0.5) / (double)K;
  return sd_lookup_hint(tb, x, NULL);
}

static void queue_setup(const sd_program *p, const sd_dsc *d, const double *v, double *b, long n_steps,
                        double dt) {
  long K = queue_initial(v[d->arg[3]], dt), m = n_steps + 4 + K, i;
  const sd_table *tb = &p->tables[d->table];
  const sd_table *ta = d->table2 >= 0 ? &p->tables[d->table2] : NULL;
  double init = v[d->arg[2]], sum = 0, *e = b + 7, *amt = b + 7 + m, *att = b + 7 + 2 * m;
  b[2] = (double)m;
  b[6] = ta ? 1 : 0;
  for (i = 0; i < K; i++) {
    double w = queue_profile(tb, i, K);
    amt[i] = w > 0 ? w : 0;
    e[i] = -(double)(K - i);
    /* the attributes' profile multiplies the initial attribute as it is */
    att[i] = ta ? v[d->arg[6]] * queue_profile(ta, i, K) : 0;
    sum += amt[i];
  }
  for (i = 0; i < K; i++) amt[i] = sum > 0 ? amt[i] * init / sum : (i == K - 1 ? init : 0);
  b[3] = 0;
  b[4] = (double)K;
  b[5] = init;
}

static void queue_push(const sd_dsc *d, const double *v, double *b, long k, double dt) {
  long m = (long)b[2], head = (long)b[3], cnt = (long)b[4], i;
  double *e = b + 7, *amt = b + 7 + m, *att = b + 7 + 2 * m;
  double in = v[d->arg[0]] * dt, out = v[d->arg[1]] * dt, take;
  if (in < 0) { out -= in; in = 0; }
  if (out < 0) { in -= out; out = 0; }
  take = out;
  /* the oldest first */
  while (take > 0 && head < cnt) {
    if (amt[head] > take) { amt[head] -= take; take = 0; break; }
    take -= amt[head] > 0 ? amt[head] : 0;
    head++;
  }
  b[5] -= out;
  if (take > 0 && cnt < m) {             /* below zero: a batch from this step */
    e[cnt] = (double)k;
    amt[cnt] = -take;
    att[cnt] = b[6] != 0 ? v[d->arg[4]] : 0;
    cnt++;
  }
  if (in > 0 && cnt < m) {
    e[cnt] = (double)k;
    amt[cnt] = in;
    att[cnt] = b[6] != 0 ? v[d->arg[4]] : 0;
    cnt++;
  }
  /* attributes change by attchg * TIME STEP a step, the new batch too */
  if (b[6] != 0)
    for (i = head; i < cnt; i++) att[i] += v[d->arg[5]] * dt;
  b[5] += in;
  b[3] = (double)head;
  b[4] = (double)cnt;
}

/* What a queue gives at step k (a: what, p1, p2): 0 its contents; 1 the
 * average age of its oldest p1 (all of it when p1 <= 0 or more than it
 * holds); 2 how much has an age from p1 to p2 (:NA: for no bound); 3 the
 * oldest age; 4 the average attribute of the oldest p1 (as 1); 5 the
 * oldest amount whose attributes (amount times attribute) add up to p1,
 * a part of a batch if need be, all of it if they do not reach p1.
 * Attributes of a queue without them: :NA:. */
static double queue_read(const double *b, const double *a, long k, double dt) {
  long m = (long)b[2], head = (long)b[3], cnt = (long)b[4], i;
  const double *e = b + 7, *amt = b + 7 + m, *att = b + 7 + 2 * m;
  int what = (int)a[0];
  if (what == 0) return b[5];
  if ((what == 4 || what == 5) && b[6] == 0) return -6.4903710731685345e+32;
  if (what == 3) {
    for (i = head; i < cnt; i++)
      if (amt[i] != 0) return ((double)k - e[i]) * dt;
    return 0;
  }
  if (what == 2) {
    double lo = a[1], hi = a[2], s = 0, tol = 1e-9 * dt;
    int nolo = !(lo > -1e31), nohi = !(hi > -1e31);
    for (i = head; i < cnt; i++) {
      double age = ((double)k - e[i]) * dt;
      if ((nolo || age >= lo - tol) && (nohi || age <= hi + tol)) s += amt[i];
    }
    return s;
  }
  if (what == 5) {
    double want = a[1], got = 0, amount = 0;
    for (i = head; i < cnt && got < want; i++) {
      double each = att[i], whole = amt[i] * each;
      if (amt[i] <= 0) continue;
      if (each > 0 && got + whole > want) { amount += (want - got) / each; got = want; break; }
      got += whole;
      amount += amt[i];
    }
    return amount;
  }
  {
    double quant = a[1], total = b[5], want, got = 0, acc = 0;
    if (!(total > 0)) return what == 1 ? (total < 0 ? dt : 0) : 0;
    want = (quant <= 0 || quant > total) ? total : quant;
    for (i = head; i < cnt && got < want; i++) {
      double part = amt[i] < want - got ? amt[i] : want - got;
      if (part <= 0) continue;
      acc += part * (what == 1 ? ((double)k - e[i]) * dt : att[i]);
      got += part;
    }
    return got > 0 ? acc / got : 0;
  }
}

/* batches a conveyor starts with: one a TIME STEP of its initial
   conveyance time (none when that is not positive) */
static long conveyor_initial(double ictime, double dt) {
  double m = floor(ictime / dt + 0.5);
  return m >= 1 && m < 1e7 ? (long)m : 0;
}

/* those of them kept: the ones leaving before the run ends */
static long conveyor_kept(double ictime, double dt, long n_steps) {
  long K = conveyor_initial(ictime, dt);
  return K < n_steps + 2 ? K : n_steps + 2;
}

/* DELAY MATERIAL's schedule, which the XMILE belt shares in steps the
 * belt moved: arr[0 .. n+1] the sum arriving at each step (of the clock),
 * arr[n+2 .. 2n+3] how many inputs arrive then; *delay0 the delay at the
 * first push (NaN before).  An input leaves after its delay, counted in
 * whole TIME STEPs as DELAY FIXED counts it, and at least one step later. */
static void sched_push(double *delay0, double *arr, long n, long clock, double T, double x, double dt) {
  double m = floor(T / dt + 0.5);
  long at;
  if (*delay0 != *delay0) *delay0 = T;
  if (!(m >= 1)) m = 1;
  if (m > (double)(n + 1 - clock)) return;                  /* after the run */
  at = clock + (long)m;
  arr[at] += x;
  arr[n + 2 + at] += 1;
}

/* What arrives at step `clock`: the initial value while the first delay
   runs, else the missing value when nothing arrives. */
static double sched_out(double delay0, const double *arr, long n, long clock, double init, double missing,
                        double dt) {
  double m;
  if (arr[n + 2 + clock] > 0) return arr[clock];
  if (delay0 != delay0) return init;
  m = floor(delay0 / dt + 0.5);
  if (!(m >= 1)) m = 1;
  return (double)clock < m ? init : missing;
}

static size_t block_size(const sd_dsc *d, const double *v, long n_steps, double dt) {
  switch (d->kind) {
  case SD_DSC_INFORMATION: return 4 + (size_t)n_steps;
  case SD_DSC_MATERIAL: return 3 + 2 * ((size_t)n_steps + 2);
  case SD_DSC_BELT: return 4 + 2 * ((size_t)n_steps + 2);
  case SD_DSC_BATCH: return 6;
  case SD_DSC_NPV: return 9;
  case SD_DSC_SCHEDULE: return 8 + 3 * (size_t)(d->nvec[0] > 0 ? d->nvec[0] : 1);
  case SD_DSC_PROFILE: return 2 + (size_t)n_steps + 2;
  case SD_DSC_QUEUE: return 7 + 3 * ((size_t)n_steps + 4 + (size_t)queue_initial(v[d->arg[3]], dt));
  case SD_DSC_CONVEYOR: return 7 + 2 * ((size_t)n_steps + 2 + (size_t)conveyor_kept(v[d->arg[4]], dt, n_steps));
  default: {
    double fisc = (double)depr_steps(v[d->arg[2]], dt) * dt;
    return 8 + (size_t)depr_periods(v[d->arg[1]], fisc);
  }
  }
}

size_t sd_dsc_size(const sd_program *p, const double *v, long n_steps, double dt) {
  size_t n = (size_t)p->ndsc;
  int k;
  for (k = 0; k < p->ndsc; k++) n += block_size(&p->dsc[k], v, n_steps, dt);
  return n;
}

/* The initial contents, the total spread over the initial conveyance
 * time by the profile's shape: the batch leaving i steps after the start
 * weighs the lookup at the i-th of as many even points along its x
 * range, and sits where the belt takes it out then. */
static void conveyor_setup(const sd_program *p, const sd_dsc *d, const double *v, double *b, long n_steps,
                           double dt) {
  long K = conveyor_initial(v[d->arg[4]], dt), kept = conveyor_kept(v[d->arg[4]], dt, n_steps);
  long m = n_steps + 2 + kept, i;
  const sd_table *tb = &p->tables[d->table];
  double total = v[d->arg[3]], ctime = v[d->arg[1]], sum = 0, x0, x1, *pos = b + 7, *amt = b + 7 + m;
  b[2] = (double)m;
  b[6] = 0;
  if (K == 0 || tb->n == 0) return;
  x0 = tb->x[0];
  x1 = tb->x[tb->n - 1];
  for (i = 0; i < K; i++) {
    double w = sd_lookup_hint(tb, x0 + (x1 - x0) * (double)i / (double)K, NULL);
    if (!(w > 0)) w = 0;
    if (i < kept) amt[i] = w;
    sum += w;
  }
  if (!(sum > 0)) return;
  for (i = 0; i < kept; i++) {
    amt[i] *= total / sum;
    pos[i] = 1 - (double)i * dt / (ctime > 0 ? ctime : dt);
  }
  /* the first leaves at the start */
  b[5] = amt[0];
  b[3] = (double)kept;
  b[4] = 1;
}

/* Step k's end: the input enters the belt as a batch, everything on it
 * leaks by leak * TIME STEP (the input too, as the reference says), the
 * belt moves on by TIME STEP / conveyance time, and the batches that
 * reach its end leave at the next step. */
static void conveyor_push(const sd_dsc *d, const double *v, double *b, long k, double dt) {
  long m = (long)b[2], cnt = (long)b[3], head = (long)b[4], i;
  double *pos = b + 7, *amt = b + 7 + m, keep = 1 - v[d->arg[2]] * dt, ctime = v[d->arg[1]];
  double move = ctime > 0 ? dt / ctime : 1, out = 0;
  if (cnt < m) {
    pos[cnt] = 0;
    amt[cnt] = v[d->arg[0]] * dt;
    cnt++;
  }
  if (!(keep >= 0)) keep = keep != keep ? keep : 0;
  for (i = head; i < cnt; i++) {
    amt[i] *= keep;
    pos[i] += move;
  }
  /* the belt keeps its order: the batches leaving come first */
  while (head < cnt && pos[head] >= 1 - 1e-9) out += amt[head++];
  b[3] = (double)cnt;
  b[4] = (double)head;
  b[5] = out;
  b[6] = (double)(k + 1);
}

/* DELAY PROFILE's response: the profile (a lookup, y >= 0) read as the
 * density of the delay, its x axis stretched so that its mean is the
 * delay time T.  What enters at one step comes out j steps later (j >= 1)
 * in the share of delays within half a step of j steps. */
typedef struct { const sd_table *tb; double area, scale, reach; } profile_shape;

static int profile_shape_of(const sd_table *tb, double T, double dt, profile_shape *s) {
  double area = 0, moment = 0;
  int i;
  for (i = 0; i + 1 < tb->n; i++) {
    double xa = tb->x[i], xb = tb->x[i + 1], ya = tb->y[i], yb = tb->y[i + 1];
    area += (xb - xa) * (ya + yb) / 2;
    moment += (xb - xa) * (xa * (2 * ya + yb) + xb * (ya + 2 * yb)) / 6;
  }
  if (!(area > 0) || !(moment > 0) || !(T > 0)) return -1;
  s->tb = tb;
  s->area = area;
  s->scale = (moment / area) / T;              /* profile x per unit of delay */
  s->reach = tb->x[tb->n - 1] / s->scale / dt + 1;  /* steps to the last delay */
  return 0;
}

/* the share coming out j steps later */
static double profile_weight(const profile_shape *s, long j, double dt) {
  double lo = ((double)j - 0.5) * dt * s->scale, hi = ((double)j + 0.5) * dt * s->scale, x0 = s->tb->x[0];
  double x1 = s->tb->x[s->tb->n - 1];
  if (j == 1) lo = x0 < 0 ? x0 : 0;
  if (hi <= x0 || lo >= x1) return 0;
  if (lo < x0) lo = x0;                  /* the profile is 0 outside its x range */
  if (hi > x1) hi = x1;
  return sd_tabfn(s->tb, SD_TF_AREA, lo, hi) / s->area;
}

/* At the start the steps ahead hold what the history of inputs (init,
 * growing at g, before the start) still owes them: step k gets init dt
 * sum over j > k of e^(-g (j - k) dt) w_j. */
static void profile_setup(const sd_program *p, const sd_dsc *d, const double *v, double *b, long n_steps,
                          double dt) {
  profile_shape s;
  double init = v[d->arg[2]], g = v[d->arg[3]], decay = exp(-g * dt), tail = 0;
  long k, J;
  if (profile_shape_of(&p->tables[d->table], v[d->arg[1]], dt, &s) != 0) {
    for (k = 0; k <= n_steps + 1; k++) b[2 + k] = NAN;
    return;
  }
  J = s.reach < (double)(n_steps + 2) * 4 + 1e6 ? (long)s.reach : (n_steps + 2) * 4 + 1000000;
  for (k = J; k >= 0; k--) {
    tail = decay * (profile_weight(&s, k + 1, dt) + tail);
    if (k <= n_steps + 1) b[2 + k] = init * dt * tail;
  }
}

/* Step k's end: the input, taken over the step, spread ahead with the
 * delay time as it is now. */
static void profile_push(const sd_program *p, const sd_dsc *d, const double *v, double *b, long k, double dt) {
  profile_shape s;
  long n = (long)b[1], j;
  double amount = v[d->arg[0]] * dt;
  if (profile_shape_of(&p->tables[d->table], v[d->arg[1]], dt, &s) != 0) {
    for (j = k + 1; j <= n + 1; j++) b[2 + j] = NAN;
    return;
  }
  for (j = 1; j <= (long)s.reach && k + j <= n + 1; j++) b[2 + k + j] += amount * profile_weight(&s, j, dt);
}

/* DEPRECIATE BY SCHEDULE (Vensim's reference, Financial and Accounting):
 * the schedule's N values (fractions or percents, scaled to add to 1)
 * spread each fiscal period's investment over that period and the N - 1
 * after it; the fiscal period is the depreciation time / N, periods
 * change over at fs + whole periods.  As DEPRECIATE STRAIGHTLINE does,
 * the current period's share is of the stream as it comes (w0 * str),
 * the earlier periods' of their sums (w_j * I / period).  The initial
 * depreciation (init: N values, or one for every period) is added in the
 * first N periods, for what was invested before the start. */
static long schedule_period(const double *b, double t) {
  return (long)floor((t - b[4]) / b[3] + 1e-9);
}

static void schedule_setup(const sd_dsc *d, const double *v, double *b, double dt) {
  long N = d->nvec[0] > 0 ? d->nvec[0] : 1, j;
  double *w = b + 8 + (N - 1), *init = w + N, sum = 0, P;
  for (j = 0; j < N; j++) sum += (w[j] = v[d->vec[0] + j]);
  for (j = 0; j < N; j++) w[j] = sum != 0 ? w[j] / sum : NAN;
  for (j = 0; j < N; j++)
    init[j] = d->nvec[1] >= N ? v[d->vec[1] + j] : d->nvec[1] == 1 ? v[d->vec[1]] : 0;
  P = v[d->arg[1]] / (double)N;
  b[2] = (double)N;
  b[3] = P >= dt ? P : dt;
  b[4] = v[d->arg[2]];
  b[5] = b[6] = (double)schedule_period(b, v[SD_SLOT_T0]);
  b[7] = 0;
}

static void schedule_push(const sd_dsc *d, const double *v, double *b, long k, double dt) {
  long N = (long)b[2], q = schedule_period(b, v[SD_SLOT_T0] + (double)k * dt), j;
  double *hist = b + 8;
  while ((long)b[6] < q) {               /* a period ended: its sum joins the history */
    for (j = N - 2; j > 0; j--) hist[j] = hist[j - 1];
    if (N > 1) hist[0] = b[7];
    b[7] = 0;
    b[6] += 1;
  }
  b[7] += v[d->arg[0]] * dt;
}

static double schedule_out(const double *b, double str, double t) {
  long N = (long)b[2], q = schedule_period(b, t), lag = q - (long)b[6], j;
  const double *hist = b + 8, *w = hist + (N - 1), *init = w + N;
  double out = w[0] * str, P = b[3];
  for (j = 1; j < N; j++) {
    double inv;
    if (j < lag) inv = 0;                              /* periods the record has not seen */
    else if (j == lag) inv = b[7];                     /* the period still being summed */
    else inv = hist[j - lag - 1];
    out += w[j] * inv / P;
  }
  if (q - (long)b[5] >= 0 && q - (long)b[5] < N) out += init[q - (long)b[5]];
  return out;
}

/* NET PRESENT VALUE (Vensim's reference, Financial and Accounting): the
 * stream is summed over each fiscal period P (from the initial time) and
 * the sum discounted at rate dr per fiscal period from the point foffset
 * of the way into its period back to the reporting time fstart:
 * sum * (1 + dr)^-((period start + foffset P - fstart) / P).  The value
 * is the periods done plus the current one so far. */
static double npv_discount(const double *b, double period, double dr) {
  double P = b[2], tp = b[5] + (period + b[4]) * P;
  return pow(1 + dr, -(tp - b[3]) / P);
}

static void npv_push(const sd_dsc *d, const double *v, double *b, long k, double dt) {
  double P = b[2], t = b[5] + (double)k * dt, period = floor((t - b[5]) / P + 1e-9);
  if (period != b[6]) {
    b[7] += b[8] * npv_discount(b, b[6], v[d->arg[1]]);
    b[8] = 0;
    b[6] = period;
  }
  b[8] += v[d->arg[0]] * dt;
}

/* Whether the batch in process comes out at step k (time t0 + k dt). */
static int batch_due(const double *b, long k, double dt) {
  return b[3] != 0 && b[5] + (double)k * dt >= b[4] - 1e-9 * dt;
}

/* Step k's end: a batch that came out now leaves the record; the input
 * joins the backlog; with none in process and a backlog of at least
 * bsize, a batch of bsize starts, out btime (as it is now) later. */
static void batch_push(const sd_dsc *d, const double *v, double *b, long k, double dt) {
  double size = v[d->arg[1]], t = b[5] + (double)k * dt;
  if (batch_due(b, k, dt)) b[3] = 0;
  b[2] += v[d->arg[0]] * dt;
  if (b[3] == 0 && size > 0 && b[2] >= size * (1 - 1e-12)) {
    b[2] -= size;
    b[3] = size;
    b[4] = t + v[d->arg[2]];
    if (b[4] < t + dt) b[4] = t + dt;         /* out at the next step at the soonest */
  }
}

void sd_dsc_setup(const sd_program *p, const double *v, double *rec, long n_steps, double dt) {
  size_t off = (size_t)p->ndsc;
  int k;
  for (k = 0; k < p->ndsc; k++) {
    const sd_dsc *d = &p->dsc[k];
    size_t len = block_size(d, v, n_steps, dt);
    double *b = rec + off;
    rec[k] = (double)off;
    memset(b, 0, len * sizeof(double));
    b[0] = d->kind;
    b[1] = (double)n_steps;
    if (d->kind == SD_DSC_MATERIAL || d->kind == SD_DSC_BELT) b[2] = NAN;  /* the delay, known at step 0 */
    if (d->kind == SD_DSC_CONVEYOR) conveyor_setup(p, d, v, b, n_steps, dt);
    if (d->kind == SD_DSC_PROFILE) profile_setup(p, d, v, b, n_steps, dt);
    if (d->kind == SD_DSC_QUEUE) queue_setup(p, d, v, b, n_steps, dt);
    if (d->kind == SD_DSC_SCHEDULE) schedule_setup(d, v, b, dt);
    if (d->kind == SD_DSC_NPV) {
      /* fiscal period (at least a TIME STEP), reporting time and offset,
         fixed at the start as the reference says */
      double P = v[d->arg[2]];
      b[2] = P >= dt ? P : dt;
      b[3] = v[d->arg[3]];
      b[4] = v[d->arg[4]];
      b[5] = v[SD_SLOT_T0];
      b[6] = 0;
    }
    if (d->kind == SD_DSC_BATCH) {
      /* the initial batch comes out at its time (at the start if that is
         not later), as a rate over one step; the backlog waits */
      double t0 = v[SD_SLOT_T0];
      b[2] = v[d->arg[5]];
      b[3] = v[d->arg[3]] * dt;
      b[4] = v[d->arg[4]] > t0 ? v[d->arg[4]] : t0;
      b[5] = t0;
    }
    if (d->kind == SD_DSC_DEPRECIATE) {
      /* as if the stream had been the initial value for a depreciation
         time: each earlier period invested init * fiscal period */
      long fs = depr_steps(v[d->arg[2]], dt), N, i;
      double fisc = (double)fs * dt, init = v[d->arg[3]];
      N = depr_periods(v[d->arg[1]], fisc);
      b[2] = (double)N;
      b[3] = (double)fs;
      for (i = 0; i < N - 1; i++) b[8 + i] = init * fisc;
      b[7] = (double)(N - 1) * init * fisc;
    }
    off += len;
  }
}

void sd_dsc_push(const sd_program *p, const double *v, double *rec, long k, double dt) {
  int j;
  for (j = 0; j < p->ndsc; j++) {
    const sd_dsc *d = &p->dsc[j];
    double *b = rec + (size_t)rec[j];
    long n = (long)b[1];
    if (k > n) continue;
    if (d->kind == SD_DSC_CONVEYOR) {
      conveyor_push(d, v, b, k, dt);
    } else if (d->kind == SD_DSC_BATCH) {
      batch_push(d, v, b, k, dt);
    } else if (d->kind == SD_DSC_NPV) {
      npv_push(d, v, b, k, dt);
    } else if (d->kind == SD_DSC_SCHEDULE) {
      schedule_push(d, v, b, k, dt);
    } else if (d->kind == SD_DSC_PROFILE) {
      profile_push(p, d, v, b, k, dt);
    } else if (d->kind == SD_DSC_QUEUE) {
      queue_push(d, v, b, k, dt);
    } else if (d->kind == SD_DSC_INFORMATION) {
      b[3 + k] = v[d->arg[0]];
      b[2] = (double)(k + 1);
    } else if (d->kind == SD_DSC_BELT) {
      /* as DELAY MATERIAL, in steps the belt moved: an arrested belt
         (Stella: nothing comes on or goes out, and the time left to
         each batch is not counted down) neither takes the input nor
         moves */
      long beta = (long)b[3];
      if (v[d->arg[2]] != 0) {
        if (b[2] != b[2]) b[2] = v[d->arg[1]];
        continue;
      }
      b[3] = (double)(beta + 1);
      sched_push(&b[2], b + 4, n, beta, v[d->arg[1]], v[d->arg[0]], dt);
    } else if (d->kind == SD_DSC_MATERIAL) {
      sched_push(&b[2], b + 3, n, k, v[d->arg[1]], v[d->arg[0]], dt);
    } else {
      long N = (long)b[2], fs = (long)b[3];
      b[5] += v[d->arg[0]] * dt;                             /* this period's investment */
      b[4] += 1;
      if ((long)b[4] >= fs) {
        if (N > 1) {
          long pos = (long)b[6];
          b[7] += b[5] - b[8 + pos];
          b[8 + pos] = b[5];
          b[6] = (double)((pos + 1) % (N - 1));
        }
        b[4] = 0;
        b[5] = 0;
      }
    }
  }
}

double sd_dsc_out(const double *rec, int j, const double *a, double t, double t0, double dt) {
  const double *b = rec + (size_t)rec[j];
  long n = (long)b[1], k = sd_step_number(t, t0, dt);
  if (k < 0) k = 0;
  if (k > n + 1) k = n + 1;
  if (b[0] == SD_DSC_INFORMATION) {
    /* the input as it was one delay ago (a: input, delay, initial value);
       before the start the initial value, between steps the step before */
    double back = t - a[1], q;
    long i;
    if (back < t0 - 1e-9 * dt) return a[2];
    q = floor((back - t0) / dt + 1e-9);
    i = (long)q;
    if (i >= k || i >= (long)b[2]) return a[0];
    return b[3 + i];
  }
  if (b[0] == SD_DSC_PROFILE) return b[2 + k] / dt;
  if (b[0] == SD_DSC_QUEUE) return queue_read(b, a, k, dt);
  if (b[0] == SD_DSC_NPV) return b[7] + b[8] * npv_discount(b, b[6], a[0]);
  if (b[0] == SD_DSC_SCHEDULE) return schedule_out(b, a[0], t0 + (double)k * dt);
  if (b[0] == SD_DSC_BATCH)                 /* a batch coming out now, as a rate */
    return batch_due(b, k, dt) ? b[3] / dt : 0;
  if (b[0] == SD_DSC_CONVEYOR)              /* what leaves now, as a rate */
    return (long)b[6] == k ? b[5] / dt : 0;
  if (b[0] == SD_DSC_BELT) {
    /* what reaches the end of the belt now (a: the initial rate out,
       arrested): nothing while arrested; the initial contents while the
       first batch travels */
    long beta = (long)b[3];
    if (a[1] != 0) return 0;
    return sched_out(b[2], b + 4, n, beta > n + 1 ? n + 1 : beta, a[0], 0, dt);
  }
  if (b[0] == SD_DSC_MATERIAL)              /* what arrives now (a: initial value, missing value) */
    return sched_out(b[2], b + 3, n, k, a[0], a[1], dt);
  {
    /* DEPRECIATE STRAIGHTLINE (a: the stream): 1/N of each of the last
       N-1 periods' investments a period, and 1/N of the stream now */
    double N = b[2], fisc = b[3] * dt;
    return b[7] / (N * fisc) + a[0] / N;
  }
}
