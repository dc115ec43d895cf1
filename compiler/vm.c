/*
 * vm.c - run a command in a disposable QEMU guest (see vm.h for the model).
 *
 * One vm_run() is three steps:
 *   1. build_initramfs(): a newc cpio in a memfd (no file on disk) with
 *      busybox, /init, /job, /modules and the module files;
 *   2. spawn_qemu(): QEMU (microvm, else pc) in its own session with
 *      PDEATHSIG=SIGKILL, booting the cached uncompressed vmlinux
 *      (boot_image()), the memfd as -initrd /proc/self/fd/3 and four
 *      socketpairs as chardevs (fd 4 console ttyS0, 5 sonde.out,
 *      6 sonde.err, 7 sonde.ctl);
 *   3. event_loop(): poll() copies out/err to our fds 1/2, keeps the last
 *      32 KiB of the console, parses control lines, forwards SIGINT and
 *      SIGTERM (caught through a self-pipe) and enforces the time limits.
 * The run is over when the guest sent "rc STATUS OUT ERR" and we have
 * received OUT and ERR bytes: we answer "bye", give the guest a moment to
 * power off, then kill QEMU anyway.  Every exit path goes through
 * run_cleanup(), which kills and reaps QEMU and closes every fd.
 */
#define _GNU_SOURCE
#include "vm.h"
#include "cpio.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CPUS 2
#define DEFAULT_MEM_MB 512
#define BOOT_WATCHDOG_S 300	/* no "start" by then: the guest is stuck */
#define BYE_GRACE_S 2.0		/* wait for the guest's poweroff this long */
#define CONSOLE_KEEP 32768	/* console bytes kept for error reports */
#define CONSOLE_LINES 20
#define MAX_SIGNALS 3		/* the 3rd signal kills the VM outright */

/*
 * The machines we can emulate, best first.  microvm has no firmware to
 * speak of and no PCI bus to probe (virtio-mmio devices described by
 * ACPI): it reaches our /init ~0.8 s sooner under TCG than pc does, but
 * needs the virtio_mmio driver.  SONDE_VM_MACHINE=pc forces the fallback.
 */
struct machine {
	const char *name;		/* QEMU's -M */
	const char *virtio_module;	/* the guest's virtio transport */
	const char *dev_suffix;		/* virtio-9p-SUFFIX, virtio-serial-SUFFIX */
};

static const struct machine machines[] = {
	{ "microvm", "virtio_mmio", "device" },
	{ "pc", "virtio_pci", "pci" },
};

/* What start_vm() decides before building anything. */
struct plan {
	const char *krel;
	int kvm;			/* else TCG */
	long tsc_khz;			/* TCG: the host's TSC rate, 0 if unknown */
	int hz;				/* the guest kernel's CONFIG_HZ */
	const struct machine *machine;	/* chosen by build_initramfs() */
};

static const char *const busybox_paths[] = {
	"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox", NULL
};

static const char kernel_cmdline[] = "console=ttyS0 quiet panic=-1";

static const char std_path[] =
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static char *vm_datadir;

/* ---------------------------------------------------------------- utils */

static void vm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sonde: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void *vm_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		vm_error("out of memory");
		abort();
	}
	return p;
}

static char *vm_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(vm_xrealloc(NULL, n), s, n);
}

static char *vm_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *vm_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		vm_error("out of memory");
		abort();
	}
	va_end(ap);
	return s;
}

/* Appends n bytes to the malloc'd NUL-terminated string *dst. */
static void str_append(char **dst, const char *s, size_t n)
{
	size_t len = *dst ? strlen(*dst) : 0;

	*dst = vm_xrealloc(*dst, len + n + 1);
	memcpy(*dst + len, s, n);
	(*dst)[len + n] = '\0';
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *data = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536)
			data = vm_xrealloc(data, cap = cap * 2 + 65536);
		size_t got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		free(data);
		errno = err;
		return NULL;
	}
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= w;
	}
	return 0;
}

void vm_free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = vm_xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

void vm_set_datadir(const char *dir)
{
	free(vm_datadir);
	vm_datadir = dir ? vm_strdup(dir) : NULL;
}

/* ------------------------------------------------------ kernel release */

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int krelease_usable(const char *boot_dir, const char *modules_dir,
			   const char *rel)
{
	char *kernel = vm_asprintf("%s/vmlinuz-%s", boot_dir, rel);
	char *build = vm_asprintf("%s/%s/build", modules_dir, rel);
	int ok = is_file(kernel) && is_dir(build);

	free(kernel);
	free(build);
	return ok;
}

char *vm_pick_krelease(const char *boot_dir, const char *modules_dir)
{
	DIR *d = opendir(modules_dir);
	struct dirent *e;
	char *best = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    !krelease_usable(boot_dir, modules_dir, e->d_name))
			continue;
		if (!best || strverscmp(e->d_name, best) > 0) {
			free(best);
			best = vm_strdup(e->d_name);
		}
	}
	closedir(d);
	return best;
}

const char *vm_default_krelease(void)
{
	static char *cached;

	if (!cached)
		cached = vm_pick_krelease("/boot", "/lib/modules");
	return cached;
}

/* ------------------------------------------------------ module ordering */

struct moddep {
	char *path;	/* as in modules.dep */
	char *name;	/* basename without .ko*, '-' mapped to '_' */
	char *deps;	/* the text after ':' */
	int state;	/* 0 new, 1 visiting, 2 emitted */
};

/* "kernel/fs/9p/9p.ko.xz" -> "9p" (malloc'd; '-' becomes '_'). */
static char *module_name(const char *path, size_t len)
{
	const char *base = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	len -= base - path;
	for (size_t i = 0; i + 3 <= len; i++)
		if (!strncmp(base + i, ".ko", 3) &&
		    (i + 3 == len || base[i + 3] == '.')) {
			len = i;
			break;
		}
	char *name = vm_xrealloc(NULL, len + 1);
	for (size_t i = 0; i < len; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[len] = '\0';
	return name;
}

static char *normalize(const char *name)
{
	return module_name(name, strlen(name));
}

static struct moddep *parse_moddep(const char *text, size_t *count)
{
	struct moddep *v = NULL;
	size_t n = 0;

	while (*text) {
		const char *eol = strchrnul(text, '\n');
		const char *colon = memchr(text, ':', eol - text);

		if (colon) {
			v = vm_xrealloc(v, (n + 1) * sizeof(*v));
			v[n].path = strndup(text, colon - text);
			v[n].name = module_name(text, colon - text);
			v[n].deps = strndup(colon + 1, eol - colon - 1);
			v[n].state = 0;
			n++;
		}
		text = *eol ? eol + 1 : eol;
	}
	*count = n;
	return v;
}

static struct moddep *find_dep(struct moddep *v, size_t n, const char *name,
			       int by_path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(by_path ? v[i].path : v[i].name, name))
			return &v[i];
	return NULL;
}

