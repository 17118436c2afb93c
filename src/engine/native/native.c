/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the store/instance hooks of the x86-64 backend (docs/compiler.md).
 *
 * Until the compiler exists the backend reports itself as unsupported, so a
 * store asking for it fails with ENG_ERR_ARGS and every hook is inert.
 */
#include "native_int.h"

bool eng_native_supported(void)
{
	return false;
}

enum eng_status eng_module_prepare_native(struct eng_module *m, bool nan_canonicalize,
					  struct eng_error *err)
{
	(void)nan_canonicalize;
	if (!eng_native_supported())
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
				  "native backend not supported on this build");
	return exec__prepare(m, err);
}

enum eng_status nat__instance_init(struct eng_store *s, struct eng_instance *inst,
				   struct eng_error *err)
{
	(void)s;
	(void)inst;
	return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
			  "native backend not supported on this build");
}

void nat__instance_free(struct eng_instance *inst)
{
	(void)inst;
}

void nat__store_free(struct eng_store *s)
{
	(void)s;
}

void nat__module_free(struct eng_module *m)
{
	(void)m;
}

enum eng_trap nat__run(struct eng_store *s, struct eng_func *f, uint8_t *base)
{
	return exec__run(s, f, base);
}
