#ifndef STEWARD_CCURL_H
#define STEWARD_CCURL_H

#include <curl/curl.h>

// libcurl's curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// These typed wrappers fix the argument type per option family so Swift can.

/// Runs curl_global_init(CURL_GLOBAL_DEFAULT) exactly once per process (thread-safe);
/// every later call returns the first call's result.
CURLcode steward_curl_global_init_once(void);

/// Function pointer type shared by CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
typedef size_t (*steward_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);

/// Function pointer type of CURLOPT_XFERINFOFUNCTION.
typedef int (*steward_curl_xferinfo_callback)(void *context, curl_off_t download_total, curl_off_t download_now,
                                              curl_off_t upload_total, curl_off_t upload_now);

static inline CURLcode steward_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                              steward_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode steward_curl_easy_setopt_xferinfo_callback(CURL *handle, steward_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

static inline CURLcode steward_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode steward_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode steward_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
