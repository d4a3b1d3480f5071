#pragma once
// OCI image-spec and Docker distribution documents: descriptors, indexes (manifest
// lists), manifests, and platform selection from an index.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

namespace media {
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
// What a registry is asked for (the Accept header of a manifest GET).
inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  uint64_t size = 0;
  std::map<std::string, std::string> annotations;
  bool has_platform = false;
  Platform platform;
};

struct Manifest {
  Descriptor config;
  std::vector<Descriptor> layers;
};

enum class ManifestKind { kIndex, kManifest };

Result<Descriptor> parseDescriptor(const nlohmann::json& j);
// Tells an index from a manifest by the media type (the Content-Type of a registry reply,
// or the descriptor's) and by the document's own mediaType / fields. EPROTONOSUPPORT for
// Docker schema 1 and anything else.
Result<ManifestKind> classifyManifest(const std::string& media_type, const nlohmann::json& doc);
Result<std::vector<Descriptor>> parseIndex(const nlohmann::json& doc);
// Checks the layer media types (tar, gzip, zstd; OCI and Docker names).
Result<Manifest> parseManifest(const nlohmann::json& doc);

// This machine's platform in GOOS/GOARCH terms ("linux", "amd64", "").
Platform hostPlatform();
// GOARCH names ("x86_64" → "amd64", "aarch64" → "arm64") and default variants
// (arm64 → "v8", arm → "v7").
Platform normalizePlatform(Platform p);
// The manifest of `want` in an index: os and architecture must match; the variant too
// when `want` names one (an index entry without a variant counts as the default one).
// Among several matches, an exact variant wins, then the first. ENOENT listing what the
// index offers when none matches.
Result<Descriptor> selectPlatform(const std::vector<Descriptor>& manifests, const Platform& want);

}  // namespace orch::shim
