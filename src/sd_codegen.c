/*
 * sd_codegen.c -- stage 5 of the compiler (sd_compile.c): equation trees to register-
 * machine instructions: constants pooled, temporaries allocated, common
 * subexpressions shared, IF THEN ELSE as selects or compare-move-jumps.
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
/* code generation                                                     */

static int emit(cc *c, int op, int d, int a, int b) {
  sd_ins *in;
  if (c->ncode == c->ccap) {
    int ncap = c->ccap ? c->ccap * 2 : 1024;
    sd_ins *nc = realloc(c->code, (size_t)ncap * sizeof *nc);
    if (!nc) return -1;
    c->code = nc;
    c->ccap = ncap;
  }
  in = &c->code[c->ncode];
  in->op = (uint16_t)op;
  in->spare = 0;
  in->d = d;
  in->a = a;
  in->b = b;
  return c->ncode++;
}

/* Constants are addressed as -(k+1) while code is generated and patched to
 * real slots (after the temporaries) at the end. */
static int const_slot(cc *c, double x) {
  uint64_t bits;
  size_t h;
  int i;
  memcpy(&bits, &x, sizeof bits);
  if ((c->nk + 1) * 2 > c->khcap) {
    int ncap = c->khcap ? c->khcap * 2 : 256, j;
    int *nh = malloc((size_t)ncap * sizeof *nh);
    if (!nh) return 0;
    for (j = 0; j < ncap; j++) nh[j] = -1;
    for (j = 0; j < c->nk; j++) {
      uint64_t bb;
      size_t hh;
      memcpy(&bb, &c->kval[j], sizeof bb);
      hh = (size_t)((bb * 0x9E3779B97F4A7C15ULL) >> 32) & (size_t)(ncap - 1);
      while (nh[hh] >= 0) hh = (hh + 1) & (size_t)(ncap - 1);
      nh[hh] = j;
    }
    free(c->khash);
    c->khash = nh;
    c->khcap = ncap;
  }
  h = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 32) & (size_t)(c->khcap - 1);
  while ((i = c->khash[h]) >= 0) {
    uint64_t bb;
    memcpy(&bb, &c->kval[i], sizeof bb);
    if (bb == bits) return -(i + 1);
    h = (h + 1) & (size_t)(c->khcap - 1);
  }
  if (c->nk == c->kcap) {
    int ncap = c->kcap ? c->kcap * 2 : 256;
    double *nk = realloc(c->kval, (size_t)ncap * sizeof *nk);
    if (!nk) return 0;
    c->kval = nk;
    c->kcap = ncap;
  }
  c->kval[c->nk] = x;
  c->khash[h] = c->nk;
  return -(++c->nk);
}

static int tmp_alloc(cc *c) {
  int t = c->tmp_base + c->tmp_top++;
  if (c->tmp_top > c->tmp_max) c->tmp_max = c->tmp_top;
  return t;
}

static int gen(cc *c, const sd_node *n, int dst);

/* ---- common subexpressions ----
 * Within one program every variable's slot is written once, before any
 * reader, so an operation on variable, constant or earlier-result slots
 * has one value per execution.  The first unconditional occurrence leaves
 * its result in a slot of its own (or its statement's variable); later
 * ones read it.  Result slots are numbered from SD_CSE_TAG downwards
 * (like constants, -(k+1)) and placed after the constant pool. */
#define SD_CSE_TAG (1 << 28)

static int stable_slot(const cc *c, int s) {
  return s < c->tmp_base || s < 0;      /* not a temporary */
}

static size_t cse_hashof(int op, int a, int b, int cap) {
  uint64_t h = (uint64_t)(uint32_t)op * 0x9E3779B97F4A7C15ULL;
  h = (h ^ (uint64_t)(uint32_t)a) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (uint64_t)(uint32_t)b) * 0x94D049BB133111EBULL;
  return (size_t)(h >> 32) & (size_t)(cap - 1);
}

static int cse_find(const cc *c, int op, int a, int b) {
  size_t h;
  int i;
  if (!c->cse_hcap) return GEN_FAIL;
  for (h = cse_hashof(op, a, b, c->cse_hcap); (i = c->cse_hash[h]) >= 0; h = (h + 1) & (size_t)(c->cse_hcap - 1)) {
    const int *k = &c->cse_key[3 * i];
    if (k[0] == op && k[1] == a && k[2] == b) return c->cse_slot[i];
  }
  return GEN_FAIL;
}

/* (Re)build the hash over the entries, at twice their capacity. */
static int cse_rehash(cc *c) {
  int cap = 2 * c->ncse_cap, i;
  int *nh = malloc((size_t)cap * sizeof(int));
  if (!nh) return -1;
  for (i = 0; i < cap; i++) nh[i] = -1;
  free(c->cse_hash);
  c->cse_hash = nh;
  c->cse_hcap = cap;
  for (i = 0; i < c->ncse_used; i++) {
    const int *k = &c->cse_key[3 * i];
    size_t h = cse_hashof(k[0], k[1], k[2], cap);
    while (nh[h] >= 0) h = (h + 1) & (size_t)(cap - 1);
    nh[h] = i;
  }
  return 0;
}

