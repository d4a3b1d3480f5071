// The kubelet's labels and annotations on sandboxes and containers, and parsing them back.

#include "agent/kuberuntime/labels.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

using testing::container;
using testing::pod;

TEST(ContainerHash, FnvOverNameAndImage) {
  api::Container c = container("web", "nginx:1.25");
  // FNV-1a 32 of {"image":"nginx:1.25","name":"web"}, computed independently.
  EXPECT_EQ(hashContainer(c), 0x9c60978du);
  EXPECT_EQ(containerHashString(c), "9c60978d");
  api::Container args = c;
  args.args = {"--flag"};
  args.resources.limits["cpu"] = api::Quantity::mustParse("1");
  EXPECT_EQ(hashContainer(args), hashContainer(c));  // only name and image count
  api::Container image = c;
  image.image = "nginx:1.26";
  EXPECT_NE(hashContainer(image), hashContainer(c));
}

TEST(Labels, SandboxLabelsAndAnnotations) {
  api::Pod p = pod();
  p.metadata.labels = {{"app", "web"}, {"io.kubernetes.pod.name", "spoofed"}};
  p.metadata.annotations = {{"note", "x"}};
  EXPECT_EQ(sandboxLabels(p), (StringMap{{"app", "web"},
                                         {"io.kubernetes.pod.name", "web"},
                                         {"io.kubernetes.pod.namespace", "default"},
                                         {"io.kubernetes.pod.uid", "uid-1"}}));
  EXPECT_EQ(sandboxAnnotations(p), (StringMap{{"note", "x"}}));
  auto parsed = parseSandboxLabels(sandboxLabels(p));
  EXPECT_EQ(parsed.pod_name, "web");
  EXPECT_EQ(parsed.pod_namespace, "default");
  EXPECT_EQ(parsed.pod_uid, "uid-1");
}

TEST(Labels, ContainerLabelsAndAnnotations) {
  api::Pod p = pod();
  p.metadata.deletionGracePeriodSeconds = 5;
  api::Container c = container("web", "nginx:1.25");
  c.lifecycle.emplace();
  c.lifecycle->preStop.emplace();
  c.lifecycle->preStop->exec.emplace();
  c.lifecycle->preStop->exec->command = {"/bin/sh", "-c", "sleep 1"};
  api::ContainerPort port;
  port.name = "http";
  port.containerPort = 80;
  port.protocol = "TCP";
  c.ports.push_back(port);

  EXPECT_EQ(containerLabels(p, c), (StringMap{{"io.kubernetes.container.name", "web"},
                                              {"io.kubernetes.pod.name", "web"},
                                              {"io.kubernetes.pod.namespace", "default"},
                                              {"io.kubernetes.pod.uid", "uid-1"}}));
  StringMap a = containerAnnotations(p, c, 3);
  EXPECT_EQ(a.at("io.kubernetes.container.hash"), "9c60978d");
  EXPECT_EQ(a.at("io.kubernetes.container.restartCount"), "3");
  EXPECT_EQ(a.at("io.kubernetes.container.terminationMessagePath"), "/dev/termination-log");
  EXPECT_EQ(a.at("io.kubernetes.container.terminationMessagePolicy"), "File");
  EXPECT_EQ(a.at("io.kubernetes.pod.terminationGracePeriod"), "30");
  EXPECT_EQ(a.at("io.kubernetes.pod.deletionGracePeriod"), "5");
  EXPECT_EQ(a.at("io.kubernetes.container.preStopHandler"),
            R"({"exec":{"command":["/bin/sh","-c","sleep 1"]}})");
  EXPECT_EQ(a.at("io.kubernetes.container.ports"),
            R"([{"containerPort":80,"name":"http","protocol":"TCP"}])");

  ContainerLabels parsed = parseContainerLabels(containerLabels(p, c), a);
  EXPECT_EQ(parsed.pod_name, "web");
  EXPECT_EQ(parsed.pod_namespace, "default");
  EXPECT_EQ(parsed.pod_uid, "uid-1");
  EXPECT_EQ(parsed.container_name, "web");
  EXPECT_EQ(parsed.hash, hashContainer(c));
  EXPECT_EQ(parsed.restart_count, 3);
  EXPECT_EQ(parsed.termination_message_path, "/dev/termination-log");
  EXPECT_EQ(parsed.termination_message_policy, "File");
  EXPECT_EQ(parsed.pod_termination_grace_period, 30);
  EXPECT_EQ(parsed.pod_deletion_grace_period, 5);
  ASSERT_TRUE(parsed.pre_stop.has_value());
  ASSERT_TRUE(parsed.pre_stop->exec.has_value());
  EXPECT_EQ(parsed.pre_stop->exec->command[2], "sleep 1");
  ASSERT_EQ(parsed.ports.size(), 1u);
  EXPECT_EQ(parsed.ports[0].containerPort, 80);
  EXPECT_TRUE(isKubeletContainer(containerLabels(p, c)));
}

TEST(Labels, OptionalAnnotationsAreLeftOut) {
  api::Pod p = pod();
  p.spec.terminationGracePeriodSeconds.reset();
  StringMap a = containerAnnotations(p, container("app"), 0);
  EXPECT_FALSE(a.count("io.kubernetes.pod.terminationGracePeriod"));
  EXPECT_FALSE(a.count("io.kubernetes.pod.deletionGracePeriod"));
  EXPECT_FALSE(a.count("io.kubernetes.container.preStopHandler"));
  EXPECT_FALSE(a.count("io.kubernetes.container.ports"));
  EXPECT_EQ(a.size(), 4u);
}

TEST(Labels, MalformedValuesKeepDefaults) {
  StringMap labels = {{"io.kubernetes.container.name", "x"}};
  StringMap annotations = {{"io.kubernetes.container.hash", "zz"},
                           {"io.kubernetes.container.restartCount", "3x"},
                           {"io.kubernetes.pod.terminationGracePeriod", ""},
                           {"io.kubernetes.container.preStopHandler", "{not json"},
                           {"io.kubernetes.container.ports", R"({"a":1})"}};
  ContainerLabels parsed = parseContainerLabels(labels, annotations);
  EXPECT_EQ(parsed.container_name, "x");
  EXPECT_EQ(parsed.hash, 0u);
  EXPECT_EQ(parsed.restart_count, 0);
  EXPECT_FALSE(parsed.pod_termination_grace_period.has_value());
  EXPECT_FALSE(parsed.pre_stop.has_value());
  EXPECT_TRUE(parsed.ports.empty());
  EXPECT_FALSE(isKubeletContainer(labels));
  EXPECT_FALSE(isKubeletContainer({}));
}

}  // namespace
}  // namespace orch::agent
