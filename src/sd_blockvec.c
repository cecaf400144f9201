/*
 * sd_blockvec.c -- element loops for arrayed equations.
 *
 * The compiler emits an arrayed equation element by element, so C-LEARN's
 * step program is full of runs such as
 *     ADD     t1[i] <- TIME STEP, x[i]
 *     LE      t     <- Time, t1[i]           (t: a scratch temporary)
 *     SAMPLE  y[i]  <- t, u[i], state[i]
 * repeated for i = 1..k: k blocks of the same L instructions whose operands
 * move by fixed strides from one block to the next.  Such a run is
 * rewritten position by position: one W<op> instruction per position,
 * looping over the k elements (a temporary written at the same slot by
 * every block becomes k fresh slots, one per element), so k * L dispatches
 * become L.
 *
 * Every element still sees its own operations in the same order and with
 * the same rounding; only the interleaving of elements changes, from block
 * by block to position by position.  The rewrite is made only when that
 * cannot change a value read:
 *   - no jump lands inside the run, and it holds no jump;
 *   - a slot touched by two blocks i < j is never touched by block j at an
 *     earlier position than by block i, when either touch is a write;
 *   - a temporary made private is written by each block before the block
 *     reads it, and is dead after the run (the code after it writes it
 *     before any read, on every path).
 * Jumps elsewhere are relocated, since the rewritten code is shorter or
 * longer than the run it replaces.
 */
#include <stdlib.h>
#include <string.h>
#include "sd_program.h"

#define MAX_L 32        /* longest block tried */

/* Words an instruction at `in` occupies (itself and its EXT words). */
static int ins_words(const sd_ins *in) {
  switch (sd_opcode_formats[in->op]) {
  case SD_F_DABC: return 2;
  case SD_F_LIST: return 1 + (in->a + 2) / 3;
  case SD_F_W3: return 3;
  case SD_F_W4: return 4;
  case SD_F_W5: return 5;
  default: return 1;
  }
}

/* A field of an instruction: word * 3 + (0 d, 1 a, 2 b). */
static int32_t *field(sd_ins *in, int f) {
  sd_ins *w = in + f / 3;
  return f % 3 == 0 ? &w->d : f % 3 == 1 ? &w->a : &w->b;
}

enum { R_NONE, R_WRITE, R_READ, R_STATE, R_TABLE };   /* what a field is */

/* What an operation's fields are, and its element loop. */
typedef struct opdesc {
  int wop;            /* the W<op> opcode */
  int words;          /* words of the scalar instruction */
  int nsrc;           /* sources x1..x5, in the W layout's order */
  int src[5];         /* their fields */
  int state;          /* field read and written (SAMPLE), or -1 */
  int table;          /* field holding a table index (LOOKUP), or -1 */
} opdesc;

#define FD 0
#define FA 1
#define FB 2
#define XD 3
#define XA 4
#define XB 5

