#pragma once
// Pushes images to a registry with the OCI distribution API (test support):
// HEAD /v2/<repo>/blobs/<digest> to skip what is there, POST /v2/<repo>/blobs/uploads/,
// PUT <upload location>?digest=<digest> with the whole blob, PUT /v2/<repo>/manifests/<ref>.
// Answers a Bearer challenge with a token from the realm (Basic credentials, scope
// pull,push), or a Basic challenge with the credentials.

#include <map>
#include <memory>
#include <string>

#include "common/client/http_client.h"
#include "test_images.h"

namespace orch::testing {

class RegistryPusher {
 public:
  // `ca_pem`: trust for an https base URL ("" = the system's).
  RegistryPusher(std::string base_url, std::string ca_pem, std::string user = "",
                 std::string password = "");
  Status pushBlob(const std::string& repo, const std::string& content);
  Status pushManifest(const std::string& repo, const std::string& reference,
                      const std::string& body, const std::string& media_type);
  // Every blob of `img`, then its manifest as repo:tag.
  Status pushImage(const std::string& repo, const std::string& tag, const TestImage& img);

 private:
  Result<client::HttpResponse> send(const std::string& repo, client::HttpRequest req,
                                    const std::string& origin = "");
  Result<client::HttpClient*> clientFor(const std::string& origin);

  std::string base_url_, ca_pem_, user_, password_;
  std::map<std::string, std::string> tokens_;  // repo → Authorization
  std::map<std::string, std::unique_ptr<client::HttpClient>> clients_;
};

// The busybox image of a docker-archive (config and layer as they are in the archive, the
// layer gzip-compressed), as a Docker schema 2 image ready to push.
Result<TestImage> imageFromDockerArchive(const std::string& tar_path);

}  // namespace orch::testing
