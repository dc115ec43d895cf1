/*
 * sonde-run.c - loads a sonde module, streams its output, unloads it
 * (what staprun is to SystemTap).
 *
 *   sonde-run [-v] [-T SECONDS] [-c CMD] [-o FILE] MODULE.ko
 *
 * The run, step by step (main):
 *   1. remove stale sonde modules: ones whose loader (sonde_owner_pid) is
 *      gone; refuse if our module is loaded and its loader still runs;
 *   2. with -c, fork the command's process, held on a pipe;
 *   3. finit_module(MODULE.ko, "sonde_owner_pid=P sonde_target_pid=C");
 *   4. open /proc/NAME/{ctl,data}, start the reader thread, write "start"
 *      (BEGIN probes run, the others are registered), release the command;
 *   5. wait for a reason to stop: SONDE_MSG_EXIT, SIGINT/SIGTERM/SIGHUP,
 *      the -T timeout, the command's exit, or stdout gone; write "stop"
 *      once; the reader goes on until SONDE_MSG_DONE;
 *   6. print the SystemTap-style warnings about errors, skipped probes and
 *      dropped output;
 *   7. close, delete_module, stop and reap the command.
 * Exit status: 0 for a normal run, 1 if the script could not run, had
 * errors, or anything else went wrong.
 *
 * Threads.  The reader thread only reads records and writes them out.  The
 * main thread blocks every signal it cares about and takes them one at a
 * time with sigwaitinfo(), so there is no race between a signal and a
 * blocking read; the reader reports to it with SIGUSR1 (the script asked
 * to exit, or output failed) and SIGUSR2 (end of stream).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"

#define PROG "sonde-run"

static struct options {
	int verbose;
	int timeout;            /* -T seconds, 0 = none */
	const char *cmd;        /* -c */
	const char *outfile;    /* -o */
	const char *ko;
} opt;

/* State shared with the reader thread: written by it before it sends
 * SIGUSR2, read by main after sigwaitinfo() returned that signal. */
static struct run {
	char name[LOADER_NAME_MAX + 8];
	int ctl_fd, data_fd, out_fd;
	bool loaded;
	pid_t child;            /* -c process, 0 if none or reaped */
	int go_fd;              /* write end of the child's start pipe */
	bool got_done;
	struct sonde_done done;
	bool out_broken;        /* stdout / -o write failed */
	int read_err;           /* errno of a failed data read, 0 if none */
} run = {
	.ctl_fd = -1, .data_fd = -1, .out_fd = STDOUT_FILENO, .go_fd = -1,
};

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	fprintf(stderr, PROG ": %.*s\n", n, buf);
}

#define verbose(...) do { if (opt.verbose) msg(__VA_ARGS__); } while (0)

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: " PROG " [-v] [-T SECONDS] [-c CMD] [-o FILE] MODULE.ko\n"
		"  -v          say what is happening\n"
		"  -T SECONDS  stop the run after SECONDS\n"
		"  -c CMD      run CMD (/bin/sh -c) once the probes are live; stop\n"
		"              when it exits; target() is its pid\n"
		"  -o FILE     write the script's output to FILE\n");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	char *end;
	int c;

	while ((c = getopt(argc, argv, "+vT:c:o:h")) != -1) {
		switch (c) {
		case 'v':
			opt.verbose++;
			break;
		case 'T':
			errno = 0;
			opt.timeout = (int)strtol(optarg, &end, 10);
			if (errno || *end || opt.timeout <= 0) {
				msg("-T wants a positive number of seconds, not '%s'", optarg);
				exit(1);
			}
			break;
		case 'c':
			opt.cmd = optarg;
			break;
		case 'o':
			opt.outfile = optarg;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc - 1)
		usage(1);
	opt.ko = argv[optind];
}

/* ---- stale modules ------------------------------------------------------ */

static int sys_owner_pid(const char *module, void *arg)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/sonde_owner_pid",
		 module);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/*
 * Alive: the pid exists and is a sonde-run (a recycled pid of some other
 * program does not keep a module alive).
 */
static bool sys_pid_alive(int pid, void *arg)
{
	char path[64], comm[32];
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;    /* cannot tell: assume it lives */
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return true;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, PROG) == 0;
}

static int delete_module(const char *name)
{
	return (int)syscall(SYS_delete_module, name, O_NONBLOCK);
}

struct scan {
	int conflict_pid;       /* our module is loaded by a live loader */
};

static void on_module(const char *name, enum loader_mod_state st, int pid,
		      void *arg)
{
	struct scan *s = arg;

	if (st == LOADER_MOD_LIVE) {
		if (strcmp(name, run.name) == 0)
			s->conflict_pid = pid;
		return;
	}
	if (delete_module(name) == 0)
		msg("removed stale module %s (loader pid %d is gone)", name, pid);
	else
		msg("cannot remove stale module %s (loader pid %d is gone): %s",
		    name, pid, strerror(errno));
}

