#pragma once
// The libcni result cache, byte-compatible with libcni so a runtime can switch between the
// two: <cache_dir>/results/<network>-<containerID>-<ifname> holding
// {"kind":"cniCacheV1","containerId","config"(base64 of the list bytes),"ifName",
//  "networkName","netns","cniArgs":[[k,v]...],"capabilityArgs",{...},"result"}.
// Writes are atomic (temp file + rename). Not synchronised across threads for one entry.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace orch::cni {

struct CacheEntry {
  std::string container_id;
  std::string ifname;
  std::string network_name;
  std::string netns;
  std::string config;  // raw network configuration bytes
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json result;  // null when none
};

class ResultCache {
 public:
  // `cache_dir` is libcni's CacheDir (default /var/lib/cni); entries go under results/.
  explicit ResultCache(std::string cache_dir) : dir_(std::move(cache_dir)) {}

  std::string path(const std::string& network, const std::string& container_id,
                   const std::string& ifname) const;
  Status write(const CacheEntry& e) const;
  // nullopt when there is no entry; EINVAL when it does not parse.
  Result<std::optional<CacheEntry>> read(const std::string& network,
                                         const std::string& container_id,
                                         const std::string& ifname) const;
  // Removing a missing entry is not an error.
  Status remove(const std::string& network, const std::string& container_id,
                const std::string& ifname) const;
  // Every parsable entry (of `network`, or of all networks when empty).
  Result<std::vector<CacheEntry>> list(const std::string& network) const;

  static nlohmann::json toJson(const CacheEntry& e);
  static Result<CacheEntry> fromJson(const nlohmann::json& j);

 private:
  std::string dir_;
};

}  // namespace orch::cni
