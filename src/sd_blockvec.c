/*
 * sd_blockvec.c -- element loops for arrayed equations.
 *
 * The compiler emits an arrayed equation element by element, so C-LEARN's
 * step program is full of runs such as
 *     ADD     t1[i] <- TIME STEP, x[i]
 *     LE      t     <- Time, t1[i]           (t: a scratch temporary)
 *     SAMPLE  y[i]  <- t, u[i], state[i]
 * repeated for i = 1..k: k blocks of the same instructions whose operands
 * move by fixed strides from one block to the next.  Such a run is
 * rewritten position by position: one W<op> instruction per position,
 * looping over the k elements (a temporary written at the same slot by
 * every block becomes k fresh slots, one per element), so k * L dispatches
 * become L.
 *
 * An IF THEN ELSE inside a block is if-converted: with a value arm
 * (CMOVJ*: move the value, or run the other arm) the arm is computed for
 * every element into fresh slots, then one WCS_<test> picks the value or
 * the arm's result; with two computed arms (JZ ... JMP ...) both are, then
 * one WCS_NZ picks.  Only arms of pure element operations qualify (the
 * extra evaluations change no state: no SAMPLE IF TRUE, no write outside
 * temporaries), that write nothing the test or the value reads.  Whatever
 * has no element loop (list operations, IFs whose arms do not qualify)
 * stays in the block as an opaque group, copied once per element in
 * element order, so that the rest of the block still loops.
 *
 * Every element still sees the same operations on the same operands, with
 * the same rounding; only the interleaving of elements changes, from block
 * by block to position by position.  The rewrite is made only when that
 * cannot change a value read:
 *   - no jump lands inside the run but an arm's own end, and the run
 *     holds no jump but its arms';
 *   - a slot touched by two blocks i < j is never touched by block j at an
 *     earlier position than by block i, when either touch is a write;
 *   - a temporary made private is written by each block before the block
 *     reads it, and is dead after the run (the code after it writes it
 *     before any read, on every path).
 * Jumps elsewhere are relocated, since the rewritten code is shorter or
 * longer than the run it replaces.  The results are bit for bit those of
 * the code before (sd_model_set_rewrite; tests/c/test_optimize.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "sd_program.h"

#define MAX_L 32        /* most instructions in a block */
#define MAX_BW 128      /* most words in a block */
#define MAX_P 72        /* most positions in a block */

/* A field of an instruction: word * 3 + (0 d, 1 a, 2 b). */
#define FD 0
#define FA 1
#define FB 2
#define XD 3
#define XA 4
#define XB 5

static int32_t fget(const sd_ins *in, int f) {
  /* as int32 fields counted from the first word's d, each op field
     skipped, field f is field f + f / 3 (the layout sd_opnd() reads) */
  int32_t v;
  memcpy(&v, (const unsigned char *)in + offsetof(sd_ins, d) + sizeof(int32_t) * (size_t)(f + f / 3), sizeof v);
  return v;
}

enum { R_NONE, R_WRITE, R_READ, R_STATE, R_TABLE };   /* what a field is */

/* One position of a block, in the order the rewrite emits them: an
 * element loop (W<op>), the pick of an if-converted IF, or an opaque
 * group (an instruction, or an IF with the arm it may skip, that has no
 * element loop): copied once per element, in element order. */
enum { P_W, P_CSEL, P_OPAQUE };
typedef struct pdesc {
  int kind;
  int wop;            /* the W<op> opcode */
  int off;            /* word offset of its instruction in the block */
  int words;          /* words of that instruction */
  int nsrc;           /* sources x1..x5, in the W layout's order */
  int src[5];         /* their fields; -1, -2: the IF's arm values (THEN or
                         the only arm, ELSE), in private slots */
  int state;          /* field read and written (SAMPLE), or -1 */
  int table;          /* field holding a table index (LOOKUP), or -1 */
  int role[6];
  int arm;            /* in an arm of IF number `arm`, or -1 */
  int side;           /* that arm: 0 (the only one, or THEN), 1 (ELSE) */
  int csel;           /* the pick of IF number `csel`, or -1 */
  int dst;            /* the pick: word offset of the instruction whose d is
                         the IF's result (its own, for CMOVJ*; an arm's last,
                         for JZ, whose d is the condition) */
  int tgt[2];         /* an IF (pick or opaque group): where its own jumps
                         land, block word offsets (-1: none) */
} pdesc;

static void set_roles(pdesc *o) {
  int f;
  for (f = 0; f < 6; f++) o->role[f] = R_NONE;
  o->role[FD] = R_WRITE;
  for (f = 0; f < o->nsrc; f++) if (o->src[f] >= 0) o->role[o->src[f]] = R_READ;
  if (o->state >= 0) o->role[o->state] = R_STATE;
  if (o->table >= 0) o->role[o->table] = R_TABLE;
}

/* The element operation of `op`: 0 if it has no element loop. */
static int describe(int op, pdesc *o) {
  int w = 0;
  o->state = o->table = o->arm = o->csel = o->dst = -1;
  o->tgt[0] = o->tgt[1] = -1;
  o->side = 0;
  o->kind = P_W;
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
  if (w) { o->wop = w; o->words = 1; o->nsrc = 1; o->src[0] = FA; goto done; }
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
  if (w) { o->wop = w; o->words = 1; o->nsrc = 2; o->src[0] = FA; o->src[1] = FB; goto done; }
  if (op == SDI_LOOKUP) {
    o->wop = SDI_WLOOKUP; o->words = 1; o->nsrc = 1; o->src[0] = FA; o->table = FB;
    goto done;
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
    goto done;
  }
  if (op == SDI_ANDSEL || op == SDI_EQANDSEL) {
    o->wop = op == SDI_ANDSEL ? SDI_WANDSEL : SDI_WEQANDSEL;
    o->words = 2;
    o->nsrc = op == SDI_ANDSEL ? 4 : 5;
    o->src[0] = FA; o->src[1] = FB; o->src[2] = XD; o->src[3] = XA; o->src[4] = XB;
    goto done;
  }
  if (op == SDI_SAMPLE) {
    o->wop = SDI_WSAMPLE; o->words = 2; o->nsrc = 2; o->src[0] = FA; o->src[1] = FB; o->state = XD;
    goto done;
  }
  return 0;
done:
  set_roles(o);
  return 1;
}

