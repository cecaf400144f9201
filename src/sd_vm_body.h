/*
 * sd_vm_body.h -- the interpreter loop.  Every opcode handler is written
 * once, here.  This file is included by sd_vm_goto.c and sd_vm_switch.c
 * with SD_VM_GOTO set to 1 or 0 and SD_VM_FN naming the function; the
 * dispatch macros below make each handler a computed-goto target (threaded
 * code: every handler ends with its own indirect jump, so the branch
 * predictor learns per-opcode successors) or a case of one central switch.
 *
 * Handler conventions: V(x) is the value slot x; `vmnext(k)` moves on by k
 * words (2 for ops that carry an EXT operand word) and dispatches;
 * `vmjump(k)` is the same for jumps.
 */
#include "sd_math.h"

#if SD_VM_GOTO

#define vmdispatch(o)  __extension__ ({ goto *sd_disptab[(o)]; })
#define vmcase(name)   L_##name:
#define vmnext(k)      { pc += (k); vmdispatch(pc->op); }
#define vmloop         vmdispatch(pc->op);
#define vmendloop

#else

#define vmcase(name)   case SDI_##name:
#define vmnext(k)      { pc += (k); continue; }
#if SD_VM_COUNT                     /* the measuring loop: count each dispatch */
#define vmloop         for (;;) { ctx->counts[pc->op] += 1; switch (pc->op) {
#else
#define vmloop         for (;;) { switch (pc->op) {
#endif
#define vmendloop      default: return; } }

#endif

#define V(x)   v[(x)]
#define D      V(pc->d)
#define A      V(pc->a)
#define B      V(pc->b)
#define C      V(pc[1].d)     /* third source, in the EXT word */
#define C2     V(pc[1].a)     /* fourth source, in the EXT word */

void SD_VM_FN(const sd_ins *pc, double *v, const sd_vmctx *ctx) {
#if SD_VM_GOTO
#define SD_X_LABEL(name, fmt) __extension__ &&L_##name,
  static const void *const sd_disptab[SDI__COUNT] = { SD_OPCODES(SD_X_LABEL) };
#undef SD_X_LABEL
#endif

  vmloop

  vmcase(HALT)    return;
  vmcase(EXT)     vmnext(1)                 /* never reached: skipped by its owner */
  vmcase(JMP)     vmnext(pc->a)
  vmcase(JZ)      { if (D == 0) vmnext(pc->a) vmnext(1) }
  vmcase(CMOVJ)   { if (B != 0) { D = A; vmnext(pc[1].d) } vmnext(2) }
  vmcase(CMOVJZ)  { if (B == 0) { D = A; vmnext(pc[1].d) } vmnext(2) }
#define SD_CMOVJ_CMP(test) { double x_ = B, y_ = V(pc[1].a); if (test) { D = A; vmnext(pc[1].d) } vmnext(2) }
  vmcase(CMOVJ_EQ)  SD_CMOVJ_CMP(x_ == y_)
  vmcase(CMOVJ_NE)  SD_CMOVJ_CMP(x_ != y_)
  vmcase(CMOVJ_LT)  SD_CMOVJ_CMP(x_ < y_)
  vmcase(CMOVJ_GT)  SD_CMOVJ_CMP(x_ > y_)
  vmcase(CMOVJ_LE)  SD_CMOVJ_CMP(x_ <= y_)
  vmcase(CMOVJ_GE)  SD_CMOVJ_CMP(x_ >= y_)
  vmcase(CMOVJ_NLT) SD_CMOVJ_CMP(!(x_ < y_))
  vmcase(CMOVJ_NGT) SD_CMOVJ_CMP(!(x_ > y_))
  vmcase(CMOVJ_NLE) SD_CMOVJ_CMP(!(x_ <= y_))
  vmcase(CMOVJ_NGE) SD_CMOVJ_CMP(!(x_ >= y_))
#undef SD_CMOVJ_CMP

  vmcase(MOV)     { D = A; vmnext(1) }
  vmcase(ADD)     { D = A + B; vmnext(1) }
  vmcase(SUB)     { D = A - B; vmnext(1) }
  vmcase(MUL)     { D = A * B; vmnext(1) }
  vmcase(DIV)     { D = A / B; vmnext(1) }
  vmcase(POW)     { D = sd_pow(A, B); vmnext(1) }
  vmcase(NEG)     { D = -A; vmnext(1) }

  vmcase(SUBDIV)  { D = (A - B) / C; vmnext(2) }
  vmcase(MULADD)  { D = A * B + C; vmnext(2) }
  vmcase(MULMUL)  { D = A * B * C; vmnext(2) }
  vmcase(DIVMUL)  { D = A / B * C; vmnext(2) }
  vmcase(MULDIV)  { D = A * B / C; vmnext(2) }
  vmcase(SUBMUL)  { D = (A - B) * C; vmnext(2) }
  vmcase(ADDMUL)  { D = (A + B) * C; vmnext(2) }
  vmcase(DIVDIV)  { D = A / B / C; vmnext(2) }
  /* one dispatch for a run of n element operations, in their order */
#define SD_VRUN(expr) { int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b;                 \
    double *d_ = &D; const double *a_ = &A, *b_ = &B;                                         \
    for (k_ = 0; k_ < n_; k_++) { double x_ = a_[k_ * sa_], y_ = b_[k_ * sb_]; d_[k_] = (expr); } \
    vmnext(n_) }
  vmcase(VADD)    SD_VRUN(x_ + y_)
  vmcase(VSUB)    SD_VRUN(x_ - y_)
  vmcase(VMUL)    SD_VRUN(x_ * y_)
  vmcase(VDIV)    SD_VRUN(x_ / y_)
  vmcase(VZIDZ)   SD_VRUN(sd_zidz(x_, y_))
