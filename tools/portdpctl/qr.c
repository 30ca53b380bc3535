// SPDX-License-Identifier: Apache-2.0
/* QR codes of activation codes: libqrencode for the symbol, UTF-8 or libpng to show it. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <png.h>
#include <qrencode.h>
#include "portdpctl.h"

#define TERM_QUIET 2 /* modules of quiet zone in the terminal (space is short there) */
#define PNG_QUIET 4  /* the quiet zone ISO/IEC 18004 asks for */
#define PNG_SCALE 8  /* pixels per module */

static QRcode *encode(const char *text)
{
	/* 8-bit mode, level M: a phone camera reads it off a screen or a label */
	return QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
}

static int dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int qr_print_terminal(const char *text, FILE *out)
{
	/* index: upper light, lower light -> the glyph that lights those halves */
	static const char *const glyph[2][2] = {{" ", "\u2584"}, {"\u2580", "\u2588"}};
	QRcode *q = encode(text);
	int x, y;

	if (!q)
		return -errno ? -errno : -EINVAL;
	for (y = -TERM_QUIET; y < q->width + TERM_QUIET; y += 2) {
		for (x = -TERM_QUIET; x < q->width + TERM_QUIET; x++)
			fputs(glyph[!dark(q, x, y)][!dark(q, x, y + 1)], out);
		fputc('\n', out);
	}
	QRcode_free(q);
	return ferror(out) ? -EIO : 0;
}

static int write_png(const QRcode *q, FILE *f)
{
	const int side = (q->width + 2 * PNG_QUIET) * PNG_SCALE;
	png_structp png;
	png_infop info;
	png_bytep row = NULL;
	int x, y;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		return -ENOMEM;
	info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	row = malloc(side);
	if (!row || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -EIO;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < side; y++) {
		for (x = 0; x < side; x++)
			row[x] =
			    dark(q, x / PNG_SCALE - PNG_QUIET, y / PNG_SCALE - PNG_QUIET) ? 0 : 255;
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

int qr_write_png(const char *text, const char *path)
{
	QRcode *q = encode(text);
	FILE *f;
	int err;

	if (!q)
		return -errno ? -errno : -EINVAL;
	f = fopen(path, "wb");
	if (!f) {
		err = -errno;
		QRcode_free(q);
		return err;
	}
	err = write_png(q, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		unlink(path); /* no half-written image left behind */
	QRcode_free(q);
	return err;
}