/* The pick of an IF with a value arm: d = test ? a (the value) : arm. */
static int describe_csel(int op, pdesc *o) {
  static const int cmp[10] = { SDI_WCS_EQ, SDI_WCS_NE, SDI_WCS_LT, SDI_WCS_GT, SDI_WCS_LE,
                               SDI_WCS_GE, SDI_WCS_NLT, SDI_WCS_NGT, SDI_WCS_NLE, SDI_WCS_NGE };
  o->state = o->table = o->arm = -1;
  o->tgt[0] = o->tgt[1] = -1;
  o->side = 0;
  o->kind = P_CSEL;
  o->words = 2;
  if (op == SDI_JZ) {
    /* IF THEN ELSE(c, then, else), both arms computed: c ? then : else */
    o->wop = SDI_WCS_NZ;
    o->words = 1;
    o->nsrc = 3; o->src[0] = FD; o->src[1] = -1; o->src[2] = -2;
  } else if (op == SDI_CMOVJ || op == SDI_CMOVJZ) {
    o->wop = op == SDI_CMOVJ ? SDI_WCS_NZ : SDI_WCS_Z;
    o->nsrc = 3; o->src[0] = FB; o->src[1] = FA; o->src[2] = -1;
  } else if (op >= SDI_CMOVJ_EQ && op <= SDI_CMOVJ_NGE) {
    o->wop = cmp[op - SDI_CMOVJ_EQ];
    o->nsrc = 4; o->src[0] = FB; o->src[1] = XA; o->src[2] = FA; o->src[3] = -1;
  } else {
    return 0;
  }
  set_roles(o);
  return 1;
}

static int is_jump(int op) { return op == SDI_JMP || op == SDI_JZ || SD_IS_CMOVJ(op); }

/* The pick of an IF with two computed arms (JZ), whose result is written
 * by the arms' last instruction rather than by its own d. */
static int is_jz_pick(const pdesc *o) { return o->kind == P_CSEL && o->dst != o->off; }

/* The role of field f (< 3 * its words) of an instruction that an opaque
 * group may hold, or -1 if it may not hold it: jumps (but a CMOVJ's own),
 * and the instructions that index ranges of slots.  Immediates that may
 * differ from element to element (tables, pipelines, call sites, targets)
 * are R_TABLE; a CMOVJ writes only when it jumps, so its d is R_STATE
 * (read and written). */
static int opaque_role(const sd_ins *in, int f) {
  int fmt = sd_opcode_formats[in->op];
  if (in->op == SDI_JZ) return f == FD ? R_READ : R_NONE;    /* (an IF group's own) */
  if (in->op == SDI_JMP) return R_NONE;
  switch (in->op) {
  case SDI_HALT: case SDI_EXT: case SDI_OVR:
  case SDI_ELMMAP: case SDI_SORTORD: case SDI_RANK: case SDI_INVMAT: case SDI_VECLKP:
    return -1;
  default: break;
  }
  if (fmt >= SD_F_W3 || in->op == SDI_VADD || in->op == SDI_VSUB || in->op == SDI_VMUL ||
      in->op == SDI_VDIV || in->op == SDI_VZIDZ || in->op == SDI_VLOOKUP || in->op == SDI_VMULDIV ||
      in->op == SDI_VSUBDIV || in->op == SDI_VDIVMUL)
    return -1;
  if (f == FD) return SD_IS_CMOVJ(in->op) ? R_STATE : R_WRITE;
  if (SD_IS_CMOVJ(in->op)) return f == XD || f == XB ? R_NONE : R_READ;
  if (fmt == SD_F_LIST) {
    if (f == FA) return R_NONE;                       /* the operand count */
    if (f == FB) return R_TABLE;
    return f - 3 < in->a ? R_READ : R_NONE;
  }
  if (in->op == SDI_DELAYFX) return f == FA ? R_TABLE : R_NONE;
  if (in->op == SDI_LOOKUP || in->op == SDI_LOOKUPM) return f == FA ? R_READ : f == FB ? R_TABLE : R_NONE;
  if (in->op == SDI_SAMPLE && f == XD) return R_STATE;
  if (fmt == SD_F_DA) return f == FA ? R_READ : R_NONE;
  return R_READ;
}

/* The role of field f of position p of a block whose words start at blk:
 * for an opaque group, that of the instruction holding it. */
static int role_at(const sd_ins *blk, const struct pdesc *p, int f) {
  const sd_ins *in;
  int w = 0, nw;
  if (p->kind != P_OPAQUE) return p->role[f];
  in = blk + p->off;
  for (;;) {
    nw = sd_ins_words(in);
    if (f < 3 * (w + nw)) return opaque_role(in, f - 3 * w);
    w += nw;
    in += nw;
  }
}

/* Where the jump at `in` (position i) lands. */
static int jump_target(const sd_ins *in, int i) {
  return (in->op == SDI_JMP || in->op == SDI_JZ) ? i + in->a : i + in[1].d;
}

