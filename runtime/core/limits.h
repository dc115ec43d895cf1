/*
 * limits.h - the script limits.  Every one can be overridden at build time
 * with -DNAME=VALUE (sonde -D NAME=VALUE).
 */
#ifndef SONDE_LIMITS_H
#define SONDE_LIMITS_H

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512        /* bytes in a string value, NUL included */
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048      /* default capacity of an associative array */
#endif
#ifndef MAXNESTING
#define MAXNESTING 10           /* function call depth */
#endif
#ifndef MAXACTION
#define MAXACTION 1000          /* statements per probe hit */
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 1000         /* spins before a probe gives up on a lock */
#endif
#ifndef MAXERRORS
#define MAXERRORS 0             /* script errors tolerated before stopping */
#endif
#ifndef SONDE_PRINTBUF
#define SONDE_PRINTBUF 8192     /* per-CPU output staging buffer */
#endif
#ifndef SONDE_REGEX_MAXINST
#define SONDE_REGEX_MAXINST 256 /* instructions of a compiled regex (regex.h) */
#endif
#ifndef SONDE_MAXKEYS
#define SONDE_MAXKEYS 9         /* keys of an associative array */
#endif
#ifndef HIST_WIDTH
#define HIST_WIDTH 50           /* columns of a printed histogram's bars */
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2          /* empty histogram rows kept next to data;
				 * longer runs print as "~"; < 0: never */
#endif
#ifndef SONDE_HIST_MAX_LINEAR
#define SONDE_HIST_MAX_LINEAR 1024 /* buckets of one @hist_linear (the
				    * compiler checks the same bound) */
#endif
#ifndef SONDE_MAXCPUS
#define SONDE_MAXCPUS 8192      /* CPUs a per-CPU statistic may have */
#endif

#endif
