/*
 * btf_access.c - what a target-variable chain means in the kernel's types:
 * $file->f_path.dentry->d_name.name becomes offsets to add and pointers to
 * load, ending on a value of a known type (kbtf_resolve); and how $x$,
 * $x$$ and $$parms$ show a value (kbtf_pretty_*).  See btf.h.
 */
#include "btf.h"

#include <bpf/btf.h>
#include <string.h>
#include "suggest.h"

#define MAX_ANON_DEPTH 16     /* anonymous structs within anonymous structs */
#define PRETTY_BUDGET 400     /* values in one pretty-printed text (MAXSTRINGLEN cuts it anyway) */
#define PRETTY_MAX_ELEMS 32   /* elements of an array shown by $x$$ */

static void add_step(KAccess *a, KStep s)
{
	if (s.kind == KS_ADD && a->nsteps && a->steps[a->nsteps - 1].kind == KS_ADD) {
		KStep *last = &a->steps[a->nsteps - 1];   /* one addition will do */
		last->offset = (int64_t)((uint64_t)last->offset + (uint64_t)s.offset);
		return;
	}
	a->steps = xrealloc(a->steps, (a->nsteps + 1) * sizeof(KStep));
	a->steps[a->nsteps++] = s;
}

/*
 * Member `name` of struct or union sid, searching anonymous members too:
 * its bit offset from the start of sid, declared type and bitfield width
 * (0 if none).
 */
static bool find_member(const struct btf *btf, uint32_t sid, const char *name, uint32_t *bit_off,
			uint32_t *type, uint32_t *bits, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);

	if (!t || depth > MAX_ANON_DEPTH || !(btf_is_struct(t) || btf_is_union(t)))
		return false;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint32_t off = btf_member_bit_offset(t, i);
		if (mn && *mn) {
			if (strcmp(mn, name) != 0)
				continue;
			*bit_off = off;
			*type = m[i].type;
			*bits = btf_member_bitfield_size(t, i);
			return true;
		}
		uint32_t inner = kbtf_type(btf, m[i].type).id;
		if (inner && find_member(btf, inner, name, bit_off, type, bits, depth + 1)) {
			*bit_off += off;
			return true;
		}
	}
	return false;
}

static void offer_members(Suggest *sg, const struct btf *btf, uint32_t sid, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);

	if (!t || depth > MAX_ANON_DEPTH || !(btf_is_struct(t) || btf_is_union(t)))
		return;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		if (mn && *mn)
			suggest_offer(sg, mn);
		else
			offer_members(sg, btf, kbtf_type(btf, m[i].type).id, depth + 1);
	}
}

static bool fail(KError *err, SrcLoc loc, char *msg)
{
	err->loc = loc;
	err->msg = msg;
	return false;
}

/* "a 'size_t'", "an 'int'", for messages. */
static char *a_type(const struct btf *btf, uint32_t decl)
{
	char *name = kbtf_type_name(btf, decl);

	return xasprintf("%s '%s'", strchr("aeiou", name[0]) ? "an" : "a", name);
}

/* ->m / .m: moves V to member m of the struct or union that decl is or
 * points to. */
static bool member(KAccess *a, uint32_t *decl, bool *mem, const char *path, const TargetComp *tc,
		   KError *err)
{
	const struct btf *btf = a->btf;
	const char *op = tc->arrow ? "->" : ".";
	KType k = kbtf_type(btf, *decl), s = k;

	if (k.kind == KT_PTR) {
		s = kbtf_type(btf, k.elem);
		if (s.kind == KT_VOID)
			return fail(err, tc->loc, xasprintf("'%s' is a 'void *', which has no members: "
				"say what it points to with @cast(%s, \"TYPE\")%s%s", path, path, op,
				tc->member));
		if (s.kind != KT_STRUCT && s.kind != KT_UNION)
			return fail(err, tc->loc, xasprintf("'%s%s' needs a struct or a union, but "
				"'%s' points to %s", op, tc->member, path, a_type(btf, k.elem)));
		if (*mem)
			add_step(a, (KStep){ .kind = KS_LOAD_PTR, .path = path, .op = op, .loc = tc->loc });
		*mem = true;
	} else if (k.kind == KT_STRUCT || k.kind == KT_UNION) {
		if (!*mem)
			return fail(err, tc->loc, xasprintf("'%s' is a %s passed by value in registers: "
				"its members cannot be read", path, k.kind == KT_STRUCT ? "struct" : "union"));
	} else {
		return fail(err, tc->loc, xasprintf("'%s%s' needs a struct, a union or a pointer to "
			"one, but '%s' is %s", op, tc->member, path, a_type(btf, *decl)));
	}
	if (s.incomplete)
		return fail(err, tc->loc, xasprintf("'%s' is only declared in the kernel's BTF: its "
			"members are unknown", kbtf_type_name(btf, s.id)));
	uint32_t bit_off = 0, type = 0, bits = 0;
	if (!find_member(btf, s.id, tc->member, &bit_off, &type, &bits, 0)) {
		Suggest sg;
		suggest_init(&sg, tc->member);
		offer_members(&sg, btf, s.id, 0);
		const char *best = suggest_result(&sg);
		return fail(err, tc->loc, best
			? xasprintf("'%s' has no member named '%s'; did you mean '%s'?",
				    kbtf_type_name(btf, s.id), tc->member, best)
			: xasprintf("'%s' has no member named '%s'", kbtf_type_name(btf, s.id),
				    tc->member));
	}
	if (bit_off / 8)
		add_step(a, (KStep){ .kind = KS_ADD, .offset = bit_off / 8 });
	a->bit_offset = bits ? bit_off % 8 : 0;
	a->bit_size = bits;
	*decl = type;
	return true;
}

