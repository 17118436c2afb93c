/* SPDX-License-Identifier: Apache-2.0 */
/* Hashing host-function algorithms: vectors from runtime-abi.md section 6.1
 * (smoldot hash_algorithms.rs, w3f host-api fixtures) plus SHA-3 vectors
 * (Python hashlib) that exercise the hand-written Keccak permutation and
 * sponge across block boundaries. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "runtime/runtime.h"
#include "runtime/runtime_int.h"
#include "tap.h"

static int hex_eq(const uint8_t *got, size_t n, const char *want)
{
	char buf[2 * 64 + 1];

	base_hex_encode(got, n, buf);
	if (strcmp(buf, want) == 0)
		return 1;
	printf("#   got      %s\n#   expected %s\n", buf, want);
	return 0;
}

struct sha3_vec {
	size_t len;
	const char *sha3_256, *sha3_512;
};

/* hashlib.sha3_256/512(bytes(i & 0xff for i in range(len))) */
static const struct sha3_vec sha3_vectors[] = {
	{0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
	 "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26"},
	{71, "881ad9ffbd7f090efa51cbdfe93da23a0401f4446f7adf150d1c226851cbfff2",
	 "3ccc850d53a1287af7b4560b2ef0d43eb5d9a80d62a0e9cf1dbc040135921104d4395168e90bfc871773ebb34bca1bd67056e1cc7dc7a48ff7c3167d389f117c"},
	{72, "fe58866b2893c6c40ee832ce40fb6eb4c70ff7c4794380d95c2ebeec62decd31",
	 "5d63f2bbe971a983ac6847480106e4e1264ee3a0befd79954914e1d86e795b2e18238f12fc5e46cb9cc78efdec610a93647cc04e1c23d8caaa6a58c21dd26c07"},
	{73, "797061b3aad8e724740c79dc697ef3de4c96c4db4483dba4e56f852222c72474",
	 "921d9b7b2b0f3066a1646dbb058c979cb3925dec0f8c269faaa7f9648e73465ae55ec527257d5d5e1cfdbf5d6799bea1004b6186f5108c74e3b92fe924166558"},
	{135, "fded8fd9d6551c601eeb3b7c6bc5e5cfd8aad1d015b7e9aaa9c9b9475231d5e2",
	 "d942df0df09ac042cd3b641144c98d8fda0980bb037fc5c0e7f2e9a073b073dc4bb8a8c1f4cb5b45f5805c6523741ed0571d6779b15829b2faa280fc60b50645"},
	{136, "cf3ccff92480a29160c2d38317c430e14749bfee1788106957dfe73f8c4930e5",
	 "ad8edff4f1b7aa1c63bbe49728ab9b165f7245b3d7102e6f99c261fc15d2d0bf6afef6a491720454a1349fbf5d848854875ac83a1156fd7f6e2a37af26c07fb2"},
	{137, "ce9d7dc90913ee5d92745019479a5352c6d6279bef18ed07dc0a83ee8084daca",
	 "3f827e5d7ddbd54ea1dba28cae0154eb5ff8d8d973770865861b7cdf5f091040889d55c0e74b672cead274fac1d4a559fd9185be898ab8969b5e78681527660d"},
	{272, "0b21ec4a8eff6d179e09ba9fe0ab08515b24e0923fbf419f5c30a38e64577db5",
	 "3cf87ad63f639fa2a58d9af362ca9a797b83bd705edf9549fd9eebd55dbce94dc2acb4926cde386c44a86f6a52cf930e44881a10afef09391fda0cad7b2cc783"},
	{1000, "14e5de35911194ddad95ac1572e2b6ce054ed2146cd0562280fcab04ccfecbd8",
	 "0a96e7c099e956287a7d6c2516befb5089714c38f7c01ab158bcd131b50dd10c80a71ee8fe850a301fea39e88f9b3f58822b47925700c44efcd5a3ed333f5947"},
};

