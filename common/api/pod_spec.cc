#include "common/api/pod_spec.h"

namespace orch::api {

ORCH_API_FIELDS(Sysctl) {
  ORCH_F(f.always("name", v.name));
  return f.always("value", v.value);
}

ORCH_API_FIELDS(PodSecurityContext) {
  ORCH_F(f("runAsUser", v.runAsUser));
  ORCH_F(f("runAsGroup", v.runAsGroup));
  ORCH_F(f("runAsNonRoot", v.runAsNonRoot));
  ORCH_F(f("supplementalGroups", v.supplementalGroups));
  ORCH_F(f("supplementalGroupsPolicy", v.supplementalGroupsPolicy));
  ORCH_F(f("fsGroup", v.fsGroup));
  ORCH_F(f("sysctls", v.sysctls));
  ORCH_F(f("fsGroupChangePolicy", v.fsGroupChangePolicy));
  return f("seccompProfile", v.seccompProfile);
}

ORCH_API_FIELDS(PodDNSConfigOption) {
  ORCH_F(f("name", v.name));
  return f("value", v.value);
}

ORCH_API_FIELDS(PodDNSConfig) {
  ORCH_F(f("nameservers", v.nameservers));
  ORCH_F(f("searches", v.searches));
  return f("options", v.options);
}

ORCH_API_FIELDS(PodOS) {
  return f.always("name", v.name);
}

ORCH_API_FIELDS(HostAlias) {
  ORCH_F(f.always("ip", v.ip));
  return f("hostnames", v.hostnames);
}

ORCH_API_FIELDS(PodSpec) {
  ORCH_F(f("volumes", v.volumes));
  ORCH_F(f("initContainers", v.initContainers));
  ORCH_F(f.always("containers", v.containers));
  ORCH_F(f("restartPolicy", v.restartPolicy));
  ORCH_F(f("terminationGracePeriodSeconds", v.terminationGracePeriodSeconds));
  ORCH_F(f("activeDeadlineSeconds", v.activeDeadlineSeconds));
  ORCH_F(f("dnsPolicy", v.dnsPolicy));
  ORCH_F(f("nodeSelector", v.nodeSelector));
  ORCH_F(f("serviceAccountName", v.serviceAccountName));
  ORCH_F(f("serviceAccount", v.serviceAccount));
  ORCH_F(f("automountServiceAccountToken", v.automountServiceAccountToken));
  ORCH_F(f("nodeName", v.nodeName));
  ORCH_F(f.omitZero("hostNetwork", v.hostNetwork));
  ORCH_F(f.omitZero("hostPID", v.hostPID));
  ORCH_F(f.omitZero("hostIPC", v.hostIPC));
  ORCH_F(f("shareProcessNamespace", v.shareProcessNamespace));
  ORCH_F(f("securityContext", v.securityContext));
  ORCH_F(f("imagePullSecrets", v.imagePullSecrets));
  ORCH_F(f("hostname", v.hostname));
  ORCH_F(f("subdomain", v.subdomain));
  ORCH_F(f("affinity", v.affinity));
  ORCH_F(f("schedulerName", v.schedulerName));
  ORCH_F(f("tolerations", v.tolerations));
  ORCH_F(f("hostAliases", v.hostAliases));
  ORCH_F(f("priorityClassName", v.priorityClassName));
  ORCH_F(f("priority", v.priority));
  ORCH_F(f("dnsConfig", v.dnsConfig));
  ORCH_F(f("runtimeClassName", v.runtimeClassName));
  ORCH_F(f("enableServiceLinks", v.enableServiceLinks));
  ORCH_F(f("preemptionPolicy", v.preemptionPolicy));
  ORCH_F(f("overhead", v.overhead));
  ORCH_F(f("setHostnameAsFQDN", v.setHostnameAsFQDN));
  ORCH_F(f("os", v.os));
  return f("hostUsers", v.hostUsers);
}

}  // namespace orch::api