/* A run: k blocks of np positions from word `at`, each block bw words. */
typedef struct run {
  int at, k, bw, np, nif, L;   /* (bw words: 3 * bw fields a block; L instructions) */
  pdesc p[MAX_P];
  int cpos[MAX_P];          /* the position of each if-converted IF's pick */
  /* per field of a block (3 * word + field): its role, and whether it is
     an arm's access to its IF's result (filled by find_run) */
  unsigned char frole[3 * MAX_BW], farm[3 * MAX_BW];
} run;

/* Jumps land in block b of run r only at an IF's end, from that IF (and
 * anywhere at the start of block 0). */
static int targets_ok(const int *ntarget, const run *r, int b) {
  int j, off, base = r->at + b * r->bw;
  int expect[8 * MAX_P + 1];
  if (r->bw > 8 * MAX_P) return 0;
  for (off = 0; off <= r->bw; off++) expect[off] = 0;
  for (j = 0; j < r->np; j++) {
    if (r->p[j].tgt[0] >= 0) expect[r->p[j].tgt[0]]++;
    if (r->p[j].tgt[1] >= 0) expect[r->p[j].tgt[1]]++;
  }
  for (off = 1; off < r->bw; off++)
    if (ntarget[base + off] != expect[off]) return 0;
  if (b > 0 && ntarget[base] != expect[r->bw]) return 0;
  return 1;
}

/* Words of the instructions from `in` up to word `end` if an opaque group
 * may hold them all (no jump, nothing indexing a range), else -1. */
static int opaque_span(const sd_ins *in, int words) {
  int w = 0;
  while (w < words) {
    if (is_jump(in[w].op) || opaque_role(&in[w], FD) < 0) return -1;
    w += sd_ins_words(&in[w]);
  }
  return w == words ? w : -1;
}

/* Block 0 of L instructions at `at` as positions: 1, or 0 if the L-th
 * instruction ends inside an IF's arm, or -1 if no block of L or more
 * instructions can start here (a jump other than an IF's, an instruction
 * indexing a range of slots, a jump landing inside). */
static int block_shape(const sd_ins *ins, int n, const int *ntarget, int at, int L, run *r) {
  int w = 0, count = 0;
  r->at = at; r->np = 0; r->nif = 0;
  while (count < L) {
    const sd_ins *in = &ins[at + w];
    pdesc *o = &r->p[r->np];
    if (at + w >= n - 1 || r->np >= MAX_P - 1) return -1;
    if (describe(in->op, o)) {
      o->off = w;
      w += o->words;
      r->np++;
      count++;
      continue;
    }
    if (SD_IS_CMOVJ(in->op)) {
      /* the arm [w + 2, end): element operations but SAMPLE IF TRUE, if
         converted; else the IF and its arm as one opaque group */
      pdesc cs;
      int end = w + in[1].d, a = w + 2, g = r->nif, np0 = r->np, c0 = count, convert = 1;
      if (in[1].d < 2 || at + end >= n) return -1;
      if (!describe_csel(in->op, &cs)) return -1;
      cs.off = w;
      cs.csel = g;
      cs.dst = w;
      cs.tgt[0] = end;
      count++;
      while (a < end) {
        pdesc *q = &r->p[r->np];
        if (r->np >= MAX_P - 1 || !describe(ins[at + a].op, q) || q->state >= 0) { convert = 0; break; }
        q->off = a;
        q->arm = g;
        a += q->words;
        r->np++;
        count++;
      }
      if (convert && a == end && end > w + 2) {
        r->cpos[g] = r->np;
        r->p[r->np++] = cs;
        r->nif++;
      } else {
        int n_arm = 0, x;
        r->np = np0;
        count = c0 + 1;
        if (opaque_span(&ins[at + w + 2], end - w - 2) < 0) return -1;
        for (x = w + 2; x < end; x += sd_ins_words(&ins[at + x])) n_arm++;
        count += n_arm;
        o->kind = P_OPAQUE;
        o->off = w;
        o->words = end - w;
        o->arm = o->csel = -1;
        o->tgt[0] = end; o->tgt[1] = -1;
        r->np++;
      }
      w = end;
      if (count > L) return 0;
      continue;
    }
    if (in->op == SDI_JZ) {
      /* JZ c -> ELSE; THEN arm; JMP -> END; ELSE arm; END.  Both arms
         element operations but SAMPLE IF TRUE, writing the same result
         last: if converted (both computed, then one pick); else the IF
         as one opaque group */
      pdesc cs;
      int els = w + in->a, jmp = els - 1, end, a, g = r->nif, np0 = r->np, c0 = count, convert = 1, side;
      if (in->a < 3 || at + els >= n || ins[at + jmp].op != SDI_JMP) return -1;
      end = jmp + ins[at + jmp].a;
      if (end <= els || at + end >= n) return -1;
      describe_csel(SDI_JZ, &cs);
      cs.off = w;
      cs.csel = g;
      cs.tgt[0] = els; cs.tgt[1] = end;
      count++;
      for (side = 0; side < 2 && convert; side++) {
        int from = side ? els : w + 1, to = side ? end : jmp, last = -1;
        for (a = from; a < to;) {
          pdesc *q = &r->p[r->np];
          if (r->np >= MAX_P - 1 || !describe(ins[at + a].op, q) || q->state >= 0) { convert = 0; break; }
          q->off = a;
          q->arm = g;
          q->side = side;
          last = a;
          a += q->words;
          r->np++;
          count++;
        }
        if (!convert || a != to || last < 0) { convert = 0; break; }
        if (side == 0) cs.dst = last;
        else if (ins[at + last].d != ins[at + cs.dst].d) convert = 0;
      }
      if (convert) {
        count++;                                          /* the JMP */
        r->cpos[g] = r->np;
        r->p[r->np++] = cs;
        r->nif++;
      } else {
        int x;
        r->np = np0;
        count = c0 + 2;
        if (opaque_span(&ins[at + w + 1], jmp - w - 1) < 0 || opaque_span(&ins[at + els], end - els) < 0)
          return -1;
        for (x = w + 1; x < jmp; x += sd_ins_words(&ins[at + x])) count++;
        for (x = els; x < end; x += sd_ins_words(&ins[at + x])) count++;
        o->kind = P_OPAQUE;
        o->off = w;
        o->words = end - w;
        o->arm = o->csel = -1;
        o->tgt[0] = els; o->tgt[1] = end;
        r->np++;
      }
      w = end;
      if (count > L) return 0;
      continue;
    }
    if (!is_jump(in->op) && opaque_role(in, FD) >= 0) {
      o->kind = P_OPAQUE;
      o->off = w;
      o->words = sd_ins_words(in);
      o->arm = o->csel = -1;
      o->tgt[0] = o->tgt[1] = -1;
      w += o->words;
      r->np++;
      count++;
      continue;
    }
    return -1;
  }
  r->bw = w;
  return targets_ok(ntarget, r, 0) ? 1 : -1;
}