int main(void)
{
	static const char hw[] = "hello world";
	uint8_t out[64], data[1000];
	size_t i;

	/* runtime-abi.md 6.1: smoldot hash_algorithms.rs, "hello world" */
	rt_keccak_256(hw, 11, out);
	ok(hex_eq(out, 32, "47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad"),
	   "keccak_256(hello world)");
	rt_keccak_512(hw, 11, out);
	ok(hex_eq(out, 64,
		  "3ee2b40047b8060f68c67242175660f4174d0af5c01d47168ec20ed619b0b7c4"
		  "2181f40aa1046f39e2ef9efc6910782a998e0013d172458957957fac9405b67d"),
	   "keccak_512(hello world)");
	rt_sha2_256(hw, 11, out);
	ok(hex_eq(out, 32, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
	   "sha2_256(hello world)");
	rt_blake2b_256(hw, 11, out);
	ok(hex_eq(out, 32, "256c83b297114d201b30179f3f0ef0cace9783622da5974326b436178aeef610"),
	   "blake2_256(hello world)");
	rt_blake2b_128(hw, 11, out);
	ok(hex_eq(out, 16, "e9a804b2e527fd3601d2ffc0bb023cd6"), "blake2_128(hello world)");
	rt_twox_64(hw, 11, out);
	ok(hex_eq(out, 8, "68691eb23467ab45"), "twox_64(hello world)");
	rt_twox_128(hw, 11, out);
	ok(hex_eq(out, 16, "68691eb23467ab45c7b71f24c5031bb0"), "twox_128(hello world)");
	rt_twox_256(hw, 11, out);
	ok(hex_eq(out, 32, "68691eb23467ab45c7b71f24c5031bb062b08896249282920ab712ce149c5b88"),
	   "twox_256(hello world)");

	/* w3f/polkadot-tests HostApiOutputs, input "static" */
	rt_keccak_256("static", 6, out);
	ok(hex_eq(out, 32, "d517392f8119f79c1623774b9346e00104a1d193f1fa641e6e659bf323c37967"),
	   "keccak_256(static)");
	rt_sha2_256("static", 6, out);
	ok(hex_eq(out, 32, "2053dbbf6ec7135c4e994d3464c478db6f48d3ca21052c8f44915edc96e02c39"),
	   "sha2_256(static)");
	rt_blake2b_128("static", 6, out);
	ok(hex_eq(out, 16, "440973e4e50902f1d0ec97de357eb2fd"), "blake2_128(static)");
	rt_twox_256("static", 6, out);
	ok(hex_eq(out, 32, "50946b0f6af893d85f16c85eb1eb1724e268f07177959a25bc26ccc720e3b05a"),
	   "twox_256(static)");

	/* keccak256 of 8 zero bytes (adder genesis head, runtime-abi.md 4.2) */
	memset(data, 0, 8);
	rt_keccak_256(data, 8, out);
	ok(hex_eq(out, 32, "011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce"),
	   "keccak_256(8 zero bytes)");
	/* empty inputs, NULL data */
	rt_keccak_256(NULL, 0, out);
	ok(hex_eq(out, 32, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
	   "keccak_256(empty)");
	rt_blake2b_256(NULL, 0, out);
	ok(hex_eq(out, 32, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"),
	   "blake2_256(empty)");
	rt_twox_64(NULL, 0, out);
	ok(hex_eq(out, 8, "99e9d85137db46ef"), "twox_64(empty) = XXH64(\"\", 0) LE");

	/* The same sponge with SHA-3's domain byte against hashlib, at and around
	 * the 72- and 136-byte rates: checks the permutation and block handling. */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (i = 0; i < BASE_ARRAY_SIZE(sha3_vectors); i++) {
		const struct sha3_vec *v = &sha3_vectors[i];

		rt__keccak_sponge(data, v->len, out, 32, 0x06);
		ok(hex_eq(out, 32, v->sha3_256), "sha3_256 via keccak sponge, %zu bytes", v->len);
		rt__keccak_sponge(data, v->len, out, 64, 0x06);
		ok(hex_eq(out, 64, v->sha3_512), "sha3_512 via keccak sponge, %zu bytes", v->len);
	}
	return tap_done();
}
