#pragma once
// Store events as watch event lines: upstream's JSON framing ({"type":..,"object":..}\n), the
// selector semantics of a filtered watch (an object that starts matching is ADDED, one that
// stops matching is DELETED), and what is worked out once per event for every watcher of the
// resource (the line an unfiltered watch sends; the labels and selectable fields a filtered
// watch looks at), kept with the watch cache's shared event.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/api/field_selector.h"
#include "common/api/label_selector.h"
#include "common/api/status.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/resources.h"
#include "controlplane/apiserver/watchcache/cached_event.h"

namespace orch::apiserver {

// What selectors look at in one object: its labels and its selectable fields' values.
struct SelectableAttrs {
  api::Labels labels;
  std::map<std::string, std::string> fields;  // metadata.name, metadata.namespace, ...
};

// Which objects a watch delivers.
struct WatchFilter {
  const ResourceInfo* r = nullptr;
  api::Selector labels;
  api::FieldSelector fields;
  std::string name;  // a watch of one object
  bool trivial() const { return labels.empty() && fields.empty() && name.empty(); }
  bool matches(const SelectableAttrs& a) const;
};

std::string eventLine(const char* type, const std::string& object_text);
std::string bookmarkLine(const ResourceInfo& r, int64_t rv, bool initial_events_end);
std::string errorLine(const api::ApiStatus& st);

// Appends the watch event lines that store event `e` (of resource f.r) gives under filter `f`.
// Most watchers of a resource get the same lines: those are shared, not copied.
void translate(const CachedEvent& e, const WatchFilter& f, std::vector<SharedText>& out);

}  // namespace orch::apiserver
