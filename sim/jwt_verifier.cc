#include "sim/jwt_verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace kling_sim {
namespace {

using nlohmann::json;

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

// JWT segments are unpadded base64url (RFC 7515); absl accepts that form.
bool DecodeSegment(absl::string_view segment, std::string* out) {
  if (segment.empty() || segment.find('=') != absl::string_view::npos) {
    return false;
  }
  return absl::WebSafeBase64Unescape(segment, out);
}

bool ParseObject(absl::string_view text, json* out) {
  *out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return out->is_object();
}

// A NumericDate claim; JWT allows non-integer seconds.
bool ReadSeconds(const json& claims, const char* name, double* out) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return false;
  *out = it->get<double>();
  return true;
}

}  // namespace

JwtVerdict JwtVerifier::Verify(absl::string_view token, int64_t now_s) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return JwtVerdict::kInvalid;

  std::string header_text, claims_text, signature;
  json header, claims;
  if (!DecodeSegment(parts[0], &header_text) ||
      !DecodeSegment(parts[1], &claims_text) ||
      !DecodeSegment(parts[2], &signature) ||
      !ParseObject(header_text, &header) ||
      !ParseObject(claims_text, &claims)) {
    return JwtVerdict::kInvalid;
  }
  // Pinning alg defeats the classic "alg": "none" downgrade.
  if (header.value("alg", "") != "HS256") return JwtVerdict::kInvalid;

  const std::string expected =
      HmacSha256(secret_key_, absl::StrCat(parts[0], ".", parts[1]));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return JwtVerdict::kInvalid;
  }
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() ||
      iss->get<std::string>() != access_key_) {
    return JwtVerdict::kInvalid;
  }
  double exp = 0;
  if (!ReadSeconds(claims, "exp", &exp)) return JwtVerdict::kInvalid;
  double nbf = 0;
  if (claims.contains("nbf")) {
    if (!ReadSeconds(claims, "nbf", &nbf)) return JwtVerdict::kInvalid;
    if (static_cast<double>(now_s) < nbf) return JwtVerdict::kNotYetValid;
  }
  if (static_cast<double>(now_s) >= exp) return JwtVerdict::kExpired;
  return JwtVerdict::kValid;
}

std::string MintKlingJwt(absl::string_view access_key,
                         absl::string_view secret_key, int64_t nbf_s,
                         int64_t exp_s) {
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const json claims = {
      {"iss", std::string(access_key)}, {"exp", exp_s}, {"nbf", nbf_s}};
  const std::string signing_input =
      absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                   absl::WebSafeBase64Escape(claims.dump()));
  return absl::StrCat(
      signing_input, ".",
      absl::WebSafeBase64Escape(HmacSha256(secret_key, signing_input)));
}

}  // namespace kling_sim
