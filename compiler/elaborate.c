/*
 * elaborate.c - probe-point elaboration: every probe point the user wrote
 * becomes ConcretePoints the runtime can register, each attached to the
 * Handler whose body it runs.
 *
 * Points name either a built-in family (begin, end, error, never, timer.*,
 * kernel.function, kprobe.function, module().function) or a probe alias
 * from the script or the tapsets.  An alias `probe a = P { prologue }`
 * expands to the points P with the prologue spliced before the body; a
 * `probe a += P { epilogue }` splices after it.  Each splice is a deep copy
 * so every handler owns its statements.
 *
 * Function names with wildcards (`kernel.function("vfs_*")`, also in
 * module names) expand against the target kernel's probe-able functions
 * minus the kprobe blacklist (kernel_info.h): each match is a concrete
 * point of its own, all running the probe's handler.  A plain name is
 * checked against the same facts when they are at hand.  `?` (and `!`)
 * on a point, or on any point an alias expansion came from, turns "no
 * match" into nothing.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "ast_copy.h"
#include "diag.h"
#include "kernel_info.h"
#include "session.h"
#include "suggest.h"
#include "util.h"

#define MAX_ALIAS_DEPTH 16
/* Alias uses expanded per script: aliases that each use the next one
 * several times multiply (4 uses, 15 levels: 4^15 copies of a body). */
#define MAX_ALIAS_EXPANSIONS 10000
#define MIN_TIMER_NS 100000       /* 100 us: faster timers starve the guest */
/* Function probes per script (-D MAXPROBES=N): each is a kprobe to
 * register, and `kernel.function("*")` is some 40,000 of them. */
#define MAX_FUNCTION_PROBES 10000

/* Context of expanding one probe: the body and condition to run. */
typedef struct Expansion {
	Stmt *body;              /* statement list */
	Expr *cond;
	Handler *handler;        /* created on first concrete point */
	SrcLoc loc;
} Expansion;

static Script *S;
static int next_handler_id, next_point_id;
static long nexpansions;          /* alias uses expanded (MAX_ALIAS_EXPANSIONS) */
static Handler *last_handler;     /* of S->handlers, for AST_APPEND_TAIL */
static ConcretePoint *last_point; /* of S->points */
static bool in_optional;          /* a point being expanded, or one it came from, has ? or ! */
static long nfunction_points;     /* kprobes and kretprobes so far (MAXPROBES) */
static bool facts_error_said;     /* "cannot expand" is said once per script */
static long max_points;           /* max_function_points(), once known */
static bool max_points_known;

/* The point as text, e.g. kernel.function("vfs_read").return */
char *probe_point_text(const ProbePoint *pp)
{
	StrBuf sb = { 0 };

	for (const ProbePointComp *c = pp->comps; c; c = c->next) {
		if (c != pp->comps)
			sb_putc(&sb, '.');
		sb_puts(&sb, c->name);
		if (!c->arg)
			continue;
		if (c->arg->kind == EX_STRING) {
			sb_puts(&sb, "(\"");
			sb_puts(&sb, c->arg->str);
			sb_puts(&sb, "\")");
		} else {
			sb_printf(&sb, "(%lld)", (long long)c->arg->num);
		}
	}
	return sb_steal(&sb);
}

/* The user's probe point being expanded (for notes about alias code). */
static const ProbePoint *alias_use;
static int alias_depth;           /* aliases being expanded */

static Handler *handler_for(Expansion *x)
{
	if (x->handler)
		return x->handler;
	Handler *h = xcalloc(1, sizeof(*h));
	h->body = x->body;
	h->cond = x->cond;
	h->loc = x->loc;
	h->id = next_handler_id++;
	h->is_return = true;
	h->alias_use = alias_use;   /* (only statements from aliases use it) */
	AST_APPEND_TAIL(S->handlers, last_handler, h);
	x->handler = h;
	return h;
}

static ConcretePoint *add_point(Expansion *x, const ProbePoint *pp, PointKind kind)
{
	ConcretePoint *cp = xcalloc(1, sizeof(*cp));
	cp->kind = kind;
	cp->text = probe_point_text(pp);
	cp->loc = pp->loc;
	cp->optional = pp->optional;
	cp->handler = handler_for(x);
	cp->id = next_point_id++;
	if (kind != PK_KRETPROBE)
		cp->handler->is_return = false;
	cp->handler->kinds |= 1u << kind;
	AST_APPEND_TAIL(S->points, last_point, cp);
	S->npoints++;
	return cp;
}

