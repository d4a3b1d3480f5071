#include "agent/prober/probe_runner.h"

#include "agent/prober/grpc_probe.h"
#include "agent/prober/http_probe.h"
#include "agent/prober/tcp_probe.h"

namespace orch::agent {

api::Probe withProbeDefaults(api::Probe p) {
  if (p.timeoutSeconds <= 0) p.timeoutSeconds = kDefaultProbeTimeoutSeconds;
  if (p.periodSeconds <= 0) p.periodSeconds = kDefaultProbePeriodSeconds;
  if (p.successThreshold <= 0) p.successThreshold = kDefaultProbeSuccessThreshold;
  if (p.failureThreshold <= 0) p.failureThreshold = kDefaultProbeFailureThreshold;
  if (p.initialDelaySeconds < 0) p.initialDelaySeconds = 0;
  return p;
}

Result<int> resolveContainerPort(const api::IntOrString& port, const api::Container& container) {
  if (port.isInt()) {
    int v = port.intValue();
    if (v <= 0 || v > 65535) return Status::invalid("invalid port number " + std::to_string(v));
    return v;
  }
  for (const auto& p : container.ports) {
    if (p.name == port.strValue()) return static_cast<int>(p.containerPort);
  }
  return Status::notFound("couldn't find port \"" + port.strValue() + "\" in container \"" +
                          container.name + "\"");
}

ProbeOutcome ProbeRunner::run(const api::Probe& probe, const api::Container& container,
                              const std::string& pod_ip, const std::string& container_id) const {
  int32_t timeout_s = probe.timeoutSeconds > 0 ? probe.timeoutSeconds : kDefaultProbeTimeoutSeconds;
  std::chrono::seconds timeout(timeout_s);
  if (probe.exec) return runExecProbe(exec_, container_id, probe.exec->command, timeout);
  if (probe.httpGet) {
    const api::HTTPGetAction& a = *probe.httpGet;
    auto port = resolveContainerPort(a.port, container);
    if (!port.ok()) return {ProbeResult::kUnknown, port.status().message()};
    HttpProbeRequest req;
    req.scheme = a.scheme;
    req.host = a.host.empty() ? pod_ip : a.host;
    req.port = *port;
    req.path = a.path;
    for (const auto& h : a.httpHeaders) req.headers.emplace_back(h.name, h.value);
    req.timeout = timeout;
    req.user_agent = user_agent_;
    return runHttpProbe(req);
  }
  if (probe.tcpSocket) {
    auto port = resolveContainerPort(probe.tcpSocket->port, container);
    if (!port.ok()) return {ProbeResult::kUnknown, port.status().message()};
    const std::string& host = probe.tcpSocket->host.empty() ? pod_ip : probe.tcpSocket->host;
    return runTcpProbe(host, *port, timeout);
  }
  if (probe.grpc) {
    return runGrpcProbe(pod_ip, probe.grpc->port, probe.grpc->service.value_or(""), timeout,
                        user_agent_);
  }
  return {ProbeResult::kUnknown, "missing probe handler"};
}

}  // namespace orch::agent
