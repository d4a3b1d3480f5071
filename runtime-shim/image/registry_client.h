#pragma once
// A client for one repository of an OCI distribution (v2) registry, on common/client's
// HttpClient (Boost.Beast; HTTPS verified against the system CA store, or plain HTTP for an
// http:// base URL):
//  - GET /v2/<repo>/manifests/<ref> asking for OCI indexes and manifests and Docker
//    manifest lists and v2 schema 2 manifests;
//  - GET /v2/<repo>/blobs/<digest>, following redirects (up to 5; credentials are sent
//    only to the registry's own origin), streamed into a BlobWriter;
//  - authentication on demand: a 401 with `WWW-Authenticate: Bearer realm=..,service=..,
//    scope=..` fetches a token from the realm (anonymously, or with Basic credentials, or
//    by a POST with the identity token), a 401 with `Basic` answers with the credentials;
//    a registry_token is sent as a Bearer token up front.
// Errors name the URL and the registry's answer: ENOENT for 404, EACCES for 401/403,
// EIO for other HTTP failures, transport errors as HttpClient reports them.
//
// Threads: one RegistryClient per pull, used by one thread.

#include <map>
#include <memory>
#include <string>

#include "common/client/http_client.h"
#include "runtime-shim/image/blob_store.h"
#include "runtime-shim/image/image_store.h"

namespace orch::shim {

struct FetchedManifest {
  std::string body;
  std::string media_type;  // Content-Type of the reply
  std::string digest;      // sha256 of body
};

class RegistryClient {
 public:
  // `base_url`: "https://registry-1.docker.io", "http://127.0.0.1:5000" (a path prefix is
  // allowed). `repository`: "library/busybox".
  RegistryClient(std::string base_url, std::string repository, RegistryAuth auth);
  ~RegistryClient();

  // `reference` is a tag or a digest; for a digest the body must hash to it (EBADMSG).
  Result<FetchedManifest> manifest(const std::string& reference);
  // Streams the blob into `writer` (which checks size and digest on finish()).
  Status blob(const std::string& digest, BlobWriter& writer);

  const std::string& baseUrl() const { return base_url_; }

 private:
  using Sink = std::function<bool(std::string_view)>;
  // Sends GET `path` (below the base URL), handling auth challenges and redirects. With a
  // sink the 2xx body is streamed to it, otherwise returned in the response.
  Result<client::HttpResponse> get(const std::string& path, const std::string& accept,
                                   const Sink* sink);
  Result<client::HttpClient*> clientFor(const std::string& origin);
  Status authenticate(const client::HttpResponse& challenge);
  Result<std::string> fetchToken(const std::map<std::string, std::string>& params);
  std::string basicCredentials() const;  // "user:password" or ""

  std::string base_url_;
  std::string origin_;  // of base_url_
  std::string prefix_;  // path prefix of base_url_, without trailing '/'
  std::string repository_;
  RegistryAuth auth_;
  std::string authorization_;  // current Authorization for origin_, or ""
  std::map<std::string, std::unique_ptr<client::HttpClient>> clients_;
};

}  // namespace orch::shim
