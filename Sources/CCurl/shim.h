// Typed, non-variadic wrappers around libcurl's variadic entry points.
//
// Swift cannot call C variadic functions, so curl_easy_setopt and
// curl_easy_getinfo get one `static inline` shim per argument type here.
// Pick the shim that matches the option's documented type (CURLOPTTYPE_*):
// a mismatch is undefined behaviour in C, exactly as with the real call.
#ifndef C_CURL_SHIM_H
#define C_CURL_SHIM_H

#include <curl/curl.h>

// ---- curl_easy_setopt -------------------------------------------------------

// CURLOPTTYPE_LONG / CURLOPTTYPE_VALUES options (timeouts, flags, enums).
static inline CURLcode CCurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPTTYPE_OFF_T options (large sizes, *_LARGE variants).
static inline CURLcode CCurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPTTYPE_STRINGPOINT options; curl copies the string, NULL restores the default.
static inline CURLcode CCurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPTTYPE_OBJECTPOINT / CBPOINT options (callback user data, ERRORBUFFER).
static inline CURLcode CCurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPTTYPE_SLISTPOINT options (HTTPHEADER); curl does NOT copy the list.
static inline CURLcode CCurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION (same C signature).
static inline CURLcode CCurl_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_XFERINFOFUNCTION.
static inline CURLcode CCurl_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// ---- curl_easy_getinfo ------------------------------------------------------

// CURLINFO_LONG items (RESPONSE_CODE, NUM_CONNECTS, OS_ERRNO, ...).
static inline CURLcode CCurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURLINFO_DOUBLE items (legacy timings and sizes).
static inline CURLcode CCurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURLINFO_OFF_T items (*_T sizes and microsecond timings).
static inline CURLcode CCurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURLINFO_STRING items; the string is owned by the handle, valid until the next request.
static inline CURLcode CCurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// CURL_GLOBAL_DEFAULT is a macro expression; exposed as a function so Swift needn't re-derive it.
static inline CURLcode CCurl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

#endif
