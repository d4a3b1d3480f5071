#include "common/cni/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/base64.h"
#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::cni {
namespace {

using nlohmann::json;

}  // namespace

std::string ResultCache::path(const std::string& network, const std::string& container_id,
                              const std::string& ifname) const {
  return dir_ + "/results/" + network + "-" + container_id + "-" + ifname;
}

json ResultCache::toJson(const CacheEntry& e) {
  json j = json::object();
  j["kind"] = "cniCacheV1";
  j["containerId"] = e.container_id;
  j["config"] = base64Encode(e.config);
  j["ifName"] = e.ifname;
  j["networkName"] = e.network_name;
  if (!e.netns.empty()) j["netns"] = e.netns;
  if (!e.cni_args.empty()) {
    json a = json::array();
    for (const auto& [k, v] : e.cni_args) a.push_back(json::array({k, v}));
    j["cniArgs"] = std::move(a);
  }
  if (e.capability_args.is_object() && !e.capability_args.empty()) {
    j["capabilityArgs"] = e.capability_args;
  }
  if (!e.result.is_null()) j["result"] = e.result;
  return j;
}

Result<CacheEntry> ResultCache::fromJson(const json& j) {
  if (!j.is_object()) return Status::invalid("cache entry must be an object");
  auto str = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("kind") != "cniCacheV1") return Status::invalid("cache entry kind is not cniCacheV1");
  CacheEntry e;
  e.container_id = str("containerId");
  e.ifname = str("ifName");
  e.network_name = str("networkName");
  e.netns = str("netns");
  auto cfg = base64Decode(str("config"));
  if (!cfg.ok()) return cfg.status().withContext("config");
  e.config = *cfg;
  if (auto it = j.find("cniArgs"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string()) {
        return Status::invalid("cniArgs must be [[key, value], ...]");
      }
      e.cni_args.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
    }
  }
  if (auto it = j.find("capabilityArgs"); it != j.end() && it->is_object()) {
    e.capability_args = *it;
  }
  if (auto it = j.find("result"); it != j.end()) e.result = *it;
  return e;
}

Status ResultCache::write(const CacheEntry& e) const {
  std::string dir = dir_ + "/results";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error(ec.value(), "create " + dir);
  return writeFileAtomic(path(e.network_name, e.container_id, e.ifname), toJson(e).dump(), 0600);
}

Result<std::optional<CacheEntry>> ResultCache::read(const std::string& network,
                                                    const std::string& container_id,
                                                    const std::string& ifname) const {
  std::string p = path(network, container_id, ifname);
  auto text = readFile(p);
  if (!text.ok()) {
    if (text.status().code() == ENOENT) return std::optional<CacheEntry>();
    return text.status();
  }
  try {
    auto e = fromJson(json::parse(*text));
    if (!e.ok()) return e.status().withContext(p);
    return std::optional<CacheEntry>(std::move(e).value());
  } catch (const json::exception& ex) {
    return Status::invalid(p + ": " + ex.what());
  }
}

Status ResultCache::remove(const std::string& network, const std::string& container_id,
                           const std::string& ifname) const {
  std::string p = path(network, container_id, ifname);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return Status::fromErrno("remove " + p);
  return Status::ok();
}

Result<std::vector<CacheEntry>> ResultCache::list(const std::string& network) const {
  std::vector<CacheEntry> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_ + "/results", ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return Status::error(ec.value(), "read " + dir_ + "/results");
  }
  for (const auto& f : it) {
    if (!f.is_regular_file(ec)) continue;
    auto text = readFile(f.path().string());
    if (!text.ok()) continue;
    try {
      auto e = fromJson(json::parse(*text));
      // Entries that do not parse are not ours to judge; skip them (as libcni does).
      if (!e.ok()) continue;
      if (!network.empty() && e->network_name != network) continue;
      out.push_back(std::move(e).value());
    } catch (const json::exception&) {
      continue;
    }
  }
  return out;
}

}  // namespace orch::cni
