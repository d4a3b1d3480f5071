#include "runtime-shim/monitor/monitor_protocol.h"

#include "common/base/file_util.h"

namespace orch::shim {

nlohmann::json toJson(const StartReport& r) {
  return {{"ok", r.ok}, {"error_code", r.error_code}, {"message", r.message}};
}

Result<StartReport> startReportFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::invalid("start report: not a JSON object");
  StartReport r;
  try {
    r.ok = j.value("ok", false);
    r.error_code = j.value("error_code", 0);
    r.message = j.value("message", "");
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("start report: ") + e.what());
  }
  return r;
}

nlohmann::json toJson(const ExecStatus& s) {
  return {{"started", s.started},
          {"exit_code", s.exit_code},
          {"timed_out", s.timed_out},
          {"error_code", s.error_code},
          {"error", s.error}};
}

Result<ExecStatus> execStatusFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::invalid("exec status: not a JSON object");
  ExecStatus s;
  try {
    s.started = j.value("started", false);
    s.exit_code = j.value("exit_code", 0);
    s.timed_out = j.value("timed_out", false);
    s.error_code = j.value("error_code", 0);
    s.error = j.value("error", "");
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("exec status: ") + e.what());
  }
  return s;
}

Status writeExecStatus(const std::string& path, const ExecStatus& s) {
  return writeFileAtomic(path, toJson(s).dump() + "\n", 0600);
}

Result<ExecStatus> readExecStatus(const std::string& path) {
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(path + ": not valid JSON");
  return execStatusFromJson(j);
}

}  // namespace orch::shim