static int describe(int op, opdesc *o) {
  int w = 0;
  o->state = o->table = -1;
  switch (op) {
  case SDI_MOV: w = SDI_WMOV; break;
  case SDI_NEG: w = SDI_WNEG; break;
  case SDI_ABS: w = SDI_WABS; break;
  case SDI_EXP: w = SDI_WEXP; break;
  case SDI_LN: w = SDI_WLN; break;
  case SDI_SQRT: w = SDI_WSQRT; break;
  case SDI_INT: w = SDI_WINT; break;
  case SDI_NOT: w = SDI_WNOT; break;
  default: break;
  }
  if (w) { o->wop = w; o->words = 1; o->nsrc = 1; o->src[0] = FA; return 1; }
  switch (op) {
  case SDI_ADD: w = SDI_WADD; break;
  case SDI_SUB: w = SDI_WSUB; break;
  case SDI_MUL: w = SDI_WMUL; break;
  case SDI_DIV: w = SDI_WDIV; break;
  case SDI_POW: w = SDI_WPOW; break;
  case SDI_EQ: w = SDI_WEQ; break;
  case SDI_NE: w = SDI_WNE; break;
  case SDI_LT: w = SDI_WLT; break;
  case SDI_GT: w = SDI_WGT; break;
  case SDI_LE: w = SDI_WLE; break;
  case SDI_GE: w = SDI_WGE; break;
  case SDI_AND: w = SDI_WAND; break;
  case SDI_OR: w = SDI_WOR; break;
  case SDI_MIN: w = SDI_WMIN; break;
  case SDI_MAX: w = SDI_WMAX; break;
  case SDI_MOD: w = SDI_WMOD; break;
  case SDI_ZIDZ: w = SDI_WZIDZ; break;
  case SDI_STEP: w = SDI_WSTEP; break;
  default: break;
  }
  if (w) { o->wop = w; o->words = 1; o->nsrc = 2; o->src[0] = FA; o->src[1] = FB; return 1; }
  if (op == SDI_LOOKUP) {
    o->wop = SDI_WLOOKUP; o->words = 1; o->nsrc = 1; o->src[0] = FA; o->table = FB;
    return 1;
  }
  switch (op) {
  case SDI_SUBDIV: w = SDI_WSUBDIV; break;
  case SDI_MULADD: w = SDI_WMULADD; break;
  case SDI_MULMUL: w = SDI_WMULMUL; break;
  case SDI_DIVMUL: w = SDI_WDIVMUL; break;
  case SDI_MULDIV: w = SDI_WMULDIV; break;
  case SDI_SUBMUL: w = SDI_WSUBMUL; break;
  case SDI_ADDMUL: w = SDI_WADDMUL; break;
  case SDI_DIVDIV: w = SDI_WDIVDIV; break;
  case SDI_SELECT: w = SDI_WSELECT; break;
  case SDI_XIDZ: w = SDI_WXIDZ; break;
  default: break;
  }
  if (w) {
    o->wop = w; o->words = 2; o->nsrc = 3; o->src[0] = FA; o->src[1] = FB; o->src[2] = XD;
    return 1;
  }
  if (op == SDI_ANDSEL || op == SDI_EQANDSEL) {
    o->wop = op == SDI_ANDSEL ? SDI_WANDSEL : SDI_WEQANDSEL;
    o->words = 2;
    o->nsrc = op == SDI_ANDSEL ? 4 : 5;
    o->src[0] = FA; o->src[1] = FB; o->src[2] = XD; o->src[3] = XA; o->src[4] = XB;
    return 1;
  }
  if (op == SDI_SAMPLE) {
    o->wop = SDI_WSAMPLE; o->words = 2; o->nsrc = 2; o->src[0] = FA; o->src[1] = FB; o->state = XD;
    return 1;
  }
  return 0;
}

/* The role of each of the 3 * words fields of an instruction. */
static void roles(const opdesc *o, int *role) {
  int f;
  for (f = 0; f < 3 * o->words; f++) role[f] = R_NONE;
  role[FD] = R_WRITE;
  for (f = 0; f < o->nsrc; f++) role[o->src[f]] = R_READ;
  if (o->state >= 0) role[o->state] = R_STATE;
  if (o->table >= 0) role[o->table] = R_TABLE;
}

static int is_jump(int op) { return op == SDI_JMP || op == SDI_JZ || SD_IS_CMOVJ(op); }

/* Where the jump at `in` (position i) lands. */
static int jump_target(const sd_ins *in, int i) {
  return (in->op == SDI_JMP || in->op == SDI_JZ) ? i + in->a : i + in[1].d;
}

/* A run: k blocks of L instructions from word `at`, each `bw` words. */
typedef struct run {
  int at, L, k, bw;
  int pos[MAX_L];     /* word offset of each position in a block */
  opdesc op[MAX_L];
} run;

/* The longest repetition of the L instructions at `at`: 1 if there are
 * at least two blocks, 0 if not, -1 if no block of L or more instructions
 * can start here (an operation that has no element loop, or a jump
 * landing inside). */