static int in_builtin(const char *builtin_text, const char *name)
{
	const char *line = builtin_text;
	int found = 0;

	while (line && *line && !found) {
		const char *eol = strchrnul(line, '\n');
		char *n = module_name(line, eol - line);

		found = !strcmp(n, name);
		free(n);
		line = *eol ? eol + 1 : eol;
	}
	return found;
}

/* Depth-first: every dependency of m, then m. */
static void visit(struct moddep *v, size_t n, struct moddep *m,
		  char ***out, size_t *nout)
{
	if (m->state)
		return;		/* emitted, or a cycle: break it here */
	m->state = 1;
	for (char *p = m->deps; *p; ) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		if (!len)
			break;
		char *path = strndup(p, len);
		struct moddep *d = find_dep(v, n, path, 1);
		if (d)
			visit(v, n, d, out, nout);
		free(path);
		p += len;
	}
	m->state = 2;
	strv_push(out, nout, vm_strdup(m->path));
}

char **vm_module_order(const char *dep_text, const char *builtin_text,
		       const char *const names[], const char **missing)
{
	size_t n, nout = 0;
	struct moddep *v = parse_moddep(dep_text, &n);
	char **out = NULL;

	strv_push(&out, &nout, NULL);	/* an empty, terminated vector */
	nout = 0;
	for (size_t i = 0; names[i]; i++) {
		char *name = normalize(names[i]);
		struct moddep *m = find_dep(v, n, name, 0);

		if (m)
			visit(v, n, m, &out, &nout);
		else if (!in_builtin(builtin_text, name)) {
			*missing = names[i];
			vm_free_strv(out);
			out = NULL;
		}
		free(name);
		if (!out)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].name);
		free(v[i].deps);
	}
	free(v);
	return out;
}

/* ------------------------------------------------------------ job file */

void vm_shell_quote(char **dst, const char *s)
{
	str_append(dst, "'", 1);
	for (const char *q; (q = strchr(s, '\'')); s = q + 1) {
		str_append(dst, s, q - s);
		str_append(dst, "'\\''", 4);
	}
	str_append(dst, s, strlen(s));
	str_append(dst, "'", 1);
}

char *vm_job_script(char *const argv[], const char *cwd, const char *path)
{
	char *s = vm_strdup("SONDE_CWD=");

	vm_shell_quote(&s, cwd);
	str_append(&s, "\nSONDE_PATH=", 12);
	vm_shell_quote(&s, path);
	str_append(&s, "\nset --", 7);
	for (size_t i = 0; argv[i]; i++) {
		str_append(&s, " ", 1);
		vm_shell_quote(&s, argv[i]);
	}
	str_append(&s, "\n", 1);
	return s;
}

/* The host's PATH, then whichever standard directories it lacks. */
static char *guest_path(void)
{
	const char *host = getenv("PATH");
	char *path = vm_strdup(host && *host ? host : std_path);
	char *std = vm_strdup(std_path);

	for (char *dir = strtok(std, ":"); dir; dir = strtok(NULL, ":")) {
		size_t len = strlen(dir);
		int found = 0;

		for (const char *p = path; *p && !found; p += strcspn(p, ":"), p += !!*p)
			found = strcspn(p, ":") == len && !strncmp(p, dir, len);
		if (!found) {
			str_append(&path, ":", 1);
			str_append(&path, dir, len);
		}
	}
	free(std);
	return path;
}

/* ----------------------------------------------------------- initramfs */

/* Nonzero if the ELF file at path has no program interpreter. */
static int elf_is_static(const char *path)
{
	size_t len;
	char *img = slurp(path, &len);
	const Elf64_Ehdr *eh = (const void *)img;
	int ok = 0;

	if (img && len >= sizeof(*eh) && !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
	    eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) <= len) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff);

		ok = 1;
		for (int i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_INTERP)
				ok = 0;
	}
	free(img);
	return ok;
}

static const char *find_busybox(void)
{
	for (int i = 0; busybox_paths[i]; i++)
		if (access(busybox_paths[i], X_OK) == 0) {
			if (elf_is_static(busybox_paths[i]))
				return busybox_paths[i];
			vm_error("%s is not statically linked; install busybox-static",
				 busybox_paths[i]);
			return NULL;
		}
	vm_error("busybox not found; install busybox-static");
	return NULL;
}

static char *template_path(void)
{
	const char *dir = vm_datadir ? vm_datadir : getenv("SONDE_DATADIR");

	return vm_asprintf("%s/templates/vm-init.sh", dir && *dir ? dir : ".");
}

/* Runs argv and returns its stdout (malloc'd), NULL if it failed. */
static char *capture(char *const argv[], size_t *len)
{
	char *data = NULL;
	size_t n = 0, cap = 0;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0) {
		if (cap - n < 65536)
			data = vm_xrealloc(data, cap = cap * 2 + 65536);
		ssize_t got = read(p[0], data + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += got;
	}
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0) {
		free(data);
		return NULL;
	}
	*len = n;
	return data;
}

