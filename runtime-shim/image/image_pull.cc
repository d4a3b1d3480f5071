#include "runtime-shim/image/image_pull.h"

#include <algorithm>

#include "common/base/file_util.h"
#include "runtime-shim/image/manifest.h"
#include "runtime-shim/image/reference.h"
#include "runtime-shim/image/registry_client.h"
#include "runtime-shim/image/store_fs.h"

namespace orch::shim {

using nlohmann::json;

namespace {

constexpr uint64_t kMaxConfigBytes = 16u << 20;

std::vector<std::string> endpoints(const Reference& ref, const PullOptions& opts) {
  const bool insecure =
      std::find(opts.insecure.begin(), opts.insecure.end(), ref.domain) != opts.insecure.end();
  std::vector<std::string> out;
  if (auto m = opts.mirrors.find(ref.domain); m != opts.mirrors.end() && !m->second.empty()) {
    std::string url = m->second;
    if (url.find("://") == std::string::npos) url = (insecure ? "http://" : "https://") + url;
    out.push_back(url);
  }
  std::string host = ref.domain == "docker.io" ? "registry-1.docker.io" : ref.domain;
  out.push_back((insecure ? "http://" : "https://") + host);
  return out;
}

class Puller {
 public:
  Puller(LocalImageStore& store, const Reference& ref, const PullOptions& opts,
         const TempTree& staging)
      : store_(store), ref_(ref), opts_(opts), staging_(staging) {}

  // Pulls through `client` given the manifest the reference resolved to.
  Result<ImageRecord> run(RegistryClient& client, const FetchedManifest& top, bool reuse_blobs) {
    StagedImage img;
    FetchedManifest current = top;
    ORCH_RETURN_IF_ERROR(keepManifest(current, img));
    std::optional<Manifest> manifest;
    for (int depth = 0; depth < 4 && !manifest; ++depth) {
      json doc = json::parse(current.body, nullptr, false);
      if (doc.is_discarded()) return Status::invalid("manifest " + current.digest + ": not JSON");
      auto kind = classifyManifest(current.media_type, doc);
      if (!kind.ok()) return kind.status().withContext("manifest " + current.digest);
      if (*kind == ManifestKind::kManifest) {
        auto m = parseManifest(doc);
        if (!m.ok()) return m.status().withContext("manifest " + current.digest);
        manifest = std::move(m).value();
        break;
      }
      auto index = parseIndex(doc);
      if (!index.ok()) return index.status().withContext("index " + current.digest);
      Platform want{.os = opts_.os.empty() ? "linux" : opts_.os,
                    .architecture = opts_.architecture,
                    .variant = opts_.variant};
      if (want.architecture.empty()) {
        Platform host = hostPlatform();
        want.architecture = host.architecture;
        if (want.variant.empty()) want.variant = host.variant;
      }
      auto chosen = selectPlatform(*index, want);
      if (!chosen.ok()) return chosen.status().withContext("index " + current.digest);
      ORCH_ASSIGN_OR_RETURN(current, client.manifest(chosen->digest));
      ORCH_RETURN_IF_ERROR(keepManifest(current, img));
    }
    if (!manifest) return Status::invalid("indexes nested too deeply");

    if (manifest->config.size > kMaxConfigBytes) {
      return Status::invalid("image config " + manifest->config.digest + " is too large");
    }
    ORCH_ASSIGN_OR_RETURN(std::string config_file, fetch(client, manifest->config));
    ORCH_ASSIGN_OR_RETURN(img.config_json, readFile(config_file));
    for (const auto& l : manifest->layers) {
      StagedLayer s{.digest = l.digest, .media_type = l.media_type, .size = l.size, .path = ""};
      if (!reuse_blobs || !store_.blobs().has(l.digest)) {
        ORCH_ASSIGN_OR_RETURN(s.path, fetch(client, l));
      }
      img.layers.push_back(std::move(s));
    }
    if (ref_.digest.empty()) img.refs.push_back(ref_.string());
    img.refs.push_back(ref_.withDigest(top.digest));
    return store_.commit(img);
  }

 private:
  Status keepManifest(const FetchedManifest& m, StagedImage& img) {
    std::string path = staging_.path() + "/" + digestHex(m.digest);
    ORCH_RETURN_IF_ERROR(writeFile(path, m.body));
    img.manifests.push_back(StagedBlob{.digest = m.digest, .path = path});
    return Status::ok();
  }

  Result<std::string> fetch(RegistryClient& client, const Descriptor& d) {
    ORCH_ASSIGN_OR_RETURN(BlobWriter w, BlobWriter::create(staging_.path(), d.digest, d.size));
    ORCH_RETURN_IF_ERROR(client.blob(d.digest, w));
    return w.finish();
  }

  LocalImageStore& store_;
  const Reference& ref_;
  const PullOptions& opts_;
  const TempTree& staging_;
};

}  // namespace

Result<ImageRecord> pullImage(LocalImageStore& store, const std::string& ref_text,
                              const PullOptions& opts) {
  auto parsed = parseReference(ref_text);
  if (!parsed.ok()) return parsed.status().withContext("pull");
  const Reference& ref = *parsed;
  const std::string what = "pull " + ref.string();
  const std::string reference = ref.digest.empty() ? ref.tag : ref.digest;
  // A second round (without reusing the store's blobs) when a blob counted on vanished.
  for (int round = 0; round < 2; ++round) {
    std::string failures;
    int code = 0;
    bool again = false;
    for (const auto& base : endpoints(ref, opts)) {
      auto staging = TempTree::create(store.tmpDir(), "pull");
      if (!staging.ok()) return staging.status().withContext(what);
      RegistryClient client(base, ref.path, opts.auth);
      auto top = client.manifest(reference);
      if (!top.ok()) {  // try the next endpoint
        failures += (failures.empty() ? "" : "; ") + top.status().message();
        if (code == 0) code = top.status().code();
        continue;
      }
      Puller puller(store, ref, opts, *staging);
      auto rec = puller.run(client, *top, round == 0);
      if (!rec.ok() && rec.status().code() == EAGAIN && round == 0) {
        again = true;
        break;
      }
      if (!rec.ok()) return rec.status().withContext(what + " from " + base);
      return rec;
    }
    if (!again) return Status::error(code != 0 ? code : EIO, what + ": " + failures);
  }
  return Status::error(EAGAIN, what + ": the store kept changing underneath");
}

}  // namespace orch::shim
