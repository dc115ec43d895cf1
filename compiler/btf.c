/*
 * btf.c - finding and reading the target kernel's BTF: types, functions and
 * their parameters, type names (see btf.h; access chains and pretty-print
 * plans are in btf_access.c).
 *
 * The loaded BTF (libbpf's struct btf) is kept in statics for the life of
 * the process, keyed by what it was loaded for, with an index of its
 * functions by name; everything this file hands out is allocated per call
 * with the compiler's allocator.  Other lookups by name scan the type table
 * (100,000 types: a fraction of a millisecond), so the last answers are
 * remembered in fixed-size statics.
 */
#include "btf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "session.h"
#include "suggest.h"
#include "vm.h"

#define MAX_MODULES 16
#define MAX_SKIP 64           /* typedef/qualifier chains longer than this are broken BTF */

typedef struct Loaded {
	bool tried;
	char key[PATH_MAX];       /* what it was loaded for: a release or a $SONDE_BTF path */
	char name[64];            /* module name ("" for the kernel) */
	struct btf *btf;
	char why[512];
	uint32_t *funcs;          /* functions by name: an open-addressing table of ids */
	size_t nfuncs;            /* its size (a power of two), 0 until built */
} Loaded;

static Loaded kernel;
static Loaded modules[MAX_MODULES];

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The release whose types we want: -r, the one the driver chose, or ours. */
static const char *target_release(void)
{
	static struct utsname u;

	if (opt.krelease)
		return opt.krelease;
	uname(&u);
	return u.release;
}

static bool is_running_kernel(const char *rel)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.release, rel) == 0;
}

static struct btf *parse_file(const char *path, bool elf, struct btf *base)
{
	if (access(path, R_OK) != 0)
		return NULL;
	if (base)
		return elf ? btf__parse_elf_split(path, base) : btf__parse_split(path, base);
	return elf ? btf__parse_elf(path, NULL) : btf__parse(path, NULL);
}

static void load_kernel(Loaded *k, const char *env, const char *rel)
{
	const char *paths[] = { "/usr/lib/debug/boot/vmlinux-%s", "/boot/vmlinux-%s",
				"/lib/modules/%s/build/vmlinux" };

	if (env) {
		k->btf = parse_file(env, false, NULL);
		if (!k->btf)
			snprintf(k->why, sizeof(k->why), "cannot read BTF from $SONDE_BTF (%s): %s",
				 env, strerror(errno ? errno : ENOENT));
		return;
	}
	if (is_running_kernel(rel))
		k->btf = parse_file("/sys/kernel/btf/vmlinux", false, NULL);
	for (size_t i = 0; !k->btf && i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *p = xasprintf(paths[i], rel);
		k->btf = parse_file(p, true, NULL);
		free(p);
	}
	if (!k->btf) {   /* the VM's cache: extracting it takes a second, once */
		char *p = vm_vmlinux_path(rel);
		if (p)
			k->btf = parse_file(p, true, NULL);
		free(p);
	}
	if (!k->btf)
		snprintf(k->why, sizeof(k->why), "no BTF found for kernel %s (it needs "
			 "/boot/vmlinuz-%s of a kernel built with CONFIG_DEBUG_INFO_BTF, or "
			 "/sys/kernel/btf/vmlinux when it is the running kernel)", rel, rel);
}

/* modules.dep's path of module m (names compare with '-' and '_' alike). */
static char *module_path(const char *rel, const char *m)
{
	char *dep = xasprintf("/lib/modules/%s/modules.dep", rel), *found = NULL;
	size_t len;
	char *text = read_file(dep, &len);

	free(dep);
	for (char *line = text; line && *line && !found; ) {
		char *end = strchr(line, '\n'), *colon;
		if (end)
			*end = '\0';
		if ((colon = strchr(line, ':'))) {
			*colon = '\0';
			const char *base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
			size_t n = strlen(m), i = 0;
			for (; i < n && base[i]; i++)
				if (base[i] != m[i] && !(strchr("-_", base[i]) && strchr("-_", m[i])))
					break;
			if (i == n && strncmp(base + n, ".ko", 3) == 0)
				found = xasprintf("/lib/modules/%s/%s", rel, line);
		}
		line = end ? end + 1 : NULL;
	}
	free(text);
	return found;
}