static bool is_name(const ProbePointComp *c, const char *name)
{
	return c && strcmp(c->name, name) == 0;
}

static bool num_arg(const ProbePointComp *c, int64_t *out)
{
	if (!c->arg || c->arg->kind != EX_NUMBER) {
		diag_error(c->loc, "probe point component '%s' needs a number argument", c->name);
		return false;
	}
	*out = c->arg->num;
	return true;
}

static const char *str_arg(const ProbePointComp *c)
{
	if (!c->arg || c->arg->kind != EX_STRING) {
		diag_error(c->loc, "probe point component '%s' needs a string argument", c->name);
		return NULL;
	}
	return c->arg->str;
}

static bool no_arg(const ProbePointComp *c)
{
	if (c->arg) {
		diag_error(c->arg->loc, "probe point component '%s' takes no argument", c->name);
		return false;
	}
	return true;
}

static const char *const function_words[] = { "function", "return", "call", "maxactive", NULL };
static const char *const family_words[] = {
	"begin", "end", "error", "never", "timer", "kernel", "kprobe", "module", NULL,
};

static const char *comp_suggestion(const char *name, const char *const *words)
{
	Suggest sg;

	suggest_init(&sg, name);
	for (int i = 0; words[i]; i++)
		suggest_offer(&sg, words[i]);
	return suggest_result(&sg);
}

/* begin, begin(N), end, end(N), error, error(N) */
static int elab_sequence(Expansion *x, const ProbePoint *pp, PointKind kind)
{
	const ProbePointComp *c = pp->comps;
	int64_t seq = 0;

	if (c->next) {
		diag_error(c->next->loc, "unexpected '.%s' after '%s'", c->next->name, c->name);
		return -1;
	}
	if (c->arg && !num_arg(c, &seq))
		return -1;
	add_point(x, pp, kind)->sequence = seq;
	return 0;
}

/* timer.s/ms/us/ns/jiffies/hz(N) [.randomize(M)] */
static int elab_timer(Expansion *x, const ProbePoint *pp)
{
	static const struct { const char *name; int64_t ns; } units[] = {
		{ "s", 1000000000 }, { "sec", 1000000000 },
		{ "ms", 1000000 }, { "msec", 1000000 },
		{ "us", 1000 }, { "usec", 1000 },
		{ "ns", 1 }, { "nsec", 1 },
		{ "jiffies", 1000000000 / 250 }, { "hz", 0 },
	};
	const ProbePointComp *u = pp->comps->next;
	int64_t n, scale = -1, rnd = 0;

	if (!u) {
		diag_error(pp->comps->loc, "'timer' needs a unit, e.g. timer.ms(100)");
		return -1;
	}
	if (strcmp(u->name, "profile") == 0) {
		diag_error(u->loc, "timer.profile is not supported yet");
		return -1;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, u->name) == 0)
			scale = units[i].ns;
	if (scale < 0) {
		diag_error(u->loc, "unknown timer unit '%s' (use s, ms, us, ns, jiffies or hz)", u->name);
		return -1;
	}
	if (!num_arg(u, &n))
		return -1;
	if (n <= 0) {
		diag_error(u->arg->loc, "timer interval must be positive");
		return -1;
	}
	const ProbePointComp *r = u->next;
	if (r && is_name(r, "randomize")) {
		if (!num_arg(r, &rnd))
			return -1;
		/* scaled to ns below: keep the product in range */
		if (scale && (rnd > INT64_MAX / scale || rnd < -(INT64_MAX / scale))) {
			diag_error(r->arg->loc, "timer randomization out of range");
			return -1;
		}
		r = r->next;
	}
	if (r) {
		diag_error(r->loc, "unexpected '.%s' in a timer probe point", r->name);
		return -1;
	}
	if (scale && n > INT64_MAX / scale) {
		diag_error(u->arg->loc, "timer interval out of range (at most %lld %s)",
			   (long long)(INT64_MAX / scale), u->name);
		return -1;
	}
	int64_t ns = scale ? n * scale : 1000000000 / n;
	if (ns < MIN_TIMER_NS) {
		diag_error(u->arg->loc, "timer interval %lld ns is below the minimum of %d ns",
			   (long long)ns, MIN_TIMER_NS);
		return -1;
	}
	ConcretePoint *cp = add_point(x, pp, PK_TIMER);
	cp->interval_ns = ns;
	cp->randomize_ns = rnd * (scale ? scale : 1);
	return 0;
}

