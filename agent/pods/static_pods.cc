#include "agent/pods/static_pods.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/api/codec.h"
#include "common/api/yaml_json.h"
#include "common/base/file_util.h"
#include "controlplane/apiserver/validation/field_errors.h"
#include "controlplane/apiserver/validation/kind_rules.h"

namespace orch::agent {

namespace {

std::string sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr) != 1) std::abort();
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool isManifestName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (const char* ext : {".yaml", ".yml", ".json"})
    if (name.size() > strlen(ext) &&
        name.compare(name.size() - strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

Result<api::Pod> staticPodFromJson(const std::string& text, const std::string& source,
                                   const std::string& node_name);

}  // namespace

Result<api::Pod> staticPodFromManifest(const std::string& text, const std::string& source,
                                       const std::string& node_name) {
  try {
    return staticPodFromJson(text, source, node_name);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong JSON type somewhere (metadata: 3, spec: "x").
    return Status::invalid(std::string("manifest: ") + e.what());
  }
}

namespace {

Result<api::Pod> staticPodFromJson(const std::string& text, const std::string& source,
                                   const std::string& node_name) {
  ORCH_ASSIGN_OR_RETURN(api::Json j, api::yamlToJson(text));
  if (!j.is_object() || j.value("kind", "") != "Pod")
    return Status::invalid("kind: a static pod manifest must hold one Pod");
  auto& meta = j["metadata"];
  if (!meta.is_object() || meta.value("name", "").empty())
    return Status::invalid("metadata.name: required");
  meta["name"] = meta["name"].get<std::string>() + "-" + node_name;
  if (meta.value("namespace", "").empty()) meta["namespace"] = "default";
  j["spec"]["nodeName"] = node_name;
  const auto* rules = apiserver::kindRulesFor("", "Pod");
  ORCH_RETURN_IF_ERROR(rules->applyDefaults(j));
  auto errors = rules->validateCreate(j);
  if (!errors.empty()) return Status::invalid(apiserver::aggregateMessage(errors));
  // applyDefaults may rebuild the object: `meta` is not used past it.
  std::string hash = sha256Hex(source + "\n" + j.dump()).substr(0, 32);
  j["metadata"]["uid"] = hash;
  j["metadata"]["annotations"][kConfigHashAnnotation] = hash;
  j["metadata"]["annotations"][kConfigSourceAnnotation] = "file";
  return api::decode<api::Pod>(j);
}

}  // namespace

StaticPodScan readStaticPods(const std::string& dir, const std::string& node_name) {
  StaticPodScan out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && isManifestName(entry.path().filename()))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto text = readFile(f);
    auto pod =
        text.ok() ? staticPodFromManifest(*text, f, node_name) : Result<api::Pod>(text.status());
    if (pod.ok())
      out.pods.push_back(std::move(*pod));
    else
      out.errors.emplace_back(f, pod.status().message());
  }
  return out;
}

bool isStaticPod(const api::Pod& pod) {
  auto it = pod.metadata.annotations.find(kConfigSourceAnnotation);
  return it != pod.metadata.annotations.end() && it->second == "file";
}

bool isMirrorPod(const api::Pod& pod) {
  return pod.metadata.annotations.count(kConfigMirrorAnnotation) > 0;
}

api::Pod mirrorPodOf(const api::Pod& static_pod, const std::string& node_uid) {
  api::Pod mirror = static_pod;
  mirror.metadata.uid.clear();
  mirror.metadata.resourceVersion.clear();
  mirror.metadata.annotations[kConfigMirrorAnnotation] =
      static_pod.metadata.annotations.at(kConfigHashAnnotation);
  api::OwnerReference owner;
  owner.apiVersion = "v1";
  owner.kind = "Node";
  owner.name = static_pod.spec.nodeName;
  owner.uid = node_uid;
  owner.controller = true;
  mirror.metadata.ownerReferences = {owner};
  mirror.status = api::PodStatus();
  return mirror;
}

}  // namespace orch::agent
