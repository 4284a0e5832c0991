#include "tests/support/grpc_details.h"

namespace lipsync::testing {

std::set<std::string> ViolatedFields(const grpc::Status& status) {
  std::set<std::string> fields;
  if (auto bad = FindDetail<google::rpc::BadRequest>(status)) {
    for (const auto& v : bad->field_violations()) fields.insert(v.field());
  }
  return fields;
}

}  // namespace lipsync::testing
