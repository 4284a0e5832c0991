// Owning pointers for the libcurl handles of the floor programs: each frees
// its handle with libcurl's own cleanup call. The floor programs keep apart
// from the gateway's code (service/), so they own this small header.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace lipsync::bench {

struct CurlEasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiCleanup {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistFreeAll {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlCleanup {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};

// An easy handle. Remove it from its multi handle before it is destroyed.
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyCleanup>;
// A multi handle. Remove its easy handles before it is destroyed.
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiCleanup>;
// A header list; the easy handles that use it must not outlive it.
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistFreeAll>;
// A parsed URL (curl_url).
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlCleanup>;
// Text libcurl allocated (curl_url_get and the like).
using CurlTextPtr = std::unique_ptr<char, CurlFree>;

}  // namespace lipsync::bench
