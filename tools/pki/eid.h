/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EIDs for the test PKI: 32 decimal digits, the last two a check number so
 * that the whole EID mod 97 is 1 (ITU-T E.118 style, as SGP.29 uses it).
 */
#ifndef PORTDP_PKI_EID_H
#define PORTDP_PKI_EID_H

#define EID_DIGITS 32

/* 0 if @prefix is 1..EID_DIGITS-4 decimal digits, else -1. */
int eid_prefix_ok(const char *prefix);
/* @out = prefix || serial zero-padded to 30 digits || check digits. -1 if it does not fit. */
int eid_make(const char *prefix, unsigned long long serial, char out[EID_DIGITS + 1]);
/* 0 if @eid is 32 digits with valid check digits, else -1. */
int eid_check(const char *eid);
/* A prefix of the same length that differs in its last digit: outside @prefix's range. */
void eid_prefix_outside(const char *prefix, char *out);

#endif