/* The longest repetition of block 0 (k >= 2: 1; else 0). */
static int find_run(const sd_ins *ins, int n, const int *ntarget, run *r) {
  int b, j, f;
  if (r->bw > MAX_BW) return 0;
  for (j = 0; j < r->np; j++) {
    const pdesc *o = &r->p[j];
    for (f = 0; f < 3 * o->words; f++) {
      r->frole[3 * o->off + f] = (unsigned char)role_at(&ins[r->at], o, f);
      r->farm[3 * o->off + f] = 0;
    }
  }
  for (j = 0; j < r->np; j++) {
    const pdesc *o = &r->p[j];
    if (o->arm < 0 || o->kind != P_W) continue;
    for (f = 0; f < 3 * o->words; f++) {
      int role = o->role[f];
      if (role != R_NONE && role != R_TABLE &&
          fget(&ins[r->at + o->off], f) == fget(&ins[r->at + r->p[r->cpos[o->arm]].dst], FD))
        r->farm[3 * o->off + f] = (unsigned char)(1 + o->side);
    }
  }
  for (b = 1;; b++) {
    int base = r->at + b * r->bw, ok = 1;
    if (base + r->bw > n - 1) break;                  /* HALT stays last */
    for (j = 0; j < r->np && ok; j++) {
      const pdesc *o = &r->p[j];
      const sd_ins *p0 = &ins[r->at + o->off], *pb = &ins[base + o->off];
      int x;
      for (x = 0; x < o->words; x += sd_ins_words(&p0[x]))
        if (pb[x].op != p0[x].op) ok = 0;
      for (f = 0; f < 3 * o->words && ok; f++) {
        int32_t v0 = fget(p0, f), vb = fget(pb, f);
        int role = r->frole[3 * o->off + f];
        if (role == R_NONE) { if (vb != v0) ok = 0; continue; }
        if (b >= 2) {
          int32_t v1 = fget(&ins[r->at + r->bw + o->off], f);
          if ((long)vb - v0 != (long)b * ((long)v1 - v0)) ok = 0;
        }
      }
    }
    for (j = 0; j < r->np && ok; j++)
      if (is_jz_pick(&r->p[j])) {
        const sd_ins *j0 = &ins[r->at + r->p[j].tgt[0] - 1], *jb = &ins[base + r->p[j].tgt[0] - 1];
        if (jb->op != SDI_JMP || jb->a != j0->a) ok = 0;
      }
    if (ok && !targets_ok(ntarget, r, b)) ok = 0;
    if (!ok) break;
  }
  r->k = b;
  return b >= 2;
}

/* The order check of legal(), in one pass over the accesses in block
 * order: per slot, the latest position at which earlier blocks read or
 * wrote it.  A block touching it at an earlier position than an earlier
 * block did breaks the order when either touch writes.  The state of a
 * slot is reset lazily (stamp). */
typedef struct tracker {
  int n, gen;
  int *stamp, *cur_b, *any_cur, *w_cur, *any_prev, *w_prev;
} tracker;

static int tracker_init(tracker *t, int nslots) {
  size_t m = (size_t)(nslots > 0 ? nslots : 1);
  t->n = nslots;
  t->gen = 0;
  t->stamp = calloc(6 * m, sizeof(int));
  if (!t->stamp) return -1;
  t->cur_b = t->stamp + m; t->any_cur = t->cur_b + m; t->w_cur = t->any_cur + m;
  t->any_prev = t->w_cur + m; t->w_prev = t->any_prev + m;
  return 0;
}

/* Record an access of slot s by block b at position j: 0 if it breaks
 * the order (or s is out of range), else 1. */
static int track(tracker *t, int32_t s, int b, int j, int write) {
  if (s < 0 || s >= t->n) return 0;
  if (t->stamp[s] != t->gen) {
    t->stamp[s] = t->gen;
    t->cur_b[s] = b;
    t->any_cur[s] = t->w_cur[s] = t->any_prev[s] = t->w_prev[s] = -1;
  } else if (t->cur_b[s] != b) {
    if (t->any_cur[s] > t->any_prev[s]) t->any_prev[s] = t->any_cur[s];
    if (t->w_cur[s] > t->w_prev[s]) t->w_prev[s] = t->w_cur[s];
    t->cur_b[s] = b;
    t->any_cur[s] = t->w_cur[s] = -1;
  }
  if (t->w_prev[s] > j || (write && t->any_prev[s] > j)) return 0;
  if (j > t->any_cur[s]) t->any_cur[s] = j;
  if (write && j > t->w_cur[s]) t->w_cur[s] = j;
  return 1;
}