static int find_run(const sd_ins *ins, int n, const unsigned char *target, int at, int L, run *r) {
  int j, f, b, bw = 0;
  r->at = at; r->L = L;
  for (j = 0; j < L; j++) {
    if (at + bw >= n || !describe(ins[at + bw].op, &r->op[j])) return -1;
    if (j > 0 && target[at + bw]) return -1;
    r->pos[j] = bw;
    bw += r->op[j].words;
  }
  r->bw = bw;
  for (b = 1;; b++) {
    int base = at + b * bw, ok = 1;
    if (base + bw > n - 1) break;                      /* HALT stays last */
    for (j = 0; j < L && ok; j++) {
      const sd_ins *p0 = &ins[at + r->pos[j]], *pb = &ins[base + r->pos[j]];
      int role[6];
      if (pb->op != p0->op || target[base + r->pos[j]]) { ok = 0; break; }
      roles(&r->op[j], role);
      for (f = 0; f < 3 * r->op[j].words; f++) {
        int32_t v0 = *field((sd_ins *)p0, f), vb = *field((sd_ins *)pb, f);
        if (role[f] == R_NONE) { if (vb != v0) ok = 0; continue; }
        if (b >= 2) {
          int32_t v1 = *field((sd_ins *)&ins[at + bw + r->pos[j]], f);
          if ((long)vb - v0 != (long)b * ((long)v1 - v0)) ok = 0;
        }
      }
    }
    if (!ok) break;
  }
  r->k = b;
  return b >= 2;
}

/* One access to a slot by block b at position j. */
typedef struct access { int32_t slot; int b, j, write; } access;

static int cmp_access(const void *x, const void *y) {
  const access *p = x, *q = y;
  return p->slot < q->slot ? -1 : p->slot > q->slot ? 1 : 0;
}

/* Does the instruction at `in` (position i) read slot t, or write it for
 * sure (and not read it)?  Conservative: any field equal to t counts as a
 * read, and an instruction that indexes a range of slots reads the range. */
static void touches(const sd_ins *in, int32_t t, int *reads, int *writes) {
  int fmt = sd_opcode_formats[in->op], nw = ins_words(in), f;
  *reads = *writes = 0;
  if (fmt == SD_F_J || in->op == SDI_HALT || in->op == SDI_EXT) return;
  for (f = 0; f < 3 * nw; f++) {
    if (*field((sd_ins *)in, f) != t) continue;
    if (f == FD && fmt != SD_F_JC && !SD_IS_CMOVJ(in->op) && in->op != SDI_OVR) *writes = 1;
    else *reads = 1;
  }
  /* VECTOR ELM MAP, SORT ORDER, RANK and INVERT MATRIX read the range of
     ext.a (or ext.a^2) slots from b */
  if (in->op == SDI_ELMMAP || in->op == SDI_SORTORD || in->op == SDI_RANK || in->op == SDI_INVMAT) {
    long len = in->op == SDI_INVMAT ? (long)in[1].a * in[1].a : in[1].a;
    if (in->op == SDI_ELMMAP) len = (long)in[1].d + in[1].a;
    if (t >= in->b && t < in->b + len) *reads = 1;
  }
  if (*reads) *writes = 0;
}

/* Is temporary t dead from word `from` on: written before any read on
 * every path? */
static int dead_after(const sd_ins *ins, int n, int from, int32_t t) {
  int i, reach = from;     /* the furthest a jump seen so far lands */
  for (i = from; i < n; i += ins_words(&ins[i])) {
    int rd, wr;
    touches(&ins[i], t, &rd, &wr);
    if (rd) return 0;
    if (wr) return reach <= i;
    if (is_jump(ins[i].op)) {
      int to = jump_target(&ins[i], i);
      if (to > reach) reach = to;
    }
  }
  return 1;
}

/* Check that run r may be rewritten; fill priv[] with the temporaries to
 * make private (np of them).  Temporaries are the slots in [tlo, thi). */
