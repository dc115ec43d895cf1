/* platform_user.h - user-space side of platform.h (CUnit tests). */
#ifndef SONDE_PLATFORM_USER_H
#define SONDE_PLATFORM_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void *sonde_zalloc(size_t n) { return calloc(1, n ? n : 1); }
static inline void sonde_free(void *p) { free(p); }

#define SONDE_LIKELY(x) __builtin_expect(!!(x), 1)
#define SONDE_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
