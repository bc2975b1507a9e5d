// PNG and JPEG through libpng and libjpeg, behind an interface that never unwinds.
//
// Both libraries report errors with longjmp, which must not cross Swift frames. These functions
// catch the jump in C and return a status code and a message instead, so the Swift side sees
// plain calls that either succeed or fail with text a user can act on.
#ifndef CLIPCANVAS_IMAGE_CODECS_H
#define CLIPCANVAS_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// Size of the message buffer every function below writes its error into.
#define CC_MESSAGE_CAPACITY 256

/// Status of a decode refused for its size (rather than 1, for a corrupt or truncated file):
/// `image->width` and `image->height` then hold the size the file declares.
#define CC_TOO_LARGE 2

/// Decoded samples, rows top to bottom, channels interleaved (1 grey, 2 grey + alpha, 3 RGB,
/// 4 RGBA). 8-bit samples take one byte; 16-bit samples take two bytes, big-endian as in PNG.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint32_t bits_per_sample;
    /// Owned by the caller after a successful decode: release with cc_free.
    uint8_t *samples;
} cc_image;

/// Decodes a PNG of any colour type, bit depth and interlacing. Palette and tRNS transparency are
/// expanded, grey below 8 bits is widened to 8, 16-bit samples stay 16-bit. Gamma chunks are
/// ignored: samples are returned as stored. An image of more than `max_pixels` pixels is
/// refused from its header, before any allocation (CC_TOO_LARGE). Returns 0 on success;
/// otherwise fills `message` (CC_MESSAGE_CAPACITY bytes) and leaves `image->samples` NULL.
int cc_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cc_image *image, char *message);

/// Decodes a baseline or progressive JPEG to 8-bit grey (1 channel) or RGB (3 channels); CMYK
/// files are converted to RGB. A file that ends early is an error, not a grey-filled image.
/// An image of more than `max_pixels` pixels is reduced by 2, 4 or 8 on each side while it is
/// decoded (libjpeg's DCT scaling: the full-size image never exists), so the result fits; one
/// still too large even at 1/8, or a progressive file whose coefficients alone would outgrow
/// the budget, is refused (CC_TOO_LARGE). Returns 0 on success; otherwise fills `message` and
/// leaves `image->samples` NULL.
int cc_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cc_image *image, char *message);

/// Encodes 8-bit interleaved samples (1 to 4 channels, as in cc_image) as a PNG. On success
/// `*png` is owned by the caller (release with cc_free) and holds `*png_size` bytes.
int cc_png_encode(const uint8_t *samples, uint32_t width, uint32_t height, uint32_t channels,
                  uint8_t **png, size_t *png_size, char *message);

/// Encodes 8-bit interleaved grey (1 channel) or RGB (3 channels) samples as a baseline JPEG
/// of the given quality (1–100). On success `*jpeg` is owned by the caller (release with cc_free).
int cc_jpeg_encode(const uint8_t *samples, uint32_t width, uint32_t height, uint32_t channels, int quality,
                   uint8_t **jpeg, size_t *jpeg_size, char *message);

void cc_free(void *pointer);

#endif
