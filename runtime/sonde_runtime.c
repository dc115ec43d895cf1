/*
 * sonde_runtime.c - the whole kernel runtime as one object.
 *
 * Every sonde module is built from two objects: the generated script and
 * this file.  A build directory holds a runtime.c that contains just
 *     #include "sonde_runtime.c"
 * compiled with -I<repo>/runtime.  The portable core (maps, statistics,
 * formatting, strings) and the kernel runtime are #included here, so all the
 * runtime's internal helpers can stay static in one translation unit.
 */
#include "core/strings.c"
#include "core/stat.c"
#include "core/map.c"
#include "core/format.c"
#include "core/regex.c"

#include "kernel/runtime.h"
#include "kernel/internal.h"
#include "kernel/transport.c"
#include "kernel/context.c"
#include "kernel/memory.c"
#include "kernel/probes.c"
#include "kernel/module.c"
