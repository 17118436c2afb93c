/* SPDX-License-Identifier: Apache-2.0 */
/* Binary decoder (placeholder until the decoder lands: rejects everything). */
#include "engine_int.h"

enum eng_status eng__decode(struct eng_module *m, struct eng_error *err)
{
	(void)m;
	return eng__error(err, ENG_ERR_MALFORMED, 0, "decoder not built yet");
}
