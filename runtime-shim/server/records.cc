#include "runtime-shim/server/records.h"

#include <google/protobuf/util/json_util.h>

namespace orch::shim {

namespace {

nlohmann::json protoToJson(const google::protobuf::Message& m) {
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(m, &text);
  return nlohmann::json::parse(text);
}

Status protoFromJson(const nlohmann::json& j, const char* field, google::protobuf::Message* m) {
  if (!j.contains(field)) return Status::invalid(std::string("record: missing ") + field);
  auto st = google::protobuf::util::JsonStringToMessage(j[field].dump(), m);
  if (!st.ok())
    return Status::invalid(std::string("record: ") + field + ": " + std::string(st.message()));
  return Status::ok();
}

}  // namespace

nlohmann::json toJson(const SandboxRecord& r) {
  return {{"id", r.id},
          {"config", protoToJson(r.config)},
          {"runtime_handler", r.runtime_handler},
          {"created_at_ns", r.created_at_ns},
          {"cgroup_parent", r.cgroup_parent},
          {"netns_path", r.netns_path},
          {"ips", r.ips},
          {"network_ready", r.network_ready},
          {"shm_mounted", r.shm_mounted}};
}

Result<SandboxRecord> sandboxRecordFromJson(const nlohmann::json& j) {
  SandboxRecord r;
  ORCH_RETURN_IF_ERROR(protoFromJson(j, "config", &r.config));
  try {
    r.id = j.at("id").get<std::string>();
    r.runtime_handler = j.value("runtime_handler", "");
    r.created_at_ns = j.value("created_at_ns", int64_t{0});
    r.cgroup_parent = j.value("cgroup_parent", "");
    r.netns_path = j.value("netns_path", "");
    r.ips = j.value("ips", std::vector<std::string>{});
    r.network_ready = j.value("network_ready", false);
    r.shm_mounted = j.value("shm_mounted", false);
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("sandbox record: ") + e.what());
  }
  return r;
}

nlohmann::json toJson(const ContainerRecord& r) {
  return {{"id", r.id},
          {"sandbox_id", r.sandbox_id},
          {"config", protoToJson(r.config)},
          {"image_id", r.image_id},
          {"image_ref", r.image_ref},
          {"created_at_ns", r.created_at_ns},
          {"log_path", r.log_path}};
}

Result<ContainerRecord> containerRecordFromJson(const nlohmann::json& j) {
  ContainerRecord r;
  ORCH_RETURN_IF_ERROR(protoFromJson(j, "config", &r.config));
  try {
    r.id = j.at("id").get<std::string>();
    r.sandbox_id = j.at("sandbox_id").get<std::string>();
    r.image_id = j.value("image_id", "");
    r.image_ref = j.value("image_ref", "");
    r.created_at_ns = j.value("created_at_ns", int64_t{0});
    r.log_path = j.value("log_path", "");
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("container record: ") + e.what());
  }
  return r;
}

std::string sandboxName(const runtime::v1::PodSandboxMetadata& m) {
  return m.name() + "_" + m.namespace_() + "_" + m.uid() + "_" + std::to_string(m.attempt());
}

std::string containerName(const runtime::v1::ContainerMetadata& m,
                          const runtime::v1::PodSandboxMetadata& sandbox) {
  return m.name() + "_" + sandbox.name() + "_" + sandbox.namespace_() + "_" + sandbox.uid() + "_" +
         std::to_string(m.attempt());
}

}  // namespace orch::shim
