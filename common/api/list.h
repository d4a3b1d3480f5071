#pragma once
// List<T>: the "<Kind>List" envelope of list responses (PodList, ServiceList, ...).
// encode() of a List of a kind fills apiVersion ("v1") and kind ("PodList") when empty.

#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"

namespace orch::api {

template <class T>
struct List {
  using ItemType = T;
  std::string apiVersion, kind;
  ListMeta metadata;
  std::vector<T> items;
  Json unknown_fields;
};

template <class T>
Status decodeFields(Reader& r, List<T>& v) {
  ORCH_RETURN_IF_ERROR(r("apiVersion", v.apiVersion));
  ORCH_RETURN_IF_ERROR(r("kind", v.kind));
  ORCH_RETURN_IF_ERROR(r("metadata", v.metadata));
  return r("items", v.items);
}

template <class T>
void encodeFields(Writer& w, const List<T>& v) {
  (void)w("apiVersion", v.apiVersion);
  (void)w("kind", v.kind);
  (void)w.always("metadata", v.metadata);
  (void)w.always("items", v.items);  // upstream writes "items": [] for an empty list
}

}  // namespace orch::api
