/*
 * transport_proto.h - the wire protocol between a sonde module and the
 * loader (loader/sonde-run.c).  Shared by both sides; plain C types only.
 *
 * The module creates /proc/<module>/ctl and /proc/<module>/data (mode 0600).
 *
 * ctl  (write): "start\n"  run begin probes, then register the other probes
 *               "stop\n"   unregister probes, run end probes, then finish
 *      Closing ctl while the script runs acts as "stop" (the loader died).
 *
 * data (read):  a stream of records, each a struct sonde_msg header then
 *               `len` payload bytes.  read() returns whole records only
 *               (buffer must hold SONDE_MSG_MAX bytes) and blocks until one
 *               is ready; it returns 0 (end of file) after SONDE_MSG_DONE.
 *               Records come out in the order the probes produced them.
 */
#ifndef SONDE_TRANSPORT_PROTO_H
#define SONDE_TRANSPORT_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

enum sonde_msg_type {
	SONDE_MSG_STDOUT = 1,  /* script output bytes */
	SONDE_MSG_STDERR = 2,  /* error / warning text for the user's stderr */
	SONDE_MSG_EXIT = 3,    /* the script called exit() (or hit MAXERRORS):
	                        * the loader should send "stop" */
	SONDE_MSG_DONE = 4,    /* end probes ran, all output delivered;
	                        * payload: struct sonde_done */
};

struct sonde_msg {
	uint32_t type;
	uint32_t len;
};

struct sonde_done {
	uint64_t errors;       /* script errors (division by zero, ...) */
	uint64_t skipped;      /* probe hits skipped (reentrancy, lock timeout) */
	uint64_t dropped;      /* output records lost because the buffer was full */
	uint64_t dropped_bytes;
	int32_t failed;        /* nonzero: the script could not run (probe
	                        * registration failed): loader exits non-zero */
	int32_t pad;
};

#define SONDE_MSG_MAX (65536 + sizeof(struct sonde_msg))

#endif
