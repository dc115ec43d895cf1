/*
 * cpio.c - "newc" cpio archive writer (see cpio.h for the model).
 *
 * Header layout (all numbers 8 uppercase hex digits, no separators):
 *   "070701" ino mode uid gid nlink mtime filesize devmajor devminor
 *   rdevmajor rdevminor namesize check
 * followed by the name (namesize counts its NUL), padding to a multiple of
 * 4 counted from the start of the header, the data, and padding again.
 */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cpio_init(struct cpio *c, FILE *out)
{
	c->out = out;
	c->next_ino = 1;
	c->offset = 0;
	c->error = 0;
}

static int fail(struct cpio *c, int err)
{
	if (!c->error)
		c->error = err ? err : EIO;
	return -1;
}

static int put(struct cpio *c, const void *p, size_t n)
{
	if (c->error)
		return -1;
	if (n && fwrite(p, 1, n, c->out) != n)
		return fail(c, errno);
	c->offset += n;
	return 0;
}

static int pad4(struct cpio *c)
{
	static const char zeros[4];
	size_t n = (4 - (c->offset & 3)) & 3;

	return put(c, zeros, n);
}

static const char *strip_slash(const char *name)
{
	while (*name == '/')
		name++;
	return *name ? name : ".";
}

/* Writes header + name + padding for one entry of filesize bytes. */
static int header(struct cpio *c, const char *name, mode_t mode,
		  unsigned long long filesize, unsigned rmaj, unsigned rmin)
{
	char hdr[6 + 13 * 8 + 16];
	unsigned long ino = strcmp(name, "TRAILER!!!") ? c->next_ino++ : 0;
	unsigned nlink = S_ISDIR(mode) ? 2 : 1;
	size_t namesize = strlen(name) + 1;

	if (filesize > 0xffffffffULL)
		return fail(c, EFBIG);
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 (unsigned)ino, (unsigned)mode, 0u, 0u, nlink, 0u,
		 (unsigned)filesize, 0u, 0u, rmaj, rmin, (unsigned)namesize, 0u);
	if (put(c, hdr, 6 + 13 * 8) || put(c, name, namesize))
		return -1;
	return pad4(c);
}

int cpio_add_dir(struct cpio *c, const char *name, mode_t perm)
{
	return header(c, strip_slash(name), S_IFDIR | (perm & 07777), 0, 0, 0);
}

int cpio_add_file(struct cpio *c, const char *name, mode_t perm,
		  const void *data, size_t len)
{
	if (header(c, strip_slash(name), S_IFREG | (perm & 07777), len, 0, 0) ||
	    put(c, data, len))
		return -1;
	return pad4(c);
}

int cpio_add_symlink(struct cpio *c, const char *name, const char *target)
{
	size_t len = strlen(target);

	if (header(c, strip_slash(name), S_IFLNK | 0777, len, 0, 0) ||
	    put(c, target, len))
		return -1;
	return pad4(c);
}

int cpio_add_node(struct cpio *c, const char *name, mode_t type_and_perm,
		  unsigned major, unsigned minor)
{
	if (!S_ISCHR(type_and_perm) && !S_ISBLK(type_and_perm))
		return fail(c, EINVAL);
	return header(c, strip_slash(name), type_and_perm, 0, major, minor);
}

/* Copies exactly len bytes from fd to the archive. */
static int copy_fd(struct cpio *c, int fd, unsigned long long len)
{
	char buf[65536];

	while (len > 0) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* the file shrank under us, or a read error */
			return fail(c, n < 0 ? errno : EIO);
		if (put(c, buf, n))
			return -1;
		len -= n;
	}
	return 0;
}

int cpio_add_host_file(struct cpio *c, const char *name, mode_t perm,
		       const char *host_path)
{
	struct stat st;
	int fd, rc;

	if (c->error)
		return -1;
	errno = 0;
	fd = open(host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, errno);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int err = errno ? errno : EINVAL;

		close(fd);
		return fail(c, err);
	}
	if (!perm)
		perm = st.st_mode;
	rc = header(c, strip_slash(name), S_IFREG | (perm & 07777), st.st_size, 0, 0);
	if (!rc)
		rc = copy_fd(c, fd, st.st_size);
	close(fd);
	return rc ? -1 : pad4(c);
}

int cpio_finish(struct cpio *c)
{
	static const char zeros[512];

	header(c, "TRAILER!!!", 0, 0, 0, 0);
	put(c, zeros, (512 - (c->offset & 511)) & 511);
	if (!c->error && fflush(c->out))
		fail(c, errno);
	if (c->error) {
		errno = c->error;
		return -1;
	}
	return 0;
}