/* Which temporaries (slots tlo + i) are live at each word: read before
 * written on some path from there.  The code only jumps forward, so one
 * backward pass is exact: live(i) = read(i) | (live(next) & ~written(i)),
 * with live(target) added for jumps (a CMOVJ writes only when it jumps,
 * so it counts as writing nothing).  Conservative for the rest: any field
 * holding a temporary's number reads it, and the instructions that index
 * a range of slots read the range. */
typedef struct liveness { uint64_t *bits; int words, n; int32_t tlo, ntemp; } liveness;

static uint64_t *live_row(const liveness *lv, int i) { return lv->bits + (size_t)i * (size_t)lv->words; }

static int live_at(const liveness *lv, int i, int32_t t) {
  int32_t k = t - lv->tlo;
  return (live_row(lv, i)[k / 64] >> (k % 64)) & 1;
}

static int live_init(liveness *lv, const sd_ins *ins, int n, int32_t tlo, int32_t thi) {
  int i, nstart = 0, *start, w, f;
  uint64_t *rd, *wr;
  lv->tlo = tlo;
  lv->ntemp = thi > tlo ? thi - tlo : 0;
  lv->words = (lv->ntemp + 63) / 64 + 1;
  lv->n = n;
  lv->bits = calloc(((size_t)n + 1) * (size_t)lv->words, sizeof(uint64_t));
  start = malloc(((size_t)n + 1) * sizeof *start);
  rd = calloc((size_t)lv->words, sizeof *rd);
  wr = calloc((size_t)lv->words, sizeof *wr);
  if (!lv->bits || !start || !rd || !wr) { free(start); free(rd); free(wr); return -1; }
  for (i = 0; i < n; i += sd_ins_words(&ins[i])) start[nstart++] = i;
  while (nstart-- > 0) {
    const sd_ins *in = &ins[i = start[nstart]];
    int fmt = sd_opcode_formats[in->op], nw = sd_ins_words(in);
    uint64_t *out = live_row(lv, i), *next = live_row(lv, i + nw < n ? i + nw : n);
    memset(rd, 0, (size_t)lv->words * sizeof *rd);
    memset(wr, 0, (size_t)lv->words * sizeof *wr);
    if (fmt != SD_F_J && in->op != SDI_HALT && in->op != SDI_EXT) {
      for (f = 0; f < 3 * nw; f++) {
        int32_t v = fget(in, f), k = v - tlo;
        if (v < tlo || v >= thi) continue;
        if (f == FD && fmt != SD_F_JC && !SD_IS_CMOVJ(in->op) && in->op != SDI_OVR)
          wr[k / 64] |= (uint64_t)1 << (k % 64);
        else
          rd[k / 64] |= (uint64_t)1 << (k % 64);
      }
      if (in->op == SDI_ELMMAP || in->op == SDI_SORTORD || in->op == SDI_RANK || in->op == SDI_INVMAT) {
        long len = in->op == SDI_INVMAT ? (long)in[1].a * in[1].a
                 : in->op == SDI_ELMMAP ? (long)in[1].d + in[1].a : in[1].a, v;
        for (v = in->b; v < in->b + len; v++)
          if (v >= tlo && v < thi) rd[(v - tlo) / 64] |= (uint64_t)1 << ((v - tlo) % 64);
      }
    }
    for (w = 0; w < lv->words; w++) {
      uint64_t x = in->op == SDI_JMP ? 0 : next[w] & ~(wr[w] & ~rd[w]);
      if (is_jump(in->op)) {
        int to = jump_target(in, i);
        if (to >= 0 && to <= n) x |= live_row(lv, to)[w];
      }
      out[w] = x | rd[w];
    }
  }
  free(start);
  free(rd);
  free(wr);
  return 0;
}

/* Field f of position j in block b, and whether it is an arm's write or
 * read of its IF's result (which go to the IF's private slots). */
static int32_t value_at(const sd_ins *ins, const run *r, int b, int j, int f) {
  return fget(&ins[r->at + b * r->bw + r->p[j].off], f);
}


static int is_arm_result(const sd_ins *ins, const run *r, int b, int j, int f) {
  (void)ins; (void)b;
  return r->farm[3 * r->p[j].off + f];
}

/* Position j's write that is no field of its own: the result of a JZ IF
 * (whose own d is its condition), in block b; else -1. */

static int32_t pick_dest(const sd_ins *ins, const run *r, int b, int j) {
  const pdesc *o = &r->p[j];
  return is_jz_pick(o) ? fget(&ins[r->at + b * r->bw + o->dst], FD) : -1;
}

/* Check that run r may be rewritten; fill priv[] with the temporaries to
 * make private (np of them).  Temporaries are the slots in [tlo, thi). */
