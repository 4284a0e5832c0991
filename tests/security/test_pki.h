// A throwaway PKI made with the `openssl` CLI at test time (Debian package
// `openssl`): nothing secret is committed and nothing expires in the tree.
#ifndef LIPSYNC_TESTS_SECURITY_TEST_PKI_H_
#define LIPSYNC_TESTS_SECURITY_TEST_PKI_H_

#include <string>

namespace lipsync::security::testing_util {

struct TestPki {
  std::string ca_pem;       // CA that signed server and client
  std::string server_cert;  // CN/SAN localhost, 127.0.0.1
  std::string server_key;
  std::string client_cert;  // clientAuth, signed by ca_pem
  std::string client_key;
  std::string rogue_client_cert;  // clientAuth, signed by another CA
  std::string rogue_client_key;
};

// Writes the PKI's files into `dir` and returns their paths. Fails the
// calling test (and returns empty paths) if openssl fails; its output goes
// to `dir`/openssl.log.
TestPki MakeTestPki(const std::string& dir);

// The whole content of a file ("" if unreadable).
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace lipsync::security::testing_util

#endif  // LIPSYNC_TESTS_SECURITY_TEST_PKI_H_
