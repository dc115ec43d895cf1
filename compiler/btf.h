/*
 * btf.h - the target kernel's types, read from its BTF (the compact type
 * format every Debian kernel carries), through libbpf.
 *
 * This is what gives target variables their C types with no debuginfo
 * package: a probed function's parameters ($file, $count), its return
 * type ($return), the members of the structs they point to
 * ($file->f_path.dentry->d_name.name) and the types @cast names.
 *
 * Where the BTF comes from, first found wins:
 *   $SONDE_BTF        a file (raw BTF or an ELF with a .BTF section); the
 *                     language tests point it at a small fixture
 *   /sys/kernel/btf/vmlinux, when the target kernel is the running one
 *   the VM's cached uncompressed vmlinux of that kernel (vm_vmlinux_path)
 *   /usr/lib/debug/boot/vmlinux-REL, /boot/vmlinux-REL
 * A module's types are its split BTF on top of the kernel's:
 * /sys/kernel/btf/MOD for the running kernel, else the .BTF section of
 * MOD.ko as modules.dep lists it.
 *
 * Nothing is read until a script uses a target variable or @cast.  The
 * loaded BTF stays for the life of the process (libbpf owns it); nothing
 * else in this module outlives a call, so a fuzzer may run the front end
 * over and over.
 *
 * Resolving an access chain gives a KAccess: where the value starts (an
 * argument register, the return register, or the value of @cast's
 * pointer), the steps that reach it (add an offset, add index * size,
 * load a pointer stored in memory) and what the last step leaves: the
 * value itself, or its address and its type.  Code generation turns a
 * KAccess into fault-safe reads (codegen_target.c).
 */
#ifndef SONDE_BTF_H
#define SONDE_BTF_H

#include <stdbool.h>
#include <stdint.h>
#include "ast.h"
#include "util.h"

struct btf;

/* A kernel type as a script sees it: typedefs and qualifiers skipped. */
typedef enum KtKind {
	KT_VOID, KT_INT, KT_ENUM, KT_PTR, KT_ARRAY, KT_STRUCT, KT_UNION, KT_FUNC, KT_FLOAT,
} KtKind;

typedef struct KType {
	uint32_t id;          /* BTF id, typedefs and qualifiers skipped */
	uint32_t decl;        /* as declared (names in messages: "size_t") */
	KtKind kind;
	int64_t size;         /* bytes; 0 for void, functions, incomplete structs */
	bool is_signed;       /* KT_INT, KT_ENUM */
	bool is_char;         /* KT_INT of one byte named like char */
	uint32_t elem;        /* KT_PTR: the pointee; KT_ARRAY: the element (declared ids) */
	int64_t nelems;       /* KT_ARRAY (0: flexible) */
	bool incomplete;      /* KT_STRUCT/KT_UNION only declared (a BTF "fwd") */
} KType;

/* The BTF of the target kernel (module NULL or "kernel") or of one of its
 * modules, loaded on first use.  NULL when there is none; *why then says
 * why in words fit for an error message. */
const struct btf *kbtf_open(const char *module, const char **why);

/* Describes a type id of btf (typedefs and qualifiers skipped in the
 * result, kept in decl). */
KType kbtf_type(const struct btf *btf, uint32_t id);

/* The type as C would write it: "struct file *", "size_t", "char [16]". */
char *kbtf_type_name(const struct btf *btf, uint32_t id);

/* ---- functions ---------------------------------------------------------- */

typedef struct KParam {
	const char *name;
	KType type;
	int slot;             /* first ABI argument slot (0: rdi ... 5: r9, then the stack) */
} KParam;

typedef struct KFunc {
	const struct btf *btf;
	const char *name;
	KParam *params;
	int nparams;
	KType ret;            /* KT_VOID when it returns nothing */
} KFunc;

/* Looks up a probed function: `symbol` is "name" or "module:name".  False
 * with a message in *err ("no BTF type information for function ...").
 * The result lives until the next call of the front end (it is allocated
 * with the compiler's allocator). */
bool kbtf_function(const char *symbol, KFunc *out, char **err);

/* The parameter `name` of f, or NULL. */
const KParam *kbtf_param(const KFunc *f, const char *name);

/* "file, buf, count, pos" */
char *kbtf_param_list(const KFunc *f);

/* A type named as @cast names it: "task_struct", "struct task_struct",
 * "union u", "enum e" or a typedef ("pid_t").  False with a message
 * (and a did-you-mean) in *err. */
bool kbtf_named_type(const struct btf *btf, const char *name, KType *out, char **err);

/* ---- access chains ------------------------------------------------------ */

typedef enum KStepKind {
	KS_ADD,               /* V += offset */
	KS_INDEX,             /* V += index * scale (index: the script's expression) */
	KS_LOAD_PTR,          /* V = the pointer stored at V (a fault-safe read) */
} KStepKind;

