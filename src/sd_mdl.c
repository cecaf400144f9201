/*
 * sd_mdl.c -- Vensim .mdl file reader (see sd_mdl.h).
 *
 * A .mdl file is a sequence of records "lhs = rhs ~ units ~ comment |",
 * with group headers ("****...~ name |"), an optional {UTF-8} marker at
 * the top, and a sketch section after "\\\---///" that is ignored.
 * Records are split here; the equation text itself is parsed later by
 * sd_parse.c, with positions mapped back into the file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_ast.h"
#include "sd_mdl.h"

typedef struct reader {
  const char *s;
  size_t n;
  const char *file;
  sd_error *err;
  sd_mdl *out;
  size_t *line_start;   /* offsets of line starts */
  int nlines;
  long range_elems;     /* elements made by numeric ranges so far */
} reader;

/* Numeric ranges (a1-a100000) expand a few bytes into many names: all of
 * a file's together may make at most this many (the compiler's limit on
 * variables), so that a small file cannot exhaust memory. */
#ifndef SD_MAX_RANGE_ELEMS              /* builds for fuzzing lower it */
#define SD_MAX_RANGE_ELEMS 4000000L
#endif

/* ---- positions ---- */

static int index_lines(reader *r) {
  size_t i;
  int k = 1;
  for (i = 0; i < r->n; i++) if (r->s[i] == '\n') k++;
  r->line_start = malloc((size_t)k * sizeof(size_t));
  if (!r->line_start) return -1;
  r->line_start[0] = 0;
  k = 1;
  for (i = 0; i < r->n; i++) if (r->s[i] == '\n') r->line_start[k++] = i + 1;
  r->nlines = k;
  return 0;
}

static void pos_of(const reader *r, size_t off, int *line, int *col) {
  int lo = 0, hi = r->nlines - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (r->line_start[mid] <= off) lo = mid; else hi = mid - 1;
  }
  *line = lo + 1;
  *col = (int)(off - r->line_start[lo]) + 1;
}

static int fail_at(reader *r, sd_errcode code, size_t off, const char *name, const char *what) {
  sd_srcpos pos;
  int line, col;
  size_t len = 0;
  char quote[64];
  pos_of(r, off, &line, &col);
  while (off + len < r->n && len < 40 && r->s[off + len] != '\n' && r->s[off + len] != '\r') len++;
  snprintf(quote, sizeof quote, "%.*s", (int)len, r->s + off);
  pos.file = r->file; pos.line = 1; pos.col = 1;
  return sd_fail(r->err, code, name, &pos, line, col, "%s (at '%s')", what, quote);
}

/* ---- scanning helpers ---- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static size_t skip_blank(const reader *r, size_t i, size_t end) {
  for (;;) {
    while (i < end && is_blank(r->s[i])) i++;
    if (i + 1 < end && r->s[i] == '\\' && (r->s[i + 1] == '\n' || r->s[i + 1] == '\r')) { i++; continue; }
    return i;
  }
}

/* Next occurrence of c at or after i, outside double quotes; end if none. */
static size_t find_unquoted(const reader *r, size_t i, size_t end, char c) {
  int q = 0;
  for (; i < end; i++) {
    char ch = r->s[i];
    if (q && ch == '\\' && i + 1 < end && r->s[i + 1] == '"') { i++; continue; }
    if (ch == '"') q = !q;
    else if (!q && ch == c) return i;
  }
  return end;
}

/* The ')' matching the '(' at i, outside quotes; end if unbalanced. */
static size_t match_paren(const reader *r, size_t i, size_t end) {
  int depth = 0, q = 0;
  for (; i < end; i++) {
    char ch = r->s[i];
    if (q && ch == '\\' && i + 1 < end && r->s[i + 1] == '"') { i++; continue; }
    if (ch == '"') q = !q;
    else if (q) continue;
    else if (ch == '(') depth++;
    else if (ch == ')' && --depth == 0) return i;
  }
  return end;
}

static char *copy_trim(reader *r, size_t a, size_t b) {
  for (;;) {   /* blanks, and line continuations left dangling at the end */
    while (b > a && is_blank(r->s[b - 1])) b--;
    if (b > a && r->s[b - 1] == '\\' && b < r->n && (r->s[b] == '\n' || r->s[b] == '\r')) b--;
    else break;
  }
  while (a < b && is_blank(r->s[a])) a++;
  return sd_arena_strndup(&r->out->arena, r->s + a, b - a);
}

/* A name as written, on one line: continuations and runs of blanks become
 * one space, and the \" escapes of quoted names become quotes. */
static char *copy_name(reader *r, size_t a, size_t b) {
  char *raw = copy_trim(r, a, b), *o, *w;
  int space = 0;
  if (!raw) return NULL;
  for (o = w = raw; *o; o++) {
    if (*o == '\\' && (o[1] == '\n' || o[1] == '\r')) { space = 1; continue; }
    if (*o == '\\' && o[1] == '"') { if (space) *w++ = ' '; space = 0; *w++ = '"'; o++; continue; }
    if (is_blank(*o)) { space = 1; continue; }
    if (space && w > raw) *w++ = ' ';
    space = 0;
    *w++ = *o;
  }
  *w = '\0';
  return raw;
}

