/*
 * sd_vm_body.h -- the interpreter loop.  Every opcode handler is written
 * once, here.  This file is included by sd_vm_goto.c and sd_vm_switch.c
 * with SD_VM_GOTO set to 1 or 0 and SD_VM_FN naming the function; the
 * dispatch macros below make each handler a computed-goto target (threaded
 * code: every handler ends with its own indirect jump, so the branch
 * predictor learns per-opcode successors) or a case of one central switch.
 *
 * It is also included by sd_vm_lanes_goto.c and sd_vm_lanes_switch.c with
 * SD_VM_K lanes (> 1): every slot then holds the values of K runs side by
 * side (slot x of lane l at v[x * K + l]), and each handler does its
 * work for every lane, so that one dispatch serves K runs.  The lane
 * programs have no jumps (the compiler writes every IF THEN ELSE as a
 * select for them: sd_codegen.c), so the lanes never diverge.
 *
 * Handler conventions: V(x) is the value slot x (of lane l_ in the lane
 * builds); LANES(s) runs statement s for every lane (once otherwise);
 * LSET(x, e) sets slot x to e, every lane's e computed before any is
 * stored;
 * VP(x) points at slot x for helpers that read slots by offset, which read
 * them as SD_VEC (sd_math.h); `vmnext(k)` moves on by k words (2 for ops
 * that carry an EXT operand word) and dispatches.
 */
#ifndef SD_VM_K
#define SD_VM_K 1
#endif
#include "sd_math.h"

/* The bounded lane interpreters (SD_VM_BOUNDED) stop when pc reaches
   ctx->end: they run one arm of an IF THEN ELSE whose lanes went
   different ways (sd_lanes_split). */
#if SD_VM_BOUNDED
#define SD_AT_END      if (pc == ctx->end) return;
#else
#define SD_AT_END
#endif

#if SD_VM_GOTO

#define vmdispatch(o)  __extension__ ({ SD_AT_END goto *sd_disptab[(o)]; })
#define vmcase(name)   L_##name:
#define vmnext(k)      { pc += (k); vmdispatch(pc->op); }
#define vmresume       vmdispatch(pc->op);
#define vmloop         vmdispatch(pc->op);
#define vmendloop

#else

#define vmcase(name)   case SDI_##name:
#define vmnext(k)      { pc += (k); continue; }
#define vmresume       continue;
#if SD_VM_COUNT                     /* the measuring loop: count each dispatch */
#define vmloop         for (;;) { ctx->counts[pc->op] += 1; switch (pc->op) {
#else
#define vmloop         for (;;) { SD_AT_END switch (pc->op) {
#endif
#define vmendloop      default: return; } }

#endif

#if SD_VM_K == 1
#define V(x)       v[(x)]
#define LANES(...) { __VA_ARGS__; }
#define VP(x)      (v + (x))
#define HINT(t)    (&ctx->hints[(t)])
#define OVI(i)     (i)
#define LSET(x, ...) { v[(x)] = (__VA_ARGS__); }
#else
#define V(x)       v[(size_t)(x) * SD_VM_K + (size_t)l_]
#define LANES(...) { int l_; for (l_ = 0; l_ < SD_VM_K; l_++) { __VA_ARGS__; } }
#define VP(x)      (v + (size_t)(x) * SD_VM_K + (size_t)l_)
#define HINT(t)    (&ctx->hints[(size_t)(t) * SD_VM_K + (size_t)l_])
#define OVI(i)     ((size_t)(i) * SD_VM_K + (size_t)l_)
/* Every lane's result first, then the stores into slot x: no lane's
   store comes before another lane's loads, so the compiler may pack the
   lanes into vector instructions (the lanes are written out one by one
   for 8, as straight-line code it vectorizes at -O2).  SD_LANES_COMPACT
   keeps the loop instead: the sanitizer builds set it, as clang's
   instrumentation of the written-out form takes many minutes to compile. */
#if SD_VM_K == 8 && !defined(SD_LANES_COMPACT)
#define LANE_(k, e) { const int l_ = k; r_[k] = (e); }
#define LSET(x, ...) { double r_[8], *d_ = v + (size_t)(x) * 8;                                \
    LANE_(0, __VA_ARGS__) LANE_(1, __VA_ARGS__) LANE_(2, __VA_ARGS__) LANE_(3, __VA_ARGS__)   \
    LANE_(4, __VA_ARGS__) LANE_(5, __VA_ARGS__) LANE_(6, __VA_ARGS__) LANE_(7, __VA_ARGS__)   \
    d_[0] = r_[0]; d_[1] = r_[1]; d_[2] = r_[2]; d_[3] = r_[3];                              \
    d_[4] = r_[4]; d_[5] = r_[5]; d_[6] = r_[6]; d_[7] = r_[7]; }
