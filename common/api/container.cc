#include "common/api/container.h"

namespace orch::api {

ORCH_API_FIELDS(ContainerPort) {
  ORCH_F(f("name", v.name));
  ORCH_F(f.omitZero("hostPort", v.hostPort));
  ORCH_F(f.always("containerPort", v.containerPort));
  ORCH_F(f("protocol", v.protocol));
  return f("hostIP", v.hostIP);
}

ORCH_API_FIELDS(EnvVarSource) {
  ORCH_F(f("fieldRef", v.fieldRef));
  ORCH_F(f("resourceFieldRef", v.resourceFieldRef));
  ORCH_F(f("configMapKeyRef", v.configMapKeyRef));
  return f("secretKeyRef", v.secretKeyRef);
}

ORCH_API_FIELDS(EnvVar) {
  ORCH_F(f.always("name", v.name));
  ORCH_F(f("value", v.value));
  return f("valueFrom", v.valueFrom);
}

ORCH_API_FIELDS(ConfigMapEnvSource) {
  ORCH_F(f("name", v.name));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(SecretEnvSource) {
  ORCH_F(f("name", v.name));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(EnvFromSource) {
  ORCH_F(f("prefix", v.prefix));
  ORCH_F(f("configMapRef", v.configMapRef));
  return f("secretRef", v.secretRef);
}

ORCH_API_FIELDS(VolumeMount) {
  ORCH_F(f.always("name", v.name));
  ORCH_F(f.omitZero("readOnly", v.readOnly));
  ORCH_F(f("recursiveReadOnly", v.recursiveReadOnly));
  ORCH_F(f.always("mountPath", v.mountPath));
  ORCH_F(f("subPath", v.subPath));
  ORCH_F(f("mountPropagation", v.mountPropagation));
  return f("subPathExpr", v.subPathExpr);
}

ORCH_API_FIELDS(ResourceRequirements) {
  ORCH_F(f("limits", v.limits));
  return f("requests", v.requests);
}

ORCH_API_FIELDS(Capabilities) {
  ORCH_F(f("add", v.add));
  return f("drop", v.drop);
}

ORCH_API_FIELDS(SeccompProfile) {
  ORCH_F(f.always("type", v.type));
  return f("localhostProfile", v.localhostProfile);
}

ORCH_API_FIELDS(SecurityContext) {
  ORCH_F(f("capabilities", v.capabilities));
  ORCH_F(f("privileged", v.privileged));
  ORCH_F(f("runAsUser", v.runAsUser));
  ORCH_F(f("runAsGroup", v.runAsGroup));
  ORCH_F(f("runAsNonRoot", v.runAsNonRoot));
  ORCH_F(f("readOnlyRootFilesystem", v.readOnlyRootFilesystem));
  ORCH_F(f("allowPrivilegeEscalation", v.allowPrivilegeEscalation));
  ORCH_F(f("procMount", v.procMount));
  return f("seccompProfile", v.seccompProfile);
}

ORCH_API_FIELDS(Container) {
  ORCH_F(f.always("name", v.name));
  ORCH_F(f("image", v.image));
  ORCH_F(f("command", v.command));
  ORCH_F(f("args", v.args));
  ORCH_F(f("workingDir", v.workingDir));
  ORCH_F(f("ports", v.ports));
  ORCH_F(f("envFrom", v.envFrom));
  ORCH_F(f("env", v.env));
  ORCH_F(f.always("resources", v.resources));
  ORCH_F(f("restartPolicy", v.restartPolicy));
  ORCH_F(f("volumeMounts", v.volumeMounts));
  ORCH_F(f("livenessProbe", v.livenessProbe));
  ORCH_F(f("readinessProbe", v.readinessProbe));
  ORCH_F(f("startupProbe", v.startupProbe));
  ORCH_F(f("lifecycle", v.lifecycle));
  ORCH_F(f("terminationMessagePath", v.terminationMessagePath));
  ORCH_F(f("terminationMessagePolicy", v.terminationMessagePolicy));
  ORCH_F(f("imagePullPolicy", v.imagePullPolicy));
  ORCH_F(f("securityContext", v.securityContext));
  ORCH_F(f.omitZero("stdin", v.stdin));
  ORCH_F(f.omitZero("stdinOnce", v.stdinOnce));
  return f.omitZero("tty", v.tty);
}

}  // namespace orch::api
