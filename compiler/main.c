/*
 * main.c - the sonde driver: options, then the passes in order.
 *
 *   -p1  parse the script (and the tapsets)        print the program back
 *   -p2  elaborate, resolve, type, check           list probes, globals, functions
 *   -p3  generate C                                print it
 *   -p4  build NAME.ko with kbuild                 print its path
 *   -p5  run it: load, stream output, unload       (default)
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "diag.h"
#include "kbuild.h"
#include "kernel_info.h"
#include "parse.h"
#include "preprocess.h"
#include "session.h"
#include "util.h"
#include "vm.h"

#define SONDE_VERSION "0.1"

static void usage(FILE *f)
{
	fputs("Usage: sonde [OPTIONS] SCRIPT.stp [ARGS...]\n"
	      "       sonde [OPTIONS] -e 'SCRIPT' [ARGS...]\n"
	      "Compile a probe script into a kernel module, run it, print its output.\n\n"
	      "  -e SCRIPT     run SCRIPT given on the command line\n"
	      "  -p N          stop after pass N: 1 parse, 2 elaborate, 3 C code, 4 module, 5 run\n"
	      "  -c CMD        run CMD while the probes are live; stop when it exits\n"
	      "  -T SECONDS    stop after SECONDS\n"
	      "  -m NAME       name the module NAME\n"
	      "  -r KRELEASE   build for kernel KRELEASE\n"
	      "  --vm          run in a disposable QEMU guest (the default when the\n"
	      "                host kernel cannot be used)\n"
	      "  --host        run in the host kernel (needs root and kernel headers)\n"
	      "  -k            keep the temporary build directory\n"
	      "  -v            more output: per-pass timing, the chosen target\n"
	      "  -g            guru mode: allow embedded C in the script\n"
	      "  -D NAME=VAL   set a limit, e.g. -D MAXACTION=10000\n"
	      "  -I DIR        also load tapsets from DIR\n"
	      "  -l PATTERN    list the probe points matching PATTERN, e.g. -l 'syscall.*'\n"
	      "  -L PATTERN    the same, with the variables each point provides\n"
	      "  --dump-functions      list the tapset library's functions\n"
	      "  --dump-probe-aliases  list the tapset library's probe aliases\n"
	      "  -w            no warnings\n"
	      "  -u            unoptimized: no constant folding\n"
	      "  -G NAME=VALUE set global NAME of the script to VALUE\n"
	      "  -h, --help    this help;  -V, --version  the version\n", f);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double pass_start;

static void pass_done(int pass, const char *what)
{
	if (opt.verbose)
		fprintf(stderr, "Pass %d: %s in %.0f ms.\n", pass, what, now_ms() - pass_start);
	pass_start = now_ms();
}

/* Where runtime/, tapsets/ and templates/ are: installed or source tree. */
static void find_datadir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n < 0)
		n = 0;
	exe[n] = '\0';
	char *bindir = xstrdup(dirname(exe));
	char *installed = xasprintf("%s/../share/sonde", bindir);
	if (getenv("SONDE_DATADIR")) {
		opt.datadir = getenv("SONDE_DATADIR");
		opt.libexecdir = bindir;
	} else if (stat(xasprintf("%s/runtime/kernel/runtime.h", installed), &st) == 0) {
		opt.datadir = realpath(installed, NULL);
		opt.libexecdir = realpath(xasprintf("%s/../libexec/sonde", bindir), NULL);
	} else {
		opt.datadir = realpath(xasprintf("%s/..", bindir), NULL);
		opt.libexecdir = bindir;
	}
	if (!opt.datadir || !opt.libexecdir) {
		fprintf(stderr, "sonde: error: cannot find sonde's data files near %s\n", bindir);
		exit(2);
	}
}

enum { OPT_VM = 256, OPT_HOST, OPT_VM_EXEC, OPT_DUMP_FUNCTIONS, OPT_DUMP_ALIASES,
       OPT_KERNEL_FACTS, OPT_DUMP_KERNEL_FACTS };

/* Modes that list the library instead of running a script. */
static const char *list_pattern;
static bool list_vars, dump_funcs, dump_aliases;
/* Hidden: --kernel-facts PATH (tests: a fixture instead of the target's
 * facts), --dump-kernel-facts (run in the guest that collects them). */