static void load_module(Loaded *l, const char *env, const char *rel, const char *m)
{
	const char *kwhy;
	struct btf *base = (struct btf *)kbtf_open(NULL, &kwhy);

	if (!base) {
		snprintf(l->why, sizeof(l->why), "%s", kwhy);
		return;
	}
	if (env) {
		snprintf(l->why, sizeof(l->why), "no BTF for module '%s' ($SONDE_BTF gives the "
			 "kernel's only)", m);
		return;
	}
	if (is_running_kernel(rel)) {
		char *p = xasprintf("/sys/kernel/btf/%s", m);
		l->btf = parse_file(p, false, base);
		free(p);
	}
	char *ko = l->btf ? NULL : module_path(rel, m);
	if (ko) {
		l->btf = parse_file(ko, true, base);
		if (!l->btf)
			snprintf(l->why, sizeof(l->why), "module '%s' of kernel %s has no BTF "
				 "(%s has no .BTF section, or is compressed)", m, rel, ko);
	} else if (!l->btf) {
		snprintf(l->why, sizeof(l->why), "kernel %s has no module '%s'", rel, m);
	}
	free(ko);
}

static void forget_lookups(void);

/* Drops a loaded BTF (another target: unit tests), and what depends on it:
 * the modules' BTF when it is the kernel's, the remembered lookups. */
static void forget(Loaded *l)
{
	if (l == &kernel)
		for (int i = 0; i < MAX_MODULES; i++)
			forget(&modules[i]);
	if (l->btf)
		btf__free(l->btf);
	if (l->funcs)
		munmap(l->funcs, l->nfuncs * sizeof(uint32_t));
	*l = (Loaded){ 0 };
	forget_lookups();
}

static bool is_kernel_name(const char *module)
{
	return !module || !*module || strcmp(module, "kernel") == 0 ||
	       strcmp(module, "vmlinux") == 0 || module[0] == '<' ||
	       strncmp(module, "kernel<", 7) == 0;
}

const struct btf *kbtf_open(const char *module, const char **why)
{
	const char *env = getenv("SONDE_BTF");
	const char *rel = target_release();
	const char *key = env && *env ? env : rel;
	Loaded *l = &kernel;

	if (!env || !*env)
		env = NULL;
	libbpf_set_print(silent);
	if (!is_kernel_name(module)) {
		const char *kwhy;
		kbtf_open(NULL, &kwhy);   /* (the base comes first: reloading it drops the modules) */
		l = NULL;
		for (int i = 0; i < MAX_MODULES && !l; i++)
			if (modules[i].tried && strcmp(modules[i].name, module) == 0)
				l = &modules[i];
		for (int i = 0; i < MAX_MODULES && !l; i++)
			if (!modules[i].tried)
				l = &modules[i];
		if (!l || strlen(module) >= sizeof(l->name)) {
			*why = "too many modules with BTF in one script";
			return NULL;
		}
	}
	if (l->tried && strcmp(l->key, key) == 0) {
		*why = l->why;
		return l->btf;
	}
	forget(l);
	*l = (Loaded){ .tried = true };
	snprintf(l->key, sizeof(l->key), "%s", key);
	errno = 0;
	if (l == &kernel) {
		load_kernel(l, env, rel);
	} else {
		snprintf(l->name, sizeof(l->name), "%s", module);
		load_module(l, env, rel, module);
	}
	*why = l->why;
	return l->btf;
}

/* ---- types ---------------------------------------------------------------- */

/* id with typedefs, qualifiers and type tags skipped; 0 for void or a
 * broken chain. */