/* A function probe point being elaborated. */
typedef struct FuncPoint {
	const ProbePoint *pp;
	const ProbePointComp *mod_comp;  /* module("m"), or NULL */
	const ProbePointComp *fn_comp;   /* function("f") */
	const char *module;              /* as written: may be a pattern */
	const char *fn;
	bool ret;
	int maxactive;
} FuncPoint;

/* After an error at a point that an alias expansion produced: where the
 * user's point used the alias. */
static void note_alias_use(void)
{
	if (alias_depth > 0 && alias_use)
		diag_note(alias_use->loc, "probe alias '%s' is used here", probe_point_text(alias_use));
}

/* The cap on function probes: -D MAXPROBES=N or the default; 0 after
 * an invalid N (said once). */
static long max_function_points(void)
{
	long max = MAX_FUNCTION_PROBES;

	if (max_points_known)
		return max_points;
	max_points_known = true;
	for (int i = 0; i < opt.ndefines; i++) {
		const char *d = opt.defines[i];
		char *end;
		if (strncmp(d, "MAXPROBES=", 10) != 0)
			continue;
		long v = strtol(d + 10, &end, 0);
		if (*end || end == d + 10 || v <= 0) {
			diag_fatal_noloc("-D %s: MAXPROBES takes a positive number", d);
			return max_points = 0;
		}
		max = v;
	}
	return max_points = max;
}

/* A copy of pp with the module and function arguments replaced. */
static ProbePoint *concrete_point(const FuncPoint *f, const char *module, const char *fn)
{
	ProbePoint *copy = xmalloc(sizeof(*copy));

	*copy = *f->pp;
	copy->next = NULL;
	copy->comps = NULL;
	for (const ProbePointComp *c = f->pp->comps; c; c = c->next) {
		ProbePointComp *n = xmalloc(sizeof(*n));
		*n = *c;
		n->next = NULL;
		const char *name = c == f->fn_comp ? fn : c == f->mod_comp ? module : NULL;
		if (name) {
			n->arg = ast_expr(EX_STRING, c->arg->loc);
			n->arg->str = name;
		}
		AST_APPEND(copy->comps, n);
	}
	return copy;
}

static int add_function_point(Expansion *x, const FuncPoint *f, const char *module, const char *fn)
{
	long max = max_function_points();

	if (max <= 0)
		return -1;
	if (++nfunction_points > max) {
		if (nfunction_points == max + 1) {
			diag_error(f->pp->loc, "too many function probes: with %s the script has more than "
				   "the %ld it may have (raise the limit with -D MAXPROBES=N)",
				   probe_point_text(f->pp), max);
			note_alias_use();
		}
		return -1;
	}
	const ProbePoint *pp = f->pp;
	if (fn != f->fn || module != f->module)
		pp = concrete_point(f, module, fn);
	ConcretePoint *cp = add_point(x, pp, f->ret ? PK_KRETPROBE : PK_KPROBE);
	cp->symbol = module ? xasprintf("%s:%s", module, fn) : xstrdup(fn);
	cp->maxactive = f->maxactive;
	return 0;
}

/* The facts for a wildcard (collected if need be); NULL after an error. */
static KernelInfo *facts_for_pattern(const FuncPoint *f)
{
	const char *why;
	KernelInfo *ki = kernel_info_get(true, &why);

	if (!ki && !facts_error_said) {
		facts_error_said = true;
		diag_error(f->pp->loc, "cannot expand the wildcard in %s: %s",
			   probe_point_text(f->pp), why);
		note_alias_use();
	}
	return ki;
}

