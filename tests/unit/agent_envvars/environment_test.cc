#include "agent/envvars/environment.h"

#include <gtest/gtest.h>

#include <map>

#include "agent/envvars/downward.h"

namespace orch::agent {
namespace {

using api::Quantity;

class EnvironmentTest : public ::testing::Test {
 protected:
  EnvironmentTest() {
    pod_.metadata.name = "web-0";
    pod_.metadata.namespace_ = "shop";
    pod_.metadata.uid = "uid-123";
    pod_.metadata.labels = {{"app", "web"}, {"tier", "front"}};
    pod_.metadata.annotations = {{"note", "say \"hi\""}};
    pod_.spec.nodeName = "node-a";
    pod_.spec.serviceAccountName = "builder";
    pod_.status.podIP = "10.1.0.5";
    pod_.status.podIPs = {{"10.1.0.5", {}}, {"fd00::5", {}}};
    pod_.status.hostIP = "192.0.2.10";
    pod_.status.hostIPs = {{"192.0.2.10", {}}};
    api::Container sidecar;
    sidecar.name = "sidecar";
    sidecar.resources.limits["memory"] = Quantity::mustParse("64Mi");
    pod_.spec.containers.push_back(sidecar);
    api::Container app;
    app.name = "app";
    pod_.spec.containers.push_back(app);

    api::ConfigMap cm;
    cm.metadata.name = "settings";
    cm.data = {{"MODE", "fast"}, {"LEVEL", "3"}, {"bad key", "x"}, {"1ST", "y"}};
    config_maps_["settings"] = cm;
    api::Secret s;
    s.metadata.name = "creds";
    s.data = {{"PASSWORD", "s3cret"}, {"TOKEN", "t0k"}};
    secrets_["creds"] = s;

    ctx_.get_config_map = [this](const std::string& ns,
                                 const std::string& name) -> Result<std::optional<api::ConfigMap>> {
      ++gets_;
      if (ns != "shop") return std::optional<api::ConfigMap>();
      if (name == "broken") return Status::error(EIO, "apiserver unreachable");
      auto it = config_maps_.find(name);
      if (it == config_maps_.end()) return std::optional<api::ConfigMap>();
      return std::optional<api::ConfigMap>(it->second);
    };
    ctx_.get_secret = [this](const std::string& ns,
                             const std::string& name) -> Result<std::optional<api::Secret>> {
      ++gets_;
      if (ns != "shop") return std::optional<api::Secret>();
      auto it = secrets_.find(name);
      if (it == secrets_.end()) return std::optional<api::Secret>();
      return std::optional<api::Secret>(it->second);
    };
    ctx_.node_allocatable = {{"cpu", Quantity::mustParse("4")},
                             {"memory", Quantity::mustParse("8Gi")},
                             {"ephemeral-storage", Quantity::mustParse("100Gi")}};
  }

  api::Container& app() { return pod_.spec.containers[1]; }

  static api::EnvVar value(std::string name, std::string v) {
    api::EnvVar e;
    e.name = std::move(name);
    e.value = std::move(v);
    return e;
  }
  static api::EnvVar field(std::string name, std::string path) {
    api::EnvVar e;
    e.name = std::move(name);
    e.valueFrom.emplace().fieldRef.emplace().fieldPath = std::move(path);
    return e;
  }
  static api::EnvVar resource(std::string name, std::string res, std::string divisor = "",
                              std::string container = "") {
    api::EnvVar e;
    e.name = std::move(name);
    auto& r = e.valueFrom.emplace().resourceFieldRef.emplace();
    r.resource = std::move(res);
    r.containerName = std::move(container);
    if (!divisor.empty()) r.divisor = Quantity::mustParse(divisor);
    return e;
  }
  static api::EnvVar cmKey(std::string name, std::string cm, std::string key,
                           std::optional<bool> optional = std::nullopt) {
    api::EnvVar e;
    e.name = std::move(name);
    auto& r = e.valueFrom.emplace().configMapKeyRef.emplace();
    r.name = std::move(cm);
    r.key = std::move(key);
    r.optional = optional;
    return e;
  }
  static api::EnvVar secretKey(std::string name, std::string secret, std::string key,
                               std::optional<bool> optional = std::nullopt) {
    api::EnvVar e;
    e.name = std::move(name);
    auto& r = e.valueFrom.emplace().secretKeyRef.emplace();
    r.name = std::move(secret);
    r.key = std::move(key);
    r.optional = optional;
    return e;
  }

