#include "common/cni/exec.h"

#include <sys/stat.h>
#include <unistd.h>

#include "common/base/process.h"

extern char** environ;

namespace orch::cni {

Result<std::string> findPlugin(const std::string& type, const std::vector<std::string>& dirs) {
  std::string tried;
  for (const auto& d : dirs) {
    if (d.empty()) continue;
    std::string p = d + "/" + type;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0) {
      return p;
    }
    tried += (tried.empty() ? "" : ":") + d;
  }
  return Status::notFound("failed to find plugin \"" + type + "\" in path [" + tried + "]");
}

std::vector<std::string> pluginEnvironment(const PluginEnv& env) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    if (std::string_view(*e).starts_with("CNI_")) continue;
    out.emplace_back(*e);
  }
  std::string args;
  for (const auto& [k, v] : env.args) args += (args.empty() ? "" : ";") + k + "=" + v;
  std::string path;
  for (const auto& p : env.path) path += (path.empty() ? "" : ":") + p;
  out.push_back("CNI_COMMAND=" + env.command);
  out.push_back("CNI_CONTAINERID=" + env.container_id);
  out.push_back("CNI_NETNS=" + env.netns);
  out.push_back("CNI_IFNAME=" + env.ifname);
  out.push_back("CNI_ARGS=" + args);
  out.push_back("CNI_PATH=" + path);
  return out;
}

Result<ExecOutcome> execPlugin(const std::string& binary, const PluginEnv& env,
                               const std::string& stdin_data, std::chrono::milliseconds timeout) {
  ProcessOptions opts;
  opts.argv = {binary};
  opts.env = pluginEnvironment(env);
  opts.pipe_stdin = true;
  opts.pipe_stdout = true;
  opts.pipe_stderr = true;
  auto run = runProcess(std::move(opts), stdin_data, timeout);
  if (!run.ok()) return run.status().withContext("run plugin " + binary);
  ExecOutcome out;
  if (run->timed_out) {
    out.error =
        Error{kErrTryAgainLater, "plugin " + binary + " " + env.command + " timed out", run->err};
    return out;
  }
  nlohmann::json parsed;
  bool parse_ok = true;
  if (!run->out.empty()) {
    try {
      parsed = nlohmann::json::parse(run->out);
    } catch (const nlohmann::json::exception&) {
      parse_ok = false;
    }
  }
  if (run->exit_code != 0) {
    if (auto e = Error::fromJson(parsed)) {
      out.error = *e;
    } else {
      std::string how = run->exit_code >= 0
                            ? "exited with status " + std::to_string(run->exit_code)
                            : "killed by signal " + std::to_string(run->term_signal);
      out.error = Error{kErrInternal, "plugin " + binary + " " + how,
                        run->err.empty() ? run->out : run->err};
    }
    return out;
  }
  if (!parse_ok) {
    out.error = Error{kErrDecodingFailure, "plugin " + binary + " printed invalid JSON", run->out};
    return out;
  }
  out.output = std::move(parsed);
  return out;
}

}  // namespace orch::cni