static int starts_ci(const reader *r, size_t i, size_t end, const char *word) {
  size_t k = strlen(word), j;
  if (i + k > end) return 0;
  for (j = 0; j < k; j++)
    if (toupper((unsigned char)r->s[i + j]) != toupper((unsigned char)word[j])) return 0;
  return 1;
}

/* A name Vensim accepts without quotes: the characters of the equation
 * lexer's names (sd_parse.c) and blanks. */
static int plain_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (!(isalnum(c) || c == '_' || c == '$' || c == '\'' || c == '&' || c == '%' || c == ' ' ||
          c == '\t' || c >= 0x80)) return 0;
  }
  return 1;
}

static sd_mdl_rec *new_rec(reader *r) {
  sd_mdl *m = r->out;
  if (m->n == m->cap) {
    int ncap = m->cap ? m->cap * 2 : 128;
    sd_mdl_rec *nr = realloc(m->recs, (size_t)ncap * sizeof *nr);
    if (!nr) return NULL;
    m->recs = nr;
    m->cap = ncap;
  }
  memset(&m->recs[m->n], 0, sizeof m->recs[0]);
  m->recs[m->n].macro = -1;
  return &m->recs[m->n++];
}

/* ---- one record ---- */

static int read_stock(reader *r, sd_mdl_rec *rec, size_t rhs, size_t end) {
  size_t open = skip_blank(r, rhs + 5, end), close, comma, tail;
  int depth = 0, q = 0;
  close = match_paren(r, open, end);
  if (close >= end)
    return fail_at(r, SD_E_PARSE, open, rec->name, "INTEG has no closing ')'");
  tail = skip_blank(r, close + 1, end);
  if (tail < end)
    return fail_at(r, SD_E_DEFINITION, tail, rec->name,
                   "INTEG(rate, initial value) must be the whole equation of a stock");
  for (comma = open + 1; comma < close; comma++) {
    char ch = r->s[comma];
    if (ch == '"') q = !q;
    else if (q) continue;
    else if (ch == '(' || ch == '[') depth++;
    else if (ch == ')' || ch == ']') depth--;
    else if (ch == ',' && depth == 0) break;
  }
  if (comma >= close)
    return fail_at(r, SD_E_PARSE, open, rec->name, "INTEG needs two arguments: INTEG(rate, initial value)");
  rec->kind = SD_STOCK;
  {
    size_t a = skip_blank(r, open + 1, comma), b = skip_blank(r, comma + 1, close);
    rec->eqn = copy_trim(r, a, comma);
    rec->init = copy_trim(r, b, close);
    pos_of(r, a, &rec->eqn_line, &rec->eqn_col);
    pos_of(r, b, &rec->init_line, &rec->init_col);
  }
  return 0;
}

/* The top-level commas of the argument list whose '(' is at open and ')'
 * at close: up to max positions in at[]; returns how many. */
static int arg_commas(const reader *r, size_t open, size_t close, size_t *at, int max) {
  int depth = 0, q = 0, n = 0;
  size_t k;
  for (k = open + 1; k < close; k++) {
    char ch = r->s[k];
    if (q && ch == '\\' && k + 1 < close && r->s[k + 1] == '"') { k++; continue; }
    if (ch == '"') q = !q;
    else if (q) continue;
    else if (ch == '(' || ch == '[') depth++;
    else if (ch == ')' || ch == ']') depth--;
    else if (ch == ',' && depth == 0 && n < max) at[n++] = k;
  }
  return n;
}

/* SINTEG(rate, initial, min, max, quant, spec, thresh): a stock whose
 * value is kept within limits (Vensim's special integration).  Its rate
 * becomes SINTEG STEP(stock, rate, min, max, quant, spec, thresh), which
 * the compiler lowers to the rate that reaches the limited value in one
 * TIME STEP (sd_lower.c). */