  Result<std::vector<EnvVarValue>> make(std::vector<std::string>* warnings = nullptr) {
    return makeEnvironment(pod_, app(), ctx_, warnings);
  }

  static std::map<std::string, std::string> asMap(const std::vector<EnvVarValue>& env) {
    std::map<std::string, std::string> m;
    for (const auto& v : env) {
      EXPECT_TRUE(m.emplace(v.name, v.value).second) << "duplicate " << v.name;
    }
    return m;
  }

  api::Pod pod_;
  EnvContext ctx_;
  std::map<std::string, api::ConfigMap> config_maps_;
  std::map<std::string, api::Secret> secrets_;
  int gets_ = 0;
};

TEST_F(EnvironmentTest, ValuesExpandAgainstEarlierEntriesInOrder) {
  app().env = {value("A", "alpha"), value("B", "$(A)-beta"), value("C", "$(D)/$$(A)"),
               value("D", "delta"), value("E", ""),          value("A", "again-$(A)")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  std::vector<EnvVarValue> want = {
      {"A", "again-alpha"}, {"B", "alpha-beta"}, {"C", "$(D)/$(A)"}, {"D", "delta"}, {"E", ""}};
  EXPECT_EQ(*env, want);
}

TEST_F(EnvironmentTest, FieldRefs) {
  app().env = {field("NAME", "metadata.name"),
               field("NS", "metadata.namespace"),
               field("UID", "metadata.uid"),
               field("APP", "metadata.labels['app']"),
               field("MISSING", "metadata.labels['nope']"),
               field("NOTE", "metadata.annotations['note']"),
               field("NODE", "spec.nodeName"),
               field("SA", "spec.serviceAccountName"),
               field("HOST_IP", "status.hostIP"),
               field("HOST_IPS", "status.hostIPs"),
               field("POD_IP", "status.podIP"),
               field("POD_IPS", "status.podIPs"),
               field("LABELS", "metadata.labels")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto m = asMap(*env);
  EXPECT_EQ(m["NAME"], "web-0");
  EXPECT_EQ(m["NS"], "shop");
  EXPECT_EQ(m["UID"], "uid-123");
  EXPECT_EQ(m["APP"], "web");
  EXPECT_EQ(m["MISSING"], "");
  EXPECT_EQ(m["NOTE"], "say \"hi\"");
  EXPECT_EQ(m["NODE"], "node-a");
  EXPECT_EQ(m["SA"], "builder");
  EXPECT_EQ(m["HOST_IP"], "192.0.2.10");
  EXPECT_EQ(m["HOST_IPS"], "192.0.2.10");
  EXPECT_EQ(m["POD_IP"], "10.1.0.5");
  EXPECT_EQ(m["POD_IPS"], "10.1.0.5,fd00::5");
  EXPECT_EQ(m["LABELS"], "app=\"web\"\ntier=\"front\"");
}

TEST_F(EnvironmentTest, ContextAddressesWinOverPodStatus) {
  ctx_.pod_ips = {"10.9.9.9"};
  ctx_.host_ips = {"192.0.2.99", "2001:db8::1"};
  app().env = {field("POD_IP", "status.podIP"), field("HOST_IPS", "status.hostIPs")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto m = asMap(*env);
  EXPECT_EQ(m["POD_IP"], "10.9.9.9");
  EXPECT_EQ(m["HOST_IPS"], "192.0.2.99,2001:db8::1");
}

TEST_F(EnvironmentTest, UnsupportedFieldPathNamesTheField) {
  app().env = {value("X", "1"), field("BAD", "spec.restartPolicy")};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), EINVAL);
  EXPECT_NE(env.status().message().find("spec.containers[1].env[1].valueFrom.fieldRef"),
            std::string::npos)
      << env.status().message();
  EXPECT_NE(env.status().message().find("spec.restartPolicy"), std::string::npos);
}

TEST_F(EnvironmentTest, ResourceFieldRefs) {
  app().resources.requests = {{"cpu", Quantity::mustParse("250m")},
                              {"memory", Quantity::mustParse("100Mi")}};
  app().resources.limits = {{"cpu", Quantity::mustParse("1500m")}};
  app().env = {resource("REQ_CPU", "requests.cpu"),  // 250m rounds up to 1
               resource("REQ_CPU_M", "requests.cpu", "1m"),
               resource("LIM_CPU", "limits.cpu"),
               resource("REQ_MEM_MI", "requests.memory", "1Mi"),
               resource("LIM_MEM", "limits.memory", "1Gi"),  // none: node allocatable 8Gi
               resource("LIM_EPH", "limits.ephemeral-storage", "1Gi"),
               resource("REQ_EPH", "requests.ephemeral-storage"),
               resource("SIDECAR_MEM", "limits.memory", "1Mi", "sidecar")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto m = asMap(*env);
  EXPECT_EQ(m["REQ_CPU"], "1");
  EXPECT_EQ(m["REQ_CPU_M"], "250");
  EXPECT_EQ(m["LIM_CPU"], "2");
  EXPECT_EQ(m["REQ_MEM_MI"], "100");
  EXPECT_EQ(m["LIM_MEM"], "8");
  EXPECT_EQ(m["LIM_EPH"], "100");
  EXPECT_EQ(m["REQ_EPH"], "0");
  EXPECT_EQ(m["SIDECAR_MEM"], "64");
}

TEST_F(EnvironmentTest, ResourceFieldRefErrors) {
  app().env = {resource("X", "limits.gpu")};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("spec.containers[1].env[0].valueFrom.resourceFieldRef"),
            std::string::npos);
  app().env = {resource("X", "limits.cpu", "", "nosuch")};
  env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("container nosuch not found"), std::string::npos);
}

TEST_F(EnvironmentTest, ConfigMapAndSecretKeyRefs) {
  app().env = {cmKey("MODE", "settings", "MODE"),
               secretKey("PW", "creds", "PASSWORD"),
               cmKey("OPT_MISSING_KEY", "settings", "nokey", true),
               cmKey("OPT_MISSING_CM", "nosuch", "k", true),
               secretKey("OPT_MISSING_SECRET", "nosuch", "k", true),
               value("URL", "http://$(MODE):$(PW)")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  std::vector<EnvVarValue> want = {
      {"MODE", "fast"}, {"PW", "s3cret"}, {"URL", "http://fast:s3cret"}};
  EXPECT_EQ(*env, want);
}

TEST_F(EnvironmentTest, MissingConfigMapNamesTheField) {
  app().env = {value("A", "1"), value("B", "2"), cmKey("C", "x", "k")};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), ENOENT);
  EXPECT_EQ(env.status().context(),
            "spec.containers[1].env[2].valueFrom.configMapKeyRef: configmap \"x\" not found");
}

TEST_F(EnvironmentTest, MissingKeysAndSecrets) {
  app().env = {cmKey("C", "settings", "nokey")};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().context(),
            "spec.containers[1].env[0].valueFrom.configMapKeyRef: couldn't find key nokey in "
            "ConfigMap shop/settings");
  app().env = {secretKey("S", "nosuch", "k")};
  env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().context(),
            "spec.containers[1].env[0].valueFrom.secretKeyRef: secret \"nosuch\" not found");
  app().env = {secretKey("S", "creds", "nokey")};
  env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().context(),
            "spec.containers[1].env[0].valueFrom.secretKeyRef: couldn't find key nokey in "
            "Secret shop/creds");
}

