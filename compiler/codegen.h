/* codegen.h - C emission (see codegen.c); the entry point is in session.h. */
#ifndef SONDE_CODEGEN_H
#define SONDE_CODEGEN_H
#include "session.h"
#endif