static int read_sinteg(reader *r, sd_mdl_rec *rec, size_t open, size_t end) {
  size_t close = match_paren(r, open, end), at[8], a, b, len;
  char *text, *w;
  int n, k;
  if (close >= end) return fail_at(r, SD_E_PARSE, open, rec->name, "SINTEG has no closing ')'");
  if (skip_blank(r, close + 1, end) < end)
    return fail_at(r, SD_E_DEFINITION, skip_blank(r, close + 1, end), rec->name,
                   "SINTEG(...) must be the whole equation of a stock");
  n = arg_commas(r, open, close, at, 8);
  if (n != 6)
    return fail_at(r, SD_E_PARSE, open, rec->name,
                   "SINTEG needs seven arguments: SINTEG(rate, initial, min, max, quant, spec, thresh)");
  rec->kind = SD_STOCK;
  a = skip_blank(r, at[0] + 1, at[1]);
  rec->init = copy_trim(r, a, at[1]);
  pos_of(r, a, &rec->init_line, &rec->init_col);
  /* "SINTEG STEP(\"name\"[subs], rate, limits)" */
  len = 32 + 2 * strlen(rec->name) + (close - open);
  for (k = 0; k < rec->nsubs; k++) len += strlen(rec->subs[k]) + 2;
  text = sd_arena_alloc(&r->out->arena, len);
  if (!text || !rec->init) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  w = text;
  w += sprintf(w, "SINTEG STEP(\"");
  for (k = 0; rec->name[k]; k++) {
    if (rec->name[k] == '"') *w++ = '\\';
    *w++ = rec->name[k];
  }
  *w++ = '"';
  if (rec->nsubs) {
    *w++ = '[';
    for (k = 0; k < rec->nsubs; k++) w += sprintf(w, "%s%s", k ? "," : "", rec->subs[k]);
    *w++ = ']';
  }
  *w++ = ',';
  b = skip_blank(r, open + 1, at[0]);
  memcpy(w, r->s + b, at[0] - b);                   /* the rate */
  w += at[0] - b;
  memcpy(w, r->s + at[1], close - at[1] + 1);       /* ", min, ..., thresh)" */
  w += close - at[1] + 1;
  *w = '\0';
  rec->eqn = text;
  pos_of(r, b, &rec->eqn_line, &rec->eqn_col);
  return 0;
}

static int read_lookup(reader *r, sd_mdl_rec *rec, size_t open, size_t end) {
  size_t close = match_paren(r, open, end);
  sd_node *t;
  sd_srcpos pos;
  char *body;
  int line, col;
  if (close >= end) return fail_at(r, SD_E_PARSE, open, rec->name, "lookup definition has no closing ')'");
  if (skip_blank(r, close + 1, end) < end)
    return fail_at(r, SD_E_PARSE, skip_blank(r, close + 1, end), rec->name,
                   "unexpected text after the lookup definition");
  body = sd_arena_strndup(&r->out->arena, r->s + open + 1, close - open - 1);
  if (!body) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  if (starts_ci(r, skip_blank(r, open + 1, close), close, "GET ")) {
    /* name(GET XLS LOOKUPS(...)): the R layer reads the file */
    size_t a = skip_blank(r, open + 1, close);
    rec->kind = SD_LOOKUP;
    rec->eqn = copy_trim(r, a, close);
    pos_of(r, a, &rec->eqn_line, &rec->eqn_col);
    return rec->eqn ? 0 : sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  }
  pos_of(r, open + 1, &line, &col);
  pos.file = r->file; pos.line = line; pos.col = col;
  t = sd_parse_table(&r->out->arena, body, &pos, r->err);
  if (!t) {
    if (r->err) snprintf(r->err->var, sizeof r->err->var, "%s", rec->name);
    return -1;
  }
  rec->kind = SD_LOOKUP;
  rec->npts = t->npts;
  rec->x = t->xs;
  rec->y = t->ys;
  return 0;
}

/* read_subs() failed (err filled) */
#define SUBS_FAIL ((size_t)-1)

/* Split [a, b!, c] starting at the '[' at i into rec->subs (as written,
 * blanks folded); returns the offset after ']', or SUBS_FAIL. */
static size_t read_subs(reader *r, sd_mdl_rec *rec, size_t i, size_t end) {
  const char *items[256];
  size_t close = i, a;
  int n = 0;
  while (close < end && r->s[close] != ']') close++;
  if (close >= end) { fail_at(r, SD_E_PARSE, i, rec->name, "missing ']' after the subscripts"); return SUBS_FAIL; }
  a = i + 1;
  while (a <= close) {
    size_t b = a;
    while (b < close && r->s[b] != ',') b++;
    if (n == 256) { fail_at(r, SD_E_DEFINITION, i, rec->name, "too many subscripts"); return SUBS_FAIL; }
    items[n] = copy_name(r, a, b);
    if (!items[n]) { sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); return SUBS_FAIL; }
    if (items[n][0] == '\0') { fail_at(r, SD_E_PARSE, a, rec->name, "empty subscript"); return SUBS_FAIL; }
    n++;
    a = b + 1;
  }
  rec->nsubs = n;
  rec->subs = sd_arena_alloc(&r->out->arena, (size_t)n * sizeof(char *));
  if (!rec->subs) { sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); return SUBS_FAIL; }
  memcpy(rec->subs, items, (size_t)n * sizeof(char *));
  return close + 1;
}

/* Names separated by commas in [a, b) (blanks folded). */
static int name_list(reader *r, size_t a, size_t b, const char ***out, int *n) {
  const char *items[256];
  int k = 0;
  while (a < b) {
    size_t e = a;
    while (e < b && r->s[e] != ',') e++;
    if (k == 256) return -1;
    items[k] = copy_name(r, a, e);
    if (!items[k]) return -1;
    if (items[k][0]) k++;
    a = e + 1;
  }
  *out = sd_arena_alloc(&r->out->arena, (size_t)(k ? k : 1) * sizeof(char *));
  if (!*out) return -1;
  memcpy(*out, items, (size_t)k * sizeof(char *));
  *n = k;
  return 0;
}

