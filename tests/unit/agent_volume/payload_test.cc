#include "agent/volume/payload.h"

#include <gtest/gtest.h>

namespace orch::agent {
namespace {

api::KeyToPath ktp(std::string key, std::string path, std::optional<int32_t> mode = std::nullopt) {
  api::KeyToPath k;
  k.key = std::move(key);
  k.path = std::move(path);
  k.mode = mode;
  return k;
}

api::ConfigMap sampleConfigMap() {
  api::ConfigMap cm;
  cm.metadata.name = "app-config";
  cm.data = {{"app.properties", "a=1"}, {"log.level", "debug"}};
  cm.binaryData = {{"blob.bin", std::string("\0\1\2", 3)}};
  return cm;
}

TEST(ConfigMapPayload, AllKeysWithDefaultMode) {
  auto p = configMapPayload({}, sampleConfigMap(), 0600, false);
  ASSERT_TRUE(p.ok());
  Payload want = {{"app.properties", {"a=1", 0600}},
                  {"log.level", {"debug", 0600}},
                  {"blob.bin", {std::string("\0\1\2", 3), 0600}}};
  EXPECT_EQ(*p, want);
}

TEST(ConfigMapPayload, ItemsWithPathsAndModes) {
  auto p = configMapPayload({ktp("app.properties", "conf/app.props", 0400), ktp("blob.bin", "b")},
                            sampleConfigMap(), kDefaultVolumeFileMode, false);
  ASSERT_TRUE(p.ok());
  Payload want = {{"conf/app.props", {"a=1", 0400}}, {"b", {std::string("\0\1\2", 3), 0644}}};
  EXPECT_EQ(*p, want);
}

TEST(ConfigMapPayload, MissingKeyErrorsUnlessOptional) {
  auto p = configMapPayload({ktp("nokey", "x")}, sampleConfigMap(), 0644, false);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().context(), "configmap references non-existent config key: nokey");
  p = configMapPayload({ktp("nokey", "x"), ktp("log.level", "l")}, sampleConfigMap(), 0644, true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 1u);
  EXPECT_EQ(p->at("l").data, "debug");
}

TEST(SecretPayload, DataAndItems) {
  api::Secret s;
  s.data = {{"tls.crt", "CERT"}, {"tls.key", "KEY"}};
  auto all = secretPayload({}, s, kDefaultVolumeFileMode, false);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("tls.key"), (FileProjection{"KEY", 0644}));
  auto some = secretPayload({ktp("tls.key", "private/key.pem", 0400)}, s, 0644, false);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, (Payload{{"private/key.pem", {"KEY", 0400}}}));
  auto missing = secretPayload({ktp("nope", "x")}, s, 0644, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().context(), "references non-existent secret key: nope");
}

api::Pod samplePod() {
  api::Pod pod;
  pod.metadata.name = "web-0";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "u1";
  pod.metadata.labels = {{"app", "web"}, {"zone", "a"}};
  pod.metadata.annotations = {{"build", "two"}};
  api::Container c;
  c.name = "app";
  c.resources.limits["memory"] = api::Quantity::mustParse("128Mi");
  c.resources.requests["cpu"] = api::Quantity::mustParse("250m");
  pod.spec.containers.push_back(c);
  return pod;
}

api::DownwardAPIVolumeFile fieldFile(std::string path, std::string field) {
  api::DownwardAPIVolumeFile f;
  f.path = std::move(path);
  f.fieldRef.emplace().fieldPath = std::move(field);
  return f;
}

api::DownwardAPIVolumeFile resourceFile(std::string path, std::string res, std::string divisor) {
  api::DownwardAPIVolumeFile f;
  f.path = std::move(path);
  auto& r = f.resourceFieldRef.emplace();
  r.containerName = "app";
  r.resource = std::move(res);
  r.divisor = api::Quantity::mustParse(divisor);
  return f;
}

