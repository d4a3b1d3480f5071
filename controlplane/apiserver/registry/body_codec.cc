#include "controlplane/apiserver/registry/body_codec.h"

#include <algorithm>

#include "common/api/codec.h"
#include "common/api/yaml_json.h"

namespace orch::apiserver {

std::string mediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

namespace {

// Deeper documents are refused before anything walks them recursively (Go's decoder stops
// at 10000; real objects stay far below 100).
constexpr int kMaxJsonDepth = 1000;

ApiResult<api::Json> parseBoundedJson(const std::string& text) {
  bool too_deep = false;
  try {
    api::Json j = api::Json::parse(text, [&](int depth, api::Json::parse_event_t, api::Json&) {
      if (depth > kMaxJsonDepth) too_deep = true;
      return !too_deep;
    });
    if (too_deep)
      return badRequestError("the body of the request is nested deeper than " +
                             std::to_string(kMaxJsonDepth) + " levels");
    return j;
  } catch (const api::Json::exception& e) {
    return badRequestError(std::string("the body of the request is not valid JSON: ") + e.what());
  }
}

}  // namespace

ApiResult<api::Json> decodeBody(const Request& req) {
  const std::string type = mediaType(req.header("content-type"));
  if (type.empty() || type == "application/json" || type == "*/*" || type.ends_with("+json"))
    return parseBoundedJson(req.body);
  if (type == "application/yaml" || type == "application/apply-patch+yaml") {
    auto j = api::yamlToJson(req.body);
    if (!j.ok())
      return badRequestError("the body of the request is not valid YAML: " + j.status().context());
    return std::move(j).value();
  }
  return unsupportedMediaTypeError(type);
}

Response objectResponse(const Request& req, int status, const api::Json& obj,
                        const std::vector<std::string>& warnings) {
  Response r;
  r.status = status;
  const std::string accept = req.header("accept");
  if (mediaType(accept) == "application/yaml" && accept.find("json") == std::string::npos) {
    r.content_type = "application/yaml";
    r.body = api::jsonToYaml(obj);
  } else {
    r.body = api::detail::dumpCompact(obj);
  }
  for (const std::string& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    r.headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
  return r;
}

}  // namespace orch::apiserver