/* Adds the module at host path as lib/modules/BASENAME.ko, decompressed. */
static int add_module(struct cpio *c, const char *path)
{
	static const struct { const char *ext, *tool; } z[] = {
		{ ".ko.xz", "xz" }, { ".ko.zst", "zstd" }, { ".ko.gz", "gzip" },
	};
	char *name = module_name(path, strlen(path));
	char *dst = vm_asprintf("lib/modules/%s.ko", name);
	int rc = -1;

	free(name);
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		size_t el = strlen(z[i].ext), pl = strlen(path), len;

		if (pl < el || strcmp(path + pl - el, z[i].ext))
			continue;
		char *argv[] = { (char *)z[i].tool, "-dc", "--", (char *)path, NULL };
		char *data = capture(argv, &len);
		if (data)
			rc = cpio_add_file(c, dst, 0644, data, len);
		else
			vm_error("cannot decompress %s with %s", path, z[i].tool);
		free(data);
		free(dst);
		return rc;
	}
	rc = cpio_add_host_file(c, dst, 0644, path);
	if (rc)
		vm_error("cannot read %s: %s", path, strerror(errno));
	free(dst);
	return rc;
}

/* The modules of krel we need, with their dependencies, in load order,
 * for the first machine whose virtio transport the kernel has.  microvm
 * has no timer to calibrate the TSC against: under TCG it needs the host's
 * TSC rate (see tcg_clock_args()). */
static char **guest_module_paths(struct plan *pl)
{
	const char *krel = pl->krel;
	char *depf = vm_asprintf("/lib/modules/%s/modules.dep", krel);
	char *bif = vm_asprintf("/lib/modules/%s/modules.builtin", krel);
	char *dep = slurp(depf, NULL), *bi = slurp(bif, NULL);
	const char *missing = NULL, *want = getenv("SONDE_VM_MACHINE");
	char **paths = NULL;

	if (!dep)
		vm_error("cannot read %s: %s", depf, strerror(errno));
	for (size_t i = 0; dep && !paths && i < sizeof(machines) / sizeof(machines[0]); i++) {
		const char *names[] = { machines[i].virtio_module, "virtio_console",
					"9pnet_virtio", "9p", NULL };

		if (want && *want ? strcmp(want, machines[i].name) != 0
		    : i == 0 && !pl->kvm && !pl->tsc_khz)
			continue;
		pl->machine = &machines[i];
		paths = vm_module_order(dep, bi, names, &missing);
		if (!paths && missing != names[0])
			break;	/* a module every machine needs */
	}
	if (dep && !paths && missing)
		vm_error("kernel %s lacks the module %s, needed by the VM guest",
			 krel, missing);
	else if (dep && !paths)
		vm_error("unknown SONDE_VM_MACHINE=%s (try microvm or pc)", want);
	free(depf);
	free(bif);
	free(dep);
	free(bi);
	return paths;
}

static void add_skeleton(struct cpio *c, const char *busybox)
{
	static const char *const dirs[] = {
		"bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc",
		"sys", "mnt", "mnt/host", "run", "tmp", "lib", "lib/modules", NULL
	};

	for (int i = 0; dirs[i]; i++)
		cpio_add_dir(c, dirs[i], 0755);
	cpio_add_node(c, "dev/console", S_IFCHR | 0600, 5, 1);
	cpio_add_host_file(c, "bin/busybox", 0755, busybox);
	cpio_add_symlink(c, "bin/sh", "busybox");
}

static int add_modules(struct cpio *c, struct plan *pl)
{
	const char *krel = pl->krel;
	char **paths = guest_module_paths(pl);
	char *list = NULL;
	int rc = paths ? 0 : -1;

	for (size_t i = 0; paths && paths[i] && !rc; i++) {
		char *host = vm_asprintf("/lib/modules/%s/%s", krel, paths[i]);
		char *name = module_name(paths[i], strlen(paths[i]));
		char *line = vm_asprintf("%s.ko\n", name);

		rc = add_module(c, host);
		str_append(&list, line, strlen(line));
		free(host);
		free(name);
		free(line);
	}
	if (!rc)
		rc = cpio_add_file(c, "modules", 0644, list ? list : "", list ? strlen(list) : 0);
	free(list);
	vm_free_strv(paths);
	return rc;
}

/* Writes the guest's initramfs into fd.  Errors are reported. */
static int build_initramfs(int fd, struct plan *pl, char *const argv[],
			   const char *cwd)
{
	const char *busybox = find_busybox();
	char *tpath = template_path(), *init = NULL, *job = NULL, *path = NULL;
	size_t init_len = 0;
	FILE *f = NULL;
	struct cpio c;
	int rc = -1;

	if (!busybox)
		goto out;
	if (!(init = slurp(tpath, &init_len))) {
		vm_error("cannot read the guest init script %s: %s "
			 "(is the sonde data directory set right?)", tpath, strerror(errno));
		goto out;
	}
	if (!(f = fdopen(dup(fd), "w")))
		goto out;
	path = guest_path();
	job = vm_job_script(argv, cwd, path);
	cpio_init(&c, f);
	add_skeleton(&c, busybox);
	if (c.error) {
		vm_error("cannot add %s to the initramfs: %s", busybox, strerror(c.error));
		goto out;
	}
	if (add_modules(&c, pl))
		goto out;
	cpio_add_file(&c, "init", 0755, init, init_len);
	cpio_add_file(&c, "job", 0644, job, strlen(job));
	rc = cpio_finish(&c);
	if (rc)
		vm_error("cannot write the initramfs: %s", strerror(errno));
out:
	if (f)
		fclose(f);
	free(tpath);
	free(init);
	free(job);
	free(path);
	return rc;
}

/* ---------------------------------------------------------- boot image */

/*
 * Under TCG, decompressing an xz bzImage takes the guest ~3 s, more than
 * the rest of the boot.  So we boot the uncompressed vmlinux instead
 * (QEMU enters it through its PVH ELF note), extracted once from the
 * bzImage by the host's own decompressor and cached as
 * CACHE/vmlinux-REL-SIZE-MTIME.  Whenever that fails we boot the bzImage.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Nonzero if the ELF file on fd has a Xen PHYS32_ENTRY (PVH) note. */
static int has_pvh_note(int fd)
{
	Elf64_Ehdr eh;
	int found = 0;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	for (int i = 0; i < eh.e_phnum && !found; i++) {
		Elf64_Phdr ph;
		unsigned char note[4096];

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			return 0;
		if (ph.p_type != PT_NOTE || ph.p_filesz > sizeof(note) ||
		    pread(fd, note, ph.p_filesz, ph.p_offset) != (ssize_t)ph.p_filesz)
			continue;
		for (size_t off = 0; off + 12 <= ph.p_filesz; ) {
			uint32_t namesz = le32(note + off), descsz = le32(note + off + 4);

			if (le32(note + off + 8) == XEN_ELFNOTE_PHYS32_ENTRY &&
			    namesz == 4 && !memcmp(note + off + 12, "Xen", 4))
				found = 1;
			off += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
		}
	}
	return found;
}