/* After "->": "B", "B, C" or "(B: b1, b2, ...)" items, comma separated. */
static int read_maps(reader *r, sd_mdl_rec *rec, size_t a, size_t end) {
  int cap = 8;
  rec->map_to = sd_arena_alloc(&r->out->arena, (size_t)cap * sizeof(char *));
  rec->map_n = sd_arena_alloc(&r->out->arena, (size_t)cap * sizeof(int));
  rec->map_elems = sd_arena_alloc(&r->out->arena, (size_t)cap * sizeof(char **));
  if (!rec->map_to || !rec->map_n || !rec->map_elems) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  a = skip_blank(r, a, end);
  while (a < end && rec->nmaps < cap) {
    size_t b;
    if (r->s[a] == '(') {
      size_t close = match_paren(r, a, end), colon = a + 1;
      if (close >= end) return fail_at(r, SD_E_PARSE, a, rec->name, "missing ')' in the mapping");
      while (colon < close && r->s[colon] != ':') colon++;
      if (colon >= close) return fail_at(r, SD_E_PARSE, a, rec->name, "a listed mapping is written (Range: e1, e2, ...)");
      rec->map_to[rec->nmaps] = copy_name(r, a + 1, colon);
      if (name_list(r, colon + 1, close, &rec->map_elems[rec->nmaps], &rec->map_n[rec->nmaps]) != 0)
        return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
      b = close + 1;
    } else {
      b = a;
      while (b < end && r->s[b] != ',') b++;
      rec->map_to[rec->nmaps] = copy_name(r, a, b);
      rec->map_n[rec->nmaps] = 0;
    }
    if (!rec->map_to[rec->nmaps]) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
    if (rec->map_to[rec->nmaps][0]) rec->nmaps++;
    a = skip_blank(r, b, end);
    if (a < end && r->s[a] == ',') a = skip_blank(r, a + 1, end);
  }
  return 0;
}

/* "Name: a, b, (x1-x5), c -> Map": the elements of a subscript range
 * (numeric ranges expanded); anything after "->" (mappings) is ignored
 * for now. */
static int read_range(reader *r, sd_mdl_rec *rec, size_t i, size_t end) {
  const char **items = NULL;
  int n = 0, cap = 0;
  size_t a = skip_blank(r, i + 1, end), stop = end, k;
  rec->is_dim = 1;
  if (starts_ci(r, a, end, "GET ")) {
    /* "Dim: GET DIRECT SUBSCRIPT(...)": elements read from a file by the
       R layer */
    rec->eqn = copy_trim(r, a, end);
    pos_of(r, a, &rec->eqn_line, &rec->eqn_col);
    return rec->eqn ? 0 : sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  }
  for (k = a; k + 1 < end; k++) if (r->s[k] == '-' && r->s[k + 1] == '>') { stop = k; break; }
  while (a < stop) {
    size_t b = a;
    int depth = 0;
    while (b < stop && (depth > 0 || r->s[b] != ',')) {
      if (r->s[b] == '(') depth++;
      if (r->s[b] == ')') depth--;
      b++;
    }
    {
      char *item = copy_name(r, a, b);
      if (!item) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
      if (item[0] == '(') {
        /* (A1-A10): a common prefix and a numeric range */
        char *dash = strchr(item, '-'), *end1 = dash, *num_end = dash, *end2 = dash, prefix[256];
        size_t pl = 0;
        long lo, hi, v, cnt;
        /* a number on each side of the dash, blanks around it allowed
           ("(a1 - a5)"); without the first, strtol read "(a-5)" as -5,
           and "(a-9...9)" made hi - lo overflow (fuzz_mdl) */
        if (dash) {
          while (end1 > item + 1 && (end1[-1] == ' ' || end1[-1] == '\t')) end1--;
          num_end = end1;
          while (end1 > item + 1 && isdigit((unsigned char)end1[-1])) end1--;
          for (end2 = dash + 1; *end2 && !isdigit((unsigned char)*end2); end2++) {}
        }
        if (!dash || end1 == num_end || !*end2) {
          free((void *)items);
          return fail_at(r, SD_E_PARSE, a, rec->name, "a numeric range is written (a1-a10)");
        }
        pl = (size_t)(end1 - item - 1);
        if (pl >= sizeof prefix) pl = sizeof prefix - 1;
        memcpy(prefix, item + 1, pl);
        prefix[pl] = '\0';
        errno = 0;
        lo = strtol(end1, NULL, 10);       /* digits only: 0 <= lo, hi */
        hi = strtol(end2, NULL, 10);
        if (errno == ERANGE || hi < lo || hi - lo > 100000) {
          free((void *)items);
          return fail_at(r, SD_E_DEFINITION, a, rec->name, "bad numeric range");
        }
        r->range_elems += hi - lo + 1;
        if (r->range_elems > SD_MAX_RANGE_ELEMS) {
          free((void *)items);
          return fail_at(r, SD_E_MEMORY, a, rec->name,
                         "the numeric ranges of this file make more than 4000000 elements in all");
        }
        /* counted, not v++ up to hi: hi may be LONG_MAX (strtol saturates) */
        for (cnt = 0; cnt <= hi - lo; cnt++) {
          char buf[300];
          v = lo + cnt;
          if (n == cap) {
            int ncap = cap ? cap * 2 : 16;
            const char **ni = realloc((void *)items, (size_t)ncap * sizeof *ni);
            if (!ni) { free((void *)items); return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); }
            items = ni; cap = ncap;
          }
          snprintf(buf, sizeof buf, "%s%ld", prefix, v);
          items[n++] = sd_arena_strdup(&r->out->arena, buf);
        }
      } else if (item[0]) {
        if (n == cap) {
          int ncap = cap ? cap * 2 : 16;
          const char **ni = realloc((void *)items, (size_t)ncap * sizeof *ni);
          if (!ni) { free((void *)items); return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); }
          items = ni; cap = ncap;
        }
        items[n++] = item;
      }
    }
    a = skip_blank(r, b + 1, stop);
  }
  if (n == 0) { free((void *)items); return fail_at(r, SD_E_DEFINITION, i, rec->name, "subscript range has no elements"); }
  if (stop < end && read_maps(r, rec, stop + 2, end) != 0) { free((void *)items); return -1; }
  rec->nsubs = n;
  rec->subs = sd_arena_alloc(&r->out->arena, (size_t)n * sizeof(char *));
  if (!rec->subs) { free((void *)items); return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); }
  memcpy(rec->subs, items, (size_t)n * sizeof(char *));
  free((void *)items);
  return 0;
}