static const char *kernel_facts_path;
static bool dump_kernel_facts;

static void parse_options(int argc, char **argv, bool *vm_exec)
{
	static const struct option longopts[] = {
		{ "vm", no_argument, NULL, OPT_VM },
		{ "host", no_argument, NULL, OPT_HOST },
		{ "vm-exec", no_argument, NULL, OPT_VM_EXEC },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_ALIASES },
		{ "kernel-facts", required_argument, NULL, OPT_KERNEL_FACTS },
		{ "dump-kernel-facts", no_argument, NULL, OPT_DUMP_KERNEL_FACTS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:e:m:kvr:T:c:o:gwuD:I:G:l:L:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt.last_pass = atoi(optarg);
			if (opt.last_pass < 1 || opt.last_pass > 5) {
				fprintf(stderr, "sonde: error: -p takes 1 to 5, not '%s'\n", optarg);
				exit(2);
			}
			break;
		case 'e': opt.script_text = optarg; break;
		case 'm': opt.module_name = optarg; break;
		case 'k': opt.keep_build = true; break;
		case 'v': opt.verbose++; break;
		case 'r': opt.krelease = optarg; break;
		case 'T':
			opt.timeout_s = atoi(optarg);
			if (opt.timeout_s <= 0) {
				fprintf(stderr, "sonde: error: -T takes a positive number of seconds\n");
				exit(2);
			}
			break;
		case 'c': opt.command = optarg; break;
		case 'o': opt.output_file = optarg; break;
		case 'g': opt.guru = true; break;
		case 'w': opt.warnings = false; break;
		case 'u': opt.unoptimized = true; break;
		case 'G':
			opt.global_sets = xrealloc(opt.global_sets, (opt.nglobal_sets + 1) * sizeof(char *));
			opt.global_sets[opt.nglobal_sets++] = optarg;
			break;
		case 'D':
			opt.defines = xrealloc(opt.defines, (opt.ndefines + 1) * sizeof(char *));
			opt.defines[opt.ndefines++] = optarg;
			break;
		case 'I':
			opt.tapset_dirs = xrealloc(opt.tapset_dirs, (opt.ntapset_dirs + 1) * sizeof(char *));
			opt.tapset_dirs[opt.ntapset_dirs++] = optarg;
			break;
		case 'l': list_pattern = optarg; list_vars = false; break;
		case 'L': list_pattern = optarg; list_vars = true; break;
		case OPT_DUMP_FUNCTIONS: dump_funcs = true; break;
		case OPT_DUMP_ALIASES: dump_aliases = true; break;
		case OPT_KERNEL_FACTS: kernel_facts_path = optarg; break;
		case OPT_DUMP_KERNEL_FACTS: dump_kernel_facts = true; break;
		case OPT_VM: opt.vm = true; break;
		case OPT_HOST: opt.host = true; break;
		case OPT_VM_EXEC: *vm_exec = true; return;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("sonde %s\n", SONDE_VERSION); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (list_pattern || dump_funcs || dump_aliases || dump_kernel_facts)
		return;
	if (!opt.script_text) {
		if (optind >= argc) {
			fprintf(stderr, "sonde: error: no script given (a file, or -e 'SCRIPT')\n");
			usage(stderr);
			exit(2);
		}
		opt.script_path = argv[optind++];
	}
	opt.script_argc = argc - optind;
	opt.script_argv = argv + optind;
	if (opt.vm && opt.host) {
		fprintf(stderr, "sonde: error: --vm and --host exclude each other\n");
		exit(2);
	}
	for (int i = 0; i < opt.ndefines; i++) {
		const char *d = opt.defines[i];
		if (!strchr(d, '=') || strspn(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != (size_t)(strchr(d, '=') - d)) {
			fprintf(stderr, "sonde: error: -D takes NAME=VALUE with an upper-case NAME, not '%s'\n", d);
			exit(2);
		}
	}
}

static bool valid_module_name(const char *n)
{
	size_t len = strlen(n);
	return len > 0 && len < 56 && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

static char *default_module_name(const char *text)
{
	uint32_t h = 2166136261u;
	for (const char *p = text; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return xasprintf("sonde_%08x_%d", h, (int)getpid());
}

/* ---- the target: host kernel or VM -------------------------------------- */

typedef struct Target {
	bool vm;
	const char *krelease;
} Target;

static bool choose_target(Target *t)
{
	struct utsname u;
	uname(&u);

	if (opt.vm) {
		t->vm = true;
		t->krelease = opt.krelease ? opt.krelease : vm_default_krelease();
	} else if (opt.host) {
		t->vm = false;
		t->krelease = opt.krelease ? opt.krelease : xstrdup(u.release);
		if (opt.last_pass == 5 && geteuid() != 0) {
			fprintf(stderr, "sonde: error: running in the host kernel needs root "
				"(loading a module needs CAP_SYS_MODULE); use --vm to run in a VM\n");
			return false;
		}
	} else {
		bool same = !opt.krelease || strcmp(opt.krelease, u.release) == 0;
		bool headers = kbuild_headers(u.release, false) != NULL;
		if (same && headers && (geteuid() == 0 || opt.last_pass < 5)) {
			t->vm = false;
			t->krelease = xstrdup(u.release);
		} else {
			t->vm = true;
			t->krelease = opt.krelease ? opt.krelease : vm_default_krelease();
			if (t->krelease && opt.last_pass == 5)
				fprintf(stderr, "sonde: running in a VM with kernel %s (%s)\n", t->krelease,
					!same ? "-r names another kernel than the host's"
					: !headers ? "the host kernel has no headers installed"
					: "not root, so the host kernel cannot load modules");
		}
	}
	if (!t->krelease) {
		fprintf(stderr, "sonde: error: no installed kernel with headers found; "
			"install linux-image-amd64 linux-headers-amd64\n");
		return false;
	}
	return true;
}

/* Facts about the target kernel (its functions, for wildcards and checks
 * of probe points) come from it, or from --kernel-facts; they are loaded
 * only if a probe point needs them (kernel_info.h). */
static void use_kernel_facts(const Target *t)
{
	if (kernel_facts_path)
		kernel_info_use_path(kernel_facts_path, opt.verbose);
	else if (t && t->krelease)
		kernel_info_use_target(t->krelease, t->vm, opt.verbose);
}

/* ---- pass 5 ---------------------------------------------------------- */

static char **loader_argv(const char *ko, bool vm)
{
	char **argv = xcalloc(16, sizeof(char *));
	int n = 0;

	argv[n++] = xasprintf("%s/sonde-run", opt.libexecdir);
	for (int i = 0; i < opt.verbose; i++)
		argv[n++] = "-v";
	if (opt.timeout_s) {
		argv[n++] = "-T";
		argv[n++] = xasprintf("%d", opt.timeout_s);
	}
	if (opt.command) {
		argv[n++] = "-c";
		argv[n++] = (char *)opt.command;
	}
	if (opt.output_file && !vm) {   /* the guest cannot write host files */
		argv[n++] = "-o";
		argv[n++] = (char *)opt.output_file;
	}
	argv[n++] = (char *)ko;
	return argv;
}

static int run_on_host(char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "sonde: error: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	/* The loader gets the terminal's signals too and shuts down cleanly. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_module(const Target *t, const char *ko)
{
	char **argv = loader_argv(ko, t->vm);
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (!t->vm)
		return run_on_host(argv);
	/* -o with a VM: the guest's stdout streams here; send it to the file */
	if (opt.output_file && !freopen(opt.output_file, "w", stdout)) {
		fprintf(stderr, "sonde: error: cannot write %s: %s\n", opt.output_file, strerror(errno));
		return 1;
	}
	struct vm_options vo = { .krelease = t->krelease, .verbose = opt.verbose };
	int rc = vm_run(&vo, argv, cwd);
	return rc < 0 ? 1 : rc;
}

static void remove_tree(const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* ---- the pipeline ------------------------------------------------------- */

static SrcFile *load_script(void)
{
	if (opt.script_text)
		return srcfile_from_text("<input>", opt.script_text);
	return srcfile_load(opt.script_path, false);
}

static int compile_and_run(void)
{
	Script s = { 0 };
	Target t = { 0 };

	pass_start = now_ms();
	/* The target comes first: the preprocessor tests its kernel version
	 * and config, and a run that cannot happen fails before any work. */
	if (opt.module_name && !valid_module_name(opt.module_name)) {
		fprintf(stderr, "sonde: error: invalid module name '%s': use up to 55 of a-z, 0-9 and _\n",
			opt.module_name);
		return 1;
	}
	if (!choose_target(&t)) {
		struct utsname u;
		if (opt.last_pass >= 4)
			return 1;
		uname(&u);
		t.krelease = xstrdup(u.release);
	}
	opt.krelease = t.krelease;
	use_kernel_facts(&t);
	SrcFile *file = load_script();
	if (!file)
		return 1;
	if (pipeline_parse(&s, file) < 0)
		return 1;
	pass_done(1, xasprintf("parsed the script and %d tapset files", s.ntapsets));
	if (opt.last_pass == 1) {
		ast_print_program(stdout, s.user);
		return 0;
	}

	if (pipeline_analyze(&s) < 0)
		return 1;
	pass_done(2, xasprintf("elaborated %d probe points, %d functions, %d globals",
			       s.npoints, s.nfunctions, s.nglobals));
	if (opt.last_pass == 2) {
		script_print_elaborated(stdout, &s);
		return 0;
	}

	char *source = codegen(&s);
	if (diag_errors())
		return 1;
	pass_done(3, "generated C");
	if (opt.last_pass == 3) {
		fputs(source, stdout);
		return 0;
	}

	const char *module = opt.module_name ? opt.module_name : default_module_name(file->text);
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *dir = xasprintf("%s/sondeXXXXXX", tmp);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "sonde: error: cannot create a build directory in %s: %s\n", tmp,
			strerror(errno));
		return 1;
	}
	char *ko = kbuild_module(dir, module, source, t.krelease);
	int rc = 1;
	if (ko) {
		pass_done(4, xasprintf("built %s for %s", module, t.krelease));
		if (opt.last_pass == 4) {
			printf("%s\n", ko);
			return 0;
		}
		rc = run_module(&t, ko);
		pass_done(5, "ran the module");
	}
	if (opt.keep_build || !ko)
		fprintf(stderr, "sonde: build directory kept: %s\n", dir);
	else
		remove_tree(dir);
	return rc;
}

/* --vm-exec CMD ARGS...: run a host command in the guest (for tests). */
static int vm_exec(int argc, char **argv)
{
	char cwd[PATH_MAX];
	if (optind >= argc) {
		fprintf(stderr, "sonde: error: --vm-exec needs a command\n");
		return 2;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	struct vm_options vo = { .krelease = opt.krelease, .verbose = opt.verbose,
				 .timeout_s = opt.timeout_s };
	int rc = vm_run(&vo, argv + optind, cwd);
	return rc < 0 ? 1 : rc;
}

/* -l / -L / --dump-*: about the library, no script needed. */
static int list_library(void)
{
	Script lib = { 0 };

	tapsets_load_macros();
	lib.user = parse_program(srcfile_from_text("<none>", ""), 0, NULL);
	if (tapsets_load(&lib) < 0)
		return 1;
	if (dump_aliases)
		dump_probe_aliases(&lib);
	if (dump_funcs && dump_functions(&lib) < 0)
		return 1;
	if (list_pattern) {
		/* the target, for the functions a pattern names: as for -p2,
		 * nothing runs, so root and headers do not matter */
		Target t = { 0 };
		opt.last_pass = 2;
		use_kernel_facts(kernel_facts_path || choose_target(&t) ? &t : NULL);
	}
	if (list_pattern && list_probe_points(&lib, list_pattern, list_vars) < 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	bool exec_mode = false;

	find_datadir();
	vm_set_datadir(opt.datadir);
	parse_options(argc, argv, &exec_mode);
	diag_set_warnings(opt.warnings);
	if (exec_mode)
		return vm_exec(argc, argv);
	if (dump_kernel_facts)
		return kernel_info_dump(stdout);
	if (list_pattern || dump_funcs || dump_aliases)
		return list_library();
	return compile_and_run();
}
