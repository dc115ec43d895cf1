/*
 * platform.h - the narrow seam between the portable runtime core and its
 * two homes.  Core files include only this header; it picks the kernel or
 * the user-space implementation at build time, so the logic has no
 * #ifdef __KERNEL__.
 *
 *   sonde_zalloc(n) / sonde_free(p)   zeroed memory, may sleep (load time only)
 *   int64_t, uint32_t, ...            fixed-width integers
 *   bool, size_t, NULL, memcpy, memcmp, memmove, memset, strlen, strcmp
 *   SONDE_LIKELY / SONDE_UNLIKELY
 */
#ifndef SONDE_PLATFORM_H
#define SONDE_PLATFORM_H

#ifdef __KERNEL__
#include "../kernel/platform_kernel.h"
#else
#include "../user/platform_user.h"
#endif

#endif
