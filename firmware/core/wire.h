/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.h - little-endian helpers for the card protocol. The protocol is
 * little-endian on every host; these keep the firmware right on a
 * big-endian MCU too.
 */
#ifndef CARD_WIRE_H
#define CARD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t le16(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t le32(uint32_t v)
{
	return __builtin_bswap32(v);
}
static inline uint64_t le64(uint64_t v)
{
	return __builtin_bswap64(v);
}
#else
static inline uint16_t le16(uint16_t v)
{
	return v;
}
static inline uint32_t le32(uint32_t v)
{
	return v;
}
static inline uint64_t le64(uint64_t v)
{
	return v;
}
#endif

/* True if @len bytes at @p are all zero (reserved fields). */
static inline bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	while (len--)
		acc |= *b++;
	return acc == 0;
}

#endif /* CARD_WIRE_H */
