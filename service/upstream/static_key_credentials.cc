
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/upstream/credentials.h"

namespace lipsync::upstream {
namespace {

class StaticKeyCredentials final : public Credentials {
 public:
  explicit StaticKeyCredentials(absl::string_view api_key)
      : header_(absl::StrCat("Authorization: Bearer ", api_key)) {}
  absl::StatusOr<std::string> AuthorizationHeader() override { return header_; }

 private:
  const std::string header_;
};

}  // namespace

std::shared_ptr<Credentials> MakeStaticKeyCredentials(
    absl::string_view api_key) {
  return std::make_shared<StaticKeyCredentials>(api_key);
}

}  // namespace lipsync::upstream