/* No probe-able function matches f: say why, and what would. */
static void report_no_match(KernelInfo *ki, const FuncPoint *f, size_t nblacklisted)
{
	StrBuf msg = { 0 };
	const char *m = f->module;
	bool loaded = !m || kernel_glob_is_pattern(m) || kernel_info_has_module(ki, m);

	if (!m)
		sb_printf(&msg, "no kernel function%s matches \"%s\"",
			  nblacklisted ? " that can be probed" : "", f->fn);
	else if (kernel_glob_is_pattern(m))
		sb_printf(&msg, "no function of a module matching \"%s\" matches \"%s\"", m, f->fn);
	else
		sb_printf(&msg, "no function of module \"%s\"%s matches \"%s\"", m,
			  nblacklisted ? " that can be probed" : "", f->fn);

	if (!loaded) {
		const char *close = kernel_info_suggest_module(ki, m);
		sb_printf(&msg, ": the target kernel has no module \"%s\" loaded", m);
		if (close)
			sb_printf(&msg, "; did you mean module(\"%s\")?", close);
	} else if (nblacklisted) {
		sb_printf(&msg, ": %s on the kernel's kprobe blacklist",
			  nblacklisted == 1 ? "its only match is" : "all its matches are");
	} else {
		char *close = kernel_info_suggest(ki, m, f->fn);
		const KernelFunction **in_modules;
		if (close) {
			sb_printf(&msg, "; did you mean \"%s\"?", close);
		} else if (!m && kernel_info_match(ki, "*", f->fn, &in_modules, NULL)) {
			const char *mod = in_modules[0]->module;
			sb_printf(&msg, "; functions of module \"%s\" match: use module(\"%s\").function(\"%s\")",
				  mod, mod, f->fn);
		}
	}
	diag_error(f->pp->loc, "%s", msg.data);
	note_alias_use();
}