/* [i]: moves V to element i of the array that decl is, or that a
 * pointer points to. */
static bool element(KAccess *a, uint32_t *decl, bool *mem, const char *path, const TargetComp *tc,
		    KError *err)
{
	const struct btf *btf = a->btf;
	KType k = kbtf_type(btf, *decl);
	bool constant = tc->index->kind == EX_NUMBER;
	int64_t i = tc->index->num;

	if (k.kind != KT_ARRAY && k.kind != KT_PTR)
		return fail(err, tc->loc, xasprintf("'[' needs an array or a pointer, but '%s' is %s",
						    path, a_type(btf, *decl)));
	KType e = kbtf_type(btf, k.elem);
	if (e.size <= 0)
		return fail(err, tc->loc, xasprintf("'%s' points to %s, whose size is unknown: say "
			"what it points to with @cast(%s, \"TYPE\")", path, a_type(btf, k.elem), path));
	if (k.kind == KT_ARRAY) {
		if (!*mem)
			return fail(err, tc->loc, xasprintf("'%s' is an array passed in registers", path));
		if (constant && k.nelems > 0 && (i < 0 || i >= k.nelems))
			return fail(err, tc->index->loc, xasprintf("index %lld is out of the bounds of "
				"'%s', which has %lld elements", (long long)i, path, (long long)k.nelems));
	} else {
		if (*mem)
			add_step(a, (KStep){ .kind = KS_LOAD_PTR, .path = path, .op = "[", .loc = tc->loc });
		*mem = true;
	}
	if (constant && i)
		add_step(a, (KStep){ .kind = KS_ADD, .offset = (int64_t)((uint64_t)i * (uint64_t)e.size) });
	else if (!constant)
		add_step(a, (KStep){ .kind = KS_INDEX, .index = tc->index, .scale = e.size });
	*decl = k.elem;
	return true;
}

bool kbtf_resolve(KAccess *a, uint32_t start, bool in_memory, const TargetComp *chain, KError *err)
{
	uint32_t decl = start;
	bool mem = in_memory;
	StrBuf path = { 0 };

	sb_puts(&path, a->path);
	for (const TargetComp *tc = chain; tc; tc = tc->next) {
		const char *here = xstrdup(path.data);
		if (a->bit_size)
			return fail(err, tc->loc, xasprintf("'%s' is a bitfield: it has no %s", here,
				tc->kind == TC_MEMBER ? "members" : "elements"));
		if (tc->kind == TC_MEMBER) {
			if (!member(a, &decl, &mem, here, tc, err))
				return false;
			sb_printf(&path, "%s%s", tc->arrow ? "->" : ".", tc->member);
		} else {
			if (!element(a, &decl, &mem, here, tc, err))
				return false;
			if (tc->index->kind == EX_NUMBER)
				sb_printf(&path, "[%lld]", (long long)tc->index->num);
			else
				sb_puts(&path, "[...]");
		}
		a->op = tc->kind == TC_INDEX ? "[" : tc->arrow ? "->" : ".";
		a->op_loc = tc->loc;
	}
	a->in_memory = mem;
	a->type = kbtf_type(a->btf, decl);
	a->path = sb_steal(&path);
	return true;
}

/* ---- pretty-printing ------------------------------------------------------ */

void kbtf_pretty_init(KPrettyPlan *p)
{
	memset(p, 0, sizeof(*p));
	p->budget = PRETTY_BUDGET;
}

static void item(KPrettyPlan *p, KPretty it)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->items = xrealloc(p->items, p->cap * sizeof(KPretty));
	}
	it.text = sb_steal(&p->pending);
	p->items[p->n++] = it;
}

void kbtf_pretty_text(KPrettyPlan *p, const char *text)
{
	sb_puts(&p->pending, text);
}