#else
#define LSET(x, ...) { double r_[SD_VM_K]; int l_;                                      \
    for (l_ = 0; l_ < SD_VM_K; l_++) r_[l_] = (__VA_ARGS__);                         \
    memcpy(v + (size_t)(x) * SD_VM_K, r_, sizeof r_); }
#endif
#endif
#define D      V(pc->d)
#define A      V(pc->a)
#define B      V(pc->b)
#define C      V(pc[1].d)     /* third source, in the EXT word */
#define C2     V(pc[1].a)     /* fourth source, in the EXT word */

/* The element operations that also run as element loops (W<op>),
 * written once for both forms.  E2(a, b) is a op b with the rounding of
 * the scalar handler (left to right). */
#define E_MOV(a)        (a)
#define E_NEG(a)        (-(a))
#define E_ABS(a)        fabs(a)
#define E_EXP(a)        exp(a)
#define E_LN(a)         log(a)
#define E_SQRT(a)       sqrt(a)
#define E_INT(a)        sd_int(a)
#define E_NOT(a)        sd_bool((a) == 0)
#define E_ADD(a, b)     ((a) + (b))
#define E_SUB(a, b)     ((a) - (b))
#define E_MUL(a, b)     ((a) * (b))
#define E_DIV(a, b)     ((a) / (b))
#define E_POW(a, b)     sd_pow(a, b)
#define E_EQ(a, b)      sd_bool((a) == (b))
#define E_NE(a, b)      sd_bool((a) != (b))
#define E_LT(a, b)      sd_bool((a) < (b))
#define E_GT(a, b)      sd_bool((a) > (b))
#define E_LE(a, b)      sd_bool((a) <= (b))
#define E_GE(a, b)      sd_bool((a) >= (b))
#define E_AND(a, b)     sd_bool((a) != 0 && (b) != 0)
#define E_OR(a, b)      sd_bool((a) != 0 || (b) != 0)
#define E_MIN(a, b)     sd_min(a, b)
#define E_MAX(a, b)     sd_max(a, b)
#define E_MOD(a, b)     sd_mod(a, b)
#define E_ZIDZ(a, b)    sd_zidz(a, b)
#define E_SUBDIV(a, b, c) (((a) - (b)) / (c))
#define E_MULADD(a, b, c) ((a) * (b) + (c))
#define E_MULMUL(a, b, c) ((a) * (b) * (c))
#define E_DIVMUL(a, b, c) ((a) / (b) * (c))
#define E_MULDIV(a, b, c) ((a) * (b) / (c))
#define E_SUBMUL(a, b, c) (((a) - (b)) * (c))
#define E_ADDMUL(a, b, c) (((a) + (b)) * (c))
#define E_DIVDIV(a, b, c) ((a) / (b) / (c))
#define E_SELECT(a, b, c) ((a) != 0 ? (b) : (c))
#define E_XIDZ(a, b, c)   sd_xidz(a, b, c)
#define E_ANDSEL(a, b, c, e)      ((a) != 0 && (b) != 0 ? (c) : (e))
#define E_EQANDSEL(a, b, c, e, f) ((a) == (b) && (c) != 0 ? (e) : (f))
/* the tests of CMOVJ, CMOVJZ and CMOVJ_<cmp>, and their moves with the
 * other arm's value (if-converted element loops) */