static int cse_add(cc *c, int op, int a, int b, int slot) {
  if (c->ncse_used == c->ncse_cap) {
    int ncap = c->ncse_cap ? c->ncse_cap * 2 : 256;
    int *nk = realloc(c->cse_key, (size_t)ncap * 3 * sizeof(int)), *ns;
    if (!nk) return -1;
    c->cse_key = nk;
    ns = realloc(c->cse_slot, (size_t)ncap * sizeof(int));
    if (!ns) return -1;
    c->cse_slot = ns;
    c->ncse_cap = ncap;
    if (cse_rehash(c) != 0) return -1;
  }
  c->cse_key[3 * c->ncse_used] = op;
  c->cse_key[3 * c->ncse_used + 1] = a;
  c->cse_key[3 * c->ncse_used + 2] = b;
  c->cse_slot[c->ncse_used] = slot;
  {
    size_t h = cse_hashof(op, a, b, c->cse_hcap);
    while (c->cse_hash[h] >= 0) h = (h + 1) & (size_t)(c->cse_hcap - 1);
    c->cse_hash[h] = c->ncse_used++;
  }
  return 0;
}

/* Emit d = op(a, b) (one word) for a pure operation, sharing it with an
 * earlier identical one when both operands are stable slots.  `mark` is
 * the temporaries mark of the caller (its operands' temporaries are free). */
static int emit_pure(cc *c, int op, int a, int b, int dst, int mark, int commutes) {
  int t, found;
  if (commutes && a > b) { int x = a; a = b; b = x; }
  c->tmp_top = mark;
  if (stable_slot(c, a) && stable_slot(c, b)) {
    found = cse_find(c, op, a, b);
    if (found != GEN_FAIL) {
      if (dst < 0) return found;
      return emit(c, SDI_MOV, dst, found, 0) < 0 ? GEN_FAIL : dst;
    }
    if (c->cond_depth == 0 && (dst < 0 || stable_slot(c, dst))) {
      /* a statement's own variable holds it; otherwise a result slot */
      t = dst >= 0 && stable_slot(c, dst) ? dst : -(SD_CSE_TAG + c->ncse_slots++);
      if (emit(c, op, t, a, b) < 0 || cse_add(c, op, a, b, t) != 0) return GEN_FAIL;
      if (dst >= 0 && t != dst && emit(c, SDI_MOV, dst, t, 0) < 0) return GEN_FAIL;
      return dst >= 0 ? dst : t;
    }
  }
  t = dst >= 0 ? dst : tmp_alloc(c);
  return emit(c, op, t, a, b) < 0 ? GEN_FAIL : t;
}

/* Generate n so that its value ends up in slot dst. */
static int gen_into(cc *c, const sd_node *n, int dst) {
  int s = gen(c, n, dst);
  if (s == GEN_FAIL) return -1;
  if (s != dst && emit(c, SDI_MOV, dst, s, 0) < 0) return -1;
  return 0;
}


static int binop_code(sd_op op) {
  switch (op) {
  case SD_OP_ADD: return SDI_ADD;
  case SD_OP_SUB: return SDI_SUB;
  case SD_OP_MUL: return SDI_MUL;
  case SD_OP_DIV: return SDI_DIV;
  case SD_OP_POW: return SDI_POW;
  case SD_OP_EQ: return SDI_EQ;
  case SD_OP_NE: return SDI_NE;
  case SD_OP_LT: return SDI_LT;
  case SD_OP_GT: return SDI_GT;
  case SD_OP_LE: return SDI_LE;
  case SD_OP_GE: return SDI_GE;
  case SD_OP_AND: return SDI_AND;
  case SD_OP_OR: return SDI_OR;
  default: return -1;
  }
}

/* A three-source superinstruction: d = f(a, b, c) with an EXT word. */
/* An instruction of three to five sources: x, y in its word, z, w and u
 * (w and u optional) in its EXT word's d, a, b. */
static int gen5(cc *c, int op, const sd_node *x, const sd_node *y, const sd_node *z,
                const sd_node *w, const sd_node *u, int dst) {
  int mark = c->tmp_top, a, b, k, e = 0, f = 0, t;
  a = gen(c, x, -1); if (a == GEN_FAIL) return GEN_FAIL;
  b = gen(c, y, -1); if (b == GEN_FAIL) return GEN_FAIL;
  k = gen(c, z, -1); if (k == GEN_FAIL) return GEN_FAIL;
  if (w) { e = gen(c, w, -1); if (e == GEN_FAIL) return GEN_FAIL; }
  if (u) { f = gen(c, u, -1); if (f == GEN_FAIL) return GEN_FAIL; }
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (emit(c, op, t, a, b) < 0 || emit(c, SDI_EXT, k, e, f) < 0) return GEN_FAIL;
  return t;
}

