/*
 * kbuild.c - turning the generated C into NAME.ko.
 *
 * The build directory gets script.c (generated), runtime.c (one #include
 * of the runtime umbrella) and a Kbuild file made from templates/Kbuild.in.
 * kbuild's output goes to build.log; on failure the user sees the first
 * compiler errors, not a wall of make output.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "diag.h"
#include "kbuild.h"
#include "session.h"
#include "util.h"

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		diag_fatal_noloc("cannot write %s: %m", path);
		return false;
	}
	return true;
}

/* Replaces every @KEY@ in text. */
static char *substitute(const char *text, const char *const *pairs)
{
	StrBuf sb = { 0 };

	for (const char *p = text; *p; p++) {
		bool done = false;
		for (int i = 0; *p == '@' && pairs[i]; i += 2) {
			size_t n = strlen(pairs[i]);
			if (strncmp(p + 1, pairs[i], n) == 0 && p[n + 1] == '@') {
				sb_puts(&sb, pairs[i + 1]);
				p += n + 1;
				done = true;
				break;
			}
		}
		if (!done)
			sb_putc(&sb, *p);
	}
	return sb_steal(&sb);
}

char *kbuild_headers(const char *krelease, bool complain)
{
	char *dir = xasprintf("/lib/modules/%s/build", krelease);
	struct stat st;

	if (stat(xasprintf("%s/Makefile", dir), &st) == 0)
		return dir;
	if (complain)
		diag_fatal_noloc("no kernel headers for %s (expected %s); install "
				 "linux-headers-%s", krelease, dir, krelease);
	return NULL;
}

/* Shows the first compiler errors of a failed build. */
static void show_errors(const char *log_path)
{
	size_t len;
	char *log = read_file(log_path, &len);
	int shown = 0;

	if (!log)
		return;
	for (char *line = strtok(log, "\n"); line && shown < 20; line = strtok(NULL, "\n")) {
		if (strstr(line, "error:") || strstr(line, "Error ") ||
		    (shown && shown < 20 && (line[0] == ' ' || strstr(line, "note:")))) {
			fprintf(stderr, "%s\n", line);
			shown++;
		}
	}
	if (!shown)
		fprintf(stderr, "%s", log);
}

static int run_make(const char *headers, const char *dir, const char *log_path)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *log = freopen(log_path, "w", stdout);
		if (!log || dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execlp("make", "make", "-s", "-j2", "-C", headers, xasprintf("M=%s", dir),
		       "modules", (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *kbuild_module(const char *dir, const char *module, const char *source,
		    const char *krelease)
{
	char *headers = kbuild_headers(krelease, true);
	if (!headers)
		return NULL;

	size_t len;
	char *tmpl = read_file(xasprintf("%s/templates/Kbuild.in", opt.datadir), &len);
	char *rt = read_file(xasprintf("%s/templates/runtime.c.in", opt.datadir), &len);
	if (!tmpl || !rt) {
		diag_fatal_noloc("cannot read the templates in %s/templates: %m", opt.datadir);
		return NULL;
	}
	StrBuf defines = { 0 };
	for (int i = 0; i < opt.ndefines; i++)
		sb_printf(&defines, "%s-D%s", i ? " " : "", opt.defines[i]);
	const char *pairs[] = {
		"MODULE", module,
		"RUNTIME", xasprintf("%s/runtime", opt.datadir),
		"DEFINES", defines.data ? defines.data : "",
		NULL,
	};
	if (!write_file(xasprintf("%s/script.c", dir), source) ||
	    !write_file(xasprintf("%s/runtime.c", dir), rt) ||
	    !write_file(xasprintf("%s/Kbuild", dir), substitute(tmpl, pairs)))
		return NULL;

	char *log_path = xasprintf("%s/build.log", dir);
	int rc = run_make(headers, dir, log_path);
	char *ko = xasprintf("%s/%s.ko", dir, module);
	if (rc != 0 || access(ko, R_OK) != 0) {
		diag_fatal_noloc("building the kernel module failed (kbuild exit status %d):", rc);
		show_errors(log_path);
		return NULL;
	}
	return ko;
}