/* The decompressor for a bzImage payload, from its magic; NULL if unknown. */
static const char *payload_tool(const unsigned char *p, size_t len)
{
	static const struct { const char *magic; size_t len; const char *tool; } t[] = {
		{ "\x1f\x8b", 2, "gzip" }, { "\xfd" "7zXZ", 5, "xz" },
		{ "\x28\xb5\x2f\xfd", 4, "zstd" }, { "BZh", 3, "bzip2" },
		{ "\x02\x21\x4c\x18", 4, "lz4" }, { "\x5d\x00\x00", 3, "lzma" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (len >= t[i].len && !memcmp(p, t[i].magic, t[i].len))
			return t[i].tool;
	return NULL;
}

/* Runs tool -dc with stdin from in_fd and stdout to out_fd. */
static int run_filter(const char *tool, int in_fd, int out_fd)
{
	char *argv[] = { (char *)tool, "-dc", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(in_fd, 0);
		dup2(out_fd, 1);
		dup2(devnull, 2);	/* "trailing garbage" notes are expected */
		execvp(tool, argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -1 : 0;
}

/* Decompresses the payload of the bzImage img into out_fd. */
static int extract_vmlinux(const unsigned char *img, size_t len, int out_fd)
{
	size_t setup, off, plen;
	const char *tool;
	int in, rc = -1;

	if (len < 0x250 || memcmp(img + 0x202, "HdrS", 4) ||
	    (img[0x206] | img[0x207] << 8) < 0x208)
		return -1;
	setup = ((img[0x1f1] ? img[0x1f1] : 4) + 1) * 512;
	off = setup + le32(img + 0x248);
	plen = le32(img + 0x24c);
	if (off + plen > len || !(tool = payload_tool(img + off, plen)))
		return -1;
	if (strcmp(tool, "gzip") && plen > 4)
		plen -= 4;	/* the appended uncompressed size */
	in = memfd_create("sonde-payload", MFD_CLOEXEC);
	if (in >= 0 && write_all(in, img + off, plen) == 0 &&
	    lseek(in, 0, SEEK_SET) == 0)
		rc = run_filter(tool, in, out_fd);
	if (in >= 0)
		close(in);
	return rc;
}

static char *cache_dir(void)
{
	const char *d = getenv("SONDE_CACHE_DIR"), *home = getenv("HOME");
	char *dir;

	if (d && *d)
		dir = vm_strdup(d);
	else if ((d = getenv("XDG_CACHE_HOME")) && *d)
		dir = vm_asprintf("%s/sonde", d);
	else if (home && *home)
		dir = vm_asprintf("%s/.cache/sonde", home);
	else
		return NULL;
	for (char *p = dir + 1; *p; p++)	/* mkdir -p */
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

char *vm_cache_dir(void)
{
	return cache_dir();
}

char *vm_kernel_id(const char *krel)
{
	char *vmlinuz = vm_asprintf("/boot/vmlinuz-%s", krel), *id = NULL;
	struct stat st;

	if (stat(vmlinuz, &st) == 0)
		id = vm_asprintf("%s-%lld-%lld", krel, (long long)st.st_size,
				 (long long)st.st_mtime);
	free(vmlinuz);
	return id;
}

/* Is s "SIZE-MTIME" (digits, '-', digits), maybe followed by a
 * mkstemp suffix ".XXXXXX" when tmp? */
static int is_id_suffix(const char *s, int tmp)
{
	size_t a = strspn(s, "0123456789"), b;

	if (!a || s[a] != '-')
		return 0;
	b = strspn(s + a + 1, "0123456789");
	s += a + 1 + b;
	return b && (!*s || (tmp && *s == '.'));
}

void vm_cache_prune(const char *dir, const char *prefix, const char *krel,
		    const char *keep)
{
	char *start = vm_asprintf("%s-%s-", prefix, krel);
	size_t len = strlen(start);
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;

	while (d && (e = readdir(d))) {
		const char *name = e->d_name;
		int tmp = name[0] == '.';

		/* (the exact suffix check keeps 6.1.0-56-amd64 from
		 * pruning the files of 6.1.0-56-amd64-rt) */
		if (strncmp(name + tmp, start, len) || !strcmp(name, keep) ||
		    !is_id_suffix(name + tmp + len, tmp))
			continue;
		if (tmp && (fstatat(dirfd(d), name, &st, 0) ||
			    st.st_mtime > time(NULL) - 3600))
			continue;
		unlinkat(dirfd(d), name, 0);
	}
	if (d)
		closedir(d);
	free(start);
}

/* Removes the cached vmlinux files of krel other than keep, and
 * temporaries of extractions killed over an hour ago. */
static void prune_cache(const char *dir, const char *krel, const char *keep)
{
	vm_cache_prune(dir, "vmlinux", krel, keep);
}

/* Extracts vmlinuz into dir/name atomically; 0 on success. */
static int fill_cache(const char *vmlinuz, const char *dir, const char *name)
{
	char *tmp = vm_asprintf("%s/.%s.XXXXXX", dir, name);
	char *final = vm_asprintf("%s/%s", dir, name);
	size_t len;
	unsigned char *img = (unsigned char *)slurp(vmlinuz, &len);
	int fd = mkostemp(tmp, O_CLOEXEC), rc = -1;

	if (fd >= 0 && img && extract_vmlinux(img, len, fd) == 0 &&
	    has_pvh_note(fd) && fchmod(fd, 0644) == 0 && rename(tmp, final) == 0)
		rc = 0;
	if (fd >= 0) {
		close(fd);
		if (rc)
			unlink(tmp);
	}
	free(img);
	free(tmp);
	free(final);
	return rc;
}

/* What QEMU's -kernel should get for krel (malloc'd). */
static char *boot_image(const char *krel, int verbose)
{
	char *vmlinuz = vm_asprintf("/boot/vmlinuz-%s", krel), *dir, *name, *path;
	struct stat st;

	if (stat(vmlinuz, &st) || !(dir = cache_dir())) {
		if (verbose)
			fprintf(stderr, "sonde: vm: no cache directory; booting "
				"the slower %s\n", vmlinuz);
		return vmlinuz;
	}
	name = vm_asprintf("vmlinux-%s-%lld-%lld", krel, (long long)st.st_size,
			   (long long)st.st_mtime);
	path = vm_asprintf("%s/%s", dir, name);
	if (!is_file(path)) {
		double t = now_s();

		if (fill_cache(vmlinuz, dir, name) == 0) {
			prune_cache(dir, krel, name);
			if (verbose)
				fprintf(stderr, "sonde: vm: extracted %s in %.2f s\n",
					path, now_s() - t);
		} else if (verbose)
			fprintf(stderr, "sonde: vm: cannot extract an uncompressed "
				"kernel to %s; booting the slower %s\n", dir, vmlinuz);
	}
	free(dir);
	free(name);
	if (is_file(path)) {
		free(vmlinuz);
		return path;
	}
	free(path);
	return vmlinuz;
}

/* The cached uncompressed vmlinux of krel (an ELF that keeps .BTF: the
 * compiler reads the guest kernel's types from it), extracted now if need
 * be; malloc'd, or NULL when there is none. */
char *vm_vmlinux_path(const char *krel)
{
	char *path = boot_image(krel, 0);

	if (strncmp(path, "/boot/vmlinuz-", 14) == 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* --------------------------------------------------------- QEMU launch */

enum { FD_INITRD, FD_CON, FD_OUT, FD_ERR, FD_CTL, NFDS };	/* at 3 + i */

struct vm_run {
	const struct vm_options *o;
	pid_t qemu;
	int status;			/* QEMU's wait status once reaped */
	int initrd;			/* memfd holding the cpio */
	int fd[NFDS];			/* our ends (FD_INITRD unused) */
	int peer[NFDS];			/* QEMU's ends, closed after spawn */
	int qerr;			/* read end of QEMU's stderr */
	int sig;			/* read end of the self-pipe */
	char console[CONSOLE_KEEP];
	size_t console_len;
	char qmsg[4096];
	size_t qmsg_len;
	char line[512];			/* partial control line */
	size_t line_len;
	char *fail;			/* "fail WHY" from the guest */
	int started, have_rc, rc, nsig, said_bye;
	int broken[2];			/* our fd 1 / 2 gave EPIPE */
	unsigned long long want[2], got[2];
	double t0, t_start;
};

static int sig_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = sig;

	/* if the pipe is full, plenty of signals are pending anyway */
	(void)!write(sig_wfd, &b, 1);
	errno = saved;
}

struct saved_sigs {
	struct sigaction intr, term, pipe;
};

static void catch_signals(struct saved_sigs *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocked writes return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->intr);
	sigaction(SIGTERM, &sa, &s->term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &s->pipe);
}

static void restore_signals(const struct saved_sigs *s)
{
	sigaction(SIGINT, &s->intr, NULL);
	sigaction(SIGTERM, &s->term, NULL);
	sigaction(SIGPIPE, &s->pipe, NULL);
}

static char *find_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs = vm_strdup(path && *path ? path : std_path), *found = NULL;

	for (char *d = strtok(dirs, ":"); d && !found; d = strtok(NULL, ":")) {
		char *cand = vm_asprintf("%s/%s", *d ? d : ".", prog);

		if (access(cand, X_OK) == 0 && is_file(cand))
			found = cand;
		else
			free(cand);
	}
	free(dirs);
	return found;
}

/* KVM only if the CPU advertises VMX/SVM and /dev/kvm opens: a /dev/kvm
 * without them exists on some hosts and hangs the guest. */
static int kvm_usable(void)
{
	char *cpu = slurp("/proc/cpuinfo", NULL);
	int flag = cpu && (strstr(cpu, " vmx") || strstr(cpu, " svm"));
	int fd = flag ? open("/dev/kvm", O_RDWR | O_CLOEXEC) : -1;

	free(cpu);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static double mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Under TCG the guest's TSC is the host's (QEMU reads the host's counter),
 * so its rate can be measured here, in 10 ms, and handed to the guest: a
 * guest calibrating it itself against the PIT under TCG is slow, and on a
 * loaded host fails outright on microvm (no HPET or PM timer to fall back
 * on), leaving the boot hung.  Returns kHz, 0 if unknown or not constant.
 */
static long host_tsc_khz(void)
{
#if defined(__x86_64__) || defined(__i386__)
	char *cpu = slurp("/proc/cpuinfo", NULL);
	int constant = cpu && strstr(cpu, " constant_tsc") && strstr(cpu, " nonstop_tsc");
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	double t0, t1;
	unsigned long long c0, c1;

	free(cpu);
	if (!constant)
		return 0;
	t0 = mono_raw_ns();
	c0 = __builtin_ia32_rdtsc();
	while (nanosleep(&pause, &pause) && errno == EINTR)
		;
	t1 = mono_raw_ns();
	c1 = __builtin_ia32_rdtsc();
	return t1 > t0 ? (long)((c1 - c0) / (t1 - t0) * 1e6) : 0;
#else
	return 0;
#endif
}

/* CONFIG_HZ of the guest kernel (for lpj=), 250 if unknown. */
static int kernel_hz(const char *krel)
{
	char *path = vm_asprintf("/boot/config-%s", krel);
	char *cfg = slurp(path, NULL), *p = cfg ? strstr(cfg, "\nCONFIG_HZ=") : NULL;
	int hz = p ? atoi(p + 11) : 0;

	free(path);
	free(cfg);
	return hz > 0 ? hz : 250;
}

/* The guest kernel's command line (malloc'd). */
static char *kernel_args(const struct plan *pl)
{
	const char *extra = getenv("SONDE_VM_APPEND");	/* for debugging */
	char *args = vm_strdup(kernel_cmdline), *clock;

	if (!pl->kvm && pl->tsc_khz > 0) {
		/* lpj= also spares every CPU the slow delay-loop calibration */
		clock = vm_asprintf(" tsc_early_khz=%ld tsc=reliable lpj=%ld",
				    pl->tsc_khz, pl->tsc_khz * 1000 / pl->hz);
		str_append(&args, clock, strlen(clock));
		free(clock);
	}
	if (extra && *extra) {
		str_append(&args, " ", 1);
		str_append(&args, extra, strlen(extra));
	}
	return args;
}

/* Appends the option opt and its formatted value. */
static void push_opt(char ***v, size_t *n, const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void push_opt(char ***v, size_t *n, const char *opt, const char *fmt, ...)
{
	va_list ap;
	char *s;

	strv_push(v, n, vm_strdup(opt));
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_push(v, n, s);
}

/* Appends the NULL-terminated list of literal arguments. */
static void push_list(char ***v, size_t *n, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, n);
	while ((a = va_arg(ap, const char *)))
		strv_push(v, n, vm_strdup(a));
	va_end(ap);
}

static char **qemu_argv(const struct vm_options *o, const struct plan *pl,
			const char *qemu, const char *kernel)
{
	static const char *const ports[] = { "con", "out", "err", "ctl" };
	const char *bus = pl->machine->dev_suffix;
	char **v = NULL;
	size_t n = 0;

	push_list(&v, &n, qemu, "-M", pl->machine->name, "-nodefaults",
		  "-no-user-config", "-display", "none", "-no-reboot",
		  "-accel", pl->kvm ? "kvm" : "tcg", "-cpu", pl->kvm ? "host" : "max",
		  "-kernel", kernel, "-append", NULL);
	strv_push(&v, &n, kernel_args(pl));
	push_opt(&v, &n, "-smp", "%d", o->cpus > 0 ? o->cpus : DEFAULT_CPUS);
	push_opt(&v, &n, "-m", "%d", o->mem_mb > 0 ? o->mem_mb : DEFAULT_MEM_MB);
	push_opt(&v, &n, "-initrd", "/proc/self/fd/%d", 3 + FD_INITRD);
	for (int i = 0; i < 4; i++)
		push_opt(&v, &n, "-chardev", "socket,id=%s,fd=%d", ports[i], 3 + FD_CON + i);
	push_list(&v, &n, "-serial", "chardev:con", "-fsdev", "local,id=root,path=/,"
		  "security_model=none,readonly=on,multidevs=remap", NULL);
	push_opt(&v, &n, "-device", "virtio-9p-%s,fsdev=root,mount_tag=hostroot", bus);
	push_opt(&v, &n, "-device", "virtio-serial-%s,id=vser", bus);
	for (int i = 1; i < 4; i++)
		push_opt(&v, &n, "-device", "virtserialport,bus=vser.0,nr=%d,"
			 "chardev=%s,name=sonde.%s", i, ports[i], ports[i]);
	return v;
}

static void print_argv(char **v)
{
	char *s = NULL;

	for (size_t i = 0; v[i]; i++) {
		if (i)
			str_append(&s, " ", 1);
		if (v[i][strcspn(v[i], " '\"\\$`*?;&|<>()")])
			vm_shell_quote(&s, v[i]);
		else
			str_append(&s, v[i], strlen(v[i]));
	}
	fprintf(stderr, "sonde: vm: %s\n", s);
	free(s);
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lowfd, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lowfd; fd < 65536; fd++)
		close(fd);
}

/* In the child: fds in place, own session, die with the parent, exec. */
static void exec_qemu(struct vm_run *r, char **argv, int err_w, pid_t parent)
{
	int hi[NFDS], devnull = open("/dev/null", O_RDWR);
	sigset_t none;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	r->peer[FD_INITRD] = r->initrd;
	for (int i = 0; i < NFDS; i++)
		hi[i] = fcntl(r->peer[i], F_DUPFD_CLOEXEC, 100);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(err_w, 2);
	for (int i = 0; i < NFDS; i++)
		dup2(hi[i], 3 + i);
	close_from(3 + NFDS);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int spawn_qemu(struct vm_run *r, char **argv)
{
	int p[2];
	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC)) {
		vm_error("pipe: %s", strerror(errno));
		return -1;
	}
	r->qemu = fork();
	if (r->qemu == 0)
		exec_qemu(r, argv, p[1], parent);
	close(p[1]);
	r->qerr = p[0];
	for (int i = FD_CON; i < NFDS; i++) {
		close(r->peer[i]);
		r->peer[i] = -1;
	}
	if (r->qemu < 0) {
		vm_error("fork: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int make_channels(struct vm_run *r)
{
	for (int i = FD_CON; i < NFDS; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
			vm_error("socketpair: %s", strerror(errno));
			return -1;
		}
		r->fd[i] = sv[0];
		r->peer[i] = sv[1];
	}
	return 0;
}

/* ------------------------------------------------------- the event loop */

/* Appends to a buffer that keeps only its last cap bytes. */
static void keep_tail(char *buf, size_t *len, size_t cap, const char *p, size_t n)
{
	if (n >= cap) {
		memcpy(buf, p + n - cap, cap);
		*len = cap;
		return;
	}
	if (*len + n > cap) {
		size_t drop = *len + n - cap;

		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
	}
	memcpy(buf + *len, p, n);
	*len += n;
}

/* Prints the last `lines` lines of buf, without \r, each prefixed. */
static void print_tail(const char *title, const char *buf, size_t len, int lines)
{
	size_t start = len;
	int seen = 0;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (!len)
		return;
	for (start = len; start > 0 && seen < lines; start--)
		if (buf[start - 1] == '\n' && ++seen == lines)
			break;
	fprintf(stderr, "%s\n  | ", title);
	for (size_t i = start; i < len; i++) {
		if (buf[i] == '\r')
			continue;
		fputc(buf[i], stderr);
		if (buf[i] == '\n')
			fputs("  | ", stderr);
	}
	fputc('\n', stderr);
}

static void report_failure(struct vm_run *r, const char *what)
{
	vm_error("vm: %s", what);
	if (r->fail)
		fprintf(stderr, "sonde: the guest's init said: %s\n", r->fail);
	print_tail("sonde: qemu said:", r->qmsg, r->qmsg_len, CONSOLE_LINES);
	if (r->console_len)
		print_tail("sonde: last lines of the guest console:", r->console,
			   r->console_len, CONSOLE_LINES);
	else
		fprintf(stderr, "sonde: the guest console is empty (it is quiet "
			"unless something fails; SONDE_VM_APPEND=loglevel=7 "
			"shows the whole boot)\n");
}

static void send_ctl(struct vm_run *r, const char *fmt, int arg)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), fmt, arg);

	if (r->fd[FD_CTL] >= 0)
		write_all(r->fd[FD_CTL], msg, n);
}

static void handle_line(struct vm_run *r, char *line)
{
	if (!strcmp(line, "start")) {
		r->started = 1;
		r->t_start = now_s();
		if (r->o->verbose)
			fprintf(stderr, "sonde: vm: command started %.3f s after vm_run()\n",
				r->t_start - r->t0);
	} else if (sscanf(line, "rc %d %llu %llu", &r->rc, &r->want[0],
			  &r->want[1]) == 3) {
		r->have_rc = 1;
		if (r->o->verbose)
			fprintf(stderr, "sonde: vm: command exited (status %d) %.3f s "
				"after vm_run()\n", r->rc, now_s() - r->t0);
	} else if (!strncmp(line, "fail ", 5)) {
		free(r->fail);
		r->fail = vm_strdup(line + 5);
	}
}

static void handle_ctl_data(struct vm_run *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (r->line_len < sizeof(r->line) - 1)
				r->line[r->line_len++] = p[i];
			continue;
		}
		r->line[r->line_len] = '\0';
		r->line_len = 0;
		handle_line(r, r->line);
	}
}

/* Sends the guest's output on (i = 0 stdout, 1 stderr) to our fd 1 + i,
 * or stdout to the caller's stdout_fd. */
static void handle_output(struct vm_run *r, int i, const char *p, size_t n)
{
	int fd = i == 0 && r->o->stdout_fd > 0 ? r->o->stdout_fd : 1 + i;

	r->got[i] += n;
	if (r->broken[i])
		return;
	if (write_all(fd, p, n) < 0) {
		r->broken[i] = 1;	/* like a closed pipe: tell the command */
		if (errno == EPIPE && r->started && !r->have_rc)
			send_ctl(r, "sig %d\n", SIGPIPE);
	}
}

/* Reads what fd[idx] has; returns 0 at EOF (the fd is then closed). */
static int pump(struct vm_run *r, int idx)
{
	char buf[65536];
	ssize_t n = read(r->fd[idx], buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(r->fd[idx]);
		r->fd[idx] = -1;
		return 0;
	}
	if (idx == FD_OUT || idx == FD_ERR)
		handle_output(r, idx - FD_OUT, buf, n);
	else if (idx == FD_CTL)
		handle_ctl_data(r, buf, n);
	else {
		keep_tail(r->console, &r->console_len, sizeof(r->console), buf, n);
		if (r->o->verbose > 1)
			write_all(2, buf, n);
	}
	return 1;
}

static int pump_qemu_stderr(struct vm_run *r)
{
	char buf[4096];
	ssize_t n = read(r->qerr, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0) {
		close(r->qerr);
		r->qerr = -1;
		return 0;
	}
	keep_tail(r->qmsg, &r->qmsg_len, sizeof(r->qmsg), buf, n);
	return 1;
}

/* Kills QEMU (if still running) and reaps it. */
static void reap_qemu(struct vm_run *r, int sig)
{
	if (r->qemu <= 0)
		return;
	if (sig)
		kill(r->qemu, sig);
	while (waitpid(r->qemu, &r->status, 0) < 0 && errno == EINTR)
		;
	r->qemu = 0;
}

/* QEMU is gone (or going): collect whatever is still buffered. */
static void drain_all(struct vm_run *r)
{
	for (int i = FD_CON; i < NFDS; i++)
		while (r->fd[i] >= 0 && pump(r, i))
			;
	while (r->qerr >= 0 && pump_qemu_stderr(r))
		;
}

static int output_complete(struct vm_run *r)
{
	return r->have_rc && r->got[0] >= r->want[0] && r->got[1] >= r->want[1];
}

/* Everything arrived: let the guest power off, but not for long. */
static int finish(struct vm_run *r)
{
	double until = now_s() + BYE_GRACE_S;

	send_ctl(r, "bye\n", 0);
	while (r->qerr >= 0 && now_s() < until) {
		struct pollfd p = { r->qerr, POLLIN, 0 };

		if (poll(&p, 1, (until - now_s()) * 1000 + 1) > 0)
			pump_qemu_stderr(r);
	}
	reap_qemu(r, SIGKILL);
	return r->rc;
}

static int qemu_gone(struct vm_run *r)
{
	char what[128];

	reap_qemu(r, SIGKILL);	/* it closed its stderr: it is exiting */
	drain_all(r);
	if (r->have_rc)
		return r->rc;
	if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
		snprintf(what, sizeof(what), "qemu failed (exit status %d)",
			 WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(what, sizeof(what), "qemu was killed by signal %d",
			 WTERMSIG(r->status));
	else
		snprintf(what, sizeof(what), "the guest stopped before the command %s",
			 r->started ? "finished" : "could start");
	report_failure(r, what);
	return -1;
}

/* Handles the signals caught since last time; returns >= 0 to end the run. */
static int handle_signals(struct vm_run *r)
{
	unsigned char sigs[16];
	ssize_t n = read(r->sig, sigs, sizeof(sigs));

	for (ssize_t i = 0; i < n; i++) {
		if (r->have_rc)
			continue;
		if (!r->started) {	/* nothing to forward it to: stop now */
			reap_qemu(r, SIGKILL);
			return 128 + sigs[i];
		}
		if (++r->nsig >= MAX_SIGNALS) {
			vm_error("vm: the guest command survived %d signals; "
				 "killing the VM", r->nsig - 1);
			reap_qemu(r, SIGKILL);
			return 128 + sigs[i];
		}
		send_ctl(r, "sig %d\n", sigs[i]);
	}
	return -1;
}

/* Milliseconds until the next deadline, or -1; 0 if one has passed
 * (then why says which). */
static int poll_timeout(struct vm_run *r, char *why, size_t size)
{
	double t = now_s(), until = -1;

	if (r->o->timeout_s > 0) {
		until = r->t0 + r->o->timeout_s;
		snprintf(why, size, "the guest did not finish within the time "
			 "limit of %d s", r->o->timeout_s);
	}
	if (!r->started && (until < 0 || r->t0 + BOOT_WATCHDOG_S < until)) {
		until = r->t0 + BOOT_WATCHDOG_S;
		snprintf(why, size, "the guest did not start the command within "
			 "%d s of booting", BOOT_WATCHDOG_S);
	}
	if (until < 0)
		return -1;
	return until <= t ? 0 : (int)((until - t) * 1000) + 1;
}

static int event_loop(struct vm_run *r)
{
	for (;;) {
		struct pollfd p[NFDS + 2];
		char why[128];
		int timeout = poll_timeout(r, why, sizeof(why)), ret;

		if (output_complete(r))
			return finish(r);
		if (timeout == 0) {
			reap_qemu(r, SIGKILL);
			drain_all(r);
			report_failure(r, why);
			return -1;
		}
		for (int i = 0; i < NFDS; i++)
			p[i] = (struct pollfd){ i == FD_INITRD ? -1 : r->fd[i], POLLIN, 0 };
		p[NFDS] = (struct pollfd){ r->qerr, POLLIN, 0 };
		p[NFDS + 1] = (struct pollfd){ r->sig, POLLIN, 0 };
		if (poll(p, NFDS + 2, timeout) < 0 && errno != EINTR) {
			vm_error("poll: %s", strerror(errno));
			return -1;
		}
		if (p[NFDS + 1].revents && (ret = handle_signals(r)) >= 0)
			return ret;
		for (int i = FD_CON; i < NFDS; i++)
			if (p[i].revents)
				pump(r, i);
		if (p[NFDS].revents && !pump_qemu_stderr(r))
			return qemu_gone(r);
	}
}

/* ------------------------------------------------------------- vm_run */

static void run_cleanup(struct vm_run *r)
{
	reap_qemu(r, SIGKILL);
	for (int i = 0; i < NFDS; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		if (r->peer[i] >= 0 && i != FD_INITRD)
			close(r->peer[i]);
	}
	if (r->initrd >= 0)
		close(r->initrd);
	if (r->qerr >= 0)
		close(r->qerr);
	free(r->fail);
}

static const char *check_args(const struct vm_options *o, char *const argv[],
			      const char **krel)
{
	*krel = o->krelease ? o->krelease : vm_default_krelease();
	if (!*krel)
		return "no installed kernel with headers found; "
		       "install linux-image-amd64 linux-headers-amd64";
	if (!argv || !argv[0] || argv[0][0] != '/')
		return "vm: the command to run must be an absolute path";
	return NULL;
}

/* Builds the initramfs and starts QEMU; the caller cleans up on failure. */
static int start_vm(struct vm_run *r, const char *krel, char *const argv[],
		    const char *cwd)
{
	char *kernel = vm_asprintf("/boot/vmlinuz-%s", krel);
	char *qemu = NULL, **qargv = NULL, *image = NULL;
	struct plan pl = { .krel = krel, .kvm = kvm_usable(), .hz = kernel_hz(krel) };
	double t;
	int rc = -1;

	if (access(kernel, R_OK)) {
		vm_error("cannot read the kernel %s: %s", kernel, strerror(errno));
		goto out;
	}
	if (!(qemu = find_in_path("qemu-system-x86_64"))) {
		vm_error("qemu-system-x86_64 not found; install qemu-system-x86");
		goto out;
	}
	r->initrd = memfd_create("sonde-initramfs", MFD_CLOEXEC);
	if (r->initrd < 0) {
		vm_error("memfd_create: %s", strerror(errno));
		goto out;
	}
	if (!pl.kvm)
		pl.tsc_khz = host_tsc_khz();
	t = now_s();
	if (build_initramfs(r->initrd, &pl, argv, cwd) || make_channels(r))
		goto out;
	t = now_s() - t;
	image = boot_image(krel, r->o->verbose);
	qargv = qemu_argv(r->o, &pl, qemu, image);
	if (r->o->verbose) {
		fprintf(stderr, "sonde: vm: initramfs of %lld KiB built in %.1f ms\n",
			(long long)lseek(r->initrd, 0, SEEK_END) / 1024, t * 1000);
		print_argv(qargv);
	}
	rc = spawn_qemu(r, qargv);
out:
	free(kernel);
	free(qemu);
	free(image);
	vm_free_strv(qargv);
	return rc;
}

int vm_run(const struct vm_options *o, char *const argv[], const char *cwd)
{
	static const struct vm_options defaults;
	struct vm_run *r = calloc(1, sizeof(*r));
	struct saved_sigs saved;
	const char *krel, *err;
	char *here = NULL;
	int sp[2], rc = -1;

	if (!o)
		o = &defaults;
	if ((err = check_args(o, argv, &krel))) {
		vm_error("%s", err);
		free(r);
		return -1;
	}
	if (!cwd || cwd[0] != '/') {	/* relative to ours */
		char *dot = getcwd(NULL, 0);

		here = !dot ? NULL : cwd ? vm_asprintf("%s/%s", dot, cwd) : vm_strdup(dot);
		cwd = here;
		free(dot);
	}
	if (!r || !cwd || pipe2(sp, O_CLOEXEC | O_NONBLOCK)) {
		vm_error("vm: %s", strerror(errno));
		free(r);
		free(here);
		return -1;
	}
	r->o = o;
	r->initrd = r->qerr = -1;
	r->sig = sp[0];
	r->t0 = now_s();
	for (int i = 0; i < NFDS; i++)
		r->fd[i] = r->peer[i] = -1;
	sig_wfd = sp[1];
	catch_signals(&saved);
	if (start_vm(r, krel, argv, cwd) == 0)
		rc = event_loop(r);
	if (o->verbose) {
		if (rc >= 0)
			print_tail("sonde: vm: qemu said:", r->qmsg, r->qmsg_len,
				   CONSOLE_LINES);
		fprintf(stderr, "sonde: vm: done after %.3f s, status %d\n",
			now_s() - r->t0, rc);
	}
	run_cleanup(r);
	restore_signals(&saved);
	sig_wfd = -1;
	close(sp[0]);
	close(sp[1]);
	free(r);
	free(here);
	return rc;
}
