/*
 * vm.h - run a command inside a disposable QEMU guest (sonde's VM target).
 *
 * Model: each vm_run() builds a fresh initramfs in memory (static busybox,
 * the /init script templates/vm-init.sh, the 9p + virtio-console module
 * chain of the chosen kernel, and a generated /job file holding argv and
 * cwd), boots the installed kernel /boot/vmlinuz-REL with it under QEMU,
 * and talks to the guest over three virtio-serial ports that are
 * socketpairs on our side: sonde.out and sonde.err carry the command's
 * stdout and stderr byte for byte, sonde.ctl carries one-line messages
 * both ways (start, exit status and byte counts from the guest; signals
 * and "bye" to it).  The guest mounts the host's / read-only over 9p and
 * chroots into it, so every host path is valid inside.  The only files
 * written on the host are per-kernel caches in ~/.cache/sonde: the
 * uncompressed vmlinux, and the kernel facts of kernel_info.c; QEMU dies
 * with us (PDEATHSIG).  One vm_run() at a
 * time per process (the signal forwarding uses process-wide handlers).
 * See docs/vm.md.
 */
#ifndef SONDE_VM_H
#define SONDE_VM_H

#include <stddef.h>

struct vm_options {
	const char *krelease;   /* NULL: vm_default_krelease() */
	int cpus;               /* 0: default 2 */
	int mem_mb;             /* 0: default 512 */
	int verbose;            /* >0: print the qemu command line and boot timings to stderr */
	int timeout_s;          /* hard limit for the whole guest lifetime, 0 = none */
	int stdout_fd;          /* >0: the command's stdout goes there, not to fd 1 */
};

/* Newest kernel release that has both /boot/vmlinuz-REL and /lib/modules/REL/build; NULL if none. */
const char *vm_default_krelease(void);

/* The cached uncompressed vmlinux ELF of kernel krel (it keeps the .BTF
 * section), extracted from /boot/vmlinuz-krel on first use; a malloc'd
 * path, or NULL if it cannot be had. */
char *vm_vmlinux_path(const char *krel);

/* Boots a fresh guest, runs argv in it (argv[0] an absolute host path) in
 * directory cwd, with stdin from /dev/null; the guest's stdout and stderr of
 * that command are streamed live to our fds 1 and 2 (kept apart, unmodified
 * bytes, no \r added); SIGINT/SIGTERM received by us while it runs are
 * forwarded to the guest command (as the same signal), so it can shut down
 * cleanly. Returns the command's exit status 0-255 (128+sig if killed),
 * or -1 if the VM itself failed: then a clear message is on stderr,
 * with the last ~20 lines of the guest console (kernel log) when useful. */
int vm_run(const struct vm_options *o, char *const argv[], const char *cwd);

/**
 * vm_set_datadir() - where sonde's data lives.
 * @dir: directory holding templates/, runtime/ and tapsets/ (the repository
 *       root in the source tree).  The guest's /init is read from
 *       @dir/templates/vm-init.sh.  Without a call, $SONDE_DATADIR, then
 *       the current directory, are tried.
 */
void vm_set_datadir(const char *dir);

/* The cache directory ($SONDE_CACHE_DIR, $XDG_CACHE_HOME/sonde or
 * ~/.cache/sonde), created if needed; malloc'd, NULL if there is none. */
char *vm_cache_dir(void);

/* "REL-SIZE-MTIME" of /boot/vmlinuz-REL: what per-kernel cache files are
 * named after, so that a reinstalled kernel invalidates them.  malloc'd;
 * NULL if there is no such kernel. */
char *vm_kernel_id(const char *krel);

/* Removes dir/PREFIX-KREL-SIZE-MTIME files other than keep, and their
 * temporaries (.PREFIX-KREL-SIZE-MTIME.XXXXXX) left over an hour ago. */
void vm_cache_prune(const char *dir, const char *prefix, const char *krel,
		    const char *keep);

/* ---- pure helpers, exposed for the unit tests ---- */

/**
 * vm_pick_krelease() - newest usable kernel release under the given roots.
 * @boot_dir: where vmlinuz-REL files live ("/boot").
 * @modules_dir: where REL/build directories live ("/lib/modules").
 *
 * Releases are compared with strverscmp(), so 6.12.1 > 6.1.0-56.
 * Return: a malloc'd release string, or NULL if none qualifies.
 */
char *vm_pick_krelease(const char *boot_dir, const char *modules_dir);

/**
 * vm_module_order() - insmod order for a set of modules.
 * @dep_text: contents of modules.dep ("path: dep dep ...").
 * @builtin_text: contents of modules.builtin (one path a line), or NULL.
 * @names: NULL-terminated module names; '-' and '_' are equivalent.
 * @missing: on failure, set to the name that is neither a module nor
 *           built in.
 *
 * Dependencies come before their users, each module once.  Built-in
 * modules are left out.
 * Return: a malloc'd NULL-terminated array of malloc'd paths as written in
 * modules.dep (e.g. "kernel/fs/9p/9p.ko"), or NULL on failure.
 */
char **vm_module_order(const char *dep_text, const char *builtin_text,
		       const char *const names[], const char **missing);

/* Frees what vm_module_order() returned. */
void vm_free_strv(char **v);

/**
 * vm_job_script() - the guest's /job file: shell assignments of
 * SONDE_CWD and SONDE_PATH and a "set --" line holding argv, every word
 * single-quoted so any byte except NUL survives.  Returns malloc'd text.
 */
char *vm_job_script(char *const argv[], const char *cwd, const char *path);

/* Appends s to the malloc'd string *dst as one single-quoted shell word. */
void vm_shell_quote(char **dst, const char *s);

#endif
