#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// State shared with libpng's callbacks. It is allocated on the heap because locals changed
/// after setjmp are indeterminate once libpng jumps back; heap fields stay well defined.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    uint8_t *output;
    size_t output_size;
    size_t output_capacity;
    png_bytep *rows;
    char *message;
    int too_large;
} png_session;

static void on_png_error(png_structp png, png_const_charp text) {
    png_session *session = png_get_error_ptr(png);
    snprintf(session->message, CC_MESSAGE_CAPACITY, "%s", text);
    png_longjmp(png, 1);
}

/// Warnings (bad ancillary chunks and the like) do not stop decoding; keep them off stderr.
static void on_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_session *session = png_get_io_ptr(png);
    if (length > session->size - session->offset) {
        png_error(png, "file is truncated");
    }
    memcpy(destination, session->data + session->offset, length);
    session->offset += length;
}

int cc_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cc_image *image, char *message) {
    memset(image, 0, sizeof *image);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, CC_MESSAGE_CAPACITY, "not a PNG file (bad signature)");
        return 1;
    }
    png_session *session = calloc(1, sizeof *session);
    if (!session) {
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    *session = (png_session){.data = data, .size = size, .message = message};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, session, on_png_error,
                                             on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(session);
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        int status = session->too_large ? CC_TOO_LARGE : 1;
        free(session->rows);
        free(session->output);
        free(session);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_read_fn(png, session, read_from_memory);
    /* libpng's own limit (a million pixels a side) would call a 2,000,000 x 1 strip corrupt;
       the pixel budget below is the one limit, with its own message. */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_read_info(png, info);

    png_uint_32 width, height;
    int bit_depth, color_type;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if ((uint64_t)width * height > max_pixels) {
        image->width = width;
        image->height = height;
        session->too_large = 1;
        png_error(png, "");
    }
    /* Expand to plain grey / grey + alpha / RGB / RGBA samples of 8 or 16 bits. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    uint32_t channels = png_get_channels(png, info);
    uint32_t bits = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    session->output = malloc(row_bytes * height);
    session->rows = malloc(sizeof(png_bytep) * height);
    if (!session->output || !session->rows) {
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        session->rows[y] = session->output + row_bytes * y;
    }
    png_read_image(png, session->rows);
    /* Reading the trailing chunks catches files cut off after the image data. */
    png_read_end(png, NULL);

    png_destroy_read_struct(&png, &info, NULL);
    image->width = width;
    image->height = height;
    image->channels = channels;
    image->bits_per_sample = bits;
    image->samples = session->output;
    free(session->rows);
    free(session);
    return 0;
}

static void write_to_memory(png_structp png, png_bytep source, size_t length) {
    png_session *session = png_get_io_ptr(png);
    if (length > session->output_capacity - session->output_size) {
        size_t capacity = session->output_capacity ? session->output_capacity : 4096;
        while (capacity - session->output_size < length) {
            capacity *= 2;
        }
        uint8_t *grown = realloc(session->output, capacity);
        if (!grown) {
            png_error(png, "out of memory");
        }
        session->output = grown;
        session->output_capacity = capacity;
    }
    memcpy(session->output + session->output_size, source, length);
    session->output_size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int cc_png_encode(const uint8_t *samples, uint32_t width, uint32_t height, uint32_t channels,
                  uint8_t **png_data, size_t *png_size, char *message) {
    static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                      PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    *png_data = NULL;
    *png_size = 0;
    if (channels < 1 || channels > 4 || width == 0 || height == 0) {
        snprintf(message, CC_MESSAGE_CAPACITY, "cannot encode a %ux%u image with %u channels",
                 width, height, channels);
        return 1;
    }
    png_session *session = calloc(1, sizeof *session);
    if (!session) {
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    session->message = message;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, session, on_png_error,
                                              on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(session);
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(session->output);
        free(session);
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    png_set_write_fn(png, session, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, width, height, 8, color_types[channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, samples + row_bytes * y);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *png_data = session->output;
    *png_size = session->output_size;
    free(session);
    return 0;
}

void cc_free(void *pointer) { free(pointer); }