static int gen3(cc *c, int op, const sd_node *x, const sd_node *y, const sd_node *z,
                const sd_node *w, int dst) {
  return gen5(c, op, x, y, z, w, NULL, dst);
}

static int is_binop(const sd_node *n, sd_op op) { return n->kind == SD_N_BINARY && n->op == op; }

static int gen_binary(cc *c, const sd_node *n, int dst) {
  const sd_node *l = n->args[0], *r = n->args[1];
  int mark = c->tmp_top, a, b, t;
  /* superinstructions for the common shapes */
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_SUB)
    return gen3(c, SDI_SUBDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_ADD && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULADD, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULMUL, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && l->op == SD_OP_DIV)
    return gen3(c, SDI_DIVMUL, l->args[0], l->args[1], r, NULL, dst);
  /* more shapes from C-LEARN's opcode-pair counts (MUL DIV, SUB MUL,
     DIV DIV): each saves a dispatch and gives the same rounding, one
     operation at a time; a product is commutative, so c * (a - b) too */
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_MUL)
    return gen3(c, SDI_MULDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_DIV && l->kind == SD_N_BINARY && l->op == SD_OP_DIV)
    return gen3(c, SDI_DIVDIV, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && l->kind == SD_N_BINARY && (l->op == SD_OP_SUB || l->op == SD_OP_ADD))
    return gen3(c, l->op == SD_OP_SUB ? SDI_SUBMUL : SDI_ADDMUL, l->args[0], l->args[1], r, NULL, dst);
  if (n->op == SD_OP_MUL && r->kind == SD_N_BINARY && (r->op == SD_OP_SUB || r->op == SD_OP_ADD))
    return gen3(c, r->op == SD_OP_SUB ? SDI_SUBMUL : SDI_ADDMUL, r->args[0], r->args[1], l, NULL, dst);
  a = gen(c, l, -1); if (a == GEN_FAIL) return GEN_FAIL;
  b = gen(c, r, -1); if (b == GEN_FAIL) return GEN_FAIL;
  (void)t;
  return emit_pure(c, binop_code(n->op), a, b, dst, mark,
                   n->op == SD_OP_ADD || n->op == SD_OP_MUL || n->op == SD_OP_EQ || n->op == SD_OP_NE ||
                   n->op == SD_OP_AND || n->op == SD_OP_OR);
}

static int is_leaf(const sd_node *n) { return n->kind == SD_N_NUM || n->kind == SD_N_VAR; }

/* The compare-move-and-jump opcode for a condition node, moving when the
 * comparison holds (or, negated, when it fails); -1 if the node is no
 * comparison.  A failed EQ is NE and the other way round, even on NaN;
 * the orderings have negations of their own. */
static int cmovj_op(const sd_node *n, int negated) {
  if (n->kind != SD_N_BINARY) return -1;
  switch (n->op) {
  case SD_OP_EQ: return negated ? SDI_CMOVJ_NE : SDI_CMOVJ_EQ;
  case SD_OP_NE: return negated ? SDI_CMOVJ_EQ : SDI_CMOVJ_NE;
  case SD_OP_LT: return negated ? SDI_CMOVJ_NLT : SDI_CMOVJ_LT;
  case SD_OP_GT: return negated ? SDI_CMOVJ_NGT : SDI_CMOVJ_GT;
  case SD_OP_LE: return negated ? SDI_CMOVJ_NLE : SDI_CMOVJ_LE;
  case SD_OP_GE: return negated ? SDI_CMOVJ_NGE : SDI_CMOVJ_GE;
  default: return -1;
  }
}

