/* platform_kernel.h - kernel side of platform.h. */
#ifndef SONDE_PLATFORM_KERNEL_H
#define SONDE_PLATFORM_KERNEL_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static inline void *sonde_zalloc(size_t n) { return vzalloc(n ? n : 1); }
static inline void sonde_free(void *p) { vfree(p); }

#define SONDE_LIKELY(x) likely(x)
#define SONDE_UNLIKELY(x) unlikely(x)

#endif
