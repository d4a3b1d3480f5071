#include "controlplane/apiserver/http.h"

#include <algorithm>
#include <cctype>

#include "common/api/codec.h"
#include "common/api/status.h"

namespace orch::apiserver {

std::optional<std::string> Request::queryParam(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::header(const std::string& name) const {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Response jsonResponse(int status, std::string body) {
  return Response{.status = status, .content_type = "application/json", .body = std::move(body)};
}

Response textResponse(int status, std::string body) {
  return Response{
      .status = status, .content_type = "text/plain; charset=utf-8", .body = std::move(body)};
}

Response errorResponse(int status, const std::string& reason, const std::string& message) {
  return jsonResponse(status, api::serialize(api::failureStatus(status, reason, message)));
}

}  // namespace orch::apiserver