#define T_NZ(c)      ((c) != 0)
#define T_Z(c)       ((c) == 0)
#define T_EQ(x, y)   ((x) == (y))
#define T_NE(x, y)   ((x) != (y))
#define T_LT(x, y)   ((x) < (y))
#define T_GT(x, y)   ((x) > (y))
#define T_LE(x, y)   ((x) <= (y))
#define T_GE(x, y)   ((x) >= (y))
#define T_NLT(x, y)  (!((x) < (y)))
#define T_NGT(x, y)  (!((x) > (y)))
#define T_NLE(x, y)  (!((x) <= (y)))
#define T_NGE(x, y)  (!((x) >= (y)))
#define E_CS_NZ(c, l, e)     (T_NZ(c) ? (l) : (e))
#define E_CS_Z(c, l, e)      (T_Z(c) ? (l) : (e))
#define E_CS_EQ(x, y, l, e)  (T_EQ(x, y) ? (l) : (e))
#define E_CS_NE(x, y, l, e)  (T_NE(x, y) ? (l) : (e))
#define E_CS_LT(x, y, l, e)  (T_LT(x, y) ? (l) : (e))
#define E_CS_GT(x, y, l, e)  (T_GT(x, y) ? (l) : (e))
#define E_CS_LE(x, y, l, e)  (T_LE(x, y) ? (l) : (e))
#define E_CS_GE(x, y, l, e)  (T_GE(x, y) ? (l) : (e))
#define E_CS_NLT(x, y, l, e) (T_NLT(x, y) ? (l) : (e))
#define E_CS_NGT(x, y, l, e) (T_NGT(x, y) ? (l) : (e))
#define E_CS_NLE(x, y, l, e) (T_NLE(x, y) ? (l) : (e))
#define E_CS_NGE(x, y, l, e) (T_NGE(x, y) ? (l) : (e))

void SD_VM_FN(const sd_ins *pc, double *v, const sd_vmctx *ctx) {
#if SD_VM_GOTO
#define SD_X_LABEL(name, fmt) __extension__ &&L_##name,
  static const void *const sd_disptab[SDI__COUNT] = { SD_OPCODES(SD_X_LABEL) };
#undef SD_X_LABEL
#endif

  vmloop

  vmcase(HALT)    return;
  vmcase(EXT)     vmnext(1)                 /* never reached: skipped by its owner */
#if SD_VM_K == 1
  vmcase(JMP)     vmnext(pc->a)
  vmcase(JZ)      { if (D == 0) vmnext(pc->a) vmnext(1) }
  vmcase(CMOVJ)   { if (T_NZ(B)) { D = A; vmnext(pc[1].d) } vmnext(2) }
  vmcase(CMOVJZ)  { if (T_Z(B)) { D = A; vmnext(pc[1].d) } vmnext(2) }
#define SD_CMOVJ_CMP(T) { double x_ = B, y_ = V(pc[1].a); if (T(x_, y_)) { D = A; vmnext(pc[1].d) } vmnext(2) }
  vmcase(CMOVJ_EQ)  SD_CMOVJ_CMP(T_EQ)
  vmcase(CMOVJ_NE)  SD_CMOVJ_CMP(T_NE)
  vmcase(CMOVJ_LT)  SD_CMOVJ_CMP(T_LT)
  vmcase(CMOVJ_GT)  SD_CMOVJ_CMP(T_GT)
  vmcase(CMOVJ_LE)  SD_CMOVJ_CMP(T_LE)
  vmcase(CMOVJ_GE)  SD_CMOVJ_CMP(T_GE)
  vmcase(CMOVJ_NLT) SD_CMOVJ_CMP(T_NLT)
  vmcase(CMOVJ_NGT) SD_CMOVJ_CMP(T_NGT)
  vmcase(CMOVJ_NLE) SD_CMOVJ_CMP(T_NLE)
  vmcase(CMOVJ_NGE) SD_CMOVJ_CMP(T_NGE)
#undef SD_CMOVJ_CMP
#else
  /* Lanes: a jump all lanes take (or none) is taken (or not) as by one
     run; lanes that go different ways are split (sd_lanes.c): both arms
     run for every lane in the bounded interpreter SD_VM_TO, and each lane
     keeps the results of its own arm. */
#define SD_LANE_MASK(test) unsigned m_ = 0; { int l_; for (l_ = 0; l_ < SD_VM_K; l_++) m_ |= (unsigned)(test) << l_; }
#define SD_LANE_SPLIT { if (!(pc = sd_lanes_split(pc, v, ctx, m_, SD_VM_TO))) return; vmresume }
  vmcase(JMP)     vmnext(pc->a)
  vmcase(JZ)      { SD_LANE_MASK(V(pc->d) == 0)
    if (m_ == SD_LANES_ALL) vmnext(pc->a)
    if (m_ == 0) vmnext(1)
    SD_LANE_SPLIT }
#define SD_LCMOVJ(test) { SD_LANE_MASK(test)                            \
    if (m_ == SD_LANES_ALL) { LSET(pc->d, A) vmnext(pc[1].d) }           \
    if (m_ == 0) vmnext(2)                                               \
    SD_LANE_SPLIT }
  vmcase(CMOVJ)     SD_LCMOVJ(T_NZ(B))
  vmcase(CMOVJZ)    SD_LCMOVJ(T_Z(B))
  vmcase(CMOVJ_EQ)  SD_LCMOVJ(T_EQ(B, V(pc[1].a)))
  vmcase(CMOVJ_NE)  SD_LCMOVJ(T_NE(B, V(pc[1].a)))
  vmcase(CMOVJ_LT)  SD_LCMOVJ(T_LT(B, V(pc[1].a)))
  vmcase(CMOVJ_GT)  SD_LCMOVJ(T_GT(B, V(pc[1].a)))
  vmcase(CMOVJ_LE)  SD_LCMOVJ(T_LE(B, V(pc[1].a)))
  vmcase(CMOVJ_GE)  SD_LCMOVJ(T_GE(B, V(pc[1].a)))
  vmcase(CMOVJ_NLT) SD_LCMOVJ(T_NLT(B, V(pc[1].a)))
  vmcase(CMOVJ_NGT) SD_LCMOVJ(T_NGT(B, V(pc[1].a)))
  vmcase(CMOVJ_NLE) SD_LCMOVJ(T_NLE(B, V(pc[1].a)))
  vmcase(CMOVJ_NGE) SD_LCMOVJ(T_NGE(B, V(pc[1].a)))
