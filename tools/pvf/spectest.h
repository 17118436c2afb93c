/* SPDX-License-Identifier: Apache-2.0 */
/* pvf wasm spectest: runs WebAssembly spec scripts (.wast) against the engine. */
#ifndef PVF_SPECTEST_H
#define PVF_SPECTEST_H

/* `pvf wasm spectest [OPTIONS] FILE.wast...`; argv[0] is "spectest".
 * Returns a CLI_EXIT_* code: OK only when no command failed. */
int cmd_wasm_spectest(int argc, char **argv);

#endif /* PVF_SPECTEST_H */