/* An equation that is only numbers separated by ',' and ';' (a list or
 * table of constants for an arrayed variable).  1 if so (rec filled). */
static int read_number_list(reader *r, sd_mdl_rec *rec, size_t a, size_t end) {
  size_t k = a;
  int n = 0, cap = 0, seps = 0;
  double *vals = NULL;
  while (k < end) {
    char *e;
    double x;
    k = skip_blank(r, k, end);
    if (k >= end) break;
    x = strtod(r->s + k, &e);
    if (e == r->s + k || (size_t)(e - r->s) > end) { free(vals); return 0; }
    if (n == cap) {
      int ncap = cap ? cap * 2 : 16;
      double *nv = realloc(vals, (size_t)ncap * sizeof *nv);
      if (!nv) { free(vals); return 0; }
      vals = nv; cap = ncap;
    }
    vals[n++] = x;
    k = skip_blank(r, (size_t)(e - r->s), end);
    if (k < end && (r->s[k] == ',' || r->s[k] == ';')) { seps++; k++; continue; }
    if (k < end) { free(vals); return 0; }
  }
  if (seps == 0 || n == 0) { free(vals); return 0; }
  rec->nvals = n;
  rec->vals = sd_arena_alloc(&r->out->arena, (size_t)n * sizeof(double));
  if (rec->vals) memcpy(rec->vals, vals, (size_t)n * sizeof(double));
  free(vals);
  return rec->vals != NULL;
}