TEST_F(EnvironmentTest, GetterErrorsAreNotTreatedAsMissing) {
  app().env = {cmKey("C", "broken", "k", true)};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), EIO);
  EXPECT_NE(env.status().message().find("spec.containers[1].env[0].valueFrom.configMapKeyRef"),
            std::string::npos);
  EXPECT_NE(env.status().message().find("apiserver unreachable"), std::string::npos);
}

TEST_F(EnvironmentTest, NoGetterIsAnError) {
  ctx_.get_config_map = nullptr;
  app().env = {cmKey("C", "settings", "MODE")};
  EXPECT_FALSE(make().ok());
}

TEST_F(EnvironmentTest, EnvFromWithPrefixOptionalAndInvalidKeys) {
  api::EnvFromSource a;
  a.configMapRef.emplace().name = "settings";
  api::EnvFromSource b;
  b.prefix = "DB_";
  b.secretRef.emplace().name = "creds";
  api::EnvFromSource c;
  auto& opt = c.configMapRef.emplace();
  opt.name = "nosuch";
  opt.optional = true;
  app().envFrom = {a, b, c};
  app().env = {value("MODE", "override-$(LEVEL)"), value("X", "$(DB_TOKEN)")};
  std::vector<std::string> warnings;
  auto env = make(&warnings);
  ASSERT_TRUE(env.ok()) << env.status().message();
  // envFrom keys in key order per source, then env; MODE replaced in place.
  std::vector<EnvVarValue> want = {{"LEVEL", "3"},
                                   {"MODE", "override-3"},
                                   {"DB_PASSWORD", "s3cret"},
                                   {"DB_TOKEN", "t0k"},
                                   {"X", "t0k"}};
  EXPECT_EQ(*env, want);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("[1ST, bad key]"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("spec.containers[1].envFrom[0].configMapRef"), std::string::npos);
  // Each object was read once.
  EXPECT_EQ(gets_, 3);
}

