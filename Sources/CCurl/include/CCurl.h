#ifndef STEWARD_CCURL_H
#define STEWARD_CCURL_H
#include <curl/curl.h>
// Typed wrappers for libcurl's variadic functions live here (see shim.c).
#endif
