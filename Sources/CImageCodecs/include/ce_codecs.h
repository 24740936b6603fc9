#ifndef CE_CODECS_H
#define CE_CODECS_H
#include <stddef.h>

/* Result codes shared by every codec call. libpng/libjpeg report errors through setjmp/longjmp;
   those jumps land inside this C target and never cross a Swift frame. */
enum {
    CE_OK = 0,
    CE_ERR_CORRUPT = 1,     /* truncated or malformed data */
    CE_ERR_TOO_LARGE = 2,   /* width*height above the caller's pixel limit (checked from the header) */
    CE_ERR_UNSUPPORTED = 3, /* valid file, feature we do not decode */
    CE_ERR_NOMEM = 4
};

/* A decoded image: interleaved RGB8, rows packed (stride = 3*width). */
typedef struct {
    unsigned char *pixels;     /* malloc'd, free with ce_free */
    int width;
    int height;
    unsigned char *exif;       /* raw EXIF (TIFF header onwards) if present, malloc'd, else NULL */
    size_t exif_length;
    char message[200];         /* human-readable reason when the call fails */
} ce_image;

/* Reads only the header: width and height. */
int ce_png_header(const unsigned char *data, size_t length, int *width, int *height, char *message);
int ce_jpeg_header(const unsigned char *data, size_t length, int *width, int *height, char *message);

/* Decode to RGB8 (alpha dropped, palette/grey expanded, 16-bit reduced to the high byte, like Pillow's
   convert("RGB")). Fails with CE_ERR_TOO_LARGE before allocating when width*height > max_pixels. */
int ce_png_decode_rgb8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out);
/* Decode to RGBA8 (alpha kept, or 255 where the file has none; tRNS becomes alpha). */
int ce_png_decode_rgba8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out);
/* Decode baseline/progressive/greyscale/CMYK JPEG to RGB8; CMYK converted like Pillow. */
int ce_jpeg_decode_rgb8(const unsigned char *data, size_t length, long long max_pixels, ce_image *out);

/* Encode interleaved 8-bit pixels (channels 1, 3 or 4) as PNG into a malloc'd buffer. */
int ce_png_encode(const unsigned char *pixels, int width, int height, int channels,
                  unsigned char **out, size_t *out_length, char *message);

/* Encodes RGB8 as a baseline JPEG at `quality` (1-100) into a malloc'd buffer (free with ce_free). */
int ce_jpeg_encode_rgb8(const unsigned char *rgb, int width, int height, int quality, unsigned char **out,
                        size_t *out_length, char *message);

/* JPEG-compresses RGB8 at `quality` (1-100) and decodes it back into `out` (width*height*3 bytes). */
int ce_jpeg_roundtrip_rgb8(const unsigned char *rgb, int width, int height, int quality, unsigned char *out,
                           char *message);

void ce_free(void *pointer);

#endif