static int gen_if(cc *c, const sd_node *n, int dst) {
  int mark = c->tmp_top, cond, t, jz, jmp;
  if (is_leaf(n->args[1]) && is_leaf(n->args[2])) {   /* cheap: no branches */
    const sd_node *cond = n->args[0];
    if (is_binop(cond, SD_OP_AND)) {
      /* the condition's AND (and an equality under it) in the same
         instruction; both sides are computed either way, as by AND */
      const sd_node *p = cond->args[0], *q = cond->args[1];
      if (is_binop(p, SD_OP_EQ))
        return gen5(c, SDI_EQANDSEL, p->args[0], p->args[1], q, n->args[1], n->args[2], dst);
      if (is_binop(q, SD_OP_EQ))
        return gen5(c, SDI_EQANDSEL, q->args[0], q->args[1], p, n->args[1], n->args[2], dst);
      return gen3(c, SDI_ANDSEL, p, q, n->args[1], n->args[2], dst);
    }
    return gen3(c, SDI_SELECT, cond, n->args[1], n->args[2], NULL, dst);
  }
  if ((is_leaf(n->args[1]) || is_leaf(n->args[2])) && cmovj_op(n->args[0], 0) >= 0) {
    /* IF THEN ELSE(x cmp y, value, expr): the comparison, the move and the
       jump in one instruction (CMOVJ_<cmp>, negated when the value is the
       ELSE arm) */
    int then_leaf = is_leaf(n->args[1]), x, y, leaf, at;
    x = gen(c, n->args[0]->args[0], -1);
    if (x == GEN_FAIL) return GEN_FAIL;
    y = gen(c, n->args[0]->args[1], -1);
    if (y == GEN_FAIL) return GEN_FAIL;
    leaf = gen(c, n->args[then_leaf ? 1 : 2], -1);
    if (leaf == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if ((at = emit(c, cmovj_op(n->args[0], !then_leaf), t, leaf, x)) < 0 ||
        emit(c, SDI_EXT, 0, y, 0) < 0)
      return GEN_FAIL;
    c->cond_depth++;
    if (gen_into(c, n->args[then_leaf ? 2 : 1], t) != 0) return GEN_FAIL;
    c->cond_depth--;
    c->code[at + 1].d = c->ncode - at;
    c->tmp_top = mark + (dst >= 0 ? 0 : 1);
    return t;
  }
  cond = gen(c, n->args[0], -1);
  if (cond == GEN_FAIL) return GEN_FAIL;
  c->tmp_top = mark;
  /* the result slot stays reserved while both branches are generated */
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (is_leaf(n->args[1]) || is_leaf(n->args[2])) {
    /* one arm is a value: one instruction moves it and jumps past the
       other arm (CMOVJ when the condition holds, CMOVJZ when it fails) */
    int then_leaf = is_leaf(n->args[1]), leaf, at;
    leaf = gen(c, n->args[then_leaf ? 1 : 2], -1);
    if (leaf == GEN_FAIL) return GEN_FAIL;
    if ((at = emit(c, then_leaf ? SDI_CMOVJ : SDI_CMOVJZ, t, leaf, cond)) < 0 ||
        emit(c, SDI_EXT, 0, 0, 0) < 0)
      return GEN_FAIL;
    c->cond_depth++;
    if (gen_into(c, n->args[then_leaf ? 2 : 1], t) != 0) return GEN_FAIL;
    c->cond_depth--;
    c->code[at + 1].d = c->ncode - at;
    c->tmp_top = mark + (dst >= 0 ? 0 : 1);
    return t;
  }
  if ((jz = emit(c, SDI_JZ, cond, 0, 0)) < 0) return GEN_FAIL;
  c->cond_depth++;                      /* code that may not run */
  if (gen_into(c, n->args[1], t) != 0) return GEN_FAIL;
  if ((jmp = emit(c, SDI_JMP, 0, 0, 0)) < 0) return GEN_FAIL;
  c->code[jz].a = c->ncode - jz;
  if (gen_into(c, n->args[2], t) != 0) return GEN_FAIL;
  c->cond_depth--;
  c->code[jmp].a = c->ncode - jmp;
  c->tmp_top = mark + (dst >= 0 ? 0 : 1);
  return t;
}

/* An operation on all of n's arguments, listed by slot after it three per
 * EXT word (SD_F_LIST): d = op(operands), b = imm.  Operands that are
 * variables are read where they are, with no copies. */
static int gen_list(cc *c, int op, const sd_node *n, int imm, int dst) {
  int mark = c->tmp_top, i, t, *slots;
  slots = malloc((size_t)(n->nargs + 3) * sizeof(int));
  if (!slots) { oom(c); return GEN_FAIL; }
  for (i = 0; i < n->nargs; i++) {
    slots[i] = gen(c, n->args[i], -1);   /* temporaries stay live until op */
    if (slots[i] == GEN_FAIL) { free(slots); return GEN_FAIL; }
  }
  slots[n->nargs] = slots[n->nargs + 1] = slots[n->nargs + 2] = 0;
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (emit(c, op, t, n->nargs, imm) < 0) { free(slots); return GEN_FAIL; }
  for (i = 0; i < n->nargs; i += 3)
    if (emit(c, SDI_EXT, slots[i], slots[i + 1], slots[i + 2]) < 0) { free(slots); return GEN_FAIL; }
  free(slots);
  return t;
}

static int gen_call(cc *c, const sd_node *n, int dst) {
  const sd_builtin *b = sd_builtin_get((sd_fn)n->ref);
  int mark = c->tmp_top, s[4] = {0, 0, 0, 0}, t, i;
  if (b->fn == SD_FN_IF_THEN_ELSE) return gen_if(c, n, dst);
  if (b->fn == SD_FN_XIDZ)
    return gen3(c, SDI_XIDZ, n->args[0], n->args[1], n->args[2], NULL, dst);
  if (b->fn == SD_FN_DELAY_FIXED) {       /* the value leaving a pipeline */
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_DELAYFX, t, (int)n->num, 0) < 0) return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_SAMPLE_IF_TRUE)     /* the third operand is the state slot */
    return gen3(c, SDI_SAMPLE, n->args[0], n->args[1], n->args[2], NULL, dst);
  if (b->fn == SD_FN_VECTOR_ELM_MAP || b->fn == SD_FN_VECTOR_SORT_ORDER ||
      b->fn == SD_FN_VECTOR_RANK || b->fn == SD_FN_VECTOR_REORDER) {
    int a = gen(c, n->args[0], -1), op;
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    op = b->fn == SD_FN_VECTOR_SORT_ORDER ? SDI_SORTORD : b->fn == SD_FN_VECTOR_RANK ? SDI_RANK : SDI_ELMMAP;
    if (emit(c, op, t, a,
             c->v[n->args[1]->ref].slot) < 0 ||
        emit(c, SDI_EXT, (int)n->num, n->nargs - 1, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_INVERT_MATRIX) {
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_INVMAT, t, 0, c->v[n->args[0]->ref].slot) < 0 ||
        emit(c, SDI_EXT, (int)n->num, (int)sqrt((double)n->nargs) , 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn >= SD_FN_LOOKUP_BACKWARD && b->fn <= SD_FN_LOOKUP_INVERT) {
    static const int how[] = { SD_DATA_HOLD, SD_DATA_FORWARD, 3, 4 };
    int a = gen(c, n->args[1], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_LOOKUPM, t, a, (int)n->args[0]->num) < 0 ||
        emit(c, SDI_EXT, how[b->fn - SD_FN_LOOKUP_BACKWARD], 0, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_RANDOM_UNIFORM || b->fn == SD_FN_RANDOM_NORMAL)
    return gen_list(c, SDI_RANDOM, n, (int)n->num, dst);
  if (b->fn >= SD_FN_RANDOM_0_1 && b->fn <= SD_FN_RANDOM_WEIBULL)
    return gen_list(c, SDI_RANDX, n, (int)n->num, dst);
  if (b->fn == SD_FN_FIND_MARKET_PRICE) return gen_list(c, SDI_MKTPRC, n, (int)n->num, dst);
  if (b->fn == SD_FN_QUEUE_AGE_AVERAGE || b->fn == SD_FN_QUEUE_AGE_IN_RANGE || b->fn == SD_FN_QUEUE_AGE_OLDEST ||
      b->fn == SD_FN_QUEUE_ATTRIB_AVERAGE || b->fn == SD_FN_QUEUE_ATTRIB_QUANTITY) {
    /* read the queue's record; not a QUEUE FIFO: :NA:, as Vensim gives */
    int q = c->v[(int)n->num].queue_dsc - 1;
    if (q < 0) {
      sd_node na;
      memset(&na, 0, sizeof na);
      na.kind = SD_N_NUM;
      na.num = -6.4903710731685345e+32;
      return gen(c, &na, dst);
    }
    return gen_list(c, SDI_DSCOUT, n, q, dst);
  }
  if (b->fn == SD_FN_DEMAND_AT_PRICE || b->fn == SD_FN_SUPPLY_AT_PRICE)
    return gen_list(c, SDI_ATPRICE, n, b->fn == SD_FN_SUPPLY_AT_PRICE, dst);
  if (b->fn == SD_FN_DELAY_INFORMATION || b->fn == SD_FN_DELAY_MATERIAL ||
      b->fn == SD_FN_DEPRECIATE_STRAIGHTLINE || b->fn == SD_FN_DELAY_CONVEYOR || b->fn == SD_FN_DELAY_BATCH ||
      b->fn == SD_FN_DELAY_PROFILE || b->fn == SD_FN_QUEUE_FIFO || b->fn == SD_FN_QUEUE_FIFO_ATTRIB ||
      b->fn == SD_FN_NET_PRESENT_VALUE || b->fn == SD_FN_DEPRECIATE_BY_SCHEDULE ||
      b->fn == SD_FN_XMILE_CONVEYOR)
    return gen_list(c, SDI_DSCOUT, n, (int)n->num, dst);
  if (b->fn == SD_FN_SHIFT_IF_TRUE) return gen_list(c, SDI_SHIFTIF, n, (int)n->num, dst);
  if (b->fn == SD_FN_VECTOR_LOOKUP) {
    /* x, xmin, xmax, mode and the first value (the rest follow it) */
    sd_node head = *n;
    head.nargs = 5;
    return gen_list(c, SDI_VECLKP, &head, (int)n->num, dst);
  }
  if (b->fn == SD_FN_LOOKUP_AREA || b->fn == SD_FN_LOOKUP_SLOPE ||
      (b->fn >= SD_FN_GET_DATA_AT_TIME && b->fn <= SD_FN_GET_DATA_TOTAL)) {
    /* a function of a whole table (sd_tabfn): num is the table */
    static const int how[] = { SD_TF_AT_TIME, SD_TF_BETWEEN, SD_TF_FIRST, SD_TF_LAST, SD_TF_MAX,
                               SD_TF_MIN, SD_TF_MEAN, SD_TF_TOTAL };
    int x1 = SD_SLOT_TIME, x2 = SD_SLOT_TIME, fn = b->fn == SD_FN_LOOKUP_AREA ? SD_TF_AREA
           : b->fn == SD_FN_LOOKUP_SLOPE ? SD_TF_SLOPE : how[b->fn - SD_FN_GET_DATA_AT_TIME];
    if (n->nargs > 0 && (x1 = gen(c, n->args[0], -1)) == GEN_FAIL) return GEN_FAIL;
    if (n->nargs > 1 && (x2 = gen(c, n->args[1], -1)) == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, SDI_TABFN, t, x1, (int)n->num) < 0 || emit(c, SDI_EXT, fn, x2, 0) < 0)
      return GEN_FAIL;
    return t;
  }
  if (b->fn == SD_FN_ALLOCATE_BY_PRIORITY)
    return gen_list(c, SDI_ALLOCP, n, (int)n->num, dst);
  if (b->fn == SD_FN_ALLOCATE_AVAILABLE)
    return gen_list(c, SDI_ALLOCA, n, (int)n->num, dst);
  if (b->fn == SD_FN_VECTOR_SELECT)
    return gen_list(c, SDI_VSELECT, n, 0, dst);
  if (b->fn == SD_FN_SUM || b->fn == SD_FN_PROD || b->fn == SD_FN_VMIN || b->fn == SD_FN_VMAX)
    return gen_list(c, SDI_REDUCE, n, b->fn == SD_FN_SUM ? 0 : b->fn == SD_FN_PROD ? 1 : b->fn == SD_FN_VMIN ? 2 : 3,
                    dst);
  if (b->fn == SD_FN_PULSE_TRAIN)
    return gen3(c, SDI_PULSETR, n->args[0], n->args[1], n->args[2], n->args[3], dst);
  if (b->fn == SD_FN_RAMP) {
    sd_node inf;
    memset(&inf, 0, sizeof inf);
    inf.kind = SD_N_NUM;
    inf.num = HUGE_VAL;              /* RAMP without an end keeps rising */
    return gen3(c, SDI_RAMP, n->args[0], n->args[1], n->nargs > 2 ? n->args[2] : &inf, NULL, dst);
  }
  for (i = 0; i < n->nargs; i++) {
    s[i] = gen(c, n->args[i], -1);
    if (s[i] == GEN_FAIL) return GEN_FAIL;
  }
  c->tmp_top = mark;
  t = dst >= 0 ? dst : tmp_alloc(c);
  if (b->fn == SD_FN_LOG && n->nargs == 1) {
    if (emit(c, SDI_LOG10, t, s[0], 0) < 0) return GEN_FAIL;
  } else if (emit(c, b->opcode, t, s[0], s[1]) < 0) {
    return GEN_FAIL;
  }
  return t;
}

/* Emit code for n; returns the slot holding its value (dst when dst >= 0
 * and an instruction had to be emitted anyway; leaves return their own
 * slot).  GEN_FAIL on error. */
static int gen(cc *c, const sd_node *n, int dst) {
  switch (n->kind) {
  case SD_N_NUM: {
    int k = const_slot(c, n->num);
    if (k == 0) { oom(c); return GEN_FAIL; }
    return k;
  }
  case SD_N_VAR:
    return n->ref == 0 ? SD_SLOT_TIME : c->v[n->ref].slot;
  case SD_N_UNARY: {
    int mark = c->tmp_top, a, t;
    if (n->op == SD_OP_POS) return gen(c, n->args[0], dst);
    a = gen(c, n->args[0], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    c->tmp_top = mark;
    t = dst >= 0 ? dst : tmp_alloc(c);
    if (emit(c, n->op == SD_OP_NEG ? SDI_NEG : SDI_NOT, t, a, 0) < 0) return GEN_FAIL;
    return t;
  }
  case SD_N_BINARY:
    return gen_binary(c, n, dst);
  case SD_N_CALL:
    return gen_call(c, n, dst);
  case SD_N_LOOKUPCALL: {
    /* b is the table, not a slot: it is never a temporary, and equal
       tables give equal results */
    int mark = c->tmp_top, a;
    a = gen(c, n->args[0], -1);
    if (a == GEN_FAIL) return GEN_FAIL;
    return emit_pure(c, SDI_LOOKUP, a, n->ref, dst, mark, 0);
  }
  case SD_N_TABLE:
    break;
  }
  sd_fail(c->err, SD_E_DEFINITION, NULL, NULL, 0, 0, "internal error: cannot compile node");
  return GEN_FAIL;
}

/* Compile `n` into slot dst as one statement. */
static int gen_stmt(cc *c, int var, const sd_node *n, int dst) {
  int s;
  c->cur = var;
  if (c->v[var].alias) return 0;         /* shares the slot it copies */
  if (!n)
    return sd_fail(c->err, SD_E_DEFINITION, c->v[var].text, c->v[var].pos, 0, 0,
                   "'%s' is named as an output of a macro call that is never made", c->v[var].text);
  c->tmp_top = 0;
  s = gen(c, n, dst);
  if (s == GEN_FAIL) {
    if (!c->err->code) oom(c);
    return -1;
  }
  if (s != dst && emit(c, SDI_MOV, dst, s, 0) < 0) return oom(c);
  return 0;
}

/* Finish the code under construction into *out (arena copy, HALT added). */
static int take_code(cc *c, sd_code *out) {
  if (emit(c, SDI_HALT, 0, 0, 0) < 0) return oom(c);
  out->ins = sd_arena_alloc(&c->p->arena, (size_t)c->ncode * sizeof(sd_ins));
  if (!out->ins) return oom(c);
  memcpy(out->ins, c->code, (size_t)c->ncode * sizeof(sd_ins));
  out->n = c->ncode;
  c->ncode = 0;
  c->ncse_used = 0;                      /* each program shares its own */
  if (c->cse_hash) { int i; for (i = 0; i < c->cse_hcap; i++) c->cse_hash[i] = -1; }
  return 0;
}

static int patch_slot(int x, int kbase, int cbase) {
  if (x >= 0) return x;
  if (-x >= SD_CSE_TAG) return cbase + (-x - SD_CSE_TAG);
  return kbase + (-x - 1);
}

static void patch_consts(sd_code *code, int kbase, int cbase) {
  int i;
  for (i = 0; i < code->n; i++) {
    sd_ins *in = &code->ins[i];
    if (in->op == SDI_JMP) continue;
    if (sd_opcode_formats[in->op] == SD_F_LIST) {   /* a: count, b: immediate */
      in->d = patch_slot(in->d, kbase, cbase);
      continue;
    }
    in->d = patch_slot(in->d, kbase, cbase);
    in->a = patch_slot(in->a, kbase, cbase);
    in->b = patch_slot(in->b, kbase, cbase);
  }
}

int fill_program(cc *c, const int *order, int norder, const int *has_timefn,
                 deplist *deps) {
  sd_program *p = c->p;
  int i, j, k, npre = 0, kbase;
  int *need = calloc((size_t)c->nv, sizeof(int));
  if (!need) return oom(c);

  /* dynamic: in initial order every dependency is decided first, except
     a SIMULTANEOUS variable read before it is computed: then again until
     nothing changes (a flag only ever turns on) */
  {
    int changed = 1, any_sim = 0;
    for (k = 0; k < norder; k++) { c->v[order[k]].dynamic = 0; any_sim |= c->v[order[k]].simul; }
    while (changed) {
      changed = 0;
      for (k = 0; k < norder; k++) {
        cvar *v = &c->v[order[k]];
        int dyn = has_timefn[order[k]];
        if (v->kind == CV_STOCK || v->simul == 2) dyn = 1;    /* FIND ZERO: set by the run */
        else if (v->kind == CV_INITIAL) dyn = 0;
        else if (v->kind == CV_AUX && v->init) dyn = 1;
        else for (j = 0; j < deps[order[k]].n && !dyn; j++) dyn = c->v[deps[order[k]].d[j]].dynamic;
        if (dyn != v->dynamic) { v->dynamic = dyn; changed = any_sim; }
      }
    }
  }

  /* "a = b": a shares b's slot and has no code (in initial order, so b
     is settled first).  Not for arrays an opcode indexes by slot, whose
     elements must keep consecutive slots. */
  for (k = 0; k < norder; k++) {
    cvar *v = &c->v[order[k]];
    const cvar *b;
    if (v->kind != CV_AUX || v->init || v->is_const || v->simul || !v->eqn || v->eqn->kind != SD_N_VAR) continue;
    if (v->mvar >= 0 && c->contig[v->mvar]) continue;
    b = &c->v[v->eqn->ref];
    if (v->eqn->ref == order[k] || b->kind == CV_LOOKUP || b->slot < 0) continue;
    v->slot = b->slot;
    v->alias = 1;
    if (v->visible >= 0) p->vis_slot[v->visible] = v->slot;
  }

  /* ctrl: the non-literal control variables and what they need */
  for (i = 1; i <= SD_NUM_CONTROL; i++) need[i] = !c->v[i].is_const;
  for (k = norder - 1; k >= 0; k--) {
    int x = order[k];
    if (!need[x]) continue;
    for (j = 0; j < deps[x].n; j++) need[deps[x].d[j]] = 1;
  }
  for (k = 0; k < norder; k++) {
    int x = order[k];
    cvar *v = &c->v[x];
    if (!need[x]) continue;
    if (v->kind == CV_STOCK || (v->kind == CV_AUX && v->init)) {
      free(need);
      c->cur = x;
      return sd_fail(c->err, SD_E_DEFINITION, v->text, v->pos, at_start(v->pos), at_start(v->pos),
                     "the time settings (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) must not "
                     "depend on stocks, but they depend on '%s'", v->text);
    }
    /* settings that follow Time (FINAL TIME = IF THEN ELSE(Time < 5, ...))
       are computed again at every step */
    if (v->dynamic) p->dynamic_time = 1;
    if (gen_stmt(c, x, v->eqn, v->slot) != 0) { free(need); return -1; }
    if (v->kind == CV_CONTROL && emit(c, SDI_OVR, v->slot, v->visible, 0) < 0) { free(need); return oom(c); }
  }
  free(need);
  if (take_code(c, &p->ctrl) != 0) return -1;

  /* init: everything, in order; control variables were done by ctrl */
  for (k = 0; k < norder; k++) {
    int x = order[k];
    cvar *v = &c->v[x];
    if (v->kind == CV_CONTROL) continue;
    if (v->kind == CV_STOCK) {
      if (gen_stmt(c, x, v->init, v->slot) != 0) return -1;
      if (emit(c, SDI_OVR, v->slot, v->stock, 0) < 0) return oom(c);
    } else if (gen_stmt(c, x, v->init ? v->init : v->eqn, v->slot) != 0) {
      return -1;
    }
  }
  if (take_code(c, &p->init) != 0) return -1;

  /* step: what changes over time, in its own order, then every net rate */
  {
    int *sorder = malloc((size_t)(c->nv ? c->nv : 1) * sizeof(int));
    int ns;
    if (!sorder) return oom(c);
    ns = order_step(c, sorder);
    for (k = 0; k < ns; k++)
      if (gen_stmt(c, sorder[k], c->v[sorder[k]].eqn, c->v[sorder[k]].slot) != 0) { ns = -1; break; }
    free(sorder);
    if (ns < 0) return -1;
  }
  p->stock_slot = sd_arena_alloc(&p->arena, (size_t)(p->nstocks ? p->nstocks : 1) * sizeof(int));
  p->stock_rate = sd_arena_alloc(&p->arena, (size_t)(p->nstocks ? p->nstocks : 1) * sizeof(int));
  if (!p->stock_slot || !p->stock_rate) return oom(c);
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (v->kind != CV_STOCK) continue;
    p->stock_slot[v->stock] = v->slot;
    p->stock_rate[v->stock] = v->rate_slot;
    if (gen_stmt(c, i, v->eqn, v->rate_slot) != 0) return -1;
  }
  if (take_code(c, &p->step) != 0) return -1;

  /* lay out temporaries and the constant pool, then patch */
  kbase = c->tmp_base + c->tmp_max;
  p->nslots = kbase + c->nk + c->ncse_slots;
  patch_consts(&p->ctrl, kbase, kbase + c->nk);
  patch_consts(&p->init, kbase, kbase + c->nk);
  patch_consts(&p->step, kbase, kbase + c->nk);
  if (c->m->rewrite >= 2 && sd_block_vectorize(&p->step, c->tmp_base, kbase, &p->nslots, &p->arena, &p->vec_work) != 0)
    return oom(c);
  if (c->m->rewrite >= 1 && (sd_vectorize(&p->init) != 0 || sd_vectorize(&p->step) != 0)) return oom(c);

  /* presets: constant pool, literal variables, NaN for lookups */
  for (i = 1; i < c->nv; i++) if (c->v[i].is_const || c->v[i].kind == CV_LOOKUP) npre++;
  npre += c->nk;
  p->preset_slot = sd_arena_alloc(&p->arena, (size_t)(npre ? npre : 1) * sizeof(int));
  p->preset_val = sd_arena_alloc(&p->arena, (size_t)(npre ? npre : 1) * sizeof(double));
  if (!p->preset_slot || !p->preset_val) return oom(c);
  p->npreset = 0;
  for (i = 0; i < c->nk; i++) {
    p->preset_slot[p->npreset] = kbase + i;
    p->preset_val[p->npreset++] = c->kval[i];
  }
  for (i = 1; i < c->nv; i++) {
    cvar *v = &c->v[i];
    if (!(v->is_const || v->kind == CV_LOOKUP)) continue;
    if (v->visible >= 0) p->vis_const[v->visible] = v->is_const ? p->npreset : -1;
    p->preset_slot[p->npreset] = v->slot;
    p->preset_val[p->npreset++] = v->kind == CV_LOOKUP ? NAN : v->cval;
  }
  return 0;
}