TEST(DownwardAPIPayload, Files) {
  auto labels = fieldFile("labels", "metadata.labels");
  labels.mode = 0400;
  api::ResourceList alloc = {{"cpu", api::Quantity::mustParse("2")}};
  auto p = downwardAPIPayload(
      {labels, fieldFile("name", "metadata.name"), fieldFile("meta/ns", "metadata.namespace"),
       fieldFile("build", "metadata.annotations['build']"),
       resourceFile("mem_limit", "limits.memory", "1Mi"),
       resourceFile("cpu_request", "requests.cpu", "1m"),
       resourceFile("cpu_limit", "limits.cpu", "1m")},
      samplePod(), alloc, 0644);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Payload want = {{"labels", {"app=\"web\"\nzone=\"a\"", 0400}},
                  {"name", {"web-0", 0644}},
                  {"meta/ns", {"shop", 0644}},
                  {"build", {"two", 0644}},
                  {"mem_limit", {"128", 0644}},
                  {"cpu_request", {"250", 0644}},
                  {"cpu_limit", {"2000", 0644}}};
  EXPECT_EQ(*p, want);
}

TEST(DownwardAPIPayload, BadFieldIsAnError) {
  auto p = downwardAPIPayload({fieldFile("x", "spec.nope")}, samplePod(), {}, 0644);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().context().find("x: unsupported fieldPath: spec.nope"), std::string::npos);
}

TEST(ProjectedPayload, MergesSourcesAndNotesServiceAccountToken) {
  api::ProjectedVolumeSource src;
  src.defaultMode = 0440;
  api::VolumeProjection cm;
  cm.configMap.emplace().name = "app-config";
  cm.configMap->items = {ktp("log.level", "config/level")};
  api::VolumeProjection secret;
  secret.secret.emplace().name = "creds";
  api::VolumeProjection downward;
  downward.downwardAPI.emplace().items = {fieldFile("podname", "metadata.name")};
  api::VolumeProjection token;
  token.serviceAccountToken.emplace().path = "token";
  api::VolumeProjection missing_optional;
  missing_optional.configMap.emplace().name = "absent";
  missing_optional.configMap->optional = true;
  src.sources = {cm, secret, downward, token, missing_optional};

  ProjectionSources sources;
  sources.get_config_map = [](const std::string&,
                              const std::string& name) -> Result<std::optional<api::ConfigMap>> {
    if (name == "app-config") return std::optional<api::ConfigMap>(sampleConfigMap());
    return std::optional<api::ConfigMap>();
  };
  sources.get_secret = [](const std::string&,
                          const std::string& name) -> Result<std::optional<api::Secret>> {
    if (name != "creds") return std::optional<api::Secret>();
    api::Secret s;
    s.data = {{"password", "pw"}};
    return std::optional<api::Secret>(s);
  };
  std::vector<std::string> notes;
  auto p = projectedPayload(src, samplePod(), sources, &notes);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Payload want = {
      {"config/level", {"debug", 0440}}, {"password", {"pw", 0440}}, {"podname", {"web-0", 0440}}};
  EXPECT_EQ(*p, want);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("serviceAccountToken"), std::string::npos);

  // A missing non-optional source fails the projection, naming the source.
  src.sources[4].configMap->optional = false;
  p = projectedPayload(src, samplePod(), sources, nullptr);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ENOENT);
  EXPECT_EQ(p.status().context(), "sources[4]: configmap \"absent\" not found");
}

TEST(ForVolume, MissingOptionalIsEmpty) {
  ConfigMapGetter none = [](const std::string&, const std::string&) {
    return Result<std::optional<api::ConfigMap>>(std::optional<api::ConfigMap>());
  };
  auto cm = configMapForVolume(none, "ns", "x", true);
  ASSERT_TRUE(cm.ok());
  EXPECT_TRUE(cm->data.empty());
  cm = configMapForVolume(none, "ns", "x", false);
  ASSERT_FALSE(cm.ok());
  EXPECT_EQ(cm.status().context(), "configmap \"x\" not found");
  ConfigMapGetter broken = [](const std::string&, const std::string&) {
    return Result<std::optional<api::ConfigMap>>(Status::error(EIO, "boom"));
  };
  cm = configMapForVolume(broken, "ns", "x", true);  // optional only covers "not found"
  ASSERT_FALSE(cm.ok());
  EXPECT_EQ(cm.status().code(), EIO);
}

}  // namespace
}  // namespace orch::agent