static int legal(const sd_ins *ins, int n, const run *r, int32_t tlo, int32_t thi,
                 int32_t *priv, int *np, access *acc) {
  int j, f, b, na = 0, i;
  *np = 0;
  /* private temporaries: written at one slot by every block */
  for (j = 0; j < r->L; j++) {
    int32_t d0 = ins[r->at + r->pos[j]].d, d1 = ins[r->at + r->bw + r->pos[j]].d;
    if (d0 == d1 && d0 >= tlo && d0 < thi) {
      int seen = 0;
      for (i = 0; i < *np; i++) seen |= priv[i] == d0;
      if (!seen) priv[(*np)++] = d0;
    }
  }
  for (i = 0; i < *np; i++) {
    int32_t t = priv[i];
    int written = 0;
    /* in block 0 (the others are the same shape): written before read;
       and no other field ever strides through it */
    for (j = 0; j < r->L; j++) {
      const sd_ins *p = &ins[r->at + r->pos[j]];
      int role[6], rd = 0, wr = 0;
      roles(&r->op[j], role);
      for (f = 0; f < 3 * r->op[j].words; f++) {
        int32_t v0 = *field((sd_ins *)p, f), v1 = *field((sd_ins *)&ins[r->at + r->bw + r->pos[j]], f);
        if (role[f] == R_NONE || role[f] == R_TABLE) continue;
        if ((v0 == t) != (v1 == t)) return 0;          /* strides through t */
        if (v0 != t) continue;
        if (role[f] == R_WRITE) wr = 1; else rd = 1;
      }
      if (rd && !written) return 0;                    /* live into the block */
      if (wr) written = 1;
    }
    if (!dead_after(ins, n, r->at + r->k * r->bw, t)) return 0;
  }
  /* every other slot: a block never touches at an earlier position what
     an earlier block wrote, or writes what it read */
  for (b = 0; b < r->k; b++)
    for (j = 0; j < r->L; j++) {
      const sd_ins *p = &ins[r->at + b * r->bw + r->pos[j]];
      int role[6];
      roles(&r->op[j], role);
      for (f = 0; f < 3 * r->op[j].words; f++) {
        int32_t s = *field((sd_ins *)p, f);
        int pv = 0;
        if (role[f] == R_NONE || role[f] == R_TABLE) continue;
        for (i = 0; i < *np; i++) pv |= priv[i] == s;
        if (pv) continue;
        acc[na].slot = s; acc[na].b = b; acc[na].j = j; acc[na].write = role[f] != R_READ;
        na++;
      }
    }
  qsort(acc, (size_t)na, sizeof *acc, cmp_access);
  for (i = 0; i < na; i++) {
    int e = i, x, y;
    while (e + 1 < na && acc[e + 1].slot == acc[i].slot) e++;
    for (x = i; x <= e; x++)
      for (y = i; y <= e; y++)
        if ((acc[x].write || acc[y].write) && acc[x].b < acc[y].b && acc[x].j > acc[y].j) return 0;
    i = e;
  }
  return 1;
}

/* A growable instruction buffer, and where each new instruction came from. */
typedef struct obuf { sd_ins *ins; int *from; int n, cap; } obuf;

static sd_ins *ob_put(obuf *o, int words, int from) {
  sd_ins *w;
  if (o->n + words > o->cap) {
    int cap = o->cap ? 2 * o->cap : 256;
    sd_ins *ni;
    int *nf;
    while (cap < o->n + words) cap *= 2;
    ni = realloc(o->ins, (size_t)cap * sizeof *ni);
    if (!ni) return NULL;
    o->ins = ni;
    nf = realloc(o->from, (size_t)cap * sizeof *nf);
    if (!nf) return NULL;
    o->from = nf;
    o->cap = cap;
  }
  w = &o->ins[o->n];
  memset(w, 0, (size_t)words * sizeof *w);
  for (; words > 0; words--) o->from[o->n++] = from;
  return w;
}

/* The W<op> words of position j of run r; private slots renamed. */
static int emit_position(obuf *o, const sd_ins *ins, const run *r, int j,
                         const int32_t *priv, const int32_t *pbase, int np) {
  const opdesc *d = &r->op[j];
  const sd_ins *p0 = &ins[r->at + r->pos[j]], *p1 = &ins[r->at + r->bw + r->pos[j]];
  int32_t base[6], stride[6];
  int f, i, words = sd_opcode_formats[d->wop] == SD_F_W5 ? 5 : sd_opcode_formats[d->wop] == SD_F_W4 ? 4 : 3;
  sd_ins *w;
  for (f = 0; f < 3 * d->words; f++) {
    base[f] = *field((sd_ins *)p0, f);
    stride[f] = *field((sd_ins *)p1, f) - base[f];
    for (i = 0; i < np; i++)
      if (base[f] == priv[i] && stride[f] == 0 && f != d->table) { base[f] = pbase[i]; stride[f] = 1; }
  }
  for (; f < 6; f++) base[f] = stride[f] = 0;
  if (!(w = ob_put(o, words, -1))) return -1;
  w[0].op = (uint16_t)d->wop;
  w[0].d = base[FD];
  w[0].a = base[d->src[0]];
  w[0].b = d->table >= 0 ? base[d->table] : d->nsrc > 1 ? base[d->src[1]] : 0;
  w[1].op = SDI_EXT; w[1].d = r->k; w[1].a = stride[FD]; w[1].b = stride[d->src[0]];
  w[2].op = SDI_EXT;
  w[2].d = d->table >= 0 ? stride[d->table] : d->nsrc > 1 ? stride[d->src[1]] : 0;
  if (d->state >= 0) { w[2].a = base[d->state]; w[2].b = stride[d->state]; }
  else if (d->nsrc > 2) { w[2].a = base[d->src[2]]; w[2].b = stride[d->src[2]]; }
  if (words >= 4) {
    w[3].op = SDI_EXT;
    w[3].d = base[d->src[3]]; w[3].a = stride[d->src[3]];
    if (d->nsrc > 4) w[3].b = base[d->src[4]];
  }
  if (words == 5) { w[4].op = SDI_EXT; w[4].d = stride[d->src[4]]; }
  return 0;
}

