#pragma once
// Authentication as kube-apiserver does it, for the two mechanisms orch supports:
//  - x509 client certificates verified against --client-ca-file: user = subject CN,
//    groups = every subject O;
//  - static bearer tokens from --token-auth-file, a CSV file of lines
//    `token,user,uid[,"group1,group2"]` (extra columns are ignored, as upstream).
// Every authenticated user also gets the group "system:authenticated".
//
// Threads: a TokenAuthenticator is immutable after load and may be shared by any threads.

#include <openssl/x509.h>

#include <map>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/http.h"

namespace orch::apiserver {

inline constexpr const char* kAuthenticatedGroup = "system:authenticated";

class TokenAuthenticator {
 public:
  TokenAuthenticator() = default;
  // Parses the text of a token file. `source` names it in errors. A malformed line (fewer
  // than 3 columns, an unterminated quote) is EINVAL naming the line: "tokens.csv line 3:
  // ...". Empty lines are skipped; so are records with an empty token. A repeated token keeps
  // the last line.
  static Result<TokenAuthenticator> parse(const std::string& text,
                                          const std::string& source = "token file");
  // Reads and parses `path`.
  static Result<TokenAuthenticator> load(const std::string& path);

  // The user of `token`, if it is known.
  std::optional<UserInfo> authenticate(const std::string& token) const;
  size_t size() const { return users_.size(); }

 private:
  std::map<std::string, UserInfo> users_;
};

// Splits one CSV record (RFC 4180 quoting: "a,b" and "" for a quote inside quotes). EINVAL
// for an unterminated quoted field or a quote in the middle of an unquoted field.
Result<std::vector<std::string>> splitCsvRecord(const std::string& line);

// The user of a verified client certificate: CN and every O of its subject. EINVAL when the
// subject has no CN.
Result<UserInfo> userFromCertificate(X509* cert);
// The same for a PEM certificate (tests, tools).
Result<UserInfo> userFromCertificatePem(const std::string& pem);

// The token of an "Authorization: Bearer <token>" header value, or nullopt.
std::optional<std::string> bearerToken(const std::string& authorization);

}  // namespace orch::apiserver