static uint32_t skip(const struct btf *btf, uint32_t id)
{
	for (int n = 0; n < MAX_SKIP && id; n++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return 0;
}

KType kbtf_type(const struct btf *btf, uint32_t decl)
{
	uint32_t id = skip(btf, decl);
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	KType k = { .id = id, .decl = decl, .kind = KT_VOID };

	if (!t)
		return k;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		const char *name = btf__name_by_offset(btf, t->name_off);
		k.kind = KT_INT;
		k.size = t->size;
		k.is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		k.is_char = t->size == 1 && name && strstr(name, "char");
		break;
	}
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		k.kind = KT_ENUM;
		k.size = t->size;
		k.is_signed = btf_kflag(t);
		break;
	case BTF_KIND_PTR:
		k.kind = KT_PTR;
		k.size = 8;
		k.elem = t->type;
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		k.kind = KT_ARRAY;
		k.elem = a->type;
		k.nelems = a->nelems;
		int64_t sz = btf__resolve_size(btf, id);
		k.size = sz > 0 ? sz : 0;
		break;
	}
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		k.kind = btf_kind(t) == BTF_KIND_STRUCT ? KT_STRUCT : KT_UNION;
		k.size = t->size;
		break;
	case BTF_KIND_FWD:
		k.kind = btf_kflag(t) ? KT_UNION : KT_STRUCT;
		k.incomplete = true;
		break;
	case BTF_KIND_FUNC: case BTF_KIND_FUNC_PROTO:
		k.kind = KT_FUNC;
		break;
	case BTF_KIND_FLOAT:
		k.kind = KT_FLOAT;
		k.size = t->size;
		break;
	default:
		break;
	}
	return k;
}

static const char *name_of(const struct btf *btf, const struct btf_type *t)
{
	const char *n = btf__name_by_offset(btf, t->name_off);
	return n && *n ? n : NULL;
}

/* C spelling of type id around `inner` (a declarator: "", "*", "(*)"). */
static void c_type_name(StrBuf *sb, const struct btf *btf, uint32_t id, const char *inner, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	const char *sep = *inner && inner[0] != '[' ? " " : "";

	if (!t || depth > MAX_SKIP) {
		sb_printf(sb, "void%s%s", sep, inner);
		return;
	}
	const char *n = name_of(btf, t);
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		c_type_name(sb, btf, t->type, xasprintf("*%s", inner), depth + 1);
		return;
	case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: {
		const char *q = btf_kind(t) == BTF_KIND_CONST ? "const"
			: btf_kind(t) == BTF_KIND_VOLATILE ? "volatile" : "restrict";
		const struct btf_type *u = btf__type_by_id(btf, t->type);
		if (u && btf_kind(u) == BTF_KIND_PTR)   /* char *const p */
			c_type_name(sb, btf, t->type, xasprintf("%s%s%s", q, sep, inner), depth + 1);
		else {
			sb_printf(sb, "%s ", q);
			c_type_name(sb, btf, t->type, inner, depth + 1);
		}
		return;
	}
	case BTF_KIND_TYPE_TAG:
		c_type_name(sb, btf, t->type, inner, depth + 1);
		return;
	case BTF_KIND_ARRAY:
		c_type_name(sb, btf, btf_array(t)->type,
			  xasprintf("%s[%u]", *inner == '*' ? xasprintf("(%s)", inner) : inner,
				    btf_array(t)->nelems), depth + 1);
		return;
	case BTF_KIND_FUNC_PROTO:
		c_type_name(sb, btf, t->type, xasprintf("(%s)(...)", inner), depth + 1);
		return;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
	case BTF_KIND_FWD: {
		const char *tag = btf_kind(t) == BTF_KIND_UNION ||
				  (btf_kind(t) == BTF_KIND_FWD && btf_kflag(t)) ? "union"
				: btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_FWD
				? "struct" : "enum";
		sb_printf(sb, "%s %s%s%s", tag, n ? n : "(anonymous)", sep, inner);
		return;
	}
	default:
		sb_printf(sb, "%s%s%s", n ? n : "?", sep, inner);
		return;
	}
}

char *kbtf_type_name(const struct btf *btf, uint32_t id)
{
	StrBuf sb = { 0 };

	c_type_name(&sb, btf, id, "", 0);
	return sb_steal(&sb);
}

/* ---- lookups by name ------------------------------------------------------ */

#define NCACHE 64   /* a wildcard probe may plan the same expression at many functions */

