#include "tests/security/test_pki.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace lipsync::security::testing_util {
namespace {

constexpr char kExtensions[] = R"([server_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1

[client_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
)";

bool Run(const std::string& dir, const std::string& command) {
  const std::string full =
      absl::StrCat("cd '", dir, "' && ", command, " >>openssl.log 2>&1");
  return std::system(full.c_str()) == 0;
}

bool MakeCa(const std::string& dir, const std::string& name) {
  return Run(
      dir,
      absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                   "ec_paramgen_curve:P-256 -nodes -keyout ",
                   name, ".key -out ", name, ".pem -days 2 -subj '/CN=", name,
                   "' -addext basicConstraints=critical,CA:TRUE "
                   "-addext keyUsage=critical,keyCertSign,cRLSign"));
}

bool MakeLeaf(const std::string& dir, const std::string& ca,
              const std::string& name, const std::string& extensions) {
  return Run(
      dir,
      absl::StrCat("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                   "-nodes -keyout ",
                   name, ".key -out ", name, ".csr -subj '/CN=", name,
                   "' && openssl x509 -req -in ", name, ".csr -CA ", ca,
                   ".pem -CAkey ", ca, ".key -CAcreateserial -out ", name,
                   ".pem -days 2 -extfile ext.cnf -extensions ", extensions));
}

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TestPki MakeTestPki(const std::string& dir) {
  {
    std::ofstream ext(dir + "/ext.cnf");
    ext << kExtensions;
  }
  const bool ok = MakeCa(dir, "ca") && MakeCa(dir, "rogue_ca") &&
                  MakeLeaf(dir, "ca", "server", "server_ext") &&
                  MakeLeaf(dir, "ca", "client", "client_ext") &&
                  MakeLeaf(dir, "rogue_ca", "rogue_client", "client_ext");
  if (!ok) {
    ADD_FAILURE() << "openssl failed:\n"
                  << ReadFileOrEmpty(dir + "/openssl.log");
    return {};
  }
  auto path = [&](const char* name) { return absl::StrCat(dir, "/", name); };
  return TestPki{path("ca.pem"),          path("server.pem"),
                 path("server.key"),      path("client.pem"),
                 path("client.key"),      path("rogue_client.pem"),
                 path("rogue_client.key")};
}

}  // namespace lipsync::security::testing_util
