/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the host/worker protocol. The input is a byte stream
 * split into frames by the incremental reader (fed in uneven chunks); every
 * frame goes through every decoder, and whatever decodes must re-encode to
 * the very same bytes (the decoders accept canonical encodings only). The
 * whole input is also walked as an ExecutorParams vector.
 * Built as `fuzz_proto` (libFuzzer) and `fuzz_proto_replay FILE...`. */
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct buf *b, struct scale_slice p)
{
	if (b->len != p.len + PROTO_FRAME_HDR ||
	    memcmp(b->data + PROTO_FRAME_HDR, p.data, p.len) != 0)
		abort();
}

static void one_frame(struct scale_slice p)
{
	struct buf b = BUF_INIT;
	union {
		struct proto_hello hello;
		struct proto_hello_ack ack;
		struct proto_prepare_req preq;
		struct proto_prepare_res pres;
		struct proto_execute_req ereq;
		struct proto_execute_res eres;
		struct proto_log log;
	} m;

	if (!proto_decode_hello(p, &m.hello) && !proto_encode_hello(&b, &m.hello))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_hello_ack(p, &m.ack) && !proto_encode_hello_ack(&b, &m.ack))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_prepare_req(p, &m.preq) && !proto_encode_prepare_req(&b, &m.preq))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_prepare_res(p, &m.pres) && !proto_encode_prepare_res(&b, &m.pres))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_execute_req(p, &m.ereq) && !proto_encode_execute_req(&b, &m.ereq))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_execute_res(p, &m.eres) && !proto_encode_execute_res(&b, &m.eres))
		same(&b, p);
	b.len = 0;
	if (!proto_decode_log(p, &m.log) && !proto_encode_log(&b, &m.log))
		same(&b, p);
	buf_deinit(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_ep_item items[16];
	struct scale_slice p;
	struct proto_rx rx;
	size_t off = 0, step = 1, n;

	proto_rx_init(&rx, 1u << 20);
	while (off < size) {
		size_t len = step < size - off ? step : size - off;
		enum proto_rx_status st;

		if (proto_rx_feed(&rx, data + off, len))
			break;
		off += len;
		step = step * 3 % 17 + 1;
		while ((st = proto_rx_next(&rx, &p)) == PROTO_RX_FRAME)
			one_frame(p);
		if (st == PROTO_RX_BAD)
			break;
	}
	proto_rx_deinit(&rx);
	proto_exec_params_parse(data, size, items, 16, &n);
	return 0;
}
