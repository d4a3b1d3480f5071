// Round trips of every kind through realistic fixtures (as `kubectl get -o json` prints them):
// decodeStrict() proves every field in the fixture is modelled (none falls into
// unknown_fields), encode(decode(x)) == x proves nothing is lost or added, and spot checks
// prove the values land in the right members.

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/api/types.h"

namespace orch::api {
namespace {

Json fixture(const std::string& name) {
  std::ifstream in(std::string(ORCH_API_TESTDATA) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = detail::parseJsonText(ss.str());
  EXPECT_TRUE(j.ok()) << name << ": " << j.status().message();
  return j.ok() ? *j : Json();
}

// Decodes strictly, checks the round trip, and returns the decoded object.
template <class T>
T roundTrip(const std::string& name) {
  Json in = fixture(name);
  auto strict = decodeStrict<T>(in);
  EXPECT_TRUE(strict.ok()) << name << ": " << strict.status().message();
  auto v = decode<T>(in);
  EXPECT_TRUE(v.ok()) << name << ": " << v.status().message();
  if (!v.ok()) return T{};
  Json out = encode(*v);
  EXPECT_EQ(out, in) << name << " round trip differs:\n" << Json::diff(in, out).dump(2);
  // Text round trip too.
  auto again = parse<T>(serialize(*v));
  EXPECT_TRUE(again.ok());
  if (again.ok()) {
    EXPECT_EQ(encode(*again), in);
  }

  // Unknown keys at the top level and inside metadata survive.
  Json extended = in;
  extended["zzFuture"] = {{"nested", {1, 2, 3}}};
  extended["metadata"]["zzMeta"] = "kept";
  auto ext = decode<T>(extended);
  EXPECT_TRUE(ext.ok());
  if (ext.ok()) {
    EXPECT_EQ(ext->unknown_fields["zzFuture"]["nested"][2], 3);
    EXPECT_EQ(encode(*ext), extended) << name;
  }
  return *v;
}

TEST(KindsTest, Pod) {
  Pod p = roundTrip<Pod>("pod.json");
  EXPECT_EQ(p.metadata.name, "web-7d4b9c8f6d-x2k9p");
  EXPECT_EQ(p.metadata.namespace_, "shop");
  EXPECT_EQ(objectKey(p.metadata), "shop/web-7d4b9c8f6d-x2k9p");
  EXPECT_EQ(p.metadata.creationTimestamp->format(), "2026-11-27T16:25:49Z");
  ASSERT_NE(controllerOf(p.metadata), nullptr);
  EXPECT_EQ(controllerOf(p.metadata)->kind, "ReplicaSet");

  const PodSpec& s = p.spec;
  ASSERT_EQ(s.containers.size(), 2u);
  const Container& web = s.containers[0];
  EXPECT_EQ(web.ports[1].hostPort, 19090);
  EXPECT_EQ(web.ports[1].hostIP, "127.0.0.1");
  EXPECT_EQ(web.env[1].valueFrom->fieldRef->fieldPath, "metadata.name");
  EXPECT_EQ(web.env[2].valueFrom->resourceFieldRef->divisor->toString(), "1Mi");
  EXPECT_EQ(web.env[3].valueFrom->configMapKeyRef->optional, true);
  EXPECT_EQ(web.env[4].valueFrom->secretKeyRef->key, "password");
  EXPECT_EQ(web.envFrom[1].prefix, "S_");
  EXPECT_EQ(web.resources.limits.at("memory").value(), 512 * 1024 * 1024);
  EXPECT_EQ(web.resources.requests.at("cpu").milliValue(), 250);
  EXPECT_EQ(web.livenessProbe->httpGet->port.intValue(), 8080);
  EXPECT_EQ(web.livenessProbe->httpGet->httpHeaders[0].value, "liveness");
  EXPECT_EQ(web.livenessProbe->terminationGracePeriodSeconds, 15);
  EXPECT_EQ(web.readinessProbe->httpGet->port.strValue(), "http");
  EXPECT_EQ(web.readinessProbe->httpGet->scheme, "HTTPS");
  EXPECT_EQ(web.startupProbe->tcpSocket->port.intValue(), 8080);
  EXPECT_EQ(web.lifecycle->preStop->sleep->seconds, 5);
  EXPECT_EQ(web.lifecycle->postStart->exec->command[0], "/bin/sh");
  EXPECT_EQ(web.securityContext->capabilities->drop[0], "ALL");
  EXPECT_EQ(web.securityContext->seccompProfile->type, "RuntimeDefault");
  EXPECT_EQ(web.volumeMounts[4].mountPropagation, "HostToContainer");
  EXPECT_TRUE(web.volumeMounts[1].readOnly);
  EXPECT_EQ(web.volumeMounts[2].subPath, "certs");
  const Container& debug = s.containers[1];
  EXPECT_TRUE(debug.stdin);
  EXPECT_TRUE(debug.tty);
  EXPECT_EQ(debug.readinessProbe->grpc->port, 9000);
  EXPECT_EQ(debug.readinessProbe->grpc->service, "health");
  EXPECT_EQ(debug.livenessProbe->exec->command[1], "/tmp/healthy");
  ASSERT_EQ(s.initContainers.size(), 2u);
  EXPECT_FALSE(s.initContainers[0].restartPolicy.has_value());
  EXPECT_EQ(s.initContainers[1].restartPolicy, "Always");  // a sidecar

  ASSERT_EQ(s.volumes.size(), 7u);
  EXPECT_EQ(s.volumes[0].emptyDir->medium, "Memory");
  EXPECT_EQ(s.volumes[0].emptyDir->sizeLimit->toString(), "128Mi");
  EXPECT_EQ(s.volumes[1].configMap->items[1].mode, 256);
  EXPECT_EQ(s.volumes[1].configMap->defaultMode, 420);
  EXPECT_EQ(s.volumes[2].secret->secretName, "web-tls");
  EXPECT_EQ(s.volumes[3].hostPath->type, "DirectoryOrCreate");
  EXPECT_EQ(s.volumes[4].persistentVolumeClaim->claimName, "web-data");
  EXPECT_TRUE(s.volumes[4].persistentVolumeClaim->readOnly);
  EXPECT_EQ(s.volumes[5].downwardAPI->items[1].resourceFieldRef->resource, "limits.cpu");
  const auto& projected = *s.volumes[6].projected;
  EXPECT_EQ(projected.sources[0].serviceAccountToken->expirationSeconds, 3607);
  EXPECT_EQ(projected.sources[1].configMap->name, "kube-root-ca.crt");
  EXPECT_EQ(projected.sources[2].downwardAPI->items[0].fieldRef->fieldPath, "metadata.namespace");
  EXPECT_EQ(projected.sources[3].secret->optional, true);

  EXPECT_EQ(
      s.affinity->nodeAffinity->requiredDuringSchedulingIgnoredDuringExecution->nodeSelectorTerms[0]
          .matchFields[0]
          .operator_,
      "NotIn");
  EXPECT_EQ(s.affinity->nodeAffinity->preferredDuringSchedulingIgnoredDuringExecution[0].weight,
            50);
  EXPECT_EQ(s.affinity->podAffinity->requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
            "kubernetes.io/hostname");
  EXPECT_EQ(s.affinity->podAntiAffinity->preferredDuringSchedulingIgnoredDuringExecution[0]
                .podAffinityTerm.namespaces[0],
            "shop");
  EXPECT_EQ(s.tolerations[0].tolerationSeconds, 300);
  EXPECT_EQ(s.dnsConfig->options[0].value, "2");
  EXPECT_FALSE(s.dnsConfig->options[1].value.has_value());
  EXPECT_EQ(s.securityContext->sysctls[0].value, "1024 65000");
  EXPECT_EQ(s.securityContext->supplementalGroups[1], 5000);
  EXPECT_EQ(s.securityContext->seccompProfile->localhostProfile, "profiles/web.json");
  EXPECT_EQ(s.priority, 1000);
  EXPECT_EQ(s.activeDeadlineSeconds, 86400);
  EXPECT_EQ(s.os->name, "linux");
  EXPECT_EQ(s.hostAliases[0].hostnames[0], "db.local");
  EXPECT_EQ(s.shareProcessNamespace, false);

  const PodStatus& st = p.status;
  EXPECT_EQ(st.phase, "Running");
  EXPECT_FALSE(st.conditions[0].lastProbeTime.has_value());
  EXPECT_EQ(st.podIPs[1].ip, "fd00:10:244:1::11");
  const ContainerStatus& cs = st.containerStatuses[0];
  EXPECT_EQ(cs.lastState.terminated->exitCode, 137);
  EXPECT_EQ(cs.lastState.terminated->signal, 9);
  EXPECT_EQ(cs.lastState.terminated->reason, "OOMKilled");
  EXPECT_EQ(cs.state.running->startedAt->format(), "2026-11-27T16:25:59Z");
  EXPECT_EQ(cs.restartCount, 1);
  EXPECT_EQ(st.containerStatuses[1].state.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(st.initContainerStatuses[0].state.terminated->exitCode, 0);
  EXPECT_EQ(st.qosClass, "Burstable");
}

TEST(KindsTest, PodUnknownFieldsInsideContainerAndStatus) {
  Json in = fixture("pod.json");
  in["spec"]["containers"][0]["zzContainer"] = {{"x", 1}};
  in["spec"]["initContainers"][1]["resizePolicy"] = Json::parse(R"([{"resourceName":"cpu"}])");
  in["spec"]["volumes"][0]["emptyDir"]["zzDir"] = true;
  in["spec"]["volumes"].push_back(Json::parse(R"({"name":"n","nfs":{"server":"s","path":"/x"}})"));
  in["status"]["zzStatus"] = "s";
  in["status"]["containerStatuses"][0]["state"]["running"]["zzRun"] = 2;
  auto p = decode<Pod>(in);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->spec.containers[0].unknown_fields["zzContainer"]["x"], 1);
  EXPECT_TRUE(p->spec.volumes.back().unknown_fields.contains("nfs"));
  EXPECT_EQ(p->status.unknown_fields["zzStatus"], "s");
  EXPECT_EQ(encode(*p), in);
  auto strict = decodeStrict<Pod>(in);
  ASSERT_FALSE(strict.ok());
  // Fields are checked in declaration order: volumes come before containers.
  EXPECT_EQ(strict.status().context(), "spec.volumes[0].emptyDir.zzDir: unknown field");
}

TEST(KindsTest, PodJsonIsAbout10KB) {
  // The bench decodes this fixture; keep it realistic in size.
  EXPECT_GT(serialize(*decode<Pod>(fixture("pod.json"))).size(), 8000u);
}

TEST(KindsTest, Service) {
  Service s = roundTrip<Service>("service.json");
  EXPECT_EQ(s.spec.ports[0].targetPort.strValue(), "http");
  EXPECT_EQ(s.spec.ports[1].targetPort.intValue(), 5353);
  EXPECT_EQ(s.spec.ports[0].nodePort, 30080);
  EXPECT_EQ(s.spec.ports[0].appProtocol, "http");
  EXPECT_EQ(s.spec.sessionAffinityConfig->clientIP->timeoutSeconds, 10800);
  EXPECT_EQ(s.spec.healthCheckNodePort, 32100);
  EXPECT_TRUE(s.spec.publishNotReadyAddresses);
  EXPECT_EQ(s.spec.ipFamilyPolicy, "PreferDualStack");
  EXPECT_EQ(s.spec.internalTrafficPolicy, "Cluster");
  EXPECT_EQ(s.status.loadBalancer.ingress[1].hostname, "web.lb.example.com");
}

TEST(KindsTest, Endpoints) {
  Endpoints e = roundTrip<Endpoints>("endpoints.json");
  EXPECT_EQ(e.subsets[0].addresses[0].targetRef->name, "web-7d4b9c8f6d-x2k9p");
  EXPECT_EQ(e.subsets[0].notReadyAddresses[0].ip, "10.244.3.4");
  EXPECT_EQ(e.subsets[0].ports[1].protocol, "UDP");
}

TEST(KindsTest, Node) {
  Node n = roundTrip<Node>("node.json");
  EXPECT_EQ(objectKey(n.metadata), "node-1");
  EXPECT_TRUE(n.spec.unschedulable);
  EXPECT_EQ(n.spec.taints[1].timeAdded->format(), "2026-11-27T16:00:00Z");
  EXPECT_EQ(n.status.capacity.at("memory").toString(), "16Gi");
  EXPECT_EQ(n.status.allocatable.at("cpu").milliValue(), 3800);
  EXPECT_EQ(n.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
  EXPECT_EQ(n.status.nodeInfo.kernelVersion, "6.18.0");
  EXPECT_EQ(n.status.images[0].sizeBytes, 48213345);
  EXPECT_EQ(n.status.conditions[1].lastHeartbeatTime->format(), "2026-11-27T16:25:00Z");
  Toleration t{.key = "dedicated", .operator_ = "Equal", .value = "shop", .effect = "NoSchedule"};
  EXPECT_TRUE(toleratesTaint(t, n.spec.taints[0]));
  EXPECT_FALSE(toleratesTaint(t, n.spec.taints[1]));
  EXPECT_TRUE(toleratesTaint(Toleration{.operator_ = "Exists"}, n.spec.taints[1]));
}

TEST(KindsTest, Namespace) {
  Namespace ns = roundTrip<Namespace>("namespace.json");
  EXPECT_EQ(ns.spec.finalizers[0], "kubernetes");
  EXPECT_EQ(ns.status.phase, "Terminating");
  EXPECT_TRUE(ns.metadata.deletionTimestamp.has_value());
}

TEST(KindsTest, ConfigMap) {
  ConfigMap cm = roundTrip<ConfigMap>("configmap.json");
  EXPECT_EQ(cm.data.at("feature"), "on");
  EXPECT_EQ(cm.binaryData.at("one.bin"), std::string("\x01", 1));  // decoded bytes
  EXPECT_EQ(cm.immutable, false);
}

TEST(KindsTest, Secret) {
  Secret s = roundTrip<Secret>("secret.json");
  EXPECT_EQ(s.data.at("password"), "s3cr3t");  // base64 decoded
  EXPECT_EQ(s.data.at("tls.key"), std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(s.type, "Opaque");
  Secret w;
  w.stringData["token"] = "plain";
  w.data["bin"] = std::string("\xff\x00", 2);
  Json j = encode(w);
  EXPECT_EQ(j["stringData"]["token"], "plain");
  EXPECT_EQ(j["data"]["bin"], "/wA=");
}

TEST(KindsTest, ServiceAccount) {
  ServiceAccount sa = roundTrip<ServiceAccount>("serviceaccount.json");
  EXPECT_EQ(sa.automountServiceAccountToken, false);
  EXPECT_EQ(sa.imagePullSecrets[0].name, "regcred");
  EXPECT_EQ(sa.secrets[0].name, "web-token-abcde");
}

TEST(KindsTest, Event) {
  Event e = roundTrip<Event>("event.json");
  EXPECT_EQ(e.involvedObject.fieldPath, "spec.containers{web}");
  EXPECT_EQ(e.count, 3);
  EXPECT_EQ(e.source.host, "node-1");
  EXPECT_FALSE(e.eventTime.has_value());
  EXPECT_EQ(e.related->kind, "Node");
  Event m = roundTrip<Event>("event_micro.json");
  EXPECT_EQ(m.eventTime->format(), "2026-11-27T16:25:49.123456Z");
  EXPECT_FALSE(m.firstTimestamp.has_value());
}

TEST(KindsTest, ResourceQuota) {
  ResourceQuota q = roundTrip<ResourceQuota>("resourcequota.json");
  EXPECT_EQ(q.spec.scopes[0], "NotBestEffort");
  EXPECT_EQ(q.status.used.at("requests.cpu").milliValue(), 750);
  Quantity free = q.status.hard.at("limits.memory") - q.status.used.at("limits.memory");
  EXPECT_EQ(free.toString(), "14848Mi");
}

TEST(KindsTest, LimitRange) {
  LimitRange l = roundTrip<LimitRange>("limitrange.json");
  EXPECT_EQ(l.spec.limits[0].default_.at("cpu").toString(), "500m");
  EXPECT_EQ(l.spec.limits[0].maxLimitRequestRatio.at("cpu").value(), 10);
  EXPECT_EQ(l.spec.limits[1].type, "PersistentVolumeClaim");
}

TEST(KindsTest, Deployment) {
  Deployment d = roundTrip<Deployment>("deployment.json");
  EXPECT_EQ(d.spec.replicas, 3);
  EXPECT_TRUE(d.spec.paused);
  EXPECT_EQ(d.spec.strategy.rollingUpdate->maxSurge->strValue(), "25%");
  EXPECT_EQ(d.spec.strategy.rollingUpdate->maxUnavailable->intValue(), 1);
  EXPECT_EQ(*scaledValueFromIntOrPercent(*d.spec.strategy.rollingUpdate->maxSurge, 3, true), 1);
  EXPECT_FALSE(d.spec.template_.metadata.creationTimestamp.has_value());
  EXPECT_EQ(d.spec.template_.spec.containers[0].ports[0].containerPort, 8080);
  EXPECT_EQ(d.status.conditions[1].reason, "ReplicaSetUpdated");
  EXPECT_EQ(d.status.collisionCount, 1);
  auto sel = toSelector(d.spec.selector);
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->matches(d.spec.template_.metadata.labels));
}

TEST(KindsTest, ReplicaSet) {
  ReplicaSet rs = roundTrip<ReplicaSet>("replicaset.json");
  EXPECT_EQ(rs.spec.minReadySeconds, 5);
  EXPECT_EQ(rs.status.fullyLabeledReplicas, 3);
  EXPECT_EQ(rs.status.conditions[0].type, "ReplicaFailure");
}

TEST(KindsTest, DaemonSet) {
  DaemonSet ds = roundTrip<DaemonSet>("daemonset.json");
  EXPECT_EQ(ds.spec.updateStrategy.rollingUpdate->maxUnavailable->strValue(), "10%");
  EXPECT_EQ(ds.spec.updateStrategy.rollingUpdate->maxSurge->intValue(), 0);
  EXPECT_TRUE(ds.spec.template_.spec.hostNetwork);
  EXPECT_EQ(ds.spec.template_.spec.volumes[0].hostPath->type, "");
  EXPECT_EQ(ds.status.numberUnavailable, 1);
  EXPECT_EQ(ds.status.numberMisscheduled, 0);
}

TEST(KindsTest, EndpointSlice) {
  EndpointSlice s = roundTrip<EndpointSlice>("endpointslice.json");
  EXPECT_EQ(s.addressType, "IPv4");
  EXPECT_EQ(s.endpoints[0].conditions.ready, true);
  EXPECT_EQ(s.endpoints[1].conditions.terminating, true);
  EXPECT_EQ(s.endpoints[0].hints->forZones[0].name, "zone-a");
  EXPECT_EQ(s.endpoints[0].hints->forNodes[0].name, "node-1");
  EXPECT_EQ(s.endpoints[1].hostname, "web-1");
  EXPECT_EQ(s.ports[0].port, 8080);
  EXPECT_EQ(s.ports[1].protocol, "UDP");
  EXPECT_EQ(s.metadata.labels.at("kubernetes.io/service-name"), "web");
}

TEST(KindsTest, Lease) {
  Lease l = roundTrip<Lease>("lease.json");
  EXPECT_EQ(l.spec.leaseDurationSeconds, 15);
  EXPECT_EQ(l.spec.leaseTransitions, 4);
  EXPECT_EQ(l.spec.renewTime->format(), "2026-11-27T16:25:58.123456Z");
}

TEST(KindsTest, Rbac) {
  Role r = roundTrip<Role>("role.json");
  EXPECT_EQ(r.rules[1].resourceNames[0], "web");
  EXPECT_EQ(r.rules[0].apiGroups[0], "");
  ClusterRole cr = roundTrip<ClusterRole>("clusterrole.json");
  EXPECT_EQ(cr.rules[1].nonResourceURLs[0], "/metrics");
  EXPECT_EQ(cr.aggregationRule->clusterRoleSelectors[0].matchLabels.size(), 1u);
  RoleBinding rb = roundTrip<RoleBinding>("rolebinding.json");
  EXPECT_EQ(rb.subjects[1].namespace_, "shop");
  EXPECT_EQ(rb.roleRef.kind, "Role");
  ClusterRoleBinding crb = roundTrip<ClusterRoleBinding>("clusterrolebinding.json");
  EXPECT_EQ(crb.subjects[0].kind, "Group");
}

TEST(KindsTest, PodList) {
  List<Pod> l = roundTrip<List<Pod>>("podlist.json");
  ASSERT_EQ(l.items.size(), 2u);
  EXPECT_EQ(l.items[1].spec.nodeName, "node-1");
  EXPECT_EQ(l.metadata.remainingItemCount, 5);
}

}  // namespace
}  // namespace orch::api
