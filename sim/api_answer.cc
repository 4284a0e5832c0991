#include "sim/api_answer.h"

#include <utility>

namespace kling_sim {

ApiAnswer SuccessAnswer(const std::string& request_id, OrderedJson data) {
  ApiAnswer answer;
  answer.body = {{"code", kling_code::kOk},
                 {"message", "SUCCEED"},
                 {"request_id", request_id},
                 {"data", std::move(data)}};
  return answer;
}

ApiAnswer ErrorAnswer(const std::string& request_id, int http_status, int code,
                      std::string message) {
  ApiAnswer answer;
  answer.http_status = http_status;
  answer.body = {{"code", code},
                 {"message", std::move(message)},
                 {"request_id", request_id}};
  return answer;
}

std::string DumpJson(const OrderedJson& value) {
  return value.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kling_sim