static int read_record(reader *r, size_t start, size_t bar) {
  size_t tilde = find_unquoted(r, start, bar, '~'), i, name_end, rhs;
  size_t eq_end = tilde;
  sd_mdl_rec *rec;
  int quoted = 0;

  i = skip_blank(r, start, eq_end);
  if (i >= eq_end) return 0;                           /* empty record */
  if (r->s[i] == '*') return 0;                        /* group header */

  /* the name on the left-hand side */
  if (r->s[i] == '"') {
    quoted = 1;
    name_end = i + 1;
    while (name_end < eq_end && r->s[name_end] != '"') {
      if (r->s[name_end] == '\\' && name_end + 1 < eq_end && r->s[name_end + 1] == '"') name_end++;
      name_end++;
    }
    if (name_end >= eq_end) return fail_at(r, SD_E_PARSE, i, NULL, "unterminated quoted name");
    name_end++;
  } else {
    name_end = i;
    while (name_end < eq_end && !strchr("=([:~<", r->s[name_end])) name_end++;
  }
  {
    size_t len = name_end - i;
    while (len > 0 && is_blank(r->s[i + len - 1])) len--;
    if (len > SD_MAX_NAME) {
      char what[96];
      snprintf(what, sizeof what, "variable name too long (%lu bytes; at most %d)", (unsigned long)len, SD_MAX_NAME);
      return fail_at(r, SD_E_PARSE, i, NULL, what);
    }
  }
  rec = new_rec(r);
  if (!rec) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  pos_of(r, i, &rec->line, &rec->col);
  rec->name = quoted ? copy_name(r, i + 1, name_end - 1) : copy_name(r, i, name_end);
  if (!rec->name) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
  if (tilde < bar) {
    size_t t2 = find_unquoted(r, tilde + 1, bar, '~');
    rec->units = copy_trim(r, tilde + 1, t2);
    rec->doc = t2 < bar ? copy_trim(r, t2 + 1, bar) : "";
  } else {
    rec->units = rec->doc = "";
  }

  i = skip_blank(r, name_end, eq_end);
  if (i < eq_end && r->s[i] == '[') {
    i = read_subs(r, rec, i, eq_end);
    if (i == SUBS_FAIL) return -1;
    i = skip_blank(r, i, eq_end);
  }
  if (i >= eq_end) {
    /* "Name ~ units ~ comment |": a data variable, whose values come from
       data files when the model runs (Vensim's raw data) */
    if (tilde >= bar || !(quoted || plain_name(rec->name)))
      return fail_at(r, SD_E_DEFINITION, skip_blank(r, start, eq_end), rec->name,
                     "this variable has no equation (expected '=' after its name)");
    rec->kind = SD_AUX;
    rec->data_mode = SD_MDL_INTERPOLATE;
    rec->no_eqn = 1;
    rec->eqn = "";
    pos_of(r, skip_blank(r, start, eq_end), &rec->eqn_line, &rec->eqn_col);
    return 0;
  }
  switch (r->s[i]) {
  case '(':
    return read_lookup(r, rec, i, eq_end);
  case ':':
    if (i + 1 < eq_end && r->s[i + 1] == '=') { rec->data_mode = SD_MDL_INTERPOLATE; rhs = i + 2; break; }
    if (rec->nsubs && starts_ci(r, i, eq_end, ":EXCEPT:")) {
      /* :EXCEPT: [a, b], [c, d] = ... */
      i = skip_blank(r, i + 8, eq_end);
      while (i < eq_end && r->s[i] == '[') {
        sd_mdl_rec tmp;
        const char ***nx;
        memset(&tmp, 0, sizeof tmp);
        tmp.name = rec->name;
        i = read_subs(r, &tmp, i, eq_end);
        if (i == SUBS_FAIL) return -1;
        if (i >= eq_end) return fail_at(r, SD_E_PARSE, eq_end - 1, rec->name, "expected '=' after the :EXCEPT: lists");
        nx = sd_arena_alloc(&r->out->arena, (size_t)(rec->nexc + 1) * sizeof *nx);
        if (!nx) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
        if (rec->nexc) memcpy(nx, rec->exc, (size_t)rec->nexc * sizeof *nx);
        nx[rec->nexc++] = tmp.subs;
        rec->exc = nx;
        if (tmp.nsubs != rec->nsubs)
          return fail_at(r, SD_E_DEFINITION, i, rec->name, ":EXCEPT: lists need as many subscripts as the variable");
        i = skip_blank(r, i, eq_end);
        if (i < eq_end && r->s[i] == ',') i = skip_blank(r, i + 1, eq_end);
      }
      if (i < eq_end && r->s[i] == '=') { rhs = i + 1; break; }
      return fail_at(r, SD_E_PARSE, i, rec->name, "expected '=' after the :EXCEPT: lists");
    }
    if (starts_ci(r, i, eq_end, ":THE CONDITION:") || starts_ci(r, i, eq_end, ":TEST INPUT:")) {
      /* reality checks: they test a model, they are not part of a run */
      r->out->n--;
      return 0;
    }
    {
      /* data variables: "x :=", "x :INTERPOLATE::=", ":RAW::=", ... */
      static const char *modes[] = { ":INTERPOLATE:", ":RAW:", ":HOLD BACKWARD:", ":LOOK FORWARD:" };
      int k;
      for (k = 0; k < 4; k++) {
        size_t len = strlen(modes[k]), j;
        if (!starts_ci(r, i, eq_end, modes[k])) continue;
        j = skip_blank(r, i + len, eq_end);
        if (j + 1 < eq_end && r->s[j] == ':' && r->s[j + 1] == '=') {
          rec->data_mode = k + 1;
          rhs = j + 2;
          break;
        }
        if (j >= eq_end && tilde < bar) {
          /* "x :HOLD BACKWARD: ~ units ~ |": data from files, read so */
          rec->kind = SD_AUX;
          rec->data_mode = k + 1;
          rec->no_eqn = 1;
          rec->eqn = "";
          pos_of(r, i, &rec->eqn_line, &rec->eqn_col);
          return 0;
        }
        return fail_at(r, SD_E_PARSE, j, rec->name, "expected ':=' after the data qualifier");
      }
      if (k < 4) break;
    }
    if (!rec->nsubs) return read_range(r, rec, i, eq_end);
    return fail_at(r, SD_E_DEFINITION, i, rec->name, "this ':' qualifier is not supported");
  case '<':
    if (starts_ci(r, i, eq_end, "<->") && !rec->nsubs) {
      /* A <-> B: A is another name for range B */
      rec->is_dim = 1;
      rec->nsubs = 1;
      rec->subs = sd_arena_alloc(&r->out->arena, sizeof(char *));
      if (!rec->subs) return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
      rec->subs[0] = copy_name(r, i + 3, eq_end);
      return rec->subs[0] ? 0 : sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
    }
    return fail_at(r, SD_E_PARSE, i, rec->name, "expected '=' after the variable name");
  case '=':
    if (i + 1 < eq_end && r->s[i + 1] == '=') { rec->unchangeable = 1; rhs = i + 2; }
    else rhs = i + 1;
    break;
  default:
    return fail_at(r, SD_E_PARSE, i, rec->name, "expected '=' after the variable name");
  }

  rhs = skip_blank(r, rhs, eq_end);
  if (rhs >= eq_end) return fail_at(r, SD_E_PARSE, rhs, rec->name, "empty equation");
  if (starts_ci(r, rhs, eq_end, "INTEG")) {
    size_t k = skip_blank(r, rhs + 5, eq_end);
    if (k < eq_end && r->s[k] == '(') return read_stock(r, rec, rhs, eq_end);
  }
  if (starts_ci(r, rhs, eq_end, "SINTEG")) {
    size_t k = skip_blank(r, rhs + 6, eq_end);
    if (k < eq_end && r->s[k] == '(') return read_sinteg(r, rec, k, eq_end);
  }
  rec->kind = SD_AUX;
  if (rec->nsubs && starts_ci(r, rhs, eq_end, "TABBED ARRAY")) {
    /* TABBED ARRAY( numbers separated by tabs and newlines ) */
    size_t open = skip_blank(r, rhs + 12, eq_end), close, k;
    int n = 0, cap = 0;
    double *vals = NULL;
    if (open >= eq_end || r->s[open] != '(') return fail_at(r, SD_E_PARSE, rhs, rec->name, "expected TABBED ARRAY(...)");
    close = match_paren(r, open, eq_end);
    if (close >= eq_end) return fail_at(r, SD_E_PARSE, open, rec->name, "TABBED ARRAY has no closing ')'");
    for (k = open + 1; k < close;) {
      char *e;
      double x;
      while (k < close && (is_blank(r->s[k]) || r->s[k] == ',' || r->s[k] == ';')) k++;
      if (k >= close) break;
      x = strtod(r->s + k, &e);
      if (e == r->s + k) { free(vals); return fail_at(r, SD_E_PARSE, k, rec->name, "TABBED ARRAY holds only numbers"); }
      if (n == cap) {
        int ncap = cap ? cap * 2 : 64;
        double *nv = realloc(vals, (size_t)ncap * sizeof *nv);
        if (!nv) { free(vals); return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); }
        vals = nv; cap = ncap;
      }
      vals[n++] = x;
      k = (size_t)(e - r->s);
    }
    rec->nvals = n;
    rec->vals = sd_arena_alloc(&r->out->arena, (size_t)(n ? n : 1) * sizeof(double));
    if (!rec->vals) { free(vals); return sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); }
    if (n) memcpy(rec->vals, vals, (size_t)n * sizeof(double));
    free(vals);
    pos_of(r, rhs, &rec->eqn_line, &rec->eqn_col);
    return 0;
  }
  if (rec->nsubs && read_number_list(r, rec, rhs, eq_end)) {
    pos_of(r, rhs, &rec->eqn_line, &rec->eqn_col);
    return 0;
  }
  rec->eqn = copy_trim(r, rhs, eq_end);
  pos_of(r, rhs, &rec->eqn_line, &rec->eqn_col);
  return rec->eqn ? 0 : sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
}

