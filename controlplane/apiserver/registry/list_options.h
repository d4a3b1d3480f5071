#pragma once
// The query parameters of list and watch requests (metav1.ListOptions), parsed and checked:
// labelSelector, fieldSelector (only the fields the kind supports), limit, continue,
// resourceVersion, resourceVersionMatch, watch, allowWatchBookmarks, timeoutSeconds,
// sendInitialEvents. Errors are 400 BadRequest naming the parameter.

#include <cstdint>
#include <optional>
#include <string>

#include "common/api/field_selector.h"
#include "common/api/label_selector.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/registry/api_error.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

struct ListOptions {
  api::Selector label_selector;
  api::FieldSelector field_selector;
  int64_t limit = 0;           // 0 = no limit
  std::string continue_token;  // as sent
  // resourceVersion as sent: nullopt = "" (most recent), "0" = any, "N".
  std::optional<int64_t> resource_version;
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
  bool watch = false;
  bool allow_bookmarks = false;
  std::optional<int64_t> timeout_seconds;
  std::optional<bool> send_initial_events;
};

ApiResult<ListOptions> parseListOptions(const ResourceInfo& r, const Request& req);
// ?watch=true or ?watch=1.
bool watchRequested(const Request& req);

// The position a paginated list continues from: the revision of its first page and the last
// key it returned, as upstream's opaque token (base64 of {"v":"meta.k8s.io/v1","rv":..,
// "start":..}) so that clients treat it the same way.
struct ContinuePoint {
  int64_t revision = 0;
  std::string after_key;  // relative to the resource's collection prefix
};
std::string encodeContinue(const ContinuePoint& p);
// 400 BadRequest for a token that is not one of ours.
ApiResult<ContinuePoint> decodeContinue(const std::string& token);

}  // namespace orch::apiserver
