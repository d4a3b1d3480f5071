#include "agent/sync/lifecycle_hooks.h"

#include <thread>

#include "agent/prober/http_probe.h"
#include "agent/prober/probe_runner.h"

namespace orch::agent {

Status runLifecycleHook(CriRuntime& runtime, const api::LifecycleHandler& hook, const api::Pod& pod,
                        const api::Container& container, const std::string& container_id,
                        const std::string& pod_ip, std::chrono::seconds timeout) {
  const std::string where =
      " for Container \"" + container.name + "\" in Pod \"" + pod.metadata.name + "\"";
  if (hook.exec) {
    std::string cmd;
    for (const auto& a : hook.exec->command) cmd += (cmd.empty() ? "" : " ") + a;
    auto r = runtime.execSync(container_id, hook.exec->command, timeout);
    if (!r.ok())
      return Status::error(r.status().code(), "Exec lifecycle hook ([" + cmd + "])" + where +
                                                  " failed - error: " + r.status().message());
    if (r->exit_code != 0)
      return Status::error(EIO, "Exec lifecycle hook ([" + cmd + "])" + where +
                                    " failed - error: command '" + cmd + "' exited with " +
                                    std::to_string(r->exit_code) + ": , message: \"" +
                                    r->stdout_data + r->stderr_data + "\"");
    return Status::ok();
  }
  if (hook.httpGet) {
    ORCH_ASSIGN_OR_RETURN(int port, resolveContainerPort(hook.httpGet->port, container));
    HttpProbeRequest req{.scheme = hook.httpGet->scheme,
                         .host = hook.httpGet->host.empty() ? pod_ip : hook.httpGet->host,
                         .port = port,
                         .path = hook.httpGet->path,
                         .timeout = timeout};
    for (const auto& h : hook.httpGet->httpHeaders) req.headers.emplace_back(h.name, h.value);
    ProbeOutcome out = runHttpProbe(req);
    if (out.result == ProbeResult::kFailure || out.result == ProbeResult::kUnknown)
      return Status::error(EIO, "HTTP lifecycle hook (" + hook.httpGet->path + ")" + where +
                                    " failed - error: " + out.output);
    return Status::ok();
  }
  if (hook.sleep) {
    std::this_thread::sleep_for(
        std::min<std::chrono::seconds>(std::chrono::seconds(hook.sleep->seconds), timeout));
    return Status::ok();
  }
  return Status::invalid("lifecycle hook" + where + ": no handler (exec, httpGet or sleep) given");
}

}  // namespace orch::agent
