/*
 * main.c - the CUnit unit-test binary.  Each tests/unit/test_*.c file
 * defines one register_*_tests() function that adds its suites; the weak
 * declarations let a suite file be absent without breaking the build.
 */
#include <CUnit/Basic.h>
#include <stdio.h>

#define SUITES(X) X(lexer) X(parser) X(diag) X(sema) X(codegen) \
	X(map) X(format) X(strings) X(vm) X(loader) X(preprocess) \
	X(stat) X(regex) X(kernel_info) X(btf)

#define DECLARE(name) void register_##name##_tests(void) __attribute__((weak));
SUITES(DECLARE)

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
#define CALL(name) if (register_##name##_tests) register_##name##_tests();
	SUITES(CALL)
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
