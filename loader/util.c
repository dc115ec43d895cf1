/*
 * util.c - sonde-run's pure logic (see loader.h).  No system calls here:
 * what the loader needs to know about the system comes in through
 * struct loader_sys, so the unit tests can fake it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

int loader_module_name(const char *path, char *name, size_t cap)
{
	const char *base = strrchr(path, '/');
	size_t len, i;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len <= 3 || strcmp(base + len - 3, ".ko") != 0)
		return -1;
	len -= 3;
	if (len >= cap || len > LOADER_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[len] = '\0';
	return 0;
}

long loader_parse_records(const char *buf, size_t n, loader_record_fn fn,
			  void *arg)
{
	struct sonde_msg hdr;
	size_t off = 0;

	while (n - off >= sizeof(hdr)) {
		memcpy(&hdr, buf + off, sizeof(hdr));
		if (hdr.len > SONDE_MSG_MAX - sizeof(hdr))
			return -1;
		if (n - off - sizeof(hdr) < hdr.len)
			break;
		off += sizeof(hdr) + hdr.len;
		if (fn(hdr.type, buf + off - hdr.len, hdr.len, arg))
			break;
	}
	return (long)off;
}

int loader_scan_modules(const char *text, const struct loader_sys *sys,
			loader_module_fn fn, void *arg)
{
	char name[LOADER_NAME_MAX + 8];
	const char *line = text, *end;
	size_t len;
	int seen = 0, pid;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		len = strcspn(line, " \t\n");
		if (len == 0 || len >= sizeof(name))
			continue;
		memcpy(name, line, len);
		name[len] = '\0';
		pid = sys->owner_pid(name, sys->arg);
		if (pid < 0)
			continue;
		seen++;
		if (pid > 0 && sys->pid_alive(pid, sys->arg))
			fn(name, LOADER_MOD_LIVE, pid, arg);
		else
			fn(name, LOADER_MOD_STALE, pid, arg);
	}
	return seen;
}

const char *loader_load_error(int err)
{
	switch (err) {
	case EPERM:
		return "loading kernel modules needs root (CAP_SYS_MODULE), "
		       "and is refused under kernel lockdown or modules_disabled";
	case ENOEXEC:
		return "invalid module format: the module was built for a "
		       "different kernel";
	case EEXIST:
		return "a module of that name is already loaded";
	case ENOENT:
		return "the module needs a kernel symbol this kernel does not "
		       "have (see dmesg)";
	case EKEYREJECTED:
	case EKEYEXPIRED:
	case ENOKEY:
		return "the kernel rejected the module's signature "
		       "(module signature enforcement or Secure Boot)";
	case EINVAL:
		return "the kernel rejected the module or its parameters "
		       "(see dmesg)";
	case ENOMEM:
		return "out of memory";
	case EBUSY:
		return "the kernel is busy loading a module of that name";
	case ENOSYS:
		return "this system does not let programs load kernel modules";
	default:
		return strerror(err);
	}
}

size_t loader_done_summary(const struct sonde_done *d, char *buf, size_t cap)
{
	size_t n = 0;
	int r;

	buf[0] = '\0';
	if (d->errors || d->skipped) {
		r = snprintf(buf, cap,
			     "WARNING: Number of errors: %" PRIu64
			     ", skipped probes: %" PRIu64 "\n",
			     d->errors, d->skipped);
		n = r < 0 ? 0 : (size_t)r >= cap ? cap - 1 : (size_t)r;
	}
	if (d->dropped) {
		r = snprintf(buf + n, cap - n,
			     "WARNING: %" PRIu64 " output records (%" PRIu64
			     " bytes) were dropped: the output buffer was full\n",
			     d->dropped, d->dropped_bytes);
		n += r < 0 ? 0 : (size_t)r >= cap - n ? cap - n - 1 : (size_t)r;
	}
	return n;
}
