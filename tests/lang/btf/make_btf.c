/*
 * make_btf.c - writes the BTF fixture of the language tests: a few types
 * and functions of Debian's 6.1.0-56-amd64 kernel, with their real sizes
 * and member offsets (members the cases do not use are left out: their
 * bytes are simply not described).
 *
 * tests/lang/run.sh builds and runs it and points $SONDE_BTF at the
 * result, so that cases with target variables ($file->f_path...) need no
 * kernel image.  By hand:  cc -o make_btf make_btf.c -lbpf && ./make_btf OUT
 *
 * What is in it:
 *   functions  vfs_read, vfs_write (file, buf, count, pos) -> ssize_t;
 *              do_sys_openat2 (dfd, filename, how) -> long;
 *              do_filp_open (dfd, pathname, op) -> struct file *;
 *              copy_process (pid, trace, node, args) -> struct task_struct *;
 *              do_nanosleep (t, mode: enum hrtimer_mode) -> int;
 *              wake_up_process (p) -> int; schedule (void) -> void
 *   structs    file (its first member an anonymous union), path, dentry,
 *              qstr (an anonymous union holding an anonymous struct),
 *              inode, task_struct (with bitfields), open_how, filename,
 *              llist_node; vfsmount, super_block, cred, file_operations,
 *              mm_struct, pid, open_flags, kernel_clone_args and
 *              hrtimer_sleeper are only declared
 * All of these functions are in the kernel-facts fixture too
 * (../kernel-facts), so cases can use both.
 */
#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>

static struct btf *b;

static int check(int id, const char *what)
{
	if (id < 0) {
		fprintf(stderr, "make_btf: cannot add %s (%d)\n", what, id);
		exit(1);
	}
	return id;
}

#define ADD(call) check((call), #call)

static void field(const char *name, int type, int bit_offset, int bits)
{
	ADD(btf__add_field(b, name, type, bit_offset, bits));
}

/* Structs and unions, added in this order after the pointers to them
 * (BTF may refer to a type defined further on). */
enum { S_LLIST, S_QSTR_HASH, S_QSTR_U, S_QSTR, S_FILE_U, S_PATH, S_FILE, S_DENTRY, S_INODE,
       S_TASK, S_HOW, S_FILENAME, NSTRUCTS };
