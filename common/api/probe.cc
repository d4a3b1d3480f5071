#include "common/api/probe.h"

namespace orch::api {

ORCH_API_FIELDS(ExecAction) {
  return f("command", v.command);
}

ORCH_API_FIELDS(HTTPHeader) {
  ORCH_F(f.always("name", v.name));
  return f.always("value", v.value);
}

ORCH_API_FIELDS(HTTPGetAction) {
  ORCH_F(f("path", v.path));
  ORCH_F(f.always("port", v.port));
  ORCH_F(f("host", v.host));
  ORCH_F(f("scheme", v.scheme));
  return f("httpHeaders", v.httpHeaders);
}

ORCH_API_FIELDS(TCPSocketAction) {
  ORCH_F(f.always("port", v.port));
  return f("host", v.host);
}

ORCH_API_FIELDS(GRPCAction) {
  ORCH_F(f.always("port", v.port));
  return f("service", v.service);
}

ORCH_API_FIELDS(SleepAction) {
  return f.always("seconds", v.seconds);
}

ORCH_API_FIELDS(Probe) {
  ORCH_F(f("exec", v.exec));
  ORCH_F(f("httpGet", v.httpGet));
  ORCH_F(f("tcpSocket", v.tcpSocket));
  ORCH_F(f("grpc", v.grpc));
  ORCH_F(f.omitZero("initialDelaySeconds", v.initialDelaySeconds));
  ORCH_F(f.omitZero("timeoutSeconds", v.timeoutSeconds));
  ORCH_F(f.omitZero("periodSeconds", v.periodSeconds));
  ORCH_F(f.omitZero("successThreshold", v.successThreshold));
  ORCH_F(f.omitZero("failureThreshold", v.failureThreshold));
  return f("terminationGracePeriodSeconds", v.terminationGracePeriodSeconds);
}

ORCH_API_FIELDS(LifecycleHandler) {
  ORCH_F(f("exec", v.exec));
  ORCH_F(f("httpGet", v.httpGet));
  ORCH_F(f("tcpSocket", v.tcpSocket));
  return f("sleep", v.sleep);
}

ORCH_API_FIELDS(Lifecycle) {
  ORCH_F(f("postStart", v.postStart));
  return f("preStop", v.preStop);
}

}  // namespace orch::api