#undef SD_VRUN
  vmcase(VLOOKUP) {
    int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b;
    double *d_ = &D;
    const double *a_ = &A;
    for (k_ = 0; k_ < n_; k_++)
      d_[k_] = sd_lookup_hint(&ctx->tables[pc->b + k_ * sb_], a_[k_ * sa_], &ctx->hints[pc->b + k_ * sb_]);
    vmnext(n_)
  }
#define SD_VRUN3(expr) { int k_, n_ = pc[1].d, sa_ = pc[1].a, sb_ = pc[1].b, sc_ = pc[2].a;           \
    double *d_ = &D; const double *a_ = &A, *b_ = &B, *c_ = &V(pc[2].d);                              \
    for (k_ = 0; k_ < n_; k_++) {                                                                  \
      double x_ = a_[k_ * sa_], y_ = b_[k_ * sb_], z_ = c_[k_ * sc_]; d_[k_] = (expr); }           \
    vmnext(2 * n_) }
  vmcase(VMULDIV) SD_VRUN3(x_ * y_ / z_)
  vmcase(VSUBDIV) SD_VRUN3((x_ - y_) / z_)
  vmcase(VDIVMUL) SD_VRUN3(x_ / y_ * z_)
#undef SD_VRUN3

  vmcase(EQ)      { D = sd_bool(A == B); vmnext(1) }
  vmcase(NE)      { D = sd_bool(A != B); vmnext(1) }
  vmcase(LT)      { D = sd_bool(A < B); vmnext(1) }
  vmcase(GT)      { D = sd_bool(A > B); vmnext(1) }
  vmcase(LE)      { D = sd_bool(A <= B); vmnext(1) }
  vmcase(GE)      { D = sd_bool(A >= B); vmnext(1) }
  vmcase(AND)     { D = sd_bool(A != 0 && B != 0); vmnext(1) }
  vmcase(OR)      { D = sd_bool(A != 0 || B != 0); vmnext(1) }
  vmcase(NOT)     { D = sd_bool(A == 0); vmnext(1) }
  vmcase(SELECT)  { D = (A != 0) ? B : C; vmnext(2) }
  vmcase(ANDSEL)  { D = (A != 0 && B != 0) ? C : C2; vmnext(2) }
  vmcase(EQANDSEL) { D = (A == B && C != 0) ? C2 : V(pc[1].b); vmnext(2) }

  vmcase(ABS)     { D = fabs(A); vmnext(1) }
  vmcase(EXP)     { D = exp(A); vmnext(1) }
  vmcase(LN)      { D = log(A); vmnext(1) }
  vmcase(LOG10)   { D = log10(A); vmnext(1) }
  vmcase(LOGB)    { D = sd_logb(A, B); vmnext(1) }
  vmcase(SQRT)    { D = sqrt(A); vmnext(1) }
  vmcase(SIN)     { D = sin(A); vmnext(1) }
  vmcase(COS)     { D = cos(A); vmnext(1) }
  vmcase(TAN)     { D = tan(A); vmnext(1) }
  vmcase(ASIN)    { D = asin(A); vmnext(1) }
  vmcase(ACOS)    { D = acos(A); vmnext(1) }
  vmcase(ATAN)    { D = atan(A); vmnext(1) }
  vmcase(SINH)    { D = sinh(A); vmnext(1) }
  vmcase(COSH)    { D = cosh(A); vmnext(1) }
  vmcase(TANH)    { D = tanh(A); vmnext(1) }
  vmcase(INT)     { D = sd_int(A); vmnext(1) }
  vmcase(MIN)     { D = sd_min(A, B); vmnext(1) }
  vmcase(MAX)     { D = sd_max(A, B); vmnext(1) }
  vmcase(MOD)     { D = sd_mod(A, B); vmnext(1) }
  vmcase(QUANTUM) { D = sd_quantum(A, B); vmnext(1) }
  vmcase(ZIDZ)    { D = sd_zidz(A, B); vmnext(1) }
  vmcase(XIDZ)    { D = sd_xidz(A, B, C); vmnext(2) }

  vmcase(STEP)    { D = sd_step(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B); vmnext(1) }
  vmcase(PULSE)   { D = sd_pulse(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B); vmnext(1) }
  vmcase(PULSETR) { D = sd_pulse_train(V(SD_SLOT_XTIME), V(SD_SLOT_DT), A, B, C, C2); vmnext(2) }
  vmcase(RAMP)    { D = sd_ramp(V(SD_SLOT_XTIME), A, B, C); vmnext(2) }

  vmcase(LOOKUP)  { D = sd_lookup_hint(&ctx->tables[pc->b], A, &ctx->hints[pc->b]); vmnext(1) }
  vmcase(OVR)     { if (ctx->ovr_on[pc->a] != 0) D = ctx->ovr_val[pc->a]; vmnext(1) }
  vmcase(SAMPLE)  { if (A != 0) C = B; D = C; vmnext(2) }
  vmcase(ELMMAP)  { D = sd_elm_map(v + pc->b, pc[1].d, pc[1].a, A); vmnext(2) }
  vmcase(SORTORD) { D = sd_sort_order(v + pc->b, pc[1].a, pc[1].d, A); vmnext(2) }
  vmcase(RANK)    { D = sd_rank(v + pc->b, pc[1].a, pc[1].d, A); vmnext(2) }
  vmcase(INVMAT)  { D = sd_invert_elem(v + pc->b, pc[1].a, pc[1].d); vmnext(2) }
  vmcase(ALLOCP)  { D = sd_allocate(v, pc + 1, (pc->a - 2) / 2, pc->b, 0); vmnext(1 + (pc->a + 2) / 3) }
  vmcase(REDUCE)  { D = sd_reduce(v, pc + 1, pc->a, pc->b); vmnext(1 + (pc->a + 2) / 3) }
  vmcase(VSELECT) { D = sd_vector_select(v, pc + 1, (pc->a - 2) / 2); vmnext(1 + (pc->a + 2) / 3) }
  vmcase(RANDOM)  {
    D = sd_random(v, pc + 1, pc->a == 5, pc->b, V(SD_SLOT_XTIME), V(SD_SLOT_T0), V(SD_SLOT_DT));
    vmnext(1 + (pc->a + 2) / 3)
  }
  vmcase(LOOKUPM) { D = sd_lookup_how(&ctx->tables[pc->b], A, pc[1].d); vmnext(2) }
  vmcase(ALLOCA)  { D = sd_allocate(v, pc + 1, (pc->a - 1) / 5, pc->b, 1); vmnext(1 + (pc->a + 2) / 3) }
  vmcase(DELAYFX) {
    const double *pp = ctx->pipes;
    int k = pc->a, np = ctx->npipes;
    D = pp[(long)pp[k] + (long)pp[2 * np + k]];
    vmnext(1)
  }

  vmendloop
}

#undef vmdispatch
#undef vmcase
#undef vmnext
#undef vmloop
#undef vmendloop
#undef V
#undef D
#undef A
#undef B
#undef C
#undef C2
