/*
 * sd_peephole.c -- rewriting finished bytecode: runs of one arithmetic
 * operation over elements of arrays become one looping instruction.
 *
 * The compiler emits an arrayed equation element by element, so a model
 * such as C-LEARN has runs like
 *     MUL v6958 <- v2716, v3625
 *     MUL v6959 <- v2719, v3626
 *     MUL v6960 <- v2722, v3627      ...
 * whose destinations are consecutive and whose sources move by a fixed
 * stride.  Such a run of n >= 3 becomes VMUL d, a, b with an EXT word
 * (n, stride of a, stride of b); the loop inside runs the same operations
 * in the same order, so the results are those of the run, and the dispatch
 * count drops from n to 1.  The words of the run after the EXT word stay
 * in place, never run: jump offsets need no fixing.  A run never crosses a
 * jump target.  The same holds for ZIDZ, LOOKUP (the table index strides
 * like a source) and the three-source MULDIV, SUBDIV, DIVMUL, whose third
 * source and its stride take a second EXT word.
 */
#include <stdlib.h>
#include <string.h>
#include "sd_program.h"

/* The looping form of an operation, and the words one instance takes
 * (two when a third source sits in an EXT word); 0 if it has none. */
static int vector_op(int op, int *words) {
  *words = 1;
  switch (op) {
  case SDI_ADD: return SDI_VADD;
  case SDI_SUB: return SDI_VSUB;
  case SDI_MUL: return SDI_VMUL;
  case SDI_DIV: return SDI_VDIV;
  case SDI_ZIDZ: return SDI_VZIDZ;
  case SDI_LOOKUP: return SDI_VLOOKUP;      /* b is the table: it strides too */
  }
  *words = 2;
  switch (op) {
  case SDI_MULDIV: return SDI_VMULDIV;
  case SDI_SUBDIV: return SDI_VSUBDIV;
  case SDI_DIVMUL: return SDI_VDIVMUL;
  }
  return 0;
}

int sd_vectorize(sd_code *code) {
  sd_ins *ins = code->ins;
  int n = code->n, i;
  unsigned char *target = calloc((size_t)(n ? n : 1) + 1, 1), *start = calloc((size_t)(n ? n : 1), 1);
  if (!target || !start) { free(target); free(start); return -1; }
  /* instruction starts, and every place a jump lands */
  for (i = 0; i < n; i += sd_ins_words(&ins[i])) {
    int to = -1;
    start[i] = 1;
    if (ins[i].op == SDI_JMP || ins[i].op == SDI_JZ) to = i + ins[i].a;
    else if (SD_IS_CMOVJ(ins[i].op)) to = i + ins[i + 1].d;
    if (to >= 0 && to <= n) target[to] = 1;
  }
  for (i = 0; i < n; i++) {
    int vop, w, len, sa = 0, sb = 0, sc = 0, j;
    if (!start[i] || !(vop = vector_op(ins[i].op, &w))) continue;
    /* the run: same op every w words, destinations consecutive, sources
       at fixed strides, no jump landing inside */
    for (len = 1; i + (len + 1) * w < n; len++) {
      const sd_ins *p = &ins[i + (len - 1) * w], *q = &ins[i + len * w];
      if (!start[i + len * w] || target[i + len * w] || q->op != ins[i].op || q->d != p->d + 1) break;
      if (len == 1) {
        sa = q->a - p->a;
        sb = q->b - p->b;
        if (w == 2) sc = q[1].d - p[1].d;
      } else if (q->a - p->a != sa || q->b - p->b != sb || (w == 2 && q[1].d - p[1].d != sc)) {
        break;
      }
      if (w == 2 && (q[1].a != 0 || p[1].a != 0)) break;   /* no fourth source */
    }
    if (len < 3) continue;
    /* words: the op (d, a, b), then (n, stride a, stride b), then for a
       third source (c, stride c); the rest of the run is never run */
    {
      int c0 = w == 2 ? ins[i + 1].d : 0;
      ins[i].op = (uint16_t)vop;
      ins[i + 1].op = SDI_EXT;
      ins[i + 1].d = len;
      ins[i + 1].a = sa;
      ins[i + 1].b = sb;
      if (w == 2) {
        ins[i + 2].op = SDI_EXT;
        ins[i + 2].d = c0;
        ins[i + 2].a = sc;
        ins[i + 2].b = 0;
      }
      for (j = w == 2 ? 3 : 2; j < len * w; j++) ins[i + j].op = SDI_EXT;
      i += len * w - 1;
    }
  }
  free(target);
  free(start);
  return 0;
}
