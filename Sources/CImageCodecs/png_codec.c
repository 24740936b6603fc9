/* PNG decode/encode with libpng's classic API. Every setjmp lives in this file. */
#include "ce_codecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t length;
    size_t offset;
} png_source;

typedef struct {
    char *message;
} png_error_sink;

static void read_from_memory(png_structp png, png_bytep dest, png_size_t count) {
    png_source *src = (png_source *)png_get_io_ptr(png);
    if (src->offset + count > src->length) {
        png_error(png, "unexpected end of data (file truncated)");
    }
    memcpy(dest, src->data + src->offset, count);
    src->offset += count;
}

static void on_error(png_structp png, png_const_charp msg) {
    png_error_sink *sink = (png_error_sink *)png_get_error_ptr(png);
    if (sink && sink->message) snprintf(sink->message, 200, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static int check_signature(const unsigned char *data, size_t length, char *message) {
    if (length < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(message, 200, "not a PNG file (bad signature)");
        return CE_ERR_CORRUPT;
    }
    return CE_OK;
}

int ce_png_header(const unsigned char *data, size_t length, int *width, int *height, char *message) {
    int rc = check_signature(data, length, message);
    if (rc != CE_OK) return rc;
    /* IHDR: 8 signature + 4 length + 4 "IHDR" + 4 width + 4 height */
    if (length < 24 || memcmp(data + 12, "IHDR", 4) != 0) {
        snprintf(message, 200, "PNG header truncated or missing IHDR");
        return CE_ERR_CORRUPT;
    }
    unsigned long w = ((unsigned long)data[16] << 24) | ((unsigned long)data[17] << 16) | ((unsigned long)data[18] << 8) | data[19];
    unsigned long h = ((unsigned long)data[20] << 24) | ((unsigned long)data[21] << 16) | ((unsigned long)data[22] << 8) | data[23];
    if (w == 0 || h == 0 || w > 0x7fffffffUL || h > 0x7fffffffUL) {
        snprintf(message, 200, "PNG header has invalid size %lux%lu", w, h);
        return CE_ERR_CORRUPT;
    }
    *width = (int)w;
    *height = (int)h;
    return CE_OK;
}

static int png_decode(const unsigned char *data, size_t length, long long max_pixels, int keep_alpha, ce_image *out) {
    memset(out, 0, sizeof(*out));
    int w0 = 0, h0 = 0;
    int rc = ce_png_header(data, length, &w0, &h0, out->message);
    if (rc != CE_OK) return rc;
    if ((long long)w0 * (long long)h0 > max_pixels) {
        snprintf(out->message, 200, "image is %dx%d = %lld pixels, above the limit of %lld", w0, h0,
                 (long long)w0 * (long long)h0, max_pixels);
        return CE_ERR_TOO_LARGE;
    }
    png_error_sink sink = { out->message };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (!png) { snprintf(out->message, 200, "out of memory"); return CE_ERR_NOMEM; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); snprintf(out->message, 200, "out of memory"); return CE_ERR_NOMEM; }

    /* volatile: these are modified between setjmp and a possible longjmp. */
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    png_source src = { data, length, 0 };

    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        free(out->exif);
        out->exif = NULL;
        png_destroy_read_struct(&png, &info, NULL);
        if (out->message[0] == 0) snprintf(out->message, 200, "corrupt PNG data");
        return CE_ERR_CORRUPT;
    }
    png_set_read_fn(png, &src, read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    int color_type = png_get_color_type(png, info);

    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    /* Pillow's convert("RGB") drops alpha (and tRNS) without compositing; RGBA keeps or makes it. */
    if (keep_alpha) {
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
        else if (!(color_type & PNG_COLOR_MASK_ALPHA)) png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    } else if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_strip_alpha(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t rowbytes = png_get_rowbytes(png, info);
    size_t channels = keep_alpha ? 4 : 3;
    if (rowbytes != (size_t)width * channels) {
        snprintf(out->message, 200, "unexpected PNG row layout (%zu bytes for width %u)", rowbytes, (unsigned)width);
        png_destroy_read_struct(&png, &info, NULL);
        return CE_ERR_UNSUPPORTED;
    }
    pixels = (unsigned char *)malloc(rowbytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        free(pixels); free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        snprintf(out->message, 200, "out of memory for %ux%u image", (unsigned)width, (unsigned)height);
        return CE_ERR_NOMEM;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, info);

#ifdef PNG_eXIf_SUPPORTED
    png_bytep exif = NULL;
    png_uint_32 exif_length = 0;
    if (png_get_eXIf_1(png, info, &exif_length, &exif) && exif && exif_length > 0) {
        out->exif = (unsigned char *)malloc(exif_length);
        if (out->exif) { memcpy(out->exif, exif, exif_length); out->exif_length = exif_length; }
    }
#endif
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = pixels;
    out->width = (int)width;
    out->height = (int)height;
    return CE_OK;
}

int ce_png_decode_rgb8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out) {
    return png_decode(data, length, max_pixels, 0, out);
}

int ce_png_decode_rgba8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out) {
    return png_decode(data, length, max_pixels, 1, out);
}

typedef struct {
    unsigned char *data;
    size_t length;
    size_t capacity;
    int failed;
} png_sink;

static void write_to_memory(png_structp png, png_bytep src, png_size_t count) {
    png_sink *sink = (png_sink *)png_get_io_ptr(png);
    if (sink->length + count > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 65536;
        while (capacity < sink->length + count) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(sink->data, capacity);
        if (!grown) { sink->failed = 1; png_error(png, "out of memory while encoding PNG"); }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->length, src, count);
    sink->length += count;
}

static void flush_memory(png_structp png) { (void)png; }

int ce_png_encode(const unsigned char *pixels, int width, int height, int channels,
                  unsigned char **out, size_t *out_length, char *message) {
    *out = NULL;
    *out_length = 0;
    int color_type;
    switch (channels) {
        case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
        case 3: color_type = PNG_COLOR_TYPE_RGB; break;
        case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
        default: snprintf(message, 200, "cannot encode %d channels as PNG", channels); return CE_ERR_UNSUPPORTED;
    }
    if (width <= 0 || height <= 0) { snprintf(message, 200, "cannot encode an empty image"); return CE_ERR_UNSUPPORTED; }
    png_error_sink errors = { message };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors, on_error, on_warning);
    if (!png) { snprintf(message, 200, "out of memory"); return CE_ERR_NOMEM; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); snprintf(message, 200, "out of memory"); return CE_ERR_NOMEM; }
    png_sink sink = { NULL, 0, 0, 0 };
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(sink.data);
        free(rows);
        png_destroy_write_struct(&png, &info);
        return sink.failed ? CE_ERR_NOMEM : CE_ERR_CORRUPT;
    }
    png_set_write_fn(png, &sink, write_to_memory, flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) { png_destroy_write_struct(&png, &info); snprintf(message, 200, "out of memory"); return CE_ERR_NOMEM; }
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * (size_t)width * (size_t)channels);
    png_write_image(png, rows);
    png_write_end(png, info);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = sink.data;
    *out_length = sink.length;
    return CE_OK;
}

void ce_free(void *pointer) { free(pointer); }
