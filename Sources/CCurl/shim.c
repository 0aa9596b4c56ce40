#include "CCurl.h"

#include <pthread.h>

static pthread_once_t global_init_once = PTHREAD_ONCE_INIT;
static CURLcode global_init_result = CURLE_FAILED_INIT;

static void global_init(void) {
    global_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode steward_curl_global_init_once(void) {
    pthread_once(&global_init_once, global_init);
    return global_init_result;
}
