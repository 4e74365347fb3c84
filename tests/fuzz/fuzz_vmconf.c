/*
 * fuzz_vmconf: the vm-bhyve style template parser and the spec built from
 * it must never crash or leak on arbitrary input.
 */
#include "vm/vm.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	struct vm_spec s;
	struct uv *o = vm_conf_parse((const char *)data, size, "fuzz", &e);

	if (o) {
		vm_spec_from_conf(o, &s, &e);
		vm_spec_free(&s);
		uv_free(o);
	}
	return 0;
}
