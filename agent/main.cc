// orch-agent: the kubelet of orch. Runs the Pods bound to its Node through a CRI runtime and
// reports them to the apiserver; see agent.h.
#include <malloc.h>

#include <csignal>
#include <cstdlib>

#include "agent/agent.h"
#include "agent/config/agent_flags.h"
#include "common/base/flags.h"
#include "common/base/log.h"
#include "common/base/signals.h"

int main(int argc, char** argv) {
  using namespace orch;
  // Two malloc arenas instead of glibc's 8 per core: the agent's many mostly idle threads
  // (pod workers, probes, informers) otherwise each keep an arena of freed memory
  // (measured: 1.4 MiB less anonymous memory with 100 pods; MALLOC_ARENA_MAX overrides).
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  CLI::App app{"orch-agent: the kubelet of orch"};
  flags::LoggingFlags logging;
  flags::addLoggingFlags(app, logging);
  agent::AgentFlags agent_flags;
  agent::addAgentFlags(app, agent_flags);
  if (int rc = flags::parse(app, argc, argv); rc >= 0) return rc;
  if (!flags::applyLoggingFlags(logging)) return 1;
  auto signals = SignalWatcher::create({SIGTERM, SIGINT});
  if (!signals.ok()) {
    log::error("signal setup failed", {{"error", signals.status().message()}});
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto config = agent::resolveAgentConfig(agent_flags, agent::explicitFlags(app));
  if (!config.ok()) {
    log::error("bad configuration", {{"error", config.status().message()}});
    return 1;
  }
  auto agent = agent::Agent::create(*config);
  if (!agent.ok()) {
    log::error("cannot start", {{"error", agent.status().message()}});
    return 1;
  }
  if (Status st = (*agent)->start(); !st.isOk()) {
    log::error("cannot start", {{"error", st.message()}});
    return 1;
  }
  log::info("running", {{"node", config->nodeName}, {"runtime", config->containerRuntimeEndpoint}});
  auto sig = signals->wait();
  log::info("shutting down", {{"signal", sig.ok() ? *sig : 0}});
  // Pods keep running: the runtime holds them, and a restarted agent adopts them.
  (*agent)->stop();
  return 0;
}
