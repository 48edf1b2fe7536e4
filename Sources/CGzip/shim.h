// zlib's stream set-up is a macro that passes the library version and the size of z_stream;
// Swift cannot call a function-like macro, so this header wraps it in a typed function.
#ifndef C_ZLIB_SHIM_H
#define C_ZLIB_SHIM_H

#include <zlib.h>

// Starts inflating gzip members only (windowBits 15 + 16: a gzip header and trailer, CRC-32 and
// length checked); a zlib or raw deflate stream is a data error. Returns Z_OK or an error code.
static inline int CGzip_inflateInitGzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