#undef SD_LCMOVJ
#undef SD_LANE_SPLIT
#undef SD_LANE_MASK
#endif

  vmcase(MOV)     { LSET(pc->d, E_MOV(A)) vmnext(1) }
  vmcase(ADD)     { LSET(pc->d, E_ADD(A, B)) vmnext(1) }
  vmcase(SUB)     { LSET(pc->d, E_SUB(A, B)) vmnext(1) }
  vmcase(MUL)     { LSET(pc->d, E_MUL(A, B)) vmnext(1) }
  vmcase(DIV)     { LSET(pc->d, E_DIV(A, B)) vmnext(1) }
  vmcase(POW)     { LSET(pc->d, E_POW(A, B)) vmnext(1) }
  vmcase(NEG)     { LSET(pc->d, E_NEG(A)) vmnext(1) }

  vmcase(SUBDIV)  { LSET(pc->d, E_SUBDIV(A, B, C)) vmnext(2) }
  vmcase(MULADD)  { LSET(pc->d, E_MULADD(A, B, C)) vmnext(2) }
  vmcase(MULMUL)  { LSET(pc->d, E_MULMUL(A, B, C)) vmnext(2) }
  vmcase(DIVMUL)  { LSET(pc->d, E_DIVMUL(A, B, C)) vmnext(2) }
  vmcase(MULDIV)  { LSET(pc->d, E_MULDIV(A, B, C)) vmnext(2) }
  vmcase(SUBMUL)  { LSET(pc->d, E_SUBMUL(A, B, C)) vmnext(2) }
  vmcase(ADDMUL)  { LSET(pc->d, E_ADDMUL(A, B, C)) vmnext(2) }
  vmcase(DIVDIV)  { LSET(pc->d, E_DIVDIV(A, B, C)) vmnext(2) }
  /* one dispatch for a run of n element operations, in their order */
#define SD_VRUN(E) { int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b;                    \
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_, E(V(pc->a + k_ * sa_), V(pc->b + k_ * sb_)))  \
    vmnext(n_) }
  vmcase(VADD)    SD_VRUN(E_ADD)
  vmcase(VSUB)    SD_VRUN(E_SUB)
  vmcase(VMUL)    SD_VRUN(E_MUL)
  vmcase(VDIV)    SD_VRUN(E_DIV)
  vmcase(VZIDZ)   SD_VRUN(E_ZIDZ)
#undef SD_VRUN
  vmcase(VLOOKUP) {
    int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b;
    for (k_ = 0; k_ < n_; k_++)
      LSET(pc->d + k_, sd_lookup_hint(&ctx->tables[pc->b + k_ * sb_], V(pc->a + k_ * sa_), HINT(pc->b + k_ * sb_)))
    vmnext(n_)
  }