enum { P_LLIST, P_FILE, P_DENTRY, P_INODE, P_TASK, P_HOW, P_FILENAME, NPTRS };

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_btf OUTPUT\n");
		return 2;
	}
	b = btf__new_empty();

	/* integers and their typedefs */
	int t_char = ADD(btf__add_int(b, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR));
	int t_uchar = ADD(btf__add_int(b, "unsigned char", 1, 0));
	int t_ushort = ADD(btf__add_int(b, "short unsigned int", 2, 0));
	int t_int = ADD(btf__add_int(b, "int", 4, BTF_INT_SIGNED));
	int t_uint = ADD(btf__add_int(b, "unsigned int", 4, 0));
	int t_long = ADD(btf__add_int(b, "long int", 8, BTF_INT_SIGNED));
	int t_ulong = ADD(btf__add_int(b, "long unsigned int", 8, 0));
	int t_llong = ADD(btf__add_int(b, "long long int", 8, BTF_INT_SIGNED));
	int t_ullong = ADD(btf__add_int(b, "long long unsigned int", 8, 0));
	int t_u32 = ADD(btf__add_typedef(b, "u32", t_uint));
	int t_u64 = ADD(btf__add_typedef(b, "u64", t_ullong));
	int t_k_u64 = ADD(btf__add_typedef(b, "__u64", t_ullong));
	int t_size = ADD(btf__add_typedef(b, "size_t",
		ADD(btf__add_typedef(b, "__kernel_size_t",
			ADD(btf__add_typedef(b, "__kernel_ulong_t", t_ulong))))));
	int t_ssize = ADD(btf__add_typedef(b, "ssize_t",
		ADD(btf__add_typedef(b, "__kernel_ssize_t",
			ADD(btf__add_typedef(b, "__kernel_long_t", t_long))))));
	int t_loff = ADD(btf__add_typedef(b, "loff_t",
		ADD(btf__add_typedef(b, "__kernel_loff_t", t_llong))));
	int t_pid_t = ADD(btf__add_typedef(b, "pid_t",
		ADD(btf__add_typedef(b, "__kernel_pid_t", t_int))));
	int t_umode = ADD(btf__add_typedef(b, "umode_t", t_ushort));
	int t_fmode = ADD(btf__add_typedef(b, "fmode_t", t_uint));
	int t_void_ptr = ADD(btf__add_ptr(b, 0));
	int t_char_ptr = ADD(btf__add_ptr(b, t_char));
	int t_cchar_ptr = ADD(btf__add_ptr(b, ADD(btf__add_const(b, t_char))));
	int t_cuchar_ptr = ADD(btf__add_ptr(b, ADD(btf__add_const(b, t_uchar))));
	int t_loff_ptr = ADD(btf__add_ptr(b, t_loff));
	int t_comm = ADD(btf__add_array(b, t_int, t_char, 16));
	int t_iname = ADD(btf__add_array(b, t_int, t_uchar, 32));

	/* only declared, and pointers to them */
	int t_vfsmount_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "vfsmount", BTF_FWD_STRUCT))));
	int t_sb_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "super_block", BTF_FWD_STRUCT))));
	int t_cred_ptr = ADD(btf__add_ptr(b, ADD(btf__add_const(b,
		ADD(btf__add_fwd(b, "cred", BTF_FWD_STRUCT))))));
	int t_fops_ptr = ADD(btf__add_ptr(b, ADD(btf__add_const(b,
		ADD(btf__add_fwd(b, "file_operations", BTF_FWD_STRUCT))))));
	int t_mm_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "mm_struct", BTF_FWD_STRUCT))));
	int t_pid_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "pid", BTF_FWD_STRUCT))));
	int t_opflags_ptr = ADD(btf__add_ptr(b, ADD(btf__add_const(b,
		ADD(btf__add_fwd(b, "open_flags", BTF_FWD_STRUCT))))));
	int t_clone_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "kernel_clone_args",
							       BTF_FWD_STRUCT))));
	int t_sleeper_ptr = ADD(btf__add_ptr(b, ADD(btf__add_fwd(b, "hrtimer_sleeper",
								 BTF_FWD_STRUCT))));

	/* pointers to the structs below, whose ids are known in advance */
	int base = (int)btf__type_cnt(b) + NPTRS, s[NSTRUCTS], p[NPTRS];
	for (int i = 0; i < NSTRUCTS; i++)
		s[i] = base + i;
	static const int pointee[NPTRS] = { S_LLIST, S_FILE, S_DENTRY, S_INODE, S_TASK, S_HOW,
					    S_FILENAME };
	for (int i = 0; i < NPTRS; i++)
		p[i] = ADD(btf__add_ptr(b, s[pointee[i]]));

	check(btf__add_struct(b, "llist_node", 8) == s[S_LLIST] ? 0 : -1, "llist_node");
	field("next", p[P_LLIST], 0, 0);

	/* struct qstr { union { struct { u32 hash; u32 len; }; u64 hash_len; }; name } */
	check(btf__add_struct(b, NULL, 8) == s[S_QSTR_HASH] ? 0 : -1, "qstr's struct");
	field("hash", t_u32, 0, 0);
	field("len", t_u32, 32, 0);
	check(btf__add_union(b, NULL, 8) == s[S_QSTR_U] ? 0 : -1, "qstr's union");
	field(NULL, s[S_QSTR_HASH], 0, 0);
	field("hash_len", t_u64, 0, 0);
	check(btf__add_struct(b, "qstr", 16) == s[S_QSTR] ? 0 : -1, "qstr");
	field(NULL, s[S_QSTR_U], 0, 0);
	field("name", t_cuchar_ptr, 64, 0);

	check(btf__add_union(b, NULL, 16) == s[S_FILE_U] ? 0 : -1, "file's union");
	field("f_llist", s[S_LLIST], 0, 0);
	field("f_iocb_flags", t_uint, 0, 0);

	check(btf__add_struct(b, "path", 16) == s[S_PATH] ? 0 : -1, "path");
	field("mnt", t_vfsmount_ptr, 0, 0);
	field("dentry", p[P_DENTRY], 64, 0);

	check(btf__add_struct(b, "file", 232) == s[S_FILE] ? 0 : -1, "file");
	field(NULL, s[S_FILE_U], 0, 0);
	field("f_path", s[S_PATH], 128, 0);
	field("f_inode", p[P_INODE], 256, 0);
	field("f_op", t_fops_ptr, 320, 0);
	field("f_flags", t_uint, 512, 0);
	field("f_mode", t_fmode, 544, 0);
	field("f_pos", t_loff, 832, 0);
	field("f_cred", t_cred_ptr, 1152, 0);
	field("private_data", t_void_ptr, 1600, 0);

	check(btf__add_struct(b, "dentry", 192) == s[S_DENTRY] ? 0 : -1, "dentry");
	field("d_flags", t_uint, 0, 0);
	field("d_parent", p[P_DENTRY], 192, 0);
	field("d_name", s[S_QSTR], 256, 0);
	field("d_inode", p[P_INODE], 384, 0);
	field("d_iname", t_iname, 448, 0);
	field("d_sb", t_sb_ptr, 832, 0);

	check(btf__add_struct(b, "inode", 632) == s[S_INODE] ? 0 : -1, "inode");
	field("i_mode", t_umode, 0, 0);
	field("i_flags", t_uint, 96, 0);
	field("i_sb", t_sb_ptr, 320, 0);
	field("i_ino", t_ulong, 512, 0);
	field("i_size", t_loff, 640, 0);

	check(btf__add_struct(b, "task_struct", 9792) == s[S_TASK] ? 0 : -1, "task_struct");
	field("__state", t_uint, 192, 0);
	field("flags", t_uint, 352, 0);
	field("prio", t_int, 864, 0);
	field("mm", t_mm_ptr, 18176, 0);
	field("sched_reset_on_fork", t_uint, 18720, 1);
	field("sched_contributes_to_load", t_uint, 18721, 1);
	field("in_execve", t_uint, 18754, 1);
	field("in_iowait", t_uint, 18755, 1);
	field("pid", t_pid_t, 19328, 0);
	field("tgid", t_pid_t, 19360, 0);
	field("real_parent", p[P_TASK], 19456, 0);
	field("parent", p[P_TASK], 19520, 0);
	field("comm", t_comm, 23808, 0);

	check(btf__add_struct(b, "open_how", 24) == s[S_HOW] ? 0 : -1, "open_how");
	field("flags", t_k_u64, 0, 0);
	field("mode", t_k_u64, 64, 0);
	field("resolve", t_k_u64, 128, 0);

	check(btf__add_struct(b, "filename", 32) == s[S_FILENAME] ? 0 : -1, "filename");
	field("name", t_cchar_ptr, 0, 0);
	field("uptr", t_cchar_ptr, 64, 0);
	field("refcnt", t_int, 128, 0);

	int t_mode = ADD(btf__add_enum(b, "hrtimer_mode", 4));
	ADD(btf__add_enum_value(b, "HRTIMER_MODE_ABS", 0));
	ADD(btf__add_enum_value(b, "HRTIMER_MODE_REL", 1));
	ADD(btf__add_enum_value(b, "HRTIMER_MODE_PINNED", 2));

	/* functions */
	int proto = ADD(btf__add_func_proto(b, t_ssize));
	ADD(btf__add_func_param(b, "file", p[P_FILE]));
	ADD(btf__add_func_param(b, "buf", t_char_ptr));
	ADD(btf__add_func_param(b, "count", t_size));
	ADD(btf__add_func_param(b, "pos", t_loff_ptr));
	ADD(btf__add_func(b, "vfs_read", BTF_FUNC_GLOBAL, proto));
	proto = ADD(btf__add_func_proto(b, t_ssize));
	ADD(btf__add_func_param(b, "file", p[P_FILE]));
	ADD(btf__add_func_param(b, "buf", t_cchar_ptr));
	ADD(btf__add_func_param(b, "count", t_size));
	ADD(btf__add_func_param(b, "pos", t_loff_ptr));
	ADD(btf__add_func(b, "vfs_write", BTF_FUNC_GLOBAL, proto));
	proto = ADD(btf__add_func_proto(b, t_long));
	ADD(btf__add_func_param(b, "dfd", t_int));
	ADD(btf__add_func_param(b, "filename", t_cchar_ptr));
	ADD(btf__add_func_param(b, "how", p[P_HOW]));
	ADD(btf__add_func(b, "do_sys_openat2", BTF_FUNC_STATIC, proto));
	proto = ADD(btf__add_func_proto(b, p[P_FILE]));
	ADD(btf__add_func_param(b, "dfd", t_int));
	ADD(btf__add_func_param(b, "pathname", p[P_FILENAME]));
	ADD(btf__add_func_param(b, "op", t_opflags_ptr));
	ADD(btf__add_func(b, "do_filp_open", BTF_FUNC_GLOBAL, proto));
	proto = ADD(btf__add_func_proto(b, p[P_TASK]));
	ADD(btf__add_func_param(b, "pid", t_pid_ptr));
	ADD(btf__add_func_param(b, "trace", t_int));
	ADD(btf__add_func_param(b, "node", t_int));
	ADD(btf__add_func_param(b, "args", t_clone_ptr));
	ADD(btf__add_func(b, "copy_process", BTF_FUNC_STATIC, proto));
	proto = ADD(btf__add_func_proto(b, t_int));
	ADD(btf__add_func_param(b, "t", t_sleeper_ptr));
	ADD(btf__add_func_param(b, "mode", t_mode));
	ADD(btf__add_func(b, "do_nanosleep", BTF_FUNC_STATIC, proto));
	proto = ADD(btf__add_func_proto(b, t_int));
	ADD(btf__add_func_param(b, "p", p[P_TASK]));
	ADD(btf__add_func(b, "wake_up_process", BTF_FUNC_GLOBAL, proto));
	ADD(btf__add_func(b, "schedule", BTF_FUNC_GLOBAL, ADD(btf__add_func_proto(b, 0))));

	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	FILE *f = fopen(argv[1], "wb");
	if (!raw || !f || fwrite(raw, 1, size, f) != size || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	(void)t_ssize;
	return 0;
}
