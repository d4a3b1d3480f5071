#pragma once
// Running one CNI plugin binary: find it on the plugin path, set the CNI_* environment,
// feed the config on stdin, parse stdout (a result, or the spec's error object).
// Thread-safe; each call is a separate child process bounded by a timeout.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/error.h"

namespace orch::cni {

struct PluginEnv {
  std::string command;  // ADD, DEL, CHECK, GC, STATUS, VERSION
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS as K=V;K=V
  std::vector<std::string> path;                          // CNI_PATH, joined with ':'
};

// The first `dirs[i]/type` that is an executable file; ENOENT naming the dirs otherwise.
Result<std::string> findPlugin(const std::string& type, const std::vector<std::string>& dirs);

// The environment a plugin sees: ours without any CNI_* variable, plus `env`'s.
std::vector<std::string> pluginEnvironment(const PluginEnv& env);

struct ExecOutcome {
  // Parsed stdout on success (null when the plugin printed nothing).
  nlohmann::json output;
  // Set when the plugin failed: its error object, or one made up for a crash / bad output
  // (code 999) or a timeout (code 11, "timed out").
  std::optional<Error> error;
};

// Runs `binary` with `stdin_data`. Returns a Status only when the plugin could not be
// started; plugin failures come back in ExecOutcome::error.
Result<ExecOutcome> execPlugin(const std::string& binary, const PluginEnv& env,
                               const std::string& stdin_data, std::chrono::milliseconds timeout);

}  // namespace orch::cni