static char *read_text_file(const char *path)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap), *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			p = realloc(buf, cap *= 2);
			if (!p)
				goto fail;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;

fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Step 1.  Returns 0, or -1 if our module is in use by a live loader. */
static int remove_stale_modules(void)
{
	struct loader_sys sys = {
		.owner_pid = sys_owner_pid,
		.pid_alive = sys_pid_alive,
	};
	struct scan s = { .conflict_pid = 0 };
	char *text = read_text_file("/proc/modules");

	if (!text) {
		msg("cannot read /proc/modules: %s", strerror(errno));
		return 0;
	}
	loader_scan_modules(text, &sys, on_module, &s);
	free(text);
	if (s.conflict_pid) {
		msg("module %s is already loaded and in use by " PROG " (pid %d)",
		    run.name, s.conflict_pid);
		return -1;
	}
	return 0;
}

/* ---- the -c command ------------------------------------------------------ */

/* Step 2: the child waits for one byte on the pipe, then runs CMD. */
static int spawn_command(const sigset_t *oldmask)
{
	int pfd[2];
	char go;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		msg("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[1]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (read(pfd[0], &go, 1) != 1)
			_exit(127);     /* the loader gave up: never run CMD */
		close(pfd[0]);
		execl("/bin/sh", "sh", "-c", opt.cmd, (char *)NULL);
		fprintf(stderr, PROG ": cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	run.child = pid;
	run.go_fd = pfd[1];
	return 0;
}

static void release_command(void)
{
	if (run.go_fd >= 0) {
		if (write_all(run.go_fd, "g", 1) < 0)
			msg("cannot start the command: %s", strerror(errno));
		close(run.go_fd);
		run.go_fd = -1;
	}
}

/* Kills (if still running) and reaps the command. */
static void finish_command(void)
{
	int status;

	if (run.go_fd >= 0) {           /* never released: it exits by itself */
		close(run.go_fd);
		run.go_fd = -1;
	}
	if (run.child <= 0)
		return;
	if (waitpid(run.child, &status, WNOHANG) == 0) {
		verbose("stopping the command (pid %d)", (int)run.child);
		kill(run.child, SIGTERM);
		waitpid(run.child, &status, 0);
	}
	run.child = 0;
}

/* ---- loading and unloading ------------------------------------------------- */

static int load_module(pid_t target)
{
	char params[96];
	struct utsname u;
	int fd, ret;

	fd = open(opt.ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		msg("cannot open %s: %s", opt.ko, strerror(errno));
		return -1;
	}
	snprintf(params, sizeof(params), "sonde_owner_pid=%d sonde_target_pid=%d",
		 (int)getpid(), (int)target);
	ret = (int)syscall(SYS_finit_module, fd, params, 0);
	if (ret < 0) {
		int err = errno;

		msg("cannot load %s: %s", opt.ko, loader_load_error(err));
		if (err == ENOEXEC && uname(&u) == 0)
			msg("this kernel is %s", u.release);
	}
	close(fd);
	if (ret == 0) {
		run.loaded = true;
		verbose("loaded module %s", run.name);
	}
	return ret;
}

static void unload_module(void)
{
	int i;

	if (!run.loaded)
		return;
	for (i = 0; i < 50; i++) {
		if (delete_module(run.name) == 0) {
			verbose("unloaded module %s", run.name);
			run.loaded = false;
			return;
		}
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			break;
		usleep(100 * 1000);
	}
	msg("cannot unload module %s: %s", run.name, strerror(errno));
}

static int open_proc(const char *file, int flags)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", run.name, file);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		msg("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static int ctl_send(const char *cmd)
{
	if (write_all(run.ctl_fd, cmd, strlen(cmd)) < 0) {
		msg("cannot send '%.*s' to the module: %s",
		    (int)strcspn(cmd, "\n"), cmd, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the reader thread ------------------------------------------------------ */

static int on_record(uint32_t type, const char *payload, uint32_t len, void *arg)
{
	switch (type) {
	case SONDE_MSG_STDOUT:
		if (!run.out_broken && write_all(run.out_fd, payload, len) < 0) {
			run.out_broken = true;
			kill(getpid(), SIGUSR1);        /* nobody reads: stop */
		}
		break;
	case SONDE_MSG_STDERR:
		write_all(STDERR_FILENO, payload, len);
		break;
	case SONDE_MSG_EXIT:
		kill(getpid(), SIGUSR1);
		break;
	case SONDE_MSG_DONE:
		memset(&run.done, 0, sizeof(run.done));
		memcpy(&run.done, payload,
		       len < sizeof(run.done) ? len : sizeof(run.done));
		run.got_done = true;
		return 1;
	default:
		break;          /* from a newer module: ignore */
	}
	return 0;
}

static void *reader_main(void *arg)
{
	size_t cap = 2 * SONDE_MSG_MAX;
	char *buf = malloc(cap);
	ssize_t n;
	long used;

	if (!buf) {
		run.read_err = ENOMEM;
		goto out;
	}
	while (!run.got_done) {
		n = read(run.data_fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			run.read_err = errno;
			break;
		}
		if (n == 0)
			break;
		used = loader_parse_records(buf, (size_t)n, on_record, NULL);
		if (used != n && !run.got_done) {
			run.read_err = EPROTO;
			break;
		}
	}
out:
	free(buf);
	kill(getpid(), SIGUSR2);
	return NULL;
}

/* ---- main ------------------------------------------------------------------------ */

/* Step 5: waits for the end of the stream, sending "stop" once when asked. */
static void wait_for_end(const sigset_t *set)
{
	bool stop_sent = false;
	int status, give_up = 0;
	siginfo_t si;
	const char *why;

	for (;;) {
		if (sigwaitinfo(set, &si) < 0)
			continue;
		switch (si.si_signo) {
		case SIGUSR2:
			return;
		case SIGCHLD:
			if (run.child <= 0 || waitpid(run.child, &status, WNOHANG) != run.child)
				continue;
			run.child = 0;
			why = "the command exited";
			break;
		case SIGALRM:
			why = "time limit reached";
			break;
		case SIGUSR1:
			why = run.out_broken ? "output cannot be written" : "the script called exit()";
			break;
		default:
			why = strsignal(si.si_signo);
			if (stop_sent && ++give_up >= 2) {
				msg("not waiting for the module any longer");
				return;
			}
			break;
		}
		if (stop_sent)
			continue;
		verbose("stopping: %s", why);
		stop_sent = true;
		if (ctl_send("stop\n") < 0)
			return;
	}
}

int main(int argc, char **argv)
{
	sigset_t set, oldmask;
	pthread_t reader;
	bool reader_started = false;
	char summary[512];
	int ret = 1;

	parse_args(argc, argv);
	if (loader_module_name(opt.ko, run.name, sizeof(run.name)) < 0) {
		msg("'%s' is not a kernel module file (NAME.ko)", opt.ko);
		return 1;
	}
	if (opt.outfile) {
		run.out_fd = open(opt.outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (run.out_fd < 0) {
			msg("cannot open %s: %s", opt.outfile, strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &oldmask);

	if (remove_stale_modules() < 0)
		goto out;
	if (opt.cmd && spawn_command(&oldmask) < 0)
		goto out;
	if (load_module(run.child) < 0)
		goto out;
	run.data_fd = open_proc("data", O_RDONLY);
	run.ctl_fd = open_proc("ctl", O_WRONLY);
	if (run.data_fd < 0 || run.ctl_fd < 0)
		goto out;
	errno = pthread_create(&reader, NULL, reader_main, NULL);
	if (errno) {
		msg("cannot start the reader thread: %s", strerror(errno));
		goto out;
	}
	reader_started = true;
	if (ctl_send("start\n") < 0)
		goto out;
	verbose("probes started");
	release_command();
	if (opt.timeout)
		alarm((unsigned)opt.timeout);

	wait_for_end(&set);
	alarm(0);
	if (run.got_done) {
		pthread_join(reader, NULL);
		reader_started = false;
		if (loader_done_summary(&run.done, summary, sizeof(summary)))
			fputs(summary, stderr);
		ret = run.done.failed || run.done.errors ? 1 : 0;
	} else if (run.read_err) {
		msg("cannot read the module's output: %s", strerror(run.read_err));
	} else {
		msg("the module's output ended early");
	}
	if (run.out_broken)
		ret = 1;

out:
	/* A run cut short: "stop" ends it whatever its state, so the reader
	 * gets SONDE_MSG_DONE and lets go of the data file. */
	if (run.ctl_fd >= 0) {
		if (reader_started && !run.got_done)
			ctl_send("stop\n");
		close(run.ctl_fd);
	}
	if (reader_started) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (pthread_timedjoin_np(reader, NULL, &ts) == 0)
			reader_started = false;
		else
			msg("the output reader does not finish");
	}
	if (run.data_fd >= 0 && !reader_started)
		close(run.data_fd);
	unload_module();
	finish_command();
	if (opt.outfile && run.out_fd >= 0 && close(run.out_fd) < 0) {
		msg("cannot write %s: %s", opt.outfile, strerror(errno));
		ret = 1;
	}
	return ret;
}