static int legal(const sd_ins *ins, const liveness *lv, const run *r, int32_t tlo, int32_t thi,
                 int32_t *priv, int *np, tracker *tr) {
  int j, f, b, i, g;
  *np = 0;
  /* the IFs: an arm writes only its result or temporaries written at one
     slot by every block; it reads its result only after writing it, and
     writes nothing its test or value reads */
  for (g = 0; g < r->nif; g++) {
    int cj = r->cpos[g], wrote[2] = { 0, 0 };
    for (j = 0; j < r->np; j++) {
      const pdesc *o = &r->p[j];
      int rd = 0, wr = 0;
      if (o->arm != g) continue;
      for (f = 0; f < 3 * o->words; f++) {
        if (o->role[f] == R_NONE || o->role[f] == R_TABLE) continue;
        if (is_arm_result(ins, r, 0, j, f)) {
          if (o->role[f] == R_WRITE) wr = 1; else rd = 1;
          continue;
        }
        if (o->role[f] == R_WRITE) {
          int32_t d0 = value_at(ins, r, 0, j, f), d1 = value_at(ins, r, 1, j, f);
          int k2;
          if (d0 != d1 || d0 < tlo || d0 >= thi) return 0;
          for (k2 = 0; k2 < 6; k2++)
            if (r->p[cj].role[k2] == R_READ && value_at(ins, r, 0, cj, k2) == d0) return 0;
        }
      }
      if (rd && !wrote[o->side]) return 0;
      if (wr) wrote[o->side] = 1;
    }
    if (!wrote[0] || (is_jz_pick(&r->p[cj]) && !wrote[1])) return 0;
  }
  /* private temporaries: written at one slot by every block */
  for (j = 0; j < r->np; j++) {
    const pdesc *o = &r->p[j];
    int32_t t0 = pick_dest(ins, r, 0, j);
    if (t0 >= 0 && t0 == pick_dest(ins, r, 1, j) && t0 >= tlo && t0 < thi) {
      int seen = 0;
      for (i = 0; i < *np; i++) seen |= priv[i] == t0;
      if (!seen) {
        if (*np >= MAX_P) return 0;
        priv[(*np)++] = t0;
      }
    }
    for (f = 0; f < 3 * o->words; f++) {
      int32_t d0, d1;
      int seen = 0;
      if (r->frole[3 * o->off + f] != R_WRITE || is_arm_result(ins, r, 0, j, f)) continue;
      d0 = value_at(ins, r, 0, j, f);
      d1 = value_at(ins, r, 1, j, f);
      if (d0 != d1 || d0 < tlo || d0 >= thi) continue;
      for (i = 0; i < *np; i++) seen |= priv[i] == d0;
      if (!seen) {
        if (*np >= MAX_P) return 0;
        priv[(*np)++] = d0;
      }
    }
  }
  for (i = 0; i < *np; i++) {
    int32_t t = priv[i];
    int written = 0;
    /* in each block (all of the same shape, so block 0 tells): written
       before read (an instruction reads before it writes), at the same
       slot in every block */
    for (j = 0; j < r->np; j++) {
      const pdesc *o = &r->p[j];
      int x = 0;
      while (x < o->words) {
        int nw = sd_ins_words(&ins[r->at + o->off + x]), rd = 0, wr = 0;
        for (f = 3 * x; f < 3 * (x + nw); f++) {
          int32_t v0, v1;
          int role = r->frole[3 * o->off + f];
          if (role == R_NONE || role == R_TABLE || is_arm_result(ins, r, 0, j, f)) continue;
          v0 = value_at(ins, r, 0, j, f);
          v1 = value_at(ins, r, 1, j, f);
          if ((v0 == t) != (v1 == t)) return 0;        /* strides through t */
          if (v0 != t) continue;
          if (role == R_WRITE) wr = 1; else rd = 1;
        }
        if (x == 0 && pick_dest(ins, r, 0, j) == t) wr = 1;   /* a JZ IF's result */
        if (rd && !written) return 0;                  /* live into the block */
        if (wr) written = 1;
        x += nw;
      }
    }
    if (live_at(lv, r->at + r->k * r->bw, t)) return 0;        /* read after the run */
  }
  /* every other slot: a block never touches at an earlier position what
     an earlier block wrote, or writes what it read */
  tr->gen++;
  for (b = 0; b < r->k; b++)
    for (j = 0; j < r->np; j++) {
      const pdesc *o = &r->p[j];
      for (f = 0; f < 3 * o->words; f++) {
        int32_t s;
        int pv = 0, role = r->frole[3 * o->off + f];
        if (role == R_NONE || role == R_TABLE || is_arm_result(ins, r, b, j, f)) continue;
        s = value_at(ins, r, b, j, f);
        for (i = 0; i < *np; i++) pv |= priv[i] == s;
        if (pv) continue;
        if (!track(tr, s, b, j, role != R_READ)) return 0;
      }
      if (is_jz_pick(o)) {
        int32_t s = pick_dest(ins, r, b, j);
        int pv = 0;
        for (i = 0; i < *np; i++) pv |= priv[i] == s;
        if (!pv && !track(tr, s, b, j, 1)) return 0;
      }
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

/* The W<op> words of position j of run r: private temporaries renamed to
 * their k slots from pbase[], an IF's result in its arm to the k slots
 * from ibase[]. */
static int emit_position(obuf *o, const sd_ins *ins, const run *r, int j,
                         const int32_t *priv, const int32_t *pbase, int np, const int32_t *ibase) {
  const pdesc *d = &r->p[j];
  int32_t base[8], stride[8], dbase, dstride;
  int f, i, fmt, words, src[5];
  sd_ins *w;
  if (d->kind == P_OPAQUE) {
    /* one copy per element, in element order; private temporaries
       renamed; jumps inside a copy keep their offsets */
    int b;
    for (b = 0; b < r->k; b++) {
      const sd_ins *from = &ins[r->at + b * r->bw + d->off];
      if (!(w = ob_put(o, d->words, -1))) return -1;
      memcpy(w, from, (size_t)d->words * sizeof *w);
      for (f = 0; f < 3 * d->words; f++) {
        int role = r->frole[3 * d->off + f];
        int32_t *fp, v;
        if (role == R_NONE || role == R_TABLE) continue;
        fp = f % 3 == 0 ? &w[f / 3].d : f % 3 == 1 ? &w[f / 3].a : &w[f / 3].b;
        v = *fp;
        for (i = 0; i < np; i++) if (v == priv[i]) *fp = pbase[i] + b;
      }
    }
    return 0;
  }
  fmt = sd_opcode_formats[d->wop];
  words = fmt == SD_F_W5 ? 5 : fmt == SD_F_W4 ? 4 : 3;
  for (f = 0; f < 6; f++) base[f] = stride[f] = 0;
  for (f = 0; f < 3 * d->words; f++) {
    base[f] = value_at(ins, r, 0, j, f);
    stride[f] = value_at(ins, r, 1, j, f) - base[f];
    if (d->role[f] == R_NONE || d->role[f] == R_TABLE) continue;
    if (is_arm_result(ins, r, 0, j, f)) {
      base[f] = ibase[2 * d->arm + is_arm_result(ins, r, 0, j, f) - 1];
      stride[f] = 1;
      continue;
    }
    for (i = 0; i < np; i++)
      if (base[f] == priv[i] && stride[f] == 0) { base[f] = pbase[i]; stride[f] = 1; }
  }
  /* the destination: d, or a JZ IF's result */
  dbase = base[FD];
  dstride = stride[FD];
  if (is_jz_pick(d)) {
    dbase = pick_dest(ins, r, 0, j);
    dstride = pick_dest(ins, r, 1, j) - dbase;
    for (i = 0; i < np; i++)
      if (dbase == priv[i] && dstride == 0) { dbase = pbase[i]; dstride = 1; }
  }
  /* the IF's arm values (THEN, ELSE) as fields 6 and 7 */
  base[6] = d->csel >= 0 ? ibase[2 * d->csel] : 0;
  base[7] = d->csel >= 0 ? ibase[2 * d->csel + 1] : 0;
  stride[6] = stride[7] = 1;
  for (i = 0; i < d->nsrc; i++) src[i] = d->src[i] == -1 ? 6 : d->src[i] == -2 ? 7 : d->src[i];
  if (!(w = ob_put(o, words, -1))) return -1;
  w[0].op = (uint16_t)d->wop;
  w[0].d = dbase;
  w[0].a = base[src[0]];
  w[0].b = d->table >= 0 ? base[d->table] : d->nsrc > 1 ? base[src[1]] : 0;
  w[1].op = SDI_EXT; w[1].d = r->k; w[1].a = dstride; w[1].b = stride[src[0]];
  w[2].op = SDI_EXT;
  w[2].d = d->table >= 0 ? stride[d->table] : d->nsrc > 1 ? stride[src[1]] : 0;
  if (d->state >= 0) { w[2].a = base[d->state]; w[2].b = stride[d->state]; }
  else if (d->nsrc > 2) { w[2].a = base[src[2]]; w[2].b = stride[src[2]]; }
  if (words >= 4) {
    w[3].op = SDI_EXT;
    w[3].d = base[src[3]]; w[3].a = stride[src[3]];
    if (d->nsrc > 4) w[3].b = base[src[4]];
  }
  if (words == 5) { w[4].op = SDI_EXT; w[4].d = stride[src[4]]; }
  return 0;
}

/* Repetitions the legality check refused, one per block length L: the
 * start and end of the last one.  A chain of one operation on one slot
 * (`---...---a`, `a*1.5*1.5*...`) repeats from every instruction in it,
 * and without this memory the search measured it again from each start,
 * for every L: quadratic in the chain's length (docs/hardening.md).  A
 * start inside a refused repetition whose block has the same operations
 * as the refused one's is not searched again at that L.  Only long
 * repetitions are remembered: a shorter one refused for what its first
 * block does can be legal from its second block on (WORLD3 has such
 * pairs), and searching inside a short one again costs little. */
#define REF_MIN_K 8
typedef struct refusals {
  int at[MAX_L + 1], end[MAX_L + 1];
  double shapes;          /* blocks measured and compared (the search's work) */
} refusals;

static int same_ops(const sd_ins *ins, int i, int j, const int *bound_i, int L) {
  int c, wi = 0, wj = 0;
  for (c = 0; c < L; c++) {
    if (ins[i + wi].op != ins[j + wj].op) return 0;
    wi += sd_ins_words(&ins[i + wi]);
    wj += sd_ins_words(&ins[j + wj]);
  }
  return wi == bound_i[L] && wj == wi;
}

/* The run from word i that saves the most dispatches, in *best (*cand is
 * scratch; the two may be swapped): its gain (0: none), -1 out of memory.
 * ref (or NULL): the refusals so far, updated. */
static int best_at(const sd_ins *ins, int n, const int *ntarget, const liveness *lv, int i, int only_L,
                   int32_t tlo, int32_t thi, run **best, run **cand, tracker *tr, refusals *ref) {
  int L, gain = 0, np, c, bound[MAX_L + 1];
  int32_t priv[MAX_P];
  /* where each of the next instructions starts: a block of L
     instructions is bound[L] words, and the next block must begin with
     the same operations (a cheap test before the real one) */
  bound[0] = 0;
  for (c = 1; c <= MAX_L; c++) {
    int at = i + bound[c - 1];
    bound[c] = at < n ? bound[c - 1] + sd_ins_words(&ins[at]) : n;
  }
  for (L = only_L ? only_L : 1; L <= (only_L ? only_L : MAX_L); L++) {
    int g, shape, j, nw = 0;
    if (i + 2 * bound[L] > n - 1) break;
    for (c = 0; c < L; c++)
      if (ins[i + bound[L] + bound[c]].op != ins[i + bound[c]].op) break;
    if (c < L) continue;
    if (ref && i > ref->at[L] && i < ref->end[L] && i + bound[L] <= ref->end[L] &&
        same_ops(ins, i, ref->at[L], bound, L))
      continue;
    shape = block_shape(ins, n, ntarget, i, L, *cand);
    if (ref) ref->shapes += 1;
    if (shape < 0) break;
    if (shape == 0) continue;
    if (!find_run(ins, n, ntarget, *cand)) { if (ref) ref->shapes += (*cand)->k; continue; }
    if (ref) ref->shapes += 2 * (*cand)->k;     /* compared, then checked by legal() */
    for (j = 0; j < (*cand)->np; j++) nw += (*cand)->p[j].kind != P_OPAQUE;
    g = nw * ((*cand)->k - 1);       /* dispatches saved: opaque groups save none */
    if (g <= gain) continue;
    if (legal(ins, lv, *cand, tlo, thi, priv, &np, tr)) {
      run *t = *best; *best = *cand; *cand = t;
      gain = g;
      (*best)->L = L;
    } else if (ref && (*cand)->k >= REF_MIN_K) {
      ref->at[L] = i;
      ref->end[L] = i + (*cand)->k * (*cand)->bw;
    }
  }
  return gain;
}

int sd_block_vectorize(sd_code *code, int32_t tlo, int32_t thi, int *nslots, sd_arena *arena, double *work) {
  sd_ins *ins = code->ins;
  int n = code->n, i, j, rc = -1, *map = NULL, *ntarget = calloc((size_t)n + 1, sizeof(int));
  int *gain = NULL, *len = NULL, *blen = NULL, *start = NULL, nstart = 0;
  unsigned char *dom = NULL;
  long *total = NULL;
  tracker tr;
  refusals ref;
  obuf o = { NULL, NULL, 0, 0 };
  run *best = malloc(sizeof *best), *cand = malloc(sizeof *cand);
  liveness lv;
  lv.bits = NULL;
  tr.stamp = NULL;
  if (thi - tlo > 4096) { rc = 0; goto out; }       /* (liveness would be large; not worth it) */
  if (!ntarget || !best || !cand || live_init(&lv, ins, n, tlo, thi) != 0 ||
      tracker_init(&tr, *nslots) != 0)
    goto out;
  /* how many jumps land on each word */
  for (i = 0; i < n; i += sd_ins_words(&ins[i]))
    if (is_jump(ins[i].op)) {
      int to = jump_target(&ins[i], i);
      if (to >= 0 && to <= n) ntarget[to]++;
    }
  if (!(map = malloc(((size_t)n + 1) * sizeof *map))) goto out;
  for (i = 0; i <= n; i++) map[i] = -1;

  /* the best run from every instruction, then the set of runs that do
     not overlap and save the most (weighted interval scheduling, from
     the end: the code only grows by runs, so one pass decides) */
  if (!(gain = calloc((size_t)n + 1, sizeof *gain)) || !(len = calloc((size_t)n + 1, sizeof *len)) ||
      !(blen = calloc((size_t)n + 1, sizeof *blen)) ||
      !(total = calloc((size_t)n + 1, sizeof *total)) || !(start = malloc(((size_t)n + 1) * sizeof *start)))
    goto out;
  /* (a run from i also repeats from i + bw, i + 2 bw, ... with fewer
     blocks: those starts are not searched, their runs save less) */
  if (!(dom = calloc((size_t)n + 1, 1))) goto out;
  for (j = 0; j <= MAX_L; j++) ref.at[j] = ref.end[j] = -1;
  ref.shapes = 0;
  for (i = 0; i < n; i += sd_ins_words(&ins[i])) {
    start[nstart++] = i;
    if (dom[i]) continue;
    gain[i] = best_at(ins, n, ntarget, &lv, i, 0, tlo, thi, &best, &cand, &tr, &ref);
    if (gain[i] < 0) goto out;
    len[i] = gain[i] > 0 ? best->k * best->bw : 0;
    blen[i] = gain[i] > 0 ? best->L : 0;
    if (gain[i] > 0) memset(dom + i + best->bw, 1, (size_t)((best->k - 1) * best->bw));
  }
  total[n] = 0;
  for (j = nstart - 1; j >= 0; j--) {
    long skip, take;
    i = start[j];
    skip = total[i + sd_ins_words(&ins[i])];
    take = gain[i] > 0 ? gain[i] + total[i + len[i]] : -1;
    if (take > skip) total[i] = take; else { total[i] = skip; gain[i] = 0; }
  }

  for (i = 0; i < n;) {
    int np = 0;
    int32_t priv[MAX_P], pbase[MAX_P], ibase[2 * MAX_P];
    map[i] = o.n;
    if (gain[i] > 0) {
      /* the run again (the same one), with its private temporaries */
      if (best_at(ins, n, ntarget, &lv, i, blen[i], tlo, thi, &best, &cand, &tr, NULL) <= 0 ||
          !legal(ins, &lv, best, tlo, thi, priv, &np, &tr))
        goto out;
      for (j = 0; j < np; j++) { pbase[j] = *nslots; *nslots += best->k; }
      for (j = 0; j < best->nif; j++) {
        ibase[2 * j] = *nslots; *nslots += best->k;
        ibase[2 * j + 1] = -1;
        if (is_jz_pick(&best->p[best->cpos[j]])) { ibase[2 * j + 1] = *nslots; *nslots += best->k; }
      }
      for (j = 0; j < best->np; j++)
        if (emit_position(&o, ins, best, j, priv, pbase, np, ibase) != 0) goto out;
      i += best->k * best->bw;
    } else {
      int w = sd_ins_words(&ins[i]);
      sd_ins *dst = ob_put(&o, w, i);
      if (!dst) goto out;
      memcpy(dst, &ins[i], (size_t)w * sizeof *dst);
      i += w;
    }
  }
  map[n] = o.n;

  /* relocate the jumps */
  for (i = 0; i < o.n; i += sd_ins_words(&o.ins[i])) {
    sd_ins *in = &o.ins[i];
    int from = o.from[i], to, nt;
    if (!is_jump(in->op) || from < 0) continue;     /* (jumps inside opaque copies keep theirs) */
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
  if (work) *work += ref.shapes;
out:
  free(dom);
  free(blen);
  free(gain);
  free(len);
  free(total);
  free(start);
  free(lv.bits);
  free(ntarget);
  free(map);
  free(tr.stamp);
  free(o.ins);
  free(o.from);
  free(best);
  free(cand);
  return rc;
}
