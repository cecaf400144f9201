/*
 * sd_parse.c -- lexer and recursive-descent parser for Vensim equation
 * right-hand sides (see sd_ast.h for the grammar's precedence).
 *
 * Names may contain spaces ("Teacup Temperature - Room Temperature" is
 * name, minus, name), so the lexer reads a name as a run of name
 * characters and single blanks, and stops before trailing blanks.
 * Positions are tracked as line/column (1-based) in the text; a backslash
 * at the end of a line continues it, as in .mdl files.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_ast.h"

typedef enum {
  T_EOF, T_NUM, T_NAME, T_LP, T_RP, T_LB, T_RB, T_COMMA,
  T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET,
  T_EQ, T_NE, T_LT, T_GT, T_LE, T_GE, T_AND, T_OR, T_NOT, T_BANG, T_COLON, T_ERR
} tok_kind;

typedef struct tok {
  tok_kind kind;
  size_t start, end;     /* byte range in the text */
  int line, col;
  double num;
  int quoted;
} tok;

typedef struct parser {
  sd_arena *a;
  const char *s;
  size_t n, i;           /* text, length, cursor */
  int line, col;         /* position of s[i] */
  const sd_srcpos *pos;
  sd_error *err;
  tok t;                 /* current token */
  int depth;
  int failed;
} parser;

/* ------------------------------------------------------------------ */
/* lexer                                                               */

static void adv(parser *p) {
  if (p->s[p->i] == '\n') { p->line++; p->col = 1; }
  else p->col++;
  p->i++;
}

static int at_continuation(const parser *p) {
  return p->s[p->i] == '\\' && (p->s[p->i + 1] == '\n' ||
                                (p->s[p->i + 1] == '\r' && p->s[p->i + 2] == '\n'));
}

