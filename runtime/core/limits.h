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
#ifndef SONDE_MAXKEYS
#define SONDE_MAXKEYS 9         /* keys of an associative array */
#endif

#endif
