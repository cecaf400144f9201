/* sd_util.c -- arena, canonical names, string map, error filling. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sd_util.h"

/* ---- arena ---- */

struct sd_arena_block {
  sd_arena_block *next;
  size_t used, cap;
  /* data follows, aligned by the union below */
  union { double d; void *p; long l; } data[1];
};

#define SD_ARENA_CHUNK (64 * 1024)

void sd_arena_init(sd_arena *a) { a->head = NULL; a->failed = 0; }

void sd_arena_free(sd_arena *a) {
  sd_arena_block *b = a->head;
  while (b) { sd_arena_block *n = b->next; free(b); b = n; }
  a->head = NULL;
}

void *sd_arena_alloc(sd_arena *a, size_t n) {
  sd_arena_block *b = a->head;
  n = (n + 7) & ~(size_t)7;
  if (n == 0) n = 8;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > SD_ARENA_CHUNK ? n : SD_ARENA_CHUNK;
    b = malloc(sizeof(sd_arena_block) + cap);
    if (!b) { a->failed = 1; return NULL; }
    b->cap = cap; b->used = 0;
    b->next = a->head; a->head = b;
  }
  {
    char *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
  }
}

char *sd_arena_strndup(sd_arena *a, const char *s, size_t n) {
  char *d = sd_arena_alloc(a, n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *sd_arena_strdup(sd_arena *a, const char *s) {
  return sd_arena_strndup(a, s, strlen(s));
}

/* ---- names ---- */

/* Lower case of the two-byte UTF-8 letter (b1, b2), in place, for the
 * alphabets whose capitals and small letters have encodings of the same
 * length: Latin-1 (U+00C0-U+00DE), Latin Extended-A (U+0100-U+017F),
 * Greek (U+0391-U+03A9) and Cyrillic (U+0400-U+042F).  Anything else is
 * left as it is. */
static void fold_utf8_2(unsigned char *b1, unsigned char *b2) {
  unsigned cp = ((unsigned)(*b1 & 0x1F) << 6) | (*b2 & 0x3F), lo = cp;
  if ((*b2 & 0xC0) != 0x80) return;                   /* not a continuation byte */
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) lo = cp + 0x20;
  else if (cp >= 0x100 && cp <= 0x137 && cp != 0x130) lo = cp | 1;
  else if (cp >= 0x139 && cp <= 0x148) lo = (cp & 1) ? cp + 1 : cp;
  else if (cp >= 0x14A && cp <= 0x177) lo = cp | 1;
  else if (cp == 0x178) lo = 0xFF;
  else if (cp >= 0x179 && cp <= 0x17E) lo = (cp & 1) ? cp + 1 : cp;
  else if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) lo = cp + 0x20;
  else if (cp >= 0x400 && cp <= 0x40F) lo = cp + 0x50;
  else if (cp >= 0x410 && cp <= 0x42F) lo = cp + 0x20;
  if (lo == cp || lo > 0x7FF) return;
  *b1 = (unsigned char)(0xC0 | (lo >> 6));
  *b2 = (unsigned char)(0x80 | (lo & 0x3F));
}

char *sd_canon_name(sd_arena *a, const char *s, size_t n) {
  char *out = sd_arena_alloc(a, n + 1);
  if (!out) return NULL;
  sd_canon_into(out, s, n);
  return out;
}

