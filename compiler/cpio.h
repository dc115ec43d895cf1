/*
 * cpio.h - a small writer for the "newc" (SVR4, magic 070701) cpio format,
 * the format the Linux kernel unpacks as an initramfs.
 *
 * Model: a struct cpio wraps a FILE * the caller opened (a memfd, a file or
 * an open_memstream buffer).  Each cpio_add_*() call appends one entry:
 * a 110-byte ASCII header, the NUL-terminated name padded to 4 bytes, then
 * the data padded to 4 bytes.  Inode numbers are assigned sequentially,
 * owner is root, mtime 0, so an archive is a pure function of its inputs.
 * cpio_finish() appends the "TRAILER!!!" entry and pads to 512 bytes.
 * Errors are sticky: after the first failure every call returns -1 and
 * cpio_finish() reports it, so callers may check only at the end.
 * Names are stored as given, without a leading "/" (the kernel accepts
 * both; cpio(1) prefers relative names).
 */
#ifndef SONDE_CPIO_H
#define SONDE_CPIO_H

#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

struct cpio {
	FILE *out;
	unsigned long next_ino;
	unsigned long long offset;	/* bytes written so far */
	int error;			/* errno of the first failure, or 0 */
};

/* Starts an archive on out (not closed by cpio_finish). */
void cpio_init(struct cpio *c, FILE *out);

/* A directory; mode is the permission bits (e.g. 0755). */
int cpio_add_dir(struct cpio *c, const char *name, mode_t perm);

/* A regular file with the given contents. */
int cpio_add_file(struct cpio *c, const char *name, mode_t perm,
		  const void *data, size_t len);

/* A regular file copied from a host file (its own permission bits kept
 * unless perm is nonzero). */
int cpio_add_host_file(struct cpio *c, const char *name, mode_t perm,
		       const char *host_path);

/* A symbolic link name -> target. */
int cpio_add_symlink(struct cpio *c, const char *name, const char *target);

/* A character (S_IFCHR) or block (S_IFBLK) device node. */
int cpio_add_node(struct cpio *c, const char *name, mode_t type_and_perm,
		  unsigned major, unsigned minor);

/* Writes the trailer, pads to 512 bytes and flushes.  Returns 0, or -1
 * with errno set to the first error met while writing the archive. */
int cpio_finish(struct cpio *c);

#endif
