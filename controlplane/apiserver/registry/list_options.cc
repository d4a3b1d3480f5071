#include "controlplane/apiserver/registry/list_options.h"

#include <charconv>

#include "common/api/codec.h"
#include "controlplane/apiserver/registry/field_attributes.h"

namespace orch::apiserver {

namespace {

bool parseInt(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "true", "1" (kubectl and client-go send both spellings).
bool truthy(const std::optional<std::string>& v) {
  return v && (*v == "true" || *v == "1");
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& e : v) s += (s.empty() ? "\"" : ", \"") + e + "\"";
  return s;
}

}  // namespace

bool watchRequested(const Request& req) {
  return truthy(req.queryParam("watch"));
}

ApiResult<ListOptions> parseListOptions(const ResourceInfo& r, const Request& req) {
  ListOptions o;
  if (auto v = req.queryParam("labelSelector"); v && !v->empty()) {
    auto sel = api::Selector::parse(*v);
    if (!sel.ok()) return badRequestError("unable to parse requirement: " + sel.status().context());
    o.label_selector = std::move(sel).value();
  }
  if (auto v = req.queryParam("fieldSelector"); v && !v->empty()) {
    auto sel = api::FieldSelector::parse(*v);
    if (!sel.ok()) return badRequestError("invalid field selector: " + sel.status().context());
    for (const auto& q : sel->requirements()) {
      if (!selectableFieldValue(r, api::Json::object(), q.field))
        return badRequestError("field label not supported: " + q.field +
                               " (supported: " + joined(selectableFields(r)) + ")");
    }
    o.field_selector = std::move(sel).value();
  }
  if (auto v = req.queryParam("limit"); v && !v->empty()) {
    if (!parseInt(*v, o.limit) || o.limit < 0)
      return badRequestError("limit: invalid value \"" + *v + "\": must be a non-negative integer");
  }
  if (auto v = req.queryParam("continue")) o.continue_token = *v;
  if (auto v = req.queryParam("resourceVersion"); v && !v->empty()) {
    int64_t rv = 0;
    if (!parseInt(*v, rv) || rv < 0)
      return badRequestError("resourceVersion: Invalid value: \"" + *v +
                             "\": must be a non-negative integer");
    o.resource_version = rv;
  }
  if (auto v = req.queryParam("resourceVersionMatch"); v && !v->empty()) {
    if (*v != "NotOlderThan" && *v != "Exact")
      return badRequestError("resourceVersionMatch: Unsupported value: \"" + *v +
                             "\": supported values: \"Exact\", \"NotOlderThan\"");
    if (!o.resource_version)
      return badRequestError(
          "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
          "resourceVersion is provided");
    o.resource_version_match = *v;
  }
  o.watch = watchRequested(req);
  o.allow_bookmarks = truthy(req.queryParam("allowWatchBookmarks"));
  if (auto v = req.queryParam("timeoutSeconds"); v && !v->empty()) {
    int64_t t = 0;
    if (!parseInt(*v, t) || t < 0)
      return badRequestError("timeoutSeconds: invalid value \"" + *v + "\"");
    o.timeout_seconds = t;
  }
  if (auto v = req.queryParam("sendInitialEvents"); v && !v->empty())
    o.send_initial_events = truthy(v);
  if (!o.continue_token.empty() && o.resource_version && *o.resource_version != 0)
    return badRequestError("specifying resource version is not allowed when using continue");
  return o;
}

std::string encodeContinue(const ContinuePoint& p) {
  api::Json j = {{"v", "meta.k8s.io/v1"}, {"rv", p.revision}, {"start", p.after_key + '\0'}};
  return api::base64Encode(api::detail::dumpCompact(j));
}

ApiResult<ContinuePoint> decodeContinue(const std::string& token) {
  auto bytes = api::base64Decode(token);
  if (!bytes.ok()) return badRequestError("continue key is not valid: " + bytes.status().context());
  auto j = api::detail::parseJsonText(*bytes);
  if (!j.ok() || !j->is_object() || j->value("v", "") != "meta.k8s.io/v1" ||
      !(*j)["rv"].is_number_integer() || !(*j)["start"].is_string())
    return badRequestError("continue key is not valid: unrecognized format");
  std::string start = (*j)["start"].get<std::string>();
  if (start.empty() || start.back() != '\0' || start.find("..") != std::string::npos)
    return badRequestError("continue key is not valid: bad start key");
  start.pop_back();
  return ContinuePoint{(*j)["rv"].get<int64_t>(), start};
}

}  // namespace orch::apiserver