void kbtf_pretty_hex(KPrettyPlan *p, int base, bool direct, int64_t offset, int size)
{
	item(p, (KPretty){ .kind = KP_HEX, .base = base, .direct = direct, .offset = offset,
			   .size = size });
}

void kbtf_pretty_end(KPrettyPlan *p)
{
	if (p->pending.len || !p->n)
		item(p, (KPretty){ .kind = KP_TEXT });
}

static void value(KPrettyPlan *p, const struct btf *btf, uint32_t decl, int base, bool direct,
		  int64_t offset, int depth, int level, int bit_offset, int bit_size);

/* The members of struct/union sid at base+offset, anonymous ones inlined. */
static void members(KPrettyPlan *p, const struct btf *btf, uint32_t sid, int base, int64_t offset,
		    int depth, int level, bool *first, int anon)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);

	if (!t || anon > MAX_ANON_DEPTH || !(btf_is_struct(t) || btf_is_union(t)))
		return;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint32_t off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		if (p->budget <= 0) {
			kbtf_pretty_text(p, ", ...");
			return;
		}
		if (!mn || !*mn) {
			members(p, btf, kbtf_type(btf, m[i].type).id, base, offset + off / 8, depth,
				level, first, anon + 1);
			continue;
		}
		kbtf_pretty_text(p, *first ? "." : ", .");
		kbtf_pretty_text(p, mn);
		kbtf_pretty_text(p, "=");
		*first = false;
		value(p, btf, m[i].type, base, false, offset + off / 8, depth, level + 1,
		      bits ? off % 8 : 0, bits);
	}
}

static void value(KPrettyPlan *p, const struct btf *btf, uint32_t decl, int base, bool direct,
		  int64_t offset, int depth, int level, int bit_offset, int bit_size)
{
	KType k = kbtf_type(btf, decl);
	bool expand = level == 0 || depth >= 2;

	if (p->budget-- <= 0) {
		kbtf_pretty_text(p, "...");
		return;
	}
	switch (k.kind) {
	case KT_INT: case KT_ENUM:
		item(p, (KPretty){ .kind = k.is_signed ? KP_INT : KP_UINT, .base = base,
				   .direct = direct, .offset = offset, .size = (int)k.size,
				   .bit_offset = bit_offset, .bit_size = bit_size });
		return;
	case KT_PTR: {
		KType e = kbtf_type(btf, k.elem);
		if (level == 0 && direct && (e.kind == KT_STRUCT || e.kind == KT_UNION) && !e.incomplete) {
			value(p, btf, k.elem, base, false, 0, depth, 0, 0, 0);
			return;
		}
		if (e.kind == KT_FUNC)
			kbtf_pretty_text(p, "<function>:");
		item(p, (KPretty){ .kind = e.kind == KT_INT && e.is_char ? KP_STRPTR : KP_HEX,
				   .base = base, .direct = direct, .offset = offset, .size = 8 });
		return;
	}
	case KT_ARRAY: {
		KType e = kbtf_type(btf, k.elem);
		if (e.kind == KT_INT && e.is_char && !direct && k.nelems > 0) {
			item(p, (KPretty){ .kind = KP_CHARS, .base = base, .offset = offset,
					   .size = (int)k.nelems });
			return;
		}
		if (direct || !expand || e.size <= 0) {
			kbtf_pretty_text(p, "[...]");
			return;
		}
		kbtf_pretty_text(p, "[");
		for (int64_t i = 0; i < k.nelems && i < PRETTY_MAX_ELEMS && p->budget > 0; i++) {
			if (i)
				kbtf_pretty_text(p, ", ");
			value(p, btf, k.elem, base, false, offset + i * e.size, depth, level + 1, 0, 0);
		}
		kbtf_pretty_text(p, k.nelems > PRETTY_MAX_ELEMS || p->budget <= 0 ? ", ...]" : "]");
		return;
	}
	case KT_STRUCT: case KT_UNION: {
		if (direct || !expand || k.incomplete) {
			kbtf_pretty_text(p, "{...}");
			return;
		}
		bool first = true;
		kbtf_pretty_text(p, "{");
		members(p, btf, k.id, base, offset, depth, level, &first, 0);
		kbtf_pretty_text(p, "}");
		return;
	}
	case KT_FUNC:
		kbtf_pretty_text(p, "<function>");
		return;
	default:
		kbtf_pretty_text(p, "?");
		return;
	}
}

void kbtf_pretty_value(KPrettyPlan *p, const struct btf *btf, uint32_t type, int base,
		       bool direct, int64_t offset, int depth)
{
	value(p, btf, type, base, direct, offset, depth, 0, 0, 0);
}

void kbtf_pretty_bits(KPrettyPlan *p, const struct btf *btf, uint32_t type, int base,
		      int64_t offset, int bit_offset, int bit_size)
{
	value(p, btf, type, base, false, offset, 1, 0, bit_offset, bit_size);
}