TEST_F(EnvironmentTest, EnvFromMissingNonOptional) {
  api::EnvFromSource s;
  s.secretRef.emplace().name = "nosuch";
  app().envFrom = {s};
  auto env = make();
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().context(),
            "spec.containers[1].envFrom[0].secretRef: secret \"nosuch\" not found");
}

TEST_F(EnvironmentTest, InitContainerFieldNames) {
  api::Container init;
  init.name = "setup";
  init.env = {cmKey("C", "x", "k")};
  pod_.spec.initContainers.push_back(init);
  auto env = makeEnvironment(pod_, pod_.spec.initContainers[0], ctx_);
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("spec.initContainers[0].env[0]"), std::string::npos);
}

api::Service service(std::string ns, std::string name, std::string ip, int32_t port) {
  api::Service s;
  s.metadata.namespace_ = std::move(ns);
  s.metadata.name = std::move(name);
  s.spec.clusterIP = std::move(ip);
  api::ServicePort p;
  p.port = port;
  p.protocol = "TCP";
  s.spec.ports.push_back(p);
  return s;
}

TEST_F(EnvironmentTest, ServiceVariablesAfterContainerVariables) {
  ctx_.list_services = [] {
    return Result<std::vector<api::Service>>(std::vector<api::Service>{
        service("default", "kubernetes", "10.96.0.1", 443),
        service("shop", "db", "10.96.0.20", 5432),
        service("other", "cache", "10.96.0.30", 6379),
    });
  };
  app().env = {value("DB_SERVICE_PORT", "overridden"), value("URL", "$(DB_SERVICE_HOST)")};
  auto env = make();
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto m = asMap(*env);
  EXPECT_EQ(m["URL"], "10.96.0.20");
  EXPECT_EQ(m["DB_SERVICE_PORT"], "overridden");
  EXPECT_EQ(m["DB_PORT_5432_TCP_ADDR"], "10.96.0.20");
  EXPECT_EQ(m["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(m.count("CACHE_SERVICE_HOST"), 0u);
  EXPECT_EQ((*env)[0].name, "DB_SERVICE_PORT");
  EXPECT_EQ((*env)[1].name, "URL");

  pod_.spec.enableServiceLinks = false;
  env = make();
  ASSERT_TRUE(env.ok());
  m = asMap(*env);
  EXPECT_EQ(m.count("DB_SERVICE_HOST"), 0u);
  EXPECT_EQ(m["KUBERNETES_SERVICE_HOST"], "10.96.0.1");  // master services always
}

TEST_F(EnvironmentTest, ServiceListErrorFails) {
  ctx_.list_services = [] { return Result<std::vector<api::Service>>(Status::error(EIO, "x")); };
  EXPECT_FALSE(make().ok());
}

TEST_F(EnvironmentTest, ExpandAllCommandAndArgs) {
  std::vector<EnvVarValue> env = {{"GREETING", "hello"}, {"WHO", "world"}};
  std::vector<std::string> args = {"echo", "$(GREETING) $(WHO)", "$$(WHO)", "$(NOPE)"};
  std::vector<std::string> want = {"echo", "hello world", "$(WHO)", "$(NOPE)"};
  EXPECT_EQ(expandAll(args, env), want);
}

TEST(IsEnvVarName, Rules) {
  EXPECT_TRUE(isEnvVarName("A"));
  EXPECT_TRUE(isEnvVarName("a.b-c_d9"));
  EXPECT_TRUE(isEnvVarName("-x"));
  EXPECT_FALSE(isEnvVarName(""));
  EXPECT_FALSE(isEnvVarName("1A"));
  EXPECT_FALSE(isEnvVarName("A B"));
  EXPECT_FALSE(isEnvVarName("A=B"));
}

TEST(FormatDownwardMap, QuotesValues) {
  EXPECT_EQ(formatDownwardMap({{"b", "x\ny"}, {"a", "1"}}), "a=\"1\"\nb=\"x\\ny\"");
  EXPECT_EQ(formatDownwardMap({}), "");
}

}  // namespace
}  // namespace orch::agent