static void skip_blank(parser *p) {
  for (;;) {
    char c = p->s[p->i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') adv(p);
    else if (at_continuation(p)) adv(p);
    else break;
  }
}

/* Characters of an unquoted name, as Vensim allows them: letters (any
 * UTF-8 letter: bytes from 0x80), digits, '_', and '$', '\'', '&', '%'
 * ("Debt G$", "50% point"); anything else needs double quotes. */
static int name_char(unsigned char c) {
  return isalnum(c) || c == '_' || c == '$' || c == '\'' || c == '&' || c == '%' || c >= 0x80;
}

/* A name may also start with digits ("2nd order delay", "1990 GDP"):
 * digits followed by '%', or after optional blanks by a letter, start a
 * name, since a number is never directly followed by a name in an
 * equation (there is no implicit product).  An exponent ("2e3", "2E-3")
 * belongs to the number. */
static int digits_start_name(const parser *p) {
  size_t i = p->i;
  const char *s = p->s;
  unsigned char c;
  while (isdigit((unsigned char)s[i])) i++;
  if (s[i] == '.') return 0;                       /* 1.5 */
  if ((s[i] == 'e' || s[i] == 'E') &&
      (isdigit((unsigned char)s[i + 1]) ||
       ((s[i + 1] == '-' || s[i + 1] == '+') && isdigit((unsigned char)s[i + 2])))) return 0;
  if (s[i] == '%') return 1;                       /* "50% rate" */
  while (s[i] == ' ' || s[i] == '\t') i++;
  c = (unsigned char)s[i];
  return isalpha(c) || c == '_' || c >= 0x80;      /* a letter: not "3 $ 4" */
}

static void snippet(const parser *p, const tok *t, char *buf, size_t cap) {
  size_t len = t->end > t->start ? t->end - t->start : 1;
  if (t->kind == T_EOF) { snprintf(buf, cap, "end of equation"); return; }
  if (len > 40) len = 40;
  snprintf(buf, cap, "'%.*s'", (int)len, p->s + t->start);
}

static void *perr(parser *p, int line, int col, const char *fmt, const char *arg) {
  if (!p->failed) sd_fail(p->err, SD_E_PARSE, NULL, p->pos, line, col, fmt, arg ? arg : "");
  p->failed = 1;
  return NULL;
}

/* A name longer than SD_MAX_NAME is an error token. */
static void check_name_length(parser *p, tok *t) {
  char msg[96];
  if (t->end - t->start <= SD_MAX_NAME) return;
  t->kind = T_ERR;
  snprintf(msg, sizeof msg, "name too long (%lu bytes; at most %d)", (unsigned long)(t->end - t->start), SD_MAX_NAME);
  perr(p, t->line, t->col, "%s", msg);
}

static void next(parser *p) {
  tok *t = &p->t;
  unsigned char c;
  skip_blank(p);
  t->start = p->i;
  t->line = p->line;
  t->col = p->col;
  t->quoted = 0;
  c = (unsigned char)p->s[p->i];
  if (c == '\0') { t->kind = T_EOF; t->end = p->i; return; }

  if ((isdigit(c) && !digits_start_name(p)) || (c == '.' && isdigit((unsigned char)p->s[p->i + 1]))) {
    char *end;
    t->num = strtod(p->s + p->i, &end);
    while (p->s + p->i < end) adv(p);
    t->kind = T_NUM;
    t->end = p->i;
    if (isinf(t->num)) {                /* 1e999: not a number a model can mean */
      char buf[80];
      t->kind = T_ERR;
      snippet(p, t, buf, sizeof buf);
      perr(p, t->line, t->col, "number %s is too large (beyond 1.8e308)", buf);
    }
    return;
  }
  if (c == '"') {
    adv(p);
    while (p->s[p->i] && p->s[p->i] != '"') {
      if (p->s[p->i] == '\\' && p->s[p->i + 1] == '"') adv(p);
      adv(p);
    }
    if (!p->s[p->i]) {
      t->kind = T_ERR;
      t->end = p->i;
      perr(p, t->line, t->col, "unterminated quoted name (missing closing \")%s", NULL);
      return;
    }
    adv(p);
    t->kind = T_NAME;
    t->quoted = 1;
    t->end = p->i;
    check_name_length(p, t);
    return;
  }
  if (name_char(c)) {
    size_t last;
    int lline, lcol;
    adv(p);
    last = p->i; lline = p->line; lcol = p->col;
    for (;;) {
      /* blanks inside a name are kept only if more name follows */
      while (name_char((unsigned char)p->s[p->i])) adv(p);
      last = p->i; lline = p->line; lcol = p->col;
      for (;;) {
        if (p->s[p->i] == ' ' || p->s[p->i] == '\t') adv(p);
        else if (at_continuation(p)) { adv(p); if (p->s[p->i] == '\r') adv(p); adv(p); }
        else break;
      }
      if (!name_char((unsigned char)p->s[p->i]) || p->i == last) break;
    }
    p->i = last; p->line = lline; p->col = lcol;
    t->kind = T_NAME;
    t->end = p->i;
    check_name_length(p, t);
    return;
  }
  if (c == ':') {
    static const struct { const char *kw; tok_kind k; } kws[] = {
      { ":AND:", T_AND }, { ":OR:", T_OR }, { ":NOT:", T_NOT }, { ":NA:", T_NUM }
    };
    size_t k;
    for (k = 0; k < sizeof kws / sizeof kws[0]; k++) {
      size_t len = strlen(kws[k].kw), j;
      int ok = 1;
      for (j = 0; j < len && ok; j++)
        ok = p->s[p->i + j] && toupper((unsigned char)p->s[p->i + j]) == kws[k].kw[j];
      if (ok) {
        for (j = 0; j < len; j++) adv(p);
        t->kind = kws[k].k;
        t->num = -6.4903710731685345e+32;   /* :NA: is -2^109 in Vensim */
        t->end = p->i;
        return;
      }
    }
  }
  adv(p);
  t->end = p->i;
  switch (c) {
  case ':': t->kind = T_COLON; return;      /* macro outputs: f(a, b : out) */
  case '(': t->kind = T_LP; return;
  case ')': t->kind = T_RP; return;
  case '[': t->kind = T_LB; return;
  case ']': t->kind = T_RB; return;
  case ',': t->kind = T_COMMA; return;
  case '+': t->kind = T_PLUS; return;
  case '-': t->kind = T_MINUS; return;
  case '*': t->kind = T_STAR; return;
  case '/': t->kind = T_SLASH; return;
  case '^': t->kind = T_CARET; return;
  case '!': t->kind = T_BANG; return;
  case '=': t->kind = T_EQ; return;
  case '<':
    if (p->s[p->i] == '=') { adv(p); t->kind = T_LE; }
    else if (p->s[p->i] == '>') { adv(p); t->kind = T_NE; }
    else t->kind = T_LT;
    t->end = p->i;
    return;
  case '>':
    if (p->s[p->i] == '=') { adv(p); t->kind = T_GE; }
    else t->kind = T_GT;
    t->end = p->i;
    return;
  default: {
    char buf[64];
    t->kind = T_ERR;
    if (c >= 0x20 && c < 0x7f) snprintf(buf, sizeof buf, "'%c'", c);
    else snprintf(buf, sizeof buf, "byte 0x%02x", c);
    perr(p, t->line, t->col, "unexpected character %s", buf);
  }
  }
}

/* ------------------------------------------------------------------ */
/* trees                                                               */

static sd_node *node(parser *p, sd_node_kind k, int line, int col) {
  sd_node *n = sd_arena_alloc(p->a, sizeof *n);
  if (!n) {
    if (!p->failed) sd_fail(p->err, SD_E_MEMORY, NULL, p->pos, 0, 0, "out of memory while parsing");
    p->failed = 1;
    return NULL;
  }
  n->kind = k;
  n->line = line;
  n->col = col;
  n->height = 1;
  return n;
}

/* Height of n over its children; a tree higher than SD_MAX_HEIGHT is an
 * error (the compiler walks trees recursively). */
static int set_height(parser *p, sd_node *n, int line, int col) {
  int i, h = 0;
  for (i = 0; i < n->nargs; i++) if (n->args[i]->height > h) h = n->args[i]->height;
  n->height = h + 1;
  if (n->height > SD_MAX_HEIGHT) {
    perr(p, line, col, "expression too deeply nested: more than 1024 operations inside one another "
         "(a chain a + b + c + ... counts each +); split it into several variables%s", NULL);
    return -1;
  }
  return 0;
}

static sd_node *op_node(parser *p, sd_node_kind k, sd_op op, sd_node *l, sd_node *r, int line, int col) {
  sd_node *n;
  int nargs = r ? 2 : 1;
  if (!l || (k == SD_N_BINARY && !r)) return NULL;
  n = node(p, k, line, col);
  if (!n) return NULL;
  n->op = op;
  n->nargs = nargs;
  n->args = sd_arena_alloc(p->a, (size_t)nargs * sizeof(sd_node *));
  if (!n->args) return perr(p, 0, 0, "out of memory while parsing%s", NULL);
  n->args[0] = l;
  if (r) n->args[1] = r;
  return set_height(p, n, line, col) == 0 ? n : NULL;
}

static sd_node *unexpected(parser *p, const char *what) {
  char buf[80], msg[160];
  if (p->t.kind == T_ERR) return perr(p, 0, 0, "%s", NULL);
  snippet(p, &p->t, buf, sizeof buf);
  snprintf(msg, sizeof msg, "unexpected %s (expected %s)", buf, what);
  return perr(p, p->t.line, p->t.col, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* grammar                                                             */

static sd_node *expr(parser *p);
static sd_node *table_body(parser *p, int line, int col);

/* One more level of nesting (see SD_MAX_DEPTH), opened by the token at
 * line, col (reported if it is one too many); every enter() that
 * succeeds is paired with p->depth--. */
static int enter(parser *p, int line, int col) {
  if (++p->depth > SD_MAX_DEPTH) {
    perr(p, line, col, "expression nested too deeply (more than 256 levels of parentheses, "
         "calls, signs or ^)%s", NULL);
    return 0;
  }
  return 1;
}

/* A position in the text as a position in its source file (what sd_fail
 * does for the error's own position), for positions quoted in messages. */
static void file_pos(const parser *p, int *line, int *col) {
  if (!p->pos || p->pos->line <= 0) return;
  if (*line == 1) *col = p->pos->col + *col - 1;
  *line = p->pos->line + *line - 1;
}

static int expect_rp(parser *p, int line, int col, const char *what) {
  char msg[200];
  file_pos(p, &line, &col);
  if (p->t.kind == T_RP) { next(p); return 1; }
  if (p->failed) return 0;
  if (p->t.kind == T_EOF)
    snprintf(msg, sizeof msg, "missing ')' to close the '(' %s at line %d, column %d", what, line, col);
  else {
    char buf[80];
    snippet(p, &p->t, buf, sizeof buf);
    snprintf(msg, sizeof msg, "unexpected %s: expected ')' to close the '(' %s at line %d, column %d",
             buf, what, line, col);
  }
  perr(p, p->t.line, p->t.col, "%s", msg);
  return 0;
}

/* [sub, sub!, ...] after a name: dimension or element names, each
 * optionally marked '!' (the whole range, for SUM and friends). */
static int parse_subscripts(parser *p, sd_node *n) {
  const char *subs[SD_MAX_SUBS];
  unsigned char bang[SD_MAX_SUBS];
  int k = 0, line = p->t.line, col = p->t.col;
  next(p);
  for (;;) {
    if (p->t.kind != T_NAME) { unexpected(p, "a subscript name"); return -1; }
    if (k == SD_MAX_SUBS) { perr(p, p->t.line, p->t.col, "too many subscripts (more than 64)%s", NULL); return -1; }
    subs[k] = sd_canon_name(p->a, p->s + p->t.start, p->t.end - p->t.start);
    if (!subs[k]) { perr(p, 0, 0, "out of memory while parsing%s", NULL); return -1; }
    bang[k] = 0;
    next(p);
    if (p->t.kind == T_ERR) return -1;
    if (p->t.kind == T_BANG) { bang[k] = 1; next(p); }
    k++;
    if (p->t.kind == T_COMMA) { next(p); continue; }
    break;
  }
  if (p->t.kind != T_RB) {
    char msg[160];
    if (p->failed) return -1;
    file_pos(p, &line, &col);
    snprintf(msg, sizeof msg, "missing ']' to close the '[' at line %d, column %d", line, col);
    perr(p, p->t.line, p->t.col, "%s", msg);
    return -1;
  }
  next(p);
  n->nsubs = k;
  n->subs = sd_arena_alloc(p->a, (size_t)k * sizeof(char *));
  n->bang = sd_arena_alloc(p->a, (size_t)k);
  if (!n->subs || !n->bang) { perr(p, 0, 0, "out of memory while parsing%s", NULL); return -1; }
  memcpy(n->subs, subs, (size_t)k * sizeof(char *));
  memcpy(n->bang, bang, (size_t)k);
  return 0;
}

static sd_node *name_or_call(parser *p) {
  tok nt = p->t;
  const char *raw = p->s + nt.start;
  size_t len = nt.end - nt.start;
  sd_node *n = node(p, SD_N_VAR, nt.line, nt.col);
  if (!n) return NULL;
  n->name = sd_canon_name(p->a, raw, len);
  if (nt.quoted) { raw++; len -= 2; }
  n->text = sd_arena_strndup(p->a, raw, len);
  if (!n->name || !n->text) return perr(p, 0, 0, "out of memory while parsing%s", NULL);
  next(p);
  if (p->t.kind == T_LB && parse_subscripts(p, n) != 0) return NULL;
  if (p->t.kind == T_LP) {
    /* a call: builtin or lookup, decided by the compiler */
    sd_node *args[64];
    int k = 0, lline = p->t.line, lcol = p->t.col;
    int is_with_lookup = strcmp(n->name, "with lookup") == 0;
    /* A FUNCTION OF(, a, b): causal-loop diagrams leave arguments out */
    int is_cld = strcmp(n->name, "a function of") == 0;
    n->kind = SD_N_CALL;
    next(p);
    if (!enter(p, lline, lcol)) return NULL;
    if (p->t.kind != T_RP) {
      for (;;) {
        if (k == (int)(sizeof args / sizeof args[0]))
          return perr(p, p->t.line, p->t.col, "too many arguments (more than 64)%s", NULL);
        if (is_cld && (p->t.kind == T_COMMA || p->t.kind == T_RP)) {
          if (p->t.kind == T_COMMA) { next(p); continue; }
          break;
        }
        if (k == 1 && is_with_lookup) args[k] = table_body(p, p->t.line, p->t.col);
        else args[k] = expr(p);
        if (!args[k]) return NULL;
        k++;
        if (p->t.kind == T_COMMA) { next(p); continue; }
        if (p->t.kind == T_COLON && n->nin == 0) { n->nin = k; next(p); continue; }
        break;
      }
    }
    p->depth--;
    if (!expect_rp(p, lline, lcol, "of this call")) return NULL;
    n->nargs = k;
    n->args = sd_arena_alloc(p->a, (size_t)(k ? k : 1) * sizeof(sd_node *));
    if (!n->args) return perr(p, 0, 0, "out of memory%s", NULL);
    memcpy(n->args, args, (size_t)k * sizeof(sd_node *));
    if (set_height(p, n, nt.line, nt.col) != 0) return NULL;
  }
  return n;
}

static sd_node *primary(parser *p) {
  switch (p->t.kind) {
  case T_NUM: {
    sd_node *n = node(p, SD_N_NUM, p->t.line, p->t.col);
    if (!n) return NULL;
    n->num = p->t.num;
    next(p);
    return n;
  }
  case T_NAME:
    return name_or_call(p);
  case T_LP: {
    int line = p->t.line, col = p->t.col;
    sd_node *e;
    next(p);
    if (!enter(p, line, col)) return NULL;
    e = expr(p);
    p->depth--;
    if (!e) return NULL;
    if (!expect_rp(p, line, col, "opened")) return NULL;
    return e;
  }
  default:
    return unexpected(p, "a number, a name or '('");
  }
}

/* power := primary ['^' signed-power]   (right-associative) */
static sd_node *power(parser *p) {
  sd_node *base = primary(p);
  if (base && p->t.kind == T_CARET) {
    int line = p->t.line, col = p->t.col;
    sd_node *rhs;
    next(p);
    if (!enter(p, line, col)) return NULL;         /* the right operand nests */
    if (p->t.kind == T_MINUS || p->t.kind == T_PLUS) {
      int neg = p->t.kind == T_MINUS, l2 = p->t.line, c2 = p->t.col;
      next(p);
      rhs = power(p);
      if (neg) rhs = op_node(p, SD_N_UNARY, SD_OP_NEG, rhs, NULL, l2, c2);
    } else {
      rhs = power(p);
    }
    p->depth--;
    base = op_node(p, SD_N_BINARY, SD_OP_POW, base, rhs, line, col);
  }
  return base;
}

/* unary := ('-' | '+') unary | power   -- so -2^2 = -(2^2) */
static sd_node *unary(parser *p) {
  sd_node *n;
  if (p->t.kind == T_MINUS || p->t.kind == T_PLUS) {
    int neg = p->t.kind == T_MINUS, line = p->t.line, col = p->t.col;
    next(p);
    if (!enter(p, line, col)) return NULL;         /* each sign nests */
    n = unary(p);
    p->depth--;
    if (neg) n = op_node(p, SD_N_UNARY, SD_OP_NEG, n, NULL, line, col);
  } else {
    n = power(p);
  }
  return n;
}

static sd_node *binary_level(parser *p, int level);

static sd_op tok_binop(tok_kind k, int level) {
  switch (level) {
  case 0: return k == T_OR ? SD_OP_OR : (sd_op)-1;
  case 1: return k == T_AND ? SD_OP_AND : (sd_op)-1;
  case 3:
    switch (k) {
    case T_EQ: return SD_OP_EQ;
    case T_NE: return SD_OP_NE;
    case T_LT: return SD_OP_LT;
    case T_GT: return SD_OP_GT;
    case T_LE: return SD_OP_LE;
    case T_GE: return SD_OP_GE;
    default: return (sd_op)-1;
    }
  case 4: return k == T_PLUS ? SD_OP_ADD : k == T_MINUS ? SD_OP_SUB : (sd_op)-1;
  case 5: return k == T_STAR ? SD_OP_MUL : k == T_SLASH ? SD_OP_DIV : (sd_op)-1;
  default: return (sd_op)-1;
  }
}

/* levels: 0 :OR:, 1 :AND:, 2 :NOT: prefix, 3 comparisons, 4 + -, 5 * /,
 * then unary and power.  The levels themselves recurse a fixed number of
 * times; only what nests (parentheses, calls, prefixes, ^) counts towards
 * SD_MAX_DEPTH, so the C stack holds at most a few frames per level. */
static sd_node *binary_level(parser *p, int level) {
  sd_node *l;
  if (level == 6) return unary(p);
  if (level == 2) {
    if (p->t.kind == T_NOT) {
      int line = p->t.line, col = p->t.col;
      sd_node *x;
      next(p);
      if (!enter(p, line, col)) return NULL;
      x = binary_level(p, 2);
      p->depth--;
      l = op_node(p, SD_N_UNARY, SD_OP_NOT, x, NULL, line, col);
    } else {
      l = binary_level(p, 3);
    }
    return l;
  }
  l = binary_level(p, level + 1);
  while (l && (int)tok_binop(p->t.kind, level) >= 0) {
    sd_op op = tok_binop(p->t.kind, level);
    int line = p->t.line, col = p->t.col;
    next(p);
    l = op_node(p, SD_N_BINARY, op, l, binary_level(p, level + 1), line, col);
  }
  return l;
}

static sd_node *expr(parser *p) { return binary_level(p, 0); }

/* ------------------------------------------------------------------ */
/* lookup tables                                                       */

static int signed_number(parser *p, double *out) {
  int neg = 0;
  while (p->t.kind == T_MINUS || p->t.kind == T_PLUS) {
    if (p->t.kind == T_MINUS) neg = !neg;
    next(p);
  }
  if (p->t.kind != T_NUM) { unexpected(p, "a number"); return 0; }
  *out = neg ? -p->t.num : p->t.num;
  next(p);
  return 1;
}

typedef struct pts { double *x, *y; int n, cap; } pts;

static int pts_add(parser *p, pts *v, double x, double y) {
  if (v->n == v->cap) {
    int ncap = v->cap ? v->cap * 2 : 32;
    double *nx = sd_arena_alloc(p->a, (size_t)ncap * sizeof(double));
    double *ny = sd_arena_alloc(p->a, (size_t)ncap * sizeof(double));
    if (!nx || !ny) { perr(p, 0, 0, "out of memory%s", NULL); return 0; }
    if (v->n) { memcpy(nx, v->x, (size_t)v->n * sizeof(double)); memcpy(ny, v->y, (size_t)v->n * sizeof(double)); }
    v->x = nx; v->y = ny; v->cap = ncap;
  }
  v->x[v->n] = x;
  v->y[v->n++] = y;
  return 1;
}

/* Body of a table: [range,] (x,y), (x,y) ...  or the legacy flat list
 * x1..xn, y1..yn; optionally wrapped in one pair of parentheses. */
static sd_node *table_body(parser *p, int line, int col) {
  sd_node *t;
  pts v = { NULL, NULL, 0, 0 };
  int wrapped = 0, k;
  if (p->t.kind == T_LP) {
    /* "((" or "([" starts a wrapped table; "(number" is a point */
    size_t save_i = p->i; int sl = p->line, sc = p->col; tok save = p->t;
    next(p);
    if (p->t.kind == T_LP || p->t.kind == T_LB) wrapped = 1;
    else { p->i = save_i; p->line = sl; p->col = sc; p->t = save; }
    if (!wrapped && save.kind == T_LP) {
      /* could be a flat legacy list "(1,2,3,4)": check after the number */
      size_t s2 = p->i; int l2 = p->line, c2 = p->col; tok t2 = p->t;
      next(p);
      if (p->t.kind == T_NUM || p->t.kind == T_MINUS) {
        next(p);
        while (p->t.kind == T_NUM) next(p);
        if (p->t.kind == T_COMMA) {
          next(p);
          if (p->t.kind == T_NUM || p->t.kind == T_MINUS) {
            next(p);
            if (p->t.kind == T_NUM) next(p);
            if (p->t.kind == T_COMMA) wrapped = 1;  /* (a, b, c ... : flat list */
          }
        }
      }
      p->i = s2; p->line = l2; p->col = c2; p->t = t2;
      if (wrapped) next(p);
    }
  }
  if (p->t.kind == T_LB) {
    int d = 0;
    do {
      if (p->t.kind == T_LB) d++;
      else if (p->t.kind == T_RB) d--;
      else if (p->t.kind == T_EOF) return perr(p, line, col, "unterminated '[' range in lookup table%s", NULL);
      next(p);
    } while (d > 0 && !p->failed);
    if (p->t.kind == T_COMMA) next(p);
  }
  if (p->t.kind == T_LP) {
    for (;;) {
      double x, y;
      int pl = p->t.line, pc = p->t.col;
      if (p->t.kind != T_LP) return unexpected(p, "'(' starting a point (x, y)");
      next(p);
      if (!signed_number(p, &x)) return NULL;
      if (p->t.kind != T_COMMA) return unexpected(p, "',' between x and y");
      next(p);
      if (!signed_number(p, &y)) return NULL;
      if (!expect_rp(p, pl, pc, "of this point")) return NULL;
      if (!pts_add(p, &v, x, y)) return NULL;
      if (p->t.kind != T_COMMA) break;
      next(p);
    }
  } else {
    /* legacy: x1, ..., xn, y1, ..., yn */
    pts flat = { NULL, NULL, 0, 0 };
    for (;;) {
      double x;
      if (!signed_number(p, &x)) return NULL;
      if (!pts_add(p, &flat, x, 0)) return NULL;
      if (p->t.kind != T_COMMA) break;
      next(p);
    }
    if (flat.n % 2 != 0)
      return perr(p, line, col, "lookup table given as a flat list needs as many x as y values%s", NULL);
    for (k = 0; k < flat.n / 2; k++)
      if (!pts_add(p, &v, flat.x[k], flat.x[flat.n / 2 + k])) return NULL;
  }
  if (wrapped && !expect_rp(p, line, col, "of this table")) return NULL;
  /* Vensim reads points given out of order sorted by x (SDXorg
     subscripted_lookups: (2,-3),(1,-7),(0,-1)); a stable insertion sort
     keeps equal x in the order written */
  for (k = 1; k < v.n; k++) {
    double x = v.x[k], y = v.y[k];
    int j = k;
    while (j > 0 && v.x[j - 1] > x) { v.x[j] = v.x[j - 1]; v.y[j] = v.y[j - 1]; j--; }
    v.x[j] = x; v.y[j] = y;
  }
  t = node(p, SD_N_TABLE, line, col);
  if (!t) return NULL;
  t->npts = v.n;
  t->xs = v.x;
  t->ys = v.y;
  return t;
}

/* ------------------------------------------------------------------ */
/* entry points                                                        */

static void init_parser(parser *p, sd_arena *a, const char *text, const sd_srcpos *pos, sd_error *err) {
  memset(p, 0, sizeof *p);
  p->a = a;
  p->s = text;
  p->n = strlen(text);
  p->line = p->col = 1;
  p->pos = pos;
  p->err = err;
  sd_error_clear(err);
  next(p);
}

static sd_node *finish(parser *p, sd_node *n) {
  if (p->failed) return NULL;
  if (n && p->t.kind != T_EOF) {
    char buf[80], msg[160];
    snippet(p, &p->t, buf, sizeof buf);
    snprintf(msg, sizeof msg, "unexpected %s after the end of the equation", buf);
    perr(p, p->t.line, p->t.col, "%s", msg);
    return NULL;
  }
  return n;
}

sd_node *sd_parse_expr(sd_arena *a, const char *text, const sd_srcpos *pos, sd_error *err) {
  parser p;
  init_parser(&p, a, text, pos, err);
  if (p.failed) return NULL;
  if (p.t.kind == T_EOF) {
    perr(&p, 1, 1, "empty equation%s", NULL);
    return NULL;
  }
  return finish(&p, expr(&p));
}

sd_node *sd_parse_table(sd_arena *a, const char *text, const sd_srcpos *pos, sd_error *err) {
  parser p;
  init_parser(&p, a, text, pos, err);
  if (p.failed) return NULL;
  if (p.t.kind == T_EOF) {
    perr(&p, 1, 1, "empty lookup table%s", NULL);
    return NULL;
  }
  return finish(&p, table_body(&p, 1, 1));
}
