#pragma once
// The image store of orch-shim: content-addressed blobs (sha256), layers unpacked once
// and shared by every image that uses them, and image records (config, tags, digests).
//
// Layout under `<root>` (orch-shim uses `<state-dir>/images`): kept as plain files so that
// several processes (a serving orch-shim and `orch-shim import`) can use one store; writers
// take `<root>/lock` (flock), readers see a record only once it is complete (atomic
// renames). Nothing half-done is ever visible: a failed pull or import leaves no record and
// no partial layer.
//
//   <root>/blobs/sha256/<hex>     configs, manifests, layer blobs (verified on the way in)
//   <root>/layers/<chain ID hex>  one unpacked layer each (an overlay lowerdir), shared
//   <root>/images/<id hex>.json   image records;  <root>/refs.json  tag/digest → id
//   <root>/tmp/                   work in progress (leftovers of dead processes are GCed)
// Pulls download without the lock and take it only to store the verified result.
//
// Errors (Status codes): EINVAL malformed reference or document; ENOENT unknown manifest
// or tag (HTTP 404); EACCES refused credentials (401/403); EBADMSG content not matching its
// digest, or a corrupt archive; EPROTO TLS failures; EPROTONOSUPPORT schema 1 and foreign
// media types; transport errnos (ECONNREFUSED, ETIMEDOUT, ...) otherwise.
//
// Threads: all methods may be called concurrently.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct ImageRecord {
  std::string id;                         // "sha256:<hex of the config blob>"
  std::vector<std::string> repo_tags;     // normalized: "docker.io/library/busybox:latest"
  std::vector<std::string> repo_digests;  // "docker.io/library/busybox@sha256:<manifest>"
  uint64_t size = 0;                      // bytes of the (compressed) layers
  nlohmann::json config;                  // the image config's "config" object (Env, Cmd, ...)
  std::vector<std::string> layer_dirs;    // absolute unpacked layer dirs, bottom layer first
};

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string auth;            // base64 "user:password" (alternative to the two above)
  std::string identity_token;  // OAuth2 refresh token
  std::string registry_token;  // bearer token used as is
};

struct PullOptions {
  RegistryAuth auth;
  // Registry host → base URL to use instead ("docker.io" → "http://127.0.0.1:5000").
  std::map<std::string, std::string> mirrors;
  // Hosts spoken to over plain HTTP.
  std::vector<std::string> insecure;
  std::string os = "linux";
  std::string architecture;  // empty = this machine's (GOARCH names: amd64, arm64, ...)
  std::string variant;       // empty = any ("v8" is assumed for arm64, "v7" for arm)
};

struct ImageStoreOptions {
  // Unpack layers with root's powers: overlayfs whiteouts (mknod), opaque dirs (trusted.*
  // xattrs), device nodes and file ownership. Without it those are skipped (see
  // layer_unpack.h); only useful for tests that run unprivileged.
  bool privileged = true;
};

struct FsUsage {
  std::string mountpoint;  // the store's root
  uint64_t used_bytes = 0;
  uint64_t inodes_used = 0;
};

// Normalizes a reference as containerd does: "busybox" → "docker.io/library/busybox:latest",
// "foo/bar@sha256:..." → "docker.io/foo/bar@sha256:...". EINVAL for malformed ones.
Result<std::string> normalizeReference(const std::string& ref);

class ImageStore {
 public:
  // Opens (creating) a store rooted at `root`; privileged when running as root.
  static Result<std::unique_ptr<ImageStore>> open(const std::string& root);
  static Result<std::unique_ptr<ImageStore>> open(const std::string& root,
                                                  const ImageStoreOptions& opts);
  virtual ~ImageStore() = default;

  virtual Result<std::vector<ImageRecord>> list() = 0;
  // By normalized tag, by digest reference, by id ("sha256:..."), or by a unique id prefix.
  // nullopt when no image matches.
  virtual Result<std::optional<ImageRecord>> find(const std::string& ref_or_id) = 0;
  // Imports a docker-archive (`docker save`) or OCI image-layout tarball; returns the images
  // it held (tags from the archive, normalized). Retagging moves a tag to the new image.
  virtual Result<std::vector<ImageRecord>> importArchive(const std::string& tar_path) = 0;
  // Pulls `ref` from its registry (OCI distribution API); the result is tagged `ref`
  // (normalized) and carries its repo digest.
  virtual Result<ImageRecord> pull(const std::string& ref, const PullOptions& opts) = 0;
  // Removes the image (all its tags) and the blobs and layers no other image uses.
  // ok when it does not exist (CRI's RemoveImage is idempotent).
  virtual Status remove(const std::string& ref_or_id) = 0;
  virtual Result<FsUsage> usage() = 0;
};

}  // namespace orch::shim
