#include "common/cni/error.h"

namespace orch::cni {

nlohmann::json Error::toJson(const std::string& cni_version) const {
  nlohmann::json j = nlohmann::json::object();
  if (!cni_version.empty()) j["cniVersion"] = cni_version;
  j["code"] = code;
  j["msg"] = msg;
  if (!details.empty()) j["details"] = details;
  return j;
}

std::optional<Error> Error::fromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("code") || !j["code"].is_number_integer()) {
    return std::nullopt;
  }
  Error e;
  e.code = j["code"].get<int>();
  if (auto it = j.find("msg"); it != j.end() && it->is_string()) e.msg = it->get<std::string>();
  if (auto it = j.find("details"); it != j.end() && it->is_string()) {
    e.details = it->get<std::string>();
  }
  return e;
}

std::string Error::text() const {
  return details.empty() ? msg : msg + ": " + details;
}

Status Error::toStatus(std::string_view what) const {
  int err = EIO;
  switch (code) {
    case kErrTryAgainLater:
      err = EAGAIN;
      break;
    case kErrUnknownContainer:
      err = ENOENT;
      break;
    case kErrIncompatibleVersion:
    case kErrUnsupportedField:
    case kErrInvalidEnvironment:
    case kErrDecodingFailure:
    case kErrInvalidNetworkConfig:
      err = EINVAL;
      break;
    default:
      break;
  }
  return Status::error(err, std::string(what) + ": code " + std::to_string(code) + ": " + text());
}

}  // namespace orch::cni
