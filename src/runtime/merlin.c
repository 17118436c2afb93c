/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merlin transcripts (merlin 3.x, as schnorrkel uses them) over STROBE-128.
 *
 * Only the STROBE operations Merlin needs are provided: meta-AD, AD and PRF,
 * with the "more" flag for continuing an operation. Security level 128 gives
 * a rate of 1600/8 - 2*128/8 - 2 = 166 bytes. The permutation is
 * rt_keccak_f1600() from hash.c.
 */
#include <string.h>

#include "base/base.h"
#include "crypto.h"
#include "runtime.h"

#define STROBE_R 166

/* STROBE operation flags. */
#define FLAG_I 0x01u
#define FLAG_A 0x02u
#define FLAG_C 0x04u
#define FLAG_T 0x08u
#define FLAG_M 0x10u
#define FLAG_K 0x20u

static void strobe_permute(struct rt__strobe128 *s)
{
	uint64_t lanes[25];
	int i, j;

	for (i = 0; i < 25; i++) {
		lanes[i] = 0;
		for (j = 7; j >= 0; j--)
			lanes[i] = (lanes[i] << 8) | s->st[8 * i + j];
	}
	rt_keccak_f1600(lanes);
	for (i = 0; i < 25; i++)
		for (j = 0; j < 8; j++)
			s->st[8 * i + j] = (uint8_t)(lanes[i] >> (8 * j));
}

/* Ends the current block: pads with pos_begin and the 0x04 domain bit, sets
 * the final rate bit, permutes. */
static void strobe_run_f(struct rt__strobe128 *s)
{
	s->st[s->pos] ^= s->pos_begin;
	s->st[s->pos + 1] ^= 0x04;
	s->st[STROBE_R + 1] ^= 0x80;
	strobe_permute(s);
	s->pos = 0;
	s->pos_begin = 0;
}

static void strobe_absorb(struct rt__strobe128 *s, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		s->st[s->pos] ^= data[i];
		s->pos++;
		if (s->pos == STROBE_R)
			strobe_run_f(s);
	}
}

static void strobe_squeeze(struct rt__strobe128 *s, uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[i] = s->st[s->pos];
		s->st[s->pos] = 0;
		s->pos++;
		if (s->pos == STROBE_R)
			strobe_run_f(s);
	}
}

static void strobe_begin_op(struct rt__strobe128 *s, uint8_t flags, bool more)
{
	uint8_t old_begin[2];

	if (more) {
		/* Continuing the previous operation: same flags, no framing. */
		PVF_ASSERT(s->cur_flags == flags);
		return;
	}
	PVF_ASSERT((flags & FLAG_T) == 0); /* no transport ops in Merlin */

	old_begin[0] = s->pos_begin;
	old_begin[1] = flags;
	s->pos_begin = (uint8_t)(s->pos + 1);
	s->cur_flags = flags;
	strobe_absorb(s, old_begin, 2);

	/* Cipher and key operations start on a fresh block. */
	if ((flags & (FLAG_C | FLAG_K)) != 0 && s->pos != 0)
		strobe_run_f(s);
}

static void strobe_meta_ad(struct rt__strobe128 *s, const uint8_t *data, size_t len, bool more)
{
	strobe_begin_op(s, FLAG_M | FLAG_A, more);
	strobe_absorb(s, data, len);
}

static void strobe_ad(struct rt__strobe128 *s, const uint8_t *data, size_t len, bool more)
{
	strobe_begin_op(s, FLAG_A, more);
	strobe_absorb(s, data, len);
}

static void strobe_prf(struct rt__strobe128 *s, uint8_t *out, size_t len, bool more)
{
	strobe_begin_op(s, FLAG_I | FLAG_A | FLAG_C, more);
	strobe_squeeze(s, out, len);
}

/* STROBE-128 initialisation followed by meta-AD of the protocol label. */
static void strobe_init(struct rt__strobe128 *s, const uint8_t *label, size_t label_len)
{
	static const uint8_t head[6] = {1, STROBE_R + 2, 1, 0, 1, 12 * 8};
	static const char version[] = "STROBEv1.0.2";

	memset(s, 0, sizeof(*s));
	memcpy(s->st, head, sizeof(head));
	memcpy(s->st + sizeof(head), version, strlen(version));
	strobe_permute(s);
	strobe_meta_ad(s, label, label_len, false);
}

static void u32_le(uint8_t out[4], size_t x)
{
	PVF_ASSERT(x <= UINT32_MAX);
	out[0] = (uint8_t)x;
	out[1] = (uint8_t)(x >> 8);
	out[2] = (uint8_t)(x >> 16);
	out[3] = (uint8_t)(x >> 24);
}

void rt__merlin_init(struct rt__merlin *t, const void *label, size_t label_len)
{
	static const char proto[] = "Merlin v1.0";

	strobe_init(&t->strobe, (const uint8_t *)proto, strlen(proto));
	rt__merlin_append(t, "dom-sep", 7, label, label_len);
}

void rt__merlin_append(struct rt__merlin *t, const void *label, size_t label_len,
		       const void *msg, size_t msg_len)
{
	uint8_t len[4];

	u32_le(len, msg_len);
	strobe_meta_ad(&t->strobe, label, label_len, false);
	strobe_meta_ad(&t->strobe, len, 4, true);
	strobe_ad(&t->strobe, msg, msg_len, false);
}

void rt__merlin_challenge(struct rt__merlin *t, const void *label, size_t label_len,
			  uint8_t *out, size_t out_len)
{
	uint8_t len[4];

	u32_le(len, out_len);
	strobe_meta_ad(&t->strobe, label, label_len, false);
	strobe_meta_ad(&t->strobe, len, 4, true);
	strobe_prf(&t->strobe, out, out_len, false);
}