#define SD_VRUN3(E) { int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b, sc_ = pc[2].a;              \
    for (k_ = 0; k_ < n_; k_++)                                                                    \
      LSET(pc->d + k_, E(V(pc->a + k_ * sa_), V(pc->b + k_ * sb_), V(pc[2].d + k_ * sc_)))          \
    vmnext(2 * n_) }
  vmcase(VMULDIV) SD_VRUN3(E_MULDIV)
  vmcase(VSUBDIV) SD_VRUN3(E_SUBDIV)
  vmcase(VDIVMUL) SD_VRUN3(E_DIVMUL)
#undef SD_VRUN3

  vmcase(EQ)      { LSET(pc->d, E_EQ(A, B)) vmnext(1) }
  vmcase(NE)      { LSET(pc->d, E_NE(A, B)) vmnext(1) }
  vmcase(LT)      { LSET(pc->d, E_LT(A, B)) vmnext(1) }
  vmcase(GT)      { LSET(pc->d, E_GT(A, B)) vmnext(1) }
  vmcase(LE)      { LSET(pc->d, E_LE(A, B)) vmnext(1) }
  vmcase(GE)      { LSET(pc->d, E_GE(A, B)) vmnext(1) }
  vmcase(AND)     { LSET(pc->d, E_AND(A, B)) vmnext(1) }
  vmcase(OR)      { LSET(pc->d, E_OR(A, B)) vmnext(1) }
  vmcase(NOT)     { LSET(pc->d, E_NOT(A)) vmnext(1) }
  vmcase(SELECT)  { LSET(pc->d, E_SELECT(A, B, C)) vmnext(2) }
  vmcase(ANDSEL)  { LSET(pc->d, E_ANDSEL(A, B, C, C2)) vmnext(2) }
  vmcase(EQANDSEL) { LSET(pc->d, E_EQANDSEL(A, B, C, C2, V(pc[1].b))) vmnext(2) }

  vmcase(ABS)     { LSET(pc->d, E_ABS(A)) vmnext(1) }
  vmcase(EXP)     { LSET(pc->d, E_EXP(A)) vmnext(1) }
  vmcase(LN)      { LSET(pc->d, E_LN(A)) vmnext(1) }
  vmcase(LOG10)   { LSET(pc->d, log10(A)) vmnext(1) }
  vmcase(LOGB)    { LSET(pc->d, sd_logb(A, B)) vmnext(1) }
  vmcase(SQRT)    { LSET(pc->d, E_SQRT(A)) vmnext(1) }
  vmcase(SIN)     { LSET(pc->d, sin(A)) vmnext(1) }
  vmcase(COS)     { LSET(pc->d, cos(A)) vmnext(1) }
  vmcase(TAN)     { LSET(pc->d, tan(A)) vmnext(1) }
  vmcase(ASIN)    { LSET(pc->d, asin(A)) vmnext(1) }
  vmcase(ACOS)    { LSET(pc->d, acos(A)) vmnext(1) }
  vmcase(ATAN)    { LSET(pc->d, atan(A)) vmnext(1) }
  vmcase(SINH)    { LSET(pc->d, sinh(A)) vmnext(1) }
  vmcase(COSH)    { LSET(pc->d, cosh(A)) vmnext(1) }
  vmcase(TANH)    { LSET(pc->d, tanh(A)) vmnext(1) }
  vmcase(INT)     { LSET(pc->d, E_INT(A)) vmnext(1) }
  vmcase(MIN)     { LSET(pc->d, E_MIN(A, B)) vmnext(1) }
  vmcase(MAX)     { LSET(pc->d, E_MAX(A, B)) vmnext(1) }
  vmcase(MOD)     { LSET(pc->d, E_MOD(A, B)) vmnext(1) }
  vmcase(QUANTUM) { LSET(pc->d, sd_quantum(A, B)) vmnext(1) }
  vmcase(ZIDZ)    { LSET(pc->d, E_ZIDZ(A, B)) vmnext(1) }
  vmcase(XIDZ)    { LSET(pc->d, E_XIDZ(A, B, C)) vmnext(2) }

  vmcase(STEP)    { LSET(pc->d, sd_step(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B)) vmnext(1) }
  vmcase(PULSE)   { LSET(pc->d, sd_pulse(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B)) vmnext(1) }
  vmcase(PULSETR) { LSET(pc->d, sd_pulse_train(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B, C, C2)) vmnext(2) }
  vmcase(RAMP)    { LSET(pc->d, sd_ramp(V(SD_SLOT_XTIME), A, B, C)) vmnext(2) }

  vmcase(LOOKUP)  { LSET(pc->d, sd_lookup_hint(&ctx->tables[pc->b], A, HINT(pc->b))) vmnext(1) }
  vmcase(OVR)     { LANES(if (ctx->ovr_on[OVI(pc->a)] != 0) D = ctx->ovr_val[OVI(pc->a)]) vmnext(1) }
  vmcase(SAMPLE)  { LANES(if (A != 0) C = B; D = C) vmnext(2) }
  vmcase(ELMMAP)  { LSET(pc->d, sd_elm_map(VP(pc->b), pc[1].d, pc[1].a, A)) vmnext(2) }
  vmcase(SORTORD) { LSET(pc->d, sd_sort_order(VP(pc->b), pc[1].a, pc[1].d, A)) vmnext(2) }
  vmcase(RANK)    { LSET(pc->d, sd_rank(VP(pc->b), pc[1].a, pc[1].d, A)) vmnext(2) }
  vmcase(INVMAT)  { LSET(pc->d, sd_invert_elem(VP(pc->b), pc[1].a, pc[1].d)) vmnext(2) }
  /* the helpers of listed operands read them from VP(0), lane by lane */
  vmcase(ALLOCP)  { LSET(pc->d, sd_allocate(VP(0), pc + 1, (pc->a - 2) / 2, pc->b, 0)) vmnext(1 + (pc->a + 2) / 3) }
  vmcase(MKTPRC)  { LSET(pc->d, sd_market_price(VP(0), pc + 1, pc->b, pc->a / 5 - pc->b)) vmnext(1 + (pc->a + 2) / 3) }
  vmcase(ATPRICE) { LSET(pc->d, sd_at_price(VP(0), pc + 1, pc->b)) vmnext(1 + (pc->a + 2) / 3) }
  /* helpers that do every lane in one call (sd_math.h), into r_ */
