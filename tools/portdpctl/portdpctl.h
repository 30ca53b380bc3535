/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpctl: the operator's command line for the inventory. Each command
 * is one function taking the open inventory and its own arguments
 * (argv[0] = command name) and returning the process exit status.
 */
#ifndef PORTDP_PORTDPCTL_H
#define PORTDP_PORTDPCTL_H

#include <stddef.h>
#include <stdio.h>
#include "inventory.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Print "portdpctl: <message>" to stderr; returns @status. */
int ctl_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The profile named by an ICCID or a matching ID; prints the error itself. */
int ctl_find_profile(struct inventory *inv, const char *name, struct inv_profile *p);

int cmd_import(struct inventory *inv, int argc, char **argv);
int cmd_list(struct inventory *inv, int argc, char **argv);
int cmd_show(struct inventory *inv, int argc, char **argv);
int cmd_audit(struct inventory *inv, int argc, char **argv);
/* audit.c: "audit verify|export|checkpoint" (argv[0] = the subcommand) */
int cmd_audit_chain(struct inventory *inv, int argc, char **argv);
/* transfer.c: "transfer export|import|reissue|receipt" (argv[0] = "transfer") */
int cmd_transfer(struct inventory *inv, int argc, char **argv);
/* transfer.c, for transfer_online.c: "import BUNDLE --receipt R --key --cert --ca" */
int transfer_import(struct inventory *inv, int argc, char **argv);
/* transfer_online.c: "transfer pull" and "transfer sync" (online, docs/transfers.md) */
int transfer_pull(struct inventory *inv, int argc, char **argv);
int transfer_sync(struct inventory *inv, int argc, char **argv);
/* the inventory file (-d), set by main() */
extern const char *ctl_db_path;
/* The stock key's card slot ("slot:N") on the card path (-k slot:N), else NULL. */
const char *ctl_stock_slot(void);
int cmd_ac(struct inventory *inv, int argc, char **argv);
/* operator.c: "operator add|list|pause|resume" (ES2+ operators) */
int cmd_operator(struct inventory *inv, int argc, char **argv);
/* order.c: download-order, confirm-order, release-profile, cancel-order (argv[0]) */
int cmd_order(struct inventory *inv, int argc, char **argv);
/* "queue [pause|resume NAME]": progress reports waiting per operator */
int cmd_queue(struct inventory *inv, int argc, char **argv);
/* card.c: "card SUBCOMMAND ..." (argv[0] = "card"); needs no inventory. */
int cmd_card(int argc, char **argv);

/* activation_code.c */
/* SM-DP+ address as an activation code may carry it: FQDN with an optional :port. */
int ac_valid_host(const char *host);
/* "LPA:1$<host>$<matching ID>[$$1]" (SGP.22 4.1); -ENOSPC when @size is too small. */
int ac_format(const struct inv_profile *p, const char *host, char *out, size_t size);

/* qr.c */
/* @text as a QR code in UTF-8 half blocks (light modules drawn, for dark terminals). */
int qr_print_terminal(const char *text, FILE *out);
/* @text as a QR code in a PNG file (8 px per module, 4-module quiet zone). */
int qr_write_png(const char *text, const char *path);

#endif
