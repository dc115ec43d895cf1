/*
 * kernel_info.c - facts about the target kernel (see kernel_info.h): read
 * from a tree laid out like /, from a cache file, or collected in a guest.
 *
 * The model is three sorted, deduplicated lists of (name, module) with a
 * hash index on the name, pointing into the text they were parsed from:
 *   functions  available_filter_functions: what wildcards expand over;
 *   blacklist  the kprobe blacklist (functions on it are marked);
 *   symbols    kallsyms text symbols that are not in functions (notrace
 *              code kprobes can still probe: named probes accept them);
 * plus the tracepoints with the text of their format files.
 *
 * The cache file, one per kernel (CACHE/kernel-facts-REL-SIZE-MTIME):
 *
 *     sonde-kernel-facts 1
 *     release 6.1.0-56-amd64
 *     functions N           then N lines "name" or "name [module]"
 *     blacklist N           the same
 *     symbols N             the same
 *     tracepoints N         then N times "SYSTEM EVENT LENGTH", LENGTH
 *                           bytes of the format file and a newline
 *     end
 *
 * The lists are written sorted, so loading is one pass that cuts lines in
 * place and fills the hash indexes (a few ms for 40k functions).  A guest
 * writes this text to its stdout (kernel_info_dump()); we keep it only if
 * it parses whole, then rename it into place.
 */
#define _GNU_SOURCE
#include "kernel_info.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "suggest.h"
#include "util.h"
#include "vm.h"

#define CACHE_MAGIC "sonde-kernel-facts 1"
#define COLLECT_TIMEOUT_S 600
/* Suggestions: longer patterns or names are not worth the table. */
#define MAX_GLOB_TOKENS 64
#define MAX_GLOB_NAME 128

/* Open addressing over the entries of a sorted list: each slot holds
 * 1 + the index of the first entry with a name, 0 when empty. */
typedef struct NameIndex {
	uint32_t *slots;
	size_t mask;
} NameIndex;

typedef struct FuncList {
	KernelFunction *v;
	size_t n, cap;
	NameIndex index;
} FuncList;

struct KernelInfo {
	const char *release;
	FuncList funcs;
	FuncList blacklist;
	FuncList symbols;
	KernelTracepoint *tps;
	size_t ntps, tps_cap;
	const char **modules;      /* distinct modules of funcs, sorted */
	size_t nmodules;
	const char *root;          /* a tree: where the lazy parts are read */
	bool have_symbols, have_tracepoints;
};

/* ---- lists and their index ------------------------------------------------ */

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int cmp_module(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b;   /* the kernel image (NULL) first */
	return strcmp(a, b);
}

static int cmp_func(const void *a, const void *b)
{
	const KernelFunction *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : cmp_module(x->module, y->module);
}

static void list_add(FuncList *l, const char *name, const char *module)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (KernelFunction){ .name = name, .module = module };
}

/* Sorts (unless sorted already, as in a cache file), drops duplicates
 * (a static function of the same name in two files is listed twice) and
 * builds the index. */
static void list_finish(FuncList *l)
{
	bool sorted = true;
	size_t n = 0, cap = 16;

	for (size_t i = 1; i < l->n && sorted; i++)
		sorted = cmp_func(&l->v[i - 1], &l->v[i]) < 0;
	if (!sorted) {
		qsort(l->v, l->n, sizeof(*l->v), cmp_func);
		for (size_t i = 0; i < l->n; i++)
			if (n == 0 || cmp_func(&l->v[n - 1], &l->v[i]) != 0)
				l->v[n++] = l->v[i];
		l->n = n;
	}
	while (cap < 2 * l->n)
		cap *= 2;
	free(l->index.slots);
	l->index.slots = xcalloc(cap, sizeof(uint32_t));
	l->index.mask = cap - 1;
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0 && strcmp(l->v[i - 1].name, l->v[i].name) == 0)
			continue;
		size_t h = hash_name(l->v[i].name) & l->index.mask;
		while (l->index.slots[h])
			h = (h + 1) & l->index.mask;
		l->index.slots[h] = (uint32_t)i + 1;
	}
}

/* Index of the first entry named name, or -1. */
static long list_find(const FuncList *l, const char *name)
{
	if (!l->index.slots)
		return -1;
	for (size_t h = hash_name(name) & l->index.mask; l->index.slots[h];
	     h = (h + 1) & l->index.mask) {
		uint32_t i = l->index.slots[h] - 1;
		if (strcmp(l->v[i].name, name) == 0)
			return i;
	}
	return -1;
}

static const KernelFunction *list_lookup(const FuncList *l, const char *module, const char *name)
{
	long i = list_find(l, name);

	for (; i >= 0 && (size_t)i < l->n && strcmp(l->v[i].name, name) == 0; i++)
		if (cmp_module(l->v[i].module, module) == 0)
			return &l->v[i];
	return NULL;
}

/* ---- parsing the kernel's files ---------------------------------------- */

/* Cuts the next line out of *p (in place); NULL at the end. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', end - line);
	if (!nl) {
		*p = end;      /* the text is NUL-terminated at end */
		return line;
	}
	*nl = '\0';
	*p = nl + 1;
	return line;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "name" or "name [module]" (in place); false if malformed. */
