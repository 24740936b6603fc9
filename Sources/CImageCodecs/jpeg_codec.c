/* JPEG decode with libjpeg(-turbo). The error manager longjmps back into this file only. */
#include "ce_codecs.h"
#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
} jpeg_failure;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(failure->message, 200, "%s", text);
    longjmp(failure->jump, 1);
}

/* Warnings are ignored except a premature end of data, which Pillow also treats as an error
   ("image file is truncated") instead of returning a grey-filled image. */
static void on_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_failure *failure = (jpeg_failure *)cinfo->err;
        snprintf(failure->message, 200, "unexpected end of data (file truncated)");
        longjmp(failure->jump, 1);
    }
}

/* Points a codec's error manager at our handlers; the caller still does its own setjmp. */
static struct jpeg_error_mgr *install_errors(jpeg_failure *failure, char *message) {
    failure->message = message;
    struct jpeg_error_mgr *err = jpeg_std_error(&failure->base);
    failure->base.error_exit = on_error_exit;
    failure->base.emit_message = on_message;
    return err;
}

static int looks_like_jpeg(const unsigned char *data, size_t length, char *message) {
    if (length < 4 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(message, 200, "not a JPEG file (no SOI marker)");
        return 0;
    }
    return 1;
}

int ce_jpeg_header(const unsigned char *data, size_t length, int *width, int *height, char *message) {
    if (!looks_like_jpeg(data, length, message)) return CE_ERR_CORRUPT;
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    cinfo.err = install_errors(&failure, message);
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return CE_ERR_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return CE_OK;
}

/* Pillow's MULDIV255: a*b/255 rounded. */
static inline unsigned char muldiv255(int a, int b) {
    int t = a * b + 128;
    return (unsigned char)(((t >> 8) + t) >> 8);
}

int ce_jpeg_decode_rgb8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out) {
    memset(out, 0, sizeof(*out));
    if (!looks_like_jpeg(data, length, out->message)) return CE_ERR_CORRUPT;
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    cinfo.err = install_errors(&failure, out->message);
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile row = NULL;
    if (setjmp(failure.jump)) {
        free(pixels);
        free(row);
        free(out->exif);
        out->exif = NULL;
        out->exif_length = 0;
        jpeg_destroy_decompress(&cinfo);
        return CE_ERR_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);

    long long pixels_total = (long long)cinfo.image_width * (long long)cinfo.image_height;
    if (pixels_total > max_pixels) {
        snprintf(out->message, 200, "image is %ux%u = %lld pixels, above the limit of %lld",
                 cinfo.image_width, cinfo.image_height, pixels_total, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return CE_ERR_TOO_LARGE;
    }
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            out->exif = (unsigned char *)malloc(m->data_length - 6);
            if (out->exif) {
                memcpy(out->exif, m->data + 6, m->data_length - 6);
                out->exif_length = m->data_length - 6;
            }
            break;
        }
    }
    int cmyk = (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
    int inverted = cmyk && cinfo.saw_Adobe_marker;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);

    int width = (int)cinfo.output_width, height = (int)cinfo.output_height;
    int components = cinfo.output_components;
    if ((cmyk && components != 4) || (!cmyk && components != 3)) {
        snprintf(out->message, 200, "unsupported JPEG colour layout (%d components)", components);
        jpeg_destroy_decompress(&cinfo);
        return CE_ERR_UNSUPPORTED;
    }
    pixels = (unsigned char *)malloc((size_t)width * (size_t)height * 3);
    row = (unsigned char *)malloc((size_t)width * (size_t)components);
    if (!pixels || !row) {
        free(pixels); free(row);
        jpeg_destroy_decompress(&cinfo);
        snprintf(out->message, 200, "out of memory for %dx%d image", width, height);
        return CE_ERR_NOMEM;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *dest = pixels + (size_t)cinfo.output_scanline * (size_t)width * 3;
        if (!cmyk) {
            JSAMPROW rows[1] = { dest };
            jpeg_read_scanlines(&cinfo, rows, 1);
        } else {
            JSAMPROW rows[1] = { row };
            jpeg_read_scanlines(&cinfo, rows, 1);
            for (int x = 0; x < width; x++) {
                int c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
                if (inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
                int nk = 255 - k;
                dest[3 * x] = (unsigned char)(nk - muldiv255(c, nk));
                dest[3 * x + 1] = (unsigned char)(nk - muldiv255(m, nk));
                dest[3 * x + 2] = (unsigned char)(nk - muldiv255(y, nk));
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->pixels = pixels;
    out->width = width;
    out->height = height;
    return CE_OK;
}

/* Encodes RGB8 as JPEG at `quality` and decodes it again into `out` (same size): real JPEG artefacts for
   augmentation. */
int ce_jpeg_encode_rgb8(const unsigned char *rgb, int width, int height, int quality, unsigned char **out,
                        size_t *out_length, char *message) {
    struct jpeg_compress_struct cinfo;
    jpeg_failure failure;
    cinfo.err = install_errors(&failure, message);
    unsigned char *volatile mem = NULL;
    unsigned long size = 0;
    *out = NULL;
    *out_length = 0;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(mem);
        return CE_ERR_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&mem, &size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * (size_t)width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = mem;
    *out_length = size;
    return CE_OK;
}

int ce_jpeg_roundtrip_rgb8(const unsigned char *rgb, int width, int height, int quality, unsigned char *out,
                           char *message) {
    unsigned char *buffer = NULL;
    size_t size = 0;
    int rc = ce_jpeg_encode_rgb8(rgb, width, height, quality, &buffer, &size, message);
    if (rc != CE_OK) return rc;
    ce_image decoded;
    rc = ce_jpeg_decode_rgb8(buffer, size, (long long)width * height, &decoded);
    free(buffer);
    if (rc != CE_OK) { snprintf(message, 200, "%s", decoded.message); return rc; }
    memcpy(out, decoded.pixels, (size_t)width * (size_t)height * 3);
    free(decoded.pixels);
    free(decoded.exif);
    return CE_OK;
}
