/*
 * sd_ast.h -- syntax trees of equations, shared by the parser (sd_parse.c)
 * and the compiler (sd_compile.c).
 *
 * Nodes live in an arena owned by the model; they are never freed one by
 * one.  Names are stored twice: `name` in canonical form (see
 * sd_canon_name) for lookup, `text` as written for messages.
 */
#ifndef SD_AST_H
#define SD_AST_H

#include "sd_util.h"

typedef enum {
  SD_N_NUM,      /* num                                              */
  SD_N_VAR,      /* name / text                                      */
  SD_N_UNARY,    /* op (SD_OP_NEG, SD_OP_POS, SD_OP_NOT), args[0]    */
  SD_N_BINARY,   /* op, args[0] op args[1]                           */
  SD_N_CALL,     /* name(args...): builtin or lookup, decided later  */
  SD_N_TABLE,    /* lookup table literal (WITH LOOKUP's 2nd argument) */
  SD_N_LOOKUPCALL /* made by the compiler: call of a lookup, ref = table */
} sd_node_kind;

typedef enum {
  SD_OP_ADD, SD_OP_SUB, SD_OP_MUL, SD_OP_DIV, SD_OP_POW,
  SD_OP_EQ, SD_OP_NE, SD_OP_LT, SD_OP_GT, SD_OP_LE, SD_OP_GE,
  SD_OP_AND, SD_OP_OR,
  SD_OP_NEG, SD_OP_POS, SD_OP_NOT
} sd_op;

/* Nesting the parser accepts: parentheses, call arguments, prefix signs
 * and :NOT:, and right-nested ^, at most SD_MAX_DEPTH levels (its own
 * recursion is bounded by that); trees at most SD_MAX_HEIGHT nodes from
 * root to leaf, whatever made them (a + b + c + ... is a left-leaning
 * chain), so that every recursive walk of a tree in the compiler is
 * bounded too.  Deeper input is a parse error, not a stack overflow. */
#define SD_MAX_DEPTH 256
#define SD_MAX_HEIGHT 1024
/* Subscripts of one variable or reference. */
#define SD_MAX_SUBS 64
/* Bytes of one name (a 1 MB identifier is malformed input, not a name). */
#define SD_MAX_NAME 4096

typedef struct sd_node sd_node;
struct sd_node {
  sd_node_kind kind;
  sd_op op;
  int line, col;      /* 1-based position of the node's first token */
  double num;         /* SD_N_NUM */
  const char *name;   /* SD_N_VAR, SD_N_CALL: canonical name */
  const char *text;   /* SD_N_VAR, SD_N_CALL: as written */
  int nargs;
  sd_node **args;     /* SD_N_UNARY: 1, SD_N_BINARY: 2, SD_N_CALL: nargs */
  int npts;           /* SD_N_TABLE: points, x increasing */
  double *xs, *ys;
  int ref;            /* set by the compiler (parser leaves 0): resolved
                         variable, builtin or lookup index */
  int nsubs;          /* SD_N_VAR, SD_N_CALL: subscripts written after the
                         name, as in a[Dim1, e2] or tbl[e1](x) */
  const char **subs;  /* canonical subscript names */
  unsigned char *bang;/* 1 where the subscript is marked '!' (whole range) */
  int nin;            /* SD_N_CALL with a ':' list (macro outputs), as in
                         ADD3(a, b, c : lo, hi): the number of inputs; the
                         names after ':' follow them in args.  0: no list */
  unsigned char done; /* compiler: already resolved (macro arguments) */
  int height;         /* parser: nodes from here to the deepest leaf */
};

/* Parse one equation right-hand side.  Positions stored in the tree are
 * relative to `text` (line 1, column 1 = its first character); positions
 * in err are mapped through `pos` by sd_fail (pos may be NULL).  On error
 * returns NULL and fills err (code SD_E_PARSE, message quoting the
 * offending token).  Nesting deeper than SD_MAX_DEPTH, or a tree higher
 * than SD_MAX_HEIGHT, is an error, not a stack overflow.
 *
 * Precedence, loosest first (Vensim's, checked against Vensim output in
 * the SDXorg test-models):
 *   :OR:   :AND:   :NOT: (prefix)   = <> < > <= >=   + -   * /
 *   unary - +   ^ (right-assoc)
 * so -2^2 = -4 and 2^3^2 = 512.  The right operand of ^ may carry its own
 * sign (2^-1). */
sd_node *sd_parse_expr(sd_arena *a, const char *text, const sd_srcpos *pos,
                       sd_error *err);

/* Parse a lookup table body as Vensim writes it inside a definition or in
 * WITH LOOKUP: an optional range "[(x0,y0)-(x1,y1)]," (ignored, but may
 * itself contain a list of points) followed by "(x,y), (x,y), ...".
 * Returns an SD_N_TABLE node. */
sd_node *sd_parse_table(sd_arena *a, const char *text, const sd_srcpos *pos,
                        sd_error *err);

#endif