void sd_canon_into(char *out, const char *s, size_t n) {
  size_t i, j = 0;
  int pend_space = 0, quoted = 0;
  /* strip one pair of surrounding double quotes */
  while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) { s++; n--; }
  while (n > 0 && (s[n-1] == ' ' || s[n-1] == '\t' || s[n-1] == '\n' || s[n-1] == '\r')) n--;
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') { s++; n -= 2; quoted = 1; }
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (quoted && c == '\\' && i + 1 < n && s[i + 1] == '"') continue;   /* \" is a quote */
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '_') {
      pend_space = 1;
      continue;
    }
    if (c == '\\' && i + 1 < n && (s[i+1] == '\n' || s[i+1] == '\r')) { /* line continuation */
      pend_space = 1;
      continue;
    }
    /* no space next to the brackets and commas of subscripts, so that
       "a[x, y]" and "a[x,y]" are the same name */
    if (c == '[' || c == ']' || c == ',') pend_space = 0;
    if (pend_space && j > 0 && out[j - 1] != '[' && out[j - 1] != ',') out[j++] = ' ';
    pend_space = 0;
    if (c >= 0xC3 && c <= 0xD0 && i + 1 < n) {
      /* a two-byte UTF-8 letter: folded to lower case like ASCII, so
         that "Ärzte" and "ärzte" are one name, as in Vensim */
      unsigned char c2 = (unsigned char)s[i + 1];
      fold_utf8_2(&c, &c2);
      out[j++] = (char)c;
      out[j++] = (char)c2;
      i++;
      continue;
    }
    out[j++] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
  }
  out[j] = '\0';
}

/* ---- string map (open addressing, linear probing) ---- */

static size_t hash_str(const char *s) {
  size_t h = 1469598103934665603ULL & (size_t)-1; /* FNV-1a */
  while (*s) { h ^= (unsigned char)*s++; h *= (size_t)1099511628211ULL; }
  return h;
}

void sd_strmap_init(sd_strmap *m) { m->keys = NULL; m->vals = NULL; m->cap = m->len = 0; }

void sd_strmap_free(sd_strmap *m) {
  free((void *)m->keys); free(m->vals);
  sd_strmap_init(m);
}

static int strmap_grow(sd_strmap *m) {
  size_t ncap = m->cap ? m->cap * 2 : 64, i;
  const char **nk = calloc(ncap, sizeof *nk);
  int *nv = calloc(ncap, sizeof *nv);
  if (!nk || !nv) { free((void *)nk); free(nv); return -1; }
  for (i = 0; i < m->cap; i++) {
    if (m->keys[i]) {
      size_t j = hash_str(m->keys[i]) & (ncap - 1);
      while (nk[j]) j = (j + 1) & (ncap - 1);
      nk[j] = m->keys[i]; nv[j] = m->vals[i];
    }
  }
  free((void *)m->keys); free(m->vals);
  m->keys = nk; m->vals = nv; m->cap = ncap;
  return 0;
}

int sd_strmap_put(sd_strmap *m, const char *key, int val) {
  size_t j;
  if ((m->len + 1) * 2 > m->cap && strmap_grow(m) != 0) return -1;
  j = hash_str(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], key) == 0) { m->vals[j] = val; return 0; }
    j = (j + 1) & (m->cap - 1);
  }
  m->keys[j] = key; m->vals[j] = val; m->len++;
  return 0;
}

int sd_strmap_get(const sd_strmap *m, const char *key) {
  size_t j;
  if (m->cap == 0) return -1;
  j = hash_str(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (strcmp(m->keys[j], key) == 0) return m->vals[j];
    j = (j + 1) & (m->cap - 1);
  }
  return -1;
}

/* ---- errors ---- */

void sd_error_clear(sd_error *err) {
  if (!err) return;
  memset(err, 0, sizeof *err);
}

int sd_fail(sd_error *err, sd_errcode code, const char *var,
            const sd_srcpos *pos, int line, int col, const char *fmt, ...) {
  va_list ap;
  if (!err) return -1;
  sd_error_clear(err);
  err->code = code;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (var) snprintf(err->var, sizeof err->var, "%s", var);
  if (pos && pos->file) snprintf(err->file, sizeof err->file, "%s", pos->file);
  if (line > 0) {
    /* positions are relative to the equation's start in its source */
    if (pos && pos->line > 0) {
      err->line = pos->line + line - 1;
      err->col = (line == 1) ? pos->col + col - 1 : col;
    } else {
      err->line = line;
      err->col = col;
    }
  }
  return -1;
}