static bool split_name(char *s, const char **name, const char **module)
{
	while (is_blank(*s))
		s++;
	*name = s;
	*module = NULL;
	while (*s && !is_blank(*s))
		s++;
	if (s == *name)
		return false;
	if (*s) {
		*s++ = '\0';
		while (is_blank(*s))
			s++;
		if (*s == '[') {
			char *close = strchr(++s, ']');
			if (!close || close == s)
				return false;
			*close = '\0';
			*module = s;
		} else if (*s) {
			return false;
		}
	}
	return true;
}

static void parse_names(FuncList *l, char *text)
{
	char *p = text, *end = text + strlen(text), *line;
	const char *name, *module;

	while ((line = next_line(&p, end)))
		if (*line && *line != '#' && split_name(line, &name, &module))
			list_add(l, name, module);
}

void kernel_info_parse_functions(KernelInfo *ki, char *text)
{
	parse_names(&ki->funcs, text);
}

void kernel_info_parse_blacklist(KernelInfo *ki, char *text)
{
	char *p = text, *end = text + strlen(text), *line;
	const char *name, *module;

	while ((line = next_line(&p, end))) {
		/* 0xSTART-0xEND <tab> name [module] */
		if (strncmp(line, "0x", 2) != 0)
			continue;
		line += strcspn(line, " \t");
		if (*line && split_name(line, &name, &module))
			list_add(&ki->blacklist, name, module);
	}
}

void kernel_info_parse_kallsyms(KernelInfo *ki, char *text)
{
	char *p = text, *end = text + strlen(text), *line;
	const char *name, *module;

	while ((line = next_line(&p, end))) {
		/* ADDR TYPE name [module] */
		line += strcspn(line, " \t");
		line += strspn(line, " \t");
		if ((line[0] != 't' && line[0] != 'T') || !is_blank(line[1]))
			continue;
		if (split_name(line + 2, &name, &module))
			list_add(&ki->symbols, name, module);
	}
}

void kernel_info_add_tracepoint(KernelInfo *ki, const char *system, const char *event,
				const char *format)
{
	if (ki->ntps == ki->tps_cap) {
		ki->tps_cap = ki->tps_cap ? 2 * ki->tps_cap : 256;
		ki->tps = xrealloc(ki->tps, ki->tps_cap * sizeof(*ki->tps));
	}
	ki->tps[ki->ntps++] = (KernelTracepoint){ system, event, format };
}

KernelInfo *kernel_info_new(const char *release)
{
	KernelInfo *ki = xcalloc(1, sizeof(*ki));

	ki->release = release ? release : "unknown";
	ki->have_symbols = ki->have_tracepoints = true;
	return ki;
}