#define LALL(x, call) { double r_[SD_VM_K]; call; memcpy(&v[(size_t)(x) * SD_VM_K], r_, sizeof r_); }
  vmcase(REDUCE)  { LALL(pc->d, sd_reduce(v, pc + 1, pc->a, pc->b, r_)) vmnext(1 + (pc->a + 2) / 3) }
  vmcase(VSELECT) { LALL(pc->d, sd_vector_select(v, pc + 1, (pc->a - 3) / 2, r_)) vmnext(1 + (pc->a + 2) / 3) }
#undef LALL
  vmcase(RANDOM)  {
    LANES(D = sd_random(VP(0), pc + 1, pc->a == 5, pc->b, V(SD_SLOT_XTIME), V(SD_SLOT_T0), V(SD_SLOT_DT)))
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(LOOKUPM) { LSET(pc->d, sd_lookup_how(&ctx->tables[pc->b], A, pc[1].d)) vmnext(2) }
  vmcase(LGAMMA)  { LSET(pc->d, lgamma(A)) vmnext(1) }
  vmcase(NORMCDF) { LSET(pc->d, 0.5 * erfc(-A * 0.7071067811865476)) vmnext(1) }
  vmcase(NORMINV) { LSET(pc->d, sd_norminv(A)) vmnext(1) }
  vmcase(RANDX)   {
    /* up to 7 operands; RANDOM LOOKUP's last is its table's number */
    double ra[8];
    int k, na = pc->a < 8 ? pc->a : 8, dist = pc->b % 16;
    const sd_table *tb = NULL;
    LANES(for (k = 0; k < na; k++) ra[k] = sd_opnd(VP(0), pc + 1, k);
          tb = dist == SD_RX_LOOKUP ? &ctx->tables[(int)ra[5]] : NULL;
          D = sd_random_dist(dist, ra, pc->b / 16,
                             sd_step_number(V(SD_SLOT_XTIME), V(SD_SLOT_T0), V(SD_SLOT_DT)), tb))
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(TABFN)   { LSET(pc->d, sd_tabfn(&ctx->tables[pc->b], pc[1].d, A, V(pc[1].a))) vmnext(2) }
  vmcase(ALLOCA)  { LSET(pc->d, sd_allocate(VP(0), pc + 1, (pc->a - 1) / 5, pc->b, 1)) vmnext(1 + (pc->a + 2) / 3) }
#if SD_VM_K == 1
  /* state outside the value slots (the run's pipelines and records, or a
     stock's elements shifted once a step): one run at a time.  The lane
     runner refuses programs with them (sd_lanes.c). */
  vmcase(SHIFTIF) {
    /* only in a step's first evaluation (the stocks move once a step: not
       while initial values are computed, not in Runge-Kutta's later
       stages, where Time has moved on from the step's start) */
    int once = ctx->dsc != NULL && V(SD_SLOT_TIME) == V(SD_SLOT_XTIME);
    D = sd_shift_if_true(v + sd_opnd_slot(pc + 1, 4), pc->b, sd_opnd(v, pc + 1, 0), sd_opnd(v, pc + 1, 1),
                         sd_opnd(v, pc + 1, 2), sd_opnd(v, pc + 1, 3), once);
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(VECLKP)  {
    D = sd_vector_lookup(v + sd_opnd_slot(pc + 1, 4), pc->b, sd_opnd(v, pc + 1, 0), sd_opnd(v, pc + 1, 1),
                         sd_opnd(v, pc + 1, 2), sd_opnd(v, pc + 1, 3));
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(DSCOUT)  {
    double da[3] = {0, 0, 0};
    int k;
    for (k = 0; k < pc->a && k < 3; k++) da[k] = sd_opnd(v, pc + 1, k);
    /* the records exist once the initial values are known: an initial
       value read through a QUEUE AGE function sees an empty queue */
    D = ctx->dsc ? sd_dsc_out(ctx->dsc, pc->b, da, V(SD_SLOT_XTIME), V(SD_SLOT_T0), V(SD_SLOT_DT)) : 0;
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(DELAYFX) {
    const double *pp = ctx->pipes;
    int k = pc->a, np = ctx->npipes;
    D = pp[(long)pp[k] + (long)pp[2 * np + k]];
    vmnext(1)
  }

#else
  vmcase(SHIFTIF) vmcase(VECLKP) vmcase(DSCOUT) vmcase(DELAYFX) return;
#endif

  /* element loops: n elements, each operand at its own stride (sd_blockvec.c) */
/* X1(k) ... X5(k): element k of the loop's operands; WD(k) its result */
#define SD_WHEAD  int k_, n_ = pc[1].d, sd_ = pc[1].a, s1_ = pc[1].b;
#define WD(k)     V(pc->d + (k) * sd_)
#define X1(k)     V(pc->a + (k) * s1_)
#define X2(k)     V(pc->b + (k) * s2_)
#define X3(k)     V(pc[2].a + (k) * s3_)
#define X4(k)     V(pc[3].d + (k) * s4_)
#define X5(k)     V(pc[3].b + (k) * s5_)
#define SD_W1(E)  { SD_WHEAD                                                                   \
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E(X1(k_))) \
    vmnext(3) }
#define SD_W2(E)  { SD_WHEAD const int s2_ = pc[2].d;                                           \
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E(X1(k_), X2(k_))) \
    vmnext(3) }
#define SD_W3(E)  { SD_WHEAD const int s2_ = pc[2].d, s3_ = pc[2].b;                           \
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E(X1(k_), X2(k_), X3(k_))) \
    vmnext(3) }
  vmcase(WMOV)    SD_W1(E_MOV)
  vmcase(WNEG)    SD_W1(E_NEG)
  vmcase(WABS)    SD_W1(E_ABS)
  vmcase(WEXP)    SD_W1(E_EXP)
  vmcase(WLN)     SD_W1(E_LN)
  vmcase(WSQRT)   SD_W1(E_SQRT)
  vmcase(WINT)    SD_W1(E_INT)
  vmcase(WNOT)    SD_W1(E_NOT)
  vmcase(WADD)    SD_W2(E_ADD)
  vmcase(WSUB)    SD_W2(E_SUB)
  vmcase(WMUL)    SD_W2(E_MUL)
  vmcase(WDIV)    SD_W2(E_DIV)
  vmcase(WPOW)    SD_W2(E_POW)
  vmcase(WEQ)     SD_W2(E_EQ)
  vmcase(WNE)     SD_W2(E_NE)
  vmcase(WLT)     SD_W2(E_LT)
  vmcase(WGT)     SD_W2(E_GT)
  vmcase(WLE)     SD_W2(E_LE)
  vmcase(WGE)     SD_W2(E_GE)
  vmcase(WAND)    SD_W2(E_AND)
  vmcase(WOR)     SD_W2(E_OR)
  vmcase(WMIN)    SD_W2(E_MIN)
  vmcase(WMAX)    SD_W2(E_MAX)
  vmcase(WMOD)    SD_W2(E_MOD)
  vmcase(WZIDZ)   SD_W2(E_ZIDZ)
  vmcase(WSUBDIV) SD_W3(E_SUBDIV)
  vmcase(WMULADD) SD_W3(E_MULADD)
  vmcase(WMULMUL) SD_W3(E_MULMUL)
  vmcase(WDIVMUL) SD_W3(E_DIVMUL)
  vmcase(WMULDIV) SD_W3(E_MULDIV)
  vmcase(WSUBMUL) SD_W3(E_SUBMUL)
  vmcase(WADDMUL) SD_W3(E_ADDMUL)
  vmcase(WDIVDIV) SD_W3(E_DIVDIV)
  vmcase(WSELECT) SD_W3(E_SELECT)
  vmcase(WXIDZ)   SD_W3(E_XIDZ)
  vmcase(WANDSEL) { SD_WHEAD const int s2_ = pc[2].d, s3_ = pc[2].b, s4_ = pc[3].a;
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E_ANDSEL(X1(k_), X2(k_), X3(k_), X4(k_)))
    vmnext(4) }
  vmcase(WEQANDSEL) { SD_WHEAD const int s2_ = pc[2].d, s3_ = pc[2].b, s4_ = pc[3].a, s5_ = pc[4].d;
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E_EQANDSEL(X1(k_), X2(k_), X3(k_), X4(k_), X5(k_)))
    vmnext(5) }
  vmcase(WSTEP)   { SD_WHEAD const int s2_ = pc[2].d;
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, sd_step(V(SD_SLOT_XTIME), V(SD_SLOT_DT), X1(k_), X2(k_)))
    vmnext(3) }
  vmcase(WLOOKUP) { SD_WHEAD const int s2_ = pc[2].d;
    for (k_ = 0; k_ < n_; k_++) {
      const int t_ = pc->b + k_ * s2_;
      LSET(pc->d + k_ * sd_, sd_lookup_hint(&ctx->tables[t_], X1(k_), HINT(t_)))
    }
    vmnext(3) }
  vmcase(WSAMPLE) { SD_WHEAD const int s2_ = pc[2].d, s3_ = pc[2].b;
    /* X3: the held values */
    for (k_ = 0; k_ < n_; k_++) {
      LSET(pc[2].a + k_ * s3_, X1(k_) != 0 ? X2(k_) : X3(k_))
      LSET(pc->d + k_ * sd_, X3(k_))
    }
    vmnext(3) }
  vmcase(WCS_NZ)  SD_W3(E_CS_NZ)
  vmcase(WCS_Z)   SD_W3(E_CS_Z)
