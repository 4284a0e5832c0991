// Owners of libcurl's handles: each handle is freed by its deleter, once,
// and nowhere else.
//
// What RAII cannot say for libcurl, its users must: an easy handle is
// removed from its multi handle (curl_multi_remove_handle) before it is
// freed; a multi handle outlives the removal of its easy handles, and any
// close-socket callback its connection cache calls on cleanup must still
// have its data; a share handle outlives the easy handles that use it; a
// header list outlives the transfer of the easy handle it is set on.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_HANDLES_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_HANDLES_H_

#include <curl/curl.h>

#include <memory>

namespace lipsync::upstream {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlTextDeleter {
  void operator()(char* text) const { curl_free(text); }
};

using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSharePtr = std::unique_ptr<CURLSH, CurlShareDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;
// A parsed URL (curl_url), and text libcurl allocated (curl_url_get).
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlTextPtr = std::unique_ptr<char, CurlTextDeleter>;

// Appends a copy of `line` to `*list` (which may be empty). False when
// libcurl could not allocate; `*list` is then unchanged.
inline bool AppendToSlist(CurlSlistPtr* list, const char* line) {
  curl_slist* const head = curl_slist_append(list->get(), line);
  if (head == nullptr) return false;
  // libcurl appends at the tail: the head changes only when it was empty.
  if (*list == nullptr) list->reset(head);
  return true;
}

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_HANDLES_H_
