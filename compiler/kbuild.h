/* kbuild.h - building the module with the target kernel's kbuild. */
#ifndef SONDE_KBUILD_H
#define SONDE_KBUILD_H

/*
 * Writes the generated source, the runtime stub and a Kbuild file into
 * dir, runs kbuild against /lib/modules/KRELEASE/build and returns the
 * path of the .ko, or NULL after printing the compiler's first errors.
 */
char *kbuild_module(const char *dir, const char *module, const char *source,
		    const char *krelease);

/* The build directory of a kernel release, or NULL (with a message
 * printed when `complain`) if its headers are not installed. */
char *kbuild_headers(const char *krelease, bool complain);

#endif