#define SD_W4(E)  { SD_WHEAD const int s2_ = pc[2].d, s3_ = pc[2].b, s4_ = pc[3].a;              \
    for (k_ = 0; k_ < n_; k_++) LSET(pc->d + k_ * sd_, E(X1(k_), X2(k_), X3(k_), X4(k_))) \
    vmnext(4) }
  vmcase(WCS_EQ)  SD_W4(E_CS_EQ)
  vmcase(WCS_NE)  SD_W4(E_CS_NE)
  vmcase(WCS_LT)  SD_W4(E_CS_LT)
  vmcase(WCS_GT)  SD_W4(E_CS_GT)
  vmcase(WCS_LE)  SD_W4(E_CS_LE)
  vmcase(WCS_GE)  SD_W4(E_CS_GE)
  vmcase(WCS_NLT) SD_W4(E_CS_NLT)
  vmcase(WCS_NGT) SD_W4(E_CS_NGT)
  vmcase(WCS_NLE) SD_W4(E_CS_NLE)
  vmcase(WCS_NGE) SD_W4(E_CS_NGE)
#undef SD_W1
#undef SD_W2
#undef SD_W3
#undef SD_W4
#undef SD_WHEAD
#undef WD
#undef X1
#undef X2
#undef X3
#undef X4
#undef X5

  vmendloop
}

#undef vmdispatch
#undef SD_AT_END
#undef vmcase
#undef vmnext
#undef vmresume
#undef vmloop
#undef vmendloop
#undef V
#undef LANES
#undef LSET
#undef LANE_
#undef VP
#undef HINT
#undef OVI
#undef D
#undef A
#undef B
#undef C
#undef C2
