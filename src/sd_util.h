/*
 * sd_util.h -- small pieces every engine file uses: an arena allocator,
 * canonical variable names, a string-keyed hash map, and error filling.
 */
#ifndef SD_UTIL_H
#define SD_UTIL_H

#include <stddef.h>
#include "sd_engine.h"

/* ---- arena: bump allocation, freed all at once ---- */
typedef struct sd_arena_block sd_arena_block;
typedef struct sd_arena {
  sd_arena_block *head;
  int failed;            /* set once an allocation has failed */
} sd_arena;

void sd_arena_init(sd_arena *a);
void sd_arena_free(sd_arena *a);
/* Zeroed memory, 8-byte aligned; NULL (and a->failed set) when out of memory. */
void *sd_arena_alloc(sd_arena *a, size_t n);
char *sd_arena_strndup(sd_arena *a, const char *s, size_t n);
char *sd_arena_strdup(sd_arena *a, const char *s);

/* ---- names ----
 * Vensim names are case-insensitive and treat runs of spaces and
 * underscores as one space.  The canonical form is: surrounding double
 * quotes removed, letters lower-cased (ASCII, and the two-byte UTF-8
 * letters of Latin-1, Latin Extended-A, Greek and Cyrillic), runs of
 * whitespace and '_' folded to one space, leading and trailing spaces
 * dropped.  Other bytes >= 0x80 are kept as they are. */
char *sd_canon_name(sd_arena *a, const char *s, size_t n);
/* The same into out, which has room for n + 1 bytes (never more is
 * written). */
void sd_canon_into(char *out, const char *s, size_t n);

/* ---- string map: canonical name -> int ---- */
typedef struct sd_strmap {
  const char **keys;
  int *vals;
  size_t cap, len;   /* cap is a power of two */
} sd_strmap;

void sd_strmap_init(sd_strmap *m);
void sd_strmap_free(sd_strmap *m);
/* Keys are not copied: they must outlive the map (arena strings).
 * Returns 0, or -1 when out of memory. */
int sd_strmap_put(sd_strmap *m, const char *key, int val);
/* Value for key, or -1. */
int sd_strmap_get(const sd_strmap *m, const char *key);

/* ---- errors ---- */
void sd_error_clear(sd_error *err);
/* printf-style; fills code, msg, var (may be NULL) and position.  Safe with
 * err == NULL.  Always returns -1 so callers can `return sd_fail(...)`. */
int sd_fail(sd_error *err, sd_errcode code, const char *var,
            const sd_srcpos *pos, int line, int col, const char *fmt, ...)
#ifdef __GNUC__
  __attribute__((format(printf, 7, 8)))
#endif
  ;

#endif
