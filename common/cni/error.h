#pragma once
// The CNI error object {"cniVersion", "code", "msg", "details"} and the spec's well-known
// codes. Plugins print it on stdout with a non-zero exit; the library parses it back.

#include <string>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace orch::cni {

enum ErrorCode : int {
  kErrIncompatibleVersion = 1,
  kErrUnsupportedField = 2,
  kErrUnknownContainer = 3,
  kErrInvalidEnvironment = 4,
  kErrIoFailure = 5,
  kErrDecodingFailure = 6,
  kErrInvalidNetworkConfig = 7,
  kErrTryAgainLater = 11,
  kErrPluginNotAvailable = 50,
  kErrLimitedConnectivity = 51,
  kErrInternal = 999,  // what the reference plugins report for errors without a code
};

struct Error {
  int code = kErrInternal;
  std::string msg;
  std::string details;

  // The wire form; cniVersion is included when non-empty.
  nlohmann::json toJson(const std::string& cni_version) const;
  // Parses a plugin's error output; nullopt when it is not an error object.
  static std::optional<Error> fromJson(const nlohmann::json& j);
  // "msg: details" or "msg".
  std::string text() const;
  // A Status for library callers: errno EAGAIN for code 11, ENOENT for 3, EINVAL for
  // 1/2/4/6/7, EIO otherwise; the context carries "code N: msg".
  Status toStatus(std::string_view what) const;
};

}  // namespace orch::cni
