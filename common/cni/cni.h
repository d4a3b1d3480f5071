#pragma once
// The CNI invocation library a runtime uses (orch's libcni): runs a network configuration
// list's plugins as a chain. ADD passes each plugin the previous one's result as prevResult
// and caches the final result (libcni's cache layout, see cache.h); DEL runs the chain in
// reverse with the cached result, then drops the cache entry; CHECK uses the cached result;
// GC deletes cached attachments that are no longer valid and (1.1.0+) sends GC with
// cni.dev/valid-attachments; STATUS asks each plugin (1.1.0+). Capability args reach a
// plugin's runtimeConfig only when the plugin declares the capability.
//
// Errors: a plugin's CNI error becomes Status via Error::toStatus ("<plugin> ADD: code 11:
// msg"); EAGAIN for code 11. Thread-safe for different (network, container, ifname) keys.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/cache.h"
#include "common/cni/conf.h"
#include "common/cni/result.h"

namespace orch::cni {

struct RuntimeConf {
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS
  // {"portMappings": [...], "ipRanges": [...], "mac": "...", ...}
  nlohmann::json capability_args = nlohmann::json::object();
};

struct GcAttachment {
  std::string container_id;
  std::string ifname;
  bool operator==(const GcAttachment&) const = default;
};

struct VersionInfo {
  std::string cni_version;
  std::vector<std::string> supported_versions;
};

// The config one plugin of `list` sees: its own object plus name, cniVersion, prevResult
// (when not null) and runtimeConfig with the declared capabilities found in `rt`.
nlohmann::json buildPluginConfig(const NetworkConfigList& list, const PluginConf& plugin,
                                 const nlohmann::json& prev_result, const RuntimeConf& rt);

class CniConfig {
 public:
  struct Options {
    std::vector<std::string> plugin_dirs = {"/opt/cni/bin"};
    std::string cache_dir = "/var/lib/cni";
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // per plugin call
  };
  explicit CniConfig(Options opts) : opts_(std::move(opts)), cache_(opts_.cache_dir) {}

  Result<CniResult> addNetworkList(const NetworkConfigList& list, const RuntimeConf& rt);
  Status delNetworkList(const NetworkConfigList& list, const RuntimeConf& rt);
  Status checkNetworkList(const NetworkConfigList& list, const RuntimeConf& rt);
  Status gcNetworkList(const NetworkConfigList& list, const std::vector<GcAttachment>& valid);
  Status getStatusNetworkList(const NetworkConfigList& list);
  Result<VersionInfo> getVersionInfo(const std::string& plugin_type);
  // The cached ADD result, nullopt when none.
  Result<std::optional<CniResult>> getCachedResult(const NetworkConfigList& list,
                                                   const RuntimeConf& rt) const;
  const ResultCache& cache() const { return cache_; }

 private:
  Result<nlohmann::json> invoke(const NetworkConfigList& list, const PluginConf& plugin,
                                const std::string& command, const nlohmann::json& config,
                                const RuntimeConf& rt);

  Options opts_;
  ResultCache cache_;
};

}  // namespace orch::cni
