#pragma once
// Probes and lifecycle hooks (core/v1 Probe, Lifecycle and their handlers).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/int_or_string.h"
#include "common/api/json_io.h"

namespace orch::api {

struct ExecAction {
  std::vector<std::string> command;
  Json unknown_fields;
};

struct HTTPHeader {
  std::string name, value;
  Json unknown_fields;
};

struct HTTPGetAction {
  std::string path;
  IntOrString port;    // number or named container port
  std::string host;    // defaults to the pod IP
  std::string scheme;  // HTTP or HTTPS
  std::vector<HTTPHeader> httpHeaders;
  Json unknown_fields;
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;
  Json unknown_fields;
};

struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;
  Json unknown_fields;
};

struct SleepAction {
  int64_t seconds = 0;
  Json unknown_fields;
};

struct Probe {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  std::optional<GRPCAction> grpc;
  int32_t initialDelaySeconds = 0;  // each omitted when 0; the server defaults the rest
  int32_t timeoutSeconds = 0;
  int32_t periodSeconds = 0;
  int32_t successThreshold = 0;
  int32_t failureThreshold = 0;
  std::optional<int64_t> terminationGracePeriodSeconds;
  Json unknown_fields;
};

struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  std::optional<SleepAction> sleep;
  Json unknown_fields;
};

struct Lifecycle {
  std::optional<LifecycleHandler> postStart, preStop;
  Json unknown_fields;
};

ORCH_API_CODEC(ExecAction);
ORCH_API_CODEC(HTTPHeader);
ORCH_API_CODEC(HTTPGetAction);
ORCH_API_CODEC(TCPSocketAction);
ORCH_API_CODEC(GRPCAction);
ORCH_API_CODEC(SleepAction);
ORCH_API_CODEC(Probe);
ORCH_API_CODEC(LifecycleHandler);
ORCH_API_CODEC(Lifecycle);

}  // namespace orch::api
