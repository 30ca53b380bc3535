// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-pcsc-apdu READER APDU...: send raw command APDUs (hex) to the card in the PC/SC
 * reader whose name contains READER, one connection for all, and print each response
 * APDU as hex on a line of its own (SW last). For tests that must send what no LPA sends
 * (wrong class, bad Lc, blocks out of order). Exit 0 when every APDU got an answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

static int unhex(const char *h, unsigned char *out, size_t cap, size_t *n)
{
	size_t len = strlen(h);

	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;

		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	*n = len / 2;
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char cmd[65544], resp[65538];
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto, rlen, nlen = SCARD_AUTOALLOCATE;
	LPSTR names = NULL;
	const char *reader = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: portdp-pcsc-apdu READER APDU...\n");
		return 2;
	}
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS ||
	    SCardListReaders(ctx, NULL, (LPSTR)&names, &nlen) != SCARD_S_SUCCESS) {
		fprintf(stderr, "portdp-pcsc-apdu: no PC/SC\n");
		return 1;
	}
	for (const char *r = names; *r; r += strlen(r) + 1)
		if (strstr(r, argv[1])) {
			reader = r;
			break;
		}
	if (!reader || SCardConnect(ctx, reader, SCARD_SHARE_SHARED,
				    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
				    &proto) != SCARD_S_SUCCESS) {
		fprintf(stderr, "portdp-pcsc-apdu: no card in %s\n", argv[1]);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
		size_t n;

		if (unhex(argv[i], cmd, sizeof(cmd), &n)) {
			fprintf(stderr, "portdp-pcsc-apdu: bad hex %s\n", argv[i]);
			return 2;
		}
		rlen = sizeof(resp);
		if (SCardTransmit(card, pci, cmd, (DWORD)n, NULL, resp, &rlen) != SCARD_S_SUCCESS) {
			printf("transmit failed\n");
			return 1;
		}
		for (DWORD k = 0; k < rlen; k++)
			printf("%02X", resp[k]);
		printf("\n");
	}
	SCardDisconnect(card, SCARD_LEAVE_CARD);
	SCardFreeMemory(ctx, names);
	SCardReleaseContext(ctx);
	return 0;
}