/* kernel.function("vfs_*"), module("ext*").function("f"): a point per match. */
static int expand_function_pattern(Expansion *x, const FuncPoint *f)
{
	KernelInfo *ki = facts_for_pattern(f);
	const KernelFunction **v;
	size_t nblacklisted;

	if (!ki)
		return -1;
	size_t n = kernel_info_match(ki, f->module, f->fn, &v, &nblacklisted);
	if (n == 0) {
		if (in_optional)
			return 0;
		report_no_match(ki, f, nblacklisted);
		return -1;
	}
	long max = max_function_points();
	if (max > 0 && nfunction_points <= max && (long)n > max - nfunction_points) {
		if (nfunction_points == 0)
			diag_error(f->pp->loc, "too many function probes: %s matches %zu functions, "
				   "more than the %ld a script may have (narrow the pattern, or raise "
				   "the limit with -D MAXPROBES=N)", probe_point_text(f->pp), n, max);
		else
			diag_error(f->pp->loc, "too many function probes: %s matches %zu functions, "
				   "which makes %ld in the script, more than the %ld it may have (narrow "
				   "the pattern, or raise the limit with -D MAXPROBES=N)",
				   probe_point_text(f->pp), n, nfunction_points + (long)n, max);
		note_alias_use();
		nfunction_points = max + 1;   /* (said once) */
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (add_function_point(x, f, v[i]->module, v[i]->name) < 0)
			return -1;
	return 0;
}

/*
 * What the facts (when at hand) say of a named function: NULL if it can
 * be probed, else why not.  A function of a module the target has not
 * loaded cannot be checked: the kernel says at registration.
 */
static char *named_function_problem(const FuncPoint *f)
{
	const char *why, *m = f->module, *fn = f->fn, *in;
	KernelInfo *ki = kernel_info_get(false, &why);

	if (!ki || (m && !kernel_info_has_module(ki, m)))
		return NULL;
	if (kernel_info_blacklisted(ki, m, fn))
		return xasprintf("function \"%s\" cannot be probed: it is on the kernel's kprobe blacklist", fn);
	/* (not an ftrace site, but still code kprobes can probe) */
	if (kernel_info_function(ki, m, fn) || kernel_info_symbol(ki, m, fn))
		return NULL;
	if (!m && (in = kernel_info_module_of(ki, fn)))
		return xasprintf("function \"%s\" is in module \"%s\", not in the kernel image: "
				 "use module(\"%s\").function(\"%s\")", fn, in, in, fn);
	char *close = kernel_info_suggest(ki, m, fn);
	char *what = m ? xasprintf("module \"%s\" has no function \"%s\"", m, fn)
		       : xasprintf("the target kernel has no function \"%s\"", fn);
	return close ? xasprintf("%s; did you mean \"%s\"?", what, close) : what;
}

/*
 * kernel.function("f")[.call|.return][.maxactive(N)]
 * kprobe.function("f")[.return]
 * module("m").function("f")[...]   kprobe.module("m").function("f")[...]
 * `c` is the component after the family prefix, `mod_comp` module("m").
 */
static int elab_function(Expansion *x, const ProbePoint *pp, const ProbePointComp *c,
			 const ProbePointComp *mod_comp)
{
	FuncPoint f = { .pp = pp, .mod_comp = mod_comp,
			.module = mod_comp ? mod_comp->arg->str : NULL };
	int64_t maxactive = 0;

	if (!is_name(c, "function")) {
		if (c && strcmp(c->name, "statement") == 0)
			diag_error(c->loc, "'.statement' probes are not supported yet");
		else if (c && comp_suggestion(c->name, function_words))
			diag_error(c->loc, "unknown probe point component '%s'; did you mean '%s'?",
				   c->name, comp_suggestion(c->name, function_words));
		else
			diag_error(c ? c->loc : pp->loc, "expected '.function(\"NAME\")' in probe point");
		return -1;
	}
	if (!(f.fn = str_arg(c)))
		return -1;
	f.fn_comp = c;
	const Expr *fn_arg = c->arg;
	for (c = c->next; c; c = c->next) {
		if (is_name(c, "return") && no_arg(c)) {
			f.ret = true;
		} else if (is_name(c, "call") && no_arg(c)) {
			;
		} else if (is_name(c, "maxactive")) {
			if (!num_arg(c, &maxactive))
				return -1;
		} else if (comp_suggestion(c->name, function_words)) {
			diag_error(c->loc, "unknown probe point component '%s'; did you mean '%s'?",
				   c->name, comp_suggestion(c->name, function_words));
			return -1;
		} else {
			diag_error(c->loc, "unknown probe point component '.%s' (expected .call, .return or .maxactive(N))",
				   c->name);
			return -1;
		}
	}
	f.maxactive = (int)maxactive;
	if (f.fn[0] == '\0') {
		diag_error(fn_arg->loc, "the function name must not be empty");
		return -1;
	}
	if (strpbrk(f.fn, " \t@:")) {
		diag_error(fn_arg->loc, "'%s' is not a valid function name", f.fn);
		return -1;
	}
	if (f.module && (!f.module[0] || strpbrk(f.module, " \t@:/"))) {
		diag_error(mod_comp->arg->loc, "'%s' is not a valid module name", f.module);
		return -1;
	}
	if (kernel_glob_is_pattern(f.fn) || (f.module && kernel_glob_is_pattern(f.module)))
		return expand_function_pattern(x, &f);
	char *problem = named_function_problem(&f);
	if (problem) {
		if (in_optional)
			return 0;
		diag_error(pp->loc, "%s", problem);
		note_alias_use();
		return -1;
	}
	return add_function_point(x, &f, f.module, f.fn);
}

static int expand(Expansion *x, const ProbePoint *pp, int depth);

/* The aliases being expanded, outermost first, to name a cycle; and the
 * user's point that started the expansion, for notes. */
static const ProbeAlias *alias_stack[MAX_ALIAS_DEPTH + 2];
static const ProbePoint *alias_stack_names[MAX_ALIAS_DEPTH + 2];

/* Reports a cycle if alias a is already being expanded; true if so. */
static bool alias_cycle(const ProbeAlias *a, const ProbePoint *name, const ProbePoint *pp)
{
	for (int i = 0; i < alias_depth; i++) {
		if (alias_stack[i] != a)
			continue;
		StrBuf chain = { 0 };
		for (int j = i; j < alias_depth; j++)
			sb_printf(&chain, "%s -> ", probe_point_text(alias_stack_names[j]));
		sb_puts(&chain, probe_point_text(name));
		diag_error(pp->loc, "recursive probe alias: %s", chain.data);
		return true;
	}
	return false;
}

/* For an unknown point: the closest family or alias name, as text. */
static const char *point_suggestion(const ProbePoint *pp)
{
	const char *family = comp_suggestion(pp->comps->name, family_words);
	if (family)
		return family;
	Suggest sg;
	char *text = probe_point_text(pp);
	suggest_init(&sg, text);
	for (int f = 0; f < 1 + S->ntapsets; f++) {
		Program *prog = f == 0 ? S->user : S->tapsets[f - 1];
		for (ProbeAlias *a = prog->aliases; a; a = a->next)
			for (ProbePoint *name = a->names; name; name = name->next)
				suggest_offer(&sg, probe_point_text(name));
	}
	return suggest_result(&sg);
}

/* Do the components of pattern match those of name?  `*` and globs match
 * within one component, `**` matches any number of whole components. */
static bool comps_match(const ProbePointComp *pat, const ProbePointComp *name)
{
	if (!pat)
		return !name;
	if (strcmp(pat->name, "**") == 0) {
		for (const ProbePointComp *n = name;; n = n->next) {
			if (comps_match(pat->next, n))
				return true;
			if (!n)
				return false;
		}
	}
	if (!name || fnmatch(pat->name, name->name, 0) != 0)
		return false;
	if ((pat->arg == NULL) != (name->arg == NULL))
		return false;
	return comps_match(pat->next, name->next);
}

bool probe_point_matches(const ProbePoint *pattern, const ProbePoint *name)
{
	return comps_match(pattern->comps, name->comps);
}

/*
 * Alias suffixes: `probe my.read = kernel.function("vfs_read")` lets a
 * script write `my.read.return`, which expands to the alias's points with
 * `.return` appended.  Returns the suffix of pat left after name matched
 * its beginning, or NULL if it does not (or matches it whole).
 */
static const ProbePointComp *alias_suffix(const ProbePointComp *pat, const ProbePointComp *name)
{
	for (; name; name = name->next, pat = pat->next) {
		if (!pat || strcmp(pat->name, "**") == 0 || fnmatch(pat->name, name->name, 0) != 0 ||
		    (pat->arg == NULL) != (name->arg == NULL))
			return NULL;
	}
	return pat;
}

/* A copy of point p with the components of suffix appended. */
static ProbePoint *with_suffix(const ProbePoint *p, const ProbePointComp *suffix)
{
	ProbePoint *copy = xmalloc(sizeof(*copy));
	*copy = *p;
	copy->next = NULL;
	copy->comps = NULL;
	for (const ProbePointComp *c = p->comps; c; c = c->next) {
		ProbePointComp *n = xmalloc(sizeof(*n));
		*n = *c;
		n->next = NULL;
		AST_APPEND(copy->comps, n);
	}
	for (const ProbePointComp *c = suffix; c; c = c->next) {
		ProbePointComp *n = xmalloc(sizeof(*n));
		*n = *c;
		n->next = NULL;
		AST_APPEND(copy->comps, n);
	}
	return copy;
}

static Stmt *block_of(Stmt *list, SrcLoc loc)
{
	Stmt *b = ast_stmt(ST_BLOCK, loc);
	b->body = list;
	return b;
}

/* Expands pp through every alias (in the script and tapsets) it names. */
static int expand_aliases(Expansion *x, const ProbePoint *pp, int depth, bool *found)
{
	int rc = 0;
	Program *progs[1 + S->ntapsets];

	progs[0] = S->user;
	for (int i = 0; i < S->ntapsets; i++)
		progs[1 + i] = S->tapsets[i];
	for (int f = 0; f < 1 + S->ntapsets; f++) {
		for (ProbeAlias *a = progs[f]->aliases; a; a = a->next) {
			for (ProbePoint *name = a->names; name; name = name->next) {
				const ProbePointComp *suffix = NULL;
				if (!probe_point_matches(pp, name) &&
				    !(suffix = alias_suffix(pp->comps, name->comps)))
					continue;
				*found = true;
				if (alias_cycle(a, name, pp)) {
					rc = -1;
					break;
				}
				if (++nexpansions > MAX_ALIAS_EXPANSIONS) {
					if (nexpansions == MAX_ALIAS_EXPANSIONS + 1)
						diag_error(pp->loc, "probe aliases expand to too many "
							   "probe points (the limit is %d uses of "
							   "aliases)", MAX_ALIAS_EXPANSIONS);
					return -1;
				}
				Stmt *user = ast_copy_stmt(block_of(x->body, x->loc));
				Stmt *mine = ast_copy_stmt(a->body);
				mine->from_alias = true;
				if (a->epilogue) {
					user->next = mine;
				} else {
					mine->next = user;
					user = mine;
				}
				Expansion inner = { .body = user, .cond = x->cond, .loc = x->loc };
				alias_stack[alias_depth] = a;
				alias_stack_names[alias_depth++] = name;
				for (ProbePoint *p = a->points; p; p = p->next)
					rc |= expand(&inner, suffix ? with_suffix(p, suffix) : p, depth + 1);
				alias_depth--;
				break;
			}
		}
	}
	return rc;
}

static int expand_point(Expansion *x, const ProbePoint *pp, int depth)
{
	const ProbePointComp *c = pp->comps;

	if (depth > MAX_ALIAS_DEPTH) {   /* (cycles are caught earlier, by name) */
		diag_error(pp->loc, "probe alias expansion is too deep");
		return -1;
	}
	if (!strpbrk(c->name, "*?[")) {   /* (elab_sequence reports a suffix) */
		if (strcmp(c->name, "begin") == 0)
			return elab_sequence(x, pp, PK_BEGIN);
		if (strcmp(c->name, "end") == 0)
			return elab_sequence(x, pp, PK_END);
		if (strcmp(c->name, "error") == 0)
			return elab_sequence(x, pp, PK_ERROR);
		if (strcmp(c->name, "never") == 0)
			return no_arg(c) ? 0 : -1;
	}
	if (is_name(c, "timer"))
		return elab_timer(x, pp);
	if (is_name(c, "kernel") && no_arg(c))
		return elab_function(x, pp, c->next, NULL);
	if (is_name(c, "module"))
		return str_arg(c) ? elab_function(x, pp, c->next, c) : -1;
	if (is_name(c, "kprobe") && no_arg(c)) {
		if (is_name(c->next, "module"))
			return str_arg(c->next) ? elab_function(x, pp, c->next->next, c->next) : -1;
		return elab_function(x, pp, c->next, NULL);
	}

	bool found = false;
	int rc = expand_aliases(x, pp, depth, &found);
	if (found)
		return rc;
	if (in_optional)
		return 0;
	char *text = probe_point_text(pp);
	const char *close = point_suggestion(pp);
	if (strpbrk(text, "*?["))
		diag_error(pp->loc, "no probe point matches '%s'", text);
	else if (close)
		diag_error(pp->loc, "unknown probe point '%s'; did you mean '%s'?", text, close);
	else
		diag_error(pp->loc, "unknown probe point '%s'", text);
	if (depth > 0 && alias_use)
		diag_note(alias_use->loc, "probe alias '%s' is used here", probe_point_text(alias_use));
	return -1;
}

/* `?` and `!` (which implies `?`) hold for everything a point expands to. */
static int expand(Expansion *x, const ProbePoint *pp, int depth)
{
	bool outer = in_optional;

	in_optional = outer || pp->optional || pp->sufficient;
	int rc = expand_point(x, pp, depth);
	in_optional = outer;
	return rc;
}

int elaborate(Script *s)
{
	int errors = diag_errors();

	S = s;
	nexpansions = 0;
	last_handler = NULL;
	last_point = NULL;
	in_optional = false;
	nfunction_points = 0;
	facts_error_said = false;
	max_points_known = false;
	for (Probe *p = s->user->probes; p; p = p->next) {
		/* Points without a condition share one handler. */
		Expansion shared = { .body = p->body, .loc = p->loc };
		for (ProbePoint *pp = p->points; pp; pp = pp->next) {
			int before = s->npoints;
			alias_use = pp;
			if (!pp->cond) {
				expand(&shared, pp, 0);
			} else {
				Expansion own = { .body = ast_copy_stmt(p->body),
						  .cond = pp->cond, .loc = p->loc };
				expand(&own, pp, 0);
			}
			/* a sufficient point (`!`) that resolved makes the rest moot */
			if (pp->sufficient && s->npoints > before)
				break;
		}
	}
	/* Probes in tapsets run only when the script uses that tapset; the
	 * linker (sema_resolve) adds them, so they are not elaborated here. */
	if (diag_errors() == errors && s->npoints == 0)   /* (no line: it is the file's fault) */
		diag_error((SrcLoc){ .file = s->user->file }, "the script has no probes");
	return diag_errors() > errors ? -1 : 0;
}
