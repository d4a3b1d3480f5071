#pragma once
// Runs CNI plugin binaries the way a runtime does (CNI_* environment, config on stdin),
// for the cni integration tests and bench/cni.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/base/process.h"

namespace orch::testing {

struct PluginRun {
  int exit_code = -1;
  std::string out;
  nlohmann::json json;  // stdout parsed (null when empty or not JSON)
};

struct PluginCall {
  std::string command = "ADD";
  std::string container_id = "c";
  std::string netns = "/run/netns/none";
  std::string ifname = "eth0";
  std::string args;
  std::string path = "/opt/cni/bin";
};

inline std::vector<std::string> pluginEnv(const PluginCall& c) {
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) env.push_back(std::string(k) + "=" + v);
  };
  add("CNI_COMMAND", c.command);
  add("CNI_CONTAINERID", c.container_id);
  add("CNI_NETNS", c.netns);
  add("CNI_IFNAME", c.ifname);
  add("CNI_ARGS", c.args);
  add("CNI_PATH", c.path);
  return env;
}

inline PluginRun runPlugin(const std::string& binary, const PluginCall& call,
                           const std::string& config) {
  ProcessOptions o;
  o.argv = {binary};
  o.env = pluginEnv(call);
  o.pipe_stdin = true;
  o.pipe_stdout = true;
  o.pipe_stderr = true;
  PluginRun r;
  auto res = runProcess(std::move(o), config, std::chrono::seconds(30));
  if (!res.ok()) {
    r.out = res.status().message();
    return r;
  }
  r.exit_code = res->exit_code;
  r.out = res->out;
  try {
    if (!r.out.empty()) r.json = nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception&) {
  }
  return r;
}

}  // namespace orch::testing