typedef struct Cached {
	const struct btf *btf;
	int kind;
	char name[128];
	int32_t id;
} Cached;

static Cached cache[NCACHE];
static int cache_next;

static void forget_lookups(void)
{
	memset(cache, 0, sizeof(cache));
}

/* The first type of `kind` named `name`, or a negative number. */
static int32_t find(const struct btf *btf, const char *name, int kind)
{
	size_t len = strlen(name);

	for (int i = 0; i < NCACHE; i++)
		if (cache[i].btf == btf && cache[i].kind == kind && strcmp(cache[i].name, name) == 0)
			return cache[i].id;
	int32_t id = btf__find_by_name_kind(btf, name, kind);
	if (len < sizeof(cache[0].name)) {
		Cached *c = &cache[cache_next++ % NCACHE];
		c->btf = btf;
		c->kind = kind;
		memcpy(c->name, name, len + 1);
		c->id = id;
	}
	return id;
}

/* The closest name among the types of the given kinds (for did-you-mean). */
static const char *closest_type(const struct btf *btf, const char *want, const int *kinds, int nkinds)
{
	Suggest sg;
	int len = (int)strlen(want), n = (int)btf__type_cnt(btf);

	suggest_init(&sg, want);
	for (int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		bool wanted = false;
		for (int k = 0; k < nkinds; k++)
			wanted |= btf_kind(t) == kinds[k];
		const char *name = wanted ? name_of(btf, t) : NULL;
		if (!name)
			continue;
		int d = (int)strlen(name) - len;
		if (d < -(len / 3 + 1) || d > len / 3 + 1)   /* cannot qualify: skip the work */
			continue;
		suggest_offer(&sg, name);
	}
	return suggest_result(&sg);
}

/* ---- functions by name ------------------------------------------------------
 * A wildcard probe may ask for thousands of functions, each several times,
 * so they have an index.  It lives as long as its BTF (for the process), so
 * it is mmap'd: the fuzz harness frees the compiler's malloc'd memory after
 * every input. */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static Loaded *loaded_of(const struct btf *btf)
{
	if (kernel.btf == btf)
		return &kernel;
	for (int i = 0; i < MAX_MODULES; i++)
		if (modules[i].btf == btf)
			return &modules[i];
	return NULL;
}

static bool build_index(Loaded *l)
{
	uint32_t n = btf__type_cnt(l->btf), want = 0;
	size_t size = 1024;

	for (uint32_t id = 1; id < n; id++)
		want += btf_is_func(btf__type_by_id(l->btf, id));
	while (size < 2 * (size_t)want)
		size *= 2;
	void *mem = mmap(NULL, size * sizeof(uint32_t), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return false;
	l->funcs = mem;
	l->nfuncs = size;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(l->btf, id);
		const char *name = btf_is_func(t) ? name_of(l->btf, t) : NULL;
		if (!name)
			continue;
		size_t i = name_hash(name) & (size - 1);
		while (l->funcs[i] && strcmp(name_of(l->btf, btf__type_by_id(l->btf, l->funcs[i])), name))
			i = (i + 1) & (size - 1);
		if (!l->funcs[i])   /* the first of a name wins, as in btf__find_by_name_kind */
			l->funcs[i] = id;
	}
	return true;
}

static int32_t find_function(const struct btf *btf, const char *name)
{
	Loaded *l = loaded_of(btf);

	if (!l || (!l->nfuncs && !build_index(l)))
		return find(btf, name, BTF_KIND_FUNC);
	for (size_t i = name_hash(name) & (l->nfuncs - 1); l->funcs[i]; i = (i + 1) & (l->nfuncs - 1))
		if (strcmp(name_of(btf, btf__type_by_id(btf, l->funcs[i])), name) == 0)
			return l->funcs[i];
	return -1;
}

/* Argument slots a parameter of type k takes (SysV x86-64: one per eight
 * bytes, structs of more than 16 bytes go to the stack: -1). */
static int slots_of(const KType *k)
{
	if (k->kind == KT_STRUCT || k->kind == KT_UNION)
		return k->size > 16 ? -1 : (int)((k->size + 7) / 8);
	return k->size > 8 ? 2 : 1;
}