/* ":MACRO: NAME(p1, p2 : out1, out2)": a header record; returns the
 * offset after it, or end on error. */
static size_t read_macro_header(reader *r, size_t j, size_t end) {
  size_t open = j + 7, close, colon;
  sd_mdl_rec *rec;
  while (open < end && r->s[open] != '(' && r->s[open] != '\n') open++;
  if (open >= end || r->s[open] != '(') { fail_at(r, SD_E_PARSE, j, NULL, "expected ':MACRO: name(parameters)'"); return end; }
  close = match_paren(r, open, end);
  if (close >= end) { fail_at(r, SD_E_PARSE, open, NULL, "missing ')' in the macro header"); return end; }
  rec = new_rec(r);
  if (!rec) { sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); return end; }
  rec->is_macro = 1;
  rec->macro = -1;
  rec->name = copy_name(r, j + 7, open);
  pos_of(r, j, &rec->line, &rec->col);
  rec->units = rec->doc = "";
  colon = open + 1;
  while (colon < close && r->s[colon] != ':') colon++;
  if (!rec->name || name_list(r, open + 1, colon, &rec->subs, &rec->nsubs) != 0 ||
      name_list(r, colon < close ? colon + 1 : close, close, &rec->outs, &rec->nouts) != 0) {
    sd_fail(r->err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
    return end;
  }
  return close + 1;
}