int sd_block_vectorize(sd_code *code, int32_t tlo, int32_t thi, int *nslots, sd_arena *arena) {
  sd_ins *ins = code->ins;
  int n = code->n, i, rc = -1, *map = NULL;
  unsigned char *target = calloc((size_t)n + 1, 1);
  access *acc = NULL;
  size_t acc_cap = 0;
  obuf o = { NULL, NULL, 0, 0 };
  run best, cand;
  if (!target) return -1;
  for (i = 0; i < n; i += ins_words(&ins[i]))
    if (is_jump(ins[i].op)) {
      int to = jump_target(&ins[i], i);
      if (to >= 0 && to <= n) target[to] = 1;
    }
  if (!(map = malloc(((size_t)n + 1) * sizeof *map))) goto out;
  for (i = 0; i <= n; i++) map[i] = -1;

  for (i = 0; i < n;) {
    int L, gain = 0, np = 0, j, found;
    int32_t priv[MAX_L], pbase[MAX_L];
    /* the block length that saves the most dispatches */
    for (L = 1; L <= MAX_L; L++) {
      int g;
      found = find_run(ins, n, target, i, L, &cand);
      if (found < 0) break;
      if (found == 0 || (g = L * (cand.k - 1)) <= gain) continue;
      if ((size_t)cand.k * (size_t)L * 6 > acc_cap) {
        size_t cap = (size_t)cand.k * (size_t)L * 6;
        access *na = realloc(acc, cap * sizeof *na);
        if (!na) goto out;
        acc = na;
        acc_cap = cap;
      }
      if (legal(ins, n, &cand, tlo, thi, priv, &np, acc)) { best = cand; gain = g; }
    }
    map[i] = o.n;
    if (gain > 0) {
      /* (again, for the private temporaries of the run chosen) */
      if (!legal(ins, n, &best, tlo, thi, priv, &np, acc)) goto out;
      for (j = 0; j < np; j++) { pbase[j] = *nslots; *nslots += best.k; }
      for (j = 0; j < best.L; j++)
        if (emit_position(&o, ins, &best, j, priv, pbase, np) != 0) goto out;
      i += best.k * best.bw;
    } else {
      int w = ins_words(&ins[i]);
      sd_ins *dst = ob_put(&o, w, i);
      if (!dst) goto out;
      memcpy(dst, &ins[i], (size_t)w * sizeof *dst);
      i += w;
    }
  }
  map[n] = o.n;

  /* relocate the jumps */
  for (i = 0; i < o.n; i += ins_words(&o.ins[i])) {
    sd_ins *in = &o.ins[i];
    int from = o.from[i], to, nt;
    if (!is_jump(in->op)) continue;
    to = jump_target(&ins[from], from);
    if (to < 0 || to > n || map[to] < 0) goto out;      /* cannot happen */
    nt = map[to] - i;
    if (in->op == SDI_JMP || in->op == SDI_JZ) in->a = nt; else in[1].d = nt;
  }
  {
    sd_ins *final = sd_arena_alloc(arena, (size_t)o.n * sizeof *final);
    if (!final) goto out;
    memcpy(final, o.ins, (size_t)o.n * sizeof *final);
    code->ins = final;
    code->n = o.n;
  }
  rc = 0;
out:
  free(target);
  free(map);
  free(acc);
  free(o.ins);
  free(o.from);
  return rc;
}
