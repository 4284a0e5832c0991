#ifndef LIPSYNC_SIM_API_ANSWER_H_
#define LIPSYNC_SIM_API_ANSWER_H_

#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace kling_sim {

// Answers keep their keys in insertion order, as Kling writes them
// ("code", "message", "request_id", "data"), so that logs read naturally.
using OrderedJson = nlohmann::ordered_json;

// Kling's error codes that the sim answers with (CONTRACT.md, error table).
namespace kling_code {
inline constexpr int kOk = 0;
inline constexpr int kAuthHeaderEmpty = 1001;
inline constexpr int kTokenInvalid = 1002;
inline constexpr int kTokenNotYetValid = 1003;
inline constexpr int kTokenExpired = 1004;
inline constexpr int kInvalidRequest = 1200;
inline constexpr int kInvalidParameters = 1201;
inline constexpr int kInvalidMethod = 1202;
inline constexpr int kResourceNotFound = 1203;
inline constexpr int kRateTooHigh = 1302;
inline constexpr int kInternalError = 5000;
inline constexpr int kInternalTimeout = 5002;
}  // namespace kling_code

// One answer of the Kling API before it is written to the wire: the HTTP
// status, the JSON envelope and any extra headers. Content-Type is always
// application/json and is added by the writer.
struct ApiAnswer {
  int http_status = 200;
  OrderedJson body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"code":0,"message":"SUCCEED","request_id":..,"data":data}
ApiAnswer SuccessAnswer(const std::string& request_id, OrderedJson data);

// {"code":code,"message":message,"request_id":..}: no `data`, as Kling's
// error answers carry none.
ApiAnswer ErrorAnswer(const std::string& request_id, int http_status, int code,
                      std::string message);

// Serialises without throwing: invalid UTF-8 coming from a client (echoed
// ids, recorded bodies) is replaced by U+FFFD instead of raising.
std::string DumpJson(const OrderedJson& value);
std::string DumpJson(const nlohmann::json& value);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_API_ANSWER_H_