/* Vensim's comments "{ ... }" may stand anywhere in the equation part of a
 * record (before its first '~'): between operands, inside number lists
 * and lookups, several per equation, across lines.  They are blanked out
 * here (newlines kept, so every position stays where it was) in the
 * reader's own copy of the text, before records are split: a comment may
 * hold '|' or '~'.  Units and documentation are left as written.  Returns
 * 0, or -1 for a comment that never ends. */
static int blank_comments(reader *r, char *s, size_t start, size_t end) {
  size_t i;
  int in_eqn = 1, q = 0;
  for (i = start; i < end; i++) {
    char ch = s[i];
    if (ch == '|') { in_eqn = 1; q = 0; continue; }
    if (!in_eqn) continue;
    if (q) {
      if (ch == '\\' && i + 1 < end && s[i + 1] == '"') i++;
      else if (ch == '"') q = 0;
      continue;
    }
    if (ch == '"') { q = 1; continue; }
    if (ch == '~') { in_eqn = 0; continue; }
    if (ch == '{') {
      size_t k = i + 1;
      while (k < end && s[k] != '}') k++;
      if (k >= end) return fail_at(r, SD_E_PARSE, i, NULL, "a comment '{' is never closed by '}'");
      for (; i <= k; i++) if (s[i] != '\n' && s[i] != '\r') s[i] = ' ';
      i = k;
    }
  }
  return 0;
}

sd_mdl *sd_mdl_read(const char *text, const char *file, sd_error *err) {
  reader r;
  size_t i = 0, end;
  const char *sketch;
  char *work;
  int cur_macro = -1;
  sd_mdl *m = calloc(1, sizeof *m);
  sd_error_clear(err);
  if (!m) { sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); return NULL; }
  sd_arena_init(&m->arena);
  memset(&r, 0, sizeof r);
  r.n = strlen(text);
  work = malloc(r.n + 1);
  if (!work) { sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); sd_mdl_free(m); return NULL; }
  memcpy(work, text, r.n + 1);
  text = work;
  r.s = text;
  r.file = file;
  r.err = err;
  r.out = m;
  if (index_lines(&r) != 0) {
    sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory");
    free(work);
    sd_mdl_free(m);
    return NULL;
  }

  /* the sketch starts on the line holding "\\\---///" (some files
     have two backslashes, not three) */
  sketch = strstr(text, "\\---///");
  if (sketch) while (sketch > text && sketch[-1] != '\n') sketch--;
  end = sketch ? (size_t)(sketch - text) : r.n;
  if (end >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    i = 3;                                              /* UTF-8 byte order mark */
  i = skip_blank(&r, i, end);
  if (i < end && text[i] == '{') {                      /* {UTF-8} */
    while (i < end && text[i] != '}') i++;
    i++;
  }
  if (blank_comments(&r, work, i, end) != 0) goto fail;
  while (i < end) {
    size_t bar, j = skip_blank(&r, i, end);
    int before = m->n, k;
    if (j >= end) break;
    if (starts_ci(&r, j, end, ":MACRO:")) {
      if (cur_macro >= 0) { fail_at(&r, SD_E_PARSE, j, NULL, "a macro cannot be defined inside another"); goto fail; }
      i = read_macro_header(&r, j, end);
      if (i >= end) goto fail;
      cur_macro = m->n - 1;
      continue;
    }
    if (starts_ci(&r, j, end, ":END OF MACRO:")) {
      if (cur_macro < 0) { fail_at(&r, SD_E_PARSE, j, NULL, ":END OF MACRO: without :MACRO:"); goto fail; }
      cur_macro = -1;
      i = j + 14;
      continue;
    }
    /* quotes matter only in the equation: comments may hold stray ones */
    bar = find_unquoted(&r, j, end, '|');
    {
      /* a '~' matters only before the bar: searching on to the end made
         the reader quadratic in files without one (1 MB: minutes) */
      size_t tilde = find_unquoted(&r, j, bar, '~');
      if (tilde < bar) {
        bar = tilde;
        while (bar < end && text[bar] != '|') bar++;
      }
    }
    if (read_record(&r, j, bar) != 0) goto fail;
    for (k = before; k < m->n; k++) m->recs[k].macro = cur_macro;
    i = bar + 1;
  }
  if (cur_macro >= 0) {
    fail_at(&r, SD_E_PARSE, r.line_start[0], m->recs[cur_macro].name, "macro without :END OF MACRO:");
    goto fail;
  }
  if (m->arena.failed) { sd_fail(err, SD_E_MEMORY, NULL, NULL, 0, 0, "out of memory"); goto fail; }
  free(r.line_start);
  free(work);
  return m;
fail:
  free(r.line_start);
  free(work);
  sd_mdl_free(m);
  return NULL;
}

void sd_mdl_free(sd_mdl *m) {
  if (!m) return;
  sd_arena_free(&m->arena);
  free(m->recs);
  free(m);
}
