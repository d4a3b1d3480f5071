#pragma once
// A throwaway PKI for TLS tests, made with the OpenSSL library: a CA, a server certificate for
// 127.0.0.1 / localhost, and a client certificate, written as PEM files into `dir`.

#include <string>

#include "common/base/status.h"

namespace orch::store::testing {

struct TestPki {
  std::string ca_cert;
  std::string server_cert, server_key;
  std::string client_cert, client_key;
};

Result<TestPki> makeTestPki(const std::string& dir);

}  // namespace orch::store::testing