bool kbtf_function(const char *symbol, KFunc *out, char **err)
{
	const char *colon = strchr(symbol, ':');
	char *module = colon ? xstrndup(symbol, colon - symbol) : NULL;
	const char *name = colon ? colon + 1 : symbol, *why;
	const struct btf *btf = kbtf_open(module, &why);

	memset(out, 0, sizeof(*out));
	if (!btf) {
		*err = xstrdup(why);
		free(module);
		return false;
	}
	int32_t id = find_function(btf, name);
	const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (!proto || btf_kind(proto) != BTF_KIND_FUNC_PROTO) {
		*err = xasprintf("the BTF of %s has no function '%s' (it may be inlined, or "
				 "have had its signature changed by the compiler)",
				 module ? xasprintf("module '%s'", module)
				 : getenv("SONDE_BTF") && *getenv("SONDE_BTF") ? "$SONDE_BTF"
				 : xasprintf("kernel %s", target_release()), name);
		free(module);
		return false;
	}
	free(module);
	out->btf = btf;
	out->name = name;
	out->ret = kbtf_type(btf, proto->type);
	int n = btf_vlen(proto), slot = 0;
	const struct btf_param *p = btf_params(proto);
	out->params = xcalloc(n ? n : 1, sizeof(KParam));
	for (int i = 0; i < n; i++) {
		if (!p[i].type)   /* "..." */
			break;
		KParam *kp = &out->params[out->nparams++];
		const char *pn = btf__name_by_offset(btf, p[i].name_off);
		kp->name = pn && *pn ? pn : xasprintf("arg%d", i + 1);
		kp->type = kbtf_type(btf, p[i].type);
		int s = slots_of(&kp->type);
		kp->slot = s < 0 ? -1 : slot;
		slot += s < 0 ? 0 : s;
	}
	return true;
}

const KParam *kbtf_param(const KFunc *f, const char *name)
{
	for (int i = 0; i < f->nparams; i++)
		if (strcmp(f->params[i].name, name) == 0)
			return &f->params[i];
	return NULL;
}

char *kbtf_param_list(const KFunc *f)
{
	StrBuf sb = { 0 };

	for (int i = 0; i < f->nparams; i++)
		sb_printf(&sb, "%s$%s", i ? ", " : "", f->params[i].name);
	return sb.data ? sb_steal(&sb) : xstrdup("none");
}

bool kbtf_named_type(const struct btf *btf, const char *name, KType *out, char **err)
{
	static const struct { const char *prefix; int kind; } tags[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION }, { "enum ", BTF_KIND_ENUM },
	};
	static const int any[] = { BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF,
				   BTF_KIND_ENUM, BTF_KIND_INT };
	const int *kinds = any;
	int nkinds = 5;
	const char *bare = name;

	while (*bare == ' ')
		bare++;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (strncmp(bare, tags[i].prefix, strlen(tags[i].prefix)) == 0) {
			bare += strlen(tags[i].prefix);
			kinds = &tags[i].kind;
			nkinds = 1;
			break;
		}
	}
	while (*bare == ' ')
		bare++;
	if (strchr(bare, '*')) {
		int n = (int)(strchr(bare, '*') - bare);
		while (n > 0 && bare[n - 1] == ' ')
			n--;
		*err = xasprintf("@cast takes the type the pointer points to, without '*': "
				 "\"%.*s\"", n, bare);
		return false;
	}
	if (!*bare) {
		*err = xstrdup("@cast needs a type name, as in \"task_struct\"");
		return false;
	}
	for (int k = 0; k < nkinds; k++) {
		int32_t id = find(btf, bare, kinds[k]);
		if (id > 0) {
			*out = kbtf_type(btf, id);
			return true;
		}
	}
	const char *best = closest_type(btf, bare, kinds, nkinds);
	*err = best ? xasprintf("the kernel's BTF has no type '%s'; did you mean '%s'?", name, best)
		    : xasprintf("the kernel's BTF has no type '%s'", name);
	return false;
}
