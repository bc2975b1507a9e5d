#include "image_codecs.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager extended with a jump target. Allocated on the heap because locals
/// changed after setjmp are indeterminate once libjpeg jumps back.
typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    uint8_t *output;
    JSAMPLE *cmyk_line;
    int too_large;
} jpeg_session;

static void on_jpeg_error(j_common_ptr cinfo) {
    jpeg_session *session = (jpeg_session *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, session->message);
    /* With max_memory_to_use set and no backing store, libjpeg fails here when a progressive
       file's whole-image coefficient buffer would pass the limit. */
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
        session->too_large = 1;
        snprintf(session->message, CC_MESSAGE_CAPACITY, "a progressive JPEG this large needs too much memory");
    }
    longjmp(session->jump, 1);
}

/// libjpeg treats a file that ends early as a warning and fills the rest with grey; we treat it
/// as the error it is. Other warnings (stray bytes between markers) are common in files that
/// otherwise decode fine, so they are ignored rather than printed.
static void on_jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_session *session = (jpeg_session *)cinfo->err;
        snprintf(session->message, CC_MESSAGE_CAPACITY, "file is truncated");
        longjmp(session->jump, 1);
    }
}

/// Converts one CMYK scanline to RGB. Adobe applications write the channels inverted, which is
/// what the Adobe marker tells us.
static void cmyk_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++) {
        const JSAMPLE *pixel = cmyk + 4 * x;
        int k = inverted ? pixel[3] : 255 - pixel[3];
        for (int c = 0; c < 3; c++) {
            int ink = inverted ? pixel[c] : 255 - pixel[c];
            rgb[3 * x + c] = (uint8_t)((ink * k + 127) / 255);
        }
    }
}

int cc_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cc_image *image, char *message) {
    memset(image, 0, sizeof *image);
    jpeg_session *session = calloc(1, sizeof *session);
    if (!session) {
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    session->message = message;
    struct jpeg_decompress_struct *cinfo = calloc(1, sizeof *cinfo);
    if (!cinfo) {
        free(session);
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    cinfo->err = jpeg_std_error(&session->manager);
    session->manager.error_exit = on_jpeg_error;
    session->manager.emit_message = on_jpeg_message;
    if (setjmp(session->jump)) {
        int status = session->too_large ? CC_TOO_LARGE : 1;
        jpeg_destroy_decompress(cinfo);
        free(session->output);
        free(session->cmyk_line);
        free(session);
        free(cinfo);
        return status;
    }
    jpeg_create_decompress(cinfo);
    /* Bounds the whole-image coefficient buffer of progressive and multi-scan files: 2 bytes a
       coefficient at full size, whatever the output scale (3 to 6 bytes a pixel). 16 bytes a
       pixel of the budget is what the decoded image would take as floats. */
    cinfo->mem->max_memory_to_use = (long)(max_pixels > LONG_MAX / 16 ? LONG_MAX : max_pixels * 16);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    image->width = cinfo->image_width;
    image->height = cinfo->image_height;
    /* Reduce while decoding until the output fits the budget. */
    cinfo->scale_num = 1;
    cinfo->scale_denom = 1;
    jpeg_calc_output_dimensions(cinfo);
    while ((uint64_t)cinfo->output_width * cinfo->output_height > max_pixels) {
        if (cinfo->scale_denom == 8) {
            snprintf(message, CC_MESSAGE_CAPACITY, "even reduced 8 times on each side while decoding");
            session->too_large = 1;
            longjmp(session->jump, 1);
        }
        cinfo->scale_denom *= 2;
        jpeg_calc_output_dimensions(cinfo);
    }
    int is_cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    int inverted = cinfo->saw_Adobe_marker;
    if (is_cmyk) {
        cinfo->out_color_space = JCS_CMYK;
    } else if (cinfo->jpeg_color_space != JCS_GRAYSCALE) {
        cinfo->out_color_space = JCS_RGB;
    }
    jpeg_start_decompress(cinfo);

    uint32_t channels = is_cmyk ? 3 : (uint32_t)cinfo->output_components;
    size_t row_bytes = (size_t)cinfo->output_width * channels;
    session->output = malloc(row_bytes * cinfo->output_height);
    if (!session->output) {
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        longjmp(session->jump, 1);
    }
    if (is_cmyk) {
        session->cmyk_line = malloc((size_t)cinfo->output_width * 4);
        if (!session->cmyk_line) {
            snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
            longjmp(session->jump, 1);
        }
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *row = session->output + row_bytes * cinfo->output_scanline;
        JSAMPROW rows[1] = {is_cmyk ? session->cmyk_line : row};
        jpeg_read_scanlines(cinfo, rows, 1);
        if (is_cmyk) {
            cmyk_to_rgb(session->cmyk_line, row, cinfo->output_width, inverted);
        }
    }
    jpeg_finish_decompress(cinfo);

    image->width = cinfo->output_width;
    image->height = cinfo->output_height;
    image->channels = channels;
    image->bits_per_sample = 8;
    image->samples = session->output;
    jpeg_destroy_decompress(cinfo);
    free(session->cmyk_line);
    free(session);
    free(cinfo);
    return 0;
}

int cc_jpeg_encode(const uint8_t *samples, uint32_t width, uint32_t height, uint32_t channels, int quality,
                   uint8_t **jpeg, size_t *jpeg_size, char *message) {
    *jpeg = NULL;
    *jpeg_size = 0;
    if (channels != 1 && channels != 3) {
        snprintf(message, CC_MESSAGE_CAPACITY, "JPEG stores grey or RGB, not %u channels", channels);
        return 1;
    }
    jpeg_session *session = calloc(1, sizeof *session);
    struct jpeg_compress_struct *cinfo = calloc(1, sizeof *cinfo);
    if (!session || !cinfo) {
        free(session);
        free(cinfo);
        snprintf(message, CC_MESSAGE_CAPACITY, "out of memory");
        return 1;
    }
    session->message = message;
    cinfo->err = jpeg_std_error(&session->manager);
    session->manager.error_exit = on_jpeg_error;
    // libjpeg owns the growing output buffer; kept in the session so the error path can free it.
    unsigned long size = 0;
    if (setjmp(session->jump)) {
        jpeg_destroy_compress(cinfo);
        free(session->output);
        free(session);
        free(cinfo);
        return 1;
    }
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, &session->output, &size);
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = (int)channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(samples + row_bytes * cinfo->next_scanline)};
        jpeg_write_scanlines(cinfo, rows, 1);
    }
    jpeg_finish_compress(cinfo);
    *jpeg = session->output;
    *jpeg_size = size;
    jpeg_destroy_compress(cinfo);
    free(session);
    free(cinfo);
    return 0;
}
