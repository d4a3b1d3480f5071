#include "runtime-shim/image/manifest.h"

#include <sys/utsname.h>

#include "runtime-shim/image/digest.h"

namespace orch::shim {

using nlohmann::json;

namespace {

bool isLayerMediaType(const std::string& mt) {
  static const char* const kKnown[] = {
      "application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.diff.tar",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  };
  for (const char* k : kKnown) {
    if (mt == k) return true;
  }
  return false;
}

// "application/vnd.oci.image.index.v1+json; charset=utf-8" → the part before ';'.
std::string bareType(const std::string& mt) {
  std::string t = mt.substr(0, mt.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace

Result<Descriptor> parseDescriptor(const json& j) {
  try {
    Descriptor d;
    d.media_type = j.value("mediaType", "");
    d.digest = j.at("digest").get<std::string>();
    d.size = j.at("size").get<uint64_t>();
    ORCH_RETURN_IF_ERROR(checkDigest(d.digest, "descriptor"));
    if (auto a = j.find("annotations"); a != j.end() && a->is_object()) {
      for (const auto& [k, v] : a->items()) {
        if (v.is_string()) d.annotations[k] = v.get<std::string>();
      }
    }
    if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
      d.has_platform = true;
      d.platform.os = p->value("os", "");
      d.platform.architecture = p->value("architecture", "");
      d.platform.variant = p->value("variant", "");
    }
    return d;
  } catch (const json::exception& e) {
    return Status::invalid(std::string("descriptor: ") + e.what());
  }
}

Result<ManifestKind> classifyManifest(const std::string& media_type, const json& doc) {
  if (!doc.is_object()) return Status::invalid("manifest: not a JSON object");
  std::string mt = bareType(media_type);
  if (mt.empty() || mt == "application/json" || mt == "application/octet-stream") {
    mt = doc.value("mediaType", "");
  }
  if (mt == media::kOciIndex || mt == media::kDockerList) return ManifestKind::kIndex;
  if (mt == media::kOciManifest || mt == media::kDockerManifest) return ManifestKind::kManifest;
  if (mt.empty()) {  // OCI allows omitting mediaType: tell by shape
    if (doc.contains("manifests")) return ManifestKind::kIndex;
    if (doc.contains("config") && doc.contains("layers")) return ManifestKind::kManifest;
  }
  if (doc.value("schemaVersion", 0) == 1) {
    return Status::error(EPROTONOSUPPORT, "Docker image manifest schema 1 is not supported");
  }
  return Status::error(EPROTONOSUPPORT, "unsupported manifest media type \"" + mt + "\"");
}

Result<std::vector<Descriptor>> parseIndex(const json& doc) {
  auto it = doc.find("manifests");
  if (it == doc.end() || !it->is_array()) return Status::invalid("index: no manifests array");
  std::vector<Descriptor> out;
  for (const auto& m : *it) {
    auto d = parseDescriptor(m);
    if (!d.ok()) return d.status().withContext("index");
    out.push_back(std::move(d).value());
  }
  return out;
}

Result<Manifest> parseManifest(const json& doc) {
  Manifest m;
  auto cfg = doc.find("config");
  auto layers = doc.find("layers");
  if (cfg == doc.end() || layers == doc.end() || !layers->is_array()) {
    return Status::invalid("manifest: needs config and layers");
  }
  auto c = parseDescriptor(*cfg);
  if (!c.ok()) return c.status().withContext("manifest config");
  m.config = std::move(c).value();
  if (!m.config.media_type.empty() && m.config.media_type != media::kOciConfig &&
      m.config.media_type != media::kDockerConfig) {
    return Status::error(EPROTONOSUPPORT, "manifest: not a container image (config media type \"" +
                                              m.config.media_type + "\")");
  }
  for (const auto& l : *layers) {
    auto d = parseDescriptor(l);
    if (!d.ok()) return d.status().withContext("manifest layer");
    if (!isLayerMediaType(d->media_type)) {
      return Status::error(EPROTONOSUPPORT,
                           "manifest: unsupported layer media type \"" + d->media_type + "\"");
    }
    m.layers.push_back(std::move(d).value());
  }
  return m;
}

Platform normalizePlatform(Platform p) {
  if (p.architecture == "x86_64" || p.architecture == "x86-64") p.architecture = "amd64";
  if (p.architecture == "aarch64") p.architecture = "arm64";
  if (p.architecture == "armhf" || p.architecture == "armel") p.architecture = "arm";
  if (p.architecture == "i386" || p.architecture == "i686") p.architecture = "386";
  if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
  if (p.architecture == "arm" && p.variant.empty()) p.variant = "v7";
  return p;
}

Platform hostPlatform() {
  utsname u{};
  ::uname(&u);
  Platform p = normalizePlatform({.os = "linux", .architecture = u.machine, .variant = ""});
  if (p.architecture == "arm64") p.variant.clear();  // any arm64 image runs here
  return p;
}

Result<Descriptor> selectPlatform(const std::vector<Descriptor>& manifests,
                                  const Platform& want_raw) {
  Platform want = want_raw;
  const bool any_variant = want.variant.empty();
  want = normalizePlatform(want);
  const Descriptor* best = nullptr;
  int best_score = -1;
  std::string offered;
  for (const auto& d : manifests) {
    if (!d.has_platform) continue;
    Platform p = normalizePlatform(d.platform);
    offered += (offered.empty() ? "" : ", ") + p.os + "/" + p.architecture +
               (p.variant.empty() ? "" : "/" + p.variant);
    if (p.os != want.os || p.architecture != want.architecture) continue;
    int score = 0;
    if (p.variant == want.variant) {
      score = 2;
    } else if (any_variant) {
      score = 1;
    } else {
      continue;
    }
    if (score > best_score) {
      best = &d;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return Status::notFound("no manifest for platform " + want.os + "/" + want.architecture +
                            (want.variant.empty() ? "" : "/" + want.variant) +
                            " (the index offers: " + (offered.empty() ? "none" : offered) + ")");
  }
  return *best;
}

}  // namespace orch::shim