typedef struct KStep {
	KStepKind kind;
	int64_t offset;       /* KS_ADD */
	Expr *index;          /* KS_INDEX */
	int64_t scale;        /* KS_INDEX */
	const char *path;     /* KS_LOAD_PTR: what is read, as written ("$file->f_path.dentry") */
	const char *op;       /* KS_LOAD_PTR: "->", "." or "[" (the operator that needs the read) */
	SrcLoc loc;           /* KS_LOAD_PTR: that operator */
} KStep;

typedef enum KBase {
	KB_ARG,               /* an argument of the probed function, from its ABI slot */
	KB_RETURN,            /* the return value register */
	KB_VALUE,             /* a script value (@cast's pointer) */
} KBase;

typedef struct KAccess {
	const struct btf *btf;
	KBase base;
	int slot;             /* KB_ARG */
	KStep *steps;
	int nsteps;
	bool in_memory;       /* V is the address of the value (else V is the value) */
	KType type;           /* of the value */
	int bit_offset;       /* a bitfield: its first bit at V (0-7)... */
	int bit_size;         /* ...and its width; 0 when not a bitfield */
	const char *path;     /* the whole chain as written */
	const char *op;       /* the operator of the last component, or NULL */
	SrcLoc op_loc;        /* and where it is */
} KAccess;

/* Why a chain does not resolve: a message and where (a component). */
typedef struct KError {
	SrcLoc loc;
	char *msg;
	bool no_btf;          /* the cause is the lack of BTF: one message says it all */
} KError;

/*
 * Follows chain from a starting value of type `start` (declared id) held
 * in a register (in_memory false: a function argument, $return) or lying
 * in memory at V (@cast).  `a` comes filled with btf, base, slot and path
 * (the text of the start, "$file"); the chain's steps are added to it.
 * `->` and `.` are interchangeable, as in SystemTap: each reaches a member
 * of a struct or union, or of the one a pointer points to.  False with
 * *err set when the chain does not fit the types.
 */
bool kbtf_resolve(KAccess *a, uint32_t start, bool in_memory, const TargetComp *chain,
		  KError *err);

/* ---- pretty-printing ---------------------------------------------------- */

/* How one value of a pretty-printed text is shown. */
typedef enum KPrettyKind {
	KP_TEXT,              /* no value: just the text */
	KP_INT,               /* signed decimal */
	KP_UINT,              /* unsigned decimal */
	KP_HEX,               /* 0x... (pointers, and every value of $$parms) */
	KP_CHARS,             /* a char array: "quoted", at most size bytes */
	KP_STRPTR,            /* a char pointer: the "quoted" string, or 0x... when unreadable */
} KPrettyKind;

typedef struct KPretty {
	const char *text;     /* printed before the value */
	KPrettyKind kind;
	int base;             /* which base value: 0 for $x$, a parameter's index for $$parms */
	bool direct;          /* the value is the base itself (a register), else memory */
	int64_t offset;       /* memory: bytes from the base */
	int size;             /* bytes of the value */
	int bit_offset, bit_size;
} KPretty;

/* A pretty-printed text: its items, in order, and text not yet attached
 * to one (the end of the text is an item of kind KP_TEXT). */
typedef struct KPrettyPlan {
	KPretty *items;
	int n, cap;
	StrBuf pending;
	int budget;           /* values left before a huge struct is cut short */
} KPrettyPlan;

/* Starts an empty plan. */
void kbtf_pretty_init(KPrettyPlan *p);

/* Appends text. */
void kbtf_pretty_text(KPrettyPlan *p, const char *text);

/* Appends a value of `size` bytes in hex, as $$parms shows each one. */
void kbtf_pretty_hex(KPrettyPlan *p, int base, bool direct, int64_t offset, int size);

/*
 * Appends the pretty form of a value of type `type` (a declared id), held
 * in base value `base` itself (direct) or in memory at base + offset:
 * integers in decimal, pointers in hex, char arrays and char pointers as
 * quoted strings, structs and unions as {.member=value, ...} and arrays
 * as [v, ...].  depth 1 ($x$) shows nested structs and arrays as {...} and
 * [...]; depth 2 ($x$$) expands them too.  A direct pointer to a struct or
 * union (a parameter, $return) is followed: its struct is shown.
 */
void kbtf_pretty_value(KPrettyPlan *p, const struct btf *btf, uint32_t type, int base,
		       bool direct, int64_t offset, int depth);

/* The same for a bitfield in memory: bit_size bits from bit bit_offset. */
void kbtf_pretty_bits(KPrettyPlan *p, const struct btf *btf, uint32_t type, int base,
		      int64_t offset, int bit_offset, int bit_size);

/* Ends the plan: the pending text becomes the last item. */
void kbtf_pretty_end(KPrettyPlan *p);

#endif