static int cmp_tracepoint(const void *a, const void *b)
{
	const KernelTracepoint *x = a, *y = b;
	int c = strcmp(x->system, y->system);

	return c ? c : strcmp(x->event, y->event);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Symbols that are also functions say nothing more: drop them. */
static void finish_symbols(KernelInfo *ki)
{
	size_t n = 0;

	for (size_t i = 0; i < ki->symbols.n; i++)
		if (!list_lookup(&ki->funcs, ki->symbols.v[i].module, ki->symbols.v[i].name))
			ki->symbols.v[n++] = ki->symbols.v[i];
	ki->symbols.n = n;
	list_finish(&ki->symbols);
}

static void finish_tracepoints(KernelInfo *ki)
{
	qsort(ki->tps, ki->ntps, sizeof(*ki->tps), cmp_tracepoint);
}

/* Everything but the symbols' filtering (a cache has it done). */
static void finish_lists(KernelInfo *ki)
{
	list_finish(&ki->funcs);
	list_finish(&ki->blacklist);
	for (size_t i = 0; i < ki->blacklist.n; i++) {
		const KernelFunction *b = &ki->blacklist.v[i];
		KernelFunction *f = (KernelFunction *)list_lookup(&ki->funcs, b->module, b->name);
		if (f)
			f->blacklisted = true;
	}
	ki->nmodules = 0;
	for (size_t i = 0; i < ki->funcs.n; i++) {
		const KernelFunction *f = &ki->funcs.v[i];
		if (f->module && (ki->nmodules == 0 ||
				  strcmp(ki->modules[ki->nmodules - 1], f->module) != 0)) {
			ki->modules = xrealloc(ki->modules, (ki->nmodules + 1) * sizeof(char *));
			ki->modules[ki->nmodules++] = f->module;
		}
	}
	/* (sorted by function name: the same module recurs apart) */
	qsort(ki->modules, ki->nmodules, sizeof(char *), cmp_str);
	size_t n = 0;
	for (size_t i = 0; i < ki->nmodules; i++)
		if (n == 0 || strcmp(ki->modules[n - 1], ki->modules[i]) != 0)
			ki->modules[n++] = ki->modules[i];
	ki->nmodules = n;
	if (ki->have_tracepoints)
		finish_tracepoints(ki);
}

void kernel_info_finish(KernelInfo *ki)
{
	finish_lists(ki);
	if (ki->have_symbols)
		finish_symbols(ki);
}

/* ---- reading a tree like / ------------------------------------------------ */

/* A whole file (sysfs files have no size: read to the end); NULL and errno. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t n = 0, cap;
	char *data;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		errno = err;
		return NULL;
	}
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	data = xmalloc(cap);
	for (;;) {
		if (cap - n < 2)
			data = xrealloc(data, cap *= 2);
		ssize_t got = read(fd, data + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;
			close(fd);
			free(data);
			errno = err;
			return NULL;
		}
		if (got == 0)
			break;
		n += got;
	}
	close(fd);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static char *tree_path(const char *root, const char *rel)
{
	size_t n = strlen(root);

	return xasprintf("%s%s%s", root, n && root[n - 1] == '/' ? "" : "/", rel);
}

/* slurp() of root/rel.  (Paths are freed: the fuzz harness loads facts
 * outside its allocation tracking, where LeakSanitizer sees them.) */
static char *slurp_in(const char *root, const char *rel)
{
	char *path = tree_path(root, rel), *text = slurp(path, NULL);
	int err = errno;

	free(path);
	errno = err;
	return text;
}

/* On the running system, a file system that holds path is mounted at dir
 * when path is missing and we may mount (root). */
static void mount_for(const char *path, const char *dir, const char *type)
{
	if (access(path, F_OK) == 0 || geteuid() != 0)
		return;
	mount(type, dir, type, 0, NULL);
}

static const char *const function_lists[] = {
	"sys/kernel/tracing/available_filter_functions",
	"sys/kernel/debug/tracing/available_filter_functions",   /* before tracefs */
};

KernelInfo *kernel_info_read_tree(const char *root, char **why)
{
	bool live = strcmp(root, "/") == 0;
	char *text = NULL, *first = NULL;
	int err = 0;

	if (live) {
		mount_for("/sys/kernel/debug/kprobes", "/sys/kernel/debug", "debugfs");
		mount_for("/sys/kernel/tracing/available_filter_functions",
			  "/sys/kernel/tracing", "tracefs");
	}
	for (size_t i = 0; i < sizeof(function_lists) / sizeof(*function_lists) && !text; i++) {
		char *path = tree_path(root, function_lists[i]);
		text = slurp(path, NULL);
		if (!text && !first) {
			first = path;
			err = errno;
		} else {
			free(path);
		}
	}
	if (!text) {
		*why = xasprintf("cannot read %s: %s%s", first, strerror(err),
				 err == EACCES || err == EPERM ? " (it needs root)"
				 : err == ENOENT && live ? " (is tracefs mounted?)" : "");
		return NULL;
	}
	free(first);

	char *release = NULL;
	struct utsname u;
	if (live && uname(&u) == 0) {
		release = xstrdup(u.release);
	} else if ((release = slurp_in(root, "proc/sys/kernel/osrelease"))) {
		release[strcspn(release, "\n")] = '\0';
	}
	KernelInfo *ki = kernel_info_new(release);
	kernel_info_parse_functions(ki, text);
	char *black = slurp_in(root, "sys/kernel/debug/kprobes/blacklist");
	if (black)
		kernel_info_parse_blacklist(ki, black);
	ki->root = xstrdup(root);
	ki->have_symbols = ki->have_tracepoints = false;   /* read when asked */
	kernel_info_finish(ki);
	return ki;
}

static void need_symbols(KernelInfo *ki)
{
	if (ki->have_symbols)
		return;
	ki->have_symbols = true;
	char *text = slurp_in(ki->root, "proc/kallsyms");
	if (text)
		kernel_info_parse_kallsyms(ki, text);
	finish_symbols(ki);
}

/* Names that the cache format can carry (no blanks). */
static bool plain_name(const char *s)
{
	return *s && !s[strcspn(s, " \t\r\n")];
}

static void need_tracepoints(KernelInfo *ki)
{
	if (ki->have_tracepoints)
		return;
	ki->have_tracepoints = true;
	char *events = tree_path(ki->root, "sys/kernel/tracing/events");
	DIR *d = opendir(events);
	struct dirent *sys, *ev;

	while (d && (sys = readdir(d))) {
		/* ftrace/ describes the tracer's own records, not tracepoints */
		if (sys->d_name[0] == '.' || !strcmp(sys->d_name, "ftrace") || !plain_name(sys->d_name))
			continue;
		char *sysdir = xasprintf("%s/%s", events, sys->d_name);
		DIR *e = opendir(sysdir);   /* (enable, header_page: not directories) */
		while (e && (ev = readdir(e))) {
			if (ev->d_name[0] == '.' || !plain_name(ev->d_name))
				continue;
			char *path = xasprintf("%s/%s/format", sysdir, ev->d_name);
			char *format = slurp(path, NULL);
			if (format)
				kernel_info_add_tracepoint(ki, xstrdup(sys->d_name),
							   xstrdup(ev->d_name), format);
			free(path);
		}
		if (e)
			closedir(e);
		free(sysdir);
	}
	if (d)
		closedir(d);
	free(events);
	finish_tracepoints(ki);
}

/* ---- the cache format --------------------------------------------------- */

static void put_names(StrBuf *sb, const char *section, const FuncList *l)
{
	sb_printf(sb, "%s %zu\n", section, l->n);
	for (size_t i = 0; i < l->n; i++) {
		sb_puts(sb, l->v[i].name);
		if (l->v[i].module)
			sb_printf(sb, " [%s]", l->v[i].module);
		sb_putc(sb, '\n');
	}
}

char *kernel_info_serialize(KernelInfo *ki, size_t *len)
{
	StrBuf sb = { 0 };

	need_symbols(ki);
	need_tracepoints(ki);
	sb_printf(&sb, CACHE_MAGIC "\nrelease %s\n", ki->release);
	put_names(&sb, "functions", &ki->funcs);
	put_names(&sb, "blacklist", &ki->blacklist);
	put_names(&sb, "symbols", &ki->symbols);
	sb_printf(&sb, "tracepoints %zu\n", ki->ntps);
	for (size_t i = 0; i < ki->ntps; i++) {
		const KernelTracepoint *t = &ki->tps[i];
		sb_printf(&sb, "%s %s %zu\n", t->system, t->event, strlen(t->format));
		sb_puts(&sb, t->format);
		sb_putc(&sb, '\n');
	}
	sb_puts(&sb, "end\n");
	if (len)
		*len = sb.len;
	return sb_steal(&sb);
}

/* "WORD N" with the expected word; N in *n. */
static bool section_header(const char *line, const char *word, size_t *n)
{
	size_t wl = strlen(word);
	char *end;

	if (!line || strncmp(line, word, wl) != 0 || line[wl] != ' ' ||
	    line[wl + 1] < '0' || line[wl + 1] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(line + wl + 1, &end, 10);
	*n = v;
	return errno == 0 && *end == '\0' && v <= SIZE_MAX;
}

static bool parse_section(char **p, char *end, const char *word, FuncList *l)
{
	size_t n;
	const char *name, *module;

	if (!section_header(next_line(p, end), word, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		char *line = next_line(p, end);
		if (!line || !split_name(line, &name, &module))
			return false;
		list_add(l, name, module);
	}
	return true;
}

static bool parse_tracepoints(char **p, char *end, KernelInfo *ki)
{
	size_t n;

	if (!section_header(next_line(p, end), "tracepoints", &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		char *line = next_line(p, end), *event, *len_text, *stop;
		if (!line || !(event = strchr(line, ' ')) || event == line ||
		    !(len_text = strchr(event + 1, ' ')) || len_text == event + 1)
			return false;
		*event++ = '\0';
		*len_text++ = '\0';
		errno = 0;
		unsigned long long len = strtoull(len_text, &stop, 10);
		if (errno || *stop || *len_text < '0' || *len_text > '9' ||
		    len >= (unsigned long long)(end - *p) || (*p)[len] != '\n')
			return false;
		(*p)[len] = '\0';
		kernel_info_add_tracepoint(ki, line, event, *p);
		*p += len + 1;
	}
	return true;
}

KernelInfo *kernel_info_parse_cache(char *text, size_t len, char **why)
{
	char *p = text, *end = text + len, *line;
	KernelInfo *ki;

	line = next_line(&p, end);
	if (!line || strcmp(line, CACHE_MAGIC) != 0) {
		*why = xstrdup("not a sonde kernel-facts file (of this version)");
		return NULL;
	}
	line = next_line(&p, end);
	if (!line || strncmp(line, "release ", 8) != 0 || !line[8]) {
		*why = xstrdup("no release line");
		return NULL;
	}
	ki = kernel_info_new(line + 8);
	if (!parse_section(&p, end, "functions", &ki->funcs) ||
	    !parse_section(&p, end, "blacklist", &ki->blacklist) ||
	    !parse_section(&p, end, "symbols", &ki->symbols) ||
	    !parse_tracepoints(&p, end, ki) ||
	    !(line = next_line(&p, end)) || strcmp(line, "end") != 0) {
		/* (the position makes a corrupt file easy to look at) */
		*why = xasprintf("truncated or corrupt near byte %zu", (size_t)(p - text));
		return NULL;
	}
	finish_lists(ki);
	list_finish(&ki->symbols);   /* (written without the functions) */
	return ki;
}

KernelInfo *kernel_info_load_cache(const char *path, char **why)
{
	size_t len;
	char *text = slurp(path, &len);

	if (!text) {
		*why = xasprintf("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	KernelInfo *ki = kernel_info_parse_cache(text, len, why);
	if (!ki)
		*why = xasprintf("%s: %s", path, *why);
	return ki;
}

int kernel_info_dump(FILE *out)
{
	char *why;
	KernelInfo *ki = kernel_info_read_tree("/", &why);

	if (!ki) {
		fprintf(stderr, "sonde: error: %s\n", why);
		return 1;
	}
	size_t len;
	char *text = kernel_info_serialize(ki, &len);
	if (fwrite(text, 1, len, out) != len || fflush(out) != 0) {
		fprintf(stderr, "sonde: error: cannot write the kernel facts: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- queries -------------------------------------------------------------- */

const char *kernel_info_release(const KernelInfo *ki)
{
	return ki->release;
}

const KernelFunction *kernel_info_function(KernelInfo *ki, const char *module, const char *name)
{
	return list_lookup(&ki->funcs, module, name);
}

bool kernel_info_blacklisted(KernelInfo *ki, const char *module, const char *name)
{
	return list_lookup(&ki->blacklist, module, name) != NULL;
}

bool kernel_info_symbol(KernelInfo *ki, const char *module, const char *name)
{
	need_symbols(ki);
	return list_lookup(&ki->symbols, module, name) != NULL;
}

const char *kernel_info_module_of(KernelInfo *ki, const char *name)
{
	const FuncList *lists[] = { &ki->funcs, &ki->symbols };

	need_symbols(ki);
	for (int k = 0; k < 2; k++) {
		const FuncList *l = lists[k];
		for (long i = list_find(l, name); i >= 0 && (size_t)i < l->n &&
		     strcmp(l->v[i].name, name) == 0; i++)
			if (l->v[i].module)
				return l->v[i].module;
	}
	return NULL;
}

bool kernel_info_has_module(KernelInfo *ki, const char *module)
{
	return bsearch(&module, ki->modules, ki->nmodules, sizeof(char *), cmp_str) != NULL;
}

bool kernel_glob_is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool kernel_glob_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

/* Is f in scope: the kernel image (module NULL) or a module matching? */
static bool in_scope(const KernelFunction *f, const char *module)
{
	if (!module)
		return !f->module;
	return f->module && kernel_glob_match(module, f->module);
}

size_t kernel_info_match(KernelInfo *ki, const char *module, const char *pattern,
			 const KernelFunction ***out, size_t *nblacklisted)
{
	/* Only names that start with the pattern's literal prefix can match:
	 * binary-search where they begin in the sorted list. */
	size_t plen = strcspn(pattern, "*?[\\"), lo = 0, hi = ki->funcs.n, n = 0, cap = 0;
	const KernelFunction **v = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(ki->funcs.v[mid].name, pattern, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (nblacklisted)
		*nblacklisted = 0;
	for (size_t i = lo; i < ki->funcs.n; i++) {
		const KernelFunction *f = &ki->funcs.v[i];
		if (strncmp(f->name, pattern, plen) != 0)
			break;
		if (!in_scope(f, module) || !kernel_glob_match(pattern, f->name))
			continue;
		if (f->blacklisted) {
			if (nblacklisted)
				++*nblacklisted;
			continue;
		}
		if (n == cap)
			v = xrealloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
		v[n++] = f;
	}
	*out = v;
	return n;
}

/* ---- did you mean: approximate glob matching ------------------------------ */

typedef enum { TK_LIT, TK_ANY, TK_CLASS, TK_STAR } TokKind;

typedef struct GlobTok {
	TokKind kind;
	char c;                  /* TK_LIT */
	unsigned char set[32];   /* TK_CLASS: the bytes it matches */
	const char *text;        /* the token as written */
	int len;
} GlobTok;

/* The class's members, asked of fnmatch() once per byte (not once per
 * cell of the table). */
static void class_set(GlobTok *k)
{
	char cls[MAX_GLOB_NAME + 1];
	int len = k->len < MAX_GLOB_NAME ? k->len : MAX_GLOB_NAME;

	memcpy(cls, k->text, len);
	cls[len] = '\0';
	memset(k->set, 0, sizeof(k->set));
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, '\0' };
		if (fnmatch(cls, one, 0) == 0)
			k->set[c / 8] |= 1u << (c % 8);
	}
}

/* The ']' that closes the class opening at p, or NULL (then '[' is a
 * literal, as for fnmatch).  A ']' first in the class is a member. */
static const char *class_end(const char *p)
{
	const char *q = p + 1;

	if (*q == '!' || *q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (q[0] == '[' && q[1] == ':' && strstr(q + 2, ":]")) {
			q = strstr(q + 2, ":]") + 2;
			continue;
		}
		q++;
	}
	return *q ? q : NULL;
}

/* Splits a glob into tokens; -1 if it has more than max. */
static int glob_tokens(const char *p, GlobTok *t, int max)
{
	int n = 0;
	const char *e;

	while (*p) {
		if (n == max)
			return -1;
		GlobTok *k = &t[n++];
		k->text = p;
		k->len = 1;
		if (*p == '*') {
			k->kind = TK_STAR;
			while (p[k->len] == '*')
				k->len++;
		} else if (*p == '?') {
			k->kind = TK_ANY;
		} else if (*p == '[' && (e = class_end(p))) {
			k->kind = TK_CLASS;
			k->len = (int)(e - p) + 1;
			class_set(k);
		} else if (*p == '\\' && p[1]) {
			k->kind = TK_LIT;
			k->c = p[1];
			k->len = 2;
		} else {
			k->kind = TK_LIT;
			k->c = *p;
		}
		p += k->len;
	}
	return n;
}

static bool tok_matches(const GlobTok *t, char c)
{
	unsigned char u = (unsigned char)c;

	switch (t->kind) {
	case TK_LIT:
		return t->c == c;
	case TK_CLASS:
		return t->set[u / 8] & (1u << (u % 8));
	default:
		return true;
	}
}

static int min2(int a, int b)
{
	return a < b ? a : b;
}

typedef int GlobTable[MAX_GLOB_TOKENS + 1][MAX_GLOB_NAME + 1];

/*
 * How many edits of the pattern's non-`*` tokens (insert, delete, change
 * a character, swap two adjacent ones) make it match name: an edit
 * distance in which a `*` absorbs any run of the name for free.  Rows are
 * tokens, columns name characters; stops early with limit + 1 once every
 * cell of a row exceeds limit.
 */
static int glob_distance(const GlobTok *t, int nt, const char *name, int limit, GlobTable d)
{
	int m = (int)strlen(name);

	if (m > MAX_GLOB_NAME)
		return limit + 1;
	for (int j = 0; j <= m; j++)
		d[0][j] = j;
	for (int i = 1; i <= nt; i++) {
		const GlobTok *k = &t[i - 1];
		int row_min;
		if (k->kind == TK_STAR) {
			row_min = d[i][0] = d[i - 1][0];
			for (int j = 1; j <= m; j++) {
				d[i][j] = min2(d[i - 1][j], d[i][j - 1]);
				row_min = min2(row_min, d[i][j]);
			}
		} else {
			row_min = d[i][0] = d[i - 1][0] + 1;
			for (int j = 1; j <= m; j++) {
				int v = min2(d[i - 1][j] + 1, d[i][j - 1] + 1);
				v = min2(v, d[i - 1][j - 1] + !tok_matches(k, name[j - 1]));
				if (i > 1 && j > 1 && k->kind == TK_LIT && t[i - 2].kind == TK_LIT &&
				    k->c == name[j - 2] && t[i - 2].c == name[j - 1])
					v = min2(v, d[i - 2][j - 2] + 1);
				d[i][j] = v;
				row_min = min2(row_min, v);
			}
		}
		if (row_min > limit)
			return limit + 1;
	}
	return d[nt][m];
}

/* Appends name character c to a corrected pattern, escaped if special. */
static void put_literal(StrBuf *sb, char c)
{
	if (strchr("*?[\\", c))
		sb_putc(sb, '\\');
	sb_putc(sb, c);
}

/* A piece of a corrected pattern: a token as written, or a character of
 * the name (len 0). */
typedef struct Piece {
	const char *text;
	int len;
} Piece;

/* The pattern with the edits glob_distance() found applied: walk the
 * table back from the corner, collecting pieces in reverse. */
static char *glob_correct(const GlobTok *t, int nt, const char *name, GlobTable d)
{
	int i = nt, j = (int)strlen(name), np = 0;
	Piece *piece = xmalloc((nt + j + 1) * sizeof(*piece));
	StrBuf sb = { 0 };

	while (i > 0 || j > 0) {
		const GlobTok *k = i > 0 ? &t[i - 1] : NULL;
		if (!k) {                                        /* insert */
			j--;
			piece[np++] = (Piece){ &name[j], 0 };
		} else if (k->kind == TK_STAR) {
			if (j > 0 && d[i][j] == d[i][j - 1]) {
				j--;                             /* absorbed */
			} else {
				piece[np++] = (Piece){ k->text, k->len };
				i--;
			}
		} else if (j > 0 && d[i][j] == d[i - 1][j - 1] + !tok_matches(k, name[j - 1])) {
			if (tok_matches(k, name[j - 1]))
				piece[np++] = (Piece){ k->text, k->len };
			else
				piece[np++] = (Piece){ &name[j - 1], 0 };   /* change */
			i--;
			j--;
		} else if (i > 1 && j > 1 && k->kind == TK_LIT && t[i - 2].kind == TK_LIT &&
			   k->c == name[j - 2] && t[i - 2].c == name[j - 1] &&
			   d[i][j] == d[i - 2][j - 2] + 1) {
			piece[np++] = (Piece){ &name[j - 1], 0 };   /* swap */
			piece[np++] = (Piece){ &name[j - 2], 0 };
			i -= 2;
			j -= 2;
		} else if (d[i][j] == d[i - 1][j] + 1) {
			i--;                                     /* delete */
		} else {
			j--;                                     /* insert */
			piece[np++] = (Piece){ &name[j], 0 };
		}
	}
	while (np-- > 0) {
		if (piece[np].len == 0)
			put_literal(&sb, *piece[np].text);
		else
			for (int c = 0; c < piece[np].len; c++)
				sb_putc(&sb, piece[np].text[c]);
	}
	free(piece);
	return sb_steal(&sb);
}

/* Offers every distinct probe-able name in scope to the closest-name
 * search for a plain name (length first: most are too long or short). */
static const char *suggest_name(KernelInfo *ki, const char *module, const char *name)
{
	int len = (int)strlen(name), limit = len / 3 > 1 ? len / 3 : 1;
	Suggest sg;

	suggest_init(&sg, name);
	for (size_t i = 0; i < ki->funcs.n; i++) {
		const KernelFunction *f = &ki->funcs.v[i];
		int diff = (int)strlen(f->name) - len;
		if (diff <= limit && diff >= -limit && !f->blacklisted && in_scope(f, module))
			suggest_offer(&sg, f->name);
	}
	return suggest_result(&sg);
}

char *kernel_info_suggest(KernelInfo *ki, const char *module, const char *pattern)
{
	GlobTok t[MAX_GLOB_TOKENS];
	int nt, nfixed = 0, best = -1, best_dist;

	if (!kernel_glob_is_pattern(pattern)) {
		const char *s = suggest_name(ki, module, pattern);
		return s ? xstrdup(s) : NULL;
	}
	if ((nt = glob_tokens(pattern, t, MAX_GLOB_TOKENS)) < 0)
		return NULL;
	for (int i = 0; i < nt; i++)
		nfixed += t[i].kind != TK_STAR;
	/* fewer edits than for names (a third): a prefix that any module
	 * function shares (ext4_) would make anything look close */
	best_dist = (nfixed / 4 > 1 ? nfixed / 4 : 1) + 1;
	GlobTable *d = xmalloc(sizeof(GlobTable));
	for (size_t i = 0; i < ki->funcs.n; i++) {
		const KernelFunction *f = &ki->funcs.v[i];
		if (f->blacklisted || !in_scope(f, module) ||
		    (i > 0 && strcmp(ki->funcs.v[i - 1].name, f->name) == 0))
			continue;
		int dist = glob_distance(t, nt, f->name, best_dist - 1, *d);
		if (dist < best_dist) {
			best_dist = dist;
			best = (int)i;
		}
	}
	char *fixed = NULL;
	if (best >= 0) {
		const char *name = ki->funcs.v[best].name;
		glob_distance(t, nt, name, INT_MAX / 2, *d);
		fixed = glob_correct(t, nt, name, *d);
		if (!kernel_glob_match(fixed, name))   /* (never, but be safe) */
			fixed = xstrdup(name);
	}
	free(d);
	return fixed;
}

const char *kernel_info_suggest_module(KernelInfo *ki, const char *name)
{
	Suggest sg;

	suggest_init(&sg, name);
	for (size_t i = 0; i < ki->nmodules; i++)
		suggest_offer(&sg, ki->modules[i]);
	return suggest_result(&sg);
}

size_t kernel_info_tracepoints(KernelInfo *ki, const KernelTracepoint **out)
{
	need_tracepoints(ki);
	*out = ki->tps;
	return ki->ntps;
}

const KernelTracepoint *kernel_info_tracepoint(KernelInfo *ki, const char *system,
					       const char *event)
{
	KernelTracepoint key = { system, event, NULL };

	need_tracepoints(ki);
	return bsearch(&key, ki->tps, ki->ntps, sizeof(*ki->tps), cmp_tracepoint);
}

/* ---- the session's facts ------------------------------------------------- */

static struct {
	enum { SRC_NONE, SRC_HOST, SRC_VM, SRC_PATH } kind;
	const char *krelease;
	const char *path;
	int verbose;
	KernelInfo *ki;
	bool tried, tried_collect;
	const char *why;         /* of the last failure */
} src = { .why = "no target kernel was chosen" };

/* A new source: nothing loaded or tried yet. */
static void reset_source(void)
{
	src.ki = NULL;
	src.tried = src.tried_collect = false;
}

void kernel_info_use_target(const char *krelease, bool vm, int verbose)
{
	reset_source();
	src.kind = vm ? SRC_VM : SRC_HOST;
	src.krelease = krelease;
	src.verbose = verbose;
}

void kernel_info_use_path(const char *path, int verbose)
{
	reset_source();
	if (strcmp(path, "none") == 0) {
		src.kind = SRC_NONE;
		src.why = "--kernel-facts none was given";
		return;
	}
	src.kind = SRC_PATH;
	src.path = path;
	src.verbose = verbose;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --kernel-facts PATH: a tree or a cache file. */
static KernelInfo *load_path(const char *path, char **why)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*why = xasprintf("--kernel-facts %s: %s", path, strerror(errno));
		return NULL;
	}
	return S_ISDIR(st.st_mode) ? kernel_info_read_tree(path, why)
				   : kernel_info_load_cache(path, why);
}

static char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Boots a guest of kernel krel that runs `sonde --dump-kernel-facts`
 * with its stdout on fd; the facts if they parse, else NULL and *why. */
static KernelInfo *run_guest(const char *krel, int fd, char **why)
{
	char *exe = self_exe();
	KernelInfo *ki;

	if (!exe) {
		*why = xasprintf("cannot find sonde itself: %s", strerror(errno));
		return NULL;
	}
	char *argv[] = { exe, "--dump-kernel-facts", NULL };
	struct vm_options vo = { .krelease = krel, .verbose = src.verbose,
				 .timeout_s = COLLECT_TIMEOUT_S, .stdout_fd = fd };
	double t0 = now_ms();
	int rc = vm_run(&vo, argv, "/");
	if (rc != 0) {
		*why = rc < 0 ? xstrdup("the VM failed (see above)")
			: xasprintf("`sonde --dump-kernel-facts` failed in the guest (exit status %d)", rc);
		return NULL;
	}
	char *path = xasprintf("/proc/self/fd/%d", fd);
	if (!(ki = kernel_info_load_cache(path, why))) {
		*why = xasprintf("the guest's list is unusable: %s", *why);
		return NULL;
	}
	if (strcmp(ki->release, krel) != 0) {
		*why = xasprintf("the guest ran kernel %s, not %s", ki->release, krel);
		return NULL;
	}
	if (src.verbose)
		fprintf(stderr, "sonde: kernel facts collected in %.0f ms\n", now_ms() - t0);
	return ki;
}

/*
 * The facts of VM kernel krel: from the cache file dir/name if it is
 * there (dir NULL: there is no cache), else, if collect, from a guest,
 * then cached.  A lock keeps concurrent sondes (make check runs many)
 * from booting one guest each: the ones that wait find the cache filled.
 * Without a writable cache the facts still serve this run.
 */
static KernelInfo *vm_facts(const char *krel, const char *dir, const char *name, bool collect,
			    char **why)
{
	char *path = dir ? xasprintf("%s/%s", dir, name) : NULL;
	KernelInfo *ki = NULL;
	int lock_fd = -1, fd = -1;
	char *tmp = NULL;

	if (path && access(path, F_OK) == 0 && ((ki = kernel_info_load_cache(path, why)) || !collect))
		return ki;   /* (a corrupt cache is collected again) */
	if (!collect) {
		*why = xasprintf("the functions of kernel %s are not known yet", krel);
		return NULL;
	}
	if (dir) {
		char *lock = xasprintf("%s/.kernel-facts-%s.lock", dir, krel);
		lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
			fprintf(stderr, "sonde: waiting for another sonde that lists the functions "
				"of kernel %s\n", krel);
			while (flock(lock_fd, LOCK_EX) < 0 && errno == EINTR)
				;
		}
		free(lock);
		if (access(path, F_OK) == 0 && (ki = kernel_info_load_cache(path, why)))
			goto out;
		tmp = xasprintf("%s/.%s.XXXXXX", dir, name);
		if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
			fprintf(stderr, "sonde: warning: cannot cache the kernel facts in %s: %s\n",
				dir, strerror(errno));
			free(tmp);
			tmp = NULL;
		}
	}
	if (fd < 0 && (fd = memfd_create("sonde-kernel-facts", MFD_CLOEXEC)) < 0) {
		*why = xasprintf("memfd_create: %s", strerror(errno));
		goto out;
	}
	if (tmp)
		fprintf(stderr, "sonde: listing the functions of kernel %s in a VM, once "
			"(they are cached in %s)\n", krel, dir);
	else
		fprintf(stderr, "sonde: listing the functions of kernel %s in a VM "
			"(with no cache, for this run only)\n", krel);
	ki = run_guest(krel, fd, why);
	if (ki && tmp) {
		if (fchmod(fd, 0644) == 0 && rename(tmp, path) == 0)
			vm_cache_prune(dir, "kernel-facts", krel, name);
		else   /* (still usable for this run) */
			fprintf(stderr, "sonde: warning: cannot cache the kernel facts in %s: %s\n",
				path, strerror(errno));
	}
	close(fd);
	if (tmp)
		unlink(tmp);   /* (gone already when renamed) */
out:
	if (lock_fd >= 0)
		close(lock_fd);
	return ki;
}

static KernelInfo *load(bool collect, char **why)
{
	char *id, *dir;

	switch (src.kind) {
	case SRC_NONE:
		*why = (char *)src.why;
		return NULL;
	case SRC_PATH:
		return load_path(src.path, why);
	case SRC_HOST:
		return kernel_info_read_tree("/", why);
	case SRC_VM:
		if (!(id = vm_kernel_id(src.krelease))) {
			*why = xasprintf("there is no kernel /boot/vmlinuz-%s", src.krelease);
			return NULL;
		}
		src.tried_collect = collect;
		dir = vm_cache_dir();
		return vm_facts(src.krelease, dir, xasprintf("kernel-facts-%s", id), collect, why);
	}
	return NULL;
}

KernelInfo *kernel_info_get(bool collect, const char **why)
{
	char *reason = NULL;
	double t0;

	if (src.ki)
		return src.ki;
	/* one attempt per kind: a failure is not retried on every probe point */
	if (src.tried && (!collect || src.tried_collect || src.kind != SRC_VM)) {
		*why = src.why;
		return NULL;
	}
	src.tried = true;
	t0 = now_ms();
	src.ki = load(collect, &reason);
	if (!src.ki) {
		src.why = reason ? reason : "unknown";
		*why = src.why;
		return NULL;
	}
	if (src.verbose)
		fprintf(stderr, "sonde: kernel facts of %s: %zu functions (%zu on the blacklist), "
			"%zu modules, loaded in %.1f ms\n", src.ki->release, src.ki->funcs.n,
			src.ki->blacklist.n, src.ki->nmodules, now_ms() - t0);
	return src.ki;
}

void kernel_info_preload(void)
{
	const char *why;
	KernelInfo *ki = kernel_info_get(false, &why);

	if (ki) {
		need_symbols(ki);
		need_tracepoints(ki);
	}
}
